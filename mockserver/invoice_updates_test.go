package mockserver_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/mockserver"
	"github.com/esfkit/esf/mockserver/internal/soap/invoicesvc"
)

// updateRow is an invoiceInfo of queryUpdates.
type updateRow struct {
	id           int64
	status, last string
	body         string
	lastT        time.Time
}

type updatesPage struct {
	rows          []updateRow
	lastEventDate string
	lastInvoiceID int64
	lastBlock     bool
}

// updates asks queryUpdates for a page after (lastEventDate, lastID);
// lastID 0 leaves lastInvoiceId out, limit 0 leaves limit out.
func (e *invEnv) updates(session, direction, lastEventDate string, lastID int64, limit int, full bool) updatesPage {
	e.t.Helper()
	inner := "<sessionId>" + session + "</sessionId><lastEventDate>" + lastEventDate + "</lastEventDate>"
	if lastID != 0 {
		inner += fmt.Sprintf("<lastInvoiceId>%d</lastInvoiceId>", lastID)
	}
	inner += "<direction>" + direction + "</direction>"
	if limit != 0 {
		inner += fmt.Sprintf("<limit>%d</limit>", limit)
	}
	inner += fmt.Sprintf("<fullInfoOnStatusChange>%t</fullInfoOnStatusChange>", full)
	body := e.ok(e.post("InvoiceService", "queryUpdatesRequest", inner))
	var p updatesPage
	p.lastEventDate, _ = body.Field("lastEventDate")
	if v, ok := body.Field("lastInvoiceId"); ok {
		p.lastInvoiceID, _ = strconv.ParseInt(v, 10, 64)
	}
	lb, _ := body.Field("lastBlock")
	p.lastBlock = lb == "true"
	for _, in := range body.Child("invoiceInfoList").Children {
		var r updateRow
		v, _ := in.Field("invoiceId")
		r.id, _ = strconv.ParseInt(v, 10, 64)
		r.status, _ = in.Field("invoiceStatus")
		r.last, _ = in.Field("lastUpdateDate")
		r.body, _ = in.Field("invoiceBody")
		var err error
		r.lastT, err = invoicesvc.ParseDateTime(r.last)
		require.NoError(e.t, err)
		p.rows = append(p.rows, r)
	}
	return p
}

const beginning = "2018-01-01T00:00:00+05:00"

// pageAll pages a feed to its end from the beginning, feeding the cursor
// back as TCO's client does, calling between after each page.
func (e *invEnv) pageAll(session, direction string, limit int, between func(page int)) []updateRow {
	e.t.Helper()
	var all []updateRow
	cursor, lastID := beginning, int64(0)
	for page := 0; ; page++ {
		require.Less(e.t, page, 10000, "paging does not end")
		p := e.updates(session, direction, cursor, lastID, limit, true)
		assert.LessOrEqual(e.t, len(p.rows), limit)
		if n := len(p.rows); n > 0 {
			// The cursor is the last event read: here the last row's.
			lt, err := invoicesvc.ParseDateTime(p.lastEventDate)
			require.NoError(e.t, err)
			assert.True(e.t, lt.Equal(p.rows[n-1].lastT), "page %d: cursor %s, last row %s", page, p.lastEventDate, p.rows[n-1].last)
			assert.Equal(e.t, p.rows[n-1].id, p.lastInvoiceID)
		}
		all = append(all, p.rows...)
		cursor, lastID = p.lastEventDate, p.lastInvoiceID
		if between != nil {
			between(page)
		}
		if p.lastBlock {
			return all
		}
	}
}

// uploadMany uploads n sample invoices, 100 a request, and returns their ids.
func (e *invEnv) uploadMany(n int) []int64 {
	e.t.Helper()
	var ids []int64
	for len(ids) < n {
		var ups []upload
		for range min(100, n-len(ids)) {
			ups = append(ups, e.signed(e.sellerKS, e.sampleInvoice()))
		}
		res := e.sync(e.seller, e.sellerKS, ups...)
		require.Empty(e.t, res.declined)
		ids = append(ids, res.accepted...)
	}
	return ids
}

