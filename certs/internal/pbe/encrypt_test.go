package pbe

import (
	"bytes"
	"crypto"
	"crypto/hmac"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEncryptRoundTrip encrypts with every scheme, compares the ciphertext
// with the independent construction of the Decrypt tests (pad, then CBC
// with the KDF's key and IV), and decrypts it back.
func TestEncryptRoundTrip(t *testing.T) {
	salt := bytes.Repeat([]byte{0x5a}, 20)
	const pin = "Құпия-1234"
	pkcs12 := []struct {
		name string
		oid  asn1.ObjectIdentifier
	}{
		{"3-key 3des", oidPBEWithSHAAnd3KeyTripleDESCBC},
		{"2-key 3des", oidPBEWithSHAAnd2KeyTripleDESCBC},
		{"rc2-128", oidPBEWithSHAAnd128BitRC2CBC},
		{"rc2-40", oidPBEWithSHAAnd40BitRC2CBC},
	}
	for _, s := range pkcs12 {
		for _, n := range []int{0, 1, 7, 8, 9, 110} {
			t.Run(fmt.Sprintf("%s %d bytes", s.name, n), func(t *testing.T) {
				plain := bytes.Repeat([]byte{0xa5}, n)
				alg := pkcs12Alg(t, s.oid, salt, 1024)
				ct, err := Encrypt(alg, plain, pin)
				if err != nil {
					t.Fatalf("Encrypt: %v", err)
				}
				if want := encryptPKCS12(t, s.oid, pin, salt, 1024, pad(plain, 8)); !bytes.Equal(ct, want) {
					t.Fatalf("Encrypt = %x, want %x", ct, want)
				}
				got, err := Decrypt(alg, ct, pin)
				if err != nil {
					t.Fatalf("Decrypt: %v", err)
				}
				if !bytes.Equal(got, plain) {
					t.Errorf("Decrypt(Encrypt(x)) = %x, want %x", got, plain)
				}
				checkWrongPIN(t, alg, ct, "Құпия-1235", plain)
			})
		}
	}

	pbes2 := []struct {
		name      string
		enc       asn1.ObjectIdentifier
		prf       crypto.Hash
		prfOID    asn1.ObjectIdentifier // nil: omitted
		keyLength int
		ivLen     int
	}{
		{"aes128 default prf", oidAES128CBC, crypto.SHA1, nil, 0, 16},
		{"aes192 sha224", oidAES192CBC, crypto.SHA224, oidHMACWithSHA224, 0, 16},
		{"aes256 sha256 explicit keyLength", oidAES256CBC, crypto.SHA256, oidHMACWithSHA256, 32, 16},
		{"des-ede3 sha384", oidDESEDE3CBC, crypto.SHA384, oidHMACWithSHA384, 24, 8},
		{"aes256 sha512", oidAES256CBC, crypto.SHA512, oidHMACWithSHA512, 0, 16},
	}
	for _, s := range pbes2 {
		for _, n := range []int{0, 16, 37} {
			t.Run(fmt.Sprintf("pbes2 %s %d bytes", s.name, n), func(t *testing.T) {
				iv := bytes.Repeat([]byte{0x3c}, s.ivLen)
				plain := bytes.Repeat([]byte{'k'}, n)
				params := testPBKDF2Params{Salt: salt, Iterations: 2048, KeyLength: s.keyLength}
				if s.prfOID != nil {
					params.PRF = testAlgID{s.prfOID, asn1NULL}
				}
				alg := pbes2Alg(t, params, s.enc, iv)
				ct, err := Encrypt(alg, plain, pin)
				if err != nil {
					t.Fatalf("Encrypt: %v", err)
				}
				if want := encryptPBES2(t, s.prf, s.enc, pin, salt, 2048, iv, pad(plain, s.ivLen)); !bytes.Equal(ct, want) {
					t.Fatalf("Encrypt = %x, want %x", ct, want)
				}
				got, err := Decrypt(alg, ct, pin)
				if err != nil {
					t.Fatalf("Decrypt: %v", err)
				}
				if !bytes.Equal(got, plain) {
					t.Errorf("Decrypt(Encrypt(x)) = %q, want %q", got, plain)
				}
			})
		}
	}
}

// TestEncryptDoesNotTouchPlaintext checks that the caller's slice stays as
// it was (the padding goes into a new buffer).
func TestEncryptDoesNotTouchPlaintext(t *testing.T) {
	plain := make([]byte, 3, 64)
	copy(plain, "abc")
	spare := plain[:64]
	for i := 3; i < 64; i++ {
		spare[i] = 0xee
	}
	if _, err := Encrypt(pkcs12Alg(t, oidPBEWithSHAAnd3KeyTripleDESCBC, []byte("salt"), 1), plain, "x"); err != nil {
		t.Fatal(err)
	}
	if string(plain) != "abc" || spare[3] != 0xee {
		t.Errorf("Encrypt wrote into the plaintext's backing array: %x", spare[:8])
	}
}

func TestEncryptErrors(t *testing.T) {
	salt := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	iv16 := bytes.Repeat([]byte{7}, 16)
	kdf := testPBKDF2Params{Salt: salt, Iterations: 2048}
	tests := []struct {
		name        string
		alg         []byte
		pin         string
		unsupported bool
	}{
		{"not DER", []byte{0x30, 0x05, 0x06}, "1", false},
		{"trailing data", append(pkcs12Alg(t, oidPBEWithSHAAnd3KeyTripleDESCBC, salt, 1024), 0), "1", false},
		{"unknown oid", mustMarshal(t, testAlgID{Algorithm: asn1.ObjectIdentifier{1, 2, 3, 4}}), "1", true},
		{"rc4 is not written", pkcs12Alg(t, oidPBEWithSHAAnd128BitRC4, salt, 1024), "1", true},
		{"pkcs12 parameters missing", mustMarshal(t, testAlgID{Algorithm: oidPBEWithSHAAnd3KeyTripleDESCBC}), "1", false},
		{"zero iterations", pkcs12Alg(t, oidPBEWithSHAAnd40BitRC2CBC, salt, 0), "1", false},
		{"too many iterations", pkcs12Alg(t, oidPBEWithSHAAnd40BitRC2CBC, salt, maxIterations+1), "1", false},
		{"pin outside the BMP", pkcs12Alg(t, oidPBEWithSHAAnd3KeyTripleDESCBC, salt, 1024), "🔑", false},
		{"pin not UTF-8", pkcs12Alg(t, oidPBEWithSHAAnd3KeyTripleDESCBC, salt, 1024), "\xff", false},
		{"pbes2 unknown cipher", pbes2Alg(t, kdf, asn1.ObjectIdentifier{1, 2, 3}, iv16), "1", true},
		{"pbes2 unknown kdf", mustMarshal(t, testAlgID{oidPBES2, rawOf(mustMarshal(t, testPairParams{
			testAlgID{asn1.ObjectIdentifier{1, 2, 3}, asn1NULL}, testAlgID{oidAES256CBC, rawOf(mustMarshal(t, iv16))}}))}), "1", true},
		{"pbes2 iv too short", pbes2Alg(t, kdf, oidAES256CBC, iv16[:8]), "1", false},
		{"pbes2 iv missing", pbes2Alg(t, kdf, oidAES256CBC, nil), "1", false},
		{"pbes2 keyLength mismatch", pbes2Alg(t, testPBKDF2Params{Salt: salt, Iterations: 2048, KeyLength: 16}, oidAES256CBC, iv16), "1", false},
		{"pbes2 zero iterations", pbes2Alg(t, testPBKDF2Params{Salt: salt, Iterations: 0}, oidAES256CBC, iv16), "1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct, err := Encrypt(tt.alg, []byte("plaintext"), tt.pin)
			if err == nil {
				t.Fatalf("Encrypt = %x, want an error", ct)
			}
			if got := errors.Is(err, ErrUnsupported); got != tt.unsupported {
				t.Errorf("errors.Is(%v, ErrUnsupported) = %v, want %v", err, got, tt.unsupported)
			}
		})
	}
}

