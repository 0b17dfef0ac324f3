package conformance

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/esfkit/esf/agreement"
	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfclient"
	"github.com/esfkit/esf/esfreg"
)

// The passwords of the scenarios: ESF's policy (letters and digits, no
// IIN) holds for each.
const (
	password    = "Qazwsx12345"
	newPassword = "Newpass2026x"
	wrongPW     = "Wrong12345x"
)

// AlreadyRegisteredMessage is ESF's own wording, quoted by the original
// documents, of the refusal to register a legal entity again.
const AlreadyRegisteredMessage = "Юридическое лицо уже зарегистрировано в системе"

// The subjects of ESF's e-mails.
const (
	subjectRegistration = "Завершение процесса регистрации"
	subjectCompleted    = "Регистрация завершена"
	subjectReset        = "Восстановление пароля"
	subjectEmailChanged = "Изменение адреса электронной почты"
)

var (
	registrationLink = regexp.MustCompile(`^https?://[^/]+` + regexp.QuoteMeta(esfreg.RegistrationLinkPath) + `[0-9a-f]{40}$`)
	resetLink        = regexp.MustCompile(`^https?://[^/]+/esf-web/reset-password/[0-9A-Za-z_-]+$`)
)

func personForm(email string) esfreg.Form {
	return esfreg.Form{Email: email, Password: password, PasswordConfirmation: password, Address: address,
		IDDocumentNumber: "012345678", IDDocumentIssueDate: "14.03.2019", IDDocumentIssuer: "МВД РК"}
}

func headForm(email string) esfreg.Form {
	f := personForm(email)
	f.ActingOnBasisOf = "Устава"
	return f
}

// register runs the four steps, checks what step 3 asked to sign, follows
// the e-mailed link and logs in, which completes the registration.
func (e *env) register(what string, r esfclient.Registration, auth *certs.KeyStore, pw string, want ...esfreg.AgreementKind) *esfclient.RegisterResult {
	e.t.Helper()
	start, err := e.c.StartRegistration(e.ctx, r.Category, r.Key)
	e.must(err, "%s: step 1, «Выбор сертификата»", what)
	list, err := e.c.SubmitForm(e.ctx, start, merge(start.Form, r.Form))
	e.must(err, "%s: step 2, «Регистрационные данные»", what)
	var kinds []esfreg.AgreementKind
	for _, a := range list {
		kinds = append(kinds, a.Kind)
		e.checkAgreement(what, a, r.Key)
	}
	slices.Sort(kinds)
	want = slices.Clone(want)
	slices.Sort(want)
	if !slices.Equal(kinds, want) {
		e.t.Errorf("%s: step 3 asks to sign %d agreement(s) %v, want %d %v", what, len(kinds), kinds, len(want), want)
	}
	signer := r.Signer
	if signer == nil {
		signer = r.Key
	}
	req, err := e.c.SignAgreements(e.ctx, start, list, signer)
	e.must(err, "%s: steps 3 and 4, the agreements signed and sent", what)
	equal(e, req.Message, esfreg.RequestCreatedMessage, "%s: step 4's message", what)
	e.t.Logf("%s: %s", what, req.Message)
	mail := e.lastMail(req.Email, subjectRegistration)
	if !registrationLink.MatchString(mail.Link) {
		e.t.Errorf("%s: the e-mailed link %q is not …%s<40 hex digits>", what, mail.Link, esfreg.RegistrationLinkPath)
	}
	if !strings.Contains(mail.Body, r.Key.Certificate.IIN) {
		e.t.Errorf("%s: the e-mail does not name the IIN %s:\n%s", what, r.Key.Certificate.IIN, mail.Body)
	}
	_, err = e.c.CompleteRegistration(e.ctx, mail.Link, auth, pw)
	e.must(err, "%s: following the e-mailed link and logging in", what)
	e.lastMail(req.Email, subjectCompleted)
	return &esfclient.RegisterResult{Start: start, Agreements: list, Request: req}
}

