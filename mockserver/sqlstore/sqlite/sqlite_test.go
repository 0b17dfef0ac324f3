package sqlite_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"modernc.org/sqlite"

	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver/mockstore"
	"github.com/esfkit/esf/mockserver/sqlstore"
	sqlitestore "github.com/esfkit/esf/mockserver/sqlstore/sqlite"
	"github.com/esfkit/esf/mockserver/storetest"
)

// open opens a store in a fresh file of t's temporary folder.
func open(t testing.TB, o sqlitestore.Options) (*sqlstore.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	st, err := sqlitestore.Open(context.Background(), path, o)
	require.NoError(t, err)
	return st, path
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) mockstore.Store {
		st, _ := open(t, sqlitestore.Options{})
		return st
	})
}

// TestReplicas runs the races across two Stores over one file, as two
// processes would share it.
func TestReplicas(t *testing.T) {
	storetest.RunReplicas(t, func(t *testing.T) (a, b mockstore.Store) {
		a, path := open(t, sqlitestore.Options{})
		b, err := sqlitestore.Open(t.Context(), path, sqlitestore.Options{})
		require.NoError(t, err)
		return a, b
	})
}

// rawDB opens path with the driver alone, as another program would.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	c, err := sqlite.NewConnector("file:" + path + "?_busy_timeout=5000")
	require.NoError(t, err)
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	return db
}

func TestOpen_Migrations(t *testing.T) {
	st, path := open(t, sqlitestore.Options{})
	update := func(st *sqlstore.Store) {
		t.Helper()
		require.NoError(t, st.Update(t.Context(), func(tx mockstore.Tx) error {
			return tx.PutRecord("k", mockstore.Record{Key: "kept"})
		}))
	}
	update(st)
	require.NoError(t, st.Close())

	db := rawDB(t, path)
	var version int
	require.NoError(t, db.QueryRow(`SELECT MAX(version) FROM schema_migrations`).Scan(&version))
	assert.Equal(t, sqlstore.SchemaVersion, version)
	var mode string
	require.NoError(t, db.QueryRow(`PRAGMA journal_mode`).Scan(&mode))
	assert.Equal(t, "wal", mode)

	// Opening again migrates nothing and keeps the data.
	st, err := sqlitestore.Open(t.Context(), path, sqlitestore.Options{})
	require.NoError(t, err)
	require.NoError(t, st.View(t.Context(), func(tx mockstore.Tx) error {
		_, err := tx.Record("k", "kept")
		return err
	}))
	require.NoError(t, st.Close())

	// A database a newer program migrated is refused.
	_, err = db.Exec(`INSERT INTO schema_migrations (version, name) VALUES (?, 'from the future')`, sqlstore.SchemaVersion+1)
	require.NoError(t, err)
	_, err = sqlitestore.Open(t.Context(), path, sqlitestore.Options{})
	var ve *sqlstore.VersionError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, sqlstore.SchemaVersion+1, ve.Database)
	assert.Equal(t, sqlstore.SchemaVersion, ve.Code)
	assert.Contains(t, err.Error(), "newer than this program knows")
}

// TestOpen_MovesAgreements: a database of schema version 1 kept each
// request's signed agreements inside its JSON; version 2 moves them to
// request_agreements, and every request reads back as it was.
func TestOpen_MovesAgreements(t *testing.T) {
	st, path := open(t, sqlitestore.Options{})
	require.NoError(t, st.Close())
	// Back to version 1: migrations 2 and 3 only added tables.
	db := rawDB(t, path)
	_, err := db.Exec(`DROP TABLE counters; DROP TABLE request_agreements; DELETE FROM schema_migrations WHERE version >= 2`)
	require.NoError(t, err)
	want := storetest.Requests(300) // more than one batch
	for _, r := range want {
		data, err := json.Marshal(r) // version 1's format
		require.NoError(t, err)
		_, err = db.Exec(`INSERT INTO requests (id, data) VALUES (?, ?)`, r.ID, data)
		require.NoError(t, err)
	}

	st, err = sqlitestore.Open(t.Context(), path, sqlitestore.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	storetest.RequireRequests(t, st, want)
	var rows, inJSON int
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM request_agreements`).Scan(&rows))
	assert.Equal(t, 200*2, rows)
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM requests WHERE CAST(data AS TEXT) LIKE '%"document"%'`).Scan(&inJSON))
	assert.Zero(t, inJSON, "documents left inside the requests' JSON")
}

func TestOpen_NotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	require.NoError(t, os.WriteFile(path, []byte(strings.Repeat("not a database ", 1000)), 0o600))
	_, err := sqlitestore.Open(t.Context(), path, sqlitestore.Options{})
	var e *sqlstore.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, sqlstore.ReasonCorrupt, e.Reason, "%v", err)
}

// TestUpdate_DiskFull fills a database to Options.MaxSize: the write that
// does not fit fails with ReasonFull, its Update rolls back — even when fn
// ignores the error — and the store goes on.
func TestUpdate_DiskFull(t *testing.T) {
	st, _ := open(t, sqlitestore.Options{MaxSize: 256 << 10})
	t.Cleanup(func() { st.Close() })
	big := make([]byte, 64<<10)
	put := func(tx mockstore.Tx, key string) error {
		return tx.PutRecord("blob", mockstore.Record{Key: key, Data: big})
	}
	// Fill it, one record per Update, until one fails.
	var err error
	n := 0
	for ; n < 100 && err == nil; n++ {
		err = st.Update(t.Context(), func(tx mockstore.Tx) error { return put(tx, strings.Repeat("k", n+1)) })
	}
	var e *sqlstore.Error
	require.ErrorAs(t, err, &e, "%d records of 64 KiB fit in 256 KiB", n)
	assert.Equal(t, sqlstore.ReasonFull, e.Reason)
	assert.Contains(t, err.Error(), "database or disk is full")
	full := n - 1 // records kept

	count := func() int {
		t.Helper()
		var rs []mockstore.Record
		require.NoError(t, st.View(t.Context(), func(tx mockstore.Tx) error {
			var err error
			rs, err = tx.RecordsOf("blob", "")
			return err
		}))
		return len(rs)
	}
	require.Equal(t, full, count())

	// An Update that writes a small record, then a big one that does not
	// fit, and returns nil anyway: it fails, and keeps neither.
	err = st.Update(t.Context(), func(tx mockstore.Tx) error {
		require.NoError(t, tx.PutRecord("small", mockstore.Record{Key: "s"}))
		perr := put(tx, "does not fit")
		require.Error(t, perr)
		return nil
	})
	require.ErrorAs(t, err, &e)
	assert.Equal(t, sqlstore.ReasonFull, e.Reason)
	assert.Equal(t, full, count())
	require.NoError(t, st.View(t.Context(), func(tx mockstore.Tx) error {
		_, err := tx.Record("small", "s")
		require.ErrorIs(t, err, esfreg.ErrNotFound)
		return nil
	}))

	// Deleting makes room again.
	require.NoError(t, st.Update(t.Context(), func(tx mockstore.Tx) error { return tx.DeleteRecord("blob", "k") }))
	require.NoError(t, st.Update(t.Context(), func(tx mockstore.Tx) error { return put(tx, "fits again") }))
}

func TestClassify(t *testing.T) {
	assert.Equal(t, sqlstore.ReasonOther, sqlitestore.Classify(errors.New("other")))
	assert.Equal(t, sqlstore.ReasonOther, sqlitestore.Classify(context.Canceled))
}
