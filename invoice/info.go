package invoice

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"
)

// The bodies the service returns about invoices: InvoiceInfo (an invoice
// as registered, with its body as text), InvoiceSummary (its status), and
// the containers of InvoiceContainer.xsd, InvoiceInfoContainer.xsd and
// InvoiceSummaryContainer.xsd. The same types are the elements of the SOAP
// responses (queryInvoiceResponse's invoiceInfoList/invoiceInfo,
// invoiceSummaryList/invoiceSummary), and their xml tags suit
// encoding/xml there too.
//
// Their enumerations (InvoiceStatus, SignatureType, DeadlineType,
// DocumentType) are read as strings and not checked: the service has added
// values over the years (IN_QUEUE and IN_PROCESSING in 2026) and a reader
// should carry on when it meets a new one.

// InvoiceInfo is a registered invoice with its body: InvoiceInfo.xsd's
// InvoiceInfo (an xs:all group: its children come in any order).
type InvoiceInfo struct {
	// InvoiceBody is the invoice body as text: Parse reads it.
	InvoiceBody string `xml:"invoiceBody"`
	// InvoiceID is ESF's id of the invoice (a 17-digit long on the real service).
	InvoiceID int64 `xml:"invoiceId,omitempty"`
	// RegistrationNumber is ESF-<seller's TIN>-<yyyyMMdd>-<8 digits>, once registered.
	RegistrationNumber string `xml:"registrationNumber,omitempty"`
	// InputDate is when the invoice reached ESF.
	InputDate DateTime `xml:"inputDate"`
	// DeliveryDate is when it was delivered.
	DeliveryDate DateTime `xml:"deliveryDate,omitempty"`
	// LastUpdateDate is when its status last changed.
	LastUpdateDate DateTime `xml:"lastUpdateDate"`
	// SignatureValid is ESF's own verdict on the signature.
	SignatureValid bool `xml:"signatureValid"`
	// InvoiceStatus is its status (IN_QUEUE … DECLINED).
	InvoiceStatus Status `xml:"invoiceStatus,omitempty"`
	// CancelReason holds an error code on a FAILED invoice.
	CancelReason string `xml:"cancelReason,omitempty"`
	// Version is the body's version, InvoiceV2.
	Version string `xml:"version"`
	// Hash is ESF's hash of the invoice; what it hashes is not published.
	Hash string `xml:"hash,omitempty"`
	// Signature is the base64 signature as uploaded (at most 400 characters).
	Signature string `xml:"signature" xsd:"maxLength=400;minLength=0"`
	// SignatureType is COMPANY or OPERATOR.
	SignatureType string `xml:"signatureType"`
	// Certificate is the signer's certificate, base64 DER.
	Certificate string `xml:"certificate"`
	// Deadline is the deadline of a decline or of rejecting a revocation.
	Deadline *Deadline `xml:"deadline,omitempty"`
	// Kogd is the code of the tax office (КОГД), "0001" say.
	Kogd string `xml:"kogd,omitempty"`
}

// Deadline is the WSDL's deadline: "Контроль сроков отклонения".
type Deadline struct {
	DateInput          DateTime `xml:"dateInput,omitempty"`
	DeadlineDate       DateTime `xml:"deadlineDate,omitempty"`
	DocumentID         int64    `xml:"documentId,omitempty"`
	DocumentType       string   `xml:"documentType,omitempty"` // INVOICE, AWP …
	RegistrationNumber string   `xml:"registrationNumber,omitempty"`
	TIN                string   `xml:"tin,omitempty"`
	Type               string   `xml:"type,omitempty"` // DECLINE, UNREVOKE …
}

// InvoiceSummary is an invoice's status: InvoiceSummaryContainer.xsd's
// InvoiceSummary (an xs:all group).
type InvoiceSummary struct {
	InvoiceID          int64    `xml:"invoiceId"`
	Date               string   `xml:"date,omitempty"`
	InvoiceStatus      Status   `xml:"invoiceStatus,omitempty"`
	Num                string   `xml:"num,omitempty"`
	CancelReason       string   `xml:"cancelReason,omitempty"`
	RegistrationNumber string   `xml:"registrationNumber,omitempty"`
	LastUpdateDate     DateTime `xml:"lastUpdateDate,omitempty"`
}

// InvoiceInfoContainer is InvoiceInfoContainer.xsd's document ("для
// экспорта ЭСФ"): invoiceSet, holding any number of invoiceInfo.
type InvoiceInfoContainer struct {
	InvoiceSet []InvoiceInfo `xml:"invoiceSet>invoiceInfo" xsd:"itemMin=0"`
}

