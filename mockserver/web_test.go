package mockserver_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver"
)

// page is a browser's view of the portal for these tests: a cookie jar,
// redirects not followed, and the same HTTP calls the pages' scripts make
// (web/static/*.js), with certstest key stores signing in place of
// NCALayer.
type page struct {
	t    *testing.T
	base string
	c    *http.Client
	now  func() time.Time
	// lang is the pages' language register sends; empty is "ru".
	lang string
}

func newPage(t *testing.T, srv *mockserver.TestServer) *page {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &page{t: t, base: srv.URL, now: srv.Now, c: &http.Client{Jar: jar, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends a request and reads the answer.
func (p *page) do(req *http.Request) (*http.Response, string) {
	p.t.Helper()
	resp, err := p.c.Do(req)
	require.NoError(p.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(p.t, err)
	return resp, string(data)
}

// open GETs a page as a browser does (Accept: text/html first).
func (p *page) open(path string) (*http.Response, string) {
	p.t.Helper()
	req, err := http.NewRequest(http.MethodGet, p.base+path, nil)
	require.NoError(p.t, err)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	return p.do(req)
}

// postJSON is ESF.postJSON: a same-origin fetch with a JSON body.
func (p *page) postJSON(path string, v any) (*http.Response, map[string]any) {
	p.t.Helper()
	body, err := json.Marshal(v)
	require.NoError(p.t, err)
	req, err := http.NewRequest(http.MethodPost, p.base+path, bytes.NewReader(body))
	require.NoError(p.t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Origin", p.base)
	resp, text := p.do(req)
	return resp, decodeObject(p.t, text)
}

// postForm is ESF.postForm: a same-origin fetch with a FormData body.
func (p *page) postForm(path string, fields [][2]string) (*http.Response, map[string]any) {
	p.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, f := range fields {
		require.NoError(p.t, mw.WriteField(f[0], f[1]))
	}
	require.NoError(p.t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, p.base+path, &b)
	require.NoError(p.t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", p.base)
	resp, text := p.do(req)
	return resp, decodeObject(p.t, text)
}

// post is a form's POST with no fields (log-out), from the page's origin.
func (p *page) post(path string) *http.Response {
	p.t.Helper()
	req, err := http.NewRequest(http.MethodPost, p.base+path, nil)
	require.NoError(p.t, err)
	req.Header.Set("Origin", p.base)
	resp, _ := p.do(req)
	return resp
}

func decodeObject(t *testing.T, text string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(text), &m), "answer %q", text)
	return m
}

// sign is NCALayer's signXml with a key store.
func (p *page) sign(ks *certs.KeyStore, doc string) string {
	p.t.Helper()
	signer, err := ks.Signer()
	require.NoError(p.t, err)
	out, err := xmlsigSign(doc, signer, ks.Certificate, p.now)
	require.NoError(p.t, err)
	return string(out)
}

// signedTicket is ESF.ticket then ESF.sign.
func (p *page) signedTicket(ks *certs.KeyStore) string {
	p.t.Helper()
	req, err := http.NewRequest(http.MethodGet, p.base+"/esf-web/ajax/login/ticket", nil)
	require.NoError(p.t, err)
	resp, ticket := p.do(req)
	require.Equal(p.t, http.StatusOK, resp.StatusCode, ticket)
	return p.sign(ks, ticket)
}

// login is login.js: "Выбрать сертификат" (the ticket signed, the IIN read
// back), then "Войти" posting to action.
func (p *page) login(action string, auth *certs.KeyStore, password string) (*http.Response, map[string]any) {
	p.t.Helper()
	signed := p.signedTicket(auth)
	resp, info := p.postJSON("/esf-web/ajax/login/xmlDsigCertInfo", map[string]string{"xmlDsig": signed})
	require.Equal(p.t, http.StatusOK, resp.StatusCode, info)
	return p.postForm(action, [][2]string{{"login", info["iin"].(string)}, {"password", password},
		{"xmlDsig", signed}, {"certificate", info["base64Cert"].(string)}})
}

// formFields are register.js's formFields.
var formFields = []string{"iin", "email", "fullName", "actingOnBasisOf", "password", "passwordConfirmation", "currentPassword",
	"bin", "companyName", "address", "idDocumentNumber", "idDocumentIssueDate", "idDocumentIssuer"}

// register is register.js from the category to step 4: typed are the
// fields the person types over the prefilled form. It returns step 4's
// answer.
func (p *page) register(category string, key, signer *certs.KeyStore, typed map[string]string) map[string]any {
	p.t.Helper()
	lang := p.lang
	if lang == "" {
		lang = "ru"
	}
	resp, start := p.postJSON("/esf-web/ajax/registration", map[string]string{"category": category, "signedTicket": p.signedTicket(key), "lang": lang})
	require.Equal(p.t, http.StatusOK, resp.StatusCode, start)
	pre := start["form"].(map[string]any)
	legal, existing := category == "LEGAL_ENTITY", start["existingAccount"] == true
	form := map[string]string{"category": category}
	for _, name := range formFields {
		switch {
		case !legal && (name == "actingOnBasisOf" || name == "bin" || name == "companyName"),
			existing && (name == "password" || name == "passwordConfirmation"),
			!existing && name == "currentPassword":
			continue
		}
		v, _ := pre[name].(string)
		if t, ok := typed[name]; ok {
			v = t
		}
		form[name] = v
	}
	id := url.PathEscape(start["applicationId"].(string))
	resp, list := p.postJSON("/esf-web/ajax/registration/"+id+"/form", map[string]any{"form": form})
	require.Equal(p.t, http.StatusOK, resp.StatusCode, list)
	var signed []string
	for _, a := range list["agreements"].([]any) {
		signed = append(signed, p.sign(signer, a.(map[string]any)["document"].(string)))
	}
	resp, done := p.postJSON("/esf-web/ajax/registration/"+id+"/agreements", map[string]any{"signed": signed})
	require.Equal(p.t, http.StatusOK, resp.StatusCode, done)
	return done
}

func typedForm(email string) map[string]string {
	return map[string]string{"email": email, "password": password, "passwordConfirmation": password,
		"address": "г. Астана, ул. Бейбітшілік, 10", "idDocumentNumber": "012345678", "idDocumentIssueDate": "14.03.2019",
		"idDocumentIssuer": "МВД РК"}
}

// checkPage checks what every page must be: HTML, the security headers,
// every text translated, and no inline script.
func checkPage(t *testing.T, resp *http.Response, body string) {
	t.Helper()
	assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
	checkSecurityHeaders(t, resp.Header)
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	assert.NotContains(t, body, "??", "a page text without a translation")
	checkNoInlineScript(t, body)
}

func checkSecurityHeaders(t *testing.T, h http.Header) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'",
		"object-src 'none'", "base-uri 'none'",
		"connect-src 'self' wss://127.0.0.1:13579 ws://127.0.0.1:13579 wss://localhost:13579 ws://localhost:13579"} {
		assert.Contains(t, csp, want)
	}
	assert.NotContains(t, csp, "unsafe-inline")
	assert.NotContains(t, csp, "unsafe-eval")
	assert.Equal(t, "nosniff", h.Get("X-Content-Type-Options"))
	assert.Equal(t, "no-referrer", h.Get("Referrer-Policy"))
	assert.Equal(t, "DENY", h.Get("X-Frame-Options"))
}

var (
	tagRE       = regexp.MustCompile(`(?is)<([a-z][a-z0-9-]*)\b((?:[^>"']|"[^"]*"|'[^']*')*)>`)
	attrRE      = regexp.MustCompile(`(?is)([a-z_:][-a-z0-9_:.]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?`)
	scriptEndRE = regexp.MustCompile(`(?i)</script\s*>`)
)

// checkNoInlineScript fails when a page has a script without src (but for
// the JSON data block, type=application/json), an event-handler or style
// attribute, or a javascript: URL: what the Content-Security-Policy would
// refuse, and what could carry input into script.
func checkNoInlineScript(t *testing.T, body string) {
	t.Helper()
	for _, m := range tagRE.FindAllStringSubmatchIndex(body, -1) {
		tag := strings.ToLower(body[m[2]:m[3]])
		attrs := map[string]string{}
		for _, a := range attrRE.FindAllStringSubmatch(body[m[4]:m[5]], -1) {
			name, v := strings.ToLower(a[1]), strings.Trim(a[2], `"'`)
			attrs[name] = v
			assert.False(t, strings.HasPrefix(name, "on"), "event handler attribute %s in <%s>", name, tag)
			assert.NotEqual(t, "style", name, "style attribute in <%s>", tag)
			assert.NotContains(t, strings.ToLower(v), "javascript:", "javascript: URL in <%s>", tag)
		}
		if tag != "script" {
			continue
		}
		end := scriptEndRE.FindStringIndex(body[m[1]:])
		require.NotNil(t, end, "<script> without </script>")
		content := body[m[1] : m[1]+end[0]]
		if _, ok := attrs["src"]; ok {
			assert.Empty(t, strings.TrimSpace(content), "a script with src and content")
			assert.True(t, strings.HasPrefix(attrs["src"], "/esf-web/static/"), "script from %s", attrs["src"])
			continue
		}
		assert.Equal(t, "application/json", strings.ToLower(attrs["type"]), "inline script: %.200s", content)
		var v any
		assert.NoError(t, json.Unmarshal([]byte(content), &v), "the data block is JSON")
		assert.NotContains(t, strings.ToLower(content), "</", "the data block closes no element")
	}
}

// pageData reads a page's data block.
func pageData(t *testing.T, body string) map[string]any {
	t.Helper()
	const open = `<script type="application/json" id="page-data">`
	i := strings.Index(body, open)
	require.GreaterOrEqual(t, i, 0, "no page-data block")
	rest := body[i+len(open):]
	j := strings.Index(rest, "</script>")
	require.GreaterOrEqual(t, j, 0)
	return decodeObject(t, rest[:j])
}

func cookieOf(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestWebPagesRender(t *testing.T) {
	e := newEnv(t)
	p := newPage(t, e.srv)
	// An entrepreneur half-way (his link not yet followed), an individual
	// registered (a reset link sent).
	auth, sign := e.ks(certstest.FixtureEntrepreneurAuth), e.ks(certstest.FixtureEntrepreneurSign)
	p.register("ENTREPRENEUR", auth, sign, typedForm("pages@example.kz"))
	mails := e.srv.MailTo("pages@example.kz")
	require.NotEmpty(t, mails)
	regLink := strings.TrimPrefix(mails[len(mails)-1].Link, e.srv.URL)
	e.register(esfreg.Individual, e.ks(certstest.FixtureIndividualAuth), e.ks(certstest.FixtureIndividualSign), form("reset@example.kz"), e.ks(certstest.FixtureIndividualAuth))
	require.NoError(t, e.c.RequestPasswordReset(e.ctx, certstest.TestIIN, "reset@example.kz"))
	mails = e.srv.MailTo("reset@example.kz")
	resetLink := strings.TrimPrefix(mails[len(mails)-1].Link, e.srv.URL)

	pages := []struct {
		name, path, want string
	}{
		{"home", "/esf-web/", `id="home-register-link"`},
		{"log-in", "/esf-web/login", `id="login-choose-cert"`},
		{"registration", "/esf-web/self-registration-form", `id="reg-category-LEGAL_ENTITY"`},
		{"change of e-mail", "/esf-web/login/change-email", `id="change-email-submit"`},
		{"reset request", "/esf-web/login/reset-password", `id="reset-request-submit"`},
		{"registration link", regLink, `id="login-submit"`},
		{"reset link", resetLink, `id="reset-submit"`},
		{"unknown registration link", "/esf-web/self-registration-request/0123456789abcdef0123456789abcdef01234567", "Ссылка недействительна"},
		{"unknown reset link", "/esf-web/reset-password/0123456789abcdef0123456789abcdef01234567", "Ссылка недействительна"},
	}
	for _, lang := range []string{"ru", "kk"} {
		for _, tc := range pages {
			t.Run(lang+"/"+tc.name, func(t *testing.T) {
				sep := "?"
				if strings.Contains(tc.path, "?") {
					sep = "&"
				}
				resp, body := p.open(tc.path + sep + "lang=" + lang)
				require.Equal(t, http.StatusOK, resp.StatusCode, body)
				checkPage(t, resp, body)
				assert.Contains(t, body, `<html lang="`+lang+`">`)
				assert.Contains(t, body, tc.want)
				data := pageData(t, body)
				assert.Equal(t, lang, data["lang"])
				assert.Equal(t, []any{mockserver.DefaultNCALayerURL, mockserver.FallbackNCALayerURL}, data["ncalayer"])
			})
		}
	}

	t.Run("the account, logged in", func(t *testing.T) {
		resp, body := p.login(regLink, auth, password)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		resp, html := p.open(mockserver.AccountPagePath + "?done=registration&lang=ru")
		require.Equal(t, http.StatusOK, resp.StatusCode, html)
		checkPage(t, resp, html)
		assert.Contains(t, html, `id="app-registered"`)
		assert.Contains(t, html, `<dd id="app-iin">`+certstest.TestIIN2+`</dd>`)
		assert.Contains(t, html, `<dd id="app-email">pages@example.kz</dd>`)
		assert.Contains(t, html, `<dd id="app-current-profile">Индивидуальный предприниматель — `+certstest.TestIIN2+` — ТЕСТТОВ ТЕСТТ</dd>`)
		assert.Contains(t, html, `id="app-profile-`+certstest.TestIIN2+`-ENTREPRENEUR"`)
		assert.Contains(t, html, `id="logout-submit"`)
		assert.Contains(t, html, `hidden>`, "one profile: no choice to make")
		resp, html = p.open(mockserver.AccountPagePath + "?lang=kk")
		checkPage(t, resp, html)
		assert.Contains(t, html, "Жеке кабинет")
		assert.Contains(t, html, "Жеке кәсіпкер — "+certstest.TestIIN2)
		// A used link says so, and has no form.
		resp, html = p.open(regLink + "?lang=ru")
		checkPage(t, resp, html)
		assert.Contains(t, html, esfreg.CodeTokenUsed.Message())
		assert.NotContains(t, html, `id="login-form"`)
	})
}

func TestWebLanguageSwitch(t *testing.T) {
	srv := mockserver.NewTestServer(t)
	p := newPage(t, srv)
	resp, body := p.open("/esf-web/login")
	assert.Contains(t, body, "Вход в систему", "Russian by default")
	assert.Contains(t, body, `<html lang="ru">`)
	assert.Equal(t, "ru", resp.Header.Get("Content-Language"))

	resp, body = p.open("/esf-web/login?lang=kk")
	assert.Contains(t, body, "Жүйеге кіру")
	assert.Contains(t, body, "Сертификатты таңдау")
	assert.Equal(t, "kk", resp.Header.Get("Content-Language"))
	c := cookieOf(resp, mockserver.LangCookie)
	require.NotNil(t, c)
	assert.Equal(t, "kk", c.Value)
	assert.Equal(t, "/esf-web/", c.Path)

	_, body = p.open("/esf-web/self-registration-form")
	assert.Contains(t, body, "Тіркеуді бастау", "the cookie keeps the choice")
	assert.Contains(t, body, "Жеке кәсіпкер")
	assert.Equal(t, "kk", pageData(t, body)["lang"])
	assert.Equal(t, "Қол қою", pageData(t, body)["messages"].(map[string]any)["agreement.sign"])

	_, body = p.open("/esf-web/self-registration-form?lang=ru")
	assert.Contains(t, body, "Начать регистрацию")
	_, body = p.open("/esf-web/self-registration-form?lang=en")
	assert.Contains(t, body, "Начать регистрацию", "an unknown language keeps the cookie's")
}

// Every text has both languages; every text a script asks for exists.
func TestWebTexts(t *testing.T) {
	srv := mockserver.NewTestServer(t)
	p := newPage(t, srv)
	_, body := p.open("/esf-web/")
	ru := pageData(t, body)["messages"].(map[string]any)
	_, body = p.open("/esf-web/?lang=kk")
	kk := pageData(t, body)["messages"].(map[string]any)
	require.Equal(t, len(ru), len(kk))
	for k, v := range ru {
		assert.NotEmpty(t, v, k)
		assert.NotEmpty(t, kk[k], k)
	}
	msgRE := regexp.MustCompile(`ESF\.msg\('([^']+)'\)`)
	files, err := filepath.Glob("web/static/*.js")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range msgRE.FindAllStringSubmatch(string(data), -1) {
			assert.Contains(t, ru, m[1], "%s asks for the text %q", f, m[1])
		}
	}
	for _, s := range []string{"0", "1", "2"} {
		assert.Contains(t, ru, "strength."+s)
	}
	for _, k := range []string{"INDIVIDUAL", "ENTREPRENEUR", "LEGAL_ENTITY"} {
		assert.Contains(t, ru, "agreement."+k)
	}
}

func TestWebStaticAssets(t *testing.T) {
	srv := mockserver.NewTestServer(t)
	p := newPage(t, srv)
	files, err := filepath.Glob("web/static/*")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	types := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			want, err := os.ReadFile(f)
			require.NoError(t, err)
			resp, body := p.open(mockserver.StaticPath + filepath.Base(f))
			require.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, types[filepath.Ext(f)], resp.Header.Get("Content-Type"))
			checkSecurityHeaders(t, resp.Header)
			assert.Equal(t, string(want), body, "served from the binary as committed")
		})
	}
	resp, _ := p.open(mockserver.StaticPath + "nothing.js")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, _ = p.open(mockserver.StaticPath + "../web.go")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

