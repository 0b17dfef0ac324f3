package certstest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"embed"
	"encoding/pem"
	"fmt"
	"path"
	"sync"
)

// The key pool. Go 1.26 ignores the reader given to rsa.GenerateKey, so a
// freshly generated key can never be reproduced; these keys were generated
// once with `openssl genrsa` and are committed (see keys/README.md). Every CA
// takes its keys from the start of the pool, in order, which is what makes
// its output reproducible.
//
//go:embed keys/*.pem
var keyFiles embed.FS

// Sizes of the pool (keys/ca-*.pem and keys/ee-*.pem).
const (
	poolCAKeys = 2  // RSA 4096: root, intermediate
	poolEEKeys = 16 // RSA 2048: end entities, in issue order
)

// Key sizes NCA uses: 4096-bit CAs, 2048-bit holders.
const (
	caKeyBits = 4096
	eeKeyBits = 2048
)

type keyPool struct {
	ca []*rsa.PrivateKey
	ee []*rsa.PrivateKey
}

var loadPool = sync.OnceValues(func() (*keyPool, error) {
	p := &keyPool{}
	for i := 1; i <= poolCAKeys; i++ {
		k, err := poolKey(fmt.Sprintf("ca-%d.pem", i), caKeyBits)
		if err != nil {
			return nil, err
		}
		p.ca = append(p.ca, k)
	}
	for i := 1; i <= poolEEKeys; i++ {
		k, err := poolKey(fmt.Sprintf("ee-%02d.pem", i), eeKeyBits)
		if err != nil {
			return nil, err
		}
		p.ee = append(p.ee, k)
	}
	return p, nil
})

func poolKey(name string, bits int) (*rsa.PrivateKey, error) {
	data, err := keyFiles.ReadFile(path.Join("keys", name))
	if err != nil {
		return nil, fmt.Errorf("certstest: key pool: %w", err)
	}
	b, _ := pem.Decode(data)
	if b == nil {
		return nil, fmt.Errorf("certstest: key pool: %s is not PEM", name)
	}
	var key any
	switch b.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(b.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(b.Bytes)
	default:
		err = fmt.Errorf("unexpected PEM block %q", b.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("certstest: key pool: %s: %w", name, err)
	}
	k, ok := key.(*rsa.PrivateKey)
	if !ok || k.N.BitLen() != bits {
		return nil, fmt.Errorf("certstest: key pool: %s is not an RSA %d key", name, bits)
	}
	return k, nil
}

// freshKey generates a key outside the pool; it cannot be reproduced.
func freshKey(bits int) (*rsa.PrivateKey, error) {
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return nil, fmt.Errorf("certstest: generate RSA %d key: %w", bits, err)
	}
	return k, nil
}
