package mockserver

import (
	"net/http/httptest"
	"time"
)

// TestServer is a Server running on an httptest.Server.
type TestServer struct {
	*Server
	// URL is the base URL, such as http://127.0.0.1:41234.
	URL string
	srv *httptest.Server
}

// TB is what NewTestServer needs of a test: *testing.T, *testing.B and
// *testing.F (any testing.TB) fit. It is an interface of this package so
// that a program linking mockserver does not link package testing.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// NewTestServer starts a mock for t with test-friendly options — the
// published test identities allowed, the cheapest bcrypt cost — changed by
// the optional modify functions, and closes it when the test ends.
func NewTestServer(t TB, modify ...func(*Options)) *TestServer {
	t.Helper()
	opts := Options{AllowTestIdentities: true, BcryptCost: 4}
	for _, m := range modify {
		m(&opts)
	}
	s, err := New(opts)
	if err != nil {
		t.Fatalf("mockserver: %v", err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return &TestServer{Server: s, URL: srv.URL, srv: srv}
}

// FixedClock returns an option that starts the server's clock at t (it
// runs on from there with the real clock's pace frozen: Advance moves it).
func FixedClock(t time.Time) func(*Options) {
	return func(o *Options) { o.Now = func() time.Time { return t } }
}

// Close stops the server at once, before the test's end: its listener and
// every connection, as a replica that dies would. Closing again (at the
// test's end) is harmless.
func (ts *TestServer) Close() {
	ts.srv.CloseClientConnections()
	ts.srv.Close()
}