// TestComputeMACHMAC checks ComputeMAC against the HMAC of RFC 7292 B.4
// built by hand, and that VerifyMAC accepts it.
func TestComputeMACHMAC(t *testing.T) {
	message := []byte("the authSafe content octets")
	salt := bytes.Repeat([]byte{0x11}, 20)
	tests := []struct {
		name string
		oid  asn1.ObjectIdentifier
		h    crypto.Hash
	}{
		{"sha1 (NCA)", oidSHA1, crypto.SHA1},
		{"sha224", oidSHA224, crypto.SHA224},
		{"sha256", oidSHA256, crypto.SHA256},
		{"sha384", oidSHA384, crypto.SHA384},
		{"sha512", oidSHA512, crypto.SHA512},
	}
	for _, tt := range tests {
		for _, pin := range []string{"Qwerty12", "", "Құпия"} {
			t.Run(tt.name+" pin "+pin, func(t *testing.T) {
				alg := mustMarshal(t, testAlgID{tt.oid, asn1NULL})
				mac, err := ComputeMAC(alg, salt, 1024, message, pin)
				if err != nil {
					t.Fatalf("ComputeMAC: %v", err)
				}
				m := hmac.New(tt.h.New, Key(tt.h, 3, mustBMP(t, pin), salt, 1024, tt.h.Size()))
				m.Write(message)
				if want := m.Sum(nil); !bytes.Equal(mac, want) {
					t.Fatalf("ComputeMAC = %x, want %x", mac, want)
				}
				if err := VerifyMAC(alg, mac, salt, 1024, message, pin); err != nil {
					t.Errorf("VerifyMAC(ComputeMAC(x)): %v", err)
				}
				if err := VerifyMAC(alg, mac, salt, 1024, message, pin+"x"); !errors.Is(err, ErrMACMismatch) {
					t.Errorf("VerifyMAC with a wrong pin = %v, want ErrMACMismatch", err)
				}
				// Parameters absent instead of NULL: the same MAC.
				bare, err := ComputeMAC(mustMarshal(t, testAlgID{Algorithm: tt.oid}), salt, 1024, message, pin)
				if err != nil || !bytes.Equal(bare, mac) {
					t.Errorf("ComputeMAC without NULL parameters = %x, %v; want %x", bare, err, mac)
				}
			})
		}
	}
}

