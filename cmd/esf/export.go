package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/esfkit/esf/mockserver"
)

// mockExportAbout is the help of "esf mock export" after its synopsis.
const mockExportAbout = `Writes the whole state of a running mock — accounts, the register, requests,
tokens, sessions, tickets, e-mails, the clock's offset — as JSON (GET
/_mock/state), to --out or standard output: a backup of a sandbox, or a
starting point to load into another one with esf mock import. The state
holds password hashes: keep the file as you would the sandbox itself.
Exit status: 0 written; 1 the mock unreachable, refusing, or --out not
writable; 2 a usage error.
`

// mockImportAbout is the help of "esf mock import" after its synopsis.
const mockImportAbout = `Replaces the whole state of a running mock with FILE, a state esf mock
export (or GET /_mock/state, or a --state file) wrote (PUT /_mock/state).
The mock checks it whole before anything changes: a refused state leaves
the mock as it was. FILE may be at most the mock's --max-state-body.
Exit status: 0 loaded; 1 FILE unreadable or refused by the mock, or the mock
unreachable; 2 a usage error.
`

// controlFlags are the flags every command that drives a running mock's
// control API takes.
type controlFlags struct {
	url, token *string
}

func addControlFlags(fs *flagSet) controlFlags {
	return controlFlags{
		url:   fs.String("url", "", "the mock's base `URL`, such as http://127.0.0.1:8080 (required)"),
		token: fs.String("control-token", "", "the control API's bearer `TOKEN`; default: $"+envControlToken+", else none (a mock on loopback needs none)"),
	}
}

func (cf controlFlags) client() (*mockserver.ControlClient, error) {
	if err := parseSandboxURL(*cf.url); err != nil {
		return nil, err
	}
	token := *cf.token
	if token == "" {
		token = os.Getenv(envControlToken)
	}
	return mockserver.NewControlClient(*cf.url, mockserver.ControlClientOptions{Token: token, HTTPClient: &http.Client{Timeout: 5 * time.Minute}})
}

// mockExport implements "esf mock export".
func mockExport(ctx context.Context, fs *flagSet, args []string, stdout, _ io.Writer) error {
	cf := addControlFlags(fs)
	out := fs.String("out", "", "write to this `FILE` instead of standard output")
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("%w: esf mock export takes no arguments, got %q", errUsage, rest)
	}
	ctl, err := cf.client()
	if err != nil {
		return err
	}
	state, err := ctl.Dump(ctx)
	if err != nil {
		return err
	}
	if len(state) == 0 || state[len(state)-1] != '\n' {
		state = append(state, '\n')
	}
	if err := writeOut(*out, state, stdout); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	return nil
}

// mockImport implements "esf mock import".
func mockImport(ctx context.Context, fs *flagSet, args []string, stdout, _ io.Writer) error {
	cf := addControlFlags(fs)
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return fmt.Errorf("%w: want exactly one FILE, got %d", errUsage, len(rest))
	}
	ctl, err := cf.client()
	if err != nil {
		return err
	}
	data, err := readLimited(rest[0], mockserver.DefaultMaxStateBody)
	if err != nil {
		return err
	}
	if err := ctl.Load(ctx, data); err != nil {
		return fmt.Errorf("%s: %w", rest[0], err)
	}
	fmt.Fprintf(stdout, "loaded %s (%d bytes) into %s\n", rest[0], len(data), *cf.url)
	return nil
}