// checkAgreement checks the requisites of an agreement step 3 showed.
func (e *env) checkAgreement(what string, a esfclient.AgreementToSign, key *certs.KeyStore) {
	e.t.Helper()
	doc, err := agreement.Parse([]byte(a.Document))
	if err != nil {
		e.t.Errorf("%s: the %s agreement is not an agreement: %v", what, a.Kind, err)
		return
	}
	equal(e, doc.Requisites.IIN, key.Certificate.IIN, "%s: the %s agreement's IIN", what, a.Kind)
	if a.Kind == esfreg.AgreementLegalEntity {
		equal(e, doc.Requisites.BIN, key.Certificate.BIN, "%s: the legal entity's agreement's BIN", what)
	}
}

// profiles checks the active profiles' types.
func (e *env) profiles(what string, got []esfreg.Profile, want ...esfreg.ProfileType) {
	e.t.Helper()
	var types []string
	for _, p := range got {
		if p.Active() {
			types = append(types, string(p.Type))
		}
	}
	var w []string
	for _, p := range want {
		w = append(w, string(p))
	}
	slices.Sort(types)
	slices.Sort(w)
	if !slices.Equal(types, w) {
		e.t.Errorf("%s: active profiles %v, want %v", what, types, w)
	}
}

// scVersion: VersionService answers.
func scVersion(e *env) {
	v, err := e.c.Version(e.ctx)
	e.must(err, "VersionService")
	if v == "" {
		e.t.Error("VersionService answered no version")
	}
	e.t.Logf("version %s", v)
}

// scIndividual: an individual registers.
func scIndividual(e *env) {
	e.seedRegister()
	auth, sign := e.individualAuth(personA), e.individualSign(personA)
	const email = "individual@example.kz"
	e.register("individual", esfclient.Registration{Category: esfreg.Individual, Key: auth, Signer: sign, Form: personForm(email)},
		auth, password, esfreg.AgreementIndividual)

	login, err := e.c.Login(e.ctx, auth, password)
	e.must(err, "log-in with the AUTH key and the password")
	equal(e, login.IIN, personA.IIN, "log-in: the IIN read from the certificate")
	e.profiles("log-in", login.Profiles, esfreg.ProfileIndividual)

	_, err = e.c.Login(e.ctx, auth, wrongPW)
	e.refused(err, esfreg.ErrPasswordInvalid, "log-in with a wrong password")

	link := e.lastMail(email, subjectRegistration).Link
	_, err = e.c.CompleteRegistration(e.ctx, link, auth, password)
	e.refused(err, esfreg.ErrTokenUsed, "the registration link followed a second time")
}

// scEntrepreneur: an entrepreneur registers; a person the register does
// not list as one is refused.
func scEntrepreneur(e *env) {
	e.seedRegister()
	auth := e.key(keyReq{who: personB, kind: certstest.KindEntrepreneur, usage: certs.UsageAuth})
	sign := e.key(keyReq{who: personB, kind: certstest.KindEntrepreneur, usage: certs.UsageSign})
	e.register("entrepreneur", esfclient.Registration{Category: esfreg.Entrepreneur, Key: sign, Signer: sign, Form: personForm("ip@example.kz")},
		auth, password, esfreg.AgreementEntrepreneur)
	login, err := e.c.Login(e.ctx, auth, password)
	e.must(err, "log-in")
	e.profiles("log-in", login.Profiles, esfreg.ProfileEntrepreneur)

	_, err = e.c.StartRegistration(e.ctx, esfreg.Entrepreneur, e.individualSign(personA))
	e.refused(err, esfreg.ErrNotEntrepreneur, "a person the register does not list as an entrepreneur")
}

