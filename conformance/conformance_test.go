package conformance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/conformance"
	"github.com/esfkit/esf/esfclient"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver"
)

// at is a Monday inside the committed fixtures' year: the in-process
// mock's clock, for a stable log.
var at = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

// (a) The suite against the mock in-process, controlled over its /_mock/
// routes like any other mock.
func TestConformanceInProcess(t *testing.T) {
	srv := mockserver.NewTestServer(t, mockserver.FixedClock(at))
	conformance.Run(t, conformance.NewHTTPTarget(srv.URL), conformance.Options{})
}

// (b) The suite against the "esf mock serve" binary, built and started on
// a free loopback port, on its own (real) clock, without any flag but
// --addr: the suite's identities pass the checksum and its key stores
// chain to the built-in test CAs.
func TestConformanceBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cmd/esf")
	}
	base := startBinary(t)
	conformance.Run(t, conformance.NewHTTPTarget(base), conformance.Options{})
}

// A mock someone already started (the vendor's CI snippet of the package
// documentation); skipped unless ESF_MOCK_URL names one.
func TestConformanceMockURL(t *testing.T) {
	conformance.Run(t, conformance.NewHTTPTarget(os.Getenv("ESF_MOCK_URL")), conformance.Options{})
}

// A real ESF test stand: only when ESF_TEST_STAND_URL names one (see
// conformance.StandFromEnv); nothing contacts a stand otherwise.
func TestConformanceStand(t *testing.T) {
	target, opts, ok := conformance.StandFromEnv()
	if !ok {
		t.Skipf("%s is not set: no real ESF test stand to run against", conformance.EnvStandURL)
	}
	conformance.Run(t, target, opts)
}

// Real-stand mode, rehearsed on the mock: a target without Control, an
// account registered beforehand and key store files, as a stand would have
// them. The scenarios that need a Control skip; the others run on the
// stand's account; nothing touches /_mock/.
func TestStandMode(t *testing.T) {
	srv := mockserver.NewTestServer(t) // on the real clock, as a stand is
	var controlCalls atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/_mock/") {
			controlCalls.Add(1)
		}
		srv.ServeHTTP(w, r)
	}))
	defer ts.Close()

	// The stand's account: a head registered beforehand, his key stores
	// on disk, and a revoked key store the stand's CRL lists.
	dir := t.TempDir()
	now := time.Now()
	ca, err := certstest.NewCA(certstest.Options{Now: func() time.Time { return now }, Rand: certstest.DeterministicRand(certstest.FixtureSeed)})
	require.NoError(t, err)
	gostCA, err := certstest.NewCA(certstest.Options{Now: func() time.Time { return now }, Algorithm: certs.AlgorithmGOST2015_512,
		Rand: certstest.DeterministicRand(certstest.FixtureGOSTSeed)})
	require.NoError(t, err)
	write := func(ca *certstest.CA, p certstest.Profile) (conformance.KeyStoreFile, *certs.KeyStore) {
		is, err := ca.Issue(p)
		require.NoError(t, err)
		path := filepath.Join(dir, is.FileName)
		require.NoError(t, os.WriteFile(path, is.PKCS12, 0o600))
		ks, err := certs.Open(is.PKCS12, is.PIN)
		require.NoError(t, err)
		return conformance.KeyStoreFile{Path: path, PIN: is.PIN}, ks
	}
	authFile, auth := write(ca, certstest.Profile{Kind: certstest.KindCEO, Usage: certs.UsageAuth})
	_, sign := write(ca, certstest.Profile{Kind: certstest.KindCEO, Usage: certs.UsageSign})
	revokedFile, _ := write(gostCA, certstest.Profile{Kind: certstest.KindIndividual, State: certstest.StateRevoked, IIN: certstest.TestIIN2})
	crlDER, err := gostCA.CRL()
	require.NoError(t, err)
	crl, err := certs.ParseCRL(crlDER)
	require.NoError(t, err)
	require.NoError(t, srv.AddCRL(crl))
	_, err = srv.SeedTaxpayer(esfreg.Taxpayer{TIN: certstest.TestBIN, NameRu: certstest.TestOrganization, Type: esfreg.EnterprisePrivate,
		Resident: true, EnterpriseAdministrator: certstest.TestIIN}, true)
	require.NoError(t, err)
	const pw = "Standpass2026"
	registerHead(t, srv, auth, sign, pw)

	conformance.Run(t, conformance.NewStandTarget(ts.URL), conformance.Options{Stand: &conformance.Stand{
		Auth: authFile, Password: pw, TIN: certstest.TestBIN, Revoked: &revokedFile,
	}})
	assert.Zero(t, controlCalls.Load(), "real-stand mode never calls the control API")
}

