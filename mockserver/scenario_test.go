package mockserver_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfclient"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver"
)

// at is inside the committed fixtures' validity (2026-01-01 .. 2027-01-01).
var at = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

const password = "Qazwsx12345"

type env struct {
	t   *testing.T
	srv *mockserver.TestServer
	c   *esfclient.Client
	ctx context.Context
}

func newEnv(t *testing.T, modify ...func(*mockserver.Options)) *env {
	t.Helper()
	srv := mockserver.NewTestServer(t, append([]func(*mockserver.Options){mockserver.FixedClock(at)}, modify...)...)
	c, err := esfclient.New(esfclient.Options{BaseURL: srv.URL, Now: srv.Now})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	e := &env{t: t, srv: srv, c: c, ctx: ctx}
	// The register as ESF sees it: the legal entity АО "ТЕСТ" headed by
	// ТЕСТОВ (IIN …011), and ТЕСТТОВ (IIN …012) an entrepreneur.
	_, err = srv.SeedTaxpayer(esfreg.Taxpayer{TIN: certstest.TestBIN, NameRu: `АО "ТЕСТ"`, Type: esfreg.EnterprisePrivate,
		Resident: true, EnterpriseAdministrator: certstest.TestIIN}, true)
	require.NoError(t, err)
	_, err = srv.SeedTaxpayer(esfreg.Taxpayer{TIN: certstest.TestIIN2, LastNameRu: "ТЕСТТОВ", FirstNameRu: "ТЕСТТ",
		Type: esfreg.EnterpriseIndividualEntrepreneur, Resident: true}, true)
	require.NoError(t, err)
	return e
}

func (e *env) ks(name string) *certs.KeyStore {
	e.t.Helper()
	ks, err := certstest.OpenFixture(name)
	require.NoError(e.t, err)
	return ks
}

func form(email string) esfreg.Form {
	return esfreg.Form{Email: email, Password: password, PasswordConfirmation: password, Address: "г. Астана, ул. Бейбітшілік, 10",
		IDDocumentNumber: "012345678", IDDocumentIssueDate: "14.03.2019", IDDocumentIssuer: "МВД РК"}
}

func legalForm(email string) esfreg.Form {
	f := form(email)
	f.ActingOnBasisOf = "Устава"
	return f
}

// register runs the four steps and follows the e-mailed link.
func (e *env) register(cat esfreg.Category, key, signer *certs.KeyStore, f esfreg.Form, auth *certs.KeyStore) *esfclient.RegisterResult {
	e.t.Helper()
	res, err := e.c.Register(e.ctx, esfclient.Registration{Category: cat, Key: key, Signer: signer, Form: f})
	require.NoError(e.t, err)
	assert.Equal(e.t, esfreg.RequestCreatedMessage, res.Request.Message)
	mails := e.srv.MailTo(res.Request.Email)
	require.NotEmpty(e.t, mails)
	last := mails[len(mails)-1]
	assert.Equal(e.t, "Завершение процесса регистрации", last.Subject)
	assert.Contains(e.t, last.Link, "/esf-web/self-registration-request/")
	pw := f.Password
	if pw == "" {
		pw = f.CurrentPassword
	}
	_, err = e.c.CompleteRegistration(e.ctx, last.Link, auth, pw)
	require.NoError(e.t, err)
	return res
}

func TestScenarioIndividual(t *testing.T) {
	e := newEnv(t)
	auth, sign := e.ks(certstest.FixtureIndividualAuth), e.ks(certstest.FixtureIndividualSign)
	res := e.register(esfreg.Individual, auth, sign, form("test@example.kz"), auth)
	require.Len(t, res.Agreements, 1)
	assert.Contains(t, e.srv.MailTo("test@example.kz")[1].Subject, "Регистрация завершена")

	login, err := e.c.Login(e.ctx, auth, password)
	require.NoError(t, err)
	require.Len(t, login.Profiles, 1)
	assert.Equal(t, esfreg.ProfileIndividual, login.Profiles[0].Type)

	_, err = e.c.Login(e.ctx, auth, "Wrong12345")
	assert.ErrorIs(t, err, esfreg.ErrPasswordInvalid)

	sess, err := e.c.OpenSession(e.ctx, esfclient.SessionRequest{Key: auth, Password: password, TIN: certstest.TestIIN})
	require.NoError(t, err)
	u, err := sess.CurrentUser(e.ctx)
	require.NoError(t, err)
	assert.Equal(t, certstest.TestIIN, u.Login)
	assert.Equal(t, "test@example.kz", u.Email)
	profiles, err := sess.Profiles(e.ctx)
	require.NoError(t, err)
	assert.Len(t, profiles, 1)
	st, err := sess.Close(e.ctx)
	require.NoError(t, err)
	assert.Equal(t, "CLOSED", st)
	_, err = sess.CurrentUser(e.ctx)
	assert.ErrorIs(t, err, &esfreg.Error{Code: mockserver.CodeSessionClosed})
}

