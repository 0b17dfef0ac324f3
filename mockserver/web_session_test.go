package mockserver_test

import (
	"crypto/tls"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver"
)

// A whole registration and log-in through the HTTP calls the pages'
// scripts make (register.js, login.js), a key store in place of NCALayer:
// the flow the browser drives, proven server-side.
func TestWebRegistrationThroughPages(t *testing.T) {
	e := newEnv(t)
	p := newPage(t, e.srv)
	auth, sign := e.ks(certstest.FixtureIndividualAuth), e.ks(certstest.FixtureIndividualSign)

	resp, html := p.open(mockserver.RegistrationPagePath)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, map[string]any{"INDIVIDUAL": "AUTHENTICATION", "ENTREPRENEUR": "AUTHENTICATION", "LEGAL_ENTITY": "SIGNATURE"},
		pageData(t, html)["keyTypes"], "the key each category's step 1 asks NCALayer for")

	// Step 2's refusals name their fields, which the page shows beside them.
	resp, start := p.postJSON("/esf-web/ajax/registration", map[string]string{"category": "INDIVIDUAL", "signedTicket": p.signedTicket(auth), "lang": "ru"})
	require.Equal(t, http.StatusOK, resp.StatusCode, start)
	pre := start["form"].(map[string]any)
	assert.Equal(t, certstest.TestIIN, pre["iin"], "prefilled from the certificate")
	assert.NotEmpty(t, pre["fullName"])
	id := start["applicationId"].(string)
	resp, refusal := p.postJSON("/esf-web/ajax/registration/"+id+"/form", map[string]any{"form": map[string]string{
		"category": "INDIVIDUAL", "iin": certstest.TestIIN, "fullName": pre["fullName"].(string), "email": "not-an-email",
		"password": "short", "passwordConfirmation": "other", "address": "", "idDocumentNumber": "1",
		"idDocumentIssueDate": "31.02.2019", "idDocumentIssuer": "МВД РК"}})
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	fields := map[string]string{}
	for _, x := range refusal["errors"].([]any) {
		m := x.(map[string]any)
		fields[m["field"].(string)] = m["message"].(string)
	}
	assert.Equal(t, map[string]string{
		"email":                "Некорректный адрес электронной почты",
		"password":             "Пароль должен содержать не менее 8 символов",
		"passwordConfirmation": "Пароль и подтверждение пароля не совпадают",
		"address":              "Поле обязательно для заполнения",
		"idDocumentNumber":     "Некорректный номер документа, удостоверяющего личность",
		"idDocumentIssueDate":  "Некорректная дата, ожидается ДД.ММ.ГГГГ",
	}, fields)
	for f := range fields {
		assert.Contains(t, html, `id="reg-`+f+`-error"`, "the page has a place for the refusal of %s", f)
	}

	done := p.register("INDIVIDUAL", auth, sign, typedForm("web@example.kz"))
	assert.Equal(t, esfreg.RequestCreatedMessage, done["message"])
	assert.Equal(t, "web@example.kz", done["email"])

	// The mailbox's link, opened in the browser.
	mails := e.srv.MailTo("web@example.kz")
	require.Len(t, mails, 1)
	link := strings.TrimPrefix(mails[0].Link, e.srv.URL)
	resp, html = p.open(link)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	checkPage(t, resp, html)
	assert.Contains(t, html, `<p id="link-user">Уважаемый пользователь ТЕСТОВ ТЕСТ ТЕСТОВИЧ (ИИН: `+certstest.TestIIN+`)</p>`)
	data := pageData(t, html)
	assert.Equal(t, link, data["action"], "the page logs in at the link's path")
	assert.Equal(t, true, data["completes"])

	// The first log-in completes the registration and opens a web session.
	resp, answer := p.login(data["action"].(string), auth, password)
	require.Equal(t, http.StatusOK, resp.StatusCode, answer)
	assert.Equal(t, "Регистрация завершена", answer["message"])
	require.NotNil(t, cookieOf(resp, mockserver.WebSessionCookie))
	resp, html = p.open(mockserver.AccountPagePath + "?done=registration")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, html, `<dd id="app-email">web@example.kz</dd>`)
	assert.Contains(t, html, `<span id="nav-user-iin">`+certstest.TestIIN+`</span>`)
	assert.Len(t, e.srv.MailTo("web@example.kz"), 2, "the completion e-mail")

	// Log out; a wrong password shows the portal's message beside the
	// password; the right one logs in.
	resp = p.post(mockserver.LogoutPath)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, answer = p.login("/esf-web/ajax/login", auth, "Wrong12345")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, map[string]any{"success": false, "code": "PASSWORD_INVALID", "field": "password", "message": "Неверный пароль"}, answer)
	assert.Nil(t, cookieOf(resp, mockserver.WebSessionCookie), "no session for a refused log-in")
	resp, _ = p.open(mockserver.AccountPagePath)
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)

	resp, answer = p.login("/esf-web/ajax/login", auth, password)
	require.Equal(t, http.StatusOK, resp.StatusCode, answer)
	assert.Equal(t, "/esf-web/app", answer["redirect"])
	resp, html = p.open(mockserver.AccountPagePath)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, html, `<dd id="app-current-profile">Физическое лицо — `+certstest.TestIIN, "the only profile, chosen")
}

