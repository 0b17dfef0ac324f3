package certs_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/certs/gost"
	"github.com/esfkit/esf/internal/testref"
)

// Bounds on what one fuzz input may cost, checked with certs.BERCost
// before Open or ParsePKCS8PrivateKey runs. Real key stores stay inside
// them (NCA writes 1024 iterations, OpenSSL and go-pkcs12 2048; NCA's RSA
// keys are 2048-bit); what lies beyond costs time and no new code: Open
// accepts up to a million iterations, about half a second of key
// derivation per input, and an RSA modulus of a few kilobytes makes key
// validation take tens of milliseconds.
const (
	maxFuzzIterations   = 2048
	maxFuzzKeyLength    = 64  // PBKDF2 keyLength of PBMAC1: HMAC-SHA-512's key
	maxFuzzIntegerBytes = 513 // an RSA-4096 modulus
)

// tooCostly reports whether data exceeds the bounds above.
func tooCostly(data []byte) bool {
	iterations, keyLength, integerBytes := certs.BERCost(data)
	return iterations > maxFuzzIterations || keyLength > maxFuzzKeyLength || integerBytes > maxFuzzIntegerBytes
}

// referenceFile is a real NCA file from ../shared.
type referenceFile struct {
	path string
	data []byte
}

// referenceFiles returns the real NCA files with one of the extensions, or
// nothing when ../shared is absent (the fuzzers then start from the
// committed fixtures and the generated seeds alone).
func referenceFiles(exts ...string) []referenceFile {
	shared, ok := testref.SharedDir()
	if !ok {
		return nil
	}
	var out []referenceFile
	_ = filepath.Walk(filepath.Join(shared, "reference", "nca-test-certs"), func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !slices.Contains(exts, filepath.Ext(path)) {
			return err
		}
		if data, err := os.ReadFile(path); err == nil {
			out = append(out, referenceFile{path: path, data: data})
		}
		return nil
	})
	return out
}

// smallestPer keeps, of files with the same key, the smallest; the key
// names what the file exercises, so the seeds cover each kind once.
func smallestPer(files []referenceFile, key func(referenceFile) (string, bool)) []referenceFile {
	best := map[string]referenceFile{}
	var keys []string
	for _, rf := range files {
		k, ok := key(rf)
		if !ok {
			continue
		}
		if b, seen := best[k]; !seen {
			keys = append(keys, k)
		} else if len(b.data) <= len(rf.data) {
			continue
		}
		best[k] = rf
	}
	slices.Sort(keys)
	out := make([]referenceFile, 0, len(keys))
	for _, k := range keys {
		out = append(out, best[k])
	}
	return out
}

// fixture reads a committed fixture of testdata/nca-test-pki.
func fixture(f *testing.F, name string) []byte {
	f.Helper()
	data, err := certstest.ReadFixture(name)
	if err != nil {
		f.Fatal(err)
	}
	return data
}

// referencePINs are the PINs of the real key stores in ../shared.
var referencePINs = []string{"Qwerty12", "Aa123456"}

// keyStoreSeed is a key store and the PIN that opens it.
type keyStoreSeed struct {
	data []byte
	pin  string
}

// keyStoreSeeds returns one real key store per algorithm (the smallest),
// the committed fixtures of each algorithm, and go-pkcs12's encodings of
// the RSA fixture's key (legacy, modern with PBES2, PBMAC1, and none).
func keyStoreSeeds(f *testing.F) []keyStoreSeed {
	f.Helper()
	var seeds []keyStoreSeed
	pins := map[string]string{}
	real := smallestPer(referenceFiles(".p12"), func(rf referenceFile) (string, bool) {
		for _, pin := range referencePINs {
			if ks, err := certs.Open(rf.data, pin); err == nil {
				pins[rf.path] = pin
				return ks.Certificate.Algorithm.String(), true
			}
		}
		return "", false
	})
	for _, rf := range real {
		seeds = append(seeds, keyStoreSeed{rf.data, pins[rf.path]})
	}
	for _, name := range []string{certstest.FixtureIndividualSign, certstest.FixtureGOSTIndividual, certstest.FixtureGOST2004CEO} {
		seeds = append(seeds, keyStoreSeed{fixture(f, name), certstest.FixturePIN})
	}
	ks, err := certstest.OpenFixture(certstest.FixtureIndividualSign)
	if err != nil {
		f.Fatal(err)
	}
	for _, enc := range []*pkcs12.Encoder{
		pkcs12.LegacyRC2.WithIterations(1),
		pkcs12.Modern2023.WithIterations(1),
		pkcs12.Modern2026.WithIterations(1),
		pkcs12.Passwordless,
	} {
		pin := certstest.FixturePIN
		if enc == pkcs12.Passwordless {
			pin = "" // go-pkcs12 insists; Open then takes any PIN
		}
		data, err := enc.Encode(ks.PrivateKey, ks.Certificate.X509, nil, pin)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, keyStoreSeed{data, certstest.FixturePIN})
	}
	return seeds
}

