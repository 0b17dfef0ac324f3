package certs

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"unicode/utf16"

	"github.com/esfkit/esf/certs/gost"
	"github.com/esfkit/esf/certs/internal/pbe"
)

// MaxKeyStoreSize is the largest key store Open accepts. NCA's files are a
// few kilobytes; the limit keeps a wrong file from being read whole.
const MaxKeyStoreSize = 1 << 20

// Errors of Open; the errors it returns wrap one of these, so callers can
// branch with errors.Is.
var (
	// ErrWrongPIN means the PIN does not open the key store (its MAC does
	// not match). A corrupted file gives the same answer: the MAC cannot tell.
	ErrWrongPIN = errors.New("certs: wrong PIN")
	// ErrNotKeyStore means the input is not a PKCS#12 key store.
	ErrNotKeyStore = errors.New("certs: not a PKCS#12 key store")
	// ErrMalformed means a PKCS#12 key store whose contents are broken.
	ErrMalformed = errors.New("certs: malformed key store")
	// ErrUnsupported means a key store using an algorithm this package
	// does not implement.
	ErrUnsupported = errors.New("certs: unsupported")
	// ErrNoPrivateKey means a key store without a private key or without
	// the certificate of its key.
	ErrNoPrivateKey = errors.New("certs: no private key with its certificate")
)

// KeyStore is an opened key store: one private key, its certificate, and
// any further certificates the file carries.
type KeyStore struct {
	// PrivateKey is *rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey
	// or *gost.PrivateKey.
	PrivateKey crypto.PrivateKey
	// Certificate is the certificate of PrivateKey.
	Certificate *Certificate
	// CACertificates are the other certificates in the file (NCA's files
	// have none).
	CACertificates []*Certificate
	// FriendlyName is the key's alias; NCA writes the SKI in hex.
	FriendlyName string
	// LocalKeyID pairs the key with its certificate; NCA writes the SKI.
	LocalKeyID []byte
}

// Signer returns the private key as a crypto.Signer: *rsa.PrivateKey for
// RSA keys, *gost.PrivateKey for GOST keys (which signs a GOST digest and
// returns NCA's signature layout).
func (ks *KeyStore) Signer() (crypto.Signer, error) {
	s, ok := ks.PrivateKey.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%w: private key of type %T cannot sign", ErrUnsupported, ks.PrivateKey)
	}
	return s, nil
}

// OpenFile reads and opens the key store at path with pin.
func OpenFile(path string, pin string) (*KeyStore, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("certs: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxKeyStoreSize+1))
	if err != nil {
		return nil, fmt.Errorf("certs: read %s: %w", path, err)
	}
	ks, err := Open(data, pin)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return ks, nil
}

var (
	oidData                = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidEncryptedData       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}
	oidKeyBag              = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 1}
	oidShroudedKeyBag      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
	oidCertBag             = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 3}
	oidSafeContentsBag     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 6}
	oidX509CertificateType = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 22, 1}
	oidFriendlyName        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 20}
	oidLocalKeyID          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 21}
)

// Open opens a PKCS#12 key store (.p12, .pfx) with pin. It reads NCA's files,
// which are BER with indefinite lengths, as well as the DER files of openssl
// and go-pkcs12. The MAC is checked first, over the bytes as given; a
// mismatch is ErrWrongPIN. Keys and certificates may be encrypted with
// pbeWithSHAAnd3-KeyTripleDES-CBC, pbeWithSHAAnd40BitRC2-CBC or 128-bit RC2,
// or PBES2 (PBKDF2 with AES-CBC). A key store without a MAC or encryption
// (go-pkcs12's Passwordless) opens with any PIN: it has nothing to check.
func Open(data []byte, pin string) (*KeyStore, error) {
	if len(data) > MaxKeyStoreSize {
		return nil, fmt.Errorf("%w: %d bytes or more; a key store is at most %d", ErrNotKeyStore, len(data), MaxKeyStoreSize)
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: empty input", ErrNotKeyStore)
	}
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte("-----BEGIN")) {
		return nil, fmt.Errorf("%w: this is PEM text; a key store is binary PKCS#12 (.p12)", ErrNotKeyStore)
	}
	if data[0] != 0x30 {
		return nil, fmt.Errorf("%w: does not start with an ASN.1 SEQUENCE", ErrNotKeyStore)
	}
	pfx, err := parseBER(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotKeyStore, err)
	}
	authSafe, err := readPFX(pfx, pin)
	if err != nil {
		return nil, err
	}
	var bags []safeBag
	if err := readAuthSafe(authSafe, pin, &bags); err != nil {
		return nil, err
	}
	return assemble(bags, pin)
}

