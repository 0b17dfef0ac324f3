package gost

import (
	"math/big"
	"sync"
)

// CurveParams are the parameters of a curve y² = x³ + ax + b over GF(p)
// with a base point (X, Y) of prime order Q.
type CurveParams struct {
	Name       string
	P, A, B, Q *big.Int
	X, Y       *big.Int
}

// curve is a curve ready for arithmetic.
type curve struct {
	params   *CurveParams
	fp, fq   *modulus
	a, b, b3 nat // a, b and 3b, Montgomery form mod p
	aMinus3  bool
	g        point // the base point
	size     int   // bytes of a coordinate or scalar

	baseOnce  sync.Once
	baseTable [][16]point // baseTable[w][j] = j·16^w·G
}

func mustHex(s string) *big.Int {
	v, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic("gost: bad constant " + s)
	}
	return v
}

// The curves NCA uses (gost.md §1); constants from RFC 4357 (CryptoPro-A)
// and the TC26 parameters of RFC 7836/9215 (512 paramSetA).
var (
	paramsCryptoProA = &CurveParams{
		Name: "id-GostR3410-2001-CryptoPro-A-ParamSet",
		P:    mustHex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97"),
		A:    mustHex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD94"),
		B:    big.NewInt(166),
		Q:    mustHex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF6C611070995AD10045841B09B761B893"),
		X:    big.NewInt(1),
		Y:    mustHex("8D91E471E0989CDA27DF505A453F2B7635294F2DDF23E3B122ACC99C9E9F1E14"),
	}
	paramsTC26512A = &CurveParams{
		Name: "id-tc26-gost-3410-12-512-paramSetA",
		P:    mustHex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC7"),
		A:    mustHex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC4"),
		B:    mustHex("E8C2505DEDFC86DDC1BD0B2B6667F1DA34B82574761CB0E879BD081CFD0B6265EE3CB090F30D27614CB4574010DA90DD862EF9D4EBEE4761503190785A71C760"),
		Q:    mustHex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF27E69532F48D89116FF22B8D4E0560609B4B38ABFAD2B85DCACDB1411F10B275"),
		X:    big.NewInt(3),
		Y:    mustHex("7503CFE87A836AE3A61B8816E25450E6CE5E1C93ACF1ABC1778064FDCBEFA921DF1626BE4FD036E93D75E6A50E3A41E98028FE5FC235F5B889A589CB5215F2A4"),
	}
)

var (
	curvesOnce sync.Once
	curves     map[Curve]*curve
)

// Params returns the curve's parameters, or nil for an unknown curve.
func (c Curve) Params() *CurveParams {
	if cv := c.impl(); cv != nil {
		return cv.params
	}
	return nil
}

func (c Curve) impl() *curve {
	curvesOnce.Do(func() {
		curves = map[Curve]*curve{
			CurveCryptoProA: newCurve(paramsCryptoProA),
			CurveTC26512A:   newCurve(paramsTC26512A),
		}
	})
	return curves[c]
}

func newCurve(p *CurveParams) *curve {
	cv := &curve{params: p, fp: newModulus(p.P), fq: newModulus(p.Q)}
	cv.size = cv.fp.size
	if s := cv.fq.size; s > cv.size {
		cv.size = s
	}
	cv.aMinus3 = new(big.Int).Sub(p.P, p.A).Cmp(big.NewInt(3)) == 0
	cv.a = cv.mont(p.A)
	cv.b = cv.mont(p.B)
	cv.b3 = cv.mont(new(big.Int).Mul(p.B, big.NewInt(3)))
	cv.g = point{x: cv.mont(p.X), y: cv.mont(p.Y), z: cv.fp.one}
	return cv
}

// mont returns v mod p in Montgomery form.
func (cv *curve) mont(v *big.Int) nat {
	x := natFromBig(new(big.Int).Mod(v, cv.params.P))
	var z nat
	cv.fp.toMont(&z, &x)
	return z
}

// onCurve reports whether (x, y) satisfies the curve equation, with
// 0 ≤ x, y < p. Public data only (math/big).
func (cv *curve) onCurve(x, y *big.Int) bool {
	p := cv.params.P
	if x.Sign() < 0 || y.Sign() < 0 || x.Cmp(p) >= 0 || y.Cmp(p) >= 0 {
		return false
	}
	lhs := new(big.Int).Mul(y, y)
	lhs.Mod(lhs, p)
	rhs := new(big.Int).Mul(x, x)
	rhs.Mul(rhs, x)
	rhs.Add(rhs, new(big.Int).Mul(cv.params.A, x))
	rhs.Add(rhs, cv.params.B)
	rhs.Mod(rhs, p)
	return lhs.Cmp(rhs) == 0
}

