package mockserver_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
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

// uiBrowser is a browser as the tooling pages see one: a cookie jar, no
// redirect followed unless asked, and the CSRF field of the last page
// read, which post sends back with the headers a browser sends on a
// same-origin form.
type uiBrowser struct {
	t      *testing.T
	base   string
	client *http.Client
	bearer string
	csrf   string
}

func newUIBrowser(t *testing.T, base string) *uiBrowser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &uiBrowser{t: t, base: base, client: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]*)"`)

// do sends one request and reads the answer; a page's CSRF field is kept.
func (b *uiBrowser) do(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	if b.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+b.bearer)
	}
	resp, err := b.client.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	if m := csrfRE.FindStringSubmatch(string(data)); m != nil {
		b.csrf = html.UnescapeString(m[1])
	}
	return resp, string(data)
}

func (b *uiBrowser) get(path string) (*http.Response, string) {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.base+path, nil)
	require.NoError(b.t, err)
	req.Header.Set("Sec-Fetch-Site", "none")
	return b.do(req)
}

// post sends a form as a browser does from the mock's own page: the CSRF
// field of the last page (unless form has one), Origin and Sec-Fetch-Site.
func (b *uiBrowser) post(path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf)
	}
	return b.postRaw(path, form, map[string]string{"Origin": b.base, "Sec-Fetch-Site": "same-origin"})
}

func (b *uiBrowser) postRaw(path string, form url.Values, headers map[string]string) (*http.Response, string) {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	require.NoError(b.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return b.do(req)
}

// follow reads the page a 303 sends the browser to.
func (b *uiBrowser) follow(resp *http.Response) (*http.Response, string) {
	b.t.Helper()
	require.Equal(b.t, http.StatusSeeOther, resp.StatusCode)
	return b.get(resp.Header.Get("Location"))
}

// uiText is the text of the first element with id in page, unescaped.
func uiText(t *testing.T, page, id string) string {
	t.Helper()
	m := regexp.MustCompile(`id="` + regexp.QuoteMeta(id) + `"[^>]*>([^<]*)<`).FindStringSubmatch(page)
	require.NotNil(t, m, "no #%s in the page", id)
	return html.UnescapeString(m[1])
}

// assertUIHeaders checks the headers every tooling answer carries.
func assertUIHeaders(t *testing.T, h http.Header) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	for _, d := range []string{"default-src 'self'", "script-src 'none'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'"} {
		assert.Contains(t, csp, d)
	}
	assert.NotContains(t, csp, "unsafe-inline")
	assert.NotContains(t, csp, "unsafe-eval")
	assert.Equal(t, "nosniff", h.Get("X-Content-Type-Options"))
	assert.Equal(t, "no-referrer", h.Get("Referrer-Policy"))
	assert.Equal(t, "no-store", h.Get("Cache-Control"))
}

// Every page renders, with the security headers, its stable ids and no
// script at all.
func TestUIPagesRender(t *testing.T) {
	srv := mockserver.NewTestServer(t, mockserver.FixedClock(at))
	b := newUIBrowser(t, srv.URL)
	tests := []struct {
		path   string
		status int
		ids    []string
	}{
		{"/_mock/ui/", http.StatusOK, []string{"ui-nav", "ui-now", "ui-main", "ui-pages"}},
		{"/_mock/ui/mail", http.StatusOK, []string{"mail-filter", "mail-empty"}},
		{"/_mock/ui/taxpayers", http.StatusOK, []string{"taxpayer-form", "taxpayer-publish", "taxpayer-stage", "next-refresh", "taxpayer-empty", "pending-empty", "f-tin", "f-type", "f-resident"}},
		{"/_mock/ui/accounts", http.StatusOK, []string{"account-lookup", "f-iin", "account-empty"}},
		{"/_mock/ui/sessions", http.StatusOK, []string{"session-empty"}},
		{"/_mock/ui/clock", http.StatusOK, []string{"clock-now", "clock-set-form", "clock-advance-form", "clock-to-refresh", "f-set", "f-advance"}},
		{"/_mock/ui/faults", http.StatusOK, []string{"fault-form", "f-match", "f-code", "f-count", "fault-empty"}},
		{"/_mock/ui/mail/1", http.StatusNotFound, []string{"ui-refusal"}},
		{"/_mock/ui/mail/x", http.StatusNotFound, []string{"ui-refusal"}},
		{"/_mock/ui/nothing", http.StatusNotFound, []string{"ui-refusal"}},
		{"/_mock/ui/signin", http.StatusSeeOther, nil}, // no token: nothing to sign in to
		{"/_mock/ui", http.StatusMovedPermanently, nil},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, page := b.get(tt.path)
			assert.Equal(t, tt.status, resp.StatusCode)
			assertUIHeaders(t, resp.Header)
			if tt.ids == nil {
				return
			}
			assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
			assert.NotContains(t, strings.ToLower(page), "<script")
			assert.NotContains(t, strings.ToLower(page), " style=")
			for _, id := range tt.ids {
				assert.Contains(t, page, `id="`+id+`"`)
			}
			// Every input has its label.
			for _, m := range regexp.MustCompile(`<(?:input|select) id="([^"]+)"`).FindAllStringSubmatch(page, -1) {
				assert.Contains(t, page, `<label for="`+m[1]+`"`, "input #%s has no label", m[1])
			}
		})
	}
	resp, css := b.get("/_mock/ui/static/ui.css")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/css; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Contains(t, css, "#mail-body")
	resp, _ = b.get("/_mock/ui/static/layout.html")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "only the stylesheet is served")
	resp, _ = b.postRaw("/_mock/ui/mail", url.Values{}, nil)
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assertUIHeaders(t, resp.Header)
}

