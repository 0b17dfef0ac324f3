package mockserver_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfclient"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver"
	"github.com/esfkit/esf/mockserver/mockstore"
	"github.com/esfkit/esf/mockserver/sqlstore/sqlite"
)

// latencies records the server-side time of every request.
type latencies struct {
	next http.Handler
	mu   sync.Mutex
	d    []time.Duration
}

func (l *latencies) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	l.next.ServeHTTP(w, r)
	d := time.Since(start)
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

// total is the server-side time of all requests.
func (l *latencies) total() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var t time.Duration
	for _, d := range l.d {
		t += d
	}
	return t
}

func (l *latencies) reset() {
	l.mu.Lock()
	l.d = nil
	l.mu.Unlock()
}

func (l *latencies) p99() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), l.d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)*99/100]
}

// benchPeople issues n people's RSA key stores (AUTH and SIGN) sharing one
// pool key, so no RSA key is generated; each has its own IIN.
func benchPeople(b *testing.B, srv *mockserver.TestServer, n int) [][2]*certs.KeyStore {
	ca, err := certstest.NewCA(certstest.Options{Now: srv.Now, Rand: certstest.DeterministicRand(certstest.FixtureSeed)})
	if err != nil {
		b.Fatal(err)
	}
	var key *rsa.PrivateKey
	out := make([][2]*certs.KeyStore, n)
	for i := range out {
		iin := benchIIN(i)
		for j, u := range []certs.Usage{certs.UsageAuth, certs.UsageSign} {
			is, err := ca.Issue(certstest.Profile{Usage: u, IIN: iin, Key: key})
			if err != nil {
				b.Fatal(err)
			}
			key = is.PrivateKey.(*rsa.PrivateKey)
			ks, err := certs.Open(is.PKCS12, is.PIN)
			if err != nil {
				b.Fatal(err)
			}
			out[i][j] = ks
		}
	}
	return out
}

func benchIIN(i int) string {
	for serial := 1000 + 10*(i%800); ; serial++ {
		if iin, err := esfreg.NewIIN(time.Date(1950+i/800%50, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC), esfreg.SexMale, serial); err == nil {
			return string(iin)
		}
	}
}

// BenchmarkRegistration runs complete registrations (the four steps, the
// link, the first log-in) from 8 concurrent clients on loopback, and
// reports registrations/s and the p99 server-side latency of a request.
// Client-side signing runs on the same 2 cores.
func BenchmarkRegistration(b *testing.B) {
	b.Run("bcrypt cost 4", func(b *testing.B) { benchRegistration(b, nil, nil) })
	b.Run("salted SHA-256", func(b *testing.B) { benchRegistration(b, sha256Hasher{}, nil) })
	b.Run("sqlite bcrypt cost 4", func(b *testing.B) { benchRegistration(b, nil, benchSQLite(b)) })
}

// sha256Hasher is a cheap salted hash for load tests: what the server costs
// without bcrypt, which dominates a registration (a hash and a verify).
type sha256Hasher struct{}

func (sha256Hasher) Hash(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	sum := sha256.Sum256(append(salt, password...))
	return hex.EncodeToString(salt) + "$" + hex.EncodeToString(sum[:]), nil
}

func (sha256Hasher) Verify(hash, password string) error {
	saltHex, sumHex, ok := strings.Cut(hash, "$")
	salt, err := hex.DecodeString(saltHex)
	if !ok || err != nil {
		return esfreg.ErrPasswordInvalid
	}
	sum := sha256.Sum256(append(salt, password...))
	if subtle.ConstantTimeCompare([]byte(hex.EncodeToString(sum[:])), []byte(sumHex)) != 1 {
		return esfreg.ErrPasswordInvalid
	}
	return nil
}

