package esfreg_test

// One test per rule of docs/domain.md, named after the rule, in the order
// of that page. The refresh schedule's rule is in schedule_test.go, the
// password rules in password_test.go and form_test.go.

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfreg"
)

// --- Certificates ---

// TestRule_AuthKeyOnlyAuthenticates: "The AUTH key is used only to
// authenticate (log in, and to read the holder's data into the
// registration form in the oldest portal version)."
func TestRule_AuthKeyOnlyAuthenticates(t *testing.T) {
	f := newFixture(t)
	auth := f.indAuth(iinPerson)

	// It reads the holder's data into the form (step 1)…
	app, err := f.svc.Begin(ctx, esfreg.Individual, auth)
	require.NoError(t, err)
	form := fill(app.Form(), false)
	assert.Equal(t, iinPerson, form.IIN)

	// …but signs nothing: not the agreement,
	_, err = f.svc.Submit(ctx, app, form, f.sign(app, form, auth))
	requireCode(t, err, esfreg.CodeCertificateIsNotForSigning, "")

	// and after registering (with the signing key) it logs in,
	f.register(esfreg.Individual, iinPerson, "")
	_, err = f.svc.Login(ctx, esfreg.Credentials{Certificate: auth, Password: testPassword})
	require.NoError(t, err)

	// but signs neither a change of e-mail nor a new password.
	_, err = f.svc.ChangeEmail(ctx, esfreg.EmailChange{IIN: iinPerson, Email: "new@example.kz"}, auth)
	requireCode(t, err, esfreg.CodeCertificateIsNotForSigning, "")
	ticket, err := f.svc.RequestPasswordReset(ctx, esfreg.PasswordResetRequest{IIN: iinPerson, Email: "user@example.kz"})
	require.NoError(t, err)
	err = f.svc.ResetPassword(ctx, esfreg.PasswordReset{Token: ticket.Token, Password: "Novyi2027pw", PasswordConfirmation: "Novyi2027pw"}, auth)
	requireCode(t, err, esfreg.CodeCertificateIsNotForSigning, "")
}

// TestRule_SigningKeySignsDocuments: "The signing key (RSA or GOST) signs
// documents: … the agreement … and confirmations such as "change my
// e-mail" or "reset my password"" — and does not log in.
func TestRule_SigningKeySignsDocuments(t *testing.T) {
	f := newFixture(t)
	sign := f.indSign(iinPerson)
	f.register(esfreg.Individual, iinPerson, "") // the agreement, signed with sign

	_, err := f.svc.Login(ctx, esfreg.Credentials{Certificate: sign, Password: testPassword})
	requireCode(t, err, esfreg.CodeCertificateIsNotForAuth, "")

	_, err = f.svc.ChangeEmail(ctx, esfreg.EmailChange{IIN: iinPerson, Email: "new@example.kz"}, sign)
	require.NoError(t, err)
	ticket, err := f.svc.RequestPasswordReset(ctx, esfreg.PasswordResetRequest{IIN: iinPerson, Email: "new@example.kz"})
	require.NoError(t, err)
	require.NoError(t, f.svc.ResetPassword(ctx, esfreg.PasswordReset{Token: ticket.Token, Password: "Novyi2027pw", PasswordConfirmation: "Novyi2027pw"}, sign))
}

// TestRule_GOST2015KeyServesBoth: since 2022 NCA issues one GOST
// 2015-512 key that both logs in and signs (esf-api.md §2.1); a legal
// entity's signing key is GOST (domain.md, "Certificates").
func TestRule_GOST2015KeyServesBoth(t *testing.T) {
	f := newFixture(t)
	gca, err := certstest.NewCA(certstest.Options{Algorithm: certs.AlgorithmGOST2015_512, Now: f.clock.Now, Rand: certstest.DeterministicRand("gost")})
	require.NoError(t, err)
	p := people[iinHead]
	is, err := gca.Issue(certstest.Profile{Kind: certstest.KindCEO, IIN: iinHead, BIN: binCompany,
		Surname: p.surname, FirstName: p.first, Patronymic: p.patronymic, Organization: orgName(certstest.KindCEO, binCompany)})
	require.NoError(t, err)
	ks, err := certs.Open(is.PKCS12, is.PIN)
	require.NoError(t, err)
	gost := ks.Certificate
	require.Equal(t, certs.AlgorithmGOST2015_512, gost.Algorithm)
	require.Equal(t, certs.UsageAuth|certs.UsageSign, gost.Usage)

	f.publish(company(binCompany, iinHead))
	_, conf := f.submit(esfreg.LegalEntity, gost, gost) // step 1 and the agreements
	_, err = f.svc.Complete(ctx, conf.Token, esfreg.Credentials{Certificate: gost, Password: testPassword})
	require.NoError(t, err, "the same key logs in")
	res, err := f.svc.Login(ctx, esfreg.Credentials{Certificate: gost, Password: testPassword, TIN: binCompany})
	require.NoError(t, err)
	assert.Equal(t, esfreg.ProfileAdminEnterprise, res.Profile.Type)
	_, err = f.svc.ChangeEmail(ctx, esfreg.EmailChange{IIN: iinHead, Email: "head@example.kz"}, gost)
	require.NoError(t, err, "and signs")

	// With the GOST CA trusted, the chain verifies too.
	vo, err := gca.VerifyOptions()
	require.NoError(t, err)
	require.NoError(t, esfreg.CheckAuthCertificate(gost, esfreg.CertOptions{Now: t0, Trust: &vo}))
}

// TestRule_LegalEntityCertificateNamesCompanyAndHead: "A legal entity's
// certificates name both the company (BIN, name) and the person who holds
// them (IIN, full name). A head's certificates say that the person is the
// first head."
func TestRule_LegalEntityCertificateNamesCompanyAndHead(t *testing.T) {
	f := newFixture(t)
	f.publish(company(binCompany, iinHead))
	head := f.headSign(iinHead, binCompany)
	app, err := f.svc.Begin(ctx, esfreg.LegalEntity, head)
	require.NoError(t, err)
	assert.Equal(t, iinHead, app.IIN)
	assert.Equal(t, binCompany, app.BIN)
	form := app.Form()
	assert.Equal(t, fullName(iinHead), form.FullName)
	assert.Equal(t, head.Organization, form.CompanyName)

	// An employee of the same company holds a company certificate, but not
	// the head's.
	f.publish(company(binOther, iinPerson))
	_, err = f.svc.Begin(ctx, esfreg.LegalEntity, f.cert(certstest.KindCanSign, certs.UsageSign, iinPerson, binOther))
	requireCode(t, err, esfreg.CodeNotEnterpriseHead, "")
}

