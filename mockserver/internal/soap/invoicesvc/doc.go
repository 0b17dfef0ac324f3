// Package invoicesvc is the wire of the mock's invoice services —
// InvoiceService (14 operations) and UploadInvoiceService (syncInvoice) —
// apart from what the mock does with them: it serves their WSDLs, checks
// and reads each operation's request into a Go value, and writes the
// responses' elements.
//
// A request is checked against the schema of KGD's WSDLs before it is
// read, as the real server (Apache CXF with schema validation) does: an
// unknown or misplaced child element, a missing required one, a value
// that is not of its type (xs:long, xs:int, xs:boolean, xs:dateTime, an
// enumeration, the 400-character signature) is a *SchemaError whose text
// is the Xerces message CXF answers with ("cvc-complex-type.2.4.a: Invalid
// content was found starting with element 'date'. One of '{dateTo}' is
// expected."). Children are unqualified, as ESF's schema is; an element
// in a namespace is not the one the schema names.
//
//	req, err := soap.ReadRequest(body, 0)
//	…
//	q, err := invoicesvc.ParseQueryUpdates(&req.Body)
//	if err != nil { /* a soap:Client fault with err's text */ }
//	soap.WriteBody(w, invoicesvc.QueryUpdatesResponse(cursor, last, rows))
//
// The WSDLs (WSDL) are ours, written after KGD's (docs/esf-invoice-api.md
// §1): the same operations, messages, elements and types in the same
// order; errorCode is a string where KGD's enumerates 745 codes. A test
// compares their shapes with KGD's files in ../shared.
package invoicesvc
