// Package storetest is the one suite every mockstore.Store passes, as
// the standard library's driver tests run every database/sql driver
// through the same cases: the memory store (mockstore.NewMemStore) and the
// SQL stores (mockserver/sqlstore, in SQLite and PostgreSQL).
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) mockstore.Store { return open(t) })
//	}
//
// Run gives every case a fresh, empty store from open and closes it when
// the case ends. The cases cover every method of mockstore.Tx: missing
// and duplicate keys (esfreg.ErrNotFound, esfreg.ErrExists), values that
// go in and come out as copies, the orders the interfaces promise, update
// functions that fail, records by owner and by expiry, the counters
// (NextNumber, RaiseNumber), Clear; the transactions: a failed or
// panicking Update leaves nothing, a View refuses writes
// (esfreg.ErrReadOnly), a commit is visible to the next transaction; and
// races: 50 goroutines inserting one key (one wins), 50 incrementing one
// counter (no update lost), 50 drawing numbers (all different), 50
// completing registrations of one legal entity through an esfreg.Service
// (one wins). RunReplicas runs the races across two stores over one
// database, as two processes of the mock would.
//
// Times: stores may return times in another location than they were
// given (a SQL store returns a Record's Expires in UTC, and times inside
// esfreg's values with the offset they were written with), so the cases
// compare them with time.Time.Equal, and build esfreg's values in UTC.
package storetest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/mockserver/mockstore"
)

// t0 is the cases' time: Monday 16 November 2026, 10:00 in Almaty.
var t0 = time.Date(2026, 11, 16, 5, 0, 0, 0, time.UTC)

// storeCase is a case of Run, on one fresh store.
type storeCase struct {
	name string
	run  func(t *testing.T, st mockstore.Store)
}

// raceCase is a case whose goroutines spread over one or more stores
// sharing one database.
type raceCase struct {
	name string
	run  func(t *testing.T, stores []mockstore.Store)
}

// Run runs the suite against the stores open returns: each case gets a
// fresh, empty store, which Run closes when the case ends.
func Run(t *testing.T, open func(t *testing.T) mockstore.Store) {
	t.Helper()
	groups := []struct {
		name  string
		cases []storeCase
	}{
		{"Accounts", accountCases},
		{"Register", registerCases},
		{"Requests", requestCases},
		{"Tokens", tokenCases},
		{"Records", recordCases},
		{"Counters", counterCases},
		{"Tx", txCases},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, c := range g.cases {
				t.Run(c.name, func(t *testing.T) {
					c.run(t, openOne(t, open))
				})
			}
		})
	}
	t.Run("Races", func(t *testing.T) {
		for _, c := range raceCases {
			t.Run(c.name, func(t *testing.T) {
				c.run(t, []mockstore.Store{openOne(t, open)})
			})
		}
	})
}

// RunReplicas runs the suite's races, and a check that one store sees
// what the other commits, across two stores open returns over one fresh
// database: "replicas" of the mock sharing it. Each race splits its
// goroutines between them. RunReplicas closes both when each case ends.
func RunReplicas(t *testing.T, open func(t *testing.T) (a, b mockstore.Store)) {
	t.Helper()
	cases := append([]raceCase{{"SeeEachOthersCommits", seeEachOthersCommits}}, raceCases...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, b := open(t)
			require.NotNil(t, a)
			require.NotNil(t, b)
			t.Cleanup(func() {
				assert.NoError(t, a.Close())
				assert.NoError(t, b.Close())
			})
			c.run(t, []mockstore.Store{a, b})
		})
	}
}

func openOne(t *testing.T, open func(t *testing.T) mockstore.Store) mockstore.Store {
	t.Helper()
	st := open(t)
	require.NotNil(t, st)
	t.Cleanup(func() { assert.NoError(t, st.Close()) })
	return st
}

// update runs fn in an Update that must succeed.
func update(t *testing.T, st mockstore.Store, fn func(tx mockstore.Tx) error) {
	t.Helper()
	require.NoError(t, st.Update(t.Context(), fn))
}

// view runs fn in a View that must succeed.
func view(t *testing.T, st mockstore.Store, fn func(tx mockstore.Tx) error) {
	t.Helper()
	require.NoError(t, st.View(t.Context(), fn))
}

// requireRecords asserts got holds want's records in order, comparing
// Expires with Equal and Data bytewise (nil and empty alike).
func requireRecords(t *testing.T, want, got []mockstore.Record) {
	t.Helper()
	require.Len(t, got, len(want), "records %v", keys(got))
	for i := range want {
		requireRecord(t, want[i], got[i])
	}
}

func requireRecord(t *testing.T, want, got mockstore.Record) {
	t.Helper()
	assert.Equal(t, want.Key, got.Key)
	assert.Equal(t, want.Owner, got.Owner, "owner of %s", want.Key)
	assert.True(t, want.Expires.Equal(got.Expires), "expires of %s: want %v, got %v", want.Key, want.Expires, got.Expires)
	assert.True(t, bytes.Equal(want.Data, got.Data), "data of %s: want %q, got %q", want.Key, want.Data, got.Data)
}

func keys(rs []mockstore.Record) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Key
	}
	return out
}

// ctxDone returns a context that is already canceled.
func ctxDone() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}
