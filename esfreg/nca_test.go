package esfreg_test

// The rules against NCA's own test key stores in
// ../shared/reference/nca-test-certs (skipped where that folder is
// absent): the 2020 pairs of the original documents (AUTH_RSA + RSA for a
// person, AUTH_RSA + GOST for a legal entity's head) and the 2026 GOST
// 2015-512 keys that log in and sign with one key. NCA's test identities
// fail the checksum, so these run with AllowTestIdentities.

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/internal/testref"
)

const ncaPIN = "Qwerty12"

func openNCA(t *testing.T, elem ...string) *certs.Certificate {
	t.Helper()
	dir := testref.Dir(t, "reference", "nca-test-certs")
	ks, err := certs.OpenFile(filepath.Join(append([]string{dir}, elem...)...), ncaPIN)
	require.NoError(t, err)
	return ks.Certificate
}

// ncaService is a Service at now that accepts the test identities and, if
// trust is set, verifies chains against it; the register lists АО "ТЕСТ"
// with ТЕСТОВ ТЕСТ as its head.
func ncaService(t *testing.T, now time.Time, trust *certs.VerifyOptions) *esfreg.Service {
	t.Helper()
	svc := esfreg.New(esfreg.Config{
		Now: func() time.Time { return now }, AllowTestIdentities: true, Trust: trust,
		Hasher: esfreg.Bcrypt{Cost: bcrypt.MinCost},
	})
	_, err := svc.PublishTaxpayer(ctx, company(esfreg.TestBIN, esfreg.TestIIN))
	require.NoError(t, err)
	return svc
}

// ncaRegister runs a whole registration with real keys.
func ncaRegister(t *testing.T, svc *esfreg.Service, c esfreg.Category, stepAndSign, auth *certs.Certificate, now time.Time) *esfreg.Completion {
	t.Helper()
	app, err := svc.Begin(ctx, c, stepAndSign)
	require.NoError(t, err)
	form := fill(app.Form(), app.ExistingAccount())
	var signed []esfreg.SignedAgreement
	for _, a := range app.Agreements(form, now) {
		signed = append(signed, esfreg.SignedAgreement{Agreement: a, Signer: stepAndSign})
	}
	conf, err := svc.Submit(ctx, app, form, signed)
	require.NoError(t, err)
	done, err := svc.Complete(ctx, conf.Token, esfreg.Credentials{Certificate: auth, Password: testPassword})
	require.NoError(t, err)
	return done
}

// TestNCA_2020Pairs: the key pairs of the original documents — a person's
// AUTH_RSA (log-in only) and RSA (signing); a head's AUTH_RSA and GOST
// signing key — at a time inside their validity (2020).
func TestNCA_2020Pairs(t *testing.T) {
	now := time.Date(2020, 6, 1, 9, 0, 0, 0, time.UTC)
	base := []string{"danikarik_ncanode-go", "testdata"}
	indAuth := openNCA(t, append(base, "personal/active/AUTH_RSA256_b2c70a9ff7a5dc59de0ccc3c0ddde3437cc1f12d.p12")...)
	indSign := openNCA(t, append(base, "personal/active/RSA256_11c707bd54cbfcccb3815e39c4eb57b1dc7dfea9.p12")...)
	headAuth := openNCA(t, append(base, "organization/active/AUTH_RSA256_d682726b55b3e62600ea8fe1c74e75fc96f47790.p12")...)
	headGOST := openNCA(t, append(base, "organization/active/GOSTKNCA_13a3741b52d7bf860aab199b56fad1f4652e357b.p12")...)
	require.Equal(t, certs.AlgorithmGOST2004, headGOST.Algorithm)
	require.Equal(t, certs.UsageSign, headGOST.Usage)

	svc := ncaService(t, now, nil)
	// The person registers with RSA (step 1, agreement) and logs in with AUTH_RSA.
	done := ncaRegister(t, svc, esfreg.Individual, indSign, indAuth, now)
	assert.Equal(t, esfreg.TestIIN, done.Account.IIN)
	assert.Equal(t, "ТЕСТОВ ТЕСТ ТЕСТОВИЧ", done.Account.FullName)

	// The head registers the legal entity with the GOST key (step 1 and
	// the agreement — one, since he is an individual already) and logs in
	// with the AUTH_RSA key: the current password, one account.
	done = ncaRegister(t, svc, esfreg.LegalEntity, headGOST, headAuth, now)
	require.Len(t, done.Added, 1)
	assert.Equal(t, esfreg.TestBIN, done.Added[0].TIN)
	assert.Len(t, done.Account.Profiles, 2)

	// Each key keeps to its use.
	_, err := svc.Login(ctx, esfreg.Credentials{Certificate: headGOST, Password: testPassword})
	requireCode(t, err, esfreg.CodeCertificateIsNotForAuth, "")
	_, err = svc.ChangeEmail(ctx, esfreg.EmailChange{IIN: esfreg.TestIIN, Email: "test@example.kz"}, headAuth)
	requireCode(t, err, esfreg.CodeCertificateIsNotForSigning, "")
	_, err = svc.ChangeEmail(ctx, esfreg.EmailChange{IIN: esfreg.TestIIN, Email: "test@example.kz"}, headGOST)
	require.NoError(t, err, "a GOST signing key signs a change of e-mail")
	res, err := svc.Login(ctx, esfreg.Credentials{Certificate: headAuth, Password: testPassword, TIN: esfreg.TestBIN})
	require.NoError(t, err)
	assert.Equal(t, esfreg.ProfileAdminEnterprise, res.Profile.Type)

	// In 2026 these keys are long expired.
	late := ncaService(t, t0, nil)
	_, err = late.Begin(ctx, esfreg.Individual, indSign)
	requireCode(t, err, esfreg.CodeCertificateExpired, "")
}

