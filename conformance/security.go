package conformance

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfclient"
	"github.com/esfkit/esf/esfreg"
)

// The security scenarios: what the real ESF protects, the mock protects
// too. A mock that regresses — started with an insecure flag, or a build
// that lost a check — fails them.

// Codes of the security refusals (the mock's and the CXF stack's).
var (
	errSecurity    = &esfreg.Error{Code: esfclient.CodeSecurityError}
	errTooMany     = &esfreg.Error{Code: "TOO_MANY_ATTEMPTS"}
	errBadRequest  = "BAD_REQUEST"
	throttleLimit  = 5                // failed password checks before an IIN is locked out
	throttleWindow = 15 * time.Minute // how long they count
)

// scSessionNeedsPassword: the SOAP session operations demand the account
// password (the WS-Security UsernameToken); a public certificate alone
// opens and closes nothing, and an IIN without an account is answered as
// a wrong password.
func scSessionNeedsPassword(e *env) {
	auth := e.registeredIndividual("token@example.kz")
	req := esfclient.SessionRequest{Key: auth, Password: password, TIN: personA.IIN}

	noToken := e.client(func(o *esfclient.Options) { o.NoUsernameToken = true })
	_, err := noToken.CreateSession(e.ctx, req)
	e.refused(err, errSecurity, "createSession with the certificate alone (no UsernameToken)")
	_, err = noToken.OpenSession(e.ctx, req)
	e.refused(err, errSecurity, "createSessionSigned without a UsernameToken")

	sess, err := e.c.OpenSession(e.ctx, req)
	e.must(err, "createSessionSigned with the UsernameToken")
	st, err := noToken.CloseSessionByCredentials(e.ctx, req)
	e.refused(err, errSecurity, "closeSessionByCredentials with the certificate alone (answered %q)", st)
	status, err := sess.Status(e.ctx)
	e.must(err, "currentSessionStatus")
	equal(e, status, "OK", "the session after a refused closeSessionByCredentials")

	wrong := req
	wrong.Password = wrongPW
	_, err = e.c.CreateSession(e.ctx, wrong)
	var known *esfreg.Error
	if e.refused(err, errSecurity, "createSession with a wrong account password") {
		errors.As(err, &known)
	}
	// personB has no account: the same answer, word for word.
	stranger := esfclient.SessionRequest{Key: e.individualAuth(personB), Password: wrongPW, TIN: personB.IIN}
	_, err = e.c.CreateSession(e.ctx, stranger)
	var unknown *esfreg.Error
	if e.refused(err, errSecurity, "createSession for an IIN without an account") && known != nil {
		errors.As(err, &unknown)
		equal(e, unknown.Message, known.Message, "the refusal of an IIN without an account, against a wrong password")
	}
	_, err = sess.Close(e.ctx)
	e.must(err, "closeSession")
}

// scPasswordThrottle: after five failed password checks of one IIN within
// fifteen minutes — the UsernameToken and the portal alike — the IIN is
// refused even with the right password until the window passes; an IIN
// without an account is throttled alike.
func scPasswordThrottle(e *env) {
	auth := e.registeredIndividual("throttle@example.kz")
	right := esfclient.SessionRequest{Key: auth, Password: password, TIN: personA.IIN}
	wrong := right
	wrong.Password = wrongPW

	for i := range throttleLimit {
		if i%2 == 0 {
			_, err := e.c.OpenSession(e.ctx, wrong)
			e.refused(err, errSecurity, "wrong UsernameToken password %d", i+1)
		} else {
			_, err := e.c.Login(e.ctx, auth, wrongPW)
			e.refused(err, esfreg.ErrPasswordInvalid, "wrong portal password %d", i+1)
		}
	}
	_, err := e.c.OpenSession(e.ctx, right)
	e.refused(err, errTooMany, "the right UsernameToken password after %d wrong ones", throttleLimit)
	_, err = e.c.Login(e.ctx, auth, password)
	e.refused(err, errTooMany, "the right portal password after %d wrong ones", throttleLimit)

	// An IIN without an account: the same count, the same lock.
	stranger := esfclient.SessionRequest{Key: e.individualAuth(personB), Password: wrongPW, TIN: personB.IIN}
	for i := range throttleLimit {
		_, err := e.c.OpenSession(e.ctx, stranger)
		e.refused(err, errSecurity, "UsernameToken of an IIN without an account, try %d", i+1)
	}
	_, err = e.c.OpenSession(e.ctx, stranger)
	e.refused(err, errTooMany, "UsernameToken of an IIN without an account after %d tries", throttleLimit)

	e.advance(throttleWindow + time.Minute)
	sess, err := e.c.OpenSession(e.ctx, right)
	e.must(err, "the right password once the window has passed")
	_, err = sess.Close(e.ctx)
	e.must(err, "closeSession")
}

