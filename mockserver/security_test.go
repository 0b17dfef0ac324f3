package mockserver_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfclient"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver"
	"github.com/esfkit/esf/mockserver/mockstore"
)

// The security defaults (issue "Security defaults and hardening"): each
// test here failed on the mock before them.

const securityFault = "<faultstring>" + mockserver.SecurityErrorText + "</faultstring>"

// A public certificate alone opens and closes no session; the
// UsernameToken is required wherever the real ESF requires it, and
// AllowMissingUsernameToken relaxes it only where a signed ticket proves
// the key.
func TestSessionNeedsUsernameToken(t *testing.T) {
	for _, allow := range []bool{false, true} {
		t.Run(map[bool]string{false: "default", true: "AllowMissingUsernameToken"}[allow], func(t *testing.T) {
			e := newEnv(t, func(o *mockserver.Options) { o.AllowMissingUsernameToken = allow })
			auth, sign := e.ks(certstest.FixtureIndividualAuth), e.ks(certstest.FixtureIndividualSign)
			e.register(esfreg.Individual, auth, sign, form("token@example.kz"), auth)
			signer, err := auth.Signer()
			require.NoError(t, err)
			cert := base64.StdEncoding.EncodeToString(auth.Certificate.X509.Raw)
			signedTicket := func() string {
				x := soapCall(t, e.srv.URL, "AuthService", `<esf:createAuthTicketRequest><iin>`+certstest.TestIIN+`</iin></esf:createAuthTicketRequest>`)
				signed, err := xmlsigSign(unescape(between(x, "<authTicketXml>", "</authTicketXml>")), signer, auth.Certificate, e.srv.Now)
				require.NoError(t, err)
				return escape(string(signed))
			}
			tin := `<tin>` + certstest.TestIIN + `</tin>`
			byCert := tin + `<x509Certificate>` + cert + `</x509Certificate>`
			closeAll := func() {
				for _, s := range e.srv.Sessions() {
					soapCallAs(t, e.srv.URL, "SessionService", `<esf:closeSessionRequest><sessionId>`+s.ID+`</sessionId></esf:closeSessionRequest>`, certstest.TestIIN, password)
				}
			}

			// createSession and closeSessionByCredentials: the certificate is
			// public, so they need the password in every mode.
			assert.Contains(t, soapCall(t, e.srv.URL, "SessionService", `<esf:createSessionRequest>`+byCert+`</esf:createSessionRequest>`), securityFault)
			assert.Contains(t, soapCallAs(t, e.srv.URL, "SessionService", `<esf:createSessionRequest>`+byCert+`</esf:createSessionRequest>`, certstest.TestIIN, "Wrong12345x"), securityFault)
			opened := soapCallAs(t, e.srv.URL, "SessionService", `<esf:createSessionRequest>`+byCert+`</esf:createSessionRequest>`, certstest.TestIIN, password)
			require.Contains(t, opened, "<sessionId>")
			id := between(opened, "<sessionId>", "</sessionId>")
			assert.Contains(t, soapCall(t, e.srv.URL, "SessionService", `<esf:closeSessionByCredentialsRequest>`+byCert+`</esf:closeSessionByCredentialsRequest>`), securityFault)
			assert.Contains(t, soapCall(t, e.srv.URL, "SessionService", `<esf:currentSessionStatusRequest><sessionId>`+id+`</sessionId></esf:currentSessionStatusRequest>`), "<status>OK</status>",
				"a certificate alone closed the session")

			// closeSession with another user's token: not his session.
			other := soapCallAs(t, e.srv.URL, "SessionService", `<esf:closeSessionRequest><sessionId>`+id+`</sessionId></esf:closeSessionRequest>`, "123456789012", password)
			assert.Contains(t, other, securityFault, "another IIN's token (no account) is refused")
			closeAll()

			// createSessionSigned and closeSession: the signed ticket (the
			// session ID) is proof enough only when allowed.
			signed := soapCall(t, e.srv.URL, "SessionService", `<esf:createSessionSignedRequest>`+tin+`<signedAuthTicket>`+signedTicket()+`</signedAuthTicket></esf:createSessionSignedRequest>`)
			if !allow {
				assert.Contains(t, signed, securityFault)
				return
			}
			require.Contains(t, signed, "<sessionId>")
			id = between(signed, "<sessionId>", "</sessionId>")
			assert.Contains(t, soapCall(t, e.srv.URL, "SessionService", `<esf:closeSessionRequest><sessionId>`+id+`</sessionId></esf:closeSessionRequest>`), "<status>CLOSED</status>")
		})
	}
}