// openErrors are the sentinels every error of Open wraps.
var openErrors = []error{certs.ErrWrongPIN, certs.ErrNotKeyStore, certs.ErrMalformed, certs.ErrUnsupported, certs.ErrNoPrivateKey}

// FuzzOpen opens arbitrary key stores: never a panic, every error wraps
// one of Open's sentinels, and a key store that opens holds a private key
// whose public key is its certificate's. The seeds are real NCA files (BER)
// and the committed fixtures (DER), each also without its MAC (so that
// mutations reach the bags and their decryption), and go-pkcs12's
// encodings; inputs costlier than the bounds above are skipped.
func FuzzOpen(f *testing.F) {
	testref.LimitFuzzMinimization(f)
	for _, s := range keyStoreSeeds(f) {
		f.Add(s.data, s.pin)
		if bare, err := certs.StripMAC(s.data); err == nil {
			f.Add(bare, s.pin)
		}
	}
	f.Add([]byte("-----BEGIN CERTIFICATE-----\n"), "")
	f.Add([]byte{0x30, 0x80, 0, 0}, "Qwerty12")
	f.Fuzz(func(t *testing.T, data []byte, pin string) {
		if tooCostly(data) {
			t.Skip("iteration count, keyLength or INTEGER beyond the fuzz bounds")
		}
		ks, err := certs.Open(data, pin)
		if err != nil {
			if ks != nil {
				t.Fatalf("Open returned a key store with error %v", err)
			}
			if !slices.ContainsFunc(openErrors, func(s error) bool { return errors.Is(err, s) }) {
				t.Fatalf("error %q wraps none of Open's sentinels", err)
			}
			return
		}
		if ks.Certificate == nil || ks.PrivateKey == nil {
			t.Fatal("Open succeeded without a key and its certificate")
		}
		priv, ok := ks.PrivateKey.(interface{ Public() crypto.PublicKey })
		if !ok {
			t.Fatalf("private key %T has no public key", ks.PrivateKey)
		}
		pub, ok := priv.Public().(interface{ Equal(crypto.PublicKey) bool })
		if !ok || !pub.Equal(ks.Certificate.PublicKey) {
			t.Fatalf("the certificate's public key %T is not the private key's", ks.Certificate.PublicKey)
		}
	})
}

