package cms_test

import (
	"bytes"
	"encoding/asn1"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/cms"
	"github.com/esfkit/esf/internal/testref"
)

var document = []byte("<invoice><num>1</num><total>100.00</total></invoice>\n")

func TestSignVerifyRoundTrip(t *testing.T) {
	chain := fixtureChain(t)
	for _, s := range fixtureSigners(t) {
		for _, detached := range []bool{false, true} {
			for _, signingTime := range []time.Time{{}, fixtureTime.Add(1500 * time.Millisecond)} {
				name := filepath.Base(s.name)
				if detached {
					name += "/detached"
				}
				if !signingTime.IsZero() {
					name += "/signing time"
				}
				t.Run(name, func(t *testing.T) {
					der, err := cms.Sign(document, s.signer, s.cert, cms.SignOptions{Detached: detached, SigningTime: signingTime})
					require.NoError(t, err)
					assert.Equal(t, detached, !bytes.Contains(der, document), "the content is in an attached CMS only")

					opts := cms.VerifyOptions{Chain: chain, Now: clock}
					if detached {
						opts.Content = bytes.Clone(document)
					}
					v, err := cms.Verify(der, opts)
					require.NoError(t, err)
					assert.Equal(t, document, v.Content)
					assert.Equal(t, detached, v.Detached)
					assert.Equal(t, s.cert.X509.Raw, v.Signer.X509.Raw)
					assert.True(t, cms.OIDData.Equal(v.ContentType))
					assert.Equal(t, signingTime.Truncate(time.Second), v.SigningTime, "to the second")
					assert.Len(t, v.Chain, 3, "leaf, intermediate, root")
					assert.Empty(t, v.TimeStamps)

					// The detached form is the attached one without the content.
					if !detached {
						d, err := cms.Sign(document, s.signer, s.cert, cms.SignOptions{Detached: true, SigningTime: signingTime})
						require.NoError(t, err)
						if s.cert.Algorithm == certs.AlgorithmRSA {
							assert.Less(t, len(d), len(der))
						}
					}
				})
			}
		}
	}
}

// TestSignLikeNCANode: with NCANode's own test keys, the same content and
// signing time, Sign writes the CMS NCANode wrote, byte for byte (RSA
// PKCS#1 v1.5 is deterministic); for GOST 2004 everything but the
// signature value, which is random.
func TestSignLikeNCANode(t *testing.T) {
	root := testref.Dir(t, "reference", "nca-test-certs", "danikarik_ncanode-go", "testdata")
	for _, name := range []string{
		"personal/active/AUTH_RSA256_b2c70a9ff7a5dc59de0ccc3c0ddde3437cc1f12d",
		"personal/active/RSA256_11c707bd54cbfcccb3815e39c4eb57b1dc7dfea9",
		"organization/active/AUTH_RSA256_d682726b55b3e62600ea8fe1c74e75fc96f47790",
		"organization/active/GOSTKNCA_13a3741b52d7bf860aab199b56fad1f4652e357b",
		"organization/revoked/GOSTKNCA_c372b7809440fcb681051bbc89ea2f089fd2fe16",
	} {
		t.Run(name, func(t *testing.T) {
			ks, err := certs.OpenFile(filepath.Join(root, name+".p12"), "Qwerty12")
			require.NoError(t, err)
			signer, err := ks.Signer()
			require.NoError(t, err)
			data, err := os.ReadFile(filepath.Join(root, name+".cms"))
			require.NoError(t, err)
			theirs, err := base64.StdEncoding.DecodeString(string(data))
			require.NoError(t, err)
			v, err := cms.Verify(theirs, cms.VerifyOptions{})
			require.NoError(t, err)

			ours, err := cms.Sign([]byte("asdasd"), signer, ks.Certificate, cms.SignOptions{SigningTime: v.SigningTime})
			require.NoError(t, err)
			if ks.Certificate.Algorithm == certs.AlgorithmRSA {
				assert.Equal(t, theirs, ours)
				return
			}
			sigs, err := cms.SignatureValues(theirs)
			require.NoError(t, err)
			i := bytes.Index(theirs, sigs[0])
			ourSigs, err := cms.SignatureValues(ours)
			require.NoError(t, err)
			require.Equal(t, i, bytes.Index(ours, ourSigs[0]), "the signature value at the same place")
			assert.Equal(t, theirs[:i], ours[:i])
			assert.Equal(t, theirs[i+len(sigs[0]):], ours[i+len(sigs[0]):])
			_, err = cms.Verify(ours, cms.VerifyOptions{})
			require.NoError(t, err)
		})
	}
}

