package mockserver_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/invoice"
	"github.com/esfkit/esf/mockserver"
)

// An invoice's life on the mock's clock: IN_QUEUE, IN_PROCESSING, CREATED
// with ESF's registration number; the customer sees it, confirms it
// (DELIVERED); the seller revokes it; the customer rejects the
// revocation (DELIVERED again); the history lists every step.
func TestInvoiceLifecycle(t *testing.T) {
	e := newInvoiceEnv(t)
	require.NoError(t, e.srv.SetInvoiceTiming(mockserver.InvoiceTiming{Queue: time.Second, Processing: 2 * time.Second}))
	id := e.upload1(e.sampleInvoice())
	assert.Len(t, strconv.FormatInt(id, 10), 17, "ids are 17 digits, as ESF's")

	s := e.summary(e.seller, id)
	assert.Equal(t, mockserver.StatusInQueue, s.status)
	assert.Empty(t, s.regNum)
	assert.Empty(t, e.summaries(e.customer, id), "the customer does not see it before registration")

	e.srv.Advance(time.Second)
	assert.Equal(t, mockserver.StatusInProcessing, e.summary(e.seller, id).status)
	e.srv.Advance(2 * time.Second) // due: the next request runs the step
	s = e.summary(e.seller, id)
	require.Equal(t, mockserver.StatusCreated, s.status)
	m := regNumber.FindStringSubmatch(s.regNum)
	require.NotNil(t, m, s.regNum)
	assert.Equal(t, sellerTIN, m[1])
	assert.Equal(t, e.srv.Now().In(esfreg.Almaty).Format("20060102"), m[2])

	// The customer sees it now, with its body as uploaded.
	body := e.ok(e.post("InvoiceService", "queryInvoiceByIdRequest", "<sessionId>"+e.customer+"</sessionId>"+idList(id)))
	list := body.Child("invoiceInfoList").Children
	require.Len(t, list, 1)
	got, _ := list[0].Field("invoiceBody")
	want, err := e.sampleInvoiceAgain(1).Marshal()
	require.NoError(t, err)
	assert.Equal(t, string(want), got, "the body is returned byte for byte")
	valid, _ := list[0].Field("signatureValid")
	assert.Equal(t, "true", valid)
	kogd, _ := list[0].Field("kogd")
	assert.Equal(t, "6205", kogd)
	rs, _ := body.Field("rsCount")
	assert.Equal(t, "1", rs)

	sums := e.confirm(e.customer, id)
	require.Len(t, sums, 1)
	assert.Equal(t, mockserver.StatusDelivered, sums[0].status)

	res := e.reasonChange("revoke", e.seller, e.sellerKS, "Ошибка в сумме", id)
	require.Len(t, res, 1)
	assert.True(t, res[0].changed, res[0].code)
	assert.Equal(t, mockserver.StatusRevoked, res[0].status)
	assert.Equal(t, "Ошибка в сумме", res[0].reason)

	res = e.reasonChange("unrevoke", e.customer, e.customerKS, "Не согласен", id)
	require.Len(t, res, 1)
	assert.True(t, res[0].changed, res[0].code)
	assert.Equal(t, mockserver.StatusDelivered, res[0].status)

	assert.Equal(t, []string{"IN_QUEUE", "IN_PROCESSING", "CREATED", "DELIVERED", "REVOKED", "DELIVERED"}, e.history(e.seller, id))
	assert.Equal(t, e.history(e.seller, id), e.history(e.customer, id))
}

// sampleInvoiceAgain rebuilds the n-th sample invoice (as sampleInvoice
// made it on the same day).
func (e *invEnv) sampleInvoiceAgain(n int) *invoice.Invoice {
	seq := e.seq
	e.seq = n - 1
	inv := e.sampleInvoice()
	e.seq = seq
	return inv
}

// syncInvoice's checks at once: each refusal in declinedSet with ESF's
// code, the accepted ones queued with an id, in one request.
func TestInvoiceSyncDeclined(t *testing.T) {
	e := newInvoiceEnv(t)
	good := func() upload { return e.signed(e.sellerKS, e.sampleInvoice()) }
	dup := e.sampleInvoice()
	e.upload1(dup)

	other := e.sampleInvoice()
	other.Sellers[0].TIN = customerTIN
	missing := e.sampleInvoice()
	missing.Customers = nil
	badNum := e.sampleInvoice()
	badNum.Num = "СФ-1"

	cases := []struct {
		name   string
		up     upload
		code   string
		prop   string
		numDay string
	}{
		{"wrong version", func() upload { u := good(); u.version = "InvoiceV1"; return u }(), "INVALID_INVOICE_VERSION", "version", ""},
		{"empty signature", func() upload { u := good(); u.signature = ""; return u }(), "SIGNATURE_INVALID_FORMAT", "signature", ""},
		{"signature not base64", func() upload { u := good(); u.signature = "***"; return u }(), "SIGNATURE_INVALID_FORMAT", "signature", ""},
		{"signature type not the key's", func() upload { u := good(); u.signatureType = "OPERATOR"; return u }(), "FIELD_INVALID", "signatureType", ""},
		{"not XML", func() upload { u := good(); u.body = "<v2:invoice"; return u }(), "WRONG_XML_FORMAT", "", ""},
		{"required element missing", e.signed(e.sellerKS, missing), "FIELD_IS_NULL", "/invoice/customers", ""},
		{"pattern", e.signed(e.sellerKS, badNum), "FIELD_INVALID", "/invoice/num", ""},
		{"seller not the session's", e.signed(e.sellerKS, other), "SELLER_TIN_NOT_EQUALS_WITH_TIN_IN_SESSION", "", ""},
		{"number and date taken", e.signed(e.sellerKS, dup), "NOT_UNIQUE_NUMBER_AND_DATE", "/invoice/num", ""},
	}
	ups := []upload{good()}
	for _, c := range cases {
		ups = append(ups, c.up)
	}
	ups = append(ups, good())
	res := e.sync(e.seller, e.sellerKS, ups...)
	assert.Len(t, res.accepted, 2)
	require.Len(t, res.declined, len(cases))
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := res.declined[i]
			require.NotEmpty(t, d.codes)
			assert.Contains(t, d.codes, c.code)
			if c.prop != "" {
				assert.Contains(t, strings.Join(d.props, " "), c.prop)
			}
		})
	}
	assert.Equal(t, badNum.Num, res.declined[6].num, "a declined item names the invoice")
	assert.Equal(t, dup.Date, res.declined[8].date)

	t.Run("the same number twice in one request", func(t *testing.T) {
		inv := e.sampleInvoice()
		res := e.sync(e.seller, e.sellerKS, e.signed(e.sellerKS, inv), e.signed(e.sellerKS, inv))
		assert.Len(t, res.accepted, 1)
		require.Len(t, res.declined, 1)
		assert.Equal(t, []string{"NOT_UNIQUE_NUMBER_AND_DATE"}, res.declined[0].codes)
	})
	t.Run("an empty list", func(t *testing.T) {
		res := e.sync(e.seller, e.sellerKS)
		assert.Empty(t, res.accepted)
		assert.Empty(t, res.declined)
	})
}
