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
	n     int // limbs in use
	m     nat
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
func (md *modulus) bytes(x *nat) []byte {
	out := make([]byte, md.size)
	for i := 0; i < md.size; i++ {
		out[md.size-1-i] = byte(x[i/8] >> (8 * (i % 8)))
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

// mul sets z = x·y·R⁻¹ mod m (Montgomery multiplication, CIOS).
func (md *modulus) mul(z, x, y *nat) {
	n := md.n
	var t [maxLimbs + 2]uint64
	for i := 0; i < n; i++ {
		var c uint64
		yi := y[i]
		for j := 0; j < n; j++ {
			hi, lo := bits.Mul64(x[j], yi)
			var cc uint64
			lo, cc = bits.Add64(lo, t[j], 0)
			hi += cc
			lo, cc = bits.Add64(lo, c, 0)
			hi += cc
			t[j], c = lo, hi
		}
		var cc uint64
		t[n], cc = bits.Add64(t[n], c, 0)
		t[n+1] = cc

		u := t[0] * md.m0inv
		hi, lo := bits.Mul64(u, md.m[0])
		_, cc = bits.Add64(lo, t[0], 0)
		c = hi + cc
		for j := 1; j < n; j++ {
			hi, lo = bits.Mul64(u, md.m[j])
			lo, cc = bits.Add64(lo, t[j], 0)
			hi += cc
			lo, cc = bits.Add64(lo, c, 0)
			hi += cc
			t[j-1], c = lo, hi
		}
		t[n-1], cc = bits.Add64(t[n], c, 0)
		t[n] = t[n+1] + cc
	}
	// t < 2m: subtract m once when t ≥ m.
	var d nat
	var borrow uint64
	for i := 0; i < n; i++ {
		d[i], borrow = bits.Sub64(t[i], md.m[i], borrow)
	}
	_, borrow = bits.Sub64(t[n], 0, borrow)
	keep := -borrow // all ones when t < m
	for i := 0; i < n; i++ {
		z[i] = t[i]&keep | d[i]&^keep
	}
	for i := n; i < maxLimbs; i++ {
		z[i] = 0
	}
}

// add sets z = x + y mod m.
func (md *modulus) add(z, x, y *nat) {
	n := md.n
	var s, d nat
	var carry, borrow uint64
	for i := 0; i < n; i++ {
		s[i], carry = bits.Add64(x[i], y[i], carry)
	}
	for i := 0; i < n; i++ {
		d[i], borrow = bits.Sub64(s[i], md.m[i], borrow)
	}
	_, borrow = bits.Sub64(carry, 0, borrow)
	keep := -borrow // s < m: keep the sum
	for i := 0; i < n; i++ {
		z[i] = s[i]&keep | d[i]&^keep
	}
}

// sub sets z = x − y mod m.
func (md *modulus) sub(z, x, y *nat) {
	n := md.n
	var d nat
	var borrow, carry uint64
	for i := 0; i < n; i++ {
		d[i], borrow = bits.Sub64(x[i], y[i], borrow)
	}
	mask := -borrow // add m back when it went negative
	for i := 0; i < n; i++ {
		z[i], carry = bits.Add64(d[i], md.m[i]&mask, carry)
	}
}

// toMont sets z = x·R mod m; fromMont the inverse.
func (md *modulus) toMont(z, x *nat)   { md.mul(z, x, &md.rr) }
func (md *modulus) fromMont(z, x *nat) { md.mul(z, x, &nat{1}) }

// exp sets z = x^e (x and z in Montgomery form) for a public exponent e,
// by square-and-multiply over e's bits: the sequence of operations depends
// on e only.
func (md *modulus) exp(z, x *nat, e *big.Int) {
	acc := md.one
	for i := e.BitLen() - 1; i >= 0; i-- {
		md.mul(&acc, &acc, &acc)
		if e.Bit(i) == 1 {
			md.mul(&acc, &acc, x)
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