// InvoiceSummaryContainer is InvoiceSummaryContainer.xsd's document:
// summaryList, holding any number of invoiceSummary.
type InvoiceSummaryContainer struct {
	SummaryList []InvoiceSummary `xml:"summaryList>invoiceSummary" xsd:"itemMin=0"`
}

// InvoiceContainer is InvoiceContainer.xsd's document ("для импорта ЭСФ"):
// an optional invoiceSet of invoices. The XSD allows a choice of
// {v1.esf}invoice or {v2.esf}invoice for each; no schema of v1.esf is
// public, so only InvoiceV2 invoices are read (a v1.esf one is an
// unexpected element).
type InvoiceContainer struct {
	Invoices []Invoice `xml:"invoiceSet>invoice,omitempty" xsd:"itemMin=0;ns=v2.esf"`
}

// Status is an invoice's status (InvoiceStatus). The service may send
// values this package does not list (statuses newer than the 2026 WSDL
// exist: WAITING_CUSTOMER_CONFIRMATION, …); Known says whether it is one
// of the WSDL's.
type Status string

// The 14 statuses of the 2026 WSDL, in its order (Statuses).
const (
	StatusInQueue              Status = "IN_QUEUE"      // В очереди
	StatusInProcessing         Status = "IN_PROCESSING" // В обработке
	StatusCreated              Status = "CREATED"       // Созданный
	StatusDelivered            Status = "DELIVERED"     // Доставленный
	StatusCanceled             Status = "CANCELED"      // Аннулированный
	StatusCanceledByOGD        Status = "CANCELED_BY_OGD"
	StatusCanceledBySNTDecline Status = "CANCELED_BY_SNT_DECLINE"
	StatusCanceledBySNTRevoke  Status = "CANCELED_BY_SNT_REVOKE"
	StatusRevoked              Status = "REVOKED"  // Отозванный
	StatusImported             Status = "IMPORTED" // Импортированный
	StatusDraft                Status = "DRAFT"    // Черновик
	StatusFailed               Status = "FAILED"   // Ошибочный
	StatusDeleted              Status = "DELETED"  // Удаленный
	StatusDeclined             Status = "DECLINED" // Отклоненный
)

// Statuses are the 2026 WSDL's 14 statuses, in its order.
var Statuses = []Status{StatusInQueue, StatusInProcessing, StatusCreated, StatusDelivered, StatusCanceled,
	StatusCanceledByOGD, StatusCanceledBySNTDecline, StatusCanceledBySNTRevoke, StatusRevoked, StatusImported,
	StatusDraft, StatusFailed, StatusDeleted, StatusDeclined}

// Known reports whether s is one of the WSDL's 14 statuses.
func (s Status) Known() bool { return slices.Contains(Statuses, s) }

// Pending reports whether an invoice in status s is still on its way to
// registration: IN_QUEUE or IN_PROCESSING.
func (s Status) Pending() bool { return s == StatusInQueue || s == StatusInProcessing }

// DateTime is an xs:dateTime kept as written, since the service's own form
// (its time zone, its fraction) was never captured: "2018-12-18T10:11:12.345+06:00".
type DateTime string

// DateTimeLayout is how NewDateTime writes a time: milliseconds and the
// offset, as JAXB writes an XMLGregorianCalendar.
const DateTimeLayout = "2006-01-02T15:04:05.000-07:00"

// NewDateTime writes t in DateTimeLayout (UTC as +00:00).
func NewDateTime(t time.Time) DateTime { return DateTime(t.Format(DateTimeLayout)) }

// ErrDateTime is the error of a DateTime that is not an xs:dateTime.
var ErrDateTime = errors.New("invoice: not an xs:dateTime")

// Kazakhstan is the offset an xs:dateTime without a zone is read in:
// the country's single time zone since 1 March 2024, UTC+05:00. ESF's
// own zone-less values were never captured (esf-invoice-api.md §7); a
// value with a zone keeps it.
var Kazakhstan = time.FixedZone("UTC+05:00", 5*60*60)

