package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"

	"github.com/esfkit/esf/mockserver"
	"github.com/esfkit/esf/mockserver/mockstore"
	"github.com/esfkit/esf/mockserver/sqlstore/postgres"
	"github.com/esfkit/esf/mockserver/sqlstore/sqlite"
)

// openStore opens the store "esf mock serve" asked for: SQLite at --state,
// PostgreSQL at --db, or memory. A --state FILE holding a JSON state file
// of earlier versions is imported once: the JSON is moved aside to
// FILE.imported.json and FILE becomes the SQLite database.
func openStore(ctx context.Context, cfg *mockConfig, log *slog.Logger, stderr io.Writer) (mockstore.Store, error) {
	switch {
	case cfg.dbURL != "":
		st, err := postgres.Open(ctx, cfg.dbURL, postgres.Options{})
		if err != nil {
			return nil, fmt.Errorf("--db %s: %w", redactURL(cfg.dbURL), err)
		}
		return st, nil
	case cfg.statePath != "":
		legacy, err := legacyJSONState(cfg.statePath)
		if err != nil {
			return nil, err
		}
		var aside string
		if legacy != nil {
			aside = cfg.statePath + ".imported.json"
			if _, err := os.Stat(aside); err == nil {
				return nil, fmt.Errorf("--state %s is a JSON state file, and %s exists already: move one of them away", cfg.statePath, aside)
			}
			if err := os.Rename(cfg.statePath, aside); err != nil {
				return nil, fmt.Errorf("--state: %w", err)
			}
		}
		st, err := sqlite.Open(ctx, cfg.statePath, sqlite.Options{})
		if err != nil {
			if aside != "" {
				_ = os.Rename(aside, cfg.statePath)
			}
			return nil, fmt.Errorf("--state %s: %w", cfg.statePath, err)
		}
		if legacy != nil {
			if err := importLegacy(cfg, st, legacy); err != nil {
				st.Close()
				_ = os.Remove(cfg.statePath)
				_ = os.Remove(cfg.statePath + "-wal")
				_ = os.Remove(cfg.statePath + "-shm")
				_ = os.Rename(aside, cfg.statePath)
				return nil, fmt.Errorf("--state %s: importing the JSON state: %w", cfg.statePath, err)
			}
			fmt.Fprintf(stderr, "imported the JSON state file %s (%d accounts) into the SQLite database %s; the JSON is kept as %s\n",
				cfg.statePath, len(legacy.Store.Accounts), cfg.statePath, aside)
			log.Info("imported JSON state", "from", aside, "accounts", len(legacy.Store.Accounts))
		}
		return st, nil
	}
	return mockstore.NewMemStore(), nil
}

// legacyJSONState reads path if it is a JSON state file (earlier versions'
// --state); nil if it is absent or not JSON (an SQLite database).
func legacyJSONState(path string) (*mockserver.State, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("--state: %w", err)
	}
	defer f.Close()
	head := make([]byte, 64)
	n, _ := io.ReadFull(f, head)
	trimmed := bytes.TrimLeft(head[:n], " \t\r\n")
	if n == 0 || len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--state: %w", err)
	}
	st, err := mockserver.ParseState(data)
	if err != nil {
		return nil, fmt.Errorf("--state %s: %w", path, err)
	}
	return st, nil
}

// importLegacy loads a JSON state into st through a Server over it.
func importLegacy(cfg *mockConfig, st mockstore.Store, legacy *mockserver.State) error {
	opts := cfg.opts
	opts.Store = st
	srv, err := mockserver.New(opts)
	if err != nil {
		return err
	}
	data, err := json.Marshal(legacy)
	if err != nil {
		return err
	}
	return srv.Load(data)
}

// redactURL hides a URL's password.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		if i := strings.Index(raw, "password="); i >= 0 {
			return raw[:i] + "password=xxxxx"
		}
		return raw
	}
	return u.Redacted()
}