// readPFX checks the PFX header and MAC and returns the AuthenticatedSafe.
func readPFX(pfx *element, pin string) (*element, error) {
	if !pfx.is(classUniversal, tagSequence) || len(pfx.children) < 2 || len(pfx.children) > 3 {
		return nil, fmt.Errorf("%w: PFX is not SEQUENCE{version, authSafe, macData}", ErrNotKeyStore)
	}
	var version int
	if err := unmarshalElement(pfx.children[0], &version); err != nil || version != 3 {
		return nil, fmt.Errorf("%w: PFX version is not 3", ErrNotKeyStore)
	}
	content, err := readContentInfo(pfx.children[1], oidData)
	if err != nil {
		return nil, fmt.Errorf("%w: authSafe: %w", ErrNotKeyStore, err)
	}
	if !content.is(classUniversal, tagOctetString) {
		return nil, fmt.Errorf("%w: authSafe content is not an OCTET STRING", ErrNotKeyStore)
	}
	authSafeBytes, err := content.octets()
	if err != nil {
		return nil, fmt.Errorf("%w: authSafe: %w", ErrMalformed, err)
	}
	if len(pfx.children) == 3 {
		if err := checkMAC(pfx.children[2], authSafeBytes, pin); err != nil {
			return nil, err
		}
	}
	authSafe, err := parseBER(authSafeBytes)
	if err != nil {
		return nil, fmt.Errorf("%w: authSafe: %w", ErrMalformed, err)
	}
	return authSafe, nil
}

func checkMAC(macData *element, message []byte, pin string) error {
	var md struct {
		Mac struct {
			Algorithm asn1.RawValue
			Digest    []byte
		}
		MacSalt    []byte
		Iterations int `asn1:"optional,default:1"`
	}
	if err := unmarshalElement(macData, &md); err != nil {
		return fmt.Errorf("%w: macData: %w", ErrMalformed, err)
	}
	err := pbe.VerifyMAC(md.Mac.Algorithm.FullBytes, md.Mac.Digest, md.MacSalt, md.Iterations, message, pin)
	switch {
	case errors.Is(err, pbe.ErrMACMismatch):
		return ErrWrongPIN
	case errors.Is(err, pbe.ErrUnsupported):
		return fmt.Errorf("%w: %w", ErrUnsupported, err)
	case err != nil:
		return fmt.Errorf("%w: macData: %w", ErrMalformed, err)
	}
	return nil
}

// readContentInfo checks a ContentInfo of type want and returns its content.
func readContentInfo(e *element, want asn1.ObjectIdentifier) (*element, error) {
	oid, content, err := contentInfo(e)
	if err != nil {
		return nil, err
	}
	if !oid.Equal(want) {
		return nil, fmt.Errorf("content type %s, want %s", oid, want)
	}
	return content, nil
}