// TestRule_FormPrefilledFromCertificateAndRegister: "ESF reads the
// holder's data out of the certificate: IIN, full name, BIN, company name.
// Data the certificate lacks the user types in."
func TestRule_FormPrefilledFromCertificateAndRegister(t *testing.T) {
	f := newFixture(t)
	tp := company(binCompany, iinHead)
	f.publish(tp)
	f.publish(entrepreneur(iinEntrepreneur))
	withEmail, err := f.ca.Issue(certstest.Profile{Kind: certstest.KindIndividual, Usage: certs.UsageSign, IIN: iinPerson,
		Surname: "ЖАНТАЕВА", FirstName: "АЙГУЛЬ", Patronymic: "ЕРЛАНОВНА", Email: "aigul@example.kz"})
	require.NoError(t, err)

	for _, tc := range []struct {
		name     string
		category esfreg.Category
		cert     *certs.Certificate
		want     esfreg.Form
	}{
		{"legal entity: certificate and register", esfreg.LegalEntity, f.headSign(iinHead, binCompany), esfreg.Form{
			Category: esfreg.LegalEntity, IIN: iinHead, FullName: fullName(iinHead),
			BIN: binCompany, CompanyName: `ТОО "КОМПАНИЯ 3456"`, Address: tp.AddressRu,
		}},
		{"entrepreneur: the register's address", esfreg.Entrepreneur, f.indSign(iinEntrepreneur), esfreg.Form{
			Category: esfreg.Entrepreneur, IIN: iinEntrepreneur, FullName: fullName(iinEntrepreneur),
			Address: entrepreneur(iinEntrepreneur).AddressRu,
		}},
		{"individual: the certificate's e-mail", esfreg.Individual, withEmail.Certificate, esfreg.Form{
			Category: esfreg.Individual, IIN: iinPerson, FullName: fullName(iinPerson), Email: "aigul@example.kz",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app, err := f.svc.Begin(ctx, tc.category, tc.cert)
			require.NoError(t, err)
			assert.Equal(t, tc.want, app.Form())
		})
	}

	// Without the company's name in the certificate, the register's.
	noName := *f.headSign(iinHead, binCompany)
	noName.Organization = ""
	assert.Equal(t, tp.NameRu, esfreg.Prefill(esfreg.LegalEntity, &noName, &tp, nil).CompanyName)
	// With an account, its e-mail and identity document.
	acct := &esfreg.Account{Email: "acct@example.kz", IDDocumentNumber: "N1234567", IDDocumentIssueDate: "01.02.2020", IDDocumentIssuer: "МЮ РК"}
	pre := esfreg.Prefill(esfreg.Individual, withEmail.Certificate, nil, acct)
	assert.Equal(t, "acct@example.kz", pre.Email, "the account's e-mail wins: it belongs to the IIN")
	assert.Equal(t, "N1234567", pre.IDDocumentNumber)
}

// --- Registration ---

// TestRule_ThreeCategories: "The user picks a category: Физическое лицо,
// Индивидуальный предприниматель, or Руководитель юридического лица (in the
// current portal: "Юридическое лицо")", each with its ESF profile type.
func TestRule_ThreeCategories(t *testing.T) {
	assert.Equal(t, []esfreg.Category{esfreg.Individual, esfreg.Entrepreneur, esfreg.LegalEntity}, esfreg.Categories())
	for _, tc := range []struct {
		c       esfreg.Category
		name    string
		title   string
		profile esfreg.ProfileType
	}{
		{esfreg.Individual, "INDIVIDUAL", "Физическое лицо", "INDIVIDUAL"},
		{esfreg.Entrepreneur, "ENTREPRENEUR", "Индивидуальный предприниматель", "ENTREPRENEUR"},
		{esfreg.LegalEntity, "LEGAL_ENTITY", "Юридическое лицо", "ADMIN_ENTERPRISE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.name, tc.c.String())
			assert.Equal(t, tc.title, tc.c.Title())
			assert.Equal(t, tc.profile, tc.c.ProfileType())
			got, err := esfreg.ParseCategory(tc.name)
			require.NoError(t, err)
			assert.Equal(t, tc.c, got)
		})
	}
	_, err := esfreg.ParseCategory("EMPLOYEE")
	requireCode(t, err, esfreg.CodeCategoryNotValid, "category")
	assert.False(t, esfreg.Category(0).Valid())
	assert.Empty(t, esfreg.Category(9).Title())
	assert.Equal(t, "Category(9)", esfreg.Category(9).String())

	// ESF's enumerations, spelled as in the WSDL (esf-api.md §1.3).
	assert.Equal(t, esfreg.UserStatus("ENTERPRISE_ADMIN_CHANGE_BLOCKED"), esfreg.StatusEnterpriseAdminChangeBlocked)
	assert.Equal(t, esfreg.UserStatus("ENTERPRISE_BLOCKED"), esfreg.StatusEnterpriseBlocked)
	assert.Equal(t, esfreg.EnterpriseType("INDIVIDUAL_ENTREPRENEUR"), esfreg.EnterpriseIndividualEntrepreneur)
	assert.True(t, esfreg.EnterpriseState.IsLegalEntity())
	assert.True(t, esfreg.EnterprisePrivate.IsLegalEntity())
	assert.False(t, esfreg.EnterpriseIndividualEntrepreneur.IsLegalEntity())
}

// TestRule_Step1ChoosesCertificateForCategory: step 1 accepts "an
// individual's key" for an individual, "an individual's key whose IIN the
// register lists as an entrepreneur" for an entrepreneur, and "the head's
// key naming the BIN, with the CEO role, and the register naming that IIN
// as head" for a legal entity.
func TestRule_Step1ChoosesCertificateForCategory(t *testing.T) {
	f := newFixture(t)
	f.publish(company(binCompany, iinHead))
	f.publish(entrepreneur(iinEntrepreneur))
	f.publish(esfreg.Taxpayer{TIN: binOther, NameRu: "ГУ", Type: esfreg.EnterpriseState, EnterpriseAdministrator: iinNewHead})
	f.publish(esfreg.Taxpayer{TIN: iinPerson, Type: esfreg.EnterpriseIndividual, AddressRu: "г. Шымкент"})
	_, err := f.svc.StageTaxpayer(ctx, entrepreneur(iinPerson)) // not before Wednesday
	require.NoError(t, err)

	for _, tc := range []struct {
		name     string
		category esfreg.Category
		cert     *certs.Certificate
		code     esfreg.Code
	}{
		{"individual", esfreg.Individual, f.indSign(iinPerson), ""},
		{"individual not in the register", esfreg.Individual, f.indSign(iinHead), ""},
		{"entrepreneur listed", esfreg.Entrepreneur, f.indSign(iinEntrepreneur), ""},
		{"entrepreneur not listed", esfreg.Entrepreneur, f.indSign(iinHead), esfreg.CodeNotEntrepreneur},
		{"entrepreneur listed only after the next refresh", esfreg.Entrepreneur, f.indSign(iinPerson), esfreg.CodeNotEntrepreneur},
		{"entrepreneur with a head's key", esfreg.Entrepreneur, f.headSign(iinEntrepreneur, binCompany), esfreg.CodeCertificateIsNotForPrivate},
		{"legal entity, the register's head", esfreg.LegalEntity, f.headSign(iinHead, binCompany), ""},
		{"state enterprise, the register's head", esfreg.LegalEntity, f.headSign(iinNewHead, binOther), ""},
		{"legal entity, another head in the register", esfreg.LegalEntity, f.headSign(iinNewHead, binCompany), esfreg.CodeHeadMismatch},
		{"legal entity not in the register", esfreg.LegalEntity, f.headSign(iinHead, "040240042425"), esfreg.CodeTaxpayerNotFound},
		{"legal entity: the TIN is an entrepreneur's", esfreg.LegalEntity, f.headSign(iinHead, iinEntrepreneur), esfreg.CodeTaxpayerNotFound},
		{"legal entity with an individual's key", esfreg.LegalEntity, f.indSign(iinHead), esfreg.CodeCertificateIsNotForEnterprise},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app, err := f.svc.Begin(ctx, tc.category, tc.cert)
			if tc.code != "" {
				requireCode(t, err, tc.code, "")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.category, app.Category)
			assert.False(t, app.ExistingAccount())
			if tc.cert.IIN != iinHead || tc.category != esfreg.Individual {
				require.NotNil(t, app.Taxpayer, "the register's record")
			}
		})
	}
	// The individual not in the register has no record, and that is fine.
	app, err := f.svc.Begin(ctx, esfreg.Individual, f.indSign(iinHead))
	require.NoError(t, err)
	assert.Nil(t, app.Taxpayer)

	// Once registered, not again.
	f.register(esfreg.Individual, iinPerson, "")
	_, err = f.svc.Begin(ctx, esfreg.Individual, f.indSign(iinPerson))
	requireCode(t, err, esfreg.CodeUserAlreadyRegistered, "")
	f.register(esfreg.Entrepreneur, iinEntrepreneur, "")
	_, err = f.svc.Begin(ctx, esfreg.Entrepreneur, f.indSign(iinEntrepreneur))
	requireCode(t, err, esfreg.CodeUserAlreadyRegistered, "")
}

