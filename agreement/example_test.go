package agreement_test

import (
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/esfkit/esf/agreement"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/xmlsig"
)

// A head of a legal entity signs the entity's agreement with his signing
// key; the mock verifies it against NCA's CAs (here the test PKI's).
func Example() {
	date := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	a, err := agreement.New(agreement.LegalEntity, agreement.Russian, agreement.Requisites{
		IIN: "123456789011", FullName: "ТЕСТОВ ТЕСТ ТЕСТОВИЧ",
		IDDocumentNumber: "012345678", IDDocumentIssuer: "МВД РК", IDDocumentIssueDate: time.Date(2019, 3, 14, 0, 0, 0, 0, time.UTC),
		Address: "г. Астана", BIN: "123456789021", CompanyName: `АО "ТЕСТ"`, ActingOnBasisOf: "Устава",
	}, date)
	if err != nil {
		log.Fatal(err)
	}
	ks, err := certstest.OpenFixture(certstest.FixtureCEOSign)
	if err != nil {
		log.Fatal(err)
	}
	signer, _ := ks.Signer()
	signed, err := agreement.Sign(a, signer, ks.Certificate, xmlsig.SignOptions{Now: func() time.Time { return date }})
	if err != nil {
		log.Fatal(err)
	}
	trust, err := certstest.FixtureVerifyOptions() // NCA's CA certificates and CRLs in real use
	if err != nil {
		log.Fatal(err)
	}
	v, err := agreement.Verify(signed, agreement.Policy{Chain: trust, Now: func() time.Time { return date }})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(v.Agreement.Kind, v.Agreement.Requisites.BIN, v.Signer.Roles)
	fmt.Println(v.Agreement.Acceptance())

	// An AUTH key may log in, not sign the agreement.
	auth, _ := certstest.OpenFixture(certstest.FixtureCEOAuth)
	authSigner, _ := auth.Signer()
	_, err = agreement.Sign(a, authSigner, auth.Certificate, xmlsig.SignOptions{Now: func() time.Time { return date }})
	var pe *agreement.PolicyError
	if errors.As(err, &pe) {
		fmt.Println("refused:", pe.Rule)
	}
	// Output:
	// legal-entity 123456789021 [ORGANIZATION CEO]
	// Я ТЕСТОВ ТЕСТ ТЕСТОВИЧ с условиями настоящего Соглашения согласен
	// refused: signing-key
}
