package xmlsig_test

import (
	"bytes"
	"crypto"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/internal/testref"
	"github.com/esfkit/esf/xmlsig"
)

// fixtureTime is inside the committed fixtures' validity.
var fixtureTime = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return fixtureTime }

type testSigner struct {
	signer crypto.Signer
	cert   *certs.Certificate
}

func fixtureSigner(t testing.TB, name string) testSigner {
	t.Helper()
	ks, err := certstest.OpenFixture(name)
	if err != nil {
		t.Skipf("fixture %s: %v", name, err)
	}
	s, err := ks.Signer()
	require.NoError(t, err)
	return testSigner{s, ks.Certificate}
}

// realGOSTSigner is a real NCA GOST 2015 key store, valid 2026-05-08 to 2027-05-08.
func realGOSTSigner(t testing.TB) (testSigner, time.Time) {
	t.Helper()
	dir := testref.Dir(t, "reference", "nca-test-certs", "ncanode-kz_NCANode-Go", "internal", "testdata", "certs")
	ks, err := certs.OpenFile(filepath.Join(dir, "legal", "valid", "head.p12"), "Qwerty12")
	require.NoError(t, err)
	s, err := ks.Signer()
	require.NoError(t, err)
	return testSigner{s, ks.Certificate}, time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
}

const sample = `<?xml version="1.0" encoding="UTF-8"?>
<authSign xmlns:x="urn:example"><timeMark>1700000000000</timeMark><state>ok</state><iin>123456789011</iin></authSign>
`

