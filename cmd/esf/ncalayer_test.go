package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/xmlsig"
)

var ncalayerListeningRE = regexp.MustCompile(`(?m)^listening on (wss?://127\.0\.0\.1:[0-9]+/)$`)

// startNCALayer runs "esf ncalayer serve --addr 127.0.0.1:0 args..." until
// it listens; it returns the URL and a stop that returns the exit status.
func startNCALayer(t *testing.T, args ...string) (url string, stdout *syncBuffer, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, append([]string{"ncalayer", "serve", "--addr", "127.0.0.1:0"}, args...), stdout, stderr)
	}()
	stop = func() int {
		cancel()
		select {
		case code := <-done:
			done <- code
			return code
		case <-time.After(15 * time.Second):
			t.Fatal("esf ncalayer serve did not stop within 15s")
			return -1
		}
	}
	t.Cleanup(func() { stop() })
	deadline := time.After(60 * time.Second)
	for {
		if m := ncalayerListeningRE.FindStringSubmatch(stdout.String()); m != nil {
			return m[1], stdout, stop
		}
		select {
		case code := <-done:
			done <- code
			t.Fatalf("esf ncalayer serve exited with %d:\n%s", code, stderr.String())
		case <-deadline:
			t.Fatalf("esf ncalayer serve did not listen:\n%s", stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// wsCall connects to url (trusting pool when not nil), skips the
// greeting, sends req and returns the reply.
func wsCall(t *testing.T, url string, pool *x509.CertPool, req string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opts := &websocket.DialOptions{}
	if pool != nil {
		opts.HTTPClient = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	}
	ws, _, err := websocket.Dial(ctx, url, opts)
	require.NoError(t, err)
	defer ws.CloseNow()
	ws.SetReadLimit(1 << 24)
	_, greeting, err := ws.Read(ctx)
	require.NoError(t, err)
	require.Contains(t, string(greeting), `"version"`)
	require.NoError(t, ws.Write(ctx, websocket.MessageText, []byte(req)))
	_, reply, err := ws.Read(ctx)
	require.NoError(t, err)
	return string(reply)
}

func TestNCALayerServe(t *testing.T) {
	auth := certstest.FixturePath(certstest.FixtureIndividualAuth)
	gost := certstest.FixturePath(certstest.FixtureGOSTCEO)
	require.NotEmpty(t, auth)
	certFile := filepath.Join(t.TempDir(), "ncalayer.pem")
	// The fixtures were issued for 2026; the command signs at the real
	// clock, so only a certificate valid now can sign. Check both paths.
	url, stdout, stop := startNCALayer(t, "--keystore", auth, "--pin", certstest.FixturePIN, "--keystore", gost, "--cert-out", certFile, "--version", "1.3")
	banner := stdout.String()
	require.Contains(t, banner, "signs WITHOUT ASKING with 2 key store(s)")
	require.Contains(t, banner, "IIN 123456789011")
	require.Contains(t, banner, "BIN 123456789021")
	require.Contains(t, banner, "--ignore-certificate-errors-spki-list=")
	require.Contains(t, banner, "origins: pages of 127.0.0.1, localhost and [::1] only")

	pemBytes, err := os.ReadFile(certFile)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pemBytes))
	reply := wsCall(t, url, pool, `{"module":"kz.gov.pki.knca.commonUtils","method":"getActiveTokens"}`)
	require.Equal(t, `{"responseObject":[],"code":"200"}`, reply)
	reply = wsCall(t, url, pool, `{"module":"kz.gov.pki.knca.commonUtils","method":"getKeyInfo","args":["PKCS12"]}`)
	if certstest.FixtureTime.AddDate(1, 0, 0).After(time.Now()) {
		require.Contains(t, reply, `"subjectCn":"ТЕСТОВ ТЕСТ"`)
	} else {
		require.Equal(t, `{"code":"500","message":"action.canceled"}`, reply, "the fixtures have expired: nothing fits")
	}
	require.Equal(t, 0, stop())
}

// TestNCALayerServeDemo: --demo keys are valid now and sign; --plain
// serves ws://.
func TestNCALayerServeDemo(t *testing.T) {
	url, stdout, stop := startNCALayer(t, "--demo", "--plain", "--crlf")
	require.True(t, strings.HasPrefix(url, "ws://"))
	require.Contains(t, stdout.String(), "3 key store(s)")
	require.NotContains(t, stdout.String(), "spki")

	reply := wsCall(t, url, nil, `{"module":"kz.gov.pki.knca.commonUtils","method":"signXml","args":["PKCS12","AUTHENTICATION","<login/>","",""]}`)
	var doc string
	require.Regexp(t, `^\{"responseObject":"<\?xml`, reply)
	doc = strings.TrimSuffix(strings.TrimPrefix(reply, `{"responseObject":"`), `","code":"200"}`)
	doc = strings.NewReplacer(`\"`, `"`, `\/`, `/`, `\r`, "\r", `\n`, "\n").Replace(doc)
	require.Contains(t, doc, "\r\n")
	ver, err := xmlsig.Verify([]byte(doc), xmlsig.VerifyOptions{})
	require.NoError(t, err)
	require.Equal(t, "ТЕСТОВ ТЕСТ", ver.Signer.CommonName)
	require.Equal(t, 0, stop())
}

func TestNCALayerServeUsage(t *testing.T) {
	p12 := certstest.FixturePath(certstest.FixtureIndividualAuth)
	t.Setenv(envPIN, "")
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no key store", nil, 2, "give --keystore"},
		{"no PIN", []string{"--keystore", p12}, 2, "give its PIN"},
		{"wrong PIN", []string{"--keystore", p12, "--pin", "wrong"}, 1, "wrong PIN"},
		{"missing file", []string{"--keystore", "/nonexistent.p12", "--pin", "x"}, 1, "no such file"},
		{"pins do not pair", []string{"--keystore", p12, "--keystore", p12, "--keystore", p12, "--pin", "a", "--pin", "b"}, 2, "2 --pin for 3 --keystore"},
		{"plain on the network", []string{"--demo", "--plain", "--addr", "0.0.0.0:0"}, 2, "loopback address only"},
		{"plain with a certificate", []string{"--demo", "--plain", "--tls-cert", "c.pem", "--tls-key", "k.pem"}, 2, "--plain serves no TLS"},
		{"a certificate without its key", []string{"--demo", "--tls-cert", "c.pem"}, 2, "together"},
		{"unreadable certificate", []string{"--demo", "--tls-cert", "/nonexistent.pem", "--tls-key", "/nonexistent.key"}, 2, "--tls-cert"},
		{"bad origin", []string{"--demo", "--origin", "portal.example"}, 2, "scheme://host"},
		{"bad address", []string{"--demo", "--addr", "13579"}, 2, "not host:port"},
		{"an argument", []string{"--demo", "extra"}, 2, "takes no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			code := Run(context.Background(), append([]string{"ncalayer", "serve"}, tt.args...), &stdout, &stderr)
			require.Equal(t, tt.code, code, stderr.String())
			require.Contains(t, stderr.String(), tt.msg)
			require.Empty(t, stdout.String())
		})
	}
	var stdout strings.Builder
	require.Equal(t, 0, Run(context.Background(), []string{"ncalayer", "serve", "-h"}, &stdout, &stdout))
	require.Contains(t, stdout.String(), "Usage: esf ncalayer serve")
}
