package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The banner names the portal's pages and where they look for NCALayer;
// --ncalayer-url changes that address, and the pages' policy lets them
// connect to it.
func TestMockServePortalPages(t *testing.T) {
	m := startMock(t)
	assert.Contains(t, m.stdout.String(), "portal:      "+m.base+"/esf-web/  (open it in a browser: log-in "+m.base+"/esf-web/login")
	assert.Contains(t, m.stdout.String(), "NCALayer at wss://127.0.0.1:13579/ or ws://127.0.0.1:13579/")
	code, h, body := mockDo(t, http.MethodGet, m.base+"/esf-web/self-registration-form", "")
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, "text/html; charset=utf-8", h.Get("Content-Type"))
	assert.Contains(t, string(body), `id="reg-start"`)

	m2 := startMock(t, "--ncalayer-url", "ws://127.0.0.1:23457/")
	assert.Contains(t, m2.stdout.String(), "NCALayer at ws://127.0.0.1:23457/)")
	code, h, body = mockDo(t, http.MethodGet, m2.base+"/esf-web/login", "")
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, h.Get("Content-Security-Policy"), "ws://127.0.0.1:23457")
	assert.Contains(t, string(body), `"ncalayer":["ws://127.0.0.1:23457/"]`)
}

func TestMockServeNCALayerURLErrors(t *testing.T) {
	for _, bad := range []string{"http://127.0.0.1:13579/", "127.0.0.1:13579", "ws://", "ws://127.0.0.1:1/?q"} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		var out, errOut syncBuffer
		code := Run(ctx, []string{"mock", "serve", "--ncalayer-url", bad}, &out, &errOut)
		cancel()
		assert.Equal(t, exitUsage, code, "%q: %s", bad, errOut.String())
		assert.True(t, strings.Contains(errOut.String(), "--ncalayer-url"), "%q: %s", bad, errOut.String())
	}
}
