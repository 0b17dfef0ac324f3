package certstest

import (
	"crypto/sha256"
	"encoding/binary"
	"io"
	"sync"
)

// DeterministicRand returns a reader of an endless byte stream fixed by seed:
// the blocks SHA-256(seed ‖ counter), counter a big-endian uint64 from 0.
// Give it to Options.Rand, together with a fixed Options.Now, for byte-stable
// output (golden files, committed fixtures). It is safe for concurrent use,
// but concurrent readers share one stream, so who gets which bytes is then
// up to the scheduler. It is not a cryptographic random source: tests only.
func DeterministicRand(seed string) io.Reader {
	return &detRand{seed: []byte(seed)}
}

type detRand struct {
	mu      sync.Mutex
	seed    []byte
	counter uint64
	buf     []byte
}

func (r *detRand) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for n < len(p) {
		if len(r.buf) == 0 {
			h := sha256.New()
			h.Write(r.seed)
			var c [8]byte
			binary.BigEndian.PutUint64(c[:], r.counter)
			h.Write(c[:])
			r.counter++
			r.buf = h.Sum(nil)
		}
		k := copy(p[n:], r.buf)
		r.buf = r.buf[k:]
		n += k
	}
	return n, nil
}
