// Package postgres opens a mockserver/sqlstore Store in a PostgreSQL
// database, through pgx's database/sql driver (github.com/jackc/pgx/v5/stdlib).
// It is the one package that imports pgx. Any number of mock servers —
// replicas behind one address — can share the database: every invariant
// rests on its transactions and keys.
//
//	st, err := postgres.Open(ctx, "postgres://esf@db/esf?sslmode=disable", postgres.Options{})
//	srv := mockserver.New(mockserver.Options{Store: st, …})
//	defer st.Close()
//
// Update runs at SERIALIZABLE and is retried on a serialization failure
// or a deadlock (SQLSTATE 40001, 40P01); View runs at REPEATABLE READ,
// READ ONLY. Open migrates the schema under an advisory lock, so replicas
// starting together are safe. See package sqlstore for the design.
//
// Durability is PostgreSQL's: with its defaults (fsync=on,
// synchronous_commit=on) an Update that returned nil survives a crash of
// the mock, of the server and a power loss.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/esfkit/esf/mockserver/sqlstore"
)

// Options configure Open. The zero value works: 10 connections, Update
// tried up to DefaultAttempts times.
type Options struct {
	// MaxConns bounds the connections to the server, which serve Update
	// and View alike; 0 means 10. Transactions beyond it wait for one.
	MaxConns int
	// Attempts bounds how many times Update runs its function when the
	// transaction meets a serialization failure or a deadlock; 0 means
	// DefaultAttempts.
	Attempts int
	// ConnectTimeout bounds each connection attempt, if the DSN sets none;
	// 0 means 10 seconds.
	ConnectTimeout time.Duration
}

// DefaultAttempts is Options.Attempts when zero. Under SERIALIZABLE,
// PostgreSQL locks what a transaction read by index page, so concurrent
// requests of the mock (which all read its shared settings) conflict at
// times though they touch different records: with 8 clients registering
// at once, a registration met 0.4 serialization failures on average (3.3
// while the e-mails were numbered in one row, when 10 attempts left about
// 1 request in 20 failing). 50 attempts, the pause between them growing
// to 100 ms, leave none failing.
const DefaultAttempts = 50

// Open connects to the database dsn names — a URL (postgres://…) or
// key=value pairs, as libpq reads them — migrates it to
// sqlstore.SchemaVersion and returns the Store. The database must exist;
// its user needs CREATE on the schema for the first Open.
func Open(ctx context.Context, dsn string, o Options) (*sqlstore.Store, error) {
	if o.Attempts <= 0 {
		o.Attempts = DefaultAttempts
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
		if o.ConnectTimeout > 0 {
			cfg.ConnectTimeout = o.ConnectTimeout
		}
	}
	conns := o.MaxConns
	if conns <= 0 {
		conns = 10
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	st, err := sqlstore.Open(ctx, sqlstore.Config{Dialect: Dialect, DB: db, Attempts: o.Attempts})
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	return st, nil
}

// Dialect is the sqlstore.Dialect of pgx, for sqlstore.Open with a
// *sql.DB opened otherwise (stdlib.OpenDBFromPool, say).
var Dialect = sqlstore.Dialect{Engine: sqlstore.PostgreSQL, Classify: Classify}

// Classify tells what a pgx error means from its SQLSTATE: 40001 and 40P01
// are ReasonConflict, 23505 ReasonExists, 53100 (disk_full) ReasonFull,
// 58030 ReasonIO, XX001 and XX002 ReasonCorrupt.
func Classify(err error) sqlstore.Reason {
	var e *pgconn.PgError
	if !errors.As(err, &e) {
		return sqlstore.ReasonOther
	}
	switch code := e.Code; {
	case code == "40001", code == "40P01":
		return sqlstore.ReasonConflict
	case code == "23505":
		return sqlstore.ReasonExists
	case code == "53100":
		return sqlstore.ReasonFull
	case code == "58030":
		return sqlstore.ReasonIO
	case code == "XX001", code == "XX002":
		return sqlstore.ReasonCorrupt
	}
	return sqlstore.ReasonOther
}
