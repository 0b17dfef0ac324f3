package mockserver

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/invoice"
	"github.com/esfkit/esf/mockserver/internal/soap/invoicesvc"
	"github.com/esfkit/esf/mockserver/mockstore"
)

// Invoices in the store. Every invoice is a kindInvoice record (what
// changes: its status, dates, history) and a kindInvoiceBody record (what
// never does: the body, signature and certificate as uploaded, read only
// by what returns or verifies them), and the
// lookups the services make are records of their own, each written in the
// transaction that changes the invoice:
//
//   - kindInvoiceNum holds a seller's number and date while an invoice
//     holds it (inserted: two uploads racing for one number, in one
//     process or two replicas, cannot both win; a FAILED or DELETED
//     invoice lets it go);
//   - kindInvoiceKey finds a party's invoices by date and number
//     (queryInvoiceByKey), kindInvoiceMonth by month of issue
//     (queryInvoice), kindInvoiceReg by registration number (inserted:
//     unique);
//   - kindInvoiceQueue and kindInvoiceSlot are the processing queue: an
//     invoice waiting for the processing step, in a slot per second of
//     its due time, so that the step reads only what is due;
//   - kindInvoiceFeed and kindInvoiceEvent are each party's feed of
//     events for queryUpdates (invoice_feed.go);
//   - kindInvoiceInject holds the errors the control API injects for the
//     next invoices, kindInvoiceSetting the timing and the id counter.
const (
	kindInvoice        = "invoice"         // by idKey, owner the seller's TIN
	kindInvoiceBody    = "invoice-body"    // by idKey: the body, signature and certificate
	kindInvoiceNum     = "invoice-num"     // by seller/date/num: the id holding the number
	kindInvoiceKey     = "invoice-key"     // by party/date/num/id, owner party/date/num
	kindInvoiceMonth   = "invoice-month"   // by party/yyyy-mm-dd/id, owner party/yyyy-mm
	kindInvoiceReg     = "invoice-regnum"  // by registration number: the id
	kindInvoiceQueue   = "invoice-queue"   // by idKey, owner the due slot
	kindInvoiceSlot    = "invoice-slot"    // by due slot (seqKey of a Unix second)
	kindInvoiceFeed    = "invoice-feed"    // by party: the feed's head
	kindInvoiceEvent   = "invoice-event"   // by party/seqKey(n): one event
	kindInvoiceInject  = "invoice-inject"  // by seqKey: an injected error
	kindInvoiceSetting = "invoice-setting" // settingInvoiceTiming, settingInvoiceSeq, settingInjectSeq
)

const (
	settingInvoiceTiming = "timing"
	settingInvoiceSeq    = "invoice-seq"
	settingInjectSeq     = "inject-seq"
	// settingInvoiceNextDue is the queue's earliest slot (invoice_step.go).
	settingInvoiceNextDue = "next-due"
)

// Invoice statuses (InvoiceStatus) the mock sets, as the strings its
// records hold.
const (
	StatusInQueue      = string(invoice.StatusInQueue)
	StatusInProcessing = string(invoice.StatusInProcessing)
	StatusCreated      = string(invoice.StatusCreated)
	StatusDelivered    = string(invoice.StatusDelivered)
	StatusRevoked      = string(invoice.StatusRevoked)
	StatusDeclined     = string(invoice.StatusDeclined)
	StatusFailed       = string(invoice.StatusFailed)
	StatusDeleted      = string(invoice.StatusDeleted)
	// StatusCanceled is a registered invoice a FIXED_INVOICE registered
	// after it replaced (esf-invoice-api.md §4, inferred from the codes
	// FIXED_CREATED and CANCEL_PARENT_INVOICE).
	StatusCanceled = string(invoice.StatusCanceled)
)

// invoiceIDBase makes ids 17-digit numbers, as the real ones are
// (20113995733614592): the n-th invoice of the store is invoiceIDBase+n.
const invoiceIDBase = 20_000_000_000_000_000

// idKey is an invoice id as a record key (17 digits: sorts in order).
func idKey(id int64) string { return strconv.FormatInt(id, 10) }

// party names one side's view of invoices: a TIN and a direction
// (OUTBOUND for its seller, INBOUND for its customers).
func party(tin, direction string) string { return tin + "/" + direction }

