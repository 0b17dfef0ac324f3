package cms_test

import (
	"bytes"
	"encoding/asn1"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/cms"
	"github.com/esfkit/esf/internal/testref"
)

// realSample is one real CMS of the shared NCA reference set, and what
// its folder's README (or, for CMS_for_double_sign, its message digest)
// says it signs.
type realSample struct {
	path        string // below reference/nca-test-certs
	detached    string // the content's file, or literal content, of a detached CMS
	content     string // what it signs: a file below the same root, or literal text
	alg         certs.Algorithm
	iin         string
	timeStamps  int
	contentType asn1.ObjectIdentifier
	ca          string    // the issuing CA certificate, for the chain check
	crl         string    // a CRL of that CA, if any
	at          time.Time // inside the signer's validity
}

const (
	danikarik = "danikarik_ncanode-go/testdata/"
	skarm     = "skarm_kalkan/testdata/"
	malikzh   = "malikzh_NCANode/"
	ncanodeGo = "ncanode-kz_NCANode-Go/internal/testdata/certs/"
)

// realSamples lists every real NCA CMS of the reference set:
// TestRealSamplesListed checks that none is missing.
func realSamples() []realSample {
	var out []realSample
	nca2020 := time.Date(2020, 9, 10, 0, 0, 0, 0, time.UTC)
	for _, f := range []string{
		"personal/active/AUTH_RSA256_b2c70a9ff7a5dc59de0ccc3c0ddde3437cc1f12d.cms",
		"personal/active/RSA256_11c707bd54cbfcccb3815e39c4eb57b1dc7dfea9.cms",
		"personal/revoked/AUTH_RSA256_60d5a0346dd52fb5f3b9148e6cfbcd6cf323d119.cms",
		"personal/revoked/RSA256_346a7e57c2995259140b6fc375b6ff3bba7e852f.cms",
		"organization/active/AUTH_RSA256_d682726b55b3e62600ea8fe1c74e75fc96f47790.cms",
		"organization/revoked/AUTH_RSA256_7d6d313ac5bf7367a2a69f28607a8deb80dd3ba9.cms",
	} {
		out = append(out, realSample{path: danikarik + f, content: "asdasd", alg: certs.AlgorithmRSA, iin: "123456789011",
			contentType: cms.OIDData, ca: malikzh + "src/test/resources/ca/nca_rsa_test.crt", at: nca2020})
	}
	for _, f := range []string{
		"organization/active/GOSTKNCA_13a3741b52d7bf860aab199b56fad1f4652e357b.cms",
		"organization/revoked/GOSTKNCA_c372b7809440fcb681051bbc89ea2f089fd2fe16.cms",
	} {
		out = append(out, realSample{path: danikarik + f, content: "asdasd", alg: certs.AlgorithmGOST2004, iin: "123456789011",
			contentType: cms.OIDData, ca: malikzh + "src/test/resources/ca/nca_gost_test.crt", at: nca2020})
	}
	kalkan2026 := time.Date(2026, 7, 21, 0, 0, 0, 0, time.UTC)
	for _, who := range []string{"individual", "legal_entity"} {
		for _, form := range []string{"attached", "detached"} {
			s := realSample{path: skarm + "cms/" + who + "_" + form + ".der", content: skarm + "cms/" + who + "_document.txt",
				alg: certs.AlgorithmGOST2015_512, iin: "123456789011", timeStamps: 1, contentType: cms.OIDData,
				ca: ncanodeGo + "nca_gost2022_test.cer", crl: ncanodeGo + "nca_gost2022_test.crl", at: kalkan2026}
			if form == "detached" {
				s.detached = s.content
			}
			out = append(out, s)
		}
	}
	return append(out,
		realSample{path: skarm + "examples/test_CMS_GOST.txt", content: "Testovaya podpis! Esli vi eto chitaete, znachit podpis proverena!",
			alg: certs.AlgorithmGOST2004, iin: "123456789012", timeStamps: 1, contentType: cms.OIDData,
			ca: malikzh + "history-50d2691-parent/src/test/resources/certs/trusted/nca_gost.crt", at: time.Date(2018, 12, 22, 0, 0, 0, 0, time.UTC)},
		// Its content is not in the set; its message digest is GOST
		// 34.311-95 of these 11 bytes.
		realSample{path: skarm + "examples/CMS_for_double_sign.txt", detached: "Hello World", content: "Hello World",
			alg: certs.AlgorithmGOST2004, iin: "123456789012", contentType: cms.OIDData,
			ca: malikzh + "src/test/resources/ca/nca_gost_test.crt", at: time.Date(2019, 8, 27, 0, 0, 0, 0, time.UTC)},
		// A time-stamp token is a CMS SignedData too: NCA's test TSA's,
		// as NCANode's tests keep it.
		realSample{path: malikzh + "src/test/resources/tsp/tsp_token.bin", alg: certs.AlgorithmGOST2004, iin: "123456789011",
			contentType: cms.OIDTSTInfo, ca: malikzh + "src/test/resources/ca/nca_gost_test.crt", at: time.Date(2022, 9, 19, 0, 0, 0, 0, time.UTC)},
	)
}

