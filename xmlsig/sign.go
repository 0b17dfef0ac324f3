package xmlsig

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/gost"
)

// SignOptions tune Sign. The zero value signs as NCANode does: base64
// wrapped at 76 characters with plain line feeds, the C14N-with-comments
// transform, the real clock and crypto/rand.
type SignOptions struct {
	// Now is the clock the certificate's validity is checked at; nil means
	// time.Now. Signing with a key whose certificate is not valid then is
	// refused, as NCALayer refuses it.
	Now func() time.Time
	// Rand is the randomness for the signature (GOST's k); nil means
	// crypto/rand. RSA PKCS#1 v1.5 signatures do not depend on it.
	Rand io.Reader
	// CarriageReturns ends every base64 line with &#13; as Java's Santuario
	// (and so Kalkan) writes them.
	CarriageReturns bool
	// WithoutComments names plain C14N 1.0 as the reference's second
	// transform, as the native Kalkan SDK does, instead of C14N with
	// comments (NCANode, NCALayer). A URI="" reference drops comments
	// either way.
	WithoutComments bool
}

// Sign appends an enveloped signature by signer, whose certificate is cert,
// to the document element of doc and returns the signed document; the
// bytes of doc are kept as they are. A document that is already signed
// gets a further signature, which covers the earlier ones. The signature
// method follows the key: RSA-SHA256, GOST 2015-512 or GOST 2004.
//
// doc is checked as Verify checks documents (see the package comment). A
// UTF-8 byte-order mark at its start is read and kept at the start of the
// output; like the XML declaration, it is not part of what is signed, so
// the signature is the same as for the document without it.
func Sign(doc []byte, signer crypto.Signer, cert *certs.Certificate, opts SignOptions) ([]byte, error) {
	if err := checkSigner(signer, cert, opts); err != nil {
		return nil, err
	}
	l, err := scan(doc, 0)
	if err != nil {
		return nil, err
	}
	tree, err := build(doc, l)
	if err != nil {
		return nil, err
	}
	return sign(tree, signer, cert, opts, func(sig string) ([]byte, error) {
		return insertBeforeRootEnd(doc, l.rootStart, l.rootEnd, sig)
	})
}

// SignTree signs a document built in memory (as the agreement package
// builds its documents) without serializing and parsing it again: the
// output is the tree serialized by etree with the signature appended to
// the document element. The tree itself is not changed.
func SignTree(tree *etree.Document, signer crypto.Signer, cert *certs.Certificate, opts SignOptions) ([]byte, error) {
	if err := checkSigner(signer, cert, opts); err != nil {
		return nil, err
	}
	root := tree.Root()
	if root == nil {
		return nil, fmt.Errorf("%w: no document element", ErrMalformed)
	}
	if err := checkTree(tree); err != nil {
		return nil, err
	}
	raw, err := tree.WriteToBytes()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if len(raw) > DefaultMaxSize {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, len(raw), DefaultMaxSize)
	}
	return sign(tree, signer, cert, opts, func(sig string) ([]byte, error) {
		if len(root.Child) == 0 { // etree writes <root/>
			i := bytes.LastIndex(raw, []byte("/>"))
			return concat(raw[:i], ">"+sig+"</"+root.FullTag()+">", raw[i+2:]), nil
		}
		i := bytes.LastIndex(raw, []byte("</"+root.FullTag()+">"))
		if i < 0 {
			return nil, fmt.Errorf("%w: no end tag for the document element", ErrMalformed)
		}
		return concat(raw[:i], sig, raw[i:]), nil
	})
}

func concat(a []byte, s string, b []byte) []byte {
	out := make([]byte, 0, len(a)+len(s)+len(b))
	return append(append(append(out, a...), s...), b...)
}

