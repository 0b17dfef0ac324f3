package esfclient

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/invoice"
)

// maxInvoiceAnswer bounds what an invoice call reads of an answer: a
// block of queryUpdates carries every invoice's body.
const maxInvoiceAnswer = 64 << 20

// request writes one SOAP request of the invoice API: the envelope, the
// operation's element in namespace "esf", sessionId first, then children
// without a namespace in the WSDL's order. Text is escaped so that it
// reads back byte for byte (a line feed or carriage return as a character
// reference); text XML cannot carry is refused, naming the element.
type request struct {
	b    strings.Builder
	path []string
	err  error
}

func newRequest(element, sessionID string) *request {
	r := &request{}
	r.b.WriteString(`<soapenv:Envelope xmlns:soapenv="` + soapEnvNS + `" xmlns:esf="esf"><soapenv:Header></soapenv:Header><soapenv:Body><esf:` + element + `>`)
	r.path = []string{element}
	r.text("sessionId", sessionID)
	return r
}

// open starts a child element.
func (r *request) open(name string) {
	r.b.WriteString("<" + name + ">")
	r.path = append(r.path, name)
}

// openAt starts the i-th of a list of child elements (named so in errors).
func (r *request) openAt(name string, i int) {
	r.b.WriteString("<" + name + ">")
	r.path = append(r.path, fmt.Sprintf("%s[%d]", name, i))
}

// close ends the child element name.
func (r *request) close(name string) {
	r.b.WriteString("</" + name + ">")
	r.path = r.path[:len(r.path)-1]
}

// text writes <name>v</name>.
func (r *request) text(name, v string) {
	if r.err == nil {
		if err := checkXMLText(v); err != nil {
			r.err = &esfreg.Error{Code: esfreg.CodeFieldInvalid, Field: strings.Join(append(r.path[1:], name), "/"),
				Message: esfreg.CodeFieldInvalid.Message(), Err: err}
		}
	}
	r.b.WriteString("<" + name + ">")
	_ = xml.EscapeText(&r.b, []byte(v)) // a strings.Builder does not fail
	r.b.WriteString("</" + name + ">")
}

// opt writes <name>v</name> when v is not empty.
func (r *request) opt(name, v string) {
	if v != "" {
		r.text(name, v)
	}
}

// envelope ends the request and returns it, or the first text refused.
func (r *request) envelope() (string, error) {
	if r.err != nil {
		return "", r.err
	}
	r.b.WriteString(`</esf:` + r.path[0] + `></soapenv:Body></soapenv:Envelope>`)
	return r.b.String(), nil
}

// checkXMLText reports text XML 1.0 cannot carry: invalid UTF-8, or a
// character outside its Char production.
func checkXMLText(s string) error {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return fmt.Errorf("invalid UTF-8 at byte %d", i)
		}
		if !(r == 0x9 || r == 0xA || r == 0xD || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || r >= 0x10000) {
			return fmt.Errorf("character %U at byte %d is not allowed in XML", r, i)
		}
		i += size
	}
	return nil
}

// formatDateTime writes an xs:dateTime with the time's own offset and as
// many fractional digits as it has.
func formatDateTime(t time.Time) string { return t.Format(time.RFC3339Nano) }

// kazakhstanTime is the offset a zone-less xs:dateTime is read in, as
// package invoice reads one (invoice.Kazakhstan, UTC+05:00).
var kazakhstanTime = invoice.Kazakhstan

// parseDateTime reads an xs:dateTime: with a zone (Z or ±hh:mm) as given,
// without one in kazakhstanTime.
func parseDateTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.ParseInLocation("2006-01-02T15:04:05", s, kazakhstanTime)
}

// readOnlyInvoiceCall reports whether an invoice API request only reads
// (the query… operations and enterpriseValidation), so that a transient
// failure may be retried.
func readOnlyInvoiceCall(element string) bool {
	return strings.HasPrefix(element, "query") || element == "enterpriseValidationRequest"
}

// ErrNotSOAP is what an invoice call's error matches (errors.Is) when the
// server's answer is not a SOAP envelope: a server that does not serve the
// service at all (an HTML 404 page), a proxy's error page.
var ErrNotSOAP = errors.New("not SOAP")

