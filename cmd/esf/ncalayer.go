package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/ncalayer"
)

// ncalayerServeAbout is the help of "esf ncalayer serve" after its synopsis.
const ncalayerServeAbout = `Serves a headless NCALayer: the WebSocket protocol of NCALayer, the signing
application of Kazakhstan's NCA (commonUtils: getActiveTokens, getKeyInfo,
signXml, signXmls, createCMSSignatureFromBase64, createCAdESFromBase64,
changeLocale; basics: sign with format xml or cms), signing with the key
stores given, WITHOUT ASKING: the key a request's key type and filters fit
first is used; when none fits, the answer is NCALayer's cancel. Web pages
(the mock's portal, your application) work with it unchanged. It stops on
SIGINT or SIGTERM.

The first line on standard output, once it listens, is
  listening on wss://HOST:PORT/
followed by the keys it holds and what the browser must trust.

TLS. Pages connect to wss://127.0.0.1:13579/ as to the real NCALayer. The
certificate is generated at every start (a CA and a certificate for
127.0.0.1, ::1 and localhost), unless --tls-cert and --tls-key give one. A
person opens https://127.0.0.1:13579/ once in the browser and accepts the
certificate; a test writes the CA with --cert-out FILE and makes the browser
trust it (Chromium: certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n esf -i FILE,
or --ignore-certificate-errors-spki-list with the hash the banner prints).
--plain serves ws:// instead, on a loopback --addr only: pages served over
http (not https) may use ws://127.0.0.1:13579/.

Origins. It signs without asking, so only pages of 127.0.0.1, localhost and
[::1] (http or https, any port) may connect; --origin URL allows another
(repeat it), --any-origin any web site (the banner warns). A client that
sends no Origin (a program, not a browser) is accepted from this machine.

Key stores. --keystore FILE with --pin PIN, repeated: the i-th --pin opens
the i-th --keystore; one --pin (or $` + envPIN + `) opens them all. --demo adds
key stores issued in memory by the built-in test CAs the mock trusts: an
individual's RSA AUTH and SIGN keys and a legal entity head's GOST 2015 key
(ТЕСТОВ ТЕСТ, IIN 123456789011, BIN 123456789021, PIN ` + certstest.DefaultPIN + `).

Exit status: 0 after SIGINT or SIGTERM; 1 a key store unreadable or its PIN
wrong, the address in use; 2 a usage error (a malformed flag, a key store
without a PIN, --plain on an address that is not loopback, an unreadable
--tls-cert or --tls-key).
`

// ncalayerConfig is what the flags of "esf ncalayer serve" ask for.
type ncalayerConfig struct {
	addr    string
	opts    ncalayer.Options
	certOut string
	level   slog.Level
}

