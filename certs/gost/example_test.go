package gost_test

import (
	"crypto/rand"
	"fmt"
	"log"

	"github.com/esfkit/esf/certs/gost"
)

// A GOST 2015-512 key signs the Streebog-512 digest of a message; the
// signature is in NCA's layout (r ‖ s little-endian), as Kalkan writes it.
func ExamplePrivateKey_Sign() {
	// In real use the key comes from an NCA key store: certs.Open(p12, pin).
	key, err := gost.NewPrivateKey(gost.CurveTC26512A, []byte("a test scalar, never a real key"))
	if err != nil {
		log.Fatal(err)
	}
	digest := gost.Sum512([]byte("<agreement>…</agreement>"))
	sig, err := key.Sign(rand.Reader, digest[:], nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(sig), gost.Verify(key.PublicKey(), digest[:], sig))

	// OpenSSL's GOST engine and BouncyCastle use the RFC layout: the bytes reversed.
	rfc, err := key.Sign(rand.Reader, digest[:], gost.SignerOpts{Layout: gost.LayoutRFC})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(gost.VerifyLayout(key.PublicKey(), digest[:], rfc, gost.LayoutRFC))
	// Output:
	// 128 <nil>
	// <nil>
}

func ExampleSum341194() {
	// GOST 34.311-95, the hash of NCA's GOST 2004 keys (RFC 5831 test vector).
	fmt.Printf("%x\n", gost.Sum341194([]byte("abc")))
	// Output: f3134348c44fb1b2a277729e2285ebb5cb5e0f29c975bc753b70497c06a4d51d
}
