package ncalayer_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/ncalayer"
	"github.com/esfkit/esf/ncalayer/ncalayertest"
)

// now is the tests' clock: a day into the fixture set's year.
var now = certstest.FixtureTime.Add(24 * time.Hour)

func clock() time.Time { return now }

// fixtureKey opens a key store of the committed fixture set.
func fixtureKey(t testing.TB, name string) *ncalayer.Key {
	t.Helper()
	ks, err := certstest.OpenFixture(name)
	require.NoError(t, err, name)
	return &ncalayer.Key{KeyStore: ks, Name: name}
}

// keys are an individual's RSA AUTH and SIGN key stores and a legal
// entity head's GOST 2015 key store (AUTH+SIGN), in that order.
func keys(t testing.TB) (auth, sign, gost *ncalayer.Key) {
	return fixtureKey(t, certstest.FixtureIndividualAuth), fixtureKey(t, certstest.FixtureIndividualSign), fixtureKey(t, certstest.FixtureGOSTCEO)
}

// baseOptions are the options every protocol test starts from: the fixed
// clock and randomness.
func baseOptions(k ...*ncalayer.Key) ncalayer.Options {
	return ncalayer.Options{Keys: k, Now: clock, Rand: certstest.DeterministicRand("ncalayer tests")}
}

// client is a test's WebSocket connection.
type client struct {
	t  testing.TB
	ws *websocket.Conn
}

// dial connects to srv, as a page on origin would when origin is not
// empty, and returns the client and the greeting.
func dial(t testing.TB, srv *ncalayertest.Server, origin string) (*client, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	opts := &websocket.DialOptions{HTTPHeader: h}
	if cfg := srv.TLSConfig(); cfg != nil {
		opts.HTTPClient = &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}
	}
	ws, _, err := websocket.Dial(ctx, srv.URL, opts)
	require.NoError(t, err)
	ws.SetReadLimit(64 << 20)
	c := &client{t: t, ws: ws}
	t.Cleanup(func() { ws.CloseNow() })
	return c, c.read()
}

func (c *client) read() string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	typ, data, err := c.ws.Read(ctx)
	require.NoError(c.t, err)
	require.Equal(c.t, websocket.MessageText, typ)
	return string(data)
}

// call sends one frame and returns the reply.
func (c *client) call(req string) string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(c.t, c.ws.Write(ctx, websocket.MessageText, []byte(req)))
	return c.read()
}

// decode parses a reply.
func decode(t testing.TB, reply string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(reply), &m), reply)
	return m
}

// verifyOptions trust the fixture set's CAs at the tests' clock.
func verifyOptions(t testing.TB) *certs.VerifyOptions {
	t.Helper()
	o, err := certstest.FixtureVerifyOptions()
	require.NoError(t, err)
	o.CurrentTime = now
	return &o
}
