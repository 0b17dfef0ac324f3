// Package pgtest runs throwaway PostgreSQL clusters for tests, as
// net/http/httptest runs HTTP servers.
//
// A test binary routes its tests through Main (from TestMain); DSN(t) then
// starts the binary's one shared cluster on first use, creates a fresh
// database for t and drops it when t ends; Main stops the cluster and
// removes its files after the last test. A test that stops, crashes or
// reconfigures a server starts its own with New.
//
// Only the server's own programs are used (initdb, postgres and psql), so
// the package needs nothing outside the standard library. Where they are
// not installed, tests asking for a cluster are skipped, saying what to
// install — or fail, under ESF_REQUIRE_TOOLS=1 (as in CI). PostgreSQL
// refuses to run as root: run as root, the server runs as the postgres
// user (or nobody when there is none).
package pgtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Superuser is the name of the cluster's superuser, the user every DSN
// connects as.
const Superuser = "postgres"

// Time limits. Every wait is bounded; a caller's context may shorten them.
const (
	// DefaultStartTimeout bounds the wait for a server to accept
	// connections when Options.StartTimeout is zero.
	DefaultStartTimeout = 30 * time.Second
	initdbTimeout       = time.Minute      // initdb, when ctx has no deadline
	execTimeout         = time.Minute      // psql, when ctx has no deadline
	stopTimeout         = 30 * time.Second // Stop and Crash, when ctx has no deadline
	killTimeout         = 10 * time.Second // for killed processes to vanish
)

var (
	// ErrNotInstalled is wrapped by the error Start returns when the
	// PostgreSQL server programs cannot be found; the message says what
	// is missing and how to install it.
	ErrNotInstalled = errors.New("pgtest: PostgreSQL server programs not found")
	// ErrNotRunning is returned by calls that need the server while it is
	// stopped.
	ErrNotRunning = errors.New("pgtest: server not running")
	// ErrClosed is returned by calls on a cluster after Close.
	ErrClosed = errors.New("pgtest: cluster closed")
)

// Options configures a cluster. The zero value is a cluster tuned for
// speed: no fsync, no synchronous commit.
type Options struct {
	// Fsync makes the server durable: fsync, full_page_writes and
	// synchronous_commit on, as a crash-recovery test needs. Off, the
	// data survives a killed server but not a crashed machine.
	Fsync bool
	// Settings are further server settings (name → value, as in
	// postgresql.conf), passed as -c name=value; they override the
	// package's own, Fsync's included. Leave port, listen_addresses and
	// unix_socket_directories alone: DSN and URL assume the package's.
	Settings map[string]string
	// StartTimeout bounds each wait for the server to accept
	// connections; zero means DefaultStartTimeout.
	StartTimeout time.Duration
	// Dir is the folder to make the cluster's folder in. Empty means
	// /dev/shm where it is a memory file system with at least 1 GiB
	// free (creating a database there takes a tenth of the time it takes
	// on a disk), else the temporary folder (os.TempDir), else /tmp:
	// the first the server's user can reach when running as root.
	Dir string
}

// Cluster is a PostgreSQL cluster in a temporary folder, with its server
// listening on a unix socket in that folder and on a loopback TCP port.
// Its methods are safe for concurrent use.
type Cluster struct {
	bins     *binaries
	cred     *syscall.Credential // whom the server runs as; nil: as we are
	base     string              // the temporary folder holding it all
	dataDir  string
	sockDir  string
	logFile  string
	port     int
	password string // the superuser's, for TCP connections
	opts     Options
	dbSeq    atomic.Int64

	mu      sync.Mutex
	proc    *process // the running server; nil when stopped
	started bool     // the server has accepted connections once
	closed  bool
}

