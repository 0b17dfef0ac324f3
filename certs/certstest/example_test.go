package certstest_test

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/certs/gost"
)

// A CA on a pinned clock issues a legal entity's head a signing key store,
// which certs opens and verifies.
func Example() {
	ca, err := certstest.NewCA(certstest.Options{
		Now:  func() time.Time { return time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC) },
		Rand: certstest.DeterministicRand("example"),
	})
	if err != nil {
		log.Fatal(err)
	}
	is, err := ca.Issue(certstest.Profile{Kind: certstest.KindCEO, Usage: certs.UsageSign})
	if err != nil {
		log.Fatal(err)
	}

	ks, err := certs.Open(is.PKCS12, is.PIN)
	if err != nil {
		log.Fatal(err)
	}
	c := ks.Certificate
	fmt.Println(c.FullName(), "IIN", c.IIN, "BIN", c.BIN, c.Organization)
	fmt.Println(c.Usage, c.Holder, c.Algorithm, c.Roles, c.FileKind)
	fmt.Println("valid", c.NotBefore.Format(time.DateOnly), "to", c.NotAfter.Format(time.DateOnly))

	opts, err := ca.VerifyOptions()
	if err != nil {
		log.Fatal(err)
	}
	opts.Usage = certs.UsageSign
	chain, err := certs.Verify(c, opts)
	if err != nil {
		log.Fatal(err)
	}
	for _, cert := range chain {
		fmt.Println("chain:", cert.CommonName)
	}
	// Output:
	// ТЕСТОВ ТЕСТ ТЕСТОВИЧ IIN 123456789011 BIN 123456789021 АО "ТЕСТ"
	// SIGN LEGAL_ENTITY RSA [ORGANIZATION CEO] RSA256_
	// valid 2026-01-01 to 2027-01-01
	// chain: ТЕСТОВ ТЕСТ
	// chain: ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA) TEST CERTSTEST
	// chain: НЕГІЗГІ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA) TEST CERTSTEST
}

