package invoice

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// info returns an InvoiceInfo shaped like the real ones of the 2018 test
// stand (docs/esf-invoice-api.md §1.1): a 17-digit id, a registration
// number, millisecond times, a GOST 2004 signature of 88 characters with
// a line break after the 64th.
func info(t *testing.T) InvoiceInfo {
	t.Helper()
	return InvoiceInfo{
		InvoiceBody:        string(marshalT(t, minimal())),
		InvoiceID:          20113995733614592,
		RegistrationNumber: "ESF-123456789011-20181218-76963660",
		InputDate:          "2018-12-18T09:14:05.123+06:00",
		DeliveryDate:       "2018-12-18T09:27:00.000+06:00",
		LastUpdateDate:     "2018-12-18T09:27:00.000+06:00",
		SignatureValid:     true,
		InvoiceStatus:      StatusDelivered,
		Version:            Version,
		Signature:          strings.Repeat("A", 64) + "\n" + strings.Repeat("B", 22) + "==",
		SignatureType:      SignatureCompany,
		Certificate:        "MIIB",
		Deadline:           &Deadline{DeadlineDate: "2019-01-18T00:00:00.000+06:00", DocumentID: 7, DocumentType: "INVOICE", Type: "DECLINE"},
		Kogd:               "0001",
	}
}

func TestInvoiceInfoRoundTrip(t *testing.T) {
	in := info(t)
	doc, err := in.Marshal()
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(doc), `<esf:invoiceInfo xmlns:esf="esf">`+"\n  <invoiceBody>&lt;v2:invoice"), "%s", doc)
	got, err := ParseInvoiceInfo(doc)
	require.NoError(t, err)
	assert.Equal(t, in, *got)
	inv, err := Parse([]byte(got.InvoiceBody))
	require.NoError(t, err)
	assert.Equal(t, minimal(), inv)

	// xs:all: any order; a status this package does not know is kept.
	reordered := []byte(`<ns2:invoiceInfo xmlns:ns2="esf"><signatureType>OPERATOR</signatureType><certificate>MIIB</certificate>` +
		`<version>InvoiceV2</version><signature></signature><signatureValid>false</signatureValid>` +
		`<invoiceStatus>WAITING_CUSTOMER_CONFIRMATION</invoiceStatus><lastUpdateDate>2026-01-15T10:00:00Z</lastUpdateDate>` +
		`<inputDate>2026-01-15T10:00:00</inputDate><invoiceBody>x</invoiceBody></ns2:invoiceInfo>`)
	got, err = ParseInvoiceInfo(reordered)
	require.NoError(t, err)
	assert.Equal(t, Status("WAITING_CUSTOMER_CONFIRMATION"), got.InvoiceStatus)
	assert.Equal(t, "OPERATOR", got.SignatureType)

	// What the schema requires is required; twice is refused.
	for name, doc := range map[string]string{
		"no body":       strings.Replace(string(reordered), "<invoiceBody>x</invoiceBody>", "", 1),
		"body twice":    strings.Replace(string(reordered), "<invoiceBody>x</invoiceBody>", "<invoiceBody>x</invoiceBody><invoiceBody>y</invoiceBody>", 1),
		"bad date":      strings.Replace(string(reordered), "2026-01-15T10:00:00Z", "15.01.2026", 1),
		"bad id":        strings.Replace(string(reordered), "<invoiceBody>", "<invoiceId>x</invoiceId><invoiceBody>", 1),
		"long overflow": strings.Replace(string(reordered), "<invoiceBody>", "<invoiceId>9223372036854775808</invoiceId><invoiceBody>", 1),
		"signature":     strings.Replace(string(reordered), "<signature></signature>", "<signature>"+strings.Repeat("A", 401)+"</signature>", 1),
		"root":          strings.Replace(strings.Replace(string(reordered), "ns2:invoiceInfo", "invoiceInfo", 2), ` xmlns:ns2="esf"`, "", 1),
	} {
		_, err := ParseInvoiceInfo([]byte(doc))
		assert.ErrorIs(t, err, ErrInvalid, name)
	}
}

