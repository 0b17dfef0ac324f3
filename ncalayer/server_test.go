package ncalayer_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/ncalayer"
	"github.com/esfkit/esf/ncalayer/ncalayertest"
)

func TestOrigins(t *testing.T) {
	tests := []struct {
		name   string
		opts   func(*ncalayer.Options)
		origin string
		ok     bool
	}{
		{"no Origin from loopback (not a browser)", nil, "", true},
		{"http 127.0.0.1", nil, "http://127.0.0.1:8080", true},
		{"https localhost", nil, "https://localhost", true},
		{"http [::1]", nil, "http://[::1]:3000", true},
		{"127.1.2.3 is loopback too", nil, "http://127.1.2.3:80", true},
		{"a web site", nil, "https://esf.gov.kz", false},
		{"localhost as a subdomain", nil, "http://localhost.evil.example", false},
		{"a file page", nil, "null", false},
		{"not http", nil, "ftp://127.0.0.1", false},
		{"garbage", nil, "::", false},
		{"allowed by --origin", func(o *ncalayer.Options) { o.AllowedOrigins = []string{"https://Portal.Example:443/"} }, "https://portal.example", true},
		{"--origin is exact", func(o *ncalayer.Options) { o.AllowedOrigins = []string{"https://portal.example"} }, "https://portal.example:8443", false},
		{"--origin null for file pages", func(o *ncalayer.Options) { o.AllowedOrigins = []string{"null"} }, "null", true},
		{"any origin", func(o *ncalayer.Options) { o.AnyOrigin = true }, "https://anything.example", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := baseOptions()
			if tt.opts != nil {
				tt.opts(&opts)
			}
			srv := ncalayertest.Start(t, opts)
			h := http.Header{}
			if tt.origin != "" {
				h.Set("Origin", tt.origin)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			ws, resp, err := websocket.Dial(ctx, srv.URL, &websocket.DialOptions{HTTPHeader: h,
				HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: srv.TLSConfig()}}})
			if tt.ok {
				require.NoError(t, err)
				ws.CloseNow()
				return
			}
			require.Error(t, err)
			require.Equal(t, http.StatusForbidden, resp.StatusCode)
		})
	}
	_, err := ncalayer.New(ncalayer.Options{AllowedOrigins: []string{"portal.example"}})
	require.Error(t, err, "an origin without a scheme")
}

func TestPlainOnlyOnLoopback(t *testing.T) {
	srv, err := ncalayer.New(ncalayer.Options{Plain: true})
	require.NoError(t, err)
	require.False(t, srv.TLS())
	require.Nil(t, srv.RootPEM())
	require.ErrorIs(t, srv.ListenAndServe("0.0.0.0:0"), ncalayer.ErrPlainNotLoopback)
	require.ErrorIs(t, srv.ListenAndServe(":0"), ncalayer.ErrPlainNotLoopback)

	// A listener on a non-loopback address (the test only binds it, no
	// traffic goes there) is refused too.
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.IsLoopback() || ipn.IP.To4() == nil {
			continue
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(ipn.IP.String(), "0"))
		if err != nil {
			continue
		}
		require.ErrorIs(t, srv.Serve(ln), ncalayer.ErrPlainNotLoopback)
		break
	}

	// On loopback it serves ws://.
	ts := ncalayertest.Start(t, ncalayer.Options{Plain: true})
	require.True(t, strings.HasPrefix(ts.URL, "ws://127.0.0.1:"))
	require.Nil(t, ts.TLSConfig())
	_, greeting := dial(t, ts, "")
	require.Equal(t, `{"result":{"version":"1.4"}}`, greeting)
}

// TestTLSGeneratedCertificate: a client that trusts the written PEM (and
// nothing else) connects by 127.0.0.1 and by localhost; one that does not
// is refused.
func TestTLSGeneratedCertificate(t *testing.T) {
	srv := ncalayertest.Start(t, baseOptions())
	require.True(t, strings.HasPrefix(srv.URL, "wss://127.0.0.1:"))
	file := filepath.Join(t.TempDir(), "ncalayer.pem")
	require.NoError(t, os.WriteFile(file, srv.RootPEM(), 0o644))

	pemBytes, err := os.ReadFile(file)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pemBytes))
	block, _ := pem.Decode(pemBytes)
	ca, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	require.True(t, ca.IsCA)

	_, port, _ := net.SplitHostPort(srv.Addr)
	for _, host := range []string{"127.0.0.1", "localhost"} {
		conn, err := tls.Dial("tcp", net.JoinHostPort("127.0.0.1", port), &tls.Config{RootCAs: pool, ServerName: host})
		require.NoError(t, err, host)
		leaf := conn.ConnectionState().PeerCertificates[0]
		require.NoError(t, leaf.VerifyHostname(host))
		conn.Close()
	}
	_, err = tls.Dial("tcp", srv.Addr, &tls.Config{RootCAs: x509.NewCertPool()})
	require.Error(t, err, "a client that trusts nothing")

	// The page a person opens to accept the certificate.
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: srv.TLSConfig()}}
	resp, err := client.Get("https://" + srv.Addr + "/")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(body), "wss://"+srv.Addr+"/")
	require.Equal(t, "default-src 'none'", resp.Header.Get("Content-Security-Policy"))
	resp, err = client.Get("https://" + srv.Addr + "/other")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	require.NotEmpty(t, srv.SPKIHash())
}

