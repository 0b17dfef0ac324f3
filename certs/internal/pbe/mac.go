package pbe

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"fmt"
	"hash"
)

// VerifyMAC checks the MacData of a PKCS#12 PFX against pin.
//
// macAlgorithm is the DER of the digestAlgorithm AlgorithmIdentifier inside
// MacData's DigestInfo, digest the MAC value stored next to it, salt and
// iterations MacData's macSalt and iterations, and message the bytes the MAC
// covers: the value of the authSafe content OCTET STRING.
//
// Two kinds of MAC are supported:
//
//   - HMAC (RFC 7292 MacData, Appendix B.4) with SHA-1, SHA-224, SHA-256,
//     SHA-384 or SHA-512 (digest OIDs 1.3.14.3.2.26 and
//     2.16.840.1.101.3.4.2.4/1/2/3), keyed by the PKCS#12 KDF with ID 3 over
//     the same hash, a key as long as the hash output, salt, iterations and
//     the password BMPPassword(pin);
//   - PBMAC1 (1.2.840.113549.1.5.14, RFC 8018 and RFC 9579): PBKDF2 over the
//     pin's UTF-8 bytes with the salt, iteration count, keyLength and PRF of
//     its parameters gives the key of the messageAuthScheme HMAC. RFC 9579
//     requires keyLength to be present. MacData's own salt and iterations
//     are ignored, as RFC 9579 says (writers put "NOT USED" and 1 there).
//
// The comparison is constant-time. VerifyMAC returns nil when the MAC
// matches and [ErrMACMismatch] when it does not (wrong pin or altered data).
// A malformed or unsupported algorithm gives another error, wrapping
// [ErrUnsupported] when that is the cause; so does a digest whose length is
// not the HMAC's output size, which no pin could match.
func VerifyMAC(macAlgorithm []byte, digest, salt []byte, iterations int, message []byte, pin string) error {
	alg, err := parseAlgorithmIdentifier(macAlgorithm, "mac algorithm")
	if err != nil {
		return err
	}
	if alg.Algorithm.Equal(oidPBMAC1) {
		return verifyPBMAC1(alg, digest, message, pin)
	}

	// Parameters of the digest algorithm (NULL or absent) are ignored.
	h, ok := digestHash(alg.Algorithm)
	if !ok {
		return unsupported("mac digest algorithm", alg.Algorithm)
	}
	if err := checkIterations(iterations, "mac"); err != nil {
		return err
	}
	if len(digest) != h.Size() {
		return fmt.Errorf("pbe: mac: digest is %d bytes, hmac-%s gives %d", len(digest), hashName(h), h.Size())
	}
	password, err := BMPPassword(pin)
	if err != nil {
		return err
	}
	defer clear(password)
	key := Key(h, kdfMAC, password, salt, iterations, h.Size())
	defer clear(key)
	return compareHMAC(h.New, key, message, digest)
}

// pbmac1Params is PBMAC1-params of RFC 8018 A.5.
type pbmac1Params struct {
	KeyDerivationFunc algorithmIdentifier
	MessageAuthScheme algorithmIdentifier
}

func verifyPBMAC1(alg algorithmIdentifier, digest, message []byte, pin string) error {
	const what = "pbmac1"
	var params pbmac1Params
	if err := unmarshalParams(alg.Parameters, &params, what); err != nil {
		return err
	}
	mac, ok := hmacHash(params.MessageAuthScheme.Algorithm)
	if !ok {
		return unsupported("pbmac1 message authentication scheme", params.MessageAuthScheme.Algorithm)
	}
	kdf := params.KeyDerivationFunc
	if !kdf.Algorithm.Equal(oidPBKDF2) {
		return unsupported("pbmac1 key derivation function", kdf.Algorithm)
	}
	p, err := parsePBKDF2Params(kdf.Parameters, "pbmac1: pbkdf2")
	if err != nil {
		return err
	}
	if p.keyLength == 0 {
		return fmt.Errorf("pbe: pbmac1: pbkdf2 keyLength missing (RFC 9579 requires it)")
	}
	if p.keyLength > maxPBMAC1KeyLength {
		return fmt.Errorf("pbe: pbmac1: pbkdf2 keyLength %d out of range (allowed 1 to %d)", p.keyLength, maxPBMAC1KeyLength)
	}
	if len(digest) != mac.Size() {
		return fmt.Errorf("pbe: pbmac1: digest is %d bytes, hmac-%s gives %d", len(digest), hashName(mac), mac.Size())
	}

	key, err := pbkdf2.Key(p.prf.New, pin, p.salt, p.iterations, p.keyLength)
	if err != nil {
		return fmt.Errorf("pbe: pbmac1: pbkdf2: %w", err)
	}
	defer clear(key)
	return compareHMAC(mac.New, key, message, digest)
}

// compareHMAC computes HMAC(key, message) with hash newHash and compares it
// with want in constant time.
func compareHMAC(newHash func() hash.Hash, key, message, want []byte) error {
	m := hmac.New(newHash, key)
	m.Write(message)
	if !hmac.Equal(m.Sum(nil), want) {
		return ErrMACMismatch
	}
	return nil
}
