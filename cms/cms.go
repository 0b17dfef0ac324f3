package cms

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"fmt"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/gost"
)

// Object identifiers of the CMS structures and attributes this package
// reads and writes (RFC 5652, RFC 3161, RFC 5035).
var (
	// OIDData is id-data, the content type NCA's tools sign.
	OIDData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	// OIDSignedData is id-signedData, the content type of a ContentInfo
	// holding SignedData.
	OIDSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	// OIDTSTInfo is id-ct-TSTInfo, the content type of a time-stamp token.
	OIDTSTInfo = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}

	// OIDSHA256 is SHA-256, the digest of NCA's RSA signatures.
	OIDSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	// OIDStreebog512 is GOST 34.11-2015 512-bit (Streebog-512) as NCA
	// names it, the digest of GOST 34.10-2015-512 signatures.
	OIDStreebog512 = asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 3, 3}
	// OIDGOST341195 is GOST 34.311-95 (GOST R 34.11-94, test parameters)
	// as NCA names it, the digest of GOST 34.310-2004 signatures.
	OIDGOST341195 = asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 3, 1}

	oidSHA1           = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidRSAEncryption  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidSHA256WithRSA  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidContentType    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningTime    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidSigningCert    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}
	oidSigningCertV2  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidTimeStampToken = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
)

// DefaultMaxSize is the largest CMS Verify reads when VerifyOptions.MaxSize
// is zero, and the largest Sign writes.
const DefaultMaxSize = 16 << 20

// Limits on the parts of a CMS, whatever its size: more is ErrTooLarge.
const (
	// MaxSigners is the most SignerInfos a SignedData may carry.
	MaxSigners = 16
	// MaxCertificates is the most certificates a SignedData may carry.
	MaxCertificates = 32
	// MaxAttributes is the most signed, and the most unsigned, attributes
	// of one signer.
	MaxAttributes = 32
)

// Errors callers can branch on with errors.Is; the errors returned wrap
// one of them and say more.
var (
	// ErrMalformed: not a CMS ContentInfo in DER or BER, or a SignedData
	// of the wrong shape (a missing or repeated signed attribute, a
	// version that does not fit the signer identifier …).
	ErrMalformed = errors.New("cms: malformed CMS")
	// ErrTooLarge: the CMS exceeds the size limit, or one of the limits on
	// signers, certificates and attributes.
	ErrTooLarge = errors.New("cms: CMS too large")
	// ErrUnsupported: a CMS content type other than SignedData, or a
	// digest or signature algorithm NCA does not use with the signer's
	// key.
	ErrUnsupported = errors.New("cms: unsupported algorithm or structure")
	// ErrNoSignature: a SignedData without signers.
	ErrNoSignature = errors.New("cms: no signer")
	// ErrSignatureCount: more signers than Verify expects (one).
	ErrSignatureCount = errors.New("cms: unexpected number of signers")
	// ErrContent: a detached CMS verified without its content, or content
	// given beside an attached CMS that differs from it.
	ErrContent = errors.New("cms: content missing or different")
	// ErrContentType: the content-type attribute is not the type of the
	// content signed (eContentType).
	ErrContentType = errors.New("cms: content type mismatch")
	// ErrDigest: the message-digest attribute is not the digest of the
	// content: the content was changed.
	ErrDigest = errors.New("cms: message digest mismatch")
	// ErrSignature: the signature does not verify with the signer's key:
	// the signed attributes or the signature were changed.
	ErrSignature = errors.New("cms: signature mismatch")
	// ErrCertificate: the signer's certificate is not in the CMS, is there
	// twice, cannot be read, does not fit the algorithms, or is not the
	// one a signing-certificate attribute names.
	ErrCertificate = errors.New("cms: bad signer certificate")
	// ErrTimeStamp: a time-stamp token (an unsigned attribute) that does
	// not verify: not a token, its signature wrong, or its imprint not the
	// digest of this signature.
	ErrTimeStamp = errors.New("cms: bad time-stamp token")
)

// Error is the error of a failed verification of one signer.
type Error struct {
	// Index is the signer's position among the SignerInfos.
	Index int
	// Err is one of the sentinel errors above, or a *certs.VerifyError
	// of the chain check, wrapped with detail.
	Err error
}

// Error returns "cms: signer N: …".
func (e *Error) Error() string { return fmt.Sprintf("cms: signer %d: %v", e.Index, e.Err) }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// algorithm is how NCA signs with one kind of key.
type algorithm struct {
	digest    asn1.ObjectIdentifier   // digestAlgorithm, written with NULL parameters
	signature asn1.ObjectIdentifier   // signatureAlgorithm Sign writes, with NULL parameters
	accepted  []asn1.ObjectIdentifier // signatureAlgorithm OIDs Verify accepts
}

// The algorithms of NCA's keys (nca-certificates.md §4.1, §4.3; gost.md
// §2). Verify also accepts the public key's own OID as the signature
// algorithm, as RFC 5652 §10.1.2 allows and as OpenSSL (rsaEncryption)
// and NCA's older Kalkan (1.2.398.3.10.1.1.1.1 for GOST 2004) write it.
var (
	algRSA = algorithm{OIDSHA256, oidSHA256WithRSA,
		[]asn1.ObjectIdentifier{oidSHA256WithRSA, oidRSAEncryption}}
	algGOST2015 = algorithm{OIDStreebog512, certs.OIDGOST2015Signature512,
		[]asn1.ObjectIdentifier{certs.OIDGOST2015Signature512, certs.OIDGOST2015PublicKey512}}
	algGOST2004 = algorithm{OIDGOST341195, certs.OIDGOST2004Signature,
		[]asn1.ObjectIdentifier{certs.OIDGOST2004Signature, certs.OIDGOST2004PublicKey, certs.OIDGOST2004SignatureOld}}
)

// algorithmFor returns how a key of the given kind signs.
func algorithmFor(a certs.Algorithm) (algorithm, error) {
	switch a {
	case certs.AlgorithmRSA:
		return algRSA, nil
	case certs.AlgorithmGOST2015_512:
		return algGOST2015, nil
	case certs.AlgorithmGOST2004:
		return algGOST2004, nil
	}
	return algorithm{}, fmt.Errorf("%w: no CMS signature for %s keys", ErrUnsupported, a)
}

func (a algorithm) accepts(oid asn1.ObjectIdentifier) bool {
	for _, o := range a.accepted {
		if o.Equal(oid) {
			return true
		}
	}
	return false
}

// digestOf returns the digest of data under the digest algorithm oid, and
// false for a digest this package does not compute.
func digestOf(oid asn1.ObjectIdentifier, data []byte) ([]byte, bool) {
	switch {
	case oid.Equal(OIDSHA256):
		d := sha256.Sum256(data)
		return d[:], true
	case oid.Equal(OIDStreebog512):
		d := gost.Sum512(data)
		return d[:], true
	case oid.Equal(OIDGOST341195):
		d := gost.Sum341194(data)
		return d[:], true
	}
	return nil, false
}

// certHashOf is digestOf for the certificate hash of a signing-certificate
// attribute, which may also be SHA-1 (ESSCertID, RFC 2634), never a
// signature's digest here.
func certHashOf(oid asn1.ObjectIdentifier, data []byte) ([]byte, bool) {
	if oid.Equal(oidSHA1) {
		d := sha1.Sum(data)
		return d[:], true
	}
	return digestOf(oid, data)
}
