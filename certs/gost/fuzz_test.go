package gost

import (
	"bytes"
	"testing"

	"github.com/esfkit/esf/internal/testref"
)

// FuzzVerify feeds arbitrary keys, digests and signatures to the parser
// and verifier: an error is fine, a panic or a verified forgery is not.
func FuzzVerify(f *testing.F) {
	testref.LimitFuzzMinimization(f)
	key, err := NewPrivateKey(CurveTC26512A, []byte{7, 7, 7})
	if err != nil {
		f.Fatal(err)
	}
	digest := bytes.Repeat([]byte{1}, 64)
	sig, err := key.Sign(nil, digest, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(byte(CurveTC26512A), key.PublicKey().Bytes(), digest, sig, false)
	f.Add(byte(CurveCryptoProA), make([]byte, 64), make([]byte, 32), make([]byte, 64), true)
	f.Fuzz(func(t *testing.T, curve byte, pub, digest, sig []byte, rfc bool) {
		k, err := ParsePublicKey(Curve(curve), pub)
		if err != nil {
			return
		}
		layout := LayoutNCA
		if rfc {
			layout = LayoutRFC
		}
		if VerifyLayout(k, digest, sig, layout) == nil && k.Equal(key.PublicKey()) && !bytes.Equal(digest, bytes.Repeat([]byte{1}, 64)) {
			t.Fatalf("a signature verified for a digest that was never signed")
		}
	})
}

// FuzzNewPrivateKey checks scalar validation: any bytes either make a key
// whose public key lies on the curve, that comes back the same from its
// scalar, and whose signature verifies with its public key (and not for
// another digest); or an error.
func FuzzNewPrivateKey(f *testing.F) {
	testref.LimitFuzzMinimization(f)
	f.Add(byte(CurveTC26512A), []byte{1})
	f.Add(byte(CurveCryptoProA), bytes.Repeat([]byte{0xff}, 32))
	f.Add(byte(CurveCryptoProA), []byte{0, 0, 7})
	f.Fuzz(func(t *testing.T, curve byte, d []byte) {
		k, err := NewPrivateKey(Curve(curve), d)
		if err != nil {
			return
		}
		if _, err := ParsePublicKey(k.Curve, k.PublicKey().Bytes()); err != nil {
			t.Fatalf("derived public key does not parse: %v", err)
		}
		again, err := NewPrivateKey(k.Curve, k.Bytes())
		if err != nil || !again.Equal(k) || !again.PublicKey().Equal(k.PublicKey()) {
			t.Fatalf("key does not come back from its scalar: %v", err)
		}
		digest := bytes.Repeat([]byte{0x5a}, k.Curve.Size())
		sig, err := k.Sign(nil, digest, nil)
		if err != nil {
			t.Fatalf("Sign: %v", err)
		}
		if err := Verify(k.PublicKey(), digest, sig); err != nil {
			t.Fatalf("the key's signature does not verify: %v", err)
		}
		digest[0] ^= 1
		if Verify(k.PublicKey(), digest, sig) == nil {
			t.Fatal("the key's signature verifies for another digest")
		}
	})
}
