package gost

import (
	"math/big"
	"math/bits"
)

// Fixed-width Montgomery arithmetic for the moduli of the GOST curves (the
// field primes p and the group orders q, 256 or 512 bits). Every operation
// takes the same time whatever the values: no branch or index depends on
// them. Only the modulus (public) chooses the limb count.

const maxLimbs = 8

// nat is a little-endian array of 64-bit limbs; only the first n of a
// modulus are used.
type nat [maxLimbs]uint64

type modulus struct {
	n int // limbs in use
	m nat
	// c is set when m = 2^(64n) − c with a small c (both field primes of
	// NCA's curves): values are then kept plain, not in Montgomery form,
	// and products are reduced by folding the high half times c.
	c     uint64
	m0inv uint64 // -m⁻¹ mod 2⁶⁴
	rr    nat    // R² mod m, R = 2^(64n)
	one   nat    // R mod m: 1 in Montgomery form
	big   *big.Int
	size  int // bytes in a big-endian encoding
}

func newModulus(m *big.Int) *modulus {
	n := (m.BitLen() + 63) / 64
	md := &modulus{n: n, big: new(big.Int).Set(m), size: (m.BitLen() + 7) / 8}
	md.m = natFromBig(m)
	if c := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(64*n)), m); c.BitLen() <= 32 {
		md.c = c.Uint64()
		md.one = nat{1}
		return md
	}
	// Newton iteration for m⁻¹ mod 2⁶⁴.
	inv := uint64(1)
	for i := 0; i < 6; i++ {
		inv *= 2 - md.m[0]*inv
	}
	md.m0inv = -inv
	r := new(big.Int).Lsh(big.NewInt(1), uint(64*n))
	md.one = natFromBig(new(big.Int).Mod(r, m))
	md.rr = natFromBig(new(big.Int).Mod(new(big.Int).Mul(r, r), m))
	return md
}

func natFromBig(x *big.Int) nat {
	var z nat
	for i, w := range x.Bits() {
		if i < maxLimbs {
			z[i] = uint64(w)
		}
	}
	return z
}

func (md *modulus) toBig(x *nat) *big.Int {
	words := make([]big.Word, md.n)
	for i := range words {
		words[i] = big.Word(x[i])
	}
	return new(big.Int).SetBits(words)
}

// setBytes reads a big-endian value of at most md.size bytes, which must be
// below the modulus; it reports 0 when it is not (in constant time).
func (md *modulus) setBytes(z *nat, b []byte) (ok uint64) {
	*z = nat{}
	for i := 0; i < len(b); i++ {
		byteIdx := len(b) - 1 - i
		z[i/8] |= uint64(b[byteIdx]) << (8 * (i % 8))
	}
	return md.less(z)
}

// bytes writes x (not in Montgomery form) big-endian into md.size bytes.
func (md *modulus) bytes(x *nat) []byte { return natBytes(x, md.size) }

// natBytes writes x big-endian into size bytes (size ≤ 64).
func natBytes(x *nat, size int) []byte {
	out := make([]byte, size)
	for i := 0; i < size; i++ {
		out[size-1-i] = byte(x[(i/8)&7] >> (8 * (i % 8)))
	}
	return out
}

// less reports 1 when x < m, in constant time.
func (md *modulus) less(x *nat) uint64 {
	var borrow uint64
	for i := 0; i < md.n; i++ {
		_, borrow = bits.Sub64(x[i], md.m[i], borrow)
	}
	return borrow
}

// isZero reports 1 when x is zero, in constant time.
func (md *modulus) isZero(x *nat) uint64 {
	var acc uint64
	for i := 0; i < md.n; i++ {
		acc |= x[i]
	}
	return 1 ^ ((acc | -acc) >> 63)
}

