package esfclient

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// updatesReq is what a queryUpdates request carried, as the server reads it.
type updatesReq struct {
	LastEventDate string `xml:"Body>queryUpdatesRequest>lastEventDate"`
	LastInvoiceID string `xml:"Body>queryUpdatesRequest>lastInvoiceId"`
	Limit         string `xml:"Body>queryUpdatesRequest>limit"`
}

// event is one change of an invoice queryUpdates reports.
type event struct {
	id int64
	at time.Time
}

// updatesServer answers queryUpdates from events, sorted by (time, id),
// with a cursor strictly after (lastEventDate, lastInvoiceId): the
// semantics a server must have for events sharing a timestamp to be
// neither lost nor repeated. It records every cursor it was sent.
type updatesServer struct {
	events []event
	mu     sync.Mutex
	got    []updatesReq
	sent   []string // the lastEventDate texts it answered
}

func (u *updatesServer) answer(f *fakeESF) func(int) (int, []byte) {
	return func(n int) (int, []byte) {
		var r updatesReq
		if err := xml.Unmarshal(f.requests[n-1], &r); err != nil {
			return http.StatusBadRequest, nil
		}
		u.mu.Lock()
		defer u.mu.Unlock()
		u.got = append(u.got, r)
		after, err := time.Parse(time.RFC3339Nano, r.LastEventDate)
		if err != nil {
			return http.StatusBadRequest, nil
		}
		afterID, _ := strconv.ParseInt(r.LastInvoiceID, 10, 64)
		limit, _ := strconv.Atoi(r.Limit)
		var block []event
		i := 0
		for ; i < len(u.events); i++ {
			e := u.events[i]
			if e.at.After(after) || (e.at.Equal(after) && e.id > afterID) {
				break
			}
		}
		for ; i < len(u.events) && (limit == 0 || len(block) < limit); i++ {
			block = append(block, u.events[i])
		}
		last := i >= len(u.events)
		cur := r.LastEventDate
		curID := r.LastInvoiceID
		var b strings.Builder
		for _, e := range block {
			fmt.Fprintf(&b, `<invoiceInfo><invoiceBody>&lt;v2:invoice/&gt;</invoiceBody><invoiceId>%d</invoiceId><lastUpdateDate>%s</lastUpdateDate></invoiceInfo>`,
				e.id, e.at.Format("2006-01-02T15:04:05.000-07:00"))
			cur, curID = e.at.Format("2006-01-02T15:04:05.000-07:00"), strconv.FormatInt(e.id, 10)
		}
		u.sent = append(u.sent, cur)
		idElem := ""
		if curID != "" {
			idElem = "<lastInvoiceId>" + curID + "</lastInvoiceId>"
		}
		return http.StatusOK, envelope(fmt.Sprintf(`<ns2:queryUpdatesResponse xmlns:ns2="esf"><lastEventDate>%s</lastEventDate>%s<lastBlock>%t</lastBlock><invoiceInfoList>%s</invoiceInfoList></ns2:queryUpdatesResponse>`,
			cur, idElem, last, b.String()))
	}
}

// Updates pages through 1,000 events, most of them sharing a timestamp
// and split across blocks, feeding each block's cursor back: every event
// once, in order, and each request carries the previous answer's cursor.
func TestUpdatesPagesToTheEnd(t *testing.T) {
	base := time.Date(2026, 1, 15, 10, 0, 0, 0, kazakhstanTime)
	u := &updatesServer{}
	for i := range 1000 {
		at := base.Add(time.Duration(i/300) * time.Millisecond) // 300 events per timestamp
		u.events = append(u.events, event{id: int64(20113995733614000 + i), at: at})
	}
	f := &fakeESF{}
	f.answer = u.answer(f)
	s := fakeSession(t, f)
	var ids []int64
	for inv, err := range s.Updates(context.Background(), UpdatesRequest{Direction: Inbound, Cursor: UpdatesCursor{LastEventDate: base.Add(-time.Hour)}, Limit: 70}) {
		require.NoError(t, err)
		ids = append(ids, inv.ID)
	}
	require.Len(t, ids, 1000)
	for i, id := range ids {
		require.Equal(t, u.events[i].id, id, "event %d", i)
	}
	require.Len(t, u.got, 15, "ceil(1000/70) blocks")
	assert.Empty(t, u.got[0].LastInvoiceID, "a first call sends no lastInvoiceId")
	for i := 1; i < len(u.got); i++ {
		want, _ := time.Parse(time.RFC3339Nano, u.sent[i-1])
		got, err := time.Parse(time.RFC3339Nano, u.got[i].LastEventDate)
		require.NoError(t, err)
		assert.True(t, want.Equal(got), "request %d: lastEventDate %s, answered %s", i, u.got[i].LastEventDate, u.sent[i-1])
		assert.Equal(t, strconv.FormatInt(ids[70*i-1], 10), u.got[i].LastInvoiceID, "request %d", i)
		assert.Equal(t, "70", u.got[i].Limit)
	}
}

