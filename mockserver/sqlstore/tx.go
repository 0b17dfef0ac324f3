package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver/mockstore"
)

// tx is a mockstore.Tx over one *sql.Tx. Every statement runs with the ctx
// given to Update or View.
type tx struct {
	ctx      context.Context
	s        *Store
	tx       *sql.Tx
	st       *statements
	readOnly bool
	// err is the first database error: the transaction may not commit.
	err error
	// seen holds the rows this transaction has read, by statement and
	// key, so that a rule that reads one row twice (an account checked
	// by the password step and again by the log-in, a session read and
	// then closed) asks the database once. A transaction sees its own
	// snapshot plus its own writes, so a row read again is what it was
	// unless this transaction wrote it: every write forgets the rows it
	// touches.
	seen map[seenKey]seenRow
	// bound are the statements bound to the transaction so far, shared
	// by the functions of a group commit's batch.
	bound *[nQueries]*sql.Stmt
}

// seenKey names a row the transaction read: by the statement that reads
// it (qAccount, qRequest, qToken, qRecord), the record's kind, and the key.
type seenKey struct {
	q         query
	kind, key string
}

// seenRow is what the read found: found false when there was no row.
// value is the decoded data, kept for the types that clone themselves
// (esfreg.Account, esfreg.Request), so a second read neither asks nor
// decodes again.
type seenRow struct {
	found   bool
	owner   string
	expires sql.NullInt64
	data    []byte
	value   any
}

// cloner is a value that copies itself deeply.
type cloner[T any] interface{ Clone() T }

// remember records what a read found.
func (t *tx) remember(k seenKey, r seenRow) {
	if t.seen == nil {
		t.seen = make(map[seenKey]seenRow, 8)
	}
	t.seen[k] = r
}

// forget drops a row the transaction is about to write.
func (t *tx) forget(k seenKey) { delete(t.seen, k) }

// forgetKind drops every record of kind (DeleteExpired).
func (t *tx) forgetKind(kind string) {
	for k := range t.seen {
		if k.q == qRecord && k.kind == kind {
			delete(t.seen, k)
		}
	}
}

var _ mockstore.Tx = (*tx)(nil)

// stmt returns statement q bound to the transaction, once per
// transaction.
func (t *tx) stmt(q query) *sql.Stmt {
	if t.bound == nil {
		t.bound = new([nQueries]*sql.Stmt)
	}
	if t.bound[q] == nil {
		t.bound[q] = t.tx.StmtContext(t.ctx, t.st[q])
	}
	return t.bound[q]
}

// fail wraps a database error and marks the transaction failed: after an
// error a PostgreSQL transaction can only roll back, and SQLite may have
// rolled back already (SQLITE_FULL, SQLITE_IOERR). Update then rolls back
// whatever fn returns.
func (t *tx) fail(op string, err error) error {
	e := t.s.fail(op, err)
	if t.err == nil {
		t.err = e
	}
	return e
}

// writable refuses a write in a View.
func (t *tx) writable() error {
	if t.readOnly {
		return esfreg.ErrReadOnly
	}
	return nil
}

// exec runs a write statement and returns how many rows it changed.
func (t *tx) exec(op string, q query, args ...any) (int64, error) {
	res, err := t.stmt(q).ExecContext(t.ctx, args...)
	if err != nil {
		return 0, t.fail(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, t.fail(op, err)
	}
	return n, nil
}

// insert runs an INSERT … ON CONFLICT DO NOTHING: no row inserted is
// esfreg.ErrExists.
func (t *tx) insert(op string, q query, args ...any) error {
	n, err := t.exec(op, q, args...)
	switch {
	case err != nil:
		return err
	case n == 0:
		return esfreg.ErrExists
	}
	return nil
}

// getJSON reads the one JSON value q selects by key.
func getJSON[T any](t *tx, op string, q query, key string) (T, error) {
	var v T
	sk := seenKey{q: q, key: key}
	row, ok := t.seen[sk]
	if !ok {
		err := t.stmt(q).QueryRowContext(t.ctx, key).Scan(&row.data)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return v, t.fail(op, err)
		default:
			row.found = true
		}
		t.remember(sk, row)
	}
	if !row.found {
		return v, esfreg.ErrNotFound
	}
	if c, ok := row.value.(cloner[T]); ok {
		return c.Clone(), nil
	}
	if _, ok := any(v).(cloner[T]); ok {
		if m, ok := t.s.memo.get(sk, row.data); ok {
			row.value = m // the memo's copy, never handed out
			t.remember(sk, row)
			return m.(cloner[T]).Clone(), nil
		}
	}
	if err := json.Unmarshal(row.data, &v); err != nil {
		return v, fmt.Errorf("sqlstore: %s %s: decode: %w", op, key, err)
	}
	if c, ok := any(v).(cloner[T]); ok {
		row.value = c.Clone()
		t.remember(sk, row)
		t.s.memo.put(sk, row.data, row.value)
	}
	return v, nil
}