// TestRule_IndividualFormHasNoCompanyFields: "An individual's form has no
// BIN or company fields; it does have the address."
func TestRule_IndividualFormHasNoCompanyFields(t *testing.T) {
	f := newFixture(t)
	app, err := f.svc.Begin(ctx, esfreg.Individual, f.indSign(iinPerson))
	require.NoError(t, err)
	form := app.Form()
	assert.Empty(t, form.BIN)
	assert.Empty(t, form.CompanyName)
	assert.Empty(t, form.ActingOnBasisOf)

	form = fill(form, false)
	form.Address = ""
	requireCode(t, f.svc.CheckForm(ctx, app, form), esfreg.CodeFieldRequired, "address")
	form = fill(form, false)
	form.BIN, form.CompanyName = binCompany, "ТОО"
	err = f.svc.CheckForm(ctx, app, form)
	requireCode(t, err, esfreg.CodeFieldNotAllowed, "bin")
	requireCode(t, err, esfreg.CodeFieldNotAllowed, "companyName")
}

// TestRule_FormMatchesCertificate: the form's login, full name and BIN are
// the certificate's; the user cannot register someone else.
func TestRule_FormMatchesCertificate(t *testing.T) {
	f := newFixture(t)
	f.publish(company(binCompany, iinHead))
	f.publish(company(binOther, iinHead))
	app, err := f.svc.Begin(ctx, esfreg.LegalEntity, f.headSign(iinHead, binCompany))
	require.NoError(t, err)
	good := fill(app.Form(), false)
	require.NoError(t, f.svc.CheckForm(ctx, app, good))

	spaced := good
	spaced.FullName = "  " + strings.ReplaceAll(good.FullName, " ", "   ")
	require.NoError(t, f.svc.CheckForm(ctx, app, spaced), "spacing does not count")

	for _, tc := range []struct {
		name  string
		edit  func(*esfreg.Form)
		field string
	}{
		{"another IIN", func(x *esfreg.Form) { x.IIN = iinNewHead }, "iin"},
		{"another name", func(x *esfreg.Form) { x.FullName = fullName(iinNewHead) }, "fullName"},
		{"another BIN", func(x *esfreg.Form) { x.BIN = binOther }, "bin"},
		{"another category", func(x *esfreg.Form) {
			x.Category = esfreg.Entrepreneur
			x.BIN, x.CompanyName, x.ActingOnBasisOf = "", "", ""
		}, "category"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := good
			tc.edit(&form)
			requireCode(t, f.svc.CheckForm(ctx, app, form), esfreg.CodeFieldMismatch, tc.field)
		})
	}
}

// TestRule_AgreementCarriesRequisites: step 3 shows the agreement "with the
// participant's requisites filled in (IIN, full name, ID document number,
// issuer and date, address; for a legal entity also BIN and name)", ending
// "Я <full name> с условиями настоящего Соглашения согласен" and dated.
func TestRule_AgreementCarriesRequisites(t *testing.T) {
	form := goodForm(esfreg.LegalEntity)
	now := time.Date(2026, 11, 16, 20, 0, 0, 0, time.UTC) // 17 November in Almaty
	got := esfreg.Agreements(form, true, now)
	require.Len(t, got, 1)
	a := got[0]
	assert.Equal(t, esfreg.AgreementLegalEntity, a.Kind)
	assert.Equal(t, esfreg.Requisites{
		IIN: iinHead, FullName: fullName(iinHead),
		IDDocumentNumber: "043512345", IDDocumentIssuer: "МВД РК",
		IDDocumentIssueDate: time.Date(2014, 11, 19, 0, 0, 0, 0, esfreg.Almaty),
		Address:             "010000, Казахстан, г. Астана, ул. Мира 4",
		BIN:                 binCompany, CompanyName: `ТОО "КОМПАНИЯ 3456"`, ActingOnBasisOf: "Устав",
	}, a.Requisites)
	assert.True(t, a.Date.Equal(time.Date(2026, 11, 17, 0, 0, 0, 0, esfreg.Almaty)), "dated the day in Almaty: %s", a.Date)
	assert.Equal(t, "Я АХМЕТОВ АРМАН СЕРИКОВИЧ с условиями настоящего Соглашения согласен", a.Consent())
	assert.Equal(t, "Соглашение юридического лица", a.Kind.Title())

	ind := esfreg.Agreements(goodForm(esfreg.Individual), true, now)
	require.Len(t, ind, 1)
	assert.Equal(t, esfreg.AgreementIndividual, ind[0].Kind)
	assert.Empty(t, ind[0].Requisites.BIN, "an individual's agreement names no company")
	ent := esfreg.Agreements(goodForm(esfreg.Entrepreneur), false, now)
	require.Len(t, ent, 1)
	assert.Equal(t, esfreg.AgreementEntrepreneur, ent[0].Kind)
	assert.Nil(t, esfreg.Agreements(esfreg.Form{}, false, now))
}

// TestRule_HeadWithoutIndividualProfileSignsTwoAgreements: "A head who is
// not yet registered as an individual must sign two agreements: the legal
// entity's and the individual's."
func TestRule_HeadWithoutIndividualProfileSignsTwoAgreements(t *testing.T) {
	f := newFixture(t)
	f.publish(company(binCompany, iinHead))
	f.publish(company(binOther, iinNewHead))
	head := f.headSign(iinHead, binCompany)

	app, err := f.svc.Begin(ctx, esfreg.LegalEntity, head)
	require.NoError(t, err)
	require.False(t, app.HasIndividualProfile)
	form := fill(app.Form(), false)
	agreements := app.Agreements(form, f.clock.Now())
	require.Len(t, agreements, 2)
	assert.Equal(t, esfreg.AgreementIndividual, agreements[0].Kind, "the individual's, as the portal's first tab")
	assert.Equal(t, esfreg.AgreementLegalEntity, agreements[1].Kind)
	assert.Empty(t, agreements[0].Requisites.BIN)
	assert.Equal(t, []esfreg.ProfileType{esfreg.ProfileIndividual, esfreg.ProfileAdminEnterprise}, app.Profiles())

	// Only the legal entity's signed: refused.
	signed := f.sign(app, form, head)
	_, err = f.svc.Submit(ctx, app, form, signed[1:])
	requireCode(t, err, esfreg.CodeAgreementNotSigned, "agreements")

	// Both, signed with the head's key: completion makes both profiles.
	conf, err := f.svc.Submit(ctx, app, form, signed)
	require.NoError(t, err)
	done, err := f.svc.Complete(ctx, conf.Token, esfreg.Credentials{Certificate: f.headAuth(iinHead, binCompany), Password: testPassword})
	require.NoError(t, err)
	require.Len(t, done.Added, 2)
	assert.Equal(t, esfreg.Profile{IIN: iinHead, TIN: iinHead, Type: esfreg.ProfileIndividual, Status: esfreg.StatusActive,
		Kind: esfreg.ProfileGeneral, CreatedAt: t0, StatusChangedAt: t0}, done.Added[0])
	assert.Equal(t, binCompany, done.Added[1].TIN)
	assert.Equal(t, esfreg.ProfileAdminEnterprise, done.Added[1].Type)

	// A head registered as an individual signs one. (Here with his
	// individual key, to show that either of his keys does for step 1.)
	f.register(esfreg.Individual, iinNewHead, "")
	app, err = f.svc.Begin(ctx, esfreg.LegalEntity, f.headSign(iinNewHead, binOther))
	require.NoError(t, err)
	require.True(t, app.HasIndividualProfile)
	one := app.Agreements(fill(app.Form(), true), f.clock.Now())
	require.Len(t, one, 1)
	assert.Equal(t, esfreg.AgreementLegalEntity, one[0].Kind)
	assert.Equal(t, []esfreg.ProfileType{esfreg.ProfileAdminEnterprise}, app.Profiles())
}