// A head not registered as an individual signs two agreements, and then
// has two profiles: he chooses one for his web session.
func TestWebHeadChoosesProfile(t *testing.T) {
	e := newEnv(t)
	p := newPage(t, e.srv)
	head := e.ks(certstest.FixtureGOSTCEO)
	typed := typedForm("head@example.kz")
	typed["actingOnBasisOf"] = "Устава"

	p.lang = "kk"
	done := p.register("LEGAL_ENTITY", head, head, typed)
	assert.Equal(t, "head@example.kz", done["email"])
	mails := e.srv.MailTo("head@example.kz")
	require.Len(t, mails, 1)
	assert.Equal(t, "Тіркеу процесін аяқтау", mails[0].Subject, "registered in Kazakh: the e-mail is too")

	resp, answer := p.login(strings.TrimPrefix(mails[0].Link, e.srv.URL), head, password)
	require.Equal(t, http.StatusOK, resp.StatusCode, answer)
	require.Len(t, answer["profiles"], 2, "the individual's and the legal entity's")

	resp, html := p.open(mockserver.AccountPagePath + "?lang=ru")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, html, `<dd id="app-current-profile">Профиль не выбран</dd>`)
	assert.Contains(t, html, `<section id="profile-section" class="card" aria-labelledby="profile-title">`, "the choice is shown")
	assert.Contains(t, html, `id="profile-option-`+certstest.TestBIN+`-ADMIN_ENTERPRISE"`)
	assert.Contains(t, html, `id="profile-option-`+certstest.TestIIN+`-INDIVIDUAL"`)

	resp, refusal := p.postJSON(mockserver.ProfileChoicePath, map[string]string{"tin": "123456789999"})
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Equal(t, "tin", refusal["field"], "shown beside the choice")

	resp, chosen := p.postJSON(mockserver.ProfileChoicePath, map[string]string{"tin": certstest.TestBIN, "businessProfileType": "ADMIN_ENTERPRISE"})
	require.Equal(t, http.StatusOK, resp.StatusCode, chosen)
	assert.Equal(t, "/esf-web/app", chosen["redirect"])
	_, html = p.open(mockserver.AccountPagePath)
	assert.Contains(t, html, `<dd id="app-current-profile">Руководитель юридического лица — `+certstest.TestBIN+` — АО &#34;ТЕСТ&#34;</dd>`)
	assert.Contains(t, html, `<tr id="app-profile-`+certstest.TestBIN+`-ADMIN_ENTERPRISE" aria-current="true" class="current">`)

	// A log-in answer names the profiles; a person with several chooses
	// after it (login.js shows the choice).
	resp, answer = p.login("/esf-web/ajax/login", head, password)
	require.Equal(t, http.StatusOK, resp.StatusCode, answer)
	assert.Nil(t, answer["profile"])
	assert.Len(t, answer["profiles"], 2)
	_, html = p.open(mockserver.AccountPagePath)
	assert.Contains(t, html, `Профиль не выбран`, "a new log-in, a new session")
}

