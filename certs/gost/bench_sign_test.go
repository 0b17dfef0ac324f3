package gost

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
)

// Benchmarks of signing and verifying, for profiling and allocation
// counts:
//
//	go test -run '^$' -bench 'Benchmark(Sign|Verify)' -benchtime 2s ./certs/gost/
//
// The comparison with OpenSSL's GOST engine is bench/gost-sign.sh: on the
// keys TestWriteBenchKeys writes, in interleaved rounds timed in CPU time
// (bench/gostsign is our side).

// benchCurves are the curves benchmarked, under the names the sub-benchmarks
// and bench/gost-sign.sh use.
var benchCurves = []struct {
	name  string
	curve Curve
}{
	{"GOST2015-512", CurveTC26512A},
	{"GOST2004", CurveCryptoProA},
}

// benchDigests is how many different digests a benchmark cycles through.
const benchDigests = 64

// benchKey returns a fixed key on c: its scalar is a fixed byte pattern,
// with the top bit cleared so that it lies below q.
func benchKey(tb testing.TB, c Curve) *PrivateKey {
	tb.Helper()
	d := make([]byte, c.Size())
	for i := range d {
		d[i] = byte(0x5a ^ (i * 37) ^ (i >> 1))
	}
	d[0] &= 0x7f
	k, err := NewPrivateKey(c, d)
	if err != nil {
		tb.Fatalf("benchmark key on %s: %v", c, err)
	}
	return k
}

// benchDigestSet returns benchDigests random digests for c.
func benchDigestSet(tb testing.TB, c Curve) [][]byte {
	tb.Helper()
	ds := make([][]byte, benchDigests)
	for i := range ds {
		ds[i] = make([]byte, c.Size())
		if _, err := rand.Read(ds[i]); err != nil {
			tb.Fatal(err)
		}
	}
	return ds
}

func BenchmarkSign(b *testing.B) {
	for _, bc := range benchCurves {
		b.Run(bc.name, func(b *testing.B) {
			key := benchKey(b, bc.curve)
			digests := benchDigestSet(b, bc.curve)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := key.Sign(rand.Reader, digests[i%benchDigests], nil); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	for _, bc := range benchCurves {
		b.Run(bc.name, func(b *testing.B) {
			key := benchKey(b, bc.curve)
			pub := key.PublicKey()
			digests := benchDigestSet(b, bc.curve)
			sigs := make([][]byte, benchDigests)
			for i, d := range digests {
				sig, err := key.Sign(rand.Reader, d, nil)
				if err != nil {
					b.Fatal(err)
				}
				sigs[i] = sig
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				j := i % benchDigests
				if err := Verify(pub, digests[j], sigs[j]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// TestWriteBenchKeys writes the benchmark keys, as OpenSSL's GOST engine
// reads them (Russian OIDs, see openssl_test.go), into the directory named
// by GOST_BENCH_KEYDIR, so that bench/gost-sign.sh times OpenSSL on the
// very keys the benchmarks use: GOST2015-512.pem and GOST2004.pem, with
// their public keys in GOST2015-512.pub.pem and GOST2004.pub.pem. Without
// the variable it is skipped.
func TestWriteBenchKeys(t *testing.T) {
	dir := os.Getenv("GOST_BENCH_KEYDIR")
	if dir == "" {
		t.Skip("GOST_BENCH_KEYDIR is not set; bench/gost-sign.sh sets it")
	}
	for _, bc := range benchCurves {
		key := benchKey(t, bc.curve)
		if err := os.WriteFile(filepath.Join(dir, bc.name+".pem"), russianPKCS8(t, key), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, bc.name+".pub.pem"), russianSPKI(t, key.PublicKey()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
