package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/internal/testref"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// dbOf returns the database a DSN of this package names.
func dbOf(t *testing.T, dsn string) string {
	t.Helper()
	for _, f := range strings.Fields(dsn) {
		if v, ok := strings.CutPrefix(f, "dbname="); ok {
			return v
		}
	}
	t.Fatalf("no dbname in %q", dsn)
	return ""
}

func TestDSNGivesFreshDistinctDatabases(t *testing.T) {
	ctx := context.Background()
	start := time.Now()
	c := Shared(t)
	t.Logf("shared cluster (PostgreSQL %d) started in %v", c.Version(), time.Since(start))

	start = time.Now()
	dsn1 := DSN(t)
	t.Logf("database created in %v", time.Since(start))
	dsn2 := DSN(t)
	require.NotEqual(t, dsn1, dsn2)

	for _, dsn := range []string{dsn1, dsn2} {
		out, err := c.Exec(ctx, dsn, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
		require.NoError(t, err)
		require.Equal(t, "0", out, "a fresh database has no tables")
	}
	_, err := c.Exec(ctx, dsn1, "CREATE TABLE only_in_one (x int); INSERT INTO only_in_one VALUES (1)")
	require.NoError(t, err)

	db1, err := c.Exec(ctx, dsn1, "SELECT current_database()")
	require.NoError(t, err)
	db2, err := c.Exec(ctx, dsn2, "SELECT current_database()")
	require.NoError(t, err)
	require.Equal(t, dbOf(t, dsn1), db1)
	require.Equal(t, dbOf(t, dsn2), db2)
	require.NotEqual(t, db1, db2)

	out, err := c.Exec(ctx, dsn1, "SELECT x FROM only_in_one")
	require.NoError(t, err)
	require.Equal(t, "1", out)
	_, err = c.Exec(ctx, dsn2, "SELECT x FROM only_in_one")
	require.Error(t, err, "the table is in the first database only")
	require.Contains(t, err.Error(), "only_in_one")

	// Over TCP, with the password.
	out, err = c.Exec(ctx, c.URL(db2), "SELECT current_database() || ' ' || host(inet_server_addr())")
	require.NoError(t, err)
	require.Equal(t, db2+" 127.0.0.1", out)
}

// The databases DSN creates are dropped when their test ends.
func TestDSNDropsTheDatabase(t *testing.T) {
	var name string
	t.Run("user", func(t *testing.T) { name = dbOf(t, DSN(t)) })
	out, err := Shared(t).Exec(context.Background(), Shared(t).AdminDSN(),
		fmt.Sprintf("SELECT count(*) FROM pg_database WHERE datname = '%s'", name))
	require.NoError(t, err)
	require.Equal(t, "0", out, "%s is dropped", name)
}

func TestDSNParallel(t *testing.T) {
	for i := range 4 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			dsn := DSN(t)
			out, err := Shared(t).Exec(context.Background(), dsn, "SELECT current_database()")
			require.NoError(t, err)
			require.Equal(t, dbOf(t, dsn), out)
		})
	}
}

