package certstest

import (
	"bytes"
	"cmp"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sync"
	"time"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/gost"
)

// Defaults of Options.
const (
	// DefaultPIN is the PIN of every key store unless Options.PIN or
	// Profile.PIN says otherwise: the one NCA gives its own test key stores.
	DefaultPIN = "Qwerty12"
	// DefaultRootName is the root CA's common name, shaped like NCA's
	// "НЕГІЗГІ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) TEST 2022" ("root certification
	// centre"); "TEST CERTSTEST" marks it as this package's and never NCA's.
	DefaultRootName = "НЕГІЗГІ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA) TEST CERTSTEST"
	// DefaultIntermediateName is the issuing CA's common name, shaped like
	// NCA's "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) TEST 2022" ("national
	// certification centre").
	DefaultIntermediateName = "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA) TEST CERTSTEST"
	// DefaultGOSTRootName and DefaultGOSTIntermediateName are the CAs'
	// common names with Options.Algorithm certs.AlgorithmGOST2015_512,
	// shaped like NCA's GOST TEST 2022 CAs "НЕГІЗГІ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ
	// (GOST) TEST 2022" and "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) TEST 2022".
	DefaultGOSTRootName         = "НЕГІЗГІ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) TEST CERTSTEST"
	DefaultGOSTIntermediateName = "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) TEST CERTSTEST"
	// DefaultGOST2004RootName and DefaultGOST2004IntermediateName are the
	// CAs' common names with Options.Algorithm certs.AlgorithmGOST2004,
	// shaped like NCA's older test CAs "НЕГІЗГІ КО TEST (GOST)" and
	// "ҰКО 3.0 (GOST TEST)".
	DefaultGOST2004RootName         = "НЕГІЗГІ КО TEST (GOST) CERTSTEST"
	DefaultGOST2004IntermediateName = "ҰКО 3.0 (GOST TEST CERTSTEST)"
	// DefaultBaseURL is where the certificates say the CA publishes its
	// certificates, CRLs and OCSP responder: NCA's test host. Nothing is
	// published there for this package's CAs.
	DefaultBaseURL = "http://test.pki.gov.kz"
)

// Validity periods, all measured from Options.Now.
const (
	// LeafValidity is how long an end-entity certificate is valid: exactly
	// 365 days, as NCA issues key stores on the file system.
	LeafValidity = 365 * 24 * time.Hour
	// caBackdate is how far before Now the CAs' validity starts, so that
	// an expired leaf (valid until a day before Now) lies inside it.
	caBackdate = 2 * 365 * 24 * time.Hour
)

