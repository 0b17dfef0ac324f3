package main

// Durability of "esf mock serve" as a process: every request commits one
// transaction before it is answered, so an acknowledged write survives a
// SIGKILL of the mock, and a write the mock refused (a failed commit, as on
// a full disk) is never seen again.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/internal/pgtest"
	"github.com/esfkit/esf/internal/testref"
)

// Bounds of the durability tests.
const (
	// durWriters is how many clients write at once.
	durWriters = 8
	// durLoadMin and durLoadMax bound how long the writers run before the
	// mock is killed: a random time between them, so that the kill finds
	// the mock at a different point each cycle.
	durLoadMin = 500 * time.Millisecond
	durLoadMax = time.Second
	// durCycles is how many kill/restart cycles one test runs over one
	// database.
	durCycles = 3
	// durRequestTimeout bounds each request of the tests' clients.
	durRequestTimeout = 5 * time.Second
	// durExitTimeout bounds the wait for a signalled mock to exit.
	durExitTimeout = 15 * time.Second
	// durLastName is the surname of every taxpayer the tests publish.
	durLastName = "ПРОЧНОВ"
)

// durMock is "esf mock serve" running as a process of its own (this test
// binary run as esf), so that it can be killed with SIGKILL.
type durMock struct {
	cmd    *exec.Cmd
	base   string
	stdout *syncBuffer
	stderr *syncBuffer
	exited chan struct{} // closed once the process has exited
	err    error         // cmd.Wait's, once exited is closed
}

// startDurMock starts "esf mock serve --addr 127.0.0.1:0 args..." and
// waits until it listens. The test's end kills it if it still runs.
func startDurMock(t *testing.T, args ...string) *durMock {
	t.Helper()
	// The context bounds the process's life, whatever the test does.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	argv := append([]string{"mock", "serve", "--addr", "127.0.0.1:0", "--log-level", "warn"}, args...)
	m := &durMock{
		cmd:    esfCommand(ctx, t, argv...),
		stdout: &syncBuffer{},
		stderr: &syncBuffer{},
		exited: make(chan struct{}),
	}
	m.cmd.Stdout, m.cmd.Stderr = m.stdout, m.stderr
	m.cmd.WaitDelay = time.Second
	if err := m.cmd.Start(); err != nil {
		cancel()
		t.Fatalf("starting esf mock serve: %v", err)
	}
	go func() {
		m.err = m.cmd.Wait()
		close(m.exited)
	}()
	t.Cleanup(func() {
		m.kill(t)
		cancel()
	})
	deadline := time.After(mockStartTimeout)
	for {
		if sub := listeningRE.FindStringSubmatch(m.stdout.String()); sub != nil {
			m.base = sub[1]
			return m
		}
		select {
		case <-m.exited:
			t.Fatalf("esf mock serve %s exited (%v) before listening:\n%s", strings.Join(args, " "), m.err, m.stderr.String())
		case <-deadline:
			t.Fatalf("esf mock serve did not listen within %s:\n%s", mockStartTimeout, m.stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// kill kills the mock with SIGKILL — no shutdown, no flush — and waits
// for it to be gone.
func (m *durMock) kill(t *testing.T) {
	t.Helper()
	select {
	case <-m.exited:
		return
	default:
	}
	if err := m.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("killing esf mock serve: %v", err)
	}
	select {
	case <-m.exited:
	case <-time.After(durExitTimeout):
		t.Fatalf("esf mock serve (pid %d) still running %s after SIGKILL", m.cmd.Process.Pid, durExitTimeout)
	}
}

// stop asks the mock to shut down (SIGTERM) and returns cmd.Wait's error.
// It closes client's idle connections first: the server's graceful
// shutdown waits up to 5 seconds for a connection that has not sent a
// request yet, as a transport's spare connection may be.
func (m *durMock) stop(t *testing.T, client *http.Client) error {
	t.Helper()
	client.CloseIdleConnections()
	if err := m.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("signalling esf mock serve: %v", err)
	}
	select {
	case <-m.exited:
		return m.err
	case <-time.After(durExitTimeout):
		t.Fatalf("esf mock serve did not stop within %s of SIGTERM:\n%s", durExitTimeout, m.stderr.String())
		return nil
	}
}

// checkLog fails t if the mock's log shows a panic or a data race.
func (m *durMock) checkLog(t *testing.T) {
	t.Helper()
	logs := m.stderr.String()
	for _, bad := range []string{"panic:", "WARNING: DATA RACE", "fatal error:"} {
		assert.NotContains(t, logs, bad, "esf mock serve's log:\n%s", logs)
	}
}

// durTIN returns the IIN of the i-th taxpayer of a test: checksum-valid,
// distinct for each i (below maxIdentity, far more than a test writes).
func durTIN(test string, i int) string {
	id, err := identityAt("durability "+test, i)
	if err != nil {
		panic(err) // i out of range: a bug in the test
	}
	return id.IIN
}

// durTaxpayer is the JSON of an INDIVIDUAL taxpayer with IIN tin.
func durTaxpayer(tin string) string {
	return fmt.Sprintf(`{"tin":%q,"lastNameRu":%q,"firstNameRu":"ТЕСТ","type":"INDIVIDUAL","resident":true}`, tin, durLastName)
}

// durClient is an HTTP client for durWriters concurrent clients.
func durClient(t *testing.T) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: durWriters * 2, DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: durRequestTimeout}
}

