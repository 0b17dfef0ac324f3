package xmlsig

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/gost"
)

// VerifyOptions tune Verify and VerifyAll. The zero value checks the
// signatures and the certificates' fit, but no chain of trust.
type VerifyOptions struct {
	// Chain, when not nil, is checked for each signer with certs.Verify;
	// its CurrentTime is replaced by Now.
	Chain *certs.VerifyOptions
	// Now is the clock for the chain check; nil means time.Now.
	Now func() time.Time
	// MaxSize is the largest document accepted, in bytes; zero means
	// DefaultMaxSize.
	MaxSize int
}

// Verified is one verified signature.
type Verified struct {
	// Signed is what the signature covers: the canonical form (inclusive
	// C14N 1.0, comments removed) of the document without this signature
	// and the ones after it. It is the only part of the input to trust;
	// parse it to read the document.
	Signed []byte
	// Signer is the certificate from KeyInfo whose key verified the
	// signature.
	Signer *certs.Certificate
	// Chain is the signer's chain when VerifyOptions.Chain was given.
	Chain []*certs.Certificate
	// Method is the SignatureMethod URI.
	Method string
}

// Verify checks a document that carries exactly one signature and returns
// what it signed. Any other number of signatures is ErrSignatureCount.
func Verify(doc []byte, opts VerifyOptions) (*Verified, error) {
	all, err := verify(doc, opts, 1)
	if err != nil {
		return nil, err
	}
	return all[0], nil
}

// VerifyAll checks every signature of a document signed by one or more
// signers in turn (each signature covers the document as it was when it
// was added: without itself and the signatures after it).
func VerifyAll(doc []byte, opts VerifyOptions) ([]*Verified, error) {
	return verify(doc, opts, 0)
}

func verify(doc []byte, opts VerifyOptions, want int) ([]*Verified, error) {
	tree, _, err := parse(doc, opts.MaxSize)
	if err != nil {
		return nil, err
	}
	root := tree.Root()
	sigs, err := signatures(root)
	if err != nil {
		return nil, err
	}
	if len(sigs) == 0 {
		return nil, ErrNoSignature
	}
	if want > 0 && len(sigs) != want {
		return nil, fmt.Errorf("%w: %d signatures, %d expected", ErrSignatureCount, len(sigs), want)
	}
	out := make([]*Verified, 0, len(sigs))
	for i := range sigs {
		v, err := verifyOne(root, sigs, i, opts)
		if err != nil {
			return nil, &Error{Index: i, Err: err}
		}
		out = append(out, v)
	}
	return out, nil
}

// parsedSignature is a ds:Signature checked for NCA's shape.
type parsedSignature struct {
	signedInfo     *etree.Element
	c14n           string // SignedInfo's canonicalization URI
	method         string
	digestMethod   string
	digestValue    []byte
	signatureValue []byte
	cert           *certs.Certificate
}

func parseSignature(sig *etree.Element) (*parsedSignature, error) {
	ps := &parsedSignature{}
	els, err := children(sig)
	if err != nil {
		return nil, err
	}
	if err := expect("Signature", els, "SignedInfo", "SignatureValue", "KeyInfo"); err != nil {
		return nil, err
	}
	ps.signedInfo = els[0]
	si, err := children(els[0])
	if err != nil {
		return nil, err
	}
	if err := expect("SignedInfo", si, "CanonicalizationMethod", "SignatureMethod", "Reference"); err != nil {
		return nil, err
	}
	ps.c14n = si[0].SelectAttrValue("Algorithm", "")
	if ps.c14n != C14N10 && ps.c14n != C14N10WithComments {
		return nil, fmt.Errorf("%w: CanonicalizationMethod %q (NCA uses inclusive C14N 1.0)", ErrUnsupported, ps.c14n)
	}
	ps.method = si[1].SelectAttrValue("Algorithm", "")
	ref := si[2]
	uri := ref.SelectAttr("URI")
	if uri == nil || uri.Value != "" {
		return nil, fmt.Errorf("%w: the Reference must be URI=\"\", the whole document", ErrMalformed)
	}
	re, err := children(ref)
	if err != nil {
		return nil, err
	}
	if err := expect("Reference", re, "Transforms", "DigestMethod", "DigestValue"); err != nil {
		return nil, err
	}
	tr, err := children(re[0])
	if err != nil {
		return nil, err
	}
	if err := expect("Transforms", tr, "Transform", "Transform"); err != nil {
		return nil, err
	}
	if a := tr[0].SelectAttrValue("Algorithm", ""); a != EnvelopedSignature {
		return nil, fmt.Errorf("%w: first Transform %q, want enveloped-signature", ErrUnsupported, a)
	}
	if a := tr[1].SelectAttrValue("Algorithm", ""); a != C14N10 && a != C14N10WithComments {
		return nil, fmt.Errorf("%w: second Transform %q, want C14N 1.0", ErrUnsupported, a)
	}
	for _, t := range tr {
		if len(t.ChildElements()) > 0 {
			return nil, fmt.Errorf("%w: a Transform with parameters", ErrUnsupported)
		}
	}
	ps.digestMethod = re[1].SelectAttrValue("Algorithm", "")
	if ps.digestValue, err = decodeBase64(re[2].Text()); err != nil {
		return nil, fmt.Errorf("%w: DigestValue: %v", ErrMalformed, err)
	}
	if ps.signatureValue, err = decodeBase64(els[1].Text()); err != nil {
		return nil, fmt.Errorf("%w: SignatureValue: %v", ErrMalformed, err)
	}
	ki, err := children(els[2])
	if err != nil {
		return nil, err
	}
	if err := expect("KeyInfo", ki, "X509Data"); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCertificate, err)
	}
	xd, err := children(ki[0])
	if err != nil {
		return nil, err
	}
	if err := expect("X509Data", xd, "X509Certificate"); err != nil {
		return nil, fmt.Errorf("%w: exactly one X509Certificate is expected: %v", ErrCertificate, err)
	}
	der, err := decodeBase64(xd[0].Text())
	if err != nil {
		return nil, fmt.Errorf("%w: X509Certificate: %v", ErrCertificate, err)
	}
	if ps.cert, err = certs.ParseCertificate(der); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCertificate, err)
	}
	return ps, nil
}