func TestScenarioLegalEntityHeadSignsTwoAgreements(t *testing.T) {
	e := newEnv(t)
	auth, sign := e.ks(certstest.FixtureCEOAuth), e.ks(certstest.FixtureCEOSign)
	res := e.register(esfreg.LegalEntity, sign, sign, legalForm("head@example.kz"), auth)
	require.Len(t, res.Agreements, 2, "a head not yet registered as an individual signs two agreements")

	login, err := e.c.Login(e.ctx, auth, password)
	require.NoError(t, err)
	types := []esfreg.ProfileType{}
	for _, p := range login.Profiles {
		types = append(types, p.Type)
	}
	assert.ElementsMatch(t, []esfreg.ProfileType{esfreg.ProfileIndividual, esfreg.ProfileAdminEnterprise}, types)

	sess, err := e.c.OpenSession(e.ctx, esfclient.SessionRequest{Key: auth, Password: password, TIN: certstest.TestBIN})
	require.NoError(t, err)
	profiles, err := sess.Profiles(e.ctx)
	require.NoError(t, err)
	assert.Len(t, profiles, 2, "several profiles of one person in currentUserProfiles")
	u, err := sess.CurrentUser(e.ctx)
	require.NoError(t, err)
	assert.Equal(t, certstest.TestBIN, u.Taxpayer.TIN)
	assert.Equal(t, certstest.TestIIN, u.Taxpayer.EnterpriseAdministrator)

	// One open session per user: a second one is refused, then recovered.
	_, err = e.c.CreateSession(e.ctx, esfclient.SessionRequest{Key: auth, Password: password, TIN: certstest.TestBIN})
	assert.ErrorIs(t, err, &esfreg.Error{Code: esfclient.CodeSessionAlreadyOpen})
	_, err = e.c.OpenSession(e.ctx, esfclient.SessionRequest{Key: auth, Password: password, TIN: certstest.TestBIN})
	assert.ErrorIs(t, err, esfclient.ErrSessionAlreadyOpen, "OpenSession closed another session without being asked")
	again, err := e.c.OpenSession(e.ctx, esfclient.SessionRequest{Key: auth, Password: password, TIN: certstest.TestBIN, CloseOpenSession: true})
	require.NoError(t, err)
	assert.NotEqual(t, sess.ID, again.ID)

	// Registering the entity again with keys that name no new head.
	_, err = e.c.StartRegistration(e.ctx, esfreg.LegalEntity, sign)
	assert.ErrorIs(t, err, esfreg.ErrEnterpriseAlreadyRegistered)
}

func TestScenarioEntrepreneur(t *testing.T) {
	e := newEnv(t)
	auth, sign := e.ks(certstest.FixtureEntrepreneurAuth), e.ks(certstest.FixtureEntrepreneurSign)
	res := e.register(esfreg.Entrepreneur, sign, sign, form("ip@example.kz"), auth)
	require.Len(t, res.Agreements, 1)
	login, err := e.c.Login(e.ctx, auth, password)
	require.NoError(t, err)
	require.Len(t, login.Profiles, 1)
	assert.Equal(t, esfreg.ProfileEntrepreneur, login.Profiles[0].Type)

	// An individual whose IIN the register does not list as an entrepreneur.
	_, err = e.c.StartRegistration(e.ctx, esfreg.Entrepreneur, e.ks(certstest.FixtureIndividualSign))
	assert.ErrorIs(t, err, &esfreg.Error{Code: esfreg.CodeNotEntrepreneur})
}

// A person registered as an individual registers his legal entity: the
// form asks for his current password, and he signs one agreement.
func TestScenarioLegalEntityByRegisteredPerson(t *testing.T) {
	e := newEnv(t)
	auth := e.ks(certstest.FixtureIndividualAuth)
	e.register(esfreg.Individual, auth, e.ks(certstest.FixtureIndividualSign), form("person@example.kz"), auth)

	ceoAuth, ceoSign := e.ks(certstest.FixtureCEOAuth), e.ks(certstest.FixtureCEOSign)
	start, err := e.c.StartRegistration(e.ctx, esfreg.LegalEntity, ceoSign)
	require.NoError(t, err)
	assert.True(t, start.ExistingAccount)
	assert.True(t, start.HasIndividualProfile)

	f := legalForm("")
	f.Password, f.PasswordConfirmation = "", ""
	f.CurrentPassword = "Wrong12345"
	_, err = e.c.SubmitForm(e.ctx, start, mergeForm(start.Form, f))
	assert.ErrorIs(t, err, esfreg.ErrPasswordInvalid, "the current password, not a new one")

	f.CurrentPassword = password
	res := e.register(esfreg.LegalEntity, ceoSign, ceoSign, f, ceoAuth)
	require.Len(t, res.Agreements, 1, "registered as an individual already: only the legal entity's agreement")
	login, err := e.c.Login(e.ctx, ceoAuth, password)
	require.NoError(t, err)
	assert.Len(t, login.Profiles, 2, "one account, one password, two profiles")
}

