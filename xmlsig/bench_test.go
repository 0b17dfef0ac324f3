package xmlsig_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/xmlsig"
)

// BenchmarkVerify: verifying a signed log-in ticket (where the RSA check
// dominates) and a signed 100 KB invoice-like document (where reading the
// XML does).
func BenchmarkVerify(b *testing.B) {
	s := fixtureSigner(b, certstest.FixtureIndividualAuth)
	var large strings.Builder
	large.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<invoice xmlns="urn:esf:v2" xmlns:p="urn:esf:product">`)
	for i := 0; large.Len() < 100<<10; i++ {
		fmt.Fprintf(&large, "\n  <p:product num=\"%d\" unit=\"шт\"><p:name>Товар &amp; услуга %d</p:name><p:price currency=\"KZT\">%d.00</p:price><!-- line %d --></p:product>", i, i, 1000+i, i)
	}
	large.WriteString("\n</invoice>\n")
	for _, tc := range []struct{ name, doc string }{
		{"ticket", ticket},
		{"100KB", large.String()},
	} {
		signed, err := xmlsig.Sign([]byte(tc.doc), s.signer, s.cert, xmlsig.SignOptions{Now: clock})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(signed)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := xmlsig.Verify(signed, xmlsig.VerifyOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