// scLegalEntityTwoAgreements: a head not registered as an individual signs
// the entity's agreement and his own.
func scLegalEntityTwoAgreements(e *env) {
	e.seedRegister()
	auth := e.headAuth(personA)   // AUTH_RSA256_…: log-in
	signer := e.headGOST(personA) // GOST512_…: the legal entity's signing key
	res := e.register("legal entity", esfclient.Registration{Category: esfreg.LegalEntity, Key: signer, Signer: signer, Form: headForm("head@example.kz")},
		auth, password, esfreg.AgreementLegalEntity, esfreg.AgreementIndividual)
	if res.Start.Taxpayer == nil || res.Start.Taxpayer.TIN != entityBIN {
		e.t.Errorf("step 1 did not find the entity %s in the register: %+v", entityBIN, res.Start.Taxpayer)
	}
	equal(e, res.Start.Form.BIN, entityBIN, "step 2's BIN, read from the certificate")
	if m := e.lastMail("head@example.kz", subjectRegistration); !strings.Contains(m.Body, entityBIN) {
		e.t.Errorf("the e-mail does not name the BIN %s:\n%s", entityBIN, m.Body)
	}

	login, err := e.c.Login(e.ctx, auth, password)
	e.must(err, "log-in with the AUTH RSA key")
	e.profiles("log-in", login.Profiles, esfreg.ProfileIndividual, esfreg.ProfileAdminEnterprise)
	login, err = e.c.Login(e.ctx, signer, password)
	e.must(err, "log-in with the GOST key (NCA's one key for log-in and signing)")
	equal(e, login.IIN, personA.IIN, "log-in with the GOST key: the IIN")
}

// scLegalEntityRegisteredPerson: a registered individual registers his
// legal entity.
func scLegalEntityRegisteredPerson(e *env) {
	e.seedRegister()
	iauth, isign := e.individualAuth(personA), e.individualSign(personA)
	e.register("individual", esfclient.Registration{Category: esfreg.Individual, Key: iauth, Signer: isign, Form: personForm("person@example.kz")},
		iauth, password, esfreg.AgreementIndividual)

	hauth, hsign := e.headAuth(personA), e.headSign(personA)
	start, err := e.c.StartRegistration(e.ctx, esfreg.LegalEntity, hsign)
	e.must(err, "step 1 of the legal entity")
	if !start.ExistingAccount || !start.HasIndividualProfile {
		e.t.Errorf("step 1: existingAccount %v, hasIndividualProfile %v; want both (the IIN is registered as an individual)",
			start.ExistingAccount, start.HasIndividualProfile)
	}
	equal(e, start.Form.Email, "person@example.kz", "step 2 prefills the account's e-mail (it belongs to the IIN)")

	typed := headForm("")
	typed.Password, typed.PasswordConfirmation, typed.CurrentPassword = "", "", wrongPW
	_, err = e.c.SubmitForm(e.ctx, start, merge(start.Form, typed))
	e.refused(err, esfreg.ErrPasswordInvalid, "step 2 with a wrong current password")

	typed.CurrentPassword = password
	e.register("legal entity", esfclient.Registration{Category: esfreg.LegalEntity, Key: hsign, Signer: hsign, Form: typed},
		hauth, password, esfreg.AgreementLegalEntity)
	for name, ks := range map[string]*certs.KeyStore{"the head's AUTH key": hauth, "the individual's AUTH key": iauth} {
		login, err := e.c.Login(e.ctx, ks, password)
		e.must(err, "log-in with %s", name)
		e.profiles("log-in with "+name+": one account, one password", login.Profiles, esfreg.ProfileIndividual, esfreg.ProfileAdminEnterprise)
	}
}

// merge fills the prefilled form with what the user typed.
func merge(pre, typed esfreg.Form) esfreg.Form {
	f := pre
	for _, kv := range []struct {
		dst *string
		v   string
	}{{&f.Email, typed.Email}, {&f.Password, typed.Password}, {&f.PasswordConfirmation, typed.PasswordConfirmation},
		{&f.CurrentPassword, typed.CurrentPassword}, {&f.Address, typed.Address}, {&f.IDDocumentNumber, typed.IDDocumentNumber},
		{&f.IDDocumentIssueDate, typed.IDDocumentIssueDate}, {&f.IDDocumentIssuer, typed.IDDocumentIssuer},
		{&f.ActingOnBasisOf, typed.ActingOnBasisOf}} {
		if kv.v != "" {
			*kv.dst = kv.v
		}
	}
	return f
}

