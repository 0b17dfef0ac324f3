package certs_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/internal/testref"
)

type testIdentity struct {
	key   *rsa.PrivateKey
	cert  *x509.Certificate
	ca    *x509.Certificate
	caKey *rsa.PrivateKey
}

var (
	identityOnce sync.Once
	identity     testIdentity
)

// testID returns an RSA key with an NCA-like individual certificate and its
// CA, made once per test binary.
func testID(t testing.TB) testIdentity {
	t.Helper()
	identityOnce.Do(func() {
		caKey, err := rsa.GenerateKey(rand.Reader, 2048)
		require.NoError(t, err)
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		require.NoError(t, err)
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		caTmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "TEST CA", Country: []string{"KZ"}},
			NotBefore: now, NotAfter: now.AddDate(5, 0, 0), IsCA: true, BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		}
		caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
		require.NoError(t, err)
		ca, err := x509.ParseCertificate(caDER)
		require.NoError(t, err)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(2),
			Subject: pkix.Name{CommonName: "ТЕСТОВ ТЕСТ", SerialNumber: "IIN123456789011", Country: []string{"KZ"},
				ExtraNames: []pkix.AttributeTypeAndValue{{Type: []int{2, 5, 4, 4}, Value: "ТЕСТОВ"}, {Type: []int{2, 5, 4, 42}, Value: "ТЕСТОВИЧ"}}},
			NotBefore: now, NotAfter: now.AddDate(1, 0, 0),
			KeyUsage:           x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
			ExtKeyUsage:        []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
			UnknownExtKeyUsage: []asn1.ObjectIdentifier{{1, 2, 398, 3, 3, 4, 1, 1}},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		require.NoError(t, err)
		cert, err := x509.ParseCertificate(der)
		require.NoError(t, err)
		identity = testIdentity{key: key, cert: cert, ca: ca, caKey: caKey}
	})
	require.NotNil(t, identity.key, "identity generation failed earlier")
	return identity
}

func checkOpened(t *testing.T, ks *certs.KeyStore, id testIdentity) {
	t.Helper()
	require.True(t, id.key.Equal(ks.PrivateKey), "same private key")
	assert.Equal(t, id.cert.Raw, ks.Certificate.X509.Raw)
	assert.Equal(t, "123456789011", ks.Certificate.IIN)
	assert.Equal(t, "ТЕСТ", ks.Certificate.FirstName)
	assert.Equal(t, "ТЕСТОВИЧ", ks.Certificate.Patronymic)
	assert.Equal(t, certs.UsageSign, ks.Certificate.Usage)
	assert.Equal(t, certs.FileRSA256, ks.Certificate.FileKind)
}

func TestOpenGoPKCS12Encoders(t *testing.T) {
	id := testID(t)
	encoders := []struct {
		name string
		enc  *pkcs12.Encoder
		pin  string
	}{
		{"LegacyRC2", pkcs12.LegacyRC2, "Qwerty12"},
		{"LegacyRC2 NCA iterations", pkcs12.LegacyRC2.WithIterations(1024), "Qwerty12"},
		{"LegacyDES", pkcs12.LegacyDES, "Qwerty12"},
		{"Modern2023", pkcs12.Modern2023, "Qwerty12"},
		{"Modern2026 (PBMAC1)", pkcs12.Modern2026, "Qwerty12"},
		{"Passwordless", pkcs12.Passwordless, ""},
		{"Modern2023 Cyrillic PIN", pkcs12.Modern2023, "Пароль123"},
		{"LegacyRC2 Cyrillic PIN", pkcs12.LegacyRC2, "Пароль123"},
	}
	for _, e := range encoders {
		t.Run(e.name, func(t *testing.T) {
			data, err := e.enc.Encode(id.key, id.cert, []*x509.Certificate{id.ca}, e.pin)
			require.NoError(t, err)
			ks, err := certs.Open(data, e.pin)
			require.NoError(t, err)
			checkOpened(t, ks, id)
			require.Len(t, ks.CACertificates, 1)
			assert.Equal(t, id.ca.Raw, ks.CACertificates[0].X509.Raw)
			if e.pin != "" {
				_, err = certs.Open(data, e.pin+"1")
				assert.ErrorIs(t, err, certs.ErrWrongPIN)
			}
		})
	}
	t.Run("trust store has no key", func(t *testing.T) {
		data, err := pkcs12.Modern2023.EncodeTrustStore([]*x509.Certificate{id.ca}, "Qwerty12")
		require.NoError(t, err)
		_, err = certs.Open(data, "Qwerty12")
		assert.ErrorIs(t, err, certs.ErrNoPrivateKey)
	})
}