func TestComputeMACPBMAC1(t *testing.T) {
	message := []byte("the authSafe content octets")
	salt := []byte("0123456789abcdef")
	tests := []struct {
		name     string
		c        pbmac1Case
		prf, mac crypto.Hash
	}{
		{"sha256 prf and hmac", pbmac1Case{salt: salt, iterations: 2048, keyLength: 32, prf: oidHMACWithSHA256, prfParams: asn1NULL, mac: oidHMACWithSHA256}, crypto.SHA256, crypto.SHA256},
		{"default prf sha1, hmac sha512", pbmac1Case{salt: salt, iterations: 1000, keyLength: 64, mac: oidHMACWithSHA512}, crypto.SHA1, crypto.SHA512},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alg := tt.c.algorithm(t)
			// MacData's own salt and iterations are not used by PBMAC1.
			mac, err := ComputeMAC(alg, []byte("NOT USED"), 1, message, "1234")
			if err != nil {
				t.Fatalf("ComputeMAC: %v", err)
			}
			if want := expectedPBMAC1(t, tt.prf, tt.mac, "1234", tt.c.salt, tt.c.iterations, tt.c.keyLength, message); !bytes.Equal(mac, want) {
				t.Fatalf("ComputeMAC = %x, want %x", mac, want)
			}
			if err := VerifyMAC(alg, mac, nil, 0, message, "1234"); err != nil {
				t.Errorf("VerifyMAC(ComputeMAC(x)): %v", err)
			}
		})
	}
}

func TestComputeMACErrors(t *testing.T) {
	salt := []byte("0123456789abcdef")
	sha1Alg := mustMarshal(t, testAlgID{oidSHA1, asn1NULL})
	tests := []struct {
		name        string
		alg         []byte
		iterations  int
		pin         string
		unsupported bool
	}{
		{"not DER", []byte{0x30}, 1024, "1", false},
		{"unknown digest", mustMarshal(t, testAlgID{asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 2, 3}, asn1NULL}), 1024, "1", true},
		{"zero iterations", sha1Alg, 0, "1", false},
		{"too many iterations", sha1Alg, maxIterations + 1, "1", false},
		{"pin outside the BMP", sha1Alg, 1024, "🔑", false},
		{"pbmac1 without keyLength", pbmac1Case{salt: salt, iterations: 1, mac: oidHMACWithSHA256}.algorithm(t), 1, "1", false},
		{"pbmac1 keyLength too long", pbmac1Case{salt: salt, iterations: 1, keyLength: maxPBMAC1KeyLength + 1, mac: oidHMACWithSHA256}.algorithm(t), 1, "1", false},
		{"pbmac1 unknown hmac", pbmac1Case{salt: salt, iterations: 1, keyLength: 32, mac: asn1.ObjectIdentifier{1, 2, 3}}.algorithm(t), 1, "1", true},
		{"pbmac1 unknown kdf", pbmac1Case{salt: salt, iterations: 1, keyLength: 32, kdf: asn1.ObjectIdentifier{1, 2, 3}, mac: oidHMACWithSHA256}.algorithm(t), 1, "1", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mac, err := ComputeMAC(tt.alg, salt, tt.iterations, []byte("m"), tt.pin)
			if err == nil {
				t.Fatalf("ComputeMAC = %x, want an error", mac)
			}
			if got := errors.Is(err, ErrUnsupported); got != tt.unsupported {
				t.Errorf("errors.Is(%v, ErrUnsupported) = %v, want %v", err, got, tt.unsupported)
			}
		})
	}
}

// TestComputeMACRFC9579 recomputes the PBMAC1 MACs of RFC 9579's files.
func TestComputeMACRFC9579(t *testing.T) {
	for _, file := range []string{"rfc9579-a1.b64", "rfc9579-a2.b64", "rfc9579-a3.b64"} {
		t.Run(file, func(t *testing.T) {
			f := parseP12(t, readB64(t, file))
			mac, err := ComputeMAC(f.macAlgorithm, f.macSalt, f.iterations, f.authSafe, "1234")
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(mac, f.digest) {
				t.Errorf("ComputeMAC = %x, the file has %x", mac, f.digest)
			}
			// Re-encrypting the decrypted bags gives the file's bytes.
			for _, blob := range f.blobs {
				plain, err := Decrypt(blob.algorithm, blob.ciphertext, "1234")
				if err != nil {
					t.Fatal(err)
				}
				ct, err := Encrypt(blob.algorithm, plain, "1234")
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(ct, blob.ciphertext) {
					t.Errorf("Encrypt(%s) differs from the file's ciphertext", algSummary(t, blob.algorithm))
				}
			}
		})
	}
}

// readB64 reads a base64 file of testdata.
func readB64(t *testing.T, name string) []byte {
	t.Helper()
	b64, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(b64)), ""))
	if err != nil {
		t.Fatal(err)
	}
	return der
}