// point is a projective point (X:Y:Z), coordinates in Montgomery form; the
// identity is (0:1:0).
type point struct{ x, y, z nat }

func (cv *curve) identity() point { return point{y: cv.fp.one} }

// mulA sets z = a·x, cheaply when a = −3.
func (cv *curve) mulA(z, x *nat) {
	f := cv.fp
	if cv.aMinus3 { // a property of the curve, not of secret data
		var t nat
		f.add(&t, x, x)
		f.add(&t, &t, x)
		f.sub(z, &nat{}, &t)
		return
	}
	f.mul(z, &cv.a, x)
}

// add sets r = p1 + p2 with the complete formulas of Renes, Costello and
// Batina (2016, algorithm 1): correct for every input, doubling and the
// identity included, with no branch.
func (cv *curve) add(r, p1, p2 *point) {
	f := cv.fp
	var t0, t1, t2, t3, t4, t5, x3, y3, z3 nat
	f.mul(&t0, &p1.x, &p2.x)
	f.mul(&t1, &p1.y, &p2.y)
	f.mul(&t2, &p1.z, &p2.z)
	f.add(&t3, &p1.x, &p1.y)
	f.add(&t4, &p2.x, &p2.y)
	f.mul(&t3, &t3, &t4)
	f.add(&t4, &t0, &t1)
	f.sub(&t3, &t3, &t4)
	f.add(&t4, &p1.x, &p1.z)
	f.add(&t5, &p2.x, &p2.z)
	f.mul(&t4, &t4, &t5)
	f.add(&t5, &t0, &t2)
	f.sub(&t4, &t4, &t5)
	f.add(&t5, &p1.y, &p1.z)
	f.add(&x3, &p2.y, &p2.z)
	f.mul(&t5, &t5, &x3)
	f.add(&x3, &t1, &t2)
	f.sub(&t5, &t5, &x3)
	cv.mulA(&z3, &t4)
	f.mul(&x3, &cv.b3, &t2)
	f.add(&z3, &x3, &z3)
	f.sub(&x3, &t1, &z3)
	f.add(&z3, &t1, &z3)
	f.mul(&y3, &x3, &z3)
	f.add(&t1, &t0, &t0)
	f.add(&t1, &t1, &t0)
	cv.mulA(&t2, &t2)
	f.mul(&t4, &cv.b3, &t4)
	f.add(&t1, &t1, &t2)
	f.sub(&t2, &t0, &t2)
	cv.mulA(&t2, &t2)
	f.add(&t4, &t4, &t2)
	f.mul(&t0, &t1, &t4)
	f.add(&y3, &y3, &t0)
	f.mul(&t0, &t5, &t4)
	f.mul(&x3, &t3, &x3)
	f.sub(&x3, &x3, &t0)
	f.mul(&t0, &t3, &t1)
	f.mul(&z3, &t5, &z3)
	f.add(&z3, &z3, &t0)
	r.x, r.y, r.z = x3, y3, z3
}

