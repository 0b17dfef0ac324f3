// Package ncalayertest starts a headless NCALayer (package ncalayer) on a
// free loopback port for a test, as net/http/httptest starts an HTTP
// server:
//
//	srv := ncalayertest.Start(t, ncalayer.Options{Keys: keys})
//	// connect to srv.URL ("wss://127.0.0.1:PORT/") trusting srv.TLSConfig(),
//	// or give a browser srv.SPKIHash(); the server closes when the test ends.
//
// With Options.Plain the URL is ws:// and there is no certificate to trust.
package ncalayertest

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/esfkit/esf/ncalayer"
)

// Server is a running headless NCALayer.
type Server struct {
	*ncalayer.Server
	// URL is the WebSocket URL pages and clients connect to:
	// "wss://127.0.0.1:PORT/", or "ws://…" with Options.Plain.
	URL string
	// Addr is the listening address, "127.0.0.1:PORT".
	Addr string

	done chan error
	once sync.Once
}

// New starts a server for opts on 127.0.0.1 and a free port.
func New(opts ncalayer.Options) (*Server, error) {
	srv, err := ncalayer.New(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("ncalayertest: %w", err)
	}
	s := &Server{Server: srv, Addr: ln.Addr().String(), done: make(chan error, 1)}
	scheme := "wss"
	if !srv.TLS() {
		scheme = "ws"
	}
	s.URL = scheme + "://" + s.Addr + "/"
	go func() { s.done <- srv.Serve(ln) }()
	return s, nil
}

// Start is New for a test: it fails t if the server cannot start and
// closes it when t ends.
func Start(t testing.TB, opts ncalayer.Options) *Server {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatalf("ncalayertest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// TLSConfig returns a client configuration that trusts the server's
// certificate; nil for a plain ws:// server.
func (s *Server) TLSConfig() *tls.Config {
	pool := s.RootPool()
	if pool == nil {
		return nil
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

// Close shuts the server down, giving connections a second to finish the
// request they are answering, and waits for it to stop.
func (s *Server) Close() {
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
		<-s.done // ErrServerClosed, or the listener's earlier failure
	})
}
