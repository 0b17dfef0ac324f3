package pgtest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
)

// shared is the test binary's cluster, started by the first test that
// asks for it and closed by Main.
var shared struct {
	sync.Mutex
	inMain bool     // Main is running the tests
	c      *Cluster // nil until a test asks
	err    error    // why it could not start: not tried again
}

// Main runs the tests of m and then closes the shared cluster, if a test
// started it, returning the exit code. Call it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
func Main(m *testing.M) int {
	shared.Lock()
	shared.inMain = true
	shared.Unlock()

	code := m.Run()

	shared.Lock()
	c := shared.c
	shared.c, shared.err, shared.inMain = nil, nil, false
	shared.Unlock()
	if c != nil {
		if err := c.Close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}

// Shared returns the test binary's cluster, starting it on first use, or
// skips t where PostgreSQL is not installed (fails it under
// ESF_REQUIRE_TOOLS=1). The binary's tests must run through Main, which
// closes the cluster. A test that stopped the shared server finds it
// started again here; one that needs to stop or crash a server while
// others run should use New.
func Shared(t testing.TB) *Cluster {
	t.Helper()
	shared.Lock()
	defer shared.Unlock()
	if !shared.inMain {
		t.Fatal("pgtest: the shared cluster needs the tests to run through pgtest.Main: func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }")
	}
	if shared.err != nil {
		fail(t, shared.err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), initdbTimeout+DefaultStartTimeout)
	defer cancel()
	if shared.c == nil {
		c, err := Start(ctx, Options{})
		if err != nil {
			shared.err = err
			fail(t, err)
		}
		shared.c = c
	}
	if err := shared.c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return shared.c
}

// DSN creates a fresh database for t in the shared cluster (see Shared)
// and returns its DSN, in the key=value form pgx, libpq and psql accept,
// for a unix socket; the database is dropped when t ends.
func DSN(t testing.TB) string {
	t.Helper()
	return Shared(t).NewDatabase(t)
}
