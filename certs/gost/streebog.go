package gost

import (
	"encoding/binary"
	"hash"
	"math/bits"
)

// Streebog (GOST R 34.11-2012, RFC 6986), the hash of NCA's СТ РК ГОСТ Р
// 34.11-2015.
//
// Byte order: the standard treats a 512-bit block as a number, and its
// examples (and RFC 6986's) print numbers most significant digit first. In
// memory, as every implementation does, a block is the 64 message bytes in
// order, read as a little-endian number; the digest is the final state
// written out the same way. So a digest here is the reverse of the hex
// printed in RFC 6986, and equal to what OpenSSL's gost engine, pygost or
// NCA's Kalkan output. The state is eight uint64 words, word j holding
// bytes 8j…8j+7 (little-endian), so word 0 is the least significant.

const (
	// streebogBlockSize is the Streebog block size in bytes.
	streebogBlockSize = 64
	// streebog512Size is the size of a Streebog-512 digest in bytes.
	streebog512Size = 64
	// streebog256Size is the size of a Streebog-256 digest in bytes.
	streebog256Size = 32
)

// streebog is the state of a Streebog computation.
type streebog struct {
	h     [8]uint64 // chaining value
	n     [8]uint64 // number of message bits hashed so far (N)
	sigma [8]uint64 // sum of the message blocks mod 2^512 (Σ)
	buf   [streebogBlockSize]byte
	nbuf  int
	size  int // digest size: 64 or 32
}

// New512 returns a Streebog-512 (GOST R 34.11-2012, 512-bit) hash.Hash; Sum
// appends the digest in the byte order implementations output (RFC 6986
// prints its vectors reversed).
func New512() hash.Hash {
	d := &streebog{size: streebog512Size}
	d.Reset()
	return d
}

// New256 returns a Streebog-256 (GOST R 34.11-2012, 256-bit) hash.Hash: the
// 512-bit algorithm with an IV of 0x01 bytes, keeping the most significant
// half of the result (bytes 32…63 of the final state). Sum appends the
// digest in the byte order implementations output (RFC 6986 prints its
// vectors reversed).
func New256() hash.Hash {
	d := &streebog{size: streebog256Size}
	d.Reset()
	return d
}

// Sum512 returns the Streebog-512 digest of data.
func Sum512(data []byte) [streebog512Size]byte {
	d := streebog{size: streebog512Size}
	d.Reset()
	d.Write(data)
	var out [streebog512Size]byte
	d.checkSum(out[:])
	return out
}

// Sum256 returns the Streebog-256 digest of data.
func Sum256(data []byte) [streebog256Size]byte {
	d := streebog{size: streebog256Size}
	d.Reset()
	d.Write(data)
	var out [streebog256Size]byte
	d.checkSum(out[:])
	return out
}

// Reset resets the hash to its initial state.
func (d *streebog) Reset() {
	iv := uint64(0)
	if d.size == streebog256Size {
		iv = 0x0101010101010101
	}
	for i := range d.h {
		d.h[i] = iv
	}
	d.n = [8]uint64{}
	d.sigma = [8]uint64{}
	d.nbuf = 0
}

// Size returns the digest size in bytes: 64 or 32.
func (d *streebog) Size() int { return d.size }

// BlockSize returns the block size, 64 bytes.
func (d *streebog) BlockSize() int { return streebogBlockSize }

// Write adds p to the hash. It never returns an error.
func (d *streebog) Write(p []byte) (int, error) {
	n := len(p)
	if d.nbuf > 0 {
		c := copy(d.buf[d.nbuf:], p)
		d.nbuf += c
		p = p[c:]
		if d.nbuf < streebogBlockSize {
			return n, nil
		}
		d.block(&d.buf)
		d.nbuf = 0
	}
	// Every full block is hashed at once: the final, padded block is always
	// the (possibly empty) remainder, so no block has to be held back.
	for len(p) >= streebogBlockSize {
		d.block((*[streebogBlockSize]byte)(p))
		p = p[streebogBlockSize:]
	}
	d.nbuf = copy(d.buf[:], p)
	return n, nil
}

