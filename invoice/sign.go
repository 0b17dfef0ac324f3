package invoice

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/gost"
)

// Version is the invoiceUploadInfo version of the bodies this package
// writes.
const Version = "InvoiceV2"

// MaxSignatureLength is the most characters ESF stores of a signature
// (invoiceUploadInfo/signature: maxLength 400).
const MaxSignatureLength = 400

// Signature types: invoiceUploadInfo/signatureType.
const (
	// SignatureCompany is "ЭЦП юридического лица": the taxpayer's own signature.
	SignatureCompany = "COMPANY"
	// SignatureOperator is "ЭЦП лица, уполномоченного подписывать
	// счета-фактуры": a person the company authorised.
	SignatureOperator = "OPERATOR"
)

// Signing errors.
var (
	// ErrSignatureFormat: the signature is not base64, or has the wrong
	// length for the key, or is longer than MaxSignatureLength
	// (ESF's SIGNATURE_INVALID_FORMAT).
	ErrSignatureFormat = errors.New("invoice: signature format")
	// ErrSignature: the signature does not verify
	// (ESF's SIGNATURE_VERIFICATION_FAILED).
	ErrSignature = errors.New("invoice: signature does not verify")
	// ErrKey: the key or certificate is of an algorithm ESF does not sign
	// with, or missing.
	ErrKey = errors.New("invoice: unsupported key")
	// ErrBody: the body to sign is empty or not UTF-8.
	ErrBody = errors.New("invoice: body to sign")
)

// SignOptions tune Sign. The zero value draws the randomness of GOST
// signatures from crypto/rand.
type SignOptions struct {
	// Rand is the randomness of GOST signatures (their k); nil means
	// crypto/rand. RSA PKCS#1 v1.5 signatures do not depend on it.
	Rand io.Reader
}

// Sign signs body with the zero SignOptions (crypto/rand).
func Sign(body []byte, signer crypto.Signer) (string, error) {
	return SignOptions{}.Sign(body, signer)
}

