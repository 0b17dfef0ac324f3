package mockserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver/mockstore"
)

// The mock's own records in its store (mockstore.Records), by kind. The
// invariants rest on their keys: one open session per user is one
// kindOpenSession record per IIN, inserted (not put), so two log-ins that
// race — in one process or in two replicas — cannot both insert it.
const (
	kindSession     = "session"       // by session ID, owner the IIN
	kindOpenSession = "open-session"  // by IIN: the ID of the user's open session
	kindTicket      = "ticket"        // by state
	kindApp         = "application"   // registrations between steps, by the ID's SHA-256
	kindMail        = "mail"          // by mailKey(ID), owner the address in lower case
	kindFailure     = "login-failure" // failed password checks, by IIN
	kindFault       = "fault"         // queued faults, by seqKey
	kindTrust       = "trust"         // CAs and CRLs added, by SHA-256; owner "ca" or "crl"
	kindSetting     = "setting"       // settingShared, settingUIKey
)

const (
	// settingShared holds what every replica reads at each request's
	// start: the clock's offset, the trust generation, the queued faults.
	settingShared = "shared"
	// settingMailSeq and settingFaultSeq are where versions before the
	// store's counters (mockstore.CounterMail, CounterFault) kept the last
	// e-mail's ID and the last queued fault's: New moves them
	// (moveCounters).
	settingMailSeq  = "mail-seq"
	settingFaultSeq = "fault-seq"
)

// legacyCounters are the setting records of the counters of earlier
// versions, and the store's counters they became.
var legacyCounters = []struct{ key, counter string }{
	{settingMailSeq, mockstore.CounterMail},
	{settingFaultSeq, mockstore.CounterFault},
}

