// Package mockstore is the storage interface of the mock ESF server
// (mockserver): one transaction per request over esfreg's state and the
// mock's own records, and NewMemStore, which keeps it all in memory.
// mockserver/sqlstore implements it in SQLite and PostgreSQL, and
// mockserver/storetest is the suite every implementation passes.
package mockstore

import (
	"context"
	"errors"
	"time"

	"github.com/esfkit/esf/esfreg"
)

// Store is where a mockserver.Server keeps its state: esfreg's (accounts, the register,
// registration requests, tokens) and the mock's own records (API sessions,
// tickets, registrations in progress, the outbox, log-in throttle counters,
// queued faults, the clock's offset, trust settings). Every request's
// reads and writes go through one transaction: a request whose transaction
// fails leaves no trace, and a write is acknowledged only once committed.
//
// NewMemStore keeps it in memory (the default); mockserver/sqlstore keeps it
// in SQLite (one process, a file) or PostgreSQL (any number of replicas of
// the mock against one database). Every invariant the mock keeps — one
// winning registration per BIN, one open API session per user, single-use
// tickets and links, throttle counters — rests on the store's transactions
// and keys, not on a lock in the Server's process. The suite in
// mockserver/storetest runs every implementation through the same cases.
type Store interface {
	// Update and View are esfreg.Store's, with the mock's Tx.
	Update(ctx context.Context, fn func(tx Tx) error) error
	View(ctx context.Context, fn func(tx Tx) error) error
	// Close releases the store.
	Close() error
}

// Tx is one transaction of a Store: esfreg's stores and the mock's records.
type Tx interface {
	esfreg.Tx
	Records
	// Clear deletes everything: esfreg's state and every record.
	Clear() error
}

// Records hold the mock's own state as opaque values under (kind, key).
// Kinds are the mock's (such as "session" or "ticket"); a store keeps them
// in one table, and must not interpret Data.
type Records interface {
	// Record returns the record of kind with key, or esfreg.ErrNotFound.
	Record(kind, key string) (Record, error)
	// InsertRecord stores a new record, or returns esfreg.ErrExists if
	// kind already has one with r.Key. The store enforces this with its
	// key (a primary key in SQL), so it holds across processes.
	InsertRecord(kind string, r Record) error
	// PutRecord stores r, replacing the record of kind with r.Key if any.
	PutRecord(kind string, r Record) error
	// DeleteRecord deletes a record; a missing one is not an error.
	DeleteRecord(kind, key string) error
	// RecordsOf returns the records of kind whose Owner is owner — every
	// record of kind when owner is "" — ordered by Key.
	RecordsOf(kind, owner string) ([]Record, error)
	// DeleteExpired deletes the records of kind whose Expires is set and
	// not after before, and returns how many it deleted.
	DeleteExpired(kind string, before time.Time) (int, error)
	// NextNumber draws the next number of the counter name (CounterMail,
	// CounterFault; another name is ErrUnknownCounter): 1 at first, and
	// then greater than every number drawn by a transaction that
	// committed, in any process sharing the store. Numbers are not
	// consecutive: one drawn by a transaction that rolled back may be
	// skipped, and PostgreSQL draws them from a sequence, outside the
	// transaction, so that writers drawing numbers at once never wait for
	// each other nor conflict (a counter kept in a row made every pair of
	// registrations sending an e-mail at once a serialization failure).
	// Clear leaves the counters as they are.
	NextNumber(name string) (int64, error)
	// RaiseNumber makes every number NextNumber draws from now on greater
	// than n; a counter past n already is left alone.
	RaiseNumber(name string, n int64) error
}

// The counters of NextNumber.
const (
	// CounterMail numbers the e-mails of the mock's outbox.
	CounterMail = "mail"
	// CounterFault numbers the faults queued through the control API.
	CounterFault = "fault"
)

// ErrUnknownCounter is NextNumber's and RaiseNumber's error for a name
// that is not one of the counters.
var ErrUnknownCounter = errors.New("mockstore: unknown counter")

// KnownCounter reports whether name is one of the counters.
func KnownCounter(name string) bool { return name == CounterMail || name == CounterFault }

// Record is one of the mock's records.
type Record struct {
	// Key identifies the record within its kind.
	Key string
	// Owner is what RecordsOf selects by (an IIN, an e-mail address);
	// empty if none.
	Owner string
	// Expires, when set, is when DeleteExpired may delete the record.
	Expires time.Time
	// Data is the value, as the mock encoded it.
	Data []byte
}

// Esfreg returns st as an esfreg.Store, for an esfreg.Service whose rules
// run over the mock's state.
func Esfreg(st Store) esfreg.Store { return esfregStore{st} }

type esfregStore struct{ st Store }

func (e esfregStore) Update(ctx context.Context, fn func(esfreg.Tx) error) error {
	return e.st.Update(ctx, func(tx Tx) error { return fn(tx) })
}

func (e esfregStore) View(ctx context.Context, fn func(esfreg.Tx) error) error {
	return e.st.View(ctx, func(tx Tx) error { return fn(tx) })
}
