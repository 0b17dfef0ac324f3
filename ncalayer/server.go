package ncalayer

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/esfkit/esf/certs"
)

// Defaults of Options.
const (
	// DefaultAddr is where NCALayer listens, and where pages look for it.
	DefaultAddr = "127.0.0.1:13579"
	// DefaultVersion is the version the greeting reports: NCALayer 1.4,
	// current since 2024 (docs/ncalayer.md §1.3).
	DefaultVersion = "1.4"
	// DefaultMaxMessageSize bounds one request frame. NCALayer states no
	// limit; 16 MiB holds a base64 CMS of about 12 MB, far beyond the
	// documents pages sign.
	DefaultMaxMessageSize = 16 << 20
)

// LineEnding is the line break NCALayer's Java writes, which follows the
// platform it runs on.
type LineEnding int

const (
	// LF writes line feeds, as NCALayer's 2022 basics recording and NCA's
	// GOST 2015 output do (docs/ncalayer.md §6.5).
	LF LineEnding = iota
	// CRLF writes every line feed of the signed document as CR LF, as
	// NCALayer on Windows did in the 2020 commonUtils recordings. Parsers
	// read CR LF as LF, so the signature is the same.
	CRLF
)

// Options configure a Server. The zero value is a server with no keys
// (every signing request is cancelled), the version greeting "1.4", TLS
// with a certificate generated for 127.0.0.1 and localhost, and only
// loopback pages allowed to connect.
type Options struct {
	// Keys are the keys the emulator signs with, offered in this order.
	Keys []*Key
	// Choose plays the user at the key dialog; nil is FirstKey.
	Choose ChooseFunc

	// Version is what the greeting {"result":{"version":…}} says; empty
	// is DefaultVersion.
	Version string
	// LineEnding is the platform's line break NCALayer writes: in signed
	// XML and in getKeyInfo's PEM certificate (LF or CRLF).
	LineEnding LineEnding
	// XMLCarriageReturns writes &#13; before each line feed inside
	// base64, as newer Java Santuario does (xmlsig.SignOptions).
	XMLCarriageReturns bool
	// CMSResultString makes basics.sign with format "cms" and a single
	// document answer {"result":"<PEM>"}, as NCALayer did before October
	// 2024, instead of {"result":["<PEM>"]}.
	CMSResultString bool
	// DefaultIssuers stand for "the current production NCA": a basics.sign
	// request without signerParams.chain (or with chain null) accepts
	// only certificates that chain to one of them, as NCALayer does. Nil
	// (the default) accepts any issuer, so pages written for production
	// work with test keys; chain [] always accepts any issuer.
	DefaultIssuers []*certs.Certificate

	// Now is the clock of the signatures: their signing time, and the
	// validity of the keys' certificates; nil is time.Now. (The generated
	// TLS certificate follows the wall clock, which browsers check it
	// against.)
	Now func() time.Time
	// Rand is the randomness of GOST signatures and of the generated TLS
	// certificate's serial numbers; nil is crypto/rand.
	Rand io.Reader

	// Plain serves ws:// instead of wss://. It is refused on any address
	// but loopback (ErrPlainNotLoopback).
	Plain bool
	// Certificate is the TLS certificate (with its chain and key); nil
	// generates one valid for 127.0.0.1, ::1 and localhost, issued by a
	// CA generated with it (RootPEM returns that CA).
	Certificate *tls.Certificate
	// AllowedOrigins are page origins ("https://portal.example:8443")
	// allowed to connect besides loopback ones (http or https on
	// 127.0.0.1, localhost or [::1], any port).
	AllowedOrigins []string
	// AnyOrigin lets a page of any origin connect. The emulator signs
	// without asking: with AnyOrigin any web site the browser visits may
	// sign with its keys.
	AnyOrigin bool
	// MaxMessageSize bounds a request frame, in bytes; zero is
	// DefaultMaxMessageSize. A larger frame closes the connection (1009).
	MaxMessageSize int64
	// Logger logs connections, requests and refusals; nil logs nothing.
	Logger *slog.Logger
}

// Errors of Serve and New.
var (
	// ErrServerClosed is returned by Serve after Shutdown or Close.
	ErrServerClosed = errors.New("ncalayer: server closed")
	// ErrPlainNotLoopback refuses plain ws:// on an address other than
	// loopback: the emulator signs without asking, and over plain ws
	// anyone on the network could listen in.
	ErrPlainNotLoopback = errors.New("ncalayer: plain ws:// is served on loopback addresses only")
)

