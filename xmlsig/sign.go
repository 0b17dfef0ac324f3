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
	tree, l, err := parse(doc, 0)
	if err != nil {
		return nil, err
	}
	return sign(tree, signer, cert, opts, func(sig *signature) ([]byte, error) {
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
	raw, end := serialize(tree, root)
	if len(raw) > DefaultMaxSize {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, len(raw), DefaultMaxSize)
	}
	if !sameWhenParsed(root) {
		// What a verifier parses back from raw is not this tree (a CDATA
		// section, a carriage return, an attribute value that serializes
		// escaped, an xmlns:xml declaration): digest what it will read.
		return Sign(raw, signer, cert, opts)
	}
	return sign(tree, signer, cert, opts, func(sig *signature) ([]byte, error) {
		out := bytes.NewBuffer(make([]byte, 0, len(raw)+sig.sizeBound()))
		out.Write(raw[:end])
		sig.writeTo(out)
		out.Write(raw[end:])
		return out.Bytes(), nil
	})
}

// serialize writes tree as etree's WriteTo does, and returns where the
// end tag of root (its document element) starts: a document element
// without content, which etree writes as <root/>, is written <root></root>
// so that there is one.
func serialize(tree *etree.Document, root *etree.Element) (raw []byte, end int) {
	var b bytes.Buffer
	b.Grow(8 << 10)
	s := &tree.WriteSettings
	for _, t := range tree.Child {
		if t != etree.Token(root) {
			t.WriteTo(&b, s)
			continue
		}
		writeStartTag(&b, root, s)
		b.WriteByte('>')
		writeContent(&b, root, s)
		end = b.Len()
		writeEndTag(&b, root.Space, root.Tag)
	}
	return b.Bytes(), end
}

// writeElement writes el as its WriteTo method does.
func writeElement(w etree.Writer, el *etree.Element, s *etree.WriteSettings) {
	writeStartTag(w, el, s)
	switch {
	case len(el.Child) > 0:
		w.WriteByte('>')
		writeContent(w, el, s)
		writeEndTag(w, el.Space, el.Tag)
	case s.CanonicalEndTags:
		w.WriteByte('>')
		writeEndTag(w, el.Space, el.Tag)
	default:
		w.WriteString("/>")
	}
}

func writeStartTag(w etree.Writer, el *etree.Element, s *etree.WriteSettings) {
	w.WriteByte('<')
	writeQName(w, el.Space, el.Tag)
	for i := range el.Attr {
		w.WriteByte(' ')
		el.Attr[i].WriteTo(w, s)
	}
}

func writeContent(w etree.Writer, el *etree.Element, s *etree.WriteSettings) {
	for _, t := range el.Child {
		switch t := t.(type) {
		case *etree.Element:
			writeElement(w, t, s)
		case *etree.CharData:
			writeCharData(w, t, s)
		default:
			t.WriteTo(w, s)
		}
	}
}

func writeEndTag(w etree.Writer, space, local string) {
	w.WriteString("</")
	writeQName(w, space, local)
	w.WriteByte('>')
}

