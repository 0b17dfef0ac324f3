package invoicesvc

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/internal/testref"
	"github.com/esfkit/esf/mockserver/internal/soap"
)

func envelope(element, inner string) string {
	return `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:esf="esf"><soapenv:Body><esf:` +
		element + `>` + inner + `</esf:` + element + `></soapenv:Body></soapenv:Envelope>`
}

func parse(t testing.TB, element, inner string) (any, error) {
	t.Helper()
	req, err := soap.ReadRequest(strings.NewReader(envelope(element, inner)), 0)
	require.NoError(t, err)
	return Parse(&req.Body)
}

// validRequests has one valid request per operation.
var validRequests = map[string]string{
	"queryInvoiceRequest": `<sessionId>s</sessionId><criteria><direction>OUTBOUND</direction><contragentTin>123456789012</contragentTin>` +
		`<dateFrom>2026-06-01T00:00:00</dateFrom><dateTo>2026-06-30T23:59:59.5+05:00</dateTo><lastUpdateDateFrom>2026-06-01T00:00:00Z</lastUpdateDateFrom>` +
		`<invoiceStatusList><invoiceStatus>CREATED</invoiceStatus><invoiceStatus> DELIVERED </invoiceStatus></invoiceStatusList>` +
		`<invoiceType>ORDINARY_INVOICE</invoiceType><orderBy>num</orderBy><asc>1</asc><pageNum>2</pageNum></criteria>`,
	"queryInvoiceByIdRequest":         `<sessionId>s</sessionId><idList><id>20000000000000001</id><id> +2 </id></idList>`,
	"queryInvoiceByKeyRequest":        `<sessionId>s</sessionId><invoiceKeyList><invoiceKey><num>1</num><date>01.06.2026</date></invoiceKey></invoiceKeyList><direction>INBOUND</direction>`,
	"queryInvoiceSummaryByIdRequest":  `<sessionId>s</sessionId><idList><id>1</id></idList>`,
	"queryInvoiceSummaryByKeyRequest": `<sessionId>s</sessionId><invoiceKeyList><invoiceKey><date>01.06.2026</date><num>1</num></invoiceKey></invoiceKeyList><direction>OUTBOUND</direction>`,
	"queryInvoiceErrorByIdRequest":    `<sessionId>s</sessionId><idList><id>1</id></idList>`,
	"queryInvoiceHistoryByIdRequest":  `<sessionId>s</sessionId><idList><id>1</id></idList>`,
	"queryUpdatesRequest":             `<sessionId>s</sessionId><lastEventDate>2018-01-01T00:00:00+05:00</lastEventDate><lastInvoiceId>7</lastInvoiceId><direction>INBOUND</direction><limit>10</limit><fullInfoOnStatusChange>false</fullInfoOnStatusChange>`,
	"confirmInvoiceByIdRequest":       `<sessionId>s</sessionId><idList><id>1</id></idList>`,
	"revokeInvoiceByIdRequest":        `<sessionId>s</sessionId><signature>AAAA</signature><x509Certificate>MII</x509Certificate><idWithReasonList><invoiceIdWithReason><id>1</id><reason>причина &amp; ещё</reason></invoiceIdWithReason></idWithReasonList>`,
	"unrevokeInvoiceByIdRequest":      `<sessionId>s</sessionId><signature>AAAA</signature><x509Certificate>MII</x509Certificate><idWithReasonList><invoiceIdWithReason><id>1</id><reason>r</reason></invoiceIdWithReason></idWithReasonList>`,
	"declineInvoiceByIdRequest":       `<sessionId>s</sessionId><signature>AAAA</signature><x509Certificate>MII</x509Certificate><idWithReasonList><invoiceIdWithReason><id>1</id><reason>r</reason></invoiceIdWithReason></idWithReasonList>`,
	"deleteInvoiceByIdRequest":        `<sessionId>s</sessionId><idList><id>1</id><id>2</id></idList><signature>AAAA</signature><x509Certificate>MII</x509Certificate>`,
	"enterpriseValidationRequest":     `<sessionId>s</sessionId><enterpriseKeyList><enterpriseKey><certificateSeries>1</certificateSeries><certificateNum>2</certificateNum><tin>3</tin><iik>4</iik></enterpriseKey></enterpriseKeyList>`,
	"syncInvoiceRequest": `<sessionId>s</sessionId><invoiceUploadInfoList><invoiceUploadInfo><signatureType>COMPANY</signatureType><invoiceBody>&lt;v2:invoice>&#13;` +
		"\n" + `&lt;/v2:invoice></invoiceBody><version>InvoiceV2</version><signature>AA==</signature></invoiceUploadInfo></invoiceUploadInfoList><x509Certificate>MII</x509Certificate>`,
}