// mergeForm is what the client does with a prefilled form.
func mergeForm(pre, typed esfreg.Form) esfreg.Form {
	out := pre
	for _, kv := range []struct {
		dst *string
		v   string
	}{{&out.Email, typed.Email}, {&out.Password, typed.Password}, {&out.PasswordConfirmation, typed.PasswordConfirmation},
		{&out.CurrentPassword, typed.CurrentPassword}, {&out.Address, typed.Address}, {&out.IDDocumentNumber, typed.IDDocumentNumber},
		{&out.IDDocumentIssueDate, typed.IDDocumentIssueDate}, {&out.IDDocumentIssuer, typed.IDDocumentIssuer}, {&out.ActingOnBasisOf, typed.ActingOnBasisOf}} {
		if kv.v != "" {
			*kv.dst = kv.v
		}
	}
	return out
}

func TestScenarioChangeOfHead(t *testing.T) {
	e := newEnv(t)
	oldAuth, oldSign := e.ks(certstest.FixtureCEOAuth), e.ks(certstest.FixtureCEOSign)
	e.register(esfreg.LegalEntity, oldSign, oldSign, legalForm("old@example.kz"), oldAuth)

	// A new head (ТЕСТТОВ, IIN …012) with new keys naming the BIN as CEO.
	ca, err := certstest.NewCA(certstest.Options{Now: e.srv.Now, Rand: certstest.DeterministicRand("new head")})
	require.NoError(t, err)
	issue := func(u certs.Usage) *certs.KeyStore {
		is, err := ca.Issue(certstest.Profile{Kind: certstest.KindCEO, Usage: u, IIN: certstest.TestIIN2,
			Surname: "ТЕСТТОВ", FirstName: "ТЕСТТ", Patronymic: "ТЕСТТОВИЧ"})
		require.NoError(t, err)
		ks, err := certs.Open(is.PKCS12, is.PIN)
		require.NoError(t, err)
		return ks
	}
	newAuth, newSign := issue(certs.UsageAuth), issue(certs.UsageSign)

	// The register names the new head only after its next refresh.
	_, err = e.srv.SeedTaxpayer(esfreg.Taxpayer{TIN: certstest.TestBIN, NameRu: `АО "ТЕСТ"`, Type: esfreg.EnterprisePrivate,
		Resident: true, EnterpriseAdministrator: certstest.TestIIN2}, false)
	require.NoError(t, err)
	_, err = e.c.StartRegistration(e.ctx, esfreg.LegalEntity, newSign)
	assert.ErrorIs(t, err, esfreg.ErrEnterpriseAlreadyRegistered, "before the refresh the register still names the old head")

	e.srv.Advance(3 * 24 * time.Hour) // past the next Mon/Wed/Fri 00:00 Almaty
	e.register(esfreg.LegalEntity, newSign, newSign, legalForm("new@example.kz"), newAuth)

	acct, err := e.srv.Account(certstest.TestIIN)
	require.NoError(t, err)
	for _, p := range acct.Profiles {
		if p.Type == esfreg.ProfileAdminEnterprise {
			assert.Equal(t, esfreg.StatusEnterpriseAdminChangeBlocked, p.Status, "the old head's profile is blocked")
		}
	}
	_, err = e.c.OpenSession(e.ctx, esfclient.SessionRequest{Key: oldAuth, Password: password, TIN: certstest.TestBIN})
	assert.Error(t, err, "the old head cannot act for the entity any more")
	sess, err := e.c.OpenSession(e.ctx, esfclient.SessionRequest{Key: newAuth, Password: password, TIN: certstest.TestBIN})
	require.NoError(t, err)
	_, _ = sess.Close(e.ctx)
}