// closeSession with a UsernameToken closes the token's user's own session
// only.
func TestCloseSessionOnlyYourOwn(t *testing.T) {
	e := newEnv(t)
	auth, sign := e.ks(certstest.FixtureIndividualAuth), e.ks(certstest.FixtureIndividualSign)
	e.register(esfreg.Individual, auth, sign, form("own@example.kz"), auth)
	sess, err := e.c.OpenSession(e.ctx, esfclient.SessionRequest{Key: auth, Password: password, TIN: certstest.TestIIN})
	require.NoError(t, err)

	// A second account: the entrepreneur (another IIN).
	other, otherSign := e.ks(certstest.FixtureEntrepreneurAuth), e.ks(certstest.FixtureEntrepreneurSign)
	e.register(esfreg.Entrepreneur, otherSign, otherSign, form("other@example.kz"), other)
	got := soapCallAs(t, e.srv.URL, "SessionService", `<esf:closeSessionRequest><sessionId>`+sess.ID+`</sessionId></esf:closeSessionRequest>`, other.Certificate.IIN, password)
	assert.Contains(t, got, "<status>NOT_FOUND</status>", "another user's session")
	st, err := sess.Status(e.ctx)
	require.NoError(t, err)
	assert.Equal(t, "OK", st)
}

// countingHasher counts the hash comparisons.
type countingHasher struct {
	esfreg.PasswordHasher
	verifies atomic.Int64
}

func (c *countingHasher) Verify(hash, password string) error {
	c.verifies.Add(1)
	return c.PasswordHasher.Verify(hash, password)
}

// An IIN without an account costs the same hash comparison as a wrong
// password, and gets the same answer, over SOAP; the throttle counts both.
func TestPasswordCheckSameForUnknownIIN(t *testing.T) {
	h := &countingHasher{PasswordHasher: esfreg.Bcrypt{Cost: 4}}
	e := newEnv(t, func(o *mockserver.Options) { o.PasswordHasher = h })
	auth, sign := e.ks(certstest.FixtureIndividualAuth), e.ks(certstest.FixtureIndividualSign)
	e.register(esfreg.Individual, auth, sign, form("same@example.kz"), auth)

	call := func(user string) (string, int64) {
		before := h.verifies.Load()
		out := soapCallAs(t, e.srv.URL, "SessionService", `<esf:closeSessionRequest><sessionId>x</sessionId></esf:closeSessionRequest>`, user, "Wrong12345x")
		return out, h.verifies.Load() - before
	}
	known, knownWork := call(certstest.TestIIN)
	unknown, unknownWork := call("123456789012")
	assert.Equal(t, known, unknown, "the answer tells whether the account exists")
	assert.Equal(t, int64(1), knownWork)
	assert.Equal(t, knownWork, unknownWork, "hash comparisons: existing IIN vs IIN without an account")
	malformed, malformedWork := call("not an IIN")
	assert.Equal(t, known, malformed)
	assert.Equal(t, knownWork, malformedWork)

	for range mockserver.MaxFailedLogins - 1 {
		call("123456789012")
	}
	locked, lockedWork := call("123456789012")
	assert.Contains(t, locked, "<faultstring>TOO_MANY_ATTEMPTS</faultstring>")
	assert.Zero(t, lockedWork, "a locked-out IIN costs no hash")
}