// The control API's rule: without a token, loopback clients only; with
// one, the bearer header or the sign-in cookie; off, 404.
func TestUIAccess(t *testing.T) {
	const loop, far = "127.0.0.1:40000", "192.0.2.10:40000"
	tests := []struct {
		name     string
		opts     mockserver.Options
		remote   string
		bearer   string
		want     int
		location string
	}{
		{"no token, loopback", mockserver.Options{}, loop, "", http.StatusOK, ""},
		{"no token, IPv6 loopback", mockserver.Options{}, "[::1]:40000", "", http.StatusOK, ""},
		{"no token, from the network", mockserver.Options{}, far, "", http.StatusForbidden, ""},
		{"token, none sent", mockserver.Options{ControlToken: "s3cret"}, loop, "", http.StatusSeeOther, "/_mock/ui/signin?next=%2F_mock%2Fui%2Fclock"},
		{"token, wrong one", mockserver.Options{ControlToken: "s3cret"}, far, "s3cre", http.StatusSeeOther, "/_mock/ui/signin?next=%2F_mock%2Fui%2Fclock"},
		{"token, right one, from the network", mockserver.Options{ControlToken: "s3cret"}, far, "s3cret", http.StatusOK, ""},
		{"off", mockserver.Options{DisableControl: true}, loop, "", http.StatusNotFound, ""},
		{"off, with a token", mockserver.Options{DisableControl: true, ControlToken: "s3cret"}, loop, "s3cret", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.BcryptCost = 4
			s, err := mockserver.New(tt.opts)
			require.NoError(t, err)
			req := httptest.NewRequest(http.MethodGet, "/_mock/ui/clock", nil)
			req.RemoteAddr = tt.remote
			req.Host = "127.0.0.1:8080"
			if tt.bearer != "" {
				req.Header.Set("Authorization", "Bearer "+tt.bearer)
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			assert.Equal(t, tt.want, rec.Code)
			assert.Equal(t, tt.location, rec.Header().Get("Location"))
			assertUIHeaders(t, rec.Header())
			if tt.want == http.StatusOK {
				assert.Contains(t, rec.Body.String(), `id="clock-set-form"`)
			} else {
				assert.NotContains(t, rec.Body.String(), `id="clock-set-form"`)
			}
			// A POST without credentials is refused, not redirected.
			req = httptest.NewRequest(http.MethodPost, "/_mock/ui/clock", strings.NewReader("advance=1h"))
			req.RemoteAddr = tt.remote
			req.Host = "127.0.0.1:8080"
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			rec = httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			assert.Contains(t, []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound}, rec.Code)
		})
	}
}

