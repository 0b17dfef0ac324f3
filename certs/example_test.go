package certs_test

import (
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
)

// exampleCA is a test PKI on a pinned clock, so the examples' output is stable.
func exampleCA() *certstest.CA {
	ca, err := certstest.NewCA(certstest.Options{
		Now:  func() time.Time { return time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC) },
		Rand: certstest.DeterministicRand("certs examples"),
	})
	if err != nil {
		log.Fatal(err)
	}
	return ca
}

func ExampleOpen() {
	issued, err := exampleCA().Issue(certstest.Profile{Kind: certstest.KindIndividual, Usage: certs.UsageSign})
	if err != nil {
		log.Fatal(err)
	}
	p12 := issued.PKCS12 // in real use: os.ReadFile("RSA256_….p12")

	if _, err := certs.Open(p12, "wrong"); errors.Is(err, certs.ErrWrongPIN) {
		fmt.Println("wrong PIN")
	}
	ks, err := certs.Open(p12, "Qwerty12")
	if err != nil {
		log.Fatal(err)
	}
	signer, err := ks.Signer() // a crypto.Signer for RSA keys
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%T\n", signer.Public())
	fmt.Println(ks.Certificate.FullName(), ks.Certificate.IIN, ks.Certificate.Usage)
	// Output:
	// wrong PIN
	// *rsa.PublicKey
	// ТЕСТОВ ТЕСТ ТЕСТОВИЧ 123456789011 SIGN
}

func ExampleParseCertificate() {
	issued, err := exampleCA().Issue(certstest.Profile{Kind: certstest.KindCEO, Usage: certs.UsageAuth})
	if err != nil {
		log.Fatal(err)
	}
	c, err := certs.ParseCertificate(issued.DER()) // DER, PEM or bare base64
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("holder:", c.Holder)
	fmt.Println("person:", c.Surname, "/", c.FirstName, "/", c.Patronymic, "IIN", c.IIN)
	fmt.Println("company:", c.Organization, "BIN", c.BIN)
	fmt.Println("usage:", c.Usage, "roles:", c.Roles, "head:", c.HasRole(certs.RoleCEO))
	fmt.Println("file kind:", c.FileKind, "algorithm:", c.Algorithm)
	// Output:
	// holder: LEGAL_ENTITY
	// person: ТЕСТОВ / ТЕСТ / ТЕСТОВИЧ IIN 123456789011
	// company: АО "ТЕСТ" BIN 123456789021
	// usage: AUTH roles: [ORGANIZATION CEO] head: true
	// file kind: AUTH_RSA256_ algorithm: RSA
}

func ExampleVerify() {
	ca := exampleCA()
	auth, err := ca.Issue(certstest.Profile{Usage: certs.UsageAuth})
	if err != nil {
		log.Fatal(err)
	}
	revoked, err := ca.Issue(certstest.Profile{Usage: certs.UsageSign, State: certstest.StateRevoked})
	if err != nil {
		log.Fatal(err)
	}
	crlDER, err := ca.CRL()
	if err != nil {
		log.Fatal(err)
	}
	crl, err := certs.ParseCRL(crlDER)
	if err != nil {
		log.Fatal(err)
	}
	opts := certs.VerifyOptions{
		Roots:       []*certs.Certificate{ca.Intermediate()}, // an intermediate alone is a trust anchor
		CRLs:        []*certs.CRL{crl},
		CurrentTime: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC),
	}
	chain, err := certs.Verify(auth.Certificate, opts)
	fmt.Println(len(chain), err)

	_, err = certs.Verify(revoked.Certificate, opts)
	var ve *certs.VerifyError
	if errors.As(err, &ve) {
		fmt.Println(ve.Reason)
	}

	opts.Usage = certs.UsageSign // an agreement needs a signing key
	_, err = certs.Verify(auth.Certificate, opts)
	if errors.As(err, &ve) {
		fmt.Printf("%s: %s\n", ve.Reason, ve.Detail)
	}
	// Output:
	// 2 <nil>
	// revoked
	// wrong usage: issued for AUTH, SIGN required
}