// TestRule_AgreementSignedWithSigningKey: "The user signs it with the
// signing key" — the participant's own, and for a legal entity the head's
// key of that BIN; the signed agreement is the one shown.
func TestRule_AgreementSignedWithSigningKey(t *testing.T) {
	f := newFixture(t)
	f.publish(company(binCompany, iinHead))
	f.publish(company(binOther, iinHead))
	app, err := f.svc.Begin(ctx, esfreg.LegalEntity, f.headSign(iinHead, binCompany))
	require.NoError(t, err)
	form := fill(app.Form(), false)
	now := f.clock.Now()
	expected := app.Agreements(form, now)
	require.Len(t, expected, 2)
	ind, legal := expected[0], expected[1]
	sig := func(a esfreg.Agreement, c *certs.Certificate) esfreg.SignedAgreement {
		return esfreg.SignedAgreement{Agreement: a, Signer: c}
	}
	head, indKey := f.headSign(iinHead, binCompany), f.indSign(iinHead)

	for _, tc := range []struct {
		name   string
		signed []esfreg.SignedAgreement
		code   esfreg.Code // "" = accepted
	}{
		{"both with the head's key", []esfreg.SignedAgreement{sig(ind, head), sig(legal, head)}, ""},
		{"the individual's with his individual key", []esfreg.SignedAgreement{sig(ind, indKey), sig(legal, head)}, ""},
		{"in the other order", []esfreg.SignedAgreement{sig(legal, head), sig(ind, head)}, ""},
		{"the legal entity's with an individual key", []esfreg.SignedAgreement{sig(ind, head), sig(legal, indKey)}, esfreg.CodeCertificateIsNotForEnterprise},
		{"with the head's AUTH key", []esfreg.SignedAgreement{sig(ind, f.headAuth(iinHead, binCompany)), sig(legal, head)}, esfreg.CodeCertificateIsNotForSigning},
		{"with another person's key", []esfreg.SignedAgreement{sig(ind, f.indSign(iinPerson)), sig(legal, head)}, esfreg.CodeIINNotValid},
		{"with his key as head of another company", []esfreg.SignedAgreement{sig(ind, head), sig(legal, f.headSign(iinHead, binOther))}, esfreg.CodeCertificateIsNotForEnterprise},
		{"with a signer's key (no CEO role)", []esfreg.SignedAgreement{sig(ind, head), sig(legal, f.cert(certstest.KindCanSign, certs.UsageSign, iinHead, binCompany))}, esfreg.CodeNotEnterpriseHead},
		{"without a signer", []esfreg.SignedAgreement{sig(ind, nil), sig(legal, head)}, esfreg.CodeCertificateNotValid},
		{"requisites changed", []esfreg.SignedAgreement{sig(ind, head), sig(func() esfreg.Agreement { a := legal; a.Requisites.Address = "elsewhere"; return a }(), head)}, esfreg.CodeAgreementMismatch},
		{"signed twice", []esfreg.SignedAgreement{sig(ind, head), sig(legal, head), sig(legal, head)}, esfreg.CodeAgreementMismatch},
		{"an agreement not asked for", []esfreg.SignedAgreement{sig(ind, head), sig(legal, head), sig(esfreg.Agreement{Kind: esfreg.AgreementEntrepreneur, Requisites: ind.Requisites, Date: ind.Date}, indKey)}, esfreg.CodeAgreementMismatch},
		{"dated yesterday (signed before midnight)", []esfreg.SignedAgreement{sig(ind, head), sig(func() esfreg.Agreement { a := legal; a.Date = a.Date.AddDate(0, 0, -1); return a }(), head)}, ""},
		{"dated two days ago", []esfreg.SignedAgreement{sig(ind, head), sig(func() esfreg.Agreement { a := legal; a.Date = a.Date.AddDate(0, 0, -2); return a }(), head)}, esfreg.CodeAgreementMismatch},
		{"none", nil, esfreg.CodeAgreementNotSigned},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := esfreg.CheckSignedAgreements(expected, tc.signed, esfreg.CertOptions{Now: now})
			if tc.code == "" {
				require.NoError(t, err)
				return
			}
			requireCode(t, err, tc.code, "")
		})
	}

	// The entrepreneur's agreement wants an individual's key.
	entAgreement := esfreg.Agreement{Kind: esfreg.AgreementEntrepreneur, Requisites: esfreg.Requisites{IIN: iinHead}}
	requireCode(t, esfreg.CheckAgreementSigner(entAgreement, head, esfreg.CertOptions{Now: now}), esfreg.CodeCertificateIsNotForPrivate, "")
	require.NoError(t, esfreg.CheckAgreementSigner(entAgreement, indKey, esfreg.CertOptions{Now: now}))
}

// TestRule_CompletionSendsOneTimeLink: step 4, "Запрос создан успешно.
// Дальнейшие инструкции отправлены по указанному E-mail": ESF e-mails a
// one-time link …/esf-web/self-registration-request/<40-hex token>.
func TestRule_CompletionSendsOneTimeLink(t *testing.T) {
	f := newFixture(t)
	_, conf := f.submit(esfreg.Individual, f.indSign(iinPerson), f.indSign(iinPerson))
	assert.Equal(t, "Запрос создан успешно. Дальнейшие инструкции отправлены по указанному E-mail", conf.Message)
	assert.Regexp(t, regexp.MustCompile(`^[0-9a-f]{40}$`), conf.Token)
	assert.Equal(t, "https://esf.gov.kz:8443/esf-web/self-registration-request/"+conf.Token, conf.Link("https://esf.gov.kz:8443/"))
	assert.Equal(t, esfreg.RequestPending, conf.Request.Status)
	assert.Equal(t, "user@example.kz", conf.Request.Email)
	assert.Empty(t, conf.Request.PasswordHash, "the hash stays in the store")
	assert.True(t, conf.Request.ExpiresAt.Equal(t0.Add(esfreg.DefaultRequestTTL)))

	// The store keeps the token's hash, never the token.
	st := f.store.Snapshot()
	require.Len(t, st.Tokens, 1)
	assert.Equal(t, esfreg.TokenKey(conf.Token), st.Tokens[0].Key)
	assert.NotContains(t, st.Tokens[0].Key, conf.Token)
	require.Len(t, st.Requests, 1)
	assert.NotEmpty(t, st.Requests[0].PasswordHash)

	auth := esfreg.Credentials{Certificate: f.indAuth(iinPerson), Password: testPassword}
	_, err := f.svc.Complete(ctx, strings.Repeat("0", 40), auth)
	requireCode(t, err, esfreg.CodeTokenNotFound, "token")
	_, err = f.svc.Complete(ctx, "not-a-token", auth)
	requireCode(t, err, esfreg.CodeTokenNotFound, "token")

	_, err = f.svc.Complete(ctx, conf.Token, auth)
	require.NoError(t, err)
	_, err = f.svc.Complete(ctx, conf.Token, auth)
	requireCode(t, err, esfreg.CodeTokenUsed, "token")
	st = f.store.Snapshot()
	assert.Equal(t, esfreg.RequestCompleted, st.Requests[0].Status)
	assert.True(t, st.Tokens[0].UsedAt.Equal(t0))

	// A link not followed in time expires.
	_, conf = f.submit(esfreg.Individual, f.indSign(iinHead), f.indSign(iinHead))
	f.clock.Add(esfreg.DefaultRequestTTL)
	_, err = f.svc.Complete(ctx, conf.Token, esfreg.Credentials{Certificate: f.indAuth(iinHead), Password: testPassword})
	requireCode(t, err, esfreg.CodeTokenExpired, "token")
}