// scSession: log-in on the portal and the SOAP session API.
func scSession(e *env) {
	var (
		auth     *certs.KeyStore
		pw, tin  string
		ptype    esfreg.ProfileType
		mockMode = e.ctl != nil
	)
	if mockMode {
		e.seedRegister()
		auth = e.headAuth(personA)
		signer := e.headGOST(personA)
		e.register("legal entity", esfclient.Registration{Category: esfreg.LegalEntity, Key: signer, Signer: signer, Form: headForm("api@example.kz")},
			auth, password, esfreg.AgreementLegalEntity, esfreg.AgreementIndividual)
		pw, tin = password, entityBIN
	} else {
		st := e.opts.Stand
		if st == nil || st.Auth.Path == "" {
			e.t.Skipf("conformance: no account on the stand to log in with: set Options.Stand.Auth (%s, %s) and Password (%s)",
				EnvStandAuth, EnvStandPIN, EnvStandPassword)
		}
		var err error
		auth, err = st.Auth.Open()
		e.must(err, "the stand's AUTH key store")
		pw, tin, ptype = st.Password, st.TIN, st.ProfileType
		if tin == "" {
			tin = auth.Certificate.IIN
		}
	}
	iin := auth.Certificate.IIN

	login, err := e.c.Login(e.ctx, auth, pw)
	e.must(err, "portal log-in")
	equal(e, login.IIN, iin, "portal log-in: the IIN")
	if mockMode {
		e.profiles("portal log-in", login.Profiles, esfreg.ProfileIndividual, esfreg.ProfileAdminEnterprise)
		_, err = e.c.Login(e.ctx, auth, wrongPW)
		e.refused(err, esfreg.ErrPasswordInvalid, "portal log-in with a wrong password")
	} else if len(login.Profiles) == 0 {
		e.t.Error("portal log-in: no profiles")
	}

	req := esfclient.SessionRequest{Key: auth, Password: pw, TIN: tin, ProfileType: ptype}
	s1, err := e.c.OpenSession(e.ctx, req)
	e.must(err, "createAuthTicket → createSessionSigned")
	if s1.ID == "" {
		e.t.Fatal("createSessionSigned answered no session id")
	}
	e.t.Logf("session %s opened for TIN %s", s1.ID, tin)
	st, err := s1.Status(e.ctx)
	e.must(err, "currentSessionStatus")
	equal(e, st, "OK", "currentSessionStatus of an open session")

	u, err := s1.CurrentUser(e.ctx)
	e.must(err, "currentUser")
	equal(e, u.Login, iin, "currentUser: login")
	equal(e, u.Taxpayer.TIN, tin, "currentUser: the taxpayer of the session's profile")
	if mockMode {
		equal(e, u.Email, "api@example.kz", "currentUser: e-mail")
		equal(e, u.Taxpayer.EnterpriseAdministrator, iin, "currentUser: the entity's head")
	}

	profiles, err := s1.Profiles(e.ctx)
	e.must(err, "currentUserProfiles")
	if mockMode {
		e.profiles("currentUserProfiles: several profiles of one person", profiles, esfreg.ProfileIndividual, esfreg.ProfileAdminEnterprise)
	} else if !slices.ContainsFunc(profiles, func(p esfreg.Profile) bool { return p.TIN == tin }) {
		e.t.Errorf("currentUserProfiles: no profile of TIN %s in %+v", tin, profiles)
	}
	for _, p := range profiles {
		e.t.Logf("profile %s %s %s", p.TIN, p.Type, p.Status)
	}

	// One open session per user: the old createSession is refused while
	// one is open (RSA keys only: it refuses GOST 2015 keys anyway), and
	// so is createSessionSigned; OpenSession closes the open one (with
	// signed credentials) only when asked to.
	if auth.Certificate.Algorithm == certs.AlgorithmRSA {
		_, err = e.c.CreateSession(e.ctx, req)
		e.refused(err, esfclient.ErrSessionAlreadyOpen, "a second session of the same user")
	}
	_, err = e.c.OpenSession(e.ctx, req)
	e.refused(err, esfclient.ErrSessionAlreadyOpen, "OpenSession while the user has a session open (not asked to close it)")
	replace := req
	replace.CloseOpenSession = true
	s2, err := e.c.OpenSession(e.ctx, replace)
	e.must(err, "a new session while one is open (closeSessionBySignedCredentials, then createSessionSigned)")
	if s2.ID == s1.ID {
		e.t.Errorf("the recovered session has the old id %s", s1.ID)
	}
	st, err = s1.Status(e.ctx)
	e.must(err, "currentSessionStatus of the replaced session")
	equal(e, st, "CLOSED", "currentSessionStatus of the replaced session")

	st, err = s2.Close(e.ctx)
	e.must(err, "closeSession")
	equal(e, st, "CLOSED", "closeSession's status")
	_, err = s2.CurrentUser(e.ctx)
	e.refusedAny(err, "currentUser on a closed session")
}

