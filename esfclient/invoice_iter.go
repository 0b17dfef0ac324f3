package esfclient

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"time"
)

// UpdatePages reads queryUpdates block after block from r.Cursor to the
// last block, feeding each block's lastEventDate and lastInvoiceId back
// unchanged as the next block's cursor (esf-invoice-api.md §1.5). The
// cursor is the server's: how events sharing a timestamp are split
// between blocks is its to get right, and this client neither drops nor
// merges what it answers (the conformance suite checks that a server
// loses and repeats nothing). A caller that persists its position stores
// each page's Next once the page is processed.
//
// A block may hold fewer invoices than Limit, or none, and not be the
// last: a server may count events, not invoices, and leave out an event
// superseded by a later one of the same invoice. A failed call yields
// (nil, err) and ends the sequence; so does a block that is not the last
// yet does not move the cursor, which would otherwise repeat forever.
func (s *Session) UpdatePages(ctx context.Context, r UpdatesRequest) iter.Seq2[*UpdatesPage, error] {
	return func(yield func(*UpdatesPage, error) bool) {
		for {
			p, err := s.QueryUpdates(ctx, r)
			if err == nil && !p.LastBlock && p.Next.LastInvoiceID == r.Cursor.LastInvoiceID && p.Next.LastEventDate.Equal(r.Cursor.LastEventDate) {
				err = fmt.Errorf("esfclient: queryUpdates did not move the cursor past %s", cursorString(r.Cursor))
			}
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(p, nil) || p.LastBlock {
				return
			}
			r.Cursor = p.Next
		}
	}
}

func cursorString(c UpdatesCursor) string {
	return fmt.Sprintf("lastEventDate %s, lastInvoiceId %d", c.LastEventDate.Format(time.RFC3339Nano), c.LastInvoiceID)
}

// Updates reads every invoice queryUpdates answers after r.Cursor, block
// after block to the last (see UpdatePages):
//
//	for inv, err := range sess.Updates(ctx, esfclient.UpdatesRequest{Direction: esfclient.Inbound, Cursor: since}) {
//		if err != nil {
//			return err
//		}
//		…
//	}
func (s *Session) Updates(ctx context.Context, r UpdatesRequest) iter.Seq2[InvoiceInfo, error] {
	return flatten(s.UpdatePages(ctx, r), func(p *UpdatesPage) []InvoiceInfo { return p.Invoices })
}

// InvoicePages reads queryInvoice page after page to the last (lastBlock).
// The first request sends c.PageNum (none when 0: the first page, however
// the server counts); each next one asks for the server's currPage + 1, so
// the client follows the server's own numbering. Whether ESF counts pages
// from 0 or from 1 is not known, and a server that counts from 1 may
// answer a request without pageNum with currPage 0 (as the mock does, and
// as a 2018 answer of the real test stand shows): when the page asked for
// next, page 1, repeats the first page's invoices, the client takes the
// server to count from 1, skips the repeat and goes on from page 2.
//
// A failed call yields (nil, err) and ends the sequence; so does a page
// that does not advance currPage, or repeats the previous page's invoices
// otherwise (a server that ignores pageNum), which would repeat forever.
func (s *Session) InvoicePages(ctx context.Context, c InvoiceCriteria) iter.Seq2[*InvoicePage, error] {
	return func(yield func(*InvoicePage, error) bool) {
		var prev *InvoicePage
		firstOmitted, shifted := c.PageNum <= 0, false
		sameInvoices := func(a, b *InvoicePage) bool {
			return len(a.Invoices) > 0 && slices.EqualFunc(a.Invoices, b.Invoices, func(x, y InvoiceInfo) bool { return x.ID == y.ID })
		}
		for {
			p, err := s.QueryInvoice(ctx, c)
			if err == nil && prev != nil && firstOmitted && !shifted && prev.CurrPage == 0 && c.PageNum == 1 && sameInvoices(p, prev) {
				shifted = true // pages count from 1: page 1 was the first page
				c.PageNum = 2
				continue
			}
			if err == nil && prev != nil && p.CurrPage <= prev.CurrPage {
				err = fmt.Errorf("esfclient: queryInvoice answered page %d after page %d", p.CurrPage, prev.CurrPage)
			}
			if err == nil && prev != nil && sameInvoices(p, prev) {
				err = fmt.Errorf("esfclient: queryInvoice answered page %d with page %d's invoices again", p.CurrPage, prev.CurrPage)
			}
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(p, nil) || p.LastBlock {
				return
			}
			prev = p
			c.PageNum = p.CurrPage + 1
		}
	}
}

// Invoices reads every invoice that meets c, page after page to the last
// (see InvoicePages).
func (s *Session) Invoices(ctx context.Context, c InvoiceCriteria) iter.Seq2[InvoiceInfo, error] {
	return flatten(s.InvoicePages(ctx, c), func(p *InvoicePage) []InvoiceInfo { return p.Invoices })
}

// flatten yields the items of each page; an error is yielded once, with a
// zero item, and ends the sequence.
func flatten[P any](pages iter.Seq2[P, error], items func(P) []InvoiceInfo) iter.Seq2[InvoiceInfo, error] {
	return func(yield func(InvoiceInfo, error) bool) {
		for p, err := range pages {
			if err != nil {
				yield(InvoiceInfo{}, err)
				return
			}
			for _, inv := range items(p) {
				if !yield(inv, nil) {
					return
				}
			}
		}
	}
}