// Sign returns the signature ESF wants for an invoice body: the raw
// signature over the body's bytes exactly as they go into invoiceBody
// (UTF-8, no canonicalization, no XMLDSig), in standard base64, as the
// SDK's signer (Kalkan's Signature over the UTF-8 bytes) makes it. The
// algorithm follows the key:
//
//   - GOST R 34.10-2015 512-bit (NCA's current keys): Streebog-512 of the
//     body, a 128-byte signature in NCA's layout (r ‖ s, little-endian),
//     172 base64 characters;
//   - GOST 34.310-2004: GOST 34.311-95 of the body, 64 bytes, 88 characters;
//   - RSA: SHA-256 with PKCS#1 v1.5 (SHA256withRSA, presumed from the
//     SDK's RSA256 key files), 344 characters for RSA-2048.
//
// The same signature serves the status-change lists (SignIDsWithReasons,
// SignIDs) over their bytes.
func (o SignOptions) Sign(body []byte, signer crypto.Signer) (string, error) {
	if len(body) == 0 || !utf8.Valid(body) {
		return "", fmt.Errorf("%w: empty or not UTF-8", ErrBody)
	}
	if signer == nil {
		return "", fmt.Errorf("%w: no signer", ErrKey)
	}
	rnd := o.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	var sig []byte
	var err error
	switch pub := signer.Public().(type) {
	case *gost.PublicKey:
		digest, derr := gostDigest(pub.Curve, body)
		if derr != nil {
			return "", derr
		}
		sig, err = signer.Sign(rnd, digest, gost.SignerOpts{Layout: gost.LayoutNCA})
	case *rsa.PublicKey:
		d := sha256.Sum256(body)
		sig, err = signer.Sign(rnd, d[:], crypto.SHA256)
	default:
		return "", fmt.Errorf("%w: a %T key", ErrKey, pub)
	}
	if err != nil {
		return "", fmt.Errorf("invoice: signing: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// gostDigest hashes data with the hash of the curve's GOST standard.
func gostDigest(c gost.Curve, data []byte) ([]byte, error) {
	switch c {
	case gost.CurveTC26512A:
		d := gost.Sum512(data)
		return d[:], nil
	case gost.CurveCryptoProA:
		d := gost.Sum341194(data)
		return d[:], nil
	}
	return nil, fmt.Errorf("%w: GOST curve %v", ErrKey, c)
}

// VerifySignature checks signature (base64, as uploaded; line breaks in it
// are ignored, as ESF keeps and returns them) over body with the
// certificate's key, as Sign makes it. It returns ErrSignatureFormat for a
// signature that is not base64 or has the wrong length, ErrSignature for one
// that does not verify, ErrKey for a certificate whose key ESF does not
// sign with. It checks the signature alone: the certificate's chain,
// validity and revocation are certs.Verify's.
func VerifySignature(body []byte, signature string, cert *certs.Certificate) error {
	if cert == nil || cert.PublicKey == nil {
		return fmt.Errorf("%w: no certificate", ErrKey)
	}
	if len(signature) > MaxSignatureLength {
		return fmt.Errorf("%w: %d characters, at most %d", ErrSignatureFormat, len(signature), MaxSignatureLength)
	}
	sig, err := base64.StdEncoding.DecodeString(stripSpace(signature))
	if err != nil {
		return fmt.Errorf("%w: not base64: %v", ErrSignatureFormat, err)
	}
	switch pub := cert.PublicKey.(type) {
	case *gost.PublicKey:
		if len(sig) != 2*pub.Curve.Size() {
			return fmt.Errorf("%w: %d bytes, a %s signature is %d", ErrSignatureFormat, len(sig), cert.Algorithm, 2*pub.Curve.Size())
		}
		digest, err := gostDigest(pub.Curve, body)
		if err != nil {
			return err
		}
		if err := gost.Verify(pub, digest, sig); err != nil {
			return fmt.Errorf("%w: %v", ErrSignature, err)
		}
	case *rsa.PublicKey:
		if len(sig) != pub.Size() {
			return fmt.Errorf("%w: %d bytes, an RSA-%d signature is %d", ErrSignatureFormat, len(sig), pub.N.BitLen(), pub.Size())
		}
		d := sha256.Sum256(body)
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, d[:], sig); err != nil {
			return fmt.Errorf("%w: %v", ErrSignature, err)
		}
	default:
		return fmt.Errorf("%w: a %T key", ErrKey, pub)
	}
	return nil
}

// stripSpace removes the line breaks and spaces some clients put in base64.
func stripSpace(s string) string {
	if !strings.ContainsAny(s, " \t\r\n") {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, s)
}

// SignatureType returns the signatureType that goes with a signature by
// cert: COMPANY for the taxpayer's own key — an individual's or an
// entrepreneur's (no BIN), or a legal entity's first head (role CEO) —
// and OPERATOR for anyone else signing for a legal entity (an employee
// with the right to sign, CAN_SIGN, CAN_SIGN_FINANCIAL or EMPLOYEE).
//
// This is our reading of the WSDL's two labels; how ESF checks the type
// against the certificate's roles is not published.
func SignatureType(cert *certs.Certificate) string {
	if cert == nil || cert.Holder != certs.HolderLegalEntity || cert.HasRole(certs.RoleCEO) {
		return SignatureCompany
	}
	return SignatureOperator
}

// IDWithReason is one invoice of a revoke, unrevoke or decline request.
type IDWithReason struct {
	ID     int64
	Reason string
}

// IDsWithReasonsContent returns the bytes a revoke, unrevoke or decline
// request signs: <signedContent><idsWithReasons><idWithReason><id>ID</id>
// <reason>REASON</reason></idWithReason>…</idsWithReasons></signedContent>,
// without white space between the elements and with the reason
// XML-escaped. This is what a public client signs (the SDK's LocalService
// takes the same idsWithReasons/idWithReason structure); no source shows
// the real service accepting it.
func IDsWithReasonsContent(items []IDWithReason) ([]byte, error) {
	w := writer{buf: make([]byte, 0, 64+64*len(items))}
	w.buf = append(w.buf, "<signedContent><idsWithReasons>"...)
	reason := &decl{name: "reason"}
	for _, it := range items {
		w.buf = append(w.buf, "<idWithReason><id>"...)
		w.buf = strconv.AppendInt(w.buf, it.ID, 10)
		w.buf = append(w.buf, "</id><reason>"...)
		if err := w.text(reason, it.Reason); err != nil {
			return nil, err
		}
		w.buf = append(w.buf, "</reason></idWithReason>"...)
	}
	w.buf = append(w.buf, "</idsWithReasons></signedContent>"...)
	return w.buf, nil
}

// IDsContent returns the bytes a delete request signs:
// <signedContent><ids><id>ID</id>…</ids></signedContent>. What the SDK's
// signIdList serializes is not published; this follows the form of
// IDsWithReasonsContent and is our choice.
func IDsContent(ids []int64) []byte {
	buf := make([]byte, 0, 40+32*len(ids))
	buf = append(buf, "<signedContent><ids>"...)
	for _, id := range ids {
		buf = append(buf, "<id>"...)
		buf = strconv.AppendInt(buf, id, 10)
		buf = append(buf, "</id>"...)
	}
	return append(buf, "</ids></signedContent>"...)
}

// SignIDsWithReasons signs the list of a revoke, unrevoke or decline
// request (IDsWithReasonsContent) as Sign signs a body.
func (o SignOptions) SignIDsWithReasons(items []IDWithReason, signer crypto.Signer) (string, error) {
	content, err := IDsWithReasonsContent(items)
	if err != nil {
		return "", err
	}
	return o.Sign(content, signer)
}

// SignIDs signs the id list of a delete request (IDsContent) as Sign
// signs a body.
func (o SignOptions) SignIDs(ids []int64, signer crypto.Signer) (string, error) {
	return o.Sign(IDsContent(ids), signer)
}

// SignIDsWithReasons signs a revoke, unrevoke or decline list with the zero
// SignOptions (crypto/rand).
func SignIDsWithReasons(items []IDWithReason, signer crypto.Signer) (string, error) {
	return SignOptions{}.SignIDsWithReasons(items, signer)
}

// SignIDs signs a delete request's id list with the zero SignOptions
// (crypto/rand).
func SignIDs(ids []int64, signer crypto.Signer) (string, error) {
	return SignOptions{}.SignIDs(ids, signer)
}
