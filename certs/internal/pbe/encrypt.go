package pbe

import (
	"bytes"
	"crypto/cipher"
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
	sc, err := parseScheme(algorithm)
	if err != nil {
		return nil, err
	}
	block, iv, err := sc.cipher(pin)
	if err != nil {
		return nil, err
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
