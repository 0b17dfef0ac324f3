package invoice

import (
	"crypto/rand"
	"testing"

	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/certs/gost"
)

// Building and signing one invoice (the struct, Marshal, Sign) against
// the bare GOST 2015 signature of the same bytes (Streebog-512 and
// PrivateKey.Sign): the budget is 1.3×. bench/invoice-sign.sh
// measures the same in CPU time, interleaved.
func BenchmarkBuildAndSign(b *testing.B) {
	ks, err := certstest.OpenFixture(certstest.FixtureGOSTCEO)
	if err != nil {
		b.Fatal(err)
	}
	signer, err := ks.Signer()
	if err != nil {
		b.Fatal(err)
	}
	body, err := minimal().Marshal()
	if err != nil {
		b.Fatal(err)
	}
	key := ks.PrivateKey.(*gost.PrivateKey)
	b.Run("BuildMarshalSign", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			body, err := minimal().Marshal()
			if err != nil {
				b.Fatal(err)
			}
			if _, err := Sign(body, signer); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("BareGOST", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			d := gost.Sum512(body)
			if _, err := key.Sign(rand.Reader, d[:], nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := minimal().Marshal(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Check", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := Check(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Parse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Parse(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Streebog512", func(b *testing.B) {
		for b.Loop() {
			gost.Sum512(body)
		}
	})
}
