package invoicesvc

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver/internal/soap"
)

// IDsRequest is a request naming invoices by id: queryInvoiceById,
// queryInvoiceSummaryById, queryInvoiceErrorById,
// queryInvoiceHistoryById, confirmInvoiceById; deleteInvoiceById adds
// the signature and certificate.
type IDsRequest struct {
	SessionID string
	IDs       []int64
	// Signature and Certificate are deleteInvoiceById's, as sent.
	Signature, Certificate string
}

// ReasonRequest is revokeInvoiceById, unrevokeInvoiceById or
// declineInvoiceById: one signature over the list of ids with reasons.
type ReasonRequest struct {
	SessionID   string
	Signature   string
	Certificate string
	Items       []IDWithReason
}

// IDWithReason is an invoiceIdWithReason.
type IDWithReason struct {
	ID     int64
	Reason string
}

// KeyRequest is queryInvoiceByKey or queryInvoiceSummaryByKey.
type KeyRequest struct {
	SessionID string
	Keys      []Key
	Direction string
}

// Key is an invoiceKey: the invoice's date (dd.MM.yyyy) and number.
type Key struct {
	Date, Num string
}

// QueryRequest is queryInvoice.
type QueryRequest struct {
	SessionID string
	Criteria  Criteria
}

// Criteria is queryInvoice's criteria; a zero time or empty string is an
// element left out.
type Criteria struct {
	Direction                        string
	ContragentTIN                    string
	DateFrom, DateTo                 time.Time
	LastUpdateDateFrom, LastUpdateTo time.Time
	Statuses                         []string
	InvoiceType                      string
	OrderBy                          string
	Asc                              bool
	// PageNum is as sent; HasPageNum says whether it was.
	PageNum    int
	HasPageNum bool
}

// UpdatesRequest is queryUpdates.
type UpdatesRequest struct {
	SessionID     string
	LastEventDate time.Time
	// LastInvoiceID is 0 when left out.
	LastInvoiceID int64
	Direction     string
	// Limit is 0 when left out.
	Limit    int
	FullInfo bool
}

// EnterpriseRequest is enterpriseValidation.
type EnterpriseRequest struct {
	SessionID string
	Keys      []EnterpriseKey
}

// EnterpriseKey is an enterpriseKey.
type EnterpriseKey struct {
	CertificateSeries, CertificateNum, TIN, BIK, IIK string
}

// SyncRequest is syncInvoice.
type SyncRequest struct {
	SessionID   string
	Invoices    []UploadInfo
	Certificate string
}

// UploadInfo is an invoiceUploadInfo: the body and signature exactly as
// sent (XML-unescaped; the signature is over the body's UTF-8 bytes).
type UploadInfo struct {
	Body          string
	Version       string
	Signature     string
	SignatureType string
}