// registerHead registers a legal entity's head on srv with the client.
func registerHead(t *testing.T, srv *mockserver.TestServer, auth, sign *certs.KeyStore, pw string) {
	t.Helper()
	ctx := context.Background()
	c, err := esfclient.New(esfclient.Options{BaseURL: srv.URL, Now: srv.Now})
	require.NoError(t, err)
	res, err := c.Register(ctx, esfclient.Registration{Category: esfreg.LegalEntity, Key: sign, Signer: sign, Form: esfreg.Form{
		Email: "stand@example.kz", Password: pw, PasswordConfirmation: pw, ActingOnBasisOf: "Устава", Address: "г. Астана",
		IDDocumentNumber: "012345678", IDDocumentIssueDate: "14.03.2019", IDDocumentIssuer: "МВД РК"}})
	require.NoError(t, err)
	mails := srv.MailTo(res.Request.Email)
	require.NotEmpty(t, mails)
	_, err = c.CompleteRegistration(ctx, mails[len(mails)-1].Link, auth, pw)
	require.NoError(t, err)
}

// Every scenario is documented and needs what its name says.
func TestScenarios(t *testing.T) {
	names := map[string]bool{}
	for _, sc := range conformance.Scenarios() {
		assert.NotEmpty(t, sc.Doc, sc.Name)
		assert.Regexp(t, `^[a-z0-9-]+$`, sc.Name)
		assert.False(t, names[sc.Name], "duplicate %s", sc.Name)
		names[sc.Name] = true
	}
	for _, name := range []string{"individual", "entrepreneur", "legal-entity-two-agreements", "legal-entity-registered-person",
		"login-and-api-session", "change-of-head", "legal-entity-already-registered", "change-of-email", "password-reset",
		"auth-key-signs-agreement", "revoked-key"} {
		assert.True(t, names[name], "the flow %s of docs/domain.md has a scenario", name)
	}
}

// The mock's control API through HTTPControl, and ErrUnsupported from a
// server that has none.
func TestHTTPControl(t *testing.T) {
	srv := mockserver.NewTestServer(t, mockserver.FixedClock(at))
	ctl := conformance.NewHTTPControl(srv.URL, nil)
	ctx := context.Background()

	require.NoError(t, ctl.SetTime(ctx, at.Add(time.Hour)))
	now, err := ctl.Now(ctx)
	require.NoError(t, err)
	assert.True(t, now.Equal(at.Add(time.Hour)), "%s", now)
	require.NoError(t, ctl.Advance(ctx, 72*time.Hour))
	now, err = ctl.Now(ctx)
	require.NoError(t, err)
	assert.True(t, now.Equal(at.Add(73*time.Hour)), "%s", now)

	tp := esfreg.Taxpayer{TIN: "123456789021", NameRu: `АО "ТЕСТ"`, Type: esfreg.EnterprisePrivate, Resident: true, EnterpriseAdministrator: "123456789011"}
	require.NoError(t, ctl.SeedTaxpayer(ctx, tp, true))
	got, err := srv.Taxpayer(tp.TIN)
	require.NoError(t, err)
	assert.Equal(t, tp.NameRu, got.NameRu)

	mail, err := ctl.MailTo(ctx, "nobody@example.kz")
	require.NoError(t, err)
	assert.Empty(t, mail)
	_, err = ctl.Account(ctx, "123456789011")
	assert.ErrorIs(t, err, esfreg.ErrUserNotRegistered)
	assert.Error(t, ctl.AddCRL(ctx, []byte("not a CRL")))

	require.NoError(t, ctl.Reset(ctx))
	now, err = ctl.Now(ctx)
	require.NoError(t, err)
	assert.True(t, now.Equal(at), "reset puts the clock back: %s", now)

	bare := httptest.NewServer(http.NotFoundHandler())
	defer bare.Close()
	assert.ErrorIs(t, conformance.NewHTTPControl(bare.URL, nil).Reset(ctx), conformance.ErrUnsupported)
}

// (c) A mock with a rule broken makes the suite fail where it should. The
// suite runs in a subprocess (this test binary again, running
// TestBrokenRuleHelper), since a failed *testing.T cannot be contained.
func TestBrokenRulesFail(t *testing.T) {
	for _, name := range []string{"one-agreement", "reusable-reset-link"} {
		rule := brokenRules[name]
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestBrokenRuleHelper$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), brokenRuleEnv+"="+name)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, "the suite must fail against a mock whose rule is broken:\n%s", out)
			require.NoError(t, ctx.Err(), "the subprocess ran out of time")
			s := string(out)
			assert.Contains(t, s, "--- FAIL: TestBrokenRuleHelper/"+rule.scenario+" ", "the scenario of the broken rule fails")
			assert.Contains(t, s, rule.message, "and says why")
			assert.Contains(t, s, "--- PASS: TestBrokenRuleHelper/individual ", "what the rule does not touch still passes")
			failed := regexp.MustCompile(`--- FAIL: TestBrokenRuleHelper/(\S+)`).FindAllStringSubmatch(s, -1)
			var names []string
			for _, f := range failed {
				names = append(names, f[1])
			}
			t.Logf("with %q broken the suite fails in %v", name, names)
		})
	}
}

