package pbe

import (
	"bytes"
	"crypto"
	"crypto/cipher"
	"crypto/pbkdf2"
	"fmt"
)

// Encrypt is the inverse of [Decrypt]: it pads plaintext with PKCS#7 and
// encrypts it in CBC mode with the algorithm described by algorithm and pin,
// for a PKCS#12 writer (a shrouded key bag, an encryptedData SafeContents).
//
// algorithm is the complete DER encoding of the AlgorithmIdentifier the
// writer puts in the file, and carries everything that varies: the salt and
// iteration count (and for PBES2 the PRF, the cipher and its IV), which the
// caller chooses, the salt and IV at random. The schemes are those of
// Decrypt:
//
//   - pbeWithSHAAnd3-KeyTripleDES-CBC, pbeWithSHAAnd2-KeyTripleDES-CBC,
//     pbeWithSHAAnd128BitRC2-CBC and pbeWithSHAAnd40BitRC2-CBC of RFC 7292
//     Appendix C (parameters pkcs-12PbeParams), with key and IV from the
//     PKCS#12 KDF over SHA-1 and BMPPassword(pin);
//   - PBES2 of RFC 8018 with PBKDF2 and aes128/192/256-CBC or
//     des-EDE3-CBC, with the pin's UTF-8 bytes as the password.
//
// An algorithm Decrypt does not support gives an error wrapping
// [ErrUnsupported]; malformed parameters, an iteration count outside the
// range Decrypt accepts, a PBES2 IV of the wrong size and, for the PKCS#12
// schemes, a pin that is no BMPString give other errors. Whatever Encrypt returns, Decrypt with the
// same algorithm and pin turns back into plaintext.
func Encrypt(algorithm []byte, plaintext []byte, pin string) ([]byte, error) {
	alg, err := parseAlgorithmIdentifier(algorithm, "encryption algorithm")
	if err != nil {
		return nil, err
	}
	if alg.Algorithm.Equal(oidPBES2) {
		return sealPBES2(alg, plaintext, pin)
	}
	if s, ok := pkcs12Schemes(alg.Algorithm); ok {
		return sealPKCS12(s, alg, plaintext, pin)
	}
	return nil, unsupported("encryption algorithm", alg.Algorithm)
}

func sealPKCS12(c blockCipher, alg algorithmIdentifier, plaintext []byte, pin string) ([]byte, error) {
	what := c.name
	var params pkcs12PBEParams
	if err := unmarshalParams(alg.Parameters, &params, what); err != nil {
		return nil, err
	}
	if err := checkIterations(params.Iterations, what); err != nil {
		return nil, err
	}
	password, err := BMPPassword(pin)
	if err != nil {
		return nil, err
	}
	defer clear(password)

	key := Key(crypto.SHA1, kdfKey, password, params.Salt, params.Iterations, c.keyLen)
	defer clear(key)
	iv := Key(crypto.SHA1, kdfIV, password, params.Salt, params.Iterations, c.blockSize)
	block, err := c.newBlock(key)
	if err != nil {
		return nil, fmt.Errorf("pbe: %s: %w", what, err)
	}
	return padEncryptCBC(block, iv, plaintext), nil
}

func sealPBES2(alg algorithmIdentifier, plaintext []byte, pin string) ([]byte, error) {
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

	key, err := pbkdf2.Key(p.prf.New, pin, p.salt, p.iterations, c.keyLen)
	if err != nil {
		return nil, fmt.Errorf("pbe: pbes2: pbkdf2: %w", err)
	}
	defer clear(key)
	block, err := c.newBlock(key)
	if err != nil {
		return nil, fmt.Errorf("pbe: pbes2: %s: %w", c.name, err)
	}
	return padEncryptCBC(block, iv, plaintext), nil
}

// padEncryptCBC appends PKCS#7 padding (1 to a whole block of bytes, RFC 8018
// section 6.1.1) to plaintext and encrypts it in CBC mode. iv has the block
// size.
func padEncryptCBC(block cipher.Block, iv, plaintext []byte) []byte {
	bs := block.BlockSize()
	n := bs - len(plaintext)%bs
	out := make([]byte, len(plaintext)+n)
	copy(out, plaintext)
	copy(out[len(plaintext):], bytes.Repeat([]byte{byte(n)}, n))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(out, out)
	return out
}