// scCertInfoUntrusted: the portal's certificate step refuses a key of a CA
// it does not trust, instead of describing it as a valid one.
func scCertInfoUntrusted(e *env) {
	now := time.Now()
	if e.ctl != nil {
		now = e.clock()
	}
	// A GOST CA: its keys come from the seed (certstest's RSA CAs share one
	// committed key pool, so another RSA CA would have the trusted keys).
	rogue, err := certstest.NewCA(certstest.Options{Now: func() time.Time { return now }, Algorithm: certs.AlgorithmGOST2015_512,
		Rand: certstest.DeterministicRand("conformance: an untrusted CA")})
	e.must(err, "an untrusted test CA")
	is, err := rogue.Issue(certstest.Profile{Kind: certstest.KindIndividual, Usage: certs.UsageAuth | certs.UsageSign, IIN: personA.IIN,
		Surname: personA.Surname, FirstName: personA.FirstName, Patronymic: personA.Patronymic})
	e.must(err, "a key store of the untrusted CA")
	ks, err := certs.Open(is.PKCS12, is.PIN)
	e.must(err, "open it")
	info := func(ks *certs.KeyStore) (map[string]any, error) {
		var ticket string
		if err := e.portal(http.MethodGet, "/esf-web/ajax/login/ticket", nil, &ticket); err != nil {
			return nil, err
		}
		signed, err := e.signXML([]byte(ticket), ks)
		if err != nil {
			return nil, err
		}
		var out map[string]any
		err = e.portal(http.MethodPost, "/esf-web/ajax/login/xmlDsigCertInfo", map[string]string{"xmlDsig": string(signed)}, &out)
		return out, err
	}
	out, err := info(ks)
	if err == nil {
		e.t.Errorf("xmlDsigCertInfo described a certificate of an untrusted CA: %v", out)
	} else {
		e.refusedAny(err, "xmlDsigCertInfo with a certificate of an untrusted CA")
	}
	if e.ctl != nil {
		out, err := info(e.individualAuth(personA))
		e.must(err, "xmlDsigCertInfo with a trusted AUTH key")
		equal(e, out["iin"], any(personA.IIN), "xmlDsigCertInfo: the IIN")
		_, err = info(e.individualSign(personA))
		e.refused(err, esfreg.ErrCertificateIsNotForAuth, "xmlDsigCertInfo with a signing (not AUTH) key")
	}
}

