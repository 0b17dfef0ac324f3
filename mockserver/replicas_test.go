package mockserver_test

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfclient"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/internal/pgtest"
	"github.com/esfkit/esf/mockserver"
	"github.com/esfkit/esf/mockserver/mockstore"
	"github.com/esfkit/esf/mockserver/sqlstore/postgres"
	"github.com/esfkit/esf/mockserver/sqlstore/sqlite"
)

// replicaStores opens two stores over one database, as two replicas of
// the mock (two processes) would: SQLite (one file, two connections
// pools) and PostgreSQL (a fresh database in the test binary's throwaway
// cluster; skipped where PostgreSQL is not installed, unless
// ESF_REQUIRE_TOOLS=1).
var replicaStores = map[string]func(t *testing.T) (a, b mockstore.Store){
	"sqlite": func(t *testing.T) (mockstore.Store, mockstore.Store) {
		path := filepath.Join(t.TempDir(), "mock.db")
		return openTwo(t, func() (mockstore.Store, error) { return sqlite.Open(context.Background(), path, sqlite.Options{}) })
	},
	"postgres": func(t *testing.T) (mockstore.Store, mockstore.Store) {
		dsn := pgtest.DSN(t)
		return openTwo(t, func() (mockstore.Store, error) { return postgres.Open(context.Background(), dsn, postgres.Options{}) })
	},
}

func openTwo(t *testing.T, open func() (mockstore.Store, error)) (mockstore.Store, mockstore.Store) {
	t.Helper()
	a, err := open()
	require.NoError(t, err)
	t.Cleanup(func() { a.Close() })
	b, err := open()
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	return a, b
}

// replicas is two mock servers over one database.
type replicas struct {
	a, b   *env
	stores [2]mockstore.Store
}

func newReplicas(t *testing.T, open func(t *testing.T) (a, b mockstore.Store)) *replicas {
	sa, sb := open(t)
	a := newEnv(t, func(o *mockserver.Options) { o.Store = sa }) // seeds the register
	srv := mockserver.NewTestServer(t, mockserver.FixedClock(at), func(o *mockserver.Options) { o.Store = sb })
	c, err := esfclient.New(esfclient.Options{BaseURL: srv.URL, Now: srv.Now})
	require.NoError(t, err)
	return &replicas{a: a, b: &env{t: t, srv: srv, c: c, ctx: a.ctx}, stores: [2]mockstore.Store{sa, sb}}
}

// of returns replica i%2.
func (r *replicas) of(i int) *env {
	if i%2 == 0 {
		return r.a
	}
	return r.b
}

// Every invariant the mock keeps holds across replicas over one database:
// the database enforces it, not a lock in one process.
func TestReplicas(t *testing.T) {
	for name, open := range replicaStores {
		t.Run(name, func(t *testing.T) {
			t.Run("ticket from one redeemed at the other, once", func(t *testing.T) { testReplicaTicket(t, newReplicas(t, open)) })
			t.Run("50 racing sessions for one user", func(t *testing.T) { testReplicaSessions(t, newReplicas(t, open)) })
			t.Run("50 racing completions of one BIN", func(t *testing.T) { testReplicaCompletions(t, newReplicas(t, open)) })
			t.Run("control API of one seen by the other", func(t *testing.T) { testReplicaControl(t, newReplicas(t, open)) })
			t.Run("one replica gone, the other serves all", func(t *testing.T) { testReplicaGone(t, newReplicas(t, open)) })
			t.Run("concurrent registrations of different people all succeed", func(t *testing.T) { testReplicaConcurrent(t, newReplicas(t, open)) })
		})
	}
}

func testReplicaTicket(t *testing.T, r *replicas) {
	auth := r.a.ks(certstest.FixtureIndividualAuth)
	signer, err := auth.Signer()
	require.NoError(t, err)
	// The ticket from A, signed, used at B for step 1, then again at A.
	ticket := httpGet(t, r.a.srv.URL+"/esf-web/ajax/login/ticket")
	signed, err := xmlsigSign(ticket, signer, auth.Certificate, r.a.srv.Now)
	require.NoError(t, err)
	body := `{"category":"INDIVIDUAL","signedTicket":` + jsonString(string(signed)) + `}`
	code, answer := httpPostJSON(t, r.b.srv.URL+"/esf-web/ajax/registration", body)
	assert.Equal(t, 200, code, answer)
	code, answer = httpPostJSON(t, r.a.srv.URL+"/esf-web/ajax/registration", body)
	assert.Equal(t, 403, code, answer)
	assert.Contains(t, answer, string(mockserver.CodeAuthTicketNotFound))
}