// invoke sends one invoice API request — built by build after sessionId —
// to service and decodes the answer's element want into out; a fault
// becomes an *esfreg.Error.
func (s *Session) invoke(ctx context.Context, service, element string, build func(*request), want string, out any) error {
	r := newRequest(element, s.ID)
	if build != nil {
		build(r)
	}
	env, err := r.envelope()
	if err != nil {
		return err
	}
	// Only reads are retried: an upload or a status change the server
	// took before a proxy's 502 would be sent twice.
	status, data, err := s.c.post(ctx, service, env, maxInvoiceAnswer, readOnlyInvoiceCall(element))
	if err != nil {
		return err
	}
	return decodeAnswer(service+"."+strings.TrimSuffix(element, "Request"), status, data, want, out)
}

// decodeAnswer decodes a SOAP answer: the Body's first element is a fault
// (an *esfreg.Error, see faultError) or want, decoded into out. Prefixes
// are ignored: ESF's answers use ns2 and esf alike.
func decodeAnswer(op string, status int, data []byte, want string, out any) error {
	dec := xml.NewDecoder(bytes.NewReader(data))
	notSOAP := func(err error) error {
		return fmt.Errorf("esfclient: %s answered HTTP %d, %w: %w", op, status, ErrNotSOAP, err)
	}
	start, err := nextStart(dec)
	if err != nil {
		return notSOAP(err)
	}
	if start.Name.Local != "Envelope" || start.Name.Space != soapEnvNS {
		return notSOAP(fmt.Errorf("root element {%s}%s", start.Name.Space, start.Name.Local))
	}
	for {
		start, err = nextStart(dec)
		if err != nil {
			return notSOAP(errors.New("no Body"))
		}
		if start.Name.Local == "Body" {
			break
		}
		if err := dec.Skip(); err != nil {
			return notSOAP(err)
		}
	}
	start, err = nextStart(dec)
	if err != nil {
		return fmt.Errorf("esfclient: %s: SOAP answer without a body element (HTTP %d)", op, status)
	}
	switch start.Name.Local {
	case "Fault":
		var f soapNode
		if err := dec.DecodeElement(&f, &start); err != nil {
			return notSOAP(err)
		}
		return faultError(&f)
	case want:
		if err := dec.DecodeElement(out, &start); err != nil {
			return fmt.Errorf("esfclient: %s: the answer %s is not as the WSDL has it: %w", op, want, err)
		}
		return nil
	}
	return fmt.Errorf("esfclient: %s answered %s, want %s", op, start.Name.Local, want)
}

// nextStart returns the next start element at this level, or an error at
// the end of the enclosing element (io.EOF) or of the input.
func nextStart(dec *xml.Decoder) (xml.StartElement, error) {
	for {
		tok, err := dec.Token()
		if err != nil {
			return xml.StartElement{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t, nil
		case xml.EndElement:
			return xml.StartElement{}, io.EOF
		}
	}
}

// conv converts the wire's text to Go values, keeping the first error,
// which names the element.
type conv struct {
	at  string
	err error
}

func (c *conv) fail(name, s string, err error) {
	if c.err == nil {
		c.err = fmt.Errorf("%s%s %q: %w", c.at, name, s, err)
	}
}

func (c *conv) long(name, s string) int64 {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		c.fail(name, s, errors.New("not an xs:long"))
	}
	return n
}

func (c *conv) int(name, s string) int {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		c.fail(name, s, errors.New("not an xs:int"))
	}
	return int(n)
}

func (c *conv) bool(name, s string) bool {
	switch strings.TrimSpace(s) {
	case "true", "1":
		return true
	case "", "false", "0":
		return false
	}
	c.fail(name, s, errors.New("not an xs:boolean"))
	return false
}

func (c *conv) time(name, s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	t, err := parseDateTime(s)
	if err != nil {
		c.fail(name, s, errors.New("not an xs:dateTime"))
	}
	return t
}

// The answers' shapes, as the WSDL has them; text is converted by conv.

type wireError struct {
	Property  string `xml:"property"`
	ErrorCode string `xml:"errorCode"`
	Text      string `xml:"text"`
}

func errorsOf(list []wireError) esfreg.Errors {
	var out esfreg.Errors
	for _, e := range list {
		out = append(out, itemError(strings.TrimSpace(e.Property), strings.TrimSpace(e.ErrorCode), strings.TrimSpace(e.Text)))
	}
	return out
}

