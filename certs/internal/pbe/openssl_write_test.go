package pbe

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// These tests check the writing side, Encrypt and ComputeMAC, against
// OpenSSL: OpenSSL must read what they produce, and they must reproduce,
// byte for byte, what OpenSSL writes. Skipped without openssl on PATH.

// der helpers for the hand-built files below.
func derSeq(t testing.TB, parts ...[]byte) []byte {
	t.Helper()
	return mustMarshal(t, asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: bytes.Join(parts, nil)})
}

func derExplicit0(t testing.TB, inner []byte) []byte {
	t.Helper()
	return mustMarshal(t, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: inner})
}

// runOpenSSLStrict runs openssl and fails the test when it fails: unlike
// runOpenSSL, a failure here is a finding, not a missing provider.
func runOpenSSLStrict(t *testing.T, openssl string, args ...string) string {
	t.Helper()
	out, err := exec.Command(openssl, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// requireLegacyProvider skips the test when OpenSSL cannot write RC2 (its
// legacy provider is missing).
func requireLegacyProvider(t *testing.T, openssl string, id *testIdentity) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "probe.der")
	runOpenSSL(t, openssl, out, "pkcs8", "-topk8", "-in", id.keyPEM, "-outform", "DER", "-passout", "pass:x",
		"-out", out, "-v1", "PBE-SHA1-RC2-40", "-provider", "legacy", "-provider", "default")
}

// TestOpenSSLDecryptsEncrypt has OpenSSL decrypt PKCS#8 keys that Encrypt
// encrypted, with every scheme.
func TestOpenSSLDecryptsEncrypt(t *testing.T) {
	openssl := requireOpenSSL(t)
	id := newTestIdentity(t)
	requireLegacyProvider(t, openssl, id)
	keyDER, err := x509.MarshalPKCS8PrivateKey(id.key)
	if err != nil {
		t.Fatal(err)
	}
	const pin = "Пароль-1234"
	salt := bytes.Repeat([]byte{0x42}, 20)
	iv := bytes.Repeat([]byte{0x24}, 16)
	legacy := []string{"-provider", "legacy", "-provider", "default"}
	tests := []struct {
		name string
		alg  []byte
		args []string
	}{
		{"pkcs12 3des (NCA key bag)", pkcs12Alg(t, oidPBEWithSHAAnd3KeyTripleDESCBC, salt, 1024), nil},
		{"pkcs12 2-key 3des", pkcs12Alg(t, oidPBEWithSHAAnd2KeyTripleDESCBC, salt, 1024), nil},
		{"pkcs12 rc2-40 (NCA certificate bag)", pkcs12Alg(t, oidPBEWithSHAAnd40BitRC2CBC, salt, 1024), legacy},
		{"pkcs12 rc2-128", pkcs12Alg(t, oidPBEWithSHAAnd128BitRC2CBC, salt, 1024), legacy},
		{"pbes2 aes-256 hmac-sha256", pbes2Alg(t, testPBKDF2Params{Salt: salt, Iterations: 2048, PRF: testAlgID{oidHMACWithSHA256, asn1NULL}}, oidAES256CBC, iv), nil},
		{"pbes2 des-ede3 default prf", pbes2Alg(t, testPBKDF2Params{Salt: salt, Iterations: 2048}, oidDESEDE3CBC, iv[:8]), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct, err := Encrypt(tt.alg, keyDER, pin)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			in := filepath.Join(dir, "key.der")
			if err := os.WriteFile(in, derSeq(t, tt.alg, mustMarshal(t, ct)), 0o600); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "key.pem")
			runOpenSSLStrict(t, openssl, append([]string{"pkcs8", "-inform", "DER", "-in", in, "-passin", "pass:" + pin, "-out", out}, tt.args...)...)
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := pem.Decode(data)
			if b == nil || b.Type != "PRIVATE KEY" {
				t.Fatalf("openssl wrote no PRIVATE KEY block:\n%s", data)
			}
			key, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			if !id.key.Equal(key) {
				t.Error("openssl decrypted another key")
			}
			if msg, err := exec.Command(openssl, append([]string{"pkcs8", "-inform", "DER", "-in", in, "-passin", "pass:1234", "-out", filepath.Join(dir, "wrong.pem")}, tt.args...)...).CombinedOutput(); err == nil {
				t.Errorf("openssl decrypted with a wrong pin:\n%s", msg)
			}
		})
	}
}

