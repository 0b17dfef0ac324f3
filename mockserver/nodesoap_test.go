package mockserver_test

import (
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver"
	"github.com/esfkit/esf/mockserver/internal/soap"
	"github.com/esfkit/esf/mockserver/internal/soap/soaptest"
)

var updateSeeds = flag.Bool("update-seeds", false,
	"write the requests node-soap sends to the fake ESF into internal/soap/testdata/fuzz/FuzzReadRequest")

// A WSDL-driven SOAP client (node-soap), built from our ?wsdl, runs
// getVersion → createAuthTicket → createSessionSigned → currentUser →
// currentUserProfiles → currentSessionStatus → closeSession → currentUser
// against two servers in one node process:
//   - "fake", soaptest.FakeESF: package soap's canned responses with tricky
//     data, checking how node-soap typed them by our schema, and how
//     soap.ReadRequest read node-soap's requests;
//   - "mock", the mock itself: a registered CEO, a real XML signature over
//     the ticket, the UsernameToken required.
func TestNodeSoapClient(t *testing.T) {
	if testing.Short() {
		t.Skip("node-soap client check skipped in -short mode")
	}
	fake := soaptest.NewFakeESF(t)
	fakeSrv := httptest.NewServer(fake)
	t.Cleanup(fakeSrv.Close)

	e := newEnv(t)
	auth, sign := e.ks(certstest.FixtureCEOAuth), e.ks(certstest.FixtureCEOSign)
	e.register(esfreg.LegalEntity, sign, sign, legalForm("node@example.kz"), auth)
	signer, err := auth.Signer()
	require.NoError(t, err)
	mock := soaptest.Target{Label: "mock", BaseURL: e.srv.URL, IIN: certstest.TestIIN, Password: password, TIN: certstest.TestBIN,
		Sign: func(ticket string) string {
			signed, err := xmlsigSign(ticket, signer, auth.Certificate, e.srv.Now)
			require.NoError(t, err)
			return string(signed)
		}}

	results := soaptest.RunNodeClient(t, fake.Target("fake", fakeSrv.URL), mock)

	t.Run("fake", func(t *testing.T) { checkFake(t, results["fake"], fake.Received()) })
	t.Run("mock", func(t *testing.T) { checkMock(t, results["mock"]) })

	if *updateSeeds {
		got := fake.Received()
		dir := filepath.Join("internal", "soap", "testdata", "fuzz", "FuzzReadRequest")
		require.NoError(t, os.MkdirAll(dir, 0o755))
		for _, op := range []string{"esfVersionRequest", "createSessionSignedRequest", "currentUserRequest"} {
			require.Contains(t, got, op)
			seed := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", got[op].Raw)
			require.NoError(t, os.WriteFile(filepath.Join(dir, "nodesoap-"+op), []byte(seed), 0o644))
		}
	}
}

// checkOperations checks the operations node-soap found in the WSDLs.
func checkOperations(t *testing.T, res map[string]any) {
	t.Helper()
	ops := object(t, res, "operations")
	assert.ElementsMatch(t, []any{"getVersion"}, ops["VersionService"])
	assert.ElementsMatch(t, []any{"createAuthTicket"}, ops["AuthService"])
	assert.ElementsMatch(t, []any{
		"createSession", "createSessionSigned", "closeSession", "closeSessionByCredentials",
		"closeSessionBySignedCredentials", "currentSessionStatus", "currentUser", "currentUserProfiles",
	}, ops["SessionService"])
}

