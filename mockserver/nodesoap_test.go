package mockserver_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver"
	"github.com/esfkit/esf/mockserver/internal/soap/soaptest"
)

// A WSDL-driven SOAP client (node-soap), built from our ?wsdl, runs
// createAuthTicket → createSessionSigned → currentUser →
// currentUserProfiles → closeSession against the mock, with the
// UsernameToken required.
func TestNodeSoapClient(t *testing.T) {
	e := newEnv(t)
	auth, sign := e.ks(certstest.FixtureCEOAuth), e.ks(certstest.FixtureCEOSign)
	e.register(esfreg.LegalEntity, sign, sign, legalForm("node@example.kz"), auth)
	signer, err := auth.Signer()
	require.NoError(t, err)
	res := soaptest.RunNodeClient(t, e.srv.URL, func(ticket string) string {
		signed, err := xmlsigSign(ticket, signer, auth.Certificate, e.srv.Now)
		require.NoError(t, err)
		return string(signed)
	}, certstest.TestIIN, password, certstest.TestBIN)
	assert.Equal(t, mockserver.Version, res["version"])
	assert.NotEmpty(t, res["sessionId"])
	resp, ok := res["user"].(map[string]any)
	require.True(t, ok, "user: %v", res["user"])
	user, ok := resp["user"].(map[string]any)
	require.True(t, ok, "user: %v", resp)
	assert.Equal(t, certstest.TestIIN, user["login"])
	assert.Equal(t, "ACTIVE", user["status"])
	taxpayer, _ := user["taxpayer"].(map[string]any)
	assert.Equal(t, certstest.TestBIN, taxpayer["tin"])
	assert.Equal(t, true, taxpayer["resident"], "node-soap read the boolean by our schema's type")
	assert.Equal(t, map[string]any{"status": "OK"}, res["status"])
	afterClose, _ := res["afterClose"].(map[string]any)
	assert.Contains(t, afterClose["message"], "SESSION_CLOSED")
}
