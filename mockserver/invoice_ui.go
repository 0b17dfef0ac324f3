package mockserver

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/esfkit/esf/mockserver/internal/soap/invoicesvc"
)

// The invoices' tooling page (/_mock/ui/invoices): the invoice control
// API for a person in a browser, calling the same code as its JSON routes.

// uiInvoices is the invoices page's data.
type uiInvoices struct {
	Invoices   []Invoice
	Statuses   []string
	Injections []InvoiceErrorInjection
	Queued     int
}

// uiInvoiceLimit bounds the invoices the page lists.
const uiInvoiceLimit = 200

// handleUIInvoices serves GET /_mock/ui/invoices[?tin=&status=].
func (s *Server) handleUIInvoices(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	q := r.URL.Query()
	form := url.Values{"tin": {strings.TrimSpace(q.Get("tin"))}, "status": {q.Get("status")}}
	p := &uiPage{Form: form}
	if st := form.Get("status"); st != "" && !slices.Contains(invoicesvc.Statuses, st) {
		p.Errors = map[string]string{"": fmt.Sprintf("%q is not an invoice status", clip(st))}
		form.Set("status", "")
	}
	s.uiRenderInvoices(w, r, http.StatusOK, p)
}

func (s *Server) uiRenderInvoices(w http.ResponseWriter, r *http.Request, status int, p *uiPage) {
	p.Title, p.Nav = "Invoices", "invoices"
	if p.Form == nil {
		p.Form = url.Values{}
	}
	if p.Form.Get("count") == "" {
		p.Form.Set("count", "1")
	}
	d := uiInvoices{Statuses: invoicesvc.Statuses}
	var err error
	if d.Invoices, err = s.invoiceList(r.Context(), InvoiceFilter{TIN: p.Form.Get("tin"), Status: p.Form.Get("status"), Limit: uiInvoiceLimit}); err == nil {
		d.Injections, err = s.InvoiceInjections()
	}
	if err == nil {
		err = s.view(r.Context(), func(rq *request) error {
			recs, err := rq.tx.RecordsOf(kindInvoiceQueue, "")
			d.Queued = len(recs)
			p.Now = rq.now
			if t, terr := invoiceTiming(rq.tx); terr == nil && p.Form.Get("queue") == "" && p.Form.Get("processing") == "" {
				p.Form.Set("queue", t.Queue.String())
				p.Form.Set("processing", t.Processing.String())
			}
			return err
		})
	}
	if err != nil {
		s.uiRefuse(w, r, http.StatusInternalServerError, "The store failed", err.Error())
		return
	}
	p.Data = d
	s.uiRender(w, r, status, "invoices", p)
}

// handleUIInvoiceStep serves POST /_mock/ui/invoices/step: the processing
// step now, on every queued invoice.
func (s *Server) handleUIInvoiceStep(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	n, err := s.stepInvoices(r.Context(), true)
	if err != nil {
		s.uiRefuse(w, r, http.StatusInternalServerError, "The processing step failed", err.Error())
		return
	}
	s.uiDone(w, r, uiPrefix+"invoices", fmt.Sprintf("The processing step decided %d invoice(s).", n))
}

// handleUIInjectInvoiceError serves POST /_mock/ui/invoices/errors with
// code, text, property, stage, inject-tin and count.
func (s *Server) handleUIInjectInvoiceError(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	form := url.Values{}
	for _, k := range []string{"code", "text", "property", "stage", "inject-tin", "count"} {
		form.Set(k, strings.TrimSpace(r.PostForm.Get(k)))
	}
	e := InvoiceErrorInjection{Code: form.Get("code"), Text: form.Get("text"), Property: form.Get("property"), Stage: form.Get("stage"), TIN: form.Get("inject-tin")}
	var err error
	if c := form.Get("count"); c != "" {
		if e.Count, err = strconv.Atoi(c); err != nil {
			err = &FieldError{Field: "count", Reason: fmt.Sprintf("%q is not a whole number (1..%d)", clip(c), MaxFaultCount)}
		}
	}
	if err == nil {
		err = s.injectInvoiceError(r.Context(), e)
	}
	if err != nil {
		if fe, ok := err.(*FieldError); ok && fe.Field == "tin" {
			fe.Field = "inject-tin"
		}
		errs, status := uiRefusals(err, "code", "text", "property", "stage", "inject-tin", "count")
		s.uiRenderInvoices(w, r, status, &uiPage{Errors: errs, Form: form})
		return
	}
	s.uiDone(w, r, uiPrefix+"invoices", fmt.Sprintf("Injected: the next %d invoice(s) get %s.", max(e.Count, 1), e.Code))
}

// handleUISetInvoiceTiming serves POST /_mock/ui/invoices/timing with
// queue and processing (Go durations).
func (s *Server) handleUISetInvoiceTiming(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	form := url.Values{"queue": {strings.TrimSpace(r.PostForm.Get("queue"))}, "processing": {strings.TrimSpace(r.PostForm.Get("processing"))}}
	var t InvoiceTiming
	var err error
	for _, f := range []struct {
		name string
		dst  *time.Duration
	}{{"queue", &t.Queue}, {"processing", &t.Processing}} {
		if err != nil {
			break
		}
		if *f.dst, err = time.ParseDuration(form.Get(f.name)); err != nil {
			err = &FieldError{Field: f.name, Reason: fmt.Sprintf("%q is not a duration such as 1s or 500ms", clip(form.Get(f.name)))}
		}
	}
	if err == nil {
		err = s.SetInvoiceTiming(t)
	}
	if err != nil {
		errs, status := uiRefusals(err, "queue", "processing")
		s.uiRenderInvoices(w, r, status, &uiPage{Errors: errs, Form: form})
		return
	}
	s.uiDone(w, r, uiPrefix+"invoices", fmt.Sprintf("Timing set: %s in the queue, %s in processing.", t.Queue, t.Processing))
}