// storedInvoice is a kindInvoice record.
type storedInvoice struct {
	ID int64 `json:"id"`
	// Body, Signature and Certificate are as uploaded (the certificate's
	// text too), kept in the kindInvoiceBody record: loaded by withBody.
	Body        string `json:"-"`
	Signature   string `json:"-"`
	Certificate string `json:"-"`
	// Version and SignatureType are as uploaded.
	Version       string `json:"version"`
	SignatureType string `json:"signatureType"`
	// Num, Date and Type are the body's; Related is its relatedInvoice.
	Num     string                  `json:"num"`
	Date    string                  `json:"date"`
	Type    invoice.InvoiceType     `json:"type"`
	Related *invoice.RelatedInvoice `json:"related,omitempty"`
	// Seller is the session's TIN, one of the body's sellers; Customers
	// the body's customers' TINs.
	Seller    string   `json:"seller"`
	Customers []string `json:"customers,omitempty"`
	// UploaderIIN is the IIN of the session's user.
	UploaderIIN string `json:"uploader"`

	Status             string    `json:"status"`
	RegistrationNumber string    `json:"registrationNumber,omitempty"`
	InputDate          time.Time `json:"inputDate"`
	DeliveryDate       time.Time `json:"deliveryDate,omitzero"`
	LastUpdate         time.Time `json:"lastUpdate"`
	// QueueUntil is when an IN_QUEUE invoice shows as IN_PROCESSING; Due
	// when the processing step may decide it.
	QueueUntil time.Time `json:"queueUntil,omitzero"`
	Due        time.Time `json:"due,omitzero"`

	SignatureValid bool               `json:"signatureValid"`
	CancelReason   string             `json:"cancelReason,omitempty"`
	Errors         []invoicesvc.Error `json:"errors,omitempty"`
	KOGD           string             `json:"kogd,omitempty"`
	History        []historyEntry     `json:"history"`
	// Injected is the error the control API injected for this invoice,
	// decided at the processing step.
	Injected *invoicesvc.Error `json:"injected,omitempty"`
	// Feed is, per party, the sequence number of the invoice's latest
	// event in the party's feed; FeedFirst of its first.
	Feed      map[string]int64 `json:"feed"`
	FeedFirst map[string]int64 `json:"feedFirst"`
}

// historyEntry is one change of status (queryInvoiceHistoryById).
type historyEntry struct {
	Status      string    `json:"status"`
	At          time.Time `json:"at"`
	UserID      string    `json:"userId,omitempty"` // the IIN; empty for the system's own steps
	TIN         string    `json:"tin,omitempty"`
	Description string    `json:"description,omitempty"`
}

// statusAt is the status the invoice shows at now: an IN_QUEUE invoice
// past its QueueUntil shows as IN_PROCESSING until the processing step
// decides it.
func (inv *storedInvoice) statusAt(now time.Time) string {
	if inv.Status == StatusInQueue && !inv.QueueUntil.IsZero() && !now.Before(inv.QueueUntil) {
		return StatusInProcessing
	}
	return inv.Status
}

// isCustomer reports whether tin is one of the invoice's customers.
func (inv *storedInvoice) isCustomer(tin string) bool {
	for _, c := range inv.Customers {
		if c == tin {
			return true
		}
	}
	return false
}

// visibleTo reports whether the taxpayer tin sees the invoice: its seller
// always, its customers once it has been registered.
func (inv *storedInvoice) visibleTo(tin string) bool {
	return inv.Seller == tin || inv.RegistrationNumber != "" && inv.isCustomer(tin)
}

// summary is the invoice's InvoiceSummary at now.
func (inv *storedInvoice) summary(now time.Time) invoicesvc.Summary {
	return invoicesvc.Summary{ID: inv.ID, Date: inv.Date, Status: inv.statusAt(now), Num: inv.Num,
		CancelReason: inv.CancelReason, RegistrationNumber: inv.RegistrationNumber, LastUpdateDate: inv.LastUpdate}
}

// info is the invoice's InvoiceInfo at now; with full its body,
// signature and certificate (loaded with withBody), else these are empty.
func (inv *storedInvoice) info(now time.Time, full bool) invoicesvc.Info {
	in := invoicesvc.Info{ID: inv.ID, RegistrationNumber: inv.RegistrationNumber, InputDate: inv.InputDate,
		DeliveryDate: inv.DeliveryDate, LastUpdateDate: inv.LastUpdate, SignatureValid: inv.SignatureValid,
		Status: inv.statusAt(now), CancelReason: inv.CancelReason, Version: inv.Version,
		SignatureType: inv.SignatureType, KOGD: inv.KOGD}
	if full {
		in.Body, in.Signature, in.Certificate = inv.Body, inv.Signature, inv.Certificate
	}
	return in
}

// history is the invoice's history at now, with the IN_PROCESSING step
// an undecided invoice shows.
func (inv *storedInvoice) history(now time.Time) []invoicesvc.History {
	out := make([]invoicesvc.History, 0, len(inv.History)+1)
	for _, h := range inv.History {
		out = append(out, invoicesvc.History{InvoiceID: inv.ID, Status: h.Status, DateTime: h.At, UserID: h.UserID,
			TIN: h.TIN, StatusDescription: h.Description, ClientType: clientTypeOf(h)})
	}
	if inv.statusAt(now) == StatusInProcessing {
		out = append(out, invoicesvc.History{InvoiceID: inv.ID, Status: StatusInProcessing, DateTime: inv.QueueUntil,
			StatusDescription: statusText[StatusInProcessing]})
	}
	return out
}

