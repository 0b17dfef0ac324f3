package pbe

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/hmac"
	"crypto/pbkdf2"
	"encoding/asn1"
	"errors"
	"strings"
	"testing"
)

// pad appends PKCS#7 padding for block size bs.
func pad(plain []byte, bs int) []byte {
	n := bs - len(plain)%bs
	return append(bytes.Clone(plain), bytes.Repeat([]byte{byte(n)}, n)...)
}

func cbcEncrypt(t testing.TB, block cipher.Block, iv, padded []byte) []byte {
	t.Helper()
	out := make([]byte, len(padded))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(out, padded)
	return out
}

// pkcs12Alg builds a pkcs-12PbeParams AlgorithmIdentifier.
func pkcs12Alg(t testing.TB, oid asn1.ObjectIdentifier, salt []byte, iterations int) []byte {
	t.Helper()
	return mustMarshal(t, testAlgID{oid, rawOf(mustMarshal(t, pkcs12PBEParams{salt, iterations}))})
}

// encryptPKCS12 encrypts already-padded data the way RFC 7292 Appendix C
// describes, independently of Decrypt's code paths (but with Key and the
// RC2 cipher, which have their own known-answer tests).
func encryptPKCS12(t testing.TB, oid asn1.ObjectIdentifier, pin string, salt []byte, iterations int, padded []byte) []byte {
	t.Helper()
	pw := mustBMP(t, pin)
	var block cipher.Block
	var err error
	switch {
	case oid.Equal(oidPBEWithSHAAnd3KeyTripleDESCBC):
		block, err = des.NewTripleDESCipher(Key(crypto.SHA1, 1, pw, salt, iterations, 24))
	case oid.Equal(oidPBEWithSHAAnd2KeyTripleDESCBC):
		k := Key(crypto.SHA1, 1, pw, salt, iterations, 16)
		block, err = des.NewTripleDESCipher(append(k, k[:8]...))
	case oid.Equal(oidPBEWithSHAAnd128BitRC2CBC):
		block, err = NewRC2Cipher(Key(crypto.SHA1, 1, pw, salt, iterations, 16), 128)
	case oid.Equal(oidPBEWithSHAAnd40BitRC2CBC):
		block, err = NewRC2Cipher(Key(crypto.SHA1, 1, pw, salt, iterations, 5), 40)
	default:
		t.Fatalf("encryptPKCS12: no scheme %v", oid)
	}
	if err != nil {
		t.Fatal(err)
	}
	return cbcEncrypt(t, block, Key(crypto.SHA1, 2, pw, salt, iterations, 8), padded)
}

// pbes2Alg builds a PBES2 AlgorithmIdentifier. A nil iv omits the
// encryption scheme parameters.
func pbes2Alg(t testing.TB, kdf testPBKDF2Params, enc asn1.ObjectIdentifier, iv []byte) []byte {
	t.Helper()
	encID := testAlgID{Algorithm: enc}
	if iv != nil {
		encID.Parameters = rawOf(mustMarshal(t, iv))
	}
	return mustMarshal(t, testAlgID{oidPBES2, rawOf(mustMarshal(t, testPairParams{
		testAlgID{oidPBKDF2, rawOf(mustMarshal(t, kdf))},
		encID,
	}))})
}

func encryptPBES2(t testing.TB, prf crypto.Hash, enc asn1.ObjectIdentifier, pin string, salt []byte, iterations int, iv, padded []byte) []byte {
	t.Helper()
	c, ok := pbes2Schemes(enc)
	if !ok {
		t.Fatalf("encryptPBES2: no scheme %v", enc)
	}
	key, err := pbkdf2.Key(prf.New, pin, salt, iterations, c.keyLen)
	if err != nil {
		t.Fatal(err)
	}
	var block cipher.Block
	if c.blockSize == aes.BlockSize {
		block, err = aes.NewCipher(key)
	} else {
		block, err = des.NewTripleDESCipher(key)
	}
	if err != nil {
		t.Fatal(err)
	}
	return cbcEncrypt(t, block, iv, padded)
}

