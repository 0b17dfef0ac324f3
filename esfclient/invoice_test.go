package esfclient

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/esfreg"
)

// envelope wraps an answer's body element as ESF's CXF does.
func envelope(inner string) []byte {
	return []byte(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>` + inner + `</soap:Body></soap:Envelope>`)
}

// opOf is the operation a request calls: its body element's name.
func opOf(req []byte) string {
	m := regexp.MustCompile(`<esf:(\w+)Request>`).FindSubmatch(req)
	if m == nil {
		return ""
	}
	return string(m[1])
}

// always answers every request with status and body.
func always(status int, body []byte) *fakeESF {
	return &fakeESF{answer: func(int) (int, []byte) { return status, body }}
}

func TestInvoiceFaults(t *testing.T) {
	tests := []struct {
		name   string
		answer []byte
		want   *esfreg.Error
		msg    string
	}{
		{"ESF's text for a closed session", readGolden(t, "fault-session-closed.response.xml"), ErrSessionClosed, "No open session associated with user."},
		{"a business fault with a text", readGolden(t, "fault-quarter.response.xml"), ErrBusinessError, "Можно получить список СФ за период не более 1 квартала"},
		{"access denied with a code", readGolden(t, "fault-access-denied.response.xml"), ErrAccessDenied, "Нет прав на выполнение операции"},
		{"the mock's closed session: the code as faultstring", envelope(`<soap:Fault><faultcode>soap:Server</faultcode><faultstring>SESSION_CLOSED</faultstring><detail><ns2:sessionClosedException xmlns:ns2="esf"><description>Сессия закрыта</description></ns2:sessionClosedException></detail></soap:Fault>`),
			ErrSessionClosed, "Сессия закрыта"},
		{"no detail, ESF's text", envelope(`<soap:Fault><faultcode>soap:Server</faultcode><faultstring>No open session associated with user.</faultstring></soap:Fault>`),
			ErrSessionClosed, "No open session associated with user."},
		{"a code the client does not know", envelope(`<soap:Fault><faultcode>soap:Server</faultcode><faultstring>OFD_UPDATE_LIMITS_EXCEED_LIMITS</faultstring><detail><ns2:businessException xmlns:ns2="esf"><description>limit</description></ns2:businessException></detail></soap:Fault>`),
			&esfreg.Error{Code: "OFD_UPDATE_LIMITS_EXCEED_LIMITS"}, "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fakeSession(t, always(http.StatusInternalServerError, tt.answer))
			_, err := s.QueryInvoiceSummaryByID(context.Background(), 1)
			require.ErrorIs(t, err, tt.want)
			var e *esfreg.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.msg, e.Message)
		})
	}
}

func TestInvoiceAnswersNotAsTheWSDL(t *testing.T) {
	info := func(field string) []byte {
		return envelope(`<ns2:queryInvoiceByIdResponse xmlns:ns2="esf"><lastBlock>true</lastBlock><currPage>0</currPage><rsCount>1</rsCount><invoiceInfoList><invoiceInfo>` +
			field + `</invoiceInfo></invoiceInfoList></ns2:queryInvoiceByIdResponse>`)
	}
	tests := []struct {
		name   string
		status int
		answer []byte
		want   string
	}{
		{"an HTML page", http.StatusNotFound, []byte("<html><body>Not Found</body></html>"), "answered HTTP 404, not SOAP"},
		{"nothing", http.StatusOK, nil, "not SOAP"},
		{"an envelope without a body", http.StatusOK, []byte(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header/></soap:Envelope>`), "no Body"},
		{"an empty body", http.StatusOK, envelope(""), "without a body element"},
		{"another operation's answer", http.StatusOK, envelope(`<ns2:queryUpdatesResponse xmlns:ns2="esf"/>`), "answered queryUpdatesResponse, want queryInvoiceByIdResponse"},
		{"an id that is not a long", http.StatusOK, info(`<invoiceId>12a</invoiceId>`), `invoiceInfo[0]/invoiceId "12a": not an xs:long`},
		{"a date that is not a dateTime", http.StatusOK, info(`<inputDate>15.01.2026</inputDate>`), `invoiceInfo[0]/inputDate "15.01.2026": not an xs:dateTime`},
		{"a boolean that is not one", http.StatusOK, info(`<signatureValid>yes</signatureValid>`), `invoiceInfo[0]/signatureValid "yes": not an xs:boolean`},
		{"broken XML inside the answer", http.StatusOK, envelope(`<ns2:queryInvoiceByIdResponse xmlns:ns2="esf"><lastBlock>true</currPage></ns2:queryInvoiceByIdResponse>`), "not as the WSDL has it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fakeSession(t, always(tt.status, tt.answer))
			_, err := s.QueryInvoiceByID(context.Background(), 1)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			var e *esfreg.Error
			assert.False(t, errors.As(err, &e), "not a refusal: %v", err)
			if strings.Contains(tt.want, "not SOAP") || tt.want == "no Body" {
				assert.ErrorIs(t, err, ErrNotSOAP)
			} else {
				assert.NotErrorIs(t, err, ErrNotSOAP)
			}
		})
	}
}

