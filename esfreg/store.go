package esfreg

import (
	"context"
	"errors"
	"fmt"
)

// Errors a store returns; the Service turns them into *Error codes where a
// rule says what they mean, and passes any other store error on wrapped.
var (
	// ErrNotFound means the store holds no such record.
	ErrNotFound = errors.New("esfreg: not found")
	// ErrExists means a record with that key is already stored.
	ErrExists = errors.New("esfreg: already exists")
	// ErrReadOnly means a write through the Tx of a View.
	ErrReadOnly = errors.New("esfreg: read-only transaction")
)

// Store holds ESF's state — accounts, the register, registration requests
// and one-time tokens — and runs transactions over it. MemStore keeps it in
// memory; the mock's SQL stores (mockserver/sqlstore) keep it in SQLite or
// PostgreSQL.
//
// Every rule evaluation of a Service reads and writes through one
// transaction, so the rules' invariants (one account per IIN, one winning
// registration per BIN, a single-use token) hold however many goroutines —
// or processes sharing one database — evaluate them at once: a store must
// run its transactions serializably (one writer at a time, or SERIALIZABLE
// isolation with retries).
type Store interface {
	// Update runs fn in one read-write transaction. If fn returns nil the
	// transaction commits, and Update returns the commit's error; if fn
	// returns an error (or panics) nothing fn wrote is kept, and Update
	// returns that error (or panics on). A store may run fn more than
	// once (after a serialization conflict), so fn must have no effect
	// outside tx until Update returns.
	Update(ctx context.Context, fn func(tx Tx) error) error
	// View runs fn in a read-only transaction: it sees one consistent
	// state. A write through tx fails with ErrReadOnly (or an error
	// wrapping it). View returns fn's error, or the store's.
	View(ctx context.Context, fn func(tx Tx) error) error
}

// Tx is one transaction's view of the state. Its values go in and come out
// as copies: neither side may keep memory the other changes. A Tx is used
// by one goroutine, only inside the function Update or View gave it to.
type Tx interface {
	AccountStore
	RegisterStore
	RequestStore
	TokenStore
}

// AccountStore holds the accounts, one per IIN.
type AccountStore interface {
	// Account returns the account of iin, or ErrNotFound.
	Account(iin string) (Account, error)
	// CreateAccount stores a new account, or returns ErrExists.
	CreateAccount(a Account) error
	// UpdateAccount calls update with the account of iin and stores what
	// it leaves. If update returns an error nothing is stored and that
	// error is returned. A missing account is ErrNotFound.
	UpdateAccount(iin string, update func(*Account) error) (Account, error)
	// ProfilesByTIN returns every profile, of any account, whose TIN is
	// tin (who is registered for a legal entity, for instance), ordered by
	// the holder's IIN.
	ProfilesByTIN(tin string) ([]Profile, error)
	// Accounts returns every account, ordered by IIN (for an export).
	Accounts() ([]Account, error)
}

// RegisterStore holds the tax register as a log of changes; TaxpayerAt
// folds a TIN's changes into what ESF sees at a given time.
type RegisterStore interface {
	// AddChange appends a change.
	AddChange(c Change) error
	// Changes returns the changes of tin in the order they were added.
	Changes(tin string) ([]Change, error)
	// AllChanges returns every change in the order they were added.
	AllChanges() ([]Change, error)
}

// RequestStore holds registration requests (step 4) by ID.
type RequestStore interface {
	// CreateRequest stores a new request, or returns ErrExists.
	CreateRequest(r Request) error
	// Request returns the request with id, or ErrNotFound.
	Request(id string) (Request, error)
	// UpdateRequest changes a request, as UpdateAccount does.
	UpdateRequest(id string, update func(*Request) error) (Request, error)
	// Requests returns every request, ordered by ID (for an export).
	Requests() ([]Request, error)
}

// TokenStore holds one-time tokens by Token.Key, the SHA-256 of the secret
// sent by e-mail; the secret itself is never stored.
type TokenStore interface {
	// CreateToken stores a new token, or returns ErrExists.
	CreateToken(t Token) error
	// Token returns the token with key, or ErrNotFound.
	Token(key string) (Token, error)
	// UpdateToken changes a token, as UpdateAccount does.
	UpdateToken(key string, update func(*Token) error) (Token, error)
	// Tokens returns every token, ordered by key (for an export).
	Tokens() ([]Token, error)
}

// txKey is the context key of a transaction in progress.
type txKey struct{}

// ContextWithTx returns a copy of ctx that carries tx: a Service method
// called with it evaluates its rules inside tx instead of opening a
// transaction of its own. This is how a caller makes its own reads and
// writes and a rule's one transaction (the mock: a log-in's throttle
// counters, the rule, the session it opens). The caller must be inside
// the Update (or View) that gave it tx.
func ContextWithTx(ctx context.Context, tx Tx) context.Context {
	return context.WithValue(ctx, txKey{}, tx)
}

// TxFromContext returns the transaction ctx carries, if any.
func TxFromContext(ctx context.Context) (Tx, bool) {
	tx, ok := ctx.Value(txKey{}).(Tx)
	return tx, ok
}

// storeError wraps an unexpected store error.
func storeError(store string, err error) error {
	return fmt.Errorf("esfreg: %s store: %w", store, err)
}
