package mockserver

import (
	"errors"
	"time"

	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver/mockstore"
)

// The feeds of queryUpdates. Each party (a TIN and a direction) has a
// feed: its events, numbered 1, 2, … in the order they happened, each
// naming an invoice and the event's time (Unix milliseconds). A seller's
// OUTBOUND feed has every change of its invoices from the upload on; a
// customer's INBOUND feed has them from registration (CREATED) on.
//
// The order of a feed is (time, invoice id): the mock keeps every feed
// strictly increasing in that order as it appends, by choosing the
// event's time — the mock's clock, or, when that has not passed the
// feed's last event (a frozen clock, two events in one millisecond), the
// last event's time if the invoice's id is greater, else one millisecond
// later. So events that share a timestamp come in the order of their
// invoices' ids, and the cursor (lastEventDate, lastInvoiceId) names a
// place in the feed exactly: the next page holds the events after it in
// (time, id) order — with lastInvoiceId left out (or 0), every event at
// lastEventDate or later. Paging from any cursor the mock returned
// neither loses nor repeats an event.
//
// An invoice is returned once per page at its latest event: an earlier
// event of an invoice that has changed since is skipped (the later one
// carries the invoice as it is now), so a client that pages to the end
// sees every invoice in its latest state.
//
// A page costs a binary search over the feed's numbers for the cursor
// (a point read per step: log₂ of the feed's length) and a point read
// per event and invoice: the same wherever the page is in the feed.

// feedHead is a kindInvoiceFeed record: the feed's length and its last
// event.
type feedHead struct {
	N  int64 `json:"n"`
	T  int64 `json:"t"` // Unix ms
	ID int64 `json:"id"`
}

// feedEvent is a kindInvoiceEvent record.
type feedEvent struct {
	ID int64 `json:"id"`
	T  int64 `json:"t"`
}

func eventKey(p string, n int64) string { return p + "/" + seqKey(int(n)) }

// feeds appends events in one transaction, keeping each feed's head.
type feeds struct {
	tx    mockstore.Records
	heads map[string]*feedHead
}

func newFeeds(tx mockstore.Records) *feeds { return &feeds{tx: tx, heads: map[string]*feedHead{}} }

func (f *feeds) head(p string) (*feedHead, error) {
	if h, ok := f.heads[p]; ok {
		return h, nil
	}
	h, err := readFeedHead(f.tx, p)
	if err != nil {
		return nil, err
	}
	f.heads[p] = &h
	return &h, nil
}

func readFeedHead(tx mockstore.Records, p string) (feedHead, error) {
	var h feedHead
	err := getJSON(tx, kindInvoiceFeed, p, &h)
	if errors.Is(err, esfreg.ErrNotFound) {
		err = nil
	}
	return h, err
}

// eventTime is the time of an event of invoice id in the feeds of
// parties, at the mock's time now: the first time that keeps each feed
// increasing in (time, id).
func (f *feeds) eventTime(parties []string, id int64, now time.Time) (time.Time, error) {
	t := now.UnixMilli()
	for _, p := range parties {
		h, err := f.head(p)
		if err != nil {
			return time.Time{}, err
		}
		least := h.T
		if id <= h.ID {
			least++
		}
		t = max(t, least)
	}
	return time.UnixMilli(t).UTC(), nil
}

// add appends an event of inv at t to the feed of p.
func (f *feeds) add(p string, inv *storedInvoice, t time.Time) error {
	h, err := f.head(p)
	if err != nil {
		return err
	}
	h.N++
	h.T, h.ID = t.UnixMilli(), inv.ID
	if err := putJSON(f.tx, kindInvoiceEvent, eventKey(p, h.N), "", time.Time{}, feedEvent{ID: inv.ID, T: h.T}); err != nil {
		return err
	}
	inv.Feed[p] = h.N
	if _, ok := inv.FeedFirst[p]; !ok {
		inv.FeedFirst[p] = h.N
	}
	return nil
}

// flush writes the heads.
func (f *feeds) flush() error {
	for p, h := range f.heads {
		if err := putJSON(f.tx, kindInvoiceFeed, p, "", time.Time{}, h); err != nil {
			return err
		}
	}
	return nil
}

// change records a change of inv at now (to status, by user for tin) in
// its history and in the feeds of parties, and stores inv.
func (f *feeds) change(inv *storedInvoice, parties []string, status string, now time.Time, user, tin string) error {
	t, err := f.eventTime(parties, inv.ID, now)
	if err != nil {
		return err
	}
	inv.record(status, t, user, tin)
	for _, p := range parties {
		if err := f.add(p, inv, t); err != nil {
			return err
		}
	}
	return putInvoice(f.tx, inv)
}

// allParties are the feeds a change of a registered invoice goes to: its
// seller's and its customers'.
func allParties(inv *storedInvoice) []string {
	out := []string{party(inv.Seller, "OUTBOUND")}
	for _, c := range inv.Customers {
		out = append(out, party(c, "INBOUND"))
	}
	return out
}

// feedPage is a page of a feed: the invoices at their latest event, and
// the cursor of the last event read.
type feedPage struct {
	invoices []*storedInvoice
	// fresh[i] says the page's event of invoices[i] is the invoice's
	// first in the feed (a new invoice, not a change of status).
	fresh []bool
	// lastT and lastID are the cursor after the page; zero lastT when no
	// event was read.
	lastT, lastID int64
	lastBlock     bool
}

// maxSkip bounds how many superseded events one page reads past, so that
// a page's cost stays bounded; the page is then shorter than limit but
// not the last.
const maxSkip = 1000

// readFeed reads up to limit invoices of p's feed after the cursor (t, id).
func readFeed(tx mockstore.Records, p string, t, id int64, limit int) (feedPage, error) {
	var page feedPage
	h, err := readFeedHead(tx, p)
	if err != nil || h.N == 0 {
		page.lastBlock = true
		return page, err
	}
	ev := func(n int64) (feedEvent, error) {
		var e feedEvent
		return e, getJSON(tx, kindInvoiceEvent, eventKey(p, n), &e)
	}
	// The first event after (t, id): events are strictly increasing in
	// (T, ID), so a binary search over 1..N.
	lo, hi := int64(1), h.N+1
	for lo < hi {
		mid := lo + (hi-lo)/2
		e, err := ev(mid)
		if err != nil {
			return page, err
		}
		if e.T > t || e.T == t && e.ID > id {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	skipped := 0
	n := lo
	for ; n <= h.N && len(page.invoices) < limit && skipped < maxSkip; n++ {
		e, err := ev(n)
		if err != nil {
			return page, err
		}
		page.lastT, page.lastID = e.T, e.ID
		inv, err := getInvoice(tx, e.ID)
		if err != nil {
			return page, err
		}
		if inv == nil || inv.Feed[p] != n {
			skipped++ // superseded: the invoice is further on
			continue
		}
		page.invoices = append(page.invoices, inv)
		page.fresh = append(page.fresh, inv.FeedFirst[p] == n)
	}
	page.lastBlock = n > h.N
	return page, nil
}
