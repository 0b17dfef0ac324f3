package mockserver_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/esfclient"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver"
)

// Every code the mock can answer reaches the client as an *esfreg.Error
// with that code, over the portal's JSON and over SOAP faults alike.
func TestEveryCodeReachesTheClient(t *testing.T) {
	e := newEnv(t)
	codes := append(esfreg.Codes(), mockserver.Codes()...)
	require.Greater(t, len(codes), 40)
	for _, code := range codes {
		t.Run(string(code), func(t *testing.T) {
			require.NoError(t, e.srv.QueueFault(mockserver.Fault{Match: "/esf-web/ajax/reset-password", Code: code}))
			err := e.c.RequestPasswordReset(e.ctx, "123456789011", "a@example.kz")
			var ee *esfreg.Error
			require.ErrorAs(t, err, &ee, "portal")
			assert.Equal(t, code, ee.Code)
			assert.NotEmpty(t, ee.Message)

			require.NoError(t, e.srv.QueueFault(mockserver.Fault{Match: "esfVersion", Code: code}))
			_, err = e.c.Version(e.ctx)
			want := code
			switch code {
			case mockserver.CodeSecurityError:
				want = esfclient.CodeSecurityError
			case mockserver.CodeSessionAlreadyOpen:
				want = esfclient.CodeSessionAlreadyOpen
			}
			require.ErrorAs(t, err, &ee, "SOAP")
			assert.Equal(t, want, ee.Code)
		})
	}
}
