package mockserver_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfclient"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver"
)

// Every invoice operation is bound to an open API session: a closed,
// idle or unknown one is ESF's sessionClosedException (faultstring "No
// open session associated with user."), and the session's taxpayer and
// profile decide what it may see and do.
func TestInvoiceSessionBinding(t *testing.T) {
	e := newInvoiceEnv(t)
	id := e.registered(e.sampleInvoice())

	closed := func(t *testing.T, r reply) {
		t.Helper()
		code, text, kind, desc := r.fault()
		assert.Equal(t, http.StatusInternalServerError, r.status)
		assert.Equal(t, "soap:Server", code)
		assert.Equal(t, mockserver.SessionClosedText, text)
		assert.Equal(t, "sessionClosedException", kind)
		assert.NotEmpty(t, desc)
	}
	ops := map[string]string{
		"queryInvoiceSummaryByIdRequest": idList(id),
		"queryInvoiceByIdRequest":        idList(id),
		"confirmInvoiceByIdRequest":      idList(id),
		"queryUpdatesRequest":            "<lastEventDate>2026-01-01T00:00:00+05:00</lastEventDate><direction>OUTBOUND</direction><fullInfoOnStatusChange>true</fullInfoOnStatusChange>",
		"enterpriseValidationRequest":    "<enterpriseKeyList><enterpriseKey><certificateSeries>1</certificateSeries><certificateNum>2</certificateNum><tin>" + sellerTIN + "</tin></enterpriseKey></enterpriseKeyList>",
	}
	t.Run("unknown session", func(t *testing.T) {
		for op, inner := range ops {
			closed(t, e.post("InvoiceService", op, "<sessionId>nope</sessionId>"+inner))
		}
		closed(t, e.syncRaw("nope", certText(e.sellerKS), e.signed(e.sellerKS, e.sampleInvoice())))
	})

	t.Run("a taxpayer sees only its own invoices", func(t *testing.T) {
		// The CEO's other profile: himself, an individual.
		e.srv.Advance(time.Second)
		s, err := e.c.OpenSession(e.ctx, esfclient.SessionRequest{Key: e.sellerKS, Password: password, TIN: certstest.TestIIN,
			ProfileType: esfreg.ProfileIndividual, CloseOpenSession: true})
		require.NoError(t, err)
		assert.Empty(t, e.summaries(s.ID, id))
		assert.Empty(t, e.confirm(s.ID, id))
		assert.Equal(t, "INVOICE_NOT_FOUND", e.reasonChange("unrevoke", s.ID, e.sellerKS, "r", id)[0].code)

		// An INDIVIDUAL profile does not issue invoices.
		inv := e.sampleInvoice()
		inv.Sellers[0].TIN = certstest.TestIIN
		r := e.syncRaw(s.ID, certText(e.sellerKS), e.signed(e.sellerKS, inv))
		_, _, kind, _ := r.fault()
		assert.Equal(t, "accessDeniedException", kind, r.raw)
		assert.Contains(t, r.raw, "ACCESS_DENIED")
		items := e.post("InvoiceService", "revokeInvoiceByIdRequest", "<sessionId>"+s.ID+"</sessionId><signature>AAAA</signature><x509Certificate>"+
			certText(e.sellerKS)+"</x509Certificate><idWithReasonList><invoiceIdWithReason><id>1</id><reason>r</reason></invoiceIdWithReason></idWithReasonList>")
		_, _, kind, _ = items.fault()
		assert.Equal(t, "accessDeniedException", kind, items.raw)

		// The seller's session was closed by that log-in.
		closed(t, e.post("InvoiceService", "queryInvoiceSummaryByIdRequest", "<sessionId>"+e.seller+"</sessionId>"+idList(id)))
		again, err := e.c.OpenSession(e.ctx, esfclient.SessionRequest{Key: e.sellerKS, Password: password, TIN: sellerTIN, CloseOpenSession: true})
		require.NoError(t, err)
		e.seller = again.ID
	})

	t.Run("an idle session closes", func(t *testing.T) {
		e.srv.Advance(mockserver.DefaultSessionIdle)
		closed(t, e.post("InvoiceService", "queryInvoiceSummaryByIdRequest", "<sessionId>"+e.customer+"</sessionId>"+idList(id)))
		closed(t, e.post("InvoiceService", "confirmInvoiceByIdRequest", "<sessionId>"+e.customer+"</sessionId>"+idList(id)))
		for _, s := range e.srv.Sessions() {
			if s.ID == e.customer {
				assert.True(t, s.Closed, "a writing operation closed it")
			}
		}
	})

	t.Run("a session's use is recorded", func(t *testing.T) {
		e.seller = e.openSession(e.sellerKS, sellerTIN)
		e.srv.Advance(20 * time.Minute)
		e.summary(e.seller, id) // a read records the use
		e.srv.Advance(20 * time.Minute)
		assert.Equal(t, "CREATED", e.summary(e.seller, id).status, "40 minutes after opening, 20 after the last use")
	})
}

