package mockserver

import (
	"bytes"
	"context"
	"crypto/hmac"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/esfkit/esf/esfreg"
)

// The mock's tooling pages, under /_mock/ui/: what the control API does,
// for a person in a browser — the mailbox, the register, accounts and API
// sessions, the clock, queued faults. They call the same Go code as the
// control API's JSON handlers, each in the store's transactions.
//
// Access is the control API's rule (gateUI): off with DisableControl
// (404); without a ControlToken, loopback clients only; with one, the
// bearer header, or a cookie the sign-in page sets once the token is typed
// (uiauth.go). Every state-changing form is a POST with a CSRF token bound
// to the browser, refused from another origin. Every page carries a strict
// Content-Security-Policy and runs no script at all.

// Where the tooling pages are.
const (
	uiPrefix       = ControlPrefix + "ui/"
	uiSignInPath   = uiPrefix + "signin"
	uiStaticPrefix = uiPrefix + "static/"
)

// isUIPath reports whether path is a tooling page's.
func isUIPath(path string) bool {
	return strings.HasPrefix(path, uiPrefix) || path == strings.TrimSuffix(uiPrefix, "/")
}

// uiSecurityHeaders go on every answer under /_mock/ui/. No page runs a
// script; styles come from the embedded stylesheet alone; nothing may
// frame a page; forms post to the mock only; mail bodies carry one-time
// links, so no Referer leaves and nothing is cached.
var uiSecurityHeaders = map[string]string{
	"Content-Security-Policy":      "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
	"X-Content-Type-Options":       "nosniff",
	"Referrer-Policy":              "no-referrer",
	"X-Frame-Options":              "DENY",
	"Cache-Control":                "no-store",
	"Cross-Origin-Opener-Policy":   "same-origin",
	"Cross-Origin-Resource-Policy": "same-origin",
}

// uiRoutes adds the mock's tooling pages (/_mock/ui/…).
func (s *Server) uiRoutes(r *httprouter.Router) {
	r.GET(strings.TrimSuffix(uiPrefix, "/"), s.handleUIRoot)
	r.GET(uiPrefix, s.handleUIIndex)
	r.GET(uiStaticPrefix+":file", s.handleUIStatic)
	r.GET(uiSignInPath, s.handleUISignInPage)
	r.POST(uiSignInPath, s.handleUISignIn)
	r.POST(uiPrefix+"signout", s.handleUISignOut)
	r.GET(uiPrefix+"mail", s.handleUIMailbox)
	r.GET(uiPrefix+"mail/:id", s.handleUIMessage)
	r.GET(uiPrefix+"taxpayers", s.handleUITaxpayers)
	r.POST(uiPrefix+"taxpayers", s.handleUISeedTaxpayer)
	r.GET(uiPrefix+"accounts", s.handleUIAccounts)
	r.GET(uiPrefix+"sessions", s.handleUISessions)
	r.GET(uiPrefix+"clock", s.handleUIClock)
	r.POST(uiPrefix+"clock", s.handleUISetClock)
	r.GET(uiPrefix+"faults", s.handleUIFaults)
	r.POST(uiPrefix+"faults", s.handleUIQueueFault)
	r.GET(uiPrefix+"invoices", s.handleUIInvoices) // invoice_ui.go
	r.POST(uiPrefix+"invoices/step", s.handleUIInvoiceStep)
	r.POST(uiPrefix+"invoices/errors", s.handleUIInjectInvoiceError)
	r.POST(uiPrefix+"invoices/timing", s.handleUISetInvoiceTiming)
}

// uiState is what the gate learnt of a request to a tooling page.
type uiState struct {
	// CSRF is the value of every form's hidden csrf field for this browser.
	CSRF string
	// TokenMode says the mock has a control token (so pages may need the
	// sign-in); CookieAuth that this request came in with the sign-in
	// cookie (so a sign-out makes sense).
	TokenMode, CookieAuth bool
	key                   []byte
}

type uiStateKey struct{}

func uiStateOf(r *http.Request) *uiState {
	st, _ := r.Context().Value(uiStateKey{}).(*uiState)
	if st == nil {
		st = &uiState{}
	}
	return st
}