// clientTypeOf is API for a change a user made through the SOAP API, and
// nothing for the system's own steps.
func clientTypeOf(h historyEntry) string {
	if h.UserID == "" {
		return ""
	}
	return "API"
}

// statusText are the statuses' labels (the WSDL's documentation).
var statusText = map[string]string{
	StatusInQueue:      "В очереди",
	StatusInProcessing: "В обработке",
	StatusCreated:      "Созданный",
	StatusDelivered:    "Доставленный",
	StatusRevoked:      "Отозванный",
	StatusDeclined:     "Отклоненный",
	StatusFailed:       "Ошибочный",
	StatusDeleted:      "Удаленный",
	StatusCanceled:     "Аннулированный",
}

// record appends a change of status at t by user (an IIN; empty for the
// system) acting for tin.
func (inv *storedInvoice) record(status string, t time.Time, user, tin string) {
	inv.Status, inv.LastUpdate = status, t
	inv.History = append(inv.History, historyEntry{Status: status, At: t, UserID: user, TIN: tin, Description: statusText[status]})
}

// getInvoice reads the invoice id; nil if there is none.
func getInvoice(tx mockstore.Records, id int64) (*storedInvoice, error) {
	var inv storedInvoice
	err := getJSON(tx, kindInvoice, idKey(id), &inv)
	if errors.Is(err, esfreg.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if inv.Feed == nil {
		inv.Feed = map[string]int64{}
	}
	if inv.FeedFirst == nil {
		inv.FeedFirst = map[string]int64{}
	}
	return &inv, nil
}

// putInvoice stores inv, without its body (putInvoiceBody).
func putInvoice(tx mockstore.Records, inv *storedInvoice) error {
	return putJSON(tx, kindInvoice, idKey(inv.ID), inv.Seller, time.Time{}, inv)
}

// invoiceBody is a kindInvoiceBody record.
type invoiceBody struct {
	Body        string `json:"body"`
	Signature   string `json:"signature"`
	Certificate string `json:"certificate"`
}

// putInvoiceBody stores inv's body, signature and certificate.
func putInvoiceBody(tx mockstore.Records, inv *storedInvoice) error {
	return putJSON(tx, kindInvoiceBody, idKey(inv.ID), "", time.Time{}, invoiceBody{Body: inv.Body, Signature: inv.Signature, Certificate: inv.Certificate})
}

// withBody loads inv's body, signature and certificate.
func withBody(tx mockstore.Records, inv *storedInvoice) error {
	if inv.Body != "" {
		return nil
	}
	var b invoiceBody
	if err := getJSON(tx, kindInvoiceBody, idKey(inv.ID), &b); err != nil {
		return err
	}
	inv.Body, inv.Signature, inv.Certificate = b.Body, b.Signature, b.Certificate
	return nil
}

// parseInvoiceDate reads a body's dd.MM.yyyy date, at 00:00 Almaty.
func parseInvoiceDate(s string) (time.Time, error) {
	t, err := time.ParseInLocation("02.01.2006", s, esfreg.Almaty)
	if err != nil {
		return time.Time{}, fmt.Errorf("mockserver: invoice date %q: %w", clip(s), err)
	}
	return t, nil
}

// InvoiceTiming is how long the processing step takes on the mock's
// clock: an uploaded invoice is IN_QUEUE for Queue, then IN_PROCESSING
// for Processing, and then the step decides it (CREATED or FAILED) at
// the first invoice request after that — or at once when the control API
// runs the step (ProcessInvoices). A zero or negative duration is none.
type InvoiceTiming struct {
	Queue      time.Duration `json:"queue"`
	Processing time.Duration `json:"processing"`
}

// DefaultInvoiceTiming is the timing of a store that has none set: one
// second in the queue, one in processing.
var DefaultInvoiceTiming = InvoiceTiming{Queue: time.Second, Processing: time.Second}

// MaxInvoiceDelay bounds each of InvoiceTiming's durations.
const MaxInvoiceDelay = 24 * time.Hour

// invoiceTiming reads the store's timing (DefaultInvoiceTiming if none).
func invoiceTiming(tx mockstore.Records) (InvoiceTiming, error) {
	var t InvoiceTiming
	err := getJSON(tx, kindInvoiceSetting, settingInvoiceTiming, &t)
	if errors.Is(err, esfreg.ErrNotFound) {
		return DefaultInvoiceTiming, nil
	}
	return t, err
}