// Server is a headless NCALayer. It is an http.Handler (ServeHTTP) that
// upgrades WebSocket requests and answers a plain GET / with a short page;
// Serve runs it on a listener with TLS, and Shutdown stops it.
type Server struct {
	opts    Options
	log     *slog.Logger
	tls     *tls.Config
	rootPEM []byte
	spki    string
	origins map[string]bool

	mu        sync.Mutex
	closing   bool
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	hs        []*http.Server
	wg        sync.WaitGroup // connections' goroutines
}

// New returns a Server for opts: it checks the options and, unless
// opts.Plain or opts.Certificate says otherwise, generates the TLS
// certificate.
func New(opts Options) (*Server, error) {
	s := &Server{opts: opts, log: opts.Logger, origins: map[string]bool{},
		listeners: map[net.Listener]struct{}{}, conns: map[*conn]struct{}{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.opts.Version == "" {
		s.opts.Version = DefaultVersion
	}
	if s.opts.MaxMessageSize <= 0 {
		s.opts.MaxMessageSize = DefaultMaxMessageSize
	}
	if s.opts.Choose == nil {
		s.opts.Choose = FirstKey
	}
	for i, k := range opts.Keys {
		if k == nil || k.KeyStore == nil || k.KeyStore.Certificate == nil {
			return nil, fmt.Errorf("ncalayer: Keys[%d] has no key store", i)
		}
		if k.Storage != "" && !knownStorage(k.Storage) {
			return nil, fmt.Errorf("ncalayer: Keys[%d]: storage %q is none of NCALayer's (%s)", i, k.Storage, strings.Join(storages, ", "))
		}
	}
	for _, o := range opts.AllowedOrigins {
		n, err := normalizeOrigin(o)
		if err != nil {
			return nil, fmt.Errorf("ncalayer: AllowedOrigins: %w", err)
		}
		s.origins[n] = true
	}
	if !opts.Plain {
		cert := opts.Certificate
		if cert == nil {
			// Dated by the wall clock, not Options.Now: browsers check
			// it against theirs.
			gen, err := generateCertificate(time.Now(), opts.Rand)
			if err != nil {
				return nil, err
			}
			cert = &gen.cert
			s.rootPEM = gen.rootPEM
		} else if len(cert.Certificate) > 0 {
			s.rootPEM = pemCert(cert.Certificate[len(cert.Certificate)-1])
		}
		if len(cert.Certificate) == 0 {
			return nil, errors.New("ncalayer: Options.Certificate holds no certificate")
		}
		leaf, err := x509.ParseCertificate(cert.Certificate[0])
		if err != nil {
			return nil, fmt.Errorf("ncalayer: Options.Certificate: %w", err)
		}
		s.spki = spkiHash(leaf)
		s.tls = &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS12}
	}
	return s, nil
}

func (s *Server) now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now()
	}
	return time.Now()
}

// RootPEM returns the PEM certificate a client must trust to connect
// over wss://: the CA of the generated certificate, or the last
// certificate of Options.Certificate's chain; nil with Options.Plain.
func (s *Server) RootPEM() []byte { return append([]byte(nil), s.rootPEM...) }

// RootPool returns RootPEM as a certificate pool, for a Go client's
// tls.Config.RootCAs; nil with Options.Plain.
func (s *Server) RootPool() *x509.CertPool {
	if s.rootPEM == nil {
		return nil
	}
	p := x509.NewCertPool()
	p.AppendCertsFromPEM(s.rootPEM)
	return p
}

// SPKIHash returns the base64 SHA-256 hash of the TLS certificate's
// public key, the value Chromium's --ignore-certificate-errors-spki-list
// takes to accept it; empty with Options.Plain.
func (s *Server) SPKIHash() string { return s.spki }

// TLS reports whether the server speaks wss:// (not Options.Plain).
func (s *Server) TLS() bool { return s.tls != nil }

// ListenAndServe listens on addr (DefaultAddr when empty) and serves.
func (s *Server) ListenAndServe(addr string) error {
	if addr == "" {
		addr = DefaultAddr
	}
	if s.tls == nil && !loopbackHost(addr) {
		return fmt.Errorf("%w: %s", ErrPlainNotLoopback, addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("ncalayer: %w", err)
	}
	return s.Serve(ln)
}

// Serve accepts connections on ln — wrapping them in TLS unless
// Options.Plain — until Shutdown or Close, and returns ErrServerClosed
// then. It closes ln. With Options.Plain, a listener not on a loopback
// address is refused with ErrPlainNotLoopback.
func (s *Server) Serve(ln net.Listener) error {
	if s.tls == nil && !loopbackHost(ln.Addr().String()) {
		ln.Close()
		return fmt.Errorf("%w: %s", ErrPlainNotLoopback, ln.Addr())
	}
	if s.tls != nil {
		ln = tls.NewListener(ln, s.tls)
	}
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.hs = append(s.hs, hs)
	s.mu.Unlock()
	err := hs.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return ErrServerClosed
	}
	return err
}