// moveCounters moves the counters an earlier version kept in setting
// records to the store's counters, and deletes the records; a store
// without them is only read.
func (s *Server) moveCounters(ctx context.Context) error {
	found := false
	err := s.store.View(ctx, func(tx mockstore.Tx) error {
		for _, c := range legacyCounters {
			_, err := tx.Record(kindSetting, c.key)
			switch {
			case err == nil:
				found = true
			case !errors.Is(err, esfreg.ErrNotFound):
				return err
			}
		}
		return nil
	})
	if err == nil && found {
		err = s.store.Update(ctx, func(tx mockstore.Tx) error {
			for _, c := range legacyCounters {
				var n int64
				err := getJSON(tx, kindSetting, c.key, &n)
				if errors.Is(err, esfreg.ErrNotFound) {
					continue
				} else if err != nil {
					return err
				}
				if err := tx.RaiseNumber(c.counter, n); err != nil {
					return err
				}
				if err := tx.DeleteRecord(kindSetting, c.key); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err != nil {
		return fmt.Errorf("mockserver: store: moving the counters of an earlier version: %w", err)
	}
	return nil
}

// shared is the settingShared record.
type shared struct {
	// ClockOffset is added to the base clock (Options.Now).
	ClockOffset time.Duration `json:"clockOffset"`
	// TrustGen counts changes to the trust (Trust, AddCRL, Reset, Load):
	// a replica whose generation differs reloads it.
	TrustGen int64 `json:"trustGen"`
	// Faults is how many queued faults are left; at 0 no request looks.
	Faults int `json:"faults"`
	// TicketKey signs the tickets' states (ticket.go); made at the first
	// ticket, new after a Reset or a Load.
	TicketKey []byte `json:"ticketKey,omitempty"`
}

// getJSON reads the record kind/key into v.
func getJSON(tx mockstore.Records, kind, key string, v any) error {
	r, err := tx.Record(kind, key)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		return fmt.Errorf("mockserver: record %s/%s: %w", kind, key, err)
	}
	return nil
}

// putJSON stores v as the record kind/key.
func putJSON(tx mockstore.Records, kind, key, owner string, expires time.Time, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("mockserver: record %s/%s: %w", kind, key, err)
	}
	return tx.PutRecord(kind, mockstore.Record{Key: key, Owner: owner, Expires: expires, Data: data})
}

// insertJSON stores v as a new record kind/key, or returns esfreg.ErrExists.
func insertJSON(tx mockstore.Records, kind, key, owner string, expires time.Time, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("mockserver: record %s/%s: %w", kind, key, err)
	}
	return tx.InsertRecord(kind, mockstore.Record{Key: key, Owner: owner, Expires: expires, Data: data})
}

// readShared returns the settingShared record; none is the zero value.
// Every transaction reads it, and it seldom changes: the record is read
// each time, but decoded only when its bytes differ from the last ones
// decoded (lastShared).
func readShared(tx mockstore.Records) (shared, error) {
	rec, err := tx.Record(kindSetting, settingShared)
	if errors.Is(err, esfreg.ErrNotFound) {
		return shared{}, nil
	} else if err != nil {
		return shared{}, err
	}
	if last := lastShared.Load(); last != nil && bytes.Equal(last.raw, rec.Data) {
		return last.sh, nil // TicketKey is replaced, never changed in place
	}
	var sh shared
	if err := json.Unmarshal(rec.Data, &sh); err != nil {
		return shared{}, fmt.Errorf("mockserver: record %s/%s: %w", kindSetting, settingShared, err)
	}
	lastShared.Store(&decodedShared{raw: rec.Data, sh: sh})
	return sh, nil
}

// decodedShared is a settingShared record's bytes and their value.
type decodedShared struct {
	raw []byte
	sh  shared
}

// lastShared is the settingShared record readShared decoded last, in any
// Server of the process: the same bytes are the same value.
var lastShared atomic.Pointer[decodedShared]

// seqKey is a sequence number as a key that sorts in order.
func seqKey(n int) string { return fmt.Sprintf("%020d", n) }

// keep marks an error that refuses the request after its transaction
// commits: what the refusal itself wrote (a failed password check's count,
// a ticket expired on use) must stay.
type keep struct{ error }

func (k keep) Unwrap() error { return k.error }

// request is one request's work in the store: its transaction, and what to
// do once it has committed (relay e-mail).
type request struct {
	ctx    context.Context // carries tx for esfreg's rules
	tx     mockstore.Tx
	now    time.Time
	shared shared // as the transaction began
	after  []func()
	// spent is the ticket the request redeemed: if the request fails,
	// its transaction rolls back, but the ticket stays used.
	spent *ticket
	// clean are the IINs this transaction found without failed password
	// checks (kindFailure).
	clean map[string]bool
}

// update runs fn in one read-write transaction of the store, with the
// esfreg Service's rules joining it (esfreg.ContextWithTx). fn's error
// rolls everything back, except a keep error, which commits first. What
// fn queued with r.after runs once the commit succeeded. The store may
// run fn again after a serialization conflict: fn must act only through
// r.tx and r.after.
func (s *Server) update(ctx context.Context, fn func(r *request) error) error {
	var kept error
	var fnFailed bool
	var after []func()
	var spent *ticket
	fc, _ := ctx.Value(faultKey{}).(*faultCheck)
	err := s.store.Update(ctx, func(tx mockstore.Tx) error {
		r := &request{ctx: esfreg.ContextWithTx(ctx, tx), tx: tx}
		kept, after, spent, fnFailed = nil, nil, nil, false
		var k keep
		if err := s.begin(r, fc, true); errors.As(err, &k) {
			kept = k.error // a queued fault: its use commits
			return nil
		} else if err != nil {
			return err // the store's
		}
		err := fn(r)
		if errors.As(err, &k) {
			kept, err = k.error, nil
		}
		after, spent, fnFailed = r.after, r.spent, err != nil
		return err
	})
	if err != nil {
		if spent != nil {
			s.spendTicket(ctx, spent)
		}
		if !fnFailed {
			return storeFailed(err) // the transaction, not a rule, failed
		}
		return err
	}
	if fc != nil {
		fc.done = true
	}
	s.pruneIfDue(ctx)
	for _, f := range after {
		f()
	}
	return kept
}

// storeFailed is the answer to a request whose transaction could not
// start or commit (a full disk, a lost database): SYSTEM_DOWN, with the
// cause, and nothing of the request kept.
func storeFailed(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	e := newError(CodeInternal, "")
	e.Message = "Внутренняя ошибка системы: изменения не сохранены (" + err.Error() + ")"
	e.English = "the store failed, nothing of the request was kept: " + err.Error()
	e.Description = e.Message
	return &storeError{apiError: e, err: err}
}

// storeError is storeFailed's error: the answer, and the store's error
// for errors.Is.
type storeError struct {
	*apiError
	err error
}

func (e *storeError) Unwrap() []error { return []error{e.apiError, e.err} }

// view runs fn in a read-only transaction.
func (s *Server) view(ctx context.Context, fn func(r *request) error) error {
	fc, _ := ctx.Value(faultKey{}).(*faultCheck)
	var fnFailed bool
	err := s.store.View(ctx, func(tx mockstore.Tx) error {
		r := &request{ctx: esfreg.ContextWithTx(ctx, tx), tx: tx}
		if err := s.begin(r, fc, false); err != nil {
			return err
		}
		err := fn(r)
		fnFailed = err != nil
		return err
	})
	switch {
	case errors.Is(err, errFaultPending):
		// A queued fault matches: use it up in a transaction that writes.
		return s.update(ctx, func(*request) error { return nil })
	case err != nil && !fnFailed:
		return storeFailed(err)
	case err == nil && fc != nil:
		fc.done = true
	}
	return err
}

// A request's queued fault (POST /_mock/faults) is looked for in its
// first transaction: withFault names what the request is (a SOAP
// operation, a portal step), and the transaction's start (begin) answers
// with the fault, using it up, when one is queued for that name.
type faultKey struct{}

type faultCheck struct {
	key  string
	done bool // a transaction of the request has looked
}

func withFault(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, faultKey{}, &faultCheck{key: key})
}

