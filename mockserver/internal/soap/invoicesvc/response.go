package invoicesvc

import (
	"strconv"
	"time"

	"github.com/esfkit/esf/mockserver/internal/soap"
)

// Info is an InvoiceInfo: the invoice with its body, as the query
// operations return it. A zero time or empty string is an optional
// element left out.
type Info struct {
	Body               string
	ID                 int64
	RegistrationNumber string
	InputDate          time.Time
	DeliveryDate       time.Time
	LastUpdateDate     time.Time
	SignatureValid     bool
	Status             string
	CancelReason       string
	Version            string
	Signature          string
	SignatureType      string
	Certificate        string
	KOGD               string
}

// Summary is an InvoiceSummary.
type Summary struct {
	ID                 int64
	Date               string
	Status             string
	Num                string
	CancelReason       string
	RegistrationNumber string
	LastUpdateDate     time.Time
}

// Error is an Error of declinedSet or queryInvoiceErrorById.
type Error struct {
	Property  string `json:"property,omitempty"`
	ErrorCode string `json:"errorCode,omitempty"`
	Text      string `json:"text,omitempty"`
}

// Standard is a standardResponse of syncInvoice: an accepted invoice's id,
// or a declined one's errors.
type Standard struct {
	Errors []Error
	ID     int64 // 0: left out
	Num    string
	Date   string
}

// History is an esfHistory record.
type History struct {
	InvoiceID         int64
	Status            string
	DateTime          time.Time
	UserID            string
	TIN               string
	StatusDescription string
	ClientType        string
}

// ChangeResult is a changeStatusResult of revoke, unrevoke and decline.
type ChangeResult struct {
	Summary   Summary
	Changed   bool
	ErrorCode string
}

// DeleteResult is deleteInvoiceById's changeStatusResult.
type DeleteResult struct {
	ID      int64
	Deleted bool
}

// EnterpriseResult is an enterpriseValidationResult.
type EnterpriseResult struct {
	TIN, ResultType string
}

// InvoiceError is an invoiceError of queryInvoiceErrorById.
type InvoiceError struct {
	ID     int64
	Errors []Error
}

func longText(name string, v int64) soap.Field { return soap.Text(name, strconv.FormatInt(v, 10)) }
func boolText(name string, v bool) soap.Field  { return soap.Text(name, strconv.FormatBool(v)) }

func optTime(name string, t time.Time) soap.Field {
	if t.IsZero() {
		return soap.Optional(name, "")
	}
	return soap.Text(name, FormatDateTime(t))
}

func optLong(name string, v int64) soap.Field {
	if v == 0 {
		return soap.Optional(name, "")
	}
	return longText(name, v)
}

// InfoField is an invoiceInfo element (the WSDL's xs:all, in its order).
func InfoField(in Info) soap.Field {
	return soap.Group("invoiceInfo",
		soap.Text("invoiceBody", in.Body),
		optLong("invoiceId", in.ID),
		soap.Optional("registrationNumber", in.RegistrationNumber),
		soap.Text("inputDate", FormatDateTime(in.InputDate)),
		optTime("deliveryDate", in.DeliveryDate),
		soap.Text("lastUpdateDate", FormatDateTime(in.LastUpdateDate)),
		boolText("signatureValid", in.SignatureValid),
		soap.Optional("invoiceStatus", in.Status),
		soap.Optional("cancelReason", in.CancelReason),
		soap.Text("version", in.Version),
		soap.Text("signature", in.Signature),
		soap.Text("signatureType", in.SignatureType),
		soap.Text("certificate", in.Certificate),
		soap.Optional("kogd", in.KOGD),
	)
}

func infoList(infos []Info) soap.Field {
	list := soap.Group("invoiceInfoList")
	for _, in := range infos {
		list.Children = append(list.Children, InfoField(in))
	}
	return list
}

// QueryResponse is queryInvoice's, queryInvoiceById's or
// queryInvoiceByKey's response (element is the operation's response
// element, e.g. "queryInvoiceByIdResponse").
func QueryResponse(element string, lastBlock bool, currPage int, infos []Info) soap.Field {
	return soap.Group(element,
		boolText("lastBlock", lastBlock),
		soap.Text("currPage", strconv.Itoa(currPage)),
		soap.Text("rsCount", strconv.Itoa(len(infos))),
		infoList(infos),
	)
}