func TestWebSessionCookie(t *testing.T) {
	e := newEnv(t)
	auth := e.ks(certstest.FixtureIndividualAuth)
	e.register(esfreg.Individual, auth, e.ks(certstest.FixtureIndividualSign), form("c@example.kz"), auth)

	t.Run("flags over http", func(t *testing.T) {
		p := newPage(t, e.srv)
		resp, answer := p.login("/esf-web/ajax/login", auth, password)
		require.Equal(t, http.StatusOK, resp.StatusCode, answer)
		c := cookieOf(resp, mockserver.WebSessionCookie)
		require.NotNil(t, c)
		assert.True(t, c.HttpOnly)
		assert.Equal(t, http.SameSiteStrictMode, c.SameSite)
		assert.Equal(t, "/esf-web/", c.Path)
		assert.False(t, c.Secure, "a plain-http mock: Secure would lose the cookie")
		assert.GreaterOrEqual(t, len(c.Value), 43, "256 random bits")

		// Another log-in, another session: the old one ends.
		old := c.Value
		resp, _ = p.login("/esf-web/ajax/login", auth, password)
		c = cookieOf(resp, mockserver.WebSessionCookie)
		require.NotNil(t, c)
		assert.NotEqual(t, old, c.Value)
		q := newPage(t, e.srv)
		u, _ := url.Parse(e.srv.URL + "/esf-web/")
		q.c.Jar.SetCookies(u, []*http.Cookie{{Name: mockserver.WebSessionCookie, Value: old, Path: "/esf-web/"}})
		resp, _ = q.open(mockserver.AccountPagePath)
		assert.Equal(t, http.StatusSeeOther, resp.StatusCode, "the replaced session is gone")
	})

	t.Run("Secure over TLS", func(t *testing.T) {
		// A replica over the same store (its clock the first one's base).
		srv, err := mockserver.New(mockserver.Options{AllowTestIdentities: true, BcryptCost: 4, Store: e.srv.Store(), Now: func() time.Time { return at }})
		require.NoError(t, err)
		ts := httptest.NewTLSServer(srv)
		defer ts.Close()
		jar, err := cookiejar.New(nil)
		require.NoError(t, err)
		p := &page{t: t, base: ts.URL, now: e.srv.Now, c: &http.Client{Jar: jar,
			Transport:     &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ts.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
		resp, answer := p.login("/esf-web/ajax/login", auth, password)
		require.Equal(t, http.StatusOK, resp.StatusCode, answer)
		c := cookieOf(resp, mockserver.WebSessionCookie)
		require.NotNil(t, c)
		assert.True(t, c.Secure)
		assert.True(t, c.HttpOnly)
		assert.Equal(t, http.SameSiteStrictMode, c.SameSite)
		resp, _ = p.open(mockserver.AccountPagePath)
		assert.Equal(t, http.StatusOK, resp.StatusCode, "the store holds the session: another server over it reads it")
	})

	t.Run("not forgeable", func(t *testing.T) {
		p := newPage(t, e.srv)
		u, _ := url.Parse(e.srv.URL + "/esf-web/")
		for _, v := range []string{"", "x", certstest.TestIIN, strings.Repeat("A", 43), strings.Repeat("z", 200)} {
			p.c.Jar.SetCookies(u, []*http.Cookie{{Name: mockserver.WebSessionCookie, Value: v, Path: "/esf-web/"}})
			resp, _ := p.open(mockserver.AccountPagePath)
			assert.Equal(t, http.StatusSeeOther, resp.StatusCode, "cookie %q", v)
		}
		// The store keeps the cookie's hash, not the cookie.
		q := newPage(t, e.srv)
		resp, _ := q.login("/esf-web/ajax/login", auth, password)
		c := cookieOf(resp, mockserver.WebSessionCookie)
		require.NotNil(t, c)
		dump, err := e.srv.Dump()
		require.NoError(t, err)
		assert.NotContains(t, string(dump), c.Value)
	})
}

func TestWebLogout(t *testing.T) {
	e := newEnv(t)
	auth := e.ks(certstest.FixtureIndividualAuth)
	e.register(esfreg.Individual, auth, e.ks(certstest.FixtureIndividualSign), form("out@example.kz"), auth)
	p := newPage(t, e.srv)
	resp, _ := p.login("/esf-web/ajax/login", auth, password)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp, html := p.open(mockserver.LoginPagePath)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, html, `id="logout-form"`, "the layout offers log-out when logged in")
	assert.Contains(t, html, `<span id="nav-user-iin">`+certstest.TestIIN+`</span>`)

	// From another site: refused, the session stays.
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+mockserver.LogoutPath, nil)
	require.NoError(t, err)
	req.Header.Set("Origin", "https://evil.example")
	resp, _ = p.do(req)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	resp, _ = p.open(mockserver.AccountPagePath)
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	resp = p.post(mockserver.LogoutPath)
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, mockserver.LoginPagePath, resp.Header.Get("Location"))
	c := cookieOf(resp, mockserver.WebSessionCookie)
	require.NotNil(t, c)
	assert.Negative(t, c.MaxAge, "the browser forgets the cookie")
	resp, _ = p.open(mockserver.AccountPagePath)
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, mockserver.LoginPagePath, resp.Header.Get("Location"))
	resp, html = p.open(mockserver.LoginPagePath)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.NotContains(t, html, `id="logout-form"`)
	resp, answer := p.postJSON(mockserver.ProfileChoicePath, map[string]string{"tin": certstest.TestIIN})
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Equal(t, "SESSION_CLOSED", answer["code"])
}