// Options configure NewCA. The zero value gives a CA on the real clock and
// crypto/rand, with the default names, URLs and PIN, and keys from the
// embedded pool.
type Options struct {
	// Algorithm is the CAs' and the key stores' algorithm:
	// certs.AlgorithmRSA (also the zero value), certs.AlgorithmGOST2015_512
	// (NCA's GOST TEST 2022 CAs and GOST512_ key stores) or
	// certs.AlgorithmGOST2004 (NCA's ҰКО 3.0 GOST CAs and GOSTKNCA_ key
	// stores). A CA issues keys of its own algorithm only; a test that
	// needs both builds two CAs.
	Algorithm certs.Algorithm
	// Now is the clock. Every validity period, revocation time and CRL
	// date derives from it; nil means time.Now. Times are truncated to the
	// second (certificates cannot say more).
	Now func() time.Time
	// Rand is the source of everything random this package controls: the
	// PKCS#12 salts (MAC, key and certificate bags) and, for GOST, the keys
	// (the CAs' two in NewCA, then one per Issue). Serial numbers are not
	// random (they derive from the SKI), RSA PKCS #1 v1.5 signatures need
	// none and GOST signatures here take k deterministically from the key
	// and the digest. Nil means crypto/rand. With a fixed Now, a fixed Rand
	// (see DeterministicRand) and, for RSA, keys from the pool, every
	// certificate, key store and CRL is byte-for-byte reproducible.
	Rand io.Reader
	// PIN is the password of the key stores Issue writes, unless the
	// profile sets its own; empty means DefaultPIN.
	PIN string
	// RootName and IntermediateName are the CAs' common names; empty means
	// DefaultRootName and DefaultIntermediateName (DefaultGOSTRootName …
	// for GOST 2015, DefaultGOST2004RootName … for GOST 2004). The CAs'
	// names are "CN=<name>, C=KZ" in that order, like NCA's 2022 CAs; the
	// GOST 2004 CAs' "C=KZ, CN=<name>", like NCA's older ones.
	RootName, IntermediateName string
	// BaseURL is the scheme and host (no trailing slash) the certificates
	// name in their CRL distribution points, authority information access
	// and OCSP fields; empty means DefaultBaseURL. A mock server can put
	// its own address here and serve CRL at URLs().CRL.
	BaseURL string
	// FreshKeys makes the CA generate every key (two RSA 4096 keys for the
	// CAs, one RSA 2048 key per Issue) instead of taking them from the
	// embedded pool. Every CA built from the pool has the same two CA keys;
	// use FreshKeys for a CA that must be really different (a "foreign"
	// CA in an unknown-authority test; also give it other names). Fresh keys
	// make output irreproducible and NewCA slow (seconds). GOST CAs ignore
	// it: their keys always come from Rand, which makes them as different
	// as their Rand streams.
	FreshKeys bool
}

// URLs are the addresses a CA writes into the certificates it issues.
type URLs struct {
	RootCert         string // AIA caIssuers of the intermediate
	RootCRL          string // CRL distribution point of the intermediate
	IntermediateCert string // AIA caIssuers of the leaves
	CRL              string // CRL distribution point of the leaves; CRL() is that list
	DeltaCRL         string // freshest CRL of the leaves (nothing is issued there)
	OCSP             string // AIA OCSP of the leaves (no responder)
}

// CA is a test certification authority: a self-signed root and an
// intermediate it signed, which issues end-entity key stores. Its methods
// are safe for concurrent use.
type CA struct {
	now       func() time.Time
	rand      io.Reader
	pin       string
	urls      URLs
	freshKeys bool
	alg       certs.Algorithm
	spec      *gostSpec // nil for RSA

	// rootKey and intKey are *rsa.PrivateKey or *gost.PrivateKey.
	rootKey, intKey    crypto.Signer
	root, intermediate *certs.Certificate

	mu        sync.Mutex
	nextKey   int                        // next pool key for Issue
	revoked   []x509.RevocationListEntry // in order of revocation
	isRevoked map[string]bool            // serial bytes → listed
	crlNumber int64                      // bumped on every change of revoked
}

