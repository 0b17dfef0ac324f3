package pbe

import (
	"bytes"
	"crypto"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testAlgID marshals an AlgorithmIdentifier; a zero Parameters is omitted.
type testAlgID struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

// testPBKDF2Params marshals PBKDF2-params; zero KeyLength and PRF are
// omitted.
type testPBKDF2Params struct {
	Salt       []byte
	Iterations int
	KeyLength  int       `asn1:"optional"`
	PRF        testAlgID `asn1:"optional"`
}

type testPairParams struct {
	First, Second testAlgID
}

var asn1NULL = asn1.RawValue{FullBytes: []byte{0x05, 0x00}}

func mustMarshal(t testing.TB, v any) []byte {
	t.Helper()
	der, err := asn1.Marshal(v)
	if err != nil {
		t.Fatalf("asn1.Marshal(%T): %v", v, err)
	}
	return der
}

// rawOf wraps DER as a RawValue that asn1.Marshal copies verbatim.
func rawOf(der []byte) asn1.RawValue { return asn1.RawValue{FullBytes: der} }

// pbmac1Case describes PBMAC1 parameters to build by hand.
type pbmac1Case struct {
	salt       []byte
	iterations int
	keyLength  int                   // 0: omitted
	prf        asn1.ObjectIdentifier // nil: omitted (hmacWithSHA1)
	prfParams  asn1.RawValue         // zero: omitted
	kdf        asn1.ObjectIdentifier // nil: PBKDF2
	mac        asn1.ObjectIdentifier
}

func (c pbmac1Case) algorithm(t testing.TB) []byte {
	t.Helper()
	params := testPBKDF2Params{Salt: c.salt, Iterations: c.iterations, KeyLength: c.keyLength}
	if c.prf != nil {
		params.PRF = testAlgID{c.prf, c.prfParams}
	}
	kdf := c.kdf
	if kdf == nil {
		kdf = oidPBKDF2
	}
	return mustMarshal(t, testAlgID{oidPBMAC1, rawOf(mustMarshal(t, testPairParams{
		testAlgID{kdf, rawOf(mustMarshal(t, params))},
		testAlgID{c.mac, asn1NULL},
	}))})
}

// expectedPBMAC1 computes the MAC straight from RFC 8018/9579 with the
// standard library: PBKDF2 over the UTF-8 pin, then HMAC.
func expectedPBMAC1(t testing.TB, prf, mac crypto.Hash, pin string, salt []byte, iterations, keyLength int, message []byte) []byte {
	t.Helper()
	key, err := pbkdf2.Key(prf.New, pin, salt, iterations, keyLength)
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(mac.New, key)
	m.Write(message)
	return m.Sum(nil)
}

func TestVerifyMACPBMAC1HandBuilt(t *testing.T) {
	message := []byte("the authSafe content octets")
	salt := []byte("0123456789abcdef")
	tests := []struct {
		name      string
		c         pbmac1Case
		prf, mac  crypto.Hash
		pin       string
		macSalt   []byte
		macIter   int
		keyLength int
	}{
		{"sha256 prf and mac", pbmac1Case{salt: salt, iterations: 2048, keyLength: 32, prf: oidHMACWithSHA256, prfParams: asn1NULL, mac: oidHMACWithSHA256},
			crypto.SHA256, crypto.SHA256, "1234", []byte("NOT USED"), 1, 32},
		{"sha512 prf sha256 mac", pbmac1Case{salt: salt, iterations: 1000, keyLength: 32, prf: oidHMACWithSHA512, prfParams: asn1NULL, mac: oidHMACWithSHA256},
			crypto.SHA512, crypto.SHA256, "1234", []byte("NOT USED"), 1, 32},
		{"default sha1 prf sha512 mac", pbmac1Case{salt: salt, iterations: 10, keyLength: 64, mac: oidHMACWithSHA512},
			crypto.SHA1, crypto.SHA512, "1234", []byte("NOT USED"), 1, 64},
		{"sha384 prf without params sha224 mac", pbmac1Case{salt: salt, iterations: 7, keyLength: 28, prf: oidHMACWithSHA384, mac: oidHMACWithSHA224},
			crypto.SHA384, crypto.SHA224, "1234", []byte("NOT USED"), 1, 28},
		{"cyrillic pin is used as utf-8", pbmac1Case{salt: salt, iterations: 100, keyLength: 32, prf: oidHMACWithSHA256, mac: oidHMACWithSHA256},
			crypto.SHA256, crypto.SHA256, "Құпия сөз", []byte("NOT USED"), 1, 32},
		{"empty pin", pbmac1Case{salt: salt, iterations: 100, keyLength: 32, prf: oidHMACWithSHA256, mac: oidHMACWithSHA256},
			crypto.SHA256, crypto.SHA256, "", []byte("NOT USED"), 1, 32},
		{"macdata salt and iterations are ignored", pbmac1Case{salt: salt, iterations: 100, keyLength: 32, prf: oidHMACWithSHA256, mac: oidHMACWithSHA256},
			crypto.SHA256, crypto.SHA256, "1234", nil, 0, 32},
		{"keyLength other than the hmac size", pbmac1Case{salt: salt, iterations: 100, keyLength: 20, prf: oidHMACWithSHA256, mac: oidHMACWithSHA1},
			crypto.SHA256, crypto.SHA1, "1234", nil, 1, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alg := tt.c.algorithm(t)
			digest := expectedPBMAC1(t, tt.prf, tt.mac, tt.pin, salt, tt.c.iterations, tt.keyLength, message)
			if err := VerifyMAC(alg, digest, tt.macSalt, tt.macIter, message, tt.pin); err != nil {
				t.Fatalf("VerifyMAC: %v", err)
			}
			if err := VerifyMAC(alg, digest, tt.macSalt, tt.macIter, message, tt.pin+"5"); !errors.Is(err, ErrMACMismatch) {
				t.Errorf("VerifyMAC with a wrong pin = %v, want ErrMACMismatch", err)
			}
			if err := VerifyMAC(alg, digest, tt.macSalt, tt.macIter, append(bytes.Clone(message), 0), tt.pin); !errors.Is(err, ErrMACMismatch) {
				t.Errorf("VerifyMAC of altered data = %v, want ErrMACMismatch", err)
			}
			bad := bytes.Clone(digest)
			bad[0] ^= 0x80
			if err := VerifyMAC(alg, bad, tt.macSalt, tt.macIter, message, tt.pin); !errors.Is(err, ErrMACMismatch) {
				t.Errorf("VerifyMAC of an altered digest = %v, want ErrMACMismatch", err)
			}
		})
	}

	t.Run("bmp-encoded pin does not match", func(t *testing.T) {
		// Guards against deriving the PBMAC1 key from BMPPassword(pin).
		c := pbmac1Case{salt: salt, iterations: 100, keyLength: 32, prf: oidHMACWithSHA256, mac: oidHMACWithSHA256}
		bmp := string(mustBMP(t, "1234"))
		digest := expectedPBMAC1(t, crypto.SHA256, crypto.SHA256, bmp, salt, 100, 32, message)
		if err := VerifyMAC(c.algorithm(t), digest, nil, 1, message, "1234"); !errors.Is(err, ErrMACMismatch) {
			t.Errorf("VerifyMAC = %v, want ErrMACMismatch", err)
		}
	})
}