// checkFake checks node-soap's run against soaptest.FakeESF: the results as
// node-soap parsed package soap's canned responses, and the requests as
// soap.ReadRequest parsed them.
func checkFake(t *testing.T, res map[string]any, got map[string]soaptest.Received) {
	t.Run("operations from the WSDLs", func(t *testing.T) { checkOperations(t, res) })

	t.Run("results as node-soap parsed them", func(t *testing.T) {
		assert.Equal(t, "InvoiceV2", res["version"])
		assert.Equal(t, soaptest.FakeTicket, res["authTicketXml"])
		assert.Equal(t, soaptest.FakeSession, res["sessionId"])

		user := object(t, res, "user", "user")
		assert.Equal(t, soaptest.FakeIIN, user["login"])
		assert.Equal(t, "ACTIVE", user["status"])
		assert.NotContains(t, user, "mobile", "an empty optional field is left out")
		taxpayer := object(t, user, "taxpayer")
		assert.Equal(t, "ТЕСТОВ ТЕСТ ТЕСТОВИЧ", taxpayer["nameRu"])
		assert.Equal(t, `АО "ТЕСТ" & Co <HQ>`, object(t, taxpayer, "headOffice")["nameRu"])
		// node-soap typed the values by our schema: xsd:boolean, xsd:long,
		// and maxOccurs="unbounded" as a list even of one.
		assert.Equal(t, true, taxpayer["resident"])
		assert.Len(t, object(t, taxpayer, "accounts")["settlementAccount"], 1)

		list, ok := object(t, res, "profiles", "profileInfoList")["profileInfo"].([]any)
		require.True(t, ok, "profiles: %v", res["profiles"])
		require.Len(t, list, 3)
		project, ok := list[2].(map[string]any)
		require.True(t, ok, "profile: %v", list[2])
		assert.Equal(t, "PROJECT_ADMIN", project["businessProfileType"])
		assert.EqualValues(t, 42, project["projectCode"])

		assert.Equal(t, "OK", object(t, res, "status")["status"])
		assert.Equal(t, "CLOSED", object(t, res, "closed")["status"])
	})

	t.Run("fault after close", func(t *testing.T) {
		after := object(t, res, "afterClose")
		assert.EqualValues(t, 500, after["status"])
		fault := object(t, after, "fault")
		assert.Equal(t, "soap:Server", fault["faultcode"])
		assert.Equal(t, "SESSION_CLOSED", fault["faultstring"])
		assert.Equal(t, "Сессия закрыта", object(t, fault, "detail", "sessionClosedException")["description"])
	})

	t.Run("requests as ReadRequest parsed them", func(t *testing.T) {
		for _, op := range []string{"esfVersionRequest", "createAuthTicketRequest", "createSessionSignedRequest",
			"currentUserRequest", "currentUserProfilesRequest", "currentSessionStatusRequest", "closeSessionRequest"} {
			require.Contains(t, got, op)
			assert.Equal(t, soap.Namespace, got[op].Request.Operation.Space, op)
		}
		assert.Nil(t, got["createAuthTicketRequest"].Request.Security, "no UsernameToken on createAuthTicket")
		assert.Nil(t, got["currentUserProfilesRequest"].Request.Security)

		signed := got["createSessionSignedRequest"].Request
		require.NotNil(t, signed.Security)
		assert.Equal(t, soap.UsernameToken{Username: soaptest.FakeIIN, Password: soaptest.FakePassword, PasswordType: soap.PasswordText}, *signed.Security)
		var names []string
		for _, c := range signed.Fields() {
			names = append(names, c.Name.Space+"|"+c.Name.Local)
		}
		assert.Equal(t, []string{"|tin", "|signedAuthTicket"}, names, "children unqualified, in schema order")
		ticket, _ := signed.Field("signedAuthTicket")
		assert.Equal(t, soaptest.FakeSign(soaptest.FakeTicket), ticket, "the signed ticket arrives intact, CR included")

		closing := got["closeSessionRequest"].Request
		id, ok := closing.Field("sessionId")
		assert.True(t, ok)
		assert.Equal(t, soaptest.FakeSession, id)
		assert.NotNil(t, closing.Security)

		for op, r := range got {
			t.Logf("node-soap sent %s:\n%s", op, r.Raw)
		}
	})

}

// checkMock checks node-soap's run against the mock: a registered CEO, a
// real signature, the UsernameToken required.
func checkMock(t *testing.T, res map[string]any) {
	t.Run("operations from the WSDLs", func(t *testing.T) { checkOperations(t, res) })

	t.Run("session flow", func(t *testing.T) {
		assert.Equal(t, mockserver.Version, res["version"])
		assert.NotEmpty(t, res["sessionId"])
		user := object(t, res, "user", "user")
		assert.Equal(t, certstest.TestIIN, user["login"])
		assert.Equal(t, "ACTIVE", user["status"])
		taxpayer := object(t, user, "taxpayer")
		assert.Equal(t, certstest.TestBIN, taxpayer["tin"])
		assert.Equal(t, true, taxpayer["resident"], "node-soap read the boolean by our schema's type")
		assert.Equal(t, map[string]any{"status": "OK"}, res["status"])
		assert.Contains(t, object(t, res, "afterClose")["message"], "SESSION_CLOSED")
	})
}

// object follows keys down nested JSON objects, failing t when one is
// missing or not an object.
func object(t *testing.T, v map[string]any, keys ...string) map[string]any {
	t.Helper()
	for _, k := range keys {
		next, ok := v[k].(map[string]any)
		require.True(t, ok, "%q is not an object in %v", k, v)
		v = next
	}
	return v
}
