package esfreg

import (
	"fmt"
	"slices"
	"sort"
	"sync"
)

// MemStore keeps accounts, the register, requests and tokens in memory. It
// implements AccountStore, RegisterStore, RequestStore and TokenStore, is
// safe for concurrent use, and copies every value in and out. The zero
// value is not usable; call NewMemStore.
type MemStore struct {
	mu       sync.RWMutex
	accounts map[string]Account
	// holders indexes the accounts by the TINs of their profiles, so that
	// ProfilesByTIN does not scan every account.
	holders  map[string]map[string]struct{} // TIN → IINs
	changes  []Change
	byTIN    map[string][]int // indexes into changes
	requests map[string]Request
	tokens   map[string]Token
}

var (
	_ AccountStore  = (*MemStore)(nil)
	_ RegisterStore = (*MemStore)(nil)
	_ RequestStore  = (*MemStore)(nil)
	_ TokenStore    = (*MemStore)(nil)
)

// NewMemStore returns an empty store.
func NewMemStore() *MemStore {
	return &MemStore{
		accounts: map[string]Account{},
		holders:  map[string]map[string]struct{}{},
		byTIN:    map[string][]int{},
		requests: map[string]Request{},
		tokens:   map[string]Token{},
	}
}

// MemState is the whole of a MemStore, for saving and restoring it (the
// mock's state file): every value, in a stable order.
type MemState struct {
	Accounts []Account `json:"accounts"`
	Changes  []Change  `json:"changes"`
	Requests []Request `json:"requests"`
	Tokens   []Token   `json:"tokens"`
}

// Snapshot returns a copy of everything in the store, accounts by IIN,
// changes in the order added, requests by ID and tokens by key.
func (m *MemStore) Snapshot() MemState {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var st MemState
	for _, a := range m.accounts {
		st.Accounts = append(st.Accounts, a.clone())
	}
	sort.Slice(st.Accounts, func(i, j int) bool { return st.Accounts[i].IIN < st.Accounts[j].IIN })
	st.Changes = slices.Clone(m.changes)
	for _, r := range m.requests {
		st.Requests = append(st.Requests, r.clone())
	}
	sort.Slice(st.Requests, func(i, j int) bool { return st.Requests[i].ID < st.Requests[j].ID })
	for _, t := range m.tokens {
		st.Tokens = append(st.Tokens, t)
	}
	sort.Slice(st.Tokens, func(i, j int) bool { return st.Tokens[i].Key < st.Tokens[j].Key })
	return st
}

// NewMemStoreFrom returns a store holding st, as Snapshot returned it. Two
// records with one key are an error, and so is an agreement without a kind.
func NewMemStoreFrom(st MemState) (*MemStore, error) {
	m := NewMemStore()
	for _, a := range st.Accounts {
		if err := m.CreateAccount(a); err != nil {
			return nil, fmt.Errorf("esfreg: account %s: %w", a.IIN, err)
		}
	}
	for _, c := range st.Changes {
		if err := m.AddChange(c); err != nil {
			return nil, err
		}
	}
	for _, r := range st.Requests {
		for i, a := range r.Agreements {
			// A kind MarshalText refuses would load but never save.
			if k := a.Agreement.Kind; k < AgreementIndividual || k > AgreementLegalEntity {
				return nil, fmt.Errorf("esfreg: request %s: agreement %d: no agreement kind", r.ID, i)
			}
		}
		if err := m.CreateRequest(r); err != nil {
			return nil, fmt.Errorf("esfreg: request %s: %w", r.ID, err)
		}
	}
	for _, t := range st.Tokens {
		if err := m.CreateToken(t); err != nil {
			return nil, fmt.Errorf("esfreg: token %s: %w", t.Key, err)
		}
	}
	return m, nil
}

// Account implements AccountStore.
func (m *MemStore) Account(iin string) (Account, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	a, ok := m.accounts[iin]
	if !ok {
		return Account{}, ErrNotFound
	}
	return a.clone(), nil
}

// CreateAccount implements AccountStore.
func (m *MemStore) CreateAccount(a Account) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.accounts[a.IIN]; ok {
		return ErrExists
	}
	m.accounts[a.IIN] = a.clone()
	m.index(Account{}, a)
	return nil
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

// UpdateAccount implements AccountStore.
func (m *MemStore) UpdateAccount(iin string, update func(*Account) error) (Account, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.accounts[iin]
	if !ok {
		return Account{}, ErrNotFound
	}
	old := a
	a = a.clone()
	if err := update(&a); err != nil {
		return Account{}, err
	}
	a.IIN = iin // the key does not change
	m.accounts[iin] = a.clone()
	m.index(old, a)
	return a, nil
}

// ProfilesByTIN implements AccountStore.
func (m *MemStore) ProfilesByTIN(tin string) ([]Profile, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []Profile
	for iin := range m.holders[tin] {
		for _, p := range m.accounts[iin].Profiles {
			if p.TIN == tin {
				out = append(out, p)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].IIN < out[j].IIN })
	return out, nil
}

// AddChange implements RegisterStore.
func (m *MemStore) AddChange(c Change) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.byTIN[c.Taxpayer.TIN] = append(m.byTIN[c.Taxpayer.TIN], len(m.changes))
	m.changes = append(m.changes, c)
	return nil
}

// Changes implements RegisterStore.
func (m *MemStore) Changes(tin string) ([]Change, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	idx := m.byTIN[tin]
	out := make([]Change, len(idx))
	for i, j := range idx {
		out[i] = m.changes[j]
	}
	return out, nil
}

// AllChanges implements RegisterStore.
func (m *MemStore) AllChanges() ([]Change, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return slices.Clone(m.changes), nil
}

// CreateRequest implements RequestStore.
func (m *MemStore) CreateRequest(r Request) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.requests[r.ID]; ok {
		return ErrExists
	}
	m.requests[r.ID] = r.clone()
	return nil
}

// Request implements RequestStore.
func (m *MemStore) Request(id string) (Request, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	r, ok := m.requests[id]
	if !ok {
		return Request{}, ErrNotFound
	}
	return r.clone(), nil
}

// UpdateRequest implements RequestStore.
func (m *MemStore) UpdateRequest(id string, update func(*Request) error) (Request, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.requests[id]
	if !ok {
		return Request{}, ErrNotFound
	}
	r = r.clone()
	if err := update(&r); err != nil {
		return Request{}, err
	}
	r.ID = id
	m.requests[id] = r.clone()
	return r, nil
}

// CreateToken implements TokenStore.
func (m *MemStore) CreateToken(t Token) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.tokens[t.Key]; ok {
		return ErrExists
	}
	m.tokens[t.Key] = t
	return nil
}

// Token implements TokenStore.
func (m *MemStore) Token(key string) (Token, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	t, ok := m.tokens[key]
	if !ok {
		return Token{}, ErrNotFound
	}
	return t, nil
}

// UpdateToken implements TokenStore.
func (m *MemStore) UpdateToken(key string, update func(*Token) error) (Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tokens[key]
	if !ok {
		return Token{}, ErrNotFound
	}
	if err := update(&t); err != nil {
		return Token{}, err
	}
	t.Key = key
	m.tokens[key] = t
	return t, nil
}