// FuzzParseCertificate reads arbitrary certificates: never a panic, and a
// certificate that parses reads the same from its DER (whatever form it
// came in), carries the public key type its Algorithm says, and has a file
// name that ParseFileName reads back.
func FuzzParseCertificate(f *testing.F) {
	testref.LimitFuzzMinimization(f)
	// Per form (DER, PEM, base64) and kind of certificate, the smallest.
	real := smallestPer(referenceFiles(".cer", ".crt", ".pem"), func(rf referenceFile) (string, bool) {
		c, err := certs.ParseCertificate(rf.data)
		if err != nil {
			return "unparsable " + rf.path, true
		}
		form := "der"
		switch {
		case bytes.Contains(rf.data, []byte("-----BEGIN")):
			form = "pem"
		case rf.data[0] != 0x30:
			form = "base64"
		}
		return strings.Join([]string{form, c.Algorithm.String(), c.Holder.String(), c.Usage.String(), string(c.FileKind)}, " "), true
	})
	for _, rf := range real {
		f.Add(rf.data)
	}
	for _, name := range []string{certstest.FixtureRootCA, certstest.FixtureGOSTIntermediateCA, certstest.FixtureGOST2004IntermediateCA} {
		f.Add(fixture(f, name))
	}
	for _, name := range []string{certstest.FixtureCEOSign, certstest.FixtureGOSTCEO} {
		ks, err := certstest.OpenFixture(name)
		if err != nil {
			f.Fatal(err)
		}
		der := ks.Certificate.X509.Raw
		f.Add(der)
		f.Add([]byte(base64.StdEncoding.EncodeToString(der)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := certs.ParseCertificate(data)
		if err != nil {
			if c != nil || !strings.HasPrefix(err.Error(), "certs: ") {
				t.Fatalf("ParseCertificate: %v, and a certificate: %t", err, c != nil)
			}
			return
		}
		if c.X509 == nil {
			t.Fatal("certificate without X509")
		}
		_, _, _ = c.FullName(), c.SubjectDN(), c.IssuerDN()
		switch c.Algorithm {
		case certs.AlgorithmRSA:
			if _, ok := c.PublicKey.(*rsa.PublicKey); !ok {
				t.Fatalf("RSA certificate with a %T public key", c.PublicKey)
			}
		case certs.AlgorithmGOST2004, certs.AlgorithmGOST2015_512:
			if k, ok := c.PublicKey.(*gost.PublicKey); !ok || k == nil {
				t.Fatalf("%s certificate with a %T public key", c.Algorithm, c.PublicKey)
			}
		}
		again, err := certs.ParseCertificate(c.X509.Raw)
		if err != nil {
			t.Fatalf("the certificate's own DER does not parse: %v", err)
		}
		if !reflect.DeepEqual(again, c) {
			t.Fatalf("the certificate reads differently from its DER:\n%+v\n%+v", c, again)
		}
		// NCA's SKIs are SHA-1 hashes; ParseFileName reads 40 hex digits.
		if name := c.FileName(); name != "" && len(c.SKI) == 20 {
			kind, ski, ok := certs.ParseFileName(name)
			if !ok || kind != c.FileKind || !bytes.Equal(ski, c.SKI) {
				t.Fatalf("ParseFileName(%q) = %q, %x, %t; want %q, %x", name, kind, ski, ok, c.FileKind, c.SKI)
			}
		}
	})
}

// FuzzParseCRL reads arbitrary CRLs: never a panic, every listed serial is
// found by Lookup, and Lookup returns only the entry of the serial asked
// for, never one of another serial (its negation, say).
func FuzzParseCRL(f *testing.F) {
	testref.LimitFuzzMinimization(f)
	seen := map[string]bool{}
	add := func(data []byte) {
		if !seen[string(data)] {
			seen[string(data)] = true
			f.Add(data)
		}
	}
	for _, rf := range referenceFiles(".crl") {
		add(rf.data)
	}
	for _, name := range []string{certstest.FixtureCRL, certstest.FixtureGOSTCRL, certstest.FixtureGOST2004CRL} {
		add(fixture(f, name))
	}
	add(pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: fixture(f, certstest.FixtureCRL)}))
	f.Fuzz(func(t *testing.T, data []byte) {
		crl, err := certs.ParseCRL(data)
		if err != nil {
			if crl != nil || !errors.Is(err, certs.ErrNotCRL) {
				t.Fatalf("ParseCRL: %v, and a CRL: %t", err, crl != nil)
			}
			return
		}
		for _, r := range crl.Revoked {
			got, ok := crl.Lookup(r.SerialNumber)
			if !ok {
				t.Fatalf("listed serial %d not found", r.SerialNumber)
			}
			if got.SerialNumber.Cmp(r.SerialNumber) != 0 {
				t.Fatalf("Lookup(%d) returned the entry of %d", r.SerialNumber, got.SerialNumber)
			}
			neg := new(big.Int).Neg(r.SerialNumber)
			if got, ok := crl.Lookup(neg); ok && got.SerialNumber.Cmp(neg) != 0 {
				t.Fatalf("Lookup(%d) returned the entry of %d", neg, got.SerialNumber)
			}
		}
	})
}