func benchRegistration(b *testing.B, hasher esfreg.PasswordHasher, store mockstore.Store) {
	srv := mockserver.NewTestServer(b, mockserver.FixedClock(at), func(o *mockserver.Options) { o.PasswordHasher, o.Store = hasher, store })
	lat := &latencies{next: srv.Server}
	ts := httptest.NewServer(lat)
	defer ts.Close()
	c, err := esfclient.New(esfclient.Options{BaseURL: ts.URL, Now: srv.Now})
	if err != nil {
		b.Fatal(err)
	}
	people := benchPeople(b, srv, b.N)
	ctx := context.Background()
	var next atomic.Int64
	start := time.Now()
	b.ResetTimer()
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(people) {
					return
				}
				auth, sign := people[i][0], people[i][1]
				email := fmt.Sprintf("bench%d@example.kz", i)
				if _, err := c.Register(ctx, esfclient.Registration{Category: esfreg.Individual, Key: auth, Signer: sign, Form: form(email)}); err != nil {
					b.Error(err)
					return
				}
				mails := srv.MailTo(email)
				if _, err := c.CompleteRegistration(ctx, mails[0].Link, auth, password); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "registrations/s")
	b.ReportMetric(float64(lat.p99().Microseconds()), "p99-µs/request")
	// The server's own work per registration, without the clients' signing:
	// what two cores could serve if the clients ran elsewhere.
	perReg := lat.total() / time.Duration(b.N)
	b.ReportMetric(float64(perReg.Microseconds()), "server-µs/registration")
	b.ReportMetric(2*float64(time.Second)/float64(perReg), "server-capacity-registrations/s")
}

// BenchmarkSOAPSessionCycle runs createAuthTicket → createSessionSigned →
// currentUser → currentUserProfiles → closeSession from 8 clients, each
// its own registered user, and reports cycles/s.
func BenchmarkSOAPSessionCycle(b *testing.B) {
	b.Run("memory", func(b *testing.B) { benchSOAPSessionCycle(b, nil) })
	b.Run("sqlite", func(b *testing.B) { benchSOAPSessionCycle(b, benchSQLite(b)) })
}

// benchSQLite opens an SQLite store in a temporary directory.
func benchSQLite(b *testing.B) mockstore.Store {
	st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "mock.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

func benchSOAPSessionCycle(b *testing.B, store mockstore.Store) {
	srv := mockserver.NewTestServer(b, mockserver.FixedClock(at), func(o *mockserver.Options) { o.Store = store })
	lat := &latencies{next: srv.Server}
	ts := httptest.NewServer(lat)
	defer ts.Close()
	c, err := esfclient.New(esfclient.Options{BaseURL: ts.URL, Now: srv.Now})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	workers := benchWorkers
	people := benchPeople(b, srv, workers)
	for i, p := range people {
		email := fmt.Sprintf("soap%d@example.kz", i)
		if _, err := c.Register(ctx, esfclient.Registration{Category: esfreg.Individual, Key: p[0], Signer: p[1], Form: form(email)}); err != nil {
			b.Fatal(err)
		}
		if _, err := c.CompleteRegistration(ctx, srv.MailTo(email)[0].Link, p[0], password); err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	lat.reset()
	start := time.Now()
	b.ResetTimer()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(p [2]*certs.KeyStore) {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				sess, err := c.OpenSession(ctx, esfclient.SessionRequest{Key: p[0], Password: password, TIN: p[0].Certificate.IIN})
				if err != nil {
					b.Error(err)
					return
				}
				if _, err := sess.CurrentUser(ctx); err != nil {
					b.Error(err)
					return
				}
				if _, err := sess.Profiles(ctx); err != nil {
					b.Error(err)
					return
				}
				if _, err := sess.Close(ctx); err != nil {
					b.Error(err)
					return
				}
			}
		}(people[w])
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "cycles/s")
	perCycle := lat.total() / time.Duration(b.N)
	b.ReportMetric(float64(perCycle.Microseconds()), "server-µs/cycle")
	b.ReportMetric(2*float64(time.Second)/float64(perCycle), "server-capacity-cycles/s")
}

// benchWorkers is the number of concurrent clients.
var benchWorkers = 8