// Values the WSDL does not list (newer statuses, codes, client types) are
// kept, not refused.
func TestInvoiceUnknownEnumValuesKept(t *testing.T) {
	ctx := context.Background()
	s := fakeSession(t, always(http.StatusOK, readGolden(t, "tolerant-summary.response.xml")))
	list, err := s.QueryInvoiceSummaryByID(ctx, 20114103046471680, 20114103046471681)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, InvoiceStatus("WAITING_CUSTOMER_CONFIRMATION"), list[1].Status)
	assert.False(t, list[1].Status.Known())
	assert.True(t, list[0].Status.Known())

	s = fakeSession(t, always(http.StatusOK, readGolden(t, "tolerant-sync.response.xml")))
	res, err := s.SyncInvoice(ctx, SyncRequest{Certificate: testCert, Invoices: []InvoiceUpload{{Body: []byte("<a/>"), Signature: "x", SignatureType: SignatureCompany}}})
	require.NoError(t, err)
	err = res.Err()
	require.Error(t, err)
	assert.ErrorIs(t, err, &esfreg.Error{Code: "SOME_CODE_NEWER_THAN_THE_WSDL"})
	assert.ErrorIs(t, err, &esfreg.Error{Code: "INVALID_MEASURE_UNIT_CODE", Field: "invoice.productSet.products[0].unitNomenclature"})
	assert.NotErrorIs(t, err, ErrWrongXMLFormat)
	var declined *DeclinedError
	require.ErrorAs(t, err, &declined)
	assert.Equal(t, "1002", declined.Declined[0].Num)
	assert.Contains(t, err.Error(), "invoice 1002 of 15.01.2026 declined")
	assert.NoError(t, res.Accepted[0].Err())
	assert.Error(t, res.Declined[0].Err())

	s = fakeSession(t, always(http.StatusOK, readGolden(t, "tolerant-history.response.xml")))
	hist, err := s.QueryInvoiceHistoryByID(ctx, 20113995733614592)
	require.NoError(t, err)
	assert.Equal(t, InvoiceStatus("SEND_TO_ISGO"), hist[1].Status)
	assert.Equal(t, "MOBILE", hist[1].ClientType)
}

func TestChangeStatusResultErr(t *testing.T) {
	assert.NoError(t, ChangeStatusResult{Changed: true}.Err())
	err := ChangeStatusResult{Summary: InvoiceSummary{ID: 7, Status: StatusDelivered}, Code: CodeWrongType}.Err()
	assert.ErrorIs(t, err, ErrWrongType)
	assert.Contains(t, err.Error(), "invoice 7: status DELIVERED not changed")
	assert.ErrorIs(t, ChangeStatusResult{}.Err(), ErrWrongOperation, "no code: still a refusal")
}