type wireDeadline struct {
	DateInput          string `xml:"dateInput"`
	DeadlineDate       string `xml:"deadlineDate"`
	DocumentID         string `xml:"documentId"`
	DocumentType       string `xml:"documentType"`
	RegistrationNumber string `xml:"registrationNumber"`
	TIN                string `xml:"tin"`
	Type               string `xml:"type"`
}

type wireInfo struct {
	InvoiceBody        string        `xml:"invoiceBody"`
	InvoiceID          string        `xml:"invoiceId"`
	RegistrationNumber string        `xml:"registrationNumber"`
	InputDate          string        `xml:"inputDate"`
	DeliveryDate       string        `xml:"deliveryDate"`
	LastUpdateDate     string        `xml:"lastUpdateDate"`
	SignatureValid     string        `xml:"signatureValid"`
	InvoiceStatus      string        `xml:"invoiceStatus"`
	CancelReason       string        `xml:"cancelReason"`
	Version            string        `xml:"version"`
	Hash               string        `xml:"hash"`
	Signature          string        `xml:"signature"`
	SignatureType      string        `xml:"signatureType"`
	Certificate        string        `xml:"certificate"`
	Deadline           *wireDeadline `xml:"deadline"`
	KOGD               string        `xml:"kogd"`
}

func (w *wireInfo) info(c *conv) InvoiceInfo {
	inf := InvoiceInfo{
		Body:               []byte(w.InvoiceBody),
		ID:                 c.long("invoiceId", w.InvoiceID),
		RegistrationNumber: strings.TrimSpace(w.RegistrationNumber),
		InputDate:          c.time("inputDate", w.InputDate),
		DeliveryDate:       c.time("deliveryDate", w.DeliveryDate),
		LastUpdateDate:     c.time("lastUpdateDate", w.LastUpdateDate),
		SignatureValid:     c.bool("signatureValid", w.SignatureValid),
		Status:             InvoiceStatus(strings.TrimSpace(w.InvoiceStatus)),
		CancelReason:       strings.TrimSpace(w.CancelReason),
		Version:            strings.TrimSpace(w.Version),
		Hash:               w.Hash,
		Signature:          w.Signature,
		SignatureType:      SignatureType(strings.TrimSpace(w.SignatureType)),
		Certificate:        w.Certificate,
		KOGD:               strings.TrimSpace(w.KOGD),
	}
	if d := w.Deadline; d != nil {
		inf.Deadline = &Deadline{
			DateInput:          c.time("deadline/dateInput", d.DateInput),
			DeadlineDate:       c.time("deadline/deadlineDate", d.DeadlineDate),
			DocumentID:         c.long("deadline/documentId", d.DocumentID),
			DocumentType:       strings.TrimSpace(d.DocumentType),
			RegistrationNumber: strings.TrimSpace(d.RegistrationNumber),
			TIN:                strings.TrimSpace(d.TIN),
			Type:               strings.TrimSpace(d.Type),
		}
	}
	return inf
}

func infos(list []wireInfo) ([]InvoiceInfo, error) {
	var out []InvoiceInfo
	for i := range list {
		c := conv{at: fmt.Sprintf("invoiceInfo[%d]/", i)}
		inf := list[i].info(&c)
		if c.err != nil {
			return nil, c.err
		}
		out = append(out, inf)
	}
	return out, nil
}

type wireInvoicePage struct {
	LastBlock string     `xml:"lastBlock"`
	CurrPage  string     `xml:"currPage"`
	RSCount   string     `xml:"rsCount"`
	Infos     []wireInfo `xml:"invoiceInfoList>invoiceInfo"`
}

func (w *wireInvoicePage) page() (*InvoicePage, error) {
	var c conv
	p := &InvoicePage{LastBlock: c.bool("lastBlock", w.LastBlock), CurrPage: c.int("currPage", w.CurrPage), RSCount: c.int("rsCount", w.RSCount)}
	if c.err != nil {
		return nil, c.err
	}
	var err error
	p.Invoices, err = infos(w.Infos)
	return p, err
}

type wireUpdates struct {
	LastEventDate string     `xml:"lastEventDate"`
	LastInvoiceID string     `xml:"lastInvoiceId"`
	LastBlock     string     `xml:"lastBlock"`
	Infos         []wireInfo `xml:"invoiceInfoList>invoiceInfo"`
}

