package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver"
)

// runJSON runs esf with args, wants exit status 0, and decodes the one line
// it prints.
func runJSON(t *testing.T, out any, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var stdout, stderr syncBuffer
	code := Run(ctx, args, &stdout, &stderr)
	require.Equal(t, exitOK, code, "stdout %s\nstderr %s", stdout.String(), stderr.String())
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	require.Len(t, lines, 1, "one JSON line: %s", stdout.String())
	dec := json.NewDecoder(strings.NewReader(lines[0]))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(out), lines[0])
}

// checkReport checks what every good run reports.
func checkReport(t *testing.T, rep loadReport, flow string, n, c int) {
	t.Helper()
	assert.Equal(t, flow, rep.Flow)
	assert.Equal(t, n, rep.N)
	assert.Equal(t, c, rep.C)
	assert.Equal(t, n, rep.Done)
	assert.Zero(t, rep.Errors)
	assert.Empty(t, rep.FirstError)
	assert.False(t, rep.TimedOut)
	assert.Positive(t, rep.PerSecond)
	assert.Positive(t, rep.P50)
	assert.GreaterOrEqual(t, rep.P99, rep.P50)
	assert.GreaterOrEqual(t, rep.Max, rep.P99)
	assert.Positive(t, rep.Elapsed)
	assert.NotEmpty(t, rep.Seed)
}

// TestMockLoad runs both flows against esf mock serve in-process.
func TestMockLoad(t *testing.T) {
	m := startMock(t)
	for _, alg := range []string{"rsa", "gost"} {
		t.Run("registration "+alg, func(t *testing.T) {
			var rep loadReport
			runJSON(t, &rep, "mock", "load", "--url", m.base, "--flow", "registration", "--n", "20", "--c", "4", "--alg", alg)
			checkReport(t, rep, "registration", 20, 4)
			assert.Equal(t, alg, rep.Alg)
			// Each flow registered a new person: an account with a profile.
			ctl, err := mockserver.NewControlClient(m.base, mockserver.ControlClientOptions{})
			require.NoError(t, err)
			for _, i := range []int{0, 19} {
				id, err := identityAt(rep.Seed, i)
				require.NoError(t, err)
				acct, err := ctl.Account(context.Background(), id.IIN)
				require.NoError(t, err)
				assert.Equal(t, id.email(), acct.Email)
			}
		})
	}
	t.Run("session", func(t *testing.T) {
		var rep loadReport
		runJSON(t, &rep, "mock", "load", "--url", m.base, "--flow", "session", "--n", "20", "--c", "4")
		checkReport(t, rep, "session", 20, 4)
		assert.False(t, rep.Populated)
		assert.Nil(t, rep.ServerCPU, "no --server-pid, no CPU figures")
	})
	t.Run("server CPU", func(t *testing.T) {
		// The mock runs in this process: its CPU time is ours.
		var rep loadReport
		runJSON(t, &rep, "mock", "load", "--url", m.base, "--flow", "session", "--n", "20", "--c", "2", "--server-pid", strconv.Itoa(os.Getpid()))
		checkReport(t, rep, "session", 20, 2)
		require.NotNil(t, rep.ServerCPU)
		require.NotNil(t, rep.ServerCPUPerFlow)
		require.NotNil(t, rep.ClientCPU)
		assert.Positive(t, *rep.ServerCPU)
		assert.InDelta(t, *rep.ServerCPU*1000/20, *rep.ServerCPUPerFlow, 0.01)
	})
}