// Sum appends the digest to b. It does not change the hash state.
func (d *streebog) Sum(b []byte) []byte {
	c := *d
	var out [streebog512Size]byte
	c.checkSum(out[:c.size])
	return append(b, out[:c.size]...)
}

// block hashes one full message block (stage 2 of the standard).
func (d *streebog) block(p *[streebogBlockSize]byte) {
	var m [8]uint64
	for i := range m {
		m[i] = binary.LittleEndian.Uint64(p[8*i:])
	}
	streebogG(&d.h, &d.n, &m)
	add512(&d.n, &[8]uint64{512})
	add512(&d.sigma, &m)
}

// checkSum finishes the hash (stage 3) into out, which is d.size bytes,
// destroying the state.
func (d *streebog) checkSum(out []byte) {
	// Pad: the remaining bytes, then 0x01, then zeros.
	var p [streebogBlockSize]byte
	copy(p[:], d.buf[:d.nbuf])
	p[d.nbuf] = 0x01
	var m [8]uint64
	for i := range m {
		m[i] = binary.LittleEndian.Uint64(p[8*i:])
	}
	streebogG(&d.h, &d.n, &m)
	add512(&d.n, &[8]uint64{uint64(d.nbuf) * 8})
	add512(&d.sigma, &m)
	var zero [8]uint64
	streebogG(&d.h, &zero, &d.n)
	streebogG(&d.h, &zero, &d.sigma)

	var full [streebog512Size]byte
	for i, w := range d.h {
		binary.LittleEndian.PutUint64(full[8*i:], w)
	}
	// Streebog-256 is the most significant half of the state.
	copy(out, full[streebog512Size-d.size:])
}

// add512 sets a = a + b mod 2^512, carrying across all eight words.
func add512(a, b *[8]uint64) {
	var c uint64
	for i := range a {
		a[i], c = bits.Add64(a[i], b[i], c)
	}
}

// streebogG is the compression function g_N(h, m) of RFC 6986:
// h = E(LPS(h ⊕ N), m) ⊕ h ⊕ m, where E runs 12 rounds of LPS(K_i ⊕ ·)
// with round keys K_{i+1} = LPS(K_i ⊕ C_i), then XORs K_13.
func streebogG(h, n, m *[8]uint64) {
	k := lpsx(h, n)
	t := *m
	for i := range streebogC {
		lpsxRound(&k, &t, &streebogC[i])
	}
	for i := range h {
		h[i] ^= t[i] ^ k[i] ^ m[i]
	}
}

// lpsx returns L(P(S(a ⊕ b))) by table look-up (see lpsTable).
func lpsx(a, b *[8]uint64) (r [8]uint64) {
	tb := lpsTable
	var x [64]byte
	binary.LittleEndian.PutUint64(x[0:], a[0]^b[0])
	binary.LittleEndian.PutUint64(x[8:], a[1]^b[1])
	binary.LittleEndian.PutUint64(x[16:], a[2]^b[2])
	binary.LittleEndian.PutUint64(x[24:], a[3]^b[3])
	binary.LittleEndian.PutUint64(x[32:], a[4]^b[4])
	binary.LittleEndian.PutUint64(x[40:], a[5]^b[5])
	binary.LittleEndian.PutUint64(x[48:], a[6]^b[6])
	binary.LittleEndian.PutUint64(x[56:], a[7]^b[7])
	r[0] = tb[0][x[0]] ^ tb[1][x[8]] ^ tb[2][x[16]] ^ tb[3][x[24]] ^
		tb[4][x[32]] ^ tb[5][x[40]] ^ tb[6][x[48]] ^ tb[7][x[56]]
	r[1] = tb[0][x[1]] ^ tb[1][x[9]] ^ tb[2][x[17]] ^ tb[3][x[25]] ^
		tb[4][x[33]] ^ tb[5][x[41]] ^ tb[6][x[49]] ^ tb[7][x[57]]
	r[2] = tb[0][x[2]] ^ tb[1][x[10]] ^ tb[2][x[18]] ^ tb[3][x[26]] ^
		tb[4][x[34]] ^ tb[5][x[42]] ^ tb[6][x[50]] ^ tb[7][x[58]]
	r[3] = tb[0][x[3]] ^ tb[1][x[11]] ^ tb[2][x[19]] ^ tb[3][x[27]] ^
		tb[4][x[35]] ^ tb[5][x[43]] ^ tb[6][x[51]] ^ tb[7][x[59]]
	r[4] = tb[0][x[4]] ^ tb[1][x[12]] ^ tb[2][x[20]] ^ tb[3][x[28]] ^
		tb[4][x[36]] ^ tb[5][x[44]] ^ tb[6][x[52]] ^ tb[7][x[60]]
	r[5] = tb[0][x[5]] ^ tb[1][x[13]] ^ tb[2][x[21]] ^ tb[3][x[29]] ^
		tb[4][x[37]] ^ tb[5][x[45]] ^ tb[6][x[53]] ^ tb[7][x[61]]
	r[6] = tb[0][x[6]] ^ tb[1][x[14]] ^ tb[2][x[22]] ^ tb[3][x[30]] ^
		tb[4][x[38]] ^ tb[5][x[46]] ^ tb[6][x[54]] ^ tb[7][x[62]]
	r[7] = tb[0][x[7]] ^ tb[1][x[15]] ^ tb[2][x[23]] ^ tb[3][x[31]] ^
		tb[4][x[39]] ^ tb[5][x[47]] ^ tb[6][x[55]] ^ tb[7][x[63]]
	return r
}

