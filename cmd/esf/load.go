package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/certs/gost"
	"github.com/esfkit/esf/esfclient"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver"
)

// mockLoadAbout is the help of "esf mock load" after its synopsis.
const mockLoadAbout = `Drives complete ESF flows against a running mock (esf mock serve, yours or
a sandbox's) from C workers at once, and prints one JSON line on standard
output:
  {"flow":"session","n":2000,"c":8,"done":2000,"errors":0,"per_second":…,
   "p50_ms":…,"p99_ms":…,"max_ms":…,"requests":…,"req_p50_ms":…,
   "req_p99_ms":…,"elapsed_s":…,"prep_s":…,"setup_s":…,"alg":"rsa",
   "seed":"…","from":0}
per_second is the flows that succeeded per second of the timed phase;
p50_ms, p99_ms and max_ms are over the latency of each flow that
succeeded, as the client sees it; req_p50_ms and req_p99_ms over each of
the timed phase's HTTP requests (a flow makes several). Nothing before the timed phase is timed:
prep_s is the client-side key issuance (a certificate per key store, from
certstest's CAs), setup_s the control API work and the accounts the session
flow needs. first_error holds the first failure; the first five are also
printed on standard error as they happen. With --server-pid PID (a mock on
this Linux machine) server_cpu_s, server_cpu_ms_per_flow and client_cpu_s
add the CPU time (utime+stime, from /proc) the mock and esf spent in the
timed phase: the fair figure on a small or shared machine, where client
and server take turns on the same cores.

--flow registration: each flow registers a new individual (individuals
only): step 1 with his AUTH key, the form, the agreement signed with his
SIGN key, the e-mailed link read through the control API (GET /_mock/mail),
and the first log-in that completes the registration — 8 HTTP calls and 3
signatures. Each person has a fresh checksum-valid IIN, and a key store
issued by certstest's CAs with the fixtures' seeds — the CAs the mock trusts
by default (not with --trust) — valid from the mock's clock. His register
record is published beforehand, in batches (setup_s).

--flow session: SOAP session cycles — createAuthTicket, the ticket signed,
createSessionSigned (with the UsernameToken), currentUser, closeSession —
each worker with an account of its own (ESF allows one open session per
user). The C accounts are registered first through the registration flow,
untimed; with --populated the accounts of esf mock populate are used
instead: identities --from … --from+C-1 of --seed, with --password. Each
worker runs one untimed cycle first, closing a session left open.

--flow invoice: each flow uploads --batch invoices (syncInvoice) and polls
queryInvoiceSummaryById every 20 ms until every one has its registration
number — the upload, the mock's processing step (the certificate, the
signature, the register) and the polls. Each of C sellers is an
entrepreneur (a VAT payer) with an account, registered through the
control API's import, in an API session opened with his key; flow k is
seller k mod C's, to one customer (identity C). The invoices are built and
signed (invoice.Sign with the seller's key: --alg gost for GOST 2015) before
the timed phase (prep_s); the mock's processing timing is set to none
(POST /_mock/invoice-timing) so that an invoice is due at once.
invoices and server_cpu_ms_per_invoice count the invoices.

Identities: identity i of a seed is a person with a checksum-valid IIN
derived from the seed and i alone, so that populate and load agree on it.
Without --seed a random seed is drawn (printed in the JSON), and identities
that already have an account are refused (another seed is drawn). RSA key
stores (--alg rsa) reuse certstest's sixteen pooled RSA 2048 keys under
each person's own certificates (generating keys costs ~0.1 s each); GOST
keys (--alg gost) are derived from the seed and the index.

The mock's control API must answer: it does for loopback clients of a mock
on loopback; elsewhere give its token (--control-token, or
$` + envControlToken + `).

Exit status: 0 every flow ran and succeeded; 1 a flow failed, the timeout
ended the run before --n flows, the mock was unreachable or refused the
setup (the JSON line is still printed once the timed phase began); 2 a
usage error.
`

// mockPopulateAbout is the help of "esf mock populate" after its synopsis.
const mockPopulateAbout = `Fills a mock with N registered individuals at once, through the control
API's bulk import (POST /_mock/accounts): no registration steps, signatures
or e-mails, one bcrypt hash per batch (the accounts share --password), the
each batch one transaction. It prints one JSON line:
  {"accounts":10000,"seed":"esf-populate","from":0,"first_iin":"…",
   "last_iin":"…","password":"…","batches":10,"elapsed_s":…,
   "per_second":…,"prep_s":…}
elapsed_s and per_second cover the import calls; prep_s is building them.
With --server-pid PID (a mock on this Linux machine) server_cpu_s,
server_cpu_ms_per_account and client_cpu_s add the CPU time the mock and
esf spent importing.

The accounts are identities --from … --from+N-1 of --seed, as esf mock load
derives them: each has his register record (an individual), an INDIVIDUAL
profile, the e-mail load-IIN@example.kz and --password. Log in as one with
any AUTH key store certstest issues for his IIN (GET /_mock/keystore?iin=…
gives one), or drive them with
  esf mock load --flow session --populated --seed SEED --from FROM --c C …
An import refused (an IIN that has an account already, a password the
policy refuses) adds nothing of its batch; the batches before it stay.

Exit status: 0 all added; 1 the mock was unreachable or refused a batch; 2 a
usage error.
`

