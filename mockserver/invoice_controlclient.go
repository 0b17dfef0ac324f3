package mockserver

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Invoices lists the mock's invoices f selects, newest first (GET
// /_mock/invoices).
func (c *ControlClient) Invoices(ctx context.Context, f InvoiceFilter) ([]Invoice, error) {
	q := url.Values{}
	if f.TIN != "" {
		q.Set("tin", f.TIN)
	}
	if f.Status != "" {
		q.Set("status", f.Status)
	}
	if f.Limit != 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	path := "/_mock/invoices"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var out []Invoice
	err := c.do(ctx, http.MethodGet, path, "", nil, &out)
	return out, err
}

// InvoiceByID returns one invoice with its body (GET /_mock/invoices/ID).
func (c *ControlClient) InvoiceByID(ctx context.Context, id int64) (Invoice, error) {
	var out Invoice
	err := c.do(ctx, http.MethodGet, "/_mock/invoices/"+strconv.FormatInt(id, 10), "", nil, &out)
	return out, err
}

// ProcessInvoices runs the processing step now on every queued invoice
// (POST /_mock/invoice-step) and returns how many it decided.
func (c *ControlClient) ProcessInvoices(ctx context.Context) (int, error) {
	var out struct {
		Processed int `json:"processed"`
	}
	err := c.do(ctx, http.MethodPost, "/_mock/invoice-step", "", nil, &out)
	return out.Processed, err
}

// InjectInvoiceError queues an error for the next invoices (POST
// /_mock/invoice-errors).
func (c *ControlClient) InjectInvoiceError(ctx context.Context, e InvoiceErrorInjection) error {
	return c.postJSON(ctx, "/_mock/invoice-errors", e, nil)
}

// InvoiceInjections returns the injected errors not yet used.
func (c *ControlClient) InvoiceInjections(ctx context.Context) ([]InvoiceErrorInjection, error) {
	var out []InvoiceErrorInjection
	err := c.do(ctx, http.MethodGet, "/_mock/invoice-errors", "", nil, &out)
	return out, err
}

// InvoiceTiming returns the processing step's timing (GET
// /_mock/invoice-timing).
func (c *ControlClient) InvoiceTiming(ctx context.Context) (InvoiceTiming, error) {
	var out invoiceTimingJSON
	if err := c.do(ctx, http.MethodGet, "/_mock/invoice-timing", "", nil, &out); err != nil {
		return InvoiceTiming{}, err
	}
	return out.timing()
}

// SetInvoiceTiming sets the processing step's timing for every replica
// (POST /_mock/invoice-timing).
func (c *ControlClient) SetInvoiceTiming(ctx context.Context, t InvoiceTiming) error {
	return c.postJSON(ctx, "/_mock/invoice-timing", invoiceTimingJSON{Queue: t.Queue.String(), Processing: t.Processing.String()}, nil)
}

func (j invoiceTimingJSON) timing() (InvoiceTiming, error) {
	q, err := time.ParseDuration(j.Queue)
	if err != nil {
		return InvoiceTiming{}, fmt.Errorf("mockserver: control client: queue %q: %w", j.Queue, err)
	}
	p, err := time.ParseDuration(j.Processing)
	if err != nil {
		return InvoiceTiming{}, fmt.Errorf("mockserver: control client: processing %q: %w", j.Processing, err)
	}
	return InvoiceTiming{Queue: q, Processing: p}, nil
}