// lpsxRound is one round of E together with its key schedule: it sets
// t = LPS(k ⊕ t) and k = LPS(k ⊕ c), both by table look-up (see lpsTable).
//
// Written out for speed, as this is where Streebog spends its time: the
// two independent look-up streams overlap in the CPU, and they get their
// table indexes differently to share the load: the message stream is
// spilled to a byte array (one byte load per index), the key stream is
// kept in registers and shifted (ALU work). With only byte loads this runs
// about 20% slower on amd64, bound by load ports.
func lpsxRound(k, t, c *[8]uint64) {
	tb := lpsTable
	var x [64]byte
	binary.LittleEndian.PutUint64(x[0:], k[0]^t[0])
	binary.LittleEndian.PutUint64(x[8:], k[1]^t[1])
	binary.LittleEndian.PutUint64(x[16:], k[2]^t[2])
	binary.LittleEndian.PutUint64(x[24:], k[3]^t[3])
	binary.LittleEndian.PutUint64(x[32:], k[4]^t[4])
	binary.LittleEndian.PutUint64(x[40:], k[5]^t[5])
	binary.LittleEndian.PutUint64(x[48:], k[6]^t[6])
	binary.LittleEndian.PutUint64(x[56:], k[7]^t[7])
	y0 := k[0] ^ c[0]
	y1 := k[1] ^ c[1]
	y2 := k[2] ^ c[2]
	y3 := k[3] ^ c[3]
	y4 := k[4] ^ c[4]
	y5 := k[5] ^ c[5]
	y6 := k[6] ^ c[6]
	y7 := k[7] ^ c[7]
	t[0] = tb[0][x[0]] ^ tb[1][x[8]] ^ tb[2][x[16]] ^ tb[3][x[24]] ^
		tb[4][x[32]] ^ tb[5][x[40]] ^ tb[6][x[48]] ^ tb[7][x[56]]
	k[0] = tb[0][uint8(y0)] ^ tb[1][uint8(y1)] ^ tb[2][uint8(y2)] ^ tb[3][uint8(y3)] ^
		tb[4][uint8(y4)] ^ tb[5][uint8(y5)] ^ tb[6][uint8(y6)] ^ tb[7][uint8(y7)]
	t[1] = tb[0][x[1]] ^ tb[1][x[9]] ^ tb[2][x[17]] ^ tb[3][x[25]] ^
		tb[4][x[33]] ^ tb[5][x[41]] ^ tb[6][x[49]] ^ tb[7][x[57]]
	k[1] = tb[0][uint8(y0>>8)] ^ tb[1][uint8(y1>>8)] ^ tb[2][uint8(y2>>8)] ^ tb[3][uint8(y3>>8)] ^
		tb[4][uint8(y4>>8)] ^ tb[5][uint8(y5>>8)] ^ tb[6][uint8(y6>>8)] ^ tb[7][uint8(y7>>8)]
	t[2] = tb[0][x[2]] ^ tb[1][x[10]] ^ tb[2][x[18]] ^ tb[3][x[26]] ^
		tb[4][x[34]] ^ tb[5][x[42]] ^ tb[6][x[50]] ^ tb[7][x[58]]
	k[2] = tb[0][uint8(y0>>16)] ^ tb[1][uint8(y1>>16)] ^ tb[2][uint8(y2>>16)] ^ tb[3][uint8(y3>>16)] ^
		tb[4][uint8(y4>>16)] ^ tb[5][uint8(y5>>16)] ^ tb[6][uint8(y6>>16)] ^ tb[7][uint8(y7>>16)]
	t[3] = tb[0][x[3]] ^ tb[1][x[11]] ^ tb[2][x[19]] ^ tb[3][x[27]] ^
		tb[4][x[35]] ^ tb[5][x[43]] ^ tb[6][x[51]] ^ tb[7][x[59]]
	k[3] = tb[0][uint8(y0>>24)] ^ tb[1][uint8(y1>>24)] ^ tb[2][uint8(y2>>24)] ^ tb[3][uint8(y3>>24)] ^
		tb[4][uint8(y4>>24)] ^ tb[5][uint8(y5>>24)] ^ tb[6][uint8(y6>>24)] ^ tb[7][uint8(y7>>24)]
	t[4] = tb[0][x[4]] ^ tb[1][x[12]] ^ tb[2][x[20]] ^ tb[3][x[28]] ^
		tb[4][x[36]] ^ tb[5][x[44]] ^ tb[6][x[52]] ^ tb[7][x[60]]
	k[4] = tb[0][uint8(y0>>32)] ^ tb[1][uint8(y1>>32)] ^ tb[2][uint8(y2>>32)] ^ tb[3][uint8(y3>>32)] ^
		tb[4][uint8(y4>>32)] ^ tb[5][uint8(y5>>32)] ^ tb[6][uint8(y6>>32)] ^ tb[7][uint8(y7>>32)]
	t[5] = tb[0][x[5]] ^ tb[1][x[13]] ^ tb[2][x[21]] ^ tb[3][x[29]] ^
		tb[4][x[37]] ^ tb[5][x[45]] ^ tb[6][x[53]] ^ tb[7][x[61]]
	k[5] = tb[0][uint8(y0>>40)] ^ tb[1][uint8(y1>>40)] ^ tb[2][uint8(y2>>40)] ^ tb[3][uint8(y3>>40)] ^
		tb[4][uint8(y4>>40)] ^ tb[5][uint8(y5>>40)] ^ tb[6][uint8(y6>>40)] ^ tb[7][uint8(y7>>40)]
	t[6] = tb[0][x[6]] ^ tb[1][x[14]] ^ tb[2][x[22]] ^ tb[3][x[30]] ^
		tb[4][x[38]] ^ tb[5][x[46]] ^ tb[6][x[54]] ^ tb[7][x[62]]
	k[6] = tb[0][uint8(y0>>48)] ^ tb[1][uint8(y1>>48)] ^ tb[2][uint8(y2>>48)] ^ tb[3][uint8(y3>>48)] ^
		tb[4][uint8(y4>>48)] ^ tb[5][uint8(y5>>48)] ^ tb[6][uint8(y6>>48)] ^ tb[7][uint8(y7>>48)]
	t[7] = tb[0][x[7]] ^ tb[1][x[15]] ^ tb[2][x[23]] ^ tb[3][x[31]] ^
		tb[4][x[39]] ^ tb[5][x[47]] ^ tb[6][x[55]] ^ tb[7][x[63]]
	k[7] = tb[0][uint8(y0>>56)] ^ tb[1][uint8(y1>>56)] ^ tb[2][uint8(y2>>56)] ^ tb[3][uint8(y3>>56)] ^
		tb[4][uint8(y4>>56)] ^ tb[5][uint8(y5>>56)] ^ tb[6][uint8(y6>>56)] ^ tb[7][uint8(y7>>56)]
}
