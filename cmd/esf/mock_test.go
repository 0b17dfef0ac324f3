package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs/certstest"
)

// mockTaxpayer is the legal entity the tests publish; its head is the
// published test IIN, which needs --allow-test-identities.
const (
	mockTIN      = "123456789021"
	mockTaxpayer = `{"tin":"123456789021","nameRu":"ТОО \"Тест\"","type":"PRIVATE_ENTERPRISE","resident":true,"enterpriseAdministrator":"123456789011"}`
)

// mockStartTimeout bounds a start of the mock (it builds its test CAs).
const mockStartTimeout = 60 * time.Second

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var listeningRE = regexp.MustCompile(`(?m)^listening on (http://127\.0\.0\.1:[0-9]+)$`)

// runningMock is "esf mock serve" running in Run on a goroutine.
type runningMock struct {
	base           string
	stdout, stderr *syncBuffer
	cancel         context.CancelFunc
	done           chan int
}

// startMock runs "esf mock serve --addr 127.0.0.1:0 args..." and waits
// until it listens; the test's end stops it.
func startMock(t *testing.T, args ...string) *runningMock {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	m := &runningMock{stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	argv := append([]string{"mock", "serve", "--addr", "127.0.0.1:0"}, args...)
	go func() { m.done <- Run(ctx, argv, m.stdout, m.stderr) }()
	t.Cleanup(func() { m.stop(t) })
	deadline := time.After(mockStartTimeout)
	for {
		if sub := listeningRE.FindStringSubmatch(m.stdout.String()); sub != nil {
			m.base = sub[1]
			return m
		}
		select {
		case code := <-m.done:
			m.done <- code
			t.Fatalf("esf mock serve exited with %d before listening:\n%s", code, m.stderr.String())
		case <-deadline:
			t.Fatalf("esf mock serve did not listen within %s:\n%s", mockStartTimeout, m.stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// stop cancels the mock's context and returns its exit status; it fails
// the test if the graceful shutdown takes longer than a few seconds.
func (m *runningMock) stop(t *testing.T) int {
	t.Helper()
	m.cancel()
	select {
	case code := <-m.done:
		m.done <- code // stop is idempotent
		return code
	case <-time.After(15 * time.Second):
		t.Fatalf("esf mock serve did not stop within 15s of cancellation")
		return -1
	}
}

var mockClient = &http.Client{Timeout: 10 * time.Second}

// mockDo sends a request and returns the status, headers and body.
func mockDo(t *testing.T, method, url, body string) (int, http.Header, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := mockClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, data
}

// publishTaxpayer seeds mockTaxpayer through the control API.
func publishTaxpayer(t *testing.T, base string) {
	t.Helper()
	code, _, body := mockDo(t, http.MethodPost, base+"/_mock/taxpayers?publish=true", mockTaxpayer)
	require.Equal(t, http.StatusCreated, code, "%s", body)
}

// taxpayerName returns the status of GET /_mock/taxpayers/tin and the nameRu it answers.
func taxpayerName(t *testing.T, base, tin string) (int, string) {
	t.Helper()
	code, _, body := mockDo(t, http.MethodGet, base+"/_mock/taxpayers/"+tin, "")
	var tp struct {
		NameRu string `json:"nameRu"`
	}
	if code == http.StatusOK {
		require.NoError(t, json.Unmarshal(body, &tp), "%s", body)
	}
	return code, tp.NameRu
}

func TestMockServeHealthzAndGracefulShutdown(t *testing.T) {
	m := startMock(t)

	code, _, body := mockDo(t, http.MethodGet, m.base+"/healthz", "")
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, string(body), `"status":"ok"`)

	// The banner: the first line is the machine-readable one, then the
	// endpoints and a key store command that works as printed.
	out := m.stdout.String()
	assert.True(t, strings.HasPrefix(out, "listening on "+m.base+"\n"), out)
	for _, svc := range []string{"SessionService", "AuthService", "VersionService"} {
		wsdl := m.base + "/esf-web/ws/api1/" + svc + "?wsdl"
		assert.Contains(t, out, wsdl)
		code, _, _ := mockDo(t, http.MethodGet, wsdl, "")
		assert.Equal(t, http.StatusOK, code, wsdl)
	}
	assert.Contains(t, out, m.base+"/_mock/")
	curl := regexp.MustCompile(`curl -o AUTH\.p12 -D - '([^']+)'`).FindStringSubmatch(out)
	require.NotNil(t, curl, out)
	code, hdr, p12 := mockDo(t, http.MethodGet, curl[1], "")
	require.Equal(t, http.StatusOK, code, "%s", p12)
	assert.Equal(t, certstest.DefaultPIN, hdr.Get("X-PIN"))
	assert.Contains(t, out, certstest.DefaultPIN)
	assert.Contains(t, hdr.Get("Content-Disposition"), "AUTH_RSA256_")
	assert.Contains(t, out, "in memory")

	assert.Equal(t, exitOK, m.stop(t))
	logs := m.stderr.String()
	assert.Contains(t, logs, "level=INFO msg=request method=GET path=/healthz status=200")
	assert.Contains(t, logs, "msg=stopped")
	// The listener is closed.
	_, err := net.DialTimeout("tcp", strings.TrimPrefix(m.base, "http://"), time.Second)
	assert.Error(t, err)
}

func TestMockServeStateSurvivesRestart(t *testing.T) {
	state := filepath.Join(t.TempDir(), "mock.db")

	m := startMock(t, "--state", state, "--allow-test-identities")
	assert.Contains(t, m.stdout.String(), "state:       SQLite "+state)
	code, _ := taxpayerName(t, m.base, mockTIN)
	require.Equal(t, http.StatusNotFound, code)
	publishTaxpayer(t, m.base)
	require.Equal(t, exitOK, m.stop(t))
	require.FileExists(t, state)

	m = startMock(t, "--state", state, "--allow-test-identities")
	code, name := taxpayerName(t, m.base, mockTIN)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, `ТОО "Тест"`, name)
	assert.Equal(t, exitOK, m.stop(t))

	// Without the state file the register is empty again.
	m = startMock(t, "--allow-test-identities")
	code, _ = taxpayerName(t, m.base, mockTIN)
	assert.Equal(t, http.StatusNotFound, code)
}

// A --state FILE holding an earlier version's JSON state file is imported
// once into an SQLite database at FILE; the JSON is kept beside it.
func TestMockServeImportsJSONStateOnce(t *testing.T) {
	// A JSON state file as the earlier --state wrote it: a Dump.
	m := startMock(t, "--allow-test-identities")
	publishTaxpayer(t, m.base)
	code, _, dump := mockDo(t, http.MethodGet, m.base+"/_mock/state", "")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, exitOK, m.stop(t))
	state := filepath.Join(t.TempDir(), "state.json")
	require.NoError(t, os.WriteFile(state, dump, 0o600))

	m = startMock(t, "--state", state, "--allow-test-identities")
	code, name := taxpayerName(t, m.base, mockTIN)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, `ТОО "Тест"`, name)
	require.Equal(t, exitOK, m.stop(t))
	assert.Contains(t, m.stderr.String(), "imported the JSON state file "+state)
	kept, err := os.ReadFile(state + ".imported.json")
	require.NoError(t, err, "the JSON is kept")
	assert.Equal(t, dump, kept)
	head := make([]byte, 16)
	f, err := os.Open(state)
	require.NoError(t, err)
	_, err = io.ReadFull(f, head)
	f.Close()
	require.NoError(t, err)
	assert.Equal(t, "SQLite format 3\x00", string(head), "FILE is the database now")

	// Once: the next start opens the database and imports nothing.
	m = startMock(t, "--state", state, "--allow-test-identities")
	code, _ = taxpayerName(t, m.base, mockTIN)
	assert.Equal(t, http.StatusOK, code)
	require.Equal(t, exitOK, m.stop(t))
	assert.NotContains(t, m.stderr.String(), "imported the JSON")
}

// TestMockServeStateSurvivesKill runs esf mock serve as a process (this
// test binary, run as esf) and kills it with SIGKILL right after the mock
// acknowledged a change: the change is in the state file all the same.
func TestMockServeStateSurvivesKill(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "mock.db")
	start := func() (*exec.Cmd, string, *syncBuffer) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		t.Cleanup(cancel)
		cmd := esfCommand(ctx, t, "mock", "serve", "--addr", "127.0.0.1:0", "--state", state, "--allow-test-identities")
		stderr := &syncBuffer{}
		cmd.Stderr = stderr
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		first := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(stdout)
			if sc.Scan() {
				first <- sc.Text()
			}
			close(first)
			_, _ = io.Copy(io.Discard, stdout) // keep the pipe drained
		}()
		select {
		case line := <-first:
			sub := listeningRE.FindStringSubmatch(line)
			require.NotNil(t, sub, "first line %q; stderr:\n%s", line, stderr.String())
			return cmd, sub[1], stderr
		case <-time.After(mockStartTimeout):
			t.Fatalf("esf mock serve did not listen within %s:\n%s", mockStartTimeout, stderr.String())
		}
		return nil, "", nil
	}

	cmd, base, _ := start()
	publishTaxpayer(t, base)
	require.NoError(t, cmd.Process.Kill()) // SIGKILL: no shutdown, no flush
	_ = cmd.Wait()

	cmd, base, stderr := start()
	code, name := taxpayerName(t, base, mockTIN)
	assert.Equal(t, http.StatusOK, code, stderr.String())
	assert.Equal(t, `ТОО "Тест"`, name)

	// SIGTERM is a graceful shutdown with status 0.
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		assert.NoError(t, err, stderr.String())
	case <-time.After(15 * time.Second):
		t.Fatal("esf mock serve did not stop within 15s of SIGTERM")
	}
}