// Defaults shared by esf mock load and esf mock populate.
const (
	// envControlToken names the control token when --control-token is not
	// given, as the examples and the conformance suite read it.
	envControlToken = "ESF_MOCK_CONTROL_TOKEN"
	// defaultPopulateSeed is populate's seed, and load's with --populated.
	defaultPopulateSeed = "esf-populate"
	// defaultSandboxPassword is the populated accounts' password, and the
	// password of the accounts esf mock load registers.
	defaultSandboxPassword = "Sandbox2026x"
	// identitiesPerDay is how many identities share a birth date.
	identitiesPerDay = 1000
	// maxIdentity bounds an identity's index: 10,000 birth dates.
	maxIdentity = 10_000_000
	// maxWorkers bounds --c.
	maxWorkers = 1024
	// seedBatch is how many register records one control call publishes.
	seedBatch = 1000
	// errorsShown is how many failures are printed as they happen.
	errorsShown = 5
)

// identity is a person esf mock load and populate work with: identity
// Index of a seed.
type identity struct {
	Index                          int
	IIN                            string
	Surname, FirstName, Patronymic string
}

// identityAt returns identity i of seed: born on a date the seed and i
// give (1940–1997; identitiesPerDay per date, from an offset the seed
// gives), of the seed's sex, with the first serial of its block of ten that
// a check digit fits. Distinct indexes give distinct IINs.
func identityAt(seed string, i int) (identity, error) {
	if i < 0 || i >= maxIdentity {
		return identity{}, fmt.Errorf("identity %d: want 0..%d", i, maxIdentity-1)
	}
	h := sha256.Sum256([]byte("esf mock identities\x00" + seed))
	baseDay := int(binary.BigEndian.Uint32(h[0:4]) % (30 * 365))
	k := i + int(binary.BigEndian.Uint32(h[4:8])%identitiesPerDay)
	birth := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, baseDay+k/identitiesPerDay)
	id := identity{Index: i, Surname: "НАГРУЗОВ", FirstName: "ТЕСТ", Patronymic: "ТЕСТОВИЧ"}
	sex := esfreg.SexMale
	if h[8]&1 == 1 {
		sex = esfreg.SexFemale
		id.Surname, id.FirstName, id.Patronymic = "НАГРУЗОВА", "ТЕСТА", "ТЕСТОВНА"
	}
	slot := k % identitiesPerDay
	for j := range 10 {
		if iin, err := esfreg.NewIIN(birth, sex, slot*10+j); err == nil {
			id.IIN = string(iin)
			return id, nil
		}
	}
	return identity{}, fmt.Errorf("identity %d of seed %q: no check digit fits serials %d..%d of %s", i, seed, slot*10, slot*10+9, birth.Format(time.DateOnly))
}

