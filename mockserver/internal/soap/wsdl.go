package soap

import (
	"bytes"
	"embed"
	"encoding/xml"
)

// The services whose WSDL the package serves, as named in the path
// /esf-web/ws/api1/{service}.
const (
	SessionService = "SessionService"
	AuthService    = "AuthService"
	VersionService = "VersionService"
)

// Services lists the services WSDL knows, in a fixed order. Changing it
// changes nothing else.
var Services = []string{SessionService, AuthService, VersionService}

//go:embed wsdl/*.wsdl
var wsdlFiles embed.FS

// locationMark is where the endpoint address goes in the embedded WSDLs.
var locationMark = []byte("{{LOCATION}}")

// WSDL returns the WSDL document of service (one of Services) with its
// soap:address set to location, the service's endpoint URL, e.g.
// http://127.0.0.1:8080/esf-web/ws/api1/SessionService. It reports false
// for an unknown service.
//
// The documents are ours, written after the published interface
// (docs/esf-api.md §1): SessionService has every operation, element and
// type of the real WSDL plus createSessionSigned and
// closeSessionBySignedCredentials; AuthService has createAuthTicket;
// VersionService has getVersion (esfVersionRequest → version).
func WSDL(service, location string) ([]byte, bool) {
	switch service {
	case SessionService, AuthService, VersionService:
	default:
		return nil, false
	}
	doc, err := wsdlFiles.ReadFile("wsdl/" + service + ".wsdl")
	if err != nil {
		return nil, false
	}
	var loc bytes.Buffer
	// EscapeText also escapes quotes, so the result fits an attribute.
	_ = xml.EscapeText(&loc, []byte(location))
	return bytes.Replace(doc, locationMark, loc.Bytes(), 1), true
}