// NewCA creates a root and an intermediate CA shaped like NCA's RSA CAs:
// RSA 4096, sha256WithRSAEncryption, names "CN=…, C=KZ", basicConstraints
// CA, keyUsage keyCertSign+cRLSign (critical), SKI and AKI, serial numbers
// derived from the SKI, policies 1.2.398.3.1.2 (root) and 1.2.398.3.3.1.1
// (intermediate, with CRL and AIA pointing at the root). Both are valid from
// two years before Now for ten years.
//
// With Options.Algorithm certs.AlgorithmGOST2015_512 the CAs are shaped
// like NCA's GOST TEST 2022 CAs instead: GOST R 34.10-2015 512-bit keys
// (TC26 paramSetA, NCA's OIDs), signatures 1.2.398.3.10.1.1.2.3.2 with
// Streebog-512, the intermediate's policy 1.2.398.3.3.2. With
// certs.AlgorithmGOST2004 like NCA's ҰКО 3.0 GOST CAs: GOST 34.310-2004
// keys (CryptoPro-A), signatures 1.2.398.3.10.1.1.1.2 with GOST 34.311-95,
// names "C=KZ, CN=…". Their keys come from Options.Rand.
func NewCA(opts Options) (*CA, error) {
	spec, err := specFor(opts.Algorithm)
	if err != nil {
		return nil, err
	}
	ca := &CA{
		now:       opts.Now,
		rand:      opts.Rand,
		pin:       opts.PIN,
		freshKeys: opts.FreshKeys,
		alg:       certs.AlgorithmRSA,
		spec:      spec,
		isRevoked: map[string]bool{},
		crlNumber: 1,
	}
	if ca.now == nil {
		ca.now = time.Now
	}
	if ca.rand == nil {
		ca.rand = rand.Reader
	}
	if ca.pin == "" {
		ca.pin = DefaultPIN
	}
	defaultRoot, defaultInt, tag := DefaultRootName, DefaultIntermediateName, "rsa"
	intPolicy := policyNCA
	if spec != nil {
		ca.alg = spec.alg
		switch spec.alg {
		case certs.AlgorithmGOST2015_512:
			defaultRoot, defaultInt, tag = DefaultGOSTRootName, DefaultGOSTIntermediateName, "gost"
			intPolicy = policyGOST
		case certs.AlgorithmGOST2004:
			defaultRoot, defaultInt, tag = DefaultGOST2004RootName, DefaultGOST2004IntermediateName, "gost2004"
		}
	}
	rootName := cmp.Or(opts.RootName, defaultRoot)
	intName := cmp.Or(opts.IntermediateName, defaultInt)
	base := cmp.Or(opts.BaseURL, DefaultBaseURL)
	ca.urls = URLs{
		RootCert:         base + "/cert/root_" + tag + "_certstest.cer",
		RootCRL:          base + "/crl/root_" + tag + "_certstest.crl",
		IntermediateCert: base + "/cert/nca_" + tag + "_certstest.cer",
		CRL:              base + "/crl/nca_" + tag + "_certstest.crl",
		DeltaCRL:         base + "/crl/nca_d_" + tag + "_certstest.crl",
		OCSP:             base + "/ocsp/",
	}

	switch {
	case spec != nil:
		var root, inter *gost.PrivateKey
		if root, err = spec.deriveKey(ca.rand); err != nil {
			return nil, err
		}
		if inter, err = spec.deriveKey(ca.rand); err != nil {
			return nil, err
		}
		ca.rootKey, ca.intKey = root, inter
	case opts.FreshKeys:
		var root, inter *rsa.PrivateKey
		if root, err = freshKey(caKeyBits); err != nil {
			return nil, err
		}
		if inter, err = freshKey(caKeyBits); err != nil {
			return nil, err
		}
		ca.rootKey, ca.intKey = root, inter
	default:
		pool, err := loadPool()
		if err != nil {
			return nil, err
		}
		ca.rootKey, ca.intKey = pool.ca[0], pool.ca[1]
	}

	now := ca.clock()
	notBefore := now.Add(-caBackdate)
	notAfter := notBefore.AddDate(10, 0, 0)

	rootSubject, err := ca.caName(rootName)
	if err != nil {
		return nil, err
	}
	rootSKI, err := ca.subjectKeyID(ca.rootKey.Public())
	if err != nil {
		return nil, err
	}
	rootPolicies, err := policiesExtension(policyRoot, cpsRoot)
	if err != nil {
		return nil, err
	}
	rootAKI, err := authorityKeyIDExtension(rootSKI)
	if err != nil {
		return nil, err
	}
	rootTmpl := &x509.Certificate{
		SerialNumber:          new(big.Int).SetBytes(serialFromSKI(rootSKI)),
		RawSubject:            rootSubject,
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		BasicConstraintsValid: true,
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		SubjectKeyId:          rootSKI,
		ExtraExtensions:       []pkix.Extension{rootAKI, rootPolicies},
	}
	if ca.root, err = ca.certify(rootTmpl, rootTmpl, ca.rootKey.Public(), ca.rootKey); err != nil {
		return nil, fmt.Errorf("certstest: root CA: %w", err)
	}

	intSubject, err := ca.caName(intName)
	if err != nil {
		return nil, err
	}
	intSKI, err := ca.subjectKeyID(ca.intKey.Public())
	if err != nil {
		return nil, err
	}
	intPolicies, err := policiesExtension(intPolicy, cpsNCA)
	if err != nil {
		return nil, err
	}
	intTmpl := &x509.Certificate{
		SerialNumber:          new(big.Int).SetBytes(serialFromSKI(intSKI)),
		RawSubject:            intSubject,
		NotBefore:             notBefore.Add(time.Hour),
		NotAfter:              notAfter.AddDate(0, 0, -3),
		BasicConstraintsValid: true,
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		SubjectKeyId:          intSKI,
		CRLDistributionPoints: []string{ca.urls.RootCRL},
		IssuingCertificateURL: []string{ca.urls.RootCert},
		ExtraExtensions:       []pkix.Extension{intPolicies},
	}
	if ca.intermediate, err = ca.certify(intTmpl, ca.root.X509, ca.intKey.Public(), ca.rootKey); err != nil {
		return nil, fmt.Errorf("certstest: intermediate CA: %w", err)
	}
	return ca, nil
}

