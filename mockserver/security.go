package mockserver

import (
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver/internal/soap"
)

// What the mock protects, and how (the README's security section lists it
// for users):
//
//   - The SOAP operations the real ESF guards with a WS-Security
//     UsernameToken demand it (needsToken); Options.AllowMissingUsernameToken
//     relaxes that only where the request carries its own proof of the key
//     (a signed ticket) or of the session (its ID).
//   - Every password check — the UsernameToken, the portal's log-in, the
//     link's first log-in, a registration's current password — goes
//     through one throttle per IIN, and an IIN without an account costs one
//     hash comparison too (esfreg), so neither time nor answer tells
//     whether an account exists.
//   - The control API answers loopback clients only, unless it has a
//     bearer token (Options.ControlToken); it can be turned off.
//   - Request bodies are bounded per route (maxBody).

// Control API access codes.
const (
	CodeControlTokenRequired esfreg.Code = "CONTROL_TOKEN_REQUIRED" // no or wrong bearer token
	CodeControlLoopbackOnly  esfreg.Code = "CONTROL_LOOPBACK_ONLY"  // no token configured, client not on loopback (or Host not a loopback name)
	CodeControlCrossSite     esfreg.Code = "CONTROL_CROSS_SITE"     // a browser's request made by a page of another site
)

var (
	errControlUnauthorized = &apiError{Code: CodeControlTokenRequired,
		Message: "The control API needs the bearer token the mock printed at start: Authorization: Bearer <token>"}
	errControlLoopbackOnly = &apiError{Code: CodeControlLoopbackOnly,
		Message: "The control API answers loopback clients only, addressing the mock as 127.0.0.1, [::1] or localhost; start the mock with a control token to reach it otherwise"}
	errControlCrossSite = &apiError{Code: CodeControlCrossSite,
		Message: "The control API refuses requests a page of another site made in a browser (Origin, Sec-Fetch-Site)"}
)

// ControlPrefix is where the control API is served.
const ControlPrefix = "/_mock/"

func isControlPath(path string) bool {
	return strings.HasPrefix(path, ControlPrefix) || path == strings.TrimSuffix(ControlPrefix, "/")
}

// authorizeControl lets a control API call through, or says why not:
// off (404), a browser's request made by a page of another site (403), a
// token configured and not presented (401), or no token configured and
// the client not on a loopback address or not addressing the mock by a
// loopback name (403).
func (s *Server) authorizeControl(r *http.Request) error {
	if s.opts.DisableControl {
		return newError(CodeNotFound, "")
	}
	if crossSite(r) {
		return errControlCrossSite
	}
	return s.controlCredentials(r)
}

// controlCredentials is authorizeControl's check of who asks: the bearer
// token when one is configured, else a local client.
func (s *Server) controlCredentials(r *http.Request) error {
	if s.opts.ControlToken != "" {
		auth := r.Header.Get("Authorization")
		token, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), []byte(s.opts.ControlToken)) != 1 {
			return errControlUnauthorized
		}
		return nil
	}
	if !localClient(r) {
		return errControlLoopbackOnly
	}
	return nil
}

// localClient reports whether a request came from this machine and named
// the mock by a loopback address or "localhost" in its Host. The second
// half stops DNS rebinding: a page of evil.example whose name its DNS
// turns into 127.0.0.1 reaches the mock from a loopback address, but its
// requests say Host: evil.example.
func localClient(r *http.Request) bool {
	return loopbackClient(r.RemoteAddr) && loopbackHost(r.Host)
}

// loopbackHost reports whether a Host header names a loopback address,
// localhost or a name under .localhost (RFC 6761), with or without a
// port.
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback()
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	return host == "localhost" || strings.HasSuffix(host, ".localhost")
}

// crossSite reports whether a browser says a request was made by a page
// of another origin. Sec-Fetch-Site, which pages cannot set, decides when
// the browser sends it (every current one does): only same-origin, or
// none (typed in the address bar), pass. Without it (an older browser, or
// not a browser), an Origin whose host is not the one the request was
// sent to — or "null", a sandboxed page's — is another site's. (Origin
// alone cannot decide: under Referrer-Policy: no-referrer, which the
// pages send, a browser posts their own forms with Origin: null.)
//
// A page of any site may send the mock a simple POST (a form, fetch with
// mode no-cors) without reading the answer; the control API, the tooling
// pages and the portal's log-out change state on such requests, so they
// refuse them. Programs that are not browsers send neither header.
func crossSite(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
		return false
	case "":
	default:
		return true
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	u, err := url.Parse(origin)
	return err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || !strings.EqualFold(u.Host, r.Host)
}

