package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/esfkit/esf/esfreg"
)

// migration brings the schema from version-1 to version. Its statements
// differ per engine where the DDL does; each runs in one transaction with
// the row recording it in schema_migrations.
type migration struct {
	version  int
	name     string
	sqlite   []string
	postgres []string
	// then, when set, moves the data after the DDL, in its transaction.
	then func(ctx context.Context, tx *sql.Tx, s *Store) error
}

// SchemaVersion is the newest schema version this code knows: Open
// migrates a database up to it and refuses one beyond it (*VersionError).
const SchemaVersion = 3

// migrations lists every migration in order; migrations[i] has version
// i+1. Never edit one that has shipped: add the next.
//
// Keys are TEXT. PostgreSQL's columns take the "C" collation so that ORDER
// BY sorts bytewise, as Go compares strings and as SQLite's BINARY
// collation does. JSON values are stored as bytes (BLOB, bytea) exactly
// as encoding/json wrote them.
var migrations = []migration{
	{
		version: 1,
		name:    "accounts, profile index, register changes, requests, tokens, records",
		sqlite: []string{
			`CREATE TABLE accounts (
				iin  TEXT PRIMARY KEY,
				data BLOB NOT NULL
			)`,
			`CREATE TABLE profile_tins (
				tin TEXT NOT NULL,
				iin TEXT NOT NULL REFERENCES accounts (iin) ON DELETE CASCADE,
				PRIMARY KEY (tin, iin)
			) WITHOUT ROWID`,
			`CREATE INDEX profile_tins_iin ON profile_tins (iin)`,
			`CREATE TABLE changes (
				seq  INTEGER PRIMARY KEY AUTOINCREMENT,
				tin  TEXT NOT NULL,
				data BLOB NOT NULL
			)`,
			`CREATE INDEX changes_tin ON changes (tin, seq)`,
			`CREATE TABLE requests (
				id   TEXT PRIMARY KEY,
				data BLOB NOT NULL
			)`,
			`CREATE TABLE tokens (
				key  TEXT PRIMARY KEY,
				data BLOB NOT NULL
			)`,
			`CREATE TABLE records (
				kind    TEXT NOT NULL,
				key     TEXT NOT NULL,
				owner   TEXT NOT NULL DEFAULT '',
				expires INTEGER,
				data    BLOB NOT NULL,
				PRIMARY KEY (kind, key)
			)`,
			`CREATE INDEX records_owner ON records (kind, owner, key)`,
			`CREATE INDEX records_expires ON records (kind, expires) WHERE expires IS NOT NULL`,
		},
		postgres: []string{
			`CREATE TABLE accounts (
				iin  TEXT COLLATE "C" PRIMARY KEY,
				data BYTEA NOT NULL
			)`,
			`CREATE TABLE profile_tins (
				tin TEXT COLLATE "C" NOT NULL,
				iin TEXT COLLATE "C" NOT NULL REFERENCES accounts (iin) ON DELETE CASCADE,
				PRIMARY KEY (tin, iin)
			)`,
			`CREATE INDEX profile_tins_iin ON profile_tins (iin)`,
			`CREATE TABLE changes (
				seq  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
				tin  TEXT COLLATE "C" NOT NULL,
				data BYTEA NOT NULL
			)`,
			`CREATE INDEX changes_tin ON changes (tin, seq)`,
			`CREATE TABLE requests (
				id   TEXT COLLATE "C" PRIMARY KEY,
				data BYTEA NOT NULL
			)`,
			`CREATE TABLE tokens (
				key  TEXT COLLATE "C" PRIMARY KEY,
				data BYTEA NOT NULL
			)`,
			`CREATE TABLE records (
				kind    TEXT COLLATE "C" NOT NULL,
				key     TEXT COLLATE "C" NOT NULL,
				owner   TEXT COLLATE "C" NOT NULL DEFAULT '',
				expires BIGINT,
				data    BYTEA NOT NULL,
				PRIMARY KEY (kind, key)
			)`,
			`CREATE INDEX records_owner ON records (kind, owner, key)`,
			`CREATE INDEX records_expires ON records (kind, expires) WHERE expires IS NOT NULL`,
		},
	},
	{
		version: 2,
		name:    "request_agreements: a request's signed agreements in rows of their own",
		sqlite: []string{
			`CREATE TABLE request_agreements (
				request_id TEXT NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
				seq        INTEGER NOT NULL,
				agreement  BLOB NOT NULL,
				signer     BLOB,
				document   BLOB NOT NULL,
				PRIMARY KEY (request_id, seq)
			)`,
		},
		postgres: []string{
			`CREATE TABLE request_agreements (
				request_id TEXT COLLATE "C" NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
				seq        INTEGER NOT NULL,
				agreement  BYTEA NOT NULL,
				signer     BYTEA,
				document   BYTEA NOT NULL,
				PRIMARY KEY (request_id, seq)
			)`,
		},
		then: moveAgreements,
	},
	{
		version: 3,
		name:    "counters: NextNumber's numbers outside the records",
		// SQLite has one writer: a row per counter. In PostgreSQL a row
		// that every e-mail updates made concurrent registrations fail
		// to serialize; a sequence is drawn outside the transaction.
		sqlite: []string{
			`CREATE TABLE counters (
				name  TEXT PRIMARY KEY,
				value INTEGER NOT NULL
			) WITHOUT ROWID`,
		},
		postgres: []string{
			`CREATE SEQUENCE counter_mail`,
			`CREATE SEQUENCE counter_fault`,
		},
	},
}

