package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/esfkit/esf/mockserver/mockstore"
)

// Engine is a SQL engine the store speaks: it picks the engine's DDL, its
// placeholders and its transaction options.
type Engine int

const (
	// SQLite: ? placeholders; Update's transactions take the write lock at
	// BEGIN (the DB must open them as BEGIN IMMEDIATE) on one connection.
	SQLite Engine = iota + 1
	// PostgreSQL: $n placeholders; Update runs at SERIALIZABLE and
	// retries, View at REPEATABLE READ, READ ONLY.
	PostgreSQL
)

func (e Engine) String() string {
	switch e {
	case SQLite:
		return "sqlite"
	case PostgreSQL:
		return "postgres"
	}
	return "engine " + strconv.Itoa(int(e))
}

// Dialect adapts the store to one engine and its driver. The driver
// packages (mockserver/sqlstore/sqlite, mockserver/sqlstore/postgres)
// supply it; a program needs one only to call Open with a *sql.DB of its
// own.
type Dialect struct {
	// Engine selects the SQL.
	Engine Engine
	// Classify tells what a driver error means, from its code. Nil
	// classifies every error as ReasonOther: no retries, and a
	// unique-key violation outside the inserts' ON CONFLICT clauses is
	// not ErrExists.
	Classify func(err error) Reason
}

// Config is what Open needs. Open takes ownership of the databases: the
// Store's Close closes them.
type Config struct {
	Dialect Dialect
	// DB runs Update's transactions and the migrations. For SQLite it must
	// hold a single connection (SetMaxOpenConns(1)) that begins
	// transactions with BEGIN IMMEDIATE, so that writers queue in the
	// process instead of failing with SQLITE_BUSY.
	DB *sql.DB
	// ReadDB runs View's transactions; nil means DB. SQLite gives View a
	// pool of its own, read-only, so reads go on while a write runs.
	ReadDB *sql.DB
	// Attempts bounds how many times Update runs its function when the
	// transaction meets a serialization failure or a deadlock; 0 means
	// 10.
	Attempts int
	// GroupCommit, above 1, has Update commit the functions of up to that
	// many callers waiting for the writer in one transaction, each in a
	// savepoint of its own (SQLite only; see the package documentation).
	// 0 or 1 commits each Update alone.
	GroupCommit int
	// GroupCommitWait is how long the writer waits for more Updates to
	// join a batch once it has seen them queue up together; 0 never
	// waits.
	GroupCommitWait time.Duration
	// AfterCommit, if set, is called after each commit on DB: of an
	// Update's transaction, or of group commit's batch. It runs in the
	// goroutine that committed, so it must return at once (SQLite's
	// background checkpointer only wakes up).
	AfterCommit func()
	// OnClose, if set, is called first by Close, to stop what the caller
	// runs beside the store; its error is Close's too.
	OnClose func() error
}

// queueSize is how many Updates may wait for group commit's writer in
// its queue; more wait to be queued.
const queueSize = 1024

// Store is a mockstore.Store over database/sql. Open makes one; it is safe
// for concurrent use.
type Store struct {
	dialect    Dialect
	db, rdb    *sql.DB
	attempts   int
	updateOpts sql.TxOptions
	viewOpts   sql.TxOptions
	// w and r are the Tx's statements, prepared on db and rdb.
	w, r *statements
	// Group commit: Update hands its function to the writer goroutine
	// through queue, batches of at most batch; quit stops the writer,
	// which closes stopped (what is still queued then is refused). queue
	// is nil without group commit.
	batch     int
	wait      time.Duration
	queue     chan *pending
	quit      chan struct{}
	stopped   chan struct{}
	closeOnce sync.Once
	// txCount and fnCount are GroupStats.
	txCount, fnCount atomic.Int64
	// memo holds values decoded in earlier transactions.
	memo decodeMemo
	// afterCommit and onClose are Config's AfterCommit and OnClose.
	afterCommit func()
	onClose     func() error
}

var _ mockstore.Store = (*Store)(nil)

// Open migrates the database to SchemaVersion (refusing a newer one with
// a *VersionError), prepares the statements and returns the Store. On an
// error it closes the databases and calls Config.OnClose.
func Open(ctx context.Context, c Config) (_ *Store, err error) {
	if c.DB == nil {
		if c.OnClose != nil {
			c.OnClose() //nolint:errcheck
		}
		return nil, errors.New("sqlstore: Config.DB is nil")
	}
	if c.GroupCommit > 1 && c.Dialect.Engine != SQLite {
		c.DB.Close() //nolint:errcheck // Open owns the databases, and fails
		if c.ReadDB != nil && c.ReadDB != c.DB {
			c.ReadDB.Close() //nolint:errcheck
		}
		if c.OnClose != nil {
			c.OnClose() //nolint:errcheck
		}
		return nil, fmt.Errorf("sqlstore: group commit is for SQLite, not %v", c.Dialect.Engine)
	}
	s := &Store{dialect: c.Dialect, db: c.DB, rdb: c.ReadDB, attempts: c.Attempts, afterCommit: c.AfterCommit, onClose: c.OnClose}
	defer func() {
		if err != nil {
			s.Close() //nolint:errcheck // the first error is the one to report
		}
	}()
	switch c.Dialect.Engine {
	case SQLite:
		// The write lock is taken at BEGIN (IMMEDIATE); readers see a
		// snapshot from their first read (WAL).
		s.viewOpts = sql.TxOptions{ReadOnly: true}
	case PostgreSQL:
		s.updateOpts = sql.TxOptions{Isolation: sql.LevelSerializable}
		s.viewOpts = sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	default:
		return nil, fmt.Errorf("sqlstore: unknown engine %v", c.Dialect.Engine)
	}
	if s.rdb == nil {
		s.rdb = s.db
	}
	if s.attempts <= 0 {
		s.attempts = 10
	}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	if s.w, err = s.prepare(ctx, s.db); err != nil {
		return nil, err
	}
	if s.rdb == s.db {
		s.r = s.w
	} else if s.r, err = s.prepare(ctx, s.rdb); err != nil {
		return nil, err
	}
	if c.GroupCommit > 1 {
		s.batch, s.wait = c.GroupCommit, c.GroupCommitWait
		// Queued in arrival order; a caller beyond the buffer waits to
		// be queued.
		s.queue, s.quit, s.stopped = make(chan *pending, queueSize), make(chan struct{}), make(chan struct{})
		go s.writer()
	}
	return s, nil
}