// Parse checks body (a request element of one of Operations) against
// the schema and reads it: an *IDsRequest, *ReasonRequest, *KeyRequest,
// *QueryRequest, *UpdatesRequest, *EnterpriseRequest or *SyncRequest. A
// request that does not match the schema is a *SchemaError.
func Parse(body *soap.Node) (any, error) {
	if err := Check(body); err != nil {
		return nil, err
	}
	// Checked: every value below has its type.
	sid := text(body, "sessionId")
	switch body.Name.Local {
	case "queryInvoiceByIdRequest", "queryInvoiceSummaryByIdRequest", "queryInvoiceErrorByIdRequest",
		"queryInvoiceHistoryByIdRequest", "confirmInvoiceByIdRequest":
		return &IDsRequest{SessionID: sid, IDs: ids(body.Child("idList"))}, nil
	case "deleteInvoiceByIdRequest":
		return &IDsRequest{SessionID: sid, IDs: ids(body.Child("idList")), Signature: text(body, "signature"), Certificate: text(body, "x509Certificate")}, nil
	case "revokeInvoiceByIdRequest", "unrevokeInvoiceByIdRequest", "declineInvoiceByIdRequest":
		r := &ReasonRequest{SessionID: sid, Signature: text(body, "signature"), Certificate: text(body, "x509Certificate")}
		for _, c := range children(body.Child("idWithReasonList"), "invoiceIdWithReason") {
			r.Items = append(r.Items, IDWithReason{ID: long(text(c, "id")), Reason: text(c, "reason")})
		}
		return r, nil
	case "queryInvoiceByKeyRequest", "queryInvoiceSummaryByKeyRequest":
		r := &KeyRequest{SessionID: sid, Direction: collapse(text(body, "direction"))}
		for _, c := range children(body.Child("invoiceKeyList"), "invoiceKey") {
			r.Keys = append(r.Keys, Key{Date: text(c, "date"), Num: text(c, "num")})
		}
		return r, nil
	case "queryInvoiceRequest":
		c := body.Child("criteria")
		cr := Criteria{
			Direction:          collapse(text(c, "direction")),
			ContragentTIN:      text(c, "contragentTin"),
			DateFrom:           dateTime(c, "dateFrom"),
			DateTo:             dateTime(c, "dateTo"),
			LastUpdateDateFrom: dateTime(c, "lastUpdateDateFrom"),
			LastUpdateTo:       dateTime(c, "lastUpdateDateTo"),
			InvoiceType:        collapse(text(c, "invoiceType")),
			OrderBy:            strings.TrimSpace(text(c, "orderBy")),
			Asc:                boolean(text(c, "asc")),
		}
		for _, s := range children(c.Child("invoiceStatusList"), "invoiceStatus") {
			cr.Statuses = append(cr.Statuses, collapse(s.Text))
		}
		if p := c.Child("pageNum"); p != nil {
			cr.PageNum, cr.HasPageNum = int(long(p.Text)), true
		}
		return &QueryRequest{SessionID: sid, Criteria: cr}, nil
	case "queryUpdatesRequest":
		r := &UpdatesRequest{SessionID: sid, LastEventDate: dateTime(body, "lastEventDate"), Direction: collapse(text(body, "direction")),
			FullInfo: boolean(text(body, "fullInfoOnStatusChange"))}
		if c := body.Child("lastInvoiceId"); c != nil {
			r.LastInvoiceID = long(c.Text)
		}
		if c := body.Child("limit"); c != nil {
			r.Limit = int(long(c.Text))
		}
		return r, nil
	case "enterpriseValidationRequest":
		r := &EnterpriseRequest{SessionID: sid}
		for _, k := range children(body.Child("enterpriseKeyList"), "enterpriseKey") {
			r.Keys = append(r.Keys, EnterpriseKey{CertificateSeries: text(k, "certificateSeries"), CertificateNum: text(k, "certificateNum"),
				TIN: text(k, "tin"), BIK: text(k, "bik"), IIK: text(k, "iik")})
		}
		return r, nil
	case "syncInvoiceRequest":
		r := &SyncRequest{SessionID: sid, Certificate: text(body, "x509Certificate")}
		for _, u := range children(body.Child("invoiceUploadInfoList"), "invoiceUploadInfo") {
			r.Invoices = append(r.Invoices, UploadInfo{Body: text(u, "invoiceBody"), Version: text(u, "version"),
				Signature: text(u, "signature"), SignatureType: collapse(text(u, "signatureType"))})
		}
		return r, nil
	}
	return nil, fmt.Errorf("invoicesvc: %s: no reader", body.Name.Local) // Check knows every element read here
}

// text is the text of n's unqualified child name, "" when absent.
func text(n *soap.Node, name string) string {
	if n == nil {
		return ""
	}
	if c := n.Child(name); c != nil {
		return c.Text
	}
	return ""
}

func children(n *soap.Node, name string) []*soap.Node {
	if n == nil {
		return nil
	}
	var out []*soap.Node
	for i := range n.Children {
		if c := &n.Children[i]; c.Name.Space == "" && c.Name.Local == name {
			out = append(out, c)
		}
	}
	return out
}

func ids(n *soap.Node) []int64 {
	var out []int64
	for _, c := range children(n, "id") {
		out = append(out, long(c.Text))
	}
	return out
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

func long(s string) int64 {
	v, _ := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(s), "+"), 10, 64)
	return v
}

func boolean(s string) bool {
	s = strings.TrimSpace(s)
	return s == "true" || s == "1"
}

func dateTime(n *soap.Node, name string) time.Time {
	c := n.Child(name)
	if c == nil {
		return time.Time{}
	}
	t, _ := ParseDateTime(c.Text)
	return t
}

// ParseDateTime reads an xs:dateTime: with or without fractional seconds
// and zone; without a zone it is Almaty time (ESF's). A year outside
// 0001–9999 is refused.
func ParseDateTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if !dateTimeRE.MatchString(s) {
		return time.Time{}, fmt.Errorf("invoicesvc: %q is not an xs:dateTime", clip(s))
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		loc := time.UTC
		if layout != time.RFC3339Nano {
			loc = esfreg.Almaty
		}
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("invoicesvc: %q is not an xs:dateTime", clip(s))
}

// FormatDateTime writes t as the mock's xs:dateTime: Almaty time,
// milliseconds, the zone's offset ("2026-11-29T15:04:05.123+05:00").
func FormatDateTime(t time.Time) string {
	return t.In(esfreg.Almaty).Format("2006-01-02T15:04:05.000-07:00")
}