// One throttle for every password check: SOAP and portal together lock the
// IIN, the right password included, until the window passes.
func TestPasswordThrottleAcrossFaces(t *testing.T) {
	e := newEnv(t)
	auth, sign := e.ks(certstest.FixtureIndividualAuth), e.ks(certstest.FixtureIndividualSign)
	e.register(esfreg.Individual, auth, sign, form("lock@example.kz"), auth)
	right := esfclient.SessionRequest{Key: auth, Password: password, TIN: certstest.TestIIN}
	wrong := right
	wrong.Password = "Wrong12345x"
	for i := range mockserver.MaxFailedLogins {
		var err error
		if i%2 == 0 {
			_, err = e.c.OpenSession(e.ctx, wrong)
		} else {
			_, err = e.c.Login(e.ctx, auth, wrong.Password)
		}
		require.Error(t, err)
	}
	_, err := e.c.OpenSession(e.ctx, right)
	assert.ErrorIs(t, err, &esfreg.Error{Code: mockserver.CodeTooManyAttempts})
	_, err = e.c.Login(e.ctx, auth, password)
	assert.ErrorIs(t, err, &esfreg.Error{Code: mockserver.CodeTooManyAttempts})
	e.srv.Advance(mockserver.LoginWindow)
	s, err := e.c.OpenSession(e.ctx, right)
	require.NoError(t, err)
	_, _ = s.Close(e.ctx)
	// A success clears the count: four more wrong ones do not lock.
	for range mockserver.MaxFailedLogins - 1 {
		_, err = e.c.Login(e.ctx, auth, wrong.Password)
		assert.ErrorIs(t, err, esfreg.ErrPasswordInvalid)
	}
	_, err = e.c.Login(e.ctx, auth, password)
	assert.NoError(t, err)
}

// serve runs one request through the handler, from remote.
func serve(t *testing.T, h http.Handler, method, path, remote, token, contentType, body string) (int, map[string]any, http.Header) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.RemoteAddr = remote
	req.Host = "127.0.0.1:8080" // as a client on this machine addresses the mock
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out, rec.Header()
}

// The control API: open to loopback clients only unless it has a token;
// with one, every call needs it; turned off, it is not there.
func TestControlAccess(t *testing.T) {
	const loop, far = "127.0.0.1:40000", "192.0.2.10:40000"
	tests := []struct {
		name          string
		opts          mockserver.Options
		remote, token string
		want          int
		code          string
	}{
		{"no token, loopback", mockserver.Options{}, loop, "", http.StatusOK, ""},
		{"no token, IPv6 loopback", mockserver.Options{}, "[::1]:40000", "", http.StatusOK, ""},
		{"no token, from the network", mockserver.Options{}, far, "", http.StatusForbidden, string(mockserver.CodeControlLoopbackOnly)},
		{"token, none sent", mockserver.Options{ControlToken: "s3cret"}, loop, "", http.StatusUnauthorized, string(mockserver.CodeControlTokenRequired)},
		{"token, wrong one", mockserver.Options{ControlToken: "s3cret"}, far, "s3cre", http.StatusUnauthorized, string(mockserver.CodeControlTokenRequired)},
		{"token, right one, from the network", mockserver.Options{ControlToken: "s3cret"}, far, "s3cret", http.StatusOK, ""},
		{"off", mockserver.Options{DisableControl: true}, loop, "", http.StatusNotFound, string(mockserver.CodeNotFound)},
		{"off, with a token", mockserver.Options{DisableControl: true, ControlToken: "s3cret"}, loop, "s3cret", http.StatusNotFound, string(mockserver.CodeNotFound)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.BcryptCost = 4
			s, err := mockserver.New(tt.opts)
			require.NoError(t, err)
			for _, route := range []struct{ method, path, body string }{
				{http.MethodGet, "/_mock/clock", ""},
				{http.MethodGet, "/_mock/state", ""},
				{http.MethodPost, "/_mock/reset", "{}"},
			} {
				status, out, hdr := serve(t, s, route.method, route.path, tt.remote, tt.token, "application/json", route.body)
				assert.Equal(t, tt.want, status, "%s %s", route.method, route.path)
				if tt.code != "" {
					assert.Equal(t, tt.code, out["code"], "%s %s", route.method, route.path)
				}
				if status == http.StatusUnauthorized {
					assert.Contains(t, hdr.Get("WWW-Authenticate"), "Bearer")
				}
			}
			// /healthz and the portal stay open.
			status, _, _ := serve(t, s, http.MethodGet, "/healthz", tt.remote, "", "", "")
			assert.Equal(t, http.StatusOK, status)
			status, _, _ = serve(t, s, http.MethodGet, "/esf-web/ajax/login/ticket", tt.remote, "", "", "")
			assert.Equal(t, http.StatusOK, status)
		})
	}
}