func testReplicaSessions(t *testing.T, r *replicas) {
	auth, sign := r.a.ks(certstest.FixtureIndividualAuth), r.a.ks(certstest.FixtureIndividualSign)
	r.a.register(esfreg.Individual, auth, sign, form("replica@example.kz"), auth)
	signer, err := auth.Signer()
	require.NoError(t, err)
	const n = 50
	tickets := make([]string, n)
	for i := range tickets {
		e := r.of(i)
		resp := soapCall(t, e.srv.URL, "AuthService", `<esf:createAuthTicketRequest><iin>`+certstest.TestIIN+`</iin></esf:createAuthTicketRequest>`)
		signed, err := xmlsigSign(unescape(between(resp, "<authTicketXml>", "</authTicketXml>")), signer, auth.Certificate, e.srv.Now)
		require.NoError(t, err)
		tickets[i] = string(signed)
	}
	var opened, refused atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			resp := soapCallAs(t, r.of(i+1).srv.URL, "SessionService", `<esf:createSessionSignedRequest><tin>`+certstest.TestIIN+`</tin><signedAuthTicket>`+
				escape(tickets[i])+`</signedAuthTicket></esf:createSessionSignedRequest>`, certstest.TestIIN, password)
			switch {
			case strings.Contains(resp, "<sessionId>"):
				opened.Add(1)
			case strings.Contains(resp, "already has opened session"):
				refused.Add(1)
			default:
				t.Errorf("createSessionSigned %d: %s", i, resp)
			}
		})
	}
	wg.Wait()
	assert.EqualValues(t, 1, opened.Load(), "exactly one session")
	assert.EqualValues(t, n-1, refused.Load())
	open := 0
	for _, s := range r.b.srv.Sessions() {
		if !s.Closed {
			open++
		}
	}
	assert.Equal(t, 1, open, "one open session in the store")
}

func testReplicaCompletions(t *testing.T, r *replicas) {
	auth, sign := r.a.ks(certstest.FixtureCEOAuth), r.a.ks(certstest.FixtureCEOSign)
	const n = 50
	links := make([]string, n)
	for i := range n {
		e := r.of(i)
		email := "head" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + "@example.kz"
		res, err := e.c.Register(e.ctx, esfclient.Registration{Category: esfreg.LegalEntity, Key: auth, Signer: sign, Form: legalForm(email)})
		require.NoError(t, err, "request %d", i)
		mails := r.of(i + 1).srv.MailTo(res.Request.Email) // the other replica's view of the outbox
		require.NotEmpty(t, mails)
		links[i] = mails[len(mails)-1].Link
	}
	var won, lost atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			e := r.of(i)
			_, err := e.c.CompleteRegistration(e.ctx, links[i], auth, password)
			if err == nil {
				won.Add(1)
				return
			}
			lost.Add(1)
			if !errorsIsAny(err, esfreg.ErrEnterpriseAlreadyRegistered, esfreg.ErrUserAlreadyRegistered) {
				t.Errorf("completion %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	assert.EqualValues(t, 1, won.Load(), "exactly one completion wins")
	heads := 0
	acct, err := r.b.srv.Account(certstest.TestIIN)
	require.NoError(t, err)
	for _, p := range acct.Profiles {
		if p.Type == esfreg.ProfileAdminEnterprise && p.TIN == certstest.TestBIN {
			heads++
		}
	}
	assert.Equal(t, 1, heads, "one head profile")
}

func testReplicaGone(t *testing.T, r *replicas) {
	auth, sign := r.a.ks(certstest.FixtureIndividualAuth), r.a.ks(certstest.FixtureIndividualSign)
	r.a.register(esfreg.Individual, auth, sign, form("gone@example.kz"), auth)
	sess, err := r.a.c.OpenSession(r.a.ctx, esfclient.SessionRequest{Key: auth, Password: password, TIN: certstest.TestIIN})
	require.NoError(t, err)
	// A goes away at once: its listener, its connections, its store.
	r.a.srv.Close()
	require.NoError(t, r.stores[0].Close())

	// B serves everything A acknowledged: the account, its password, the
	// open session (which B may close), the mail.
	acct, err := r.b.srv.Account(certstest.TestIIN)
	require.NoError(t, err)
	assert.Equal(t, "gone@example.kz", acct.Email)
	assert.NotEmpty(t, r.b.srv.MailTo("gone@example.kz"))
	_, err = r.b.c.Login(r.b.ctx, auth, password)
	require.NoError(t, err)
	_, err = r.b.c.OpenSession(r.b.ctx, esfclient.SessionRequest{Key: auth, Password: password, TIN: certstest.TestIIN})
	assert.ErrorIs(t, err, esfclient.ErrSessionAlreadyOpen, "A's session is open at B too")
	again, err := r.b.c.OpenSession(r.b.ctx, esfclient.SessionRequest{Key: auth, Password: password, TIN: certstest.TestIIN, CloseOpenSession: true})
	require.NoError(t, err)
	assert.NotEqual(t, sess.ID, again.ID)
}

// Requests that touch different records succeed together, however the
// store serializes them (PostgreSQL retries its serialization conflicts:
// with too few attempts some of these failed with SYSTEM_DOWN).
func testReplicaConcurrent(t *testing.T, r *replicas) {
	const n, workers = 32, 8
	ca, err := certstest.NewCA(certstest.Options{Now: r.a.srv.Now, Rand: certstest.DeterministicRand(certstest.FixtureSeed)})
	require.NoError(t, err)
	var key *rsa.PrivateKey
	people := make([][2]*certs.KeyStore, n)
	for i := range people {
		for j, u := range []certs.Usage{certs.UsageAuth, certs.UsageSign} {
			is, err := ca.Issue(certstest.Profile{Usage: u, IIN: benchIIN(i), Key: key})
			require.NoError(t, err)
			key = is.PrivateKey.(*rsa.PrivateKey)
			people[i][j], err = certs.Open(is.PKCS12, is.PIN)
			require.NoError(t, err)
		}
	}
	var next atomic.Int32
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				e, other := r.of(i), r.of(i+1)
				email := fmt.Sprintf("person%d@example.kz", i)
				res, err := e.c.Register(e.ctx, esfclient.Registration{Category: esfreg.Individual, Key: people[i][0], Signer: people[i][1], Form: form(email)})
				if !assert.NoError(t, err, "registration %d", i) {
					continue
				}
				mails := other.srv.MailTo(res.Request.Email)
				if assert.NotEmpty(t, mails, "registration %d: the e-mail", i) {
					_, err = other.c.CompleteRegistration(other.ctx, mails[len(mails)-1].Link, people[i][0], password)
					assert.NoError(t, err, "completion %d", i)
				}
			}
		})
	}
	wg.Wait()
}

