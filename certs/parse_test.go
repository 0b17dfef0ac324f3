package certs_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
)

// A certificate read twice comes back equal, as a Certificate of its own:
// what the first caller changes in it, the second does not see.
func TestParseCertificateTwice(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7),
		Subject:      pkix.Name{CommonName: "ТЕСТОВ ТЕСТ", SerialNumber: "IIN123456789012"},
		NotBefore:    time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)

	first, err := certs.ParseCertificate(der)
	require.NoError(t, err)
	require.Equal(t, "123456789012", first.IIN)
	second, err := certs.ParseCertificate(der)
	require.NoError(t, err)
	assert.Equal(t, first, second)
	assert.NotSame(t, first, second)

	first.IIN, first.CommonName = "changed", "changed"
	third, err := certs.ParseCertificate(der)
	require.NoError(t, err)
	assert.Equal(t, "123456789012", third.IIN)
	assert.Equal(t, "ТЕСТОВ ТЕСТ", third.CommonName)

	// A bad input is refused every time, not remembered.
	bad := append([]byte(nil), der...)
	bad[len(bad)-1] ^= 0xff
	for range 2 {
		_, err := certs.ParseCertificate(bad[:len(bad)-40])
		require.ErrorIs(t, err, certs.ErrNotCertificate)
	}
}
