package mockserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/esfkit/esf/esfreg"
)

// State is everything the mock remembers, as Dump writes it and Load reads
// it back: the esfreg stores (accounts, the register, requests, tokens),
// API sessions, outstanding tickets, the outbox and the clock's offset.
// Registrations between their steps are not kept: they start over.
type State struct {
	Version  int             `json:"version"`
	Store    esfreg.MemState `json:"store"`
	Sessions []Session       `json:"sessions"`
	Tickets  []ticket        `json:"tickets"`
	Mail     []Mail          `json:"mail"`
	Clock    time.Duration   `json:"clockOffset"`
}

const stateVersion = 1

// Dump returns the server's state as JSON.
func (s *Server) Dump() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return json.MarshalIndent(s.snapshotLocked(), "", "  ")
}

func (s *Server) snapshotLocked() State {
	st := State{Version: stateVersion, Store: s.store.Snapshot(), Mail: append([]Mail(nil), s.outbox...)}
	for _, sess := range s.sessions.byID {
		st.Sessions = append(st.Sessions, *sess)
	}
	for _, t := range s.tickets {
		st.Tickets = append(st.Tickets, *t)
	}
	s.clock.mu.Lock()
	st.Clock = s.clock.offset
	s.clock.mu.Unlock()
	return st
}

// Load replaces the server's state with a Dump.
func (s *Server) Load(data []byte) error {
	if err := checkJSONKeys(data); err != nil {
		return fmt.Errorf("mockserver: state: %w", err)
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("mockserver: state: %w", err)
	}
	if st.Version != stateVersion {
		return fmt.Errorf("mockserver: state version %d, this server reads %d", st.Version, stateVersion)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	store, err := s.restore(&st)
	if err != nil {
		return err
	}
	s.setStore(store)
	return s.persistLocked()
}

// restore applies st to everything but the esfreg store, which it returns.
func (s *Server) restore(st *State) (*esfreg.MemStore, error) {
	store, err := esfreg.NewMemStoreFrom(st.Store)
	if err != nil {
		return nil, fmt.Errorf("mockserver: state: %w", err)
	}
	s.sessions.init()
	for i := range st.Sessions {
		sess := st.Sessions[i]
		s.sessions.byID[sess.ID] = &sess
		if !sess.Closed {
			s.sessions.open[sess.IIN] = sess.ID
		}
	}
	s.tickets = map[string]*ticket{}
	for i := range st.Tickets {
		t := st.Tickets[i]
		s.tickets[t.State] = &t
	}
	s.outbox = append([]Mail(nil), st.Mail...)
	s.mailSeq = 0
	for _, m := range s.outbox {
		s.mailSeq = max(s.mailSeq, m.ID)
	}
	s.clock.mu.Lock()
	s.clock.offset = st.Clock
	s.clock.mu.Unlock()
	s.apps = map[string]*application{} // registrations in progress start over
	return store, nil
}

// Reset forgets everything: accounts, register, sessions, mail; the clock
// runs on the base clock again.
func (s *Server) Reset() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions.init()
	s.tickets = map[string]*ticket{}
	s.apps = map[string]*application{}
	s.outbox = nil
	s.mailSeq = 0
	s.faults = nil
	s.failures = map[string][]time.Time{}
	s.clock.mu.Lock()
	s.clock.offset = 0
	s.clock.mu.Unlock()
	s.setStore(esfreg.NewMemStore())
	return s.persistLocked()
}

// persistLocked writes the state file, if there is one: to a temporary
// file beside it, synced, then renamed over it, so a crash leaves either
// the old state or the new. s.mu is held.
func (s *Server) persistLocked() error {
	path := s.opts.StateFile
	if path == "" {
		return nil
	}
	data, err := json.Marshal(s.snapshotLocked())
	if err != nil {
		return fmt.Errorf("mockserver: state: %w", err)
	}
	return writeFileAtomic(path, data)
}

func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("mockserver: state file: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op after the rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("mockserver: state file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("mockserver: state file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("mockserver: state file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("mockserver: state file: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// loadStateFile reads a state file; a missing file is no state (nil).
func loadStateFile(path string) (*State, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("mockserver: state file: %w", err)
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("mockserver: state file %s: %w", path, err)
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("mockserver: state file %s: version %d, this server reads %d", path, st.Version, stateVersion)
	}
	return &st, nil
}
