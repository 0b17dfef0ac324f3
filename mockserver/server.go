// Package mockserver is a stateful mock of ESF — the portal of Kazakhstan's
// electronic invoice system and its SOAP API — for tests and CI.
//
// New builds a Server from Options (a nil clock is the real one; the
// default trust is the certs/certstest test CAs); the Server is an
// http.Handler serving the SOAP API under /esf-web/ws/api1/, the portal
// under /esf-web/ (its JSON routes, and its pages for a person in a
// browser, which sign through NCALayer: web.go) and a control API under
// /_mock/. NewTestServer starts one on an httptest.Server for a test and
// closes it at the test's end.
//
// The zero Options are safe, as the real ESF is: the SOAP operations it
// guards with a WS-Security UsernameToken demand one (a public certificate
// alone opens or closes nothing); every password check, SOAP or portal,
// goes through one throttle per IIN, and an IIN without an account costs
// the same hash comparison and gets the same answer as a wrong password;
// the control API answers loopback clients only unless it has a bearer
// token (Options.ControlToken), and can be turned off; request bodies are
// bounded per route; every control input is validated, the field named.
//
// The state is in Options.Store (mockserver/mockstore): in memory by
// default, in SQLite or PostgreSQL with mockserver/sqlstore. Each request
// reads and writes through one transaction of it and is answered only
// once that has committed; a Server keeps nothing of its own but caches it
// reads again in each transaction, so any number of Servers — replicas in
// several processes — may share one store.
//
// Every registration rule is esfreg's, enforced server-side; every refusal
// carries the real ESF code (or esfreg's own in the same style) and its
// Russian message, mapped to HTTP, JSON and SOAP faults in one table
// (errors.go). The Go methods of *Server (Seed…, Mail, Advance, QueueFault,
// Dump, Load …) are the control API tests use directly.
package mockserver

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver/mockstore"
)

// Request body limits when Options leave them zero.
const (
	// DefaultMaxBody bounds the body of a SOAP call, a portal request or a
	// control call.
	DefaultMaxBody = 1 << 20
	// DefaultMaxStateBody bounds PUT /_mock/state (a whole state import).
	DefaultMaxStateBody = 64 << 20
	// MaxLoginBody bounds the portal's log-in form and its certificate
	// info call: a signed ticket, an IIN, a password.
	MaxLoginBody = 64 << 10
)

