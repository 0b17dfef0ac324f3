package pbe

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/pbkdf2"
	"encoding/asn1"
	"fmt"
)

// Decrypt decrypts ciphertext, encrypted with the algorithm described by
// algorithm, using pin, and returns the plaintext with its PKCS#7 padding
// removed.
//
// algorithm is the complete DER encoding of the AlgorithmIdentifier
// SEQUENCE as it appears in the file (OID and parameters): the
// encryptionAlgorithm of an EncryptedPrivateKeyInfo or the
// contentEncryptionAlgorithm of an EncryptedContentInfo. Supported are
//
//   - pbeWithSHAAnd3-KeyTripleDES-CBC (1.2.840.113549.1.12.1.3),
//     pbeWithSHAAnd2-KeyTripleDES-CBC (1.2.840.113549.1.12.1.4),
//     pbeWithSHAAnd128BitRC2-CBC (1.2.840.113549.1.12.1.5) and
//     pbeWithSHAAnd40BitRC2-CBC (1.2.840.113549.1.12.1.6) of RFC 7292, with
//     key and IV from the PKCS#12 KDF over SHA-1 and the password
//     BMPPassword(pin);
//   - PBES2 (1.2.840.113549.1.5.13) of RFC 8018 with PBKDF2 (PRF
//     hmacWithSHA1, the default, or hmacWithSHA224/256/384/512) and
//     aes128-CBC, aes192-CBC, aes256-CBC or des-EDE3-CBC, with the pin's
//     UTF-8 bytes as the password.
//
// Bad padding after decryption gives an error wrapping [ErrDecryption];
// for the caller that usually means a wrong pin. (Padding is a weak check:
// about one wrong pin in 256 decrypts to garbage with valid-looking padding,
// so callers should also parse the plaintext, and check the MAC first.) An
// unknown algorithm gives an error wrapping [ErrUnsupported]; malformed
// parameters, a ciphertext that is empty or not a whole number of blocks,
// and out-of-range iteration counts give other errors.
func Decrypt(algorithm []byte, ciphertext []byte, pin string) ([]byte, error) {
	sc, err := parseScheme(algorithm)
	if err != nil {
		return nil, err
	}
	// Refuse an impossible ciphertext before paying for the key derivation.
	if err := checkCiphertext(ciphertext, sc.c, sc.what); err != nil {
		return nil, err
	}
	block, iv, err := sc.cipher(pin)
	if err != nil {
		return nil, err
	}
	return cbcDecrypt(block, iv, ciphertext, sc.what)
}

// scheme is a parsed encryption AlgorithmIdentifier: the cipher and what
// its key and IV derive from. Decrypt and Encrypt share it.
type scheme struct {
	c    blockCipher
	what string // the scheme's name in messages
	// For the PKCS#12 schemes: the salt and iterations of the KDF.
	pkcs12 *pkcs12PBEParams
	// For PBES2: the PBKDF2 parameters and the cipher's IV.
	pbkdf2 *pbkdf2Params
	iv     []byte
}

// parseScheme reads and checks an encryption AlgorithmIdentifier.
func parseScheme(algorithm []byte) (*scheme, error) {
	alg, err := parseAlgorithmIdentifier(algorithm, "encryption algorithm")
	if err != nil {
		return nil, err
	}
	if c, ok := pkcs12Schemes(alg.Algorithm); ok {
		var params pkcs12PBEParams
		if err := unmarshalParams(alg.Parameters, &params, c.name); err != nil {
			return nil, err
		}
		if err := checkIterations(params.Iterations, c.name); err != nil {
			return nil, err
		}
		return &scheme{c: c, what: c.name, pkcs12: &params}, nil
	}
	if !alg.Algorithm.Equal(oidPBES2) {
		return nil, unsupported("encryption algorithm", alg.Algorithm)
	}
	const what = "pbes2"
	var params pbes2Params
	if err := unmarshalParams(alg.Parameters, &params, what); err != nil {
		return nil, err
	}
	enc := params.EncryptionScheme
	c, ok := pbes2Schemes(enc.Algorithm)
	if !ok {
		return nil, unsupported("pbes2 encryption scheme", enc.Algorithm)
	}
	kdf := params.KeyDerivationFunc
	if !kdf.Algorithm.Equal(oidPBKDF2) {
		return nil, unsupported("pbes2 key derivation function", kdf.Algorithm)
	}
	p, err := parsePBKDF2Params(kdf.Parameters, "pbes2: pbkdf2")
	if err != nil {
		return nil, err
	}
	if p.keyLength != 0 && p.keyLength != c.keyLen {
		return nil, fmt.Errorf("pbe: pbes2: pbkdf2 keyLength is %d, %s needs %d", p.keyLength, c.name, c.keyLen)
	}
	var iv []byte
	if err := unmarshalParams(enc.Parameters, &iv, what+": "+c.name+" iv"); err != nil {
		return nil, err
	}
	if len(iv) != c.blockSize {
		return nil, fmt.Errorf("pbe: pbes2: iv is %d bytes, %s needs %d", len(iv), c.name, c.blockSize)
	}
	return &scheme{c: c, what: what, pbkdf2: &p, iv: iv}, nil
}