// A cluster of the test's own survives a crash and a kill, with fsync on,
// and runs as the right user.
func TestOwnClusterCrashKillRestart(t *testing.T) {
	ctx := context.Background()
	start := time.Now()
	c := New(t, Options{Fsync: true, Settings: map[string]string{"work_mem": "5MB"}})
	t.Logf("own cluster started in %v", time.Since(start))
	dsn := c.AdminDSN()
	show := func(name string) string {
		t.Helper()
		out, err := c.Exec(ctx, dsn, "SHOW "+name)
		require.NoError(t, err)
		return out
	}
	require.Equal(t, "on", show("fsync"))
	require.Equal(t, "on", show("synchronous_commit"))
	require.Equal(t, "5MB", show("work_mem"))

	st, err := os.Stat(c.DataDir())
	require.NoError(t, err)
	if os.Geteuid() == 0 {
		require.NotNil(t, c.cred, "as root the server runs as another user")
		require.NotZero(t, c.cred.Uid)
		require.Equal(t, c.cred.Uid, st.Sys().(*syscall.Stat_t).Uid, "the data belongs to the server's user")
	}
	_, err = c.Exec(ctx, dsn, "CREATE TABLE kept (x int); INSERT INTO kept VALUES (1)")
	require.NoError(t, err)

	require.NoError(t, c.Crash(ctx))
	require.False(t, c.Running())
	_, err = c.Exec(ctx, dsn, "SELECT 1")
	require.ErrorIs(t, err, ErrNotRunning)
	require.NoError(t, c.Start(ctx))
	_, err = c.Exec(ctx, dsn, "INSERT INTO kept VALUES (2)")
	require.NoError(t, err)

	// A session open while the server is killed.
	psql := exec.Command(c.bins.psql, "--no-psqlrc", "--dbname="+dsn, "--command=SELECT pg_sleep(60)")
	require.NoError(t, psql.Start())
	defer psql.Process.Kill()
	require.Eventually(t, func() bool {
		out, err := c.Exec(ctx, dsn, "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'")
		return err == nil && out == "1"
	}, 10*time.Second, 20*time.Millisecond)
	require.NoError(t, c.Kill())
	require.Error(t, psql.Wait(), "the session ends with the server")
	require.NoError(t, c.Start(ctx))
	out, err := c.Exec(ctx, dsn, "SELECT string_agg(x::text, ',' ORDER BY x) FROM kept")
	require.NoError(t, err)
	require.Equal(t, "1,2", out)

	log, err := os.ReadFile(c.LogFile())
	require.NoError(t, err)
	require.Contains(t, string(log), "not properly shut down; automatic recovery in progress")

	require.NoError(t, c.Stop(ctx))
	require.ErrorIs(t, c.Stop(ctx), ErrNotRunning)
	require.NoError(t, c.Close())
	_, err = os.Stat(c.DataDir())
	require.ErrorIs(t, err, os.ErrNotExist, "Close removes the cluster's folder")
	require.ErrorIs(t, c.Start(ctx), ErrClosed)
}

// The package repeats testref's variable: it may not import testref.
func TestEnvRequireToolsIsTestrefs(t *testing.T) {
	require.Equal(t, testref.EnvRequireTools, EnvRequireTools)
}

// recorder is a testing.TB that records Skip and Fatal and ends its
// goroutine, as they do, without ending the test.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper() {}

func (r *recorder) Skipf(format string, args ...any) {
	r.skipped = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Fatal(args ...any) {
	r.failed = fmt.Sprint(args...)
	runtime.Goexit()
}

// run calls f with r on a goroutine of its own, which r may end.
func (r *recorder) run(f func(testing.TB)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
}

func TestMissingSkipsOrFails(t *testing.T) {
	notInstalled := fmt.Errorf("%w: no initdb (Debian: apt-get install postgresql)", ErrNotInstalled)
	tests := []struct {
		name, env     string
		err           error
		skip, failure bool
	}{
		{name: "not installed", env: "", err: notInstalled, skip: true},
		{name: "not installed, required", env: "1", err: notInstalled, failure: true},
		{name: "broken", env: "", err: errors.New("pgtest: postgres exited"), failure: true},
		{name: "broken, required", env: "1", err: errors.New("pgtest: postgres exited"), failure: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvRequireTools, tt.env)
			r := &recorder{TB: t}
			r.run(func(tb testing.TB) { fail(tb, tt.err) })
			require.Equal(t, tt.skip, r.skipped != "", "skipped: %q", r.skipped)
			require.Equal(t, tt.failure, r.failed != "", "failed: %q", r.failed)
			msg := r.skipped + r.failed
			require.Contains(t, msg, tt.err.Error())
			if tt.failure && errors.Is(tt.err, ErrNotInstalled) {
				require.Contains(t, msg, EnvRequireTools+"=1")
			}
		})
	}
}