// With a token, the sign-in form sets a cookie that opens the pages (and
// nothing of the JSON control API); a wrong token sets none; sign-out
// ends it; a forged or expired cookie, or one of another token, opens
// nothing.
func TestUISignIn(t *testing.T) {
	var base atomic.Int64
	base.Store(at.UnixNano())
	now := func() time.Time { return time.Unix(0, base.Load()) }
	store := mockstore.NewMemStore()
	srv := mockserver.NewTestServer(t, func(o *mockserver.Options) {
		o.ControlToken, o.Now, o.Store = "s3cret-token", now, store
	})
	b := newUIBrowser(t, srv.URL)

	resp, _ := b.get("/_mock/ui/mail?to=a%40b.kz")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, page := b.get(resp.Header.Get("Location"))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assertUIHeaders(t, resp.Header)
	assert.Contains(t, page, `id="signin-form"`)
	assert.Contains(t, page, `name="next" value="/_mock/ui/mail?to=a%40b.kz"`)

	// A wrong token: refused beside the field, no cookie.
	resp, page = b.post("/_mock/ui/signin", url.Values{"token": {"s3cret-tokem"}, "next": {"/_mock/ui/mail"}})
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Contains(t, uiText(t, page, "f-token-error"), "Not the mock's control token")
	assert.Contains(t, page, `aria-describedby="f-token-error"`)
	for _, c := range resp.Cookies() {
		assert.NotEqual(t, "esf_mock_ui_session", c.Name)
	}
	resp, _ = b.get("/_mock/ui/clock")
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)

	// The right one: the cookie, and on to next.
	_, _ = b.get("/_mock/ui/signin")
	resp, _ = b.post("/_mock/ui/signin", url.Values{"token": {"s3cret-token"}, "next": {"/_mock/ui/mail?to=a%40b.kz"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/_mock/ui/mail?to=a%40b.kz", resp.Header.Get("Location"))
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "esf_mock_ui_session" {
			session = c
		}
	}
	require.NotNil(t, session)
	assert.True(t, session.HttpOnly)
	assert.Equal(t, http.SameSiteStrictMode, session.SameSite)
	assert.Equal(t, "/_mock/", session.Path)
	assert.False(t, session.Secure, "plain HTTP")
	assert.NotContains(t, session.Value, "s3cret-token")
	resp, page = b.follow(resp)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, uiText(t, page, "ui-flash"), "Signed in")
	assert.Contains(t, page, `id="ui-signout"`)
	resp, _ = b.get("/_mock/ui/clock")
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	// The cookie is the pages' only: the JSON control API wants the bearer.
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/_mock/clock", nil)
	require.NoError(t, err)
	req.AddCookie(session)
	cresp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	cresp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, cresp.StatusCode)

	// Another replica over the same store takes it; one with another token
	// does not.
	sameToken, err := mockserver.New(mockserver.Options{ControlToken: "s3cret-token", Now: now, Store: store, BcryptCost: 4})
	require.NoError(t, err)
	otherToken, err := mockserver.New(mockserver.Options{ControlToken: "another", Now: now, Store: store, BcryptCost: 4})
	require.NoError(t, err)
	for _, tc := range []struct {
		name   string
		h      http.Handler
		cookie string
		want   int
	}{
		{"replica", sameToken, session.Value, http.StatusOK},
		{"another token", otherToken, session.Value, http.StatusSeeOther},
		{"forged", sameToken, "1780304400.AAAA", http.StatusSeeOther},
		{"tampered time", sameToken, "1" + session.Value, http.StatusSeeOther},
		{"empty", sameToken, "", http.StatusSeeOther},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/_mock/ui/clock", nil)
			req.RemoteAddr = "192.0.2.10:1"
			req.AddCookie(&http.Cookie{Name: "esf_mock_ui_session", Value: tc.cookie})
			rec := httptest.NewRecorder()
			tc.h.ServeHTTP(rec, req)
			assert.Equal(t, tc.want, rec.Code)
		})
	}

	// The mock's clock does not end a sign-in; the host's does.
	srv.Advance(48 * time.Hour)
	resp, _ = b.get("/_mock/ui/clock")
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the control API's clock moved")
	base.Add(int64(mockserver.UISessionTTL))
	resp, _ = b.get("/_mock/ui/clock")
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode, "expired")
	base.Add(-int64(mockserver.UISessionTTL))

	// Sign-out.
	_, _ = b.get("/_mock/ui/clock")
	resp, _ = b.post("/_mock/ui/signout", url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, _ = b.get("/_mock/ui/clock")
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode, "signed out")

	// The bearer header opens the pages without a cookie (a script's way).
	nb := newUIBrowser(t, srv.URL)
	nb.bearer = "s3cret-token"
	resp, _ = nb.get("/_mock/ui/faults")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