func TestMockServeSeed(t *testing.T) {
	seed := filepath.Join(t.TempDir(), "seed.json")
	require.NoError(t, os.WriteFile(seed, []byte(`[
		`+mockTaxpayer+`,
		{"tin": "123456789011", "lastNameRu": "Иванов", "firstNameRu": "Иван", "type": "INDIVIDUAL", "resident": true}
	]`), 0o644))
	m := startMock(t, "--seed", seed, "--allow-test-identities")
	code, name := taxpayerName(t, m.base, mockTIN)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, `ТОО "Тест"`, name)
	code, _ = taxpayerName(t, m.base, "123456789011")
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, m.stderr.String(), "msg=\"seeded taxpayers\"")
}

// TestMockServeTrust starts the mock with the fixture CA instead of the
// built-in test CAs: it serves, but issues no key stores.
func TestMockServeTrust(t *testing.T) {
	m := startMock(t, "--trust", certstest.FixturePath(certstest.FixtureRootCA),
		"--trust", certstest.FixturePath(certstest.FixtureIntermediateCA),
		"--crl", certstest.FixturePath(certstest.FixtureCRL), "--log-level", "warn")
	assert.Contains(t, m.stdout.String(), "not issued")
	code, _, _ := mockDo(t, http.MethodGet, m.base+"/_mock/keystore?kind=individual&usage=auth", "")
	assert.Equal(t, http.StatusNotFound, code)
	assert.Equal(t, exitOK, m.stop(t))
	assert.NotContains(t, m.stderr.String(), "msg=request", "--log-level warn drops request lines")
}

func TestMockServeErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		return p
	}
	garbage := write("garbage.cer", "not a certificate")
	badJSON := write("bad.json", `{"tin": "123456789021"}`)
	unknownField := write("unknown.json", `[{"tin": "123456789021", "bin": "x"}]`)
	corruptState := write("state.json", "{")
	badBIN := write("badbin.json", `[{"tin": "123456789021", "type": "PRIVATE_ENTERPRISE", "nameRu": "x"}]`)

	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()

	for _, tc := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no subcommand", []string{"mock"}, exitUsage, "Usage"},
		{"unknown subcommand", []string{"mock", "frob"}, exitUsage, `unknown command "frob"`},
		{"unknown flag", []string{"mock", "serve", "--frob"}, exitUsage, "frob"},
		{"argument", []string{"mock", "serve", "extra"}, exitUsage, "takes no arguments"},
		{"bad addr", []string{"mock", "serve", "--addr", "8080"}, exitUsage, "--addr"},
		{"bad log level", []string{"mock", "serve", "--log-level", "loud"}, exitUsage, "--log-level"},
		{"bcrypt cost too low", []string{"mock", "serve", "--bcrypt-cost", "3"}, exitUsage, "--bcrypt-cost"},
		{"negative retention", []string{"mock", "serve", "--retention", "-1h"}, exitUsage, "--retention"},
		{"bcrypt cost too high", []string{"mock", "serve", "--bcrypt-cost", "32"}, exitUsage, "--bcrypt-cost"},
		{"bad smtp", []string{"mock", "serve", "--smtp", "mail"}, exitUsage, "--smtp"},
		{"state in missing dir", []string{"mock", "serve", "--state", filepath.Join(dir, "no", "state.json")}, exitUsage, "--state"},
		{"missing trust file", []string{"mock", "serve", "--trust", filepath.Join(dir, "missing.cer")}, exitUsage, "missing.cer"},
		{"bad trust file", []string{"mock", "serve", "--trust", garbage}, exitUsage, garbage},
		{"bad crl file", []string{"mock", "serve", "--crl", garbage}, exitUsage, garbage},
		{"missing seed file", []string{"mock", "serve", "--seed", filepath.Join(dir, "missing.json")}, exitUsage, "missing.json"},
		{"seed not an array", []string{"mock", "serve", "--seed", badJSON}, exitUsage, badJSON},
		{"seed unknown field", []string{"mock", "serve", "--seed", unknownField}, exitUsage, `unknown field "bin"`},
		{"seed refused", []string{"mock", "serve", "--seed", badBIN}, exitUsage, "123456789021"},
		{"corrupt state file", []string{"mock", "serve", "--state", corruptState}, exitFailure, corruptState},
		{"state not a database", []string{"mock", "serve", "--state", garbage}, exitFailure, garbage},
		{"state and db", []string{"mock", "serve", "--state", filepath.Join(dir, "m.db"), "--db", "postgres://localhost/esf"}, exitUsage, "not both"},
		{"db not postgres", []string{"mock", "serve", "--db", "mysql://u:secret@localhost/esf"}, exitUsage, "postgres://"},
		{"db password hidden", []string{"mock", "serve", "--db", "mysql://u:secret@localhost/esf"}, exitUsage, "xxxxx"},
		{"db unreachable", []string{"mock", "serve", "--db", "postgres://u:secret@127.0.0.1:1/esf?connect_timeout=5"}, exitFailure, "--db postgres://u:xxxxx@127.0.0.1:1/esf"},
		{"port in use", []string{"mock", "serve", "--addr", busy.Addr().String()}, exitFailure, "listen"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var out, errOut syncBuffer
			code := Run(ctx, tc.args, &out, &errOut)
			assert.Equal(t, tc.code, code, "stderr: %s", errOut.String())
			assert.Contains(t, errOut.String(), tc.msg)
			assert.NotContains(t, errOut.String(), "secret", "a --db password is never printed")
			assert.NotContains(t, out.String(), "listening on")
		})
	}

	t.Run("help", func(t *testing.T) {
		var out, errOut syncBuffer
		assert.Equal(t, exitOK, Run(context.Background(), []string{"mock", "serve", "-h"}, &out, &errOut))
		for _, s := range []string{"--seed FILE", "PRIVATE_ENTERPRISE", "-addr", "-trust", "-require-username-token", "-allow-missing-username-token", "-control-token", "-read-header-timeout", "SQLite", "--db postgres://"} {
			assert.Contains(t, out.String(), s, "help asked for goes to standard output")
		}
		assert.Empty(t, errOut.String())
		var top syncBuffer
		assert.Equal(t, exitOK, Run(context.Background(), []string{"help"}, &top, &errOut))
		assert.Contains(t, top.String(), "esf mock serve")
	})
}

func TestMockBaseURL(t *testing.T) {
	for _, tc := range []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}, "http://127.0.0.1:8080"},
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 8080}, "http://127.0.0.1:8080"},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 9}, "http://127.0.0.1:9"},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 8080}, "http://[::1]:8080"},
	} {
		assert.Equal(t, tc.want, baseURL(tc.addr))
	}
}