// scChangeOfHead: the entity's head changes.
func scChangeOfHead(e *env) {
	e.seedRegister()
	oldAuth, oldSign := e.headAuth(personA), e.headSign(personA)
	e.register("the first head", esfclient.Registration{Category: esfreg.LegalEntity, Key: oldSign, Signer: oldSign, Form: headForm("old-head@example.kz")},
		oldAuth, password, esfreg.AgreementLegalEntity, esfreg.AgreementIndividual)

	// New NCA certificates name the new head; the state register changes,
	// and ESF sees that at its next refresh.
	newKey := e.headGOST(personB)
	_, err := e.c.StartRegistration(e.ctx, esfreg.LegalEntity, newKey)
	e.refused(err, esfreg.ErrEnterpriseAlreadyRegistered, "the new head before the state register names him")
	e.control("stage the change of head in the register", e.ctl.SeedTaxpayer(e.ctx, entityRecord(personB), false))
	_, err = e.c.StartRegistration(e.ctx, esfreg.LegalEntity, newKey)
	e.refused(err, esfreg.ErrEnterpriseAlreadyRegistered, "the new head before the register refresh")

	e.advance(73 * time.Hour) // past the next Monday, Wednesday or Friday 00:00 Almaty
	e.register("the new head", esfclient.Registration{Category: esfreg.LegalEntity, Key: newKey, Signer: newKey, Form: headForm("new-head@example.kz")},
		newKey, password, esfreg.AgreementLegalEntity, esfreg.AgreementIndividual)

	acct, err := e.ctl.Account(e.ctx, personA.IIN)
	e.control("read the old head's account", err)
	found := false
	for _, p := range acct.Profiles {
		if p.Type == esfreg.ProfileAdminEnterprise && p.TIN == entityBIN {
			found = true
			equal(e, p.Status, esfreg.StatusEnterpriseAdminChangeBlocked, "the old head's profile of the entity")
		}
	}
	if !found {
		e.t.Errorf("the old head's account has no profile of %s: %+v", entityBIN, acct.Profiles)
	}
	_, err = e.c.OpenSession(e.ctx, esfclient.SessionRequest{Key: oldAuth, Password: password, TIN: entityBIN})
	e.refusedAny(err, "an API session of the old head for the entity")
	s, err := e.c.OpenSession(e.ctx, esfclient.SessionRequest{Key: newKey, Password: password, TIN: entityBIN})
	e.must(err, "an API session of the new head for the entity")
	u, err := s.CurrentUser(e.ctx)
	e.must(err, "currentUser of the new head")
	equal(e, u.Taxpayer.EnterpriseAdministrator, personB.IIN, "the entity's head after the change")
	_, err = s.Close(e.ctx)
	e.must(err, "closeSession")
}

