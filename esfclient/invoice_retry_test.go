package esfclient

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// With Options.Retries, a read that meets a proxy's 503 is sent again;
// an upload or a status change never is — the server may have taken it
// before the proxy failed, and a second one would be a second invoice or
// change.
func TestInvoiceRetriesOnlyReads(t *testing.T) {
	body := readGolden(t, "body.xml")
	for _, tc := range goldenCases(body) {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			calls := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				calls++
				n := calls
				mu.Unlock()
				if n == 1 {
					http.Error(w, "upstream busy", http.StatusServiceUnavailable)
					return
				}
				w.Header().Set("Content-Type", "text/xml; charset=utf-8")
				_, _ = w.Write(readGolden(t, tc.name+".response.xml"))
			}))
			defer srv.Close()
			c, err := New(Options{BaseURL: srv.URL, Retries: 2})
			require.NoError(t, err)
			s := &Session{ID: testSession, c: c}

			_, err = tc.call(context.Background(), s)
			read := strings.HasPrefix(tc.name, "query") || tc.name == "enterpriseValidation"
			if read {
				assert.NoError(t, err, "a read is retried")
				assert.Equal(t, 2, calls)
			} else {
				assert.Error(t, err, "a change is not retried")
				assert.Equal(t, 1, calls, "sent once")
			}
		})
	}
}
