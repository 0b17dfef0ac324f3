package gost

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"hash"
	"math/bits"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esfkit/esf/internal/testref"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// RFC 6986's example messages.
var (
	// streebogM1 is M1, 63 ASCII digits.
	streebogM1 = []byte("012345678901234567890123456789012345678901234567890123456789012")
	// streebogM2 is M2, 72 bytes: the text below in CP1251 (RFC 6986 prints
	// the bytes reversed; TestStreebogM2Bytes checks both forms agree).
	streebogM2 = hashTestCP1251("Се ветри, Стрибожи внуци, веютъ с моря стрелами на храбрыя плъкы Игоревы")
	// streebogHabr144 is the 144-byte carry-propagation message of habr.com
	// post 450024 (pygost's test_habr144): an 80-byte OLE2 compound-file
	// header followed by 64 bytes of 0xff, whose Σ addition carries across
	// 64-bit words.
	streebogHabr144 = append(hashTestHex(
		"d0cf11e0a1b11ae1000000000000000000000000000000003e000300feff0900"+
			"0600000000000000000000000100000001000000000000000010000024000000"+
			"01000000feffffff0000000000000000"),
		bytes.Repeat([]byte{0xff}, 64)...)
)

// hashTestCP1251 encodes s, which may hold only ASCII and the Cyrillic letters
// А…я, in Windows-1251.
func hashTestCP1251(s string) []byte {
	var b []byte
	for _, r := range s {
		switch {
		case r < 0x80:
			b = append(b, byte(r))
		case r >= 'А' && r <= 'я':
			b = append(b, byte(r-'А'+0xc0))
		default:
			panic(fmt.Sprintf("hashTestCP1251: %q not supported", r))
		}
	}
	return b
}

func hashTestHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func hashTestReversed(b []byte) []byte {
	r := make([]byte, len(b))
	for i, c := range b {
		r[len(b)-1-i] = c
	}
	return r
}

func TestStreebogVectors(t *testing.T) {
	// Digests are in output byte order (the reverse of RFC 6986's print).
	tests := []struct {
		name    string
		msg     []byte
		want512 string
		want256 string
	}{
		{
			name:    "RFC 6986 M1",
			msg:     streebogM1,
			want512: "1b54d01a4af5b9d5cc3d86d68d285462b19abc2475222f35c085122be4ba1ffa00ad30f8767b3a82384c6574f024c311e2a481332b08ef7f41797891c1646f48",
			want256: "9d151eefd8590b89daa6ba6cb74af9275dd051026bb149a452fd84e5e57b5500",
		},
		{
			name:    "RFC 6986 M2",
			msg:     streebogM2,
			want512: "1e88e62226bfca6f9994f1f2d51569e0daf8475a3b0fe61a5300eee46d961376035fe83549ada2b8620fcd7c496ce5b33f0cb9dddc2b6460143b03dabac9fb28",
			want256: "9dd2fe4e90409e5da87f53976d7405b0c0cac628fc669a741d50063c557e8f50",
		},
		{
			name:    "empty",
			msg:     nil,
			want512: "8e945da209aa869f0455928529bcae4679e9873ab707b55315f56ceb98bef0a7362f715528356ee83cda5f2aac4c6ad2ba3a715c1bcd81cb8e9f90bf4c1c1a8a",
			want256: "3f539a213e97c802cc229d474c6aa32a825a360b2a933a949fd925208d9ce1bb",
		},
		{
			// The 256-bit value is habr's/pygost's; the 512-bit one was
			// computed with Debian's gost12sum -l.
			name:    "habr144 carry",
			msg:     streebogHabr144,
			want512: "3d46a117a91ac9220f6dee4d1db83f0d018f799b58ca118648f7d6e4f82e37e951459776e866d4e31467afc843ce88e8d6db62e3fb93cb9fcd60703de7492828",
			want256: "c766085540caaa8953bfcf7a1ba220619cee50d65dc242f82f23ba4b180b18e0",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s512 := Sum512(tt.msg)
			assert.Equal(t, tt.want512, hex.EncodeToString(s512[:]), "Sum512")
			s256 := Sum256(tt.msg)
			assert.Equal(t, tt.want256, hex.EncodeToString(s256[:]), "Sum256")

			h := New512()
			h.Write(tt.msg)
			assert.Equal(t, tt.want512, hex.EncodeToString(h.Sum(nil)), "New512")
			h = New256()
			h.Write(tt.msg)
			assert.Equal(t, tt.want256, hex.EncodeToString(h.Sum(nil)), "New256")
		})
	}
}