func TestOpenOpenSSLExports(t *testing.T) {
	testref.Tool(t, "openssl", "openssl")
	id := testID(t)
	dir := t.TempDir()
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: must(x509.MarshalPKCS8PrivateKey(id.key))})
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: id.cert.Raw})
	require.NoError(t, os.WriteFile(filepath.Join(dir, "key.pem"), keyPEM, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cert.pem"), certPEM, 0o600))
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"default (PBES2 AES-256, HMAC-SHA256)", nil},
		{"legacy (3DES key, RC2-40 cert, HMAC-SHA1)", []string{"-legacy"}},
		{"descert", []string{"-descert"}},
		{"RC2-128 certificates", []string{"-legacy", "-certpbe", "PBE-SHA1-RC2-128"}},
		{"AES-128 and SHA-512 MAC", []string{"-keypbe", "AES-128-CBC", "-certpbe", "AES-128-CBC", "-macalg", "sha512"}},
		{"PBES2 with 3DES", []string{"-keypbe", "DES-EDE3-CBC", "-certpbe", "DES-EDE3-CBC"}},
		{"no MAC", []string{"-nomac"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, "out.p12")
			args := append([]string{"pkcs12", "-export", "-inkey", filepath.Join(dir, "key.pem"), "-in", filepath.Join(dir, "cert.pem"),
				"-passout", "pass:Qwerty12", "-out", out}, tc.args...)
			cmd := exec.Command("openssl", args...)
			msg, err := cmd.CombinedOutput()
			require.NoError(t, err, "openssl: %s", msg)
			data, err := os.ReadFile(out)
			require.NoError(t, err)
			ks, err := certs.Open(data, "Qwerty12")
			require.NoError(t, err)
			checkOpened(t, ks, id)
			_, err = certs.Open(data, "Qwerty13")
			assert.ErrorIs(t, err, certs.ErrWrongPIN)
		})
	}
}

func TestOpenBadInput(t *testing.T) {
	id := testID(t)
	good, err := pkcs12.LegacyRC2.WithIterations(1024).Encode(id.key, id.cert, nil, "Qwerty12")
	require.NoError(t, err)
	random := make([]byte, 4096)
	_, _ = rand.Read(random)
	random[0] = 0x30
	for _, tc := range []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, certs.ErrNotKeyStore},
		{"one byte", []byte{0x30}, certs.ErrNotKeyStore},
		{"random bytes", random, certs.ErrNotKeyStore},
		{"text", []byte("Qwerty12"), certs.ErrNotKeyStore},
		{"PEM certificate", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: id.cert.Raw}), certs.ErrNotKeyStore},
		{"DER certificate", id.cert.Raw, certs.ErrNotKeyStore},
		{"too large", append(bytes.Repeat([]byte{0x30}, certs.MaxKeyStoreSize), 0), certs.ErrNotKeyStore},
		{"trailing garbage", append(append([]byte{}, good...), 0, 1, 2), certs.ErrNotKeyStore},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := certs.Open(tc.data, "Qwerty12")
			require.ErrorIs(t, err, tc.want)
			assert.Regexp(t, "^certs: ", err.Error())
		})
	}
	t.Run("every truncation", func(t *testing.T) {
		for n := 0; n < len(good); n++ {
			_, err := certs.Open(good[:n], "Qwerty12")
			require.Error(t, err, "truncated to %d bytes", n)
		}
	})
	t.Run("every flipped byte", func(t *testing.T) {
		for i := 0; i < len(good); i += 7 {
			bad := append([]byte{}, good...)
			bad[i] ^= 0x41
			_, err := certs.Open(bad, "Qwerty12")
			require.Error(t, err, "byte %d flipped", i)
		}
	})
	t.Run("50 MB file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "huge.p12")
		f, err := os.Create(path)
		require.NoError(t, err)
		require.NoError(t, f.Truncate(50<<20))
		require.NoError(t, f.Close())
		_, err = certs.OpenFile(path, "Qwerty12")
		require.ErrorIs(t, err, certs.ErrNotKeyStore)
		assert.Contains(t, err.Error(), "huge.p12")
	})
	t.Run("missing file", func(t *testing.T) {
		_, err := certs.OpenFile(filepath.Join(t.TempDir(), "none.p12"), "Qwerty12")
		require.ErrorIs(t, err, os.ErrNotExist)
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
