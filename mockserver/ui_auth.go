package mockserver

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/esfkit/esf/esfreg"
)

// How a browser proves it may use the tooling pages, and that a form is
// the pages' own:
//
//   - The pages' key: 32 random bytes kept in the store (the setting
//     "ui-key"), made at the first use, so every replica shares it; a
//     reset or a state load drops it, and every cookie below with it.
//   - Sign-in (a mock with a control token only): the token typed into
//     the sign-in form sets the session cookie — the issue time (on the
//     base clock, which the control API's clock does not move) and
//     HMAC(key, time, SHA-256(token)) — HttpOnly, SameSite=Strict,
//     Path=/_mock/, Secure on TLS, good for UISessionTTL and only on
//     /_mock/ui/ (the JSON control API takes the bearer header alone).
//     A changed token ends every session.
//   - CSRF: a random nonce in a cookie of its own (HttpOnly, SameSite=Lax:
//     it grants nothing by itself) and, in every form, the hidden field
//     csrf = HMAC(key, nonce); a POST needs both to match, and is refused
//     when the browser says it comes from another origin (Origin,
//     Sec-Fetch-Site). This holds with and without a token, so a page of
//     another site open in the developer's browser cannot post to a mock
//     on loopback.

// UISessionTTL is how long the tooling pages' sign-in lasts.
const UISessionTTL = 12 * time.Hour

const (
	uiSessionCookie = "esf_mock_ui_session"
	uiCSRFCookie    = "esf_mock_ui_csrf"
	uiFlashCookie   = "esf_mock_ui_flash"
	uiCSRFField     = "csrf"
	settingUIKey    = "ui-key"
)