// Close stops the writer of group commit (a batch it has taken still
// commits; Updates still queued are refused) and closes the prepared
// statements and the databases.
func (s *Store) Close() error {
	if s.queue != nil {
		s.closeOnce.Do(func() { close(s.quit) })
		<-s.stopped
	}
	var errs []error
	if s.onClose != nil {
		errs = append(errs, s.onClose())
	}
	for _, st := range []*statements{s.w, s.r} {
		if st == nil || (st == s.r && s.r == s.w) {
			continue
		}
		for _, p := range st {
			if p != nil {
				errs = append(errs, p.Close())
			}
		}
	}
	errs = append(errs, s.db.Close())
	if s.rdb != nil && s.rdb != s.db {
		errs = append(errs, s.rdb.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlstore: close: %w", err)
	}
	return nil
}

// Update implements mockstore.Store: fn runs in a read-write transaction
// (serialized: one writer at a time in SQLite, SERIALIZABLE in
// PostgreSQL). If fn returns nil the transaction commits. If fn returns
// an error, or a database error happened inside the transaction (even
// one fn ignored), it rolls back and Update returns fn's error, or else
// the database error. On a serialization failure or deadlock Update runs
// fn again in a new transaction, up to Config.Attempts times in all, after
// a short random pause.
func (s *Store) Update(ctx context.Context, fn func(tx mockstore.Tx) error) error {
	attempt1 := s.update
	if s.queue != nil {
		attempt1 = s.groupUpdate
	}
	for attempt := 1; ; attempt++ {
		err := attempt1(ctx, fn)
		if err == nil || attempt >= s.attempts || reasonOf(err) != ReasonConflict {
			return err
		}
		if werr := s.pause(ctx, attempt); werr != nil {
			return fmt.Errorf("sqlstore: update: %w (after %d attempts: %w)", werr, attempt, err)
		}
	}
}

// update is one attempt of Update. Its error carries ReasonConflict when
// the attempt is worth repeating.
func (s *Store) update(ctx context.Context, fn func(tx mockstore.Tx) error) error {
	sqlTx, err := s.db.BeginTx(ctx, &s.updateOpts)
	if err != nil {
		return s.fail("begin", err)
	}
	t := &tx{ctx: ctx, s: s, tx: sqlTx, st: s.w}
	done := false
	defer func() {
		if !done { // fn panicked
			sqlTx.Rollback() //nolint:errcheck
		}
	}()
	ferr := fn(t)
	done = true
	if ferr != nil || t.err != nil {
		sqlTx.Rollback() //nolint:errcheck // the transaction's own error is the one to report
		switch {
		case t.err != nil && reasonOf(t.err) == ReasonConflict && reasonOf(ferr) != ReasonConflict:
			// fn turned a conflict into an error of its own, or ignored
			// it: what it decided was read from a doomed transaction.
			return t.err
		case ferr != nil:
			return ferr
		}
		return t.err
	}
	if err := sqlTx.Commit(); err != nil {
		return s.fail("commit", err)
	}
	s.committed()
	return nil
}

// committed tells Config.AfterCommit of a commit.
func (s *Store) committed() {
	if s.afterCommit != nil {
		s.afterCommit()
	}
}

// pause waits before attempt+1: a random time, up to 2ms doubled at each
// attempt and at most 100ms, so that conflicting writers spread out.
func (s *Store) pause(ctx context.Context, attempt int) error {
	limit := min(2*time.Millisecond<<(attempt-1), 100*time.Millisecond)
	d := limit/2 + rand.N(limit/2)
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// View implements mockstore.Store: fn runs in a read-only transaction
// that sees one consistent state (a WAL snapshot in SQLite; REPEATABLE
// READ in PostgreSQL). A write through its Tx is esfreg.ErrReadOnly.
func (s *Store) View(ctx context.Context, fn func(tx mockstore.Tx) error) error {
	sqlTx, err := s.rdb.BeginTx(ctx, &s.viewOpts)
	if err != nil {
		return s.fail("begin", err)
	}
	defer sqlTx.Rollback() //nolint:errcheck // nothing to keep
	t := &tx{ctx: ctx, s: s, tx: sqlTx, st: s.r, readOnly: true}
	if err := fn(t); err != nil {
		return err
	}
	return t.err
}

// fail wraps a driver error as an *Error with its reason.
func (s *Store) fail(op string, err error) error {
	r := ReasonOther
	if s.dialect.Classify != nil {
		r = s.dialect.Classify(err)
	}
	return &Error{Op: op, Reason: r, Err: err}
}

// rebind rewrites q's ? placeholders as the engine writes them. The
// store's SQL has no ? anywhere else.
func (s *Store) rebind(q string) string {
	if s.dialect.Engine != PostgreSQL {
		return q
	}
	var b strings.Builder
	n := 0
	for _, c := range []byte(q) {
		if c == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
