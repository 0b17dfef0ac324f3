package invoice

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/certs/gost"
	"github.com/esfkit/esf/internal/testref"
)

func fixtureKey(t *testing.T, name string) (*certs.KeyStore, crypto.Signer) {
	t.Helper()
	ks, err := certstest.OpenFixture(name)
	require.NoError(t, err)
	s, err := ks.Signer()
	require.NoError(t, err)
	return ks, s
}

// realKey opens one of NCA's real test key stores in ../shared.
func realKey(t *testing.T, elem ...string) (*certs.KeyStore, crypto.Signer) {
	t.Helper()
	dir := testref.Dir(t, "reference", "nca-test-certs")
	ks, err := certs.OpenFile(filepath.Join(append([]string{dir}, elem...)...), "Qwerty12")
	require.NoError(t, err)
	s, err := ks.Signer()
	require.NoError(t, err)
	return ks, s
}

// Sign makes the raw signature over the body's bytes: Streebog-512 and
// GOST 2015 (172 characters), GOST 34.311-95 and GOST 2004 (88), SHA-256
// and RSA (344 for RSA-2048); VerifySignature accepts it over those bytes
// alone.
func TestSignAndVerify(t *testing.T) {
	body := marshalT(t, minimal())
	type key struct {
		name   string
		open   func(t *testing.T) (*certs.KeyStore, crypto.Signer)
		length int
	}
	keys := []key{
		{"GOST 2015 fixture", func(t *testing.T) (*certs.KeyStore, crypto.Signer) { return fixtureKey(t, certstest.FixtureGOSTCEO) }, 172},
		{"RSA fixture", func(t *testing.T) (*certs.KeyStore, crypto.Signer) { return fixtureKey(t, certstest.FixtureCEOSign) }, 344},
		{"NCA GOST 2015 head", func(t *testing.T) (*certs.KeyStore, crypto.Signer) {
			return realKey(t, "ncanode-kz_NCANode-Go", "internal", "testdata", "certs", "legal", "valid", "head.p12")
		}, 172},
		{"NCA GOST 2004 organization", func(t *testing.T) (*certs.KeyStore, crypto.Signer) {
			return realKey(t, "danikarik_ncanode-go", "testdata", "organization", "active", "GOSTKNCA_13a3741b52d7bf860aab199b56fad1f4652e357b.p12")
		}, 88},
	}
	for _, k := range keys {
		t.Run(k.name, func(t *testing.T) {
			ks, signer := k.open(t)
			sig, err := Sign(body, signer)
			require.NoError(t, err)
			assert.Len(t, sig, k.length)
			require.NoError(t, VerifySignature(body, sig, ks.Certificate))

			// The same bytes and no others.
			changed := []byte(strings.Replace(string(body), "1001", "1002", 1))
			assert.ErrorIs(t, VerifySignature(changed, sig, ks.Certificate), ErrSignature)
			reindented := []byte(strings.ReplaceAll(string(body), "\n  ", "\n"))
			assert.ErrorIs(t, VerifySignature(reindented, sig, ks.Certificate), ErrSignature, "white space is signed")

			// Line breaks in the base64, as ESF returns some, are fine.
			assert.NoError(t, VerifySignature(body, sig[:64]+"\n"+sig[64:], ks.Certificate))

			raw, _ := base64.StdEncoding.DecodeString(sig)
			raw[len(raw)/2] ^= 1
			assert.ErrorIs(t, VerifySignature(body, base64.StdEncoding.EncodeToString(raw), ks.Certificate), ErrSignature)
			assert.ErrorIs(t, VerifySignature(body, "not base64!", ks.Certificate), ErrSignatureFormat)
			assert.ErrorIs(t, VerifySignature(body, base64.StdEncoding.EncodeToString(raw[:len(raw)-1]), ks.Certificate), ErrSignatureFormat)
			assert.ErrorIs(t, VerifySignature(body, strings.Repeat("A", 404), ks.Certificate), ErrSignatureFormat)

			// The digest is the key's standard's, the layout NCA's.
			if pub, ok := ks.Certificate.PublicKey.(*gost.PublicKey); ok {
				raw, _ := base64.StdEncoding.DecodeString(sig)
				var digest []byte
				if pub.Curve == gost.CurveTC26512A {
					d := gost.Sum512(body)
					digest = d[:]
				} else {
					d := gost.Sum341194(body)
					digest = d[:]
				}
				require.NoError(t, gost.VerifyLayout(pub, digest, raw, gost.LayoutNCA))
			}
		})
	}
}

