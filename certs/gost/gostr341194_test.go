package gost

import (
	"encoding/hex"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/esfkit/esf/internal/testref"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGOSTR341194Vectors(t *testing.T) {
	// Test parameter set, H0 = 0, digests in RFC 5831 byte order.
	tests := []struct {
		name string
		msg  string
		want string
	}{
		// RFC 5831's examples for the test parameters (gost.md §4.1).
		{"empty", "", "ce85b99cc46752fffee35cab9a7b0278abb4c2d2055cff685af4912c49490f8d"},
		{"abc", "abc", "f3134348c44fb1b2a277729e2285ebb5cb5e0f29c975bc753b70497c06a4d51d"},
		{"32 bytes", "This is message, length=32 bytes", "b1c466d37519b82e8319819ff32595e047a28cb6f83eff1c6916a815a637fffa"},
		{"50 bytes", "Suppose the original message has length = 50 bytes", "471aba57a60a770d3a76130635c1fbea4ef14de51f78b4ae57dd893b62f55208"},
		// The usual published test-parameter examples (e.g. pygost's
		// test_gost341194.py); each was checked against Debian's
		// `gostsum -t` (whose output is the byte reverse) when written.
		{"a", "a", "d42c539e367c66e9c88a801f6649349c21871b4344c6a573f849fdce62f314dd"},
		{"message digest", "message digest", "ad4434ecb18f2c99b60cbe59ec3d2469582b65273f48de72db2fde16a4889a4d"},
		{"128 U", strings.Repeat("U", 128), "53a3a3ed25180cef0c1d85a074273e551c25660a87062a52d926a9e8fe5733a4"},
		{"1e6 a", strings.Repeat("a", 1000000), "5c00ccc2734cdd3332d3d4749576e3c1a7dbaf0e7ea74e9fa602413c90a129fa"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Sum341194([]byte(tt.msg))
			assert.Equal(t, tt.want, hex.EncodeToString(got[:]), "Sum341194")
			h := New341194()
			h.Write([]byte(tt.msg))
			assert.Equal(t, tt.want, hex.EncodeToString(h.Sum(nil)), "New341194")
		})
	}
}

func TestGOSTR341194HashInterface(t *testing.T) {
	msg := make([]byte, 300)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range msg {
		msg[i] = byte(rng.Uint32())
	}
	want := Sum341194(msg)

	t.Run("sizes", func(t *testing.T) {
		h := New341194()
		assert.Equal(t, 32, h.Size())
		assert.Equal(t, 32, h.BlockSize())
	})
	t.Run("split writes", func(t *testing.T) {
		for size := 1; size <= 100; size++ {
			h := New341194()
			for p := msg; len(p) > 0; {
				n := min(size, len(p))
				w, err := h.Write(p[:n])
				require.NoError(t, err)
				require.Equal(t, n, w)
				p = p[n:]
			}
			require.Equal(t, want[:], h.Sum(nil), "pieces of %d", size)
		}
	})
	t.Run("Sum keeps state", func(t *testing.T) {
		h := New341194()
		h.Write(msg[:45])
		mid := h.Sum([]byte("x"))
		part := Sum341194(msg[:45])
		assert.Equal(t, append([]byte("x"), part[:]...), mid)
		h.Write(msg[45:])
		assert.Equal(t, want[:], h.Sum(nil))
	})
	t.Run("Reset", func(t *testing.T) {
		h := New341194()
		h.Write(msg)
		h.Reset()
		h.Write([]byte("abc"))
		assert.Equal(t, "f3134348c44fb1b2a277729e2285ebb5cb5e0f29c975bc753b70497c06a4d51d", hex.EncodeToString(h.Sum(nil)))
	})
	t.Run("no allocs", func(t *testing.T) {
		h := New341194()
		out := make([]byte, 0, 32)
		allocs := testing.AllocsPerRun(20, func() {
			h.Reset()
			h.Write(msg[:7])
			h.Write(msg[7:])
			out = h.Sum(out[:0])
		})
		assert.Zero(t, allocs)
	})
}

// TestGOSTR341194AgainstGostsum compares with Debian's `gostsum -t`
// (package gostsum), which prints the digest bytes reversed. Empty input is
// left out: gostsum hashes one all-zero block for it, so it prints the
// reverse of bd298bcf…8a351d89 instead of RFC 5831's ce85b99c…49490f8d.
func TestGOSTR341194AgainstGostsum(t *testing.T) {
	tool := testref.Tool(t, "gostsum", "gostsum")
	msgs := hashOracleMessages(94, streebogCarryMessages())[1:]
	want := hashOracleRun(t, msgs, tool, "-t")
	for i, m := range msgs {
		got := Sum341194(m)
		require.Equal(t, want[i], hex.EncodeToString(hashTestReversed(got[:])), "message %d (%d bytes): %x", i, len(m), m)
	}
}

func BenchmarkGOSTR341194(b *testing.B) {
	benchmarkGOSTHash(b, func(p []byte) { Sum341194(p) })
}