func TestVerifyMACPBMAC1Errors(t *testing.T) {
	salt := []byte("0123456789abcdef")
	good := pbmac1Case{salt: salt, iterations: 100, keyLength: 32, prf: oidHMACWithSHA256, mac: oidHMACWithSHA256}
	with := func(f func(*pbmac1Case)) pbmac1Case {
		c := good
		f(&c)
		return c
	}
	digest32 := make([]byte, 32)

	tests := []struct {
		name            string
		alg             []byte
		digest          []byte
		wantUnsupported bool
		wantMsg         string
	}{
		{"keyLength missing", with(func(c *pbmac1Case) { c.keyLength = 0 }).algorithm(t), digest32, false, "keyLength missing"},
		{"keyLength absurd", with(func(c *pbmac1Case) { c.keyLength = 1 << 30 }).algorithm(t), digest32, false, "keyLength 1073741824 out of range"},
		{"iterations zero", with(func(c *pbmac1Case) { c.iterations = 0 }).algorithm(t), digest32, false, "iteration count 0"},
		{"iterations huge", with(func(c *pbmac1Case) { c.iterations = 100_000_000 }).algorithm(t), digest32, false, "iteration count 100000000"},
		{"iterations negative", with(func(c *pbmac1Case) { c.iterations = -1 }).algorithm(t), digest32, false, "iteration count -1"},
		{"unknown mac scheme", with(func(c *pbmac1Case) { c.mac = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 13} }).algorithm(t), digest32, true, "1.2.840.113549.2.13"},
		{"scrypt kdf", with(func(c *pbmac1Case) { c.kdf = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11591, 4, 11} }).algorithm(t), digest32, true, "1.3.6.1.4.1.11591.4.11"},
		{"unknown prf", with(func(c *pbmac1Case) { c.prf = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 14} }).algorithm(t), digest32, true, "2.16.840.1.101.3.4.2.14"},
		{"digest too short", good.algorithm(t), make([]byte, 20), false, "digest is 20 bytes, hmac-sha256 gives 32"},
		{"parameters missing", mustMarshal(t, testAlgID{Algorithm: oidPBMAC1}), digest32, false, "parameters missing"},
		{"parameters not a sequence", mustMarshal(t, testAlgID{oidPBMAC1, asn1NULL}), digest32, false, "malformed parameters"},
		{"salt from otherSource", mustMarshal(t, testAlgID{oidPBMAC1, rawOf(mustMarshal(t, testPairParams{
			testAlgID{oidPBKDF2, rawOf(mustMarshal(t, struct {
				Salt       testAlgID
				Iterations int
				KeyLength  int
			}{testAlgID{Algorithm: asn1.ObjectIdentifier{1, 2, 3}}, 100, 32}))},
			testAlgID{oidHMACWithSHA256, asn1NULL},
		}))}), digest32, true, "salt otherSource 1.2.3"},
		{"pbkdf2 params with extra field", mustMarshal(t, testAlgID{oidPBMAC1, rawOf(mustMarshal(t, testPairParams{
			testAlgID{oidPBKDF2, rawOf(mustMarshal(t, struct {
				Salt       []byte
				Iterations int
				KeyLength  int
				PRF        testAlgID
				Extra      bool
			}{salt, 100, 32, testAlgID{oidHMACWithSHA256, asn1NULL}, true}))},
			testAlgID{oidHMACWithSHA256, asn1NULL},
		}))}), digest32, false, "more than 4 field(s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifyMAC(tt.alg, tt.digest, nil, 1, []byte("message"), "1234")
			if err == nil {
				t.Fatal("VerifyMAC succeeded")
			}
			if errors.Is(err, ErrMACMismatch) {
				t.Fatalf("VerifyMAC = %v; a malformed algorithm must not look like a wrong password", err)
			}
			if got := errors.Is(err, ErrUnsupported); got != tt.wantUnsupported {
				t.Errorf("errors.Is(%v, ErrUnsupported) = %v, want %v", err, got, tt.wantUnsupported)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tt.wantMsg)
			}
		})
	}
}