func TestSignErrors(t *testing.T) {
	ks, signer := fixtureKey(t, certstest.FixtureGOSTIndividual)
	_, err := Sign(nil, signer)
	assert.ErrorIs(t, err, ErrBody)
	_, err = Sign([]byte("\xff"), signer)
	assert.ErrorIs(t, err, ErrBody)
	_, err = Sign([]byte("<x/>"), nil)
	assert.ErrorIs(t, err, ErrKey)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	_, err = Sign([]byte("<x/>"), ed)
	assert.ErrorIs(t, err, ErrKey)
	assert.ErrorIs(t, VerifySignature([]byte("<x/>"), "AA==", nil), ErrKey)
	assert.ErrorIs(t, VerifySignature([]byte("<x/>"), "AA==", &certs.Certificate{PublicKey: ed.Public()}), ErrKey)

	// Another key's signature does not verify.
	other, otherSigner := fixtureKey(t, certstest.FixtureGOSTEntrepreneur)
	sig, err := Sign([]byte("<x/>"), otherSigner)
	require.NoError(t, err)
	require.NoError(t, VerifySignature([]byte("<x/>"), sig, other.Certificate))
	assert.ErrorIs(t, VerifySignature([]byte("<x/>"), sig, ks.Certificate), ErrSignature)
}

// Signatures are random (GOST's k) unless SignOptions.Rand fixes it.
func TestSignOptionsRand(t *testing.T) {
	_, signer := fixtureKey(t, certstest.FixtureGOSTIndividual)
	a, err := Sign([]byte("<x/>"), signer)
	require.NoError(t, err)
	b, err := Sign([]byte("<x/>"), signer)
	require.NoError(t, err)
	assert.NotEqual(t, a, b)
	fixed := SignOptions{Rand: strings.NewReader(strings.Repeat("k", 1024))}
	c, err := fixed.Sign([]byte("<x/>"), signer)
	require.NoError(t, err)
	fixed = SignOptions{Rand: strings.NewReader(strings.Repeat("k", 1024))}
	d, err := fixed.Sign([]byte("<x/>"), signer)
	require.NoError(t, err)
	assert.Equal(t, c, d)
}

func TestSignatureType(t *testing.T) {
	tests := []struct {
		fixture string
		want    string
	}{
		{certstest.FixtureGOSTCEO, SignatureCompany},
		{certstest.FixtureCEOSign, SignatureCompany},
		{certstest.FixtureGOSTCanSign, SignatureOperator},
		{certstest.FixtureCanSignSign, SignatureOperator},
		{certstest.FixtureGOSTEmployee, SignatureOperator},
		{certstest.FixtureEmployeeSign, SignatureOperator},
		{certstest.FixtureGOSTIndividual, SignatureCompany},
		{certstest.FixtureGOSTEntrepreneur, SignatureCompany},
		{certstest.FixtureEntrepreneurSign, SignatureCompany},
	}
	for _, tc := range tests {
		ks, err := certstest.OpenFixture(tc.fixture)
		require.NoError(t, err)
		assert.Equal(t, tc.want, SignatureType(ks.Certificate), tc.fixture)
	}
	head, _ := realKey(t, "ncanode-kz_NCANode-Go", "internal", "testdata", "certs", "legal", "valid", "head.p12")
	assert.Equal(t, SignatureCompany, SignatureType(head.Certificate))
	signRight, _ := realKey(t, "ncanode-kz_NCANode-Go", "internal", "testdata", "certs", "legal", "valid", "employee_signright.p12")
	assert.Equal(t, SignatureOperator, SignatureType(signRight.Certificate))
}

// The status-change lists: exactly the bytes docs/esf-invoice-api.md §3.2
// describes, signed as a body is.
func TestStatusChangeLists(t *testing.T) {
	content, err := IDsWithReasonsContent([]IDWithReason{{ID: 20113995733614592, Reason: "Ошибка в сумме"}, {ID: 7, Reason: `<&>"`}})
	require.NoError(t, err)
	assert.Equal(t, `<signedContent><idsWithReasons><idWithReason><id>20113995733614592</id><reason>Ошибка в сумме</reason></idWithReason>`+
		`<idWithReason><id>7</id><reason>&lt;&amp;&gt;"</reason></idWithReason></idsWithReasons></signedContent>`, string(content))
	_, err = IDsWithReasonsContent([]IDWithReason{{ID: 1, Reason: "\x00"}})
	assert.ErrorIs(t, err, ErrUnwritable)
	assert.Equal(t, "<signedContent><ids><id>1</id><id>20113995733614592</id></ids></signedContent>", string(IDsContent([]int64{1, 20113995733614592})))

	ks, signer := fixtureKey(t, certstest.FixtureGOSTCEO)
	items := []IDWithReason{{ID: 1, Reason: "r"}}
	sig, err := SignIDsWithReasons(items, signer)
	require.NoError(t, err)
	content, _ = IDsWithReasonsContent(items)
	require.NoError(t, VerifySignature(content, sig, ks.Certificate))
	sig, err = SignIDs([]int64{1, 2}, signer)
	require.NoError(t, err)
	require.NoError(t, VerifySignature(IDsContent([]int64{1, 2}), sig, ks.Certificate))
	_, err = SignIDsWithReasons([]IDWithReason{{ID: 1, Reason: "\x00"}}, signer)
	assert.ErrorIs(t, err, ErrUnwritable)
}
