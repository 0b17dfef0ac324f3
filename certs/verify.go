package certs

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/esfkit/esf/certs/gost"
)

// VerifyOptions says what Verify trusts and checks. The zero value trusts
// nothing: a certificate verifies only against Roots.
type VerifyOptions struct {
	// Roots are the trust anchors. A certificate given here is trusted
	// whether or not it is self-signed: NCA's intermediate CAs are often
	// handed out alone, and trusting one is enough.
	Roots []*Certificate
	// Intermediates are further certificates that may complete a chain.
	Intermediates []*Certificate
	// CRLs are checked for every certificate of the chain whose issuer
	// signed one of them. A CRL is used whatever its nextUpdate; a CRL
	// whose signature does not verify is an error.
	CRLs []*CRL
	// CurrentTime is the time to check validity and revocation at; the
	// zero value means time.Now().
	CurrentTime time.Time
	// Usage, if not zero, is what the leaf must be issued for (UsageSign
	// refuses an AUTH-only key).
	Usage Usage
	// Holder, if not HolderUnknown, is who the leaf must be issued to.
	Holder Holder
}

// Reason names why a certificate did not verify.
type Reason int

// The reasons of a VerifyError.
const (
	ReasonExpired              Reason = iota + 1 // now is after NotAfter
	ReasonNotYetValid                            // now is before NotBefore
	ReasonRevoked                                // a CRL of the issuer lists it
	ReasonUnknownAuthority                       // no chain to a root
	ReasonBadSignature                           // the issuer's signature does not verify
	ReasonWrongUsage                             // not issued for VerifyOptions.Usage
	ReasonWrongHolder                            // not issued to VerifyOptions.Holder
	ReasonUnsupportedAlgorithm                   // a signature algorithm not implemented
	ReasonBadCRL                                 // a CRL of the issuer has a bad signature
)

var reasonNames = map[Reason]string{
	ReasonExpired:              "expired",
	ReasonNotYetValid:          "not yet valid",
	ReasonRevoked:              "revoked",
	ReasonUnknownAuthority:     "unknown authority",
	ReasonBadSignature:         "bad signature",
	ReasonWrongUsage:           "wrong usage",
	ReasonWrongHolder:          "wrong holder",
	ReasonUnsupportedAlgorithm: "unsupported algorithm",
	ReasonBadCRL:               "bad CRL",
}

// String returns the reason in words, such as "revoked".
func (r Reason) String() string {
	if s, ok := reasonNames[r]; ok {
		return s
	}
	return fmt.Sprintf("certs.Reason(%d)", int(r))
}

// VerifyError is the error of Verify.
type VerifyError struct {
	Reason Reason
	// Cert is the certificate that failed: the leaf, or a CA of its chain.
	Cert *Certificate
	// Detail says more, in words.
	Detail string
	// RevocationTime is set for ReasonRevoked.
	RevocationTime time.Time
	// Err is the underlying error, if any.
	Err error
}

