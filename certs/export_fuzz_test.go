package certs

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"errors"
	"math"
)

// Test-only views of the BER reader for the fuzz targets in fuzz_test.go.

// BERCost walks data as Open reads it (BER, descending into every OCTET
// STRING whose value is itself BER) and reports what makes Open and
// ParsePKCS8PrivateKey expensive:
//
//   - iterations, the largest INTEGER that follows an OCTET STRING in a
//     SEQUENCE: where PKCS#12 PBE parameters, PBKDF2 parameters and MacData
//     keep their iteration count (Open accepts up to 1,000,000; a key
//     derivation that long takes about half a second);
//   - keyLength, the largest INTEGER that follows such an iteration count:
//     PBKDF2's keyLength, which multiplies the work of a PBMAC1 MAC;
//   - integerBytes, the longest INTEGER's contents in bytes: an RSA key's
//     modulus, whose validation grows with the cube of its size.
//
// Trailing data and malformed parts are skipped over rather than refused,
// so the answer covers whatever a lenient reader would get to.
func BERCost(data []byte) (iterations, keyLength, integerBytes int) {
	var c berCost
	c.walkBytes(data, 0)
	return c.iterations, c.keyLength, c.integerBytes
}

type berCost struct {
	iterations, keyLength, integerBytes int
	elements                            int
}

// maxCostDepth bounds how many OCTET STRINGs deep BERCost looks; a
// PKCS#12 file nests three (authSafe, SafeContents, a key's privateKey).
const maxCostDepth = 8

func (c *berCost) walkBytes(data []byte, depth int) {
	if depth > maxCostDepth || c.elements > maxBERElements {
		return
	}
	p := berParser{}
	e, _, err := p.parse(data, 0)
	c.elements += p.count
	if err != nil {
		return
	}
	c.walk(e, depth)
}

func (c *berCost) walk(e *element, depth int) {
	switch {
	case e.is(classUniversal, tagInteger) && !e.constructed:
		c.integerBytes = max(c.integerBytes, len(e.content))
	case e.is(classUniversal, tagOctetString):
		if v, err := e.octets(); err == nil {
			c.walkBytes(v, depth+1)
		}
	}
	for i, child := range e.children {
		c.walk(child, depth)
		if i == 0 || !isPrimitive(child, tagInteger) || !isPrimitive(e.children[i-1], tagOctetString) {
			continue
		}
		c.iterations = max(c.iterations, integerValue(child.content))
		if i+1 < len(e.children) && isPrimitive(e.children[i+1], tagInteger) {
			c.keyLength = max(c.keyLength, integerValue(e.children[i+1].content))
		}
	}
}

func isPrimitive(e *element, tag int) bool {
	return e.is(classUniversal, tag) && !e.constructed
}

// integerValue reads INTEGER contents: 0 for a negative number (refused
// at once), math.MaxInt32 for anything longer than four bytes.
func integerValue(b []byte) int {
	if len(b) == 0 || b[0]&0x80 != 0 {
		return 0
	}
	b = bytes.TrimLeft(b, "\x00")
	if len(b) > 4 {
		return math.MaxInt32
	}
	v := 0
	for _, x := range b {
		v = v<<8 | int(x)
	}
	return v
}

// StripMAC returns the key store data without its MacData, which Open
// then does not check: mutations of such a file reach the bags and their
// decryption instead of stopping at a MAC mismatch.
func StripMAC(data []byte) ([]byte, error) {
	pfx, err := parseBER(data)
	if err != nil {
		return nil, err
	}
	if !pfx.is(classUniversal, tagSequence) || len(pfx.children) != 3 {
		return nil, errors.New("not a PFX with MacData")
	}
	var body []byte
	for _, c := range pfx.children[:2] {
		body = append(body, c.raw...)
	}
	var buf bytes.Buffer
	writeHeader(&buf, classUniversal, tagSequence, true, len(body))
	buf.Write(body)
	return buf.Bytes(), nil
}

// KeyStorePKCS8 returns the decrypted PKCS#8 PrivateKeyInfo of the key
// store's key, as ParsePKCS8PrivateKey gets it from Open.
func KeyStorePKCS8(data []byte, pin string) ([]byte, error) {
	pfx, err := parseBER(data)
	if err != nil {
		return nil, err
	}
	authSafe, err := readPFX(pfx, pin)
	if err != nil {
		return nil, err
	}
	var bags []safeBag
	if err := readAuthSafe(authSafe, pin, &bags); err != nil {
		return nil, err
	}
	for _, bag := range bags {
		der, err := bag.value.der()
		if err != nil {
			return nil, err
		}
		switch {
		case bag.id.Equal(oidKeyBag):
			return der, nil
		case bag.id.Equal(oidShroudedKeyBag):
			return decryptShroudedKey(der, pin)
		}
	}
	return nil, ErrNoPrivateKey
}

// VerifyRSA is verifyRSA, for TestVerifyRSA and FuzzVerifyRSA.
func VerifyRSA(k *rsa.PublicKey, h crypto.Hash, digest, sig []byte) error {
	return verifyRSA(k, h, digest, sig)
}
