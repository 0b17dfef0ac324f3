package esfreg

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
)

// MemStore is a Store that keeps accounts, the register, requests and
// tokens in memory. It is safe for concurrent use: Update runs one
// transaction at a time under a write lock, View any number at once under
// a read lock. A transaction that fails — its function returns an error,
// or panics — is rolled back from an undo log before the lock is released
// (and the panic goes on). Every value is copied in and out. The zero
// value is not usable; call NewMemStore.
//
// The Tx that Update passes has one method more than Tx, Clear() error,
// which deletes everything the store holds (rolled back with the rest on
// failure): the mock's memory store (mockserver/mockstore) empties its
// state with it.
//
// Update and View must not be called from inside a transaction of the
// same store: the lock is not reentrant. A Service joins a transaction
// its caller opened through the context instead (ContextWithTx).
type MemStore struct {
	mu sync.RWMutex
	// The state; every field is guarded by mu, and replaced as a whole
	// by Clear.
	accounts map[string]Account
	// holders indexes the accounts by the TINs of their profiles, so that
	// ProfilesByTIN does not scan every account.
	holders  map[string]map[string]struct{} // TIN → IINs
	changes  []Change
	byTIN    map[string][]int // indexes into changes
	requests map[string]Request
	tokens   map[string]Token
}

var _ Store = (*MemStore)(nil)

// errTxDone is what a transaction's methods return once its Update or
// View has returned.
var errTxDone = errors.New("esfreg: transaction already ended")

// NewMemStore returns an empty store.
func NewMemStore() *MemStore {
	m := &MemStore{}
	m.reset()
	return m
}

// reset empties the store. m.mu is held for writing, or m is new.
func (m *MemStore) reset() {
	m.accounts = map[string]Account{}
	m.holders = map[string]map[string]struct{}{}
	m.changes = nil
	m.byTIN = map[string][]int{}
	m.requests = map[string]Request{}
	m.tokens = map[string]Token{}
}

// Update implements Store: it runs fn holding the store's write lock, and
// undoes every write of fn if fn returns an error or panics. It returns
// fn's error, or ctx's if ctx is done before fn starts.
func (m *MemStore) Update(ctx context.Context, fn func(tx Tx) error) error {
	return m.run(ctx, true, fn)
}

// View implements Store: it runs fn holding the store's read lock, with a
// Tx whose writes return ErrReadOnly.
func (m *MemStore) View(ctx context.Context, fn func(tx Tx) error) error {
	return m.run(ctx, false, fn)
}