// mul sets z = x·y·R⁻¹ mod m (Montgomery multiplication, CIOS), or
// z = x·y mod m for a pseudo-Mersenne m. Indexes are masked with &7 so the
// compiler drops bounds checks from the inner loops.
func (md *modulus) mul(z, x, y *nat) {
	if md.c != 0 {
		switch md.n {
		case 4:
			mulPM4(z, x, y, &md.m, md.c)
		case 8:
			mulPM8(z, x, y, &md.m, md.c)
		default:
			md.mulPM(z, x, y)
		}
		return
	}
	n := md.n
	var t [maxLimbs + 2]uint64
	for i := 0; i < n; i++ {
		var c uint64
		yi := y[i&7]
		for j := 0; j < n; j++ {
			hi, lo := bits.Mul64(x[j&7], yi)
			var cc uint64
			lo, cc = bits.Add64(lo, t[j&7], 0)
			hi += cc
			lo, cc = bits.Add64(lo, c, 0)
			hi += cc
			t[j&7], c = lo, hi
		}
		var cc uint64
		t[n], cc = bits.Add64(t[n], c, 0)
		t[n+1] = cc

		u := t[0] * md.m0inv
		hi, lo := bits.Mul64(u, md.m[0])
		_, cc = bits.Add64(lo, t[0], 0)
		c = hi + cc
		for j := 1; j < n; j++ {
			hi, lo = bits.Mul64(u, md.m[j&7])
			lo, cc = bits.Add64(lo, t[j&7], 0)
			hi += cc
			lo, cc = bits.Add64(lo, c, 0)
			hi += cc
			t[(j-1)&7], c = lo, hi
		}
		t[n-1], cc = bits.Add64(t[n], c, 0)
		t[n] = t[n+1] + cc
	}
	// t < 2m: subtract m once when t ≥ m.
	var d nat
	var borrow uint64
	for i := 0; i < n; i++ {
		d[i&7], borrow = bits.Sub64(t[i&7], md.m[i&7], borrow)
	}
	_, borrow = bits.Sub64(t[n], 0, borrow)
	keep := -borrow // all ones when t < m
	for i := 0; i < n; i++ {
		z[i&7] = t[i&7]&keep | d[i&7]&^keep
	}
	for i := n; i < maxLimbs; i++ {
		z[i&7] = 0
	}
}

// sqr sets z = x² (see mul).
func (md *modulus) sqr(z, x *nat) {
	switch {
	case md.c != 0 && md.n == 4:
		squarePM4(z, x, &md.m, md.c)
	case md.c != 0 && md.n == 8:
		squarePM8(z, x, &md.m, md.c)
	default:
		md.mul(z, x, x)
	}
}

// mulPM sets z = x·y mod m for m = 2^(64n) − c: the schoolbook product,
// then its high half folded in twice as c·high, then one conditional
// subtraction — all without branches on the values.
func (md *modulus) mulPM(z, x, y *nat) {
	n := md.n
	var t [2 * maxLimbs]uint64
	for i := 0; i < n; i++ {
		var carry uint64
		yi := y[i&7]
		for j := 0; j < n; j++ {
			hi, lo := bits.Mul64(x[j&7], yi)
			var cc uint64
			lo, cc = bits.Add64(lo, t[(i+j)&15], 0)
			hi += cc
			lo, cc = bits.Add64(lo, carry, 0)
			hi += cc
			t[(i+j)&15], carry = lo, hi
		}
		t[(i+n)&15] = carry
	}
	c := md.c
	var r nat
	var carry uint64
	for i := 0; i < n; i++ {
		hi, lo := bits.Mul64(t[(i+n)&15], c)
		var cc uint64
		lo, cc = bits.Add64(lo, t[i&15], 0)
		hi += cc
		lo, cc = bits.Add64(lo, carry, 0)
		hi += cc
		r[i&7], carry = lo, hi
	}
	// r + carry·2^(64n) ≡ r + carry·c; carry ≤ c, so carry·c fits a word.
	var cc uint64
	r[0], cc = bits.Add64(r[0], carry*c, 0)
	for i := 1; i < n; i++ {
		r[i&7], cc = bits.Add64(r[i&7], 0, cc)
	}
	// A wrap past 2^(64n) leaves r tiny; add c for it once more.
	r[0], cc = bits.Add64(r[0], cc*c, 0)
	for i := 1; i < n; i++ {
		r[i&7], cc = bits.Add64(r[i&7], 0, cc)
	}
	var d nat
	var borrow uint64
	for i := 0; i < n; i++ {
		d[i&7], borrow = bits.Sub64(r[i&7], md.m[i&7], borrow)
	}
	keep := -borrow // r < m: keep r
	for i := 0; i < maxLimbs; i++ {
		z[i&7] = r[i&7]&keep | d[i&7]&^keep
	}
}

