package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"sync"
	"time"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver"
)

// DefaultSandboxBcryptCost is esf mock serve's bcrypt cost: bcrypt's
// minimum. A sandbox holds test passwords; what it must do is answer
// hundreds of registrations and log-ins a second on a small machine.
const DefaultSandboxBcryptCost = 4

// shutdownTimeout bounds the graceful shutdown: requests in flight get
// this long to finish before the listener's connections are closed.
const shutdownTimeout = 10 * time.Second

// maxSeedSize bounds a --seed file.
const maxSeedSize = 64 << 20

// mockServeAbout is the help of "esf mock serve" after its synopsis.
const mockServeAbout = `Serves the ESF mock: the SOAP API (/esf-web/ws/api1/SessionService,
AuthService, VersionService), the portal (/esf-web/: its JSON routes and
its pages for a browser, which sign through NCALayer — the desktop
application, or "esf ncalayer serve" — at --ncalayer-url), the control
API (/_mock/) and /healthz. It logs a line per request to standard error and
stops gracefully on SIGINT or SIGTERM.

The first line on standard output, once it listens, is
  listening on http://HOST:PORT
(with --addr 127.0.0.1:0 the port is a free one); the lines after it name
the endpoints and how to get a test key store:
  curl -o AUTH.p12 -D - 'http://HOST:PORT/_mock/keystore?kind=individual&usage=auth'
(kind individual|entrepreneur|ceo|can-sign|employee, usage auth|sign,
alg rsa|gost; the PIN is in the X-PIN header: Qwerty12). Key stores are
issued only with the built-in test CAs, that is without --trust.

State. Without --state or --db it is in memory and gone on exit. With
--state FILE it is an SQLite database at FILE (created if absent; WAL mode,
one transaction per request, so nothing acknowledged is lost to a crash or
kill -9, and a request whose commit fails — a full disk — leaves no
trace). A FILE holding the JSON state file of earlier versions is imported
once: the JSON is moved to FILE.imported.json and FILE becomes the
database. With --db postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=disable
it is in PostgreSQL, and any number of replicas of the mock may serve one
database: every rule (one registration per BIN, one open API session per
user, single-use tickets and links, the log-in throttle) and the control
API's clock, faults and trust hold across them. Schema migrations are
applied at start. Closed sessions, used tickets, mail and abandoned
registrations are pruned after --retention.

Passwords are hashed with bcrypt at --bcrypt-cost (default 4, bcrypt's
least): the passwords in a sandbox are test passwords, and a higher cost
caps registrations and log-ins per second. Raise it if real ones may come.

Safe by default, as the real ESF:
  - the SOAP operations the real ESF protects with a WS-Security
    UsernameToken (IIN + account password) demand it; after 5 wrong
    passwords of one IIN in 15 minutes (token or portal alike) that IIN is
    refused for the rest of the window, and an IIN without an account is
    answered exactly as a wrong password;
  - the control API answers loopback clients only; with --addr on any
    other address it demands a bearer token (--control-token, or one
    generated at start and printed once) and the banner warns;
    --control=false turns it off;
  - slow clients are cut off (--read-header-timeout, --read-timeout,
    --idle-timeout) and bodies are bounded (--max-body).

--seed FILE publishes taxpayers into the register at start (visible at
once, into the state --state or --db holds). FILE is a JSON array of esfreg
taxpayers:
  [{"tin": "123456789021", "nameRu": "ТОО \"Тест\"", "type": "PRIVATE_ENTERPRISE",
    "resident": true, "enterpriseAdministrator": "123456789011"},
   {"tin": "123456789011", "lastNameRu": "Иванов", "firstNameRu": "Иван",
    "type": "INDIVIDUAL", "resident": true}]
Other fields: nameKz, middleNameRu, lastNameKz, firstNameKz, middleNameKz,
addressRu, addressKz, certificateSeries, certificateNum, headOffice,
resourceUser, budgetIin, kogd. Unknown fields are an error. (The test BIN
123456789021 and IIN 123456789011 above need --allow-test-identities.)

Exit status: 0 after a graceful shutdown (SIGINT, SIGTERM); 1 the server
could not start (address in use, a corrupt --state file) or failed; 2 a
usage error (a malformed flag; an unreadable --trust, --crl or --seed file;
a --seed taxpayer refused; a --state in a directory that does not exist).
`

