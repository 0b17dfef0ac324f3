package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfclient"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver"
)

// controlCall sends GET /_mock/clock with an optional bearer token.
func controlCall(t *testing.T, base, token string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/_mock/clock", nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := mockClient.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

var tokenRE = regexp.MustCompile(`(?m)^control token \(generated, shown this once\): ([0-9a-f]{48})$`)

// The control API: open on loopback; on any other address behind a token
// (generated and printed once, or given), with a warning; off with
// --control=false.
func TestMockServeControlAccess(t *testing.T) {
	t.Run("loopback: open, no warning", func(t *testing.T) {
		m := startMock(t)
		assert.Equal(t, http.StatusOK, controlCall(t, m.base, ""))
		assert.Contains(t, m.stdout.String(), "loopback clients only")
		assert.NotContains(t, m.stdout.String(), "WARNING")
	})
	t.Run("all interfaces: a generated token, printed once, and a warning", func(t *testing.T) {
		m := startMock(t, "--addr", "0.0.0.0:0")
		banner := m.stdout.String()
		sub := tokenRE.FindStringSubmatch(banner)
		require.NotNil(t, sub, "no generated token in the banner:\n%s", banner)
		assert.Contains(t, banner, "WARNING: 0.0.0.0:0 is reachable from the network")
		assert.Contains(t, banner, "trust any CA")
		assert.Equal(t, http.StatusUnauthorized, controlCall(t, m.base, ""))
		assert.Equal(t, http.StatusUnauthorized, controlCall(t, m.base, sub[1][:47]))
		assert.Equal(t, http.StatusOK, controlCall(t, m.base, sub[1]))
		assert.NotContains(t, m.stderr.String(), sub[1], "the token went to the log")
		code, _, _ := mockDo(t, http.MethodGet, m.base+"/healthz", "")
		assert.Equal(t, http.StatusOK, code)
	})
	t.Run("a given token, on loopback too", func(t *testing.T) {
		m := startMock(t, "--control-token", "team-secret")
		assert.NotRegexp(t, tokenRE, m.stdout.String())
		assert.NotContains(t, m.stdout.String(), "team-secret", "a given token is not echoed")
		assert.Equal(t, http.StatusUnauthorized, controlCall(t, m.base, ""))
		assert.Equal(t, http.StatusOK, controlCall(t, m.base, "team-secret"))
	})
	t.Run("off", func(t *testing.T) {
		m := startMock(t, "--addr", "0.0.0.0:0", "--control=false")
		assert.Contains(t, m.stdout.String(), "control API: off")
		assert.NotRegexp(t, tokenRE, m.stdout.String())
		assert.Equal(t, http.StatusNotFound, controlCall(t, m.base, ""))
		code, _, _ := mockDo(t, http.MethodGet, m.base+"/esf-web/ws/api1/VersionService?wsdl", "")
		assert.Equal(t, http.StatusOK, code)
	})
	t.Run("missing UsernameToken allowed: a warning", func(t *testing.T) {
		m := startMock(t, "--allow-missing-username-token")
		assert.Contains(t, m.stdout.String(), "WARNING: --allow-missing-username-token")
	})
}

// closedWithin reports whether the server closes conn within d while
// feed writes to it every tick (a slow client).
func closedWithin(t *testing.T, conn net.Conn, d, tick time.Duration, feed func(i int) string) bool {
	t.Helper()
	closed := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, bufio.NewReader(conn)) // until the server closes
		close(closed)
	}()
	deadline := time.After(d)
	for i := 0; ; i++ {
		select {
		case <-closed:
			return true
		case <-deadline:
			return false
		case <-time.After(tick):
			if _, err := io.WriteString(conn, feed(i)); err != nil {
				select {
				case <-closed:
					return true
				case <-time.After(time.Second):
					return true // the server reset the connection
				}
			}
		}
	}
}

