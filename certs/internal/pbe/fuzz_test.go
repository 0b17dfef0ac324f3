package pbe

import (
	"encoding/hex"
	"errors"
	"testing"
)

// Algorithm identifiers copied from files OpenSSL 3.0 wrote (pkcs12 -export
// with and without -legacy, pkcs8 -topk8 -v1/-v2) and from RFC 9579 A.1.
var (
	seedRC240       = "301c060a2a864886f70d010c0106300e0408cbf9a7a74ecf6a8402020400"
	seed3DES        = "301c060a2a864886f70d010c0103300e040861eb60759e1fb06902020400"
	seed2DES        = "301c060a2a864886f70d010c0104300e040841d02fd56c23da2302020800"
	seedRC2128      = "301c060a2a864886f70d010c0105300e0408c304efead1d3d9ce02020800"
	seedAES256      = "305706092a864886f70d01050d304a302906092a864886f70d01050c301c0408db195e0770b142c802020800300c06082a864886f70d02090500301d060960864801650304012a04100ff2413cceb934e644ac992a8cb5a221"
	seedAES128SHA1  = "304906092a864886f70d01050d303c301b06092a864886f70d01050c300e04083f21e71b80e884c802020800301d06096086480165030401020410bdf14c62604afa717d5849b219faad07"
	seedAES192      = "305706092a864886f70d01050d304a302906092a864886f70d01050c301c0408588353d48f57297c02020800300c06082a864886f70d020a0500301d06096086480165030401160410ee6c012260720f71c9f51d48ec00afa4"
	seedDES3        = "304e06092a864886f70d01050d3041302906092a864886f70d01050c301c04081c2ea7cb190482b502020800300c06082a864886f70d020b0500301406082a864886f70d03070408fbf3134de1668aeb"
	seedMACSHA1     = "300906052b0e03021a0500"
	seedMACSHA256   = "300d06096086480165030402010500"
	seedMACPBMAC1   = "304906092a864886f70d01050e303c302c06092a864886f70d01050c301f04086f473c38b02e317302020800020120300c06082a864886f70d02090500300c06082a864886f70d02090500"
	seedPBMAC1Value = "7aa56d8539d702363f3bcd2eb83545c6dfa2b96970e714772d224e417f8906dd"
)

func FuzzDecrypt(f *testing.F) {
	block8 := make([]byte, 16)
	block16 := make([]byte, 32)
	for _, s := range []string{seedRC240, seed3DES, seed2DES, seedRC2128, seedAES256, seedAES128SHA1, seedAES192, seedDES3} {
		alg := mustHex(f, s)
		f.Add(alg, block8, "1234")
		f.Add(alg, block16, "")
		f.Add(alg[:len(alg)/2], block8, "Құпия")
	}
	f.Fuzz(func(t *testing.T, algorithm, ciphertext []byte, pin string) {
		out, err := Decrypt(algorithm, ciphertext, pin)
		if err != nil {
			if out != nil {
				t.Errorf("Decrypt returned %d bytes with error %v", len(out), err)
			}
			return
		}
		// Padding of at least one byte was removed.
		if len(out) >= len(ciphertext) {
			t.Errorf("Decrypt returned %d bytes from a %d-byte ciphertext", len(out), len(ciphertext))
		}
	})
}

func FuzzVerifyMAC(f *testing.F) {
	msg := []byte("message")
	f.Add(mustHex(f, seedMACSHA1), make([]byte, 20), []byte("salt"), 1024, msg, "1234")
	f.Add(mustHex(f, seedMACSHA256), make([]byte, 32), []byte("salt"), 2048, msg, "")
	f.Add(mustHex(f, seedMACPBMAC1), mustHex(f, seedPBMAC1Value), []byte("NOT USED"), 1, msg, "1234")
	f.Fuzz(func(t *testing.T, algorithm, digest, salt []byte, iterations int, message []byte, pin string) {
		err := VerifyMAC(algorithm, digest, salt, iterations, message, pin)
		if err != nil && errors.Is(err, ErrMACMismatch) && errors.Is(err, ErrUnsupported) {
			t.Errorf("error %v is both a mismatch and unsupported", err)
		}
	})
}

// TestFuzzSeedsAreValid makes sure the seeds are what they claim: each
// parses and names a supported algorithm.
func TestFuzzSeedsAreValid(t *testing.T) {
	for name, s := range map[string]string{
		"rc2-40": seedRC240, "3des": seed3DES, "2des": seed2DES, "rc2-128": seedRC2128,
		"aes256": seedAES256, "aes128 sha1": seedAES128SHA1, "aes192": seedAES192, "des3": seedDES3,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Decrypt(mustHex(t, s), make([]byte, 16), "1234")
			if err != nil && !errors.Is(err, ErrDecryption) {
				t.Errorf("Decrypt with seed: %v; want success or ErrDecryption", err)
			}
		})
	}
	if _, err := hex.DecodeString(seedPBMAC1Value); err != nil {
		t.Fatal(err)
	}
}
