package mockserver

import "time"

// DefaultRetention is how long the mock keeps what is over — closed API
// sessions, used or expired tickets, e-mails — when Options.Retention is
// zero: long enough for any test to read back what it did, short enough
// that a sandbox that runs for months does not grow with every log-in.
const DefaultRetention = 7 * 24 * time.Hour

// pruneEvery is how often (on the server's clock) a write looks for what
// the retention window has passed.
const pruneEvery = time.Minute

// retention is the window in force; negative means keep everything.
func (s *Server) retention() time.Duration {
	switch r := s.opts.Retention; {
	case r == 0:
		return DefaultRetention
	default:
		return r
	}
}

// pruneLocked drops, at most once per pruneEvery, what ended more than
// the retention window ago: closed (or idle-expired) API sessions, used
// or expired tickets, e-mails. Open sessions, live tickets and everything
// of esfreg's (accounts, the register, requests, tokens) are kept. s.mu
// is held.
func (s *Server) pruneLocked(now time.Time) {
	ret := s.retention()
	if ret < 0 || now.Sub(s.lastPrune) < pruneEvery && now.After(s.lastPrune) {
		return
	}
	s.lastPrune = now
	cutoff := now.Add(-ret)
	for id, sess := range s.sessions.byID {
		ended := sess.Closed || now.Sub(sess.LastUsed) >= DefaultSessionIdle
		if ended && sess.LastUsed.Before(cutoff) {
			if s.sessions.open[sess.IIN] == id {
				delete(s.sessions.open, sess.IIN)
			}
			delete(s.sessions.byID, id)
		}
	}
	for k, t := range s.tickets {
		if (t.Used && t.Issued.Before(cutoff)) || t.Expires.Before(cutoff) {
			delete(s.tickets, k)
		}
	}
	keep := s.outbox[:0]
	for _, m := range s.outbox {
		if !m.SentAt.Before(cutoff) {
			keep = append(keep, m)
		}
	}
	clear(s.outbox[len(keep):])
	s.outbox = keep
}
