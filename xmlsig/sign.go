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
func Sign(doc []byte, signer crypto.Signer, cert *certs.Certificate, opts SignOptions) ([]byte, error) {
	if signer == nil || cert == nil {
		return nil, fmt.Errorf("%w: a signer and its certificate are needed", ErrCertificate)
	}
	if pub, ok := signer.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(cert.PublicKey) {
		return nil, fmt.Errorf("%w: the signer's key is not the certificate's", ErrCertificate)
	}
	if t := now(opts.Now); !cert.ValidAt(t) {
		return nil, fmt.Errorf("%w: the certificate is valid from %s to %s, not at %s", ErrCertificate,
			cert.NotBefore.UTC().Format(time.RFC3339), cert.NotAfter.UTC().Format(time.RFC3339), t.UTC().Format(time.RFC3339))
	}
	method, digestMethod, err := methodFor(cert.Algorithm)
	if err != nil {
		return nil, err
	}
	rootStart, rootEnd, err := scan(doc, 0)
	if err != nil {
		return nil, err
	}
	tree, err := parse(doc, 0)
	if err != nil {
		return nil, err
	}
	if _, err := signatures(tree.Root()); err != nil {
		return nil, err
	}
	canon, err := canonicalDocument(tree.Root(), nil)
	if err != nil {
		return nil, err
	}

	transform := C14N10WithComments
	if opts.WithoutComments {
		transform = C14N10
	}
	const placeholder = "\x00SIGNATURE-VALUE\x00"
	var sig strings.Builder
	sig.WriteString(`<ds:Signature xmlns:ds="` + Namespace + `">` + "\n")
	sig.WriteString("<ds:SignedInfo>\n")
	sig.WriteString(`<ds:CanonicalizationMethod Algorithm="` + C14N10 + `"/>` + "\n")
	sig.WriteString(`<ds:SignatureMethod Algorithm="` + method + `"/>` + "\n")
	sig.WriteString(`<ds:Reference URI="">` + "\n<ds:Transforms>\n")
	sig.WriteString(`<ds:Transform Algorithm="` + EnvelopedSignature + `"/>` + "\n")
	sig.WriteString(`<ds:Transform Algorithm="` + transform + `"/>` + "\n</ds:Transforms>\n")
	sig.WriteString(`<ds:DigestMethod Algorithm="` + digestMethod + `"/>` + "\n")
	sig.WriteString("<ds:DigestValue>" + wrap(hash(digestMethod, canon), opts.CarriageReturns, false) + "</ds:DigestValue>\n")
	sig.WriteString("</ds:Reference>\n</ds:SignedInfo>\n")
	sig.WriteString("<ds:SignatureValue>" + placeholder + "</ds:SignatureValue>\n")
	sig.WriteString("<ds:KeyInfo>\n<ds:X509Data>\n<ds:X509Certificate>" + wrap(cert.X509.Raw, opts.CarriageReturns, true) +
		"</ds:X509Certificate>\n</ds:X509Data>\n</ds:KeyInfo>\n</ds:Signature>")

	out, err := insertBeforeRootEnd(doc, rootStart, rootEnd, sig.String())
	if err != nil {
		return nil, err
	}
	// SignedInfo is canonicalized where it stands, with the namespaces in
	// scope there, so parse the document with the signature in place.
	withSig, err := parse(bytes.Replace(out, []byte(placeholder), nil, 1), len(out)+1)
	if err != nil {
		return nil, fmt.Errorf("xmlsig: the signed document does not parse: %w", err)
	}
	sigs, err := signatures(withSig.Root())
	if err != nil {
		return nil, err
	}
	last := sigs[len(sigs)-1]
	signedInfo, err := canonicalizer(C14N10).Canonicalize(last.ChildElements()[0])
	if err != nil {
		return nil, fmt.Errorf("%w: SignedInfo: %v", ErrMalformed, err)
	}
	value, err := signDigest(signer, cert, hash(digestMethod, signedInfo), opts.Rand)
	if err != nil {
		return nil, err
	}
	return bytes.Replace(out, []byte(placeholder), []byte(wrap(value, opts.CarriageReturns, true)), 1), nil
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