// Every control API input is validated, the field named; nothing changes.
func TestControlValidation(t *testing.T) {
	at := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	s, err := mockserver.New(mockserver.Options{Now: func() time.Time { return at }, BcryptCost: 4})
	require.NoError(t, err)
	root := mustRead(t, filepath.Join(certstest.FixtureDir(), certstest.FixtureRootCA))
	leaf, err := certstest.OpenFixture(certstest.FixtureIndividualAuth)
	require.NoError(t, err)
	tests := []struct {
		name, method, path, ct, body, field string
	}{
		{"clock past 2200 (overflowed to 2319)", "POST", "/_mock/clock", "application/json", `{"set":"9999-12-31T23:59:59Z"}`, "set"},
		{"clock before 1970", "POST", "/_mock/clock", "application/json", `{"set":"1969-12-31T23:59:59Z"}`, "set"},
		{"clock not a time", "POST", "/_mock/clock", "application/json", `{"set":"soon"}`, "set"},
		{"advance negative", "POST", "/_mock/clock", "application/json", `{"advance":"-72h"}`, "advance"},
		{"advance zero", "POST", "/_mock/clock", "application/json", `{"advance":"0s"}`, "advance"},
		{"advance past 2200", "POST", "/_mock/clock", "application/json", `{"advance":"2000000h"}`, "advance"},
		{"set and advance", "POST", "/_mock/clock", "application/json", `{"set":"2027-01-01T00:00:00Z","advance":"1h"}`, "advance"},
		{"neither", "POST", "/_mock/clock", "application/json", `{}`, "set"},
		{"duplicate key", "POST", "/_mock/clock", "application/json", `{"set":"2027-01-01T00:00:00Z","set":"9999-01-01T00:00:00Z"}`, "set"},
		{"unknown field", "POST", "/_mock/clock", "application/json", `{"sett":"2027-01-01T00:00:00Z"}`, "sett"},
		{"fault count negative", "POST", "/_mock/faults", "application/json", `{"match":"createSessionSigned","code":"SESSION_CLOSED","count":-3}`, "count"},
		{"fault count too large", "POST", "/_mock/faults", "application/json", `{"match":"createSessionSigned","code":"SESSION_CLOSED","count":10001}`, "count"},
		{"fault match unknown", "POST", "/_mock/faults", "application/json", `{"match":"createSesionSigned","code":"SESSION_CLOSED"}`, "match"},
		{"fault match missing", "POST", "/_mock/faults", "application/json", `{"code":"SESSION_CLOSED"}`, "match"},
		{"fault code unknown", "POST", "/_mock/faults", "application/json", `{"match":"/esf-web/ajax/login","code":"NOPE"}`, "code"},
		{"fault count not a number", "POST", "/_mock/faults", "application/json", `{"match":"/esf-web/ajax/login","code":"SESSION_CLOSED","count":"2"}`, "count"},
		{"fault duplicate key nested", "POST", "/_mock/faults", "application/json", `{"match":"createSessionSigned","code":"SESSION_CLOSED","code":"USER_BLOCKED"}`, "code"},
		{"taxpayer duplicate key", "POST", "/_mock/taxpayers?publish=true", "application/json", `{"tin":"123456789021","tin":"123456789011"}`, "tin"},
		{"taxpayer publish not a bool", "POST", "/_mock/taxpayers?publish=yes", "application/json", `{"tin":"123456789021"}`, "publish"},
		{"taxpayer unknown parameter", "POST", "/_mock/taxpayers?publsh=true", "application/json", `{"tin":"123456789021"}`, "publsh"},
		{"mail unknown parameter", "GET", "/_mock/mail?too=a@b.kz", "", ``, "too"},
		{"keystore unknown parameter", "GET", "/_mock/keystore?kind=ceo&algo=gost", "", ``, "algo"},
		{"keystore parameter twice", "GET", "/_mock/keystore?kind=ceo&kind=individual", "", ``, "kind"},
		{"trust a leaf certificate", "POST", "/_mock/trust", "application/pkix-cert", string(leaf.Certificate.X509.Raw), "certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out, _ := serve(t, s, tt.method, tt.path, "127.0.0.1:1", "", tt.ct, tt.body)
			assert.Equal(t, http.StatusBadRequest, status, "%v", out)
			assert.Equal(t, string(mockserver.CodeBadRequest), out["code"])
			assert.Equal(t, tt.field, out["field"], "%v", out["message"])
		})
	}
	assert.Equal(t, at, s.Now(), "a refused call moved the clock")
	status, out, _ := serve(t, s, "GET", "/_mock/taxpayers", "127.0.0.1:1", "", "", "")
	require.Equal(t, http.StatusOK, status)
	assert.Empty(t, out["pending"], "a refused call staged a taxpayer")
	// The CA itself is trusted, and a duplicate key in a state import refused.
	status, _, _ = serve(t, s, "POST", "/_mock/trust", "127.0.0.1:1", "", "application/pkix-cert", string(root))
	assert.Equal(t, http.StatusCreated, status)
	status, out, _ = serve(t, s, "PUT", "/_mock/state", "127.0.0.1:1", "", "application/json", `{"version":1,"version":1}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, out["message"], `duplicate key "version"`)
	// The portal's JSON too: a key twice is refused, naming it.
	status, out, _ = serve(t, s, "POST", "/esf-web/ajax/change-email", "127.0.0.1:1", "", "application/json", `{"login":"1","email":"a@b.kz","email":"c@d.kz","xmlDsig":""}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "email", out["field"])
	// The valid forms still work.
	status, _, _ = serve(t, s, "POST", "/_mock/clock", "127.0.0.1:1", "", "application/json", `{"set":"2199-12-31T23:59:59Z"}`)
	assert.Equal(t, http.StatusOK, status)
	status, _, _ = serve(t, s, "POST", "/_mock/faults", "127.0.0.1:1", "", "application/json", `{"match":"createSessionSigned","code":"SESSION_CLOSED","count":2}`)
	assert.Equal(t, http.StatusCreated, status)
}