// moveAgreements moves the signed agreements of every request stored by
// schema version 1, inside the request's JSON, to request_agreements, a
// batch of requests at a time.
func moveAgreements(ctx context.Context, sqlTx *sql.Tx, s *Store) error {
	const batch = 256
	after := ""
	for {
		rows, err := sqlTx.QueryContext(ctx, s.rebind(`SELECT id, data FROM requests WHERE id > ? ORDER BY id LIMIT ?`), after, batch)
		if err != nil {
			return err
		}
		var todo []esfreg.Request
		n := 0
		for rows.Next() {
			var (
				id   string
				data []byte
			)
			if err := rows.Scan(&id, &data); err != nil {
				rows.Close()
				return err
			}
			n, after = n+1, id
			var r esfreg.Request
			if err := json.Unmarshal(data, &r); err != nil {
				rows.Close()
				return fmt.Errorf("request %s: decode: %w", id, err)
			}
			if len(r.Agreements) > 0 {
				r.ID = id
				todo = append(todo, r)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range todo {
			const op = "move agreements"
			data, err := encodeRequest(op, r)
			if err != nil {
				return err
			}
			ag, err := agreementRows(op, r.ID, r.Agreements)
			if err != nil {
				return err
			}
			if _, err := sqlTx.ExecContext(ctx, s.rebind(queries[qUpdateRequest]), data, r.ID); err != nil {
				return err
			}
			for i, row := range ag {
				if _, err := sqlTx.ExecContext(ctx, s.rebind(queries[qInsertAgreement]), row.args(r.ID, i)...); err != nil {
					return err
				}
			}
		}
		if n < batch {
			return nil
		}
	}
}

// The table of applied migrations, per engine.
const (
	sqliteMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
	)`
	postgresMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
	)`
	// migrationLock is the PostgreSQL advisory lock key that serializes
	// migrations between processes opening one database at once.
	migrationLock = 0x65736673716c // "esfsql"
)

// migrate applies every migration the database lacks, one transaction
// each, and refuses a database newer than the code.
func (s *Store) migrate(ctx context.Context) error {
	for {
		done, err := s.migrateOne(ctx)
		if err != nil || done {
			return err
		}
	}
}

// migrateOne applies the next migration the database lacks, if any. It
// reads the version inside the transaction that applies the migration,
// under a lock that serializes it with other processes doing the same: a
// write transaction (BEGIN IMMEDIATE) in SQLite, an advisory lock in
// PostgreSQL.
func (s *Store) migrateOne(ctx context.Context) (done bool, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, s.fail("migrate: begin", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit, ErrTxDone
	create := sqliteMigrationsTable
	if s.dialect.Engine == PostgreSQL {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
			return false, s.fail("migrate: lock", err)
		}
		create = postgresMigrationsTable
	}
	if _, err := tx.ExecContext(ctx, create); err != nil {
		return false, s.fail("migrate: create schema_migrations", err)
	}
	var version int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&version); err != nil {
		return false, s.fail("migrate: read version", err)
	}
	switch {
	case version > len(migrations):
		return false, &VersionError{Database: version, Code: len(migrations)}
	case version == len(migrations):
		if err := tx.Commit(); err != nil {
			return false, s.fail("migrate: commit", err)
		}
		return true, nil
	}
	m := migrations[version]
	op := fmt.Sprintf("migrate to version %d", m.version)
	stmts := m.sqlite
	if s.dialect.Engine == PostgreSQL {
		stmts = m.postgres
	}
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return false, s.fail(op, err)
		}
	}
	if m.then != nil {
		if err := m.then(ctx, tx, s); err != nil {
			return false, s.fail(op, err)
		}
	}
	if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO schema_migrations (version, name) VALUES (?, ?)`), m.version, m.name); err != nil {
		return false, s.fail(op, err)
	}
	if err := tx.Commit(); err != nil {
		return false, s.fail(op+": commit", err)
	}
	return false, nil
}
