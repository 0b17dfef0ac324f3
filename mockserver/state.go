package mockserver

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver/mockstore"
)

// State is everything the mock remembers, as Dump writes it and Load reads
// it back: esfreg's state (accounts, the register, requests, tokens), API
// sessions, used tickets, the outbox, the clock's offset and the CAs and
// CRLs the control API added. Registrations between their steps, queued
// faults and tickets issued but not yet used are not kept: they start
// over (a ticket is signed with a key that a Load makes anew). It is the
// JSON state file of earlier versions, which had no Trusted and CRLs and
// listed unused tickets too (loaded, they count as used).
type State struct {
	Version  int             `json:"version"`
	Store    esfreg.MemState `json:"store"`
	Sessions []Session       `json:"sessions"`
	Tickets  []ticket        `json:"tickets"`
	Mail     []Mail          `json:"mail"`
	Clock    time.Duration   `json:"clockOffset"`
	// Trusted and CRLs are DER, as Trust and AddCRL took them.
	Trusted [][]byte `json:"trusted,omitempty"`
	CRLs    [][]byte `json:"crls,omitempty"`
	// Invoices are the invoice services' records as the store holds them
	// (the invoices, their bodies, the lookups, the queue, both parties'
	// feeds, injected errors and the timing): kept as they are, so that an
	// export and an import carry every invoice in its state.
	Invoices []StateRecord `json:"invoices,omitempty"`
}

// StateRecord is one of the mock's stored records in a State: its kind,
// key, owner, expiry and data, as mockstore.Record holds them.
type StateRecord struct {
	Kind    string    `json:"kind"`
	Key     string    `json:"key"`
	Owner   string    `json:"owner,omitempty"`
	Expires time.Time `json:"expires,omitzero"`
	Data    []byte    `json:"data"`
}

// invoiceKinds are the record kinds of the invoice services, which a
// State carries as StateRecords.
var invoiceKinds = []string{kindInvoice, kindInvoiceBody, kindInvoiceNum, kindInvoiceKey, kindInvoiceMonth, kindInvoiceReg,
	kindInvoiceQueue, kindInvoiceSlot, kindInvoiceFeed, kindInvoiceEvent, kindInvoiceInject, kindInvoiceSetting}

const stateVersion = 1

// Dump returns the server's state as JSON: one consistent snapshot of the
// store.
func (s *Server) Dump() ([]byte, error) { return s.dump(context.Background()) }

