package soap

import (
	"github.com/esfkit/esf/mockserver/internal/soap/soaptest"

	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var updateSeeds = flag.Bool("update-seeds", false, "write the requests node-soap sends into testdata/fuzz/FuzzReadRequest")

// Values of the fake ESF below.
const (
	fakeIIN      = "123456789011"
	fakePassword = "TestPass123"
	fakeTIN      = "123456789021"
	fakeSession  = "518c8ad6b28843b29e8a41f798ff4703-123456789021-"
	// fakeTicket has every character that needs care on the way through
	// two XML layers: markup, quotes, Cyrillic, tabs and newlines.
	fakeTicket = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n" +
		"<authSign><timeMark>1735689600000</timeMark><state>a&amp;b 'q' \"Ω\" ТЕСТ\t&lt;x&gt;</state>" +
		"<iin>123456789011</iin><ttlInMinutes>30</ttlInMinutes></authSign>"
)

// fakeSign stands in for XMLDSig: it appends a marker with a CR LF, which
// a signature's base64 lines may carry.
func fakeSign(ticket string) string {
	return strings.Replace(ticket, "</authSign>", "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">QUJD\r\nREVG</ds:Signature></authSign>", 1)
}

// fakeESF answers the session flow with canned responses built by this
// package, serving this package's WSDLs; it records every request it got.
type fakeESF struct {
	t      *testing.T
	mu     sync.Mutex
	raw    map[string][]byte   // operation element → raw request
	reqs   map[string]*Request // operation element → parsed request
	closed bool
}

func newFakeESF(t *testing.T) *fakeESF {
	return &fakeESF{t: t, raw: map[string][]byte{}, reqs: map[string]*Request{}}
}

func (f *fakeESF) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	const prefix = "/esf-web/ws/api1/"
	service, ok := strings.CutPrefix(r.URL.Path, prefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method == http.MethodGet {
		if _, isWSDL := r.URL.Query()["wsdl"]; isWSDL {
			doc, ok := WSDL(service, "http://"+r.Host+prefix+service)
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", ContentType)
			_, _ = w.Write(doc)
			return
		}
	}
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		WriteClientFault(w, err.Error())
		return
	}
	req, err := ReadRequest(bytes.NewReader(raw), DefaultMaxBytes)
	if err != nil {
		f.t.Errorf("ReadRequest on what node-soap sent: %v\n%s", err, raw)
		WriteClientFault(w, err.Error())
		return
	}
	if got := r.Header.Get("SOAPAction"); got != `""` {
		f.t.Errorf("%s: SOAPAction header %q, want \"\" quoted", req.Operation.Local, got)
	}
	f.mu.Lock()
	f.raw[req.Operation.Local] = raw
	f.reqs[req.Operation.Local] = req
	closed := f.closed
	f.mu.Unlock()

	if req.Operation.Space != Namespace {
		WriteClientFault(w, "unexpected namespace "+req.Operation.Space)
		return
	}
	secured := req.Security != nil && req.Security.Username == fakeIIN &&
		req.Security.Password == fakePassword && req.Security.PasswordType == PasswordText
	switch service + "/" + req.Operation.Local {
	case "VersionService/esfVersionRequest":
		WriteBody(w, Text("version", "InvoiceV2"))
	case "AuthService/createAuthTicketRequest":
		if iin, _ := req.Field("iin"); iin != fakeIIN {
			WriteFault(w, "USER_NOT_FOUND", &FaultDetail{Kind: Business, Description: "no user " + iin})
			return
		}
		WriteResponse(w, "createAuthTicket", Text("authTicketXml", fakeTicket))
	case "SessionService/createSessionSignedRequest":
		if !secured {
			WriteSecurityFault(w)
			return
		}
		if ticket, _ := req.Field("signedAuthTicket"); ticket != fakeSign(fakeTicket) {
			WriteFault(w, "INVALID_SIGNATURE", &FaultDetail{Kind: AccessDenied, Description: "ticket changed on the way"})
			return
		}
		WriteResponse(w, "createSession", Text("sessionId", fakeSession))
	case "SessionService/currentUserRequest":
		if closed {
			WriteFault(w, "SESSION_CLOSED", &FaultDetail{Kind: SessionClosed, Description: "Сессия закрыта"})
			return
		}
		WriteResponse(w, "currentUser", fakeUser())
	case "SessionService/currentUserProfilesRequest":
		WriteResponse(w, "currentUserProfiles", fakeProfiles())
	case "SessionService/currentSessionStatusRequest":
		WriteResponse(w, "currentSessionStatus", Text("status", "OK"))
	case "SessionService/closeSessionRequest":
		if !secured {
			WriteSecurityFault(w)
			return
		}
		f.mu.Lock()
		f.closed = true
		f.mu.Unlock()
		WriteResponse(w, "closeSession", Text("status", "CLOSED"))
	default:
		WriteClientFault(w, "unknown operation "+req.Operation.Local)
	}
}

// fakeUser is a User with a Taxpayer, a head office and a bank account,
// some optional fields left out.
func fakeUser() Field {
	return Group("user",
		Text("login", fakeIIN),
		Optional("email", "test@example.kz"),
		Optional("mobile", ""),
		Optional("issueDate", "03.12.2018"),
		Optional("issuedBy", "МВД РК"),
		Optional("passportNum", "012345678"),
		Text("status", "ACTIVE"),
		Optional("reason", ""),
		Group("taxpayer",
			Text("tin", fakeIIN),
			Optional("nameRu", "ТЕСТОВ ТЕСТ ТЕСТОВИЧ"),
			Optional("lastNameRu", "ТЕСТОВ"),
			Optional("firstNameRu", "ТЕСТ"),
			Optional("middleNameRu", "ТЕСТОВИЧ"),
			Text("resident", "true"),
			Group("headOffice", Text("tin", fakeTIN), Optional("nameRu", `АО "ТЕСТ" & Co <HQ>`), Text("resident", "true"), Text("resourceUser", "false")),
			Optional("type", "INDIVIDUAL_ENTREPRENEUR"),
			Text("resourceUser", "false"),
			Group("accounts",
				Group("settlementAccount",
					Text("id", "1"), Text("taxpayerTin", fakeIIN),
					Group("bank", Text("id", "7"), Optional("bik", "HSBKKZKX"), Text("active", "true")),
					Optional("account", "KZ000000000000000001")),
			),
			Optional("kogd", "0001"),
		),
	)
}

// fakeProfiles lists three profiles of one IIN, as the test stand did.
func fakeProfiles() Field {
	profile := func(tin, bpt, typ string, extra ...Field) Field {
		return Group("profileInfo", append([]Field{
			Text("iin", fakeIIN), Text("tin", tin), Text("businessProfileType", bpt),
			Text("status", "ACTIVE"), Text("type", typ)}, extra...)...)
	}
	return Group("profileInfoList",
		profile(fakeIIN, "INDIVIDUAL", "GENERAL"),
		profile(fakeIIN, "ENTREPRENEUR", "GENERAL"),
		profile(fakeTIN, "PROJECT_ADMIN", "PROJECT",
			Text("projectParticipantType", "CONTRACTOR"), Text("projectCode", "42"), Text("projectName", "Проект")),
	)
}

func TestNodeSoapClient(t *testing.T) {
	fake := newFakeESF(t)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)

	res := soaptest.RunNodeClient(t, srv.URL, fakeSign, fakeIIN, fakePassword, fakeTIN)

	t.Run("operations from the WSDLs", func(t *testing.T) {
		ops := res["operations"].(map[string]any)
		assert.ElementsMatch(t, []any{"getVersion"}, ops["VersionService"])
		assert.ElementsMatch(t, []any{"createAuthTicket"}, ops["AuthService"])
		assert.ElementsMatch(t, []any{
			"createSession", "createSessionSigned", "closeSession", "closeSessionByCredentials",
			"closeSessionBySignedCredentials", "currentSessionStatus", "currentUser", "currentUserProfiles",
		}, ops["SessionService"])
	})

	t.Run("results as node-soap parsed them", func(t *testing.T) {
		assert.Equal(t, "InvoiceV2", res["version"])
		assert.Equal(t, fakeTicket, res["authTicketXml"])
		assert.Equal(t, fakeSession, res["sessionId"])

		user := res["user"].(map[string]any)["user"].(map[string]any)
		assert.Equal(t, fakeIIN, user["login"])
		assert.Equal(t, "ACTIVE", user["status"])
		assert.NotContains(t, user, "mobile", "an empty optional field is left out")
		taxpayer := user["taxpayer"].(map[string]any)
		assert.Equal(t, "ТЕСТОВ ТЕСТ ТЕСТОВИЧ", taxpayer["nameRu"])
		assert.Equal(t, `АО "ТЕСТ" & Co <HQ>`, taxpayer["headOffice"].(map[string]any)["nameRu"])
		// node-soap typed the values by our schema: xsd:boolean, xsd:long,
		// and maxOccurs="unbounded" as a list even of one.
		assert.Equal(t, true, taxpayer["resident"])
		assert.Len(t, taxpayer["accounts"].(map[string]any)["settlementAccount"], 1)

		list := res["profiles"].(map[string]any)["profileInfoList"].(map[string]any)["profileInfo"].([]any)
		require.Len(t, list, 3)
		assert.Equal(t, "PROJECT_ADMIN", list[2].(map[string]any)["businessProfileType"])
		assert.EqualValues(t, 42, list[2].(map[string]any)["projectCode"])

		assert.Equal(t, "OK", res["status"].(map[string]any)["status"])
		assert.Equal(t, "CLOSED", res["closed"].(map[string]any)["status"])
	})

	t.Run("fault after close", func(t *testing.T) {
		after := res["afterClose"].(map[string]any)
		assert.EqualValues(t, 500, after["status"])
		fault := after["fault"].(map[string]any)
		assert.Equal(t, "soap:Server", fault["faultcode"])
		assert.Equal(t, "SESSION_CLOSED", fault["faultstring"])
		detail := fault["detail"].(map[string]any)["sessionClosedException"].(map[string]any)
		assert.Equal(t, "Сессия закрыта", detail["description"])
	})

	t.Run("requests as ReadRequest parsed them", func(t *testing.T) {
		fake.mu.Lock()
		defer fake.mu.Unlock()
		for _, op := range []string{"esfVersionRequest", "createAuthTicketRequest", "createSessionSignedRequest",
			"currentUserRequest", "currentUserProfilesRequest", "currentSessionStatusRequest", "closeSessionRequest"} {
			require.Contains(t, fake.reqs, op)
			assert.Equal(t, Namespace, fake.reqs[op].Operation.Space, op)
		}
		assert.Nil(t, fake.reqs["createAuthTicketRequest"].Security, "no UsernameToken on createAuthTicket")
		assert.Nil(t, fake.reqs["currentUserProfilesRequest"].Security)

		signed := fake.reqs["createSessionSignedRequest"]
		require.NotNil(t, signed.Security)
		assert.Equal(t, UsernameToken{Username: fakeIIN, Password: fakePassword, PasswordType: PasswordText}, *signed.Security)
		var names []string
		for _, c := range signed.Fields() {
			names = append(names, c.Name.Space+"|"+c.Name.Local)
		}
		assert.Equal(t, []string{"|tin", "|signedAuthTicket"}, names, "children unqualified, in schema order")
		ticket, _ := signed.Field("signedAuthTicket")
		assert.Equal(t, fakeSign(fakeTicket), ticket, "the signed ticket arrives intact, CR included")

		id, ok := fake.reqs["closeSessionRequest"].Field("sessionId")
		assert.True(t, ok)
		assert.Equal(t, fakeSession, id)
		assert.NotNil(t, fake.reqs["closeSessionRequest"].Security)
	})

	if *updateSeeds {
		fake.mu.Lock()
		defer fake.mu.Unlock()
		dir := filepath.Join("testdata", "fuzz", "FuzzReadRequest")
		require.NoError(t, os.MkdirAll(dir, 0o755))
		for _, op := range []string{"esfVersionRequest", "createSessionSignedRequest", "currentUserRequest"} {
			seed := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", fake.raw[op])
			require.NoError(t, os.WriteFile(filepath.Join(dir, "nodesoap-"+op), []byte(seed), 0o644))
		}
	}
	for op, raw := range fake.raw {
		t.Logf("node-soap sent %s:\n%s", op, raw)
	}
}