// checkTree refuses in a built tree what scan refuses in raw input.
func checkTree(tree *etree.Document) error {
	for i, t := range tree.Child {
		switch c := t.(type) {
		case *etree.Directive:
			return fmt.Errorf("%w: <!%s…>", ErrForbidden, firstWord([]byte(c.Data)))
		case *etree.ProcInst:
			if c.Target != "xml" || i != 0 {
				return fmt.Errorf("%w: processing instruction <?%s?>", ErrForbidden, c.Target)
			}
		}
	}
	return nil
}

func checkSigner(signer crypto.Signer, cert *certs.Certificate, opts SignOptions) error {
	if signer == nil || cert == nil {
		return fmt.Errorf("%w: a signer and its certificate are needed", ErrCertificate)
	}
	if pub, ok := signer.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(cert.PublicKey) {
		return fmt.Errorf("%w: the signer's key is not the certificate's", ErrCertificate)
	}
	if t := now(opts.Now); !cert.ValidAt(t) {
		return fmt.Errorf("%w: the certificate is valid from %s to %s, not at %s", ErrCertificate,
			cert.NotBefore.UTC().Format(time.RFC3339), cert.NotAfter.UTC().Format(time.RFC3339), t.UTC().Format(time.RFC3339))
	}
	return nil
}

// sign computes the signature of tree's document element and hands its
// XML to insert, which returns the output document.
func sign(tree *etree.Document, signer crypto.Signer, cert *certs.Certificate, opts SignOptions, insert func(string) ([]byte, error)) ([]byte, error) {
	method, digestMethod, err := methodFor(cert.Algorithm)
	if err != nil {
		return nil, err
	}
	root := tree.Root()
	if _, err := signatures(root); err != nil {
		return nil, err
	}
	canon, err := canonicalDocument(root, nil)
	if err != nil {
		return nil, err
	}
	transform := C14N10WithComments
	if opts.WithoutComments {
		transform = C14N10
	}
	digest := wrap(hash(digestMethod, canon), opts.CarriageReturns, false)

	// SignedInfo is canonicalized where it will stand, with the namespaces
	// in scope there: the same elements as written below, built as a tree
	// and hung under (a copy of) the document element. Tests check that a
	// verifier parsing the output computes the same bytes.
	holder := etree.NewElement(root.Tag)
	holder.Space = root.Space
	holder.Attr = append(holder.Attr, root.Attr...)
	sigEl := holder.CreateElement("ds:Signature")
	sigEl.CreateAttr("xmlns:ds", Namespace)
	sigEl.CreateCharData("\n")
	sigEl.AddChild(signedInfoElement(method, transform, digestMethod, strings.ReplaceAll(digest, "&#13;", "\r")))
	signedInfo, err := canonicalizer(C14N10).Canonicalize(sigEl.ChildElements()[0])
	if err != nil {
		return nil, fmt.Errorf("%w: SignedInfo: %v", ErrMalformed, err)
	}
	value, err := signDigest(signer, cert, hash(digestMethod, signedInfo), opts.Rand)
	if err != nil {
		return nil, err
	}

	var sig strings.Builder
	sig.WriteString(`<ds:Signature xmlns:ds="` + Namespace + `">` + "\n")
	sig.WriteString("<ds:SignedInfo>\n")
	sig.WriteString(`<ds:CanonicalizationMethod Algorithm="` + C14N10 + `"/>` + "\n")
	sig.WriteString(`<ds:SignatureMethod Algorithm="` + method + `"/>` + "\n")
	sig.WriteString(`<ds:Reference URI="">` + "\n<ds:Transforms>\n")
	sig.WriteString(`<ds:Transform Algorithm="` + EnvelopedSignature + `"/>` + "\n")
	sig.WriteString(`<ds:Transform Algorithm="` + transform + `"/>` + "\n</ds:Transforms>\n")
	sig.WriteString(`<ds:DigestMethod Algorithm="` + digestMethod + `"/>` + "\n")
	sig.WriteString("<ds:DigestValue>" + digest + "</ds:DigestValue>\n")
	sig.WriteString("</ds:Reference>\n</ds:SignedInfo>\n")
	sig.WriteString("<ds:SignatureValue>" + wrap(value, opts.CarriageReturns, true) + "</ds:SignatureValue>\n")
	sig.WriteString("<ds:KeyInfo>\n<ds:X509Data>\n<ds:X509Certificate>" + wrap(cert.X509.Raw, opts.CarriageReturns, true) +
		"</ds:X509Certificate>\n</ds:X509Data>\n</ds:KeyInfo>\n</ds:Signature>")
	return insert(sig.String())
}