// Options configure a Server. The zero value is safe: the real clock,
// crypto/rand, the certstest CAs trusted, strict IINs and BINs, the
// WS-Security UsernameToken required wherever the real ESF requires it,
// the control API answering loopback clients only, in-memory state, no
// SMTP relay.
type Options struct {
	// Now is the base clock; nil means time.Now. The control API can set
	// or advance the server's clock on top of it.
	Now func() time.Time
	// Rand is the randomness of tickets, tokens and session IDs; nil means
	// crypto/rand.
	Rand io.Reader
	// Roots and Intermediates are the trusted CAs; CRLs are checked for
	// revocation. With no Roots the certstest CAs (RSA, GOST 2015-512,
	// GOST 2004) are trusted, so that any key store certstest issues works.
	Roots, Intermediates []*certs.Certificate
	CRLs                 []*certs.CRL
	// AllowTestIdentities accepts the published test IIN/BIN (123456789011,
	// 123456789012, 123456789021) that fail the checksum, as ESF's test
	// stand does.
	AllowTestIdentities bool
	// AllowMissingUsernameToken lets createSessionSigned,
	// closeSessionBySignedCredentials and closeSession go without the
	// WS-Security UsernameToken (IIN + account password) the real ESF
	// demands on them, for a client that cannot send one: the signed
	// ticket (or the session ID) is then the only proof. Insecure: a key
	// alone opens the account's sessions. createSession and
	// closeSessionByCredentials carry only a certificate, which is public,
	// so they demand the UsernameToken even then.
	AllowMissingUsernameToken bool
	// ControlToken, when set, is the bearer token every control API call
	// (/_mock/…) must carry: "Authorization: Bearer <ControlToken>". When
	// empty the control API answers loopback clients only.
	ControlToken string
	// DisableControl turns the control API off: /_mock/… answers 404, as
	// any unknown path. /healthz stays.
	DisableControl bool
	// MaxBody limits request bodies; zero means DefaultMaxBody. The portal's
	// log-in takes at most MaxLoginBody.
	MaxBody int64
	// MaxStateBody limits a state import (PUT /_mock/state); zero means
	// DefaultMaxStateBody.
	MaxStateBody int64
	// Retention is how long closed API sessions, used or expired tickets
	// and e-mails are kept once over; zero means DefaultRetention,
	// negative keeps them forever.
	Retention time.Duration
	// Store keeps the state; nil means a fresh mockstore.NewMemStore (in
	// memory, gone when the process ends). mockserver/sqlstore keeps it in
	// SQLite or PostgreSQL. The Server does not close it.
	Store mockstore.Store
	// Mail relays every e-mail to an SMTP server as well as the outbox.
	Mail MailOptions
	// Logger receives a line per request and per e-mail; nil discards.
	Logger *slog.Logger
	// BcryptCost is the cost of password hashes; zero means esfreg's
	// default. Tests may lower it (4 is bcrypt's minimum).
	BcryptCost int
	// PasswordHasher replaces bcrypt (a load test may bring a cheap one;
	// passwords are still never stored in the clear). Nil means bcrypt at
	// BcryptCost.
	PasswordHasher esfreg.PasswordHasher
	// NCALayerURL is the WebSocket URL (ws:// or wss://) of NCALayer the
	// portal's pages sign through; empty means NCALayer's own address,
	// DefaultNCALayerURL, then FallbackNCALayerURL (a headless NCALayer on
	// plain ws). The pages' Content-Security-Policy lets them connect to it.
	NCALayerURL string
}

// Server is the mock. Its methods are safe for concurrent use, and so are
// several Servers (replicas, in several processes) over one Store: the
// state is the store's alone; what a Server keeps in its process is a
// cache of it, read again at the start of each transaction (the clock's
// offset, the parsed trust).
type Server struct {
	opts   Options
	log    *slog.Logger
	clock  *clock
	rand   io.Reader
	router *httprouter.Router
	store  mockstore.Store
	hasher *cachedHasher
	cas    map[certs.Algorithm]*certstest.CA // the default test CAs, nil with Options.Roots
	web    *web                              // the portal's pages (web.go)
	// base is the trust Options give (or the default CAs); the control
	// API's additions are in the store (kindTrust).
	base certs.VerifyOptions

	trustMu   sync.Mutex // serializes loadTrust
	trustGen  atomic.Int64
	trust     atomic.Pointer[certs.VerifyOptions]
	svc       atomic.Pointer[esfreg.Service]
	lastPrune atomic.Int64 // UnixNano of the last sweep, on the server's clock
}

