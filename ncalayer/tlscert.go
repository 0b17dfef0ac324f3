package ncalayer

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"time"
)

// generated is a TLS certificate made by generateCertificate.
type generated struct {
	cert    tls.Certificate // leaf and CA, with the leaf's key
	rootPEM []byte          // the CA, to trust
}

// Validity of the generated certificates. They are made at every start,
// so a day would do; a year lets a person who trusted the CA keep a
// long-running emulator.
const (
	certValidity = 365 * 24 * time.Hour
	certBackdate = time.Hour // tolerate clients whose clock is a little behind
)

// generateCertificate makes a throw-away CA and a server certificate it
// issues for 127.0.0.1, ::1 and localhost, both ECDSA P-256. A CA and a
// leaf rather than one self-signed certificate: browsers and NSS accept a
// trusted CA everywhere, a trusted self-signed leaf not always.
func generateCertificate(now time.Time, random io.Reader) (*generated, error) {
	if random == nil {
		random = rand.Reader
	}
	serial := func() (*big.Int, error) {
		return rand.Int(random, new(big.Int).Lsh(big.NewInt(1), 127))
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), random)
	if err != nil {
		return nil, fmt.Errorf("ncalayer: TLS certificate: %w", err)
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), random)
	if err != nil {
		return nil, fmt.Errorf("ncalayer: TLS certificate: %w", err)
	}
	caSerial, err := serial()
	if err != nil {
		return nil, fmt.Errorf("ncalayer: TLS certificate: %w", err)
	}
	leafSerial, err := serial()
	if err != nil {
		return nil, fmt.Errorf("ncalayer: TLS certificate: %w", err)
	}
	notBefore, notAfter := now.Add(-certBackdate), now.Add(certValidity)
	caTmpl := &x509.Certificate{
		SerialNumber:          caSerial,
		Subject:               pkix.Name{CommonName: "esf headless NCALayer CA " + now.UTC().Format("2006-01-02 15:04:05"), Organization: []string{"esf (test only)"}},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(random, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("ncalayer: TLS certificate: %w", err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, fmt.Errorf("ncalayer: TLS certificate: %w", err)
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: leafSerial,
		Subject:      pkix.Name{CommonName: "127.0.0.1", Organization: []string{"esf (test only)"}},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	leafDER, err := x509.CreateCertificate(random, leafTmpl, ca, &leafKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("ncalayer: TLS certificate: %w", err)
	}
	return &generated{
		cert:    tls.Certificate{Certificate: [][]byte{leafDER, caDER}, PrivateKey: leafKey},
		rootPEM: pemCert(caDER),
	}, nil
}

func pemCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// spkiHash is base64(SHA-256(SubjectPublicKeyInfo)), as Chromium's
// --ignore-certificate-errors-spki-list takes it.
func spkiHash(c *x509.Certificate) string {
	sum := sha256.Sum256(c.RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(sum[:])
}