// TestRule_LinkAndLoginCompleteRegistration: "Following the link and
// logging in completes the registration" — with the AUTH key of the person
// and the password set at step 2.
func TestRule_LinkAndLoginCompleteRegistration(t *testing.T) {
	f := newFixture(t)
	_, conf := f.submit(esfreg.Individual, f.indSign(iinPerson), f.indSign(iinPerson))

	_, err := f.svc.Login(ctx, esfreg.Credentials{Certificate: f.indAuth(iinPerson), Password: testPassword})
	requireCode(t, err, esfreg.CodeUserNotRegistered, "")

	for _, tc := range []struct {
		name string
		c    esfreg.Credentials
		code esfreg.Code
	}{
		{"wrong password", esfreg.Credentials{Certificate: f.indAuth(iinPerson), Password: "Parol2026y"}, esfreg.CodePasswordInvalid},
		{"signing key", esfreg.Credentials{Certificate: f.indSign(iinPerson), Password: testPassword}, esfreg.CodeCertificateIsNotForAuth},
		{"another person's AUTH key", esfreg.Credentials{Certificate: f.indAuth(iinHead), Password: testPassword}, esfreg.CodeIINNotValid},
		{"login typed is not the key's", esfreg.Credentials{Certificate: f.indAuth(iinPerson), Login: iinHead, Password: testPassword}, esfreg.CodeIINNotValid},
		{"no key", esfreg.Credentials{Password: testPassword}, esfreg.CodeCertificateNotValid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.Complete(ctx, conf.Token, tc.c)
			requireCode(t, err, tc.code, "")
		})
	}

	done, err := f.svc.Complete(ctx, conf.Token, esfreg.Credentials{Certificate: f.indAuth(iinPerson), Login: iinPerson, Password: testPassword})
	require.NoError(t, err)
	assert.Equal(t, iinPerson, done.Account.IIN)
	assert.Equal(t, esfreg.StatusActive, done.Account.Status)
	assert.Equal(t, fullName(iinPerson), done.Account.FullName)
	assert.Equal(t, "043512345", done.Account.IDDocumentNumber)
	assert.Empty(t, done.Account.PasswordHash)
	require.Len(t, done.Account.Profiles, 1)
	assert.Equal(t, esfreg.ProfileIndividual, done.Account.Profiles[0].Type)

	res, err := f.svc.Login(ctx, esfreg.Credentials{Certificate: f.indAuth(iinPerson), Password: testPassword, TIN: iinPerson})
	require.NoError(t, err)
	assert.Equal(t, esfreg.ProfileIndividual, res.Profile.Type)
}

// --- Login ---

// TestRule_LoginWithAuthKeyIINAndPassword: "Log in with the AUTH key store
// and its PIN; the portal then shows the IIN read from the certificate;
// the user types the password set at registration."
func TestRule_LoginWithAuthKeyIINAndPassword(t *testing.T) {
	f := newFixture(t)
	f.register(esfreg.Individual, iinPerson, "")
	expired, err := f.ca.Issue(certstest.Profile{Kind: certstest.KindIndividual, IIN: iinPerson, State: certstest.StateExpired})
	require.NoError(t, err)
	revoked, err := f.ca.Issue(certstest.Profile{Kind: certstest.KindIndividual, IIN: iinPerson, State: certstest.StateRevoked})
	require.NoError(t, err)
	f.withTrust()

	for _, tc := range []struct {
		name string
		c    esfreg.Credentials
		code esfreg.Code
	}{
		{"the AUTH key, its IIN, the password", esfreg.Credentials{Certificate: f.indAuth(iinPerson), Login: iinPerson, Password: testPassword}, ""},
		{"the login left to the key", esfreg.Credentials{Certificate: f.indAuth(iinPerson), Password: testPassword}, ""},
		{"wrong password", esfreg.Credentials{Certificate: f.indAuth(iinPerson), Password: "wrong"}, esfreg.CodePasswordInvalid},
		{"another login", esfreg.Credentials{Certificate: f.indAuth(iinPerson), Login: iinHead, Password: testPassword}, esfreg.CodeIINNotValid},
		{"signing key", esfreg.Credentials{Certificate: f.indSign(iinPerson), Password: testPassword}, esfreg.CodeCertificateIsNotForAuth},
		{"not registered", esfreg.Credentials{Certificate: f.indAuth(iinHead), Password: testPassword}, esfreg.CodeUserNotRegistered},
		{"expired key", esfreg.Credentials{Certificate: expired.Certificate, Password: testPassword}, esfreg.CodeCertificateExpired},
		{"revoked key", esfreg.Credentials{Certificate: revoked.Certificate, Password: testPassword}, esfreg.CodeCertificateRevoked},
		{"no profile for that TIN", esfreg.Credentials{Certificate: f.indAuth(iinPerson), Password: testPassword, TIN: binCompany}, esfreg.CodeEnterpriseNotFoundForUser},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := f.svc.Login(ctx, tc.c)
			if tc.code != "" {
				requireCode(t, err, tc.code, "")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, iinPerson, res.Account.IIN)
			assert.Empty(t, res.Account.PasswordHash)
			assert.Nil(t, res.Profile)
		})
	}

	// An account the administrator blocked cannot log in.
	update(t, f.store, func(tx esfreg.Tx) error {
		_, err := tx.UpdateAccount(iinPerson, func(a *esfreg.Account) error {
			a.Status, a.Reason = esfreg.StatusBlocked, "test"
			return nil
		})
		return err
	})
	_, err = f.svc.Login(ctx, esfreg.Credentials{Certificate: f.indAuth(iinPerson), Password: testPassword})
	requireCode(t, err, esfreg.CodeUserBlocked, "")
	_, err = f.svc.Login(ctx, esfreg.Credentials{Certificate: f.indAuth(iinPerson), Password: "wrong"})
	requireCode(t, err, esfreg.CodePasswordInvalid, "") // the password first: a stranger learns nothing
}

// TestRule_ProfileChosenAtLogin: "there is one password to enter the
// system for all profiles, and at login you choose the profile needed"
// (esf-api.md §3.1) — by tin, and by businessProfileType when one tin has
// several.
func TestRule_ProfileChosenAtLogin(t *testing.T) {
	f := newFixture(t)
	f.publish(entrepreneur(iinHead))
	f.publish(company(binCompany, iinHead))
	f.register(esfreg.Individual, iinHead, "")
	f.register(esfreg.Entrepreneur, iinHead, "")
	f.register(esfreg.LegalEntity, iinHead, binCompany)
	auth := f.indAuth(iinHead)

	acct, err := f.svc.Account(ctx, iinHead)
	require.NoError(t, err)
	assert.Len(t, acct.ActiveProfiles(), 3)

	for _, tc := range []struct {
		name string
		tin  string
		typ  esfreg.ProfileType
		want esfreg.ProfileType
		code esfreg.Code
	}{
		{"the legal entity by its BIN", binCompany, "", esfreg.ProfileAdminEnterprise, ""},
		{"the IIN is ambiguous", iinHead, "", "", esfreg.CodeBusinessProfileTypeRequired},
		{"the IIN as an individual", iinHead, esfreg.ProfileIndividual, esfreg.ProfileIndividual, ""},
		{"the IIN as an entrepreneur", iinHead, esfreg.ProfileEntrepreneur, esfreg.ProfileEntrepreneur, ""},
		{"a type the TIN lacks", binCompany, esfreg.ProfileEntrepreneur, "", esfreg.CodeEnterpriseNotFoundForUser},
		{"another company", binOther, "", "", esfreg.CodeEnterpriseNotFoundForUser},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := f.svc.Login(ctx, esfreg.Credentials{Certificate: auth, Password: testPassword, TIN: tc.tin, ProfileType: tc.typ})
			if tc.code != "" {
				requireCode(t, err, tc.code, "")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, res.Profile.Type)
			assert.Equal(t, tc.tin, res.Profile.TIN)
		})
	}
}