// A caller that stops early stops the paging; pages expose the cursor to
// persist.
func TestUpdatesStopsWhenTheCallerDoes(t *testing.T) {
	base := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	u := &updatesServer{}
	for i := range 100 {
		u.events = append(u.events, event{id: int64(i + 1), at: base})
	}
	f := &fakeESF{}
	f.answer = u.answer(f)
	s := fakeSession(t, f)
	n := 0
	for _, err := range s.Updates(context.Background(), UpdatesRequest{Direction: Outbound, Cursor: UpdatesCursor{LastEventDate: base.Add(-time.Second)}, Limit: 10}) {
		require.NoError(t, err)
		if n++; n == 15 {
			break
		}
	}
	assert.Len(t, u.got, 2)

	var pages []UpdatesCursor
	for p, err := range s.UpdatePages(context.Background(), UpdatesRequest{Direction: Outbound, Cursor: UpdatesCursor{LastEventDate: base, LastInvoiceID: 95}, Limit: 10}) {
		require.NoError(t, err)
		pages = append(pages, p.Next)
		assert.True(t, p.LastBlock)
	}
	require.Len(t, pages, 1)
	assert.Equal(t, int64(100), pages[0].LastInvoiceID)
}

// A server whose blocks do not move the cursor, or that fails, ends the
// sequence with an error rather than looping; an empty block that moves
// the cursor (superseded events) is read past.
func TestUpdatesRefusesAServerThatDoesNotProgress(t *testing.T) {
	block := func(last bool, infos string) []byte {
		return envelope(fmt.Sprintf(`<ns2:queryUpdatesResponse xmlns:ns2="esf"><lastEventDate>2026-01-15T10:00:00Z</lastEventDate><lastInvoiceId>7</lastInvoiceId><lastBlock>%t</lastBlock><invoiceInfoList>%s</invoiceInfoList></ns2:queryUpdatesResponse>`, last, infos))
	}
	one := `<invoiceInfo><invoiceBody/><invoiceId>7</invoiceId></invoiceInfo>`
	fault := envelope(`<soap:Fault><faultcode>soap:Server</faultcode><faultstring>SESSION_CLOSED</faultstring></soap:Fault>`)
	tests := []struct {
		name    string
		answers [][]byte
		items   int
		want    string
	}{
		{"the same cursor again", [][]byte{block(false, one), block(false, one)}, 1, "did not move the cursor"},
		{"an empty block that is not the last and stays put", [][]byte{block(false, one), block(false, "")}, 1, "did not move the cursor"},
		{"a fault after a block", [][]byte{block(false, one), fault}, 1, "SESSION_CLOSED"},
		{"an empty block that moves the cursor is read past", [][]byte{block(false, ""), block(true, one)}, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeESF{answer: func(n int) (int, []byte) {
				if n > len(tt.answers) {
					return http.StatusInternalServerError, nil
				}
				return http.StatusOK, tt.answers[n-1]
			}}
			s := fakeSession(t, f)
			items, errs := 0, 0
			for inv, err := range s.Updates(context.Background(), UpdatesRequest{Direction: Inbound, Cursor: UpdatesCursor{LastEventDate: time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)}}) {
				if err != nil {
					errs++
					assert.Contains(t, err.Error(), tt.want)
					assert.Zero(t, inv.ID)
					continue
				}
				items++
			}
			assert.Equal(t, tt.items, items)
			if tt.want == "" {
				assert.Zero(t, errs)
			} else {
				assert.Equal(t, 1, errs)
			}
			assert.LessOrEqual(t, len(f.requests), len(tt.answers))
		})
	}
}

// pager is a queryInvoice server: pages of ids, counted from first (0
// or 1); a request without pageNum reads the first page. With echo its
// currPage is the pageNum sent (0 when none), as the mock's is; with
// ignorePage it answers the first page whatever is asked; with sameIDs
// every page holds the first page's invoices.
type pager struct {
	first                     int
	pages                     [][]int64
	echo, ignorePage, sameIDs bool
}

