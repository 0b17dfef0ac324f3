package gost

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// refAdd is an independent affine reference (math/big, textbook formulas)
// to check the complete projective formulas against.
func refAdd(p *CurveParams, x1, y1, x2, y2 *big.Int) (*big.Int, *big.Int) {
	if x1 == nil {
		return x2, y2
	}
	if x2 == nil {
		return x1, y1
	}
	P := p.P
	var l *big.Int
	if x1.Cmp(x2) == 0 {
		if new(big.Int).Add(y1, y2).Mod(new(big.Int).Add(y1, y2), P).Sign() == 0 {
			return nil, nil
		}
		num := new(big.Int).Mul(x1, x1)
		num.Mul(num, big.NewInt(3)).Add(num, p.A)
		den := new(big.Int).Lsh(y1, 1)
		l = num.Mul(num, den.ModInverse(den, P))
	} else {
		num := new(big.Int).Sub(y2, y1)
		den := new(big.Int).Sub(x2, x1)
		den.Mod(den, P)
		l = num.Mul(num, den.ModInverse(den, P))
	}
	l.Mod(l, P)
	x3 := new(big.Int).Mul(l, l)
	x3.Sub(x3, x1).Sub(x3, x2).Mod(x3, P)
	y3 := new(big.Int).Sub(x1, x3)
	y3.Mul(y3, l).Sub(y3, y1).Mod(y3, P)
	return x3, y3
}

func refMult(p *CurveParams, k *big.Int, x, y *big.Int) (*big.Int, *big.Int) {
	var rx, ry *big.Int
	for i := k.BitLen() - 1; i >= 0; i-- {
		rx, ry = refAdd(p, rx, ry, rx, ry)
		if k.Bit(i) == 1 {
			rx, ry = refAdd(p, rx, ry, x, y)
		}
	}
	return rx, ry
}

func TestCurveConstants(t *testing.T) {
	for _, c := range []Curve{CurveCryptoProA, CurveTC26512A} {
		t.Run(c.String(), func(t *testing.T) {
			cv := c.impl()
			p := cv.params
			require.True(t, cv.onCurve(p.X, p.Y), "base point on the curve")
			require.True(t, p.P.ProbablyPrime(20) && p.Q.ProbablyPrime(20))
			require.True(t, cv.aMinus3)
			assert.Equal(t, c.Size(), cv.size)
			var r point
			cv.scalarMult(&r, &cv.g, fixed(p.Q, cv.size))
			_, _, ok := cv.affine(&r)
			assert.False(t, ok, "q·P is the identity")
			qm1 := new(big.Int).Sub(p.Q, big.NewInt(1))
			cv.scalarMult(&r, &cv.g, fixed(qm1, cv.size))
			x, y, ok := cv.affine(&r)
			require.True(t, ok)
			assert.Equal(t, p.X, x)
			assert.Equal(t, new(big.Int).Sub(p.P, p.Y), y, "(q−1)·P = −P")
		})
	}
}

func TestAddMatchesAffineReference(t *testing.T) {
	for _, c := range []Curve{CurveCryptoProA, CurveTC26512A} {
		t.Run(c.String(), func(t *testing.T) {
			cv := c.impl()
			p := cv.params
			for i := 0; i < 20; i++ {
				k, err := rand.Int(rand.Reader, p.Q)
				require.NoError(t, err)
				if i == 0 {
					k = big.NewInt(2) // doubling through the complete formulas
				}
				var r point
				cv.scalarMult(&r, &cv.g, fixed(k, cv.size))
				x, y, ok := cv.affine(&r)
				require.True(t, ok)
				wx, wy := refMult(p, k, p.X, p.Y)
				require.Equal(t, wx, x, "k=%x", k)
				require.Equal(t, wy, y)
				require.True(t, cv.onCurve(x, y))
				var rb point
				cv.scalarBaseMult(&rb, fixed(k, cv.size))
				bx, by, ok := cv.affine(&rb)
				require.True(t, ok)
				require.Equal(t, wx, bx, "fixed-base table")
				require.Equal(t, wy, by)
			}
			var rb point
			cv.scalarBaseMult(&rb, make([]byte, cv.size))
			_, _, ok := cv.affine(&rb)
			require.False(t, ok, "0·G is the identity")
			// P + (−P) = identity; identity + P = P.
			neg := point{x: cv.g.x, z: cv.g.z}
			cv.fp.sub(&neg.y, &nat{}, &cv.g.y)
			var r point
			cv.add(&r, &cv.g, &neg)
			_, _, ok = cv.affine(&r)
			assert.False(t, ok)
			id := cv.identity()
			cv.add(&r, &id, &cv.g)
			x, y, ok := cv.affine(&r)
			require.True(t, ok)
			assert.Equal(t, p.X, x)
			assert.Equal(t, p.Y, y)
		})
	}
}

