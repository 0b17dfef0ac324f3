package soap_test

import (
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/esfkit/esf/mockserver/internal/soap"
)

func ExampleReadRequest() {
	body := `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:esf="esf">
  <soapenv:Header>
    <wsse:Security soapenv:mustUnderstand="1" xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">
      <wsse:UsernameToken>
        <wsse:Username>123456789011</wsse:Username>
        <wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">TestPass123</wsse:Password>
      </wsse:UsernameToken>
    </wsse:Security>
  </soapenv:Header>
  <soapenv:Body>
    <esf:createSessionSignedRequest>
      <tin>123456789021</tin>
      <signedAuthTicket>&lt;authSign&gt;…&lt;/authSign&gt;</signedAuthTicket>
    </esf:createSessionSignedRequest>
  </soapenv:Body>
</soapenv:Envelope>`
	req, err := soap.ReadRequest(strings.NewReader(body), soap.DefaultMaxBytes)
	if err != nil {
		fmt.Println(err)
		return
	}
	tin, _ := req.Field("tin")
	ticket, _ := req.Field("signedAuthTicket")
	fmt.Println(req.Operation.Space, req.Operation.Local)
	fmt.Println(tin, ticket)
	fmt.Println(req.Security.Username, req.Security.Password, req.Security.PasswordType == soap.PasswordText)
	// Output:
	// esf createSessionSignedRequest
	// 123456789021 <authSign>…</authSign>
	// 123456789011 TestPass123 true
}

func ExampleWriteResponse() {
	rec := httptest.NewRecorder()
	soap.WriteResponse(rec, "currentUserProfiles", soap.Group("profileInfoList",
		soap.Group("profileInfo",
			soap.Text("iin", "123456789011"),
			soap.Text("tin", "123456789021"),
			soap.Text("businessProfileType", "ADMIN_ENTERPRISE"),
			soap.Optional("projectName", ""), // left out
		),
	))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	fmt.Println(rec.Body.String())
	// Output:
	// 200 text/xml; charset=utf-8
	// <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><ns2:currentUserProfilesResponse xmlns:ns2="esf"><profileInfoList><profileInfo><iin>123456789011</iin><tin>123456789021</tin><businessProfileType>ADMIN_ENTERPRISE</businessProfileType></profileInfo></profileInfoList></ns2:currentUserProfilesResponse></soap:Body></soap:Envelope>
}

func ExampleWriteFault() {
	rec := httptest.NewRecorder()
	soap.WriteFault(rec, "SESSION_CLOSED", &soap.FaultDetail{Kind: soap.SessionClosed, Description: "session closed"})
	fmt.Println(rec.Code)
	fmt.Println(rec.Body.String())
	// Output:
	// 500
	// <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Server</faultcode><faultstring>SESSION_CLOSED</faultstring><detail><ns2:sessionClosedException xmlns:ns2="esf"><description>session closed</description></ns2:sessionClosedException></detail></soap:Fault></soap:Body></soap:Envelope>
}