// scAlreadyRegistered: «Юридическое лицо уже зарегистрировано в системе».
func scAlreadyRegistered(e *env) {
	e.seedRegister()
	auth, sign := e.headAuth(personA), e.headSign(personA)
	e.register("legal entity", esfclient.Registration{Category: esfreg.LegalEntity, Key: sign, Signer: sign, Form: headForm("head@example.kz")},
		auth, password, esfreg.AgreementLegalEntity, esfreg.AgreementIndividual)
	for name, ks := range map[string]*certs.KeyStore{
		"the same key store":                       sign,
		"new certificates that name the same head": e.headGOST(personA),
	} {
		_, err := e.c.StartRegistration(e.ctx, esfreg.LegalEntity, ks)
		if e.refused(err, esfreg.ErrEnterpriseAlreadyRegistered, "registering the entity again with %s", name) {
			var got *esfreg.Error
			if errors.As(err, &got) {
				equal(e, got.Message, AlreadyRegisteredMessage, "the refusal's message")
			}
		}
	}
}

// scChangeOfEmail: the account's e-mail changes.
func scChangeOfEmail(e *env) {
	e.seedRegister()
	auth, sign := e.individualAuth(personA), e.individualSign(personA)
	e.register("individual", esfclient.Registration{Category: esfreg.Individual, Key: auth, Signer: sign, Form: personForm("old@example.kz")},
		auth, password, esfreg.AgreementIndividual)

	err := e.c.ChangeEmail(e.ctx, personA.IIN, "new@example.kz", auth)
	e.refused(err, esfreg.ErrCertificateIsNotForSigning, "change of e-mail signed with the AUTH key")
	err = e.c.ChangeEmail(e.ctx, personA.IIN, "new@example.kz", e.individualSign(personB))
	e.refusedAny(err, "change of e-mail signed with another person's key")
	e.must(e.c.ChangeEmail(e.ctx, personA.IIN, "new@example.kz", sign), "change of e-mail signed with the signing key")
	e.lastMail("new@example.kz", subjectEmailChanged)

	acct, err := e.ctl.Account(e.ctx, personA.IIN)
	e.control("read the account", err)
	equal(e, acct.Email, "new@example.kz", "the account's e-mail")
	e.refused(e.c.RequestPasswordReset(e.ctx, personA.IIN, "old@example.kz"), &esfreg.Error{Code: esfreg.CodeEmailMismatch}, "a reset to the old address")
	e.must(e.c.RequestPasswordReset(e.ctx, personA.IIN, "new@example.kz"), "a reset to the new address")
	e.lastMail("new@example.kz", subjectReset)
	_, err = e.c.Login(e.ctx, auth, password)
	e.must(err, "log-in: the password is unchanged")
}