// A web session ends after WebSessionIdle unused, on the mock's clock; a
// page view keeps it alive.
func TestWebSessionExpiry(t *testing.T) {
	e := newEnv(t)
	auth := e.ks(certstest.FixtureIndividualAuth)
	e.register(esfreg.Individual, auth, e.ks(certstest.FixtureIndividualSign), form("idle@example.kz"), auth)
	p := newPage(t, e.srv)
	resp, _ := p.login("/esf-web/ajax/login", auth, password)
	require.Equal(t, http.StatusOK, resp.StatusCode)

	e.srv.Advance(mockserver.WebSessionIdle - time.Minute)
	resp, _ = p.open(mockserver.AccountPagePath)
	require.Equal(t, http.StatusOK, resp.StatusCode, "used within the idle time")
	e.srv.Advance(mockserver.WebSessionIdle - time.Minute)
	resp, _ = p.open(mockserver.AccountPagePath)
	require.Equal(t, http.StatusOK, resp.StatusCode, "the last use counts")

	e.srv.Advance(mockserver.WebSessionIdle)
	resp, _ = p.open(mockserver.AccountPagePath)
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, mockserver.LoginPagePath+"?expired=1", resp.Header.Get("Location"))
	_, html := p.open(mockserver.LoginPagePath + "?expired=1")
	assert.Contains(t, html, "Сеанс завершён по истечении времени бездействия")
	resp, answer := p.postJSON(mockserver.ProfileChoicePath, map[string]string{"tin": certstest.TestIIN})
	assert.Equal(t, "SESSION_CLOSED", answer["code"], "%d", resp.StatusCode)
}

