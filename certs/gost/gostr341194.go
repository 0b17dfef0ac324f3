package gost

import (
	"encoding/binary"
	"hash"
	"math/bits"
)

// GOST R 34.11-94 (RFC 5831), which NCA calls ГОСТ 34.311-95, with the
// GOST 28147-89 S-box of id-GostR3411-94-TestParamSet (the parameters of
// RFC 5831's test examples; RFC 4357) and H0 = 0.
//
// Byte order: the standard's 256-bit values are numbers; as in RFC 5831's
// examples and every implementation NCA agrees with, a message block is 32
// message bytes read as a little-endian number, and the digest is the final
// H written out little-endian. Debian's `gostsum -t` prints the reverse.

const (
	gost341194BlockSize = 32
	gost341194Size      = 32
)

// gost28147TestSBox is the S-box of id-GostR3411-94-TestParamSet: row i is
// the substitution K_{i+1} applied to bits 4i…4i+3 of the 32-bit word.
var gost28147TestSBox = [8][16]uint8{
	{4, 10, 9, 2, 13, 8, 0, 14, 6, 11, 1, 12, 7, 15, 5, 3},
	{14, 11, 4, 12, 6, 13, 15, 10, 2, 3, 8, 1, 0, 7, 5, 9},
	{5, 8, 1, 13, 10, 3, 4, 2, 14, 15, 12, 7, 6, 0, 9, 11},
	{7, 13, 10, 1, 0, 8, 9, 15, 14, 4, 6, 12, 11, 2, 5, 3},
	{6, 12, 7, 1, 5, 15, 13, 8, 4, 10, 9, 14, 0, 3, 11, 2},
	{4, 11, 10, 0, 7, 2, 1, 13, 3, 6, 8, 5, 9, 12, 15, 14},
	{13, 11, 4, 1, 3, 15, 5, 9, 0, 10, 14, 7, 6, 8, 2, 12},
	{1, 15, 13, 0, 5, 7, 10, 4, 9, 2, 3, 14, 6, 11, 8, 12},
}

// gost28147Table merges pairs of S-box rows with the 11-bit rotation of
// the round function: f(x) = XOR over j of gost28147Table[j][byte j of x].
var gost28147Table [4][256]uint32

// gost341194C3 is the constant C_3 of the key generation (C_2 = C_4 = 0),
// little-endian: the standard's
// 0xff00ffff000000ffff0000ff00ffff0000ff00ff00ff00ffff00ff00ff00ff00.
var gost341194C3 = [32]byte{
	0x00, 0xff, 0x00, 0xff, 0x00, 0xff, 0x00, 0xff,
	0xff, 0x00, 0xff, 0x00, 0xff, 0x00, 0xff, 0x00,
	0x00, 0xff, 0xff, 0x00, 0xff, 0x00, 0x00, 0xff,
	0xff, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0xff,
}

func init() {
	for j := range 4 {
		for b := range 256 {
			lo := uint32(gost28147TestSBox[2*j][b&0x0f])
			hi := uint32(gost28147TestSBox[2*j+1][b>>4])
			gost28147Table[j][b] = bits.RotateLeft32((hi<<4|lo)<<(8*j), 11)
		}
	}
}

// gost28147Encrypt encrypts one 64-bit block with GOST 28147-89 in simple
// substitution (ECB) mode: 32 rounds with key words 0…7 three times, then
// 7…0. The block's low 32 bits are N1, its high 32 bits N2.
func gost28147Encrypt(key *[8]uint32, block uint64) uint64 {
	n1, n2 := uint32(block), uint32(block>>32)
	f := func(x uint32) uint32 {
		return gost28147Table[0][uint8(x)] ^ gost28147Table[1][uint8(x>>8)] ^
			gost28147Table[2][uint8(x>>16)] ^ gost28147Table[3][x>>24]
	}
	for range 3 {
		for i := range 8 {
			n1, n2 = n2^f(n1+key[i]), n1
		}
	}
	for i := 7; i >= 0; i-- {
		n1, n2 = n2^f(n1+key[i]), n1
	}
	// The last round does not swap the halves: undo the loop's swap.
	return uint64(n2) | uint64(n1)<<32
}

// gost341194 is the state of a GOST R 34.11-94 computation.
type gost341194 struct {
	h     [32]byte  // chaining value H
	sigma [4]uint64 // sum of the message blocks mod 2^256 (Σ)
	n     [4]uint64 // message length in bits mod 2^256 (L)
	buf   [gost341194BlockSize]byte
	nbuf  int
}

// New341194 returns a GOST R 34.11-94 hash.Hash with the test parameter set
// (id-GostR3411-94-TestParamSet), H0 = 0; digest bytes in RFC 5831 order
// (what NCA uses; `gostsum -t` prints them reversed).
func New341194() hash.Hash {
	return &gost341194{}
}

// Sum341194 returns the GOST R 34.11-94 digest of data with the test
// parameter set and H0 = 0, in RFC 5831 byte order (see New341194).
func Sum341194(data []byte) [gost341194Size]byte {
	var d gost341194
	d.Write(data)
	var out [gost341194Size]byte
	d.checkSum(&out)
	return out
}

// Reset resets the hash to its initial state.
func (d *gost341194) Reset() { *d = gost341194{} }

// Size returns the digest size, 32 bytes.
func (d *gost341194) Size() int { return gost341194Size }

// BlockSize returns the block size, 32 bytes.
func (d *gost341194) BlockSize() int { return gost341194BlockSize }