// Every page answers with its ids documented at the top of its template.
func TestWebTemplateIDsDocumented(t *testing.T) {
	files, err := filepath.Glob("web/templates/*.html")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	idRE := regexp.MustCompile(`\bid="([a-z][a-z0-9-]*)"`)
	layout, err := os.ReadFile("web/templates/layout.html")
	require.NoError(t, err)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		text := string(data)
		end := strings.Index(text, "*/}}")
		require.True(t, strings.HasPrefix(text, "{{/*") && end > 0, "%s opens with a comment", f)
		doc := text[:end] + string(layout[:strings.Index(string(layout), "*/}}")])
		for _, m := range idRE.FindAllStringSubmatch(text[end:], -1) {
			id := m[1]
			if strings.HasSuffix(id, "-title") || strings.HasSuffix(id, "-field") || strings.HasSuffix(id, "-hint") ||
				strings.HasPrefix(id, "reg-steps-") || id == "reg-new-password-fields" || id == "main" {
				continue // headings, wrappers and hints, named by their section
			}
			if field, ok := strings.CutPrefix(strings.TrimSuffix(id, "-error"), "reg-"); ok && slices.Contains(formFields, field) {
				// reg-<field>, reg-<field>-error: documented as a pattern.
				assert.True(t, strings.Contains(doc, "reg-<field>") && strings.Contains(doc, field), "%s: field %s", filepath.Base(f), field)
				continue
			}
			assert.True(t, strings.Contains(doc, id), "%s: id %s is not documented at its top", filepath.Base(f), id)
		}
	}
}