// caName is a CA's name: "CN=<cn>, C=KZ", or "C=KZ, CN=<cn>" for the GOST
// 2004 generation, whose CAs NCA named in that order.
func (ca *CA) caName(cn string) ([]byte, error) {
	attrs := []attr{{typ: oidCommonName, value: cn}, {typ: oidCountry, value: "KZ", printable: true}}
	if ca.alg == certs.AlgorithmGOST2004 {
		attrs[0], attrs[1] = attrs[1], attrs[0]
	}
	return rawName(attrs)
}

// subjectKeyID is the SKI NCA gives pub (see ski and gostSpec.ski).
func (ca *CA) subjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if ca.spec == nil {
			return ski(k), nil
		}
	case *gost.PublicKey:
		if ca.spec != nil {
			return ca.spec.ski(k)
		}
	}
	return nil, fmt.Errorf("certstest: a %s CA cannot certify a %T", ca.alg, pub)
}

// clock returns Now in UTC, truncated to the second.
func (ca *CA) clock() time.Time {
	return ca.now().UTC().Truncate(time.Second)
}

// certify creates the certificate of tmpl for pub, issued by parent and
// signed with signer, and classifies it with certs.
func (ca *CA) certify(tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) (*certs.Certificate, error) {
	if ca.spec != nil {
		p, ok1 := pub.(*gost.PublicKey)
		k, ok2 := signer.(*gost.PrivateKey)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("certstest: a %s CA cannot certify a %T with a %T", ca.alg, pub, signer)
		}
		return ca.spec.certify(tmpl, parent, p, k)
	}
	der, err := x509.CreateCertificate(ca.rand, tmpl, parent, pub, signer)
	if err != nil {
		return nil, err
	}
	return certs.ParseCertificate(der)
}

// Root returns the root CA certificate. Do not modify it.
func (ca *CA) Root() *certs.Certificate { return ca.root }

// Intermediate returns the issuing CA certificate. Do not modify it.
func (ca *CA) Intermediate() *certs.Certificate { return ca.intermediate }

// RootDER returns the root CA certificate in DER, as NCA publishes it (.cer).
func (ca *CA) RootDER() []byte { return bytes.Clone(ca.root.X509.Raw) }

// IntermediateDER returns the issuing CA certificate in DER.
func (ca *CA) IntermediateDER() []byte { return bytes.Clone(ca.intermediate.X509.Raw) }

// Algorithm returns the algorithm of the CA's keys and of the key stores it
// issues: certs.AlgorithmRSA, certs.AlgorithmGOST2015_512 or
// certs.AlgorithmGOST2004.
func (ca *CA) Algorithm() certs.Algorithm { return ca.alg }