func TestModulusArithmetic(t *testing.T) {
	for _, c := range []Curve{CurveCryptoProA, CurveTC26512A} {
		cv := c.impl()
		for _, md := range []*modulus{cv.fp, cv.fq} {
			for i := 0; i < 200; i++ {
				a, _ := rand.Int(rand.Reader, md.big)
				b, _ := rand.Int(rand.Reader, md.big)
				if i == 0 {
					a.Sub(md.big, big.NewInt(1))
					b.Set(a)
				}
				an, bn := natFromBig(a), natFromBig(b)
				var am, bm, z nat
				md.toMont(&am, &an)
				md.toMont(&bm, &bn)
				check := func(op string, got nat, want *big.Int) {
					t.Helper()
					var plain nat
					md.fromMont(&plain, &got)
					require.Equal(t, want.Mod(want, md.big), md.toBig(&plain), "%s of %x and %x", op, a, b)
				}
				md.mul(&z, &am, &bm)
				check("mul", z, new(big.Int).Mul(a, b))
				md.sqr(&z, &am)
				check("sqr", z, new(big.Int).Mul(a, a))
				if md.c != 0 {
					var g nat
					md.mulPM(&g, &am, &bm) // the loop version agrees with the unrolled one
					check("mulPM", g, new(big.Int).Mul(a, b))
				}
				md.add(&z, &am, &bm)
				check("add", z, new(big.Int).Add(a, b))
				md.sub(&z, &am, &bm)
				check("sub", z, new(big.Int).Sub(a, b))
				if a.Sign() != 0 {
					md.inv(&z, &am)
					check("inv", z, new(big.Int).ModInverse(a, md.big))
				}
				require.True(t, bytes.Equal(fixed(a, md.size), md.bytes(&an)))
			}
		}
	}
}

// The key-derivation vector of gost.md §4.2: an NCA test key (stored
// little-endian) derives the certificate's public key.
func TestNCAKeyDerivationVector(t *testing.T) {
	le, _ := hex.DecodeString("843c61f77c1e8c22abd62fcb8ac68f8a38e65c49198276cd13149ed54e65629de8fef7e238d654277d647d91926bc579fc419c2a4fc849a4162172ac44d10d9e")
	k, err := NewPrivateKey(CurveTC26512A, reversed(le))
	require.NoError(t, err)
	assert.Equal(t, "9be58e246b2bdf2f97d8458c6e1bd0b107a2147538e83194b54314f388e2356d9e23bdf2cb69ffb658eab816718b58408d839d91da6bba3cdd233b8db7b63934", hex.EncodeToString(k.PublicKey().X))
	assert.Equal(t, "20702a0a2c1d94a82080a40db21ede5efa4caa014f2f9406ed8dee31a08102aefb1dc897555d1842755959d664f48a66eb64b3e4a5126f99745fe7f4974f52ee", hex.EncodeToString(k.PublicKey().Y))
	// Read big-endian instead, the same bytes give another key.
	other, err := NewPrivateKey(CurveTC26512A, le)
	require.NoError(t, err)
	assert.False(t, other.PublicKey().Equal(k.PublicKey()))

	d2004, _ := hex.DecodeString("7633718adc6ddf187fa529e5c5a477aeb4e9835c9c348ec99956d3afd0227f30")
	k2, err := NewPrivateKey(CurveCryptoProA, d2004)
	require.NoError(t, err)
	assert.True(t, k2.Curve.impl().onCurve(new(big.Int).SetBytes(k2.PublicKey().X), new(big.Int).SetBytes(k2.PublicKey().Y)))
}

// The dedicated doubling agrees with the complete addition, the identity
// included.
func TestDoubleMatchesAdd(t *testing.T) {
	for _, c := range []Curve{CurveCryptoProA, CurveTC26512A} {
		cv := c.impl()
		p := cv.g
		for i := 0; i < 10; i++ {
			var d, a point
			cv.double(&d, &p)
			cv.add(&a, &p, &p)
			dx, dy, _ := cv.affine(&d)
			ax, ay, _ := cv.affine(&a)
			require.Equal(t, ax, dx)
			require.Equal(t, ay, dy)
			p = d
		}
		id := cv.identity()
		var d point
		cv.double(&d, &id)
		_, _, ok := cv.affine(&d)
		assert.False(t, ok, "2·O = O")
	}
}