// The client refuses what the WSDL would, naming the field, and sends
// nothing.
func TestInvoiceRequestsRefusedBeforeSending(t *testing.T) {
	up := func(mod func(*InvoiceUpload)) SyncRequest {
		u := InvoiceUpload{Body: []byte("<v2:invoice/>"), Signature: testSig, SignatureType: SignatureCompany}
		mod(&u)
		return SyncRequest{Certificate: testCert, Invoices: []InvoiceUpload{u}}
	}
	ok := StatusChange{Items: []InvoiceReason{{ID: 1, Reason: "r"}}, Signature: testSig, Certificate: testCert}
	dates := InvoiceCriteria{Direction: Inbound, DateFrom: time.Now(), DateTo: time.Now()}
	tests := []struct {
		name  string
		call  func(context.Context, *Session) error
		code  esfreg.Code
		field string
	}{
		{"no body", func(ctx context.Context, s *Session) error {
			_, err := s.SyncInvoice(ctx, up(func(u *InvoiceUpload) { u.Body = nil }))
			return err
		}, esfreg.CodeFieldRequired, "invoiceUploadInfoList/invoiceUploadInfo[0]/invoiceBody"},
		{"a body XML cannot carry", func(ctx context.Context, s *Session) error {
			_, err := s.SyncInvoice(ctx, up(func(u *InvoiceUpload) { u.Body = []byte("<a>\x01</a>") }))
			return err
		}, esfreg.CodeFieldInvalid, "invoiceUploadInfoList/invoiceUploadInfo[0]/invoiceBody"},
		{"a body that is not UTF-8", func(ctx context.Context, s *Session) error {
			_, err := s.SyncInvoice(ctx, up(func(u *InvoiceUpload) { u.Body = []byte("<a>\xff</a>") }))
			return err
		}, esfreg.CodeFieldInvalid, "invoiceUploadInfoList/invoiceUploadInfo[0]/invoiceBody"},
		{"no signature type", func(ctx context.Context, s *Session) error {
			_, err := s.SyncInvoice(ctx, up(func(u *InvoiceUpload) { u.SignatureType = "" }))
			return err
		}, esfreg.CodeFieldRequired, "invoiceUploadInfoList/invoiceUploadInfo[0]/signatureType"},
		{"a signature over 400 characters", func(ctx context.Context, s *Session) error {
			_, err := s.SyncInvoice(ctx, up(func(u *InvoiceUpload) { u.Signature = strings.Repeat("A", 401) }))
			return err
		}, esfreg.CodeFieldTooLong, "invoiceUploadInfoList/invoiceUploadInfo[0]/signature"},
		{"no certificate", func(ctx context.Context, s *Session) error {
			r := up(func(*InvoiceUpload) {})
			r.Certificate = nil
			_, err := s.SyncInvoice(ctx, r)
			return err
		}, esfreg.CodeFieldRequired, "x509Certificate"},
		{"no ids", func(ctx context.Context, s *Session) error {
			_, err := s.QueryInvoiceSummaryByID(ctx)
			return err
		}, esfreg.CodeFieldRequired, "idList"},
		{"no ids to confirm", func(ctx context.Context, s *Session) error {
			_, err := s.ConfirmInvoiceByID(ctx)
			return err
		}, esfreg.CodeFieldRequired, "idList"},
		{"no keys", func(ctx context.Context, s *Session) error {
			_, err := s.QueryInvoiceByKey(ctx, Inbound)
			return err
		}, esfreg.CodeFieldRequired, "invoiceKeyList"},
		{"keys without a direction", func(ctx context.Context, s *Session) error {
			_, err := s.QueryInvoiceSummaryByKey(ctx, "", InvoiceKey{Date: "01.01.2026", Num: "1"})
			return err
		}, esfreg.CodeFieldRequired, "direction"},
		{"criteria without dateFrom", func(ctx context.Context, s *Session) error {
			c := dates
			c.DateFrom = time.Time{}
			_, err := s.QueryInvoice(ctx, c)
			return err
		}, esfreg.CodeFieldRequired, "criteria/dateFrom"},
		{"criteria without dateTo", func(ctx context.Context, s *Session) error {
			c := dates
			c.DateTo = time.Time{}
			_, err := s.QueryInvoice(ctx, c)
			return err
		}, esfreg.CodeFieldRequired, "criteria/dateTo"},
		{"a contragent TIN XML cannot carry", func(ctx context.Context, s *Session) error {
			c := dates
			c.ContragentTIN = "1\x00"
			_, err := s.QueryInvoice(ctx, c)
			return err
		}, esfreg.CodeFieldInvalid, "criteria/contragentTin"},
		{"updates without a direction", func(ctx context.Context, s *Session) error {
			_, err := s.QueryUpdates(ctx, UpdatesRequest{Cursor: UpdatesCursor{LastEventDate: time.Now()}})
			return err
		}, esfreg.CodeFieldRequired, "direction"},
		{"updates without lastEventDate", func(ctx context.Context, s *Session) error {
			_, err := s.QueryUpdates(ctx, UpdatesRequest{Direction: Inbound})
			return err
		}, esfreg.CodeFieldRequired, "lastEventDate"},
		{"a revocation of nothing", func(ctx context.Context, s *Session) error {
			r := ok
			r.Items = nil
			_, err := s.RevokeInvoiceByID(ctx, r)
			return err
		}, esfreg.CodeFieldRequired, "idWithReasonList"},
		{"an unsigned decline", func(ctx context.Context, s *Session) error {
			r := ok
			r.Signature = ""
			_, err := s.DeclineInvoiceByID(ctx, r)
			return err
		}, esfreg.CodeFieldRequired, "signature"},
		{"an unrevoke without certificate", func(ctx context.Context, s *Session) error {
			r := ok
			r.Certificate = nil
			_, err := s.UnrevokeInvoiceByID(ctx, r)
			return err
		}, esfreg.CodeFieldRequired, "x509Certificate"},
		{"a reason XML cannot carry", func(ctx context.Context, s *Session) error {
			r := ok
			r.Items = []InvoiceReason{{ID: 1, Reason: "ok"}, {ID: 2, Reason: "\x0b"}}
			_, err := s.RevokeInvoiceByID(ctx, r)
			return err
		}, esfreg.CodeFieldInvalid, "idWithReasonList/invoiceIdWithReason[1]/reason"},
		{"a deletion of nothing", func(ctx context.Context, s *Session) error {
			_, err := s.DeleteInvoiceByID(ctx, Deletion{Signature: testSig, Certificate: testCert})
			return err
		}, esfreg.CodeFieldRequired, "idList"},
		{"an unsigned deletion", func(ctx context.Context, s *Session) error {
			_, err := s.DeleteInvoiceByID(ctx, Deletion{IDs: []int64{1}, Certificate: testCert})
			return err
		}, esfreg.CodeFieldRequired, "signature"},
		{"no enterprise keys", func(ctx context.Context, s *Session) error {
			_, err := s.EnterpriseValidation(ctx)
			return err
		}, esfreg.CodeFieldRequired, "enterpriseKeyList"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := always(http.StatusOK, nil)
			s := fakeSession(t, f)
			err := tt.call(context.Background(), s)
			require.ErrorIs(t, err, &esfreg.Error{Code: tt.code, Field: tt.field})
			assert.Empty(t, f.requests, "nothing is sent")
		})
	}
}

