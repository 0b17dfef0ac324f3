package mockserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/julienschmidt/httprouter"

	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver/internal/soap/invoicesvc"
	"github.com/esfkit/esf/mockserver/mockstore"
)

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }

// Where an injected error hits an invoice.
const (
	// InjectAtSync declines the invoice in syncInvoice's declinedSet.
	InjectAtSync = "sync"
	// InjectAtProcessing lets syncInvoice accept it, and the processing
	// step then fails it (FAILED) with the error alone.
	InjectAtProcessing = "processing"
)

// InvoiceErrorInjection is an error the next invoices uploaded get:
// Code is an ESF errorCode (capital letters, digits and underscores),
// Text and Property what the Error carries (Text defaults to the mock's
// text for its own codes); Stage is InjectAtProcessing (the default) or
// InjectAtSync; TIN, when set, limits it to that seller's invoices;
// Count is how many invoices it hits, 1..MaxFaultCount (0 means 1).
type InvoiceErrorInjection struct {
	Code     string `json:"code"`
	Text     string `json:"text,omitempty"`
	Property string `json:"property,omitempty"`
	Stage    string `json:"stage,omitempty"`
	TIN      string `json:"tin,omitempty"`
	Count    int    `json:"count,omitempty"`
}

// injection is a kindInvoiceInject record.
type injection struct {
	invoicesvc.Error
	Stage string `json:"stage"`
	TIN   string `json:"tin,omitempty"`
	Left  int    `json:"left"`

	key   string
	dirty bool
}

