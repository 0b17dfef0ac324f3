package mockserver

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/esfkit/esf/esfreg"
)

// Web sessions: a successful log-in on the portal (POST /esf-web/ajax/login,
// or the first log-in through the e-mailed link) sets a session cookie for
// the pages. The cookie holds 256 random bits; the store keeps the session
// as a kindWebSession record under the cookie value's SHA-256 (owner the
// IIN), so a copy of the store opens no session, and any replica reads
// any other's sessions. A session ends after WebSessionIdle unused on the
// server's clock (which the control API moves), at log-out, or at the
// person's next log-in. A Dump leaves web sessions out, and a Load or a
// Reset ends them all.

// WebSessionCookie is the name of the pages' session cookie: HttpOnly,
// SameSite=Strict, Path=/esf-web/, Secure on a TLS connection.
const WebSessionCookie = "esf-web-session"

// WebSessionIdle is how long an unused web session stays open.
const WebSessionIdle = 30 * time.Minute

// webTouchEvery is how stale a session's LastUsed may get before a page
// view writes it anew: a write per minute per session, not per page.
const webTouchEvery = time.Minute

// kindWebSession are the web sessions, by the SHA-256 of the cookie value;
// owner the IIN.
const kindWebSession = "web-session"

// webSession is a kindWebSession record.
type webSession struct {
	IIN string `json:"iin"`
	// TIN and ProfileType are the profile chosen at log-in (or later);
	// empty while a person with several profiles has not chosen one.
	TIN         string             `json:"tin,omitempty"`
	ProfileType esfreg.ProfileType `json:"businessProfileType,omitempty"`
	Created     time.Time          `json:"created"`
	LastUsed    time.Time          `json:"lastUsed"`
}

// webView is the web session as a page shows it.
type webView struct {
	IIN         string
	TIN         string
	ProfileType esfreg.ProfileType
}

// webSessionKey is the record key of a cookie value.
func webSessionKey(id string) string {
	sum := sha256.Sum256([]byte("esf mock web session\x00" + id))
	return hex.EncodeToString(sum[:])
}

func putWebSession(r *request, key string, sess *webSession) error {
	return putJSON(r.tx, kindWebSession, key, sess.IIN, sess.LastUsed.Add(WebSessionIdle), sess)
}