// URLs returns the addresses written into the CA certificates and the
// certificates Issue makes.
func (ca *CA) URLs() URLs { return ca.urls }

// PIN returns the default PIN of the key stores the CA writes.
func (ca *CA) PIN() string { return ca.pin }

// ErrNotIssued is returned by Revoke for a certificate this CA did not issue.
var ErrNotIssued = errors.New("certstest: certificate not issued by this CA")

// Revoke lists c in the CA's CRL from now on, with Now as the revocation
// time. Revoking a certificate twice changes nothing. A certificate the
// intermediate did not issue is ErrNotIssued.
func (ca *CA) Revoke(c *certs.Certificate) error {
	if c == nil || c.X509 == nil {
		return fmt.Errorf("%w: nil certificate", ErrNotIssued)
	}
	if !bytes.Equal(c.X509.RawIssuer, ca.intermediate.X509.RawSubject) ||
		!bytes.Equal(c.X509.AuthorityKeyId, ca.intermediate.SKI) {
		return fmt.Errorf("%w: %q is issued by %q", ErrNotIssued, c.CommonName, c.Issuer)
	}
	ca.mu.Lock()
	defer ca.mu.Unlock()
	ca.revokeLocked(c.X509.SerialNumber)
	return nil
}

func (ca *CA) revokeLocked(serial *big.Int) {
	key := string(serial.Bytes())
	if ca.isRevoked[key] {
		return
	}
	ca.isRevoked[key] = true
	ca.revoked = append(ca.revoked, x509.RevocationListEntry{
		SerialNumber:   new(big.Int).Set(serial),
		RevocationTime: ca.clock(),
	})
	ca.crlNumber++
}

// CRL returns the intermediate's certificate revocation list in DER: every
// revoked certificate with its revocation time, thisUpdate Now, nextUpdate
// a day later, the cRLNumber (1 for the empty list, one more for each
// revocation) and the authority key identifier, signed sha256WithRSA, or
// with the GOST algorithm of a GOST CA (its AlgorithmIdentifier with NULL
// parameters both inside and outside the TBS, as in NCA's CRLs up to 2025,
// so that crypto/x509 parses it too).
func (ca *CA) CRL() ([]byte, error) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	now := ca.clock()
	tmpl := &x509.RevocationList{
		RevokedCertificateEntries: append([]x509.RevocationListEntry(nil), ca.revoked...),
		Number:                    big.NewInt(ca.crlNumber),
		ThisUpdate:                now,
		NextUpdate:                now.Add(24 * time.Hour),
	}
	var der []byte
	var err error
	if ca.spec != nil {
		k, ok := ca.intKey.(*gost.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("certstest: a %s CA with a %T", ca.alg, ca.intKey)
		}
		der, err = ca.spec.crl(tmpl, ca.intermediate.X509, k)
	} else {
		der, err = x509.CreateRevocationList(ca.rand, tmpl, ca.intermediate.X509, ca.intKey)
	}
	if err != nil {
		return nil, fmt.Errorf("certstest: CRL: %w", err)
	}
	return der, nil
}

// VerifyOptions returns options for certs.Verify that trust this CA's root,
// offer its intermediate, check its current CRL, at Now.
func (ca *CA) VerifyOptions() (certs.VerifyOptions, error) {
	der, err := ca.CRL()
	if err != nil {
		return certs.VerifyOptions{}, err
	}
	crl, err := certs.ParseCRL(der)
	if err != nil {
		return certs.VerifyOptions{}, fmt.Errorf("certstest: own CRL: %w", err)
	}
	return certs.VerifyOptions{
		Roots:         []*certs.Certificate{ca.root},
		Intermediates: []*certs.Certificate{ca.intermediate},
		CRLs:          []*certs.CRL{crl},
		CurrentTime:   ca.clock(),
	}, nil
}
