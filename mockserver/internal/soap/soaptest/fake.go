package soaptest

import (
	"bytes"
	"io"
	"maps"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/esfkit/esf/mockserver/internal/soap"
)

// The account and the canned values of FakeESF.
const (
	FakeIIN      = "123456789011"
	FakePassword = "TestPass123"
	FakeTIN      = "123456789021"
	FakeSession  = "518c8ad6b28843b29e8a41f798ff4703-123456789021-"
	// FakeTicket has every character that needs care on the way through
	// two XML layers: markup, quotes, Cyrillic, tabs and newlines.
	FakeTicket = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n" +
		"<authSign><timeMark>1735689600000</timeMark><state>a&amp;b 'q' \"Ω\" ТЕСТ\t&lt;x&gt;</state>" +
		"<iin>123456789011</iin><ttlInMinutes>30</ttlInMinutes></authSign>"
)

// FakeSign stands in for XMLDSig: it appends a marker with a CR LF, which
// a signature's base64 lines may carry. FakeESF opens a session only for
// FakeSign(FakeTicket).
func FakeSign(ticket string) string {
	return strings.Replace(ticket, "</authSign>", "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">QUJD\r\nREVG</ds:Signature></authSign>", 1)
}

// FakeESF is an http.Handler that answers the session flow with canned
// responses built by package soap (Cyrillic, markup, an optional field
// left empty, three profiles one of them a project's, a settlement
// account), serving package soap's WSDLs. It reads every request with
// soap.ReadRequest and records it, for the test to check how ReadRequest
// read what a real client sent. A request ReadRequest refuses, or one
// without the soapAction "" header, fails the test.
type FakeESF struct {
	t        testing.TB
	mu       sync.Mutex
	received map[string]Received // by operation element
	closed   bool
}

// Received is a request FakeESF got: its bytes and ReadRequest's reading.
type Received struct {
	Raw     []byte
	Request *soap.Request
}

// NewFakeESF returns a FakeESF that reports to t.
func NewFakeESF(t testing.TB) *FakeESF {
	return &FakeESF{t: t, received: map[string]Received{}}
}

// Target returns the target RunNodeClient needs to drive the fake served
// at baseURL: the fake's account and FakeSign, labelled label.
func (f *FakeESF) Target(label, baseURL string) Target {
	return Target{Label: label, BaseURL: baseURL, IIN: FakeIIN, Password: FakePassword, TIN: FakeTIN, Sign: FakeSign}
}

// Received returns the last request of each operation the fake got, by
// the operation element's local name (e.g. "createSessionSignedRequest").
func (f *FakeESF) Received() map[string]Received {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.received)
}