// fakeServer makes a folder with executable initdb, postgres and psql
// scripts, postgres printing version.
func fakeServer(t *testing.T, dir, version string) string {
	t.Helper()
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for _, name := range []string{"initdb", "postgres", "psql"} {
		script := "#!/bin/sh\necho 'postgres (PostgreSQL) " + version + "'\n"
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755))
	}
	return dir
}

func TestFindBinaries(t *testing.T) {
	root := t.TempDir()
	debian := filepath.Join(root, "usr/lib/postgresql")
	fakeServer(t, filepath.Join(debian, "9.6/bin"), "9.6.24")
	fakeServer(t, filepath.Join(debian, "10/bin"), "10.23")
	v17 := fakeServer(t, filepath.Join(debian, "17/bin"), "17.2")
	require.NoError(t, os.MkdirAll(filepath.Join(debian, "18/bin"), 0o755)) // a client only

	custom := fakeServer(t, filepath.Join(root, "opt/pg/bin"), "16.1")
	pathDir := filepath.Join(root, "usr/local/bin")
	require.NoError(t, os.MkdirAll(pathDir, 0o755))
	require.NoError(t, os.Symlink(filepath.Join(custom, "initdb"), filepath.Join(pathDir, "initdb")))

	onPath := func(dirs ...string) func(string) (string, error) {
		return func(name string) (string, error) {
			for _, d := range dirs {
				if p := filepath.Join(d, name); executable(p) {
					return p, nil
				}
			}
			return "", exec.ErrNotFound
		}
	}
	tests := []struct {
		name    string
		f       finder
		dir     string
		version int
	}{
		{name: "PATH first, through the link", f: finder{lookPath: onPath(pathDir)}, dir: custom, version: 16},
		{name: "newest install", f: finder{lookPath: onPath(), installDirs: []string{debian + "/*/bin"}}, dir: v17, version: 17},
		{name: "env", f: finder{binDir: filepath.Join(debian, "10/bin"), lookPath: onPath(pathDir)}, dir: filepath.Join(debian, "10/bin"), version: 10},
		{name: "none", f: finder{lookPath: onPath(), installDirs: []string{root + "/nowhere/*/bin"}}},
		{name: "env names a folder without them", f: finder{binDir: filepath.Join(debian, "18/bin"), lookPath: onPath(pathDir)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.f.find()
			if tt.dir == "" {
				require.ErrorIs(t, err, ErrNotInstalled)
				if tt.f.binDir == "" {
					require.Contains(t, err.Error(), "apt-get install postgresql", "the message says how to install it")
				}
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.dir, b.dir)
			require.Equal(t, filepath.Join(tt.dir, "initdb"), b.initdb)
			require.Equal(t, filepath.Join(tt.dir, "psql"), b.psql)
			require.Equal(t, tt.version, b.version)
		})
	}
}

func TestDBName(t *testing.T) {
	tests := []struct {
		test string
		want string
	}{
		{"TestStore", "t_teststore_1"},
		{"TestStore/one_winner per BIN", "t_teststore_one_winner_per_bin_1"},
		{"TestÜber/#00", "t_test_ber_00_1"},
		{strings.Repeat("TestLong", 10), "t_" + strings.Repeat("testlong", 5) + "_1"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got := dbName(tt.test, 1)
			require.Equal(t, tt.want, got)
			require.LessOrEqual(t, len(got), 63, "PostgreSQL's identifier limit")
		})
	}
}

