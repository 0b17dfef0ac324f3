package postgres_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/internal/pgtest"
	"github.com/esfkit/esf/mockserver/mockstore"
	"github.com/esfkit/esf/mockserver/sqlstore"
	"github.com/esfkit/esf/mockserver/sqlstore/postgres"
	"github.com/esfkit/esf/mockserver/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func open(t *testing.T, dsn string) *sqlstore.Store {
	t.Helper()
	st, err := postgres.Open(t.Context(), dsn, postgres.Options{})
	require.NoError(t, err)
	return st
}

// TestStore runs the suite, a fresh database per case.
func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) mockstore.Store { return open(t, pgtest.DSN(t)) })
}

// TestReplicas runs the races across two Stores — two pools of
// connections, as two processes of the mock would have — over one
// database.
func TestReplicas(t *testing.T) {
	storetest.RunReplicas(t, func(t *testing.T) (a, b mockstore.Store) {
		dsn := pgtest.DSN(t)
		return open(t, dsn), open(t, dsn)
	})
}

// TestOpen_Migrations opens one fresh database from several goroutines at
// once (replicas starting together): each migration applies once. A
// database from a newer program is refused.
func TestOpen_Migrations(t *testing.T) {
	dsn := pgtest.DSN(t)
	const n = 4
	stores := make([]*sqlstore.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = postgres.Open(t.Context(), dsn, postgres.Options{}) })
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		require.NoError(t, stores[i].Close())
	}
	c := pgtest.Shared(t)
	out, err := c.Exec(t.Context(), dsn, `SELECT count(*), max(version) FROM schema_migrations`)
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprintf("%d|%d", sqlstore.SchemaVersion, sqlstore.SchemaVersion), out)

	_, err = c.Exec(t.Context(), dsn, fmt.Sprintf(`INSERT INTO schema_migrations (version, name) VALUES (%d, 'from the future')`, sqlstore.SchemaVersion+1))
	require.NoError(t, err)
	_, err = postgres.Open(t.Context(), dsn, postgres.Options{})
	var ve *sqlstore.VersionError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, sqlstore.SchemaVersion+1, ve.Database)
	assert.Equal(t, sqlstore.SchemaVersion, ve.Code)
}

// TestOpen_MovesAgreements: a database of schema version 1 kept each
// request's signed agreements inside its JSON; version 2 moves them to
// request_agreements, and every request reads back as it was.
func TestOpen_MovesAgreements(t *testing.T) {
	dsn := pgtest.DSN(t)
	st, err := postgres.Open(t.Context(), dsn, postgres.Options{})
	require.NoError(t, err)
	require.NoError(t, st.Close())
	c := pgtest.Shared(t)
	// Back to version 1: migrations 2 and 3 only added a table and the
	// counters' sequences.
	_, err = c.Exec(t.Context(), dsn, `DROP SEQUENCE counter_mail, counter_fault; DROP TABLE request_agreements; DELETE FROM schema_migrations WHERE version >= 2`)
	require.NoError(t, err)
	want := storetest.Requests(300) // more than one batch
	var insert strings.Builder
	for _, r := range want {
		data, err := json.Marshal(r) // version 1's format
		require.NoError(t, err)
		fmt.Fprintf(&insert, "INSERT INTO requests (id, data) VALUES ('%s', decode('%s', 'base64'));\n", r.ID, base64.StdEncoding.EncodeToString(data))
	}
	_, err = c.Exec(t.Context(), dsn, insert.String())
	require.NoError(t, err)

	st, err = postgres.Open(t.Context(), dsn, postgres.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	storetest.RequireRequests(t, st, want)
	out, err := c.Exec(t.Context(), dsn, `SELECT (SELECT count(*) FROM request_agreements), (SELECT count(*) FROM requests WHERE convert_from(data, 'UTF8') LIKE '%"document"%')`)
	require.NoError(t, err)
	assert.Equal(t, "400|0", out, "agreement rows | documents left inside the requests' JSON")
}

// TestUpdate_RetriesUpToAttempts: a conflict on every attempt ends after
// Options.Attempts runs of the function, with the conflict's error.
func TestUpdate_RetriesUpToAttempts(t *testing.T) {
	st, err := postgres.Open(t.Context(), pgtest.DSN(t), postgres.Options{Attempts: 3})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	runs := 0
	err = st.Update(t.Context(), func(tx mockstore.Tx) error {
		runs++
		return &sqlstore.Error{Op: "test", Reason: sqlstore.ReasonConflict, Err: errors.New("conflict")}
	})
	var e *sqlstore.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, sqlstore.ReasonConflict, e.Reason)
	assert.Equal(t, 3, runs)

	// Any other error is returned at once.
	runs = 0
	boom := errors.New("boom")
	err = st.Update(t.Context(), func(tx mockstore.Tx) error { runs++; return boom })
	require.ErrorIs(t, err, boom)
	assert.Equal(t, 1, runs)
}

func TestOpen_BadDSN(t *testing.T) {
	_, err := postgres.Open(context.Background(), "postgres://%zz", postgres.Options{})
	require.Error(t, err)
}

func TestClassify(t *testing.T) {
	for code, want := range map[string]sqlstore.Reason{
		"40001": sqlstore.ReasonConflict,
		"40P01": sqlstore.ReasonConflict,
		"23505": sqlstore.ReasonExists,
		"53100": sqlstore.ReasonFull,
		"58030": sqlstore.ReasonIO,
		"XX001": sqlstore.ReasonCorrupt,
		"42P01": sqlstore.ReasonOther,
	} {
		assert.Equal(t, want, postgres.Classify(&pgconn.PgError{Code: code}), code)
	}
	assert.Equal(t, sqlstore.ReasonOther, postgres.Classify(errors.New("other")))
}

var benchRecord = mockstore.Record{
	Key: "0123456789abcdef0123456789abcdef", Owner: "850314312344",
	Expires: time.Date(2026, 11, 16, 6, 0, 0, 0, time.UTC), Data: make([]byte, 300),
}

// BenchmarkUpdate: one PutRecord per Update (SERIALIZABLE), committed,
// over a unix socket.
func BenchmarkUpdate(b *testing.B) {
	st, err := postgres.Open(b.Context(), pgtest.DSN(b), postgres.Options{})
	require.NoError(b, err)
	b.Cleanup(func() { st.Close() })
	b.ReportAllocs()
	for b.Loop() {
		if err := st.Update(b.Context(), func(tx mockstore.Tx) error { return tx.PutRecord("session", benchRecord) }); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkView: one Record per View (REPEATABLE READ, READ ONLY).
func BenchmarkView(b *testing.B) {
	st, err := postgres.Open(b.Context(), pgtest.DSN(b), postgres.Options{})
	require.NoError(b, err)
	b.Cleanup(func() { st.Close() })
	require.NoError(b, st.Update(b.Context(), func(tx mockstore.Tx) error { return tx.PutRecord("session", benchRecord) }))
	b.ReportAllocs()
	for b.Loop() {
		if err := st.View(b.Context(), func(tx mockstore.Tx) error {
			_, err := tx.Record("session", benchRecord.Key)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}