func TestParseEveryOperation(t *testing.T) {
	for _, s := range Services {
		for _, op := range Operations(s) {
			t.Run(op, func(t *testing.T) {
				v, err := parse(t, op, validRequests[op])
				require.NoError(t, err)
				require.NotNil(t, v)
			})
		}
	}
	v, err := parse(t, "queryInvoiceRequest", validRequests["queryInvoiceRequest"])
	require.NoError(t, err)
	q := v.(*QueryRequest)
	assert.Equal(t, "s", q.SessionID)
	assert.Equal(t, Criteria{Direction: "OUTBOUND", ContragentTIN: "123456789012",
		DateFrom: time.Date(2026, 6, 1, 0, 0, 0, 0, q.Criteria.DateFrom.Location()), DateTo: q.Criteria.DateTo,
		LastUpdateDateFrom: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), Statuses: []string{"CREATED", "DELIVERED"},
		InvoiceType: "ORDINARY_INVOICE", OrderBy: "num", Asc: true, PageNum: 2, HasPageNum: true}, q.Criteria)
	_, off := q.Criteria.DateFrom.Zone()
	assert.Equal(t, 5*3600, off, "no zone: Almaty")
	assert.True(t, q.Criteria.DateTo.Equal(time.Date(2026, 6, 30, 18, 59, 59, 500_000_000, time.UTC)))

	v, err = parse(t, "queryInvoiceByIdRequest", validRequests["queryInvoiceByIdRequest"])
	require.NoError(t, err)
	assert.Equal(t, []int64{20000000000000001, 2}, v.(*IDsRequest).IDs)

	v, err = parse(t, "syncInvoiceRequest", validRequests["syncInvoiceRequest"])
	require.NoError(t, err)
	assert.Equal(t, []UploadInfo{{Body: "<v2:invoice>\r\n</v2:invoice>", Version: "InvoiceV2", Signature: "AA==", SignatureType: "COMPANY"}},
		v.(*SyncRequest).Invoices, "the body exactly as sent, an escaped CR too (xs:all in any order)")

	v, err = parse(t, "revokeInvoiceByIdRequest", validRequests["revokeInvoiceByIdRequest"])
	require.NoError(t, err)
	assert.Equal(t, []IDWithReason{{ID: 1, Reason: "причина & ещё"}}, v.(*ReasonRequest).Items)

	v, err = parse(t, "queryUpdatesRequest", validRequests["queryUpdatesRequest"])
	require.NoError(t, err)
	u := v.(*UpdatesRequest)
	assert.Equal(t, int64(7), u.LastInvoiceID)
	assert.Equal(t, 10, u.Limit)
	assert.False(t, u.FullInfo)
}