func TestSignVerifyRoundTrip(t *testing.T) {
	rsa := fixtureSigner(t, certstest.FixtureIndividualAuth)
	for _, tc := range []struct {
		name string
		opts xmlsig.SignOptions
		doc  string
	}{
		{"NCANode style", xmlsig.SignOptions{Now: clock}, sample},
		{"Kalkan style, &#13; and plain C14N", xmlsig.SignOptions{Now: clock, CarriageReturns: true, WithoutComments: true}, sample},
		{"empty document element", xmlsig.SignOptions{Now: clock}, `<root/>`},
		{"default namespace and comments", xmlsig.SignOptions{Now: clock}, `<r xmlns="urn:a"><!-- note --><v a="1" b="2">x &amp; y</v></r>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			signed, err := xmlsig.Sign([]byte(tc.doc), rsa.signer, rsa.cert, tc.opts)
			require.NoError(t, err)
			if tc.doc != `<root/>` {
				// Every byte of the input stays, the signature goes before the end tag.
				end := strings.LastIndex(tc.doc, "</")
				assert.True(t, strings.HasPrefix(string(signed), tc.doc[:end]))
				assert.True(t, strings.HasSuffix(string(signed), tc.doc[end:]))
			}
			assert.Equal(t, tc.opts.CarriageReturns, strings.Contains(string(signed), "&#13;"))
			v, err := xmlsig.Verify(signed, xmlsig.VerifyOptions{})
			require.NoError(t, err)
			assert.Equal(t, rsa.cert.X509.Raw, v.Signer.X509.Raw)
			assert.Equal(t, xmlsig.RSASHA256, v.Method)
			assert.NotContains(t, string(v.Signed), "Signature")
			assert.NotContains(t, string(v.Signed), "note", "comments are not signed by a URI=\"\" reference")
		})
	}
}

func TestSignGOSTRoundTrip(t *testing.T) {
	g, at := realGOSTSigner(t)
	// A Streebog-512 DigestValue is 88 base64 characters: wrapped, and with
	// &#13; inside SignedInfo in Kalkan's style.
	for _, cr := range []bool{false, true} {
		signed, err := xmlsig.Sign([]byte(sample), g.signer, g.cert, xmlsig.SignOptions{Now: func() time.Time { return at }, CarriageReturns: cr})
		require.NoError(t, err)
		assert.Equal(t, cr, strings.Contains(string(signed), "&#13;\n"))
		v, err := xmlsig.Verify(signed, xmlsig.VerifyOptions{})
		require.NoError(t, err, "carriage returns %v", cr)
		assert.Equal(t, xmlsig.GOST2015512, v.Method)
		assert.Equal(t, "123456789021", v.Signer.BIN)
	}
}

func TestTwoSigners(t *testing.T) {
	first := fixtureSigner(t, certstest.FixtureIndividualSign)
	second := fixtureSigner(t, certstest.FixtureCEOSign)
	once, err := xmlsig.Sign([]byte(sample), first.signer, first.cert, xmlsig.SignOptions{Now: clock})
	require.NoError(t, err)
	twice, err := xmlsig.Sign(once, second.signer, second.cert, xmlsig.SignOptions{Now: clock})
	require.NoError(t, err)
	all, err := xmlsig.VerifyAll(twice, xmlsig.VerifyOptions{})
	require.NoError(t, err)
	require.Len(t, all, 2)
	assert.Equal(t, first.cert.X509.Raw, all[0].Signer.X509.Raw)
	assert.Equal(t, second.cert.X509.Raw, all[1].Signer.X509.Raw)
	_, err = xmlsig.Verify(twice, xmlsig.VerifyOptions{})
	assert.ErrorIs(t, err, xmlsig.ErrSignatureCount, "one signature expected, two found")
}

func TestSignRefuses(t *testing.T) {
	rsa := fixtureSigner(t, certstest.FixtureIndividualSign)
	other := fixtureSigner(t, certstest.FixtureCEOSign)
	expired := fixtureSigner(t, certstest.FixtureIndividualSignExpired)
	_, err := xmlsig.Sign([]byte(sample), rsa.signer, other.cert, xmlsig.SignOptions{Now: clock})
	assert.ErrorIs(t, err, xmlsig.ErrCertificate, "key and certificate differ")
	_, err = xmlsig.Sign([]byte(sample), expired.signer, expired.cert, xmlsig.SignOptions{Now: clock})
	assert.ErrorIs(t, err, xmlsig.ErrCertificate, "expired")
	_, err = xmlsig.Sign([]byte(`<!DOCTYPE r [<!ENTITY e "x">]><r>&e;</r>`), rsa.signer, rsa.cert, xmlsig.SignOptions{Now: clock})
	assert.ErrorIs(t, err, xmlsig.ErrForbidden)
	_, err = xmlsig.Sign([]byte(`<r>`), rsa.signer, rsa.cert, xmlsig.SignOptions{Now: clock})
	assert.ErrorIs(t, err, xmlsig.ErrMalformed)
	_, err = xmlsig.Sign([]byte(sample), nil, nil, xmlsig.SignOptions{})
	assert.ErrorIs(t, err, xmlsig.ErrCertificate)
}

// xmlsec1 is the outside checker: it verifies what we sign, and we verify
// what it signs.
func TestXmlsec1Interop(t *testing.T) {
	testref.Tool(t, "xmlsec1", "xmlsec1")
	s := fixtureSigner(t, certstest.FixtureIndividualSign)
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, data, 0o600))
		return p
	}
	t.Run("xmlsec1 verifies ours", func(t *testing.T) {
		for _, opts := range []xmlsig.SignOptions{{Now: clock}, {Now: clock, CarriageReturns: true}} {
			signed, err := xmlsig.Sign([]byte(sample), s.signer, s.cert, opts)
			require.NoError(t, err)
			out, err := exec.Command("xmlsec1", "--verify", "--enabled-key-data", "x509", "--insecure", write("ours.xml", signed)).CombinedOutput()
			require.NoError(t, err, "%s", out)
			assert.Contains(t, string(out), "OK")
		}
	})
	t.Run("we verify xmlsec1's", func(t *testing.T) {
		der := s.cert.X509.Raw
		keyPEM := pemKey(t, s.signer)
		template := `<?xml version="1.0"?>
<authSign><iin>123456789011</iin><Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/><SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><Reference URI=""><Transforms><Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><Transform Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"/></Transforms><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue/></Reference></SignedInfo><SignatureValue/><KeyInfo><X509Data/></KeyInfo></Signature></authSign>`
		out, err := exec.Command("xmlsec1", "--sign", "--privkey-pem", write("key.pem", keyPEM)+","+write("cert.pem", pemCert(der)),
			"--output", filepath.Join(dir, "theirs.xml"), write("template.xml", []byte(template))).CombinedOutput()
		require.NoError(t, err, "%s", out)
		theirs, err := os.ReadFile(filepath.Join(dir, "theirs.xml"))
		require.NoError(t, err)
		v, err := xmlsig.Verify(theirs, xmlsig.VerifyOptions{})
		require.NoError(t, err)
		assert.Equal(t, der, v.Signer.X509.Raw)
		assert.Equal(t, `<authSign><iin>123456789011</iin></authSign>`, string(v.Signed))
		tampered := bytes.Replace(theirs, []byte("123456789011"), []byte("123456789012"), 1)
		_, err = xmlsig.Verify(tampered, xmlsig.VerifyOptions{})
		assert.ErrorIs(t, err, xmlsig.ErrDigest)
	})
}
