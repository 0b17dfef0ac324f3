package esfreg

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/esfkit/esf/certs"
)

// Default lifetimes of the e-mailed links. ESF's are not public; these are
// this package's choice.
const (
	// DefaultRequestTTL is how long a registration link works.
	DefaultRequestTTL = 72 * time.Hour
	// DefaultResetTTL is how long a password reset link works.
	DefaultResetTTL = 24 * time.Hour
)

// Config configures a Service. The zero value works: the real clock,
// crypto/rand, strict IINs and BINs, certificates checked for their
// validity period only, bcrypt at its default cost, and a fresh MemStore.
type Config struct {
	// Now is the clock; nil means time.Now. Every rule that depends on
	// the time (certificate validity, the register's refresh, token
	// expiry, the issue date) reads it.
	Now func() time.Time
	// Rand is the source of tokens, request IDs and generated passwords;
	// nil means crypto/rand. (bcrypt's salt is bcrypt's own.)
	Rand io.Reader
	// AllowTestIdentities accepts NCA's and ESF's published test IIN and
	// BIN (TestIIN, TestIIN2, TestBIN), which fail the checksum, as ESF's
	// test stand does.
	AllowTestIdentities bool
	// Trust, when set, verifies every certificate's chain and revocation
	// (see CertOptions.Trust); nil checks validity periods only.
	Trust *certs.VerifyOptions
	// Store holds the state, and runs the transaction each rule
	// evaluation reads and writes through; nil means a fresh MemStore.
	Store Store
	// Hasher stores passwords; nil means Bcrypt{} (DefaultBcryptCost).
	Hasher PasswordHasher
	// RequestTTL and ResetTTL are the lifetimes of the registration and
	// password reset links; zero means DefaultRequestTTL and
	// DefaultResetTTL.
	RequestTTL, ResetTTL time.Duration
}

// Service applies ESF's registration rules to the state in its Store: the
// tax register, registration, accounts and log-in, change of head,
// recovery. It has no HTTP in it: the mock calls it from its handlers,
// tests call it directly.
//
// Its methods are safe for concurrent use. Each method that reads or
// writes the state evaluates its rules in one transaction of the store:
// the one its context carries (ContextWithTx), which the caller opened to
// join its own reads and writes to the rule's, or else one the method
// opens (Store.Update, or Store.View for a method that only reads). The
// rules' invariants — one account per IIN, one winning registration per
// BIN, a single-use token — rest on that transaction alone, so they hold
// for any number of Services over one store.
type Service struct {
	now        func() time.Time
	rand       io.Reader
	ids        IDOptions
	trust      *certs.VerifyOptions
	store      Store
	hasher     PasswordHasher
	requestTTL time.Duration
	resetTTL   time.Duration

	// dummy is a hash of a random password, made on first use with the
	// Service's hasher: a password check for an IIN without an account
	// compares against it, so it costs what a wrong password costs.
	dummy struct {
		once sync.Once
		hash string
	}
}

// New returns a Service configured by c.
func New(c Config) *Service {
	s := &Service{
		now:        c.Now,
		rand:       c.Rand,
		ids:        IDOptions{AllowTestIdentities: c.AllowTestIdentities},
		trust:      c.Trust,
		store:      c.Store,
		hasher:     c.Hasher,
		requestTTL: c.RequestTTL,
		resetTTL:   c.ResetTTL,
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	} else {
		s.rand = &lockedReader{r: s.rand}
	}
	if s.store == nil {
		s.store = NewMemStore()
	}
	if s.hasher == nil {
		s.hasher = Bcrypt{}
	}
	if s.requestTTL <= 0 {
		s.requestTTL = DefaultRequestTTL
	}
	if s.resetTTL <= 0 {
		s.resetTTL = DefaultResetTTL
	}
	return s
}

// update runs fn in the transaction ctx carries, or else in a new
// read-write transaction of the store. fn may run more than once (see
// Store.Update).
func (s *Service) update(ctx context.Context, fn func(tx Tx) error) error {
	return s.inTx(ctx, s.store.Update, fn)
}

// view runs fn in the transaction ctx carries, or else in a new read-only
// transaction of the store.
func (s *Service) view(ctx context.Context, fn func(tx Tx) error) error {
	return s.inTx(ctx, s.store.View, fn)
}

func (s *Service) inTx(ctx context.Context, run func(context.Context, func(Tx) error) error, fn func(tx Tx) error) error {
	if tx, ok := TxFromContext(ctx); ok {
		return fn(tx)
	}
	var fnErr error
	err := run(ctx, func(tx Tx) error {
		fnErr = fn(tx)
		return fnErr
	})
	if err != nil && fnErr == nil {
		// The store's own: no transaction, or no commit.
		return fmt.Errorf("esfreg: store: %w", err)
	}
	return err
}

// certOptions are the certificate checks at now.
func (s *Service) certOptions(now time.Time) CertOptions {
	return CertOptions{Now: now, IDOptions: s.ids, Trust: s.trust}
}

// GeneratePassword returns a new Высокий password from the Service's
// random source (see GeneratePassword).
func (s *Service) GeneratePassword() (string, error) { return GeneratePassword(s.rand) }

// lockedReader lets a reader that is not safe for concurrent use (a
// deterministic one in tests) serve a Service used concurrently.
type lockedReader struct {
	mu sync.Mutex
	r  io.Reader
}

// Read reads from the reader, one caller at a time.
func (l *lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}
