package mockstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/esfkit/esf/esfreg"
)

// NewMemStore returns an empty Store that keeps everything in memory: an
// esfreg.MemStore for esfreg's state and a map for the records, under the
// MemStore's one lock. Update runs one transaction at a time and, when fn
// returns an error or panics, undoes every write fn made to either part;
// View runs any number at once, and refuses writes with
// esfreg.ErrReadOnly. Record data is copied in and out.
func NewMemStore() Store {
	return &memStore{reg: esfreg.NewMemStore(), records: map[string]map[string]Record{}, counters: map[string]int64{}}
}

// memStore is NewMemStore's Store.
type memStore struct {
	reg *esfreg.MemStore
	// records are kind → key → record; guarded by reg's lock (held while
	// a transaction of reg runs), and replaced as a whole by Clear.
	records map[string]map[string]Record
	// counters are NextNumber's last numbers, guarded as records are; a
	// rolled-back transaction's numbers are taken back.
	counters map[string]int64
}

var _ Store = (*memStore)(nil)

// errTxDone is what a transaction's methods return once its Update or
// View has returned.
var errTxDone = errors.New("mockstore: transaction already ended")

// Update implements Store.
func (s *memStore) Update(ctx context.Context, fn func(tx Tx) error) error {
	return s.reg.Update(ctx, func(etx esfreg.Tx) error { return s.run(etx, true, fn) })
}

// View implements Store.
func (s *memStore) View(ctx context.Context, fn func(tx Tx) error) error {
	return s.reg.View(ctx, func(etx esfreg.Tx) error { return s.run(etx, false, fn) })
}

// run runs fn in etx, a transaction of s.reg, with the records. Its
// deferred rollback runs before etx's own: on a panic both parts are
// undone before the lock is released.
func (s *memStore) run(etx esfreg.Tx, write bool, fn func(tx Tx) error) error {
	tx := &memTx{Tx: etx, s: s, write: write}
	committed := false
	defer func() { tx.end(committed) }()
	if err := fn(tx); err != nil {
		return err
	}
	committed = true
	return nil
}

// Close implements Store; a memory store has nothing to release.
func (s *memStore) Close() error { return nil }

// memTx is a transaction of a memStore: esfreg's part is the
// esfreg.MemStore's transaction, the records' part keeps its own undo log.
type memTx struct {
	esfreg.Tx
	s     *memStore
	write bool
	done  bool
	undo  []func()
}

// end ends the transaction: unless it committed, it undoes its writes to
// the records, the last first.
func (t *memTx) end(commit bool) {
	if !commit {
		for i := len(t.undo) - 1; i >= 0; i-- {
			t.undo[i]()
		}
	}
	t.undo, t.done = nil, true
}

func (t *memTx) reading() error {
	if t.done {
		return errTxDone
	}
	return nil
}

func (t *memTx) writing() error {
	if t.done {
		return errTxDone
	}
	if !t.write {
		return esfreg.ErrReadOnly
	}
	return nil
}

// Clear implements Tx.
func (t *memTx) Clear() error {
	if err := t.writing(); err != nil {
		return err
	}
	// esfreg.MemStore's transactions can clear themselves (see its doc).
	c, ok := t.Tx.(interface{ Clear() error })
	if !ok {
		return errors.New("mockstore: esfreg's transaction cannot clear")
	}
	if err := c.Clear(); err != nil {
		return err
	}
	s := t.s
	old := s.records
	s.records = map[string]map[string]Record{}
	t.undo = append(t.undo, func() { s.records = old })
	return nil
}

// NextNumber implements Records.
func (t *memTx) NextNumber(name string) (int64, error) {
	if err := t.writing(); err != nil {
		return 0, err
	}
	if !KnownCounter(name) {
		return 0, fmt.Errorf("%w %q", ErrUnknownCounter, name)
	}
	t.setCounter(name, t.s.counters[name]+1)
	return t.s.counters[name], nil
}

// RaiseNumber implements Records.
func (t *memTx) RaiseNumber(name string, n int64) error {
	if err := t.writing(); err != nil {
		return err
	}
	if !KnownCounter(name) {
		return fmt.Errorf("%w %q", ErrUnknownCounter, name)
	}
	if n > t.s.counters[name] {
		t.setCounter(name, n)
	}
	return nil
}

// setCounter sets the counter name to n and logs how to undo it.
func (t *memTx) setCounter(name string, n int64) {
	s := t.s
	old := s.counters[name]
	s.counters[name] = n
	t.undo = append(t.undo, func() { s.counters[name] = old })
}

// clone returns a copy of r that shares no memory with it.
func (r Record) clone() Record {
	r.Data = bytes.Clone(r.Data)
	return r
}

// Record implements Records.
func (t *memTx) Record(kind, key string) (Record, error) {
	if err := t.reading(); err != nil {
		return Record{}, err
	}
	r, ok := t.s.records[kind][key]
	if !ok {
		return Record{}, esfreg.ErrNotFound
	}
	return r.clone(), nil
}

// InsertRecord implements Records.
func (t *memTx) InsertRecord(kind string, r Record) error {
	if err := t.writing(); err != nil {
		return err
	}
	if _, ok := t.s.records[kind][r.Key]; ok {
		return esfreg.ErrExists
	}
	t.set(kind, r.Key, r.clone(), true)
	return nil
}

// PutRecord implements Records.
func (t *memTx) PutRecord(kind string, r Record) error {
	if err := t.writing(); err != nil {
		return err
	}
	t.set(kind, r.Key, r.clone(), true)
	return nil
}

// DeleteRecord implements Records.
func (t *memTx) DeleteRecord(kind, key string) error {
	if err := t.writing(); err != nil {
		return err
	}
	t.set(kind, key, Record{}, false)
	return nil
}

// set stores r under (kind, key), or deletes the record if !ok, and logs
// how to undo it.
func (t *memTx) set(kind, key string, r Record, ok bool) {
	s := t.s
	old, had := s.records[kind][key]
	if !ok && !had {
		return
	}
	s.put(kind, key, r, ok)
	t.undo = append(t.undo, func() { s.put(kind, key, old, had) })
}

// put stores r under (kind, key), or deletes the record if !ok.
func (s *memStore) put(kind, key string, r Record, ok bool) {
	m := s.records[kind]
	if !ok {
		delete(m, key)
		if len(m) == 0 {
			delete(s.records, kind)
		}
		return
	}
	if m == nil {
		m = map[string]Record{}
		s.records[kind] = m
	}
	m[key] = r
}

// RecordsOf implements Records.
func (t *memTx) RecordsOf(kind, owner string) ([]Record, error) {
	if err := t.reading(); err != nil {
		return nil, err
	}
	var out []Record
	for _, r := range t.s.records[kind] {
		if owner == "" || r.Owner == owner {
			out = append(out, r.clone())
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// DeleteExpired implements Records.
func (t *memTx) DeleteExpired(kind string, before time.Time) (int, error) {
	if err := t.writing(); err != nil {
		return 0, err
	}
	var expired []string
	for key, r := range t.s.records[kind] {
		if !r.Expires.IsZero() && !r.Expires.After(before) {
			expired = append(expired, key)
		}
	}
	for _, key := range expired {
		t.set(kind, key, Record{}, false)
	}
	return len(expired), nil
}
