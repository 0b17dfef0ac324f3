package gost

import (
	"crypto"
	"crypto/hmac"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
)

// Layout is how the two numbers of a signature (r, s) are written as bytes.
type Layout int

const (
	// LayoutNCA is r ‖ s, each little-endian, Curve.Size() bytes: what
	// NCA's Kalkan writes in certificates, CRLs, CMS and XMLDSig.
	LayoutNCA Layout = iota
	// LayoutRFC is s ‖ r, each big-endian: the layout of RFC 4491 and
	// RFC 9215 (and of OpenSSL's GOST engine), the byte reversal of LayoutNCA.
	LayoutRFC
)

// String returns "NCA" or "RFC".
func (l Layout) String() string {
	if l == LayoutRFC {
		return "RFC"
	}
	return "NCA"
}

// ErrVerification is the error of a signature that does not verify.
var ErrVerification = errors.New("gost: verification error")

// SignerOpts are the options of PrivateKey.Sign. The digest given to Sign
// is the GOST hash of the message (Streebog for GOST 2015 keys, GOST R
// 34.11-94 for GOST 2004 keys), so HashFunc returns 0.
type SignerOpts struct {
	// Layout of the returned signature; the zero value is LayoutNCA.
	Layout Layout
}

// HashFunc returns 0: GOST hashes have no crypto.Hash value.
func (SignerOpts) HashFunc() crypto.Hash { return 0 }

// maxKTries bounds the retries for k (r or s of zero, or k out of range),
// each of which is astronomically unlikely.
const maxKTries = 64

// Sign signs digest (Curve.Size() bytes: the hash of the message, read as a
// little-endian number as GOST prescribes) in constant time. k comes from
// rand, or, when rand is nil, deterministically from the key and the
// digest (HMAC-SHA-512, in the manner of RFC 6979). opts may be nil
// (LayoutNCA) or SignerOpts.
func (k *PrivateKey) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	layout := LayoutNCA
	if o, ok := opts.(SignerOpts); ok {
		layout = o.Layout
	} else if o, ok := opts.(*SignerOpts); ok && o != nil {
		layout = o.Layout
	}
	cv := k.Curve.impl()
	if len(digest) != cv.size {
		return nil, fmt.Errorf("gost: digest is %d bytes, %s needs %d", len(digest), k.Curve, cv.size)
	}
	var src io.Reader = rand
	if src == nil {
		src = newDeterministicK(cv.fq.bytes(&k.d), digest)
	}
	r, s, err := cv.sign(&k.dMont, digest, src)
	if err != nil {
		return nil, err
	}
	return encodeSignature(r, s, cv.size, layout), nil
}

// sign computes (r, s) for the scalar d (Montgomery form mod q).
func (cv *curve) sign(dMont *nat, digest []byte, rand io.Reader) (r, s []byte, err error) {
	fq := cv.fq
	var e nat
	eBig := hashToInt(digest, cv.params.Q)
	eLimbs := natFromBig(eBig)
	fq.toMont(&e, &eLimbs)

	buf := make([]byte, fq.size)
	topMask := byte(0xff >> (8*fq.size - cv.params.Q.BitLen()))
	for try := 0; try < maxKTries; try++ {
		if _, err := io.ReadFull(rand, buf); err != nil {
			return nil, nil, fmt.Errorf("gost: reading k: %w", err)
		}
		buf[0] &= topMask
		var kn nat
		if fq.setBytes(&kn, buf)&(1^fq.isZero(&kn)) != 1 {
			continue // k ∉ [1, q−1]: draw again
		}
		var c point
		cv.scalarBaseMult(&c, natBytes(&kn, cv.size))
		x, _, ok := cv.affine(&c)
		if !ok {
			continue
		}
		rBig := new(big.Int).Mod(x, cv.params.Q)
		if rBig.Sign() == 0 {
			continue
		}
		// s = (r·d + k·e) mod q, in constant time.
		var rn, rm, km, sm, t nat
		rn = natFromBig(rBig)
		fq.toMont(&rm, &rn)
		fq.toMont(&km, &kn)
		fq.mul(&sm, &rm, dMont)
		fq.mul(&t, &km, &e)
		fq.add(&sm, &sm, &t)
		var sn nat
		fq.fromMont(&sn, &sm)
		if fq.isZero(&sn) == 1 {
			continue
		}
		return fq.bytes(&rn), fq.bytes(&sn), nil
	}
	return nil, nil, errors.New("gost: no usable k after many tries; is the random source broken?")
}