// TestGivenCertificate: --tls-cert/--tls-key. The server presents it and
// RootPEM is its last certificate.
func TestGivenCertificate(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "given"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	opts := baseOptions()
	opts.Certificate = &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	srv := ncalayertest.Start(t, opts)
	block, _ := pem.Decode(srv.RootPEM())
	require.Equal(t, der, block.Bytes)
	_, greeting := dial(t, srv, "")
	require.Equal(t, `{"result":{"version":"1.4"}}`, greeting)

	_, err = ncalayer.New(ncalayer.Options{Certificate: &tls.Certificate{}})
	require.Error(t, err, "a certificate with nothing in it")
}

func TestFrameLimits(t *testing.T) {
	opts := baseOptions()
	opts.MaxMessageSize = 1024
	srv := ncalayertest.Start(t, opts)

	c, _ := dial(t, srv, "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, c.ws.Write(ctx, websocket.MessageText, []byte(strings.Repeat("x", 2048))))
	_, _, err := c.ws.Read(ctx)
	require.Equal(t, websocket.StatusMessageTooBig, websocket.CloseStatus(err), "%v", err)

	c, _ = dial(t, srv, "")
	require.NoError(t, c.ws.Write(ctx, websocket.MessageBinary, []byte("{}")))
	_, _, err = c.ws.Read(ctx)
	require.Equal(t, websocket.StatusUnsupportedData, websocket.CloseStatus(err), "%v", err)
}

// TestRequestsInOrder: requests sent at once are answered one by one in
// the order sent, heartbeats included.
func TestRequestsInOrder(t *testing.T) {
	auth, sign, gost := keys(t)
	srv := ncalayertest.Start(t, baseOptions(auth, sign, gost))
	c, _ := dial(t, srv, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	reqs := []string{
		cu + `"method":"signXml","args":["PKCS12","SIGNATURE","<a/>","",""],"uuid":"1"}`,
		"--heartbeat--",
		cu + `"method":"getActiveTokens","uuid":"2"}`,
		cu + `"method":"changeLocale","args":["ru"],"uuid":"3"}`,
	}
	for _, r := range reqs {
		require.NoError(t, c.ws.Write(ctx, websocket.MessageText, []byte(r)))
	}
	require.Contains(t, c.read(), `"uuid":"1"`)
	require.Equal(t, "--heartbeat--", c.read())
	require.Contains(t, c.read(), `"uuid":"2"`)
	require.Equal(t, `{"code":"200","uuid":"3"}`, c.read())
}

// TestShutdown: a request being answered finishes, the connection is then
// closed with 1001, Serve returns ErrServerClosed, and no goroutine is
// left behind.
func TestShutdown(t *testing.T) {
	before := runtime.NumGoroutine()
	auth, _, _ := keys(t)
	opts := baseOptions(auth)
	entered, release := make(chan struct{}), make(chan struct{})
	opts.Choose = func(ctx context.Context, p *ncalayer.Prompt) (*ncalayer.Key, error) {
		close(entered)
		<-release
		return p.Keys[0], nil
	}
	srv, err := ncalayer.New(opts)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "wss://"+ln.Addr().String()+"/", &websocket.DialOptions{
		HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: srv.RootPool()}}}})
	require.NoError(t, err)
	_, _, err = ws.Read(ctx) // greeting
	require.NoError(t, err)
	require.NoError(t, ws.Write(ctx, websocket.MessageText, []byte(cu+`"method":"getKeyInfo","args":["PKCS12"]}`)))
	<-entered

	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(ctx) }()
	time.Sleep(50 * time.Millisecond)
	close(release)
	_, reply, err := ws.Read(ctx)
	require.NoError(t, err, "the request in progress is answered")
	require.Contains(t, string(reply), `"code":"200"`)
	_, _, err = ws.Read(ctx)
	require.Equal(t, websocket.StatusGoingAway, websocket.CloseStatus(err), "%v", err)
	require.NoError(t, <-shut)
	require.ErrorIs(t, <-served, ncalayer.ErrServerClosed)
	ws.CloseNow()

	require.Eventually(t, func() bool { return runtime.NumGoroutine() <= before+2 }, 5*time.Second, 20*time.Millisecond,
		"goroutines: %d before, %d after", before, runtime.NumGoroutine())
}

// TestCloseUnblocksChoose: a user still deciding when the page goes away
// or the server closes sees its context end.
func TestCloseUnblocksChoose(t *testing.T) {
	auth, _, _ := keys(t)
	opts := baseOptions(auth)
	gone := make(chan error, 1)
	entered := make(chan struct{})
	opts.Choose = func(ctx context.Context, p *ncalayer.Prompt) (*ncalayer.Key, error) {
		close(entered)
		<-ctx.Done()
		gone <- ctx.Err()
		return nil, ctx.Err()
	}
	srv := ncalayertest.Start(t, opts)
	c, _ := dial(t, srv, "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, c.ws.Write(ctx, websocket.MessageText, []byte(cu+`"method":"getKeyInfo","args":["PKCS12"]}`)))
	<-entered
	c.ws.CloseNow() // the page goes
	select {
	case err := <-gone:
		require.True(t, errors.Is(err, context.Canceled))
	case <-ctx.Done():
		t.Fatal("the ChooseFunc's context did not end when the page went")
	}
}

func TestServeAfterClose(t *testing.T) {
	srv, err := ncalayer.New(ncalayer.Options{Plain: true})
	require.NoError(t, err)
	require.NoError(t, srv.Close())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	require.ErrorIs(t, srv.Serve(ln), ncalayer.ErrServerClosed)
}

func TestNewRefusesBadKeys(t *testing.T) {
	_, err := ncalayer.New(ncalayer.Options{Keys: []*ncalayer.Key{{}}})
	require.Error(t, err)
	auth, _, _ := keys(t)
	auth.Storage = "FLASH"
	_, err = ncalayer.New(ncalayer.Options{Keys: []*ncalayer.Key{auth}})
	require.Error(t, err)
}