// FuzzParsePKCS8PrivateKey covers both of NCA's GOST private-key forms and
// what crypto/x509 reads: never a panic, every error wraps ErrMalformed or
// ErrUnsupported, and a key that parses comes back the same from its own
// encoding (GOST keys: from their scalar; others: through x509's PKCS#8).
// The seeds are the keys of real and fixture key stores, small ECDSA and
// Ed25519 keys, and hand-made GOST encodings; RSA moduli beyond 4096 bits
// are skipped.
func FuzzParsePKCS8PrivateKey(f *testing.F) {
	testref.LimitFuzzMinimization(f)
	seen := map[string]bool{}
	for _, s := range keyStoreSeeds(f) {
		if der, err := certs.KeyStorePKCS8(s.data, s.pin); err == nil && !seen[string(der)] {
			seen[string(der)] = true
			f.Add(der)
		}
	}
	ec, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), bytes.Repeat([]byte{7}, 32))
	if err != nil {
		f.Fatal(err)
	}
	for _, key := range []crypto.PrivateKey{ec, ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))} {
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(der)
	}
	for _, hexDER := range []string{
		// GOST 2015-512: OCTET STRING(64) little-endian inside privateKey.
		"306e020100301806082a830e030a0101020230100a082a830e030a01010202010000" + "044f044d" + strings.Repeat("01", 64),
		// GOST 2004: INTEGER inside privateKey.
		"3045020100301c06092a830e030a010101013010060a2a830e030a010101010106052a830e030a0422022001" + strings.Repeat("02", 31),
	} {
		der, err := hex.DecodeString(hexDER)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(der)
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		if tooCostly(der) {
			t.Skip("RSA modulus beyond the fuzz bounds")
		}
		key, err := certs.ParsePKCS8PrivateKey(der)
		if err != nil {
			if key != nil || !errors.Is(err, certs.ErrMalformed) && !errors.Is(err, certs.ErrUnsupported) {
				t.Fatalf("ParsePKCS8PrivateKey: %v (wraps neither ErrMalformed nor ErrUnsupported), and a key: %t", err, key != nil)
			}
			return
		}
		if g, ok := key.(*gost.PrivateKey); ok {
			again, err := gost.NewPrivateKey(g.Curve, g.Bytes())
			if err != nil || !again.Equal(g) || !again.PublicKey().Equal(g.PublicKey()) {
				t.Fatalf("GOST key does not come back from its scalar: %v", err)
			}
			if _, err := gost.ParsePublicKey(g.Curve, g.PublicKey().Bytes()); err != nil {
				t.Fatalf("GOST public key does not parse: %v", err)
			}
			return
		}
		enc, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return // crypto/x509 reads some keys it does not write
		}
		again, err := certs.ParsePKCS8PrivateKey(enc)
		if err != nil {
			t.Fatalf("the key's own PKCS#8 does not parse: %v", err)
		}
		eq, ok := key.(interface{ Equal(crypto.PrivateKey) bool })
		if !ok || !eq.Equal(again) {
			t.Fatalf("%T key does not come back from its PKCS#8", key)
		}
	})
}

// Regressions the fuzz targets found, as plain tests.

// TestOpen_OffCurveGOSTCertificateIsMalformed: a key store whose
// certificate carries a GOST public key off its curve was refused with an
// error wrapping none of Open's sentinels (FuzzOpen found it in a real key
// store without its MAC, the key flipped through the CBC ciphertext).
func TestOpen_OffCurveGOSTCertificateIsMalformed(t *testing.T) {
	gostKS, err := certstest.OpenFixture(certstest.FixtureGOSTIndividual)
	if err != nil {
		t.Fatal(err)
	}
	der := bytes.Clone(gostKS.Certificate.X509.Raw)
	spki := gostKS.Certificate.X509.RawSubjectPublicKeyInfo
	i := bytes.Index(der, spki)
	if i < 0 {
		t.Fatal("SubjectPublicKeyInfo not found in the certificate")
	}
	der[i+len(spki)-1] ^= 1 // the last byte of the point
	bad, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := certs.NewCertificate(bad); err == nil {
		t.Fatal("the changed point is still on the curve")
	}
	rsaKS, err := certstest.OpenFixture(certstest.FixtureIndividualSign)
	if err != nil {
		t.Fatal(err)
	}
	data, err := pkcs12.Passwordless.Encode(rsaKS.PrivateKey, bad, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = certs.Open(data, "")
	if !errors.Is(err, certs.ErrMalformed) {
		t.Fatalf("Open: %v; want ErrMalformed", err)
	}
}

// TestCRL_LookupTellsSignsApart: Lookup keyed its index by the serial's
// magnitude, so it found a listed 5 for -5 (FuzzParseCRL's seeds showed it
// at once).
func TestCRL_LookupTellsSignsApart(t *testing.T) {
	crl, err := certs.ParseCRL(fixtureFile(t, certstest.FixtureCRL))
	if err != nil {
		t.Fatal(err)
	}
	if len(crl.Revoked) == 0 {
		t.Fatal("the fixture CRL lists no serial")
	}
	serial := crl.Revoked[0].SerialNumber
	if _, ok := crl.Lookup(serial); !ok {
		t.Fatalf("Lookup(%d) = false for a listed serial", serial)
	}
	if got, ok := crl.Lookup(new(big.Int).Neg(serial)); ok {
		t.Fatalf("Lookup(-%d) found the entry of %d", serial, got.SerialNumber)
	}
}

func fixtureFile(t *testing.T, name string) []byte {
	t.Helper()
	data, err := certstest.ReadFixture(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
