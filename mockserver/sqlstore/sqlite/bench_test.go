package sqlite_test

import (
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/esfreg"
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

// BenchmarkUpdateConcurrent: 32 goroutines, each Update writing what
// opening an API session writes (a used ticket, a session, the user's
// open-session marker), committed alone (Batch 1) or in group commits
// (the default). The figure that matters is CPU per Update: ns/op with
// -cpu 1,2 on an idle machine, or the interleaved comparison in
// bench/README.md.
func BenchmarkUpdateConcurrent(b *testing.B) {
	for _, bc := range []struct {
		name string
		o    sqlitestore.Options
	}{{"Alone", sqlitestore.Options{Batch: 1}}, {"Group", sqlitestore.Options{}}} {
		b.Run(bc.name, func(b *testing.B) {
			st, _ := open(b, bc.o)
			b.Cleanup(func() { st.Close() })
			ctx := b.Context()
			var n atomic.Int64
			b.SetParallelism(16)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					err := st.Update(ctx, func(tx mockstore.Tx) error {
						r := record
						r.Key, r.Owner = fmt.Sprintf("%016x", uint64(i)*0x9e3779b97f4a7c15), strconv.FormatInt(470617418000+i%64, 10)
						r.Expires = r.Expires.Add(time.Duration(i) * time.Second)
						if err := tx.InsertRecord("ticket", r); err != nil {
							return err
						}
						r.Key = "s" + r.Key
						if err := tx.InsertRecord("session", r); err != nil {
							return err
						}
						r.Key, r.Expires = r.Owner, time.Time{}
						return tx.PutRecord("open-session", r)
					})
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkAccountView: one account read per View, as each of a session's
// calls reads the user's account.
func BenchmarkAccountView(b *testing.B) {
	st, _ := open(b, sqlitestore.Options{})
	b.Cleanup(func() { st.Close() })
	ctx := b.Context()
	a := esfreg.Account{IIN: "850314312344", Email: "user@example.kz", PasswordHash: "$2a$04$0123456789012345678901uJnbo6i1Xn2cM3Uc7gG2QmUCH3E0m7S",
		FullName: "ТЕСТОВ ТЕСТ ТЕСТОВИЧ", IDDocumentNumber: "043512345", IDDocumentIssueDate: "19.11.2014", IDDocumentIssuer: "МВД РК",
		Address: "010000, Казахстан, г. Астана, ул. Мира 4", Status: esfreg.StatusActive, CreatedAt: record.Expires}
	for _, tin := range []string{"850314312344", "100440123456"} {
		require.NoError(b, a.AddProfile(esfreg.Profile{IIN: a.IIN, TIN: tin, Type: esfreg.ProfileIndividual}, record.Expires))
	}
	require.NoError(b, st.Update(ctx, func(tx mockstore.Tx) error { return tx.CreateAccount(a) }))
	b.ReportAllocs()
	for b.Loop() {
		if err := st.View(ctx, func(tx mockstore.Tx) error {
			_, err := tx.Account(a.IIN)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}
