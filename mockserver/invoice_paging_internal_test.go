package mockserver

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver/internal/soap"
	"github.com/esfkit/esf/mockserver/internal/soap/invoicesvc"
	"github.com/esfkit/esf/mockserver/sqlstore/sqlite"
)

// envPagingEvents sets how many events TestInvoiceUpdatesPagingCost
// pages through (bench/invoice.sh: 100,000); the default keeps the test
// quick.
const envPagingEvents = "ESF_BENCH_EVENTS"

// pagingFixture is a mock over SQLite whose customer has n registered
// invoices in its INBOUND feed, made straight in the store (no signature
// is checked: the feed is what is measured), and an open session.
func pagingFixture(t testing.TB, n int) (*Server, string) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "paging.db"), sqlite.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	at := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	clock := at
	s, err := New(Options{Store: st, AllowTestIdentities: true, BcryptCost: 4, Now: func() time.Time { return clock }})
	require.NoError(t, err)
	const seller, customer = certstest.TestBIN, certstest.TestIIN2
	_, err = s.ImportAccounts([]AccountImport{{IIN: customer, Email: "ip@example.kz", Password: "Qazwsx12345", FullName: "ТЕСТТОВ ТЕСТТ ТЕСТТОВИЧ",
		Address: "г. Алматы", IDDocumentNumber: "012345679", IDDocumentIssueDate: "14.03.2019", IDDocumentIssuer: "МВД РК",
		Profiles:  []ProfileImport{{Type: esfreg.ProfileEntrepreneur}},
		Taxpayers: []esfreg.Taxpayer{{TIN: customer, LastNameRu: "ТЕСТТОВ", Type: esfreg.EnterpriseIndividualEntrepreneur, Resident: true}}}})
	require.NoError(t, err)
	body := strings.Repeat("<v2:invoice xmlns:a=\"abstractInvoice.esf\" xmlns:v2=\"v2.esf\">…</v2:invoice>", 20) // ~1.4 KB
	const batch = 5000
	for start := 0; start < n; start += batch {
		err := s.update(context.Background(), func(r *request) error {
			f := newFeeds(r.tx)
			for i := start; i < min(start+batch, n); i++ {
				if i%10 == 0 {
					clock = clock.Add(time.Millisecond) // ten events a millisecond
				}
				inv := &storedInvoice{ID: invoiceIDBase + int64(i) + 1, Body: body, Signature: strings.Repeat("A", 172), Certificate: "MII…",
					Version: "InvoiceV2", SignatureType: "COMPANY", Num: strconv.Itoa(i + 1), Date: "01.06.2026", Type: "ORDINARY_INVOICE",
					Seller: seller, Customers: []string{customer}, InputDate: clock, SignatureValid: true,
					RegistrationNumber: fmt.Sprintf("ESF-%s-20260601-%08d", seller, i), Feed: map[string]int64{}, FeedFirst: map[string]int64{}}
				if err := putInvoiceBody(r.tx, inv); err != nil {
					return err
				}
				if err := f.change(inv, []string{party(customer, invoicesvc.DirectionInbound)}, StatusCreated, clock, "", ""); err != nil {
					return err
				}
			}
			return f.flush()
		})
		require.NoError(t, err)
	}
	var sess *Session
	require.NoError(t, s.update(context.Background(), func(r *request) error {
		var err error
		sess, err = s.openSession(r, customer, customer, esfreg.ProfileEntrepreneur)
		return err
	}))
	return s, sess.ID
}

// updatesPage asks s for a page of the customer's feed after the cursor,
// through its HTTP handler, and returns the page's cursor, its size, its
// end and how long the server took.
func updatesPage(t testing.TB, s *Server, session, lastEventDate string, lastID int64, limit int) (string, int64, int, bool, time.Duration) {
	t.Helper()
	inner := "<sessionId>" + session + "</sessionId><lastEventDate>" + lastEventDate + "</lastEventDate>"
	if lastID != 0 {
		inner += fmt.Sprintf("<lastInvoiceId>%d</lastInvoiceId>", lastID)
	}
	inner += fmt.Sprintf("<direction>INBOUND</direction><limit>%d</limit><fullInfoOnStatusChange>true</fullInfoOnStatusChange>", limit)
	env := `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:esf="esf"><soapenv:Body><esf:queryUpdatesRequest>` +
		inner + `</esf:queryUpdatesRequest></soapenv:Body></soapenv:Envelope>`
	req := httptest.NewRequest(http.MethodPost, "/esf-web/ws/api1/InvoiceService", strings.NewReader(env))
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	w := httptest.NewRecorder()
	start := time.Now()
	s.ServeHTTP(w, req)
	d := time.Since(start)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	resp, err := soap.ReadRequest(w.Body, 64<<20)
	require.NoError(t, err)
	last, _ := resp.Body.Field("lastEventDate")
	idText, _ := resp.Body.Field("lastInvoiceId")
	id, _ := strconv.ParseInt(idText, 10, 64)
	lb, _ := resp.Body.Field("lastBlock")
	return last, id, len(resp.Body.Child("invoiceInfoList").Children), lb == "true", d
}

// queryUpdates's cost per page is flat: paging through the whole feed
// (ESF_BENCH_EVENTS events, 100 a page), the server's time per page is
// the same at the start, in the middle and at the end, and every event
// comes once. bench/invoice.sh runs it with 100,000 events.
func TestInvoiceUpdatesPagingCost(t *testing.T) {
	n := 3000
	if v := os.Getenv(envPagingEvents); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		require.NoError(t, err)
	} else if testing.Short() {
		t.Skip("paging cost skipped in -short mode")
	}
	made := time.Now()
	s, session := pagingFixture(t, n)
	t.Logf("%d events made in %s", n, time.Since(made).Round(time.Millisecond))

	const limit = 100
	var times []time.Duration
	cursor, lastID, total := "2018-01-01T00:00:00+05:00", int64(0), 0
	for {
		last, id, rows, end, d := updatesPage(t, s, session, cursor, lastID, limit)
		total += rows
		times = append(times, d)
		require.True(t, rows == limit || end, "a full page until the last")
		if end {
			break
		}
		cursor, lastID = last, id
	}
	require.Equal(t, n, total, "every event once")
	pages := len(times)
	require.GreaterOrEqual(t, pages, 10)
	decile := func(k int) time.Duration { // the median of the k-th tenth of the pages
		part := slices.Clone(times[k*pages/10 : (k+1)*pages/10])
		slices.Sort(part)
		return part[len(part)/2]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d events, %d pages of %d: median server time per page by tenth of the feed:", n, pages, limit)
	for k := range 10 {
		fmt.Fprintf(&b, " %.2f", float64(decile(k).Microseconds())/1000)
	}
	fmt.Fprintf(&b, " ms; last/first tenth %.2f", float64(decile(9))/float64(decile(0)))
	t.Log(b.String())
}