// contentInfo splits ContentInfo ::= SEQUENCE{contentType, [0] EXPLICIT content}.
func contentInfo(e *element) (asn1.ObjectIdentifier, *element, error) {
	if !e.is(classUniversal, tagSequence) || len(e.children) != 2 {
		return nil, nil, errors.New("ContentInfo is not SEQUENCE{type, content}")
	}
	var oid asn1.ObjectIdentifier
	if err := unmarshalElement(e.children[0], &oid); err != nil {
		return nil, nil, fmt.Errorf("ContentInfo type: %w", err)
	}
	wrap := e.children[1]
	if !wrap.is(classContext, 0) || !wrap.constructed || len(wrap.children) != 1 {
		return nil, nil, errors.New("ContentInfo content is not [0] EXPLICIT")
	}
	return oid, wrap.children[0], nil
}

type safeBag struct {
	id           asn1.ObjectIdentifier
	value        *element
	friendlyName string
	localKeyID   []byte
}

func readAuthSafe(authSafe *element, pin string, bags *[]safeBag) error {
	if !authSafe.is(classUniversal, tagSequence) {
		return fmt.Errorf("%w: AuthenticatedSafe is not a SEQUENCE", ErrMalformed)
	}
	for i, ci := range authSafe.children {
		oid, content, err := contentInfo(ci)
		if err != nil {
			return fmt.Errorf("%w: AuthenticatedSafe[%d]: %w", ErrMalformed, i, err)
		}
		var safeContents []byte
		switch {
		case oid.Equal(oidData):
			if !content.is(classUniversal, tagOctetString) {
				return fmt.Errorf("%w: AuthenticatedSafe[%d] data is not an OCTET STRING", ErrMalformed, i)
			}
			if safeContents, err = content.octets(); err != nil {
				return fmt.Errorf("%w: AuthenticatedSafe[%d]: %w", ErrMalformed, i, err)
			}
		case oid.Equal(oidEncryptedData):
			if safeContents, err = decryptEncryptedData(content, pin); err != nil {
				return fmt.Errorf("AuthenticatedSafe[%d]: %w", i, err)
			}
		default:
			return fmt.Errorf("%w: AuthenticatedSafe[%d] has content type %s (public-key privacy mode)", ErrUnsupported, i, oid)
		}
		sc, err := parseBER(safeContents)
		if err != nil {
			return fmt.Errorf("%w: AuthenticatedSafe[%d] SafeContents: %w", ErrMalformed, i, err)
		}
		if err := readSafeContents(sc, bags, 0); err != nil {
			return fmt.Errorf("AuthenticatedSafe[%d]: %w", i, err)
		}
	}
	return nil
}

// decryptEncryptedData opens EncryptedData ::= SEQUENCE{version,
// EncryptedContentInfo{contentType, algorithm, [0] IMPLICIT OCTET STRING}}.
func decryptEncryptedData(e *element, pin string) ([]byte, error) {
	if !e.is(classUniversal, tagSequence) || len(e.children) < 2 {
		return nil, fmt.Errorf("%w: EncryptedData is not SEQUENCE{version, encryptedContentInfo}", ErrMalformed)
	}
	eci := e.children[1]
	if !eci.is(classUniversal, tagSequence) || len(eci.children) < 3 {
		return nil, fmt.Errorf("%w: EncryptedContentInfo has no encrypted content", ErrMalformed)
	}
	alg, err := eci.children[1].der()
	if err != nil {
		return nil, fmt.Errorf("%w: content encryption algorithm: %w", ErrMalformed, err)
	}
	enc := eci.children[2]
	if !enc.is(classContext, 0) {
		return nil, fmt.Errorf("%w: encrypted content is not [0] IMPLICIT OCTET STRING", ErrMalformed)
	}
	ciphertext, err := enc.octets()
	if err != nil {
		return nil, fmt.Errorf("%w: encrypted content: %w", ErrMalformed, err)
	}
	return decrypt(alg, ciphertext, pin)
}