// Every schema rule the mock enforces, with Xerces's message.
func TestCheckRefuses(t *testing.T) {
	cases := []struct {
		name, element, inner, path, message string
	}{
		{"unknown request", "fooRequest", "", "fooRequest", "cvc-elt.1.a: Cannot find the declaration of element '{esf}fooRequest'."},
		{"no sessionId", "queryInvoiceByIdRequest", "<idList><id>1</id></idList>", "idList",
			"cvc-complex-type.2.4.a: Invalid content was found starting with element 'idList'. One of '{sessionId}' is expected."},
		{"empty", "queryInvoiceByIdRequest", "", "sessionId",
			"cvc-complex-type.2.4.b: The content of element 'queryInvoiceByIdRequest' is not complete. One of '{sessionId}' is expected."},
		{"empty list", "queryInvoiceByIdRequest", "<sessionId>s</sessionId><idList/>", "idList/id",
			"cvc-complex-type.2.4.b: The content of element 'idList' is not complete. One of '{id}' is expected."},
		{"extra element at the end", "confirmInvoiceByIdRequest", "<sessionId>s</sessionId><idList><id>1</id></idList><x/>", "x",
			"cvc-complex-type.2.4.d: Invalid content was found starting with element 'x'. No child element is expected at this point."},
		{"repeated non-repeatable", "queryInvoiceByIdRequest", "<sessionId>s</sessionId><sessionId>s</sessionId>", "sessionId",
			"cvc-complex-type.2.4.a: Invalid content was found starting with element 'sessionId'. One of '{idList}' is expected."},
		{"out of order after optionals", "queryUpdatesRequest", "<sessionId>s</sessionId><lastEventDate>2026-01-01T00:00:00</lastEventDate><limit>1</limit><direction>INBOUND</direction>", "limit",
			"cvc-complex-type.2.4.a: Invalid content was found starting with element 'limit'. One of '{lastInvoiceId, direction}' is expected."},
		{"list then unexpected", "queryInvoiceByIdRequest", "<sessionId>s</sessionId><idList><id>1</id><x/></idList>", "idList/x",
			"cvc-complex-type.2.4.a: Invalid content was found starting with element 'x'. One of '{id}' is expected."},
		{"namespaced", "queryInvoiceByIdRequest", "<esf:sessionId>s</esf:sessionId>", "sessionId",
			"cvc-complex-type.2.4.a: Invalid content was found starting with element '{esf}sessionId'. One of '{sessionId}' is expected."},
		{"text in a complex element", "queryInvoiceByIdRequest", "<sessionId>s</sessionId><idList>x<id>1</id></idList>", "idList",
			"cvc-complex-type.2.3: Element 'idList' cannot have character [children], because the type's content type is element-only."},
		{"element in a simple one", "queryInvoiceByIdRequest", "<sessionId><b/></sessionId><idList><id>1</id></idList>", "sessionId",
			"cvc-type.3.1.2: Element 'sessionId' is a simple type, so it must have no element information item [children]."},
		{"long", "queryInvoiceByIdRequest", "<sessionId>s</sessionId><idList><id>1</id><id>1.5</id></idList>", "idList/id[2]",
			"cvc-datatype-valid.1.2.1: '1.5' is not a valid value for 'long'."},
		{"long overflow", "queryInvoiceByIdRequest", "<sessionId>s</sessionId><idList><id>9223372036854775808</id></idList>", "idList/id[1]",
			"cvc-datatype-valid.1.2.1: '9223372036854775808' is not a valid value for 'long'."},
		{"int", "queryUpdatesRequest", "<sessionId>s</sessionId><lastEventDate>2026-01-01T00:00:00</lastEventDate><direction>INBOUND</direction><limit>3000000000</limit><fullInfoOnStatusChange>true</fullInfoOnStatusChange>", "limit",
			"cvc-datatype-valid.1.2.1: '3000000000' is not a valid value for 'int'."},
		{"boolean", "queryUpdatesRequest", "<sessionId>s</sessionId><lastEventDate>2026-01-01T00:00:00</lastEventDate><direction>INBOUND</direction><fullInfoOnStatusChange>yes</fullInfoOnStatusChange>", "fullInfoOnStatusChange",
			"cvc-datatype-valid.1.2.1: 'yes' is not a valid value for 'boolean'."},
		{"dateTime", "queryUpdatesRequest", "<sessionId>s</sessionId><lastEventDate>01.01.2026</lastEventDate><direction>INBOUND</direction><fullInfoOnStatusChange>true</fullInfoOnStatusChange>", "lastEventDate",
			"cvc-datatype-valid.1.2.1: '01.01.2026' is not a valid value for 'dateTime'."},
		{"dateTime out of range", "queryUpdatesRequest", "<sessionId>s</sessionId><lastEventDate>2026-13-01T00:00:00</lastEventDate><direction>INBOUND</direction><fullInfoOnStatusChange>true</fullInfoOnStatusChange>", "lastEventDate",
			"cvc-datatype-valid.1.2.1: '2026-13-01T00:00:00' is not a valid value for 'dateTime'."},
		{"enumeration", "queryInvoiceByKeyRequest", "<sessionId>s</sessionId><invoiceKeyList><invoiceKey><date>d</date><num>n</num></invoiceKey></invoiceKeyList><direction>out</direction>", "direction",
			"cvc-enumeration-valid: Value 'out' is not facet-valid with respect to enumeration '[INBOUND, OUTBOUND]'. It must be a value from the enumeration."},
		{"xs:all twice", "queryInvoiceByKeyRequest", "<sessionId>s</sessionId><invoiceKeyList><invoiceKey><date>d</date><date>d</date></invoiceKey></invoiceKeyList><direction>INBOUND</direction>", "invoiceKeyList/invoiceKey[1]/date",
			"cvc-complex-type.2.4.a: Invalid content was found starting with element 'date'. One of '{num}' is expected."},
		{"xs:all incomplete", "queryInvoiceByKeyRequest", "<sessionId>s</sessionId><invoiceKeyList><invoiceKey><num>1</num></invoiceKey></invoiceKeyList><direction>INBOUND</direction>", "invoiceKeyList/invoiceKey[1]/date",
			"cvc-complex-type.2.4.b: The content of element 'invoiceKey' is not complete. One of '{date}' is expected."},
		{"signature too long", "syncInvoiceRequest", "<sessionId>s</sessionId><invoiceUploadInfoList><invoiceUploadInfo><invoiceBody>b</invoiceBody><version>v</version><signature>" +
			strings.Repeat("Ж", 401) + "</signature><signatureType>COMPANY</signatureType></invoiceUploadInfo></invoiceUploadInfoList><x509Certificate>c</x509Certificate>",
			"invoiceUploadInfoList/invoiceUploadInfo[1]/signature", "cvc-maxLength-valid: Value '" + strings.Repeat("Ж", 64) + "…' with length = '401' is not facet-valid with respect to maxLength '400' for type '#AnonType_signatureinvoiceUploadInfo'."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parse(t, c.element, c.inner)
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrSchema))
			var se *SchemaError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, c.path, se.Path)
			assert.Equal(t, c.message, se.Error())
		})
	}
}