// durAnswer is the mock's answer to one write.
type durAnswer struct {
	Status int
	Body   string
}

// durWrites is what the writers saw: the writes the mock acknowledged
// (201), those it refused (any other answer), and how many requests got
// no answer at all (a connection refused or cut: neither acknowledged nor
// refused).
type durWrites struct {
	mu         sync.Mutex
	acked      []string
	refused    map[string]durAnswer
	unanswered int
}

func (w *durWrites) add(tin string, a *durAnswer) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case a == nil:
		w.unanswered++
	case a.Status == http.StatusCreated:
		w.acked = append(w.acked, tin)
	default:
		if w.refused == nil {
			w.refused = map[string]durAnswer{}
		}
		w.refused[tin] = *a
	}
}

// publish sends one taxpayer to POST /_mock/taxpayers?publish=true; nil
// means no answer. A 201 whose body was cut off is an answer: the status
// line is sent only after the commit.
func durPublish(ctx context.Context, client *http.Client, base, tin string) *durAnswer {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/_mock/taxpayers?publish=true", strings.NewReader(durTaxpayer(tin)))
	if err != nil {
		return nil
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return &durAnswer{Status: resp.StatusCode, Body: string(body)}
}

// durHammer runs durWriters writers publishing distinct taxpayers (TINs
// from tin()) as fast as the mock takes them. Each writer stops at its
// first request without an answer (the mock is gone), or when ctx ends.
func durHammer(ctx context.Context, client *http.Client, base string, tin func() string, into *durWrites) {
	var wg sync.WaitGroup
	for range durWriters {
		wg.Go(func() {
			for ctx.Err() == nil {
				id := tin()
				a := durPublish(ctx, client, base, id)
				into.add(id, a)
				if a == nil {
					return
				}
			}
		})
	}
	wg.Wait()
}

// durLookup is GET /_mock/taxpayers/tin: the status, and the surname the
// record holds.
func durLookup(ctx context.Context, client *http.Client, base, tin string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/_mock/taxpayers/"+tin, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", err
	}
	var tp struct {
		LastNameRu string `json:"lastNameRu"`
	}
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, &tp); err != nil {
			return 0, "", fmt.Errorf("GET /_mock/taxpayers/%s: %w: %s", tin, err, body)
		}
	}
	return resp.StatusCode, tp.LastNameRu, nil
}

// durCheck looks every TIN up, durWriters at a time, and returns those
// not answered 200 with the test's surname (present) and those not
// answered 404 (absent). It fails t on a transport error.
func durCheck(t *testing.T, client *http.Client, base string, present, absent []string) (missing, found []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	type job struct {
		tin  string
		want int
	}
	jobs := make(chan job)
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for range durWriters {
		wg.Go(func() {
			for j := range jobs {
				code, name, err := durLookup(ctx, client, base, j.tin)
				mu.Lock()
				switch {
				case err != nil:
					if firstErr == nil {
						firstErr = err
					}
				case j.want == http.StatusOK && (code != http.StatusOK || name != durLastName):
					missing = append(missing, fmt.Sprintf("%s (%d %q)", j.tin, code, name))
				case j.want == http.StatusNotFound && code != http.StatusNotFound:
					found = append(found, fmt.Sprintf("%s (%d %q)", j.tin, code, name))
				}
				mu.Unlock()
			}
		})
	}
	for _, tin := range present {
		jobs <- job{tin, http.StatusOK}
	}
	for _, tin := range absent {
		jobs <- job{tin, http.StatusNotFound}
	}
	close(jobs)
	wg.Wait()
	require.NoError(t, firstErr)
	slices.Sort(missing)
	slices.Sort(found)
	return missing, found
}