// double sets r = 2·p. For a = −3 (both NCA curves) it uses the dedicated
// complete doubling of Renes, Costello and Batina (algorithm 6); otherwise
// the complete addition of p to itself. Either way, no branch on values.
func (cv *curve) double(r, p *point) {
	if !cv.aMinus3 {
		cv.add(r, p, p)
		return
	}
	f := cv.fp
	var t0, t1, t2, t3, x3, y3, z3 nat
	f.sqr(&t0, &p.x)
	f.sqr(&t1, &p.y)
	f.sqr(&t2, &p.z)
	f.mul(&t3, &p.x, &p.y)
	f.add(&t3, &t3, &t3)
	f.mul(&z3, &p.x, &p.z)
	f.add(&z3, &z3, &z3)
	f.mul(&y3, &cv.b, &t2)
	f.sub(&y3, &y3, &z3)
	f.add(&x3, &y3, &y3)
	f.add(&y3, &x3, &y3)
	f.sub(&x3, &t1, &y3)
	f.add(&y3, &t1, &y3)
	f.mul(&y3, &x3, &y3)
	f.mul(&x3, &x3, &t3)
	f.add(&t3, &t2, &t2)
	f.add(&t2, &t2, &t3)
	f.mul(&z3, &cv.b, &z3)
	f.sub(&z3, &z3, &t2)
	f.sub(&z3, &z3, &t0)
	f.add(&t3, &z3, &z3)
	f.add(&z3, &z3, &t3)
	f.add(&t3, &t0, &t0)
	f.add(&t0, &t3, &t0)
	f.sub(&t0, &t0, &t2)
	f.mul(&t0, &t0, &z3)
	f.add(&y3, &y3, &t0)
	f.mul(&t0, &p.y, &p.z)
	f.add(&t0, &t0, &t0)
	f.mul(&z3, &t0, &z3)
	f.sub(&x3, &x3, &z3)
	f.mul(&z3, &t0, &t1)
	f.add(&z3, &z3, &z3)
	f.add(&z3, &z3, &z3)
	r.x, r.y, r.z = x3, y3, z3
}

// scalarMult sets r = k·p for a big-endian scalar k of cv.size bytes, in
// constant time: a fixed 4-bit window over every bit, with the table entry
// chosen by scanning the whole table.
func (cv *curve) scalarMult(r *point, p *point, k []byte) {
	var table [16]point
	table[0] = cv.identity()
	table[1] = *p
	for i := 2; i < 16; i++ {
		cv.add(&table[i], &table[i-1], p)
	}
	acc := cv.identity()
	var sel point
	for _, b := range k {
		for _, w := range [2]byte{b >> 4, b & 15} {
			for i := 0; i < 4; i++ {
				cv.double(&acc, &acc)
			}
			sel = cv.identity()
			for i := range table {
				eq := uint64(subtleEq(byte(i), w))
				selectNat(&sel.x, &table[i].x, eq)
				selectNat(&sel.y, &table[i].y, eq)
				selectNat(&sel.z, &table[i].z, eq)
			}
			cv.add(&acc, &acc, &sel)
		}
	}
	*r = acc
}

// scalarBaseMult sets r = k·G for a big-endian scalar k of cv.size bytes,
// in constant time, from a table of every nibble value at every nibble
// position of the scalar: one complete addition per nibble, no doublings.
func (cv *curve) scalarBaseMult(r *point, k []byte) {
	cv.baseOnce.Do(cv.buildBaseTable)
	acc := cv.identity()
	var sel point
	for w := range cv.baseTable {
		nibble := (k[len(k)-1-w/2] >> (4 * (w % 2))) & 15
		sel = cv.identity()
		for i := range cv.baseTable[w] {
			eq := uint64(subtleEq(byte(i), nibble))
			selectNat(&sel.x, &cv.baseTable[w][i].x, eq)
			selectNat(&sel.y, &cv.baseTable[w][i].y, eq)
			selectNat(&sel.z, &cv.baseTable[w][i].z, eq)
		}
		cv.add(&acc, &acc, &sel)
	}
	*r = acc
}

func (cv *curve) buildBaseTable() {
	cv.baseTable = make([][16]point, 2*cv.size)
	base := cv.g
	for w := range cv.baseTable {
		t := &cv.baseTable[w]
		t[0] = cv.identity()
		t[1] = base
		for j := 2; j < 16; j++ {
			cv.add(&t[j], &t[j-1], &base)
		}
		cv.add(&base, &t[15], &base) // 16^(w+1)·G
	}
}

// subtleEq returns 1 when a == b, else 0, without branching.
func subtleEq(a, b byte) int {
	x := uint32(a ^ b)
	return int((x - 1) >> 31)
}

// affine returns the affine coordinates of p as big integers (x, y), and
// false for the identity.
func (cv *curve) affine(p *point) (x, y *big.Int, ok bool) {
	f := cv.fp
	if f.isZero(&p.z) == 1 {
		return nil, nil, false
	}
	var zinv, ax, ay nat
	f.inv(&zinv, &p.z)
	f.mul(&ax, &p.x, &zinv)
	f.mul(&ay, &p.y, &zinv)
	f.fromMont(&ax, &ax)
	f.fromMont(&ay, &ay)
	return f.toBig(&ax), f.toBig(&ay), true
}
