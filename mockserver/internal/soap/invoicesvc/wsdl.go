package invoicesvc

import (
	"bytes"
	"embed"
	"encoding/xml"
)

// The services of the package, as named in the path
// /esf-web/ws/api1/{service}.
const (
	InvoiceService       = "InvoiceService"
	UploadInvoiceService = "UploadInvoiceService"
)

// Services lists the services, in a fixed order.
var Services = []string{InvoiceService, UploadInvoiceService}

//go:embed wsdl/*.wsdl
var wsdlFiles embed.FS

var locationMark = []byte("{{LOCATION}}")

// WSDL returns the WSDL of service (one of Services) with its soap:address
// set to location, the endpoint's URL; false for another service.
func WSDL(service, location string) ([]byte, bool) {
	switch service {
	case InvoiceService, UploadInvoiceService:
	default:
		return nil, false
	}
	doc, err := wsdlFiles.ReadFile("wsdl/" + service + ".wsdl")
	if err != nil {
		return nil, false
	}
	var loc bytes.Buffer
	_ = xml.EscapeText(&loc, []byte(location)) // quotes too: fits an attribute
	return bytes.Replace(doc, locationMark, loc.Bytes(), 1), true
}
