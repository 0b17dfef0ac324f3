// Package gost implements the GOST algorithms of Kazakhstan's NCA (НУЦ
// РК) in pure Go, with NCA's byte conventions: no Kalkan, no cgo.
//
// Supported, and verified on NCA's own test artefacts:
//   - GOST R 34.10-2015 512-bit keys (NCA's GOST512_ key stores, 2022 on),
//     which equal GOST R 34.10-2012 on id-tc26-gost-3410-12-512-paramSetA
//     (CurveTC26512A), hashed with Streebog-512 (New512, Sum512);
//   - GOST 34.310-2004 keys (GOSTKNCA_ and GOSTKZ_ key stores), which equal
//     GOST R 34.10-2001 on CryptoPro-A (CurveCryptoProA), hashed with GOST
//     34.311-95 = GOST R 34.11-94 with the test S-box (New341194).
//
// Not supported: GOST R 34.10-2015 256-bit keys — no NCA artefact exists to
// test against, and NCA is not known to issue them — and the older
// Tumar/Gamma OIDs.
//
// NCA's layout: public keys are X ‖ Y little-endian (ParsePublicKey,
// PublicKey.Bytes); the digest is read as a little-endian number; a
// signature is r ‖ s, each little-endian (LayoutNCA) — the byte reversal of
// the RFC 4491/9215 layout s ‖ r big-endian (LayoutRFC), which OpenSSL's
// GOST engine and BouncyCastle use. PrivateKey is a crypto.Signer: Sign
// takes the digest (not the message) and signs in constant time, with
// fixed-width Montgomery and pseudo-Mersenne arithmetic and complete
// addition formulas; Verify (public data only) shares that arithmetic.
//
// The lifecycle: certs.Open parses an NCA key store into a *PrivateKey;
// Sign(rand, gost.Sum512(msg)[:], nil) signs; Verify(pub, digest, sig)
// checks, as certs.Verify does for certificate chains and CRLs.
package gost

import (
	"crypto"
	"crypto/subtle"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
)

// Curve names the elliptic curve (parameter set) of a GOST key.
type Curve int

const (
	// CurveUnknown is the zero value: no curve.
	CurveUnknown Curve = iota
	// CurveCryptoProA is GOST R 34.10-2001 CryptoPro-A (256-bit), which NCA
	// names 1.2.398.3.10.1.1.1.1.1 for its GOST 34.310-2004 keys.
	CurveCryptoProA
	// CurveTC26512A is id-tc26-gost-3410-12-512-paramSetA (512-bit), which
	// NCA names 1.2.398.3.10.1.1.2.2.1 for its GOST R 34.10-2015 keys.
	CurveTC26512A
)

// OIDs of the parameter sets as NCA writes them in keys and certificates.
var (
	OIDCurveCryptoProAKZ = asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 1, 1, 1, 1}
	OIDCurveTC26512AKZ   = asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 1, 2, 2, 1}
)

// CurveByOID returns the curve NCA names with oid, or CurveUnknown.
func CurveByOID(oid asn1.ObjectIdentifier) Curve {
	switch {
	case oid.Equal(OIDCurveCryptoProAKZ):
		return CurveCryptoProA
	case oid.Equal(OIDCurveTC26512AKZ):
		return CurveTC26512A
	}
	return CurveUnknown
}

// String returns the curve's standard name.
func (c Curve) String() string {
	switch c {
	case CurveCryptoProA:
		return "GOST R 34.10-2001 CryptoPro-A"
	case CurveTC26512A:
		return "GOST R 34.10-2012 TC26 512 paramSetA"
	}
	return fmt.Sprintf("gost.Curve(%d)", int(c))
}

// Size returns the byte length of a coordinate or scalar on the curve: 32 or
// 64, and 0 for an unknown curve.
func (c Curve) Size() int {
	switch c {
	case CurveCryptoProA:
		return 32
	case CurveTC26512A:
		return 64
	}
	return 0
}

// ErrInvalidKey reports a key whose encoding or size does not fit its curve.
var ErrInvalidKey = errors.New("gost: invalid key")

// PublicKey is a GOST public key: a point on Curve.
type PublicKey struct {
	Curve Curve
	// X and Y are the point's coordinates, big-endian, Curve.Size() bytes each.
	X, Y []byte
}