// Bodies are bounded per route: the log-in is small, a state import large.
func TestBodyLimits(t *testing.T) {
	s, err := mockserver.New(mockserver.Options{BcryptCost: 4, MaxBody: 8 << 10, MaxStateBody: 1 << 20})
	require.NoError(t, err)
	big := `{"xmlDsig":"` + strings.Repeat("a", 10<<10) + `"}`
	status, out, _ := serve(t, s, "POST", "/esf-web/ajax/registration", "127.0.0.1:1", "", "application/json", big)
	assert.Equal(t, http.StatusBadRequest, status, "%v", out)
	dump, err := s.Dump()
	require.NoError(t, err)
	padded := string(dump) + strings.Repeat(" ", 100<<10)
	status, out, _ = serve(t, s, "PUT", "/_mock/state", "127.0.0.1:1", "", "application/json", padded)
	assert.Equal(t, http.StatusOK, status, "%v", out)

	def, err := mockserver.New(mockserver.Options{BcryptCost: 4})
	require.NoError(t, err)
	login := "login=123456789011&password=" + strings.Repeat("x", mockserver.MaxLoginBody)
	status, _, _ = serve(t, def, "POST", "/esf-web/ajax/login", "127.0.0.1:1", "", "application/x-www-form-urlencoded", login)
	assert.Equal(t, http.StatusBadRequest, status)
}

// Between step 2 and step 3 the store holds the registration, but neither
// its ID (the client's) nor the passwords typed at step 2 in the clear: a
// copy of the database gives away no password.
func TestApplicationPasswordsSealed(t *testing.T) {
	e := newEnv(t)
	auth, sign := e.ks(certstest.FixtureIndividualAuth), e.ks(certstest.FixtureIndividualSign)
	start, err := e.c.StartRegistration(e.ctx, esfreg.Individual, auth)
	require.NoError(t, err)
	f := start.Form
	filled := form("sealed@example.kz")
	f.Email, f.Password, f.PasswordConfirmation = filled.Email, filled.Password, filled.PasswordConfirmation
	f.Address, f.IDDocumentNumber, f.IDDocumentIssueDate, f.IDDocumentIssuer = filled.Address, filled.IDDocumentNumber, filled.IDDocumentIssueDate, filled.IDDocumentIssuer
	list, err := e.c.SubmitForm(e.ctx, start, f)
	require.NoError(t, err)

	var stored []mockstore.Record
	require.NoError(t, e.srv.Store().View(e.ctx, func(tx mockstore.Tx) error {
		stored, err = tx.RecordsOf("application", "")
		return err
	}))
	require.Len(t, stored, 1)
	assert.NotEqual(t, start.ApplicationID, stored[0].Key)
	assert.NotContains(t, string(stored[0].Data), start.ApplicationID)
	assert.NotContains(t, string(stored[0].Data), password)
	assert.Contains(t, string(stored[0].Data), "sealed@example.kz", "the rest of the form is kept")

	// Step 3 still has the password: the registration completes with it.
	req, err := e.c.SignAgreements(e.ctx, start, list, sign)
	require.NoError(t, err)
	mails := e.srv.MailTo(req.Email)
	require.NotEmpty(t, mails)
	_, err = e.c.CompleteRegistration(e.ctx, mails[len(mails)-1].Link, auth, password)
	require.NoError(t, err)
}

