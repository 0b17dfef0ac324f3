// Package sqlite opens a mockserver/sqlstore Store in an SQLite file,
// through modernc.org/sqlite (pure Go: CGO_ENABLED=0 builds it). It is the
// one package that imports the driver.
//
//	st, err := sqlite.Open(ctx, "/var/lib/esf-mock/state.db", sqlite.Options{})
//	srv := mockserver.New(mockserver.Options{Store: st, …})
//	defer st.Close()
//
// The database runs in WAL mode. Update's transactions go through one
// writer connection and begin with BEGIN IMMEDIATE, so writers queue in
// the process and never meet SQLITE_BUSY from each other; Updates that
// wait for the writer together commit as one transaction, each in a
// savepoint of its own (group commit, Options.Batch: see the sqlstore
// package), which under load costs each a fraction of a commit. View's go
// through a pool of read-only connections and read a snapshot while a
// write runs. A background checkpointer, on a connection of its own,
// copies the WAL's pages into the database file a moment after commits
// (Options.CheckpointInterval), so the writer never stops to do it:
// SQLite's own checkpoint runs in the connection that committed, and
// every Update queued behind it waited while tens of megabytes were
// copied and synced. busy_timeout covers another process holding
// the file (the sqlite3 shell, a backup); foreign keys are on.
//
// Durability: a committed Update is in the WAL file before Update
// returns. With the default synchronous=NORMAL the WAL is synced only at
// checkpoints, so a crash of the process — kill -9, a panic, an OOM kill —
// loses nothing committed (the data is in the operating system's cache),
// while a power loss or an operating-system crash may lose the last
// transactions committed before it (never corrupting the database).
// Options.FullSync sets synchronous=FULL: every commit waits for an fsync
// of the WAL, and a power loss loses nothing committed, at the cost of one
// fsync per commit (per batch of Updates).
//
// A full disk (or a database at Options.MaxSize) and an I/O error surface
// from Update as a *sqlstore.Error with ReasonFull or ReasonIO, after the
// transaction is rolled back.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strconv"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/esfkit/esf/mockserver/sqlstore"
)

// Options configure Open. The zero value works: a WAL database with
// synchronous=NORMAL, a 5-second busy timeout and a reader per CPU.
type Options struct {
	// Readers is how many connections serve View at once; 0 means
	// runtime.GOMAXPROCS(0), at least 2. Update always has one connection.
	Readers int
	// BusyTimeout is how long a statement waits for a lock another
	// process holds before it fails with ReasonBusy; 0 means 5 seconds.
	BusyTimeout time.Duration
	// FullSync makes every commit wait for the WAL to reach the disk
	// (synchronous=FULL), so that a power loss loses no committed
	// Update. Without it (synchronous=NORMAL) a process crash loses
	// nothing, a power loss the last commits.
	FullSync bool
	// MaxSize, if positive, bounds the database file in bytes (rounded
	// down to whole pages of 4 KiB; PRAGMA max_page_count): a write that
	// would grow it further fails as on a full disk (ReasonFull). The
	// empty schema takes 68 KiB; a smaller limit fails Open. A database
	// already larger is not shrunk.
	MaxSize int64
	// Batch is how many Updates waiting for the writer may commit
	// together, each in a savepoint of its own (group commit; see the
	// sqlstore package): 0 means DefaultBatch, 1 commits every Update
	// alone.
	Batch int
	// BatchWait is how long the writer, once it has seen Updates queue
	// up together, waits for more to join each batch; it stops waiting
	// as soon as a wait brings none. 0 means DefaultBatchWait; negative,
	// never wait.
	BatchWait time.Duration
	// CheckpointInterval paces the background checkpointer, which copies
	// the WAL's pages into the database file on a connection of its own
	// so that Updates never wait for it: a pass runs this long after a
	// commit, and at most once per interval while commits go on. 0 means
	// DefaultCheckpointInterval; negative turns it off, leaving the
	// checkpoints to SQLite, which runs them in the writer after the
	// commit that fills the WAL to 16,384 pages (64 MiB), and every
	// Update queued waits meanwhile.
	CheckpointInterval time.Duration
}

// DefaultBatch is Options.Batch's default: an Update shares its commit
// with at most 31 others that were waiting for the writer with it.
const DefaultBatch = 32

// DefaultBatchWait is Options.BatchWait's default.
const DefaultBatchWait = 500 * time.Microsecond

