package mockserver

import (
	"context"
	"time"

	"github.com/esfkit/esf/mockserver/mockstore"
)

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

// pruneIfDue deletes, at most once per pruneEvery (on the server's clock,
// per process), the records retention has let go: ended API sessions,
// used or expired tickets, e-mails, registrations abandoned between their
// steps, stale throttle counts and idle web sessions, each by the Expires
// it was stored with. Open sessions, live tickets and everything of
// esfreg's (accounts, the register, requests, tokens) are kept. It runs
// in a transaction of its own, after a request's has committed; a failure
// is logged.
func (s *Server) pruneIfDue(ctx context.Context) {
	now := s.clock.Now()
	last := s.lastPrune.Load()
	if d := now.UnixNano() - last; d >= 0 && d < int64(pruneEvery) || !s.lastPrune.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	if err := s.prune(ctx, now); err != nil {
		s.log.Warn("retention: prune failed", "err", err)
	}
}

// prune deletes every record whose Expires is not after now.
func (s *Server) prune(ctx context.Context, now time.Time) error {
	return s.store.Update(ctx, func(tx mockstore.Tx) error {
		for _, kind := range []string{kindSession, kindTicket, kindMail, kindApp, kindFailure, kindWebSession} {
			if _, err := tx.DeleteExpired(kind, now); err != nil {
				return err
			}
		}
		return nil
	})
}