// durNone fails t if list is not empty, naming how many and the first few.
func durNone(t *testing.T, list []string, what string) {
	t.Helper()
	if len(list) > 0 {
		t.Errorf("%s: %d, the first: %s", what, len(list), strings.Join(list[:min(len(list), 10)], ", "))
	}
}

// killUnderLoad runs durCycles cycles over one database: start the mock
// with args, let durWriters writers publish distinct taxpayers, SIGKILL
// the mock in the middle of the load, start it again and check that every
// taxpayer acknowledged so far — in this cycle and the earlier ones — is
// there, and that no write it refused is.
func killUnderLoad(t *testing.T, args ...string) {
	client := durClient(t)
	var seq atomic.Int64
	tin := func() string { return durTIN(t.Name(), int(seq.Add(1))) }

	var acked, refused []string
	m := startDurMock(t, args...)
	for cycle := 1; cycle <= durCycles; cycle++ {
		began := time.Now()
		loadFor := durLoadMin + rand.N(durLoadMax-durLoadMin)
		var w durWrites
		ctx, cancel := context.WithTimeout(context.Background(), loadFor+2*durRequestTimeout)
		defer cancel() // bounds the writers
		done := make(chan struct{})
		go func() {
			defer close(done)
			durHammer(ctx, client, m.base, tin, &w)
		}()
		time.Sleep(loadFor)
		m.kill(t) // in the middle of the load: requests are in flight
		killed := time.Now()
		select {
		case <-done: // each writer saw its connection cut or refused
		case <-time.After(2 * durRequestTimeout):
			t.Fatal("the writers did not stop")
		}
		m.checkLog(t)
		client.CloseIdleConnections()

		require.NotEmpty(t, w.acked, "cycle %d: no write acknowledged in %s; the mock's log:\n%s", cycle, loadFor, m.stderr.String())
		for id, a := range w.refused {
			t.Errorf("cycle %d: a valid, distinct taxpayer %s was refused: %d %s", cycle, id, a.Status, a.Body)
			refused = append(refused, id)
		}
		acked = append(acked, w.acked...)

		m = startDurMock(t, args...)
		restarted := time.Since(killed)
		missing, found := durCheck(t, client, m.base, acked, refused)
		t.Logf("cycle %d: %d writes acknowledged in %s (%.0f/s), %d refused, %d cut off by the SIGKILL; restarted in %s; %d acknowledged so far, %d lost, %d refused found (cycle took %s)",
			cycle, len(w.acked), loadFor.Round(time.Millisecond), float64(len(w.acked))/loadFor.Seconds(), len(w.refused), w.unanswered,
			restarted.Round(time.Millisecond), len(acked), len(missing), len(found), time.Since(began).Round(time.Millisecond))
		durNone(t, missing, fmt.Sprintf("cycle %d: acknowledged writes lost after SIGKILL", cycle))
		durNone(t, found, fmt.Sprintf("cycle %d: refused writes present", cycle))
		if t.Failed() {
			t.Logf("the restarted mock's log:\n%s", m.stderr.String())
			return
		}
	}
	require.NoError(t, m.stop(t, client), "SIGTERM is a graceful shutdown; the log:\n%s", m.stderr.String())
	m.checkLog(t)
}

// TestKillUnderLoadLosesNothing kills the mock with SIGKILL while eight
// clients write to its SQLite database as fast as they can: after a
// restart every write it acknowledged is there, three times over.
func TestKillUnderLoadLosesNothing(t *testing.T) {
	killUnderLoad(t, "--state", filepath.Join(t.TempDir(), "mock.db"))
}

// TestKillUnderLoadLosesNothingPostgres is TestKillUnderLoadLosesNothing
// with the state in PostgreSQL (a cluster of the test's own): the mock is
// killed, the database server keeps running.
func TestKillUnderLoadLosesNothingPostgres(t *testing.T) {
	c := pgtest.New(t, pgtest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, c.CreateDatabase(ctx, "durability"))
	killUnderLoad(t, "--db", c.URL("durability"))
}