// TestOpenSSLReadsHandBuiltPFX builds a key store in NCA's layout (3DES
// key bag, RC2-40 certificate bag, HMAC-SHA1 MAC, 1024 iterations, 20-byte
// salts) with Encrypt and ComputeMAC, and has OpenSSL check its MAC and
// decrypt both bags.
func TestOpenSSLReadsHandBuiltPFX(t *testing.T) {
	openssl := requireOpenSSL(t)
	id := newTestIdentity(t)
	requireLegacyProvider(t, openssl, id)
	keyDER, err := x509.MarshalPKCS8PrivateKey(id.key)
	if err != nil {
		t.Fatal(err)
	}
	const pin = "Qwerty12"
	var (
		oidData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
		oidEncryptedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}
		oidShrouded      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
		oidCertBagType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 3}
		oidX509Cert      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 22, 1}
	)
	keyAlg := pkcs12Alg(t, oidPBEWithSHAAnd3KeyTripleDESCBC, bytes.Repeat([]byte{1}, 20), 1024)
	certAlg := pkcs12Alg(t, oidPBEWithSHAAnd40BitRC2CBC, bytes.Repeat([]byte{2}, 20), 1024)
	macSalt := bytes.Repeat([]byte{3}, 20)

	keyCT, err := Encrypt(keyAlg, keyDER, pin)
	if err != nil {
		t.Fatal(err)
	}
	keyBags := derSeq(t, derSeq(t, mustMarshal(t, oidShrouded), derExplicit0(t, derSeq(t, keyAlg, mustMarshal(t, keyCT)))))
	certBags := derSeq(t, derSeq(t, mustMarshal(t, oidCertBagType), derExplicit0(t,
		derSeq(t, mustMarshal(t, oidX509Cert), derExplicit0(t, mustMarshal(t, id.certDER))))))
	certCT, err := Encrypt(certAlg, certBags, pin)
	if err != nil {
		t.Fatal(err)
	}
	encryptedData := derSeq(t, mustMarshal(t, 0), derSeq(t, mustMarshal(t, oidData), certAlg,
		mustMarshal(t, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, Bytes: certCT})))
	authSafe := derSeq(t,
		derSeq(t, mustMarshal(t, oidData), derExplicit0(t, mustMarshal(t, keyBags))),
		derSeq(t, mustMarshal(t, oidEncryptedData), derExplicit0(t, encryptedData)))
	macAlg := mustMarshal(t, testAlgID{oidSHA1, asn1NULL})
	mac, err := ComputeMAC(macAlg, macSalt, 1024, authSafe, pin)
	if err != nil {
		t.Fatal(err)
	}
	pfx := derSeq(t, mustMarshal(t, 3),
		derSeq(t, mustMarshal(t, oidData), derExplicit0(t, mustMarshal(t, authSafe))),
		derSeq(t, derSeq(t, macAlg, mustMarshal(t, mac)), mustMarshal(t, macSalt), mustMarshal(t, 1024)))

	dir := t.TempDir()
	in := filepath.Join(dir, "nca-style.p12")
	if err := os.WriteFile(in, pfx, 0o600); err != nil {
		t.Fatal(err)
	}
	info := runOpenSSLStrict(t, openssl, "pkcs12", "-legacy", "-info", "-noout", "-in", in, "-passin", "pass:"+pin)
	for _, want := range []string{
		"MAC: sha1, Iteration 1024",
		"MAC length: 20, salt length: 20",
		"Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 1024",
		"PKCS7 Encrypted data: pbeWithSHA1And40BitRC2-CBC, Iteration 1024",
	} {
		if !strings.Contains(info, want) {
			t.Errorf("openssl -info does not say %q:\n%s", want, info)
		}
	}
	out := filepath.Join(dir, "out.pem")
	runOpenSSLStrict(t, openssl, "pkcs12", "-legacy", "-nodes", "-in", in, "-passin", "pass:"+pin, "-out", out)
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var sawKey, sawCert bool
	for rest := data; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		switch b.Type {
		case "PRIVATE KEY":
			key, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			sawKey = err == nil && id.key.Equal(key)
		case "CERTIFICATE":
			sawCert = bytes.Equal(b.Bytes, id.certDER)
		}
	}
	if !sawKey || !sawCert {
		t.Errorf("openssl's output has the key %v, the certificate %v; want both:\n%s", sawKey, sawCert, data)
	}
	if msg, err := exec.Command(openssl, "pkcs12", "-legacy", "-info", "-noout", "-in", in, "-passin", "pass:Qwerty13").CombinedOutput(); err == nil ||
		!strings.Contains(string(msg), "verify error") {
		t.Errorf("openssl with a wrong pin: %v\n%s", err, msg)
	}
}

// TestEncryptReproducesOpenSSL re-encrypts the bags of key stores OpenSSL
// wrote and recomputes their MACs: with the file's algorithm identifiers
// (salts, IVs) the bytes must be OpenSSL's.
func TestEncryptReproducesOpenSSL(t *testing.T) {
	openssl := requireOpenSSL(t)
	id := newTestIdentity(t)
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"legacy, NCA's algorithms", []string{"-legacy", "-iter", "1024"}},
		{"default, PBES2 AES-256 and HMAC-SHA256", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			const pin = "Ақ-жол 7"
			out := filepath.Join(t.TempDir(), "out.p12")
			f := parseP12(t, runOpenSSL(t, openssl, out, append([]string{"pkcs12", "-export", "-inkey", id.keyPEM, "-in", id.certPEM,
				"-passout", "pass:" + pin, "-out", out}, tt.args...)...))
			mac, err := ComputeMAC(f.macAlgorithm, f.macSalt, f.iterations, f.authSafe, pin)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(mac, f.digest) {
				t.Errorf("ComputeMAC = %x, openssl wrote %x", mac, f.digest)
			}
			for _, blob := range f.blobs {
				plain, err := Decrypt(blob.algorithm, blob.ciphertext, pin)
				if err != nil {
					t.Fatal(err)
				}
				ct, err := Encrypt(blob.algorithm, plain, pin)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(ct, blob.ciphertext) {
					t.Errorf("Encrypt(%s) differs from openssl's ciphertext", algSummary(t, blob.algorithm))
				}
			}
		})
	}
}