// parseNCALayerServe reads the flags and opens the key stores they name.
func parseNCALayerServe(fs *flagSet, args []string) (*ncalayerConfig, error) {
	var keystores, pins, origins multiFlag
	fs.Var(&keystores, "keystore", "sign with the key store `FILE` (.p12); repeat for more")
	fs.Var(&pins, "pin", "the `PIN` of the key store given in the same position; one PIN opens them all (default: $"+envPIN+")")
	demo := fs.Bool("demo", false, "also hold the demo key stores of the built-in test CAs (the mock trusts them)")
	addr := fs.String("addr", ncalayer.DefaultAddr, "listen on `host:port`; port 0 picks a free one")
	plain := fs.Bool("plain", false, "serve plain ws:// (loopback --addr only) instead of wss://")
	tlsCert := fs.String("tls-cert", "", "the TLS certificate chain `FILE` (PEM) to serve instead of a generated one")
	tlsKey := fs.String("tls-key", "", "the TLS private key `FILE` (PEM) of --tls-cert")
	certOut := fs.String("cert-out", "", "write the certificate a browser must trust (PEM) to `FILE`")
	fs.Var(&origins, "origin", "also accept pages of this origin `URL` (https://host[:port]); repeat for more")
	anyOrigin := fs.Bool("any-origin", false, "INSECURE: accept pages of any origin; any web site could sign with the keys")
	version := fs.String("version", ncalayer.DefaultVersion, "the `version` the greeting reports")
	crlf := fs.Bool("crlf", false, "write signed XML and PEM certificates with CR LF line breaks, as NCALayer on Windows")
	cmsString := fs.Bool("cms-string", false, "answer basics.sign cms for one document with a string, as NCALayer before October 2024, not an array")
	logLevel := fs.String("log-level", "info", "log `level`: debug (every request), info, warn or error")
	rest, err := fs.parse(args)
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 {
		return nil, fmt.Errorf("%w: esf ncalayer serve takes no arguments, got %q", errUsage, rest)
	}
	cfg := &ncalayerConfig{addr: *addr, certOut: *certOut}
	if err := cfg.level.UnmarshalText([]byte(*logLevel)); err != nil {
		return nil, fmt.Errorf("%w: --log-level %q: want debug, info, warn or error", errUsage, *logLevel)
	}
	if _, port, err := net.SplitHostPort(*addr); err != nil || port == "" {
		return nil, fmt.Errorf("%w: --addr %q is not host:port (e.g. 127.0.0.1:13579)", errUsage, *addr)
	}
	switch {
	case len(keystores) == 0 && !*demo:
		return nil, fmt.Errorf("%w: give --keystore FILE (with --pin) or --demo", errUsage)
	case len(pins) > 1 && len(pins) != len(keystores):
		return nil, fmt.Errorf("%w: %d --pin for %d --keystore: give one PIN for all or one per key store", errUsage, len(pins), len(keystores))
	case *plain && (*tlsCert != "" || *tlsKey != ""):
		return nil, fmt.Errorf("%w: --plain serves no TLS: drop --tls-cert and --tls-key", errUsage)
	case (*tlsCert == "") != (*tlsKey == ""):
		return nil, fmt.Errorf("%w: give --tls-cert and --tls-key together", errUsage)
	case *plain && !loopbackAddr(*addr):
		return nil, fmt.Errorf("%w: --plain on %s: plain ws:// is served on a loopback address only (127.0.0.1, ::1, localhost)", errUsage, *addr)
	case *plain && *certOut != "":
		return nil, fmt.Errorf("%w: --plain has no certificate for --cert-out", errUsage)
	case *version == "":
		return nil, fmt.Errorf("%w: --version must not be empty", errUsage)
	}
	o := &cfg.opts
	o.Plain, o.AnyOrigin, o.Version, o.CMSResultString = *plain, *anyOrigin, *version, *cmsString
	if *crlf {
		o.LineEnding = ncalayer.CRLF
	}
	o.AllowedOrigins = origins
	for _, origin := range origins {
		if _, err := ncalayer.New(ncalayer.Options{Plain: true, AllowedOrigins: []string{origin}}); err != nil {
			return nil, fmt.Errorf("%w: --origin %q: want scheme://host[:port], such as https://portal.example:8443", errUsage, origin)
		}
	}
	if *tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(*tlsCert, *tlsKey)
		if err != nil {
			return nil, fmt.Errorf("%w: --tls-cert/--tls-key: %w", errUsage, err)
		}
		o.Certificate = &cert
	}
	for i, path := range keystores {
		pin := ""
		switch {
		case len(pins) == 1:
			pin = pins[0]
		case len(pins) > 1:
			pin = pins[i]
		}
		in, err := readInput(path, pinFrom(pin))
		if err != nil {
			return nil, fmt.Errorf("--keystore: %w", err)
		}
		if in.keyStore == nil {
			return nil, fmt.Errorf("--keystore %s is a certificate, not a key store", path)
		}
		o.Keys = append(o.Keys, &ncalayer.Key{KeyStore: in.keyStore, Name: path})
	}
	if *demo {
		keys, err := demoKeys(time.Now())
		if err != nil {
			return nil, err
		}
		o.Keys = append(o.Keys, keys...)
	}
	return cfg, nil
}