// TestMockPopulate: populate adds real accounts, which log in and which
// esf mock load drives; a populate refused adds nothing.
func TestMockPopulate(t *testing.T) {
	m := startMock(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var rep populateReport
	runJSON(t, &rep, "mock", "populate", "--url", m.base, "--accounts", "50", "--batch", "20", "--server-pid", strconv.Itoa(os.Getpid()))
	require.NotNil(t, rep.ServerCPUPerAccount)
	assert.Equal(t, 50, rep.Accounts)
	assert.Equal(t, 3, rep.Batches)
	assert.Equal(t, defaultPopulateSeed, rep.Seed)
	assert.Equal(t, defaultSandboxPassword, rep.Password)
	assert.Positive(t, rep.PerSecond)
	first, err := identityAt(defaultPopulateSeed, 0)
	require.NoError(t, err)
	assert.Equal(t, first.IIN, rep.FirstIIN)

	sb, err := dialSandbox(ctx, m.base, "", 1)
	require.NoError(t, err)
	count := func() int {
		t.Helper()
		dump, err := sb.ctl.Dump(ctx)
		require.NoError(t, err)
		var st mockserver.State
		require.NoError(t, json.Unmarshal(dump, &st))
		return len(st.Store.Accounts)
	}
	assert.Equal(t, 50, count())

	// Identity 17 logs in, with a key store issued for its IIN.
	id, err := identityAt(defaultPopulateSeed, 17)
	require.NoError(t, err)
	is, err := newIssuer(sb.at, "rsa", defaultPopulateSeed)
	require.NoError(t, err)
	kp, err := is.issue(id, false)
	require.NoError(t, err)
	c, err := sb.client()
	require.NoError(t, err)
	login, err := c.Login(ctx, kp.auth, defaultSandboxPassword)
	require.NoError(t, err)
	assert.Equal(t, id.IIN, login.IIN)
	require.Len(t, login.Profiles, 1)
	assert.Equal(t, esfreg.ProfileIndividual, login.Profiles[0].Type)
	_, err = c.Login(ctx, kp.auth, "Wrong2026xx")
	assert.ErrorIs(t, err, esfreg.ErrPasswordInvalid)
	require.NoError(t, sessionCycle(ctx, c, kp, id.IIN, defaultSandboxPassword, false))

	// esf mock load drives populated accounts by index.
	var lrep loadReport
	runJSON(t, &lrep, "mock", "load", "--url", m.base, "--flow", "session", "--populated", "--from", "10", "--n", "20", "--c", "4")
	checkReport(t, lrep, "session", 20, 4)
	assert.True(t, lrep.Populated)
	assert.Equal(t, defaultPopulateSeed, lrep.Seed)

	// Identities 45..54: 45..49 exist, so the batch is refused whole.
	code, stdout, stderr := run(t, "mock", "populate", "--url", m.base, "--from", "45", "--accounts", "10")
	assert.Equal(t, exitFailure, code, stdout)
	assert.Contains(t, stderr, "USER_ALREADY_REGISTERED")
	assert.Contains(t, stderr, "[0].iin")
	assert.Empty(t, stdout)
	assert.Equal(t, 50, count(), "a refused batch added accounts")
	// Populated identities have accounts: a registration run refuses them,
	// and --populated beyond them says to populate first.
	code, _, stderr = run(t, "mock", "load", "--url", m.base, "--flow", "registration", "--seed", defaultPopulateSeed, "--n", "2")
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, stderr, "has an account already")
	code, _, stderr = run(t, "mock", "load", "--url", m.base, "--flow", "session", "--populated", "--from", "48", "--n", "2", "--c", "4")
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, stderr, "esf mock populate")
}

// TestMockLoadUsage: bad flags are usage errors, before anything is sent.
func TestMockLoadUsage(t *testing.T) {
	const url = "http://127.0.0.1:1" // nothing listens: a usage error must come first
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"load: no --url", []string{"mock", "load", "--flow", "session", "--n", "1"}, "--url is required"},
		{"load: --url not a URL", []string{"mock", "load", "--url", "127.0.0.1:8080", "--flow", "session", "--n", "1"}, "--url"},
		{"load: --url with a path", []string{"mock", "load", "--url", url + "/esf-web", "--flow", "session", "--n", "1"}, "--url"},
		{"load: no --flow", []string{"mock", "load", "--url", url, "--n", "1"}, "--flow is required"},
		{"load: unknown --flow", []string{"mock", "load", "--url", url, "--flow", "invoices", "--n", "1"}, "--flow"},
		{"load: no --n", []string{"mock", "load", "--url", url, "--flow", "session"}, "--n"},
		{"load: --n not a number", []string{"mock", "load", "--url", url, "--flow", "session", "--n", "many"}, "-n"},
		{"load: --c 0", []string{"mock", "load", "--url", url, "--flow", "session", "--n", "1", "--c", "0"}, "--c"},
		{"load: --c too many", []string{"mock", "load", "--url", url, "--flow", "session", "--n", "1", "--c", "5000"}, "--c"},
		{"load: --timeout 0", []string{"mock", "load", "--url", url, "--flow", "session", "--n", "1", "--timeout", "0s"}, "--timeout"},
		{"load: unknown --alg", []string{"mock", "load", "--url", url, "--flow", "session", "--n", "1", "--alg", "dsa"}, "--alg"},
		{"load: --populated registrations", []string{"mock", "load", "--url", url, "--flow", "registration", "--n", "1", "--populated"}, "--populated"},
		{"load: --from out of range", []string{"mock", "load", "--url", url, "--flow", "registration", "--n", "10", "--from", "9999995"}, "--from"},
		{"load: weak --password", []string{"mock", "load", "--url", url, "--flow", "session", "--n", "1", "--password", "abc"}, "--password"},
		{"load: --server-pid of no process", []string{"mock", "load", "--url", url, "--flow", "session", "--n", "1", "--server-pid", "-1"}, "--server-pid"},
		{"load: an argument", []string{"mock", "load", "--url", url, "--flow", "session", "--n", "1", "extra"}, "no arguments"},
		{"populate: no --url", []string{"mock", "populate", "--accounts", "1"}, "--url is required"},
		{"populate: no --accounts", []string{"mock", "populate", "--url", url}, "--accounts"},
		{"populate: --batch 0", []string{"mock", "populate", "--url", url, "--accounts", "1", "--batch", "0"}, "--batch"},
		{"populate: empty --seed", []string{"mock", "populate", "--url", url, "--accounts", "1", "--seed", ""}, "--seed"},
		{"populate: weak --password", []string{"mock", "populate", "--url", url, "--accounts", "1", "--password", "password"}, "--password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(t, tc.args...)
			assert.Equal(t, exitUsage, code, stderr)
			assert.Empty(t, stdout)
			assert.Contains(t, stderr, tc.want)
			assert.Contains(t, stderr, "Usage: esf mock")
		})
	}
}

