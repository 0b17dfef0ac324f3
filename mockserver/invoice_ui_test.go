package mockserver_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/mockserver"
)

// The invoices' tooling page: the list and its filter, the step run now,
// an error injected and the timing set through its forms, each refusal
// beside its field; no script, every input labelled.
func TestUIInvoices(t *testing.T) {
	e := newInvoiceEnv(t)
	require.NoError(t, e.srv.SetInvoiceTiming(mockserver.InvoiceTiming{Queue: time.Hour}))
	id := e.upload1(e.sampleInvoice())
	b := newUIBrowser(t, e.srv.URL)

	resp, page := b.get("/_mock/ui/invoices")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assertUIHeaders(t, resp.Header)
	assert.NotContains(t, strings.ToLower(page), "<script")
	for _, id := range []string{"invoice-filter", "invoice-list", "step-form", "inject-form", "injection-empty", "timing-form", "f-tin", "f-status",
		"f-code", "f-stage", "f-inject-tin", "f-count", "f-queue", "f-processing"} {
		assert.Contains(t, page, `id="`+id+`"`)
	}
	for _, m := range regexp.MustCompile(`<(?:input|select) id="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		assert.Contains(t, page, `<label for="`+m[1]+`"`, "input #%s has no label", m[1])
	}
	assert.Contains(t, page, `data-id="`+strconv.FormatInt(id, 10)+`" data-status="IN_QUEUE"`)
	assert.Contains(t, page, `value="1h0m0s"`, "the timing in force")
	_, index := b.get("/_mock/ui/")
	assert.Contains(t, index, `href="/_mock/ui/invoices"`)

	_, page = b.get("/_mock/ui/invoices?status=CREATED")
	assert.Contains(t, page, `id="invoice-empty"`)
	_, page = b.get("/_mock/ui/invoices?tin=" + customerTIN)
	assert.Contains(t, page, `class="invoice-row"`)

	resp, _ = b.post("/_mock/ui/invoices/step", url.Values{})
	_, page = b.follow(resp)
	assert.Contains(t, uiText(t, page, "ui-flash"), "decided 1 invoice")
	assert.Contains(t, page, `data-status="CREATED"`)

	resp, _ = b.post("/_mock/ui/invoices/errors", url.Values{"code": {"SELLER_IS_BLOCKED"}, "text": {"<b>blocked</b>"}, "stage": {"sync"}, "count": {"2"}})
	_, page = b.follow(resp)
	assert.Contains(t, uiText(t, page, "ui-flash"), "SELLER_IS_BLOCKED")
	assert.Contains(t, page, `class="injection-row" data-code="SELLER_IS_BLOCKED"`)
	assert.Contains(t, page, "&lt;b&gt;blocked&lt;/b&gt;")
	res := e.sync(e.seller, e.sellerKS, e.signed(e.sellerKS, e.sampleInvoice()))
	require.Len(t, res.declined, 1)
	assert.Equal(t, []string{"SELLER_IS_BLOCKED"}, res.declined[0].codes)

	resp, _ = b.post("/_mock/ui/invoices/timing", url.Values{"queue": {"2s"}, "processing": {"500ms"}})
	_, page = b.follow(resp)
	assert.Contains(t, uiText(t, page, "ui-flash"), "2s in the queue")
	timing, err := e.srv.InvoiceTiming()
	require.NoError(t, err)
	assert.Equal(t, mockserver.InvoiceTiming{Queue: 2 * time.Second, Processing: 500 * time.Millisecond}, timing)

	for _, tc := range []struct {
		path  string
		form  url.Values
		field string
	}{
		{"/_mock/ui/invoices/errors", url.Values{"code": {""}}, "code"},
		{"/_mock/ui/invoices/errors", url.Values{"code": {"not a code"}}, "code"},
		{"/_mock/ui/invoices/errors", url.Values{"code": {"A"}, "count": {"many"}}, "count"},
		{"/_mock/ui/invoices/errors", url.Values{"code": {"A"}, "inject-tin": {"1234567890123"}}, "inject-tin"},
		{"/_mock/ui/invoices/timing", url.Values{"queue": {"soon"}, "processing": {"1s"}}, "queue"},
		{"/_mock/ui/invoices/timing", url.Values{"queue": {"1s"}, "processing": {"-1s"}}, "processing"},
	} {
		resp, page := b.post(tc.path, tc.form)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s %v", tc.path, tc.form)
		assert.Contains(t, page, `id="f-`+tc.field+`-error"`, "%s %v", tc.path, tc.form)
	}
	resp, _ = b.postRaw("/_mock/ui/invoices/step", url.Values{}, nil)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "no CSRF token")
}