// TestSignedAttributesOrder: contentType, signingTime, messageDigest, as
// DER sorts them (and as NCA writes them); the signing time a UTCTime in
// 1950–2049 and a GeneralizedTime after.
func TestSignedAttributesOrder(t *testing.T) {
	at := time.Date(2050, 3, 1, 0, 0, 0, 0, time.UTC)
	ca, err := certstest.NewCA(certstest.Options{Now: func() time.Time { return at }})
	require.NoError(t, err)
	is, err := ca.Issue(certstest.Profile{Kind: certstest.KindIndividual, Usage: certs.UsageSign})
	require.NoError(t, err)
	ks, err := certs.Open(is.PKCS12, is.PIN)
	require.NoError(t, err)
	late, err := ks.Signer()
	require.NoError(t, err)

	oidBytes := func(o asn1.ObjectIdentifier) []byte {
		b, err := asn1.Marshal(o)
		require.NoError(t, err)
		return b
	}
	for _, tc := range []struct {
		name   string
		signer testSigner
		at     time.Time
		time   []byte // the encoded signing time
	}{
		{"RSA, 2026", fixtureSigner(t, certstest.FixtureIndividualSign), fixtureTime, []byte("\x17\x0d260601090000Z")},
		{"GOST 2015, 2026", fixtureSigner(t, certstest.FixtureGOSTIndividual), fixtureTime, []byte("\x17\x0d260601090000Z")},
		{"RSA, 2050", testSigner{"late", late, ks.Certificate}, at.Add(time.Hour + 2*time.Second), []byte("\x18\x0f20500301010002Z")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			der, err := cms.Sign(document, tc.signer.signer, tc.signer.cert, cms.SignOptions{SigningTime: tc.at})
			require.NoError(t, err)
			ct := bytes.Index(der, oidBytes(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}))
			st := bytes.Index(der, oidBytes(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}))
			md := bytes.Index(der, oidBytes(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}))
			require.Positive(t, ct)
			assert.Less(t, ct, st)
			assert.Less(t, st, md)
			assert.Contains(t, string(der), string(tc.time))
			v, err := cms.Verify(der, cms.VerifyOptions{})
			require.NoError(t, err)
			assert.Equal(t, tc.at.Truncate(time.Second), v.SigningTime)
		})
	}
}

func TestSignRefuses(t *testing.T) {
	rsa := fixtureSigner(t, certstest.FixtureIndividualSign)
	gost := fixtureSigner(t, certstest.FixtureGOSTCEO)
	for _, tc := range []struct {
		name string
		s    testSigner
		opts cms.SignOptions
		want error
	}{
		{"no signer", testSigner{cert: rsa.cert}, cms.SignOptions{}, cms.ErrCertificate},
		{"no certificate", testSigner{signer: rsa.signer}, cms.SignOptions{}, cms.ErrCertificate},
		{"another key's certificate", testSigner{signer: gost.signer, cert: rsa.cert}, cms.SignOptions{}, cms.ErrCertificate},
		{"signing time before the certificate", rsa, cms.SignOptions{SigningTime: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}, cms.ErrCertificate},
		{"signing time after the certificate", rsa, cms.SignOptions{SigningTime: time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)}, cms.ErrCertificate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := cms.Sign(document, tc.s.signer, tc.s.cert, tc.opts)
			assert.ErrorIs(t, err, tc.want)
		})
	}
	big := make([]byte, cms.DefaultMaxSize+1)
	_, err := cms.Sign(big, rsa.signer, rsa.cert, cms.SignOptions{})
	assert.ErrorIs(t, err, cms.ErrTooLarge)
	_, err = cms.Sign(big, rsa.signer, rsa.cert, cms.SignOptions{Detached: true})
	assert.NoError(t, err, "a detached CMS does not carry the content")
}