// gateUI lets a request to a tooling page through, or answers it: the
// security headers on every answer; 404 when the control API is off (as
// any unknown path under /_mock/); without a control token, loopback
// clients only (403); with one, the bearer header or the sign-in cookie
// (else a GET goes to the sign-in page, a POST is refused with 401); a
// POST from another origin, or without this browser's CSRF token, 403; an
// unknown page 404. The request it returns carries the uiState.
func (s *Server) gateUI(w http.ResponseWriter, r *http.Request) (*http.Request, bool) {
	h := w.Header()
	for k, v := range uiSecurityHeaders {
		h.Set(k, v)
	}
	if s.opts.DisableControl {
		s.writeControlError(w, newError(CodeNotFound, ""))
		return r, false
	}
	if s.opts.ControlToken == "" && !localClient(r) {
		s.uiRefuse(w, r, http.StatusForbidden, "Forbidden", errControlLoopbackOnly.Message)
		return r, false
	}
	key, err := s.uiKey(r.Context())
	if err != nil {
		s.uiRefuse(w, r, http.StatusInternalServerError, "The store failed", err.Error())
		return r, false
	}
	st := &uiState{TokenMode: s.opts.ControlToken != "", key: key}
	// Loopback, or the bearer token; a POST from another site is refused
	// below, as a forged one (CSRF), with or without credentials.
	authed := s.controlCredentials(r) == nil
	if !authed && st.TokenMode && s.validUISession(r, key) {
		authed, st.CookieAuth = true, true
	}
	public := r.URL.Path == uiSignInPath || strings.HasPrefix(r.URL.Path, uiStaticPrefix)
	if !authed && !public {
		if r.Method == http.MethodGet {
			http.Redirect(w, r, uiSignInPath+"?"+url.Values{"next": {r.URL.RequestURI()}}.Encode(), http.StatusSeeOther)
		} else {
			s.uiRefuse(w, r, http.StatusUnauthorized, "Sign in first",
				"The tooling pages need the control token the mock printed at start: sign in at "+uiSignInPath+".")
		}
		return r, false
	}

	nonce, fresh, err := s.uiCSRFNonce(r)
	if err != nil {
		s.uiRefuse(w, r, http.StatusInternalServerError, "Internal error", err.Error())
		return r, false
	}
	if fresh {
		http.SetCookie(w, &http.Cookie{Name: uiCSRFCookie, Value: nonce, Path: uiPrefix, HttpOnly: true,
			Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	}
	st.CSRF = uiCSRFToken(key, nonce)
	r = r.WithContext(context.WithValue(r.Context(), uiStateKey{}, st))

	if handle, _, _ := s.router.Lookup(r.Method, r.URL.Path); handle == nil {
		for _, m := range []string{http.MethodGet, http.MethodPost} {
			if other, _, _ := s.router.Lookup(m, r.URL.Path); other != nil {
				h.Set("Allow", m)
				s.uiRefuse(w, r, http.StatusMethodNotAllowed, "Method not allowed", r.Method+" is not a method of this page.")
				return r, false
			}
		}
		s.uiRefuse(w, r, http.StatusNotFound, "Not found", "The mock has no tooling page "+r.URL.Path+".")
		return r, false
	}
	if r.Method != http.MethodPost {
		return r, true
	}
	if crossSite(r) {
		s.uiRefuse(w, r, http.StatusForbidden, "Refused: another site's form",
			"This form was posted from another origin; the mock takes its tooling forms from its own pages only.")
		return r, false
	}
	if err := r.ParseForm(); err != nil {
		s.uiRefuse(w, r, http.StatusBadRequest, "Bad request", "The form was not read: "+err.Error())
		return r, false
	}
	if fresh || !hmac.Equal([]byte(r.PostForm.Get(uiCSRFField)), []byte(st.CSRF)) {
		s.uiRefuse(w, r, http.StatusForbidden, "Refused: stale or forged form",
			"The form's CSRF token does not match this browser's (a page from before a reset, or a form from elsewhere): reload the page and submit again.")
		return r, false
	}
	return r, true
}

// uiFiles are the pages' templates and stylesheet.
//
//go:embed ui
var uiFiles embed.FS

// uiPages are the parsed pages, by the file name without ".html"; each is
// the layout with that page's "title" and "content".
var uiPages = mustParseUIPages()

func mustParseUIPages() map[string]*template.Template {
	funcs := template.FuncMap{
		"when":     uiWhen,
		"navItems": func() []uiNavItem { return uiNav },
		"fieldOf":  uiFieldOf,
		"join":     strings.Join,
	}
	base := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(uiFiles, "ui/layout.html"))
	names, err := fs.Glob(uiFiles, "ui/*.html")
	if err != nil {
		panic(err) // a malformed pattern: a bug, caught by every test
	}
	pages := map[string]*template.Template{}
	for _, name := range names {
		if name == "ui/layout.html" {
			continue
		}
		t := template.Must(template.Must(base.Clone()).ParseFS(uiFiles, name))
		pages[strings.TrimSuffix(strings.TrimPrefix(name, "ui/"), ".html")] = t
	}
	return pages
}

// uiNavItem is an entry of the pages' navigation.
type uiNavItem struct{ Key, Label, Href string }

var uiNav = []uiNavItem{
	{"index", "Overview", uiPrefix},
	{"mail", "Mailbox", uiPrefix + "mail"},
	{"taxpayers", "Register", uiPrefix + "taxpayers"},
	{"accounts", "Accounts", uiPrefix + "accounts"},
	{"sessions", "Sessions", uiPrefix + "sessions"},
	{"clock", "Clock", uiPrefix + "clock"},
	{"faults", "Faults", uiPrefix + "faults"},
	{"invoices", "Invoices", uiPrefix + "invoices"},
}

// uiWhen shows a time as the mock's pages do: RFC 3339 in Almaty's time,
// the form the clock page takes back.
func uiWhen(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(esfreg.Almaty).Format(time.RFC3339)
}

// uiPage is what every page's template gets.
type uiPage struct {
	Title string
	// Nav is the uiNav key of the page, for aria-current.
	Nav   string
	State *uiState
	// Flash is the message of the action just done (Post/Redirect/Get).
	Flash string
	// Now is the mock's time.
	Now time.Time
	// Errors are refusals by the form field they name; "" holds those of
	// no field on the page.
	Errors map[string]string
	// Form holds the values to show in the page's form again.
	Form url.Values
	Data any
}

// uiField is one labelled input, for the "input" template.
type uiField struct {
	Name, Label, Type, Hint, Value, Error string
}

// uiFieldOf is the template function that builds a uiField of page p.
func uiFieldOf(p *uiPage, name, label, typ, hint string) uiField {
	return uiField{Name: name, Label: label, Type: typ, Hint: hint, Value: p.Form.Get(name), Error: p.Errors[name]}
}

// uiRender writes page name with status; a flash the last action left is
// shown once.
func (s *Server) uiRender(w http.ResponseWriter, r *http.Request, status int, name string, p *uiPage) {
	t := uiPages[name]
	if t == nil {
		s.uiRefuse(w, r, http.StatusInternalServerError, "Internal error", "no page "+name)
		return
	}
	if p.State == nil {
		p.State = uiStateOf(r)
	}
	if p.Form == nil {
		p.Form = url.Values{}
	}
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	if p.Now.IsZero() {
		p.Now = s.clock.Now()
	}
	if msg, ok := s.takeUIFlash(w, r, p.State.key); ok {
		p.Flash = msg
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		s.log.Error("tooling page", "page", name, "err", err)
		http.Error(w, "mockserver: tooling page "+name+": "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// uiRefuse answers with the error page.
func (s *Server) uiRefuse(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	if status >= http.StatusInternalServerError {
		s.log.Error("tooling page", "path", r.URL.Path, "err", msg)
	}
	s.uiRender(w, r, status, "error", &uiPage{Title: title, Data: msg})
}

// uiDone ends a successful action: the flash for the next page, and a
// redirect to it (Post/Redirect/Get).
func (s *Server) uiDone(w http.ResponseWriter, r *http.Request, to, flash string) {
	s.setUIFlash(w, r, uiStateOf(r).key, flash)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// uiRefusals turns a refusal of the control API's code into messages by
// the field they name, and the HTTP status to answer with: a *FieldError's
// reason, each esfreg refusal's code and cause; a field not in fields is
// named in the general message (""), as is a refusal of no field.
func uiRefusals(err error, fields ...string) (map[string]string, int) {
	out := map[string]string{}
	add := func(field, msg string) {
		if field != "" && !slices.Contains(fields, field) {
			field, msg = "", field+": "+msg
		}
		if prev, ok := out[field]; ok {
			msg = prev + "; " + msg
		}
		out[field] = msg
	}
	status := http.StatusBadRequest
	var (
		fe   *FieldError
		list esfreg.Errors
		ee   *esfreg.Error
		ae   *apiError
	)
	switch {
	case errors.As(err, &fe):
		add(fe.Field, fe.Reason)
	case errors.As(err, &list):
		for _, e := range list {
			add(e.Field, uiRuleMessage(e))
		}
	case errors.As(err, &ee):
		add(ee.Field, uiRuleMessage(ee))
		status = infoOf(ee.Code).status
	case errors.As(err, &ae):
		msg := ae.English
		if msg == "" {
			msg = string(ae.Code) + ": " + ae.Message
		}
		add(ae.Field, msg)
		status = infoOf(ae.Code).status
	default:
		add("", err.Error())
		status = http.StatusInternalServerError
	}
	return out, status
}

// uiRuleMessage is an esfreg refusal for a developer: the code, and the
// cause when there is one, else the portal's Russian message.
func uiRuleMessage(e *esfreg.Error) string {
	detail := e.Message
	if e.Err != nil {
		detail = e.Err.Error()
	}
	if detail == "" {
		detail = e.Code.Message()
	}
	return fmt.Sprintf("%s: %s", e.Code, detail)
}