// queryUpdates pages through 1,000 invoices on a frozen clock — every
// event of a burst in the same millisecond, or the next — without losing
// or repeating one, in (time, id) order, for the customer (INBOUND) and
// the seller (OUTBOUND, whose feed holds two events per invoice and
// returns each invoice once, at its latest).
func TestInvoiceUpdatesPaging(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 signed invoices")
	}
	e := newInvoiceEnv(t)
	ids := e.uploadMany(1000)
	_, err := e.srv.ProcessInvoices() // the last batch: uploads ran the step on the earlier ones
	require.NoError(t, err)
	created, err := e.srv.Invoices(mockserver.InvoiceFilter{Status: mockserver.StatusCreated, Limit: 2000})
	require.NoError(t, err)
	require.Len(t, created, 1000)

	for _, c := range []struct {
		session, direction string
		limit              int
	}{{e.customer, "INBOUND", 7}, {e.customer, "INBOUND", 1000}, {e.seller, "OUTBOUND", 13}, {e.customer, "INBOUND", 1}} {
		t.Run(fmt.Sprintf("%s limit %d", c.direction, c.limit), func(t *testing.T) {
			rows := e.pageAll(c.session, c.direction, c.limit, nil)
			require.Len(t, rows, 1000)
			shared := 0
			for i, r := range rows {
				assert.Equal(t, ids[i], r.id, "in (time, id) order: ids ascend within a millisecond")
				assert.Equal(t, "CREATED", r.status)
				if i > 0 {
					assert.False(t, r.lastT.Before(rows[i-1].lastT))
					if r.lastT.Equal(rows[i-1].lastT) {
						shared++
					}
				}
			}
			assert.Greater(t, shared, 900, "most events share a timestamp")
		})
	}

	t.Run("cursor semantics of a shared timestamp", func(t *testing.T) {
		first := e.updates(e.customer, "INBOUND", beginning, 0, 3, true)
		require.Len(t, first.rows, 3)
		at := first.rows[0].last
		require.Equal(t, at, first.rows[2].last, "the first events share a timestamp")
		// Without lastInvoiceId: every event at lastEventDate or later.
		all := e.updates(e.customer, "INBOUND", at, 0, 3, true)
		assert.Equal(t, first.rows, all.rows)
		// With it: those after (lastEventDate, lastInvoiceId).
		after := e.updates(e.customer, "INBOUND", at, first.rows[0].id, 2, true)
		assert.Equal(t, first.rows[1:], after.rows)
		// The end: an empty last page keeps the cursor.
		last := e.updates(e.customer, "INBOUND", "2099-01-01T00:00:00Z", 0, 10, true)
		assert.Empty(t, last.rows)
		assert.True(t, last.lastBlock)
	})

	t.Run("changes while paging: nothing lost, nothing repeated", func(t *testing.T) {
		var confirmed []int64
		rows := e.pageAll(e.customer, "INBOUND", 50, func(page int) {
			if page%3 != 0 || page > 15 {
				return
			}
			// One invoice behind the cursor and one ahead of it change.
			behind, ahead := ids[page*50], ids[(page+2)*50+7]
			e.confirm(e.customer, behind, ahead)
			confirmed = append(confirmed, behind, ahead)
		})
		seen := map[string]bool{}
		latest := map[int64]updateRow{}
		for _, r := range rows {
			ev := fmt.Sprint(r.id, r.last)
			assert.False(t, seen[ev], "event %s repeated", ev)
			seen[ev] = true
			latest[r.id] = r
		}
		require.Len(t, latest, 1000, "every invoice seen")
		for _, id := range confirmed {
			assert.Equal(t, mockserver.StatusDelivered, latest[id].status, "invoice %d: its change came", id)
		}
		assert.Greater(t, len(rows), 1000, "the changes behind the cursor came again")
	})

	t.Run("without full information on a change of status", func(t *testing.T) {
		fresh := e.uploadMany(1)
		_, err := e.srv.ProcessInvoices()
		require.NoError(t, err)
		var rows []updateRow
		cursor, lastID := beginning, int64(0)
		for {
			p := e.updates(e.customer, "INBOUND", cursor, lastID, 0, false)
			assert.LessOrEqual(t, len(p.rows), mockserver.DefaultUpdatesLimit)
			rows = append(rows, p.rows...)
			cursor, lastID = p.lastEventDate, p.lastInvoiceID
			if p.lastBlock {
				break
			}
		}
		require.Len(t, rows, 1001)
		for _, r := range rows {
			if r.status == mockserver.StatusDelivered {
				assert.Empty(t, r.body, "a change of status comes without the body")
			} else {
				assert.NotEmpty(t, r.body, "a new invoice comes with its body")
			}
		}
		assert.Equal(t, fresh[0], rows[len(rows)-1].id)
	})
}