// TestRFC9579Vectors opens the PKCS#12 files of RFC 9579 Appendix A.1 to
// A.3 (password "1234"): the PBMAC1 MacData must verify, and the
// PBES2-encrypted key and certificate bags must decrypt.
func TestRFC9579Vectors(t *testing.T) {
	tests := []struct {
		name, file string
	}{
		{"A.1 sha256 prf and hmac", "rfc9579-a1.b64"},
		{"A.2 sha512 prf sha256 hmac", "rfc9579-a2.b64"},
		{"A.3 sha512 prf and hmac", "rfc9579-a3.b64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b64, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(b64)), ""))
			if err != nil {
				t.Fatal(err)
			}
			f := parseP12(t, der)
			if string(f.macSalt) != "NOT USED" || f.iterations != 1 {
				t.Fatalf("MacData salt %q iterations %d; the RFC vectors have \"NOT USED\" and 1", f.macSalt, f.iterations)
			}
			if err := VerifyMAC(f.macAlgorithm, f.digest, f.macSalt, f.iterations, f.authSafe, "1234"); err != nil {
				t.Errorf("VerifyMAC: %v", err)
			}
			if err := VerifyMAC(f.macAlgorithm, f.digest, f.macSalt, f.iterations, f.authSafe, "1235"); !errors.Is(err, ErrMACMismatch) {
				t.Errorf("VerifyMAC with a wrong pin = %v, want ErrMACMismatch", err)
			}
			var sawKey, sawCert bool
			for _, blob := range f.blobs {
				plain, err := Decrypt(blob.algorithm, blob.ciphertext, "1234")
				if err != nil {
					t.Fatalf("Decrypt(%s): %v", algSummary(t, blob.algorithm), err)
				}
				if blob.isKey {
					sawKey = true
					if _, err := x509.ParsePKCS8PrivateKey(plain); err != nil {
						t.Errorf("decrypted key bag does not parse: %v", err)
					}
					continue
				}
				for _, c := range certsInSafeContents(t, plain) {
					sawCert = true
					if _, err := x509.ParseCertificate(c); err != nil {
						t.Errorf("decrypted certificate does not parse: %v", err)
					}
				}
			}
			if !sawKey || !sawCert {
				t.Errorf("found key %v, certificate %v; want both", sawKey, sawCert)
			}
		})
	}
}
