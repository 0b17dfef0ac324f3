package sqlstore

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"modernc.org/sqlite"
)

// TestQueryPlans asks SQLite how it runs each of the Tx's statements: by a
// key or an index range, never scanning a table — except the exports,
// which read a whole one — and never sorting (the order is an index's).
func TestQueryPlans(t *testing.T) {
	c, err := sqlite.NewConnector("file:" + filepath.Join(t.TempDir(), "plan.db") + "?_txlock=immediate")
	require.NoError(t, err)
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(1)
	s, err := Open(t.Context(), Config{Dialect: Dialect{Engine: SQLite}, DB: db})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })

	wholeTable := map[query]bool{qAccounts: true, qAllChanges: true, qRequests: true, qTokens: true}
	for q, text := range queries {
		args := make([]any, strings.Count(text, "?"))
		for i := range args {
			args[i] = "x"
		}
		rows, err := db.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+text, args...)
		require.NoError(t, err, text)
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
			plan = append(plan, detail)
		}
		require.NoError(t, rows.Err())
		rows.Close()
		t.Logf("%s\n\t%s", text, strings.Join(plan, "\n\t"))
		for _, step := range plan {
			switch {
			case strings.Contains(step, "TEMP B-TREE"):
				t.Errorf("%s sorts: %s", text, step)
			case strings.HasPrefix(step, "SCAN ") && !wholeTable[query(q)]:
				t.Errorf("%s scans: %s", text, step)
			}
		}
	}
}

// TestGroupCommitIsForSQLite: Open refuses group commit on PostgreSQL
// before it touches the database.
func TestGroupCommitIsForSQLite(t *testing.T) {
	c, err := sqlite.NewConnector("file:" + filepath.Join(t.TempDir(), "unused.db"))
	require.NoError(t, err)
	_, err = Open(t.Context(), Config{Dialect: Dialect{Engine: PostgreSQL}, DB: sql.OpenDB(c), GroupCommit: 2})
	require.ErrorContains(t, err, "group commit is for SQLite")
}