// Open opens (creating if need be) the SQLite database at path, migrates
// it to sqlstore.SchemaVersion and returns the Store. path is a file name,
// not a URI; the WAL and shared-memory files sit beside it (path-wal,
// path-shm).
func Open(ctx context.Context, path string, o Options) (*sqlstore.Store, error) {
	if path == "" {
		return nil, errors.New("sqlite: no database path")
	}
	busy := o.BusyTimeout
	if busy <= 0 {
		busy = 5 * time.Second
	}
	readers := o.Readers
	if readers <= 0 {
		readers = max(runtime.GOMAXPROCS(0), 2)
	}
	sync := "NORMAL"
	if o.FullSync {
		sync = "FULL"
	}

	common := url.Values{}
	common.Set("_busy_timeout", strconv.FormatInt(busy.Milliseconds(), 10))
	common.Set("_foreign_keys", "1")
	// No memory map (SQLite's default): while the file grows, as a
	// sandbox's does, every connection unmaps and maps it again, which
	// cost more CPU than the read calls it saves (bench/README.md).

	w := cloneValues(common)
	w.Set("_journal_mode", "WAL")
	w.Set("_synchronous", sync)
	w.Set("_txlock", "immediate")
	// The writer checkpoints the WAL itself only once it holds 64 MiB
	// (SQLite's default is 4 MiB): a page the mock rewrites often (an
	// open session, a counter) is copied to the database once per
	// checkpoint, not once per 1,000 frames; the file is cut back to 64
	// MiB after a checkpoint. With the background checkpointer, which
	// copies the pages long before, this is only a backstop.
	w.Add("_pragma", "wal_autocheckpoint("+strconv.Itoa(autoCheckpoint)+")")
	w.Add("_pragma", "journal_size_limit(67108864)")
	// Group commit runs each Update of a batch in a savepoint, whose undo
	// pages go to a statement journal: keep it in memory, not in a file
	// of the temporary directory once past 64 KiB (a bulk import writes
	// thousands of pages in one Update), so that the mock needs no
	// writable temporary directory.
	w.Add("_pragma", "temp_store(memory)")
	if o.MaxSize > 0 {
		// With the default page size of 4096 bytes.
		w.Add("_pragma", "max_page_count("+strconv.FormatInt(max(o.MaxSize/4096, 1), 10)+")")
	}
	writer, err := openDB(fileURI(path), w)
	if err != nil {
		return nil, err
	}
	keepConns(writer, 1)
	// Open the writer first: it creates the file and switches it to WAL
	// before a reader opens it.
	if err := writer.PingContext(ctx); err != nil {
		writer.Close() //nolint:errcheck
		return nil, fmt.Errorf("sqlite: open %s: %w", path, classified(err))
	}

	r := cloneValues(common)
	r.Set("_query_only", "1")
	reader, err := openDB(fileURI(path), r)
	if err != nil {
		writer.Close() //nolint:errcheck
		return nil, err
	}
	keepConns(reader, readers)

	var ckpt *checkpointer
	if o.CheckpointInterval >= 0 {
		interval := o.CheckpointInterval
		if interval == 0 {
			interval = DefaultCheckpointInterval
		}
		db, err := openDB(fileURI(path), cloneValues(common))
		if err != nil {
			writer.Close() //nolint:errcheck
			reader.Close() //nolint:errcheck
			return nil, err
		}
		keepConns(db, 1)
		ckpt = newCheckpointer(db, interval)
	}

	batch := o.Batch
	if batch <= 0 {
		batch = DefaultBatch
	}
	wait := o.BatchWait
	switch {
	case wait == 0:
		wait = DefaultBatchWait
	case wait < 0:
		wait = 0
	}
	cfg := sqlstore.Config{
		Dialect:         Dialect,
		DB:              writer,
		ReadDB:          reader,
		GroupCommit:     batch,
		GroupCommitWait: wait,
	}
	if ckpt != nil {
		cfg.AfterCommit, cfg.OnClose = ckpt.committed, ckpt.stop
	}
	st, err := sqlstore.Open(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return st, nil
}

// Dialect is the sqlstore.Dialect of modernc.org/sqlite, for
// sqlstore.Open with databases opened otherwise.
var Dialect = sqlstore.Dialect{Engine: sqlstore.SQLite, Classify: Classify}

// Classify tells what a modernc.org/sqlite error means from its result
// code: SQLITE_FULL, SQLITE_IOERR, SQLITE_BUSY and SQLITE_LOCKED,
// SQLITE_CORRUPT and SQLITE_NOTADB, and the primary-key and unique
// constraints.
func Classify(err error) sqlstore.Reason {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return sqlstore.ReasonOther
	}
	switch code := e.Code(); code {
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		return sqlstore.ReasonExists
	default:
		switch code & 0xff { // the primary result code
		case sqlite3.SQLITE_FULL:
			return sqlstore.ReasonFull
		case sqlite3.SQLITE_IOERR:
			return sqlstore.ReasonIO
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return sqlstore.ReasonBusy
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return sqlstore.ReasonCorrupt
		}
	}
	return sqlstore.ReasonOther
}

// classified wraps an error from outside a transaction as a
// *sqlstore.Error, so that opening a file on a full disk says so too.
func classified(err error) error {
	return &sqlstore.Error{Op: "connect", Reason: Classify(err), Err: err}
}

// fileURI returns path as an SQLite URI filename, so that no character of
// it (?, #, %) is read as part of the query.
func fileURI(path string) string {
	u := url.URL{Path: path}
	return "file:" + u.EscapedPath()
}

func openDB(uri string, q url.Values) (*sql.DB, error) {
	c, err := sqlite.NewConnector(uri + "?" + q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return sql.OpenDB(c), nil
}

// keepConns has db hold n connections, open for as long as db is.
func keepConns(db *sql.DB, n int) {
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
