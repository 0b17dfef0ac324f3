package pbe

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"github.com/esfkit/esf/internal/testref"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// These tests have OpenSSL write PKCS#12 and PKCS#8 files, pull the
// encrypted blobs and the MacData out of them with the small DER walker
// below, and check that Decrypt and VerifyMAC open them. They are skipped
// when openssl is not on PATH.

func requireOpenSSL(t *testing.T) string {
	t.Helper()
	return testref.Tool(t, "openssl", "openssl")
}

// testIdentity is a key and a self-signed certificate, in memory and as
// PEM files for openssl.
type testIdentity struct {
	key     *ecdsa.PrivateKey
	certDER []byte
	keyPEM  string // file path
	certPEM string // file path
}

func newTestIdentity(t *testing.T) *testIdentity {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "pbe test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	certDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	id := &testIdentity{
		key:     key,
		certDER: certDER,
		keyPEM:  filepath.Join(dir, "key.pem"),
		certPEM: filepath.Join(dir, "cert.pem"),
	}
	writePEM(t, id.keyPEM, "PRIVATE KEY", keyDER)
	writePEM(t, id.certPEM, "CERTIFICATE", certDER)
	return id
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// runOpenSSL runs openssl and returns the file it wrote to out. A failure
// skips the test: the local OpenSSL may lack the legacy provider.
func runOpenSSL(t *testing.T, openssl, out string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(openssl, args...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("skipping: openssl %s failed (legacy provider missing?): %v\n%s", strings.Join(args, " "), err, msg)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// --- A minimal PKCS#12 walker for the DER OpenSSL writes (RFC 7292). ---

type p12PFX struct {
	Version  int
	AuthSafe p12ContentInfo
	MacData  p12MacData `asn1:"optional"`
}

type p12ContentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"tag:0,explicit,optional"` // whole [0]; Bytes is the inner value
}

type p12MacData struct {
	Mac struct {
		Algorithm asn1.RawValue
		Digest    []byte
	}
	MacSalt    []byte
	Iterations int `asn1:"optional,default:1"`
}

type p12EncryptedData struct {
	Version              int
	EncryptedContentInfo struct {
		ContentType      asn1.ObjectIdentifier
		Algorithm        asn1.RawValue
		EncryptedContent []byte `asn1:"tag:0,optional"`
	}
}

type p12SafeBag struct {
	ID         asn1.ObjectIdentifier
	Value      asn1.RawValue `asn1:"tag:0,explicit"` // whole [0]; Bytes is the inner value
	Attributes asn1.RawValue `asn1:"optional"`
}

type p12EncryptedPrivateKeyInfo struct {
	Algorithm asn1.RawValue
	Data      []byte
}

type p12CertBag struct {
	ID   asn1.ObjectIdentifier
	Data []byte `asn1:"tag:0,explicit"`
}

var (
	oidData                = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidEncryptedData       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}
	oidShroudedKeyBag      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
	oidCertBag             = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 3}
	oidX509CertificateType = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 22, 1}
)

// p12Blob is one encrypted thing in a PFX: a shrouded key bag or an
// encryptedData ContentInfo (whose plaintext is SafeContents).
type p12Blob struct {
	isKey      bool
	algorithm  []byte
	ciphertext []byte
}

type p12File struct {
	macAlgorithm []byte
	digest       []byte
	macSalt      []byte
	iterations   int
	authSafe     []byte // what the MAC covers
	blobs        []p12Blob
}

func mustUnmarshal(t *testing.T, der []byte, v any, what string) {
	t.Helper()
	rest, err := asn1.Unmarshal(der, v)
	if err != nil {
		t.Fatalf("walker: %s: %v", what, err)
	}
	if len(rest) != 0 {
		t.Fatalf("walker: %s: %d trailing bytes", what, len(rest))
	}
}

func parseP12(t *testing.T, der []byte) *p12File {
	t.Helper()
	var pfx p12PFX
	mustUnmarshal(t, der, &pfx, "PFX")
	if !pfx.AuthSafe.ContentType.Equal(oidData) {
		t.Fatalf("walker: authSafe content type %v, want data", pfx.AuthSafe.ContentType)
	}
	f := &p12File{
		macAlgorithm: pfx.MacData.Mac.Algorithm.FullBytes,
		digest:       pfx.MacData.Mac.Digest,
		macSalt:      pfx.MacData.MacSalt,
		iterations:   pfx.MacData.Iterations,
	}
	mustUnmarshal(t, pfx.AuthSafe.Content.Bytes, &f.authSafe, "authSafe content")

	var safe []p12ContentInfo
	mustUnmarshal(t, f.authSafe, &safe, "AuthenticatedSafe")
	for _, ci := range safe {
		switch {
		case ci.ContentType.Equal(oidData):
			var contents []byte
			mustUnmarshal(t, ci.Content.Bytes, &contents, "data content")
			var bags []p12SafeBag
			mustUnmarshal(t, contents, &bags, "SafeContents")
			for _, bag := range bags {
				if bag.ID.Equal(oidShroudedKeyBag) {
					var epki p12EncryptedPrivateKeyInfo
					mustUnmarshal(t, bag.Value.Bytes, &epki, "EncryptedPrivateKeyInfo")
					f.blobs = append(f.blobs, p12Blob{true, epki.Algorithm.FullBytes, epki.Data})
				}
			}
		case ci.ContentType.Equal(oidEncryptedData):
			var ed p12EncryptedData
			mustUnmarshal(t, ci.Content.Bytes, &ed, "EncryptedData")
			eci := ed.EncryptedContentInfo
			f.blobs = append(f.blobs, p12Blob{false, eci.Algorithm.FullBytes, eci.EncryptedContent})
		default:
			t.Fatalf("walker: unexpected content type %v", ci.ContentType)
		}
	}
	return f
}

// certsInSafeContents returns the X.509 certificates in plaintext
// SafeContents.
func certsInSafeContents(t *testing.T, der []byte) [][]byte {
	t.Helper()
	var bags []p12SafeBag
	mustUnmarshal(t, der, &bags, "decrypted SafeContents")
	var certs [][]byte
	for _, bag := range bags {
		if !bag.ID.Equal(oidCertBag) {
			continue
		}
		var cb p12CertBag
		mustUnmarshal(t, bag.Value.Bytes, &cb, "CertBag")
		if cb.ID.Equal(oidX509CertificateType) {
			certs = append(certs, cb.Data)
		}
	}
	return certs
}

// algSummary describes an encryption AlgorithmIdentifier by OID and, for
// PBES2, by encryption scheme and PRF, so a test can check OpenSSL wrote
// what the test meant.
func algSummary(t *testing.T, der []byte) string {
	t.Helper()
	a, err := parseAlgorithmIdentifier(der, "test")
	if err != nil {
		t.Fatal(err)
	}
	if !a.Algorithm.Equal(oidPBES2) {
		return a.Algorithm.String()
	}
	var p pbes2Params
	mustUnmarshal(t, a.Parameters.FullBytes, &p, "PBES2-params")
	kdf, err := parsePBKDF2Params(p.KeyDerivationFunc.Parameters, "test")
	if err != nil {
		t.Fatal(err)
	}
	prf := "hmacWith" + strings.ToUpper(hashName(kdf.prf))
	if !bytes.Contains(p.KeyDerivationFunc.Parameters.FullBytes, []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02}) {
		prf += "(default)"
	}
	return "pbes2/" + p.EncryptionScheme.Algorithm.String() + "/" + prf
}

const (
	algPBES2AES256SHA256 = "pbes2/2.16.840.1.101.3.4.1.42/hmacWithSHA256"
	alg3DES              = "1.2.840.113549.1.12.1.3"
	alg2DES              = "1.2.840.113549.1.12.1.4"
	algRC2128            = "1.2.840.113549.1.12.1.5"
	algRC240             = "1.2.840.113549.1.12.1.6"
)

func TestOpenSSLPKCS12(t *testing.T) {
	openssl := requireOpenSSL(t)
	id := newTestIdentity(t)

	tests := []struct {
		name        string
		pin         string
		args        []string
		wantMAC     string // digest algorithm OID
		wantIter    int
		wantKeyAlg  string
		wantCertAlg string
	}{
		{
			name:        "nca style legacy 3des key rc2-40 certs sha1 mac 1024 iterations",
			pin:         "123456",
			args:        []string{"-legacy", "-iter", "1024"},
			wantMAC:     "1.3.14.3.2.26",
			wantIter:    1024,
			wantKeyAlg:  alg3DES,
			wantCertAlg: algRC240,
		},
		{
			name:        "openssl 3 default pbes2 aes-256 hmac-sha256",
			pin:         "Пароль-Құпия",
			wantMAC:     "2.16.840.1.101.3.4.2.1",
			wantIter:    2048,
			wantKeyAlg:  algPBES2AES256SHA256,
			wantCertAlg: algPBES2AES256SHA256,
		},
		{
			name:        "descert",
			pin:         "1234",
			args:        []string{"-descert"},
			wantMAC:     "2.16.840.1.101.3.4.2.1",
			wantIter:    2048,
			wantKeyAlg:  algPBES2AES256SHA256,
			wantCertAlg: alg3DES,
		},
		{
			name:        "rc2-128 certs two-key 3des key",
			pin:         "1234",
			args:        []string{"-legacy", "-certpbe", "PBE-SHA1-RC2-128", "-keypbe", "PBE-SHA1-2DES"},
			wantMAC:     "1.3.14.3.2.26",
			wantIter:    2048,
			wantKeyAlg:  alg2DES,
			wantCertAlg: algRC2128,
		},
		{
			name:        "pbes2 aes-128 key des-ede3 certs",
			pin:         "1234",
			args:        []string{"-keypbe", "AES-128-CBC", "-certpbe", "DES-EDE3-CBC"},
			wantMAC:     "2.16.840.1.101.3.4.2.1",
			wantIter:    2048,
			wantKeyAlg:  "pbes2/2.16.840.1.101.3.4.1.2/hmacWithSHA256",
			wantCertAlg: "pbes2/1.2.840.113549.3.7/hmacWithSHA256",
		},
		{
			name:        "pbes2 aes-192",
			pin:         "1234",
			args:        []string{"-keypbe", "AES-192-CBC", "-certpbe", "AES-192-CBC"},
			wantMAC:     "2.16.840.1.101.3.4.2.1",
			wantIter:    2048,
			wantKeyAlg:  "pbes2/2.16.840.1.101.3.4.1.22/hmacWithSHA256",
			wantCertAlg: "pbes2/2.16.840.1.101.3.4.1.22/hmacWithSHA256",
		},
		{
			name:        "macalg sha512",
			pin:         "1234",
			args:        []string{"-macalg", "sha512"},
			wantMAC:     "2.16.840.1.101.3.4.2.3",
			wantIter:    2048,
			wantKeyAlg:  algPBES2AES256SHA256,
			wantCertAlg: algPBES2AES256SHA256,
		},
		{
			name:        "macalg sha384",
			pin:         "1234",
			args:        []string{"-macalg", "sha384"},
			wantMAC:     "2.16.840.1.101.3.4.2.2",
			wantIter:    2048,
			wantKeyAlg:  algPBES2AES256SHA256,
			wantCertAlg: algPBES2AES256SHA256,
		},
		{
			name:        "macalg sha224",
			pin:         "1234",
			args:        []string{"-macalg", "sha224"},
			wantMAC:     "2.16.840.1.101.3.4.2.4",
			wantIter:    2048,
			wantKeyAlg:  algPBES2AES256SHA256,
			wantCertAlg: algPBES2AES256SHA256,
		},
		{
			name:        "macalg sha1 with pbes2",
			pin:         "1234",
			args:        []string{"-macalg", "sha1"},
			wantMAC:     "1.3.14.3.2.26",
			wantIter:    2048,
			wantKeyAlg:  algPBES2AES256SHA256,
			wantCertAlg: algPBES2AES256SHA256,
		},
		{
			name:        "empty password legacy",
			pin:         "",
			args:        []string{"-legacy"},
			wantMAC:     "1.3.14.3.2.26",
			wantIter:    2048,
			wantKeyAlg:  alg3DES,
			wantCertAlg: algRC240,
		},
		{
			name:        "empty password default",
			pin:         "",
			wantMAC:     "2.16.840.1.101.3.4.2.1",
			wantIter:    2048,
			wantKeyAlg:  algPBES2AES256SHA256,
			wantCertAlg: algPBES2AES256SHA256,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.p12")
			args := append([]string{"pkcs12", "-export", "-inkey", id.keyPEM, "-in", id.certPEM,
				"-passout", "pass:" + tt.pin, "-out", out}, tt.args...)
			f := parseP12(t, runOpenSSL(t, openssl, out, args...))

			// MacData.
			mac, err := parseAlgorithmIdentifier(f.macAlgorithm, "test")
			if err != nil {
				t.Fatal(err)
			}
			if mac.Algorithm.String() != tt.wantMAC || f.iterations != tt.wantIter {
				t.Fatalf("openssl wrote mac %v with %d iterations, test expects %s with %d", mac.Algorithm, f.iterations, tt.wantMAC, tt.wantIter)
			}
			if err := VerifyMAC(f.macAlgorithm, f.digest, f.macSalt, f.iterations, f.authSafe, tt.pin); err != nil {
				t.Errorf("VerifyMAC with the right pin: %v", err)
			}
			if err := VerifyMAC(f.macAlgorithm, f.digest, f.macSalt, f.iterations, f.authSafe, tt.pin+"x"); !errors.Is(err, ErrMACMismatch) {
				t.Errorf("VerifyMAC with a wrong pin = %v, want ErrMACMismatch", err)
			}
			altered := bytes.Clone(f.authSafe)
			altered[len(altered)/2] ^= 1
			if err := VerifyMAC(f.macAlgorithm, f.digest, f.macSalt, f.iterations, altered, tt.pin); !errors.Is(err, ErrMACMismatch) {
				t.Errorf("VerifyMAC of altered data = %v, want ErrMACMismatch", err)
			}

			// Encrypted blobs.
			var sawKey, sawCert bool
			for _, blob := range f.blobs {
				summary := algSummary(t, blob.algorithm)
				plain, err := Decrypt(blob.algorithm, blob.ciphertext, tt.pin)
				if err != nil {
					t.Fatalf("Decrypt(%s): %v", summary, err)
				}
				if blob.isKey {
					sawKey = true
					if summary != tt.wantKeyAlg {
						t.Errorf("key bag algorithm %s, test expects %s", summary, tt.wantKeyAlg)
					}
					key, err := x509.ParsePKCS8PrivateKey(plain)
					if err != nil {
						t.Fatalf("decrypted key bag does not parse: %v", err)
					}
					if !id.key.Equal(key) {
						t.Error("decrypted key differs from the one exported")
					}
				} else {
					sawCert = true
					if summary != tt.wantCertAlg {
						t.Errorf("encrypted data algorithm %s, test expects %s", summary, tt.wantCertAlg)
					}
					certs := certsInSafeContents(t, plain)
					if len(certs) != 1 || !bytes.Equal(certs[0], id.certDER) {
						t.Errorf("decrypted SafeContents hold %d certificates, want exactly the exported one", len(certs))
					}
				}
				checkWrongPIN(t, blob.algorithm, blob.ciphertext, tt.pin+"x", plain)
			}
			if !sawKey || !sawCert {
				t.Fatalf("walker found key bag %v, encrypted certificates %v; want both", sawKey, sawCert)
			}
		})
	}
}

// checkWrongPIN decrypts with a wrong pin. That must fail with
// ErrDecryption, except that with probability about 1/256 garbage ends in
// valid-looking padding; then the plaintext must at least differ.
func checkWrongPIN(t *testing.T, algorithm, ciphertext []byte, pin string, right []byte) {
	t.Helper()
	plain, err := Decrypt(algorithm, ciphertext, pin)
	switch {
	case err == nil && bytes.Equal(plain, right):
		t.Error("Decrypt with a wrong pin gave the right plaintext")
	case err != nil && !errors.Is(err, ErrDecryption):
		t.Errorf("Decrypt with a wrong pin = %v, want ErrDecryption", err)
	}
}

// TestOpenSSLPKCS8 covers what openssl pkcs12 cannot choose: the PBES2 PRF
// (hmacWithSHA1 is the DEFAULT and so absent from the DER) and the PKCS#12
// schemes on their own, via encrypted PKCS#8 keys.
func TestOpenSSLPKCS8(t *testing.T) {
	openssl := requireOpenSSL(t)
	id := newTestIdentity(t)
	const pin = "Пароль-1234"
	legacy := []string{"-provider", "legacy", "-provider", "default"}

	tests := []struct {
		name    string
		args    []string
		wantAlg string
	}{
		{"pbes2 aes-128 default prf hmac-sha1", []string{"-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA1"},
			"pbes2/2.16.840.1.101.3.4.1.2/hmacWithSHA1(default)"},
		{"pbes2 aes-256 hmac-sha224", []string{"-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA224"},
			"pbes2/2.16.840.1.101.3.4.1.42/hmacWithSHA224"},
		{"pbes2 aes-192 hmac-sha384", []string{"-v2", "aes-192-cbc", "-v2prf", "hmacWithSHA384"},
			"pbes2/2.16.840.1.101.3.4.1.22/hmacWithSHA384"},
		{"pbes2 des-ede3 hmac-sha512", []string{"-v2", "des-ede3-cbc", "-v2prf", "hmacWithSHA512"},
			"pbes2/1.2.840.113549.3.7/hmacWithSHA512"},
		{"pbes2 aes-256 hmac-sha256 1024 iterations", []string{"-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA256", "-iter", "1024"},
			"pbes2/2.16.840.1.101.3.4.1.42/hmacWithSHA256"},
		{"pkcs12 3des", []string{"-v1", "PBE-SHA1-3DES", "-iter", "1024"}, alg3DES},
		{"pkcs12 2-key 3des", []string{"-v1", "PBE-SHA1-2DES"}, alg2DES},
		{"pkcs12 rc2-128", append([]string{"-v1", "PBE-SHA1-RC2-128"}, legacy...), algRC2128},
		{"pkcs12 rc2-40", append([]string{"-v1", "PBE-SHA1-RC2-40"}, legacy...), algRC240},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "key.der")
			args := append([]string{"pkcs8", "-topk8", "-in", id.keyPEM, "-outform", "DER",
				"-passout", "pass:" + pin, "-out", out}, tt.args...)
			var epki p12EncryptedPrivateKeyInfo
			mustUnmarshal(t, runOpenSSL(t, openssl, out, args...), &epki, "EncryptedPrivateKeyInfo")
			if got := algSummary(t, epki.Algorithm.FullBytes); got != tt.wantAlg {
				t.Fatalf("openssl wrote %s, test expects %s", got, tt.wantAlg)
			}
			plain, err := Decrypt(epki.Algorithm.FullBytes, epki.Data, pin)
			if err != nil {
				t.Fatalf("Decrypt: %v", err)
			}
			key, err := x509.ParsePKCS8PrivateKey(plain)
			if err != nil {
				t.Fatalf("decrypted key does not parse: %v", err)
			}
			if !id.key.Equal(key) {
				t.Error("decrypted key differs from the one exported")
			}
			checkWrongPIN(t, epki.Algorithm.FullBytes, epki.Data, "1234", plain)
		})
	}
}

// TestOpenSSLEmptyPasswordEncoding pins down how OpenSSL 3 encodes an empty
// password (-passout pass:) for the PKCS#12 KDF: as the BMPString
// terminator 00 00, which is what BMPPassword("") returns, and not as a
// zero-length input.
func TestOpenSSLEmptyPasswordEncoding(t *testing.T) {
	openssl := requireOpenSSL(t)
	id := newTestIdentity(t)
	out := filepath.Join(t.TempDir(), "empty.p12")
	f := parseP12(t, runOpenSSL(t, openssl, out, "pkcs12", "-export", "-legacy",
		"-inkey", id.keyPEM, "-in", id.certPEM, "-passout", "pass:", "-out", out))

	mac := func(password []byte) []byte {
		m := hmac.New(sha1.New, Key(crypto.SHA1, 3, password, f.macSalt, f.iterations, 20))
		m.Write(f.authSafe)
		return m.Sum(nil)
	}
	if got := mustBMP(t, ""); !bytes.Equal(got, []byte{0, 0}) {
		t.Fatalf("BMPPassword(\"\") = %x, want 0000", got)
	}
	if !hmac.Equal(mac([]byte{0, 0}), f.digest) {
		t.Error("the MAC of OpenSSL's empty-password file is not keyed with the password 00 00")
	}
	if hmac.Equal(mac(nil), f.digest) {
		t.Error("the MAC of OpenSSL's empty-password file is keyed with a zero-length password")
	}
	if err := VerifyMAC(f.macAlgorithm, f.digest, f.macSalt, f.iterations, f.authSafe, ""); err != nil {
		t.Errorf("VerifyMAC(\"\"): %v", err)
	}
}
