package certs_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
)

// rsaTestKey reads one of certstest's committed keys: ca-1 and ca-2 are
// RSA 4096 (the CAs'), ee-01 RSA 2048.
func rsaTestKey(t testing.TB, name string) *rsa.PrivateKey {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("certstest", "keys", name+".pem"))
	require.NoError(t, err)
	b, _ := pem.Decode(data)
	require.NotNil(t, b)
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	require.NoError(t, err)
	return k.(*rsa.PrivateKey)
}

// rawSign is the RSA private operation on em as a number: what a signer
// that writes any encoded message it likes produces.
func rawSign(k *rsa.PrivateKey, em []byte) []byte {
	m := new(big.Int).SetBytes(em)
	return m.Exp(m, k.D, k.N).FillBytes(make([]byte, k.Size()))
}

// encoded is EMSA-PKCS1-v1_5 of digest under prefix, with a padding of
// ff bytes and the given separator and block type.
func encoded(size int, blockType, separator byte, prefix, digest []byte) []byte {
	em := make([]byte, size)
	em[1] = blockType
	t := append(append([]byte(nil), prefix...), digest...)
	for i := 2; i < size-len(t)-1; i++ {
		em[i] = 0xff
	}
	em[size-len(t)-1] = separator
	copy(em[size-len(t):], t)
	return em
}

var sha256Prefix = []byte{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}

// verifyRSA's answers are crypto/rsa's: valid signatures under each hash
// and size, and every way of being wrong — a bit flipped anywhere, the
// wrong digest or hash, the wrong length, a number at or past the
// modulus, encoded messages with another block type, no separator, a
// short padding, a DigestInfo of another hash, bytes after the digest.
func TestVerifyRSA(t *testing.T) {
	for _, name := range []string{"ca-1", "ca-2", "ee-01"} {
		k := rsaTestKey(t, name)
		pub := &k.PublicKey
		for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256, crypto.SHA384, crypto.SHA512} {
			d := h.New()
			d.Write([]byte("НУЦ РК " + name))
			digest := d.Sum(nil)
			sig, err := rsa.SignPKCS1v15(nil, k, h, digest)
			require.NoError(t, err)
			same(t, pub, h, digest, sig, true)
			for i := 0; i < len(sig)*8; i += 61 {
				bad := append([]byte(nil), sig...)
				bad[i/8] ^= 1 << (i % 8)
				same(t, pub, h, digest, bad, false)
			}
			wrong := append([]byte(nil), digest...)
			wrong[0] ^= 1
			same(t, pub, h, wrong, sig, false)
			for _, other := range []crypto.Hash{crypto.SHA1, crypto.SHA256, crypto.SHA384, crypto.SHA512} {
				if other != h {
					same(t, pub, other, digest[:min(len(digest), other.Size())], sig, false)
				}
			}
			same(t, pub, h, digest, sig[1:], false)
			same(t, pub, h, digest, append([]byte{0}, sig...), false)
			same(t, pub, h, digest, nil, false)
			same(t, pub, h, digest, pub.N.FillBytes(make([]byte, k.Size())), false)
			same(t, pub, h, digest, new(big.Int).Add(pub.N, big.NewInt(5)).FillBytes(make([]byte, k.Size())), false)
			same(t, pub, h, digest, new(big.Int).Sub(pub.N, big.NewInt(1)).FillBytes(make([]byte, k.Size())), false)
			same(t, pub, h, digest, make([]byte, k.Size()), false)
		}

		// Encoded messages of SHA-256 digests, signed raw.
		digest := make([]byte, 32)
		digest[31] = 7
		size := k.Size()
		good := encoded(size, 1, 0, sha256Prefix, digest)
		same(t, pub, crypto.SHA256, digest, rawSign(k, good), true)
		for _, em := range [][]byte{
			encoded(size, 2, 0, sha256Prefix, digest),
			encoded(size, 0, 0, sha256Prefix, digest),
			encoded(size, 1, 0xff, sha256Prefix, digest),
			encoded(size, 1, 1, sha256Prefix, digest),
			// DigestInfo without the NULL parameters, which RFC 8017
			// allows a verifier to accept and crypto/rsa does not.
			encoded(size, 1, 0, []byte{0x30, 0x2f, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x04, 0x20}, digest),
			encoded(size, 1, 0, append(append([]byte(nil), sha256Prefix[:1]...), append([]byte{0x32}, sha256Prefix[2:]...)...), append(digest, 0)),
			append(encoded(size-1, 1, 0, sha256Prefix, digest)[1:], 0),
			func() []byte { em := append([]byte(nil), good...); em[0] = 1; return em }(),
			func() []byte { em := append([]byte(nil), good...); em[5] = 0xfe; return em }(),
			func() []byte { // the padding cut to 7 bytes, the rest zeros before it
				em := make([]byte, size)
				t := append(append([]byte(nil), sha256Prefix...), digest...)
				start := size - len(t) - 1 - 7
				em[start-1] = 1
				for i := start; i < start+7; i++ {
					em[i] = 0xff
				}
				copy(em[size-len(t):], t)
				return em
			}(),
		} {
			same(t, pub, crypto.SHA256, digest, rawSign(k, em), false)
		}
	}
}