// scControlValidates: the control API refuses what it cannot honour —
// times outside its range, non-positive steps, unknown fault targets and
// codes, negative counts, unknown fields, a key given twice — naming the
// field, and changes nothing.
func scControlValidates(e *env) {
	hc, ok := e.ctl.(*HTTPControl)
	if !ok {
		e.t.Skip("conformance: needs the control API over HTTP (HTTPControl) to send it malformed input")
	}
	before, err := e.ctl.Now(e.ctx)
	e.control("read the clock", err)
	cases := []struct {
		what, path, body, field string
	}{
		{"a time past the clock's range", "/_mock/clock", `{"set":"9999-12-31T23:59:59Z"}`, "set"},
		{"a time before 1970", "/_mock/clock", `{"set":"1900-01-01T00:00:00Z"}`, "set"},
		{"a time that is no time", "/_mock/clock", `{"set":"tomorrow"}`, "set"},
		{"a negative step", "/_mock/clock", `{"advance":"-1h"}`, "advance"},
		{"a step past the clock's range", "/_mock/clock", `{"advance":"2562047h"}`, "advance"},
		{"set and advance at once", "/_mock/clock", `{"set":"2026-06-01T00:00:00Z","advance":"1h"}`, "advance"},
		{"a key given twice", "/_mock/clock", `{"set":"2026-06-01T00:00:00Z","set":"2030-01-01T00:00:00Z"}`, "set"},
		{"an unknown field", "/_mock/clock", `{"sett":"2026-06-01T00:00:00Z"}`, "sett"},
		{"a negative fault count", "/_mock/faults", `{"match":"createSessionSigned","code":"SESSION_CLOSED","count":-1}`, "count"},
		{"an unknown operation", "/_mock/faults", `{"match":"createSesionSigned","code":"SESSION_CLOSED"}`, "match"},
		{"an unknown code", "/_mock/faults", `{"match":"createSessionSigned","code":"NO_SUCH_CODE"}`, "code"},
		{"a fault key given twice", "/_mock/faults", `{"match":"createSessionSigned","code":"SESSION_CLOSED","code":"USER_BLOCKED"}`, "code"},
		{"a taxpayer key given twice", "/_mock/taxpayers?publish=true", `{"tin":"` + entityBIN + `","tin":"` + personB.IIN + `"}`, "tin"},
		{"an unknown query parameter", "/_mock/taxpayers?publsh=true", `{"tin":"` + entityBIN + `"}`, "publsh"},
	}
	for _, c := range cases {
		status, body, err := hc.Client().Raw(e.ctx, http.MethodPost, c.path, "application/json", []byte(c.body))
		e.must(err, "POST %s", c.path)
		var got esfreg.Error
		_ = json.Unmarshal(body, &got)
		if status != http.StatusBadRequest || string(got.Code) != errBadRequest || got.Field != c.field {
			e.t.Errorf("control API, %s (%s %s): HTTP %d %s field %q, want 400 %s naming %q: %.300s",
				c.what, c.path, c.body, status, got.Code, got.Field, errBadRequest, c.field, body)
			continue
		}
		e.t.Logf("control API, %s: refused: %s", c.what, got.Message)
	}
	after, err := e.ctl.Now(e.ctx)
	e.control("read the clock", err)
	if d := after.Sub(before); d < 0 || d > time.Minute {
		e.t.Errorf("the clock moved by %s through refused calls", d)
	}
	// The queued faults were all refused: createSessionSigned still works.
	auth := e.registeredIndividual("control@example.kz")
	sess, err := e.c.OpenSession(e.ctx, esfclient.SessionRequest{Key: auth, Password: password, TIN: personA.IIN})
	e.must(err, "createSessionSigned after the refused fault requests")
	_, _ = sess.Close(e.ctx)
}

// registeredIndividual publishes the scenarios' register and registers
// personA as an individual (AUTH and RSA signing key) with the e-mail;
// it returns his AUTH key store.
func (e *env) registeredIndividual(email string) *certs.KeyStore {
	e.t.Helper()
	e.seedRegister()
	auth, sign := e.individualAuth(personA), e.individualSign(personA)
	e.register("individual", esfclient.Registration{Category: esfreg.Individual, Key: auth, Signer: sign, Form: personForm(email)},
		auth, password, esfreg.AgreementIndividual)
	return auth
}

// client returns a client of the target like e.c, changed by modify.
func (e *env) client(modify func(*esfclient.Options)) *esfclient.Client {
	e.t.Helper()
	o := esfclient.Options{BaseURL: e.target.BaseURL(), HTTPClient: e.hc}
	if e.ctl != nil {
		o.Now = e.clock
	}
	modify(&o)
	c, err := esfclient.New(o)
	if err != nil {
		e.t.Fatalf("conformance: %v", err)
	}
	return c
}

// scIndividualAgreementEntityKey: an individual's agreement signed with the
// same person's head (CEO) key — a legal entity's key, with a BIN — is
// refused in an individual's registration: it needs a personal key.
func scIndividualAgreementEntityKey(e *env) {
	e.seedRegister()
	auth, head := e.individualAuth(personA), e.headSign(personA)
	const email = "entity-key@example.kz"
	err := e.rawAgreements(auth, head, email)
	e.refused(err, esfreg.ErrCertificateIsNotForPrivate, "the server, sent an individual's agreement signed with a legal entity's key")
	e.noMailAfterRefusal(email)
}