func (m *MemStore) run(ctx context.Context, write bool, fn func(tx Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if write {
		m.mu.Lock()
		defer m.mu.Unlock()
	} else {
		m.mu.RLock()
		defer m.mu.RUnlock()
	}
	tx := &memTx{m: m, write: write}
	committed := false
	// Deferred, so that a panic in fn (or runtime.Goexit, as t.FailNow
	// calls) rolls back too, before the lock is released.
	defer func() { tx.end(committed) }()
	if err := fn(tx); err != nil {
		return err
	}
	committed = true
	return nil
}

// MemState is the whole of a MemStore, for saving and restoring it (the
// mock's JSON export, GET /_mock/state): every value, in a stable order.
type MemState struct {
	Accounts []Account `json:"accounts"`
	Changes  []Change  `json:"changes"`
	Requests []Request `json:"requests"`
	Tokens   []Token   `json:"tokens"`
}

// Snapshot returns a copy of everything in the store, accounts by IIN,
// changes in the order added, requests by ID and tokens by key, as one
// consistent state.
func (m *MemStore) Snapshot() MemState {
	var st MemState
	// A memory transaction's reads cannot fail while it runs.
	_ = m.View(context.Background(), func(tx Tx) error {
		st.Accounts, _ = tx.Accounts()
		st.Changes, _ = tx.AllChanges()
		st.Requests, _ = tx.Requests()
		st.Tokens, _ = tx.Tokens()
		return nil
	})
	return st
}

// NewMemStoreFrom returns a store holding st, as Snapshot returned it. Two
// records with one key are an error, and so is an agreement without a kind.
func NewMemStoreFrom(st MemState) (*MemStore, error) {
	m := NewMemStore()
	err := m.Update(context.Background(), func(tx Tx) error {
		for _, a := range st.Accounts {
			if err := tx.CreateAccount(a); err != nil {
				return fmt.Errorf("esfreg: account %s: %w", a.IIN, err)
			}
		}
		for _, c := range st.Changes {
			if err := tx.AddChange(c); err != nil {
				return err
			}
		}
		for _, r := range st.Requests {
			for i, a := range r.Agreements {
				// A kind MarshalText refuses would load but never save.
				if k := a.Agreement.Kind; k < AgreementIndividual || k > AgreementLegalEntity {
					return fmt.Errorf("esfreg: request %s: agreement %d: no agreement kind", r.ID, i)
				}
			}
			if err := tx.CreateRequest(r); err != nil {
				return fmt.Errorf("esfreg: request %s: %w", r.ID, err)
			}
		}
		for _, t := range st.Tokens {
			if err := tx.CreateToken(t); err != nil {
				return fmt.Errorf("esfreg: token %s: %w", t.Key, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// memTx is a transaction of a MemStore. Its methods run under the store's
// lock, which its Update or View holds.
type memTx struct {
	m     *MemStore
	write bool
	done  bool
	// undo holds, in the order made, what reverses each write.
	undo []func()
}

// end ends the transaction: unless it committed, it undoes its writes,
// the last first.
func (t *memTx) end(commit bool) {
	if !commit {
		for i := len(t.undo) - 1; i >= 0; i-- {
			t.undo[i]()
		}
	}
	t.undo, t.done = nil, true
}

// reading checks the transaction may still read.
func (t *memTx) reading() error {
	if t.done {
		return errTxDone
	}
	return nil
}

// writing checks the transaction may still write.
func (t *memTx) writing() error {
	if t.done {
		return errTxDone
	}
	if !t.write {
		return ErrReadOnly
	}
	return nil
}

// Clear deletes everything the store holds; a rollback brings it back.
func (t *memTx) Clear() error {
	if err := t.writing(); err != nil {
		return err
	}
	m := t.m
	accounts, holders, changes, byTIN, requests, tokens := m.accounts, m.holders, m.changes, m.byTIN, m.requests, m.tokens
	m.reset()
	t.undo = append(t.undo, func() {
		m.accounts, m.holders, m.changes, m.byTIN, m.requests, m.tokens = accounts, holders, changes, byTIN, requests, tokens
	})
	return nil
}

// Account implements AccountStore.
func (t *memTx) Account(iin string) (Account, error) {
	if err := t.reading(); err != nil {
		return Account{}, err
	}
	a, ok := t.m.accounts[iin]
	if !ok {
		return Account{}, ErrNotFound
	}
	return a.clone(), nil
}

// CreateAccount implements AccountStore.
func (t *memTx) CreateAccount(a Account) error {
	if err := t.writing(); err != nil {
		return err
	}
	m := t.m
	if _, ok := m.accounts[a.IIN]; ok {
		return ErrExists
	}
	a = a.clone()
	m.accounts[a.IIN] = a
	m.index(Account{}, a)
	t.undo = append(t.undo, func() {
		delete(m.accounts, a.IIN)
		m.index(a, Account{})
	})
	return nil
}

// UpdateAccount implements AccountStore.
func (t *memTx) UpdateAccount(iin string, update func(*Account) error) (Account, error) {
	if err := t.writing(); err != nil {
		return Account{}, err
	}
	m := t.m
	old, ok := m.accounts[iin]
	if !ok {
		return Account{}, ErrNotFound
	}
	a := old.clone()
	if err := update(&a); err != nil {
		return Account{}, err
	}
	a.IIN = iin // the key does not change
	stored := a.clone()
	m.accounts[iin] = stored
	m.index(old, stored)
	// The stored values are never changed in place, so old can be put
	// back as it is.
	t.undo = append(t.undo, func() {
		m.accounts[iin] = old
		m.index(stored, old)
	})
	return a, nil
}

// index moves iin's entries in holders from the TINs of old's profiles to
// those of new's. m.mu is held for writing.
func (m *MemStore) index(old, new Account) {
	iin := new.IIN
	if iin == "" {
		iin = old.IIN
	}
	for _, p := range old.Profiles {
		if set := m.holders[p.TIN]; set != nil {
			delete(set, iin)
			if len(set) == 0 {
				delete(m.holders, p.TIN)
			}
		}
	}
	for _, p := range new.Profiles {
		set := m.holders[p.TIN]
		if set == nil {
			set = map[string]struct{}{}
			m.holders[p.TIN] = set
		}
		set[iin] = struct{}{}
	}
}

// ProfilesByTIN implements AccountStore.
func (t *memTx) ProfilesByTIN(tin string) ([]Profile, error) {
	if err := t.reading(); err != nil {
		return nil, err
	}
	iins := make([]string, 0, len(t.m.holders[tin]))
	for iin := range t.m.holders[tin] {
		iins = append(iins, iin)
	}
	sort.Strings(iins)
	var out []Profile
	for _, iin := range iins {
		for _, p := range t.m.accounts[iin].Profiles {
			if p.TIN == tin {
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// Accounts implements AccountStore.
func (t *memTx) Accounts() ([]Account, error) {
	if err := t.reading(); err != nil {
		return nil, err
	}
	var out []Account
	for _, a := range t.m.accounts {
		out = append(out, a.clone())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].IIN < out[j].IIN })
	return out, nil
}

// AddChange implements RegisterStore.
func (t *memTx) AddChange(c Change) error {
	if err := t.writing(); err != nil {
		return err
	}
	m := t.m
	tin := c.Taxpayer.TIN
	m.byTIN[tin] = append(m.byTIN[tin], len(m.changes))
	m.changes = append(m.changes, c)
	t.undo = append(t.undo, func() {
		m.changes = m.changes[:len(m.changes)-1]
		if idx := m.byTIN[tin]; len(idx) > 1 {
			m.byTIN[tin] = idx[:len(idx)-1]
		} else {
			delete(m.byTIN, tin)
		}
	})
	return nil
}

// Changes implements RegisterStore.
func (t *memTx) Changes(tin string) ([]Change, error) {
	if err := t.reading(); err != nil {
		return nil, err
	}
	idx := t.m.byTIN[tin]
	out := make([]Change, len(idx))
	for i, j := range idx {
		out[i] = t.m.changes[j]
	}
	return out, nil
}

// AllChanges implements RegisterStore.
func (t *memTx) AllChanges() ([]Change, error) {
	if err := t.reading(); err != nil {
		return nil, err
	}
	if len(t.m.changes) == 0 {
		return nil, nil
	}
	return slices.Clone(t.m.changes), nil
}

// CreateRequest implements RequestStore.
func (t *memTx) CreateRequest(r Request) error {
	if err := t.writing(); err != nil {
		return err
	}
	m := t.m
	if _, ok := m.requests[r.ID]; ok {
		return ErrExists
	}
	m.requests[r.ID] = r.clone()
	t.undo = append(t.undo, func() { delete(m.requests, r.ID) })
	return nil
}

// Request implements RequestStore.
func (t *memTx) Request(id string) (Request, error) {
	if err := t.reading(); err != nil {
		return Request{}, err
	}
	r, ok := t.m.requests[id]
	if !ok {
		return Request{}, ErrNotFound
	}
	return r.clone(), nil
}

// UpdateRequest implements RequestStore.
func (t *memTx) UpdateRequest(id string, update func(*Request) error) (Request, error) {
	if err := t.writing(); err != nil {
		return Request{}, err
	}
	m := t.m
	old, ok := m.requests[id]
	if !ok {
		return Request{}, ErrNotFound
	}
	r := old.clone()
	if err := update(&r); err != nil {
		return Request{}, err
	}
	r.ID = id
	m.requests[id] = r.clone()
	t.undo = append(t.undo, func() { m.requests[id] = old })
	return r, nil
}

// Requests implements RequestStore.
func (t *memTx) Requests() ([]Request, error) {
	if err := t.reading(); err != nil {
		return nil, err
	}
	var out []Request
	for _, r := range t.m.requests {
		out = append(out, r.clone())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// CreateToken implements TokenStore.
func (t *memTx) CreateToken(tok Token) error {
	if err := t.writing(); err != nil {
		return err
	}
	m := t.m
	if _, ok := m.tokens[tok.Key]; ok {
		return ErrExists
	}
	m.tokens[tok.Key] = tok
	t.undo = append(t.undo, func() { delete(m.tokens, tok.Key) })
	return nil
}

// Token implements TokenStore.
func (t *memTx) Token(key string) (Token, error) {
	if err := t.reading(); err != nil {
		return Token{}, err
	}
	tok, ok := t.m.tokens[key]
	if !ok {
		return Token{}, ErrNotFound
	}
	return tok, nil
}

// UpdateToken implements TokenStore.
func (t *memTx) UpdateToken(key string, update func(*Token) error) (Token, error) {
	if err := t.writing(); err != nil {
		return Token{}, err
	}
	m := t.m
	old, ok := m.tokens[key]
	if !ok {
		return Token{}, ErrNotFound
	}
	tok := old
	if err := update(&tok); err != nil {
		return Token{}, err
	}
	tok.Key = key
	m.tokens[key] = tok
	t.undo = append(t.undo, func() { m.tokens[key] = old })
	return tok, nil
}

// Tokens implements TokenStore.
func (t *memTx) Tokens() ([]Token, error) {
	if err := t.reading(); err != nil {
		return nil, err
	}
	var out []Token
	for _, tok := range t.m.tokens {
		out = append(out, tok)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}
