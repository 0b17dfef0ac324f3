package cms_test

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/certs/gost"
	"github.com/esfkit/esf/cms"
	"github.com/esfkit/esf/internal/testref"
)

// The interoperability tests of the issue: OpenSSL 3 (`openssl cms`)
// verifies the RSA CMS Sign makes, attached and detached, and Verify
// verifies what `openssl cms -sign` makes; GOST is checked against
// Debian's GOST engine piece by piece (the engine does not know NCA's
// OIDs: see the package comment).

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, data, 0o600))
	return p
}

func runOpenSSL(t testing.TB, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command("openssl", args...).CombinedOutput()
	return string(out), err
}

// fixtureCAFile writes the RSA fixture PKI's root and intermediate as one
// PEM file for -CAfile.
func fixtureCAFile(t testing.TB, dir string) string {
	t.Helper()
	var b bytes.Buffer
	for _, name := range []string{certstest.FixtureRootCA, certstest.FixtureIntermediateCA} {
		der, err := certstest.ReadFixture(name)
		require.NoError(t, err)
		require.NoError(t, pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: der}))
	}
	return writeFile(t, dir, "ca.pem", b.Bytes())
}

func TestOpenSSLVerifiesOurs(t *testing.T) {
	testref.Tool(t, "openssl", "openssl")
	dir := t.TempDir()
	caFile := fixtureCAFile(t, dir)
	content := writeFile(t, dir, "content.bin", document)
	attime := strconv.FormatInt(fixtureTime.Unix(), 10)
	for _, fixture := range []string{certstest.FixtureIndividualSign, certstest.FixtureCEOAuth} {
		s := fixtureSigner(t, fixture)
		for _, tc := range []struct {
			name     string
			detached bool
			pem      bool
		}{{"attached", false, false}, {"detached", true, false}, {"attached, PEM", false, true}, {"detached, PEM", true, true}} {
			t.Run(filepath.Base(fixture)+"/"+tc.name, func(t *testing.T) {
				der, err := cms.Sign(document, s.signer, s.cert, cms.SignOptions{Detached: tc.detached, SigningTime: fixtureTime})
				require.NoError(t, err)
				form, data := "DER", der
				if tc.pem {
					form, data = "PEM", cms.EncodePEM(der)
				}
				in := writeFile(t, dir, "signed", data)
				out := filepath.Join(dir, "out.bin")
				args := []string{"cms", "-verify", "-binary", "-inform", form, "-in", in, "-CAfile", caFile,
					"-attime", attime, "-purpose", "any", "-out", out}
				if tc.detached {
					args = append(args, "-content", content)
				}
				msg, err := runOpenSSL(t, args...)
				require.NoError(t, err, msg)
				assert.Contains(t, msg, "Verification successful")
				got, err := os.ReadFile(out)
				require.NoError(t, err)
				assert.Equal(t, document, got)

				// The same with one byte of the signed content changed fails there too.
				if tc.detached {
					args[len(args)-1] = writeFile(t, dir, "changed.bin", flip(document, 3))
				} else {
					writeFile(t, dir, "signed", flipIn(t, der, document, 3))
					args[4] = "DER"
				}
				msg, err = runOpenSSL(t, args...)
				assert.Error(t, err, msg)
				assert.Contains(t, msg, "Verification failure")
			})
		}
	}
}