// TestSignCarriesChain: the certificates given travel in the CMS, and a
// verifier that trusts only the root completes the chain with them.
func TestSignCarriesChain(t *testing.T) {
	s := fixtureSigner(t, certstest.FixtureGOSTIndividual)
	read := func(name string) *certs.Certificate {
		data, err := certstest.ReadFixture(name)
		require.NoError(t, err)
		c, err := certs.ParseCertificate(data)
		require.NoError(t, err)
		return c
	}
	root, inter := read(certstest.FixtureGOSTRootCA), read(certstest.FixtureGOSTIntermediateCA)
	rootOnly := &certs.VerifyOptions{Roots: []*certs.Certificate{root}}

	alone, err := cms.Sign(document, s.signer, s.cert, cms.SignOptions{})
	require.NoError(t, err)
	_, err = cms.Verify(alone, cms.VerifyOptions{Chain: rootOnly, Now: clock})
	var ve *certs.VerifyError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, certs.ReasonUnknownAuthority, ve.Reason)

	withChain, err := cms.Sign(document, s.signer, s.cert, cms.SignOptions{Certificates: []*certs.Certificate{inter, root, s.cert, inter, nil}})
	require.NoError(t, err)
	for _, c := range []*certs.Certificate{s.cert, inter, root} {
		assert.Equal(t, 1, bytes.Count(withChain, c.X509.Raw), "each certificate once: %s", c.CommonName)
	}
	v, err := cms.Verify(withChain, cms.VerifyOptions{Chain: rootOnly, Now: clock})
	require.NoError(t, err)
	require.Len(t, v.Chain, 3)
	assert.Equal(t, inter.X509.Raw, v.Chain[1].X509.Raw)
}

func TestPEM(t *testing.T) {
	s := fixtureSigner(t, certstest.FixtureIndividualSign)
	der, err := cms.Sign(document, s.signer, s.cert, cms.SignOptions{SigningTime: fixtureTime})
	require.NoError(t, err)
	p := cms.EncodePEM(der)
	text := string(p)
	require.True(t, strings.HasPrefix(text, "-----BEGIN CMS-----\n"), text)
	require.True(t, strings.HasSuffix(text, "\n-----END CMS-----\n"), text)
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		assert.LessOrEqual(t, len(line), 64)
	}
	b64 := base64.StdEncoding.EncodeToString(der)
	wrapped := strings.Join(splitEvery(b64, 76), "\r\n")
	for _, tc := range []struct {
		name string
		in   string
	}{
		{"PEM", text},
		{"PEM, PKCS7 as OpenSSL writes it", strings.ReplaceAll(text, "CMS-----", "PKCS7-----")},
		{"PEM with CRLF and blank lines around", "\r\n" + strings.ReplaceAll(text, "\n", "\r\n") + "\r\n\r\n"},
		{"base64 on one line (createCMSSignatureFromBase64)", b64},
		{"base64 in MIME lines", wrapped + "\r\n"},
		{"DER", string(der)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := cms.DecodePEM([]byte(tc.in))
			require.NoError(t, err)
			assert.Equal(t, der, got)
		})
	}
	for _, tc := range []struct{ name, in string }{
		{"empty", ""},
		{"blank", " \n\t"},
		{"not base64", "MIAG!!!"},
		{"base64 of something else", base64.StdEncoding.EncodeToString([]byte("hello"))},
		{"a certificate's PEM", "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n"},
		{"broken PEM", "-----BEGIN CMS-----\nMAA=\n"},
		{"two PEM blocks", text + text},
	} {
		t.Run("refused/"+tc.name, func(t *testing.T) {
			_, err := cms.DecodePEM([]byte(tc.in))
			assert.ErrorIs(t, err, cms.ErrMalformed)
		})
	}
}

func splitEvery(s string, n int) []string {
	var out []string
	for len(s) > n {
		out, s = append(out, s[:n]), s[n:]
	}
	return append(out, s)
}