// scPasswordReset: the password is reset by the e-mailed link.
func scPasswordReset(e *env) {
	e.seedRegister()
	auth, key := e.headAuth(personA), e.headGOST(personA)
	const email = "head@example.kz"
	e.register("legal entity", esfclient.Registration{Category: esfreg.LegalEntity, Key: key, Signer: key, Form: headForm(email)},
		auth, password, esfreg.AgreementLegalEntity, esfreg.AgreementIndividual)

	e.refused(e.c.RequestPasswordReset(e.ctx, personA.IIN, "someone@example.kz"), &esfreg.Error{Code: esfreg.CodeEmailMismatch}, "a reset to an address not the account's")
	e.must(e.c.RequestPasswordReset(e.ctx, personA.IIN, email), "a reset to the account's address")
	link := e.lastMail(email, subjectReset).Link
	if !resetLink.MatchString(link) {
		e.t.Errorf("the e-mailed reset link %q is not …/esf-web/reset-password/<token>", link)
	}
	e.refused(e.c.ResetPassword(e.ctx, link, newPassword, auth), esfreg.ErrCertificateIsNotForSigning, "a reset signed with the AUTH key")
	e.must(e.c.ResetPassword(e.ctx, link, newPassword, key), "the reset signed with the GOST key")
	_, err := e.c.Login(e.ctx, auth, newPassword)
	e.must(err, "log-in with the new password")
	_, err = e.c.Login(e.ctx, auth, password)
	e.refused(err, esfreg.ErrPasswordInvalid, "log-in with the old password")
	e.refused(e.c.ResetPassword(e.ctx, link, "Another2026x", key), esfreg.ErrTokenUsed, "the reset link used a second time")

	e.must(e.c.RequestPasswordReset(e.ctx, personA.IIN, email), "another reset")
	link = e.lastMail(email, subjectReset).Link
	e.advance(esfreg.DefaultResetTTL + time.Minute)
	e.refused(e.c.ResetPassword(e.ctx, link, "Another2026x", key), esfreg.ErrTokenExpired, "a reset link after %s", esfreg.DefaultResetTTL)
}

// scAuthKeySignsAgreement: an AUTH key cannot sign the agreement.
func scAuthKeySignsAgreement(e *env) {
	e.seedRegister()
	auth := e.individualAuth(personA)
	const email = "auth-signs@example.kz"
	_, err := e.c.Register(e.ctx, esfclient.Registration{Category: esfreg.Individual, Key: auth, Signer: auth, Form: personForm(email)})
	e.refused(err, esfreg.ErrCertificateIsNotForSigning, "the client, asked to sign the agreement with the AUTH key")

	// The server, sent the agreement signed with the AUTH key all the same.
	err = e.rawAgreements(auth, auth, email)
	e.refused(err, esfreg.ErrCertificateIsNotForSigning, "the server, sent an agreement signed with the AUTH key")
	e.noMailAfterRefusal(email)
}

// scRevokedKey: a revoked key store is refused.
func scRevokedKey(e *env) {
	if e.ctl == nil {
		st := e.opts.Stand
		if st == nil || st.Revoked == nil {
			e.t.Skipf("conformance: needs a key store the stand's CRL lists: set Options.Stand.Revoked (%s)", EnvStandRevoked)
		}
		ks, err := st.Revoked.Open()
		e.must(err, "the revoked key store")
		cat := st.RevokedCategory
		if cat == 0 {
			cat = esfreg.Individual
			if ks.Certificate.Holder == certs.HolderLegalEntity {
				cat = esfreg.LegalEntity
			}
		}
		_, err = e.c.StartRegistration(e.ctx, cat, ks)
		e.refused(err, esfreg.ErrCertificateRevoked, "registration with a revoked key store")
		return
	}
	e.seedRegister()
	ks := e.key(keyReq{who: personA, kind: certstest.KindIndividual, gost: true, random: true, state: certstest.StateRevoked})
	crl, err := e.pki.revokedCRL()
	e.must(err, "the test CA's CRL")
	e.control("add the test CA's CRL", e.ctl.AddCRL(e.ctx, crl))
	_, err = e.c.StartRegistration(e.ctx, esfreg.Individual, ks)
	e.refused(err, esfreg.ErrCertificateRevoked, "registration with a revoked key store")
}

// scExpiredKey: an expired key store is refused by the server, not only
// by the client.
func scExpiredKey(e *env) {
	e.seedRegister()
	ks := e.key(keyReq{who: personA, kind: certstest.KindIndividual, usage: certs.UsageSign, state: certstest.StateExpired})
	_, err := e.c.StartRegistration(e.ctx, esfreg.Individual, ks)
	e.refused(err, esfreg.ErrCertificateExpired, "the client, asked to register with an expired key store")
	e.refused(e.rawStart(esfreg.Individual, ks), esfreg.ErrCertificateExpired, "the server, sent step 1 signed with an expired key store")
}