// demoKeys issues, in memory, a person's key stores from the built-in
// test CAs with the fixtures' seeds — the CAs esf mock serve trusts by
// default: an individual's RSA AUTH and SIGN keys, and a legal entity
// head's GOST 2015 key (AUTH+SIGN), valid from now.
func demoKeys(now time.Time) ([]*ncalayer.Key, error) {
	clock := func() time.Time { return now }
	rsaCA, err := certstest.NewCA(certstest.Options{Now: clock, Rand: certstest.DeterministicRand(certstest.FixtureSeed)})
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	gostCA, err := certstest.NewCA(certstest.Options{Now: clock, Algorithm: certs.AlgorithmGOST2015_512, Rand: certstest.DeterministicRand(certstest.FixtureGOSTSeed)})
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	issue := []struct {
		ca *certstest.CA
		p  certstest.Profile
	}{
		{rsaCA, certstest.Profile{Kind: certstest.KindIndividual, Usage: certs.UsageAuth}},
		{rsaCA, certstest.Profile{Kind: certstest.KindIndividual, Usage: certs.UsageSign}},
		{gostCA, certstest.Profile{Kind: certstest.KindCEO}},
	}
	var out []*ncalayer.Key
	for _, is := range issue {
		iss, err := is.ca.Issue(is.p)
		if err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		ks, err := certs.Open(iss.PKCS12, iss.PIN)
		if err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		out = append(out, &ncalayer.Key{KeyStore: ks, Name: "demo:" + iss.FileName})
	}
	return out, nil
}

// ncalayerServe implements "esf ncalayer serve".
func ncalayerServe(ctx context.Context, fs *flagSet, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseNCALayerServe(fs, args)
	if err != nil {
		return err
	}
	stderr = &lockedWriter{w: stderr}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.level}))
	cfg.opts.Logger = log
	srv, err := ncalayer.New(cfg.opts)
	if err != nil {
		return err
	}
	if cfg.certOut != "" {
		if err := os.WriteFile(cfg.certOut, srv.RootPEM(), 0o644); err != nil {
			return fmt.Errorf("--cert-out: %w", err)
		}
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	printNCALayerBanner(stdout, ln.Addr(), srv, cfg, time.Now())

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, ncalayer.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("stopped")
	return nil
}

// printNCALayerBanner prints, at once, where it listens (the first line,
// "listening on URL", for scripts), the keys and what to trust.
func printNCALayerBanner(out io.Writer, addr net.Addr, srv *ncalayer.Server, cfg *ncalayerConfig, now time.Time) {
	w := new(strings.Builder)
	scheme := "wss"
	if !srv.TLS() {
		scheme = "ws"
	}
	host, port, _ := net.SplitHostPort(addr.String())
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	hostport := net.JoinHostPort(host, port)
	fmt.Fprintf(w, "listening on %s://%s/\n", scheme, hostport)
	fmt.Fprintf(w, "headless NCALayer %s: signs WITHOUT ASKING with %d key store(s):\n", cfg.opts.Version, len(cfg.opts.Keys))
	for _, k := range cfg.opts.Keys {
		c := k.KeyStore.Certificate
		who := c.CommonName
		if c.IIN != "" {
			who += ", IIN " + c.IIN
		}
		if c.BIN != "" {
			who += ", BIN " + c.BIN
		}
		state := "valid until " + c.NotAfter.UTC().Format("2006-01-02")
		if !c.ValidAt(now) {
			state = "NOT VALID NOW (" + c.NotBefore.UTC().Format("2006-01-02") + " to " + c.NotAfter.UTC().Format("2006-01-02") + "): never used"
		}
		fmt.Fprintf(w, "  %-9s %-12s %s; %s; %s\n", c.Usage, c.Algorithm, who, state, k.Name)
	}
	if srv.TLS() {
		fmt.Fprintf(w, "TLS: open https://%s/ once in the browser and accept the certificate", hostport)
		if cfg.certOut != "" {
			fmt.Fprintf(w, ", or trust %s (written by --cert-out)", cfg.certOut)
		}
		fmt.Fprintln(w, ";")
		fmt.Fprintf(w, "     Chromium: --ignore-certificate-errors-spki-list=%s\n", srv.SPKIHash())
	}
	switch {
	case cfg.opts.AnyOrigin:
		fmt.Fprintln(w, "WARNING: --any-origin: a page of ANY web site open in a browser on this machine can sign with these keys.")
	case len(cfg.opts.AllowedOrigins) > 0:
		fmt.Fprintf(w, "origins: pages of 127.0.0.1, localhost, [::1] and %s\n", strings.Join(cfg.opts.AllowedOrigins, ", "))
	default:
		fmt.Fprintln(w, "origins: pages of 127.0.0.1, localhost and [::1] only (--origin URL for another)")
	}
	if !loopbackAddr(cfg.addr) {
		fmt.Fprintf(w, "WARNING: %s is reachable from the network; browsers elsewhere can connect from the origins above.\n", cfg.addr)
	}
	_, _ = io.WriteString(out, w.String())
}
