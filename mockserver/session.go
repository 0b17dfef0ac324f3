package mockserver

import (
	"fmt"
	"time"

	"github.com/esfkit/esf/esfreg"
)

// Session statuses of the SOAP API (sessionStatus).
const (
	SessionOK       = "OK"
	SessionClosed   = "CLOSED"
	SessionNotFound = "NOT_FOUND"
)

// DefaultSessionIdle is how long an unused session stays open.
const DefaultSessionIdle = 30 * time.Minute

// Session is an API session (SessionService).
type Session struct {
	ID          string             `json:"id"`
	IIN         string             `json:"iin"`
	TIN         string             `json:"tin"`
	ProfileType esfreg.ProfileType `json:"businessProfileType"`
	Created     time.Time          `json:"created"`
	LastUsed    time.Time          `json:"lastUsed"`
	Closed      bool               `json:"closed"`
}

// sessions holds the API sessions: at most one open per user (IIN).
type sessions struct {
	byID map[string]*Session
	open map[string]string // IIN → open session ID
}

func (ss *sessions) init() {
	ss.byID = map[string]*Session{}
	ss.open = map[string]string{}
}

// openSessionLocked opens a session for a log-in, or fails with the real
// "already has opened session" fault when the user has one. s.mu is held.
func (s *Server) openSessionLocked(iin, tin string, pt esfreg.ProfileType) (*Session, error) {
	now := s.clock.Now()
	s.pruneLocked(now)
	if id, ok := s.sessions.open[iin]; ok {
		if sess := s.sessions.byID[id]; sess != nil && !sess.Closed && now.Sub(sess.LastUsed) < DefaultSessionIdle {
			e := newError(CodeSessionAlreadyOpen, "")
			e.Message = fmt.Sprintf("Can`t create a new user session. User already has opened session with id %s", id)
			return nil, e
		}
		s.closeSessionLocked(id)
	}
	hex, err := s.randomHex(16)
	if err != nil {
		return nil, err
	}
	id := fmt.Sprintf("%s-%s-", hex, tin)
	if pt != "" {
		id += "-" + string(pt)
	}
	sess := &Session{ID: id, IIN: iin, TIN: tin, ProfileType: pt, Created: now, LastUsed: now}
	s.sessions.byID[id] = sess
	s.sessions.open[iin] = id
	return sess, nil
}

func (s *Server) closeSessionLocked(id string) {
	sess := s.sessions.byID[id]
	if sess == nil {
		return
	}
	sess.Closed = true
	if s.sessions.open[sess.IIN] == id {
		delete(s.sessions.open, sess.IIN)
	}
}

// sessionStatusLocked returns OK, CLOSED or NOT_FOUND; an idle session
// closes by timeout.
func (s *Server) sessionStatusLocked(id string) (*Session, string) {
	sess := s.sessions.byID[id]
	if sess == nil {
		return nil, SessionNotFound
	}
	if !sess.Closed && s.clock.Now().Sub(sess.LastUsed) >= DefaultSessionIdle {
		s.closeSessionLocked(id)
	}
	if sess.Closed {
		return sess, SessionClosed
	}
	return sess, SessionOK
}

// Sessions returns every API session the server knows.
func (s *Server) Sessions() []Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Session, 0, len(s.sessions.byID))
	for _, sess := range s.sessions.byID {
		out = append(out, *sess)
	}
	return out
}