func testReplicaControl(t *testing.T, r *replicas) {
	// The clock, a queued fault and the trust, set at A, are B's too.
	r.a.srv.Advance(72 * time.Hour)
	assert.WithinDuration(t, at.Add(72*time.Hour), r.b.srv.Now(), time.Second)
	require.NoError(t, r.a.srv.QueueFault(mockserver.Fault{Match: "esfVersion", Code: mockserver.CodeInternal}))
	resp := soapCall(t, r.b.srv.URL, "VersionService", `<esf:esfVersionRequest/>`)
	assert.Contains(t, resp, string(mockserver.CodeInternal), "B answers A's fault")
	resp = soapCall(t, r.a.srv.URL, "VersionService", `<esf:esfVersionRequest/>`)
	assert.Contains(t, resp, mockserver.Version, "used up once")

	// A CA trusted at A: B accepts its keys from its next request.
	ca, err := certstest.NewCA(certstest.Options{Now: r.a.srv.Now, Algorithm: certs.AlgorithmGOST2015_512,
		Rand: certstest.DeterministicRand("replicas: a CA trusted at run time")})
	require.NoError(t, err)
	is, err := ca.Issue(certstest.Profile{Kind: certstest.KindIndividual, Usage: certs.UsageAuth, IIN: certstest.TestIIN})
	require.NoError(t, err)
	ks, err := certs.Open(is.PKCS12, is.PIN)
	require.NoError(t, err)
	signer, err := ks.Signer()
	require.NoError(t, err)
	certInfo := func(base string) (int, string) {
		signed, err := xmlsigSign(httpGet(t, base+"/esf-web/ajax/login/ticket"), signer, ks.Certificate, r.b.srv.Now)
		require.NoError(t, err)
		return httpPostJSON(t, base+"/esf-web/ajax/login/xmlDsigCertInfo", `{"xmlDsig":`+jsonString(string(signed))+`}`)
	}
	code, answer := certInfo(r.b.srv.URL)
	require.NotEqual(t, 200, code, "untrusted yet: %s", answer)
	require.NoError(t, r.a.srv.Trust(ca.Root()))
	require.NoError(t, r.a.srv.Trust(ca.Intermediate()))
	code, answer = certInfo(r.b.srv.URL)
	assert.Equal(t, 200, code, "trusted at A, so at B: %s", answer)
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", data)
	return string(data)
}

func httpPostJSON(t *testing.T, url, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(data)
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func errorsIsAny(err error, targets ...error) bool {
	for _, target := range targets {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}