// The sign-in goes on to tooling pages only.
func TestUISignInNext(t *testing.T) {
	srv := mockserver.NewTestServer(t, func(o *mockserver.Options) { o.ControlToken = "tok" })
	for _, tc := range []struct{ next, want string }{
		{"/_mock/ui/faults", "/_mock/ui/faults"},
		{"/_mock/ui/mail?to=x%40y.kz", "/_mock/ui/mail?to=x%40y.kz"},
		{"//evil.example/_mock/ui/", "/_mock/ui/"},
		{"https://evil.example/_mock/ui/", "/_mock/ui/"},
		{"/esf-web/ajax/login", "/_mock/ui/"},
		{"/_mock/ui/../../esf-web/", "/_mock/ui/"},
		{"/_mock/ui\\/x", "/_mock/ui/"},
		{"", "/_mock/ui/"},
	} {
		t.Run(tc.next, func(t *testing.T) {
			b := newUIBrowser(t, srv.URL)
			_, _ = b.get("/_mock/ui/signin")
			resp, _ := b.post("/_mock/ui/signin", url.Values{"token": {"tok"}, "next": {tc.next}})
			require.Equal(t, http.StatusSeeOther, resp.StatusCode)
			assert.Equal(t, tc.want, resp.Header.Get("Location"))
		})
	}
}

// A POST without the browser's CSRF token, or from another origin, is
// refused and changes nothing — on loopback without a control token too.
func TestUICSRF(t *testing.T) {
	srv := mockserver.NewTestServer(t, mockserver.FixedClock(at))
	b := newUIBrowser(t, srv.URL)
	_, _ = b.get("/_mock/ui/clock")
	require.NotEmpty(t, b.csrf)
	same := map[string]string{"Origin": srv.URL, "Sec-Fetch-Site": "same-origin"}
	tests := []struct {
		name    string
		form    url.Values
		headers map[string]string
		jar     bool
	}{
		{"no CSRF field", url.Values{"advance": {"1h"}}, same, true},
		{"wrong CSRF field", url.Values{"advance": {"1h"}, "csrf": {"AAAA"}}, same, true},
		{"another origin", url.Values{"advance": {"1h"}, "csrf": {b.csrf}}, map[string]string{"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}, true},
		{"another origin, no fetch metadata", url.Values{"advance": {"1h"}, "csrf": {b.csrf}}, map[string]string{"Origin": "http://evil.example"}, true},
		{"opaque origin", url.Values{"advance": {"1h"}, "csrf": {b.csrf}}, map[string]string{"Origin": "null"}, true},
		{"same site, another origin", url.Values{"advance": {"1h"}, "csrf": {b.csrf}}, map[string]string{"Sec-Fetch-Site": "same-site"}, true},
		{"the field without the cookie", url.Values{"advance": {"1h"}, "csrf": {b.csrf}}, same, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pb := b
			if !tt.jar {
				pb = newUIBrowser(t, srv.URL)
			}
			resp, page := pb.postRaw("/_mock/ui/clock", tt.form, tt.headers)
			assert.Equal(t, http.StatusForbidden, resp.StatusCode)
			assertUIHeaders(t, resp.Header)
			assert.Contains(t, page, `id="ui-refusal"`)
			assert.Equal(t, at, srv.Now(), "a refused form moved the clock")
		})
	}
	// The same form from the mock's own page works.
	resp, _ := b.post("/_mock/ui/clock", url.Values{"advance": {"1h"}})
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, at.Add(time.Hour), srv.Now())
	// A client that sends no Origin nor fetch metadata (not a browser)
	// still needs the field, and passes with it.
	resp, _ = b.postRaw("/_mock/ui/clock", url.Values{"advance": {"1h"}, "csrf": {b.csrf}}, nil)
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, at.Add(2*time.Hour), srv.Now())
}

