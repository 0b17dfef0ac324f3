package pbe

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/esfkit/esf/internal/testref"
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

// Bounds on the key derivation one fuzz input may ask for. Decrypt and
// VerifyMAC accept up to maxIterations (a million) iterations, about half
// a second of SHA-1 per input, and a PBMAC1 keyLength up to 256 bytes,
// which multiplies PBKDF2's work; in a fuzzer such inputs take the time and
// add no coverage (the counts are loop bounds), so they are skipped. Real
// files use 1024 (NCA) or 2048 (OpenSSL, go-pkcs12) iterations.
const (
	maxFuzzIterations = 2048
	maxFuzzKeyLength  = 64 // HMAC-SHA-512's key
)

// fuzzCost returns the iteration count and PBKDF2 keyLength an encryption
// or PBMAC1 algorithm identifier asks for, or zeros when it does not parse
// (Decrypt and VerifyMAC then stop before any key derivation).
func fuzzCost(algorithm []byte) (iterations, keyLength int) {
	if sc, err := parseScheme(algorithm); err == nil {
		if sc.pkcs12 != nil {
			return sc.pkcs12.Iterations, 0
		}
		return sc.pbkdf2.iterations, sc.pbkdf2.keyLength
	}
	alg, err := parseAlgorithmIdentifier(algorithm, "fuzz")
	if err != nil || !alg.Algorithm.Equal(oidPBMAC1) {
		return 0, 0
	}
	var params pbmac1Params
	if unmarshalParams(alg.Parameters, &params, "fuzz") != nil {
		return 0, 0
	}
	p, err := parsePBKDF2Params(params.KeyDerivationFunc.Parameters, "fuzz")
	if err != nil {
		return 0, 0
	}
	return p.iterations, p.keyLength
}

func tooCostly(algorithm []byte) bool {
	iterations, keyLength := fuzzCost(algorithm)
	return iterations > maxFuzzIterations || keyLength > maxFuzzKeyLength
}

// withFewIterations returns a seed with its iteration count, 1024 or 2048
// as OpenSSL wrote it (INTEGER 0x0400 or 0x0800), set to 128 (0x0080, as
// long): the same structure at a sixteenth of the cost per run.
func withFewIterations(f *testing.F, seed string) []byte {
	f.Helper()
	alg := mustHex(f, seed)
	for _, n := range [][]byte{{2, 2, 4, 0}, {2, 2, 8, 0}} {
		alg = bytes.Replace(alg, n, []byte{2, 2, 0, 0x80}, 1)
	}
	if it, _ := fuzzCost(alg); it != 128 {
		f.Fatalf("seed %s: %d iterations after the change, want 128", seed, it)
	}
	return alg
}

// FuzzDecrypt decrypts arbitrary ciphertexts with arbitrary algorithm
// identifiers: never a panic; an error comes without plaintext; a
// plaintext is shorter than its ciphertext and encrypts back to exactly it
// (CBC with the scheme's own IV is deterministic); and whatever Encrypt
// makes of the input, Decrypt turns back into it.
func FuzzDecrypt(f *testing.F) {
	testref.LimitFuzzMinimization(f)
	block8 := make([]byte, 16)
	block16 := make([]byte, 32)
	for _, s := range []string{seedRC240, seed3DES, seed2DES, seedRC2128, seedAES256, seedAES128SHA1, seedAES192, seedDES3} {
		alg := withFewIterations(f, s)
		f.Add(alg, block8, "1234")
		f.Add(alg, block16, "")
		f.Add(alg[:len(alg)/2], block8, "Құпия")
		if ct, err := Encrypt(alg, []byte("plain text"), "1234"); err == nil {
			f.Add(alg, ct, "1234") // decrypts
		}
	}
	f.Fuzz(func(t *testing.T, algorithm, ciphertext []byte, pin string) {
		if tooCostly(algorithm) {
			t.Skip("iteration count or keyLength beyond the fuzz bounds")
		}
		out, err := Decrypt(algorithm, ciphertext, pin)
		switch {
		case err != nil && (out != nil || !strings.HasPrefix(err.Error(), "pbe: ")):
			t.Fatalf("Decrypt returned %d bytes with error %q", len(out), err)
		case err == nil && len(out) >= len(ciphertext):
			// Padding of at least one byte was removed.
			t.Fatalf("Decrypt returned %d bytes from a %d-byte ciphertext", len(out), len(ciphertext))
		case err == nil:
			again, err := Encrypt(algorithm, out, pin)
			if err != nil || !bytes.Equal(again, ciphertext) {
				t.Fatalf("the plaintext does not encrypt back to the ciphertext: %v", err)
			}
		}
		sealed, err := Encrypt(algorithm, ciphertext, pin)
		if err != nil {
			return
		}
		back, err := Decrypt(algorithm, sealed, pin)
		if err != nil || !bytes.Equal(back, ciphertext) {
			t.Fatalf("Decrypt does not undo Encrypt: %v", err)
		}
	})
}

// FuzzVerifyMAC checks arbitrary MACs against ComputeMAC: never a panic,
// no error both a mismatch and unsupported, and VerifyMAC accepts a digest
// exactly when it is what ComputeMAC computes for the same arguments; a
// digest of the right length that differs is ErrMACMismatch.
func FuzzVerifyMAC(f *testing.F) {
	testref.LimitFuzzMinimization(f)
	msg := []byte("message")
	f.Add(mustHex(f, seedMACSHA1), make([]byte, 20), []byte("salt"), 128, msg, "1234")
	f.Add(mustHex(f, seedMACSHA256), make([]byte, 32), []byte("salt"), 128, msg, "")
	f.Add(mustHex(f, seedMACPBMAC1), mustHex(f, seedPBMAC1Value), []byte("NOT USED"), 1, msg, "1234")
	if mac, err := ComputeMAC(mustHex(f, seedMACSHA1), []byte("salt"), 128, msg, "1234"); err == nil {
		f.Add(mustHex(f, seedMACSHA1), mac, []byte("salt"), 128, msg, "1234") // matches
	}
	f.Fuzz(func(t *testing.T, algorithm, digest, salt []byte, iterations int, message []byte, pin string) {
		if tooCostly(algorithm) || iterations > maxFuzzIterations && iterations <= maxIterations {
			t.Skip("iteration count or keyLength beyond the fuzz bounds")
		}
		err := VerifyMAC(algorithm, digest, salt, iterations, message, pin)
		if errors.Is(err, ErrMACMismatch) && errors.Is(err, ErrUnsupported) {
			t.Fatalf("error %v is both a mismatch and unsupported", err)
		}
		want, cerr := ComputeMAC(algorithm, salt, iterations, message, pin)
		switch {
		case cerr != nil:
			if err == nil {
				t.Fatalf("VerifyMAC accepted what ComputeMAC refuses (%v)", cerr)
			}
		case bytes.Equal(digest, want):
			if err != nil {
				t.Fatalf("VerifyMAC refused the MAC ComputeMAC made: %v", err)
			}
		case err == nil:
			t.Fatalf("VerifyMAC accepted %x; the MAC is %x", digest, want)
		case len(digest) == len(want) && !errors.Is(err, ErrMACMismatch):
			t.Fatalf("a wrong digest of the right length gave %v, want ErrMACMismatch", err)
		}
		if cerr == nil {
			if err := VerifyMAC(algorithm, want, salt, iterations, message, pin); err != nil {
				t.Fatalf("VerifyMAC refused the MAC ComputeMAC made: %v", err)
			}
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