// The e-mailed links answer a browser with a page and any other client
// with JSON, as before.
func TestWebLinksNegotiate(t *testing.T) {
	srv := mockserver.NewTestServer(t)
	p := newPage(t, srv)
	const token = "0123456789abcdef0123456789abcdef01234567"
	for _, path := range []string{esfreg.RegistrationLinkPath + token, mockserver.ResetLinkPath + token} {
		for _, tc := range []struct {
			accept string
			html   bool
		}{
			{"", false},
			{"*/*", false},
			{"application/json", false},
			{"application/json, text/html;q=0.5", false},
			{"text/html;q=0", false},
			{"text/html", true},
			{"text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8", true},
			{"application/xhtml+xml", true},
		} {
			req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
			require.NoError(t, err)
			if tc.accept != "" {
				req.Header.Set("Accept", tc.accept)
			}
			resp, body := p.do(req)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Contains(t, resp.Header.Values("Vary"), "Accept")
			if tc.html {
				checkPage(t, resp, body)
				assert.Contains(t, body, "Ссылка недействительна", "Accept %q", tc.accept)
			} else {
				assert.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"), "Accept %q", tc.accept)
				assert.Equal(t, token, decodeObject(t, body)["token"])
			}
		}
	}
}

// What a person types, or the register says, comes out escaped in every
// context: element text, attribute values, the script's JSON data.
func TestWebEscaping(t *testing.T) {
	const evil = `</script><script>alert(1)</script>"'&`
	const evilToken = `<script>alert(1)<!--"'&`
	e := newEnv(t)
	p := newPage(t, e.srv)

	resp, body := p.open("/esf-web/login/change-email?login=" + url.QueryEscape(evil))
	checkPage(t, resp, body)
	assert.NotContains(t, body, "<script>alert(1)")
	assert.Contains(t, body, `value="&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&#34;&#39;&amp;"`)

	// A link's token is in the page's data, for the script.
	resp, body = p.open(mockserver.ResetLinkPath + url.PathEscape(evilToken))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	checkPage(t, resp, body)
	assert.NotContains(t, body, "<script>alert(1)")
	assert.Equal(t, evilToken, pageData(t, body)["token"], "the data block carries the value itself")

	// A taxpayer's name from the register, on the account page.
	_, err := e.srv.SeedTaxpayer(esfreg.Taxpayer{TIN: certstest.TestBIN, NameRu: `ТОО <script>alert("x")</script>`, Type: esfreg.EnterprisePrivate,
		Resident: true, EnterpriseAdministrator: certstest.TestIIN}, true)
	require.NoError(t, err)
	sign := e.ks(certstest.FixtureCEOSign)
	typed := typedForm("evil@example.kz")
	typed["actingOnBasisOf"] = `Устава <img src=x onerror=alert(1)>`
	p.register("LEGAL_ENTITY", sign, sign, typed)
	mails := e.srv.MailTo("evil@example.kz")
	link := strings.TrimPrefix(mails[len(mails)-1].Link, e.srv.URL)
	resp, answer := p.login(link, e.ks(certstest.FixtureCEOAuth), password)
	require.Equal(t, http.StatusOK, resp.StatusCode, answer)
	resp, body = p.open(mockserver.AccountPagePath)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	checkPage(t, resp, body)
	assert.NotContains(t, body, `<script>alert("x")`)
	assert.Contains(t, body, `ТОО &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;`)
}