// TestNCA_GOST2015 uses NCA's 2026 GOST 2015-512 key stores, with the
// chain and CRL of NCA's GOST TEST 2022 CAs.
func TestNCA_GOST2015(t *testing.T) {
	dir := testref.Dir(t, "reference", "nca-test-certs")
	base := filepath.Join(dir, "ncanode-kz_NCANode-Go", "internal", "testdata", "certs")
	var trust certs.VerifyOptions
	for _, name := range []string{"root_test_gost_2022.cer", "nca_gost2022_test.cer"} {
		data, err := os.ReadFile(filepath.Join(base, name))
		require.NoError(t, err)
		c, err := certs.ParseCertificate(data)
		require.NoError(t, err)
		trust.Roots = append(trust.Roots, c)
	}
	crlData, err := os.ReadFile(filepath.Join(base, "nca_gost2022_test.crl"))
	require.NoError(t, err)
	crl, err := certs.ParseCRL(crlData)
	require.NoError(t, err)
	trust.CRLs = []*certs.CRL{crl}
	open := func(rel string) *certs.Certificate {
		ks, err := certs.OpenFile(filepath.Join(base, rel), ncaPIN)
		require.NoError(t, err)
		return ks.Certificate
	}
	head := open("legal/valid/head.p12")
	require.Equal(t, certs.UsageAuth|certs.UsageSign, head.Usage, "one key for both")
	now := t0 // 2026-11-16, inside 2026-05-08..2027-05-08, after the CRL's 2026-08-11

	t.Run("a head registers the legal entity with one GOST key", func(t *testing.T) {
		svc := ncaService(t, now, &trust)
		done := ncaRegister(t, svc, esfreg.LegalEntity, head, head, now)
		require.Len(t, done.Added, 2, "not yet an individual: two agreements, two profiles")
		_, err := svc.Login(ctx, esfreg.Credentials{Certificate: head, Password: testPassword, TIN: esfreg.TestBIN})
		require.NoError(t, err)
	})
	t.Run("an individual registers with his GOST key", func(t *testing.T) {
		svc := ncaService(t, now, &trust)
		ind := open("individual/valid/individual_valid.p12")
		ncaRegister(t, svc, esfreg.Individual, ind, ind, now)
		_, err := svc.Begin(ctx, esfreg.LegalEntity, ind)
		requireCode(t, err, esfreg.CodeCertificateIsNotForEnterprise, "")
	})
	t.Run("test identities need the option", func(t *testing.T) {
		strict := esfreg.New(esfreg.Config{Now: func() time.Time { return now }, Trust: &trust})
		_, err := strict.Begin(ctx, esfreg.LegalEntity, head)
		requireCode(t, err, esfreg.CodeIINNotValid, "")
	})
	for _, tc := range []struct {
		name, file string
		code       esfreg.Code
	}{
		{"a revoked head's key", "legal/revoked/head.p12", esfreg.CodeCertificateRevoked},
		{"a revoked individual's key", "individual/revoked/individual_revoked.p12", esfreg.CodeCertificateRevoked},
		{"a signer's key, not the head's", "legal/valid/employee_signright.p12", esfreg.CodeNotEnterpriseHead},
		{"an employee's key (revoked, in fact)", "legal/valid/employee.p12", esfreg.CodeCertificateRevoked},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc := ncaService(t, now, &trust)
			c := open(tc.file)
			category := esfreg.LegalEntity
			if c.Holder == certs.HolderIndividual {
				category = esfreg.Individual
			}
			_, err := svc.Begin(ctx, category, c)
			requireCode(t, err, tc.code, "")
		})
	}
}