// decodeBase64 reads base64 with the line breaks (and the &#13; that Java
// writes) between its characters.
func decodeBase64(s string) ([]byte, error) {
	// White space goes, byte by byte: base64 is ASCII, and what is not
	// stays for the decoder to refuse.
	clean := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\t', '\r', '\n':
		default:
			clean = append(clean, c)
		}
	}
	if len(clean) == 0 {
		return nil, errEmpty
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
	n, err := base64.StdEncoding.Decode(out, clean)
	if err != nil {
		return nil, err
	}
	return out[:n], nil
}

// methodFor returns the signature and digest methods that go with a key.
func methodFor(alg certs.Algorithm) (method, digest string, err error) {
	switch alg {
	case certs.AlgorithmRSA:
		return RSASHA256, SHA256, nil
	case certs.AlgorithmGOST2015_512:
		return GOST2015512, Streebog512, nil
	case certs.AlgorithmGOST2004:
		return GOST2004, GOSTR341194Test, nil
	}
	return "", "", fmt.Errorf("%w: no signature method for %s keys", ErrUnsupported, alg)
}

func hash(digestMethod string, data []byte) []byte {
	switch digestMethod {
	case SHA256:
		d := sha256.Sum256(data)
		return d[:]
	case Streebog512:
		d := gost.Sum512(data)
		return d[:]
	case GOSTR341194Test:
		d := gost.Sum341194(data)
		return d[:]
	}
	return nil
}

func verifyOne(root *etree.Element, sigs []*etree.Element, i int, opts VerifyOptions) (*Verified, error) {
	ps, err := parseSignature(sigs[i])
	if err != nil {
		return nil, err
	}
	method, digestMethod, err := methodFor(ps.cert.Algorithm)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCertificate, err)
	}
	if ps.method != method || ps.digestMethod != digestMethod {
		return nil, fmt.Errorf("%w: SignatureMethod %q / DigestMethod %q do not fit the certificate's %s key", ErrUnsupported, ps.method, ps.digestMethod, ps.cert.Algorithm)
	}

	signed := canonicalDocument(root, sigs[i:])
	if !bytes.Equal(hash(digestMethod, signed), ps.digestValue) {
		return nil, ErrDigest
	}
	signedInfo, err := canonicalSignedInfo(ps)
	if err != nil {
		return nil, err
	}
	if err := checkSignatureValue(ps.cert, digestMethod, signedInfo, ps.signatureValue); err != nil {
		return nil, err
	}
	v := &Verified{Signed: signed, Signer: ps.cert, Method: method}
	if opts.Chain != nil {
		co := *opts.Chain
		co.CurrentTime = now(opts.Now)
		if v.Chain, err = certs.Verify(ps.cert, co); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func now(clock func() time.Time) time.Time {
	if clock == nil {
		return time.Now()
	}
	return clock()
}

// canonicalSignedInfo is SignedInfo in its CanonicalizationMethod: C14N
// 1.0 as NCA writes it, or with comments through goxmldsig.
func canonicalSignedInfo(ps *parsedSignature) ([]byte, error) {
	if ps.c14n != C14N10WithComments {
		return canonical(ps.signedInfo, nil), nil
	}
	out, err := dsig.MakeC14N10WithCommentsCanonicalizer().Canonicalize(ps.signedInfo)
	if err != nil {
		return nil, fmt.Errorf("%w: SignedInfo: %v", ErrMalformed, err)
	}
	return out, nil
}

// canonicalDocument is the enveloped-signature transform and C14N of a
// same-document reference (URI=""), which drops comments: the document
// element without the given signatures, canonicalized.
func canonicalDocument(root *etree.Element, without []*etree.Element) []byte {
	return canonical(root, without)
}

func checkSignatureValue(cert *certs.Certificate, digestMethod string, signedInfo, sig []byte) error {
	digest := hash(digestMethod, signedInfo)
	switch pub := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest, sig); err != nil {
			return fmt.Errorf("%w: %v", ErrSignature, err)
		}
	case *gost.PublicKey:
		if err := gost.Verify(pub, digest, sig); err != nil {
			return fmt.Errorf("%w: %v", ErrSignature, err)
		}
	default:
		return fmt.Errorf("%w: key of type %T", ErrCertificate, cert.PublicKey)
	}
	return nil
}
