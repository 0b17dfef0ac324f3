package sqlstore

import (
	"errors"
	"fmt"
	"strings"

	"github.com/esfkit/esf/esfreg"
)

// Reason says what kind of database failure an *Error is. A Dialect's
// Classify assigns it from the driver's error code.
type Reason int

const (
	// ReasonOther is any failure not listed below: a lost connection, a
	// canceled context, a bug.
	ReasonOther Reason = iota
	// ReasonConflict is a serialization failure or a deadlock
	// (PostgreSQL's SQLSTATE 40001 and 40P01). Update retries its
	// function on one; an *Error with this reason reaches the caller only
	// when every attempt conflicted.
	ReasonConflict
	// ReasonExists is a unique-key violation (SQLSTATE 23505, SQLite's
	// SQLITE_CONSTRAINT_PRIMARYKEY and _UNIQUE). The Tx's inserts report
	// it as esfreg.ErrExists.
	ReasonExists
	// ReasonFull is a full disk, or a database at its size limit
	// (SQLITE_FULL, SQLSTATE 53100).
	ReasonFull
	// ReasonIO is an I/O error reading or writing the database
	// (SQLITE_IOERR, SQLSTATE 58030).
	ReasonIO
	// ReasonBusy is a lock another process held longer than the busy
	// timeout (SQLITE_BUSY, SQLITE_LOCKED).
	ReasonBusy
	// ReasonCorrupt is a database file that is not one, or is damaged
	// (SQLITE_CORRUPT, SQLITE_NOTADB, SQLSTATE XX001/XX002).
	ReasonCorrupt
)

var reasonNames = [...]string{
	ReasonOther:    "database error",
	ReasonConflict: "serialization conflict",
	ReasonExists:   "key already exists",
	ReasonFull:     "database or disk is full",
	ReasonIO:       "disk I/O error",
	ReasonBusy:     "database is locked",
	ReasonCorrupt:  "database is corrupt",
}

// String describes the reason in a few lower-case words.
func (r Reason) String() string {
	if r < 0 || int(r) >= len(reasonNames) {
		return fmt.Sprintf("reason %d", int(r))
	}
	return reasonNames[r]
}

// Error is a database failure inside Update or View, or at Open. Update
// returns it (or fn's error wrapping it) and rolls its transaction back;
// Err is the driver's error.
type Error struct {
	// Op is what the store was doing: "commit", "put record", "migrate
	// to version 1" …
	Op     string
	Reason Reason
	Err    error
}

func (e *Error) Error() string {
	msg := e.Err.Error()
	if e.Reason == ReasonOther || strings.Contains(msg, e.Reason.String()) {
		return "sqlstore: " + e.Op + ": " + msg
	}
	return "sqlstore: " + e.Op + ": " + e.Reason.String() + ": " + msg
}

func (e *Error) Unwrap() error { return e.Err }

// Is reports a unique-key violation (ReasonExists) as esfreg.ErrExists.
func (e *Error) Is(target error) bool {
	return target == esfreg.ErrExists && e.Reason == ReasonExists
}

// VersionError is Open's error for a database whose schema is newer than
// this code knows: a newer program migrated it, and this one would
// misread it.
type VersionError struct {
	// Database is the schema version recorded in schema_migrations.
	Database int
	// Code is the newest version this code knows (SchemaVersion).
	Code int
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("sqlstore: the database's schema is at version %d, newer than this program knows (%d): run a newer build, or use another database", e.Database, e.Code)
}

// reasonOf returns the reason of the *Error in err's chain, or ReasonOther.
func reasonOf(err error) Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ReasonOther
}