func (s *Server) dump(ctx context.Context) ([]byte, error) {
	var st State
	err := s.view(ctx, func(r *request) error {
		var err error
		st, err = snapshot(r.tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(st, "", "  ")
}

// snapshot reads the whole state in tx.
func snapshot(tx mockstore.Tx) (State, error) {
	st := State{Version: stateVersion}
	var err error
	if st.Store.Accounts, err = tx.Accounts(); err != nil {
		return st, err
	}
	if st.Store.Changes, err = tx.AllChanges(); err != nil {
		return st, err
	}
	if st.Store.Requests, err = tx.Requests(); err != nil {
		return st, err
	}
	if st.Store.Tokens, err = tx.Tokens(); err != nil {
		return st, err
	}
	if err := decodeAll(tx, kindSession, &st.Sessions); err != nil {
		return st, err
	}
	if err := decodeAll(tx, kindTicket, &st.Tickets); err != nil {
		return st, err
	}
	if err := decodeAll(tx, kindMail, &st.Mail); err != nil {
		return st, err
	}
	sortMail(st.Mail)
	sh, err := readShared(tx)
	if err != nil {
		return st, err
	}
	st.Clock = sh.ClockOffset
	for _, kind := range invoiceKinds {
		recs, err := tx.RecordsOf(kind, "")
		if err != nil {
			return st, err
		}
		for _, r := range recs {
			st.Invoices = append(st.Invoices, StateRecord{Kind: kind, Key: r.Key, Owner: r.Owner, Expires: r.Expires, Data: r.Data})
		}
	}
	trust, err := tx.RecordsOf(kindTrust, "")
	if err != nil {
		return st, err
	}
	for _, r := range trust {
		if r.Owner == "crl" {
			st.CRLs = append(st.CRLs, r.Data)
		} else {
			st.Trusted = append(st.Trusted, r.Data)
		}
	}
	return st, nil
}

// decodeAll appends every record of kind to *list, in key order.
func decodeAll[T any](tx mockstore.Records, kind string, list *[]T) error {
	recs, err := tx.RecordsOf(kind, "")
	if err != nil {
		return err
	}
	for _, r := range recs {
		var v T
		if err := json.Unmarshal(r.Data, &v); err != nil {
			return fmt.Errorf("mockserver: %s %s: %w", kind, r.Key, err)
		}
		*list = append(*list, v)
	}
	return nil
}

// Load replaces the server's state with a Dump, in one transaction: all of
// it or, on any error, none.
func (s *Server) Load(data []byte) error { return s.load(context.Background(), data) }

func (s *Server) load(ctx context.Context, data []byte) error {
	st, err := ParseState(data)
	if err != nil {
		return err
	}
	// Checked in memory first: a bad state changes nothing.
	if _, err := esfreg.NewMemStoreFrom(st.Store); err != nil {
		return fmt.Errorf("mockserver: state: %w", err)
	}
	err = s.update(ctx, func(r *request) error {
		if err := r.tx.Clear(); err != nil {
			return err
		}
		return s.restore(r, st)
	})
	if err != nil {
		return err
	}
	return s.refresh(ctx)
}

// ParseState reads a Dump (or an earlier version's JSON state file).
func ParseState(data []byte) (*State, error) {
	if err := checkJSONKeys(data); err != nil {
		return nil, fmt.Errorf("mockserver: state: %w", err)
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("mockserver: state: %w", err)
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("mockserver: state version %d, this server reads %d", st.Version, stateVersion)
	}
	for i, rec := range st.Invoices {
		switch {
		case !slices.Contains(invoiceKinds, rec.Kind):
			return nil, fmt.Errorf("mockserver: state: invoices[%d].kind: %q is not a kind of the invoice services' records", i, clip(rec.Kind))
		case rec.Key == "":
			return nil, fmt.Errorf("mockserver: state: invoices[%d].key: empty", i)
		}
	}
	return &st, nil
}

// restore writes st into r's (cleared) transaction.
func (s *Server) restore(r *request, st *State) error {
	for _, a := range st.Store.Accounts {
		if err := r.tx.CreateAccount(a); err != nil {
			return fmt.Errorf("mockserver: state: account %s: %w", a.IIN, err)
		}
	}
	for _, c := range st.Store.Changes {
		if err := r.tx.AddChange(c); err != nil {
			return fmt.Errorf("mockserver: state: change of %s: %w", c.Taxpayer.TIN, err)
		}
	}
	for _, q := range st.Store.Requests {
		if err := r.tx.CreateRequest(q); err != nil {
			return fmt.Errorf("mockserver: state: request %s: %w", q.ID, err)
		}
	}
	for _, t := range st.Store.Tokens {
		if err := r.tx.CreateToken(t); err != nil {
			return fmt.Errorf("mockserver: state: token %s: %w", t.Key, err)
		}
	}
	for i := range st.Sessions {
		sess := &st.Sessions[i]
		if err := s.putSession(r, sess); err != nil {
			return err
		}
		if !sess.Closed {
			if err := insertJSON(r.tx, kindOpenSession, sess.IIN, sess.IIN, time.Time{}, sess.ID); err != nil {
				return fmt.Errorf("mockserver: state: second open session of %s: %w", sess.IIN, err)
			}
		}
	}
	for i := range st.Tickets {
		if err := s.putTicket(r, &st.Tickets[i]); err != nil {
			return err
		}
	}
	last := 0
	for _, m := range st.Mail {
		var expires time.Time
		if ret := s.retention(); ret >= 0 {
			expires = m.SentAt.Add(ret)
		}
		if err := putJSON(r.tx, kindMail, mailKey(m.ID), strings.ToLower(m.To), expires, m); err != nil {
			return err
		}
		last = max(last, m.ID)
	}
	if err := r.tx.RaiseNumber(mockstore.CounterMail, int64(last)); err != nil {
		return err
	}
	for _, rec := range st.Invoices {
		if err := r.tx.InsertRecord(rec.Kind, mockstore.Record{Key: rec.Key, Owner: rec.Owner, Expires: rec.Expires, Data: rec.Data}); err != nil {
			return fmt.Errorf("mockserver: state: invoices: %s %q: %w", rec.Kind, rec.Key, err)
		}
	}
	for _, der := range st.Trusted {
		if err := putTrust(r, "ca", der); err != nil {
			return err
		}
	}
	for _, der := range st.CRLs {
		if err := putTrust(r, "crl", der); err != nil {
			return err
		}
	}
	// A new generation: every replica reloads the trust.
	_, err := changeShared(r, func(sh *shared) { sh.ClockOffset, sh.Faults = st.Clock, 0; sh.TrustGen = time.Now().UnixNano() })
	return err
}

func putTrust(r *request, owner string, der []byte) error {
	sum := sha256.Sum256(der)
	return r.tx.PutRecord(kindTrust, mockstore.Record{Key: hex.EncodeToString(sum[:]), Owner: owner, Data: der})
}

// Reset forgets everything: accounts, register, sessions, mail, queued
// faults, the trust the control API added; the clock runs on the base
// clock again.
func (s *Server) Reset() error { return s.reset(context.Background()) }

func (s *Server) reset(ctx context.Context) error {
	err := s.update(ctx, func(r *request) error {
		if err := r.tx.Clear(); err != nil {
			return err
		}
		_, err := changeShared(r, func(sh *shared) { *sh = shared{TrustGen: time.Now().UnixNano()} })
		return err
	})
	if err != nil {
		return err
	}
	return s.refresh(ctx)
}
