package cms_test

import (
	"fmt"
	"log"
	"time"

	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/cms"
)

// Signing a document as NCALayer's createCMSSignatureFromBase64 does,
// detached, and verifying it with its content and the signer's chain.
func ExampleSign() {
	ks, err := certstest.OpenFixture(certstest.FixtureGOSTIndividual) // in real use: certs.OpenFile("GOST512_….p12", pin)
	if err != nil {
		log.Fatal(err)
	}
	signer, err := ks.Signer()
	if err != nil {
		log.Fatal(err)
	}
	at := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	content := []byte("Тестовый файл для подписания")
	der, err := cms.Sign(content, signer, ks.Certificate, cms.SignOptions{Detached: true, SigningTime: at})
	if err != nil {
		log.Fatal(err)
	}
	pem := cms.EncodePEM(der) // what NCALayer's basics module returns
	fmt.Printf("%s…\n", pem[:20])

	chain, err := certstest.FixtureVerifyOptions()
	if err != nil {
		log.Fatal(err)
	}
	v, err := cms.Verify(der, cms.VerifyOptions{Content: content, Chain: &chain, Now: func() time.Time { return at }})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(v.Signer.IIN, v.Signer.Algorithm, v.Detached, v.SigningTime.Format(time.RFC3339), len(v.Chain))
	// Output:
	// -----BEGIN CMS-----
	// …
	// 123456789011 GOST2015-512 true 2026-06-01T09:00:00Z 3
}

// Verifying a CMS as NCALayer hands it out (PEM or base64) and reading
// only what was verified.
func ExampleVerify() {
	ks, err := certstest.OpenFixture(certstest.FixtureIndividualSign)
	if err != nil {
		log.Fatal(err)
	}
	signer, err := ks.Signer()
	if err != nil {
		log.Fatal(err)
	}
	signed, err := cms.Sign([]byte("<invoice/>"), signer, ks.Certificate, cms.SignOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fromBrowser := cms.EncodePEM(signed)

	der, err := cms.DecodePEM(fromBrowser)
	if err != nil {
		log.Fatal(err)
	}
	v, err := cms.Verify(der, cms.VerifyOptions{}) // add Chain to check the signer's certificate
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s signed %q\n", v.Signer.FullName(), v.Content)
	// Output:
	// ТЕСТОВ ТЕСТ ТЕСТОВИЧ signed "<invoice/>"
}