// signedInfoElement builds the SignedInfo that Sign writes, as a tree: the
// same elements, attributes and line feeds.
func signedInfoElement(method, transform, digestMethod, digestText string) *etree.Element {
	si := etree.NewElement("ds:SignedInfo")
	si.CreateCharData("\n")
	empty := func(parent *etree.Element, tag, alg string) {
		parent.CreateElement(tag).CreateAttr("Algorithm", alg)
		parent.CreateCharData("\n")
	}
	empty(si, "ds:CanonicalizationMethod", C14N10)
	empty(si, "ds:SignatureMethod", method)
	ref := si.CreateElement("ds:Reference")
	ref.CreateAttr("URI", "")
	ref.CreateCharData("\n")
	tr := ref.CreateElement("ds:Transforms")
	tr.CreateCharData("\n")
	empty(tr, "ds:Transform", EnvelopedSignature)
	empty(tr, "ds:Transform", transform)
	ref.CreateCharData("\n")
	empty(ref, "ds:DigestMethod", digestMethod)
	ref.CreateElement("ds:DigestValue").SetText(digestText)
	ref.CreateCharData("\n")
	si.CreateCharData("\n")
	return si
}

func signDigest(signer crypto.Signer, cert *certs.Certificate, digest []byte, rnd io.Reader) ([]byte, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	var opts crypto.SignerOpts = crypto.SHA256
	if cert.Algorithm != certs.AlgorithmRSA {
		opts = gost.SignerOpts{Layout: gost.LayoutNCA}
	}
	sig, err := signer.Sign(rnd, digest, opts)
	if err != nil {
		return nil, fmt.Errorf("xmlsig: signing: %w", err)
	}
	return sig, nil
}

// wrap encodes b as base64 in lines of 76 characters. Block values (the
// signature and the certificate) start and end on their own line, as
// NCANode writes them.
func wrap(b []byte, carriageReturns, block bool) string {
	s := base64.StdEncoding.EncodeToString(b)
	eol := "\n"
	if carriageReturns {
		eol = "&#13;\n"
	}
	var out strings.Builder
	if block {
		out.WriteString("\n")
	}
	for len(s) > 76 {
		out.WriteString(s[:76] + eol)
		s = s[76:]
	}
	out.WriteString(s)
	if block {
		out.WriteString("\n")
	}
	return out.String()
}

// insertBeforeRootEnd puts sig just before the document element's end tag
// (expanding an empty-element tag), leaving every other byte as it was.
func insertBeforeRootEnd(doc []byte, rootStart, rootEnd int, sig string) ([]byte, error) {
	var out bytes.Buffer
	if bytes.HasSuffix(doc[:rootEnd], []byte("/>")) {
		// <root/>: its name is what follows '<' up to a space, '/' or '>'.
		name := doc[rootStart+1:]
		if i := bytes.IndexAny(name, " \t\r\n/>"); i > 0 {
			name = name[:i]
		}
		out.Write(doc[:rootEnd-2])
		out.WriteString(">" + sig + "</" + string(name) + ">")
		out.Write(doc[rootEnd:])
		return out.Bytes(), nil
	}
	i := bytes.LastIndex(doc[:rootEnd], []byte("</"))
	if i < rootStart {
		return nil, fmt.Errorf("%w: no end tag for the document element", ErrMalformed)
	}
	out.Write(doc[:i])
	out.WriteString(sig)
	out.Write(doc[i:])
	return out.Bytes(), nil
}