func (pg pager) answer(f *fakeESF) func(int) (int, []byte) {
	return func(n int) (int, []byte) {
		var r struct {
			PageNum string `xml:"Body>queryInvoiceRequest>criteria>pageNum"`
		}
		if err := xml.Unmarshal(f.requests[n-1], &r); err != nil {
			return http.StatusBadRequest, nil
		}
		page, curr := pg.first, pg.first
		if r.PageNum != "" {
			curr, _ = strconv.Atoi(r.PageNum)
			if !pg.ignorePage {
				page = curr
			}
		} else if pg.echo {
			curr = 0
		}
		if !pg.echo {
			curr = page
		}
		i := page - pg.first
		if i < 0 || i >= len(pg.pages) {
			i = len(pg.pages) - 1
		}
		var b strings.Builder
		ids := pg.pages[i]
		if pg.sameIDs {
			ids = pg.pages[0]
		}
		for _, id := range ids {
			fmt.Fprintf(&b, `<invoiceInfo><invoiceBody/><invoiceId>%d</invoiceId></invoiceInfo>`, id)
		}
		return http.StatusOK, envelope(fmt.Sprintf(`<ns2:queryInvoiceResponse xmlns:ns2="esf"><lastBlock>%t</lastBlock><currPage>%d</currPage><rsCount>%d</rsCount><invoiceInfoList>%s</invoiceInfoList></ns2:queryInvoiceResponse>`,
			i == len(pg.pages)-1 && !pg.ignorePage && !pg.sameIDs, curr, len(ids), b.String()))
	}
}

// Invoices follows the server's page numbers, counted from 0 or from 1
// (with currPage 0 for a request without pageNum, too), to the last page;
// a server that ignores pageNum or repeats a page ends it with an error.
func TestInvoicesPagesToTheEnd(t *testing.T) {
	pages := [][]int64{{1, 2, 3}, {4, 5, 6}, {7}}
	criteria := InvoiceCriteria{Direction: Outbound, DateFrom: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), DateTo: time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)}
	pageNums := func(f *fakeESF) []string {
		var out []string
		for _, req := range f.requests {
			var r struct {
				PageNum string `xml:"Body>queryInvoiceRequest>criteria>pageNum"`
			}
			_ = xml.Unmarshal(req, &r)
			out = append(out, r.PageNum)
		}
		return out
	}
	for _, tt := range []struct {
		name string
		pg   pager
		want []string // the pageNum of each request
	}{
		{"pages from 0", pager{first: 0, pages: pages}, []string{"", "1", "2"}},
		{"pages from 1", pager{first: 1, pages: pages}, []string{"", "2", "3"}},
		{"pages from 1, currPage echoing the pageNum sent (0 for none)", pager{first: 1, pages: pages, echo: true}, []string{"", "1", "2", "3"}},
		{"pages from 0, currPage echoing the pageNum sent", pager{first: 0, pages: pages, echo: true}, []string{"", "1", "2"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeESF{}
			f.answer = tt.pg.answer(f)
			s := fakeSession(t, f)
			var ids []int64
			for inv, err := range s.Invoices(context.Background(), criteria) {
				require.NoError(t, err)
				ids = append(ids, inv.ID)
			}
			assert.Equal(t, []int64{1, 2, 3, 4, 5, 6, 7}, ids)
			assert.Equal(t, tt.want, pageNums(f))
		})
	}
	for _, tt := range []struct {
		name     string
		pg       pager
		requests int
	}{
		// A repeat of page 0 as page 1 is first taken for a server counting
		// from 1 (one request more), then the next repeat ends it.
		{"a server that ignores pageNum", pager{pages: pages, ignorePage: true}, 3},
		{"a server that repeats a page", pager{pages: pages, sameIDs: true}, 3},
		{"a server that counts from 1 and ignores pageNum", pager{first: 1, pages: pages, echo: true, ignorePage: true}, 3},
		{"a server that repeats its second page", pager{first: 1, pages: [][]int64{{1, 2, 3}, {4}, {4}, {4}}}, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeESF{}
			f.answer = tt.pg.answer(f)
			s := fakeSession(t, f)
			var ids []int64
			var errs []error
			for inv, err := range s.Invoices(context.Background(), criteria) {
				if err != nil {
					errs = append(errs, err)
					continue
				}
				ids = append(ids, inv.ID)
			}
			want := []int64{1, 2, 3}
			if len(tt.pg.pages[1]) == 1 {
				want = []int64{1, 2, 3, 4}
			}
			assert.Equal(t, want, ids)
			require.Len(t, errs, 1)
			assert.Equal(t, tt.requests, len(f.requests))
		})
	}
	t.Run("a fault", func(t *testing.T) {
		s := fakeSession(t, always(http.StatusInternalServerError, readGolden(t, "fault-quarter.response.xml")))
		n := 0
		for _, err := range s.Invoices(context.Background(), criteria) {
			n++
			assert.ErrorIs(t, err, ErrBusinessError)
		}
		assert.Equal(t, 1, n)
	})
	t.Run("empty pages before the last", func(t *testing.T) {
		f := &fakeESF{}
		f.answer = pager{pages: [][]int64{{}, {}, {1}}}.answer(f)
		s := fakeSession(t, f)
		var ids []int64
		for inv, err := range s.Invoices(context.Background(), criteria) {
			require.NoError(t, err)
			ids = append(ids, inv.ID)
		}
		assert.Equal(t, []int64{1}, ids)
		assert.Len(t, f.requests, 3)
	})
}
