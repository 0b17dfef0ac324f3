//go:build unix

// Command gostsign is one round of GOST R 34.10 signing or verifying with
// certs/gost, the counterpart of bench/gost_sign_bench.c (OpenSSL's GOST
// engine): bench/gost-sign.sh alternates the two, round by round, on the
// same key and digest.
//
//	gostsign -curve GOST2015-512 -key K.pem -pub K.pub.pem -digest D.bin -op sign -n N
//
// The key is the PKCS#8 file OpenSSL reads (Russian OIDs, the scalar
// little-endian in an OCTET STRING, as certs/gost's TestWriteBenchKeys
// writes it); the public key derived from it must be the one in -pub.
// After a warm-up of N/10 calls it makes N calls of PrivateKey.Sign (k from
// crypto/rand, as OpenSSL draws k at random; NCA layout) or of gost.Verify
// of one signature, and times them in CPU time of the process (getrusage:
// user and system, every thread), not wall time. It prints one line in the
// C harness's format:
//
//	sign   N ops  T s CPU  Y us/op
package main

import (
	"bytes"
	"crypto/rand"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/esfkit/esf/bench/internal/cpu"
	"github.com/esfkit/esf/certs/gost"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "gostsign:", err)
		os.Exit(2)
	}
}

// curves are the curves by the names bench/gost-sign.sh uses.
var curves = map[string]gost.Curve{"GOST2015-512": gost.CurveTC26512A, "GOST2004": gost.CurveCryptoProA}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("gostsign", flag.ContinueOnError)
	curveName := fs.String("curve", "", "GOST2015-512 or GOST2004")
	keyFile := fs.String("key", "", "the private key, PKCS#8 PEM under the Russian OIDs")
	pubFile := fs.String("pub", "", "its public key, SubjectPublicKeyInfo PEM")
	digestFile := fs.String("digest", "", "the raw digest to sign")
	op := fs.String("op", "sign", "sign or verify")
	n := fs.Int("n", 1000, "operations timed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	curve, ok := curves[*curveName]
	switch {
	case !ok:
		return fmt.Errorf("-curve %q: want GOST2015-512 or GOST2004", *curveName)
	case *op != "sign" && *op != "verify":
		return fmt.Errorf("-op %q: want sign or verify", *op)
	case *n <= 0:
		return fmt.Errorf("-n %d: want a positive count", *n)
	}
	key, err := readKey(*keyFile, *pubFile, curve)
	if err != nil {
		return err
	}
	digest, err := os.ReadFile(*digestFile)
	if err != nil {
		return err
	}
	sig, err := key.Sign(rand.Reader, digest, nil)
	if err != nil {
		return err
	}
	if err := gost.Verify(key.PublicKey(), digest, sig); err != nil {
		return fmt.Errorf("our own signature does not verify: %w", err)
	}
	other := slices.Clone(digest)
	other[0] ^= 1
	if gost.Verify(key.PublicKey(), other, sig) == nil {
		return errors.New("a signature verifies over another digest")
	}

	once := func() error {
		_, err := key.Sign(rand.Reader, digest, nil)
		return err
	}
	if *op == "verify" {
		once = func() error { return gost.Verify(key.PublicKey(), digest, sig) }
	}
	for range *n/10 + 1 {
		if err := once(); err != nil {
			return err
		}
	}
	t0, err := cpu.Time()
	if err != nil {
		return err
	}
	for range *n {
		if err := once(); err != nil {
			return err
		}
	}
	t1, err := cpu.Time()
	if err != nil {
		return err
	}
	t := t1 - t0
	fmt.Fprintf(out, "%-6s %d ops  %.3f s CPU  %.2f us/op\n", *op, *n, t.Seconds(), float64(t)/float64(time.Microsecond)/float64(*n))
	return nil
}

// readKey reads the scalar of the PKCS#8 key OpenSSL reads and checks that
// the public key it gives is pubFile's.
func readKey(keyFile, pubFile string, c gost.Curve) (*gost.PrivateKey, error) {
	der, err := pemFile(keyFile, "PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	var info struct {
		Version    int
		Algorithm  asn1.RawValue
		PrivateKey []byte
	}
	var le []byte
	if _, err := asn1.Unmarshal(der, &info); err != nil {
		return nil, fmt.Errorf("%s: %w", keyFile, err)
	}
	if _, err := asn1.Unmarshal(info.PrivateKey, &le); err != nil {
		return nil, fmt.Errorf("%s: the scalar: %w", keyFile, err)
	}
	slices.Reverse(le)
	key, err := gost.NewPrivateKey(c, le)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", keyFile, err)
	}
	spki, err := pemFile(pubFile, "PUBLIC KEY")
	if err != nil {
		return nil, err
	}
	// NCA's encoding of the point (X ‖ Y little-endian) ends the DER.
	if raw := key.PublicKey().Bytes(); !bytes.HasSuffix(spki, raw) {
		return nil, fmt.Errorf("%s gives another public key than %s", keyFile, pubFile)
	}
	return key, nil
}

func pemFile(name, typ string) ([]byte, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	b, _ := pem.Decode(data)
	if b == nil || b.Type != typ {
		return nil, fmt.Errorf("%s: no %s PEM block", name, typ)
	}
	return b.Bytes, nil
}
