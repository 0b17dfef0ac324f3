package certs_test

import (
	"os"
	"path/filepath"
	"testing"

	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/internal/testref"
)

// BenchmarkOpen measures Open on a real NCA key store (BER, 3DES + RC2-40,
// 1024 iterations) and on a DER key store that go-pkcs12 wrote with the
// same algorithms and iterations, beside go-pkcs12's own DecodeChain on
// that DER file.
func BenchmarkOpen(b *testing.B) {
	b.Run("NCA BER RSA", func(b *testing.B) {
		dir := testref.Dir(b, "reference", "nca-test-certs", "danikarik_ncanode-go", "testdata", "personal", "active")
		data, err := os.ReadFile(filepath.Join(dir, "RSA256_11c707bd54cbfcccb3815e39c4eb57b1dc7dfea9.p12"))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := certs.Open(data, "Qwerty12"); err != nil {
				b.Fatal(err)
			}
		}
	})
	id := testID(b)
	der, err := pkcs12.LegacyRC2.WithIterations(1024).Encode(id.key, id.cert, nil, "Qwerty12")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("go-pkcs12 DER/certs.Open", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := certs.Open(der, "Qwerty12"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go-pkcs12 DER/pkcs12.DecodeChain", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, _, err := pkcs12.DecodeChain(der, "Qwerty12"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
