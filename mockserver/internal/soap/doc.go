// Package soap is the SOAP 1.1 layer of the ESF mock: it reads requests,
// writes responses and faults the way the real server (Apache CXF) does,
// and serves the WSDLs of SessionService, AuthService and VersionService.
//
// A handler reads the envelope with ReadRequest, branches on
// Request.Operation, reads the unqualified children with Request.Field and
// the WS-Security UsernameToken with Request.Security, then answers with
// WriteResponse (or WriteBody) or one of the Write*Fault functions:
//
//	req, err := soap.ReadRequest(r.Body, soap.DefaultMaxBytes)
//	if err != nil {
//		soap.WriteClientFault(w, err.Error())
//		return
//	}
//	tin, _ := req.Field("tin")
//	soap.WriteResponse(w, "createSession", soap.Text("sessionId", id))
//
// The wire conventions follow the real service (docs/esf-api.md §1.2):
// document/literal, soapAction "", the bare target namespace "esf" on the
// wrapper element only (elementFormDefault="unqualified", so children are
// unprefixed and in no namespace), CXF prefixes soap: and ns2:, faults with
// HTTP 500 whose faultstring is the bare error code.
//
// The package uses only the standard library. Package soaptest drives it
// through node-soap, a WSDL-driven client, for the mock's tests
// (TestNodeSoapClient in package mockserver).
package soap
