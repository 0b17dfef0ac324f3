package mockserver

import (
	"context"
	"errors"
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

// Sessions are kindSession records by ID (owner the IIN); a user's open
// session is also named by the kindOpenSession record of the IIN, which
// is inserted, never put, so two log-ins racing for one user cannot both
// open one.

// sessionExpires is when retention may prune sess: once it has ended
// (closed, or idle past DefaultSessionIdle) and the window has passed.
func (s *Server) sessionExpires(sess *Session) time.Time {
	ret := s.retention()
	if ret < 0 {
		return time.Time{}
	}
	end := sess.LastUsed
	if !sess.Closed {
		end = end.Add(DefaultSessionIdle)
	}
	return end.Add(ret)
}

func (s *Server) putSession(r *request, sess *Session) error {
	return putJSON(r.tx, kindSession, sess.ID, sess.IIN, s.sessionExpires(sess), sess)
}

// getSession returns the session with id, or nil.
func getSession(r *request, id string) (*Session, error) {
	if id == "" {
		return nil, nil
	}
	var sess Session
	err := getJSON(r.tx, kindSession, id, &sess)
	if errors.Is(err, esfreg.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &sess, nil
}

// openSession opens a session for a log-in, or fails with the real
// "already has opened session" fault when the user has one.
func (s *Server) openSession(r *request, iin, tin string, pt esfreg.ProfileType) (*Session, error) {
	now := r.now
	var openID string
	err := getJSON(r.tx, kindOpenSession, iin, &openID)
	switch {
	case errors.Is(err, esfreg.ErrNotFound):
	case err != nil:
		return nil, err
	default:
		sess, err := getSession(r, openID)
		if err != nil {
			return nil, err
		}
		if sess != nil && !sess.Closed && now.Sub(sess.LastUsed) < DefaultSessionIdle {
			return nil, alreadyOpen(openID)
		}
		if err := s.closeSession(r, openID); err != nil {
			return nil, err
		}
		// The session may be gone already (pruned): the name goes too.
		if err := r.tx.DeleteRecord(kindOpenSession, iin); err != nil {
			return nil, err
		}
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
	if err := insertJSON(r.tx, kindOpenSession, iin, iin, time.Time{}, id); errors.Is(err, esfreg.ErrExists) {
		return nil, alreadyOpen("")
	} else if err != nil {
		return nil, err
	}
	if err := s.putSession(r, sess); err != nil {
		return nil, err
	}
	return sess, nil
}

func alreadyOpen(id string) error {
	e := newError(CodeSessionAlreadyOpen, "")
	if id != "" {
		e.Message = fmt.Sprintf("Can`t create a new user session. User already has opened session with id %s", id)
	}
	return e
}

// closeSession closes the session with id, if it is open.
func (s *Server) closeSession(r *request, id string) error {
	sess, err := getSession(r, id)
	if err != nil || sess == nil {
		return err
	}
	var openID string
	if err := getJSON(r.tx, kindOpenSession, sess.IIN, &openID); err == nil && openID == id {
		if err := r.tx.DeleteRecord(kindOpenSession, sess.IIN); err != nil {
			return err
		}
	} else if err != nil && !errors.Is(err, esfreg.ErrNotFound) {
		return err
	}
	if sess.Closed {
		return nil
	}
	sess.Closed = true
	return s.putSession(r, sess)
}

// sessionStatus returns the session with id and OK, CLOSED or NOT_FOUND;
// an idle session closes by timeout.
func (s *Server) sessionStatus(r *request, id string) (*Session, string, error) {
	sess, err := getSession(r, id)
	if err != nil {
		return nil, "", err
	}
	if sess == nil {
		return nil, SessionNotFound, nil
	}
	if !sess.Closed && r.now.Sub(sess.LastUsed) >= DefaultSessionIdle {
		if err := s.closeSession(r, id); err != nil {
			return nil, "", err
		}
		sess.Closed = true
	}
	if sess.Closed {
		return sess, SessionClosed, nil
	}
	return sess, SessionOK, nil
}

// Sessions returns every API session the store holds (until retention
// prunes the ended ones), ordered by ID. A store that fails is logged, and
// the list is empty.
func (s *Server) Sessions() []Session {
	out, err := s.sessionList(context.Background())
	if err != nil {
		s.log.Error("sessions", "err", err)
	}
	return out
}

func (s *Server) sessionList(ctx context.Context) ([]Session, error) {
	out := []Session{}
	err := s.view(ctx, func(r *request) error {
		return decodeAll(r.tx, kindSession, &out)
	})
	if err != nil {
		return []Session{}, err
	}
	return out, nil
}