// UpdatesResponse is queryUpdates's response: the cursor of the last
// event in the block (lastInvoiceId left out when 0).
func UpdatesResponse(lastEventDate time.Time, lastInvoiceID int64, lastBlock bool, infos []Info) soap.Field {
	return soap.Group("queryUpdatesResponse",
		soap.Text("lastEventDate", FormatDateTime(lastEventDate)),
		optLong("lastInvoiceId", lastInvoiceID),
		boolText("lastBlock", lastBlock),
		infoList(infos),
	)
}

// SummaryField is an invoiceSummary (or a changeStatusResult's
// invoiceSummary) element.
func SummaryField(s Summary) soap.Field {
	return soap.Group("invoiceSummary",
		longText("invoiceId", s.ID),
		soap.Optional("date", s.Date),
		soap.Optional("invoiceStatus", s.Status),
		soap.Optional("num", s.Num),
		soap.Optional("cancelReason", s.CancelReason),
		soap.Optional("registrationNumber", s.RegistrationNumber),
		optTime("lastUpdateDate", s.LastUpdateDate),
	)
}

// SummaryResponse is the response of queryInvoiceSummaryById,
// queryInvoiceSummaryByKey or confirmInvoiceById (element names it).
func SummaryResponse(element string, list []Summary) soap.Field {
	l := soap.Group("invoiceSummaryList")
	for _, s := range list {
		l.Children = append(l.Children, SummaryField(s))
	}
	return soap.Group(element, l)
}

func errorsField(errs []Error) soap.Field {
	f := soap.Field{Name: "errors", OmitEmpty: true}
	for _, e := range errs {
		f.Children = append(f.Children, soap.Group("error",
			soap.Optional("property", e.Property),
			soap.Optional("errorCode", e.ErrorCode),
			soap.Optional("text", e.Text)))
	}
	return f
}

// SyncResponse is syncInvoice's response; both sets are always written.
func SyncResponse(accepted, declined []Standard) soap.Field {
	set := func(name string, list []Standard) soap.Field {
		f := soap.Group(name)
		for _, s := range list {
			f.Children = append(f.Children, soap.Group("standardResponse",
				errorsField(s.Errors), optLong("id", s.ID), soap.Text("num", s.Num), soap.Text("date", s.Date)))
		}
		return f
	}
	return soap.Group("syncInvoiceResponse", set("acceptedSet", accepted), set("declinedSet", declined))
}

// ErrorResponse is queryInvoiceErrorById's response.
func ErrorResponse(list []InvoiceError) soap.Field {
	l := soap.Group("invoiceErrorList")
	for _, e := range list {
		l.Children = append(l.Children, soap.Group("invoiceError", longText("invoiceId", e.ID), errorsField(e.Errors)))
	}
	return soap.Group("queryInvoiceErrorByIdResponse", l)
}

// HistoryResponse is queryInvoiceHistoryById's response.
func HistoryResponse(list []History) soap.Field {
	l := soap.Group("resultList")
	for _, h := range list {
		l.Children = append(l.Children, soap.Group("esfHistory",
			optLong("invoiceId", h.InvoiceID),
			soap.Optional("status", h.Status),
			optTime("dateTime", h.DateTime),
			soap.Optional("userId", h.UserID),
			soap.Optional("tin", h.TIN),
			soap.Optional("statusDescription", h.StatusDescription),
			soap.Optional("clientType", h.ClientType)))
	}
	return soap.Group("queryInvoiceHistoryByIdResponse", l)
}

// ChangeResponse is the response of revokeInvoiceById,
// unrevokeInvoiceById or declineInvoiceById (element names it).
func ChangeResponse(element string, list []ChangeResult) soap.Field {
	l := soap.Group("resultList")
	for _, r := range list {
		sf := SummaryField(r.Summary)
		l.Children = append(l.Children, soap.Group("changeStatusResult", sf, boolText("isChanged", r.Changed), soap.Optional("errorCode", r.ErrorCode)))
	}
	return soap.Group(element, l)
}

// DeleteResponse is deleteInvoiceById's response.
func DeleteResponse(list []DeleteResult) soap.Field {
	l := soap.Group("resultList")
	for _, r := range list {
		l.Children = append(l.Children, soap.Group("changeStatusResult", longText("invoiceId", r.ID), boolText("isDeleted", r.Deleted)))
	}
	return soap.Group("deleteInvoiceByIdResponse", l)
}

// EnterpriseResponse is enterpriseValidation's response.
func EnterpriseResponse(list []EnterpriseResult) soap.Field {
	l := soap.Group("resultList")
	for _, r := range list {
		l.Children = append(l.Children, soap.Group("enterpriseValidationResult", soap.Text("tin", r.TIN), soap.Text("resultType", r.ResultType)))
	}
	return soap.Group("enterpriseValidationResponse", l)
}