// identities returns identities from..from+n-1 of seed.
func identities(seed string, from, n int) ([]identity, error) {
	out := make([]identity, n)
	for k := range out {
		var err error
		if out[k], err = identityAt(seed, from+k); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (id identity) fullName() string { return id.Surname + " " + id.FirstName + " " + id.Patronymic }
func (id identity) email() string    { return "load-" + id.IIN + "@example.kz" }

// loadAddress is the address of every identity.
const loadAddress = "г. Астана, ул. Бейбітшілік, 10"

// taxpayer is the identity's register record: an individual.
func (id identity) taxpayer() esfreg.Taxpayer {
	return esfreg.Taxpayer{TIN: id.IIN, LastNameRu: id.Surname, FirstNameRu: id.FirstName, MiddleNameRu: id.Patronymic,
		Type: esfreg.EnterpriseIndividual, Resident: true, AddressRu: loadAddress}
}

// form is what the person types into the registration form.
func (id identity) form(password string) esfreg.Form {
	return esfreg.Form{Email: id.email(), Password: password, PasswordConfirmation: password, Address: loadAddress,
		IDDocumentNumber: "0" + id.IIN[4:12], IDDocumentIssueDate: "14.03.2019", IDDocumentIssuer: "МВД РК"}
}

// accountImport is the identity's account for POST /_mock/accounts.
func (id identity) accountImport(password string) mockserver.AccountImport {
	f := id.form(password)
	return mockserver.AccountImport{IIN: id.IIN, Email: f.Email, Password: password, FullName: id.fullName(), Address: f.Address,
		IDDocumentNumber: f.IDDocumentNumber, IDDocumentIssueDate: f.IDDocumentIssueDate, IDDocumentIssuer: f.IDDocumentIssuer,
		Taxpayers: []esfreg.Taxpayer{id.taxpayer()}}
}

// sandbox is a running mock: its control API, an HTTP client for C
// workers, and its clock.
type sandbox struct {
	base  string
	ctl   *mockserver.ControlClient
	hc    *http.Client
	timed *timedTransport
	// now estimates the mock's clock: its time when read, run on by ours.
	now func() time.Time
	// at is the mock's time when read.
	at time.Time
}

// dialSandbox connects to the mock at base and reads its clock.
func dialSandbox(ctx context.Context, base, token string, conns int) (*sandbox, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 2*conns + 8
	tr.MaxIdleConnsPerHost = 2*conns + 8
	timed := &timedTransport{next: tr}
	hc := &http.Client{Transport: timed, Timeout: time.Minute}
	ctl, err := mockserver.NewControlClient(base, mockserver.ControlClientOptions{Token: token, HTTPClient: hc})
	if err != nil {
		return nil, err
	}
	at, err := ctl.Now(ctx)
	if err != nil {
		return nil, fmt.Errorf("the mock's control API (GET /_mock/clock): %w", err)
	}
	read := time.Now()
	return &sandbox{base: base, ctl: ctl, hc: hc, timed: timed, at: at, now: func() time.Time { return at.Add(time.Since(read)) }}, nil
}

// timedTransport records the latency of each request while on: from
// sending the request to reading the answer's headers, as a client of the
// mock sees one call.
type timedTransport struct {
	next http.RoundTripper
	on   atomic.Bool
	mu   sync.Mutex
	d    []time.Duration
}

func (t *timedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if !t.on.Load() {
		return t.next.RoundTrip(r)
	}
	start := time.Now()
	resp, err := t.next.RoundTrip(r)
	d := time.Since(start)
	t.mu.Lock()
	t.d = append(t.d, d)
	t.mu.Unlock()
	return resp, err
}

// record starts recording; the func it returns stops and gives the
// latencies, sorted.
func (t *timedTransport) record() func() []time.Duration {
	t.mu.Lock()
	t.d = nil
	t.mu.Unlock()
	t.on.Store(true)
	return func() []time.Duration {
		t.on.Store(false)
		t.mu.Lock()
		defer t.mu.Unlock()
		slices.Sort(t.d)
		return t.d
	}
}

// client returns an esfclient.Client of the mock on the mock's clock.
func (sb *sandbox) client() (*esfclient.Client, error) {
	return esfclient.New(esfclient.Options{BaseURL: sb.base, HTTPClient: sb.hc, Now: sb.now})
}

// publish puts the identities' register records in the register, visible
// at once, in batches.
func (sb *sandbox) publish(ctx context.Context, ids []identity) error {
	for start := 0; start < len(ids); start += seedBatch {
		batch := make([]esfreg.Taxpayer, 0, seedBatch)
		for _, id := range ids[start:min(start+seedBatch, len(ids))] {
			batch = append(batch, id.taxpayer())
		}
		if _, err := sb.ctl.SeedTaxpayers(ctx, true, batch...); err != nil {
			return fmt.Errorf("publishing the register records (POST /_mock/taxpayers): %w", err)
		}
	}
	return nil
}

// accounts reports, for each identity, whether it has an account, asking
// with conns calls at once.
func (sb *sandbox) accounts(ctx context.Context, ids []identity, conns int) ([]bool, error) {
	has := make([]bool, len(ids))
	err := parallel(ctx, len(ids), conns, func(ctx context.Context, _, k int) error {
		_, err := sb.ctl.Account(ctx, ids[k].IIN)
		switch {
		case err == nil:
			has[k] = true
		case !errors.Is(err, esfreg.ErrUserNotRegistered):
			return fmt.Errorf("reading the account of %s (GET /_mock/accounts/%s): %w", ids[k].IIN, ids[k].IIN, err)
		}
		return nil
	})
	return has, err
}

// parallel runs f(ctx, worker, k) for k in 0..n-1 on workers goroutines
// and returns the first error, which stops the rest.
func parallel(ctx context.Context, n, workers int, f func(ctx context.Context, worker, k int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range min(workers, n) {
		wg.Go(func() {
			for ctx.Err() == nil {
				k := int(next.Add(1)) - 1
				if k >= n {
					return
				}
				if err := f(ctx, w, k); err != nil {
					cancel(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return ctx.Err()
}

// keyPair is a person's key stores: AUTH and SIGN (RSA), or one GOST key
// store that does both.
type keyPair struct{ auth, sign *certs.KeyStore }

// issuer issues key stores from a certstest CA with the fixtures' seed at
// the mock's time: the mock's default CA, to the key. One per worker: a
// CA issues one key store at a time.
type issuer struct {
	ca   *certstest.CA
	gost bool
	seed string
	pool []*rsa.PrivateKey // certstest's pooled keys, as Issue hands them out
}

func newIssuer(at time.Time, alg, seed string) (*issuer, error) {
	clock := func() time.Time { return at }
	opts := certstest.Options{Now: clock, Rand: certstest.DeterministicRand(certstest.FixtureSeed)}
	if alg == "gost" {
		opts.Algorithm, opts.Rand = certs.AlgorithmGOST2015_512, certstest.DeterministicRand(certstest.FixtureGOSTSeed)
	}
	ca, err := certstest.NewCA(opts)
	if err != nil {
		return nil, err
	}
	return &issuer{ca: ca, gost: alg == "gost", seed: seed}, nil
}

// poolSize is how many keys certstest's pool holds; a CA generates fresh
// (slow) keys after them.
const poolSize = 16

// issue issues id's key stores: AUTH, and SIGN when sign is set (RSA); one
// GOST key store for both.
func (is *issuer) issue(id identity, sign bool) (keyPair, error) {
	p := certstest.Profile{Kind: certstest.KindIndividual, IIN: id.IIN, Surname: id.Surname, FirstName: id.FirstName, Patronymic: id.Patronymic}
	if is.gost {
		d := sha512.Sum512([]byte(is.seed + "\x00" + strconv.Itoa(id.Index)))
		d[0] = 0 // below the curve's order
		d[63] |= 1
		k, err := gost.NewPrivateKey(gost.CurveTC26512A, d[:])
		if err != nil {
			return keyPair{}, err
		}
		p.GOSTKey, p.Usage = k, certs.UsageAuth|certs.UsageSign
		ks, err := is.keyStore(p)
		return keyPair{auth: ks, sign: ks}, err
	}
	var kp keyPair
	var err error
	p.Usage = certs.UsageAuth
	if kp.auth, err = is.keyStore(p); err != nil || !sign {
		return kp, err
	}
	p.Usage = certs.UsageSign
	kp.sign, err = is.keyStore(p)
	return kp, err
}

// keyStore issues one key store, with the next pooled RSA key.
func (is *issuer) keyStore(p certstest.Profile) (*certs.KeyStore, error) {
	if !is.gost && len(is.pool) == poolSize {
		p.Key = is.pool[0]
		is.pool = append(is.pool[1:], p.Key)
	}
	iss, err := is.ca.Issue(p)
	if err != nil {
		return nil, fmt.Errorf("issuing a key store for %s: %w", p.IIN, err)
	}
	if !is.gost && len(is.pool) < poolSize {
		is.pool = append(is.pool, iss.PrivateKey.(*rsa.PrivateKey))
	}
	return &certs.KeyStore{PrivateKey: iss.PrivateKey, Certificate: iss.Certificate}, nil
}

// issueAll issues the identities' key stores on every core.
func issueAll(ctx context.Context, ids []identity, at time.Time, alg, seed string, sign bool) ([]keyPair, error) {
	workers := min(runtime.GOMAXPROCS(0), len(ids))
	issuers := make([]*issuer, workers)
	for w := range issuers {
		var err error
		if issuers[w], err = newIssuer(at, alg, seed); err != nil {
			return nil, err
		}
	}
	out := make([]keyPair, len(ids))
	err := parallel(ctx, len(ids), workers, func(_ context.Context, w, k int) error {
		var err error
		out[k], err = issuers[w].issue(ids[k], sign)
		return err
	})
	return out, err
}

// registerOne registers id as an individual: the four steps, the e-mailed
// link, and the log-in that completes the registration.
func registerOne(ctx context.Context, c *esfclient.Client, ctl *mockserver.ControlClient, id identity, kp keyPair, password string) error {
	res, err := c.Register(ctx, esfclient.Registration{Category: esfreg.Individual, Key: kp.auth, Signer: kp.sign, Form: id.form(password)})
	if err != nil {
		return fmt.Errorf("registration steps 1–4: %w", err)
	}
	mail, err := ctl.MailTo(ctx, res.Request.Email)
	if err != nil {
		return fmt.Errorf("reading the e-mail (GET /_mock/mail): %w", err)
	}
	link := ""
	for _, m := range slices.Backward(mail) {
		if strings.Contains(m.Link, esfreg.RegistrationLinkPath) {
			link = m.Link
			break
		}
	}
	if link == "" {
		return fmt.Errorf("no registration link e-mailed to %s", res.Request.Email)
	}
	if _, err := c.CompleteRegistration(ctx, link, kp.auth, password); err != nil {
		return fmt.Errorf("the e-mailed link and the first log-in: %w", err)
	}
	return nil
}

// sessionCycle opens an API session, asks who is logged in and closes it;
// a session opened is closed even when currentUser fails.
func sessionCycle(ctx context.Context, c *esfclient.Client, kp keyPair, iin, password string, closeOpen bool) error {
	s, err := c.OpenSession(ctx, esfclient.SessionRequest{Key: kp.auth, Password: password, TIN: iin, CloseOpenSession: closeOpen})
	if err != nil {
		return fmt.Errorf("createAuthTicket and createSessionSigned: %w", err)
	}
	u, err := s.CurrentUser(ctx)
	if err == nil && u.Login != iin {
		err = fmt.Errorf("currentUser answered login %q, want %s", u.Login, iin)
	} else if err != nil {
		err = fmt.Errorf("currentUser: %w", err)
	}
	if _, cerr := s.Close(ctx); cerr != nil && err == nil {
		err = fmt.Errorf("closeSession: %w", cerr)
	}
	return err
}

// loadReport is the JSON line esf mock load prints.
type loadReport struct {
	Flow      string  `json:"flow"`
	N         int     `json:"n"`
	C         int     `json:"c"`
	Done      int     `json:"done"`
	Errors    int     `json:"errors"`
	PerSecond float64 `json:"per_second"`
	P50       float64 `json:"p50_ms"`
	P99       float64 `json:"p99_ms"`
	// Requests is how many HTTP requests the timed phase made; ReqP50 and
	// ReqP99 are over each one's latency (a flow makes several).
	Requests  int     `json:"requests"`
	ReqP50    float64 `json:"req_p50_ms"`
	ReqP99    float64 `json:"req_p99_ms"`
	Max       float64 `json:"max_ms"`
	Elapsed   float64 `json:"elapsed_s"`
	Prep      float64 `json:"prep_s"`
	Setup     float64 `json:"setup_s"`
	Alg       string  `json:"alg"`
	Seed      string  `json:"seed"`
	From      int     `json:"from"`
	Populated bool    `json:"populated,omitempty"`
	// Batch and Invoices: the invoice flow's invoices per flow and in all.
	Batch      int    `json:"batch,omitempty"`
	Invoices   int    `json:"invoices,omitempty"`
	TimedOut   bool   `json:"timed_out,omitempty"`
	FirstError string `json:"first_error,omitempty"`
	// With --server-pid: the CPU time the mock and this process spent in
	// the timed phase.
	ServerCPU        *float64 `json:"server_cpu_s,omitempty"`
	ServerCPUPerFlow *float64 `json:"server_cpu_ms_per_flow,omitempty"`
	// ServerCPUPerInvoice is the invoice flow's server CPU per invoice
	// registered.
	ServerCPUPerInvoice *float64 `json:"server_cpu_ms_per_invoice,omitempty"`
	ClientCPU           *float64 `json:"client_cpu_s,omitempty"`
}

// loadConfig is what the flags of esf mock load ask for.
type loadConfig struct {
	url, flow, alg, seed, token, password string
	n, c, from, serverPID, batch          int
	timeout                               time.Duration
	populated                             bool
}

// parseSandboxURL checks a --url.
func parseSandboxURL(raw string) error {
	if raw == "" {
		return fmt.Errorf("%w: --url is required: the mock's base URL, such as http://127.0.0.1:8080", errUsage)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return fmt.Errorf("%w: --url %q: want the mock's base URL, such as http://127.0.0.1:8080", errUsage, raw)
	}
	return nil
}

// checkPassword checks a --password against ESF's policy.
func checkPassword(pw string) error {
	if err := esfreg.CheckPassword(pw, ""); err != nil {
		var e *esfreg.Error
		if errors.As(err, &e) {
			return fmt.Errorf("%w: --password: %s (%s): letters and digits, at least 8, rated Средний or better", errUsage, e.Message, e.Code)
		}
		return fmt.Errorf("%w: --password: %w", errUsage, err)
	}
	return nil
}

// controlToken is --control-token, else $ESF_MOCK_CONTROL_TOKEN.
func controlToken(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	return os.Getenv(envControlToken)
}

func parseMockLoad(fs *flagSet, args []string) (*loadConfig, error) {
	cfg := &loadConfig{}
	fs.StringVar(&cfg.url, "url", "", "the mock's base `URL`, such as http://127.0.0.1:8080 (required)")
	fs.StringVar(&cfg.flow, "flow", "", "the `flow`: registration, session or invoice (required)")
	fs.IntVar(&cfg.batch, "batch", 1, "invoice flow: invoices per syncInvoice, `B` (1..1000)")
	fs.IntVar(&cfg.n, "n", 0, "how many flows to run in all, `N` ≥ 1 (required)")
	fs.IntVar(&cfg.c, "c", 1, "how many workers run flows at once, `C` (1..1024); the session flow uses C accounts")
	fs.DurationVar(&cfg.timeout, "timeout", 5*time.Minute, "stop after this `duration`, whatever is done (the run is then a failure)")
	fs.StringVar(&cfg.alg, "alg", "rsa", "the key stores' `algorithm`: rsa (AUTH_RSA256_ and RSA256_) or gost (GOST512_, one key for both)")
	fs.StringVar(&cfg.seed, "seed", "", "the identities' `seed`; default: a random one, or "+strconv.Quote(defaultPopulateSeed)+" with --populated")
	fs.IntVar(&cfg.from, "from", 0, "the first identity's `index` (0..9999999)")
	fs.BoolVar(&cfg.populated, "populated", false, "session flow: use the accounts esf mock populate made (identities --from … --from+C-1 of --seed) instead of registering C")
	fs.StringVar(&cfg.password, "password", defaultSandboxPassword, "the accounts' `password`: of the accounts registered, or the populated ones'")
	fs.StringVar(&cfg.token, "control-token", "", "the control API's bearer `TOKEN`; default: $"+envControlToken+", else none (a mock on loopback needs none)")
	fs.IntVar(&cfg.serverPID, "server-pid", 0, "the mock's process `ID` on this machine (Linux): report the CPU time it and esf spent in the timed phase, from /proc")
	rest, err := fs.parse(args)
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 {
		return nil, fmt.Errorf("%w: esf mock load takes no arguments, got %q", errUsage, rest)
	}
	if err := parseSandboxURL(cfg.url); err != nil {
		return nil, err
	}
	switch {
	case cfg.flow == "":
		return nil, fmt.Errorf("%w: --flow is required: registration, session or invoice", errUsage)
	case cfg.flow != "registration" && cfg.flow != "session" && cfg.flow != "invoice":
		return nil, fmt.Errorf("%w: --flow %q: want registration, session or invoice", errUsage, cfg.flow)
	case cfg.batch < 1 || cfg.batch > maxBatch:
		return nil, fmt.Errorf("%w: --batch %d: want 1..%d invoices a syncInvoice", errUsage, cfg.batch, maxBatch)
	case cfg.n < 1 || cfg.n > maxIdentity:
		return nil, fmt.Errorf("%w: --n %d: want 1..%d flows (--n is required)", errUsage, cfg.n, maxIdentity)
	case cfg.c < 1 || cfg.c > maxWorkers:
		return nil, fmt.Errorf("%w: --c %d: want 1..%d workers", errUsage, cfg.c, maxWorkers)
	case cfg.timeout <= 0:
		return nil, fmt.Errorf("%w: --timeout %s: want a positive duration such as 5m", errUsage, cfg.timeout)
	case cfg.alg != "rsa" && cfg.alg != "gost":
		return nil, fmt.Errorf("%w: --alg %q: want rsa or gost", errUsage, cfg.alg)
	case cfg.populated && cfg.flow != "session":
		return nil, fmt.Errorf("%w: --populated is for --flow session (a registration needs identities without an account)", errUsage)
	}
	fresh := identitiesOf(cfg)
	if cfg.from < 0 || cfg.from+fresh > maxIdentity {
		return nil, fmt.Errorf("%w: --from %d: identities %d..%d do not fit in 0..%d", errUsage, cfg.from, cfg.from, cfg.from+fresh-1, maxIdentity-1)
	}
	if err := checkPassword(cfg.password); err != nil {
		return nil, err
	}
	if err := checkPID(cfg.serverPID); err != nil {
		return nil, err
	}
	if cfg.seed == "" && cfg.populated {
		cfg.seed = defaultPopulateSeed
	}
	cfg.token = controlToken(cfg.token)
	return cfg, nil
}

// mockLoad implements "esf mock load".
func mockLoad(ctx context.Context, fs *flagSet, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseMockLoad(fs, args)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	sb, err := dialSandbox(ctx, cfg.url, cfg.token, cfg.c)
	if err != nil {
		return err
	}
	c, err := sb.client()
	if err != nil {
		return err
	}
	rep := &loadReport{Flow: cfg.flow, N: cfg.n, C: cfg.c, Alg: cfg.alg, From: cfg.from, Populated: cfg.populated}

	// Untimed: the identities, their key stores, their register records,
	// and the session flow's accounts.
	count := identitiesOf(cfg)
	setupStart := time.Now()
	ids, err := loadIdentities(ctx, sb, cfg, count)
	if err != nil {
		return err
	}
	rep.Seed = cfg.seed
	setup := time.Since(setupStart)
	prepStart := time.Now()
	keys, err := issueAll(ctx, ids, sb.at, cfg.alg, cfg.seed, !cfg.populated)
	if err != nil {
		return fmt.Errorf("issuing key stores: %w", err)
	}
	rep.Prep = seconds(time.Since(prepStart))
	setupStart = time.Now()
	if !cfg.populated && cfg.flow != "invoice" {
		if err := sb.publish(ctx, ids); err != nil {
			return err
		}
	}
	var flow func(ctx context.Context, worker, k int) error
	switch cfg.flow {
	case "registration":
		flow = func(ctx context.Context, _, k int) error {
			return registerOne(ctx, c, sb.ctl, ids[k], keys[k], cfg.password)
		}
	case "session":
		if !cfg.populated {
			err := parallel(ctx, len(ids), cfg.c, func(ctx context.Context, _, k int) error {
				if err := registerOne(ctx, c, sb.ctl, ids[k], keys[k], cfg.password); err != nil {
					return fmt.Errorf("registering the account of worker %d (%s): %w", k, ids[k].IIN, err)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		// One untimed cycle each, closing a session a crashed run left.
		err := parallel(ctx, len(ids), cfg.c, func(ctx context.Context, _, k int) error {
			if err := sessionCycle(ctx, c, keys[k], ids[k].IIN, cfg.password, true); err != nil {
				return fmt.Errorf("the first session of worker %d (%s): %w", k, ids[k].IIN, err)
			}
			return nil
		})
		if err != nil {
			return err
		}
		flow = func(ctx context.Context, worker, _ int) error {
			return sessionCycle(ctx, c, keys[worker], ids[worker].IIN, cfg.password, false)
		}
	case "invoice":
		rep.Batch = cfg.batch
		var prep time.Duration
		flow, prep, err = invoiceFlow(ctx, sb, c, cfg, ids, keys)
		if err != nil {
			return err
		}
		rep.Prep = seconds(time.Duration(rep.Prep*float64(time.Second)) + prep)
		setup -= prep
	}
	rep.Setup = seconds(setup + time.Since(setupStart))

	cpu, err := startCPU(cfg.serverPID)
	if err != nil {
		return err
	}
	stopTiming := sb.timed.record()
	res := runFlows(ctx, cfg.n, cfg.c, flow, func(k int, err error) string {
		who := ids[min(k, len(ids)-1)]
		switch cfg.flow {
		case "session":
			return fmt.Sprintf("session cycle %d: %v", k, err)
		case "invoice":
			return fmt.Sprintf("invoice flow %d (seller %s): %v", k, ids[k%cfg.c].IIN, err)
		}
		return fmt.Sprintf("registration %d (IIN %s): %v", k, who.IIN, err)
	}, stderr)
	reqs := stopTiming()
	res.fill(rep)
	if cfg.flow == "invoice" {
		rep.Invoices = (rep.Done - rep.Errors) * cfg.batch
	}
	rep.Requests, rep.ReqP50, rep.ReqP99 = len(reqs), millis(percentile(reqs, 50)), millis(percentile(reqs, 99))
	if cpu != nil {
		server, client, err := cpu.stop()
		if err != nil {
			return err
		}
		rep.ServerCPU, rep.ClientCPU = ptr(seconds(server)), ptr(seconds(client))
		if rep.Done > 0 {
			rep.ServerCPUPerFlow = ptr(round2(float64(server) / float64(time.Millisecond) / float64(rep.Done)))
		}
		if rep.Invoices > 0 {
			rep.ServerCPUPerInvoice = ptr(round2(float64(server) / float64(time.Millisecond) / float64(rep.Invoices)))
		}
	}
	line, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(stdout, "%s\n", line); err != nil {
		return err
	}
	switch {
	case rep.Errors > 0:
		return fmt.Errorf("%d of %d flows failed; the first: %s", rep.Errors, rep.Done, rep.FirstError)
	case rep.TimedOut:
		return fmt.Errorf("--timeout %s ended the run after %d of %d flows", cfg.timeout, rep.Done, cfg.n)
	}
	return nil
}

// loadIdentities picks the identities of a run: fresh ones, without an
// account (drawing another random seed when --seed is not given and one
// has an account), or the populated accounts, which must exist.
func loadIdentities(ctx context.Context, sb *sandbox, cfg *loadConfig, count int) ([]identity, error) {
	random := cfg.seed == ""
	for attempt := 0; ; attempt++ {
		if random {
			b := make([]byte, 8)
			if _, err := rand.Read(b); err != nil {
				return nil, err
			}
			cfg.seed = hex.EncodeToString(b)
		}
		ids, err := identities(cfg.seed, cfg.from, count)
		if err != nil {
			return nil, err
		}
		has, err := sb.accounts(ctx, ids, cfg.c)
		if err != nil {
			return nil, err
		}
		k := slices.Index(has, !cfg.populated)
		switch {
		case k < 0:
			return ids, nil
		case cfg.populated:
			return nil, fmt.Errorf("identity %d of seed %q (IIN %s) has no account: --populated uses identities %d..%d, which esf mock populate --url %s --seed %s --accounts N (with --from) adds",
				ids[k].Index, cfg.seed, ids[k].IIN, cfg.from, cfg.from+count-1, cfg.url, cfg.seed)
		case !random || attempt == 4:
			return nil, fmt.Errorf("identity %d of seed %q (IIN %s) has an account already: give another --seed or --from", ids[k].Index, cfg.seed, ids[k].IIN)
		}
	}
}

// runResult is what the timed phase measured.
type runResult struct {
	latencies []time.Duration // of the flows that succeeded
	errors    int
	first     string
	elapsed   time.Duration
	timedOut  bool
}

// runFlows runs flows 0..n-1 on c workers until all are done or ctx ends;
// a flow cut off by ctx is neither a success nor an error. The first
// errorsShown failures are printed to stderr as they happen, described
// by describe.
func runFlows(ctx context.Context, n, c int, flow func(ctx context.Context, worker, k int) error, describe func(k int, err error) string, stderr io.Writer) runResult {
	var mu sync.Mutex
	var res runResult
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := range c {
		wg.Go(func() {
			var mine []time.Duration
			defer func() {
				mu.Lock()
				res.latencies = append(res.latencies, mine...)
				mu.Unlock()
			}()
			for ctx.Err() == nil {
				k := int(next.Add(1)) - 1
				if k >= n {
					return
				}
				t0 := time.Now()
				err := flow(ctx, w, k)
				d := time.Since(t0)
				switch {
				case err == nil:
					mine = append(mine, d)
				case ctx.Err() != nil:
					return // cut off: not the server's failure
				default:
					msg := describe(k, err)
					mu.Lock()
					res.errors++
					if res.errors == 1 {
						res.first = msg
					}
					if res.errors <= errorsShown {
						fmt.Fprintf(stderr, "esf mock load: %s\n", msg)
					}
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.timedOut = ctx.Err() != nil && len(res.latencies)+res.errors < n
	return res
}

// fill puts the result's figures into the report.
func (r runResult) fill(rep *loadReport) {
	slices.Sort(r.latencies)
	rep.Done = len(r.latencies) + r.errors
	rep.Errors = r.errors
	rep.FirstError = r.first
	rep.TimedOut = r.timedOut
	rep.Elapsed = seconds(r.elapsed)
	if r.elapsed > 0 {
		rep.PerSecond = round2(float64(len(r.latencies)) / r.elapsed.Seconds())
	}
	rep.P50 = millis(percentile(r.latencies, 50))
	rep.P99 = millis(percentile(r.latencies, 99))
	if len(r.latencies) > 0 {
		rep.Max = millis(r.latencies[len(r.latencies)-1])
	}
}

// percentile is the nearest-rank p-th percentile of sorted; 0 when empty.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	k := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(0, min(k, len(sorted)-1))]
}

func round2(x float64) float64        { return math.Round(x*100) / 100 }
func seconds(d time.Duration) float64 { return round2(d.Seconds()) }
func millis(d time.Duration) float64  { return round2(float64(d) / float64(time.Millisecond)) }

func ptr(x float64) *float64 { return &x }

// userHZ is the unit of /proc's CPU times: USER_HZ, 100 on Linux.
const userHZ = 100

// procCPU returns the user and system CPU time of process pid so far,
// from /proc/PID/stat (utime and stime).
func procCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name, in parentheses, may hold spaces: count from after it.
	end := strings.LastIndexByte(string(data), ')')
	if end < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(data[end+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	var ticks int64
	for _, v := range f[11:13] { // fields 14 and 15: utime, stime
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// checkPID checks a --server-pid: 0 (none), or a process whose CPU time
// /proc shows.
func checkPID(pid int) error {
	if pid == 0 {
		return nil
	}
	if _, err := procCPU(pid); err != nil || pid < 0 {
		return fmt.Errorf("%w: --server-pid %d: its CPU time cannot be read (%v): want the mock's process ID on this Linux machine", errUsage, pid, err)
	}
	return nil
}

// cpuClock measures the CPU time of a server process and of this one.
type cpuClock struct {
	pid            int
	server, client time.Duration
}

// startCPU starts measuring; nil when pid is 0.
func startCPU(pid int) (*cpuClock, error) {
	if pid == 0 {
		return nil, nil
	}
	c := &cpuClock{pid: pid}
	var err error
	if c.server, err = procCPU(pid); err != nil {
		return nil, fmt.Errorf("--server-pid: %w", err)
	}
	if c.client, err = procCPU(os.Getpid()); err != nil {
		return nil, fmt.Errorf("this process's CPU time: %w", err)
	}
	return c, nil
}

// stop returns the CPU time each process spent since startCPU.
func (c *cpuClock) stop() (server, client time.Duration, err error) {
	s, err := procCPU(c.pid)
	if err != nil {
		return 0, 0, fmt.Errorf("--server-pid: %w", err)
	}
	cl, err := procCPU(os.Getpid())
	if err != nil {
		return 0, 0, fmt.Errorf("this process's CPU time: %w", err)
	}
	return s - c.server, cl - c.client, nil
}
