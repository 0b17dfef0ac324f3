package mockserver_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
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
	"github.com/esfkit/esf/mockserver"
	"github.com/esfkit/esf/mockserver/mockstore"
)

// Two heads' registrations of one BIN race: exactly one request is made.
func TestConcurrentRegistrationsOfOneBIN(t *testing.T) {
	e := newEnv(t)
	sign := e.ks(certstest.FixtureCEOSign)
	const n = 6
	var wins, refusals atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, err := e.c.Register(e.ctx, esfclient.Registration{Category: esfreg.LegalEntity, Key: sign, Signer: sign, Form: legalForm(fmt.Sprintf("race%d@example.kz", i))})
			if err == nil {
				wins.Add(1)
			} else {
				refusals.Add(1)
			}
		}(i)
	}
	wg.Wait()
	// Each made a request (step 4); completing is what registers: only one
	// completion may win.
	completed := 0
	for i := 0; i < n; i++ {
		for _, m := range e.srv.MailTo(fmt.Sprintf("race%d@example.kz", i)) {
			if m.Link == "" {
				continue
			}
			if _, err := e.c.CompleteRegistration(e.ctx, m.Link, e.ks(certstest.FixtureCEOAuth), password); err == nil {
				completed++
			} else {
				assert.ErrorIs(t, err, esfreg.ErrEnterpriseAlreadyRegistered)
			}
		}
	}
	assert.Equal(t, 1, completed, "exactly one registration of the BIN completes")
	assert.Equal(t, int32(n), wins.Load()+refusals.Load())
}

