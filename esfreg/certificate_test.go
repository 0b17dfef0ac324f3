package esfreg_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfreg"
)

func TestCheckCertificate_ByCategory(t *testing.T) {
	f := newFixture(t)
	opts := esfreg.CertOptions{Now: t0}
	for _, tc := range []struct {
		name     string
		category esfreg.Category
		cert     *certs.Certificate
		code     esfreg.Code // "" = accepted
	}{
		{"individual, AUTH key", esfreg.Individual, f.indAuth(iinPerson), ""},
		{"individual, signing key", esfreg.Individual, f.indSign(iinPerson), ""},
		{"individual with a head's key", esfreg.Individual, f.headSign(iinHead, binCompany), esfreg.CodeCertificateIsNotForPrivate},
		{"entrepreneur, an individual's key", esfreg.Entrepreneur, f.cert(certstest.KindEntrepreneur, certs.UsageSign, iinEntrepreneur, ""), ""},
		{"entrepreneur with an employee's key", esfreg.Entrepreneur, f.cert(certstest.KindEmployee, certs.UsageSign, iinPerson, binCompany), esfreg.CodeCertificateIsNotForPrivate},
		{"legal entity, head's signing key", esfreg.LegalEntity, f.headSign(iinHead, binCompany), ""},
		{"legal entity, head's AUTH key", esfreg.LegalEntity, f.headAuth(iinHead, binCompany), ""},
		{"legal entity with an individual's key", esfreg.LegalEntity, f.indSign(iinHead), esfreg.CodeCertificateIsNotForEnterprise},
		{"legal entity with a signer's key (no CEO role)", esfreg.LegalEntity, f.cert(certstest.KindCanSign, certs.UsageSign, iinPerson, binCompany), esfreg.CodeNotEnterpriseHead},
		{"legal entity with an employee's key", esfreg.LegalEntity, f.cert(certstest.KindEmployee, certs.UsageSign, iinPerson, binCompany), esfreg.CodeNotEnterpriseHead},
		{"legal entity, BIN fails the checksum", esfreg.LegalEntity, f.headSign(iinHead, "100440123457"), esfreg.CodeBINNotValid},
		{"IIN fails the checksum", esfreg.Individual, f.indSign("850314312345"), esfreg.CodeIINNotValid},
		{"test IIN without the option", esfreg.Individual, f.indSign(esfreg.TestIIN), esfreg.CodeIINNotValid},
		{"no category", 0, f.indSign(iinPerson), esfreg.CodeCategoryNotValid},
		{"no certificate", esfreg.Individual, nil, esfreg.CodeCertificateNotValid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := esfreg.CheckCertificate(tc.category, tc.cert, opts)
			if tc.code == "" {
				require.NoError(t, err)
				return
			}
			requireCode(t, err, tc.code, "")
		})
	}
	lenient := opts
	lenient.AllowTestIdentities = true
	require.NoError(t, esfreg.CheckCertificate(esfreg.LegalEntity, f.headSign(esfreg.TestIIN, esfreg.TestBIN), lenient))
}

func TestCheckCertificate_Validity(t *testing.T) {
	f := newFixture(t)
	expired, err := f.ca.Issue(certstest.Profile{Kind: certstest.KindIndividual, Usage: certs.UsageSign, IIN: iinPerson, State: certstest.StateExpired})
	require.NoError(t, err)
	revoked, err := f.ca.Issue(certstest.Profile{Kind: certstest.KindIndividual, Usage: certs.UsageSign, IIN: iinPerson, State: certstest.StateRevoked})
	require.NoError(t, err)
	future, err := f.ca.Issue(certstest.Profile{Kind: certstest.KindIndividual, Usage: certs.UsageSign, IIN: iinPerson, NotBefore: t0.Add(24 * time.Hour)})
	require.NoError(t, err)
	foreignCA, err := certstest.NewCA(certstest.Options{Now: f.clock.Now, FreshKeys: true, RootName: "FOREIGN ROOT", IntermediateName: "FOREIGN CA"})
	require.NoError(t, err)
	foreign, err := foreignCA.Issue(certstest.Profile{Kind: certstest.KindIndividual, Usage: certs.UsageSign, IIN: iinPerson})
	require.NoError(t, err)
	good := f.indSign(iinPerson)

	vo, err := f.ca.VerifyOptions()
	require.NoError(t, err)
	for _, tc := range []struct {
		name      string
		cert      *certs.Certificate
		trust     bool
		code      esfreg.Code
		untrusted esfreg.Code // without Trust: dates only
	}{
		{"valid", good, true, "", ""},
		{"expired", expired.Certificate, true, esfreg.CodeCertificateExpired, esfreg.CodeCertificateExpired},
		{"not yet valid", future.Certificate, true, esfreg.CodeCertificateNotYetValid, esfreg.CodeCertificateNotYetValid},
		{"revoked", revoked.Certificate, true, esfreg.CodeCertificateRevoked, ""},
		{"unknown authority", foreign.Certificate, true, esfreg.CodeCertificateNotValid, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, trusted := range []bool{true, false} {
				opts := esfreg.CertOptions{Now: t0}
				want := tc.untrusted
				if trusted {
					opts.Trust, want = &vo, tc.code
				}
				err := esfreg.CheckCertificate(esfreg.Individual, tc.cert, opts)
				if want == "" {
					require.NoError(t, err, "trusted=%v", trusted)
					continue
				}
				requireCode(t, err, want, "")
				if trusted {
					var ve *certs.VerifyError
					require.ErrorAs(t, err, &ve, "the cause is certs' error")
				}
			}
		})
	}
}

func TestCheckAuthAndSigningCertificate(t *testing.T) {
	f := newFixture(t)
	opts := esfreg.CertOptions{Now: t0}
	require.NoError(t, esfreg.CheckAuthCertificate(f.indAuth(iinPerson), opts))
	requireCode(t, esfreg.CheckAuthCertificate(f.indSign(iinPerson), opts), esfreg.CodeCertificateIsNotForAuth, "")
	requireCode(t, esfreg.CheckAuthCertificate(nil, opts), esfreg.CodeCertificateNotValid, "")
	requireCode(t, esfreg.CheckAuthCertificate(f.indAuth("850314312345"), opts), esfreg.CodeIINNotValid, "")

	require.NoError(t, esfreg.CheckSigningCertificate(f.indSign(iinPerson), iinPerson, opts))
	require.NoError(t, esfreg.CheckSigningCertificate(f.headSign(iinHead, binCompany), iinHead, opts), "a head's signing key is his too")
	requireCode(t, esfreg.CheckSigningCertificate(f.indAuth(iinPerson), iinPerson, opts), esfreg.CodeCertificateIsNotForSigning, "")
	requireCode(t, esfreg.CheckSigningCertificate(f.indSign(iinHead), iinPerson, opts), esfreg.CodeIINNotValid, "")
	requireCode(t, esfreg.CheckSigningCertificate(nil, iinPerson, opts), esfreg.CodeCertificateNotValid, "")
	late := opts
	late.Now = t0.AddDate(2, 0, 0)
	requireCode(t, esfreg.CheckSigningCertificate(f.indSign(iinPerson), iinPerson, late), esfreg.CodeCertificateExpired, "")
}