// TestDecryptRoundTrip encrypts with each scheme by hand and decrypts,
// including plaintexts whose padding is a whole block.
func TestDecryptRoundTrip(t *testing.T) {
	salt := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	const pin = "Құпия-1234"
	pkcs12 := []struct {
		name string
		oid  asn1.ObjectIdentifier
	}{
		{"3-key 3des", oidPBEWithSHAAnd3KeyTripleDESCBC},
		{"2-key 3des", oidPBEWithSHAAnd2KeyTripleDESCBC},
		{"rc2-128", oidPBEWithSHAAnd128BitRC2CBC},
		{"rc2-40", oidPBEWithSHAAnd40BitRC2CBC},
	}
	for _, s := range pkcs12 {
		for _, n := range []int{0, 1, 7, 8, 100} {
			plain := bytes.Repeat([]byte{0xa5}, n)
			t.Run(s.name+" "+strings.Repeat("x", n%9), func(t *testing.T) {
				ct := encryptPKCS12(t, s.oid, pin, salt, 1024, pad(plain, 8))
				got, err := Decrypt(pkcs12Alg(t, s.oid, salt, 1024), ct, pin)
				if err != nil {
					t.Fatalf("Decrypt: %v", err)
				}
				if !bytes.Equal(got, plain) {
					t.Errorf("Decrypt = %x, want %x", got, plain)
				}
			})
		}
	}

	pbes2 := []struct {
		name      string
		enc       asn1.ObjectIdentifier
		prf       crypto.Hash
		prfOID    asn1.ObjectIdentifier // nil: omitted
		keyLength int
		ivLen     int
	}{
		{"aes128 default prf", oidAES128CBC, crypto.SHA1, nil, 0, 16},
		{"aes192 sha224", oidAES192CBC, crypto.SHA224, oidHMACWithSHA224, 0, 16},
		{"aes256 sha256 explicit keyLength", oidAES256CBC, crypto.SHA256, oidHMACWithSHA256, 32, 16},
		{"des-ede3 sha384", oidDESEDE3CBC, crypto.SHA384, oidHMACWithSHA384, 24, 8},
		{"aes256 sha512", oidAES256CBC, crypto.SHA512, oidHMACWithSHA512, 0, 16},
	}
	for _, s := range pbes2 {
		t.Run("pbes2 "+s.name, func(t *testing.T) {
			iv := bytes.Repeat([]byte{0x3c}, s.ivLen)
			plain := []byte("a PKCS#8 PrivateKeyInfo would be here")
			params := testPBKDF2Params{Salt: salt, Iterations: 2048, KeyLength: s.keyLength}
			if s.prfOID != nil {
				params.PRF = testAlgID{s.prfOID, asn1NULL}
			}
			ct := encryptPBES2(t, s.prf, s.enc, pin, salt, 2048, iv, pad(plain, s.ivLen))
			got, err := Decrypt(pbes2Alg(t, params, s.enc, iv), ct, pin)
			if err != nil {
				t.Fatalf("Decrypt: %v", err)
			}
			if !bytes.Equal(got, plain) {
				t.Errorf("Decrypt = %q, want %q", got, plain)
			}
		})
	}
}