// process is a started postgres and the outcome of waiting for it.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once the process has exited
	err  error         // cmd.Wait's, once done is closed
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Start creates a cluster in a fresh temporary folder and starts its
// server. Close stops it and removes the folder. Where the server
// programs are missing the error wraps ErrNotInstalled.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	bins, err := findBinaries()
	if err != nil {
		return nil, err
	}
	cred, err := serverCredential()
	if err != nil {
		return nil, err
	}
	base, err := makeBase(opts.Dir, cred)
	if err != nil {
		return nil, err
	}
	c := &Cluster{
		bins:     bins,
		cred:     cred,
		base:     base,
		dataDir:  filepath.Join(base, "data"),
		sockDir:  filepath.Join(base, "sock"),
		logFile:  filepath.Join(base, "server.log"),
		password: rand.Text(),
		opts:     opts,
	}
	if err := c.initdb(ctx); err != nil {
		os.RemoveAll(base)
		return nil, err
	}
	// The port is free when chosen but may be taken before the server
	// binds it: then try another.
	for attempt := 1; ; attempt++ {
		if c.port, err = freePort(); err != nil {
			break
		}
		if err = c.Start(ctx); !errors.Is(err, errPortTaken) || attempt == 3 {
			break
		}
	}
	if err != nil {
		os.RemoveAll(base)
		return nil, err
	}
	return c, nil
}

// New starts a cluster of t's own, closed when t ends, or skips t where
// PostgreSQL is not installed (fails it under ESF_REQUIRE_TOOLS=1). Use
// it for a test that stops, crashes or reconfigures the server; tests
// that only need a database share one cluster through DSN.
func New(t testing.TB, opts Options) *Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), initdbTimeout+startTimeout(opts))
	defer cancel()
	c, err := Start(ctx, opts)
	if err != nil {
		fail(t, err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	})
	return c
}

func startTimeout(opts Options) time.Duration {
	if opts.StartTimeout > 0 {
		return opts.StartTimeout
	}
	return DefaultStartTimeout
}

// fail ends t for a cluster that could not start: a skip where PostgreSQL
// is not installed, otherwise a failure.
func fail(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, ErrNotInstalled) {
		missing(t, "%v", err)
	}
	t.Fatal(err)
}

// EnvRequireTools names the environment variable that, set to 1 (as
// .ci/run sets it), turns a missing PostgreSQL from a skip into a failure.
// It is internal/testref's; that package is for tests only, so it is
// repeated here.
const EnvRequireTools = "ESF_REQUIRE_TOOLS"

// missing skips t because PostgreSQL is absent, or fails it when
// ESF_REQUIRE_TOOLS=1, as testref.Missing does.
func missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(EnvRequireTools) == "1" {
		t.Fatalf("required in this run (%s=1): "+format, append([]any{EnvRequireTools}, args...)...)
	}
	t.Skipf(format, args...)
}

// initdb creates the cluster's data folder.
func (c *Cluster) initdb(ctx context.Context) error {
	ctx, cancel := withDefaultTimeout(ctx, initdbTimeout)
	defer cancel()
	pwfile := filepath.Join(c.base, "pwfile")
	if err := os.WriteFile(pwfile, []byte(c.password+"\n"), 0o600); err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer os.Remove(pwfile)
	if err := c.chown(pwfile); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, c.bins.initdb,
		"--pgdata="+c.dataDir,
		"--username="+Superuser,
		"--pwfile="+pwfile,
		"--auth-local=trust",
		"--auth-host=scram-sha-256",
		"--encoding=UTF8",
		"--no-locale",
		"--no-sync",
	)
	cmd.Dir = c.base
	cmd.Env = serverEnv()
	cmd.SysProcAttr = sysProcAttr(c.cred)
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("pgtest: %s: %w\n%s", c.bins.initdb, err, tail(out))
	}
	return nil
}

// settings returns the server's settings: the package's, then Options'.
func (c *Cluster) settings() []string {
	s := map[string]string{
		"listen_addresses":        "127.0.0.1",
		"port":                    strconv.Itoa(c.port),
		"unix_socket_directories": c.sockDir,
		"max_connections":         "100",
		"shared_buffers":          "16MB",
		"huge_pages":              "off",
		"fsync":                   "off",
		"full_page_writes":        "off",
		"synchronous_commit":      "off",
	}
	if c.opts.Fsync {
		s["fsync"], s["full_page_writes"], s["synchronous_commit"] = "on", "on", "on"
	}
	for k, v := range c.opts.Settings {
		s[k] = v
	}
	var args []string
	for _, k := range slices.Sorted(maps.Keys(s)) {
		args = append(args, "-c", k+"="+s[k])
	}
	return args
}