// cipher derives the key (and, for the PKCS#12 schemes, the IV) from pin
// and returns the block cipher and the IV.
func (sc *scheme) cipher(pin string) (cipher.Block, []byte, error) {
	var key, iv []byte
	if sc.pkcs12 != nil {
		password, err := BMPPassword(pin)
		if err != nil {
			return nil, nil, err
		}
		defer clear(password)
		key = Key(crypto.SHA1, kdfKey, password, sc.pkcs12.Salt, sc.pkcs12.Iterations, sc.c.keyLen)
		iv = Key(crypto.SHA1, kdfIV, password, sc.pkcs12.Salt, sc.pkcs12.Iterations, sc.c.blockSize)
	} else {
		var err error
		if key, err = pbkdf2.Key(sc.pbkdf2.prf.New, pin, sc.pbkdf2.salt, sc.pbkdf2.iterations, sc.c.keyLen); err != nil {
			return nil, nil, fmt.Errorf("pbe: pbes2: pbkdf2: %w", err)
		}
		iv = sc.iv
	}
	defer clear(key)
	block, err := sc.c.newBlock(key)
	if err != nil {
		return nil, nil, fmt.Errorf("pbe: %s: %w", sc.what, err)
	}
	return block, iv, nil
}

// blockCipher describes a CBC-mode cipher: its name for messages, its key
// and block sizes, and its constructor.
type blockCipher struct {
	name      string
	keyLen    int
	blockSize int
	newBlock  func(key []byte) (cipher.Block, error)
}

// pkcs12Schemes returns the cipher of an RFC 7292 Appendix C scheme.
func pkcs12Schemes(oid asn1.ObjectIdentifier) (blockCipher, bool) {
	switch {
	case oid.Equal(oidPBEWithSHAAnd3KeyTripleDESCBC):
		return blockCipher{"pbeWithSHAAnd3-KeyTripleDES-CBC", 24, des.BlockSize, des.NewTripleDESCipher}, true
	case oid.Equal(oidPBEWithSHAAnd2KeyTripleDESCBC):
		return blockCipher{"pbeWithSHAAnd2-KeyTripleDES-CBC", 16, des.BlockSize, newTwoKeyTripleDES}, true
	case oid.Equal(oidPBEWithSHAAnd128BitRC2CBC):
		return blockCipher{"pbeWithSHAAnd128BitRC2-CBC", 16, rc2BlockSize, func(k []byte) (cipher.Block, error) { return NewRC2Cipher(k, 128) }}, true
	case oid.Equal(oidPBEWithSHAAnd40BitRC2CBC):
		return blockCipher{"pbeWithSHAAnd40BitRC2-CBC", 5, rc2BlockSize, func(k []byte) (cipher.Block, error) { return NewRC2Cipher(k, 40) }}, true
	}
	// pbeWithSHAAnd128BitRC4 and pbeWithSHAAnd40BitRC4 fall through to
	// ErrUnsupported: nobody has written them in decades.
	return blockCipher{}, false
}

// pbes2Schemes returns the cipher of a PBES2 encryption scheme.
func pbes2Schemes(oid asn1.ObjectIdentifier) (blockCipher, bool) {
	switch {
	case oid.Equal(oidAES128CBC):
		return blockCipher{"aes128-cbc", 16, aes.BlockSize, aes.NewCipher}, true
	case oid.Equal(oidAES192CBC):
		return blockCipher{"aes192-cbc", 24, aes.BlockSize, aes.NewCipher}, true
	case oid.Equal(oidAES256CBC):
		return blockCipher{"aes256-cbc", 32, aes.BlockSize, aes.NewCipher}, true
	case oid.Equal(oidDESEDE3CBC):
		return blockCipher{"des-ede3-cbc", 24, des.BlockSize, des.NewTripleDESCipher}, true
	}
	return blockCipher{}, false
}

// newTwoKeyTripleDES builds two-key triple DES (K1, K2, K1) from a 16-byte
// key, as pbeWithSHAAnd2-KeyTripleDES-CBC uses it.
func newTwoKeyTripleDES(key []byte) (cipher.Block, error) {
	if len(key) != 16 {
		return nil, fmt.Errorf("pbe: two-key triple des: key is %d bytes, want 16", len(key))
	}
	var k [24]byte
	copy(k[:], key)
	copy(k[16:], key[:8])
	b, err := des.NewTripleDESCipher(k[:])
	clear(k[:])
	return b, err
}

// pkcs12PBEParams is pkcs-12PbeParams of RFC 7292 Appendix C.
type pkcs12PBEParams struct {
	Salt       []byte
	Iterations int
}

// pbes2Params is PBES2-params of RFC 8018 A.4.
type pbes2Params struct {
	KeyDerivationFunc algorithmIdentifier
	EncryptionScheme  algorithmIdentifier
}

// checkCiphertext rejects ciphertexts CBC with padding cannot have
// produced: empty, or not a whole number of blocks.
func checkCiphertext(ciphertext []byte, c blockCipher, what string) error {
	if len(ciphertext) == 0 {
		return fmt.Errorf("pbe: %s: ciphertext is empty", what)
	}
	if len(ciphertext)%c.blockSize != 0 {
		return fmt.Errorf("pbe: %s: ciphertext is %d bytes, not a multiple of the %d-byte %s block", what, len(ciphertext), c.blockSize, c.name)
	}
	return nil
}

// cbcDecrypt decrypts in CBC mode and strips PKCS#7 padding (RFC 8018
// section 6.1.1, RFC 5652 section 6.3). The ciphertext has been checked
// with checkCiphertext and the IV has the block size.
func cbcDecrypt(block cipher.Block, iv, ciphertext []byte, what string) ([]byte, error) {
	out := make([]byte, len(ciphertext))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, ciphertext)

	bs := block.BlockSize()
	n := int(out[len(out)-1])
	if n < 1 || n > bs || n > len(out) {
		clear(out)
		return nil, fmt.Errorf("%w: %s: bad padding (wrong password or corrupt data)", ErrDecryption, what)
	}
	for _, b := range out[len(out)-n:] {
		if int(b) != n {
			clear(out)
			return nil, fmt.Errorf("%w: %s: bad padding (wrong password or corrupt data)", ErrDecryption, what)
		}
	}
	return out[:len(out)-n], nil
}