// New returns a Server configured by opts.
func New(opts Options) (*Server, error) {
	s := &Server{
		opts:  opts,
		log:   opts.Logger,
		clock: newClock(opts.Now),
		rand:  opts.Rand,
		store: opts.Store,
	}
	if s.store == nil {
		s.store = mockstore.NewMemStore()
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.rand == nil {
		s.rand = rand.Reader
	} else {
		s.rand = &lockedReader{r: s.rand}
	}
	if s.opts.MaxBody <= 0 {
		s.opts.MaxBody = DefaultMaxBody
	}
	if s.opts.MaxStateBody <= 0 {
		s.opts.MaxStateBody = DefaultMaxStateBody
	}
	var inner esfreg.PasswordHasher = esfreg.Bcrypt{Cost: s.opts.BcryptCost}
	if s.opts.PasswordHasher != nil {
		inner = s.opts.PasswordHasher
	}
	s.hasher = newCachedHasher(inner)
	s.base = certs.VerifyOptions{Roots: opts.Roots, Intermediates: opts.Intermediates, CRLs: opts.CRLs}
	if len(s.base.Roots) == 0 {
		cas, err := defaultCAs(s.clock.Now())
		if err != nil {
			return nil, err
		}
		s.cas = cas
		for _, alg := range []certs.Algorithm{certs.AlgorithmRSA, certs.AlgorithmGOST2015_512, certs.AlgorithmGOST2004} {
			s.base.Roots = append(s.base.Roots, cas[alg].Intermediate(), cas[alg].Root())
		}
	}
	if err := CheckNCALayerURL(opts.NCALayerURL); err != nil {
		return nil, err
	}
	var err error
	if s.web, err = newWeb(opts.NCALayerURL); err != nil {
		return nil, err
	}
	s.trustGen.Store(-1)
	if err := s.refresh(context.Background()); err != nil {
		return nil, err
	}
	if err := s.moveCounters(context.Background()); err != nil {
		return nil, err
	}
	s.router = s.routes()
	return s, nil
}

// loadTrust makes the trust of generation gen, read in tx, the Server's:
// the base trust and the CAs and CRLs the control API added (kindTrust),
// with a fresh esfreg.Service over it.
func (s *Server) loadTrust(tx mockstore.Records, gen int64) error {
	s.trustMu.Lock()
	defer s.trustMu.Unlock()
	if gen == s.trustGen.Load() {
		return nil // another request loaded it
	}
	added, err := tx.RecordsOf(kindTrust, "")
	if err != nil {
		return err
	}
	trust := s.base
	trust.Roots = slices.Clone(trust.Roots)
	trust.CRLs = slices.Clone(trust.CRLs)
	for _, r := range added {
		switch r.Owner {
		case "ca":
			c, err := certs.ParseCertificate(r.Data)
			if err != nil {
				return fmt.Errorf("mockserver: stored CA %s: %w", r.Key, err)
			}
			trust.Roots = append(trust.Roots, c)
		case "crl":
			crl, err := certs.ParseCRL(r.Data)
			if err != nil {
				return fmt.Errorf("mockserver: stored CRL %s: %w", r.Key, err)
			}
			trust.CRLs = append(trust.CRLs, crl)
		}
	}
	s.trust.Store(&trust)
	s.svc.Store(esfreg.New(esfreg.Config{
		Now:                 s.clock.Now,
		Rand:                s.rand,
		AllowTestIdentities: s.opts.AllowTestIdentities,
		Trust:               &trust,
		Store:               mockstore.Esfreg(s.store),
		Hasher:              s.hasher,
	}))
	s.trustGen.Store(gen)
	return nil
}

// defaultCAs are the certstest CAs of every algorithm, built once at
// start with the fixtures' seeds: any key store certstest issues with its
// default names and seeds — the committed fixtures included — chains to
// one of them, since the CA keys come from certstest's fixed pool and seeds.
func defaultCAs(now time.Time) (map[certs.Algorithm]*certstest.CA, error) {
	cas := map[certs.Algorithm]*certstest.CA{}
	for _, alg := range []certs.Algorithm{certs.AlgorithmRSA, certs.AlgorithmGOST2015_512, certs.AlgorithmGOST2004} {
		ca, err := certstest.NewCA(certstest.Options{Now: func() time.Time { return now }, Algorithm: alg, Rand: certstest.DeterministicRand(seedFor(alg))})
		if err != nil {
			return nil, fmt.Errorf("mockserver: default CA: %w", err)
		}
		cas[alg] = ca
	}
	return cas, nil
}

// seedFor is the seed certstest's fixtures use, so the default GOST CAs
// have the fixtures' keys.
func seedFor(alg certs.Algorithm) string {
	switch alg {
	case certs.AlgorithmGOST2015_512:
		return certstest.FixtureGOSTSeed
	case certs.AlgorithmGOST2004:
		return certstest.FixtureGOST2004Seed
	}
	return certstest.FixtureSeed
}

// ServeHTTP serves the mock.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	r.Body = http.MaxBytesReader(rec, r.Body, s.maxBody(r))
	if isUIPath(r.URL.Path) {
		// The tooling pages guard themselves (ui.go): the control API's
		// rule, a sign-in cookie for browsers, CSRF checks.
		var ok bool
		if r, ok = s.gateUI(rec, r); !ok {
			s.log.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "duration", time.Since(start))
			return
		}
	} else if isControlPath(r.URL.Path) {
		if err := s.authorizeControl(r); err != nil {
			if errors.Is(err, errControlUnauthorized) {
				rec.Header().Set("WWW-Authenticate", `Bearer realm="esf-mock control API"`)
			}
			s.writeControlError(rec, err)
			s.log.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "duration", time.Since(start))
			return
		}
	}
	s.router.ServeHTTP(rec, r)
	s.log.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "duration", time.Since(start))
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// Now returns the server's current time, as the store's clock offset
// (which any replica's control API may have changed) makes it.
func (s *Server) Now() time.Time {
	_ = s.refresh(context.Background())
	return s.clock.Now()
}