// TestStreebogM2Bytes pins the byte-order trap: RFC 6986 prints messages and
// digests as numbers, most significant byte first, so its hex is the
// reverse of the bytes an implementation reads and writes.
func TestStreebogM2Bytes(t *testing.T) {
	require.Len(t, streebogM2, 72)
	require.Len(t, streebogHabr144, 144)
	rfcM2 := hashTestHex("fbe2e5f0eee3c820fbeafaebef20fffbf0e1e0f0f520e0ed20e8ece0ebe5f0f2f120fff0eeec20f120faf2fee5e2202ce8f6f3ede220e8e6eee1e8f0f2d1202ce8f0f2e5e220e5d1")
	assert.Equal(t, hashTestReversed(rfcM2), streebogM2)

	rfcM1H512 := hashTestHex("486f64c1917879417fef082b3381a4e211c324f074654c38823a7b76f830ad00fa1fbae42b1285c0352f227524bc9ab16254288dd6863dccd5b9f54a1ad0541b")
	got := Sum512(streebogM1)
	assert.Equal(t, hashTestReversed(rfcM1H512), got[:])
}

func TestStreebogTables(t *testing.T) {
	t.Run("pi is a permutation", func(t *testing.T) {
		var seen [256]bool
		for _, v := range streebogPi {
			require.False(t, seen[v], "value %d twice", v)
			seen[v] = true
		}
	})
	t.Run("A rows divide by x in GF(2^8)", func(t *testing.T) {
		// Within each group of eight rows, every byte of a row is the byte
		// above it divided by x modulo x^8+x^6+x^5+x^4+1 (0x171): shift
		// right, and XOR 0x8e (0x171 >> 1 with x^7 set) when the dropped
		// bit was 1. A typo in the table would break this.
		div := func(w uint64) uint64 {
			var r uint64
			for i := range 8 {
				b := byte(w >> (8 * i))
				nb := b >> 1
				if b&1 != 0 {
					nb ^= 0x8e
				}
				r |= uint64(nb) << (8 * i)
			}
			return r
		}
		for i, a := range streebogA {
			if i%8 == 0 {
				continue
			}
			assert.Equal(t, div(streebogA[i-1]), a, "row %d", i)
		}
	})
	t.Run("C are 512-bit", func(t *testing.T) {
		for i, s := range streebogCHex {
			assert.Len(t, s, 128, "C_%d", i+1)
		}
	})
}

// streebogHashes lists the two Streebog variants for table-driven tests.
var streebogHashes = []struct {
	name string
	new  func() hash.Hash
	size int
}{
	{"512", New512, 64},
	{"256", New256, 32},
}

func TestStreebogSplitWrites(t *testing.T) {
	msg := make([]byte, 517)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range msg {
		msg[i] = byte(rng.Uint32())
	}
	for _, hh := range streebogHashes {
		t.Run(hh.name, func(t *testing.T) {
			one := hh.new()
			one.Write(msg)
			want := one.Sum(nil)
			for size := 1; size <= 200; size++ {
				h := hh.new()
				for p := msg; len(p) > 0; {
					n := min(size, len(p))
					w, err := h.Write(p[:n])
					require.NoError(t, err)
					require.Equal(t, n, w)
					p = p[n:]
				}
				require.Equal(t, want, h.Sum(nil), "pieces of %d", size)
			}
		})
	}
}

func TestStreebogHashInterface(t *testing.T) {
	for _, hh := range streebogHashes {
		t.Run(hh.name, func(t *testing.T) {
			h := hh.new()
			assert.Equal(t, hh.size, h.Size())
			assert.Equal(t, 64, h.BlockSize())

			// Sum does not disturb the state and appends to its argument.
			msg := append(append([]byte{}, streebogHabr144...), streebogM1...)
			h.Write(msg[:100])
			mid := h.Sum(nil)
			assert.Equal(t, mid, h.Sum(nil), "Sum twice")
			h.Write(msg[100:])
			prefix := []byte("prefix")
			got := h.Sum(prefix)
			require.Len(t, got, len(prefix)+hh.size)
			assert.Equal(t, prefix, got[:len(prefix)])

			one := hh.new()
			one.Write(msg)
			assert.Equal(t, one.Sum(nil), got[len(prefix):])

			part := hh.new()
			part.Write(msg[:100])
			assert.Equal(t, part.Sum(nil), mid)

			// Reset restores the initial state, including the IV.
			h.Reset()
			h.Write(streebogM1)
			fresh := hh.new()
			fresh.Write(streebogM1)
			assert.Equal(t, fresh.Sum(nil), h.Sum(nil))
			h.Reset()
			empty := hh.new()
			assert.Equal(t, empty.Sum(nil), h.Sum(nil))
		})
	}
}

func TestStreebogNoAllocs(t *testing.T) {
	msg := make([]byte, 8<<10+13)
	h := New512()
	out := make([]byte, 0, 64)
	allocs := testing.AllocsPerRun(20, func() {
		h.Reset()
		h.Write(msg[:7])
		h.Write(msg[7:])
		out = h.Sum(out[:0])
	})
	assert.Zero(t, allocs, "streaming")
	allocs = testing.AllocsPerRun(20, func() {
		Sum512(msg)
		Sum256(msg)
	})
	assert.Zero(t, allocs, "Sum512/Sum256")
}

