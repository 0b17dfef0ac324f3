package xmlsig_test

import (
	"fmt"
	"log"

	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/xmlsig"
)

// Signing the ticket of ESF's log-in (AuthService.createAuthTicket) and
// verifying it, as the mock does: the caller reads only v.Signed.
func ExampleSign() {
	ks, err := certstest.OpenFixture(certstest.FixtureIndividualAuth) // in real use: certs.OpenFile("AUTH_RSA256_….p12", pin)
	if err != nil {
		log.Fatal(err)
	}
	signer, err := ks.Signer()
	if err != nil {
		log.Fatal(err)
	}
	ticket := []byte(`<authSign><timeMark>1780300800000</timeMark><iin>123456789011</iin></authSign>`)
	signed, err := xmlsig.Sign(ticket, signer, ks.Certificate, xmlsig.SignOptions{Now: clock})
	if err != nil {
		log.Fatal(err)
	}
	v, err := xmlsig.Verify(signed, xmlsig.VerifyOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(v.Signer.IIN, v.Signer.Usage)
	fmt.Println(string(v.Signed))
	// Output:
	// 123456789011 AUTH
	// <authSign><timeMark>1780300800000</timeMark><iin>123456789011</iin></authSign>
}