// uiKey returns the pages' key, making it at the first use.
func (s *Server) uiKey(ctx context.Context) ([]byte, error) {
	var key []byte
	err := s.view(ctx, func(r *request) error {
		err := getJSON(r.tx, kindSetting, settingUIKey, &key)
		if errors.Is(err, esfreg.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil || len(key) == sha256.Size {
		return key, err
	}
	fresh := make([]byte, sha256.Size)
	if _, err := io.ReadFull(s.rand, fresh); err != nil {
		return nil, fmt.Errorf("mockserver: random: %w", err)
	}
	err = s.update(ctx, func(r *request) error {
		key = nil
		err := getJSON(r.tx, kindSetting, settingUIKey, &key)
		switch {
		case err == nil && len(key) == sha256.Size:
			return nil // another request made it
		case err != nil && !errors.Is(err, esfreg.ErrNotFound):
			return err
		}
		key = fresh
		return putJSON(r.tx, kindSetting, settingUIKey, "", time.Time{}, fresh)
	})
	if err != nil {
		return nil, err
	}
	return key, nil
}

func uiMAC(key []byte, parts ...string) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return m.Sum(nil)
}

// uiSessionValue is the session cookie's value for a sign-in at issued.
func uiSessionValue(key []byte, token string, issued time.Time) string {
	n := strconv.FormatInt(issued.Unix(), 10)
	return n + "." + base64.RawURLEncoding.EncodeToString(uiSessionMAC(key, token, n))
}

func uiSessionMAC(key []byte, token, issued string) []byte {
	sum := sha256.Sum256([]byte(token))
	return uiMAC(key, "esf-mock-ui-session", issued, string(sum[:]))
}

// checkUISession reports whether value is a session cookie of key and
// token, issued within UISessionTTL before now.
func checkUISession(key []byte, token, value string, now time.Time) bool {
	issued, mac, ok := strings.Cut(value, ".")
	if !ok || len(issued) > 19 {
		return false
	}
	n, err := strconv.ParseInt(issued, 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != issued {
		return false
	}
	got, err := base64.RawURLEncoding.DecodeString(mac)
	if err != nil || !hmac.Equal(got, uiSessionMAC(key, token, issued)) {
		return false
	}
	age := now.Sub(time.Unix(n, 0))
	return age >= -time.Minute && age < UISessionTTL
}

// validUISession reports whether r carries a valid sign-in cookie.
func (s *Server) validUISession(r *http.Request, key []byte) bool {
	c, err := r.Cookie(uiSessionCookie)
	return err == nil && checkUISession(key, s.opts.ControlToken, c.Value, s.clock.base())
}

// uiCSRFNonce returns the browser's CSRF nonce, or a new one (fresh).
func (s *Server) uiCSRFNonce(r *http.Request) (nonce string, fresh bool, err error) {
	if c, err := r.Cookie(uiCSRFCookie); err == nil && len(c.Value) == 32 {
		if _, err := hex.DecodeString(c.Value); err == nil {
			return c.Value, false, nil
		}
	}
	nonce, err = s.randomHex(16)
	return nonce, true, err
}

// uiCSRFToken is the forms' csrf field for a browser's nonce.
func uiCSRFToken(key []byte, nonce string) string {
	return base64.RawURLEncoding.EncodeToString(uiMAC(key, "esf-mock-ui-csrf", nonce))
}

// setUIFlash leaves msg for the next page this browser opens.
func (s *Server) setUIFlash(w http.ResponseWriter, r *http.Request, key []byte, msg string) {
	if key == nil || msg == "" {
		return
	}
	v := base64.RawURLEncoding.EncodeToString([]byte(msg)) + "." +
		base64.RawURLEncoding.EncodeToString(uiMAC(key, "esf-mock-ui-flash", msg))
	http.SetCookie(w, &http.Cookie{Name: uiFlashCookie, Value: v, Path: uiPrefix, MaxAge: 60, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
}

// takeUIFlash returns the message setUIFlash left, and clears it.
func (s *Server) takeUIFlash(w http.ResponseWriter, r *http.Request, key []byte) (string, bool) {
	c, err := r.Cookie(uiFlashCookie)
	if err != nil || key == nil {
		return "", false
	}
	http.SetCookie(w, &http.Cookie{Name: uiFlashCookie, Value: "", Path: uiPrefix, MaxAge: -1, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	enc, mac, ok := strings.Cut(c.Value, ".")
	if !ok {
		return "", false
	}
	msg, err1 := base64.RawURLEncoding.DecodeString(enc)
	sum, err2 := base64.RawURLEncoding.DecodeString(mac)
	if err1 != nil || err2 != nil || !hmac.Equal(sum, uiMAC(key, "esf-mock-ui-flash", string(msg))) {
		return "", false
	}
	return string(msg), true
}

// uiNext is where the sign-in goes on: a tooling page's path given in
// next, or the overview.
func uiNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || strings.HasPrefix(next, "//") ||
		strings.ContainsAny(next, "\\\r\n") || !strings.HasPrefix(u.Path, uiPrefix) || strings.Contains(u.Path, "/..") {
		return uiPrefix
	}
	return u.RequestURI()
}

// uiSignInData is the sign-in page's.
type uiSignInData struct {
	Next     string
	SignedIn bool
}

// handleUISignInPage serves GET /_mock/ui/signin[?next=path]: the form for
// the control token (a mock without one needs none: the overview).
func (s *Server) handleUISignInPage(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	next := uiNext(r.URL.Query().Get("next"))
	if s.opts.ControlToken == "" {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	signedIn := s.authorizeControl(r) == nil || uiStateOf(r).CookieAuth
	s.uiRender(w, r, http.StatusOK, "signin", &uiPage{Title: "Sign in", Data: uiSignInData{Next: next, SignedIn: signedIn}})
}

// handleUISignIn serves POST /_mock/ui/signin (token, next): the right
// token sets the session cookie and goes on to next; a wrong one is
// refused beside the field, in constant time.
func (s *Server) handleUISignIn(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	next := uiNext(r.PostForm.Get("next"))
	if s.opts.ControlToken == "" {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	got := sha256.Sum256([]byte(r.PostForm.Get("token")))
	want := sha256.Sum256([]byte(s.opts.ControlToken))
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		msg := "Not the mock's control token (the one it printed at start, or --control-token)."
		if r.PostForm.Get("token") == "" {
			msg = "Required: the control token the mock printed at start."
		}
		s.uiRender(w, r, http.StatusUnauthorized, "signin", &uiPage{Title: "Sign in",
			Errors: map[string]string{"token": msg}, Data: uiSignInData{Next: next}})
		return
	}
	st := uiStateOf(r)
	http.SetCookie(w, &http.Cookie{Name: uiSessionCookie, Value: uiSessionValue(st.key, s.opts.ControlToken, s.clock.base()),
		Path: ControlPrefix, MaxAge: int(UISessionTTL / time.Second), HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	s.uiDone(w, r, next, "Signed in: this browser may use the tooling pages for "+UISessionTTL.String()+".")
}

// handleUISignOut serves POST /_mock/ui/signout: the session cookie goes.
func (s *Server) handleUISignOut(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	http.SetCookie(w, &http.Cookie{Name: uiSessionCookie, Value: "", Path: ControlPrefix, MaxAge: -1, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	s.uiDone(w, r, uiSignInPath, "Signed out.")
}
