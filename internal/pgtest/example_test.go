package pgtest_test

import (
	"context"
	"fmt"
	"log"

	"github.com/esfkit/esf/internal/pgtest"
)

// A package whose tests need PostgreSQL routes them through Main and
// gives each test a database of its own in the binary's one cluster.
func ExampleDSN() {
	// In the package's tests:
	//
	//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
	//
	//	func TestStore(t *testing.T) {
	//		db, err := sql.Open("pgx", pgtest.DSN(t)) // a fresh database
	//		require.NoError(t, err)
	//		t.Cleanup(func() { db.Close() })
	//		…
	//	}
}

// A crash-recovery test runs a cluster of its own, with fsync on. (This
// example is not run: it needs PostgreSQL installed, and examples cannot
// skip; TestOwnClusterCrashKillRestart runs the same steps.)
func ExampleStart() {
	ctx := context.Background()
	c, err := pgtest.Start(ctx, pgtest.Options{Fsync: true})
	if err != nil {
		log.Fatal(err) // errors.Is(err, pgtest.ErrNotInstalled) where it is missing
	}
	defer c.Close()

	if _, err := c.Exec(ctx, c.AdminDSN(), "CREATE TABLE t (x int); INSERT INTO t VALUES (42)"); err != nil {
		log.Fatal(err)
	}
	if err := c.Kill(); err != nil { // SIGKILL: no shutdown checkpoint
		log.Fatal(err)
	}
	if err := c.Start(ctx); err != nil { // recovers from the write-ahead log
		log.Fatal(err)
	}
	out, err := c.Exec(ctx, c.AdminDSN(), "SELECT x FROM t")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(out) // 42
}