// errPortTaken: the server could not bind its TCP port.
var errPortTaken = errors.New("pgtest: port taken")

// Start starts the server again after Stop, Crash or Kill, on the same
// data, socket and port, so DSNs handed out before stay valid; after a
// crash the server recovers from its write-ahead log first. It does
// nothing when the server is running.
func (c *Cluster) Start(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	if c.proc != nil && !c.proc.exited() {
		return nil
	}
	c.proc = nil
	ctx, cancel := context.WithTimeout(ctx, startTimeout(c.opts))
	defer cancel()

	log, err := os.OpenFile(c.logFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	logStart, _ := log.Seek(0, 2)
	cmd := exec.Command(c.bins.postgres, append([]string{"-D", c.dataDir}, c.settings()...)...)
	cmd.Dir = c.base
	cmd.Env = serverEnv()
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = sysProcAttr(c.cred)
	err = cmd.Start()
	log.Close()
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()

	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if c.ready(cmd.Process.Pid) {
			c.proc, c.started = p, true
			return nil
		}
		select {
		case <-p.done:
			logTail := c.logSince(logStart)
			err := fmt.Errorf("pgtest: postgres exited while starting (%v); its log:\n%s", p.err, logTail)
			if !c.started && (strings.Contains(logTail, "could not bind") || strings.Contains(logTail, "could not create any TCP/IP sockets")) {
				return fmt.Errorf("%w: %w", errPortTaken, err)
			}
			return err
		case <-ctx.Done():
			killProcess(p, killTimeout)
			return fmt.Errorf("pgtest: postgres not accepting connections after %v: %w; its log:\n%s", startTimeout(c.opts), ctx.Err(), c.logSince(logStart))
		case <-tick.C:
		}
	}
}

// ready reports whether the postmaster pid says in postmaster.pid that it
// accepts connections (the file's 8th line, as pg_ctl reads it).
func (c *Cluster) ready(pid int) bool {
	b, err := os.ReadFile(filepath.Join(c.dataDir, "postmaster.pid"))
	if err != nil {
		return false
	}
	lines := strings.Split(string(b), "\n")
	return len(lines) >= 8 && strings.TrimSpace(lines[0]) == strconv.Itoa(pid) && strings.TrimSpace(lines[7]) == "ready"
}

// logSince returns the end of the server log written since offset.
func (c *Cluster) logSince(offset int64) string {
	b, err := os.ReadFile(c.logFile)
	if err != nil {
		return err.Error()
	}
	if offset < int64(len(b)) {
		b = b[offset:]
	}
	return tail(b)
}

// tail returns about the last 30 lines of out.
func tail(out []byte) string {
	lines := bytes.Split(bytes.TrimRight(out, "\n"), []byte("\n"))
	if len(lines) > 30 {
		lines = append([][]byte{[]byte("…")}, lines[len(lines)-30:]...)
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// Running reports whether the server is running.
func (c *Cluster) Running() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.proc != nil && !c.proc.exited()
}

// Stop shuts the server down cleanly (a fast shutdown: sessions are
// rolled back, a checkpoint is written) and waits for it to exit.
func (c *Cluster) Stop(ctx context.Context) error {
	return c.signal(ctx, syscall.SIGINT)
}

// Crash stops the server as PostgreSQL's immediate shutdown does: every
// server process quits at once, nothing is written, and the next Start
// recovers from the write-ahead log as after a crash.
func (c *Cluster) Crash(ctx context.Context) error {
	return c.signal(ctx, syscall.SIGQUIT)
}

// Kill kills the server and all its processes with SIGKILL, as the
// kernel's out-of-memory killer or a container's end would, and waits for
// them to be gone. The next Start recovers as after a crash.
func (c *Cluster) Kill() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, err := c.takeProc()
	if err != nil {
		return err
	}
	return killProcess(p, killTimeout)
}

