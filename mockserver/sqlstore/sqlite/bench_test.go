package sqlite_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/mockserver/mockstore"
	sqlitestore "github.com/esfkit/esf/mockserver/sqlstore/sqlite"
)

// record is a session-sized record: the mock's hot path writes one per
// request.
var record = mockstore.Record{
	Key: "0123456789abcdef0123456789abcdef", Owner: "850314312344",
	Expires: time.Date(2026, 11, 16, 6, 0, 0, 0, time.UTC), Data: make([]byte, 300),
}

// BenchmarkUpdate: one PutRecord per Update, committed (WAL,
// synchronous=NORMAL, or FULL: an fsync per commit).
func BenchmarkUpdate(b *testing.B) {
	for _, bc := range []struct {
		name string
		o    sqlitestore.Options
	}{{"Normal", sqlitestore.Options{}}, {"FullSync", sqlitestore.Options{FullSync: true}}} {
		b.Run(bc.name, func(b *testing.B) {
			st, _ := open(b, bc.o)
			b.Cleanup(func() { st.Close() })
			ctx := b.Context()
			b.ReportAllocs()
			for b.Loop() {
				if err := st.Update(ctx, func(tx mockstore.Tx) error { return tx.PutRecord("session", record) }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkView: one Record per View, among 1,000 records, sequentially
// and from every CPU at once.
func BenchmarkView(b *testing.B) {
	st, _ := open(b, sqlitestore.Options{})
	b.Cleanup(func() { st.Close() })
	ctx := b.Context()
	require.NoError(b, st.Update(ctx, func(tx mockstore.Tx) error {
		for i := range 1000 {
			r := record
			r.Key = strconv.Itoa(i)
			if err := tx.PutRecord("session", r); err != nil {
				return err
			}
		}
		return nil
	}))
	view := func() error {
		return st.View(ctx, func(tx mockstore.Tx) error {
			_, err := tx.Record("session", "500")
			return err
		})
	}
	b.Run("Sequential", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := view(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := view(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