// Write adds p to the hash. It never returns an error.
func (d *gost341194) Write(p []byte) (int, error) {
	n := len(p)
	if d.nbuf > 0 {
		c := copy(d.buf[d.nbuf:], p)
		d.nbuf += c
		p = p[c:]
		if d.nbuf < gost341194BlockSize {
			return n, nil
		}
		d.block(&d.buf)
		d.nbuf = 0
	}
	for len(p) >= gost341194BlockSize {
		d.block((*[gost341194BlockSize]byte)(p))
		p = p[gost341194BlockSize:]
	}
	d.nbuf = copy(d.buf[:], p)
	return n, nil
}

// Sum appends the digest to b. It does not change the hash state.
func (d *gost341194) Sum(b []byte) []byte {
	c := *d
	var out [gost341194Size]byte
	c.checkSum(&out)
	return append(b, out[:]...)
}

// block hashes one full 256-bit message block.
func (d *gost341194) block(m *[gost341194BlockSize]byte) {
	gost341194Step(&d.h, m)
	add256(&d.sigma, m)
	add256Word(&d.n, 256)
}

// checkSum finishes the hash into out, destroying the state.
func (d *gost341194) checkSum(out *[gost341194Size]byte) {
	// A final partial block is padded with zero bits at its most
	// significant end; an empty remainder is not hashed at all (so the
	// empty message hashes only L = 0 and Σ = 0).
	if d.nbuf > 0 {
		var m [gost341194BlockSize]byte
		copy(m[:], d.buf[:d.nbuf])
		gost341194Step(&d.h, &m)
		add256(&d.sigma, &m)
		add256Word(&d.n, uint64(d.nbuf)*8)
	}
	var l, s [32]byte
	for i := range 4 {
		binary.LittleEndian.PutUint64(l[8*i:], d.n[i])
		binary.LittleEndian.PutUint64(s[8*i:], d.sigma[i])
	}
	gost341194Step(&d.h, &l)
	gost341194Step(&d.h, &s)
	*out = d.h
}

// add256 sets a = a + m mod 2^256, m read as a little-endian number.
func add256(a *[4]uint64, m *[32]byte) {
	var c uint64
	for i := range a {
		a[i], c = bits.Add64(a[i], binary.LittleEndian.Uint64(m[8*i:]), c)
	}
}

// add256Word sets a = a + w mod 2^256.
func add256Word(a *[4]uint64, w uint64) {
	var c uint64
	a[0], c = bits.Add64(a[0], w, 0)
	for i := 1; i < 4 && c != 0; i++ {
		a[i], c = bits.Add64(a[i], 0, c)
	}
}

// gost341194Step is the step hash function χ(M, H) of RFC 5831: key
// generation, encryption of H's four 64-bit quarters, and the ψ shuffle
// H' = ψ^61(H ⊕ ψ(M ⊕ ψ^12(S))).
func gost341194Step(h, m *[32]byte) {
	// Key generation.
	var keys [4][8]uint32
	u, v := *h, *m
	for j := range 4 {
		if j > 0 {
			u = gost341194A(&u)
			if j == 2 {
				for i := range u {
					u[i] ^= gost341194C3[i]
				}
			}
			v = gost341194A(&v)
			v = gost341194A(&v)
		}
		var w, k [32]byte
		for i := range w {
			w[i] = u[i] ^ v[i]
		}
		// P: byte i+4k of the key is byte 8i+k of W (i < 4, k < 8).
		for i := range 4 {
			for kk := range 8 {
				k[i+4*kk] = w[8*i+kk]
			}
		}
		for i := range 8 {
			keys[j][i] = binary.LittleEndian.Uint32(k[4*i:])
		}
	}

	// Encryption: quarter j of H (bytes 8j…8j+7) under key j.
	var s [16]uint16
	for j := range 4 {
		e := gost28147Encrypt(&keys[j], binary.LittleEndian.Uint64(h[8*j:]))
		for i := range 4 {
			s[4*j+i] = uint16(e >> (16 * i))
		}
	}

	// Shuffle, on sixteen 16-bit words, word 0 least significant.
	psi(&s, 12)
	for i := range s {
		s[i] ^= binary.LittleEndian.Uint16(m[2*i:])
	}
	psi(&s, 1)
	for i := range s {
		s[i] ^= binary.LittleEndian.Uint16(h[2*i:])
	}
	psi(&s, 61)
	for i := range s {
		binary.LittleEndian.PutUint16(h[2*i:], s[i])
	}
}

// gost341194A is A(y4‖y3‖y2‖y1) = (y1 ⊕ y2)‖y4‖y3‖y2 on 64-bit quarters,
// y1 being bytes 0…7.
func gost341194A(y *[32]byte) (r [32]byte) {
	copy(r[:24], y[8:])
	for i := range 8 {
		r[24+i] = y[i] ^ y[8+i]
	}
	return r
}

// psi applies ψ n times: ψ(y16‖…‖y1) = (y1 ⊕ y2 ⊕ y3 ⊕ y4 ⊕ y13 ⊕ y16)‖y16‖…‖y2,
// with y1 = y[0]. Repeated ψ is a linear feedback shift register, so the
// words are generated in one pass over a scratch buffer.
func psi(y *[16]uint16, n int) {
	var b [16 + 61]uint16
	copy(b[:], y[:])
	for i := range n {
		b[16+i] = b[i] ^ b[i+1] ^ b[i+2] ^ b[i+3] ^ b[i+12] ^ b[i+15]
	}
	copy(y[:], b[n:n+16])
}