// add sets z = x + y mod m.
func (md *modulus) add(z, x, y *nat) {
	switch md.n {
	case 4:
		add4(z, x, y, &md.m)
		return
	case 8:
		add8(z, x, y, &md.m)
		return
	}
	n := md.n
	var s, d nat
	var carry, borrow uint64
	for i := 0; i < n; i++ {
		s[i&7], carry = bits.Add64(x[i&7], y[i&7], carry)
	}
	for i := 0; i < n; i++ {
		d[i&7], borrow = bits.Sub64(s[i&7], md.m[i&7], borrow)
	}
	_, borrow = bits.Sub64(carry, 0, borrow)
	keep := -borrow // s < m: keep the sum
	for i := 0; i < n; i++ {
		z[i&7] = s[i&7]&keep | d[i&7]&^keep
	}
}

// sub sets z = x − y mod m.
func (md *modulus) sub(z, x, y *nat) {
	switch md.n {
	case 4:
		sub4(z, x, y, &md.m)
		return
	case 8:
		sub8(z, x, y, &md.m)
		return
	}
	n := md.n
	var d nat
	var borrow, carry uint64
	for i := 0; i < n; i++ {
		d[i&7], borrow = bits.Sub64(x[i&7], y[i&7], borrow)
	}
	mask := -borrow // add m back when it went negative
	for i := 0; i < n; i++ {
		z[i&7], carry = bits.Add64(d[i&7], md.m[i&7]&mask, carry)
	}
}

// toMont sets z = x·R mod m; fromMont the inverse.
// For a pseudo-Mersenne modulus values stay plain and both are copies.
func (md *modulus) toMont(z, x *nat) {
	if md.c != 0 {
		*z = *x
		return
	}
	md.mul(z, x, &md.rr)
}

func (md *modulus) fromMont(z, x *nat) {
	if md.c != 0 {
		*z = *x
		return
	}
	md.mul(z, x, &nat{1})
}

// exp sets z = x^e (x and z in Montgomery form) for a public exponent e,
// with a fixed 4-bit window: the sequence of operations depends on e only.
func (md *modulus) exp(z, x *nat, e *big.Int) {
	var table [16]nat
	table[0] = md.one
	table[1] = *x
	for i := 2; i < 16; i++ {
		md.mul(&table[i], &table[i-1], x)
	}
	acc := md.one
	for i := (e.BitLen() + 3) / 4 * 4; i > 0; i -= 4 {
		for j := 0; j < 4; j++ {
			md.sqr(&acc, &acc)
		}
		w := e.Bit(i-1)<<3 | e.Bit(i-2)<<2 | e.Bit(i-3)<<1 | e.Bit(i-4)
		if w != 0 { // public exponent bits
			md.mul(&acc, &acc, &table[w])
		}
	}
	*z = acc
}

// inv sets z = x⁻¹ (Montgomery form) by Fermat's little theorem; m is prime.
func (md *modulus) inv(z, x *nat) {
	md.exp(z, x, new(big.Int).Sub(md.big, big.NewInt(2)))
}

// selectNat sets z = x when c == 1 and leaves it when c == 0.
func selectNat(z, x *nat, c uint64) {
	mask := -c
	for i := range z {
		z[i] ^= (z[i] ^ x[i]) & mask
	}
}