// ServeHTTP answers GET /esf-web/ws/api1/{service}?wsdl and the session
// flow's POSTs to /esf-web/ws/api1/{service}.
func (f *FakeESF) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	const prefix = "/esf-web/ws/api1/"
	service, ok := strings.CutPrefix(r.URL.Path, prefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method == http.MethodGet {
		if _, isWSDL := r.URL.Query()["wsdl"]; isWSDL {
			doc, ok := soap.WSDL(service, "http://"+r.Host+prefix+service)
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", soap.ContentType)
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
		soap.WriteClientFault(w, err.Error())
		return
	}
	req, err := soap.ReadRequest(bytes.NewReader(raw), soap.DefaultMaxBytes)
	if err != nil {
		f.t.Errorf("ReadRequest on what the client sent: %v\n%s", err, raw)
		soap.WriteClientFault(w, err.Error())
		return
	}
	if got := r.Header.Get("SOAPAction"); got != `""` {
		f.t.Errorf("%s: SOAPAction header %q, want \"\" quoted", req.Operation.Local, got)
	}
	f.mu.Lock()
	f.received[req.Operation.Local] = Received{Raw: raw, Request: req}
	closed := f.closed
	f.mu.Unlock()

	if req.Operation.Space != soap.Namespace {
		soap.WriteClientFault(w, "unexpected namespace "+req.Operation.Space)
		return
	}
	secured := req.Security != nil && req.Security.Username == FakeIIN &&
		req.Security.Password == FakePassword && req.Security.PasswordType == soap.PasswordText
	switch service + "/" + req.Operation.Local {
	case "VersionService/esfVersionRequest":
		soap.WriteBody(w, soap.Text("version", "InvoiceV2"))
	case "AuthService/createAuthTicketRequest":
		if iin, _ := req.Field("iin"); iin != FakeIIN {
			soap.WriteFault(w, "USER_NOT_FOUND", &soap.FaultDetail{Kind: soap.Business, Description: "no user " + iin})
			return
		}
		soap.WriteResponse(w, "createAuthTicket", soap.Text("authTicketXml", FakeTicket))
	case "SessionService/createSessionSignedRequest":
		if !secured {
			soap.WriteSecurityFault(w)
			return
		}
		if ticket, _ := req.Field("signedAuthTicket"); ticket != FakeSign(FakeTicket) {
			soap.WriteFault(w, "INVALID_SIGNATURE", &soap.FaultDetail{Kind: soap.AccessDenied, Description: "ticket changed on the way"})
			return
		}
		soap.WriteResponse(w, "createSession", soap.Text("sessionId", FakeSession))
	case "SessionService/currentUserRequest":
		if closed {
			soap.WriteFault(w, "SESSION_CLOSED", &soap.FaultDetail{Kind: soap.SessionClosed, Description: "Сессия закрыта"})
			return
		}
		soap.WriteResponse(w, "currentUser", fakeUser())
	case "SessionService/currentUserProfilesRequest":
		soap.WriteResponse(w, "currentUserProfiles", fakeProfiles())
	case "SessionService/currentSessionStatusRequest":
		soap.WriteResponse(w, "currentSessionStatus", soap.Text("status", "OK"))
	case "SessionService/closeSessionRequest":
		if !secured {
			soap.WriteSecurityFault(w)
			return
		}
		f.mu.Lock()
		f.closed = true
		f.mu.Unlock()
		soap.WriteResponse(w, "closeSession", soap.Text("status", "CLOSED"))
	default:
		soap.WriteClientFault(w, "unknown operation "+req.Operation.Local)
	}
}

// fakeUser is a User with a Taxpayer, a head office and a bank account,
// some optional fields left out.
func fakeUser() soap.Field {
	text, opt, group := soap.Text, soap.Optional, soap.Group
	return group("user",
		text("login", FakeIIN),
		opt("email", "test@example.kz"),
		opt("mobile", ""),
		opt("issueDate", "03.12.2018"),
		opt("issuedBy", "МВД РК"),
		opt("passportNum", "012345678"),
		text("status", "ACTIVE"),
		opt("reason", ""),
		group("taxpayer",
			text("tin", FakeIIN),
			opt("nameRu", "ТЕСТОВ ТЕСТ ТЕСТОВИЧ"),
			opt("lastNameRu", "ТЕСТОВ"),
			opt("firstNameRu", "ТЕСТ"),
			opt("middleNameRu", "ТЕСТОВИЧ"),
			text("resident", "true"),
			group("headOffice", text("tin", FakeTIN), opt("nameRu", `АО "ТЕСТ" & Co <HQ>`), text("resident", "true"), text("resourceUser", "false")),
			opt("type", "INDIVIDUAL_ENTREPRENEUR"),
			text("resourceUser", "false"),
			group("accounts",
				group("settlementAccount",
					text("id", "1"), text("taxpayerTin", FakeIIN),
					group("bank", text("id", "7"), opt("bik", "HSBKKZKX"), text("active", "true")),
					opt("account", "KZ000000000000000001")),
			),
			opt("kogd", "0001"),
		),
	)
}

// fakeProfiles lists three profiles of one IIN, as the test stand did.
func fakeProfiles() soap.Field {
	profile := func(tin, bpt, typ string, extra ...soap.Field) soap.Field {
		return soap.Group("profileInfo", append([]soap.Field{
			soap.Text("iin", FakeIIN), soap.Text("tin", tin), soap.Text("businessProfileType", bpt),
			soap.Text("status", "ACTIVE"), soap.Text("type", typ)}, extra...)...)
	}
	return soap.Group("profileInfoList",
		profile(FakeIIN, "INDIVIDUAL", "GENERAL"),
		profile(FakeIIN, "ENTREPRENEUR", "GENERAL"),
		profile(FakeTIN, "PROJECT_ADMIN", "PROJECT",
			soap.Text("projectParticipantType", "CONTRACTOR"), soap.Text("projectCode", "42"), soap.Text("projectName", "Проект")),
	)
}