// TestIdentities: identities are checksum-valid, distinct, reproducible
// from the seed and the index, and differ between seeds.
func TestIdentities(t *testing.T) {
	seen := map[string]int{}
	ids, err := identities("seed-a", 0, 5000)
	require.NoError(t, err)
	for i, id := range ids {
		_, err := esfreg.ParseIIN(id.IIN)
		require.NoError(t, err, "identity %d", i)
		info := esfreg.IIN(id.IIN).Info()
		assert.True(t, info.BirthDate.Before(time.Date(1998, 1, 1, 0, 0, 0, 0, time.UTC)), id.IIN)
		if j, dup := seen[id.IIN]; dup {
			t.Fatalf("identities %d and %d share IIN %s", j, i, id.IIN)
		}
		seen[id.IIN] = i
	}
	again, err := identityAt("seed-a", 4321)
	require.NoError(t, err)
	assert.Equal(t, ids[4321], again)
	other, err := identityAt("seed-b", 4321)
	require.NoError(t, err)
	assert.NotEqual(t, ids[4321].IIN, other.IIN)
	last, err := identityAt("seed-a", maxIdentity-1)
	require.NoError(t, err)
	_, err = esfreg.ParseIIN(last.IIN)
	require.NoError(t, err)
	_, err = identityAt("seed-a", maxIdentity)
	assert.Error(t, err)
}

// TestRunFlows: failures are counted and the first few printed; a
// deadline stops the run, and flows it cuts off are not failures.
func TestRunFlows(t *testing.T) {
	describe := func(k int, err error) string { return err.Error() }
	var stderr syncBuffer
	res := runFlows(context.Background(), 30, 3, func(_ context.Context, _, k int) error {
		if k%3 == 0 {
			return errors.New("refused")
		}
		return nil
	}, describe, &stderr)
	var rep loadReport
	res.fill(&rep)
	assert.Equal(t, 30, rep.Done)
	assert.Equal(t, 10, rep.Errors)
	assert.Equal(t, "refused", rep.FirstError)
	assert.Equal(t, errorsShown, strings.Count(stderr.String(), "refused\n"))
	assert.False(t, rep.TimedOut)

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	var started atomic.Int64
	res = runFlows(ctx, 1000, 2, func(ctx context.Context, _, _ int) error {
		started.Add(1)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
			return nil
		}
	}, describe, &stderr)
	rep = loadReport{}
	res.fill(&rep)
	assert.True(t, rep.TimedOut)
	assert.Zero(t, rep.Errors)
	assert.Less(t, rep.Done, 1000)
	assert.Less(t, int64(rep.Done), started.Load()+1)
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	assert.Equal(t, 50*time.Millisecond, percentile(d, 50))
	assert.Equal(t, 99*time.Millisecond, percentile(d, 99))
	assert.Equal(t, 100*time.Millisecond, percentile(d, 100))
	assert.Equal(t, time.Millisecond, percentile(d[:1], 99))
	assert.Zero(t, percentile(nil, 50))
}