// The body reaches the server byte for byte — line ends, tabs, «]]>»,
// markup characters, non-ASCII — and comes back so: the signature covers
// exactly those bytes.
func TestInvoiceBodyBytesSurvive(t *testing.T) {
	body := "<v2:invoice xmlns:v2=\"v2.esf\">\r\n\t<num>1</num> <addInf>a & b ]]> «ё» \U0001F600 'q'</addInf>\n</v2:invoice>\r\n  "
	var got string
	f := &fakeESF{}
	f.answer = func(n int) (int, []byte) {
		if opOf(f.requests[n-1]) != "syncInvoice" {
			var b strings.Builder
			_ = xml.EscapeText(&b, []byte(got))
			return http.StatusOK, envelope(`<ns2:queryUpdatesResponse xmlns:ns2="esf"><lastEventDate>2026-01-15T10:21:00Z</lastEventDate><lastBlock>true</lastBlock><invoiceInfoList><invoiceInfo><invoiceBody>` +
				b.String() + `</invoiceBody><invoiceId>5</invoiceId></invoiceInfo></invoiceInfoList></ns2:queryUpdatesResponse>`)
		}
		var req struct {
			Body struct {
				Sync struct {
					Infos []struct {
						Body string `xml:"invoiceBody"`
					} `xml:"invoiceUploadInfoList>invoiceUploadInfo"`
				} `xml:"syncInvoiceRequest"`
			} `xml:"Body"`
		}
		if err := xml.Unmarshal(f.requests[n-1], &req); err != nil || len(req.Body.Sync.Infos) != 1 {
			return http.StatusBadRequest, nil
		}
		got = req.Body.Sync.Infos[0].Body
		return http.StatusOK, envelope(`<ns2:syncInvoiceResponse xmlns:ns2="esf"><acceptedSet/><declinedSet/></ns2:syncInvoiceResponse>`)
	}
	s := fakeSession(t, f)
	ctx := context.Background()
	_, err := s.SyncInvoice(ctx, SyncRequest{Certificate: testCert, Invoices: []InvoiceUpload{{Body: []byte(body), Signature: testSig, SignatureType: SignatureCompany}}})
	require.NoError(t, err)
	assert.Equal(t, body, got, "the server reads the body unchanged")
	p, err := s.QueryUpdates(ctx, UpdatesRequest{Direction: Inbound, Cursor: UpdatesCursor{LastEventDate: time.Unix(0, 0)}})
	require.NoError(t, err)
	assert.Equal(t, body, string(p.Invoices[0].Body), "the client reads the body unchanged")
}