// Shutdown stops the server gracefully: it stops accepting, lets every
// connection finish the request it is answering, closes the connections
// with 1001 (going away), and waits for them until ctx ends, when it
// closes what is left at once and returns ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	hss := s.hs
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	var err error
	for _, hs := range hss {
		if e := hs.Shutdown(ctx); e != nil && err == nil {
			err = e
		}
	}
	for _, c := range conns {
		c.shutdown()
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return err
	case <-ctx.Done():
		s.Close()
		<-done
		return ctx.Err()
	}
}

// Close stops the server at once: listeners and connections are closed,
// a request being answered is abandoned. It waits for the connections'
// goroutines to end.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closing = true
	hss := s.hs
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, hs := range hss {
		hs.Close()
	}
	for _, c := range conns {
		c.kill()
	}
	s.wg.Wait()
	return nil
}

// ServeHTTP upgrades a WebSocket request (on any path, as NCALayer) from
// an allowed origin and serves the connection; a plain GET / gets a short
// page saying what this is, so that a person can open
// https://127.0.0.1:13579/ once and accept the certificate.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !isUpgrade(r) {
		s.servePage(w, r)
		return
	}
	origin := r.Header.Get("Origin")
	if !s.originAllowed(origin, r.RemoteAddr) {
		s.log.Warn("ncalayer: refused a connection", "origin", origin, "remote", r.RemoteAddr)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, "ncalayer: the origin %q may not connect: this emulator signs without asking, so only pages on 127.0.0.1, localhost and [::1] may use it (esf ncalayer serve --origin URL allows another)\n", origin)
		return
	}
	s.serveWebSocket(w, r, origin)
}

func isUpgrade(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// originAllowed applies the origin rule: a loopback page (http or https
// on 127.0.0.1, localhost or [::1], any port), an origin of
// Options.AllowedOrigins, any origin with Options.AnyOrigin; a client
// that sends no Origin (not a browser) only from a loopback address.
func (s *Server) originAllowed(origin, remote string) bool {
	if s.opts.AnyOrigin {
		return true
	}
	if origin == "" {
		return loopbackHost(remote)
	}
	n, err := normalizeOrigin(origin)
	if err != nil {
		return false
	}
	if s.origins[n] {
		return true
	}
	u, _ := url.Parse(n)
	return (u.Scheme == "http" || u.Scheme == "https") && loopbackName(u.Hostname())
}

// normalizeOrigin returns scheme://host[:port] in lower case, without a
// default port; "null" (a file or sandboxed page) stays "null".
func normalizeOrigin(o string) (string, error) {
	if o == "null" {
		return o, nil
	}
	u, err := url.Parse(strings.TrimSuffix(o, "/"))
	if err != nil || u.Scheme == "" || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return "", fmt.Errorf("origin %q is not scheme://host[:port]", o)
	}
	scheme, host, port := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname()), u.Port()
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host, nil
}

// loopbackName reports whether a host name is 127.0.0.0/8, ::1 or
// localhost.
func loopbackName(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// loopbackHost reports whether host:port is on a loopback address.
func loopbackHost(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	return loopbackName(host)
}

// page is what GET / answers.
const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>esf headless NCALayer</title></head>
<body>
<h1>esf headless NCALayer</h1>
<p>This is a stand-in for NCALayer, the signing application of Kazakhstan's National
Certification Authority, for tests and sandboxes: web pages on this machine talk to it over
the WebSocket <code>%s</code>, and it signs with the key stores it was started with
<strong>without asking</strong>. It is not NCALayer and holds no real keys unless you gave
it some.</p>
<p>If your browser asked you to accept this page's certificate, you have now done so: pages
can connect to <code>%s</code>.</p>
</body></html>
`

func (s *Server) servePage(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	scheme := "ws"
	if r.TLS != nil {
		scheme = "wss"
	}
	u := scheme + "://" + r.Host + "/"
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	fmt.Fprintf(w, page, htmlEscape(u), htmlEscape(u))
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}
