package mockserver_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/invoice"
)

// queryRows is a queryInvoice answer.
type queryRows struct {
	ids       []int64
	lastBlock bool
	currPage  string
	rsCount   string
}

func (e *invEnv) query(session, criteria string) (queryRows, reply) {
	e.t.Helper()
	r := e.post("InvoiceService", "queryInvoiceRequest", "<sessionId>"+session+"</sessionId><criteria>"+criteria+"</criteria>")
	var q queryRows
	if r.status != 200 {
		return q, r
	}
	lb, _ := r.body.Field("lastBlock")
	q.lastBlock = lb == "true"
	q.currPage, _ = r.body.Field("currPage")
	q.rsCount, _ = r.body.Field("rsCount")
	for _, in := range r.body.Child("invoiceInfoList").Children {
		v, _ := in.Field("invoiceId")
		id, _ := strconv.ParseInt(v, 10, 64)
		q.ids = append(q.ids, id)
	}
	return q, r
}

// criteria writes queryInvoice's criteria in the schema's order.
func criteria(direction, from, to, extra, asc, page string) string {
	c := "<direction>" + direction + "</direction>"
	if extra != "" && extra[:len("<contragentTin>")] == "<contragentTin>" {
		c += extra
		extra = ""
	}
	c += "<dateFrom>" + from + "</dateFrom><dateTo>" + to + "</dateTo>" + extra + "<asc>" + asc + "</asc>"
	if page != "" {
		c += "<pageNum>" + page + "</pageNum>"
	}
	return c
}

// queryInvoice: by direction and the period of the invoices' dates (at most
// a quarter), with the other criteria, sorted, a hundred a page.
func TestInvoiceQuery(t *testing.T) {
	e := newInvoiceEnv(t)
	var ids []int64
	for range 105 {
		ids = append(ids, e.registered(e.sampleInvoice()))
	}
	old := e.sampleInvoice()
	old.Date, old.TurnoverDate = "15.03.2026", "15.03.2026"
	oldID := e.registered(old)
	fixed := e.sampleInvoice()
	fixed.InvoiceType, fixed.RelatedInvoice = invoice.FixedInvoice, &invoice.RelatedInvoice{Date: old.Date, Num: old.Num}
	fixedID := e.registered(fixed)
	e.confirm(e.customer, ids[0], ids[1])
	day := e.srv.Now().In(esfreg.Almaty)
	from := day.Format("2006-01-02") + "T00:00:00"
	to := day.Format("2006-01-02") + "T23:59:59"

	t.Run("pages of a hundred, in order", func(t *testing.T) {
		p1, _ := e.query(e.seller, criteria("OUTBOUND", from, to, "", "true", ""))
		assert.Len(t, p1.ids, 100)
		assert.False(t, p1.lastBlock)
		assert.Equal(t, "0", p1.currPage, "no pageNum: page 0")
		assert.Equal(t, "100", p1.rsCount)
		assert.Equal(t, ids[:100], p1.ids, "by inputDate, then id, ascending")
		p2, _ := e.query(e.seller, criteria("OUTBOUND", from, to, "", "true", "1"))
		assert.Equal(t, append(ids[100:], fixedID), p2.ids)
		assert.True(t, p2.lastBlock)
		assert.Equal(t, "1", p2.currPage)
		p1again, _ := e.query(e.seller, criteria("OUTBOUND", from, to, "", "true", "0"))
		assert.Equal(t, p1.ids, p1again.ids, "pages count from 0")
		beyond, _ := e.query(e.seller, criteria("OUTBOUND", from, to, "", "true", "2"))
		assert.Empty(t, beyond.ids)
		assert.True(t, beyond.lastBlock)
		desc, _ := e.query(e.seller, criteria("OUTBOUND", from, to, "<orderBy>num</orderBy>", "false", ""))
		assert.Equal(t, fixedID, desc.ids[0], "by num, descending")
	})
	t.Run("criteria", func(t *testing.T) {
		cases := []struct {
			name, session, direction, from, to, extra string
			want                                      int
		}{
			{"the customer's inbound", e.customer, "INBOUND", from, to, "", 100},
			{"a contragent", e.seller, "OUTBOUND", from, to, "<contragentTin>" + customerTIN + "</contragentTin>", 100},
			{"another contragent", e.seller, "OUTBOUND", from, to, "<contragentTin>999999999999</contragentTin>", 0},
			{"the seller as contragent", e.customer, "INBOUND", from, to, "<contragentTin>" + sellerTIN + "</contragentTin>", 100},
			{"a status", e.seller, "OUTBOUND", from, to, "<invoiceStatusList><invoiceStatus>DELIVERED</invoiceStatus></invoiceStatusList>", 2},
			{"two statuses", e.seller, "OUTBOUND", from, to, "<invoiceStatusList><invoiceStatus>DELIVERED</invoiceStatus><invoiceStatus>FAILED</invoiceStatus></invoiceStatusList>", 2},
			{"a type", e.seller, "OUTBOUND", from, to, "<invoiceType>FIXED_INVOICE</invoiceType>", 1},
			{"last update", e.seller, "OUTBOUND", from, to, "<lastUpdateDateFrom>2099-01-01T00:00:00</lastUpdateDateFrom>", 0},
			{"outbound of the customer", e.customer, "OUTBOUND", from, to, "", 0},
			{"March", e.seller, "OUTBOUND", "2026-03-01T00:00:00", "2026-05-31T23:59:59", "", 1},
			{"a quarter to the day", e.seller, "OUTBOUND", "2026-03-15T00:00:00", "2026-06-15T00:00:00", "", 100},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				q, r := e.query(c.session, criteria(c.direction, c.from, c.to, c.extra, "true", ""))
				require.Equal(t, 200, r.status, r.raw)
				assert.Len(t, q.ids, c.want)
			})
		}
		q, _ := e.query(e.seller, criteria("OUTBOUND", "2026-03-01T00:00:00", "2026-03-31T00:00:00", "", "true", ""))
		assert.Equal(t, []int64{oldID}, q.ids)
	})
	t.Run("a period over a quarter, or backwards", func(t *testing.T) {
		for _, c := range []struct{ from, to, text string }{
			{"2026-01-01T00:00:00", "2026-04-01T00:00:01", "Можно получить список СФ за период не более 1 квартала"},
			{"2026-06-02T00:00:00", "2026-06-01T00:00:00", "Дата окончания периода раньше даты начала"},
		} {
			_, r := e.query(e.seller, criteria("OUTBOUND", c.from, c.to, "", "true", ""))
			code, text, kind, desc := r.fault()
			assert.Equal(t, "soap:Server", code)
			assert.Equal(t, "WRONG_DATE", text)
			assert.Equal(t, "businessException", kind)
			assert.Equal(t, c.text, desc)
		}
	})
	t.Run("by key", func(t *testing.T) {
		key := func(inv *invoice.Invoice) string {
			return "<invoiceKey><num>" + inv.Num + "</num><date>" + inv.Date + "</date></invoiceKey>"
		}
		body := e.ok(e.post("InvoiceService", "queryInvoiceByKeyRequest", "<sessionId>"+e.seller+"</sessionId><invoiceKeyList>"+key(old)+
			"<invoiceKey><date>01.01.2020</date><num>1</num></invoiceKey></invoiceKeyList><direction>OUTBOUND</direction>"))
		require.Len(t, body.Child("invoiceInfoList").Children, 1)
		v, _ := body.Child("invoiceInfoList").Children[0].Field("invoiceId")
		assert.Equal(t, strconv.FormatInt(oldID, 10), v)

		sums := e.ok(e.post("InvoiceService", "queryInvoiceSummaryByKeyRequest", "<sessionId>"+e.customer+"</sessionId><invoiceKeyList>"+key(fixed)+
			"</invoiceKeyList><direction>INBOUND</direction>"))
		require.Len(t, sums.Child("invoiceSummaryList").Children, 1)
		assert.Equal(t, fixedID, readSummary(&sums.Child("invoiceSummaryList").Children[0]).id)
		none := e.ok(e.post("InvoiceService", "queryInvoiceSummaryByKeyRequest", "<sessionId>"+e.customer+"</sessionId><invoiceKeyList>"+key(fixed)+
			"</invoiceKeyList><direction>OUTBOUND</direction>"))
		assert.Empty(t, none.Child("invoiceSummaryList").Children, "the customer is not its seller")
	})
	t.Run("unknown ids are left out", func(t *testing.T) {
		assert.Empty(t, e.summaries(e.seller, 1, 2, 3))
		assert.Len(t, e.summaries(e.seller, ids[0], 1, ids[0]), 1, "each id once")
		assert.Empty(t, e.errorsOf(e.seller, 42))
		assert.Empty(t, e.history(e.customer, 42))
	})
}

