package certs_test

import (
	"crypto/x509"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/internal/testref"
)

// referenceFiles returns the real NCA files with one of the extensions, or
// nothing when ../shared is absent (the fuzzers then start from the
// generated seeds alone).
func referenceFiles(f *testing.F, exts ...string) [][]byte {
	shared, ok := testref.SharedDir()
	if !ok {
		return nil
	}
	var out [][]byte
	_ = filepath.Walk(filepath.Join(shared, "reference", "nca-test-certs"), func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		for _, e := range exts {
			if filepath.Ext(path) == e {
				if data, err := os.ReadFile(path); err == nil {
					out = append(out, data)
				}
			}
		}
		return nil
	})
	return out
}

func FuzzOpen(f *testing.F) {
	for _, data := range referenceFiles(f, ".p12") {
		f.Add(data, "Qwerty12")
	}
	id := testID(f)
	for _, enc := range []*pkcs12.Encoder{pkcs12.LegacyRC2.WithIterations(1), pkcs12.Modern2023.WithIterations(1)} {
		data, err := enc.Encode(id.key, id.cert, nil, "Qwerty12")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, "Qwerty12")
	}
	f.Fuzz(func(t *testing.T, data []byte, pin string) {
		ks, err := certs.Open(data, pin)
		if err == nil && (ks.Certificate == nil || ks.PrivateKey == nil) {
			t.Fatal("Open succeeded without a key and its certificate")
		}
	})
}

func FuzzParseCertificate(f *testing.F) {
	for _, data := range referenceFiles(f, ".cer", ".crt", ".pem") {
		f.Add(data)
	}
	f.Add(testID(f).cert.Raw)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := certs.ParseCertificate(data)
		if err == nil {
			_ = c.FileName()
			_ = c.FullName()
			if c.X509 == nil {
				t.Fatal("certificate without X509")
			}
		}
	})
}

func FuzzParseCRL(f *testing.F) {
	for _, data := range referenceFiles(f, ".crl") {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		crl, err := certs.ParseCRL(data)
		if err == nil {
			for _, r := range crl.Revoked {
				if _, ok := crl.Lookup(r.SerialNumber); !ok {
					t.Fatal("listed serial not found")
				}
			}
		}
	})
}

// FuzzParsePKCS8PrivateKey covers both of NCA's GOST private-key forms and
// what crypto/x509 reads.
func FuzzParsePKCS8PrivateKey(f *testing.F) {
	id := testID(f)
	if der, err := x509.MarshalPKCS8PrivateKey(id.key); err == nil {
		f.Add(der)
	}
	for _, hexDER := range []string{
		// GOST 2015-512: OCTET STRING(64) little-endian inside privateKey.
		"306e020100301806082a830e030a0101020230100a082a830e030a01010202010000" + "044f044d" + strings.Repeat("01", 64),
		// GOST 2004: INTEGER inside privateKey.
		"3045020100301c06092a830e030a010101013010060a2a830e030a010101010106052a830e030a0422022001" + strings.Repeat("02", 31),
	} {
		if der, err := hex.DecodeString(hexDER); err == nil {
			f.Add(der)
		}
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		_, _ = certs.ParsePKCS8PrivateKey(der)
	})
}