func TestScenarioRecovery(t *testing.T) {
	e := newEnv(t)
	auth, sign := e.ks(certstest.FixtureIndividualAuth), e.ks(certstest.FixtureIndividualSign)
	e.register(esfreg.Individual, auth, sign, form("old@example.kz"), auth)

	// Change of e-mail: signed with a signing key; an AUTH key is refused.
	err := e.c.ChangeEmail(e.ctx, certstest.TestIIN, "new@example.kz", auth)
	assert.ErrorIs(t, err, esfreg.ErrCertificateIsNotForSigning)
	require.NoError(t, e.c.ChangeEmail(e.ctx, certstest.TestIIN, "new@example.kz", sign))

	// Reset: the old address no longer matches; the new one gets the link.
	assert.ErrorIs(t, e.c.RequestPasswordReset(e.ctx, certstest.TestIIN, "old@example.kz"), &esfreg.Error{Code: esfreg.CodeEmailMismatch})
	require.NoError(t, e.c.RequestPasswordReset(e.ctx, certstest.TestIIN, "new@example.kz"))
	mails := e.srv.MailTo("new@example.kz")
	link := mails[len(mails)-1].Link
	require.Contains(t, link, mockserver.ResetLinkPath)

	const newPassword = "Newpass2026x"
	require.NoError(t, e.c.ResetPassword(e.ctx, link, newPassword, sign))
	assert.ErrorIs(t, e.c.ResetPassword(e.ctx, link, newPassword, sign), &esfreg.Error{Code: esfreg.CodeTokenUsed}, "a link works once")
	_, err = e.c.Login(e.ctx, auth, newPassword)
	require.NoError(t, err)

	// An expired link.
	require.NoError(t, e.c.RequestPasswordReset(e.ctx, certstest.TestIIN, "new@example.kz"))
	mails = e.srv.MailTo("new@example.kz")
	e.srv.Advance(esfreg.DefaultResetTTL + time.Minute)
	assert.ErrorIs(t, e.c.ResetPassword(e.ctx, mails[len(mails)-1].Link, "Another2026x", sign), &esfreg.Error{Code: esfreg.CodeTokenExpired})
}

func TestScenarioRefusals(t *testing.T) {
	e := newEnv(t)
	t.Run("AUTH key signs an agreement", func(t *testing.T) {
		auth := e.ks(certstest.FixtureIndividualAuth)
		_, err := e.c.Register(e.ctx, esfclient.Registration{Category: esfreg.Individual, Key: auth, Signer: auth, Form: form("a@example.kz")})
		assert.ErrorIs(t, err, esfreg.ErrCertificateIsNotForSigning)
	})
	t.Run("revoked key", func(t *testing.T) {
		crlDER, err := certstest.ReadFixture(certstest.FixtureCRL)
		require.NoError(t, err)
		crl, err := certs.ParseCRL(crlDER)
		require.NoError(t, err)
		require.NoError(t, e.srv.AddCRL(crl))
		_, err = e.c.StartRegistration(e.ctx, esfreg.Individual, e.ks(certstest.FixtureIndividualSignRevoked))
		assert.ErrorIs(t, err, esfreg.ErrCertificateRevoked)
	})
	t.Run("expired key", func(t *testing.T) {
		_, err := e.c.StartRegistration(e.ctx, esfreg.Individual, e.ks(certstest.FixtureIndividualSignExpired))
		assert.ErrorIs(t, err, esfreg.ErrCertificateExpired)
	})
	t.Run("reused registration link", func(t *testing.T) {
		auth, sign := e.ks(certstest.FixtureIndividualAuth), e.ks(certstest.FixtureIndividualSign)
		e.register(esfreg.Individual, auth, sign, form("r@example.kz"), auth)
		mails := e.srv.MailTo("r@example.kz")
		_, err := e.c.CompleteRegistration(e.ctx, mails[0].Link, auth, password)
		assert.ErrorIs(t, err, &esfreg.Error{Code: esfreg.CodeTokenUsed})
	})
}

// Failed log-ins are throttled per IIN; a queued fault answers the next
// matching call.
func TestLoginThrottleAndFaults(t *testing.T) {
	e := newEnv(t)
	auth, sign := e.ks(certstest.FixtureIndividualAuth), e.ks(certstest.FixtureIndividualSign)
	e.register(esfreg.Individual, auth, sign, form("th@example.kz"), auth)
	for i := 0; i < mockserver.MaxFailedLogins; i++ {
		_, err := e.c.Login(e.ctx, auth, "Wrong12345")
		require.ErrorIs(t, err, esfreg.ErrPasswordInvalid)
	}
	_, err := e.c.Login(e.ctx, auth, password)
	assert.ErrorIs(t, err, &esfreg.Error{Code: mockserver.CodeTooManyAttempts}, "even the right password, until the window passes")
	e.srv.Advance(mockserver.LoginWindow)
	_, err = e.c.Login(e.ctx, auth, password)
	require.NoError(t, err)

	require.NoError(t, e.srv.QueueFault(mockserver.Fault{Match: "createSessionSigned", Code: "SYSTEM_DOWN"}))
	_, err = e.c.OpenSession(e.ctx, esfclient.SessionRequest{Key: auth, Password: password, TIN: certstest.TestIIN})
	assert.ErrorIs(t, err, &esfreg.Error{Code: "SYSTEM_DOWN"})
	_, err = e.c.OpenSession(e.ctx, esfclient.SessionRequest{Key: auth, Password: password, TIN: certstest.TestIIN})
	require.NoError(t, err, "the fault hit one call")
}