func TestQuoteConninfo(t *testing.T) {
	require.Equal(t, "/tmp/pgtest-1/sock", quoteConninfo("/tmp/pgtest-1/sock"))
	require.Equal(t, `'/tmp/a b/it\'s\\'`, quoteConninfo(`/tmp/a b/it's\`))
	require.Equal(t, "''", quoteConninfo(""))
}

func TestSweepRemovesWhatDeadProcessesLeft(t *testing.T) {
	parent := t.TempDir()
	dead := exec.Command("true")
	require.NoError(t, dead.Run())

	mk := func(name, ownerText string) string {
		dir := filepath.Join(parent, name)
		require.NoError(t, os.MkdirAll(filepath.Join(dir, "data"), 0o755))
		if ownerText != "" {
			require.NoError(t, os.WriteFile(filepath.Join(dir, ownerFile), []byte(ownerText), 0o644))
		}
		return dir
	}
	gone := mk("pgtest-gone", owner(dead.Process.Pid))
	live := mk("pgtest-live", owner(os.Getpid()))
	making := mk("pgtest-making", "")
	otherNS := mk("pgtest-otherns", fmt.Sprintf("%d pid:[1]\n", dead.Process.Pid))
	serving := mk("pgtest-serving", owner(dead.Process.Pid))
	require.NoError(t, os.WriteFile(filepath.Join(serving, "data", "postmaster.pid"), []byte(fmt.Sprintf("%d\n/x\n", os.Getpid())), 0o644))
	notOurs := mk("other-gone", owner(dead.Process.Pid))

	sweep(parent)
	for dir, kept := range map[string]bool{gone: false, live: true, making: true, otherNS: true, serving: true, notOurs: true} {
		_, err := os.Stat(dir)
		require.Equal(t, kept, err == nil, "%s kept", filepath.Base(dir))
	}
}

// BenchmarkNewDatabase measures creating (and dropping) a database.
func BenchmarkNewDatabase(b *testing.B) {
	c := Shared(b)
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		name := fmt.Sprintf("bench_%d", i)
		if err := c.CreateDatabase(ctx, name); err != nil {
			b.Fatal(err)
		}
		if err := c.DropDatabase(ctx, name); err != nil {
			b.Fatal(err)
		}
	}
}

func TestTraversable(t *testing.T) {
	stranger := &syscall.Credential{Uid: 54321, Gid: 54321}
	dir := filepath.Join(t.TempDir(), "a", "b")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.Chmod(filepath.Dir(dir), 0o700))
	require.False(t, traversable(dir, stranger), "a folder on the way is closed to others")
	_, err := tempParent(dir, stranger)
	require.ErrorContains(t, err, "cannot reach")

	require.NoError(t, os.Chmod(filepath.Dir(dir), 0o711))
	// t.TempDir's own folders are 0700 too: open the way up.
	for d := filepath.Dir(filepath.Dir(dir)); d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		require.NoError(t, os.Chmod(d, 0o711))
	}
	require.True(t, traversable(dir, stranger))
	got, err := tempParent(dir, stranger)
	require.NoError(t, err)
	require.Equal(t, dir, got)
}

// A server that cannot start says why, with its log, and leaves nothing
// behind.
func TestStartFailure(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{
			name: "bad setting",
			opts: Options{Settings: map[string]string{"shared_buffers": "lots"}},
			want: []string{"postgres exited while starting", `invalid value for parameter "shared_buffers": "lots"`},
		},
		{
			name: "too slow",
			opts: Options{StartTimeout: time.Nanosecond},
			want: []string{"not accepting connections after 1ns", "context deadline exceeded"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			Shared(t) // skips where PostgreSQL is not installed
			dir, err := os.MkdirTemp(memDir(), "pgtest-failure-")
			require.NoError(t, err)
			t.Cleanup(func() { os.RemoveAll(dir) })
			require.NoError(t, os.Chmod(dir, 0o755))
			tt.opts.Dir = dir

			c, err := Start(context.Background(), tt.opts)
			require.Error(t, err)
			require.Nil(t, c)
			for _, w := range tt.want {
				require.Contains(t, err.Error(), w)
			}
			left, err := os.ReadDir(dir)
			require.NoError(t, err)
			require.Empty(t, left, "the cluster's folder is removed")
		})
	}
}

func TestSharedNeedsMain(t *testing.T) {
	shared.Lock()
	shared.inMain = false
	shared.Unlock()
	t.Cleanup(func() {
		shared.Lock()
		shared.inMain = true
		shared.Unlock()
	})
	r := &recorder{TB: t}
	r.run(func(tb testing.TB) { Shared(tb) })
	require.Contains(t, r.failed, "os.Exit(pgtest.Main(m))")
}
