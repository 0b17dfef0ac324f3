package pbe

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"fmt"
)

// ComputeMAC computes the MAC a PKCS#12 writer stores in MacData; it is
// the counterpart of [VerifyMAC], which accepts what ComputeMAC returns for
// the same arguments.
//
// macAlgorithm is the DER of the digestAlgorithm AlgorithmIdentifier of
// MacData's DigestInfo, salt and iterations MacData's macSalt and
// iterations (chosen by the caller, the salt at random), message the bytes
// the MAC covers (the value of the authSafe content OCTET STRING). The
// result is the DigestInfo's digest. The algorithms are VerifyMAC's:
//
//   - HMAC (RFC 7292 Appendix B.4) with SHA-1 (what NCA's key stores use),
//     SHA-224, SHA-256, SHA-384 or SHA-512, keyed by the PKCS#12 KDF with
//     ID 3 over the same hash and BMPPassword(pin);
//   - PBMAC1 (RFC 9579): PBKDF2 over the pin's UTF-8 bytes with the
//     parameters' salt, iteration count, keyLength (required) and PRF keys
//     the messageAuthScheme HMAC; salt and iterations are then not used.
//
// An unknown algorithm gives an error wrapping [ErrUnsupported]; malformed
// parameters, an iteration count outside 1..1,000,000 and, for HMAC, a pin
// that is no BMPString give other errors.
func ComputeMAC(macAlgorithm []byte, salt []byte, iterations int, message []byte, pin string) ([]byte, error) {
	alg, err := parseAlgorithmIdentifier(macAlgorithm, "mac algorithm")
	if err != nil {
		return nil, err
	}
	if alg.Algorithm.Equal(oidPBMAC1) {
		return computePBMAC1(alg, message, pin)
	}
	h, ok := digestHash(alg.Algorithm)
	if !ok {
		return nil, unsupported("mac digest algorithm", alg.Algorithm)
	}
	if err := checkIterations(iterations, "mac"); err != nil {
		return nil, err
	}
	password, err := BMPPassword(pin)
	if err != nil {
		return nil, err
	}
	defer clear(password)
	key := Key(h, kdfMAC, password, salt, iterations, h.Size())
	defer clear(key)
	m := hmac.New(h.New, key)
	m.Write(message)
	return m.Sum(nil), nil
}

func computePBMAC1(alg algorithmIdentifier, message []byte, pin string) ([]byte, error) {
	const what = "pbmac1"
	var params pbmac1Params
	if err := unmarshalParams(alg.Parameters, &params, what); err != nil {
		return nil, err
	}
	mac, ok := hmacHash(params.MessageAuthScheme.Algorithm)
	if !ok {
		return nil, unsupported("pbmac1 message authentication scheme", params.MessageAuthScheme.Algorithm)
	}
	kdf := params.KeyDerivationFunc
	if !kdf.Algorithm.Equal(oidPBKDF2) {
		return nil, unsupported("pbmac1 key derivation function", kdf.Algorithm)
	}
	p, err := parsePBKDF2Params(kdf.Parameters, "pbmac1: pbkdf2")
	if err != nil {
		return nil, err
	}
	if p.keyLength == 0 {
		return nil, fmt.Errorf("pbe: pbmac1: pbkdf2 keyLength missing (RFC 9579 requires it)")
	}
	if p.keyLength > maxPBMAC1KeyLength {
		return nil, fmt.Errorf("pbe: pbmac1: pbkdf2 keyLength %d out of range (allowed 1 to %d)", p.keyLength, maxPBMAC1KeyLength)
	}
	key, err := pbkdf2.Key(p.prf.New, pin, p.salt, p.iterations, p.keyLength)
	if err != nil {
		return nil, fmt.Errorf("pbe: pbmac1: pbkdf2: %w", err)
	}
	defer clear(key)
	m := hmac.New(mac.New, key)
	m.Write(message)
	return m.Sum(nil), nil
}