// same checks that verifyRSA and crypto/rsa agree on sig, and on valid.
func same(t *testing.T, pub *rsa.PublicKey, h crypto.Hash, digest, sig []byte, valid bool) {
	t.Helper()
	ours := certs.VerifyRSA(pub, h, digest, sig)
	theirs := rsa.VerifyPKCS1v15(pub, h, digest, sig)
	require.Equal(t, theirs == nil, ours == nil, "crypto/rsa: %v, verifyRSA: %v", theirs, ours)
	require.Equal(t, valid, ours == nil, "verifyRSA: %v", ours)
	if errors.Is(theirs, rsa.ErrVerification) {
		require.ErrorIs(t, ours, rsa.ErrVerification)
	}
}

func FuzzVerifyRSA(f *testing.F) {
	k := rsaTestKey(f, "ca-1")
	digest := make([]byte, 32)
	sig, err := rsa.SignPKCS1v15(nil, k, crypto.SHA256, digest)
	require.NoError(f, err)
	f.Add(sig, digest, uint8(0))
	f.Add(rawSign(k, encoded(k.Size(), 1, 0, sha256Prefix, digest)), digest, uint8(1))
	f.Fuzz(func(t *testing.T, sig, digest []byte, raw uint8) {
		if raw&1 == 1 && len(sig) <= k.Size() {
			// sig as an encoded message, signed: the verifier sees what
			// comes out of the public operation as sig, exactly.
			em := make([]byte, k.Size())
			copy(em[k.Size()-len(sig):], sig)
			em[0] = 0
			sig = rawSign(k, em)
		}
		for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256, crypto.SHA384, crypto.SHA512} {
			ours := certs.VerifyRSA(&k.PublicKey, h, digest, sig)
			theirs := rsa.VerifyPKCS1v15(&k.PublicKey, h, digest, sig)
			if (ours == nil) != (theirs == nil) {
				t.Fatalf("hash %v: crypto/rsa %v, verifyRSA %v", h, theirs, ours)
			}
		}
	})
}

// BenchmarkVerifyRSA: an RSA 4096 signature (NCA's CAs') through
// crypto/rsa and through verifyRSA.
func BenchmarkVerifyRSA(b *testing.B) {
	k := rsaTestKey(b, "ca-1")
	digest := make([]byte, 32)
	sig, err := rsa.SignPKCS1v15(nil, k, crypto.SHA256, digest)
	require.NoError(b, err)
	b.Run("crypto/rsa", func(b *testing.B) {
		for b.Loop() {
			if err := rsa.VerifyPKCS1v15(&k.PublicKey, crypto.SHA256, digest, sig); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("verifyRSA", func(b *testing.B) {
		for b.Loop() {
			if err := certs.VerifyRSA(&k.PublicKey, crypto.SHA256, digest, sig); err != nil {
				b.Fatal(err)
			}
		}
	})
}