// enterpriseValidation checks keys against the register.
func TestInvoiceEnterpriseValidation(t *testing.T) {
	e := newInvoiceEnv(t)
	key := func(series, num, tin, bik, iik string) string {
		k := "<enterpriseKey><certificateSeries>" + series + "</certificateSeries><certificateNum>" + num + "</certificateNum><tin>" + tin + "</tin>"
		if bik != "" {
			k += "<bik>" + bik + "</bik>"
		}
		if iik != "" {
			k += "<iik>" + iik + "</iik>"
		}
		return k + "</enterpriseKey>"
	}
	keys := []struct{ key, want string }{
		{key("60001", "1234567", sellerTIN, "", ""), "SUCCESS"},
		{key("60001", "1234567", sellerTIN, "HSBKKZKX", "KZ12345678901234567A"), "SUCCESS"},
		{key("60001", "7654321", sellerTIN, "", ""), "CERTIFICATE_SERIES_OR_CERTIFICATE_NUM_ABSENT"},
		{key("1", "1", customerTIN, "", ""), "CERTIFICATE_SERIES_OR_CERTIFICATE_NUM_ABSENT"},
		{key("1", "1", "999999999999", "", ""), "TIN_ABSENT"},
		{key("60001", "1234567", sellerTIN, "hsbk", "KZ12345678901234567A"), "BANK_NOT_FOUND"},
		{key("60001", "1234567", sellerTIN, "HSBKKZKX", ""), "IIK_ABSENT"},
		{key("60001", "1234567", sellerTIN, "", "KZ12345678901234567A"), "BIK_ABSENT"},
	}
	var list string
	for _, k := range keys {
		list += k.key
	}
	body := e.ok(e.post("InvoiceService", "enterpriseValidationRequest", "<sessionId>"+e.customer+"</sessionId><enterpriseKeyList>"+list+"</enterpriseKeyList>"))
	results := body.Child("resultList").Children
	require.Len(t, results, len(keys))
	for i, k := range keys {
		got, _ := results[i].Field("resultType")
		assert.Equal(t, k.want, got, fmt.Sprint(i))
	}
}
