package mockserver

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/julienschmidt/httprouter"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/esfreg"
)

// The portal's pages for a person in a browser (/esf-web/…): server-rendered
// with html/template from the embedded directory web/, with a little plain
// JavaScript (web/static/) that signs through NCALayer over its WebSocket
// and posts to the same JSON routes the API uses — one set of rules, two
// faces. The pages are Russian by default and Kazakh by a switch
// (?lang=kk, kept in a cookie).
//
// Every page and asset carries a strict Content-Security-Policy (no inline
// script or style; WebSocket connections only to NCALayer's addresses),
// X-Content-Type-Options: nosniff and Referrer-Policy: no-referrer (the
// e-mailed link pages carry their token in the URL). The pages hold no
// inline script: what a page's script needs it reads from a
// <script type="application/json" id="page-data"> block, which
// html/template escapes as JavaScript data.

// The pages' paths.
const (
	// PortalPath is the portal's home page.
	PortalPath = "/esf-web/"
	// LoginPagePath is the log-in page ("Вход в систему").
	LoginPagePath = "/esf-web/login"
	// RegistrationPagePath is the registration page, as the real portal
	// names it.
	RegistrationPagePath = "/esf-web/self-registration-form"
	// AccountPagePath is the account's page, behind a web session; the
	// log-in answers redirect there.
	AccountPagePath = "/esf-web/app"
	// ChangeEmailPagePath is the change of e-mail (the real portal's
	// …/esf-web/login/#!/change-email).
	ChangeEmailPagePath = "/esf-web/login/change-email"
	// ResetPasswordPagePath asks for a password reset link (the real
	// portal's …/esf-web/login/#!/reset-password).
	ResetPasswordPagePath = "/esf-web/login/reset-password"
	// LogoutPath ends the web session (POST).
	LogoutPath = "/esf-web/logout"
	// StaticPath serves the pages' scripts and style sheet.
	StaticPath = "/esf-web/static/"
	// ProfileChoicePath chooses the web session's profile (POST, JSON).
	ProfileChoicePath = "/esf-web/ajax/profile"
)

// NCALayer's addresses: the pages try DefaultNCALayerURL, then
// FallbackNCALayerURL, unless Options.NCALayerURL names one.
const (
	DefaultNCALayerURL  = "wss://127.0.0.1:13579/"
	FallbackNCALayerURL = "ws://127.0.0.1:13579/"
)

// LangCookie keeps the chosen language ("ru" or "kk") of the pages.
const LangCookie = "esf-lang"

//go:embed web
var webFiles embed.FS

// ErrNCALayerURL is CheckNCALayerURL's refusal (wrapped, with the reason).
var ErrNCALayerURL = errors.New("mockserver: NCALayerURL is not a ws:// or wss:// URL of a host")

// CheckNCALayerURL checks an Options.NCALayerURL: empty (the default
// addresses), or a ws:// or wss:// URL with a host and no user, query or
// fragment. A refusal matches ErrNCALayerURL.
func CheckNCALayerURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Errorf("%w: %q: %w", ErrNCALayerURL, s, err)
	case u.Scheme != "ws" && u.Scheme != "wss":
		return fmt.Errorf("%w: %q: want a ws:// or wss:// URL", ErrNCALayerURL, s)
	case u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(u.Host, " ;'\""):
		return fmt.Errorf("%w: %q: want scheme://host:port/ with no user, query or fragment", ErrNCALayerURL, s)
	}
	return nil
}

// web is what the pages need, made once by New.
type web struct {
	pages map[string]*template.Template
	// static are the assets by name (under web/static), with their
	// content types.
	static map[string]staticFile
	// csp is the Content-Security-Policy of every page and asset.
	csp string
	// ncalayer are the WebSocket URLs the pages' script tries, in order.
	ncalayer []string
}

type staticFile struct {
	data        []byte
	contentType string
}

// pageNames are the templates under web/templates, each rendered inside
// layout.html.
var pageNames = []string{"home", "login", "register", "link", "account", "change-email", "reset-request", "reset"}