// The control API is not for web pages of other sites: a page the
// developer's browser shows may send the mock on 127.0.0.1 a simple POST
// (a form, fetch with mode no-cors) — refused when the browser says it
// came from another origin — or, through DNS rebinding, reach it under
// its own name from a loopback address — refused by the Host. Programs
// (no Origin, no Sec-Fetch-Site) and the mock's own pages pass.
func TestControlRefusesOtherSites(t *testing.T) {
	tests := []struct {
		name   string
		token  string
		host   string
		header map[string]string
		want   int
		code   esfreg.Code
	}{
		{"a program on this machine", "", "127.0.0.1:8080", nil, http.StatusOK, ""},
		{"localhost", "", "localhost:8080", nil, http.StatusOK, ""},
		{"a name under .localhost", "", "mock.localhost:8080", nil, http.StatusOK, ""},
		{"IPv6 loopback", "", "[::1]:8080", nil, http.StatusOK, ""},
		{"the mock's own page", "", "127.0.0.1:8080", map[string]string{"Origin": "http://127.0.0.1:8080", "Sec-Fetch-Site": "same-origin"}, http.StatusOK, ""},
		{"typed in the address bar", "", "127.0.0.1:8080", map[string]string{"Sec-Fetch-Site": "none"}, http.StatusOK, ""},
		{"the mock's own form under Referrer-Policy: no-referrer", "", "127.0.0.1:8080", map[string]string{"Origin": "null", "Sec-Fetch-Site": "same-origin"}, http.StatusOK, ""},
		{"an older browser: Origin only, the mock's", "", "127.0.0.1:8080", map[string]string{"Origin": "http://127.0.0.1:8080"}, http.StatusOK, ""},
		{"an older browser: Origin only, another site's", "", "127.0.0.1:8080", map[string]string{"Origin": "http://evil.example"}, http.StatusForbidden, mockserver.CodeControlCrossSite},
		{"DNS rebinding: another name for 127.0.0.1", "", "evil.example:8080", nil, http.StatusForbidden, mockserver.CodeControlLoopbackOnly},
		{"DNS rebinding, same-origin to the browser", "", "evil.example:8080", map[string]string{"Origin": "http://evil.example:8080", "Sec-Fetch-Site": "same-origin"}, http.StatusForbidden, mockserver.CodeControlLoopbackOnly},
		{"a page of another site", "", "127.0.0.1:8080", map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, http.StatusForbidden, mockserver.CodeControlCrossSite},
		{"another site, Sec-Fetch-Site only", "", "127.0.0.1:8080", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden, mockserver.CodeControlCrossSite},
		{"another port of this machine", "", "127.0.0.1:8080", map[string]string{"Origin": "http://127.0.0.1:3000", "Sec-Fetch-Site": "same-site"}, http.StatusForbidden, mockserver.CodeControlCrossSite},
		{"a sandboxed page (Origin null)", "", "127.0.0.1:8080", map[string]string{"Origin": "null"}, http.StatusForbidden, mockserver.CodeControlCrossSite},
		{"with a token: any Host", "s3cret", "mock.example:8080", nil, http.StatusOK, ""},
		{"with a token: still no other site", "s3cret", "mock.example:8080", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden, mockserver.CodeControlCrossSite},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := mockserver.New(mockserver.Options{BcryptCost: 4, ControlToken: tt.token})
			require.NoError(t, err)
			before := s.Now()
			req := httptest.NewRequest(http.MethodPost, "/_mock/clock", strings.NewReader(`{"advance":"24h"}`))
			req.RemoteAddr = "127.0.0.1:40000"
			req.Host = tt.host
			req.Header.Set("Content-Type", "application/json")
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			require.Equal(t, tt.want, rec.Code, rec.Body.String())
			if tt.code != "" {
				var out map[string]any
				require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out))
				assert.Equal(t, string(tt.code), out["code"])
				assert.WithinDuration(t, before, s.Now(), time.Hour, "a refused request changes nothing")
			} else {
				assert.WithinDuration(t, before.Add(24*time.Hour), s.Now(), time.Hour)
			}
		})
	}
}