func TestWeVerifyOpenSSL(t *testing.T) {
	testref.Tool(t, "openssl", "openssl")
	dir := t.TempDir()
	s := fixtureSigner(t, certstest.FixtureIndividualSign)
	key, err := x509.MarshalPKCS8PrivateKey(s.signer)
	require.NoError(t, err)
	keyFile := writeFile(t, dir, "key.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key}))
	certFile := writeFile(t, dir, "cert.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.cert.X509.Raw}))
	content := writeFile(t, dir, "content.bin", document)
	chain := fixtureChain(t)
	for _, tc := range []struct {
		name  string
		extra []string
		want  error // nil: verifies
	}{
		{"attached", []string{"-nodetach"}, nil},
		{"detached", nil, nil},
		{"attached, PEM", []string{"-nodetach", "-outform", "PEM"}, nil},
		{"SHA-512", []string{"-nodetach", "-md", "sha512"}, cms.ErrUnsupported},
		{"no signed attributes (-noattr)", []string{"-nodetach", "-noattr"}, cms.ErrMalformed},
		{"subjectKeyIdentifier (-keyid)", []string{"-nodetach", "-keyid"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, "signed")
			args := append([]string{"cms", "-sign", "-binary", "-in", content, "-signer", certFile, "-inkey", keyFile, "-outform", "DER", "-out", out}, tc.extra...)
			before := time.Now().Add(-time.Second).Truncate(time.Second)
			msg, err := runOpenSSL(t, args...)
			require.NoError(t, err, msg)
			data, err := os.ReadFile(out)
			require.NoError(t, err)
			der, err := cms.DecodePEM(data)
			require.NoError(t, err)
			opts := cms.VerifyOptions{Chain: chain, Now: clock}
			if !strings.Contains(strings.Join(tc.extra, " "), "-nodetach") {
				opts.Content = document
			}
			v, err := cms.Verify(der, opts)
			if tc.want != nil {
				assert.ErrorIs(t, err, tc.want)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, document, v.Content)
			assert.Equal(t, s.cert.X509.Raw, v.Signer.X509.Raw)
			assert.False(t, v.SigningTime.Before(before), "OpenSSL signs its clock's time")
			assert.Len(t, v.Chain, 3)

			sigs, err := cms.SignatureValues(der)
			require.NoError(t, err)
			_, err = cms.Verify(flipIn(t, der, sigs[0], 7), opts)
			assert.ErrorIs(t, err, cms.ErrSignature)
		})
	}
}

// russianSPKI wraps an NCA GOST public key in the SubjectPublicKeyInfo the
// GOST engine reads: the same key bytes (X ‖ Y little-endian) under the
// Russian OIDs (as certs/gost's own OpenSSL test does).
func russianSPKI(t testing.TB, k *gost.PublicKey) []byte {
	t.Helper()
	keyOID, params := asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 1, 2}, []asn1.ObjectIdentifier{{1, 2, 643, 7, 1, 2, 1, 2, 1}}
	if k.Curve == gost.CurveCryptoProA {
		keyOID, params = asn1.ObjectIdentifier{1, 2, 643, 2, 2, 19}, []asn1.ObjectIdentifier{{1, 2, 643, 2, 2, 35, 1}, {1, 2, 643, 2, 2, 30, 1}}
	}
	inner, err := asn1.Marshal(k.Bytes())
	require.NoError(t, err)
	der, err := asn1.Marshal(struct {
		Algorithm struct {
			Algorithm  asn1.ObjectIdentifier
			Parameters []asn1.ObjectIdentifier
		}
		PublicKey asn1.BitString
	}{struct {
		Algorithm  asn1.ObjectIdentifier
		Parameters []asn1.ObjectIdentifier
	}{keyOID, params}, asn1.BitString{Bytes: inner, BitLength: 8 * len(inner)}})
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func reversed(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		out[len(b)-1-i] = c
	}
	return out
}

// TestGOSTWithOpenSSLEngine checks our GOST CMS with the GOST engine, as
// far as it reaches: its Streebog-512 gives the message digest of the
// content and the digest of the signed attributes (GOST 2015), and its
// GOST R 34.10 verifies the signature value, reversed into its byte order,
// with the certificate's key under the Russian OIDs (GOST 2015 and 2004;
// the engine has no GOST 34.311-95 with the test parameters, so the 2004
// digest is ours).
func TestGOSTWithOpenSSLEngine(t *testing.T) {
	testref.Tool(t, "openssl", "openssl")
	if out, err := exec.Command("openssl", "engine", "gost").CombinedOutput(); err != nil {
		testref.Missing(t, "OpenSSL's GOST engine is not installed (apt-get install libengine-gost-openssl; .ci/run does): %s", bytes.TrimSpace(out))
	}
	dir := t.TempDir()
	for _, name := range []string{certstest.FixtureGOSTCEO, certstest.FixtureGOST2004CEO} {
		t.Run(filepath.Base(name), func(t *testing.T) {
			s := fixtureSigner(t, name)
			der, err := cms.Sign(document, s.signer, s.cert, cms.SignOptions{SigningTime: fixtureTime})
			require.NoError(t, err)
			attrs, err := cms.SignedAttributes(der)
			require.NoError(t, err)
			sigs, err := cms.SignatureValues(der)
			require.NoError(t, err)

			var digest []byte
			if s.cert.Algorithm == certs.AlgorithmGOST2015_512 {
				for _, tc := range []struct{ what, in, want []byte }{
					{[]byte("content"), document, messageDigest(t, der)[2:]},
					{[]byte("signed attributes"), attrs[0], nil},
				} {
					out, err := exec.Command("openssl", "dgst", "-engine", "gost", "-md_gost12_512", "-binary", writeFile(t, dir, "in", tc.in)).Output()
					require.NoError(t, err)
					require.Len(t, out, 64, "%s", tc.what)
					if tc.want != nil {
						assert.Equal(t, tc.want, out, "the engine's Streebog-512 of the %s", tc.what)
					}
					digest = out
				}
			} else {
				d := gost.Sum341194(attrs[0])
				digest = d[:]
			}
			pub := writeFile(t, dir, "pub.pem", russianSPKI(t, s.cert.PublicKey.(*gost.PublicKey)))
			digestFile := writeFile(t, dir, "digest", digest)
			verify := func(sig []byte) (string, error) {
				return runOpenSSL(t, "pkeyutl", "-engine", "gost", "-verify", "-pubin", "-inkey", pub, "-in", digestFile,
					"-sigfile", writeFile(t, dir, "sig", sig))
			}
			msg, err := verify(reversed(sigs[0]))
			require.NoError(t, err, msg)
			assert.Contains(t, msg, "Signature Verified Successfully")
			msg, _ = verify(sigs[0])
			assert.NotContains(t, msg, "Signature Verified Successfully", "in NCA's byte order it is another signature")
		})
	}
}