// staticTypes are the content types of the assets, by extension.
var staticTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".svg": "image/svg+xml",
}

// newWeb parses the templates and reads the assets.
func newWeb(ncalayerURL string) (*web, error) {
	w := &web{pages: map[string]*template.Template{}, static: map[string]staticFile{}}
	for _, name := range pageNames {
		t, err := template.ParseFS(webFiles, "web/templates/layout.html", "web/templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("mockserver: page %s: %w", name, err)
		}
		w.pages[name] = t
	}
	err := fs.WalkDir(webFiles, "web/static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ct, ok := staticTypes[path.Ext(p)]
		if !ok {
			ct = mime.TypeByExtension(path.Ext(p))
		}
		data, err := webFiles.ReadFile(p)
		if err != nil {
			return err
		}
		w.static[strings.TrimPrefix(p, "web/static/")] = staticFile{data: data, contentType: ct}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("mockserver: static files: %w", err)
	}
	connect := []string{"'self'", "wss://127.0.0.1:13579", "ws://127.0.0.1:13579", "wss://localhost:13579", "ws://localhost:13579"}
	w.ncalayer = []string{DefaultNCALayerURL, FallbackNCALayerURL}
	if ncalayerURL != "" {
		u, err := url.Parse(ncalayerURL)
		if err != nil {
			return nil, err
		}
		w.ncalayer = []string{ncalayerURL}
		origin := u.Scheme + "://" + u.Host
		found := false
		for _, c := range connect {
			found = found || c == origin
		}
		if !found {
			connect = append(connect, origin)
		}
	}
	w.csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src " + strings.Join(connect, " ") +
		"; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	return w, nil
}

// webRoutes adds the portal's pages (/esf-web/…).
func (s *Server) webRoutes(r *httprouter.Router) {
	r.GET("/esf-web", func(w http.ResponseWriter, req *http.Request, _ httprouter.Params) {
		http.Redirect(w, req, PortalPath, http.StatusMovedPermanently)
	})
	r.GET(PortalPath, s.handleHomePage)
	r.GET(LoginPagePath, s.handleLoginPage)
	r.GET(RegistrationPagePath, s.handleRegistrationPage)
	r.GET(AccountPagePath, s.handleAccountPage)
	r.GET(ChangeEmailPagePath, s.handleChangeEmailPage)
	r.GET(ResetPasswordPagePath, s.handleResetRequestPage)
	r.POST(LogoutPath, s.handleLogout)
	r.POST(ProfileChoicePath, s.handleProfileChoice)
	r.GET(StaticPath+"*file", s.handleStatic)
}

// securityHeaders are every page's and asset's.
func (s *Server) securityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", s.web.csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
}

// handleStatic serves GET /esf-web/static/*file: the pages' scripts and
// style sheet, from the binary.
func (s *Server) handleStatic(w http.ResponseWriter, r *http.Request, p httprouter.Params) {
	f, ok := s.web.static[strings.TrimPrefix(p.ByName("file"), "/")]
	if !ok {
		s.writeError(w, newError(CodeNotFound, ""))
		return
	}
	s.securityHeaders(w)
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(f.data)))
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(f.data)
}

// page is what a page's template renders.
type page struct {
	// Name is the template's; Title the key of its title.
	Name, Title string
	Lang        string
	// Session is the web session's person, nil when logged out.
	Session *webView
	// Error and Status are page-level messages rendered by the server
	// (the script shows its own in the same places).
	Error, Status string
	// Data is the page's own data, for its template.
	Data any
	// JS is the data the page's script reads (the page-data block).
	JS map[string]any
	// Scripts are the page's scripts under /esf-web/static/.
	Scripts []string
}

// T returns the page text of key in the page's language.
func (p *page) T(key string) string { return webText(p.Lang, key) }

// chooserData is the "profileChooser" partial's.
type chooserData struct {
	Page *page
	// Profiles are the choices, shown when more than one is active;
	// none leaves the section for the script to fill.
	Profiles []profileView
}