// durMount mounts a tmpfs of size (as mount's size= option takes it) at a
// new folder and returns it; the test's end unmounts it (register it
// before starting anything that uses it, so that it is unmounted after).
// Where mounting is not allowed (not root, no CAP_SYS_ADMIN) t is skipped,
// or fails under ESF_REQUIRE_TOOLS=1.
func durMount(t *testing.T, size string) string {
	t.Helper()
	mountCmd := testref.Tool(t, "mount", "mount")
	umountCmd := testref.Tool(t, "umount", "mount")
	dir := filepath.Join(t.TempDir(), "small")
	require.NoError(t, os.Mkdir(dir, 0o700))
	out, err := exec.Command(mountCmd, "-t", "tmpfs", "-o", "size="+size+",mode=0700", "tmpfs", dir).CombinedOutput()
	if err != nil {
		testref.Missing(t, "this test mounts a small tmpfs, which needs Linux and root (CAP_SYS_ADMIN): mount -t tmpfs: %v: %s", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command(umountCmd, dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// durRemount changes the size of the tmpfs at dir.
func durRemount(t *testing.T, dir, size string) {
	t.Helper()
	out, err := exec.Command("mount", "-o", "remount,size="+size, dir).CombinedOutput()
	require.NoError(t, err, "remounting %s with size=%s: %s", dir, size, out)
}

// durUsed returns how many bytes the files in dir take, rounded up to
// whole 4 KiB pages as tmpfs counts them.
func durUsed(t *testing.T, dir string) int64 {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var used int64
	for _, e := range entries {
		fi, err := e.Info()
		require.NoError(t, err)
		used += (fi.Size() + 4095) / 4096 * 4096
	}
	return used
}

// durFill writes distinct taxpayers (TINs from tin()) one at a time —
// so that the refusals are the disk's doing, not a race — until fullAfter
// come in a row, and returns the writes acknowledged and refused and the
// refusals' answers.
func durFill(t *testing.T, client *http.Client, m *durMock, tin func() string) (acked, refused []string, answers []durAnswer) {
	t.Helper()
	const (
		// fullAfter is how many refusals in a row mean the disk is full
		// for good.
		fullAfter = 20
		// maxWrites bounds the filling.
		maxWrites = 5000
	)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for inARow := 0; inARow < fullAfter; {
		require.Less(t, len(acked)+len(refused), maxWrites, "%d writes and the disk is not full yet", maxWrites)
		id := tin()
		a := durPublish(ctx, client, m.base, id)
		require.NotNil(t, a, "write %d: no answer; the mock's log:\n%s", len(acked)+len(refused)+1, m.stderr.String())
		if a.Status == http.StatusCreated {
			acked = append(acked, id)
			inARow = 0
			continue
		}
		refused = append(refused, id)
		answers = append(answers, *a)
		inARow++
	}
	return acked, refused, answers
}

// durCheckRefusals checks that every refusal says what happened, in the
// control API's JSON: a server failure (5xx) with a code, and a message
// naming the cause.
func durCheckRefusals(t *testing.T, answers []durAnswer) {
	t.Helper()
	for _, a := range answers {
		assert.GreaterOrEqual(t, a.Status, 500, "a full disk is the server's failure, not the client's: %s", a.Body)
		var body struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		}
		if !assert.NoError(t, json.Unmarshal([]byte(a.Body), &body), "the refusal is JSON: %s", a.Body) {
			continue
		}
		assert.NotEmpty(t, body.Code, "the refusal has a code: %s", a.Body)
		msg := strings.ToLower(body.Message)
		assert.True(t, strings.Contains(msg, "full") || strings.Contains(msg, "disk") || strings.Contains(msg, "space"),
			"the refusal's message names the cause (a full disk): code %q, message %q", body.Code, body.Message)
	}
}

// durErrorLine returns the first line of the mock's log at level ERROR.
func durErrorLine(m *durMock) string {
	for line := range strings.Lines(m.stderr.String()) {
		if strings.Contains(line, "level=ERROR") {
			return strings.TrimSpace(line)
		}
	}
	return "(none)"
}

// TestDiskFullRefusesAndForgets fills the file system under the mock's
// SQLite database: the writes that no longer fit are refused with an
// error that says why, reads go on, and once there is room again writes
// are accepted by the same process; after a restart every acknowledged
// write is there and no refused one ever appears. Then again with the
// mock killed (SIGKILL) while the disk is full.
func TestDiskFullRefusesAndForgets(t *testing.T) {
	const (
		small = 512 << 10 // room for the schema and a few dozen writes
		large = "64m"
		// afterwards is how many writes must succeed once there is room.
		afterwards = 20
	)
	began := time.Now()
	dir := durMount(t, fmt.Sprintf("%dk", small>>10))
	state := filepath.Join(dir, "mock.db")
	client := durClient(t)
	n := 0
	tin := func() string { n++; return durTIN(t.Name(), n) }
	var acked, refused []string
	// check looks every write up in m: the acknowledged ones are there,
	// the refused ones are not.
	check := func(m *durMock, when string) {
		t.Helper()
		missing, found := durCheck(t, client, m.base, acked, refused)
		durNone(t, missing, "acknowledged writes missing "+when)
		durNone(t, found, "refused writes present "+when)
		if t.Failed() {
			t.Fatalf("the mock's log:\n%s", m.stderr.String())
		}
	}
	// more writes afterwards taxpayers, each of which must be accepted.
	more := func(m *durMock) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for range afterwards {
			id := tin()
			a := durPublish(ctx, client, m.base, id)
			require.NotNil(t, a, "no answer once there is room; the mock's log:\n%s", m.stderr.String())
			require.Equal(t, http.StatusCreated, a.Status, "a write once there is room again: %s", a.Body)
			acked = append(acked, id)
		}
	}

	// 1. The disk fills under a running mock, and is freed.
	m := startDurMock(t, "--state", state)
	ok, no, answers := durFill(t, client, m, tin)
	acked, refused = append(acked, ok...), append(refused, no...)
	require.NotEmpty(t, ok, "the tmpfs was full at the first write")
	t.Logf("%dk tmpfs full after %d writes; the first refusal: %d %s; the mock's log of it: %s",
		small>>10, len(ok), answers[0].Status, strings.TrimSpace(answers[0].Body), durErrorLine(m))
	durCheckRefusals(t, answers)
	check(m, "while the disk is full") // reads go on
	durRemount(t, dir, large)
	more(m) // at once, by the same process
	check(m, "once there is room")
	require.NoError(t, m.stop(t, client), "the graceful shutdown after a full disk; the log:\n%s", m.stderr.String())
	m.checkLog(t)
	m = startDurMock(t, "--state", state)
	check(m, "after a restart")

	// 2. The disk fills again, and the mock is killed while it is full.
	shrunk := durUsed(t, dir) + small/2
	durRemount(t, dir, fmt.Sprintf("%dk", shrunk>>10))
	ok, no, answers = durFill(t, client, m, tin)
	acked, refused = append(acked, ok...), append(refused, no...)
	durCheckRefusals(t, answers)
	t.Logf("filled again: %d more writes acknowledged, then %d refused", len(ok), len(no))
	m.kill(t)
	m.checkLog(t)
	// Started on the full disk, the mock recovers and serves reads, refuses
	// writes, and stops cleanly though its closing checkpoint has no room.
	m = startDurMock(t, "--state", state)
	check(m, "after a SIGKILL, on the full disk")
	id := tin()
	a := durPublish(context.Background(), client, m.base, id)
	require.NotNil(t, a, "no answer on the full disk; the mock's log:\n%s", m.stderr.String())
	require.NotEqual(t, http.StatusCreated, a.Status, "a write accepted on a full disk")
	refused = append(refused, id)
	durCheckRefusals(t, []durAnswer{*a})
	require.NoError(t, m.stop(t, client), "the graceful shutdown on a full disk; the log:\n%s", m.stderr.String())
	m.checkLog(t)
	durRemount(t, dir, large)
	m = startDurMock(t, "--state", state)
	check(m, "after a restart once there is room")
	more(m)
	m.kill(t)
	m = startDurMock(t, "--state", state)
	check(m, "after a SIGKILL once there is room")
	require.NoError(t, m.stop(t, client), "the log:\n%s", m.stderr.String())
	m.checkLog(t)

	t.Logf("%d writes acknowledged, %d refused; none lost, none resurrected (%s)",
		len(acked), len(refused), time.Since(began).Round(time.Millisecond))
}