// errFaultPending tells view that a fault is queued for its request,
// which a read-only transaction cannot use up.
var errFaultPending = errors.New("mockserver: a queued fault matches")

// begin starts every transaction of a request: it reads what the control
// API of any replica may have changed — the clock's offset, the trust,
// the queued faults — in the transaction itself, sets r.now, and answers
// with the request's queued fault, if any (using it up when write).
func (s *Server) begin(r *request, fc *faultCheck, write bool) error {
	sh, err := readShared(r.tx)
	if err != nil {
		return err
	}
	r.shared = sh
	s.clock.setOffset(sh.ClockOffset)
	if sh.TrustGen != s.trustGen.Load() {
		if err := s.loadTrust(r.tx, sh.TrustGen); err != nil {
			return err
		}
	}
	r.now = s.clock.Now()
	if fc == nil || fc.done || sh.Faults == 0 {
		return nil
	}
	return s.consumeFault(r, fc.key, write)
}

// refresh reads what the control API of any replica may have changed —
// the clock's offset, the trust — and uses up a fault queued for the
// request, for a caller outside a request's transaction (every
// transaction does so anyway: begin).
func (s *Server) refresh(ctx context.Context) error {
	return s.view(ctx, func(*request) error { return nil })
}

// changeShared applies change to the settingShared record in r's
// transaction.
func changeShared(r *request, change func(*shared)) (shared, error) {
	sh, err := readShared(r.tx)
	if err != nil {
		return sh, err
	}
	change(&sh)
	return sh, putJSON(r.tx, kindSetting, settingShared, "", time.Time{}, sh)
}

// spendTicket marks t used after its request failed: a signed ticket is
// good for one attempt, whatever the attempt's outcome.
func (s *Server) spendTicket(ctx context.Context, t *ticket) {
	err := s.store.Update(ctx, func(tx mockstore.Tx) error {
		return s.putTicket(&request{ctx: ctx, tx: tx}, t)
	})
	if err != nil {
		s.log.Warn("ticket not marked used after a failed request", "err", err)
	}
}
