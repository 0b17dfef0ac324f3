package cms

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"slices"
	"time"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/gost"
)

// VerifyOptions tune Verify and VerifyAll. The zero value checks an
// attached CMS's signatures, signed attributes and time-stamps, and the
// certificates' fit, but no chain of trust.
type VerifyOptions struct {
	// Content is the content of a detached CMS; nil means none is given (a
	// detached CMS is then ErrContent), and an empty non-nil slice is
	// empty content. Given beside an attached CMS it must equal the
	// content the CMS carries.
	Content []byte
	// Chain, when not nil, is checked for each signer with certs.Verify;
	// its CurrentTime is replaced by Now, and the other certificates the
	// CMS carries are offered as intermediates.
	Chain *certs.VerifyOptions
	// TimeStampChain, when not nil, is checked likewise for the
	// certificate of each time-stamp authority. Without it a time-stamp's
	// signature and imprint are checked, and its authority's certificate
	// is taken from the token unchecked.
	TimeStampChain *certs.VerifyOptions
	// Now is the clock for the chain checks; nil means time.Now.
	Now func() time.Time
	// MaxSize is the largest CMS accepted, in bytes; zero means
	// DefaultMaxSize.
	MaxSize int
}

// Verified is one verified signer.
type Verified struct {
	// Content is what was signed: the content the CMS carries (a slice of
	// the input when it was DER), or VerifyOptions.Content for a detached
	// one.
	Content []byte
	// ContentType is the type of the content (eContentType): OIDData for
	// what NCA's tools sign.
	ContentType asn1.ObjectIdentifier
	// Detached is true when the CMS did not carry the content.
	Detached bool
	// Signer is the certificate, from the CMS, whose key verified the
	// signature.
	Signer *certs.Certificate
	// Chain is the signer's chain when VerifyOptions.Chain was given.
	Chain []*certs.Certificate
	// SigningTime is the signingTime signed attribute, zero when absent:
	// the time the signer's computer claimed, signed but not attested.
	SigningTime time.Time
	// DigestAlgorithm and SignatureAlgorithm are the SignerInfo's OIDs.
	DigestAlgorithm    asn1.ObjectIdentifier
	SignatureAlgorithm asn1.ObjectIdentifier
	// TimeStamps are the verified time-stamp tokens of the signature
	// (unsigned attribute id-aa-timeStampToken, as CAdES-T).
	TimeStamps []*TimeStamp
}

// Verify checks a CMS SignedData that carries exactly one signer and
// returns what it signed. data is a DER or BER ContentInfo (DecodePEM reads
// the PEM and base64 forms). Any other number of signers is
// ErrSignatureCount.
func Verify(data []byte, opts VerifyOptions) (*Verified, error) {
	all, err := verify(data, opts, 1)
	if err != nil {
		return nil, err
	}
	return all[0], nil
}

// VerifyAll checks every signer of a CMS signed by one or more signers
// (co-signed: each SignerInfo signs the same content).
func VerifyAll(data []byte, opts VerifyOptions) ([]*Verified, error) {
	return verify(data, opts, 0)
}

func verify(data []byte, opts VerifyOptions, want int) ([]*Verified, error) {
	limit := opts.MaxSize
	if limit <= 0 {
		limit = DefaultMaxSize
	}
	if len(data) > limit {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, len(data), limit)
	}
	sd, err := parse(data)
	if err != nil {
		return nil, err
	}
	content := sd.content
	switch {
	case !sd.attached && opts.Content == nil:
		return nil, fmt.Errorf("%w: the CMS is detached: its content must be given (VerifyOptions.Content)", ErrContent)
	case !sd.attached:
		content = opts.Content
	case opts.Content != nil && !bytes.Equal(opts.Content, sd.content):
		return nil, fmt.Errorf("%w: the CMS carries its content, and the content given is not the same", ErrContent)
	}
	if len(sd.signers) == 0 {
		return nil, ErrNoSignature
	}
	if want > 0 && len(sd.signers) != want {
		return nil, fmt.Errorf("%w: %d signers, %d expected", ErrSignatureCount, len(sd.signers), want)
	}
	out := make([]*Verified, 0, len(sd.signers))
	for i, si := range sd.signers {
		v, err := verifySigner(sd, si, content, opts, true)
		if err != nil {
			return nil, &Error{Index: i, Err: err}
		}
		v.Detached = !sd.attached
		out = append(out, v)
	}
	return out, nil
}