// The register's form does what POST /_mock/taxpayers does: publish now,
// or stage for the next refresh (seen once the clock passes it); a
// refusal is shown beside its field and adds nothing.
func TestUIRegister(t *testing.T) {
	srv := mockserver.NewTestServer(t, mockserver.FixedClock(at))
	ctl, err := mockserver.NewControlClient(srv.URL, mockserver.ControlClientOptions{})
	require.NoError(t, err)
	ctx := context.Background()
	b := newUIBrowser(t, srv.URL)
	_, _ = b.get("/_mock/ui/taxpayers")

	// Publish: seen at once.
	resp, _ := b.post("/_mock/ui/taxpayers", url.Values{"action": {"publish"}, "tin": {certstest.TestBIN}, "type": {"PRIVATE_ENTERPRISE"},
		"nameRu": {`АО "ТЕСТ"`}, "resident": {"on"}, "enterpriseAdministrator": {certstest.TestIIN}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/_mock/ui/taxpayers", resp.Header.Get("Location"))
	resp, page := b.follow(resp)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, uiText(t, page, "ui-flash"), "Published "+certstest.TestBIN)
	assert.Contains(t, page, `data-tin="`+certstest.TestBIN+`"`)
	got, err := ctl.Taxpayer(ctx, certstest.TestBIN)
	require.NoError(t, err)
	assert.Equal(t, esfreg.Taxpayer{TIN: certstest.TestBIN, Type: esfreg.EnterprisePrivate, NameRu: `АО "ТЕСТ"`, Resident: true,
		EnterpriseAdministrator: certstest.TestIIN}, got)
	_, page = b.get("/_mock/ui/taxpayers")
	assert.NotContains(t, page, `id="ui-flash"`, "a flash is shown once")

	// Stage: pending, not seen until the refresh.
	resp, _ = b.post("/_mock/ui/taxpayers", url.Values{"action": {"stage"}, "tin": {certstest.TestIIN2}, "type": {"INDIVIDUAL_ENTREPRENEUR"},
		"lastNameRu": {"ТЕСТТОВ"}, "firstNameRu": {"ТЕСТТ"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, page = b.follow(resp)
	assert.Contains(t, uiText(t, page, "ui-flash"), "Staged "+certstest.TestIIN2)
	assert.Contains(t, page, `class="pending-row" data-tin="`+certstest.TestIIN2+`"`)
	pending, err := ctl.PendingChanges(ctx)
	require.NoError(t, err)
	require.Len(t, pending, 1)
	assert.Equal(t, certstest.TestIIN2, pending[0].Taxpayer.TIN)
	assert.False(t, pending[0].Taxpayer.Resident, "resident unchecked")
	_, err = ctl.Taxpayer(ctx, certstest.TestIIN2)
	assert.ErrorIs(t, err, esfreg.ErrTaxpayerNotFound)
	// The clock page's button to the next refresh: seen.
	_, page = b.get("/_mock/ui/clock")
	next := regexp.MustCompile(`name="set" value="([^"]+)"><button id="clock-to-refresh"`).FindStringSubmatch(page)
	require.NotNil(t, next)
	resp, _ = b.post("/_mock/ui/clock", url.Values{"set": {html.UnescapeString(next[1])}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.True(t, esfreg.NextRefresh(at).Equal(srv.Now()), "%s", srv.Now())
	got, err = ctl.Taxpayer(ctx, certstest.TestIIN2)
	require.NoError(t, err)
	assert.Equal(t, "ТЕСТТОВ", got.LastNameRu)
	_, page = b.get("/_mock/ui/taxpayers?tin=" + certstest.TestIIN2)
	assert.Contains(t, page, `id="taxpayer-found"`)
	assert.Contains(t, page, `id="pending-empty"`)

	// Refusals, beside their fields; nothing added.
	for _, tc := range []struct {
		name  string
		form  url.Values
		field string
		want  string
	}{
		{"bad BIN", url.Values{"action": {"publish"}, "tin": {"123"}, "type": {"PRIVATE_ENTERPRISE"}}, "tin", "BIN_NOT_VALID"},
		{"bad head", url.Values{"action": {"stage"}, "tin": {"123456789021"}, "type": {"PRIVATE_ENTERPRISE"}, "enterpriseAdministrator": {"12"}}, "enterpriseAdministrator", "IIN_NOT_VALID"},
		{"unknown type", url.Values{"action": {"publish"}, "tin": {"123456789021"}, "type": {"PIRATE"}}, "type", "not an EnterpriseType"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, page := b.post("/_mock/ui/taxpayers", tc.form)
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			assert.Contains(t, uiText(t, page, "f-"+tc.field+"-error"), tc.want)
			assert.Contains(t, page, `aria-describedby="f-`+tc.field+`-error"`)
			assert.Contains(t, page, `value="`+html.EscapeString(tc.form.Get("tin"))+`"`, "the form keeps what was typed")
		})
	}
	resp, page = b.post("/_mock/ui/taxpayers", url.Values{"action": {"delete"}, "tin": {"123456789021"}})
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Contains(t, uiText(t, page, "ui-error"), "action")
	pending, err = ctl.PendingChanges(ctx)
	require.NoError(t, err)
	assert.Empty(t, pending)
	got, err = ctl.Taxpayer(ctx, certstest.TestBIN)
	require.NoError(t, err)
	assert.Equal(t, `АО "ТЕСТ"`, got.NameRu, "unchanged")
	_, page = b.get("/_mock/ui/taxpayers?tin=999")
	assert.Contains(t, page, `id="f-lookup-error"`)
}

// The clock's forms do what POST /_mock/clock does, refusals beside the
// field.
func TestUIClock(t *testing.T) {
	srv := mockserver.NewTestServer(t, mockserver.FixedClock(at))
	ctl, err := mockserver.NewControlClient(srv.URL, mockserver.ControlClientOptions{})
	require.NoError(t, err)
	b := newUIBrowser(t, srv.URL)
	_, page := b.get("/_mock/ui/clock")
	assert.Equal(t, "2026-06-01T14:00:00+05:00", uiText(t, page, "clock-now"))

	target := time.Date(2027, 3, 1, 10, 0, 0, 0, time.UTC)
	resp, _ := b.post("/_mock/ui/clock", url.Values{"set": {target.Format(time.RFC3339)}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	now, err := ctl.Now(context.Background())
	require.NoError(t, err)
	assert.True(t, target.Equal(now), "%s", now)
	_, page = b.follow(resp)
	assert.Contains(t, uiText(t, page, "ui-flash"), "2027-03-01T15:00:00+05:00")

	resp, _ = b.post("/_mock/ui/clock", url.Values{"advance": {"72h"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, target.Add(72*time.Hour), srv.Now())

	for _, tc := range []struct {
		name  string
		form  url.Values
		field string
	}{
		{"not a time", url.Values{"set": {"soon"}}, "set"},
		{"past 2200", url.Values{"set": {"2200-01-01T00:00:00Z"}}, "set"},
		{"negative", url.Values{"advance": {"-1h"}}, "advance"},
		{"not a duration", url.Values{"advance": {"3 days"}}, "advance"},
		{"both", url.Values{"set": {"2027-01-01T00:00:00Z"}, "advance": {"1h"}}, "advance"},
		{"neither", url.Values{}, "set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, page := b.post("/_mock/ui/clock", tc.form)
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			assert.Contains(t, page, `id="f-`+tc.field+`-error"`)
			assert.Equal(t, target.Add(72*time.Hour), srv.Now())
		})
	}
}

// A fault queued through the page answers the next portal request, once.
func TestUIFaults(t *testing.T) {
	srv := mockserver.NewTestServer(t, mockserver.FixedClock(at))
	b := newUIBrowser(t, srv.URL)
	_, _ = b.get("/_mock/ui/faults")
	resp, _ := b.post("/_mock/ui/faults", url.Values{"match": {"/esf-web/ajax/login/ticket"}, "code": {"SYSTEM_DOWN"},
		"message": {"<b>down</b> for a test"}, "count": {"1"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, page := b.follow(resp)
	assert.Contains(t, uiText(t, page, "ui-flash"), "/esf-web/ajax/login/ticket")
	assert.Contains(t, page, `class="fault-row" data-match="/esf-web/ajax/login/ticket" data-code="SYSTEM_DOWN"`)
	assert.Contains(t, page, "&lt;b&gt;down&lt;/b&gt;")

	ticket := func() (int, string) {
		resp, err := http.Get(srv.URL + "/esf-web/ajax/login/ticket")
		require.NoError(t, err)
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(data)
	}
	status, body := ticket()
	assert.Equal(t, http.StatusInternalServerError, status)
	assert.Contains(t, body, `"code":"SYSTEM_DOWN"`)
	assert.Contains(t, body, "<b>down</b> for a test")
	status, _ = ticket()
	assert.Equal(t, http.StatusOK, status, "used up")
	_, page = b.get("/_mock/ui/faults")
	assert.Contains(t, page, `id="fault-empty"`)

	for _, tc := range []struct {
		name  string
		form  url.Values
		field string
	}{
		{"no match", url.Values{"code": {"SYSTEM_DOWN"}}, "match"},
		{"unknown match", url.Values{"match": {"createSesionSigned"}, "code": {"SYSTEM_DOWN"}}, "match"},
		{"unknown code", url.Values{"match": {"createSessionSigned"}, "code": {"NOPE"}}, "code"},
		{"count not a number", url.Values{"match": {"createSessionSigned"}, "code": {"SYSTEM_DOWN"}, "count": {"two"}}, "count"},
		{"count too large", url.Values{"match": {"createSessionSigned"}, "code": {"SYSTEM_DOWN"}, "count": {"10001"}}, "count"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, page := b.post("/_mock/ui/faults", tc.form)
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			assert.Contains(t, page, `id="f-`+tc.field+`-error"`)
			assert.Contains(t, page, `id="fault-empty"`, "nothing queued")
		})
	}
}

// The mailbox shows the registration e-mail of a real registration, its
// link clickable and leading to the portal's link page; the accounts and
// sessions pages show what the registration and a session left.
func TestUIMailboxAfterRegistration(t *testing.T) {
	e := newEnv(t)
	auth, sign := e.ks(certstest.FixtureIndividualAuth), e.ks(certstest.FixtureIndividualSign)
	res, err := e.c.Register(e.ctx, esfclient.Registration{Category: esfreg.Individual, Key: auth, Signer: sign, Form: form("ui@example.kz")})
	require.NoError(t, err)
	mails := e.srv.MailTo("ui@example.kz")
	require.Len(t, mails, 1)
	sent := mails[0]

	b := newUIBrowser(t, e.srv.URL)
	_, page := b.get("/_mock/ui/mail")
	require.Contains(t, page, `id="mail-list"`)
	open := regexp.MustCompile(`<a class="mail-open" href="([^"]+)">([^<]*)</a>`).FindAllStringSubmatch(page, -1)
	require.Len(t, open, 1)
	assert.Equal(t, "Завершение процесса регистрации", html.UnescapeString(open[0][2]))

	resp, page := b.get(html.UnescapeString(open[0][1]))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, sent.Subject, uiText(t, page, "mail-subject"))
	links := regexp.MustCompile(`<a class="mail-link" href="([^"]+)">([^<]*)</a>`).FindAllStringSubmatch(page, -1)
	require.Len(t, links, 1, "the registration link")
	href := html.UnescapeString(links[0][1])
	assert.Equal(t, sent.Link, href)
	assert.Equal(t, sent.Link, html.UnescapeString(links[0][2]))
	assert.Contains(t, page, "Уважаемый пользователь")
	// Clicked: the portal's link page, on this mock.
	lresp, err := http.Get(href)
	require.NoError(t, err)
	lresp.Body.Close()
	assert.Equal(t, http.StatusOK, lresp.StatusCode)

	// Completed, and a session opened: the accounts and sessions pages.
	_, err = e.c.CompleteRegistration(e.ctx, sent.Link, auth, password)
	require.NoError(t, err)
	sess, err := e.c.OpenSession(e.ctx, esfclient.SessionRequest{Key: auth, Password: password, TIN: certstest.TestIIN})
	require.NoError(t, err)
	_, page = b.get("/_mock/ui/mail?to=ui%40example.kz")
	assert.Len(t, regexp.MustCompile(`class="mail-open"`).FindAllString(page, -1), 2)
	first := regexp.MustCompile(`<a class="mail-open" href="[^"]+">([^<]*)</a>`).FindStringSubmatch(page)
	assert.Equal(t, "Регистрация завершена", html.UnescapeString(first[1]), "newest first")
	_, page = b.get("/_mock/ui/mail?to=nobody%40example.kz")
	assert.Contains(t, page, `id="mail-empty"`)

	_, page = b.get("/_mock/ui/accounts")
	assert.Contains(t, page, `class="account-row" data-iin="`+certstest.TestIIN+`"`)
	assert.NotContains(t, page, "$2a$", "no password hash")
	resp, page = b.get("/_mock/ui/accounts?iin=" + certstest.TestIIN)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, res.Request.Email, uiText(t, page, "account-email"))
	assert.Contains(t, uiText(t, page, "account-status"), "ACTIVE")
	assert.Contains(t, page, `class="profile-row" data-tin="`+certstest.TestIIN+`"`)
	resp, page = b.get("/_mock/ui/accounts?iin=" + certstest.TestIIN2)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Contains(t, uiText(t, page, "f-iin-error"), "USER_NOT_REGISTERED")

	_, page = b.get("/_mock/ui/sessions")
	assert.Contains(t, page, `class="session-row" data-id="`+html.EscapeString(sess.ID)+`" data-state="open"`)
	_, err = sess.Close(e.ctx)
	require.NoError(t, err)
	_, page = b.get("/_mock/ui/sessions")
	assert.Contains(t, page, `data-state="closed"`)
}

// Hostile names in the register are text on the pages.
func TestUIEscapesTaxpayers(t *testing.T) {
	srv := mockserver.NewTestServer(t, mockserver.FixedClock(at))
	const hostile = `<script>alert(1)</script><img src=x onerror=alert(2)>"'&`
	_, err := srv.SeedTaxpayer(esfreg.Taxpayer{TIN: certstest.TestBIN, NameRu: hostile, Type: esfreg.EnterprisePrivate,
		EnterpriseAdministrator: certstest.TestIIN}, true)
	require.NoError(t, err)
	_, err = srv.SeedTaxpayer(esfreg.Taxpayer{TIN: certstest.TestIIN2, LastNameRu: hostile, Type: esfreg.EnterpriseIndividualEntrepreneur}, false)
	require.NoError(t, err)
	b := newUIBrowser(t, srv.URL)
	for _, path := range []string{"/_mock/ui/taxpayers", "/_mock/ui/taxpayers?tin=" + certstest.TestBIN} {
		_, page := b.get(path)
		assert.NotContains(t, page, "<script>")
		assert.NotContains(t, page, "<img")
		assert.Contains(t, page, "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&#34;&#39;&amp;")
	}
	// And typed into the form, refused or not, it comes back as text.
	_, _ = b.get("/_mock/ui/taxpayers")
	_, page := b.post("/_mock/ui/taxpayers", url.Values{"action": {"publish"}, "tin": {`"><script>x</script>`}, "nameRu": {hostile}})
	assert.NotContains(t, page, "<script>")
	assert.Contains(t, page, `value="&#34;&gt;&lt;script&gt;x&lt;/script&gt;"`)
}

// Over TLS every cookie of the pages is Secure.
func TestUICookiesSecureOnTLS(t *testing.T) {
	s, err := mockserver.New(mockserver.Options{BcryptCost: 4, ControlToken: "tok"})
	require.NoError(t, err)
	ts := httptest.NewTLSServer(s)
	t.Cleanup(ts.Close)
	b := newUIBrowser(t, ts.URL)
	b.client.Transport = ts.Client().Transport
	page, _ := b.get("/_mock/ui/signin")
	require.Equal(t, http.StatusOK, page.StatusCode)
	resp, _ := b.post("/_mock/ui/signin", url.Values{"token": {"tok"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	names := map[string]bool{}
	for _, c := range append(page.Cookies(), resp.Cookies()...) {
		names[c.Name] = true
		assert.True(t, c.Secure, c.Name)
	}
	assert.Equal(t, map[string]bool{"esf_mock_ui_csrf": true, "esf_mock_ui_session": true, "esf_mock_ui_flash": true}, names)
	u, err := url.Parse(ts.URL + "/_mock/ui/")
	require.NoError(t, err)
	require.NotEmpty(t, b.client.Jar.Cookies(u))
}

// DNS rebinding: a page of evil.example whose name resolves to 127.0.0.1
// reaches the tooling pages from a loopback address, but says Host:
// evil.example — refused, as by the control API.
func TestUIRefusesRebinding(t *testing.T) {
	s, err := mockserver.New(mockserver.Options{BcryptCost: 4})
	require.NoError(t, err)
	for host, want := range map[string]int{"127.0.0.1:8080": http.StatusOK, "localhost:8080": http.StatusOK, "evil.example:8080": http.StatusForbidden} {
		req := httptest.NewRequest(http.MethodGet, "/_mock/ui/mail", nil)
		req.RemoteAddr = "127.0.0.1:40000"
		req.Host = host
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		assert.Equal(t, want, rec.Code, host)
	}
}