type wireSummary struct {
	InvoiceID          string `xml:"invoiceId"`
	Date               string `xml:"date"`
	InvoiceStatus      string `xml:"invoiceStatus"`
	Num                string `xml:"num"`
	CancelReason       string `xml:"cancelReason"`
	RegistrationNumber string `xml:"registrationNumber"`
	LastUpdateDate     string `xml:"lastUpdateDate"`
}

func (w *wireSummary) summary(c *conv) InvoiceSummary {
	return InvoiceSummary{
		ID:                 c.long("invoiceId", w.InvoiceID),
		Date:               strings.TrimSpace(w.Date),
		Status:             InvoiceStatus(strings.TrimSpace(w.InvoiceStatus)),
		Num:                strings.TrimSpace(w.Num),
		CancelReason:       strings.TrimSpace(w.CancelReason),
		RegistrationNumber: strings.TrimSpace(w.RegistrationNumber),
		LastUpdateDate:     c.time("lastUpdateDate", w.LastUpdateDate),
	}
}

type wireSummaries struct {
	List []wireSummary `xml:"invoiceSummaryList>invoiceSummary"`
}

func (w *wireSummaries) summaries() ([]InvoiceSummary, error) {
	var out []InvoiceSummary
	for i := range w.List {
		c := conv{at: fmt.Sprintf("invoiceSummary[%d]/", i)}
		s := w.List[i].summary(&c)
		if c.err != nil {
			return nil, c.err
		}
		out = append(out, s)
	}
	return out, nil
}

type wireChangeStatus struct {
	List []struct {
		Summary   wireSummary `xml:"invoiceSummary"`
		IsChanged string      `xml:"isChanged"`
		ErrorCode string      `xml:"errorCode"`
	} `xml:"resultList>changeStatusResult"`
}

func (w *wireChangeStatus) results() ([]ChangeStatusResult, error) {
	var out []ChangeStatusResult
	for i, r := range w.List {
		c := conv{at: fmt.Sprintf("changeStatusResult[%d]/", i)}
		res := ChangeStatusResult{Changed: c.bool("isChanged", r.IsChanged), Code: esfreg.Code(strings.TrimSpace(r.ErrorCode))}
		c.at += "invoiceSummary/"
		res.Summary = r.Summary.summary(&c)
		if c.err != nil {
			return nil, c.err
		}
		out = append(out, res)
	}
	return out, nil
}

type wireDelete struct {
	List []struct {
		InvoiceID string `xml:"invoiceId"`
		IsDeleted string `xml:"isDeleted"`
	} `xml:"resultList>changeStatusResult"`
}

type wireInvoiceErrors struct {
	List []struct {
		InvoiceID string      `xml:"invoiceId"`
		Errors    []wireError `xml:"errors>error"`
	} `xml:"invoiceErrorList>invoiceError"`
}

type wireHistory struct {
	List []struct {
		InvoiceID         string `xml:"invoiceId"`
		Status            string `xml:"status"`
		DateTime          string `xml:"dateTime"`
		UserID            string `xml:"userId"`
		TIN               string `xml:"tin"`
		StatusDescription string `xml:"statusDescription"`
		ClientType        string `xml:"clientType"`
	} `xml:"resultList>esfHistory"`
}

type wireEnterprise struct {
	List []struct {
		TIN        string `xml:"tin"`
		ResultType string `xml:"resultType"`
	} `xml:"resultList>enterpriseValidationResult"`
}

type wireStandard struct {
	Errors []wireError `xml:"errors>error"`
	ID     string      `xml:"id"`
	Num    string      `xml:"num"`
	Date   string      `xml:"date"`
}

type wireSync struct {
	Accepted []wireStandard `xml:"acceptedSet>standardResponse"`
	Declined []wireStandard `xml:"declinedSet>standardResponse"`
}

func standards(set string, list []wireStandard) ([]UploadResult, error) {
	var out []UploadResult
	for i, w := range list {
		c := conv{at: fmt.Sprintf("%s/standardResponse[%d]/", set, i)}
		r := UploadResult{ID: c.long("id", w.ID), Num: strings.TrimSpace(w.Num), Date: strings.TrimSpace(w.Date), Errors: errorsOf(w.Errors)}
		if c.err != nil {
			return nil, c.err
		}
		out = append(out, r)
	}
	return out, nil
}