// Slow clients are cut off: a header sent a line at a time, a body a byte
// at a time, and a kept-alive connection left idle.
func TestMockServeCutsOffSlowClients(t *testing.T) {
	m := startMock(t, "--read-header-timeout", "300ms", "--read-timeout", "600ms", "--idle-timeout", "400ms")
	addr := strings.TrimPrefix(m.base, "http://")
	dial := func() net.Conn {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		return c
	}
	const bound = 3 * time.Second // several times each timeout, far below "forever"

	t.Run("slow header", func(t *testing.T) {
		c := dial()
		_, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n")
		require.NoError(t, err)
		assert.True(t, closedWithin(t, c, bound, 100*time.Millisecond, func(i int) string { return "X-Slow: 1\r\n" }),
			"a client trickling header lines was not cut off")
	})
	t.Run("slow body", func(t *testing.T) {
		c := dial()
		_, err := io.WriteString(c, "POST /esf-web/ajax/registration HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
		require.NoError(t, err)
		assert.True(t, closedWithin(t, c, bound, 100*time.Millisecond, func(i int) string { return " " }),
			"a client trickling its body was not cut off")
	})
	t.Run("idle keep-alive", func(t *testing.T) {
		c := dial()
		_, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		require.NoError(t, err)
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.True(t, closedWithin(t, c, bound, time.Hour, func(int) string { return "" }),
			"an idle kept-alive connection was not closed")
	})
	t.Run("a normal request still works", func(t *testing.T) {
		code, _, _ := mockDo(t, http.MethodGet, m.base+"/healthz", "")
		assert.Equal(t, http.StatusOK, code)
	})
}

func TestMockServeSecurityFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		msg  string
	}{
		{"zero timeout", []string{"--read-timeout", "0s"}, "--read-timeout"},
		{"negative timeout", []string{"--idle-timeout", "-1s"}, "--idle-timeout"},
		{"not a duration", []string{"--read-header-timeout", "soon"}, "read-header-timeout"},
		{"tiny header limit", []string{"--max-header-bytes", "10"}, "--max-header-bytes"},
		{"tiny body limit", []string{"--max-body", "10"}, "--max-body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var out, errOut syncBuffer
			code := Run(ctx, append([]string{"mock", "serve"}, tc.args...), &out, &errOut)
			assert.Equal(t, exitUsage, code, "stderr: %s", errOut.String())
			assert.Contains(t, errOut.String(), tc.msg)
		})
	}
}

// esf mock serve hashes with the sandbox's cost by default, and with the
// one --bcrypt-cost names: the registered account's hash in the state
// says which.
func TestMockServeBcryptCost(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "$2a$04$"},
		{[]string{"--bcrypt-cost", "6"}, "$2a$06$"},
	} {
		m := startMock(t, append([]string{"--allow-test-identities"}, tc.args...)...)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		auth, err := certstest.OpenFixture(certstest.FixtureIndividualAuth)
		require.NoError(t, err)
		sign, err := certstest.OpenFixture(certstest.FixtureIndividualSign)
		require.NoError(t, err)
		ctl, err := mockserver.NewControlClient(m.base, mockserver.ControlClientOptions{})
		require.NoError(t, err)
		now, err := ctl.Now(ctx)
		require.NoError(t, err)
		if now.After(auth.Certificate.X509.NotAfter) || now.Before(auth.Certificate.X509.NotBefore) {
			require.NoError(t, ctl.SetTime(ctx, certstest.FixtureTime.Add(24*time.Hour)))
			now = certstest.FixtureTime.Add(24 * time.Hour)
		}
		c, err := esfclient.New(esfclient.Options{BaseURL: m.base, Now: func() time.Time { return now }})
		require.NoError(t, err)
		const pw = "Qazwsx12345"
		_, err = c.Register(ctx, esfclient.Registration{Category: esfreg.Individual, Key: auth, Signer: sign, Form: esfreg.Form{
			Email: "cost@example.kz", Password: pw, PasswordConfirmation: pw, Address: "г. Астана",
			IDDocumentNumber: "012345678", IDDocumentIssueDate: "14.03.2019", IDDocumentIssuer: "МВД РК"}})
		require.NoError(t, err)
		state, err := ctl.Dump(ctx)
		require.NoError(t, err)
		assert.Contains(t, string(state), tc.want, "%v", tc.args)
	}
}
