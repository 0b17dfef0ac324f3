package cms

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"io"
	"time"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/gost"
)

// SignOptions tune Sign. The zero value signs as NCALayer's
// createCMSSignatureFromBase64 does without its time-stamp: the content
// attached, no signing time, the signer's certificate alone, crypto/rand.
type SignOptions struct {
	// Detached leaves the content out: encapContentInfo is id-data without
	// eContent, and the verifier needs the content beside the CMS.
	Detached bool
	// SigningTime is the signingTime signed attribute (UTCTime for the
	// years 1950 to 2049, GeneralizedTime otherwise, in UTC to the
	// second); the zero value adds none. When set, the certificate must be
	// valid at that time, as NCALayer refuses to sign with a certificate
	// that is not valid now.
	SigningTime time.Time
	// Certificates are more certificates to carry beside the signer's
	// (its chain, for a verifier that lacks the intermediate CA).
	Certificates []*certs.Certificate
	// Rand is the randomness of GOST signatures (their k); nil means
	// crypto/rand. RSA PKCS#1 v1.5 signatures do not depend on it.
	Rand io.Reader
}

// Sign returns a DER ContentInfo holding SignedData over content, signed by
// signer with cert, as NCA's tools make it: SignedData version 1, the
// digest algorithm with NULL parameters, encapContentInfo id-data with the
// content (or without it, Detached), the certificates, and one SignerInfo
// (version 1, issuerAndSerialNumber) whose signed attributes are
// contentType, signingTime (if SigningTime is set) and messageDigest,
// sorted as DER sorts a SET OF. The algorithms follow the key: RSA with
// SHA-256 (sha256WithRSAEncryption), GOST 34.10-2015-512 with Streebog-512
// (1.2.398.3.10.1.1.2.3.2 over 1.2.398.3.10.1.3.3), or GOST 34.310-2004
// with GOST 34.311-95 (1.2.398.3.10.1.1.1.2 over 1.2.398.3.10.1.3.1), GOST
// signatures in NCA's byte layout.
func Sign(content []byte, signer crypto.Signer, cert *certs.Certificate, opts SignOptions) ([]byte, error) {
	if signer == nil || cert == nil || cert.X509 == nil {
		return nil, fmt.Errorf("%w: a signer and its certificate are needed", ErrCertificate)
	}
	if pub, ok := signer.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(cert.PublicKey) {
		return nil, fmt.Errorf("%w: the signer's key is not the certificate's", ErrCertificate)
	}
	if t := opts.SigningTime; !t.IsZero() && !cert.ValidAt(t) {
		return nil, fmt.Errorf("%w: the certificate is valid from %s to %s, not at the signing time %s", ErrCertificate,
			cert.NotBefore.UTC().Format(time.RFC3339), cert.NotAfter.UTC().Format(time.RFC3339), t.UTC().Format(time.RFC3339))
	}
	alg, err := algorithmFor(cert.Algorithm)
	if err != nil {
		return nil, err
	}
	if !opts.Detached && len(content) > DefaultMaxSize {
		return nil, fmt.Errorf("%w: %d bytes of content, the limit is %d", ErrTooLarge, len(content), DefaultMaxSize)
	}

	digest, _ := digestOf(alg.digest, content)
	attrs := [][]byte{
		seq(oid(oidContentType), node{tag: tagSet, kids: []node{oid(OIDData)}}).bytes(),
		seq(oid(oidMessageDigest), node{tag: tagSet, kids: []node{prim(tagOctetString, digest)}}).bytes(),
	}
	if !opts.SigningTime.IsZero() {
		attrs = append(attrs, seq(oid(oidSigningTime), node{tag: tagSet, kids: []node{timeValue(opts.SigningTime)}}).bytes())
	}
	signedAttrs := setOf(attrs...).bytes()
	value, err := signDigest(signer, cert, alg, signedAttrs, opts.Rand)
	if err != nil {
		return nil, err
	}
	signedAttrs[0] = tagContext0 // [0] IMPLICIT in the SignerInfo; signed as a SET

	serial, err := asn1.Marshal(cert.X509.SerialNumber)
	if err != nil {
		return nil, fmt.Errorf("%w: serial number: %v", ErrCertificate, err)
	}
	signerInfo := seq(
		prim(tagInteger, []byte{1}),
		seq(encoded(cert.X509.RawIssuer), encoded(serial)),
		algorithmID(alg.digest),
		encoded(signedAttrs),
		algorithmID(alg.signature),
		prim(tagOctetString, value),
	)
	encap := seq(oid(OIDData))
	if !opts.Detached {
		encap.kids = append(encap.kids, explicit0(prim(tagOctetString, content)))
	}
	ci := seq(oid(OIDSignedData), explicit0(seq(
		prim(tagInteger, []byte{1}),
		node{tag: tagSet, kids: []node{algorithmID(alg.digest)}},
		encap,
		certificateSet(cert, opts.Certificates),
		node{tag: tagSet, kids: []node{signerInfo}},
	)))
	if n := ci.size(); n > DefaultMaxSize {
		return nil, fmt.Errorf("%w: the CMS would be %d bytes, the limit is %d", ErrTooLarge, n, DefaultMaxSize)
	}
	return ci.bytes(), nil
}

// certificateSet is the [0] IMPLICIT SET OF certificates: the signer's and
// the others, each once, in DER order.
func certificateSet(cert *certs.Certificate, more []*certs.Certificate) node {
	raws := [][]byte{cert.X509.Raw}
	for _, c := range more {
		if c == nil || c.X509 == nil {
			continue
		}
		dup := false
		for _, r := range raws {
			dup = dup || bytes.Equal(r, c.X509.Raw)
		}
		if !dup {
			raws = append(raws, c.X509.Raw)
		}
	}
	set := setOf(raws...)
	set.tag = tagContext0
	return set
}

// signDigest signs the DER of the signed attributes (a SET) with the key's
// algorithm.
func signDigest(signer crypto.Signer, cert *certs.Certificate, alg algorithm, signedAttrs []byte, rnd io.Reader) ([]byte, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	digest, _ := digestOf(alg.digest, signedAttrs)
	var opts crypto.SignerOpts = crypto.SHA256
	if cert.Algorithm != certs.AlgorithmRSA {
		opts = gost.SignerOpts{Layout: gost.LayoutNCA}
	}
	sig, err := signer.Sign(rnd, digest, opts)
	if err != nil {
		return nil, fmt.Errorf("cms: signing: %w", err)
	}
	return sig, nil
}

// EncodePEM wraps DER as NCALayer's basics module returns a CMS:
// "-----BEGIN CMS-----\n", the base64 in lines of 64 characters,
// "\n-----END CMS-----\n".
func EncodePEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CMS", Bytes: der})
}