func TestDecryptMalformed(t *testing.T) {
	salt := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	iv16 := bytes.Repeat([]byte{7}, 16)
	const pin = "1234"
	good3DES := pkcs12Alg(t, oidPBEWithSHAAnd3KeyTripleDESCBC, salt, 1024)
	goodCT := encryptPKCS12(t, oidPBEWithSHAAnd3KeyTripleDESCBC, pin, salt, 1024, pad([]byte("hello"), 8))
	aesParams := testPBKDF2Params{Salt: salt, Iterations: 1000, PRF: testAlgID{oidHMACWithSHA256, asn1NULL}}
	aesCT := encryptPBES2(t, crypto.SHA256, oidAES256CBC, pin, salt, 1000, iv16, pad([]byte("hello"), 16))
	with := func(f func(*testPBKDF2Params)) testPBKDF2Params {
		p := aesParams
		f(&p)
		return p
	}

	tests := []struct {
		name            string
		alg, ct         []byte
		pin             string
		wantIs          error // nil: must be neither ErrDecryption nor ErrUnsupported
		wantMsg         string
		wantNotContains string
	}{
		// DER of the AlgorithmIdentifier itself.
		{name: "empty algorithm", alg: nil, ct: goodCT, wantMsg: "malformed algorithm identifier"},
		{name: "truncated algorithm", alg: good3DES[:len(good3DES)-3], ct: goodCT, wantMsg: "malformed algorithm identifier"},
		{name: "truncated to the tag", alg: good3DES[:1], ct: goodCT, wantMsg: "malformed algorithm identifier"},
		{name: "trailing data", alg: append(bytes.Clone(good3DES), 0), ct: goodCT, wantMsg: "trailing data"},
		{name: "not a sequence", alg: mustMarshal(t, []byte("x")), ct: goodCT, wantMsg: "malformed algorithm identifier"},
		{name: "garbage", alg: []byte{0x30, 0x84, 0xff, 0xff, 0xff, 0xff}, ct: goodCT, wantMsg: "malformed algorithm identifier"},

		// Unknown algorithms.
		{name: "unknown oid", alg: mustMarshal(t, testAlgID{Algorithm: asn1.ObjectIdentifier{1, 2, 3, 4}}), ct: goodCT, wantIs: ErrUnsupported, wantMsg: "1.2.3.4"},
		{name: "pkcs12 rc4", alg: pkcs12Alg(t, oidPBEWithSHAAnd128BitRC4, salt, 1024), ct: goodCT, wantIs: ErrUnsupported, wantMsg: "1.2.840.113549.1.12.1.1"},
		{name: "pbes2 aes-gcm", alg: pbes2Alg(t, aesParams, asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 46}, iv16), ct: aesCT, wantIs: ErrUnsupported, wantMsg: "2.16.840.1.101.3.4.1.46"},
		{name: "pbes2 scrypt", alg: mustMarshal(t, testAlgID{oidPBES2, rawOf(mustMarshal(t, testPairParams{
			testAlgID{asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11591, 4, 11}, rawOf(mustMarshal(t, aesParams))},
			testAlgID{oidAES256CBC, rawOf(mustMarshal(t, iv16))},
		}))}), ct: aesCT, wantIs: ErrUnsupported, wantMsg: "1.3.6.1.4.1.11591.4.11"},
		{name: "pbes2 unknown prf", alg: pbes2Alg(t, with(func(p *testPBKDF2Params) { p.PRF.Algorithm = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 5} }), oidAES256CBC, iv16), ct: aesCT, wantIs: ErrUnsupported, wantMsg: "1.2.840.113549.2.5"},

		// Iteration counts.
		{name: "pkcs12 iterations zero", alg: pkcs12Alg(t, oidPBEWithSHAAnd3KeyTripleDESCBC, salt, 0), ct: goodCT, wantMsg: "iteration count 0 out of range"},
		{name: "pkcs12 iterations huge", alg: pkcs12Alg(t, oidPBEWithSHAAnd3KeyTripleDESCBC, salt, 100_000_000), ct: goodCT, wantMsg: "iteration count 100000000 out of range"},
		{name: "pkcs12 iterations negative", alg: pkcs12Alg(t, oidPBEWithSHAAnd40BitRC2CBC, salt, -5), ct: goodCT, wantMsg: "iteration count -5"},
		{name: "pkcs12 iterations beyond int64", alg: mustMarshal(t, testAlgID{oidPBEWithSHAAnd3KeyTripleDESCBC, rawOf(mustMarshal(t, struct {
			Salt       []byte
			Iterations asn1.RawValue
		}{salt, asn1.RawValue{Tag: asn1.TagInteger, Bytes: bytes.Repeat([]byte{0x7f}, 20)}}))}), ct: goodCT, wantMsg: "malformed parameters"},
		{name: "pbes2 iterations zero", alg: pbes2Alg(t, with(func(p *testPBKDF2Params) { p.Iterations = 0 }), oidAES256CBC, iv16), ct: aesCT, wantMsg: "iteration count 0 out of range"},
		{name: "pbes2 iterations huge", alg: pbes2Alg(t, with(func(p *testPBKDF2Params) { p.Iterations = 100_000_000 }), oidAES256CBC, iv16), ct: aesCT, wantMsg: "iteration count 100000000 out of range"},

		// Parameters.
		{name: "pkcs12 parameters missing", alg: mustMarshal(t, testAlgID{Algorithm: oidPBEWithSHAAnd3KeyTripleDESCBC}), ct: goodCT, wantMsg: "parameters missing"},
		{name: "pkcs12 parameters null", alg: mustMarshal(t, testAlgID{oidPBEWithSHAAnd3KeyTripleDESCBC, asn1NULL}), ct: goodCT, wantMsg: "malformed parameters"},
		{name: "pbes2 parameters missing", alg: mustMarshal(t, testAlgID{Algorithm: oidPBES2}), ct: aesCT, wantMsg: "parameters missing"},
		{name: "pbes2 iv missing", alg: pbes2Alg(t, aesParams, oidAES256CBC, nil), ct: aesCT, wantMsg: "parameters missing"},
		{name: "pbes2 iv too short", alg: pbes2Alg(t, aesParams, oidAES256CBC, iv16[:8]), ct: aesCT, wantMsg: "iv is 8 bytes, aes256-cbc needs 16"},
		{name: "pbes2 3des iv too long", alg: pbes2Alg(t, aesParams, oidDESEDE3CBC, iv16), ct: goodCT, wantMsg: "iv is 16 bytes, des-ede3-cbc needs 8"},
		{name: "pbes2 keyLength mismatch", alg: pbes2Alg(t, with(func(p *testPBKDF2Params) { p.KeyLength = 16 }), oidAES256CBC, iv16), ct: aesCT, wantMsg: "keyLength is 16, aes256-cbc needs 32"},
		{name: "pbes2 keyLength negative", alg: pbes2Alg(t, with(func(p *testPBKDF2Params) { p.KeyLength = -32 }), oidAES256CBC, iv16), ct: aesCT, wantMsg: "keyLength -32 is not positive"},
		{name: "pbes2 pbkdf2 params not a sequence", alg: mustMarshal(t, testAlgID{oidPBES2, rawOf(mustMarshal(t, testPairParams{
			testAlgID{oidPBKDF2, rawOf(mustMarshal(t, 5))},
			testAlgID{oidAES256CBC, rawOf(mustMarshal(t, iv16))},
		}))}), ct: aesCT, wantMsg: "not a SEQUENCE"},
		{name: "pbes2 salt wrong type", alg: mustMarshal(t, testAlgID{oidPBES2, rawOf(mustMarshal(t, testPairParams{
			testAlgID{oidPBKDF2, rawOf(mustMarshal(t, struct{ Salt, Iterations int }{8, 1000}))},
			testAlgID{oidAES256CBC, rawOf(mustMarshal(t, iv16))},
		}))}), ct: aesCT, wantMsg: "salt is not an OCTET STRING"},
		{name: "pbes2 pbkdf2 params one field", alg: mustMarshal(t, testAlgID{oidPBES2, rawOf(mustMarshal(t, testPairParams{
			testAlgID{oidPBKDF2, rawOf(mustMarshal(t, struct{ Salt []byte }{salt}))},
			testAlgID{oidAES256CBC, rawOf(mustMarshal(t, iv16))},
		}))}), ct: aesCT, wantMsg: "1 field(s), want 2 to 4"},

		// Ciphertext shape.
		{name: "empty ciphertext", alg: good3DES, ct: nil, wantMsg: "ciphertext is empty"},
		{name: "ciphertext not a multiple of the block", alg: good3DES, ct: goodCT[:len(goodCT)-1], wantMsg: "ciphertext is 7 bytes, not a multiple of the 8-byte"},
		{name: "aes ciphertext of one des block", alg: pbes2Alg(t, aesParams, oidAES256CBC, iv16), ct: goodCT, wantMsg: "not a multiple of the 16-byte"},

		// Padding.
		{name: "padding byte zero", alg: good3DES, ct: encryptPKCS12(t, oidPBEWithSHAAnd3KeyTripleDESCBC, pin, salt, 1024, []byte("1234567\x00")), wantIs: ErrDecryption, wantMsg: "bad padding"},
		{name: "padding byte too large", alg: good3DES, ct: encryptPKCS12(t, oidPBEWithSHAAnd3KeyTripleDESCBC, pin, salt, 1024, []byte("1234567\x09")), wantIs: ErrDecryption, wantMsg: "bad padding"},
		{name: "padding bytes inconsistent", alg: good3DES, ct: encryptPKCS12(t, oidPBEWithSHAAnd3KeyTripleDESCBC, pin, salt, 1024, []byte("12345\x03\x02\x03")), wantIs: ErrDecryption, wantMsg: "bad padding"},
		{name: "aes padding beyond block", alg: pbes2Alg(t, aesParams, oidAES256CBC, iv16), ct: encryptPBES2(t, crypto.SHA256, oidAES256CBC, pin, salt, 1000, iv16, bytes.Repeat([]byte{17}, 16)), wantIs: ErrDecryption, wantMsg: "bad padding"},

		// Passwords.
		{name: "pin outside bmp", alg: good3DES, ct: goodCT, pin: "12😀", wantMsg: "U+1F600"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := pin
			if tt.pin != "" {
				p = tt.pin
			}
			out, err := Decrypt(tt.alg, tt.ct, p)
			if err == nil {
				t.Fatalf("Decrypt succeeded with %x", out)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("Decrypt error %v, want one wrapping %v", err, tt.wantIs)
			}
			if tt.wantIs == nil && (errors.Is(err, ErrDecryption) || errors.Is(err, ErrUnsupported)) {
				t.Errorf("Decrypt error %v should be a plain malformed-input error", err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("Decrypt error %q does not mention %q", err, tt.wantMsg)
			}
			if !strings.HasPrefix(err.Error(), "pbe: ") {
				t.Errorf("Decrypt error %q lacks the pbe: prefix", err)
			}
		})
	}

	t.Run("good inputs decrypt", func(t *testing.T) {
		// The fixtures above differ from these only in the broken part.
		if got, err := Decrypt(good3DES, goodCT, pin); err != nil || string(got) != "hello" {
			t.Errorf("Decrypt 3des = %q, %v", got, err)
		}
		if got, err := Decrypt(pbes2Alg(t, aesParams, oidAES256CBC, iv16), aesCT, pin); err != nil || string(got) != "hello" {
			t.Errorf("Decrypt aes = %q, %v", got, err)
		}
	})
}