// mockConfig is what the flags of "esf mock serve" ask for.
type mockConfig struct {
	addr     string
	opts     mockserver.Options
	limits   serverLimits
	seed     []esfreg.Taxpayer
	seedFile string
	level    slog.Level
	// statePath is --state (SQLite), dbURL --db (PostgreSQL).
	statePath, dbURL string
	// cpuProfile is --cpuprofile.
	cpuProfile string
	// loopback: --addr is a loopback address, reachable from this machine only.
	loopback bool
	// generatedToken: the control token was generated at start (printed once).
	generatedToken bool
}

// serverLimits are the http.Server's timeouts and header limit.
type serverLimits struct {
	readHeader, read, write, idle time.Duration
	maxHeaderBytes                int
}

// loopbackAddr reports whether a listen address is on loopback only:
// 127.0.0.0/8, ::1 or "localhost". An empty host (":8080"), 0.0.0.0 and
// any other address are reachable from the network.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// parseMockServe reads the flags of "esf mock serve" and the files they name.
func parseMockServe(fs *flagSet, args []string) (*mockConfig, error) {
	var trust, crls multiFlag
	addr := fs.String("addr", "127.0.0.1:8080", "listen on host:port; port 0 picks a free one")
	state := fs.String("state", "", "keep the state in the SQLite database `FILE` (created if absent; an earlier version's JSON state file is imported once); default: in memory")
	dbURL := fs.String("db", "", "keep the state in PostgreSQL at this `URL` (postgres://…), shared by any number of replicas")
	fs.Var(&trust, "trust", "trust this CA certificate `FILE` (DER or PEM); repeat for more; default: the built-in test CAs")
	fs.Var(&crls, "crl", "check revocation against this CRL `FILE` (DER or PEM); repeat for more")
	seed := fs.String("seed", "", "publish the taxpayers of this JSON `FILE` at start (format above)")
	allowTest := fs.Bool("allow-test-identities", false, "accept the published test IIN/BIN (123456789011, 123456789012, 123456789021) that fail the checksum")
	_ = fs.Bool("require-username-token", true, "deprecated, and the default: the UsernameToken is demanded wherever the real ESF demands it")
	allowNoToken := fs.Bool("allow-missing-username-token", false, "INSECURE: let createSessionSigned, closeSessionBySignedCredentials and closeSession go without the WS-Security UsernameToken (IIN + account password), for a client that cannot send one; a signed ticket alone then opens a session")
	control := fs.Bool("control", true, "serve the control API (/_mock/); --control=false turns it off, for a sandbox a whole team shares")
	controlToken := fs.String("control-token", "", "the bearer `TOKEN` the control API demands (Authorization: Bearer TOKEN); default: none on a loopback --addr, else one generated at start and printed once")
	readHeaderTimeout := fs.Duration("read-header-timeout", 10*time.Second, "cut off a client that has not sent its request headers within this `duration`")
	readTimeout := fs.Duration("read-timeout", 60*time.Second, "cut off a client that has not sent its whole request (headers and body) within this `duration`")
	writeTimeout := fs.Duration("write-timeout", 60*time.Second, "the longest a response may take, from the end of the request headers, in `duration`")
	idleTimeout := fs.Duration("idle-timeout", 120*time.Second, "close a kept-alive connection idle for this `duration`")
	maxHeaderBytes := fs.Int("max-header-bytes", 64<<10, "the largest request header block in `bytes`")
	maxBody := fs.Int64("max-body", mockserver.DefaultMaxBody, "the largest request body in `bytes` (the portal's log-in takes at most 64 KiB whatever this says)")
	maxStateBody := fs.Int64("max-state-body", mockserver.DefaultMaxStateBody, "the largest state import (PUT /_mock/state) in `bytes`")
	smtpAddr := fs.String("smtp", "", "relay every e-mail to the SMTP server at `host:port` as well (e.g. MailHog's 127.0.0.1:1025)")
	logLevel := fs.String("log-level", "info", "log `level`: debug, info, warn or error")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the mock to `FILE` until it stops (go tool pprof FILE)")
	retention := fs.Duration("retention", mockserver.DefaultRetention, "keep closed API sessions, used or expired tickets and e-mails this `long` once over; 0 keeps them forever")
	ncalayerURL := fs.String("ncalayer-url", "", "the WebSocket `URL` of NCALayer the portal's pages sign through (e.g. ws://127.0.0.1:13579/ for \"esf ncalayer serve --plain\"); default: wss://127.0.0.1:13579/, then ws://127.0.0.1:13579/")
	bcryptCost := fs.Int("bcrypt-cost", DefaultSandboxBcryptCost, "the bcrypt `cost` of account password hashes (4..31); the passwords of a sandbox are test passwords, so the default is bcrypt's minimum, which lets one core hash hundreds a second (the real ESF's are not ours to know; 10 costs ~60 ms each)")

	rest, err := fs.parse(args)
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 {
		return nil, fmt.Errorf("%w: esf mock serve takes no arguments, got %q", errUsage, rest)
	}
	cfg := &mockConfig{addr: *addr, seedFile: *seed}
	if err := cfg.level.UnmarshalText([]byte(*logLevel)); err != nil {
		return nil, fmt.Errorf("%w: --log-level %q: want debug, info, warn or error", errUsage, *logLevel)
	}
	if _, port, err := net.SplitHostPort(*addr); err != nil || port == "" {
		return nil, fmt.Errorf("%w: --addr %q is not host:port (e.g. 127.0.0.1:8080, or :0 for a free port)", errUsage, *addr)
	}
	if *smtpAddr != "" {
		if _, _, err := net.SplitHostPort(*smtpAddr); err != nil {
			return nil, fmt.Errorf("%w: --smtp %q is not host:port", errUsage, *smtpAddr)
		}
	}
	if *state != "" {
		if fi, err := os.Stat(filepath.Dir(*state)); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("%w: --state %s: directory %s does not exist", errUsage, *state, filepath.Dir(*state))
		}
	}
	for _, path := range trust {
		data, err := readLimited(path, certs.MaxKeyStoreSize)
		if err != nil {
			return nil, fmt.Errorf("%w: --trust: %w", errUsage, err)
		}
		c, err := certs.ParseCertificate(data)
		if err != nil {
			return nil, fmt.Errorf("%w: --trust %s: %w", errUsage, path, err)
		}
		cfg.opts.Roots = append(cfg.opts.Roots, c)
	}
	for _, path := range crls {
		data, err := readLimited(path, 256<<20)
		if err != nil {
			return nil, fmt.Errorf("%w: --crl: %w", errUsage, err)
		}
		crl, err := certs.ParseCRL(data)
		if err != nil {
			return nil, fmt.Errorf("%w: --crl %s: %w", errUsage, path, err)
		}
		cfg.opts.CRLs = append(cfg.opts.CRLs, crl)
	}
	if *seed != "" {
		if cfg.seed, err = readSeed(*seed); err != nil {
			return nil, fmt.Errorf("%w: --seed %w", errUsage, err)
		}
	}
	if *state != "" && *dbURL != "" {
		return nil, fmt.Errorf("%w: give --state or --db, not both", errUsage)
	}
	if u := *dbURL; u != "" && !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
		return nil, fmt.Errorf("%w: --db %s: want a postgres:// URL", errUsage, redactURL(u))
	}
	cfg.statePath, cfg.dbURL = *state, *dbURL
	cfg.cpuProfile = *cpuProfile
	cfg.opts.AllowTestIdentities = *allowTest
	cfg.opts.AllowMissingUsernameToken = *allowNoToken
	for name, d := range map[string]time.Duration{"read-header-timeout": *readHeaderTimeout, "read-timeout": *readTimeout, "write-timeout": *writeTimeout, "idle-timeout": *idleTimeout} {
		if d <= 0 {
			return nil, fmt.Errorf("%w: --%s %s: want a positive duration such as 10s", errUsage, name, d)
		}
	}
	cfg.limits = serverLimits{readHeader: *readHeaderTimeout, read: *readTimeout, write: *writeTimeout, idle: *idleTimeout, maxHeaderBytes: *maxHeaderBytes}
	if *maxHeaderBytes < 4096 {
		return nil, fmt.Errorf("%w: --max-header-bytes %d: want at least 4096", errUsage, *maxHeaderBytes)
	}
	if *maxBody < 4096 || *maxStateBody < 4096 {
		return nil, fmt.Errorf("%w: --max-body and --max-state-body: want at least 4096 bytes", errUsage)
	}
	cfg.opts.MaxBody, cfg.opts.MaxStateBody = *maxBody, *maxStateBody
	cfg.opts.DisableControl = !*control
	cfg.opts.ControlToken = *controlToken
	cfg.loopback = loopbackAddr(*addr)
	if *control && cfg.opts.ControlToken == "" && !cfg.loopback {
		tok := make([]byte, 24)
		if _, err := rand.Read(tok); err != nil {
			return nil, fmt.Errorf("control token: %w", err)
		}
		cfg.opts.ControlToken = hex.EncodeToString(tok)
		cfg.generatedToken = true
	}
	cfg.opts.Mail.SMTPAddr = *smtpAddr
	if *bcryptCost < esfreg.MinBcryptCost || *bcryptCost > esfreg.MaxBcryptCost {
		return nil, fmt.Errorf("%w: --bcrypt-cost %d: want %d..%d", errUsage, *bcryptCost, esfreg.MinBcryptCost, esfreg.MaxBcryptCost)
	}
	cfg.opts.BcryptCost = *bcryptCost
	if err := mockserver.CheckNCALayerURL(*ncalayerURL); err != nil {
		return nil, fmt.Errorf("%w: --ncalayer-url: %w", errUsage, err)
	}
	cfg.opts.NCALayerURL = *ncalayerURL
	switch {
	case *retention < 0:
		return nil, fmt.Errorf("%w: --retention %s: want a duration such as 168h, or 0 to keep everything", errUsage, *retention)
	case *retention == 0:
		cfg.opts.Retention = -1 // keep everything
	default:
		cfg.opts.Retention = *retention
	}
	return cfg, nil
}

