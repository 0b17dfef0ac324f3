package mockserver_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/esfkit/esf/internal/testref"
	"github.com/esfkit/esf/mockserver"
)

func fuzzServer(f *testing.F) *mockserver.Server {
	// A fixed base clock: a fuzzed POST /_mock/clock may set it anywhere
	// in range, and it must stay there.
	s, err := mockserver.New(mockserver.Options{AllowTestIdentities: true, BcryptCost: 4, Now: func() time.Time { return at }})
	if err != nil {
		f.Fatal(err)
	}
	return s
}

// FuzzSOAP posts arbitrary bodies to every SOAP service: the answer is a
// SOAP response or fault, never a panic or a non-SOAP 500.
func FuzzSOAP(f *testing.F) {
	testref.LimitFuzzMinimization(f)
	s := fuzzServer(f)
	for _, seed := range []string{
		`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><esf:esfVersionRequest xmlns:esf="esf"/></soap:Body></soap:Envelope>`,
		`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:esf="esf"><soapenv:Header><wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><wsse:UsernameToken><wsse:Username>123456789011</wsse:Username><wsse:Password>x</wsse:Password></wsse:UsernameToken></wsse:Security></soapenv:Header><soapenv:Body><esf:createSessionSignedRequest><tin>123456789011</tin><signedAuthTicket>&lt;authSign/&gt;</signedAuthTicket></esf:createSessionSignedRequest></soapenv:Body></soapenv:Envelope>`,
		`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><esf:createAuthTicketRequest xmlns:esf="esf"><iin>123456789011</iin><ttlInMinutes>5</ttlInMinutes></esf:createAuthTicketRequest></soap:Body></soap:Envelope>`,
		`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><esf:currentUserRequest xmlns:esf="esf"><sessionId>x</sessionId></esf:currentUserRequest></soap:Body></soap:Envelope>`,
	} {
		f.Add("SessionService", seed)
	}
	f.Fuzz(func(t *testing.T, service, body string) {
		for _, svc := range []string{"SessionService", "AuthService", "VersionService"} {
			if !strings.Contains(service, svc[:4]) {
				continue
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/esf-web/ws/api1/"+svc, strings.NewReader(body)))
			if rec.Code == http.StatusInternalServerError && !strings.Contains(rec.Body.String(), "Fault>") {
				t.Fatalf("500 without a SOAP fault: %s", rec.Body.String())
			}
		}
	})
}

// FuzzJSON posts arbitrary JSON to the portal's and the control API's
// endpoints: a 4xx or a success, never a panic or a 500.
func FuzzJSON(f *testing.F) {
	testref.LimitFuzzMinimization(f)
	s := fuzzServer(f)
	paths := []string{"/esf-web/ajax/registration", "/esf-web/ajax/registration/abc/form", "/esf-web/ajax/registration/abc/agreements",
		"/esf-web/ajax/change-email", "/esf-web/ajax/reset-password", "/esf-web/reset-password/0123456789abcdef0123456789abcdef01234567",
		"/esf-web/ajax/login", "/esf-web/self-registration-request/0123", "/esf-web/ajax/login/xmlDsigCertInfo", "/_mock/clock", "/_mock/faults", "/_mock/taxpayers"}
	for i := range paths {
		f.Add(uint8(i), `{"category":"INDIVIDUAL","signedTicket":"<a/>"}`)
		f.Add(uint8(i), `{"login":"123456789011","email":"a@b.kz","xmlDsig":"<changeEmail/>"}`)
		f.Add(uint8(i), `{"tin":"123456789021","type":"PRIVATE_ENTERPRISE"}`)
		f.Add(uint8(i), `{"set":"2199-12-31T23:59:59Z","set":"9999-12-31T23:59:59Z"}`)
	}
	f.Add(uint8(9), `{"advance":"2562047h47m16s"}`)
	f.Add(uint8(9), `{"set":"0001-01-01T00:00:00Z"}`)
	f.Add(uint8(10), `{"match":"createSessionSigned","code":"SESSION_CLOSED","count":-9223372036854775808}`)
	f.Add(uint8(10), `{"match":"/esf-web/ajax/login","code":"TOO_MANY_ATTEMPTS","count":10000,"message":"x"}`)
	f.Add(uint8(0), `{"a":{"b":{"c":[{"d":1,"d":2}]}}}`)
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		path := paths[int(which)%len(paths)]
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		s.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s answered %d: %s", path, rec.Code, rec.Body.String())
		}
		if now := s.Now(); now.Before(mockserver.MinTime) || !now.Before(mockserver.MaxTime) {
			t.Fatalf("%s %s moved the clock out of range, to %s", path, body, now)
		}
	})
}