// ParsePublicKey reads a public key in NCA's encoding: the contents of the
// OCTET STRING inside the certificate's SubjectPublicKeyInfo, X ‖ Y with each
// coordinate little-endian. The point must lie on the curve.
func ParsePublicKey(c Curve, raw []byte) (*PublicKey, error) {
	cv := c.impl()
	if cv == nil {
		return nil, fmt.Errorf("%w: unknown curve", ErrInvalidKey)
	}
	n := cv.size
	if len(raw) != 2*n {
		return nil, fmt.Errorf("%w: public key is %d bytes, %s needs %d", ErrInvalidKey, len(raw), c, 2*n)
	}
	k := &PublicKey{Curve: c, X: reversed(raw[:n]), Y: reversed(raw[n:])}
	if !cv.onCurve(new(big.Int).SetBytes(k.X), new(big.Int).SetBytes(k.Y)) {
		return nil, fmt.Errorf("%w: the point is not on %s", ErrInvalidKey, c)
	}
	return k, nil
}

// Bytes returns the key in NCA's encoding, the inverse of ParsePublicKey.
func (k *PublicKey) Bytes() []byte {
	out := make([]byte, 0, len(k.X)+len(k.Y))
	out = append(out, reversed(k.X)...)
	return append(out, reversed(k.Y)...)
}

// Equal reports whether k and x are the same key.
func (k *PublicKey) Equal(x crypto.PublicKey) bool {
	o, ok := x.(*PublicKey)
	return ok && o.Curve == k.Curve && string(o.X) == string(k.X) && string(o.Y) == string(k.Y)
}

// PrivateKey is a GOST private key: a scalar d on Curve, 0 < d < q, with
// its public key d·P. It is a crypto.Signer.
type PrivateKey struct {
	Curve Curve
	d     nat // the scalar, plain (not Montgomery) form
	dMont nat // d·R mod q, for signing
	pub   *PublicKey
}

// NewPrivateKey returns the private key with scalar d (big-endian; leading
// zero bytes allowed) and derives its public key. d must satisfy 0 < d < q.
func NewPrivateKey(c Curve, d []byte) (*PrivateKey, error) {
	cv := c.impl()
	if cv == nil {
		return nil, fmt.Errorf("%w: unknown curve", ErrInvalidKey)
	}
	n := cv.fq.size
	for len(d) > n && d[0] == 0 {
		d = d[1:]
	}
	if len(d) > n {
		return nil, fmt.Errorf("%w: private scalar is %d bytes, %s allows %d", ErrInvalidKey, len(d), c, n)
	}
	k := &PrivateKey{Curve: c}
	inRange := cv.fq.setBytes(&k.d, d) & (1 ^ cv.fq.isZero(&k.d))
	if inRange != 1 {
		return nil, fmt.Errorf("%w: private scalar is not in 1..q-1 of %s", ErrInvalidKey, c)
	}
	cv.fq.toMont(&k.dMont, &k.d)
	var q point
	cv.scalarBaseMult(&q, natBytes(&k.d, cv.size))
	x, y, _ := cv.affine(&q)
	k.pub = &PublicKey{Curve: c, X: fixed(x, cv.size), Y: fixed(y, cv.size)}
	return k, nil
}

// Bytes returns the private scalar, big-endian, Curve.Size() bytes.
func (k *PrivateKey) Bytes() []byte { return k.Curve.impl().fq.bytes(&k.d) }

// Public returns the *PublicKey d·P.
func (k *PrivateKey) Public() crypto.PublicKey { return k.pub }

// PublicKey returns the public key d·P.
func (k *PrivateKey) PublicKey() *PublicKey { return k.pub }

// Equal reports whether k and x are the same key.
func (k *PrivateKey) Equal(x crypto.PrivateKey) bool {
	o, ok := x.(*PrivateKey)
	return ok && o.Curve == k.Curve && subtle.ConstantTimeCompare(o.Bytes(), k.Bytes()) == 1
}

// fixed returns v big-endian in exactly n bytes.
func fixed(v *big.Int, n int) []byte { return v.FillBytes(make([]byte, n)) }

func reversed(b []byte) []byte {
	out := make([]byte, len(b))
	for i, v := range b {
		out[len(b)-1-i] = v
	}
	return out
}