// stateName says where the state is kept, for the banner and the log.
func (c *mockConfig) stateName() string {
	switch {
	case c.dbURL != "":
		return "PostgreSQL " + redactURL(c.dbURL)
	case c.statePath != "":
		return "SQLite " + c.statePath
	}
	return "(memory)"
}

// readSeed reads a --seed file: a JSON array of esfreg.Taxpayer.
func readSeed(path string) ([]esfreg.Taxpayer, error) {
	data, err := readLimited(path, maxSeedSize)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var ts []esfreg.Taxpayer
	if err := dec.Decode(&ts); err != nil {
		return nil, fmt.Errorf("%s: want a JSON array of taxpayers: %w", path, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%s: data after the JSON array", path)
	}
	for i, t := range ts {
		if t.TIN == "" {
			return nil, fmt.Errorf("%s: taxpayer %d has no tin", path, i)
		}
	}
	return ts, nil
}

// mockServe implements "esf mock serve".
// It runs the ESF mock server (mockserver) over HTTP until ctx is
// cancelled, then shuts it down gracefully.
func mockServe(ctx context.Context, fs *flagSet, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseMockServe(fs, args)
	if err != nil {
		return err
	}
	// The logger writes from every request's goroutine, the command from
	// its own: one lock keeps their lines whole.
	stderr = &lockedWriter{w: stderr}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.level}))
	cfg.opts.Logger = log

	// A server trades memory for CPU: the collector runs at 4 times the
	// live heap (GOGC=400), not twice, unless GOGC says otherwise. The
	// mock's live heap is tens of MB whatever the database holds.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if cfg.cpuProfile != "" {
		f, err := os.Create(cfg.cpuProfile)
		if err != nil {
			return fmt.Errorf("%w: --cpuprofile: %w", errUsage, err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	store, err := openStore(ctx, cfg, log, stderr)
	if err != nil {
		return err
	}
	defer func() {
		// SQLite checkpoints its WAL into the database file here; on a
		// full disk that fails, and the WAL keeps the data for the next
		// start. Say so.
		if err := store.Close(); err != nil {
			log.Warn("closing the store", "err", err)
		}
	}()
	cfg.opts.Store = store
	srv, err := mockserver.New(cfg.opts)
	if err != nil {
		return err
	}
	for i, t := range cfg.seed {
		if _, err := srv.SeedTaxpayer(t, true); err != nil {
			return fmt.Errorf("%w: --seed %s: taxpayer %d (%s): %w", errUsage, cfg.seedFile, i, t.TIN, err)
		}
	}
	if len(cfg.seed) > 0 {
		log.Info("seeded taxpayers", "file", cfg.seedFile, "count", len(cfg.seed))
	}

	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: cfg.limits.readHeader,
		ReadTimeout:       cfg.limits.read,
		WriteTimeout:      cfg.limits.write,
		IdleTimeout:       cfg.limits.idle,
		MaxHeaderBytes:    cfg.limits.maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()

	base := baseURL(ln.Addr())
	printMockBanner(stdout, base, cfg)
	log.Info("mock server started", "addr", ln.Addr().String(), "url", base, "state", cfg.stateName())

	select {
	case err := <-served:
		// Serve only returns early on a listener failure.
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", shutdownTimeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		_ = hs.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("stopped")
	return nil
}

// printMockBanner prints where the mock listens and how to use it; the
// first line is "listening on URL" for scripts to read. It is written at
// once, so that a reader who sees the first line sees them all.
func printMockBanner(out io.Writer, base string, cfg *mockConfig) {
	w := new(strings.Builder)
	fmt.Fprintf(w, "listening on %s\n", base)
	fmt.Fprintln(w, "SOAP API:")
	for _, svc := range []string{"SessionService", "AuthService", "VersionService", "InvoiceService", "UploadInvoiceService"} {
		fmt.Fprintf(w, "  %s%s%s?wsdl\n", base, mockserver.APIPath, svc)
	}
	nl := cfg.opts.NCALayerURL
	if nl == "" {
		nl = mockserver.DefaultNCALayerURL + " or " + mockserver.FallbackNCALayerURL
	}
	fmt.Fprintf(w, "portal:      %s/esf-web/  (open it in a browser: log-in %s/esf-web/login, registration %s%s; the pages sign through NCALayer at %s)\n",
		base, base, base, mockserver.RegistrationPagePath, nl)
	switch {
	case cfg.opts.DisableControl:
		fmt.Fprintf(w, "control API: off (--control=false)  (health: %s/healthz)\n", base)
	case cfg.opts.ControlToken != "":
		fmt.Fprintf(w, "control API: %s/_mock/  (health: %s/healthz), with the header Authorization: Bearer TOKEN\n", base, base)
		if cfg.generatedToken {
			fmt.Fprintf(w, "control token (generated, shown this once): %s\n", cfg.opts.ControlToken)
		}
	default:
		fmt.Fprintf(w, "control API: %s/_mock/  (health: %s/healthz), loopback clients only\n", base, base)
	}
	if !cfg.opts.DisableControl {
		fmt.Fprintf(w, "mock pages:  %s/_mock/ui/  (the mailbox with the e-mailed links: %s/_mock/ui/mail; the register, accounts, sessions, clock, faults)\n", base, base)
	}
	if !cfg.loopback {
		fmt.Fprintf(w, "WARNING: %s is reachable from the network, not only from this machine: anyone who can reach it can register, log in and open API sessions with test keys", cfg.addr)
		if !cfg.opts.DisableControl {
			fmt.Fprint(w, "; the control API (reset everything, trust any CA and so forge anyone, read and replace the state with every password hash) needs the control token")
		}
		fmt.Fprintln(w, ".")
	}
	if cfg.opts.AllowMissingUsernameToken {
		fmt.Fprintln(w, "WARNING: --allow-missing-username-token: createSessionSigned, closeSessionBySignedCredentials and closeSession are served without the account password; a signed ticket alone opens a session. The real ESF demands the UsernameToken.")
	}
	if len(cfg.opts.Roots) == 0 {
		fmt.Fprintf(w, "test key store (PIN in the X-PIN header: %s; kind individual|entrepreneur|ceo|can-sign|employee, usage auth|sign, alg rsa|gost):\n", certstest.DefaultPIN)
		fmt.Fprintf(w, "  curl -o AUTH.p12 -D - '%s/_mock/keystore?kind=individual&usage=auth'\n", base)
	} else {
		fmt.Fprintln(w, "test key stores: not issued, since --trust replaces the built-in test CAs")
	}
	if cfg.statePath != "" || cfg.dbURL != "" {
		fmt.Fprintf(w, "state:       %s\n", cfg.stateName())
	} else {
		fmt.Fprintln(w, "state:       in memory (lost on exit; keep it with --state FILE)")
	}
	_, _ = io.WriteString(out, w.String())
}

// baseURL is the http URL of a listener's address; an unspecified host
// (":8080", "0.0.0.0:8080") is shown as the loopback address of its family.
func baseURL(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return "http://" + a.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1" // Go's "[::]" listener is dual-stack
	}
	return "http://" + net.JoinHostPort(host, port)
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