// --- One person, several profiles ---

// TestRule_OnePasswordAndEmailPerIIN: "The password and the e-mail belong
// to the IIN of the person (the first head), not to a company. If that
// person heads several entities or is also an ИП, all of those profiles
// share one password and one e-mail."
func TestRule_OnePasswordAndEmailPerIIN(t *testing.T) {
	f := newFixture(t)
	f.publish(entrepreneur(iinHead))
	f.publish(company(binCompany, iinHead))
	f.publish(company(binOther, iinHead))
	f.register(esfreg.Entrepreneur, iinHead, "")

	// A second registration is prefilled with the account's e-mail, and
	// another one is refused: the e-mail changes only by change of e-mail.
	app, err := f.svc.Begin(ctx, esfreg.LegalEntity, f.headSign(iinHead, binCompany))
	require.NoError(t, err)
	form := fill(app.Form(), true)
	assert.Equal(t, "user@example.kz", form.Email)
	other := form
	other.Email = "company@example.kz"
	requireCode(t, f.svc.CheckForm(ctx, app, other), esfreg.CodeEmailMismatch, "email")
	upper := form
	upper.Email = "USER@example.kz"
	require.NoError(t, f.svc.CheckForm(ctx, app, upper), "case does not count")

	f.register(esfreg.LegalEntity, iinHead, binCompany)
	f.register(esfreg.LegalEntity, iinHead, binOther)

	st := f.store.Snapshot()
	require.Len(t, st.Accounts, 1, "one account for the IIN")
	acct := st.Accounts[0]
	assert.Equal(t, "user@example.kz", acct.Email)
	var tins []string
	for _, p := range acct.Profiles {
		tins = append(tins, p.TIN+"/"+string(p.Type))
	}
	assert.Equal(t, []string{
		iinHead + "/ENTREPRENEUR", iinHead + "/INDIVIDUAL", binCompany + "/ADMIN_ENTERPRISE", binOther + "/ADMIN_ENTERPRISE",
	}, tins)

	// A new e-mail and a new password serve every profile.
	_, err = f.svc.ChangeEmail(ctx, esfreg.EmailChange{IIN: iinHead, Email: "arman@example.kz"}, f.headSign(iinHead, binOther))
	require.NoError(t, err)
	ticket, err := f.svc.RequestPasswordReset(ctx, esfreg.PasswordResetRequest{IIN: iinHead, Email: "arman@example.kz"})
	require.NoError(t, err)
	require.NoError(t, f.svc.ResetPassword(ctx, esfreg.PasswordReset{Token: ticket.Token, Password: "Novyi2027pw", PasswordConfirmation: "Novyi2027pw"}, f.indSign(iinHead)))
	for _, tin := range []string{binCompany, binOther} {
		res, err := f.svc.Login(ctx, esfreg.Credentials{Certificate: f.headAuth(iinHead, tin), Password: "Novyi2027pw", TIN: tin})
		require.NoError(t, err, tin)
		assert.Equal(t, "arman@example.kz", res.Account.Email)
	}
	_, err = f.svc.Login(ctx, esfreg.Credentials{Certificate: f.indAuth(iinHead), Password: "Novyi2027pw", TIN: iinHead, ProfileType: esfreg.ProfileEntrepreneur})
	require.NoError(t, err)
	_, err = f.svc.Login(ctx, esfreg.Credentials{Certificate: f.indAuth(iinHead), Password: testPassword})
	requireCode(t, err, esfreg.CodePasswordInvalid, "")
}

// TestRule_ExistingAccountTypesCurrentPassword: "If the person already
// registered as an individual or an entrepreneur, then when registering a
// legal entity the password typed at step 2 must be the one set before."
func TestRule_ExistingAccountTypesCurrentPassword(t *testing.T) {
	f := newFixture(t)
	f.publish(company(binCompany, iinHead))
	f.register(esfreg.Individual, iinHead, "")

	app, err := f.svc.Begin(ctx, esfreg.LegalEntity, f.headSign(iinHead, binCompany))
	require.NoError(t, err)
	require.True(t, app.ExistingAccount())
	assert.Empty(t, app.Account.PasswordHash, "the application carries no hash")

	newPassword := fill(app.Form(), false) // sets a new password
	err = f.svc.CheckForm(ctx, app, newPassword)
	requireCode(t, err, esfreg.CodePasswordAlreadySet, "password")
	requireCode(t, err, esfreg.CodeFieldRequired, "currentPassword")

	wrong := fill(app.Form(), true)
	wrong.CurrentPassword = "Parol2026y"
	requireCode(t, f.svc.CheckForm(ctx, app, wrong), esfreg.CodePasswordInvalid, "currentPassword")
	_, err = f.svc.Submit(ctx, app, wrong, f.sign(app, wrong, f.headSign(iinHead, binCompany)))
	requireCode(t, err, esfreg.CodePasswordInvalid, "currentPassword")

	right := fill(app.Form(), true)
	require.NoError(t, f.svc.CheckForm(ctx, app, right))
	conf, err := f.svc.Submit(ctx, app, right, f.sign(app, right, f.headSign(iinHead, binCompany)))
	require.NoError(t, err)
	st := f.store.Snapshot()
	for _, r := range st.Requests {
		if r.ID == conf.Request.ID {
			assert.Empty(t, r.PasswordHash, "no new password is stored")
		}
	}
	_, err = f.svc.Complete(ctx, conf.Token, esfreg.Credentials{Certificate: f.headAuth(iinHead, binCompany), Password: testPassword})
	require.NoError(t, err, "completed with the password set before")
}

// --- Change of head ---

// changeHead registers iinHead as head of binCompany, then stages the
// change of head to iinNewHead at the fixture's time.
func changeHead(t *testing.T, f *fixture) {
	t.Helper()
	f.publish(company(binCompany, iinHead))
	f.register(esfreg.LegalEntity, iinHead, binCompany)
	_, err := f.svc.StageTaxpayer(ctx, company(binCompany, iinNewHead))
	require.NoError(t, err)
}