func ExampleNewCA() {
	ca, err := certstest.NewCA(certstest.Options{
		Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range []*certs.Certificate{ca.Root(), ca.Intermediate()} {
		fmt.Printf("%s, issued by %s, %d bits, until %s\n", c.CommonName, c.Issuer,
			c.X509.PublicKey.(*rsa.PublicKey).N.BitLen(), c.NotAfter.Format(time.DateOnly))
	}
	fmt.Println(ca.URLs().CRL)
	// Output:
	// НЕГІЗГІ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA) TEST CERTSTEST, issued by НЕГІЗГІ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA) TEST CERTSTEST, 4096 bits, until 2034-01-02
	// ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA) TEST CERTSTEST, issued by НЕГІЗГІ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA) TEST CERTSTEST, 4096 bits, until 2033-12-30
	// http://test.pki.gov.kz/crl/nca_rsa_certstest.crl
}

// A GOST 2015 CA issues the key stores NCA has issued since 2022: one GOST
// R 34.10-2015 512-bit key for log-in and signing (GOST512_), which certs
// opens, signs with and verifies.
func ExampleNewCA_gost() {
	ca, err := certstest.NewCA(certstest.Options{
		Algorithm: certs.AlgorithmGOST2015_512,
		Now:       func() time.Time { return time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC) },
		Rand:      certstest.DeterministicRand("example"),
	})
	if err != nil {
		log.Fatal(err)
	}
	is, err := ca.Issue(certstest.Profile{Kind: certstest.KindCEO})
	if err != nil {
		log.Fatal(err)
	}
	ks, err := certs.Open(is.PKCS12, is.PIN)
	if err != nil {
		log.Fatal(err)
	}
	c := ks.Certificate
	fmt.Println(c.FullName(), "BIN", c.BIN, c.Organization)
	fmt.Println(c.Algorithm, c.Usage, c.Holder, c.Roles, c.FileKind)
	fmt.Println("file name is the SKI:", is.FileName == "GOST512_"+ks.FriendlyName+".p12")

	// The key signs a Streebog-512 digest in NCA's layout.
	signer, err := ks.Signer()
	if err != nil {
		log.Fatal(err)
	}
	digest := gost.Sum512([]byte("<invoice/>"))
	sig, err := signer.Sign(nil, digest[:], nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("signature verifies:", gost.Verify(c.PublicKey.(*gost.PublicKey), digest[:], sig) == nil)

	opts, err := ca.VerifyOptions()
	if err != nil {
		log.Fatal(err)
	}
	opts.Usage = certs.UsageAuth | certs.UsageSign
	chain, err := certs.Verify(c, opts)
	if err != nil {
		log.Fatal(err)
	}
	for _, cert := range chain {
		fmt.Println("chain:", cert.CommonName, cert.Algorithm)
	}
	// Output:
	// ТЕСТОВ ТЕСТ ТЕСТОВИЧ BIN 123456789021 АО "ТЕСТ"
	// GOST2015-512 AUTH+SIGN LEGAL_ENTITY [ORGANIZATION CEO] GOST512_
	// file name is the SKI: true
	// signature verifies: true
	// chain: ТЕСТОВ ТЕСТ GOST2015-512
	// chain: ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) TEST CERTSTEST GOST2015-512
	// chain: НЕГІЗГІ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) TEST CERTSTEST GOST2015-512
}

// A GOST 2004 CA issues the GOSTKNCA_ signing key stores NCA gave legal
// entities before 2022.
func ExampleNewCA_gost2004() {
	ca, err := certstest.NewCA(certstest.Options{Algorithm: certs.AlgorithmGOST2004})
	if err != nil {
		log.Fatal(err)
	}
	is, err := ca.Issue(certstest.Profile{Kind: certstest.KindCanSign})
	if err != nil {
		log.Fatal(err)
	}
	c := is.Certificate
	fmt.Println(c.Algorithm, c.Usage, c.Roles, c.FileKind, c.Issuer)
	// Output:
	// GOST2004 SIGN [ORGANIZATION CAN_SIGN] GOSTKNCA_ ҰКО 3.0 (GOST TEST CERTSTEST)
}

// Each profile gives one of NCA's kinds of key store, named as NCA names them.
func ExampleCA_Issue() {
	ca, err := certstest.NewCA(certstest.Options{})
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range []certstest.Profile{
		{Kind: certstest.KindIndividual, Usage: certs.UsageAuth},
		{Kind: certstest.KindEntrepreneur, Usage: certs.UsageSign, IIN: certstest.TestIIN2},
		{Kind: certstest.KindEmployee, Usage: certs.UsageSign, Email: "employee@example.kz"},
	} {
		is, err := ca.Issue(p)
		if err != nil {
			log.Fatal(err)
		}
		c := is.Certificate
		fmt.Println(p.Kind, c.Usage, c.Holder, c.IIN, c.Roles, c.Email, is.FileName[:len(c.FileKind)])
	}
	// Output:
	// individual AUTH INDIVIDUAL 123456789011 [INDIVIDUAL]  AUTH_RSA256_
	// entrepreneur SIGN INDIVIDUAL 123456789012 [INDIVIDUAL]  RSA256_
	// employee SIGN LEGAL_ENTITY 123456789011 [ORGANIZATION EMPLOYEE] employee@example.kz RSA256_
}

func ExampleCA_Revoke() {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ca, err := certstest.NewCA(certstest.Options{Now: func() time.Time { return now }})
	if err != nil {
		log.Fatal(err)
	}
	is, err := ca.Issue(certstest.Profile{Usage: certs.UsageSign})
	if err != nil {
		log.Fatal(err)
	}
	now = now.Add(time.Hour)
	if err := ca.Revoke(is.Certificate); err != nil {
		log.Fatal(err)
	}
	der, err := ca.CRL() // what a CRL distribution point would serve
	if err != nil {
		log.Fatal(err)
	}
	crl, err := certs.ParseCRL(der)
	if err != nil {
		log.Fatal(err)
	}
	_, err = certs.Verify(is.Certificate, certs.VerifyOptions{
		Roots:         []*certs.Certificate{ca.Root()},
		Intermediates: []*certs.Certificate{ca.Intermediate()},
		CRLs:          []*certs.CRL{crl},
		CurrentTime:   now,
	})
	var ve *certs.VerifyError
	if errors.As(err, &ve) {
		fmt.Println(ve.Reason, "at", ve.RevocationTime.Format(time.RFC3339))
	}
	// Output:
	// revoked at 2026-01-01T01:00:00Z
}

// Tests of other packages open the committed fixture set. (Not run: it needs
// the module's source tree.)
func ExampleOpenFixture() {
	ks, err := certstest.OpenFixture(certstest.FixtureCEOSign)
	if err != nil {
		log.Fatal(err)
	}
	opts, err := certstest.FixtureVerifyOptions() // at certstest.FixtureTime
	if err != nil {
		log.Fatal(err)
	}
	if _, err := certs.Verify(ks.Certificate, opts); err != nil {
		log.Fatal(err)
	}
	fmt.Println(ks.Certificate.CommonName, ks.Certificate.Roles) // ТЕСТОВ ТЕСТ [ORGANIZATION CEO]
}