// Time reads the DateTime; one without a time zone is read in Kazakhstan
// time (UTC+05:00).
func (d DateTime) Time() (time.Time, error) {
	s := collapse(string(d))
	if !validDateTime(s) {
		return time.Time{}, fmt.Errorf("%w: %q", ErrDateTime, clip(s))
	}
	layout := "2006-01-02T15:04:05.999999999"
	if strings.HasSuffix(s, "Z") || strings.LastIndexAny(s, "+-") > len("2006-01-02T") {
		layout += "Z07:00"
	}
	if strings.HasPrefix(s[11:], "24:") { // 24:00:00 is the next day's midnight
		t, err := time.ParseInLocation(layout, s[:11]+"00"+s[13:], Kazakhstan)
		return t.Add(24 * time.Hour), err
	}
	t, err := time.ParseInLocation(layout, s, Kazakhstan)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %q: %v", ErrDateTime, clip(s), err)
	}
	return t, nil
}

// ParseInvoiceInfo reads an InvoiceInfo document ({esf}invoiceInfo) as
// InvoiceInfo.xsd describes it. Its invoiceBody is not parsed: Parse it.
func ParseInvoiceInfo(doc []byte) (*InvoiceInfo, error) {
	schemas()
	var out InvoiceInfo
	if err := parseInto(doc, infoDecl, MaxContainerSize, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ParseInvoiceInfoContainer reads an {esf}invoiceInfoContainer document.
func ParseInvoiceInfoContainer(doc []byte) (*InvoiceInfoContainer, error) {
	schemas()
	var out InvoiceInfoContainer
	if err := parseInto(doc, infoContainerDecl, MaxContainerSize, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ParseInvoiceSummaryContainer reads an {esf}invoiceSummaryContainer document.
func ParseInvoiceSummaryContainer(doc []byte) (*InvoiceSummaryContainer, error) {
	schemas()
	var out InvoiceSummaryContainer
	if err := parseInto(doc, summaryContainerDecl, MaxContainerSize, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ParseInvoiceContainer reads an {esf}invoiceContainer document, checking
// each invoice in it as Check does.
func ParseInvoiceContainer(doc []byte) (*InvoiceContainer, error) {
	schemas()
	var out InvoiceContainer
	if err := parseInto(doc, invoiceContainerDecl, MaxContainerSize, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func parseInto(doc []byte, root *decl, limit int, out any) error {
	n, err := check(doc, root, limit, true)
	if err != nil {
		return err
	}
	decode(reflect.ValueOf(out).Elem(), n)
	return nil
}

// containerStart writes the start tag of a container in namespace esf.
func containerStart(name string) string {
	return "<esf:" + name + ` xmlns:esf="esf">`
}

// Marshal writes the InvoiceInfo as an {esf}invoiceInfo document, its
// children in the WSDL's order.
func (info *InvoiceInfo) Marshal() ([]byte, error) {
	schemas()
	return marshalDoc("invoiceInfo", infoDecl, reflect.ValueOf(info).Elem())
}

// Marshal writes the container as an {esf}invoiceInfoContainer document.
func (c *InvoiceInfoContainer) Marshal() ([]byte, error) {
	schemas()
	return marshalDoc("invoiceInfoContainer", infoContainerDecl, reflect.ValueOf(c).Elem())
}

// Marshal writes the container as an {esf}invoiceSummaryContainer document.
func (c *InvoiceSummaryContainer) Marshal() ([]byte, error) {
	schemas()
	return marshalDoc("invoiceSummaryContainer", summaryContainerDecl, reflect.ValueOf(c).Elem())
}

// Marshal writes the container as an {esf}invoiceContainer document, each
// invoice as Invoice.Marshal writes it (its start tag declaring v2 and a).
func (c *InvoiceContainer) Marshal() ([]byte, error) {
	schemas()
	w := writer{buf: make([]byte, 0, 2048*(1+len(c.Invoices)))}
	w.buf = append(w.buf, containerStart("invoiceContainer")...)
	if len(c.Invoices) > 0 {
		w.indent(1)
		w.open("invoiceSet")
		for i := range c.Invoices {
			body, err := c.Invoices[i].Marshal()
			if err != nil {
				return nil, err
			}
			w.indent(2)
			w.buf = append(w.buf, strings.ReplaceAll(string(body), "\n", "\n    ")...)
		}
		w.indent(1)
		w.close("invoiceSet")
	}
	w.buf = append(w.buf, "\n</esf:invoiceContainer>"...)
	return w.buf, nil
}

func marshalDoc(name string, d *decl, v reflect.Value) ([]byte, error) {
	w := writer{buf: make([]byte, 0, 4096)}
	w.buf = append(w.buf, containerStart(name)...)
	if err := w.fields(v, d.kids, 1); err != nil {
		return nil, err
	}
	w.buf = append(w.buf, "\n</esf:"+name+">"...)
	return w.buf, nil
}