// TestRule_ChangeOfHeadAfterRefresh: "the new head re-registers the legal
// entity in ESF with the new certificates … through the same four steps"
// once the state register names him — which ESF sees after its next
// refresh; then the old head's ADMIN_ENTERPRISE profile becomes
// ENTERPRISE_ADMIN_CHANGE_BLOCKED.
func TestRule_ChangeOfHeadAfterRefresh(t *testing.T) {
	f := newFixture(t)
	changeHead(t, f) // Monday 10:00 Almaty
	newHead := f.headSign(iinNewHead, binCompany)

	// Before the refresh ESF still sees the old head.
	f.clock.Set(almaty(2026, time.November, 17, 23, 59, 59))
	_, err := f.svc.Begin(ctx, esfreg.LegalEntity, newHead)
	requireCode(t, err, esfreg.CodeEnterpriseAlreadyRegistered, "")

	// Wednesday 00:00 Almaty: the refresh.
	f.clock.Set(almaty(2026, time.November, 18, 0, 0, 0))
	app, err := f.svc.Begin(ctx, esfreg.LegalEntity, newHead)
	require.NoError(t, err)
	assert.Equal(t, []string{iinHead}, app.ReplacesHeads)
	form := fill(app.Form(), false)
	conf, err := f.svc.Submit(ctx, app, form, f.sign(app, form, newHead))
	require.NoError(t, err)
	assert.Equal(t, []string{iinHead}, conf.Request.ReplacesHeads)

	// The old head still works until the new one completes.
	_, err = f.svc.Login(ctx, esfreg.Credentials{Certificate: f.headAuth(iinHead, binCompany), Password: testPassword, TIN: binCompany})
	require.NoError(t, err)

	done, err := f.svc.Complete(ctx, conf.Token, esfreg.Credentials{Certificate: f.headAuth(iinNewHead, binCompany), Password: testPassword})
	require.NoError(t, err)
	require.Len(t, done.Blocked, 1)
	assert.Equal(t, iinHead, done.Blocked[0].IIN)
	assert.Equal(t, esfreg.StatusEnterpriseAdminChangeBlocked, done.Blocked[0].Status)
	assert.Equal(t, esfreg.ChangeOfHeadReason, done.Blocked[0].Reason)

	// The old head's company profile is blocked; his own is not.
	_, err = f.svc.Login(ctx, esfreg.Credentials{Certificate: f.headAuth(iinHead, binCompany), Password: testPassword, TIN: binCompany})
	requireCode(t, err, esfreg.CodeUserBlocked, "")
	_, err = f.svc.Login(ctx, esfreg.Credentials{Certificate: f.indAuth(iinHead), Password: testPassword, TIN: iinHead})
	require.NoError(t, err)
	old, err := f.svc.Account(ctx, iinHead)
	require.NoError(t, err)
	assert.Len(t, old.ActiveProfiles(), 1)

	res, err := f.svc.Login(ctx, esfreg.Credentials{Certificate: f.headAuth(iinNewHead, binCompany), Password: testPassword, TIN: binCompany})
	require.NoError(t, err)
	assert.Equal(t, esfreg.StatusActive, res.Profile.Status)

	// And the new head is now the registered one.
	_, err = f.svc.Begin(ctx, esfreg.LegalEntity, f.headSign(iinHead, binCompany))
	requireCode(t, err, esfreg.CodeEnterpriseAlreadyRegistered, "")
}

// TestRule_ChangeOfHeadRecheckedAtCompletion: the register is read again
// when the link is followed; a change reverted in the meantime stops the
// completion.
func TestRule_ChangeOfHeadRecheckedAtCompletion(t *testing.T) {
	f := newFixture(t)
	changeHead(t, f)
	f.clock.Set(almaty(2026, time.November, 18, 9, 0, 0))
	_, conf := f.submit(esfreg.LegalEntity, f.headSign(iinNewHead, binCompany), f.headSign(iinNewHead, binCompany))
	_, err := f.svc.StageTaxpayer(ctx, company(binCompany, iinHead)) // reverted; seen on Friday
	require.NoError(t, err)
	f.clock.Set(almaty(2026, time.November, 20, 0, 0, 0))
	_, err = f.svc.Complete(ctx, conf.Token, esfreg.Credentials{Certificate: f.headAuth(iinNewHead, binCompany), Password: testPassword})
	requireCode(t, err, esfreg.CodeEnterpriseAlreadyRegistered, "")
}

// TestRule_HeadAgainAfterChangeBack: a head blocked at a change of head
// becomes head again when the register names him once more.
func TestRule_HeadAgainAfterChangeBack(t *testing.T) {
	f := newFixture(t)
	changeHead(t, f)
	f.clock.Set(almaty(2026, time.November, 18, 9, 0, 0))
	f.register(esfreg.LegalEntity, iinNewHead, binCompany)
	_, err := f.svc.StageTaxpayer(ctx, company(binCompany, iinHead))
	require.NoError(t, err)
	f.clock.Set(almaty(2026, time.November, 20, 9, 0, 0))

	done := f.register(esfreg.LegalEntity, iinHead, binCompany)
	require.Len(t, done.Added, 1)
	assert.Equal(t, esfreg.StatusActive, done.Added[0].Status)
	assert.True(t, done.Added[0].CreatedAt.Equal(t0), "the old profile, made active again")
	require.Len(t, done.Blocked, 1)
	assert.Equal(t, iinNewHead, done.Blocked[0].IIN)
	acct, err := f.svc.Account(ctx, iinHead)
	require.NoError(t, err)
	assert.Len(t, acct.Profiles, 2, "no second ADMIN_ENTERPRISE profile")
}

// TestRule_EntityAlreadyRegisteredWhenCertificatesNameNoNewHead: "If
// registration fails with "Юридическое лицо уже зарегистрировано в
// системе" … the certificates presented do not name a new head."
func TestRule_EntityAlreadyRegisteredWhenCertificatesNameNoNewHead(t *testing.T) {
	f := newFixture(t)
	f.publish(company(binCompany, iinHead))
	f.register(esfreg.LegalEntity, iinHead, binCompany)

	for _, tc := range []struct {
		name string
		cert *certs.Certificate
	}{
		{"the registered head again", f.headSign(iinHead, binCompany)},
		{"the registered head's AUTH key", f.headAuth(iinHead, binCompany)},
		{"a new head the register does not name", f.headSign(iinNewHead, binCompany)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.Begin(ctx, esfreg.LegalEntity, tc.cert)
			requireCode(t, err, esfreg.CodeEnterpriseAlreadyRegistered, "")
			var e *esfreg.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, "Юридическое лицо уже зарегистрировано в системе", e.Message)
		})
	}
	// An entity nobody registered yet, with a head the register does not
	// name, is another error.
	f.publish(company(binOther, iinHead))
	_, err := f.svc.Begin(ctx, esfreg.LegalEntity, f.headSign(iinNewHead, binOther))
	requireCode(t, err, esfreg.CodeHeadMismatch, "")
}

// --- Account recovery ---