// getWebSession returns the open session of key, or nil (none, or idle
// past WebSessionIdle).
func getWebSession(r *request, key string) (*webSession, error) {
	var sess webSession
	err := getJSON(r.tx, kindWebSession, key, &sess)
	if errors.Is(err, esfreg.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if r.now.Sub(sess.LastUsed) >= WebSessionIdle {
		return nil, nil
	}
	return &sess, nil
}

// cookieKey returns the record key of the request's session cookie, or "".
func cookieKey(r *http.Request) string {
	c, err := r.Cookie(WebSessionCookie)
	if err != nil || c.Value == "" || len(c.Value) > 128 {
		return ""
	}
	return webSessionKey(c.Value)
}

// webLogin makes a log-in's web session in its transaction (portalLogin's
// after): the profile the log-in chose, or the person's only active one.
// The session the request carried, if any, ends (a new ID at each
// log-in: no session fixation). *id is the new cookie value.
func (s *Server) webLogin(req *http.Request, id *string) func(r *request, res *esfreg.LoginResult) error {
	return func(r *request, res *esfreg.LoginResult) error {
		if old := cookieKey(req); old != "" {
			if err := r.tx.DeleteRecord(kindWebSession, old); err != nil {
				return err
			}
		}
		b := make([]byte, 32)
		if _, err := io.ReadFull(s.rand, b); err != nil {
			return fmt.Errorf("mockserver: random: %w", err)
		}
		*id = base64.RawURLEncoding.EncodeToString(b)
		sess := &webSession{IIN: res.Account.IIN, Created: r.now, LastUsed: r.now}
		if res.Profile != nil {
			sess.TIN, sess.ProfileType = res.Profile.TIN, res.Profile.Type
		} else if ap := res.Account.ActiveProfiles(); len(ap) == 1 {
			sess.TIN, sess.ProfileType = ap[0].TIN, ap[0].Type
		}
		return insertJSON(r.tx, kindWebSession, webSessionKey(*id), sess.IIN, sess.LastUsed.Add(WebSessionIdle), sess)
	}
}

// setSessionCookie sets the web session's cookie.
func setSessionCookie(w http.ResponseWriter, r *http.Request, id string) {
	http.SetCookie(w, &http.Cookie{Name: WebSessionCookie, Value: id, Path: PortalPath,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
}

// clearSessionCookie tells the browser to forget the session cookie.
func (s *Server) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: WebSessionCookie, Value: "", Path: PortalPath, MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
}

// webSessionView returns the request's open web session, or nil, and
// records its use (at most once per webTouchEvery).
func (s *Server) webSessionView(r *http.Request) (*webView, error) {
	key := cookieKey(r)
	if key == "" {
		return nil, nil
	}
	var sess *webSession
	var stale bool
	err := s.view(r.Context(), func(rq *request) error {
		var err error
		sess, err = getWebSession(rq, key)
		stale = sess != nil && rq.now.Sub(sess.LastUsed) >= webTouchEvery
		return err
	})
	if err != nil || sess == nil {
		return nil, err
	}
	if stale {
		err = s.update(r.Context(), func(rq *request) error {
			cur, err := getWebSession(rq, key)
			if err != nil || cur == nil {
				sess = cur
				return err
			}
			cur.LastUsed = rq.now
			sess = cur
			return putWebSession(rq, key, cur)
		})
		if err != nil || sess == nil {
			return nil, err
		}
	}
	return &webView{IIN: sess.IIN, TIN: sess.TIN, ProfileType: sess.ProfileType}, nil
}

// endWebSession deletes the request's web session and its cookie.
func (s *Server) endWebSession(w http.ResponseWriter, r *http.Request) {
	if key := cookieKey(r); key != "" {
		err := s.update(r.Context(), func(rq *request) error { return rq.tx.DeleteRecord(kindWebSession, key) })
		if err != nil {
			s.log.Warn("log-out", "err", err)
		}
	}
	s.clearSessionCookie(w, r)
}

// handleLogout serves POST /esf-web/logout: the web session ends, and the
// browser goes to the log-in page.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	if crossSite(r) {
		s.writeError(w, newError(CodeBadRequest, "Origin"))
		return
	}
	s.endWebSession(w, r)
	http.Redirect(w, r, LoginPagePath, http.StatusSeeOther)
}

// ProfileChoice is the body of POST /esf-web/ajax/profile: the profile the
// web session acts as, by TIN and (when one TIN has several) type.
type ProfileChoice struct {
	TIN         string             `json:"tin"`
	ProfileType esfreg.ProfileType `json:"businessProfileType,omitempty"`
}

// handleProfileChoice serves POST /esf-web/ajax/profile: a person with
// several profiles chooses one for his web session (after log-in, or on
// the account page). Without an open web session it is SESSION_CLOSED.
func (s *Server) handleProfileChoice(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	if crossSite(r) {
		s.writeError(w, newError(CodeBadRequest, "Origin"))
		return
	}
	var req ProfileChoice
	if err := readJSON(r, &req); err != nil {
		s.writeError(w, err)
		return
	}
	key := cookieKey(r)
	var chosen esfreg.Profile
	err := s.update(r.Context(), func(rq *request) error {
		sess, err := getWebSession(rq, key)
		if err != nil {
			return err
		}
		if key == "" || sess == nil {
			return newError(CodeSessionClosed, "")
		}
		acct, err := s.Service().Account(rq.ctx, sess.IIN)
		if err != nil {
			return err
		}
		if chosen, err = acct.SelectProfile(req.TIN, req.ProfileType); err != nil {
			return err
		}
		sess.TIN, sess.ProfileType, sess.LastUsed = chosen.TIN, chosen.Type, rq.now
		return putWebSession(rq, key, sess)
	})
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "profile": chosen, "redirect": AccountPagePath})
}
