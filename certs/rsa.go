package certs

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"fmt"
	"math/big"
)

// verifyRSA checks an RSASSA-PKCS1-v1_5 signature (RFC 8017 §8.2.2) of
// digest, made with hash h, as rsa.VerifyPKCS1v15 does. For moduli over
// 2048 bits — NCA's CAs sign with RSA 4096 — it computes sig^e mod n with
// math/big and compares the encoded message byte for byte: crypto/rsa
// prepares the modulus again at every call, which for 4096 bits is two
// thirds of a verification (~295 µs against ~105 µs here). A public
// operation on public data needs no constant time. Every other key, and
// every key crypto/rsa would refuse, goes to crypto/rsa. TestVerifyRSA and
// FuzzVerifyRSA hold the two to the same answers.
func verifyRSA(k *rsa.PublicKey, h crypto.Hash, digest, sig []byte) error {
	prefix, known := digestInfoPrefixes[h]
	if !known || k == nil || k.N == nil || k.N.BitLen() <= 2048 || k.N.BitLen() > 16384 || k.N.Bit(0) == 0 ||
		k.E < 3 || k.E > 1<<31-1 || k.E&1 == 0 || len(digest) != h.Size() {
		return rsa.VerifyPKCS1v15(k, h, digest, sig)
	}
	size := (k.N.BitLen() + 7) / 8
	if len(sig) != size {
		return fmt.Errorf("%w: %d bytes, the modulus has %d", rsa.ErrVerification, len(sig), size)
	}
	s := new(big.Int).SetBytes(sig)
	if s.Cmp(k.N) >= 0 {
		return rsa.ErrVerification
	}
	em := s.Exp(s, big.NewInt(int64(k.E)), k.N).FillBytes(make([]byte, size))
	// EM = 0x00 || 0x01 || PS (0xff…, at least 8) || 0x00 || DigestInfo.
	tLen := len(prefix) + len(digest)
	if size < tLen+11 {
		return rsa.ErrVerification
	}
	want := make([]byte, size)
	want[1] = 1
	for i := 2; i < size-tLen-1; i++ {
		want[i] = 0xff
	}
	copy(want[size-tLen:], prefix)
	copy(want[size-len(digest):], digest)
	if !bytes.Equal(em, want) {
		return rsa.ErrVerification
	}
	return nil
}

// digestInfoPrefixes are the DER of DigestInfo before the digest, for the
// hashes of rsaHashes (RFC 8017 §9.2, note 1).
var digestInfoPrefixes = map[crypto.Hash][]byte{
	crypto.SHA1:   {0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14},
	crypto.SHA256: {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20},
	crypto.SHA384: {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30},
	crypto.SHA512: {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40},
}
