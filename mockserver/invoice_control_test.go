package mockserver_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/mockserver"
)

// The invoice control API over HTTP, through the control client: the
// timing, the processing step, injected errors, the list of invoices and
// one invoice with its body; and a queued fault for an invoice operation.
func TestInvoiceControlAPI(t *testing.T) {
	e := newInvoiceEnv(t)
	ctx := context.Background()
	ctl, err := mockserver.NewControlClient(e.srv.URL, mockserver.ControlClientOptions{})
	require.NoError(t, err)

	require.NoError(t, ctl.SetInvoiceTiming(ctx, mockserver.InvoiceTiming{Queue: 2 * time.Second, Processing: 3 * time.Second}))
	timing, err := ctl.InvoiceTiming(ctx)
	require.NoError(t, err)
	assert.Equal(t, mockserver.InvoiceTiming{Queue: 2 * time.Second, Processing: 3 * time.Second}, timing)

	inv := e.sampleInvoice()
	id := e.upload1(inv)
	list, err := ctl.Invoices(ctx, mockserver.InvoiceFilter{})
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, id, list[0].ID)
	assert.Equal(t, "IN_QUEUE", list[0].Status)
	assert.Equal(t, inv.Num, list[0].Num)
	assert.Equal(t, sellerTIN, list[0].Seller)
	assert.Equal(t, []string{customerTIN}, list[0].Customers)
	assert.Equal(t, e.srv.Now().Add(5*time.Second).UTC(), list[0].Due.UTC())
	assert.Empty(t, list[0].Body, "the list leaves bodies out")

	n, err := ctl.ProcessInvoices(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "the step runs now, whatever the timing")
	one, err := ctl.InvoiceByID(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "CREATED", one.Status)
	assert.Regexp(t, regNumber, one.RegistrationNumber)
	assert.NotEmpty(t, one.Body)
	assert.True(t, one.SignatureValid)
	var statuses []string
	for _, h := range one.History {
		statuses = append(statuses, h.Status)
	}
	assert.Equal(t, []string{"IN_QUEUE", "IN_PROCESSING", "CREATED"}, statuses)

	require.NoError(t, ctl.InjectInvoiceError(ctx, mockserver.InvoiceErrorInjection{Code: "SELLER_IS_BLOCKED", Count: 2}))
	pending, err := ctl.InvoiceInjections(ctx)
	require.NoError(t, err)
	require.Len(t, pending, 1)
	assert.Equal(t, mockserver.InvoiceErrorInjection{Code: "SELLER_IS_BLOCKED", Stage: "processing", Count: 2}, pending[0])
	failed := e.upload1(e.sampleInvoice())
	_, err = ctl.ProcessInvoices(ctx)
	require.NoError(t, err)
	f, err := ctl.Invoices(ctx, mockserver.InvoiceFilter{Status: "FAILED"})
	require.NoError(t, err)
	require.Len(t, f, 1)
	assert.Equal(t, failed, f[0].ID)
	assert.Equal(t, "SELLER_IS_BLOCKED", f[0].CancelReason)
	byTIN, err := ctl.Invoices(ctx, mockserver.InvoiceFilter{TIN: customerTIN, Limit: 1})
	require.NoError(t, err)
	assert.Len(t, byTIN, 1, "a customer's, limited, newest first")
	assert.Equal(t, failed, byTIN[0].ID)

	// A queued fault answers an invoice operation too.
	require.NoError(t, ctl.QueueFault(ctx, mockserver.Fault{Match: "syncInvoice", Code: "SYSTEM_DOWN"}))
	r := e.syncRaw(e.seller, certText(e.sellerKS), e.signed(e.sellerKS, e.sampleInvoice()))
	_, text, _, _ := r.fault()
	assert.Equal(t, "SYSTEM_DOWN", text)

	t.Run("refusals", func(t *testing.T) {
		var ce *mockserver.ControlError
		_, err := ctl.InvoiceByID(ctx, 42)
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, http.StatusNotFound, ce.Status)
		for _, c := range []struct{ method, path, body, field string }{
			{http.MethodGet, "/_mock/invoices?status=LOST", "", "status"},
			{http.MethodGet, "/_mock/invoices?limit=0", "", "limit"},
			{http.MethodGet, "/_mock/invoices?x=1", "", "x"},
			{http.MethodGet, "/_mock/invoices/abc", "", "id"},
			{http.MethodPost, "/_mock/invoice-step?due=maybe", "", "due"},
			{http.MethodPost, "/_mock/invoice-errors", `{"code":"bad code"}`, "code"},
			{http.MethodPost, "/_mock/invoice-errors", `{"code":"A","stage":"never"}`, "stage"},
			{http.MethodPost, "/_mock/invoice-errors", `{"code":"A","count":10001}`, "count"},
			{http.MethodPost, "/_mock/invoice-timing", `{"queue":"soon"}`, "queue"},
			{http.MethodPost, "/_mock/invoice-timing", `{"processing":"-1s"}`, "processing"},
			{http.MethodPost, "/_mock/invoice-timing", `{"processing":"25h"}`, "processing"},
		} {
			status, body, err := ctl.Raw(ctx, c.method, c.path, "application/json", []byte(c.body))
			require.NoError(t, err)
			assert.Equal(t, http.StatusBadRequest, status, "%s %s: %s", c.method, c.path, body)
			assert.Contains(t, string(body), `"field":"`+c.field+`"`, "%s %s", c.method, c.path)
		}
		var fe *mockserver.FieldError
		assert.True(t, errors.As(e.srv.SetInvoiceTiming(mockserver.InvoiceTiming{Queue: -time.Second}), &fe))
	})

	t.Run("due only", func(t *testing.T) {
		require.NoError(t, ctl.SetInvoiceTiming(ctx, mockserver.InvoiceTiming{Queue: time.Hour}))
		e.upload1(e.sampleInvoice())
		status, body, err := ctl.Raw(ctx, http.MethodPost, "/_mock/invoice-step?due=true", "", nil)
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, status)
		assert.JSONEq(t, `{"processed":0}`, string(body), "nothing due for an hour")
	})
}
