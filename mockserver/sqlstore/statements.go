package sqlstore

import (
	"context"
	"database/sql"
)

// query names one of the Tx's statements.
type query int

const (
	qAccount query = iota
	qInsertAccount
	qUpdateAccount
	qAccounts
	qInsertHolder
	qDeleteHolder
	qProfilesByTIN
	qAddChange
	qChanges
	qAllChanges
	qRequest
	qInsertRequest
	qUpdateRequest
	qRequests
	qInsertAgreement
	qDeleteAgreements
	qToken
	qInsertToken
	qUpdateToken
	qTokens
	qRecord
	qInsertRecord
	qPutRecord
	qDeleteRecord
	qRecordsOf
	qRecordsOfOwner
	qDeleteExpired
	qNextNumber
	qRaiseNumber
	qSavepoint
	qRelease
	qRollbackTo
	nQueries
)

// queries are the Tx's SQL, with ? placeholders, in the dialect both
// engines speak (INSERT … ON CONFLICT needs SQLite 3.24 or later), but
// for the counters, which pgQueries has in PostgreSQL's own. Every
// one is a lookup or a range of an index: the primary keys, profile_tins
// (tin, iin), changes_tin (tin, seq), records_owner (kind, owner, key) and
// records_expires (kind, expires). Inserts say ON CONFLICT DO NOTHING and
// count the rows: a duplicate key is then esfreg.ErrExists without an
// error that would abort a PostgreSQL transaction.
var queries = [nQueries]string{
	qAccount:       `SELECT data FROM accounts WHERE iin = ?`,
	qInsertAccount: `INSERT INTO accounts (iin, data) VALUES (?, ?) ON CONFLICT (iin) DO NOTHING`,
	qUpdateAccount: `UPDATE accounts SET data = ? WHERE iin = ?`,
	qAccounts:      `SELECT data FROM accounts ORDER BY iin`,
	qInsertHolder:  `INSERT INTO profile_tins (tin, iin) VALUES (?, ?) ON CONFLICT (tin, iin) DO NOTHING`,
	qDeleteHolder:  `DELETE FROM profile_tins WHERE tin = ? AND iin = ?`,
	qProfilesByTIN: `SELECT a.data FROM profile_tins p JOIN accounts a ON a.iin = p.iin WHERE p.tin = ? ORDER BY p.iin`,

	qAddChange:  `INSERT INTO changes (tin, data) VALUES (?, ?)`,
	qChanges:    `SELECT data FROM changes WHERE tin = ? ORDER BY seq`,
	qAllChanges: `SELECT data FROM changes ORDER BY seq`,

	// A request and its signed agreements: one row each, or the request
	// alone (NULLs) when it has none.
	qRequest: `SELECT r.data, a.agreement, a.signer, a.document FROM requests r
		LEFT JOIN request_agreements a ON a.request_id = r.id WHERE r.id = ? ORDER BY a.seq`,
	qInsertRequest: `INSERT INTO requests (id, data) VALUES (?, ?) ON CONFLICT (id) DO NOTHING`,
	qUpdateRequest: `UPDATE requests SET data = ? WHERE id = ?`,
	// The export: Requests puts each request's agreements in seq order.
	qRequests: `SELECT r.id, r.data, a.seq, a.agreement, a.signer, a.document FROM requests r
		LEFT JOIN request_agreements a ON a.request_id = r.id ORDER BY r.id`,
	qInsertAgreement:  `INSERT INTO request_agreements (request_id, seq, agreement, signer, document) VALUES (?, ?, ?, ?, ?)`,
	qDeleteAgreements: `DELETE FROM request_agreements WHERE request_id = ?`,

	qToken:       `SELECT data FROM tokens WHERE key = ?`,
	qInsertToken: `INSERT INTO tokens (key, data) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`,
	qUpdateToken: `UPDATE tokens SET data = ? WHERE key = ?`,
	qTokens:      `SELECT data FROM tokens ORDER BY key`,

	qRecord:       `SELECT owner, expires, data FROM records WHERE kind = ? AND key = ?`,
	qInsertRecord: `INSERT INTO records (kind, key, owner, expires, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, key) DO NOTHING`,
	qPutRecord: `INSERT INTO records (kind, key, owner, expires, data) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (kind, key) DO UPDATE SET owner = excluded.owner, expires = excluded.expires, data = excluded.data`,
	qDeleteRecord:   `DELETE FROM records WHERE kind = ? AND key = ?`,
	qRecordsOf:      `SELECT key, owner, expires, data FROM records WHERE kind = ? ORDER BY key`,
	qRecordsOfOwner: `SELECT key, owner, expires, data FROM records WHERE kind = ? AND owner = ? ORDER BY key`,
	qDeleteExpired:  `DELETE FROM records WHERE kind = ? AND expires <= ?`,

	// A counter: SQLite's row, which the transaction's writer holds
	// (pgQueries has PostgreSQL's sequences).
	qNextNumber:  `INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value`,
	qRaiseNumber: `INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)`,

	// Group commit's bracket around each function of a batch.
	qSavepoint:  `SAVEPOINT fn`,
	qRelease:    `RELEASE fn`,
	qRollbackTo: `ROLLBACK TO fn`,
}

// pgQueries are PostgreSQL's own text of the queries where it differs.
// Its counters are sequences (counter_<name>, schema version 3), drawn
// outside the transaction: nextval takes no lock a concurrent writer
// waits for or conflicts with. RaiseNumber's setval never lowers one.
var pgQueries = map[query]string{
	qNextNumber: `SELECT nextval(?::text::regclass)`,
	qRaiseNumber: `SELECT setval(c.seq, GREATEST(c.n, COALESCE(pg_sequence_last_value(c.seq), 0)))
		FROM (SELECT ?::text::regclass AS seq, ?::bigint AS n) AS c`,
}

// clearTables is what Clear deletes, children first; not the counters.
var clearTables = []string{"profile_tins", "accounts", "changes", "request_agreements", "requests", "tokens", "records"}

// statements are the queries prepared on one *sql.DB. A Tx runs them
// through (*sql.Tx).StmtContext, which reuses the statement its
// connection already prepared: the SQL is parsed once per connection.
type statements [nQueries]*sql.Stmt

func (s *Store) prepare(ctx context.Context, db *sql.DB) (*statements, error) {
	st := new(statements)
	for q, text := range queries {
		if pg, ok := pgQueries[query(q)]; ok && s.dialect.Engine == PostgreSQL {
			text = pg
		}
		p, err := db.PrepareContext(ctx, s.rebind(text))
		if err != nil {
			for _, p := range st[:q] {
				p.Close() //nolint:errcheck
			}
			return nil, s.fail("prepare", err)
		}
		st[q] = p
	}
	return st, nil
}