// A bounded load: 32 concurrent flows (register, complete, log in, open
// and close a session), all under -race, with no 5xx and nothing lost.
func TestLoad32Flows(t *testing.T) {
	var fivexx atomic.Int32
	e := newEnv(t)
	counting := &statusCounter{next: e.srv.Server, fivexx: &fivexx}
	ts := httptest.NewServer(counting)
	defer ts.Close()
	c, err := esfclient.New(esfclient.Options{BaseURL: ts.URL, Now: e.srv.Now})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	// GOST 2015-512 keys: one key logs in and signs, and making one is
	// cheap (RSA keys past certstest's pool take a while to generate).
	// The fixtures' seed gives the CA the key the mock trusts.
	ca, err := certstest.NewCA(certstest.Options{Now: e.srv.Now, Algorithm: certs.AlgorithmGOST2015_512, Rand: certstest.DeterministicRand(certstest.FixtureGOSTSeed)})
	require.NoError(t, err)
	const flows = 32
	type person struct{ auth, sign *certs.KeyStore }
	people := make([]person, flows)
	for i := range people {
		is, err := ca.Issue(certstest.Profile{IIN: validIIN(t, i)})
		require.NoError(t, err)
		ks, err := certs.Open(is.PKCS12, is.PIN)
		require.NoError(t, err)
		people[i] = person{auth: ks, sign: ks}
	}
	var wg sync.WaitGroup
	errs := make(chan error, flows)
	for i := range people {
		wg.Add(1)
		go func(p person, i int) {
			defer wg.Done()
			email := fmt.Sprintf("load%d@example.kz", i)
			if _, err := c.Register(ctx, esfclient.Registration{Category: esfreg.Individual, Key: p.auth, Signer: p.sign, Form: form(email)}); err != nil {
				errs <- err
				return
			}
			link := e.srv.MailTo(email)[0].Link
			if _, err := c.CompleteRegistration(ctx, link, p.auth, password); err != nil {
				errs <- err
				return
			}
			sess, err := c.OpenSession(ctx, esfclient.SessionRequest{Key: p.auth, Password: password, TIN: p.auth.Certificate.IIN})
			if err != nil {
				errs <- err
				return
			}
			if _, err := sess.Close(ctx); err != nil {
				errs <- err
			}
		}(people[i], i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	assert.Zero(t, fivexx.Load(), "no 5xx")
	for i := range people {
		_, err := e.srv.Account(people[i].auth.Certificate.IIN)
		assert.NoError(t, err, "account %d kept", i)
	}
}

type statusCounter struct {
	next   http.Handler
	fivexx *atomic.Int32
}

func (s *statusCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &recorder{ResponseWriter: w, status: 200}
	s.next.ServeHTTP(rec, r)
	if rec.status >= 500 && r.URL.Path[:16] != "/esf-web/ws/api1" { // SOAP faults are 500 by protocol
		s.fivexx.Add(1)
	}
}

type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) { r.status = code; r.ResponseWriter.WriteHeader(code) }

// validIIN makes a checksum-valid IIN per flow.
func validIIN(t *testing.T, i int) string {
	t.Helper()
	for serial := 1000 + 10*i; ; serial++ {
		if iin, err := esfreg.NewIIN(time.Date(1980+i%20, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC), esfreg.SexMale, serial); err == nil {
			return string(iin)
		}
	}
}

// A restart over the same store keeps every account and the register.
func TestStoreRestart(t *testing.T) {
	store := mockstore.NewMemStore()
	e := newEnv(t, func(o *mockserver.Options) { o.Store = store })
	auth, sign := e.ks(certstest.FixtureIndividualAuth), e.ks(certstest.FixtureIndividualSign)
	e.register(esfreg.Individual, auth, sign, form("keep@example.kz"), auth)

	again := mockserver.NewTestServer(t, mockserver.FixedClock(at), func(o *mockserver.Options) { o.Store = store })
	acct, err := again.Account(certstest.TestIIN)
	require.NoError(t, err)
	assert.Equal(t, "keep@example.kz", acct.Email)
	_, err = again.Taxpayer(certstest.TestBIN)
	require.NoError(t, err)
	assert.NotEmpty(t, again.Mail())
	c, err := esfclient.New(esfclient.Options{BaseURL: again.URL, Now: again.Now})
	require.NoError(t, err)
	_, err = c.Login(e.ctx, auth, password)
	require.NoError(t, err, "the password survives the restart")

	dump, err := again.Dump()
	require.NoError(t, err)
	require.NoError(t, again.Reset())
	_, err = again.Account(certstest.TestIIN)
	assert.ErrorIs(t, err, esfreg.ErrUserNotRegistered)
	require.NoError(t, again.Load(dump))
	_, err = again.Account(certstest.TestIIN)
	require.NoError(t, err)
}

// Malformed input of every face gets a clear 4xx (or a SOAP client
// fault), never a 500 from a panic.
func TestMalformedInput(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name, method, path, ct, body string
		want                         int
	}{
		{"JSON not JSON", "POST", "/esf-web/ajax/registration", "application/json", "{", 400},
		{"JSON unknown field", "POST", "/esf-web/ajax/registration", "application/json", `{"evil":1}`, 400},
		{"JSON trailing data", "POST", "/esf-web/ajax/reset-password", "application/json", `{"login":"1"} {}`, 400},
		{"wrong content type", "POST", "/esf-web/ajax/change-email", "text/plain", `{}`, 400},
		{"body too large", "POST", "/esf-web/ajax/registration", "application/json", `{"signedTicket":"` + strings.Repeat("a", mockserver.DefaultMaxBody) + `"}`, 400},
		{"unknown application", "POST", "/esf-web/ajax/registration/abc/form", "application/json", `{"form":{}}`, 404},
		{"SOAP not XML", "POST", "/esf-web/ws/api1/SessionService", "text/xml", "not xml", 500},
		{"SOAP with DTD", "POST", "/esf-web/ws/api1/SessionService", "text/xml", `<!DOCTYPE x [<!ENTITY e "x">]><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body/></soap:Envelope>`, 500},
		{"SOAP unknown operation", "POST", "/esf-web/ws/api1/SessionService", "text/xml", `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><esf:evil xmlns:esf="esf"/></soap:Body></soap:Envelope>`, 500},
		{"SOAP unknown service", "POST", "/esf-web/ws/api1/EvilService", "text/xml", `<x/>`, 404},
		{"unknown route", "GET", "/nowhere", "", "", 404},
		{"wrong method", "DELETE", "/esf-web/ajax/login", "", "", 405},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, e.srv.URL+tc.path, bytes.NewBufferString(tc.body))
			require.NoError(t, err)
			if tc.ct != "" {
				req.Header.Set("Content-Type", tc.ct)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			assert.Equal(t, tc.want, resp.StatusCode)
			if tc.want == 500 {
				var b bytes.Buffer
				_, _ = b.ReadFrom(resp.Body)
				assert.Contains(t, b.String(), "soap:Client", "a client fault, not a server failure")
			}
		})
	}
}

func TestRoutes(t *testing.T) {
	// New builds the router; httprouter panics on conflicting routes.
	_, err := mockserver.New(mockserver.Options{})
	require.NoError(t, err)
}