func TestVerifyMACHMACMalformed(t *testing.T) {
	message := []byte("authSafe")
	salt := []byte{9, 8, 7, 6, 5, 4, 3, 2}
	sha1Alg := mustMarshal(t, testAlgID{oidSHA1, asn1NULL})
	digest20 := make([]byte, 20)

	tests := []struct {
		name            string
		alg, digest     []byte
		iterations      int
		pin             string
		wantUnsupported bool
		wantMsg         string
	}{
		{"empty algorithm", nil, digest20, 1024, "1234", false, "malformed algorithm identifier"},
		{"truncated algorithm", sha1Alg[:5], digest20, 1024, "1234", false, "malformed algorithm identifier"},
		{"trailing data", append(bytes.Clone(sha1Alg), 5, 0), digest20, 1024, "1234", false, "trailing data"},
		{"md5", mustMarshal(t, testAlgID{asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 5}, asn1NULL}), make([]byte, 16), 1024, "1234", true, "1.2.840.113549.2.5"},
		{"iterations zero", sha1Alg, digest20, 0, "1234", false, "iteration count 0 out of range"},
		{"iterations huge", sha1Alg, digest20, 100_000_000, "1234", false, "iteration count 100000000 out of range"},
		{"digest wrong length", sha1Alg, make([]byte, 32), 1024, "1234", false, "digest is 32 bytes, hmac-sha1 gives 20"},
		{"pin outside bmp", sha1Alg, digest20, 1024, "😀", false, "U+1F600"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifyMAC(tt.alg, tt.digest, salt, tt.iterations, message, tt.pin)
			if err == nil {
				t.Fatal("VerifyMAC succeeded")
			}
			if errors.Is(err, ErrMACMismatch) {
				t.Fatalf("VerifyMAC = %v; malformed input must not look like a wrong password", err)
			}
			if got := errors.Is(err, ErrUnsupported); got != tt.wantUnsupported {
				t.Errorf("errors.Is(%v, ErrUnsupported) = %v, want %v", err, got, tt.wantUnsupported)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tt.wantMsg)
			}
		})
	}

	t.Run("digest algorithm without parameters", func(t *testing.T) {
		// RFC 7292 writers put NULL there, but absent parameters are fine.
		for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256, crypto.SHA512} {
			oid := map[crypto.Hash]asn1.ObjectIdentifier{crypto.SHA1: oidSHA1, crypto.SHA256: oidSHA256, crypto.SHA512: oidSHA512}[h]
			m := hmac.New(h.New, Key(h, 3, mustBMP(t, "1234"), salt, 1024, h.Size()))
			m.Write(message)
			if err := VerifyMAC(mustMarshal(t, testAlgID{Algorithm: oid}), m.Sum(nil), salt, 1024, message, "1234"); err != nil {
				t.Errorf("%v: VerifyMAC: %v", h, err)
			}
		}
	})
}