// streebogCarryMessages returns messages built to make the 512-bit Σ and N
// additions carry across 64-bit words: runs of 0xff blocks, 0xff blocks
// with a 0x01 or 0xfe edge, and lengths around block boundaries.
func streebogCarryMessages() [][]byte {
	var msgs [][]byte
	for _, n := range []int{63, 64, 65, 127, 128, 129, 191, 192, 255, 256, 257, 640, 1000} {
		msgs = append(msgs, bytes.Repeat([]byte{0xff}, n))
		m := bytes.Repeat([]byte{0xff}, n)
		m[0] = 0x01
		msgs = append(msgs, m)
		m = bytes.Repeat([]byte{0xff}, n)
		m[len(m)-1] = 0xfe
		msgs = append(msgs, m)
	}
	return append(msgs, streebogHabr144)
}

// hashOracleRun runs tool with args plus one file per message (in a fresh
// temporary directory) and returns the hex digest it printed for each.
func hashOracleRun(t *testing.T, msgs [][]byte, tool string, args ...string) []string {
	t.Helper()
	dir := t.TempDir()
	names := make([]string, len(msgs))
	for i, m := range msgs {
		names[i] = filepath.Join(dir, fmt.Sprintf("m%05d", i))
		require.NoError(t, os.WriteFile(names[i], m, 0o600))
	}
	out, err := exec.Command(tool, append(args, names...)...).Output()
	require.NoError(t, err, "%s %v", tool, args)
	byName := map[string]string{}
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		require.Len(t, f, 2, "%s output line %q", tool, line)
		byName[f[1]] = f[0]
	}
	digests := make([]string, len(msgs))
	for i, n := range names {
		d, ok := byName[n]
		require.True(t, ok, "%s printed no digest for %s", tool, n)
		digests[i] = d
	}
	return digests
}

// hashOracleMessages returns random messages of every length 0…1000 (seeded,
// so failures reproduce) followed by extra.
func hashOracleMessages(seed uint64, extra [][]byte) [][]byte {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	var msgs [][]byte
	for n := 0; n <= 1000; n++ {
		m := make([]byte, n)
		for i := range m {
			m[i] = byte(rng.Uint32())
		}
		msgs = append(msgs, m)
	}
	return append(msgs, extra...)
}

// TestStreebogAgainstGost12sum compares with Debian's gost12sum (package
// gostsum), an independent implementation. gost12sum prints digests in the
// same byte order as ours.
func TestStreebogAgainstGost12sum(t *testing.T) {
	tool := testref.Tool(t, "gost12sum", "gostsum")
	msgs := hashOracleMessages(12, streebogCarryMessages())
	for _, tt := range []struct {
		name string
		args []string
		sum  func([]byte) []byte
	}{
		{"512", []string{"-l"}, func(m []byte) []byte { s := Sum512(m); return s[:] }},
		{"256", nil, func(m []byte) []byte { s := Sum256(m); return s[:] }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			want := hashOracleRun(t, msgs, tool, tt.args...)
			for i, m := range msgs {
				require.Equal(t, want[i], hex.EncodeToString(tt.sum(m)), "message %d (%d bytes): %x", i, len(m), m)
			}
		})
	}
}

func FuzzStreebog512(f *testing.F) {
	testref.LimitFuzzMinimization(f)
	f.Add([]byte{}, uint16(0), uint16(0))
	f.Add(streebogM1, uint16(1), uint16(62))
	f.Add(streebogHabr144, uint16(64), uint16(80))
	f.Add(bytes.Repeat([]byte{0xff}, 200), uint16(63), uint16(129))
	f.Fuzz(func(t *testing.T, data []byte, a, b uint16) {
		want := Sum512(data)
		i, j := int(a)%(len(data)+1), int(b)%(len(data)+1)
		if i > j {
			i, j = j, i
		}
		h := New512()
		h.Write(data[:i])
		h.Write(data[i:j])
		mid := h.Sum(nil)
		h.Write(data[j:])
		require.Equal(t, want[:], h.Sum(nil))
		part := Sum512(data[:j])
		require.Equal(t, part[:], mid)
	})
}

func benchmarkGOSTHash(b *testing.B, sum func([]byte)) {
	for _, size := range []int{8 << 10, 1 << 20} {
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) {
			buf := make([]byte, size)
			for i := range buf {
				buf[i] = byte(bits.RotateLeft32(uint32(i), 7))
			}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				sum(buf)
			}
		})
	}
}

func BenchmarkStreebog512(b *testing.B) {
	benchmarkGOSTHash(b, func(p []byte) { Sum512(p) })
}

func BenchmarkStreebog256(b *testing.B) {
	benchmarkGOSTHash(b, func(p []byte) { Sum256(p) })
}
