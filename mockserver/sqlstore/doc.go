// Package sqlstore keeps the mock ESF server's state (a mockstore.Store)
// in a SQL database through database/sql: SQLite for one process and a
// file, PostgreSQL for any number of replicas of the mock sharing one
// database. It holds the schema, its migrations and the SQL; the drivers
// live in mockserver/sqlstore/sqlite (modernc.org/sqlite) and
// mockserver/sqlstore/postgres (pgx), whose Open functions most programs
// call:
//
//	st, err := sqlite.Open(ctx, "state.db", sqlite.Options{})  // or postgres.Open(ctx, dsn, postgres.Options{})
//	err = st.Update(ctx, func(tx mockstore.Tx) error { … })    // one transaction per request
//	st.Close()
//
// # Tables
//
// accounts (iin, data), with profile_tins (tin, iin) indexing the TINs of
// each account's profiles for ProfilesByTIN, kept in step by CreateAccount
// and UpdateAccount; changes (seq, tin, data), the register's append-only
// log, read in seq order; requests (id, data), with request_agreements
// (request_id, seq, agreement, signer, document) holding each request's
// signed agreements — the agreement's JSON, the signer's certificate as
// DER, the signed document as it came — so that the documents, most of a
// request's bytes, are written once and never re-encoded; tokens (key,
// data); records (kind, key, owner, expires, data) with indexes on
// (kind, owner) and (kind, expires); and the counters (below). esfreg's values are stored as their
// JSON (a request's without its agreements); a
// record's Data as given, its Expires as Unix nanoseconds (NULL when
// zero; the years 1678 to 2262), and it comes back in UTC. Times inside
// esfreg's values keep their instant and offset, not their location's
// name: compare them with time.Time.Equal.
//
// A Tx keeps the rows it has read (a second read of one asks the
// database nothing; every write forgets the rows it touches), and the
// Store remembers the accounts it decoded last, by their bytes: an
// account read again with the same bytes is not decoded again. Values go
// in and come out as copies.
//
// Every statement of a Tx is prepared once per connection and looks rows
// up by a key or an index range: Account, Token, Record, InsertRecord,
// PutRecord and DeleteRecord by primary key. Only the exports (Accounts,
// AllChanges, Requests, Tokens, RecordsOf with no owner) and Clear read
// or delete whole tables.
//
// # Transactions and isolation
//
// Update runs its function in one read-write transaction, View in one
// read-only transaction; the Tx runs every statement with the ctx given
// to Update or View. A write through a View's Tx returns
// esfreg.ErrReadOnly without touching the database. A duplicate key on an
// insert is esfreg.ErrExists, an answer the transaction can go on after
// (the inserts say ON CONFLICT DO NOTHING). Any other database error
// dooms the transaction: Update rolls it back and returns the error even
// if the function returned nil — PostgreSQL cannot go on after an error,
// and SQLite may already have rolled back after a full disk or an I/O
// error.
//
// The mock's invariants (one winning registration per BIN, single-use
// tickets, throttle counters) need Update to be serializable:
//
//   - SQLite has one writer. Update's transactions run on a single
//     connection and begin with BEGIN IMMEDIATE, so they take the write
//     lock first and queue for it in the process; another process holding
//     the file is waited for up to the busy timeout. View runs on a pool of
//     read-only connections and reads a WAL snapshot taken at its first
//     read, concurrently with the writer.
//   - SQLite commits in groups (Config.GroupCommit; sqlite.Options.Batch):
//     Updates that wait for the writer together run their functions one
//     after the other in one transaction, each in a savepoint of its own,
//     and commit once. A function that fails or panics is rolled back to
//     its savepoint and leaves the others alone; Update returns only after
//     the commit, and if the commit fails every function that would have
//     committed gets its error and none of their writes is kept; a
//     database error inside a function fails that Update and runs the
//     functions before it again in a new transaction (a function may run
//     more than once, as esfreg.Store allows). Once Updates have queued up
//     together, the writer waits a moment (Config.GroupCommitWait) for
//     more to join each batch, and stops waiting as soon as a wait brings
//     none. A commit costs about as much for many functions as for one:
//     SQLite writes each page a transaction changed to the WAL once.
//     GroupStats counts the transactions and functions.
//   - PostgreSQL runs Update at SERIALIZABLE. When the database aborts a
//     transaction for a serialization failure or a deadlock (SQLSTATE
//     40001, 40P01), Update runs the function again in a new transaction,
//     up to Config.Attempts times (10), after a random pause of up to 2ms,
//     doubled at each attempt and at most 100ms. The function must
//     therefore have no effect outside the Tx until Update returns — as
//     esfreg.Store requires anyway. View runs at REPEATABLE READ, READ
//     ONLY: one snapshot, never a serialization failure, never retried.
//
// NextNumber's counters (mockstore.CounterMail, CounterFault) are rows of
// counters (name, value) in SQLite, changed by the one writer and rolled
// back with its transaction, and sequences in PostgreSQL (counter_mail,
// counter_fault), drawn outside the transaction: writers numbering
// e-mails at once neither wait for a row nor fail to serialize on it. A
// PostgreSQL transaction that rolls back leaves a gap in the numbers.
// Clear leaves the counters alone.
//
// The register's seq is an AUTOINCREMENT or identity column: changes
// come back in the order they were inserted. Two PostgreSQL transactions
// adding changes of one TIN at once both read that TIN's changes first
// (the rules do), so SERIALIZABLE orders them.
//
// # Durability
//
// Update returns nil only once the commit is acknowledged. A commit
// survives the crash of the process that made it — kill -9 included — in
// both engines. A power loss or an operating-system crash loses nothing
// committed in PostgreSQL (with its default fsync and synchronous_commit
// settings) and in SQLite with sqlite.Options.FullSync; SQLite's default,
// synchronous=NORMAL in WAL mode, may lose the last commits before the
// power loss, never the database's consistency.
//
// # Migrations
//
// The schema is versioned. schema_migrations records each migration
// applied (version, name, applied_at); Open applies the missing ones in
// order, each in one transaction with its record, so a migration is
// applied entirely or not at all. Concurrent Opens are safe: SQLite's
// BEGIN IMMEDIATE, and a PostgreSQL advisory lock, serialize them, and
// each reads the version again inside its transaction. A database whose
// version is newer than SchemaVersion was migrated by a newer program:
// Open refuses it with a *VersionError rather than misread it. The DDL
// differs between the engines only where it must (types, identity
// columns, PostgreSQL's "C" collation so that keys sort bytewise as in Go
// and SQLite); a migration that has shipped is never edited, the next one
// is added.
//
// # Errors
//
// Database failures come as an *Error naming the operation and a Reason
// (ReasonFull, ReasonIO, ReasonConflict …) a Dialect's Classify reads from
// the driver's error code, wrapping the driver's error.
package sqlstore