// Error returns "certs: certificate "NAME": REASON: DETAIL".
func (e *VerifyError) Error() string {
	name := "<nil>"
	if e.Cert != nil {
		name = describe(e.Cert)
	}
	msg := fmt.Sprintf("certs: certificate %s: %s", name, e.Reason)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying error.
func (e *VerifyError) Unwrap() error { return e.Err }

func describe(c *Certificate) string {
	s := fmt.Sprintf("%q", c.CommonName)
	if c.IIN != "" {
		s += " IIN " + c.IIN
	}
	if c.BIN != "" {
		s += " BIN " + c.BIN
	}
	return s
}

// maxChainLength bounds the chain walk; NCA's chains have three certificates.
const maxChainLength = 8

// Verify checks cert: its usage and holder against opts, then the chain up
// to one of opts.Roots — every signature, every validity period at
// opts.CurrentTime, and revocation against opts.CRLs. It returns the chain,
// leaf first and trust anchor last. A failure is a *VerifyError.
func Verify(cert *Certificate, opts VerifyOptions) ([]*Certificate, error) {
	if cert == nil || cert.X509 == nil {
		return nil, &VerifyError{Reason: ReasonUnknownAuthority, Detail: "no certificate given"}
	}
	now := opts.CurrentTime
	if now.IsZero() {
		now = time.Now()
	}
	if opts.Usage != 0 && !cert.Usage.Has(opts.Usage) {
		return nil, &VerifyError{Reason: ReasonWrongUsage, Cert: cert,
			Detail: fmt.Sprintf("issued for %s, %s required", cert.Usage, opts.Usage)}
	}
	if opts.Holder != HolderUnknown && cert.Holder != opts.Holder {
		return nil, &VerifyError{Reason: ReasonWrongHolder, Cert: cert,
			Detail: fmt.Sprintf("issued to %s, %s required", cert.Holder, opts.Holder)}
	}
	if len(opts.Roots) == 0 {
		return nil, &VerifyError{Reason: ReasonUnknownAuthority, Cert: cert, Detail: "no trusted roots were given"}
	}
	chain := []*Certificate{cert}
	for cur := cert; ; {
		if err := checkValidity(cur, now); err != nil {
			return nil, err
		}
		if isIn(cur, opts.Roots) {
			return chain, nil
		}
		if len(chain) > maxChainLength {
			return nil, &VerifyError{Reason: ReasonUnknownAuthority, Cert: cert,
				Detail: fmt.Sprintf("no root within %d certificates", maxChainLength)}
		}
		issuer, err := findIssuer(cur, opts)
		if err != nil {
			return nil, err
		}
		if err := checkRevocation(cur, issuer, opts.CRLs, now); err != nil {
			return nil, err
		}
		chain = append(chain, issuer)
		cur = issuer
	}
}

func checkValidity(c *Certificate, now time.Time) error {
	layout := time.RFC3339
	switch {
	case now.Before(c.NotBefore):
		return &VerifyError{Reason: ReasonNotYetValid, Cert: c,
			Detail: fmt.Sprintf("valid from %s, checked at %s", c.NotBefore.UTC().Format(layout), now.UTC().Format(layout))}
	case now.After(c.NotAfter):
		return &VerifyError{Reason: ReasonExpired, Cert: c,
			Detail: fmt.Sprintf("valid until %s, checked at %s", c.NotAfter.UTC().Format(layout), now.UTC().Format(layout))}
	}
	return nil
}

func isIn(c *Certificate, pool []*Certificate) bool {
	for _, p := range pool {
		if p != nil && bytes.Equal(p.X509.Raw, c.X509.Raw) {
			return true
		}
	}
	return false
}

// findIssuer returns the CA among the roots and intermediates whose name
// and key identifier match c's issuer and whose signature on c verifies.
func findIssuer(c *Certificate, opts VerifyOptions) (*Certificate, error) {
	var sigErr error
	candidates := 0
	for _, pool := range [][]*Certificate{opts.Roots, opts.Intermediates} {
		for _, ca := range pool {
			if ca == nil || !bytes.Equal(ca.X509.RawSubject, c.X509.RawIssuer) {
				continue
			}
			if len(c.X509.AuthorityKeyId) > 0 && len(ca.SKI) > 0 && !bytes.Equal(c.X509.AuthorityKeyId, ca.SKI) {
				continue
			}
			candidates++
			if !ca.X509.IsCA || (ca.X509.KeyUsage != 0 && ca.X509.KeyUsage&x509.KeyUsageCertSign == 0) {
				sigErr = &VerifyError{Reason: ReasonUnknownAuthority, Cert: c,
					Detail: fmt.Sprintf("issuer %s is not a certification authority", describe(ca))}
				continue
			}
			err := signedBy(c.X509.Raw, ca.X509.Raw, func() error {
				return checkSignature(c.SignatureAlgorithm, ca.PublicKey, c.X509.RawTBSCertificate, c.X509.Signature)
			})
			if err == nil {
				return ca, nil
			}
			reason := ReasonBadSignature
			if errors.Is(err, ErrUnsupported) {
				reason = ReasonUnsupportedAlgorithm
			}
			sigErr = &VerifyError{Reason: reason, Cert: c, Detail: "signed by " + describe(ca), Err: err}
		}
	}
	if candidates == 0 {
		return nil, &VerifyError{Reason: ReasonUnknownAuthority, Cert: c,
			Detail: fmt.Sprintf("issuer %q is neither a trusted root nor a given intermediate", c.Issuer)}
	}
	return nil, sigErr
}

// checkRevocation looks c up in every CRL that issuer signed.
func checkRevocation(c, issuer *Certificate, crls []*CRL, now time.Time) error {
	for _, crl := range crls {
		if crl == nil || !bytes.Equal(crl.RawIssuer, issuer.X509.RawSubject) {
			continue
		}
		if len(crl.AuthorityKeyID) > 0 && len(issuer.SKI) > 0 && !bytes.Equal(crl.AuthorityKeyID, issuer.SKI) {
			continue
		}
		if err := signedBy(crl.Raw, issuer.X509.Raw, func() error {
			return checkSignature(crl.SignatureAlgorithm, issuer.PublicKey, crl.RawTBSCertList, crl.Signature)
		}); err != nil {
			reason := ReasonBadCRL
			if errors.Is(err, ErrUnsupported) {
				reason = ReasonUnsupportedAlgorithm
			}
			return &VerifyError{Reason: reason, Cert: c,
				Detail: fmt.Sprintf("CRL of %s issued %s", describe(issuer), crl.ThisUpdate.UTC().Format(time.RFC3339)), Err: err}
		}
		if entry, ok := crl.Lookup(c.X509.SerialNumber); ok && !entry.RevocationTime.After(now) {
			return &VerifyError{Reason: ReasonRevoked, Cert: c, RevocationTime: entry.RevocationTime,
				Detail: fmt.Sprintf("at %s (CRL issued %s)", entry.RevocationTime.UTC().Format(time.RFC3339), crl.ThisUpdate.UTC().Format("2006-01-02"))}
		}
	}
	return nil
}

// verifiedPairs remembers which (signed object, issuer certificate) pairs
// verified: a signature check is a pure function of the two encodings, so
// a server verifying the same chain over and over (the mock, a portal)
// pays for each RSA-4096 or GOST verification once. Only successes are
// kept, at most maxVerifiedPairs of them.
var verifiedPairs = struct {
	sync.Mutex
	m map[[32]byte]struct{}
}{m: map[[32]byte]struct{}{}}

const maxVerifiedPairs = 4096

// signedBy runs check unless the pair (object, issuer) verified before.
func signedBy(object, issuer []byte, check func() error) error {
	h := sha256.New()
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(object)))
	h.Write(n[:])
	h.Write(object)
	h.Write(issuer)
	var key [32]byte
	h.Sum(key[:0])
	verifiedPairs.Lock()
	_, ok := verifiedPairs.m[key]
	verifiedPairs.Unlock()
	if ok {
		return nil
	}
	if err := check(); err != nil {
		return err
	}
	verifiedPairs.Lock()
	if len(verifiedPairs.m) >= maxVerifiedPairs {
		clear(verifiedPairs.m)
	}
	verifiedPairs.m[key] = struct{}{}
	verifiedPairs.Unlock()
	return nil
}