// Chooser returns the "profileChooser" partial's data for profiles: shown
// only when more than one of them is active.
func (p *page) Chooser(profiles []profileView) chooserData {
	n := 0
	for _, v := range profiles {
		if v.Active {
			n++
		}
	}
	if n < 2 {
		profiles = nil
	}
	return chooserData{Page: p, Profiles: profiles}
}

// meterData is the "passwordMeter" partial's: its ids start with Prefix.
type meterData struct {
	Page   *page
	Prefix string
}

// Meter returns the "passwordMeter" partial's data.
func (p *page) Meter(prefix string) meterData { return meterData{Page: p, Prefix: prefix} }

// StatusText returns a profile status as the pages name it.
func (p *page) StatusText(status string) string {
	if webHasText("status." + status) {
		return p.T("status." + status)
	}
	return status
}

// render writes a page with status, or a plain 500 if its template fails.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, p *page) {
	p.JS["lang"] = p.Lang
	p.JS["ncalayer"] = s.web.ncalayer
	p.JS["messages"] = jsMessages(p.Lang)
	p.JS["page"] = p.Name
	types := map[string]string{}
	for _, t := range []esfreg.ProfileType{esfreg.ProfileIndividual, esfreg.ProfileEntrepreneur, esfreg.ProfileAdminEnterprise} {
		types[string(t)] = p.T("profile." + string(t))
	}
	p.JS["profileTypes"] = types
	var buf bytes.Buffer
	if err := s.web.pages[p.Name].ExecuteTemplate(&buf, "layout", p); err != nil {
		s.log.Error("page", "page", p.Name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	s.securityHeaders(w)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", p.Lang)
	h.Add("Vary", "Cookie")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// newPage starts a page: its language (?lang= sets the cookie) and the web
// session, if any.
func (s *Server) newPage(w http.ResponseWriter, r *http.Request, name, title string) *page {
	p := &page{Name: name, Title: title, Lang: s.pageLang(w, r), JS: map[string]any{}, Scripts: []string{"ncalayer.js", "portal.js"}}
	if v, err := s.webSessionView(r); err != nil {
		s.log.Warn("web session", "err", err)
	} else {
		p.Session = v
	}
	return p
}

// pageLang is the language of a page: ?lang=ru|kk (kept in LangCookie),
// else the cookie's, else Russian.
func (s *Server) pageLang(w http.ResponseWriter, r *http.Request) string {
	if q := r.URL.Query().Get("lang"); q == langRu || q == langKk {
		http.SetCookie(w, &http.Cookie{Name: LangCookie, Value: q, Path: PortalPath, MaxAge: 365 * 24 * 3600,
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
		return q
	}
	if c, err := r.Cookie(LangCookie); err == nil && (c.Value == langRu || c.Value == langKk) {
		return c.Value
	}
	return langRu
}

// wantsHTML reports whether a request's Accept header prefers an HTML page
// to JSON: a browser following a link (text/html first) does, a client
// sending no Accept, */* or application/json does not.
func wantsHTML(r *http.Request) bool {
	var html, json float64 = -1, -1
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		switch mt {
		case "text/html", "application/xhtml+xml":
			html = max(html, q)
		case "application/json":
			json = max(json, q)
		}
	}
	return html > 0 && html >= json
}

// handleHomePage serves GET /esf-web/: log in or register.
func (s *Server) handleHomePage(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	p := s.newPage(w, r, "home", "home.title")
	s.render(w, r, http.StatusOK, p)
}

// handleLoginPage serves GET /esf-web/login: the AUTH key, the IIN and
// the password; the choice of profile for a person who has several.
func (s *Server) handleLoginPage(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	p := s.newPage(w, r, "login", "login.title")
	p.Scripts = append(p.Scripts, "login.js")
	p.JS["action"] = "/esf-web/ajax/login"
	if r.URL.Query().Get("expired") == "1" {
		p.Error = p.T("session.expired")
	}
	s.render(w, r, http.StatusOK, p)
}

// handleRegistrationPage serves GET /esf-web/self-registration-form: the
// four steps of registration.
func (s *Server) handleRegistrationPage(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	p := s.newPage(w, r, "register", "register.title")
	p.Scripts = append(p.Scripts, "register.js")
	// The key step 1 signs the ticket with: the AUTH key of a person
	// (domain.md), the head's GOST signing key of a legal entity (the
	// change-of-head instruction: "Следует выбрать сертификат GOST").
	p.JS["keyTypes"] = map[string]string{
		esfreg.Individual.String():   "AUTHENTICATION",
		esfreg.Entrepreneur.String(): "AUTHENTICATION",
		esfreg.LegalEntity.String():  "SIGNATURE",
	}
	// A legal entity's steps (the certificate and the agreements) ask
	// NCALayer for a key of the organization (the ORGANIZATION role in
	// extended key usage) through basics.sign's signerParams, so that the
	// dialog offers — and a headless NCALayer holding a person's keys as
	// well picks — only the company's key.
	p.JS["signerOids"] = map[string][]string{
		esfreg.LegalEntity.String(): {certs.RoleOrganization.OID().String()},
	}
	p.Data = esfreg.Categories()
	s.render(w, r, http.StatusOK, p)
}

// linkData is the e-mailed link pages' data.
type linkData struct {
	// Usable says the token may still be used; Problem, when not, the
	// rules' message (used, expired, not found).
	Usable  bool
	Problem string
	// IIN and FullName are whom the link was sent to.
	IIN, FullName string
}

// lookupLink reads the e-mailed token for a link page: whom it was sent
// to and whether it may still be used, with the rules' messages.
func (s *Server) lookupLink(r *http.Request, token string, purpose esfreg.TokenPurpose) linkData {
	var d linkData
	err := s.view(r.Context(), func(rq *request) error {
		d = linkData{}
		tok, err := rq.tx.Token(esfreg.TokenKey(token))
		switch {
		case errors.Is(err, esfreg.ErrNotFound) || err == nil && tok.Purpose != purpose:
			d.Problem = esfreg.CodeTokenNotFound.Message()
			return nil
		case err != nil:
			return err
		case !tok.UsedAt.IsZero():
			d.Problem = esfreg.CodeTokenUsed.Message()
		case !rq.now.Before(tok.ExpiresAt):
			d.Problem = esfreg.CodeTokenExpired.Message()
		default:
			d.Usable = true
		}
		d.IIN = tok.IIN
		if tok.RequestID != "" {
			if req, err := rq.tx.Request(tok.RequestID); err == nil {
				d.FullName = req.FullName
			}
		}
		return nil
	})
	if err != nil {
		s.log.Warn("link page", "err", err)
		d = linkData{Problem: newError(CodeInternal, "").Message}
	}
	return d
}

// webRegistrationLink is GET /esf-web/self-registration-request/:token for
// a browser: the first log-in, which completes the registration.
func (s *Server) webRegistrationLink(w http.ResponseWriter, r *http.Request, token string) {
	p := s.newPage(w, r, "link", "link.title")
	d := s.lookupLink(r, token, esfreg.PurposeRegistration)
	p.Data = d
	if !d.Usable {
		p.Error = d.Problem
	}
	p.Scripts = append(p.Scripts, "login.js")
	p.JS["action"] = esfreg.RegistrationLinkPath + url.PathEscape(token)
	p.JS["completes"] = true
	s.render(w, r, http.StatusOK, p)
}

// webResetLink is GET /esf-web/reset-password/:token for a browser: the new
// password twice, signed with a signing key.
func (s *Server) webResetLink(w http.ResponseWriter, r *http.Request, token string) {
	p := s.newPage(w, r, "reset", "reset.title")
	d := s.lookupLink(r, token, esfreg.PurposePasswordReset)
	p.Data = d
	if !d.Usable {
		p.Error = d.Problem
	}
	p.Scripts = append(p.Scripts, "reset.js")
	p.JS["token"] = token
	p.JS["action"] = ResetLinkPath + url.PathEscape(token)
	s.render(w, r, http.StatusOK, p)
}

// handleChangeEmailPage serves GET /esf-web/login/change-email: the login
// and the new e-mail, signed with a signing key. A logged-in person's IIN
// is filled in (?login= fills it too).
func (s *Server) handleChangeEmailPage(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	p := s.newPage(w, r, "change-email", "changeEmail.title")
	p.Data = loginData(p, r)
	p.Scripts = append(p.Scripts, "change-email.js")
	s.render(w, r, http.StatusOK, p)
}

// handleResetRequestPage serves GET /esf-web/login/reset-password: the
// login and the account's e-mail; a link goes to that e-mail.
func (s *Server) handleResetRequestPage(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	p := s.newPage(w, r, "reset-request", "resetRequest.title")
	p.Data = loginData(p, r)
	p.Scripts = append(p.Scripts, "reset.js")
	s.render(w, r, http.StatusOK, p)
}

// loginData is the data of a page whose form starts with the login: a
// logged-in person's IIN, else ?login=.
func loginData(p *page, r *http.Request) struct{ Login string } {
	if p.Session != nil {
		return struct{ Login string }{p.Session.IIN}
	}
	return struct{ Login string }{r.URL.Query().Get("login")}
}

// accountData is the account page's data.
type accountData struct {
	FullName, IIN, Email string
	Profiles             []profileView
	// Current is the session's profile, nil when none is chosen.
	Current *profileView
	// Registered says the page follows a completed registration.
	Registered bool
}

// profileView is a profile as the pages show it.
type profileView struct {
	ID       string // "TIN-TYPE", for element ids
	TIN      string
	Type     string
	TypeKey  string // page text key of the type, "" for one without
	Taxpayer string
	Status   string
	Active   bool
	Current  bool
}

// handleAccountPage serves GET /esf-web/app: the account (profiles,
// e-mail) behind the web session; without one, the log-in page.
func (s *Server) handleAccountPage(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	p := s.newPage(w, r, "account", "account.title")
	if p.Session == nil {
		target := LoginPagePath
		if _, err := r.Cookie(WebSessionCookie); err == nil {
			target += "?expired=1"
			s.clearSessionCookie(w, r)
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	var d accountData
	err := s.view(r.Context(), func(rq *request) error {
		acct, err := s.Service().Account(rq.ctx, p.Session.IIN)
		if err != nil {
			return err
		}
		d = accountData{FullName: acct.FullName, IIN: acct.IIN, Email: acct.Email, Registered: r.URL.Query().Get("done") == "registration"}
		for _, pr := range acct.Profiles {
			v := profileView{ID: pr.TIN + "-" + string(pr.Type), TIN: pr.TIN, Type: string(pr.Type), Status: string(pr.Status), Active: pr.Active(),
				Current: pr.TIN == p.Session.TIN && pr.Type == p.Session.ProfileType}
			if webHasText("profile." + v.Type) {
				v.TypeKey = "profile." + v.Type
			}
			if tp, err := s.Service().Taxpayer(rq.ctx, pr.TIN); err == nil {
				v.Taxpayer = tp.Name()
				if p.Lang == langKk && tp.NameKz != "" {
					v.Taxpayer = tp.NameKz
				}
			} else if pr.TIN == acct.IIN {
				v.Taxpayer = acct.FullName
			}
			d.Profiles = append(d.Profiles, v)
			if v.Current {
				c := v
				d.Current = &c
			}
		}
		return nil
	})
	if errors.Is(err, esfreg.ErrUserNotRegistered) {
		// The account is gone (the mock was reset): so is the session.
		s.endWebSession(w, r)
		http.Redirect(w, r, LoginPagePath, http.StatusSeeOther)
		return
	}
	if err != nil {
		p.Error = errorsOf(err)[0].Message
		s.render(w, r, http.StatusInternalServerError, p)
		return
	}
	p.Data = d
	s.render(w, r, http.StatusOK, p)
}
