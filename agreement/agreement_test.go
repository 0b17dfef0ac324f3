package agreement_test

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/agreement"
	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/internal/testref"
	"github.com/esfkit/esf/xmlsig"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// at is the pinned clock: inside the committed fixtures' validity.
var at = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

func clock() time.Time { return at }

func requisites(kind agreement.Kind) agreement.Requisites {
	r := agreement.Requisites{
		IIN:                 certstest.TestIIN,
		FullName:            "ТЕСТОВ ТЕСТ ТЕСТОВИЧ",
		IDDocumentNumber:    "012345678",
		IDDocumentIssuer:    "МВД РК",
		IDDocumentIssueDate: time.Date(2019, 3, 14, 0, 0, 0, 0, time.UTC),
		Address:             "г. Астана, ул. Бейбітшілік, 10",
	}
	switch kind {
	case agreement.Entrepreneur:
		r.IIN, r.FullName = certstest.TestIIN2, "ТЕСТТОВ ТЕСТТ ТЕСТТОВИЧ"
	case agreement.LegalEntity:
		r.BIN, r.CompanyName, r.ActingOnBasisOf = certstest.TestBIN, `АО "ТЕСТ"`, "Устава"
	}
	return r
}

func newAgreement(t testing.TB, kind agreement.Kind, lang agreement.Lang) *agreement.Agreement {
	t.Helper()
	a, err := agreement.New(kind, lang, requisites(kind), at)
	require.NoError(t, err)
	return a
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./agreement -update to write %s", path)
	assert.Equal(t, string(want), string(got), "golden file %s (go test ./agreement -update rewrites it)", path)
}

var kinds = []agreement.Kind{agreement.Individual, agreement.Entrepreneur, agreement.LegalEntity}

func TestGoldenAgreements(t *testing.T) {
	for _, kind := range kinds {
		for _, lang := range []agreement.Lang{agreement.Russian, agreement.Kazakh} {
			t.Run(kind.String()+"-"+string(lang), func(t *testing.T) {
				a := newAgreement(t, kind, lang)
				doc, err := a.XML()
				require.NoError(t, err)
				again, err := a.XML()
				require.NoError(t, err)
				require.Equal(t, doc, again, "deterministic")
				golden(t, kind.String()+"-"+string(lang)+".xml", doc)

				back, err := agreement.Parse(doc)
				require.NoError(t, err)
				assert.Equal(t, a.Kind, back.Kind)
				assert.Equal(t, a.Lang, back.Lang)
				assert.Equal(t, a.Requisites, back.Requisites)
				assert.True(t, a.Date.Equal(back.Date.Add(9*time.Hour)))
				assert.Contains(t, string(doc), a.Acceptance())
			})
		}
	}
}

// signerFor returns the committed fixture key store that signs each kind's
// agreement (RSA: deterministic signatures for golden files).
func signerFor(t testing.TB, kind agreement.Kind) *certs.KeyStore {
	t.Helper()
	name := map[agreement.Kind]string{
		agreement.Individual:   certstest.FixtureIndividualSign,
		agreement.Entrepreneur: certstest.FixtureEntrepreneurSign,
		agreement.LegalEntity:  certstest.FixtureCEOSign,
	}[kind]
	ks, err := certstest.OpenFixture(name)
	require.NoError(t, err)
	return ks
}

func policy(t testing.TB) agreement.Policy {
	t.Helper()
	opts, err := certstest.FixtureVerifyOptions()
	require.NoError(t, err)
	return agreement.Policy{Chain: opts, Now: clock}
}

func TestSignVerifyGolden(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind.String(), func(t *testing.T) {
			a := newAgreement(t, kind, agreement.Russian)
			ks := signerFor(t, kind)
			s, err := ks.Signer()
			require.NoError(t, err)
			signed, err := agreement.Sign(a, s, ks.Certificate, xmlsig.SignOptions{Now: clock})
			require.NoError(t, err)
			golden(t, "signed-"+kind.String()+"-ru.xml", signed)

			v, err := agreement.Verify(signed, policy(t))
			require.NoError(t, err)
			assert.Equal(t, a.Requisites, v.Agreement.Requisites)
			assert.Equal(t, ks.Certificate.X509.Raw, v.Signer.X509.Raw)
			assert.Len(t, v.Chain, 3)

			tampered := strings.Replace(string(signed), "012345678", "987654321", 1)
			_, err = agreement.Verify([]byte(tampered), policy(t))
			var pe *agreement.PolicyError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, agreement.RuleSignature, pe.Rule)
			assert.ErrorIs(t, err, xmlsig.ErrDigest)
		})
	}
}