// checkSignature verifies sig over signed with pub under the signature
// algorithm alg. It is the one place that knows signature algorithms.
func checkSignature(alg asn1.ObjectIdentifier, pub crypto.PublicKey, signed, sig []byte) error {
	if h, ok := rsaHashes[alg.String()]; ok {
		k, ok := pub.(*rsa.PublicKey)
		if !ok {
			return fmt.Errorf("signature algorithm %s needs an RSA key, the issuer has %T", alg, pub)
		}
		d := h.New()
		d.Write(signed)
		return verifyRSA(k, h, d.Sum(nil), sig)
	}
	if h, ok := ecdsaHashes[alg.String()]; ok {
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok {
			return fmt.Errorf("signature algorithm %s needs an ECDSA key, the issuer has %T", alg, pub)
		}
		d := h.New()
		d.Write(signed)
		if !ecdsa.VerifyASN1(k, d.Sum(nil), sig) {
			return errors.New("ecdsa: verification error")
		}
		return nil
	}
	if alg.Equal(oidEd25519) {
		k, ok := pub.(ed25519.PublicKey)
		if !ok || !ed25519.Verify(k, signed, sig) {
			return errors.New("ed25519: verification error")
		}
		return nil
	}
	if isGOSTSignature(alg) {
		return verifyGOST(alg, pub, signed, sig)
	}
	return fmt.Errorf("%w: signature algorithm %s", ErrUnsupported, alg)
}

var (
	oidEd25519  = asn1.ObjectIdentifier{1, 3, 101, 112}
	rsaHashes   = map[string]crypto.Hash{oidSHA1WithRSA.String(): crypto.SHA1, oidSHA256WithRSA.String(): crypto.SHA256, oidSHA384WithRSA.String(): crypto.SHA384, oidSHA512WithRSA.String(): crypto.SHA512}
	ecdsaHashes = map[string]crypto.Hash{"1.2.840.10045.4.3.2": crypto.SHA256, "1.2.840.10045.4.3.3": crypto.SHA384, "1.2.840.10045.4.3.4": crypto.SHA512}
)

func isGOSTSignature(alg asn1.ObjectIdentifier) bool {
	return alg.Equal(OIDGOST2004Signature) || alg.Equal(OIDGOST2004SignatureOld) ||
		alg.Equal(OIDGOST2015Signature512) || alg.Equal(OIDGOST2015Signature256)
}

// verifyGOST checks the GOST signatures NCA uses: GOST R 34.10-2015 512
// with Streebog-512, and GOST 34.310-2004 with GOST 34.311-95 (GOST R
// 34.11-94, test parameters), in NCA's layout (r ‖ s little-endian).
func verifyGOST(alg asn1.ObjectIdentifier, pub crypto.PublicKey, signed, sig []byte) error {
	k, ok := pub.(*gost.PublicKey)
	if !ok {
		return fmt.Errorf("signature algorithm %s needs a GOST key, the issuer has %T", alg, pub)
	}
	var digest []byte
	switch {
	case alg.Equal(OIDGOST2015Signature512):
		if k.Curve != gost.CurveTC26512A {
			return fmt.Errorf("signature algorithm %s needs a 512-bit GOST key, the issuer's is on %s", alg, k.Curve)
		}
		d := gost.Sum512(signed)
		digest = d[:]
	case alg.Equal(OIDGOST2004Signature), alg.Equal(OIDGOST2004SignatureOld):
		if k.Curve != gost.CurveCryptoProA {
			return fmt.Errorf("signature algorithm %s needs a GOST 2004 key, the issuer's is on %s", alg, k.Curve)
		}
		d := gost.Sum341194(signed)
		digest = d[:]
	default:
		// GOST 2015-256: no NCA artefact exists to test against.
		return fmt.Errorf("%w: GOST signature algorithm %s", ErrUnsupported, alg)
	}
	return gost.Verify(k, digest, sig)
}