func TestContainersRoundTrip(t *testing.T) {
	in := info(t)
	second := info(t)
	second.InvoiceID, second.Deadline, second.DeliveryDate, second.RegistrationNumber = 20113995733614593, nil, "", ""
	second.InvoiceStatus, second.CancelReason = StatusFailed, "NDS_RATE_FOR_NOT_NDS_PAYER"
	ic := &InvoiceInfoContainer{InvoiceSet: []InvoiceInfo{in, second}}
	doc, err := ic.Marshal()
	require.NoError(t, err)
	got, err := ParseInvoiceInfoContainer(doc)
	require.NoError(t, err)
	assert.Equal(t, ic, got)
	empty, err := (&InvoiceInfoContainer{}).Marshal()
	require.NoError(t, err)
	assert.Equal(t, `<esf:invoiceInfoContainer xmlns:esf="esf">`+"\n  <invoiceSet>\n  </invoiceSet>\n</esf:invoiceInfoContainer>", string(empty))
	gotEmpty, err := ParseInvoiceInfoContainer(empty)
	require.NoError(t, err)
	assert.Empty(t, gotEmpty.InvoiceSet)

	sc := &InvoiceSummaryContainer{SummaryList: []InvoiceSummary{
		{InvoiceID: 1, Date: "15.01.2026", InvoiceStatus: StatusCreated, Num: "1001", RegistrationNumber: "ESF-123456789021-20260115-00000001", LastUpdateDate: "2026-01-15T10:00:00.000+05:00"},
		{InvoiceID: 2, InvoiceStatus: "SOMETHING_NEW"},
	}}
	doc, err = sc.Marshal()
	require.NoError(t, err)
	gotSC, err := ParseInvoiceSummaryContainer(doc)
	require.NoError(t, err)
	assert.Equal(t, sc, gotSC)
	_, err = ParseInvoiceSummaryContainer([]byte(`<esf:invoiceSummaryContainer xmlns:esf="esf"><summaryList><invoiceSummary><num>1</num></invoiceSummary></summaryList></esf:invoiceSummaryContainer>`))
	errs := checkErrors(t, err)
	assert.Equal(t, "/invoiceSummaryContainer/summaryList/invoiceSummary[1]", errs[0].Path)
	assert.Equal(t, RuleRequired, errs[0].Rule, "invoiceId is required")

	c := &InvoiceContainer{Invoices: []Invoice{*minimal(), *full()}}
	doc, err = c.Marshal()
	require.NoError(t, err)
	gotC, err := ParseInvoiceContainer(doc)
	require.NoError(t, err)
	assert.Equal(t, c, gotC)
	// Each invoice is checked as Check checks a body.
	broken := bytes.Replace(doc, []byte("<num>000000000000000000000000001002</num>"), []byte("<num>X</num>"), 1)
	errs = checkErrors(t, func() error { _, err := ParseInvoiceContainer(broken); return err }())
	assert.Equal(t, "/invoiceContainer/invoiceSet/invoice[2]/num", errs[0].Path)
	// A v1.esf invoice is not read: no schema of it is public.
	v1 := []byte(`<esf:invoiceContainer xmlns:esf="esf"><invoiceSet><v1:invoice xmlns:v1="v1.esf"/></invoiceSet></esf:invoiceContainer>`)
	errs = checkErrors(t, func() error { _, err := ParseInvoiceContainer(v1); return err }())
	assert.Equal(t, RuleUnexpected, errs[0].Rule)
	emptyC, err := (&InvoiceContainer{}).Marshal()
	require.NoError(t, err)
	gotEC, err := ParseInvoiceContainer(emptyC)
	require.NoError(t, err)
	assert.Empty(t, gotEC.Invoices)
}

func TestDateTime(t *testing.T) {
	tests := []struct {
		in   DateTime
		want time.Time
		err  bool
	}{
		{"2018-12-18T09:14:05.123+06:00", time.Date(2018, 12, 18, 3, 14, 5, 123e6, time.UTC), false},
		{"2018-12-18T03:14:05Z", time.Date(2018, 12, 18, 3, 14, 5, 0, time.UTC), false},
		{"2018-12-18T03:14:05", time.Date(2018, 12, 17, 22, 14, 5, 0, time.UTC), false}, // no zone: Kazakhstan's, UTC+05:00
		{"2018-12-18T24:00:00", time.Date(2018, 12, 18, 19, 0, 0, 0, time.UTC), false},
		{" 2018-12-18T03:14:05.5-01:00 ", time.Date(2018, 12, 18, 4, 14, 5, 5e8, time.UTC), false},
		{"2018-12-31T24:00:00Z", time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), false},
		{"2018-02-29T00:00:00Z", time.Time{}, true},
		{"2018-12-18", time.Time{}, true},
		{"18.12.2018 10:00", time.Time{}, true},
		{"2018-12-18T10:00:00+15:00", time.Time{}, true},
		{"", time.Time{}, true},
	}
	for _, tc := range tests {
		got, err := tc.in.Time()
		if tc.err {
			assert.ErrorIs(t, err, ErrDateTime, "%q", tc.in)
			continue
		}
		require.NoError(t, err, "%q", tc.in)
		assert.True(t, tc.want.Equal(got), "%q: %v", tc.in, got)
	}
	at := time.Date(2026, 1, 15, 10, 0, 0, 5e6, time.FixedZone("", 5*3600))
	assert.Equal(t, DateTime("2026-01-15T10:00:00.005+05:00"), NewDateTime(at))
	back, err := NewDateTime(at).Time()
	require.NoError(t, err)
	assert.True(t, at.Equal(back))
}
