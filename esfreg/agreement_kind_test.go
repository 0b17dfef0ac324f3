package esfreg_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/agreement"
	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfreg"
)

// TestRule_AgreementSignerKind: the key that signs an agreement must be of
// a kind that fits it, as agreement.CheckSignerKind says — the same rule
// the client applies before signing (agreement.CheckSigner) and the mock
// applies on receipt (Service.Submit, CheckSignedAgreements). An
// individual's or an entrepreneur's agreement wants a personal key; the
// head's (CEO) key signs an individual's agreement only in his own
// legal-entity registration, beside that legal entity's agreement; a legal
// entity's agreement wants its head's key. Every key has the participant's
// IIN, so only the kind decides.
func TestRule_AgreementSignerKind(t *testing.T) {
	f := newFixture(t)
	now := f.clock.Now()
	l := now.In(esfreg.Almaty)
	day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, esfreg.Almaty) // the agreements' date
	person := esfreg.Requisites{IIN: iinHead, FullName: fullName(iinHead)}
	legalReq := person
	legalReq.BIN, legalReq.CompanyName, legalReq.ActingOnBasisOf = binCompany, "ТОО", "Устав"
	ind := esfreg.Agreement{Kind: esfreg.AgreementIndividual, Requisites: person, Date: day}
	ent := esfreg.Agreement{Kind: esfreg.AgreementEntrepreneur, Requisites: person, Date: day}
	legal := esfreg.Agreement{Kind: esfreg.AgreementLegalEntity, Requisites: legalReq, Date: day}

	personal := f.indSign(iinHead)
	entrepreneurKey := f.cert(certstest.KindEntrepreneur, certs.UsageSign, iinHead, "")
	head := f.headSign(iinHead, binCompany)
	headOther := f.headSign(iinHead, binOther)
	canSign := f.cert(certstest.KindCanSign, certs.UsageSign, iinHead, binCompany)
	employee := f.cert(certstest.KindEmployee, certs.UsageSign, iinHead, binCompany)

	sig := func(a esfreg.Agreement, c *certs.Certificate) esfreg.SignedAgreement {
		return esfreg.SignedAgreement{Agreement: a, Signer: c}
	}
	type list = []esfreg.Agreement
	type signed = []esfreg.SignedAgreement
	for _, tc := range []struct {
		name     string
		expected list
		signed   signed
		code     esfreg.Code // "" = accepted
	}{
		// An individual's registration: one agreement.
		{"individual, personal key", list{ind}, signed{sig(ind, personal)}, ""},
		{"individual, entrepreneur key", list{ind}, signed{sig(ind, entrepreneurKey)}, ""},
		{"individual, CEO key outside a legal entity's registration", list{ind}, signed{sig(ind, head)}, esfreg.CodeCertificateIsNotForPrivate},
		{"individual, CAN_SIGN key of a legal entity", list{ind}, signed{sig(ind, canSign)}, esfreg.CodeCertificateIsNotForPrivate},
		{"individual, EMPLOYEE key of a legal entity", list{ind}, signed{sig(ind, employee)}, esfreg.CodeCertificateIsNotForPrivate},
		// An entrepreneur's registration.
		{"entrepreneur, entrepreneur key", list{ent}, signed{sig(ent, entrepreneurKey)}, ""},
		{"entrepreneur, personal key", list{ent}, signed{sig(ent, personal)}, ""},
		{"entrepreneur, CEO key", list{ent}, signed{sig(ent, head)}, esfreg.CodeCertificateIsNotForPrivate},
		{"entrepreneur, CAN_SIGN key of a legal entity", list{ent}, signed{sig(ent, canSign)}, esfreg.CodeCertificateIsNotForPrivate},
		{"entrepreneur, EMPLOYEE key of a legal entity", list{ent}, signed{sig(ent, employee)}, esfreg.CodeCertificateIsNotForPrivate},
		// A head not yet registered as an individual: two agreements.
		{"head, both with his CEO key", list{ind, legal}, signed{sig(ind, head), sig(legal, head)}, ""},
		{"head, his own with his personal key", list{ind, legal}, signed{sig(ind, personal), sig(legal, head)}, ""},
		{"head, his own with his CEO key of another company", list{ind, legal}, signed{sig(ind, headOther), sig(legal, head)}, esfreg.CodeCertificateIsNotForPrivate},
		{"head, his own with a CAN_SIGN key", list{ind, legal}, signed{sig(ind, canSign), sig(legal, head)}, esfreg.CodeCertificateIsNotForPrivate},
		{"head, his own with an EMPLOYEE key", list{ind, legal}, signed{sig(ind, employee), sig(legal, head)}, esfreg.CodeCertificateIsNotForPrivate},
		{"head, the legal entity's with a personal key", list{ind, legal}, signed{sig(ind, personal), sig(legal, personal)}, esfreg.CodeCertificateIsNotForEnterprise},
		{"head, the legal entity's with an entrepreneur key", list{ind, legal}, signed{sig(ind, personal), sig(legal, entrepreneurKey)}, esfreg.CodeCertificateIsNotForEnterprise},
		{"head, the legal entity's with a CAN_SIGN key", list{ind, legal}, signed{sig(ind, head), sig(legal, canSign)}, esfreg.CodeNotEnterpriseHead},
		{"head, the legal entity's with an EMPLOYEE key", list{ind, legal}, signed{sig(ind, head), sig(legal, employee)}, esfreg.CodeNotEnterpriseHead},
		// A head already registered as an individual: the legal entity's alone.
		{"registered head, CEO key", list{legal}, signed{sig(legal, head)}, ""},
		{"registered head, personal key", list{legal}, signed{sig(legal, personal)}, esfreg.CodeCertificateIsNotForEnterprise},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := esfreg.CheckSignedAgreements(tc.expected, tc.signed, esfreg.CertOptions{Now: now})
			if tc.code == "" {
				require.NoError(t, err)
				return
			}
			requireCode(t, err, tc.code, "")
		})
	}

	// CheckAgreementSigner, the rule for one agreement, is
	// agreement.CheckSignerKind's: the two packages agree on every kind.
	kinds := map[esfreg.AgreementKind]agreement.Kind{
		esfreg.AgreementIndividual: agreement.Individual, esfreg.AgreementEntrepreneur: agreement.Entrepreneur, esfreg.AgreementLegalEntity: agreement.LegalEntity,
	}
	for _, a := range []esfreg.Agreement{ind, ent, legal} {
		for _, c := range []*certs.Certificate{personal, entrepreneurKey, head, canSign, employee} {
			t.Run("agree/"+a.Kind.String()+"/"+c.Holder.String()+"/"+roles(c), func(t *testing.T) {
				want := agreement.CheckSignerKind(kinds[a.Kind], c) == nil
				got := esfreg.CheckAgreementSigner(a, c, esfreg.CertOptions{Now: now}) == nil
				require.Equal(t, want, got, "agreement says %v, esfreg %v", agreement.CheckSignerKind(kinds[a.Kind], c), esfreg.CheckAgreementSigner(a, c, esfreg.CertOptions{Now: now}))
			})
		}
	}
}

// TestRule_SubmitRefusesSignerKind: the Service (what the mock runs)
// refuses an individual's registration whose agreement is signed with a
// legal entity's key of the same person.
func TestRule_SubmitRefusesSignerKind(t *testing.T) {
	for _, tc := range []struct {
		name string
		key  certstest.Kind
	}{
		{"CEO key", certstest.KindCEO},
		{"CAN_SIGN key", certstest.KindCanSign},
		{"EMPLOYEE key", certstest.KindEmployee},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			app, err := f.svc.Begin(ctx, esfreg.Individual, f.indSign(iinPerson))
			require.NoError(t, err)
			form := fill(app.Form(), app.ExistingAccount())
			require.NoError(t, f.svc.CheckForm(ctx, app, form))
			_, err = f.svc.Submit(ctx, app, form, f.sign(app, form, f.cert(tc.key, certs.UsageSign, iinPerson, binCompany)))
			requireCode(t, err, esfreg.CodeCertificateIsNotForPrivate, "")
		})
	}
}

func roles(c *certs.Certificate) string {
	s := ""
	for _, r := range c.Roles {
		s += string(r) + "+"
	}
	return s
}
