package esfclient

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esfkit/esf/internal/testref"
)

// FuzzInvoiceAnswers feeds the invoice API's answer decoding — the
// envelope, faults, and every operation's answer with its conversion to
// Go values — arbitrary bytes: an error, never a panic.
func FuzzInvoiceAnswers(f *testing.F) {
	testref.LimitFuzzMinimization(f)
	files, _ := filepath.Glob(filepath.Join(goldenDir, "*.response.xml"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultstring>x</faultstring><detail><a/></detail></soap:Fault></soap:Body></soap:Envelope>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		decode := func(want string, out any) bool { return decodeAnswer("fuzz", 200, data, want, out) == nil }
		var page wireInvoicePage
		if decode("queryInvoiceResponse", &page) {
			_, _ = page.page()
		}
		var upd wireUpdates
		if decode("queryUpdatesResponse", &upd) {
			var c conv
			_ = c.time("lastEventDate", upd.LastEventDate)
			_ = c.long("lastInvoiceId", upd.LastInvoiceID)
			_, _ = infos(upd.Infos)
		}
		var sums wireSummaries
		if decode("queryInvoiceSummaryByIdResponse", &sums) {
			_, _ = sums.summaries()
		}
		var cs wireChangeStatus
		if decode("revokeInvoiceByIdResponse", &cs) {
			_, _ = cs.results()
		}
		var sync wireSync
		if decode("syncInvoiceResponse", &sync) {
			_, _ = standards("acceptedSet", sync.Accepted)
			if r, err := standards("declinedSet", sync.Declined); err == nil {
				res := &SyncResult{Declined: r}
				if e := res.Err(); e != nil && !strings.HasPrefix(e.Error(), "esfclient: ") {
					t.Fatalf("error %q", e)
				}
			}
		}
		var errs wireInvoiceErrors
		if decode("queryInvoiceErrorByIdResponse", &errs) {
			for _, e := range errs.List {
				_ = errorsOf(e.Errors).Error()
			}
		}
		for _, out := range []struct {
			want string
			v    any
		}{{"queryInvoiceHistoryByIdResponse", &wireHistory{}}, {"deleteInvoiceByIdResponse", &wireDelete{}}, {"enterpriseValidationResponse", &wireEnterprise{}}} {
			decode(out.want, out.v)
		}
	})
}
