package esfreg

import (
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
)

// The stores hold ESF's state: accounts, the register, registration
// requests and one-time tokens. MemStore keeps all four in memory; a mock
// that persists its state can wrap it or bring its own.
//
// The methods take no context.Context: the state is the mock's own, in its
// process (in memory, saved to a local file at most), so a call neither
// waits on the network nor needs cancelling. A store that does real I/O
// would also need transactions across stores, which these interfaces do
// not promise: the Service serializes its writes itself.
//
// Every method must be safe for concurrent use, and must neither keep nor
// hand out memory the caller can change: values go in and come out as
// copies.

// AccountStore holds the accounts, one per IIN.
type AccountStore interface {
	// Account returns the account of iin, or ErrNotFound.
	Account(iin string) (Account, error)
	// CreateAccount stores a new account, or returns ErrExists.
	CreateAccount(a Account) error
	// UpdateAccount calls update with the account of iin and stores what
	// it leaves, atomically. If update returns an error nothing is stored
	// and that error is returned. A missing account is ErrNotFound.
	UpdateAccount(iin string, update func(*Account) error) (Account, error)
	// ProfilesByTIN returns every profile, of any account, whose TIN is
	// tin: who is registered for a legal entity, for instance.
	ProfilesByTIN(tin string) ([]Profile, error)
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
	// UpdateRequest changes a request atomically, as UpdateAccount does.
	UpdateRequest(id string, update func(*Request) error) (Request, error)
}

// TokenStore holds one-time tokens by Token.Key, the SHA-256 of the secret
// sent by e-mail; the secret itself is never stored.
type TokenStore interface {
	// CreateToken stores a new token, or returns ErrExists.
	CreateToken(t Token) error
	// Token returns the token with key, or ErrNotFound.
	Token(key string) (Token, error)
	// UpdateToken changes a token atomically, as UpdateAccount does.
	UpdateToken(key string, update func(*Token) error) (Token, error)
}

// storeError wraps an unexpected store error.
func storeError(store string, err error) error {
	return fmt.Errorf("esfreg: %s store: %w", store, err)
}