// listJSON reads the JSON values q selects, in its order.
func listJSON[T any](t *tx, op string, q query, args ...any) ([]T, error) {
	rows, err := t.stmt(q).QueryContext(t.ctx, args...)
	if err != nil {
		return nil, t.fail(op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var data sql.RawBytes
		if err := rows.Scan(&data); err != nil {
			return nil, t.fail(op, err)
		}
		var v T
		if err := json.Unmarshal(data, &v); err != nil {
			return nil, fmt.Errorf("sqlstore: %s: decode: %w", op, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(op, err)
	}
	return out, nil
}

// encode marshals a value for its data column.
func encode(op, key string, v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: %s %s: encode: %w", op, key, err)
	}
	return data, nil
}

// putJSON reads the value of key with get, lets update change it, and
// writes it back with put (UPDATE … SET data = ? WHERE key = ?).
func putJSON[T any](t *tx, op string, get, put query, key string, update func(*T) error, setKey func(*T)) (T, error) {
	var zero T
	if err := t.writable(); err != nil {
		return zero, err
	}
	v, err := getJSON[T](t, op, get, key)
	if err != nil {
		return zero, err
	}
	if err := update(&v); err != nil {
		return zero, err
	}
	setKey(&v) // the key does not change
	data, err := encode(op, key, v)
	if err != nil {
		return zero, err
	}
	t.forget(seenKey{q: get, key: key})
	if _, err := t.exec(op, put, data, key); err != nil {
		return zero, err
	}
	return v, nil
}

// Account implements esfreg.AccountStore.
func (t *tx) Account(iin string) (esfreg.Account, error) {
	return getJSON[esfreg.Account](t, "account", qAccount, iin)
}

// CreateAccount implements esfreg.AccountStore.
func (t *tx) CreateAccount(a esfreg.Account) error {
	if err := t.writable(); err != nil {
		return err
	}
	data, err := encode("create account", a.IIN, a)
	if err != nil {
		return err
	}
	t.forget(seenKey{q: qAccount, key: a.IIN})
	if err := t.insert("create account", qInsertAccount, a.IIN, data); err != nil {
		return err
	}
	return t.index(a.IIN, nil, tins(a.Profiles))
}

// UpdateAccount implements esfreg.AccountStore, keeping profile_tins in
// step with the account's profiles.
func (t *tx) UpdateAccount(iin string, update func(*esfreg.Account) error) (esfreg.Account, error) {
	var old []string
	a, err := putJSON(t, "update account", qAccount, qUpdateAccount, iin, func(a *esfreg.Account) error {
		old = tins(a.Profiles)
		return update(a)
	}, func(a *esfreg.Account) { a.IIN = iin })
	if err != nil {
		return esfreg.Account{}, err
	}
	return a, t.index(iin, old, tins(a.Profiles))
}

// tins returns the distinct TINs of profiles, sorted.
func tins(profiles []esfreg.Profile) []string {
	out := make([]string, 0, len(profiles))
	for _, p := range profiles {
		out = append(out, p.TIN)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// index moves iin's rows in profile_tins from the TINs old to new (both
// sorted, distinct).
func (t *tx) index(iin string, old, new []string) error {
	for _, tin := range old {
		if _, found := slices.BinarySearch(new, tin); !found {
			if _, err := t.exec("update account: index", qDeleteHolder, tin, iin); err != nil {
				return err
			}
		}
	}
	for _, tin := range new {
		if _, found := slices.BinarySearch(old, tin); !found {
			if _, err := t.exec("update account: index", qInsertHolder, tin, iin); err != nil {
				return err
			}
		}
	}
	return nil
}

// ProfilesByTIN implements esfreg.AccountStore through profile_tins.
func (t *tx) ProfilesByTIN(tin string) ([]esfreg.Profile, error) {
	accounts, err := listJSON[esfreg.Account](t, "profiles by TIN", qProfilesByTIN, tin)
	if err != nil {
		return nil, err
	}
	var out []esfreg.Profile
	for _, a := range accounts {
		for _, p := range a.Profiles {
			if p.TIN == tin {
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// Accounts implements esfreg.AccountStore.
func (t *tx) Accounts() ([]esfreg.Account, error) {
	return listJSON[esfreg.Account](t, "accounts", qAccounts)
}

// AddChange implements esfreg.RegisterStore.
func (t *tx) AddChange(c esfreg.Change) error {
	if err := t.writable(); err != nil {
		return err
	}
	data, err := encode("add change", c.Taxpayer.TIN, c)
	if err != nil {
		return err
	}
	_, err = t.exec("add change", qAddChange, c.Taxpayer.TIN, data)
	return err
}

// Changes implements esfreg.RegisterStore.
func (t *tx) Changes(tin string) ([]esfreg.Change, error) {
	return listJSON[esfreg.Change](t, "changes", qChanges, tin)
}

// AllChanges implements esfreg.RegisterStore.
func (t *tx) AllChanges() ([]esfreg.Change, error) {
	return listJSON[esfreg.Change](t, "all changes", qAllChanges)
}

// CreateToken implements esfreg.TokenStore.
func (t *tx) CreateToken(tk esfreg.Token) error {
	if err := t.writable(); err != nil {
		return err
	}
	data, err := encode("create token", tk.Key, tk)
	if err != nil {
		return err
	}
	t.forget(seenKey{q: qToken, key: tk.Key})
	return t.insert("create token", qInsertToken, tk.Key, data)
}

// Token implements esfreg.TokenStore.
func (t *tx) Token(key string) (esfreg.Token, error) {
	return getJSON[esfreg.Token](t, "token", qToken, key)
}

// UpdateToken implements esfreg.TokenStore.
func (t *tx) UpdateToken(key string, update func(*esfreg.Token) error) (esfreg.Token, error) {
	return putJSON(t, "update token", qToken, qUpdateToken, key, update, func(tk *esfreg.Token) { tk.Key = key })
}

// Tokens implements esfreg.TokenStore.
func (t *tx) Tokens() ([]esfreg.Token, error) {
	return listJSON[esfreg.Token](t, "tokens", qTokens)
}

// The range of times Expires can hold: int64 nanoseconds since 1970.
var (
	minExpires = time.Unix(0, -1<<63)
	maxExpires = time.Unix(0, 1<<63-1)
)

// recordArgs returns the columns of r after kind and key: owner, expires
// (Unix nanoseconds, NULL when zero) and data.
func recordArgs(op, kind string, r mockstore.Record) ([]any, error) {
	var expires any
	if !r.Expires.IsZero() {
		if r.Expires.Before(minExpires) || r.Expires.After(maxExpires) {
			return nil, fmt.Errorf("sqlstore: %s %s/%s: expiry %v is outside the years 1678–2262", op, kind, r.Key, r.Expires)
		}
		expires = r.Expires.UnixNano()
	}
	data := r.Data
	if data == nil {
		data = []byte{} // NOT NULL
	}
	return []any{kind, r.Key, r.Owner, expires, data}, nil
}

// expiresTime turns the expires column back into a time, in UTC.
func expiresTime(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}

// Record implements mockstore.Records.
func (t *tx) Record(kind, key string) (mockstore.Record, error) {
	sk := seenKey{q: qRecord, kind: kind, key: key}
	row, ok := t.seen[sk]
	if !ok {
		err := t.stmt(qRecord).QueryRowContext(t.ctx, kind, key).Scan(&row.owner, &row.expires, &row.data)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return mockstore.Record{}, t.fail("record", err)
		default:
			row.found = true
		}
		t.remember(sk, row)
	}
	if !row.found {
		return mockstore.Record{}, esfreg.ErrNotFound
	}
	// The caller's copy of the data: what it does with it does not
	// change what a second read returns.
	return mockstore.Record{Key: key, Owner: row.owner, Expires: expiresTime(row.expires), Data: bytes.Clone(row.data)}, nil
}

// InsertRecord implements mockstore.Records.
func (t *tx) InsertRecord(kind string, r mockstore.Record) error {
	if err := t.writable(); err != nil {
		return err
	}
	args, err := recordArgs("insert record", kind, r)
	if err != nil {
		return err
	}
	t.forget(seenKey{q: qRecord, kind: kind, key: r.Key})
	return t.insert("insert record", qInsertRecord, args...)
}

// PutRecord implements mockstore.Records.
func (t *tx) PutRecord(kind string, r mockstore.Record) error {
	if err := t.writable(); err != nil {
		return err
	}
	args, err := recordArgs("put record", kind, r)
	if err != nil {
		return err
	}
	t.forget(seenKey{q: qRecord, kind: kind, key: r.Key})
	_, err = t.exec("put record", qPutRecord, args...)
	return err
}

// DeleteRecord implements mockstore.Records.
func (t *tx) DeleteRecord(kind, key string) error {
	if err := t.writable(); err != nil {
		return err
	}
	t.forget(seenKey{q: qRecord, kind: kind, key: key})
	_, err := t.exec("delete record", qDeleteRecord, kind, key)
	return err
}

// RecordsOf implements mockstore.Records.
func (t *tx) RecordsOf(kind, owner string) ([]mockstore.Record, error) {
	var (
		rows *sql.Rows
		err  error
	)
	if owner == "" {
		rows, err = t.stmt(qRecordsOf).QueryContext(t.ctx, kind)
	} else {
		rows, err = t.stmt(qRecordsOfOwner).QueryContext(t.ctx, kind, owner)
	}
	if err != nil {
		return nil, t.fail("records of", err)
	}
	defer rows.Close()
	var out []mockstore.Record
	for rows.Next() {
		var (
			r       mockstore.Record
			expires sql.NullInt64
		)
		if err := rows.Scan(&r.Key, &r.Owner, &expires, &r.Data); err != nil {
			return nil, t.fail("records of", err)
		}
		r.Expires = expiresTime(expires)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail("records of", err)
	}
	return out, nil
}

// DeleteExpired implements mockstore.Records.
func (t *tx) DeleteExpired(kind string, before time.Time) (int, error) {
	if err := t.writable(); err != nil {
		return 0, err
	}
	var limit int64
	switch {
	case before.Before(minExpires):
		return 0, nil
	case before.After(maxExpires):
		limit = 1<<63 - 1
	default:
		limit = before.UnixNano()
	}
	t.forgetKind(kind)
	n, err := t.exec("delete expired", qDeleteExpired, kind, limit)
	return int(n), err
}

// NextNumber implements mockstore.Records.
func (t *tx) NextNumber(name string) (int64, error) {
	arg, err := t.counter(name)
	if err != nil {
		return 0, err
	}
	var n int64
	if err := t.stmt(qNextNumber).QueryRowContext(t.ctx, arg).Scan(&n); err != nil {
		return 0, t.fail("next number", err)
	}
	return n, nil
}

// RaiseNumber implements mockstore.Records.
func (t *tx) RaiseNumber(name string, n int64) error {
	arg, err := t.counter(name)
	if err != nil || n <= 0 {
		return err
	}
	if t.s.dialect.Engine == PostgreSQL {
		var v int64
		if err := t.stmt(qRaiseNumber).QueryRowContext(t.ctx, arg, n).Scan(&v); err != nil {
			return t.fail("raise number", err)
		}
		return nil
	}
	_, err = t.exec("raise number", qRaiseNumber, arg, n)
	return err
}

// counter checks that the transaction may draw from the counter name and
// returns what the statements take: the name, or in PostgreSQL its
// sequence.
func (t *tx) counter(name string) (string, error) {
	if err := t.writable(); err != nil {
		return "", err
	}
	if !mockstore.KnownCounter(name) {
		return "", fmt.Errorf("%w %q", mockstore.ErrUnknownCounter, name)
	}
	if t.s.dialect.Engine == PostgreSQL {
		return "counter_" + name, nil
	}
	return name, nil
}

// Clear implements mockstore.Tx: it deletes every row of every table
// (DELETE, not TRUNCATE, which is not MVCC-safe in PostgreSQL).
func (t *tx) Clear() error {
	if err := t.writable(); err != nil {
		return err
	}
	t.seen = nil
	for _, table := range clearTables {
		if _, err := t.tx.ExecContext(t.ctx, "DELETE FROM "+table); err != nil {
			return t.fail("clear "+table, err)
		}
	}
	return nil
}