// bytesOf reads a file below root, or returns s itself when no such file
// exists (literal content).
func bytesOf(t testing.TB, root, s string) []byte {
	t.Helper()
	if s == "" {
		return nil
	}
	if data, err := os.ReadFile(filepath.Join(root, s)); err == nil {
		return data
	}
	return []byte(s)
}

func readSample(t testing.TB, root string, s realSample) (der []byte, opts cms.VerifyOptions) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, s.path))
	require.NoError(t, err)
	der, err = cms.DecodePEM(data)
	require.NoError(t, err)
	return der, cms.VerifyOptions{Content: bytesOf(t, root, s.detached)}
}

func readCert(t testing.TB, root, path string) *certs.Certificate {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, path))
	require.NoError(t, err)
	c, err := certs.ParseCertificate(data)
	require.NoError(t, err)
	return c
}

// TestRealSamplesListed: every CMS of the reference set is in realSamples.
func TestRealSamplesListed(t *testing.T) {
	root := testref.Dir(t, "reference", "nca-test-certs")
	var found []string
	require.NoError(t, filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		name := strings.ToLower(info.Name())
		if strings.HasSuffix(name, ".cms") || strings.Contains(rel, "/cms/") && strings.HasSuffix(name, ".der") ||
			strings.Contains(name, "cms") && strings.HasSuffix(name, ".txt") || name == "tsp_token.bin" {
			found = append(found, filepath.ToSlash(rel))
		}
		return nil
	}))
	var listed []string
	for _, s := range realSamples() {
		listed = append(listed, s.path)
	}
	assert.ElementsMatch(t, listed, found)
	assert.Len(t, listed, 15, "8 danikarik (NCANode), 4 skarm cms (Kalkan 2026), 2 skarm examples (Kalkan 2018–2019), 1 time-stamp token")
}

func TestVerifyRealNCACMS(t *testing.T) {
	root := testref.Dir(t, "reference", "nca-test-certs")
	for _, s := range realSamples() {
		t.Run(s.path, func(t *testing.T) {
			der, opts := readSample(t, root, s)
			v, err := cms.Verify(der, opts)
			require.NoError(t, err)
			assert.Equal(t, s.alg, v.Signer.Algorithm)
			assert.Equal(t, s.iin, v.Signer.IIN)
			assert.Equal(t, s.detached != "", v.Detached)
			assert.True(t, s.contentType.Equal(v.ContentType), "content type %s", v.ContentType)
			if s.content != "" {
				assert.Equal(t, bytesOf(t, root, s.content), v.Content)
			}
			assert.False(t, v.SigningTime.IsZero(), "every NCA CMS has a signing time")
			require.Len(t, v.TimeStamps, s.timeStamps)
			for _, ts := range v.TimeStamps {
				assert.WithinDuration(t, v.SigningTime, ts.Time, 2*time.Minute, "the TSA stamps right after the signature")
				assert.Equal(t, "1.2.398.3.3.2.6", ts.Policy[:7].String(), "NCA's TSA policies")
				assert.NotEmpty(t, ts.Signer.CommonName)
			}
			all, err := cms.VerifyAll(der, opts)
			require.NoError(t, err)
			require.Len(t, all, 1)

			// The chain, at a time inside the signer's validity, and
			// (where the set has one) against the CA's CRL.
			chain := &certs.VerifyOptions{Roots: []*certs.Certificate{readCert(t, root, s.ca)}}
			if s.crl != "" {
				crlData, err := os.ReadFile(filepath.Join(root, s.crl))
				require.NoError(t, err)
				crl, err := certs.ParseCRL(crlData)
				require.NoError(t, err)
				chain.CRLs = []*certs.CRL{crl}
			}
			opts.Chain, opts.Now = chain, func() time.Time { return s.at }
			v, err = cms.Verify(der, opts)
			require.NoError(t, err)
			assert.Len(t, v.Chain, 2)

			// Today (2026-11-29 and on) every one of these certificates
			// has expired but the 2026 ones.
			opts.Now = func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }
			_, err = cms.Verify(der, opts)
			var ve *certs.VerifyError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, certs.ReasonExpired, ve.Reason)
			var ce *cms.Error
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, 0, ce.Index)
		})
	}
}