func TestHeadSignsBothAgreements(t *testing.T) {
	// A head not yet registered as an individual signs two agreements with
	// his head's key: the legal entity's and his own.
	ks := signerFor(t, agreement.LegalEntity)
	s, err := ks.Signer()
	require.NoError(t, err)
	for _, kind := range []agreement.Kind{agreement.LegalEntity, agreement.Individual} {
		signed, err := agreement.Sign(newAgreement(t, kind, agreement.Kazakh), s, ks.Certificate, xmlsig.SignOptions{Now: clock})
		require.NoError(t, err)
		p := policy(t)
		p.HeadOf = ks.Certificate.BIN // the individual's agreement is signed beside the entity's
		_, err = agreement.Verify(signed, p)
		require.NoError(t, err, kind)
		if kind == agreement.Individual {
			// Alone, an individual's agreement signed with a legal
			// entity's key is refused: it needs a personal key.
			_, err = agreement.Verify(signed, policy(t))
			var pe *agreement.PolicyError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, agreement.RuleHolder, pe.Rule)
		}
	}
}

func TestPolicy(t *testing.T) {
	ca, err := certstest.NewCA(certstest.Options{Now: clock, Rand: certstest.DeterministicRand("policy")})
	require.NoError(t, err)
	p, err := ca.VerifyOptions()
	require.NoError(t, err)
	pol := agreement.Policy{Chain: p, Now: clock}
	issue := func(prof certstest.Profile) *certstest.Issued {
		is, err := ca.Issue(prof)
		require.NoError(t, err)
		return is
	}
	for _, tc := range []struct {
		name    string
		kind    agreement.Kind
		profile certstest.Profile
		mutate  func(*agreement.Agreement)
		rule    agreement.Rule
		reason  certs.Reason
	}{
		{"AUTH key refused", agreement.Individual, certstest.Profile{Usage: certs.UsageAuth}, nil, agreement.RuleSigningKey, 0},
		{"wrong IIN", agreement.Individual, certstest.Profile{Usage: certs.UsageSign, IIN: certstest.TestIIN2}, nil, agreement.RuleIIN, 0},
		{"wrong BIN", agreement.LegalEntity, certstest.Profile{Kind: certstest.KindCEO, Usage: certs.UsageSign, BIN: "990440000017"}, nil, agreement.RuleBIN, 0},
		{"individual signing a legal entity's agreement", agreement.LegalEntity, certstest.Profile{Usage: certs.UsageSign}, nil, agreement.RuleHolder, 0},
		{"employee with the right to sign is not the head", agreement.LegalEntity, certstest.Profile{Kind: certstest.KindCanSign, Usage: certs.UsageSign, IIN: certstest.TestIIN}, nil, agreement.RuleHolder, 0},
		{"expired", agreement.Individual, certstest.Profile{Usage: certs.UsageSign, State: certstest.StateExpired}, nil, agreement.RuleChain, certs.ReasonExpired},
		{"revoked", agreement.Individual, certstest.Profile{Usage: certs.UsageSign, State: certstest.StateRevoked}, nil, agreement.RuleChain, certs.ReasonRevoked},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := issue(tc.profile)
			a := newAgreement(t, tc.kind, agreement.Russian)
			if tc.mutate != nil {
				tc.mutate(a)
			}
			doc, err := a.XML()
			require.NoError(t, err)
			// Sign with xmlsig directly: agreement.Sign would refuse first.
			signed, err := xmlsig.Sign(doc, is.PrivateKey, is.Certificate, xmlsig.SignOptions{Now: func() time.Time { return is.Certificate.NotBefore.Add(time.Hour) }})
			require.NoError(t, err)
			if tc.rule != agreement.RuleChain {
				_, err := agreement.Sign(a, is.PrivateKey, is.Certificate, xmlsig.SignOptions{Now: clock})
				require.Error(t, err, "Sign checks the signer first")
			}
			pol := pol
			if tc.reason == certs.ReasonRevoked {
				crl, err := ca.CRL()
				require.NoError(t, err)
				parsed, err := certs.ParseCRL(crl)
				require.NoError(t, err)
				pol.Chain.CRLs = []*certs.CRL{parsed}
			}
			_, err = agreement.Verify(signed, pol)
			var pe *agreement.PolicyError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tc.rule, pe.Rule, err.Error())
			if tc.reason != 0 {
				var ve *certs.VerifyError
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, tc.reason, ve.Reason)
			}
		})
	}
	t.Run("wrong kind", func(t *testing.T) {
		is := issue(certstest.Profile{Usage: certs.UsageSign})
		signed, err := agreement.Sign(newAgreement(t, agreement.Individual, agreement.Russian), is.PrivateKey, is.Certificate, xmlsig.SignOptions{Now: clock})
		require.NoError(t, err)
		pol := pol
		pol.Kind = agreement.Entrepreneur
		_, err = agreement.Verify(signed, pol)
		var pe *agreement.PolicyError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, agreement.RuleKind, pe.Rule)
	})
	t.Run("other terms", func(t *testing.T) {
		is := issue(certstest.Profile{Usage: certs.UsageSign})
		doc, err := newAgreement(t, agreement.Individual, agreement.Russian).XML()
		require.NoError(t, err)
		doc = []byte(strings.Replace(string(doc), "трёх рабочих дней", "тридцати рабочих дней", 1))
		signed, err := xmlsig.Sign(doc, is.PrivateKey, is.Certificate, xmlsig.SignOptions{Now: clock})
		require.NoError(t, err)
		_, err = agreement.Verify(signed, pol)
		var pe *agreement.PolicyError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, agreement.RuleDocument, pe.Rule)
	})
}