// takeProc takes the running server's process from c, for stopping it;
// c.mu is held.
func (c *Cluster) takeProc() (*process, error) {
	if c.closed {
		return nil, ErrClosed
	}
	p := c.proc
	c.proc = nil
	if p == nil || p.exited() {
		return nil, ErrNotRunning
	}
	return p, nil
}

// signal asks the server to shut down with sig and waits for it to exit,
// killing it if it takes longer than ctx (or stopTimeout) allows.
func (c *Cluster) signal(ctx context.Context, sig syscall.Signal) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, err := c.takeProc()
	if err != nil {
		return err
	}
	return stopProcess(ctx, p, sig)
}

func stopProcess(ctx context.Context, p *process, sig syscall.Signal) error {
	ctx, cancel := withDefaultTimeout(ctx, stopTimeout)
	defer cancel()
	if err := p.cmd.Process.Signal(sig); err != nil && !p.exited() {
		return fmt.Errorf("pgtest: signalling postgres: %w", err)
	}
	select {
	case <-p.done:
		return nil
	case <-ctx.Done():
		killProcess(p, killTimeout)
		return fmt.Errorf("pgtest: postgres still running after %v, killed: %w", sig, ctx.Err())
	}
}

// killProcess kills the postmaster and its children and waits, at most
// timeout, for them to be gone.
func killProcess(p *process, timeout time.Duration) error {
	pid := p.cmd.Process.Pid
	// Stopped, the postmaster starts no process while its children are
	// listed. Each child leads a process group of its own (with the
	// archive or restore commands it runs): kill the groups.
	syscall.Kill(pid, syscall.SIGSTOP)
	kids := children(pid)
	syscall.Kill(pid, syscall.SIGKILL)
	for _, k := range kids {
		syscall.Kill(-k, syscall.SIGKILL)
		syscall.Kill(k, syscall.SIGKILL)
	}
	deadline := time.After(timeout)
	select {
	case <-p.done:
	case <-deadline:
		return fmt.Errorf("pgtest: postgres (pid %d) still running %v after SIGKILL", pid, timeout)
	}
	for _, k := range kids {
		for alive(k) {
			select {
			case <-deadline:
				return fmt.Errorf("pgtest: postgres child (pid %d) still running %v after SIGKILL", k, timeout)
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	return nil
}

// Close stops the server at once (as Crash does) and removes the
// cluster's folder. Further calls do nothing.
func (c *Cluster) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	var errs []error
	if p := c.proc; p != nil && !p.exited() {
		if err := stopProcess(context.Background(), p, syscall.SIGQUIT); err != nil {
			errs = append(errs, err)
		}
	}
	c.proc = nil
	if err := os.RemoveAll(c.base); err != nil {
		errs = append(errs, fmt.Errorf("pgtest: %w", err))
	}
	return errors.Join(errs...)
}

// DSN returns a connection string, in the key=value form libpq, pgx and
// psql accept, for the database dbname through the server's unix socket.
func (c *Cluster) DSN(dbname string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable",
		quoteConninfo(c.sockDir), c.port, Superuser, quoteConninfo(dbname))
}

// AdminDSN returns the DSN of the database postgres, for administration.
func (c *Cluster) AdminDSN() string { return c.DSN("postgres") }

// URL returns a postgres:// URL for the database dbname over TCP on the
// loopback interface, with the superuser's password.
func (c *Cluster) URL(dbname string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(Superuser, c.password),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		Path:     "/" + dbname,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// Port returns the server's TCP port on 127.0.0.1.
func (c *Cluster) Port() int { return c.port }

// SocketDir returns the folder holding the server's unix socket.
func (c *Cluster) SocketDir() string { return c.sockDir }

// DataDir returns the cluster's data folder.
func (c *Cluster) DataDir() string { return c.dataDir }

// LogFile returns the path of the server's log; each start appends to
// it. It goes with the cluster's folder on Close.
func (c *Cluster) LogFile() string { return c.logFile }

// Version returns the server's major version, such as 15.
func (c *Cluster) Version() int { return c.bins.version }

// Exec runs sql (one or more statements, each in a transaction of its
// own) with psql against the database dsn names, a DSN or URL of this
// cluster, and returns what psql printed: unaligned rows without a
// header, fields separated by |. The first failing statement ends the
// run with an error holding psql's message.
func (c *Cluster) Exec(ctx context.Context, dsn, sql string) (string, error) {
	if !c.Running() {
		return "", ErrNotRunning
	}
	ctx, cancel := withDefaultTimeout(ctx, execTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.bins.psql,
		"--no-psqlrc", "--quiet", "--no-align", "--tuples-only",
		"--set=ON_ERROR_STOP=1", "--dbname="+dsn, "--file=-")
	cmd.Dir = c.base
	cmd.Env = append(cleanEnv(), "PGCONNECT_TIMEOUT=10")
	cmd.Stdin = strings.NewReader(sql)
	cmd.WaitDelay = time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("pgtest: psql: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}

// CreateDatabase creates the database name.
func (c *Cluster) CreateDatabase(ctx context.Context, name string) error {
	sql := "CREATE DATABASE " + quoteIdent(name)
	if c.bins.version >= 15 {
		// Copying the template's files is faster than writing them all
		// to the write-ahead log, PostgreSQL 15's default.
		sql += " STRATEGY = FILE_COPY"
	}
	_, err := c.Exec(ctx, c.AdminDSN(), sql)
	return err
}

// DropDatabase drops the database name, ending the sessions still
// connected to it.
func (c *Cluster) DropDatabase(ctx context.Context, name string) error {
	sql := "DROP DATABASE IF EXISTS " + quoteIdent(name)
	if c.bins.version >= 13 {
		sql += " WITH (FORCE)"
	}
	_, err := c.Exec(ctx, c.AdminDSN(), sql)
	return err
}

// NewDatabase creates a database for t, named after it, and returns its
// DSN. The database is dropped when t ends, if the server is running then.
func (c *Cluster) NewDatabase(t testing.TB) string {
	t.Helper()
	name := dbName(t.Name(), c.dbSeq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), execTimeout)
	defer cancel()
	if err := c.CreateDatabase(ctx, name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !c.Running() {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), execTimeout)
		defer cancel()
		if err := c.DropDatabase(ctx, name); err != nil && c.Running() {
			t.Error(err)
		}
	})
	return c.DSN(name)
}

// dbName makes a database name from a test's name: t_, its letters and
// digits in lower case (other runs of characters as _, 40 at most), _ and
// seq.
func dbName(test string, seq int64) string {
	var b strings.Builder
	for _, r := range strings.ToLower(test) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "_"):
			b.WriteByte('_')
		}
	}
	s := strings.TrimRight(b.String(), "_")
	if len(s) > 40 {
		s = strings.TrimRight(s[:40], "_")
	}
	return fmt.Sprintf("t_%s_%d", s, seq)
}

// quoteIdent quotes an SQL identifier.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// quoteConninfo quotes a value of a key=value connection string where it
// needs it.
func quoteConninfo(s string) string {
	if s != "" && !strings.ContainsAny(s, ` '\`+"\t\n\r") {
		return s
	}
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return "'" + r.Replace(s) + "'"
}

// freePort returns a TCP port on the loopback interface that was free a
// moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// cleanEnv returns the environment without libpq's PG* variables, which
// would redirect psql.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	return env
}

// serverEnv is the environment of initdb and postgres: cleanEnv in the C
// locale.
func serverEnv() []string {
	var env []string
	for _, kv := range cleanEnv() {
		if !strings.HasPrefix(kv, "LC_") && !strings.HasPrefix(kv, "LANG") {
			env = append(env, kv)
		}
	}
	return append(env, "LC_ALL=C")
}

func withDefaultTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}