// TestVerifyRealTampered changes one byte of each real CMS — of its
// content, its signature value, a signed attribute (signing time, content
// type, message digest), a time-stamp — and expects the error that names
// the part.
func TestVerifyRealTampered(t *testing.T) {
	root := testref.Dir(t, "reference", "nca-test-certs")
	for _, s := range realSamples() {
		t.Run(s.path, func(t *testing.T) {
			der, opts := readSample(t, root, s)
			v, err := cms.Verify(der, opts)
			require.NoError(t, err)
			sigs, err := cms.SignatureValues(der)
			require.NoError(t, err)
			require.Len(t, sigs, 1)
			digest := messageDigest(t, der)
			signingTime := append([]byte{0x17, 13}, v.SigningTime.UTC().Format("060102150405Z")...) // UTCTime
			ctAttr := contentTypeAttribute(t, v.ContentType)

			type tamper struct {
				name string
				der  []byte
				opts cms.VerifyOptions
				want error
			}
			cases := []tamper{
				{"signature value", flipIn(t, der, sigs[0], len(sigs[0])/2), opts, cms.ErrSignature},
				{"signing time", flipIn(t, der, signingTime, len(signingTime)-2), opts, cms.ErrSignature},
				{"content type attribute", flipIn(t, der, ctAttr, len(ctAttr)-1), opts, cms.ErrContentType},
				{"message digest attribute", flipIn(t, der, digest, 3), opts, cms.ErrDigest},
			}
			if v.Detached {
				changed := flip(opts.Content, len(opts.Content)-1)
				cases = append(cases,
					tamper{"detached content", der, cms.VerifyOptions{Content: changed}, cms.ErrDigest},
					tamper{"detached content missing", der, cms.VerifyOptions{}, cms.ErrContent})
			} else {
				cases = append(cases,
					tamper{"attached content", flipIn(t, der, v.Content, len(v.Content)-1), opts, cms.ErrDigest},
					tamper{"other content given", der, cms.VerifyOptions{Content: []byte("other")}, cms.ErrContent})
			}
			for _, ts := range v.TimeStamps {
				genTime := []byte(ts.Time.UTC().Format("20060102150405Z"))
				cases = append(cases,
					tamper{"time-stamp's time", flipIn(t, der, genTime, len(genTime)-2), opts, cms.ErrTimeStamp},
					tamper{"time-stamp's signature", flip(der, bytes.Index(der, ts.Token)+len(ts.Token)-10), opts, cms.ErrTimeStamp})
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					_, err := cms.Verify(tc.der, tc.opts)
					require.Error(t, err)
					assert.ErrorIs(t, err, tc.want)
				})
			}
		})
	}
}

// messageDigest returns the encoded message-digest attribute value of the
// only signer (OCTET STRING header included, so it is found once).
func messageDigest(t testing.TB, der []byte) []byte {
	t.Helper()
	oid, err := asn1.Marshal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4})
	require.NoError(t, err)
	i := bytes.Index(der, oid)
	require.Positive(t, i)
	set := der[i+len(oid):]
	require.Equal(t, byte(0x31), set[0])
	return set[2 : 2+set[1]]
}

// contentTypeAttribute is the encoded content-type attribute naming ct.
func contentTypeAttribute(t testing.TB, ct asn1.ObjectIdentifier) []byte {
	t.Helper()
	value, err := asn1.Marshal(ct)
	require.NoError(t, err)
	attr, err := asn1.Marshal(struct {
		Type   asn1.ObjectIdentifier
		Values []asn1.RawValue `asn1:"set"`
	}{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}, []asn1.RawValue{{FullBytes: value}}})
	require.NoError(t, err)
	return attr
}