func TestValidateNamesTheField(t *testing.T) {
	for _, tc := range []struct {
		field  string
		mutate func(*agreement.Requisites)
	}{
		{"iin", func(r *agreement.Requisites) { r.IIN = "12345" }},
		{"fullName", func(r *agreement.Requisites) { r.FullName = " " }},
		{"idDocumentNumber", func(r *agreement.Requisites) { r.IDDocumentNumber = "" }},
		{"idDocumentIssuer", func(r *agreement.Requisites) { r.IDDocumentIssuer = "" }},
		{"idDocumentIssueDate", func(r *agreement.Requisites) { r.IDDocumentIssueDate = at.AddDate(0, 0, 1) }},
		{"address", func(r *agreement.Requisites) { r.Address = "" }},
		{"bin", func(r *agreement.Requisites) { r.BIN = "BIN" }},
		{"companyName", func(r *agreement.Requisites) { r.CompanyName = "" }},
		{"actingOnBasisOf", func(r *agreement.Requisites) { r.ActingOnBasisOf = "" }},
	} {
		t.Run(tc.field, func(t *testing.T) {
			r := requisites(agreement.LegalEntity)
			tc.mutate(&r)
			_, err := agreement.New(agreement.LegalEntity, agreement.Russian, r, at)
			var fe *agreement.FieldError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, tc.field, fe.Field)
			assert.ErrorIs(t, err, agreement.ErrInvalid)
		})
	}
	_, err := agreement.New(agreement.Individual, "en", requisites(agreement.Individual), at)
	assert.ErrorIs(t, err, agreement.ErrInvalid)
}

// xmlsec1 accepts our RSA-signed agreements.
func TestXmlsec1VerifiesSignedAgreement(t *testing.T) {
	testref.Tool(t, "xmlsec1", "xmlsec1")
	for _, kind := range kinds {
		path := filepath.Join("testdata", "signed-"+kind.String()+"-ru.xml")
		out, err := exec.Command("xmlsec1", "--verify", "--enabled-key-data", "x509", "--insecure", path).CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
}