const brokenRuleEnv = "CONFORMANCE_BROKEN_RULE"

// brokenRules wrap the mock with one of its rules broken: what the
// failing scenario is, and a line of its failure.
var brokenRules = map[string]struct {
	wrap              func(http.Handler) http.Handler
	scenario, message string
}{
	// Step 2 shows a head not yet registered as an individual only the
	// legal entity's agreement, not the individual's as well.
	"one-agreement": {wrap: dropIndividualAgreement, scenario: "legal-entity-two-agreements",
		message: "step 3 asks to sign 1 agreement(s) [LEGAL_ENTITY], want 2 [INDIVIDUAL LEGAL_ENTITY]"},
	// A used reset link works again.
	"reusable-reset-link": {wrap: reusableResetLink, scenario: "password-reset",
		message: "the reset link used a second time: accepted, want the refusal TOKEN_USED «Ссылка уже использована»"},
}

// TestBrokenRuleHelper is TestBrokenRulesFail's subprocess: the suite
// against the mock with the rule $CONFORMANCE_BROKEN_RULE broken.
func TestBrokenRuleHelper(t *testing.T) {
	name := os.Getenv(brokenRuleEnv)
	if name == "" {
		t.Skip("runs as TestBrokenRulesFail's subprocess")
	}
	rule, ok := brokenRules[name]
	require.True(t, ok, name)
	srv, err := mockserver.New(mockserver.Options{Now: func() time.Time { return at }, AllowTestIdentities: true, BcryptCost: 4})
	require.NoError(t, err)
	ts := httptest.NewServer(rule.wrap(srv))
	defer ts.Close()
	// The 1,000-invoice paging scenario touches neither rule and takes
	// most of the suite's time; the run without a broken rule has it.
	conformance.Run(t, conformance.NewHTTPTarget(ts.URL), conformance.Options{Skip: []string{"invoice-updates-paging"}})
}

var formPath = regexp.MustCompile(`^/esf-web/ajax/registration/[^/]+/form$`)

// dropIndividualAgreement removes the individual's agreement from step 2's
// answer when it lists two.
func dropIndividualAgreement(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !formPath.MatchString(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		var ans struct {
			Agreements []struct {
				Kind     string `json:"kind"`
				Title    string `json:"title"`
				Document string `json:"document"`
			} `json:"agreements"`
		}
		if rec.Code == http.StatusOK && json.Unmarshal(body, &ans) == nil && len(ans.Agreements) == 2 {
			kept := ans.Agreements[:0]
			for _, a := range ans.Agreements {
				if a.Kind != "INDIVIDUAL" {
					kept = append(kept, a)
				}
			}
			ans.Agreements = kept
			body, _ = json.Marshal(ans)
		}
		w.Header().Set("Content-Type", rec.Header().Get("Content-Type"))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
}

// reusableResetLink answers a reset by a used link as if it worked.
func reusableResetLink(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, mockserver.ResetLinkPath) {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		if bytes.Contains(rec.Body.Bytes(), []byte(esfreg.CodeTokenUsed)) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"success":true}`)
			return
		}
		w.Header().Set("Content-Type", rec.Header().Get("Content-Type"))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// startBinary builds cmd/esf, runs "esf mock serve --addr 127.0.0.1:0"
// and returns its base URL; the test's end stops it (SIGINT, then kill).
func startBinary(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "esf")
	bctx, bcancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer bcancel()
	// Built with the test's own -race setting, the binary reuses the
	// packages go test has just compiled: no cold build of the whole tree.
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.CommandContext(bctx, "go", append(args, "github.com/esfkit/esf/cmd/esf")...)
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build ./cmd/esf:\n%s", out)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	cmd := exec.CommandContext(ctx, bin, "mock", "serve", "--addr", "127.0.0.1:0", "--log-level", "warn")
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	var stdout, stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cancel()       // SIGINT; SIGKILL after WaitDelay
		_ = cmd.Wait() // the context's error, once it is cancelled
		t.Logf("esf mock serve stopped: %v", cmd.ProcessState)
		if t.Failed() {
			t.Logf("its standard error:\n%s", stderr.String())
		}
	})
	listening := regexp.MustCompile(`(?m)^listening on (http://127\.0\.0\.1:\d+)$`)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := listening.FindStringSubmatch(stdout.String()); m != nil {
			return m[1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("esf mock serve did not say where it listens in 30 s; output:\n%s\n%s", stdout.String(), stderr.String())
	return ""
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
