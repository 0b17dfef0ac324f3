package gost

import (
	"bytes"
	"crypto/rand"
	"encoding/asn1"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esfkit/esf/internal/testref"
	"github.com/stretchr/testify/require"
)

// The differential test of gost.md §3 and §8: Debian's OpenSSL GOST engine
// (libengine-gost-openssl) is an independent implementation of the same
// algorithms under the Russian OIDs and the RFC byte layout. A key is
// rewrapped with those OIDs; signatures are reversed between the layouts.

// russian names a curve the way the GOST engine knows it.
var russian = map[Curve]struct {
	keyOID    asn1.ObjectIdentifier
	params    []asn1.ObjectIdentifier
	digestLen int
}{
	CurveTC26512A: {asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 1, 2}, []asn1.ObjectIdentifier{{1, 2, 643, 7, 1, 2, 1, 2, 1}}, 64},
	CurveCryptoProA: {asn1.ObjectIdentifier{1, 2, 643, 2, 2, 19},
		[]asn1.ObjectIdentifier{{1, 2, 643, 2, 2, 35, 1}, {1, 2, 643, 2, 2, 30, 1}}, 32},
}

type algID struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters []asn1.ObjectIdentifier
}

// russianPKCS8 wraps k as the GOST engine reads it: the scalar little-endian
// in an OCTET STRING, as NCA's 2015 keys store it.
func russianPKCS8(t *testing.T, k *PrivateKey) []byte {
	t.Helper()
	r := russian[k.Curve]
	inner, err := asn1.Marshal(reversed(k.Bytes()))
	require.NoError(t, err)
	der, err := asn1.Marshal(struct {
		Version    int
		Algorithm  algID
		PrivateKey []byte
	}{0, algID{r.keyOID, r.params}, inner})
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func russianSPKI(t *testing.T, k *PublicKey) []byte {
	t.Helper()
	r := russian[k.Curve]
	inner, err := asn1.Marshal(k.Bytes())
	require.NoError(t, err)
	der, err := asn1.Marshal(struct {
		Algorithm algID
		PublicKey asn1.BitString
	}{algID{r.keyOID, r.params}, asn1.BitString{Bytes: inner, BitLength: 8 * len(inner)}})
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func gostEngine(t *testing.T) {
	t.Helper()
	testref.Tool(t, "openssl", "openssl")
	if out, err := exec.Command("openssl", "engine", "gost").CombinedOutput(); err != nil {
		testref.Missing(t, "OpenSSL's GOST engine is not installed (apt-get install libengine-gost-openssl; .ci/run does): %s", bytes.TrimSpace(out))
	}
}

func openssl(t *testing.T, args ...string) []byte {
	t.Helper()
	out, err := exec.Command("openssl", args...).CombinedOutput()
	require.NoError(t, err, "openssl %s: %s", strings.Join(args, " "), out)
	return out
}

func TestOpenSSLGOSTEngineBothWays(t *testing.T) {
	gostEngine(t)
	for _, c := range []Curve{CurveTC26512A, CurveCryptoProA} {
		t.Run(c.String(), func(t *testing.T) {
			dir := t.TempDir()
			d := make([]byte, c.Size())
			_, err := rand.Read(d)
			require.NoError(t, err)
			d[0] &= 0x7f
			key, err := NewPrivateKey(c, d)
			require.NoError(t, err)
			keyPath, pubPath := filepath.Join(dir, "key.pem"), filepath.Join(dir, "pub.pem")
			require.NoError(t, os.WriteFile(keyPath, russianPKCS8(t, key), 0o600))
			require.NoError(t, os.WriteFile(pubPath, russianSPKI(t, key.PublicKey()), 0o600))

			// OpenSSL derives the same public key from the scalar.
			derived := openssl(t, "pkey", "-engine", "gost", "-in", keyPath, "-pubout")
			require.Equal(t, key.PublicKey().Bytes(), spkiKey(t, derived), "OpenSSL derives the same public key")

			for i := 0; i < 3; i++ {
				digest := make([]byte, c.Size())
				_, _ = rand.Read(digest)
				digestPath, sigPath := filepath.Join(dir, "digest.bin"), filepath.Join(dir, "sig.bin")
				require.NoError(t, os.WriteFile(digestPath, digest, 0o600))

				// Ours → OpenSSL: our NCA-layout signature, reversed.
				sig, err := key.Sign(rand.Reader, digest, nil)
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(sigPath, reversed(sig), 0o600))
				out := openssl(t, "pkeyutl", "-engine", "gost", "-verify", "-pubin", "-inkey", pubPath, "-in", digestPath, "-sigfile", sigPath)
				require.Contains(t, string(out), "Signature Verified Successfully")
				// Not reversed, it fails there: the layouts really differ.
				require.NoError(t, os.WriteFile(sigPath, sig, 0o600))
				bad, _ := exec.Command("openssl", "pkeyutl", "-engine", "gost", "-verify", "-pubin", "-inkey", pubPath, "-in", digestPath, "-sigfile", sigPath).CombinedOutput()
				require.NotContains(t, string(bad), "Signature Verified Successfully")

				// OpenSSL → ours.
				openssl(t, "pkeyutl", "-engine", "gost", "-sign", "-inkey", keyPath, "-in", digestPath, "-out", sigPath)
				theirs, err := os.ReadFile(sigPath)
				require.NoError(t, err)
				require.NoError(t, VerifyLayout(key.PublicKey(), digest, theirs, LayoutRFC))
				require.NoError(t, Verify(key.PublicKey(), digest, reversed(theirs)))
				require.ErrorIs(t, Verify(key.PublicKey(), digest, theirs), ErrVerification)
			}
		})
	}
}

// spkiKey returns the key bytes (X ‖ Y little-endian) of a PEM public key.
func spkiKey(t *testing.T, out []byte) []byte {
	t.Helper()
	b, _ := pem.Decode(out)
	require.NotNil(t, b, "no PEM in %s", out)
	var spki struct {
		Algorithm asn1.RawValue
		PublicKey asn1.BitString
	}
	_, err := asn1.Unmarshal(b.Bytes, &spki)
	require.NoError(t, err)
	var raw []byte
	_, err = asn1.Unmarshal(spki.PublicKey.Bytes, &raw)
	require.NoError(t, err)
	return raw
}