// SetTime sets the server's clock to t; it then runs on from t. A store
// that fails is logged.
func (s *Server) SetTime(t time.Time) {
	if err := s.setClock(context.Background(), func(now time.Time, off time.Duration) time.Duration { return off + t.Sub(now) }); err != nil {
		s.log.Error("set clock", "err", err)
	}
}

// Advance moves the server's clock forward by d. A store that fails is
// logged.
func (s *Server) Advance(d time.Duration) {
	if err := s.setClock(context.Background(), func(_ time.Time, off time.Duration) time.Duration { return off + d }); err != nil {
		s.log.Error("advance clock", "err", err)
	}
}

// setClock changes the stored clock offset: change gets the server's time
// and the offset as stored, and returns the new offset.
func (s *Server) setClock(ctx context.Context, change func(now time.Time, offset time.Duration) time.Duration) error {
	return s.update(ctx, func(r *request) error {
		sh, err := changeShared(r, func(sh *shared) {
			sh.ClockOffset = change(s.clock.base().Add(sh.ClockOffset), sh.ClockOffset)
		})
		if err == nil {
			r.after = append(r.after, func() { s.clock.setOffset(sh.ClockOffset) })
		}
		return err
	})
}

// Service returns the esfreg.Service holding the server's rules over its
// store.
func (s *Server) Service() *esfreg.Service { return s.svc.Load() }

// Store returns the server's store.
func (s *Server) Store() mockstore.Store { return s.store }

// clock is the server's adjustable clock: the base clock plus an offset,
// which is the store's (settingShared), cached here.
type clock struct {
	base   func() time.Time
	offset atomic.Int64
}

func newClock(base func() time.Time) *clock {
	if base == nil {
		base = time.Now
	}
	return &clock{base: base}
}

func (c *clock) Now() time.Time { return c.base().Add(time.Duration(c.offset.Load())) }

func (c *clock) setOffset(d time.Duration) { c.offset.Store(int64(d)) }

type lockedReader struct {
	mu sync.Mutex
	r  io.Reader
}

func (l *lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}

// randomHex returns n random bytes in lowercase hex.
func (s *Server) randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return "", fmt.Errorf("mockserver: random: %w", err)
	}
	return fmt.Sprintf("%x", b), nil
}

// warmChain verifies c's chain against the trust outside any transaction,
// for what the rules check in one: certs remembers the signatures that
// verified, so the check inside costs no RSA or GOST verification while
// the store's writer is held. The outcome is not used: the rules decide.
func (s *Server) warmChain(c *certs.Certificate) {
	trust := s.trust.Load()
	if c == nil || trust == nil {
		return
	}
	_, _ = certs.Verify(c, certs.VerifyOptions{Roots: trust.Roots, Intermediates: trust.Intermediates, CurrentTime: s.clock.Now()})
}