func TestDateTime(t *testing.T) {
	for _, s := range []string{"2026-06-01T00:00:00", "2026-06-01T00:00:00Z", "2026-06-01T00:00:00.123456789+05:00", " 2026-06-01T10:00:00-03:30 "} {
		_, err := ParseDateTime(s)
		assert.NoError(t, err, s)
	}
	for _, s := range []string{"", "2026-06-01", "2026-06-01T24:00:00", "2026-06-01T00:00:00+5", "x", "-0001-01-01T00:00:00"} {
		_, err := ParseDateTime(s)
		assert.Error(t, err, s)
	}
	tm := time.Date(2026, 6, 1, 9, 0, 0, 123_456_789, time.UTC)
	assert.Equal(t, "2026-06-01T14:00:00.123+05:00", FormatDateTime(tm))
	back, err := ParseDateTime(FormatDateTime(tm))
	require.NoError(t, err)
	assert.True(t, back.Equal(tm.Truncate(time.Millisecond)))
}

// FuzzParse feeds envelopes to soap.ReadRequest and every one it reads to
// Parse: never a panic; a request that passes Check is read into the
// operation's type, and one Parse refuses is a *SchemaError.
func FuzzParse(f *testing.F) {
	testref.LimitFuzzMinimization(f)
	for op, inner := range validRequests {
		f.Add([]byte(envelope(op, inner)))
	}
	f.Add([]byte(envelope("queryInvoiceRequest", "<sessionId>s</sessionId><criteria><direction>OUTBOUND</direction><dateTo>x</dateTo></criteria>")))
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := soap.ReadRequest(strings.NewReader(string(data)), 1<<16)
		if err != nil {
			return
		}
		v, err := Parse(&req.Body)
		if err != nil {
			var se *SchemaError
			if !errors.As(err, &se) {
				t.Fatalf("not a *SchemaError: %v", err)
			}
			return
		}
		if v == nil {
			t.Fatal("nil request without error")
		}
		if Check(&req.Body) != nil {
			t.Fatal("Parse read what Check refuses")
		}
	})
}
