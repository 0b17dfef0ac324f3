package agreement_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"testing"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/esfkit/esf/agreement"
	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/xmlsig"
)

// BenchmarkSign: signing an agreement (RSA) beside the raw RSA signature of
// a SHA-256 digest that it wraps, in wall time, for profiling
// (-cpuprofile, -memprofile). The comparison that decides, interleaved and
// in CPU time, is bench/agreement-sign.sh.
func BenchmarkSign(b *testing.B) {
	a := newAgreement(b, agreement.Individual, agreement.Russian)
	ks := signerFor(b, agreement.Individual)
	s, err := ks.Signer()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("agreement.Sign", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := agreement.Sign(a, s, ks.Certificate, xmlsig.SignOptions{Now: clock}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("rsa.SignPKCS1v15", func(b *testing.B) {
		key := ks.PrivateKey.(*rsa.PrivateKey)
		digest := sha256.Sum256([]byte("SignedInfo"))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:]); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkVerify: verifying a signed agreement (signature and policy,
// without the chain) and xmlsig.Verify alone, beside goxmldsig's own
// Validate of the same document.
func BenchmarkVerify(b *testing.B) {
	signed, ks := signedIndividual(b)
	pol := policy(b)
	b.Run("agreement.Verify with chain", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := agreement.Verify(signed, pol); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("xmlsig.Verify", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := xmlsig.Verify(signed, xmlsig.VerifyOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("goxmldsig.Validate", func(b *testing.B) {
		ctx := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{ks.Certificate.X509}})
		ctx.Clock = dsig.NewFakeClockAt(at)
		b.ReportAllocs()
		for b.Loop() {
			doc := etree.NewDocument()
			if err := doc.ReadFromBytes(signed); err != nil {
				b.Fatal(err)
			}
			if _, err := ctx.Validate(doc.Root()); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkParse: reading a verified agreement back from its signed bytes
// (Verified.Signed), as the mock does for every agreement of a
// registration.
func BenchmarkParse(b *testing.B) {
	signed, _ := signedIndividual(b)
	v, err := xmlsig.Verify(signed, xmlsig.VerifyOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(v.Signed)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := agreement.Parse(v.Signed); err != nil {
			b.Fatal(err)
		}
	}
}

// signedIndividual returns an individual's agreement signed with the
// committed fixture key, and that key store.
func signedIndividual(b *testing.B) ([]byte, *certs.KeyStore) {
	b.Helper()
	a := newAgreement(b, agreement.Individual, agreement.Russian)
	ks := signerFor(b, agreement.Individual)
	s, err := ks.Signer()
	if err != nil {
		b.Fatal(err)
	}
	signed, err := agreement.Sign(a, s, ks.Certificate, xmlsig.SignOptions{Now: clock})
	if err != nil {
		b.Fatal(err)
	}
	return signed, ks
}
