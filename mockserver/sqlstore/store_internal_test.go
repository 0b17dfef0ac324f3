package sqlstore

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/esfreg"
)

func TestMigrations(t *testing.T) {
	require.Len(t, migrations, SchemaVersion)
	for i, m := range migrations {
		assert.Equal(t, i+1, m.version, "migrations[%d]", i)
		assert.NotEmpty(t, m.name)
		assert.NotEmpty(t, m.sqlite, "version %d has no SQLite statements", m.version)
		assert.NotEmpty(t, m.postgres, "version %d has no PostgreSQL statements", m.version)
	}
}

func TestRebind(t *testing.T) {
	pg := &Store{dialect: Dialect{Engine: PostgreSQL}}
	lite := &Store{dialect: Dialect{Engine: SQLite}}
	q := queries[qPutRecord]
	assert.Equal(t, q, lite.rebind(q))
	got := pg.rebind(q)
	assert.NotContains(t, got, "?")
	assert.Contains(t, got, "VALUES ($1, $2, $3, $4, $5)")
	for _, q := range queries {
		assert.Equal(t, strings.Count(q, "?"), strings.Count(pg.rebind(q), "$"), q)
	}
}

func TestError(t *testing.T) {
	driver := errors.New("disk I/O error (10)")
	e := &Error{Op: "commit", Reason: ReasonIO, Err: driver}
	assert.Equal(t, "sqlstore: commit: disk I/O error (10)", e.Error())
	assert.ErrorIs(t, e, driver)
	assert.NotErrorIs(t, e, esfreg.ErrExists)
	e = &Error{Op: "commit", Reason: ReasonFull, Err: errors.New("ERROR: could not extend file (SQLSTATE 53100)")}
	assert.Equal(t, "sqlstore: commit: database or disk is full: ERROR: could not extend file (SQLSTATE 53100)", e.Error())
	e = &Error{Op: "create account", Reason: ReasonExists, Err: driver}
	assert.ErrorIs(t, fmt.Errorf("wrapped: %w", e), esfreg.ErrExists)
	assert.Equal(t, ReasonExists, reasonOf(fmt.Errorf("wrapped: %w", e)))
	assert.Equal(t, ReasonOther, reasonOf(driver))
	assert.Equal(t, "reason 99", Reason(99).String())
	assert.Equal(t, "postgres", PostgreSQL.String())
}