func TestDateTimes(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2026-01-15T10:21:00.456+05:00", time.Date(2026, 1, 15, 5, 21, 0, 456e6, time.UTC)},
		{"2026-01-15T10:21:00Z", time.Date(2026, 1, 15, 10, 21, 0, 0, time.UTC)},
		{"2018-12-18T11:22:33.1+06:00", time.Date(2018, 12, 18, 5, 22, 33, 1e8, time.UTC)},
		{"2026-01-15T10:21:00", time.Date(2026, 1, 15, 5, 21, 0, 0, time.UTC)},               // no zone: UTC+05:00
		{"2026-01-15T10:21:00.123456", time.Date(2026, 1, 15, 5, 21, 0, 123456e3, time.UTC)}, // no zone, fraction
	}
	for _, tt := range tests {
		got, err := parseDateTime(tt.in)
		require.NoError(t, err, tt.in)
		assert.True(t, tt.want.Equal(got), "%s: %s", tt.in, got)
		back, err := parseDateTime(formatDateTime(got))
		require.NoError(t, err)
		assert.True(t, got.Equal(back), "%s round trip", tt.in)
	}
	for _, bad := range []string{"15.01.2026", "2026-01-15", "2026-13-01T00:00:00Z", "x"} {
		_, err := parseDateTime(bad)
		assert.Error(t, err, bad)
	}
	assert.Equal(t, "2026-01-15T10:21:00.000000001+05:00", formatDateTime(time.Date(2026, 1, 15, 10, 21, 0, 1, kazakhstanTime)))
}

func TestFaultCodeShape(t *testing.T) {
	for s, want := range map[string]bool{"SESSION_CLOSED": true, "A1_B": true, "": false, "1ABC": false, "No open session": false, "ABC-D": false, "abc": false} {
		assert.Equal(t, want, isCode(s), "%q", s)
	}
}

func ExampleSession_SyncInvoice_declined() {
	// What a declined invoice looks like to a caller (the answer of a
	// server, here recorded).
	res := &SyncResult{Declined: []UploadResult{{Num: "1002", Date: "15.01.2026", Errors: esfreg.Errors{
		{Code: CodeWrongXMLFormat, Field: "invoiceBody", Message: "Неверный формат XML"}}}}}
	err := res.Err()
	fmt.Println(errors.Is(err, ErrWrongXMLFormat))
	fmt.Println(err)
	// Output:
	// true
	// esfclient: invoice 1002 of 15.01.2026 declined: esfreg: WRONG_XML_FORMAT (invoiceBody): Неверный формат XML
}