var errorCodePattern = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,99}$`)

// InjectInvoiceError queues e. An invalid one is refused with a
// *FieldError naming the field.
func (s *Server) InjectInvoiceError(e InvoiceErrorInjection) error {
	return s.injectInvoiceError(context.Background(), e)
}

func (s *Server) injectInvoiceError(ctx context.Context, e InvoiceErrorInjection) error {
	switch {
	case e.Code == "":
		return &FieldError{Field: "code", Reason: "required: an ESF errorCode such as SIGNATURE_VERIFICATION_FAILED"}
	case !errorCodePattern.MatchString(e.Code):
		return &FieldError{Field: "code", Reason: fmt.Sprintf("%q is not an errorCode (capital letters, digits, underscores)", clip(e.Code))}
	case e.Stage != "" && e.Stage != InjectAtSync && e.Stage != InjectAtProcessing:
		return &FieldError{Field: "stage", Reason: fmt.Sprintf("%q: want %s or %s", clip(e.Stage), InjectAtProcessing, InjectAtSync)}
	case e.Count < 0 || e.Count > MaxFaultCount:
		return &FieldError{Field: "count", Reason: fmt.Sprintf("%d: want 1..%d (0 or absent means 1)", e.Count, MaxFaultCount)}
	case utf8.RuneCountInString(e.Text) > 1000:
		return &FieldError{Field: "text", Reason: "longer than 1000 characters"}
	case utf8.RuneCountInString(e.Property) > 200:
		return &FieldError{Field: "property", Reason: "longer than 200 characters"}
	case len(e.TIN) > 12:
		return &FieldError{Field: "tin", Reason: "longer than 12 characters"}
	}
	if e.Stage == "" {
		e.Stage = InjectAtProcessing
	}
	if e.Count == 0 {
		e.Count = 1
	}
	if e.Text == "" {
		e.Text = invoiceCodeText[e.Code]
	}
	return s.update(ctx, func(r *request) error {
		var n int
		if err := getJSON(r.tx, kindInvoiceSetting, settingInjectSeq, &n); err != nil && !errors.Is(err, esfreg.ErrNotFound) {
			return err
		}
		n++
		if err := putJSON(r.tx, kindInvoiceSetting, settingInjectSeq, "", time.Time{}, n); err != nil {
			return err
		}
		return putJSON(r.tx, kindInvoiceInject, seqKey(n), "", time.Time{},
			injection{Error: invoicesvc.Error{ErrorCode: e.Code, Text: e.Text, Property: e.Property}, Stage: e.Stage, TIN: e.TIN, Left: e.Count})
	})
}

// injections are the queued injections, as one transaction uses them.
type injections struct {
	tx   mockstore.Records
	list []*injection
}

func newInjections(tx mockstore.Records) (*injections, error) {
	recs, err := tx.RecordsOf(kindInvoiceInject, "")
	if err != nil {
		return nil, err
	}
	in := &injections{tx: tx}
	for _, rec := range recs {
		var j injection
		if err := json.Unmarshal(rec.Data, &j); err != nil {
			return nil, fmt.Errorf("mockserver: injection %s: %w", rec.Key, err)
		}
		j.key = rec.Key
		in.list = append(in.list, &j)
	}
	return in, nil
}

// next is the first injection left for an invoice of seller tin, or nil.
func (in *injections) next(tin string) *injection {
	for _, j := range in.list {
		if j.Left > 0 && (j.TIN == "" || j.TIN == tin) {
			return j
		}
	}
	return nil
}

// use counts one use of j.
func (in *injections) use(j *injection) { j.Left--; j.dirty = true }

// flush writes what was used.
func (in *injections) flush() error {
	for _, j := range in.list {
		switch {
		case !j.dirty:
		case j.Left <= 0:
			if err := in.tx.DeleteRecord(kindInvoiceInject, j.key); err != nil {
				return err
			}
		default:
			if err := putJSON(in.tx, kindInvoiceInject, j.key, "", time.Time{}, j); err != nil {
				return err
			}
		}
	}
	return nil
}

// InvoiceInjections returns the injected errors not yet used, in order.
func (s *Server) InvoiceInjections() ([]InvoiceErrorInjection, error) {
	var out []InvoiceErrorInjection
	err := s.view(context.Background(), func(r *request) error {
		in, err := newInjections(r.tx)
		if err != nil {
			return err
		}
		out = out[:0]
		for _, j := range in.list {
			out = append(out, InvoiceErrorInjection{Code: j.ErrorCode, Text: j.Text, Property: j.Property, Stage: j.Stage, TIN: j.TIN, Count: j.Left})
		}
		return nil
	})
	if out == nil {
		out = []InvoiceErrorInjection{}
	}
	return out, err
}

// SetInvoiceTiming sets the processing step's timing for every replica;
// a duration below zero or above MaxInvoiceDelay is refused with a
// *FieldError.
func (s *Server) SetInvoiceTiming(t InvoiceTiming) error {
	switch {
	case t.Queue < 0 || t.Queue > MaxInvoiceDelay:
		return &FieldError{Field: "queue", Reason: fmt.Sprintf("%s: want 0..%s", t.Queue, MaxInvoiceDelay)}
	case t.Processing < 0 || t.Processing > MaxInvoiceDelay:
		return &FieldError{Field: "processing", Reason: fmt.Sprintf("%s: want 0..%s", t.Processing, MaxInvoiceDelay)}
	}
	return s.update(context.Background(), func(r *request) error {
		return putJSON(r.tx, kindInvoiceSetting, settingInvoiceTiming, "", time.Time{}, t)
	})
}

// InvoiceTiming returns the processing step's timing in force.
func (s *Server) InvoiceTiming() (InvoiceTiming, error) {
	var t InvoiceTiming
	err := s.view(context.Background(), func(r *request) error {
		var err error
		t, err = invoiceTiming(r.tx)
		return err
	})
	return t, err
}

// Invoice is an invoice as the control API shows it.
type Invoice struct {
	ID                 int64              `json:"id"`
	Num                string             `json:"num"`
	Date               string             `json:"date"`
	Type               string             `json:"type"`
	Seller             string             `json:"seller"`
	Customers          []string           `json:"customers"`
	Status             string             `json:"status"`
	RegistrationNumber string             `json:"registrationNumber,omitempty"`
	InputDate          time.Time          `json:"inputDate"`
	LastUpdateDate     time.Time          `json:"lastUpdateDate"`
	DeliveryDate       time.Time          `json:"deliveryDate,omitzero"`
	Due                time.Time          `json:"due,omitzero"`
	SignatureValid     bool               `json:"signatureValid"`
	CancelReason       string             `json:"cancelReason,omitempty"`
	Errors             []invoicesvc.Error `json:"errors,omitempty"`
	History            []InvoiceHistory   `json:"history"`
	// Body is the invoice as uploaded (InvoiceByID only).
	Body string `json:"body,omitempty"`
}

// InvoiceHistory is one change of an invoice's status.
type InvoiceHistory struct {
	Status string    `json:"status"`
	At     time.Time `json:"at"`
	UserID string    `json:"userId,omitempty"`
	TIN    string    `json:"tin,omitempty"`
}

func (inv *storedInvoice) public(now time.Time, body bool) Invoice {
	out := Invoice{ID: inv.ID, Num: inv.Num, Date: inv.Date, Type: string(inv.Type), Seller: inv.Seller, Customers: inv.Customers,
		Status: inv.statusAt(now), RegistrationNumber: inv.RegistrationNumber, InputDate: inv.InputDate, LastUpdateDate: inv.LastUpdate,
		DeliveryDate: inv.DeliveryDate, SignatureValid: inv.SignatureValid, CancelReason: inv.CancelReason, Errors: inv.Errors,
		History: []InvoiceHistory{}}
	if inv.Status == StatusInQueue {
		out.Due = inv.Due
	}
	if out.Customers == nil {
		out.Customers = []string{}
	}
	for _, h := range inv.history(now) {
		out.History = append(out.History, InvoiceHistory{Status: h.Status, At: h.DateTime, UserID: h.UserID, TIN: h.TIN})
	}
	if body {
		out.Body = inv.Body
	}
	return out
}

// InvoiceFilter selects invoices for Invoices: by seller or customer TIN
// and status (as shown now); empty fields select all. Limit bounds how
// many are returned (0: DefaultInvoiceListLimit), newest first.
type InvoiceFilter struct {
	TIN    string
	Status string
	Limit  int
}

// DefaultInvoiceListLimit and MaxInvoiceListLimit bound Invoices's list.
const (
	DefaultInvoiceListLimit = 100
	MaxInvoiceListLimit     = 10000
)

// Invoices lists the invoices of the store that f selects, newest first,
// without their bodies.
func (s *Server) Invoices(f InvoiceFilter) ([]Invoice, error) {
	return s.invoiceList(context.Background(), f)
}

func (s *Server) invoiceList(ctx context.Context, f InvoiceFilter) ([]Invoice, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultInvoiceListLimit
	}
	out := []Invoice{}
	err := s.view(ctx, func(r *request) error {
		out = out[:0]
		recs, err := r.tx.RecordsOf(kindInvoice, "")
		if err != nil {
			return err
		}
		for i := len(recs) - 1; i >= 0 && len(out) < limit; i-- {
			var inv storedInvoice
			if err := json.Unmarshal(recs[i].Data, &inv); err != nil {
				return fmt.Errorf("mockserver: invoice %s: %w", recs[i].Key, err)
			}
			if f.TIN != "" && inv.Seller != f.TIN && !inv.isCustomer(f.TIN) {
				continue
			}
			if f.Status != "" && inv.statusAt(r.now) != f.Status {
				continue
			}
			out = append(out, inv.public(r.now, false))
		}
		return nil
	})
	return out, err
}

// InvoiceByID returns the invoice id with its body, or an error matching
// esfreg.ErrNotFound.
func (s *Server) InvoiceByID(id int64) (Invoice, error) {
	return s.invoiceByID(context.Background(), id)
}

func (s *Server) invoiceByID(ctx context.Context, id int64) (Invoice, error) {
	var out Invoice
	err := s.view(ctx, func(r *request) error {
		inv, err := getInvoice(r.tx, id)
		if err != nil {
			return err
		}
		if inv == nil {
			e := newError(CodeNotFound, "id")
			e.English = fmt.Sprintf("no invoice %d", id)
			return e
		}
		if err := withBody(r.tx, inv); err != nil {
			return err
		}
		out = inv.public(r.now, true)
		return nil
	})
	return out, err
}

// handleInvoices serves GET /_mock/invoices[?tin=…&status=…&limit=…].
func (s *Server) handleInvoices(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	if err := onlyParams(r, "tin", "status", "limit"); err != nil {
		s.writeControlError(w, err)
		return
	}
	q := r.URL.Query()
	f := InvoiceFilter{TIN: q.Get("tin"), Status: q.Get("status")}
	if st := f.Status; st != "" && !slices.Contains(invoicesvc.Statuses, st) {
		s.writeControlError(w, &FieldError{Field: "status", Reason: fmt.Sprintf("%q is not an InvoiceStatus (%s)", clip(st), strings.Join(invoicesvc.Statuses, ", "))})
		return
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxInvoiceListLimit {
			s.writeControlError(w, &FieldError{Field: "limit", Reason: fmt.Sprintf("%q: want 1..%d", clip(v), MaxInvoiceListLimit)})
			return
		}
		f.Limit = n
	}
	list, err := s.invoiceList(r.Context(), f)
	if err != nil {
		s.writeControlError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

// handleInvoice serves GET /_mock/invoices/:id: one invoice with its body.
func (s *Server) handleInvoice(w http.ResponseWriter, r *http.Request, p httprouter.Params) {
	if err := onlyParams(r); err != nil {
		s.writeControlError(w, err)
		return
	}
	id, err := strconv.ParseInt(p.ByName("id"), 10, 64)
	if err != nil {
		s.writeControlError(w, &FieldError{Field: "id", Reason: fmt.Sprintf("%q is not an invoice id", clip(p.ByName("id")))})
		return
	}
	inv, err := s.invoiceByID(r.Context(), id)
	if err != nil {
		s.writeControlError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, inv)
}

// handleInvoiceStep serves POST /_mock/invoice-step[?due=true]: runs the
// processing step now on every queued invoice (with due=true only on those
// due on the mock's clock) and answers {"processed": n}.
func (s *Server) handleInvoiceStep(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	if err := onlyParams(r, "due"); err != nil {
		s.writeControlError(w, err)
		return
	}
	all := true
	switch v := r.URL.Query().Get("due"); v {
	case "", "false":
	case "true":
		all = false
	default:
		s.writeControlError(w, &FieldError{Field: "due", Reason: fmt.Sprintf("%q: want true or false", clip(v))})
		return
	}
	n, err := s.stepInvoices(r.Context(), all)
	if err != nil {
		s.writeControlError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"processed": n})
}

// handleInvoiceErrors serves GET /_mock/invoice-errors: the injected
// errors not yet used.
func (s *Server) handleInvoiceErrors(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	list, err := s.InvoiceInjections()
	if err != nil {
		s.writeControlError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

// handleInjectInvoiceError serves POST /_mock/invoice-errors with an
// InvoiceErrorInjection.
func (s *Server) handleInjectInvoiceError(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	var e InvoiceErrorInjection
	if err := readJSON(r, &e); err != nil {
		s.writeControlError(w, err)
		return
	}
	if err := s.injectInvoiceError(r.Context(), e); err != nil {
		s.writeControlError(w, fieldRequest(err))
		return
	}
	writeJSON(w, http.StatusCreated, e)
}

// invoiceTimingJSON is InvoiceTiming on the wire: Go durations as text.
type invoiceTimingJSON struct {
	Queue      string `json:"queue"`
	Processing string `json:"processing"`
}

// handleInvoiceTiming serves GET /_mock/invoice-timing.
func (s *Server) handleInvoiceTiming(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	t, err := s.InvoiceTiming()
	if err != nil {
		s.writeControlError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, invoiceTimingJSON{Queue: t.Queue.String(), Processing: t.Processing.String()})
}

// handleSetInvoiceTiming serves POST /_mock/invoice-timing
// {"queue":"1s","processing":"1s"} (a field left out keeps its value).
func (s *Server) handleSetInvoiceTiming(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	var in struct {
		Queue      *string `json:"queue"`
		Processing *string `json:"processing"`
	}
	if err := readJSON(r, &in); err != nil {
		s.writeControlError(w, err)
		return
	}
	t, err := s.InvoiceTiming()
	if err != nil {
		s.writeControlError(w, err)
		return
	}
	for _, f := range []struct {
		name string
		v    *string
		dst  *time.Duration
	}{{"queue", in.Queue, &t.Queue}, {"processing", in.Processing, &t.Processing}} {
		if f.v == nil {
			continue
		}
		d, err := time.ParseDuration(*f.v)
		if err != nil {
			s.writeControlError(w, &FieldError{Field: f.name, Reason: fmt.Sprintf("%q is not a duration such as 1s or 500ms", clip(*f.v))})
			return
		}
		*f.dst = d
	}
	if err := s.SetInvoiceTiming(t); err != nil {
		s.writeControlError(w, fieldRequest(err))
		return
	}
	writeJSON(w, http.StatusOK, invoiceTimingJSON{Queue: t.Queue.String(), Processing: t.Processing.String()})
}