// Change of e-mail and password reset through the calls the pages make
// (change-email.js, reset.js), with the documents they build.
func TestWebRecoveryThroughPages(t *testing.T) {
	e := newEnv(t)
	auth, sign := e.ks(certstest.FixtureIndividualAuth), e.ks(certstest.FixtureIndividualSign)
	e.register(esfreg.Individual, auth, sign, form("old@example.kz"), auth)
	p := newPage(t, e.srv)
	p.login("/esf-web/ajax/login", auth, password)
	_, html := p.open(mockserver.ChangeEmailPagePath)
	assert.Contains(t, html, `value="`+certstest.TestIIN+`"`, "the logged-in person's IIN filled in")

	doc := "<changeEmail><login>" + certstest.TestIIN + "</login><email>new@example.kz</email></changeEmail>"
	resp, refusal := p.postJSON("/esf-web/ajax/change-email", map[string]string{"login": certstest.TestIIN, "email": "new@example.kz", "xmlDsig": p.sign(auth, doc)})
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Equal(t, "Сертификат не предназначен для подписи", refusal["message"], "an AUTH key: a page-level refusal")
	resp, answer := p.postJSON("/esf-web/ajax/change-email", map[string]string{"login": certstest.TestIIN, "email": "new@example.kz", "xmlDsig": p.sign(sign, doc)})
	require.Equal(t, http.StatusOK, resp.StatusCode, answer)
	assert.Equal(t, "Адрес электронной почты изменён", answer["message"])

	resp, refusal = p.postJSON("/esf-web/ajax/reset-password", map[string]string{"login": certstest.TestIIN, "email": "old@example.kz"})
	assert.Equal(t, "email", refusal["field"], "shown beside the e-mail: %d", resp.StatusCode)
	resp, answer = p.postJSON("/esf-web/ajax/reset-password", map[string]string{"login": certstest.TestIIN, "email": "new@example.kz"})
	require.Equal(t, http.StatusOK, resp.StatusCode, answer)
	mails := e.srv.MailTo("new@example.kz")
	link := strings.TrimPrefix(mails[len(mails)-1].Link, e.srv.URL)

	resp, html = p.open(link)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	checkPage(t, resp, html)
	assert.Contains(t, html, `id="reset-login" name="login" type="text" value="`+certstest.TestIIN+`" readonly`)
	data := pageData(t, html)
	token := data["token"].(string)
	doc = "<resetPassword><login>" + certstest.TestIIN + "</login><token>" + token + "</token></resetPassword>"
	const newPassword = "Newpass2026x"
	resp, refusal = p.postJSON(data["action"].(string), map[string]string{"password": newPassword, "passwordConfirmation": "Other2026xx", "xmlDsig": p.sign(sign, doc)})
	assert.Equal(t, "passwordConfirmation", refusal["field"], "%d", resp.StatusCode)
	resp, answer = p.postJSON(data["action"].(string), map[string]string{"password": newPassword, "passwordConfirmation": newPassword, "xmlDsig": p.sign(sign, doc)})
	require.Equal(t, http.StatusOK, resp.StatusCode, answer)
	assert.Equal(t, "Пароль изменён", answer["message"])
	_, html = p.open(link)
	assert.Contains(t, html, esfreg.CodeTokenUsed.Message())
	assert.NotContains(t, html, `id="reset-form"`)

	resp, answer = p.login("/esf-web/ajax/login", auth, newPassword)
	assert.Equal(t, http.StatusOK, resp.StatusCode, answer)
}

func TestWebNCALayerURL(t *testing.T) {
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"", true},
		{"ws://127.0.0.1:13580/", true},
		{"wss://localhost:13579", true},
		{"http://127.0.0.1:13579/", false},
		{"ws://", false},
		{"ws://user:pw@127.0.0.1:1/", false},
		{"ws://127.0.0.1:1/?x=1", false},
		{"ws://127.0.0.1:1/#f", false},
		{"127.0.0.1:13579", false},
		{"ws://127.0.0.1:1 'unsafe-inline'", false},
	} {
		err := mockserver.CheckNCALayerURL(tc.url)
		assert.Equal(t, tc.ok, err == nil, "%q: %v", tc.url, err)
		if !tc.ok {
			assert.ErrorIs(t, err, mockserver.ErrNCALayerURL)
		}
		_, err = mockserver.New(mockserver.Options{NCALayerURL: tc.url})
		assert.Equal(t, tc.ok, err == nil, "New with %q: %v", tc.url, err)
	}

	srv := mockserver.NewTestServer(t, func(o *mockserver.Options) { o.NCALayerURL = "ws://127.0.0.1:23456/" })
	p := newPage(t, srv)
	resp, html := p.open(mockserver.LoginPagePath)
	assert.Equal(t, []any{"ws://127.0.0.1:23456/"}, pageData(t, html)["ncalayer"])
	assert.Contains(t, resp.Header.Get("Content-Security-Policy"), " ws://127.0.0.1:23456;")
	checkSecurityHeaders(t, resp.Header)
}