// hashToInt reads digest as a little-endian number, reduced mod q; zero
// becomes one (GOST R 34.10-2012 §6.1).
func hashToInt(digest []byte, q *big.Int) *big.Int {
	e := new(big.Int).SetBytes(reversed(digest))
	e.Mod(e, q)
	if e.Sign() == 0 {
		e.SetInt64(1)
	}
	return e
}

func encodeSignature(r, s []byte, n int, layout Layout) []byte {
	out := make([]byte, 0, 2*n)
	if layout == LayoutRFC {
		out = append(out, s...)
		return append(out, r...)
	}
	out = append(out, reversed(r)...)
	return append(out, reversed(s)...)
}

func decodeSignature(sig []byte, n int, layout Layout) (r, s *big.Int) {
	if layout == LayoutRFC {
		return new(big.Int).SetBytes(sig[n:]), new(big.Int).SetBytes(sig[:n])
	}
	return new(big.Int).SetBytes(reversed(sig[:n])), new(big.Int).SetBytes(reversed(sig[n:]))
}

// Verify checks a signature in NCA's layout (LayoutNCA) over digest.
func Verify(pub *PublicKey, digest, sig []byte) error {
	return VerifyLayout(pub, digest, sig, LayoutNCA)
}

// VerifyLayout checks a signature in the given layout over digest. It
// returns ErrVerification when the signature does not match, and another
// error when the key, digest or signature is malformed.
func VerifyLayout(pub *PublicKey, digest, sig []byte, layout Layout) error {
	if pub == nil {
		return fmt.Errorf("%w: nil public key", ErrInvalidKey)
	}
	cv := pub.Curve.impl()
	if cv == nil {
		return fmt.Errorf("%w: unknown curve", ErrInvalidKey)
	}
	x, y := new(big.Int).SetBytes(pub.X), new(big.Int).SetBytes(pub.Y)
	if len(pub.X) > cv.size || len(pub.Y) > cv.size || !cv.onCurve(x, y) {
		return fmt.Errorf("%w: the point is not on %s", ErrInvalidKey, pub.Curve)
	}
	return cv.verify(x, y, digest, sig, layout)
}

func (cv *curve) verify(x, y *big.Int, digest, sig []byte, layout Layout) error {
	n := cv.size
	if len(digest) != n {
		return fmt.Errorf("gost: digest is %d bytes, the curve needs %d", len(digest), n)
	}
	if len(sig) != 2*n {
		return fmt.Errorf("gost: signature is %d bytes, the curve needs %d", len(sig), 2*n)
	}
	q := cv.params.Q
	r, s := decodeSignature(sig, n, layout)
	if r.Sign() <= 0 || r.Cmp(q) >= 0 || s.Sign() <= 0 || s.Cmp(q) >= 0 {
		return fmt.Errorf("%w: r or s is not in 1..q-1", ErrVerification)
	}
	e := hashToInt(digest, q)
	v := new(big.Int).ModInverse(e, q)
	z1 := new(big.Int).Mul(s, v)
	z1.Mod(z1, q)
	z2 := new(big.Int).Mul(r, v)
	z2.Neg(z2).Mod(z2, q)

	pub := point{x: cv.mont(x), y: cv.mont(y), z: cv.fp.one}
	var c1, c2 point
	cv.scalarBaseMult(&c1, fixed(z1, cv.size))
	cv.scalarMult(&c2, &pub, fixed(z2, cv.fq.size))
	cv.add(&c1, &c1, &c2)
	cx, _, ok := cv.affine(&c1)
	if !ok {
		return ErrVerification
	}
	if cx.Mod(cx, q).Cmp(r) != 0 {
		return ErrVerification
	}
	return nil
}

// deterministicK is an endless stream of candidate k bytes: HMAC-SHA-512
// keyed with the private scalar over the digest and a counter.
type deterministicK struct {
	key     []byte
	digest  []byte
	counter uint64
	buf     []byte
}

func newDeterministicK(d, digest []byte) *deterministicK {
	return &deterministicK{key: d, digest: digest}
}

func (g *deterministicK) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(g.buf) == 0 {
			h := hmac.New(sha512.New, g.key)
			h.Write([]byte("esf gost k"))
			h.Write(g.digest)
			var c [8]byte
			binary.BigEndian.PutUint64(c[:], g.counter)
			g.counter++
			h.Write(c[:])
			g.buf = h.Sum(nil)
		}
		m := copy(p[n:], g.buf)
		g.buf = g.buf[m:]
		n += m
	}
	return n, nil
}