func writeQName(w etree.Writer, space, local string) {
	if space != "" {
		w.WriteString(space)
		w.WriteByte(':')
	}
	w.WriteString(local)
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

// sign computes the signature of tree's document element and hands it to
// insert, which returns the output document.
//
// The document is canonicalized straight into the digest, and SignedInfo
// is canonicalized where it will stand, with the namespaces and xml:*
// attributes in scope there, by the code that writes it (see
// signedInfo.writeTo): nothing is copied or parsed again. Verify
// canonicalizes the tree it parsed with the same writer (canonical);
// TestCanonicalMatchesGoxmldsig and FuzzCanonical hold both to goxmldsig's
// C14N byte for byte, and the xmlsec1 tests to xmlsec1.
func sign(tree *etree.Document, signer crypto.Signer, cert *certs.Certificate, opts SignOptions, insert func(*signature) ([]byte, error)) ([]byte, error) {
	method, digestMethod, err := methodFor(cert.Algorithm)
	if err != nil {
		return nil, err
	}
	root := tree.Root()
	if _, err := signatures(root); err != nil {
		return nil, err
	}
	h := newHashWriter(digestMethod)
	writeCanonical(h, root)
	si := signedInfo{
		method:          method,
		transform:       C14N10WithComments,
		digestMethod:    digestMethod,
		digest:          h.sum(),
		carriageReturns: opts.CarriageReturns,
	}
	if opts.WithoutComments {
		si.transform = C14N10
	}

	h.reset()
	si.writeTo(h, true, inheritedAttrs(root.Attr, signatureAttrs))
	value, err := signDigest(signer, cert, h.sum(), opts.Rand)
	if err != nil {
		return nil, err
	}
	return insert(&signature{signedInfo: si, value: value, cert: cert.X509.Raw})
}

// signatureAttrs are the attributes of the ds:Signature Sign writes (see
// signature.writeTo), the parent of SignedInfo.
var signatureAttrs = []etree.Attr{{Space: "xmlns", Key: "ds", Value: Namespace}}

// signedInfo is the SignedInfo Sign writes.
type signedInfo struct {
	method, transform, digestMethod string
	digest                          []byte
	carriageReturns                 bool
}

// writeTo writes SignedInfo as it stands in the output, or (canonical) in
// C14N 1.0 as a verifier computes it there, with the namespace
// declarations and xml:* attributes it inherits, inScope (see
// inheritedAttrs): then its start tag carries them, empty elements get
// end tags and a carriage return in the digest is written &#xD;, not
// &#13;. There is no other difference between the two: none of the
// constant text needs escaping.
func (si *signedInfo) writeTo(w etree.Writer, canonical bool, inScope []etree.Attr) {
	if canonical {
		c := c14nWriter{w: w}
		c.startTag("ds", "SignedInfo", nil, inScope)
	} else {
		w.WriteString("<ds:SignedInfo>")
	}
	empty := func(tag, algorithm string) {
		w.WriteString("<ds:")
		w.WriteString(tag)
		w.WriteString(` Algorithm="`)
		w.WriteString(algorithm)
		if canonical {
			w.WriteString(`"></ds:`)
			w.WriteString(tag)
			w.WriteString(">\n")
		} else {
			w.WriteString("\"/>\n")
		}
	}
	w.WriteString("\n")
	empty("CanonicalizationMethod", C14N10)
	empty("SignatureMethod", si.method)
	w.WriteString(`<ds:Reference URI="">` + "\n<ds:Transforms>\n")
	empty("Transform", EnvelopedSignature)
	empty("Transform", si.transform)
	w.WriteString("</ds:Transforms>\n")
	empty("DigestMethod", si.digestMethod)
	w.WriteString("<ds:DigestValue>")
	eol := "\n"
	switch {
	case si.carriageReturns && canonical:
		eol = "&#xD;\n"
	case si.carriageReturns:
		eol = "&#13;\n"
	}
	writeBase64(w, si.digest, eol, false)
	w.WriteString("</ds:DigestValue>\n</ds:Reference>\n</ds:SignedInfo>")
}

// signature is the ds:Signature Sign writes.
type signature struct {
	signedInfo signedInfo
	value      []byte // SignatureValue
	cert       []byte // the certificate's DER
}

// sizeBound is at least the length writeTo writes.
func (s *signature) sizeBound() int {
	return 2<<10 + 2*(len(s.signedInfo.digest)+len(s.value)+len(s.cert))
}

// writeTo writes the signature as NCANode does.
func (s *signature) writeTo(w etree.Writer) {
	eol := "\n"
	if s.signedInfo.carriageReturns {
		eol = "&#13;\n"
	}
	w.WriteString(`<ds:Signature xmlns:ds="` + Namespace + `">` + "\n")
	s.signedInfo.writeTo(w, false, nil)
	w.WriteString("\n<ds:SignatureValue>")
	writeBase64(w, s.value, eol, true)
	w.WriteString("</ds:SignatureValue>\n<ds:KeyInfo>\n<ds:X509Data>\n<ds:X509Certificate>")
	writeBase64(w, s.cert, eol, true)
	w.WriteString("</ds:X509Certificate>\n</ds:X509Data>\n</ds:KeyInfo>\n</ds:Signature>")
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

// writeBase64 writes b in base64, in lines of 76 characters ended by eol.
// A block value (the signature, the certificate) starts and ends on a
// line of its own, after and before a plain line feed, as NCANode writes
// them.
func writeBase64(w etree.Writer, b []byte, eol string, block bool) {
	const perLine = 76 / 4 * 3 // the bytes of one line
	var line [76]byte
	if block {
		w.WriteByte('\n')
	}
	for len(b) > 0 {
		n := min(len(b), perLine)
		base64.StdEncoding.Encode(line[:], b[:n])
		w.Write(line[:base64.StdEncoding.EncodedLen(n)])
		if b = b[n:]; len(b) > 0 {
			w.WriteString(eol)
		}
	}
	if block {
		w.WriteByte('\n')
	}
}

// insertBeforeRootEnd puts sig just before the document element's end tag
// (expanding an empty-element tag), leaving every other byte as it was.
func insertBeforeRootEnd(doc []byte, rootStart, rootEnd int, sig *signature) ([]byte, error) {
	out := bytes.NewBuffer(make([]byte, 0, len(doc)+sig.sizeBound()))
	if bytes.HasSuffix(doc[:rootEnd], []byte("/>")) {
		// <root/>: its name is what follows '<' up to a space, '/' or '>'.
		name := doc[rootStart+1:]
		if i := bytes.IndexAny(name, " \t\r\n/>"); i > 0 {
			name = name[:i]
		}
		out.Write(doc[:rootEnd-2])
		out.WriteByte('>')
		sig.writeTo(out)
		out.WriteString("</")
		out.Write(name)
		out.WriteByte('>')
		out.Write(doc[rootEnd:])
		return out.Bytes(), nil
	}
	i := bytes.LastIndex(doc[:rootEnd], []byte("</"))
	if i < rootStart {
		return nil, fmt.Errorf("%w: no end tag for the document element", ErrMalformed)
	}
	out.Write(doc[:i])
	sig.writeTo(out)
	out.Write(doc[i:])
	return out.Bytes(), nil
}

// sameWhenParsed reports whether the tree under e reads back, once
// serialized and parsed, as the same canonical form: no CDATA sections,
// no carriage returns, no attribute values etree escapes on the way out,
// no xmlns:xml declaration. Documents built as the agreement package
// builds them are; anything else takes Sign's parse round trip.
func sameWhenParsed(e *etree.Element) bool {
	for _, a := range e.Attr {
		if a.Space == "xmlns" && a.Key == "xml" || strings.ContainsAny(a.Value, "\"<>&\r\n\t'") {
			return false
		}
	}
	for _, t := range e.Child {
		switch c := t.(type) {
		case *etree.Element:
			if !sameWhenParsed(c) {
				return false
			}
		case *etree.CharData:
			if c.IsCData() || strings.ContainsRune(c.Data, '\r') {
				return false
			}
		}
	}
	return true
}