// verifySigner checks one SignerInfo over content; timeStamps says whether
// its time-stamp tokens are verified (not for the signer of a token).
func verifySigner(sd *signedData, si *signerInfo, content []byte, opts VerifyOptions, timeStamps bool) (*Verified, error) {
	cert, err := findSigner(sd.certs, si)
	if err != nil {
		return nil, err
	}
	alg, err := algorithmFor(cert.Algorithm)
	if err != nil {
		return nil, err
	}
	if err := checkAlgorithms(sd, si, alg, cert); err != nil {
		return nil, err
	}
	v := &Verified{Content: content, ContentType: sd.contentType, Signer: cert,
		DigestAlgorithm: si.digestAlgorithm.Algorithm, SignatureAlgorithm: si.signatureAlgorithm.Algorithm}
	if err := checkSignedAttributes(si, sd.contentType, alg, content, cert, v); err != nil {
		return nil, err
	}
	if err := checkSignature(cert, alg, si.signedAttrs, si.signature); err != nil {
		return nil, err
	}
	if timeStamps {
		for _, a := range si.unsigned {
			if !a.typ.Equal(oidTimeStampToken) {
				continue // other unsigned attributes are not signed: nothing to check
			}
			for _, token := range a.values {
				ts, err := verifyTimeStamp(token, si.signature, opts)
				if err != nil {
					return nil, err
				}
				v.TimeStamps = append(v.TimeStamps, ts)
			}
		}
	}
	if opts.Chain != nil {
		if v.Chain, err = verifyChain(cert, sd.certs, *opts.Chain, opts.Now); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// verifyChain checks cert with certs.Verify at now, offering the other
// certificates of the CMS as intermediates.
func verifyChain(cert *certs.Certificate, carried []*certs.Certificate, co certs.VerifyOptions, clock func() time.Time) ([]*certs.Certificate, error) {
	co.CurrentTime = now(clock)
	for _, c := range carried {
		if c != cert {
			co.Intermediates = append(slices.Clip(co.Intermediates), c)
		}
	}
	return certs.Verify(cert, co)
}

func now(clock func() time.Time) time.Time {
	if clock == nil {
		return time.Now()
	}
	return clock()
}

// findSigner returns the one certificate of the CMS the SignerInfo names.
func findSigner(all []*certs.Certificate, si *signerInfo) (*certs.Certificate, error) {
	var found *certs.Certificate
	for _, c := range all {
		match := si.ski != nil && bytes.Equal(c.X509.SubjectKeyId, si.ski) ||
			si.serial != nil && bytes.Equal(c.X509.RawIssuer, si.issuer) && c.X509.SerialNumber.Cmp(si.serial) == 0
		switch {
		case !match:
		case found == nil:
			found = c
		case !bytes.Equal(found.X509.Raw, c.X509.Raw):
			return nil, fmt.Errorf("%w: two different certificates fit the signer identifier", ErrCertificate)
		}
	}
	if found == nil {
		if si.ski != nil {
			return nil, fmt.Errorf("%w: no certificate with the subject key identifier %x in the CMS", ErrCertificate, si.ski)
		}
		return nil, fmt.Errorf("%w: no certificate with the serial number %x of the signer's issuer in the CMS", ErrCertificate, si.serial)
	}
	return found, nil
}

// checkAlgorithms checks that the digest and signature algorithms are the
// ones of the certificate's key, with NULL or absent parameters, and that
// SignedData lists the digest algorithm.
func checkAlgorithms(sd *signedData, si *signerInfo, alg algorithm, cert *certs.Certificate) error {
	if !si.digestAlgorithm.Algorithm.Equal(alg.digest) || !nullOrAbsent(si.digestAlgorithm) {
		return fmt.Errorf("%w: digest algorithm %s does not fit the certificate's %s key (want %s)", ErrUnsupported,
			si.digestAlgorithm.Algorithm, cert.Algorithm, alg.digest)
	}
	if !alg.accepts(si.signatureAlgorithm.Algorithm) || !nullOrAbsent(si.signatureAlgorithm) {
		return fmt.Errorf("%w: signature algorithm %s does not fit the certificate's %s key (want %s)", ErrUnsupported,
			si.signatureAlgorithm.Algorithm, cert.Algorithm, alg.signature)
	}
	for _, d := range sd.digestAlgorithms {
		if d.Algorithm.Equal(alg.digest) {
			return nil
		}
	}
	return fmt.Errorf("%w: SignedData does not list the signer's digest algorithm %s", ErrMalformed, alg.digest)
}

var asn1Null = []byte{tagNull, 0}

func nullOrAbsent(a pkix.AlgorithmIdentifier) bool {
	return a.Parameters.FullBytes == nil || bytes.Equal(a.Parameters.FullBytes, asn1Null)
}

// checkSignedAttributes checks the signed attributes NCA writes: exactly
// one content type, the content's; exactly one message digest, the
// content's; at most one signing time; and, when present, the signing
// certificate attribute's hash of the signer's certificate (ESS, as newer
// Kalkan writes signingCertificateV2). Others are signed and kept as they
// are. It fills v.SigningTime.
func checkSignedAttributes(si *signerInfo, contentType asn1.ObjectIdentifier, alg algorithm, content []byte, cert *certs.Certificate, v *Verified) error {
	if si.signedAttrs == nil {
		return fmt.Errorf("%w: no signed attributes (NCA's tools always sign the content type and the message digest)", ErrMalformed)
	}
	var gotType, gotDigest bool
	for _, a := range si.signed {
		switch {
		case a.typ.Equal(oidContentType):
			var t asn1.ObjectIdentifier
			if err := single(a, &t, "content-type"); err != nil {
				return err
			}
			if !t.Equal(contentType) {
				return fmt.Errorf("%w: the content-type attribute says %s, the content is %s", ErrContentType, t, contentType)
			}
			gotType = true
		case a.typ.Equal(oidMessageDigest):
			var d []byte
			if err := single(a, &d, "message-digest"); err != nil {
				return err
			}
			want, _ := digestOf(alg.digest, content)
			if !bytes.Equal(d, want) {
				return ErrDigest
			}
			gotDigest = true
		case a.typ.Equal(oidSigningTime):
			var t time.Time
			if err := single(a, &t, "signing-time"); err != nil {
				return err
			}
			v.SigningTime = t
		case a.typ.Equal(oidSigningCertV2), a.typ.Equal(oidSigningCert):
			if err := checkSigningCertificate(a, cert); err != nil {
				return err
			}
		}
	}
	if !gotType {
		return fmt.Errorf("%w: no content-type signed attribute", ErrMalformed)
	}
	if !gotDigest {
		return fmt.Errorf("%w: no message-digest signed attribute", ErrMalformed)
	}
	return nil
}

// single reads the one value of an attribute that must have one.
func single(a attribute, v any, name string) error {
	if len(a.values) != 1 {
		return fmt.Errorf("%w: the %s attribute has %d values", ErrMalformed, name, len(a.values))
	}
	return unmarshal(a.values[0], v, "the "+name+" attribute")
}

// essCertIDs is SigningCertificate (RFC 2634) or SigningCertificateV2 (RFC
// 5035): a sequence of certificate IDs, the first the signer's, and
// optional policies.
type essCertIDs struct {
	Certs    []asn1.RawValue
	Policies asn1.RawValue `asn1:"optional"`
	Rest     asn1.RawValue `asn1:"optional"`
}

// essCertIDv2 is ESSCertIDv2; ESSCertID (v1) is the same without the hash
// algorithm, which is SHA-1 there and SHA-256 by default in v2.
type essCertIDv2 struct {
	HashAlgorithm pkix.AlgorithmIdentifier `asn1:"optional"`
	CertHash      []byte
	IssuerSerial  asn1.RawValue `asn1:"optional"`
	Rest          asn1.RawValue `asn1:"optional"`
}

type essCertIDv1 struct {
	CertHash     []byte
	IssuerSerial asn1.RawValue `asn1:"optional"`
	Rest         asn1.RawValue `asn1:"optional"`
}

// checkSigningCertificate checks that the first certificate ID of a
// signing-certificate attribute is the hash of the signer's certificate.
func checkSigningCertificate(a attribute, cert *certs.Certificate) error {
	var ids essCertIDs
	if err := single(a, &ids, "signing-certificate"); err != nil {
		return err
	}
	if err := noRest(ids.Rest, "the signing-certificate attribute"); err != nil {
		return err
	}
	if len(ids.Certs) == 0 {
		return fmt.Errorf("%w: the signing-certificate attribute names no certificate", ErrMalformed)
	}
	hashAlg, hash := oidSHA1, []byte(nil)
	if a.typ.Equal(oidSigningCertV2) {
		var id essCertIDv2
		if err := unmarshal(ids.Certs[0].FullBytes, &id, "ESSCertIDv2"); err != nil {
			return err
		}
		hashAlg, hash = OIDSHA256, id.CertHash
		if id.HashAlgorithm.Algorithm != nil {
			hashAlg = id.HashAlgorithm.Algorithm
		}
	} else {
		var id essCertIDv1
		if err := unmarshal(ids.Certs[0].FullBytes, &id, "ESSCertID"); err != nil {
			return err
		}
		hash = id.CertHash
	}
	want, ok := certHashOf(hashAlg, cert.X509.Raw)
	if !ok {
		return fmt.Errorf("%w: the signing-certificate attribute hashes with %s", ErrUnsupported, hashAlg)
	}
	if !bytes.Equal(hash, want) {
		return fmt.Errorf("%w: the signing-certificate attribute names another certificate than the signer's", ErrCertificate)
	}
	return nil
}

// checkSignature verifies the signature over the DER of the signed
// attributes with the certificate's key.
func checkSignature(cert *certs.Certificate, alg algorithm, signedAttrs, sig []byte) error {
	digest, _ := digestOf(alg.digest, signedAttrs)
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