// A request that does not match KGD's schema is refused as CXF's schema
// validation refuses it: a soap:Client fault with Xerces's message.
func TestInvoiceSchemaFaults(t *testing.T) {
	e := newInvoiceEnv(t)
	cases := []struct {
		name, service, element, inner, want string
	}{
		{"criteria out of order", "InvoiceService", "queryInvoiceRequest",
			"<sessionId>" + e.seller + "</sessionId><criteria><direction>OUTBOUND</direction><dateTo>2026-06-30T00:00:00</dateTo><dateFrom>2026-06-01T00:00:00</dateFrom><asc>true</asc></criteria>",
			"cvc-complex-type.2.4.a: Invalid content was found starting with element 'dateTo'. One of '{contragentTin, dateFrom}' is expected."},
		{"a required element missing", "InvoiceService", "queryInvoiceRequest",
			"<sessionId>" + e.seller + "</sessionId><criteria><direction>OUTBOUND</direction><dateFrom>2026-06-01T00:00:00</dateFrom><dateTo>2026-06-30T00:00:00</dateTo></criteria>",
			"cvc-complex-type.2.4.b: The content of element 'criteria' is not complete."},
		{"a namespaced child", "InvoiceService", "queryInvoiceByIdRequest",
			"<esf:sessionId>" + e.seller + "</esf:sessionId>" + idList(1),
			"Invalid content was found starting with element '{esf}sessionId'. One of '{sessionId}' is expected."},
		{"not a long", "InvoiceService", "queryInvoiceByIdRequest",
			"<sessionId>" + e.seller + "</sessionId><idList><id>x1</id></idList>",
			"cvc-datatype-valid.1.2.1: 'x1' is not a valid value for 'long'."},
		{"not an enumeration value", "InvoiceService", "queryUpdatesRequest",
			"<sessionId>" + e.seller + "</sessionId><lastEventDate>2026-01-01T00:00:00Z</lastEventDate><direction>OUT</direction><fullInfoOnStatusChange>true</fullInfoOnStatusChange>",
			"cvc-enumeration-valid: Value 'OUT' is not facet-valid with respect to enumeration '[INBOUND, OUTBOUND]'."},
		{"a signature over 400 characters", "UploadInvoiceService", "syncInvoiceRequest",
			"<sessionId>" + e.seller + "</sessionId><invoiceUploadInfoList><invoiceUploadInfo><invoiceBody>b</invoiceBody><version>InvoiceV2</version><signature>" +
				strings.Repeat("A", 401) + "</signature><signatureType>COMPANY</signatureType></invoiceUploadInfo></invoiceUploadInfoList><x509Certificate>c</x509Certificate>",
			"cvc-maxLength-valid: Value"},
		{"an unknown operation", "InvoiceService", "syncInvoiceRequest", "<sessionId>s</sessionId>", "Unexpected wrapper element {esf}syncInvoiceRequest"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.post(c.service, c.element, c.inner)
			code, text, _, _ := r.fault()
			assert.Equal(t, http.StatusInternalServerError, r.status)
			assert.Equal(t, "soap:Client", code)
			assert.Contains(t, text, c.want)
		})
	}
}

// The services' WSDLs, at the real paths, with the mock's address.
func TestInvoiceWSDLServed(t *testing.T) {
	e := newInvoiceEnv(t)
	for _, svc := range []string{"InvoiceService", "UploadInvoiceService"} {
		resp, err := http.Get(e.srv.URL + "/esf-web/ws/api1/" + svc + "?wsdl")
		require.NoError(t, err)
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Contains(t, string(data), `<soap:address location="`+e.srv.URL+"/esf-web/ws/api1/"+svc+`"/>`)
	}
}