// loopbackClient reports whether a request's RemoteAddr is a loopback
// address.
func loopbackClient(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// maxBody is the body limit of a request's route.
func (s *Server) maxBody(r *http.Request) int64 {
	switch {
	case r.URL.Path == ControlPrefix+"state" && r.Method == http.MethodPut:
		return s.opts.MaxStateBody
	case r.URL.Path == "/esf-web/ajax/login" || r.URL.Path == "/esf-web/ajax/login/xmlDsigCertInfo":
		return min(s.opts.MaxBody, MaxLoginBody)
	}
	return s.opts.MaxBody
}

// needsToken lists the operations the real server protects with a
// WS-Security UsernameToken (esf-api.md §1.2). Those marked true carry
// nothing but a public certificate besides it: they need the token even
// with Options.AllowMissingUsernameToken.
var needsToken = map[string]bool{
	"createSessionRequest":                   true,
	"closeSessionByCredentialsRequest":       true,
	"createSessionSignedRequest":             false,
	"closeSessionRequest":                    false,
	"closeSessionBySignedCredentialsRequest": false,
}

// checkUsernameToken checks, in r's transaction, the WS-Security
// UsernameToken of a protected operation: present (unless allowed
// missing), not throttled, the IIN's account password. Every failure is
// the same security fault, whether the IIN has an account or not.
func (s *Server) checkUsernameToken(r *request, req *soap.Request) error {
	certOnly, protected := needsToken[req.Operation.Local]
	if !protected {
		return nil
	}
	t := req.Security
	if t == nil || t.Username == "" {
		if s.opts.AllowMissingUsernameToken && !certOnly {
			return nil
		}
		return newError(CodeSecurityError, "")
	}
	return s.checkPassword(r, t.Username, "", func() error {
		err := s.Service().CheckPassword(r.ctx, t.Username, t.Password)
		if err != nil && !errors.Is(err, esfreg.ErrPasswordInvalid) && !errors.Is(err, esfreg.ErrUserNotRegistered) {
			return err
		}
		if err != nil {
			return errWrongPassword{newError(CodeSecurityError, "")}
		}
		return nil
	})
}

// errWrongPassword marks a refusal that counts against the throttle.
type errWrongPassword struct{ error }

func (e errWrongPassword) Unwrap() error { return e.error }

// checkPassword runs one password check of iin through the throttle, in
// r's transaction: refused at once while iin is locked out; check's
// failure counts against iin when it is (or wraps) errWrongPassword or
// esfreg.ErrPasswordInvalid, and that count is kept though the request
// fails (keep); a success clears the count. field names the refused
// field.
func (s *Server) checkPassword(r *request, iin, field string, check func() error) error {
	locked, err := s.throttled(r, iin)
	if err != nil {
		return err
	}
	if locked {
		return newError(CodeTooManyAttempts, field)
	}
	err = check()
	var wrong errWrongPassword
	switch {
	case errors.As(err, &wrong):
		if ferr := s.failedLogin(r, iin); ferr != nil {
			return ferr
		}
		return keep{wrong.error}
	case errors.Is(err, esfreg.ErrPasswordInvalid):
		if ferr := s.failedLogin(r, iin); ferr != nil {
			return ferr
		}
		return keep{err}
	case err == nil:
		return s.clearFailures(r, iin)
	}
	return err
}

// Password-check throttling: after MaxFailedLogins failed password checks
// of one IIN within LoginWindow — the UsernameToken, the portal's log-in,
// a registration's current password alike — every further check of that
// IIN is refused (TOO_MANY_ATTEMPTS) until the window has passed, even
// with the right password. IINs without an account are counted alike.
// The counts are kindFailure records in the store, so every replica
// counts the same failures; each expires with the window and retention
// prunes it.
const (
	MaxFailedLogins = 5
	LoginWindow     = 15 * time.Minute
)

// failures returns iin's failed checks within the window.
func failures(r *request, iin string) ([]time.Time, error) {
	var list []time.Time
	err := getJSON(r.tx, kindFailure, iin, &list)
	if errors.Is(err, esfreg.ErrNotFound) {
		if r.clean == nil {
			r.clean = map[string]bool{}
		}
		r.clean[iin] = true // clearFailures need not look again
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	recent := list[:0]
	for _, t := range list {
		if r.now.Sub(t) < LoginWindow {
			recent = append(recent, t)
		}
	}
	return recent, nil
}

// throttled reports whether iin has too many recent failed password checks.
func (s *Server) throttled(r *request, iin string) (bool, error) {
	if iin == "" {
		return false, nil
	}
	recent, err := failures(r, iin)
	return len(recent) >= MaxFailedLogins, err
}

func (s *Server) failedLogin(r *request, iin string) error {
	if iin == "" {
		return nil
	}
	recent, err := failures(r, iin)
	if err != nil {
		return err
	}
	recent = append(recent, r.now)
	delete(r.clean, iin)
	return putJSON(r.tx, kindFailure, iin, iin, r.now.Add(LoginWindow), recent)
}

func (s *Server) clearFailures(r *request, iin string) error {
	if iin == "" || r.clean[iin] {
		return nil
	}
	if _, err := r.tx.Record(kindFailure, iin); errors.Is(err, esfreg.ErrNotFound) {
		return nil // most log-ins: no write
	}
	return r.tx.DeleteRecord(kindFailure, iin)
}