// TestRule_ChangeEmailSignedBySigningKeyOfThatIIN: "Change e-mail: login =
// the head's IIN, the new e-mail address; the action is signed with a
// signing key (RSA or GOST)."
func TestRule_ChangeEmailSignedBySigningKeyOfThatIIN(t *testing.T) {
	f := newFixture(t)
	f.publish(company(binCompany, iinHead))
	f.register(esfreg.LegalEntity, iinHead, binCompany)
	revoked, err := f.ca.Issue(certstest.Profile{Kind: certstest.KindIndividual, Usage: certs.UsageSign, IIN: iinHead, State: certstest.StateRevoked})
	require.NoError(t, err)
	f.withTrust()

	for _, tc := range []struct {
		name   string
		req    esfreg.EmailChange
		signer *certs.Certificate
		code   esfreg.Code
		field  string
	}{
		{"the head's individual signing key", esfreg.EmailChange{IIN: iinHead, Email: "a@example.kz"}, f.indSign(iinHead), "", ""},
		{"the head's company signing key", esfreg.EmailChange{IIN: iinHead, Email: "b@example.kz"}, f.headSign(iinHead, binCompany), "", ""},
		{"an AUTH key", esfreg.EmailChange{IIN: iinHead, Email: "c@example.kz"}, f.indAuth(iinHead), esfreg.CodeCertificateIsNotForSigning, ""},
		{"another person's key", esfreg.EmailChange{IIN: iinHead, Email: "c@example.kz"}, f.indSign(iinPerson), esfreg.CodeIINNotValid, ""},
		{"a revoked key", esfreg.EmailChange{IIN: iinHead, Email: "c@example.kz"}, revoked.Certificate, esfreg.CodeCertificateRevoked, ""},
		{"no signature", esfreg.EmailChange{IIN: iinHead, Email: "c@example.kz"}, nil, esfreg.CodeCertificateNotValid, ""},
		{"a bad address", esfreg.EmailChange{IIN: iinHead, Email: "c@"}, f.indSign(iinHead), esfreg.CodeEmailInvalid, "email"},
		{"a bad login", esfreg.EmailChange{IIN: "12345", Email: "c@example.kz"}, f.indSign(iinHead), esfreg.CodeIINNotValid, "iin"},
		{"nobody's login", esfreg.EmailChange{IIN: iinPerson, Email: "c@example.kz"}, f.indSign(iinPerson), esfreg.CodeUserNotRegistered, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			acct, err := f.svc.ChangeEmail(ctx, tc.req, tc.signer)
			if tc.code != "" {
				requireCode(t, err, tc.code, tc.field)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.req.Email, acct.Email)
			assert.Empty(t, acct.PasswordHash)
		})
	}
	acct, err := f.svc.Account(ctx, iinHead)
	require.NoError(t, err)
	assert.Equal(t, "b@example.kz", acct.Email)
}

// TestRule_ResetPasswordByEmailedLinkTwiceAndSigned: "Reset password:
// login = IIN, e-mail = the (new) address; ESF e-mails a link; the user
// opens it, types the new password twice, sends, and signs the action
// with a signing key (RSA or GOST)."
func TestRule_ResetPasswordByEmailedLinkTwiceAndSigned(t *testing.T) {
	f := newFixture(t)
	f.register(esfreg.Individual, iinPerson, "")
	sign := f.indSign(iinPerson)

	// The forgotten-password path: first the e-mail, then the password.
	_, err := f.svc.RequestPasswordReset(ctx, esfreg.PasswordResetRequest{IIN: iinPerson, Email: "new@example.kz"})
	requireCode(t, err, esfreg.CodeEmailMismatch, "email")
	_, err = f.svc.ChangeEmail(ctx, esfreg.EmailChange{IIN: iinPerson, Email: "new@example.kz"}, sign)
	require.NoError(t, err)
	_, err = f.svc.RequestPasswordReset(ctx, esfreg.PasswordResetRequest{IIN: iinHead, Email: "new@example.kz"})
	requireCode(t, err, esfreg.CodeUserNotRegistered, "")
	_, err = f.svc.RequestPasswordReset(ctx, esfreg.PasswordResetRequest{IIN: iinPerson, Email: "new@"})
	requireCode(t, err, esfreg.CodeEmailInvalid, "email")

	ticket, err := f.svc.RequestPasswordReset(ctx, esfreg.PasswordResetRequest{IIN: iinPerson, Email: "New@Example.kz"})
	require.NoError(t, err)
	assert.Regexp(t, `^[0-9a-f]{40}$`, ticket.Token)
	assert.Equal(t, "new@example.kz", ticket.Email, "the account's address")
	assert.True(t, ticket.ExpiresAt.Equal(t0.Add(esfreg.DefaultResetTTL)))

	const pw = "Novyi2027pw"
	for _, tc := range []struct {
		name   string
		req    esfreg.PasswordReset
		signer *certs.Certificate
		code   esfreg.Code
		field  string
	}{
		{"the two differ", esfreg.PasswordReset{Token: ticket.Token, Password: pw, PasswordConfirmation: pw + "x"}, sign, esfreg.CodePasswordMismatch, "passwordConfirmation"},
		{"typed once", esfreg.PasswordReset{Token: ticket.Token, Password: pw}, sign, esfreg.CodeFieldRequired, "passwordConfirmation"},
		{"too weak", esfreg.PasswordReset{Token: ticket.Token, Password: "abc", PasswordConfirmation: "abc"}, sign, esfreg.CodePasswordTooShort, "password"},
		{"holds the IIN", esfreg.PasswordReset{Token: ticket.Token, Password: "x" + iinPerson, PasswordConfirmation: "x" + iinPerson}, sign, esfreg.CodePasswordContainsIIN, "password"},
		{"signed with the AUTH key", esfreg.PasswordReset{Token: ticket.Token, Password: pw, PasswordConfirmation: pw}, f.indAuth(iinPerson), esfreg.CodeCertificateIsNotForSigning, ""},
		{"signed by another person", esfreg.PasswordReset{Token: ticket.Token, Password: pw, PasswordConfirmation: pw}, f.indSign(iinHead), esfreg.CodeIINNotValid, ""},
		{"unsigned", esfreg.PasswordReset{Token: ticket.Token, Password: pw, PasswordConfirmation: pw}, nil, esfreg.CodeCertificateNotValid, ""},
		{"an unknown link", esfreg.PasswordReset{Token: strings.Repeat("a", 40), Password: pw, PasswordConfirmation: pw}, sign, esfreg.CodeTokenNotFound, "token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireCode(t, f.svc.ResetPassword(ctx, tc.req, tc.signer), tc.code, tc.field)
		})
	}

	require.NoError(t, f.svc.ResetPassword(ctx, esfreg.PasswordReset{Token: ticket.Token, Password: pw, PasswordConfirmation: pw}, sign))
	_, err = f.svc.Login(ctx, esfreg.Credentials{Certificate: f.indAuth(iinPerson), Password: pw})
	require.NoError(t, err)
	_, err = f.svc.Login(ctx, esfreg.Credentials{Certificate: f.indAuth(iinPerson), Password: testPassword})
	requireCode(t, err, esfreg.CodePasswordInvalid, "")
	err = f.svc.ResetPassword(ctx, esfreg.PasswordReset{Token: ticket.Token, Password: "Drugoi2028pw", PasswordConfirmation: "Drugoi2028pw"}, sign)
	requireCode(t, err, esfreg.CodeTokenUsed, "token")

	// A link expires, and dies with a change of e-mail.
	late, err := f.svc.RequestPasswordReset(ctx, esfreg.PasswordResetRequest{IIN: iinPerson, Email: "new@example.kz"})
	require.NoError(t, err)
	stale, err := f.svc.RequestPasswordReset(ctx, esfreg.PasswordResetRequest{IIN: iinPerson, Email: "new@example.kz"})
	require.NoError(t, err)
	_, err = f.svc.ChangeEmail(ctx, esfreg.EmailChange{IIN: iinPerson, Email: "newer@example.kz"}, sign)
	require.NoError(t, err)
	err = f.svc.ResetPassword(ctx, esfreg.PasswordReset{Token: stale.Token, Password: pw, PasswordConfirmation: pw}, sign)
	requireCode(t, err, esfreg.CodeTokenNotFound, "token")
	f.clock.Add(esfreg.DefaultResetTTL)
	err = f.svc.ResetPassword(ctx, esfreg.PasswordReset{Token: late.Token, Password: pw, PasswordConfirmation: pw}, sign)
	requireCode(t, err, esfreg.CodeTokenExpired, "token")

	// A registration link is no reset link.
	_, conf := f.submit(esfreg.Individual, f.indSign(iinHead), f.indSign(iinHead))
	err = f.svc.ResetPassword(ctx, esfreg.PasswordReset{Token: conf.Token, Password: pw, PasswordConfirmation: pw}, f.indSign(iinHead))
	requireCode(t, err, esfreg.CodeTokenNotFound, "token")
}