func decrypt(alg, ciphertext []byte, pin string) ([]byte, error) {
	plain, err := pbe.Decrypt(alg, ciphertext, pin)
	switch {
	case errors.Is(err, pbe.ErrUnsupported):
		return nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
	case errors.Is(err, pbe.ErrDecryption):
		// Without a MAC, or with a MAC that used another password, a
		// failed decryption is what a wrong PIN looks like.
		return nil, fmt.Errorf("%w: %w", ErrWrongPIN, err)
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return plain, nil
}

func readSafeContents(sc *element, bags *[]safeBag, depth int) error {
	if depth > 4 {
		return fmt.Errorf("%w: SafeContents nested too deep", ErrMalformed)
	}
	if !sc.is(classUniversal, tagSequence) {
		return fmt.Errorf("%w: SafeContents is not a SEQUENCE", ErrMalformed)
	}
	for i, b := range sc.children {
		if !b.is(classUniversal, tagSequence) || len(b.children) < 2 || len(b.children) > 3 {
			return fmt.Errorf("%w: SafeBag[%d] is not SEQUENCE{id, value, attributes}", ErrMalformed, i)
		}
		var bag safeBag
		if err := unmarshalElement(b.children[0], &bag.id); err != nil {
			return fmt.Errorf("%w: SafeBag[%d] id: %w", ErrMalformed, i, err)
		}
		wrap := b.children[1]
		if !wrap.is(classContext, 0) || len(wrap.children) != 1 {
			return fmt.Errorf("%w: SafeBag[%d] value is not [0] EXPLICIT", ErrMalformed, i)
		}
		bag.value = wrap.children[0]
		if len(b.children) == 3 {
			if err := readBagAttributes(b.children[2], &bag); err != nil {
				return fmt.Errorf("%w: SafeBag[%d] attributes: %w", ErrMalformed, i, err)
			}
		}
		if bag.id.Equal(oidSafeContentsBag) {
			if err := readSafeContents(bag.value, bags, depth+1); err != nil {
				return err
			}
			continue
		}
		*bags = append(*bags, bag)
	}
	return nil
}

func readBagAttributes(set *element, bag *safeBag) error {
	if !set.is(classUniversal, tagSet) {
		return errors.New("not a SET")
	}
	for _, a := range set.children {
		if !a.is(classUniversal, tagSequence) || len(a.children) != 2 || !a.children[1].is(classUniversal, tagSet) {
			return errors.New("attribute is not SEQUENCE{id, SET}")
		}
		var id asn1.ObjectIdentifier
		if err := unmarshalElement(a.children[0], &id); err != nil {
			return err
		}
		values := a.children[1].children
		if len(values) == 0 {
			continue
		}
		switch {
		case id.Equal(oidFriendlyName):
			if !values[0].is(classUniversal, tagBMPString) {
				return errors.New("friendlyName is not a BMPString")
			}
			s, err := values[0].stringOctets()
			if err != nil {
				return err
			}
			name, err := decodeBMP(s)
			if err != nil {
				return fmt.Errorf("friendlyName: %w", err)
			}
			bag.friendlyName = name
		case id.Equal(oidLocalKeyID):
			if !values[0].is(classUniversal, tagOctetString) {
				return errors.New("localKeyID is not an OCTET STRING")
			}
			v, err := values[0].octets()
			if err != nil {
				return err
			}
			bag.localKeyID = v
		}
	}
	return nil
}

func decodeBMP(b []byte) (string, error) {
	if len(b)%2 != 0 {
		return "", errors.New("odd length BMPString")
	}
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i < len(b); i += 2 {
		u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
	}
	if n := len(u); n > 0 && u[n-1] == 0 {
		u = u[:n-1]
	}
	return string(utf16.Decode(u)), nil
}

// assemble turns the bags into a KeyStore: the one private key, the
// certificate paired with it, and the rest.
func assemble(bags []safeBag, pin string) (*KeyStore, error) {
	type keyEntry struct {
		key crypto.PrivateKey
		bag safeBag
	}
	var keys []keyEntry
	var certs []*Certificate
	var certBags []safeBag
	for i, bag := range bags {
		switch {
		case bag.id.Equal(oidShroudedKeyBag), bag.id.Equal(oidKeyBag):
			der, err := bag.value.der()
			if err != nil {
				return nil, fmt.Errorf("%w: key bag %d: %w", ErrMalformed, i, err)
			}
			if bag.id.Equal(oidShroudedKeyBag) {
				if der, err = decryptShroudedKey(der, pin); err != nil {
					return nil, fmt.Errorf("key bag %d: %w", i, err)
				}
			}
			key, err := ParsePKCS8PrivateKey(der)
			if err != nil {
				return nil, fmt.Errorf("key bag %d: %w", i, err)
			}
			keys = append(keys, keyEntry{key: key, bag: bag})
		case bag.id.Equal(oidCertBag):
			c, err := readCertBag(bag.value)
			if err != nil {
				return nil, fmt.Errorf("certificate bag %d: %w", i, err)
			}
			if c == nil {
				continue // not an X.509 certificate (an SDSI one, say)
			}
			certs = append(certs, c)
			certBags = append(certBags, bag)
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: the key store holds %d certificates and no private key", ErrNoPrivateKey, len(certs))
	}
	if len(keys) > 1 {
		return nil, fmt.Errorf("%w: the key store holds %d private keys; one is supported", ErrUnsupported, len(keys))
	}
	k := keys[0]
	leaf := -1
	for i, c := range certs {
		if matchesKey(k.key, c) {
			leaf = i
			break
		}
	}
	if leaf < 0 {
		return nil, fmt.Errorf("%w: no certificate in the key store matches its private key", ErrNoPrivateKey)
	}
	ks := &KeyStore{
		PrivateKey:   k.key,
		Certificate:  certs[leaf],
		FriendlyName: k.bag.friendlyName,
		LocalKeyID:   k.bag.localKeyID,
	}
	if ks.FriendlyName == "" {
		ks.FriendlyName = certBags[leaf].friendlyName
	}
	for i, c := range certs {
		if i != leaf {
			ks.CACertificates = append(ks.CACertificates, c)
		}
	}
	return ks, nil
}

func decryptShroudedKey(der []byte, pin string) ([]byte, error) {
	var epki struct {
		Algorithm asn1.RawValue
		Data      []byte
	}
	if rest, err := asn1.Unmarshal(der, &epki); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("%w: EncryptedPrivateKeyInfo: %w", ErrMalformed, errOr(err, "trailing data"))
	}
	plain, err := decrypt(epki.Algorithm.FullBytes, epki.Data, pin)
	if err != nil {
		return nil, err
	}
	// The decrypted PrivateKeyInfo may itself be BER.
	e, err := parseBER(plain)
	if err != nil {
		return nil, fmt.Errorf("%w: decrypted private key: %w", ErrMalformed, err)
	}
	der, err = e.der()
	if err != nil {
		return nil, fmt.Errorf("%w: decrypted private key: %w", ErrMalformed, err)
	}
	return der, nil
}

func readCertBag(v *element) (*Certificate, error) {
	if !v.is(classUniversal, tagSequence) || len(v.children) != 2 {
		return nil, fmt.Errorf("%w: CertBag is not SEQUENCE{type, value}", ErrMalformed)
	}
	var id asn1.ObjectIdentifier
	if err := unmarshalElement(v.children[0], &id); err != nil {
		return nil, fmt.Errorf("%w: CertBag type: %w", ErrMalformed, err)
	}
	if !id.Equal(oidX509CertificateType) {
		return nil, nil
	}
	wrap := v.children[1]
	if !wrap.is(classContext, 0) || len(wrap.children) != 1 || !wrap.children[0].is(classUniversal, tagOctetString) {
		return nil, fmt.Errorf("%w: CertBag value is not [0] EXPLICIT OCTET STRING", ErrMalformed)
	}
	der, err := wrap.children[0].octets()
	if err != nil {
		return nil, fmt.Errorf("%w: CertBag value: %w", ErrMalformed, err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	cert, err := NewCertificate(c)
	if err != nil {
		// A GOST public key off its curve, say: a broken key store.
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return cert, nil
}

// matchesKey reports whether c certifies key: their public keys are equal
// (for GOST keys, d·P is derived and compared).
func matchesKey(key crypto.PrivateKey, c *Certificate) bool {
	switch k := key.(type) {
	case interface{ Public() crypto.PublicKey }:
		pub, ok := k.Public().(interface{ Equal(crypto.PublicKey) bool })
		return ok && c.PublicKey != nil && pub.Equal(c.PublicKey)
	}
	return false
}

// ParsePKCS8PrivateKey parses an unencrypted PKCS#8 PrivateKeyInfo. Besides
// what crypto/x509 reads (RSA, ECDSA, Ed25519, X25519) it reads NCA's GOST
// keys in both forms: GOST 2015-512, whose privateKey holds an OCTET STRING
// with the scalar little-endian, and GOST 2004, whose privateKey holds an
// INTEGER.
func ParsePKCS8PrivateKey(der []byte) (crypto.PrivateKey, error) {
	var pki struct {
		Version    int
		Algorithm  pkix.AlgorithmIdentifier
		PrivateKey []byte
	}
	if _, err := asn1.Unmarshal(der, &pki); err != nil {
		return nil, fmt.Errorf("%w: PrivateKeyInfo: %w", ErrMalformed, err)
	}
	alg := pki.Algorithm.Algorithm
	if !alg.Equal(OIDGOST2015PublicKey512) && !alg.Equal(OIDGOST2004PublicKey) {
		key, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			return nil, fmt.Errorf("%w: private key (algorithm %s): %w", ErrUnsupported, alg, err)
		}
		return key, nil
	}
	var params []asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(pki.Algorithm.Parameters.FullBytes, &params); err != nil || len(params) == 0 {
		return nil, fmt.Errorf("%w: GOST private key parameters: %w", ErrMalformed, errOr(err, "empty"))
	}
	curve := gost.CurveByOID(params[0])
	if curve == gost.CurveUnknown {
		return nil, fmt.Errorf("%w: GOST private key on curve %s", ErrUnsupported, params[0])
	}
	var raw asn1.RawValue
	if rest, err := asn1.Unmarshal(pki.PrivateKey, &raw); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("%w: GOST private key value: %w", ErrMalformed, errOr(err, "trailing data"))
	}
	var d []byte
	switch {
	case raw.Class == asn1.ClassUniversal && raw.Tag == asn1.TagOctetString:
		d = reverse(raw.Bytes) // little-endian
	case raw.Class == asn1.ClassUniversal && raw.Tag == asn1.TagInteger:
		var n *big.Int
		if _, err := asn1.Unmarshal(raw.FullBytes, &n); err != nil || n.Sign() <= 0 {
			return nil, fmt.Errorf("%w: GOST private key INTEGER is not positive", ErrMalformed)
		}
		d = n.Bytes()
	default:
		return nil, fmt.Errorf("%w: GOST private key is neither OCTET STRING nor INTEGER (tag %d)", ErrMalformed, raw.Tag)
	}
	key, err := gost.NewPrivateKey(curve, d)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return key, nil
}

func reverse(b []byte) []byte {
	out := make([]byte, len(b))
	for i, v := range b {
		out[len(b)-1-i] = v
	}
	return out
}

// unmarshalElement decodes a BER element with encoding/asn1 after
// rewriting it as DER.
func unmarshalElement(e *element, v any) error {
	der, err := e.der()
	if err != nil {
		return err
	}
	rest, err := asn1.Unmarshal(der, v)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return errors.New("trailing data")
	}
	return nil
}
