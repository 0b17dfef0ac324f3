package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver/mockstore"
)

// almaty is UTC+5 under another name, to show stores may return times in
// another location.
var almaty = time.FixedZone("Asia/Almaty", 5*60*60)

var recordCases = []storeCase{
	{"InsertPutDelete", func(t *testing.T, st mockstore.Store) {
		r := mockstore.Record{Key: "s1", Owner: "850314312344", Expires: t0.Add(time.Hour), Data: []byte(`{"n":1}`)}
		update(t, st, func(tx mockstore.Tx) error {
			_, err := tx.Record("session", "s1")
			require.ErrorIs(t, err, esfreg.ErrNotFound)
			require.NoError(t, tx.InsertRecord("session", r))
			got, err := tx.Record("session", "s1")
			require.NoError(t, err)
			requireRecord(t, r, got)
			return nil
		})
		update(t, st, func(tx mockstore.Tx) error {
			// A duplicate insert is an answer: the transaction goes on.
			require.ErrorIs(t, tx.InsertRecord("session", mockstore.Record{Key: "s1", Data: []byte("other")}), esfreg.ErrExists)
			// The same key in another kind is another record.
			require.NoError(t, tx.InsertRecord("ticket", mockstore.Record{Key: "s1", Data: []byte("ticket")}))
			return nil
		})
		view(t, st, func(tx mockstore.Tx) error {
			got, err := tx.Record("session", "s1")
			require.NoError(t, err)
			requireRecord(t, r, got)
			got, err = tx.Record("ticket", "s1")
			require.NoError(t, err)
			requireRecord(t, mockstore.Record{Key: "s1", Data: []byte("ticket")}, got)
			return nil
		})

		// Put replaces every field, clearing Owner and Expires too.
		replaced := mockstore.Record{Key: "s1", Data: []byte(`{"n":2}`)}
		created := mockstore.Record{Key: "s2", Owner: "x", Data: []byte("new")}
		update(t, st, func(tx mockstore.Tx) error {
			require.NoError(t, tx.PutRecord("session", replaced))
			require.NoError(t, tx.PutRecord("session", created))
			return nil
		})
		view(t, st, func(tx mockstore.Tx) error {
			got, err := tx.Record("session", "s1")
			require.NoError(t, err)
			requireRecord(t, replaced, got)
			got, err = tx.Record("session", "s2")
			require.NoError(t, err)
			requireRecord(t, created, got)
			return nil
		})

		update(t, st, func(tx mockstore.Tx) error {
			require.NoError(t, tx.DeleteRecord("session", "s1"))
			require.NoError(t, tx.DeleteRecord("session", "s1"), "a missing record is no error")
			require.NoError(t, tx.DeleteRecord("nothing", "s1"))
			_, err := tx.Record("session", "s1")
			require.ErrorIs(t, err, esfreg.ErrNotFound)
			return nil
		})
		view(t, st, func(tx mockstore.Tx) error {
			_, err := tx.Record("session", "s1")
			require.ErrorIs(t, err, esfreg.ErrNotFound)
			got, err := tx.Record("ticket", "s1")
			require.NoError(t, err)
			requireRecord(t, mockstore.Record{Key: "s1", Data: []byte("ticket")}, got)
			return nil
		})
		// Insert works again once the key is free.
		update(t, st, func(tx mockstore.Tx) error { return tx.InsertRecord("session", r) })
	}},
	{"EmptyData", func(t *testing.T, st mockstore.Store) {
		update(t, st, func(tx mockstore.Tx) error {
			require.NoError(t, tx.InsertRecord("k", mockstore.Record{Key: "nil"}))
			return tx.PutRecord("k", mockstore.Record{Key: "empty", Data: []byte{}})
		})
		view(t, st, func(tx mockstore.Tx) error {
			for _, key := range []string{"nil", "empty"} {
				got, err := tx.Record("k", key)
				require.NoError(t, err)
				require.Empty(t, got.Data, key)
			}
			return nil
		})
	}},
	{"Copies", func(t *testing.T, st mockstore.Store) {
		data := []byte("original")
		update(t, st, func(tx mockstore.Tx) error {
			require.NoError(t, tx.InsertRecord("k", mockstore.Record{Key: "a", Data: data}))
			require.NoError(t, tx.PutRecord("k", mockstore.Record{Key: "b", Data: data}))
			data[0] = 'X' // inside the transaction
			return nil
		})
		data[1] = 'X' // after it
		want := []mockstore.Record{{Key: "a", Data: []byte("original")}, {Key: "b", Data: []byte("original")}}
		view(t, st, func(tx mockstore.Tx) error {
			got, err := tx.Record("k", "a")
			require.NoError(t, err)
			requireRecord(t, want[0], got)
			got.Data[0] = 'X'
			all, err := tx.RecordsOf("k", "")
			require.NoError(t, err)
			requireRecords(t, want, all)
			all[1].Data[0] = 'X'
			all, err = tx.RecordsOf("k", "")
			require.NoError(t, err)
			requireRecords(t, want, all)
			return nil
		})
	}},
	{"RecordsOf", func(t *testing.T, st mockstore.Store) {
		var want, mine []mockstore.Record
		update(t, st, func(tx mockstore.Tx) error {
			for i, key := range shuffled {
				owner := "850314312344"
				if i%2 == 1 {
					owner = "900702443212"
				}
				if i == 2 {
					owner = ""
				}
				r := mockstore.Record{Key: key, Owner: owner, Data: []byte(key)}
				require.NoError(t, tx.InsertRecord("session", r))
				// Another kind, same owner.
				require.NoError(t, tx.InsertRecord("ticket", mockstore.Record{Key: key, Owner: owner}))
			}
			return nil
		})
		view(t, st, func(tx mockstore.Tx) error {
			all, err := tx.RecordsOf("session", "")
			require.NoError(t, err)
			require.Equal(t, orderedKeys, keys(all), "every record of the kind, by key")
			for _, r := range all {
				if r.Owner == "850314312344" {
					mine = append(mine, r)
				}
				require.Equal(t, r.Key, string(r.Data))
			}
			want = all
			got, err := tx.RecordsOf("session", "850314312344")
			require.NoError(t, err)
			requireRecords(t, mine, got)
			got, err = tx.RecordsOf("session", "nobody")
			require.NoError(t, err)
			require.Empty(t, got)
			got, err = tx.RecordsOf("nothing", "")
			require.NoError(t, err)
			require.Empty(t, got)
			return nil
		})
		require.Len(t, want, len(orderedKeys))
		require.Len(t, mine, 3)

		// Owners follow Put and Delete.
		update(t, st, func(tx mockstore.Tx) error {
			require.NoError(t, tx.PutRecord("session", mockstore.Record{Key: mine[0].Key, Owner: "900702443212"}))
			return tx.DeleteRecord("session", mine[1].Key)
		})
		view(t, st, func(tx mockstore.Tx) error {
			got, err := tx.RecordsOf("session", "850314312344")
			require.NoError(t, err)
			requireRecords(t, mine[2:], got)
			return nil
		})
	}},
	{"Expires", func(t *testing.T, st mockstore.Store) {
		rs := []mockstore.Record{
			{Key: "none"},
			{Key: "utc", Expires: t0},
			{Key: "almaty-ns", Expires: time.Date(2026, 11, 16, 10, 0, 0, 123456789, almaty)},
			{Key: "monotonic", Expires: time.Now().Add(time.Hour)},
			{Key: "early", Expires: time.Date(1970, 1, 1, 0, 0, 0, 1, time.UTC)},
			{Key: "before-1970", Expires: time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC)},
			{Key: "late", Expires: time.Date(2200, 1, 1, 0, 0, 0, 0, almaty)},
		}
		update(t, st, func(tx mockstore.Tx) error {
			for _, r := range rs {
				require.NoError(t, tx.PutRecord("k", r))
			}
			return nil
		})
		view(t, st, func(tx mockstore.Tx) error {
			for _, r := range rs {
				got, err := tx.Record("k", r.Key)
				require.NoError(t, err)
				requireRecord(t, r, got)
				require.Equal(t, r.Expires.IsZero(), got.Expires.IsZero(), r.Key)
			}
			return nil
		})
	}},
	{"DeleteExpired", func(t *testing.T, st mockstore.Store) {
		rs := []mockstore.Record{
			{Key: "a-before", Expires: t0.Add(-time.Hour)},
			{Key: "b-at", Expires: t0.In(almaty)},
			{Key: "c-after", Expires: t0.Add(time.Nanosecond)},
			{Key: "d-never"},
			{Key: "e-long-before", Expires: t0.AddDate(-10, 0, 0)},
		}
		update(t, st, func(tx mockstore.Tx) error {
			for _, r := range rs {
				require.NoError(t, tx.PutRecord("ticket", r))
				require.NoError(t, tx.PutRecord("other", r))
			}
			return nil
		})
		update(t, st, func(tx mockstore.Tx) error {
			n, err := tx.DeleteExpired("ticket", t0)
			require.NoError(t, err)
			require.Equal(t, 3, n, "expired before and at t0")
			n, err = tx.DeleteExpired("ticket", t0)
			require.NoError(t, err)
			require.Zero(t, n)
			n, err = tx.DeleteExpired("nothing", t0)
			require.NoError(t, err)
			require.Zero(t, n)
			return nil
		})
		view(t, st, func(tx mockstore.Tx) error {
			got, err := tx.RecordsOf("ticket", "")
			require.NoError(t, err)
			requireRecords(t, []mockstore.Record{rs[2], rs[3]}, got)
			got, err = tx.RecordsOf("other", "")
			require.NoError(t, err)
			requireRecords(t, rs, got)
			return nil
		})
		update(t, st, func(tx mockstore.Tx) error {
			n, err := tx.DeleteExpired("other", t0.Add(time.Nanosecond))
			require.NoError(t, err)
			require.Equal(t, 4, n)
			return nil
		})
	}},
}
