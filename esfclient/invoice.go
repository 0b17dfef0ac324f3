package esfclient

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/invoice"
)

// The invoice part of the SOAP API (esf-invoice-api.md §1): InvoiceService
// (14 operations) and UploadInvoiceService.syncInvoice, at
// /esf-web/ws/api1/InvoiceService and /esf-web/ws/api1/UploadInvoiceService,
// over an open Session. Every call sends the session's id as sessionId and
// no WS-Security header (the real server wants none for these services).

// The services of the invoice API.
const (
	invoiceService = "InvoiceService"
	uploadService  = "UploadInvoiceService"
)

// InvoiceVersion is the invoice version this client uploads by default:
// invoiceUploadInfo/version.
const InvoiceVersion = "InvoiceV2"

// Direction says whether the invoices asked for are the caller's incoming
// or outgoing ones (InvoiceDirection).
type Direction string

// The directions.
const (
	Inbound  Direction = "INBOUND"
	Outbound Direction = "OUTBOUND"
)

// InvoiceStatus is an invoice's status in ESF (InvoiceStatus): package
// invoice's Status. The client keeps whatever the server sends, a value
// the WSDL lacks included; Known says whether it is one of the WSDL's.
type InvoiceStatus = invoice.Status

// The 14 statuses of the 2026 WSDL (invoice.Statuses).
const (
	StatusInQueue              = invoice.StatusInQueue
	StatusInProcessing         = invoice.StatusInProcessing
	StatusCreated              = invoice.StatusCreated
	StatusDelivered            = invoice.StatusDelivered
	StatusCanceled             = invoice.StatusCanceled
	StatusCanceledByOGD        = invoice.StatusCanceledByOGD
	StatusCanceledBySNTDecline = invoice.StatusCanceledBySNTDecline
	StatusCanceledBySNTRevoke  = invoice.StatusCanceledBySNTRevoke
	StatusRevoked              = invoice.StatusRevoked
	StatusImported             = invoice.StatusImported
	StatusDraft                = invoice.StatusDraft
	StatusFailed               = invoice.StatusFailed
	StatusDeleted              = invoice.StatusDeleted
	StatusDeclined             = invoice.StatusDeclined
)

// SignatureType is whose signature an invoice carries (SignatureType):
// COMPANY, the legal entity's; OPERATOR, a person's authorised to sign
// invoices. Values the WSDL lacks are kept as they come.
type SignatureType string

// The signature types.
const (
	SignatureCompany  SignatureType = "COMPANY"
	SignatureOperator SignatureType = "OPERATOR"
)

// InvoiceInfo is a registered invoice with its body (InvoiceInfo), as
// queryInvoice, queryInvoiceById, queryInvoiceByKey and queryUpdates
// return it. Optional elements the server left out are zero.
type InvoiceInfo struct {
	// Body is the invoice (invoiceBody), the XML text exactly as the
	// server returned it: the bytes its signature covers.
	Body []byte
	// ID is invoiceId, ESF's identifier of the invoice.
	ID int64
	// RegistrationNumber is ESF's number, "ESF-<TIN>-<yyyyMMdd>-<8 digits>",
	// once registered.
	RegistrationNumber string
	// InputDate is when the invoice reached ESF.
	InputDate time.Time
	// DeliveryDate is when it was delivered.
	DeliveryDate time.Time
	// LastUpdateDate is when it last changed.
	LastUpdateDate time.Time
	// SignatureValid is ESF's verdict on the signature.
	SignatureValid bool
	// Status is invoiceStatus.
	Status InvoiceStatus
	// CancelReason is why it was cancelled or failed — for a FAILED
	// invoice, an error code.
	CancelReason string
	// Version is the invoice version, e.g. InvoiceV2.
	Version string
	// Hash is the server's hash of the invoice.
	Hash string
	// Signature is the invoice's signature, Base64, as uploaded.
	Signature string
	// SignatureType is COMPANY or OPERATOR.
	SignatureType SignatureType
	// Certificate is the signing certificate, Base64 DER, as uploaded.
	Certificate string
	// Deadline is the deadline control of a decline or an unrevoke.
	Deadline *Deadline
	// KOGD is the code of the seller's tax office.
	KOGD string
}

// ParseCertificate parses the invoice's signing certificate.
func (i *InvoiceInfo) ParseCertificate() (*certs.Certificate, error) {
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(i.Certificate), ""))
	if err != nil {
		return nil, fmt.Errorf("esfclient: invoice %d: certificate: %w", i.ID, err)
	}
	return certs.ParseCertificate(der)
}

// Invoice parses the invoice's body (invoice.Parse: strict, against
// InvoiceV2's schema).
func (i *InvoiceInfo) Invoice() (*invoice.Invoice, error) { return invoice.Parse(i.Body) }

// VerifySignature checks the invoice's signature over its body, exactly
// as received, with its certificate (invoice.VerifySignature): what a
// customer checks of an invoice it receives. It does not check the
// certificate's chain or revocation.
func (i *InvoiceInfo) VerifySignature() error {
	cert, err := i.ParseCertificate()
	if err != nil {
		return err
	}
	return invoice.VerifySignature(i.Body, i.Signature, cert)
}

// Deadline is ESF's deadline control of an invoice (deadline): until when
// the customer may decline it, or reject its revocation.
type Deadline struct {
	DateInput          time.Time
	DeadlineDate       time.Time
	DocumentID         int64
	DocumentType       string
	RegistrationNumber string
	TIN                string
	// Type is the DeadlineType: DECLINE or UNREVOKE for invoices.
	Type string
}

// InvoiceSummary is an invoice's status without its body
// (InvoiceSummary).
type InvoiceSummary struct {
	ID                 int64
	Date               string // the invoice's date, dd.MM.yyyy
	Status             InvoiceStatus
	Num                string // the seller's number of the invoice
	CancelReason       string
	RegistrationNumber string
	LastUpdateDate     time.Time
}

// InvoicePage is one page of queryInvoice, queryInvoiceById or
// queryInvoiceByKey (QueryInvoiceResponse).
type InvoicePage struct {
	Invoices []InvoiceInfo
	// LastBlock is true on the last page.
	LastBlock bool
	// CurrPage is the page's number, as the server counts them.
	CurrPage int
	// RSCount is rsCount, "Количество возвращаемых записей".
	RSCount int
}

// InvoiceKey names an invoice by the seller's date (dd.MM.yyyy) and number.
type InvoiceKey struct {
	Date string
	Num  string
}

// InvoiceCriteria are queryInvoice's search criteria (QueryInvoiceCriteria).
// DateFrom and DateTo (the invoices' dates) are required; the server
// refuses a range longer than a quarter. Zero values of the optional
// fields are left out of the request.
type InvoiceCriteria struct {
	Direction          Direction
	ContragentTIN      string
	DateFrom, DateTo   time.Time
	LastUpdateDateFrom time.Time
	LastUpdateDateTo   time.Time
	Statuses           []InvoiceStatus
	// InvoiceType is ORDINARY_INVOICE, FIXED_INVOICE or ADDITIONAL_INVOICE.
	InvoiceType string
	// OrderBy is the field to sort by.
	OrderBy string
	// Asc sorts ascending.
	Asc bool
	// PageNum is the page to read, sent when > 0. Whether ESF counts pages
	// from 0 or 1 is not known (esf-invoice-api.md §7); leaving it out
	// reads the first page either way, and Invoices follows the server's
	// own currPage from there.
	PageNum int
}

// UpdatesCursor is where queryUpdates reads from: the lastEventDate and
// lastInvoiceId of the last invoice of the previous block (a zero
// LastInvoiceID is not sent, as for a first call).
type UpdatesCursor struct {
	LastEventDate time.Time
	LastInvoiceID int64
}

// UpdatesRequest asks queryUpdates for the invoices registered or changed
// after Cursor (QueryInvoiceUpdateRequest).
type UpdatesRequest struct {
	Direction Direction
	Cursor    UpdatesCursor
	// Limit is the most invoices a block holds; 0 leaves it to the server.
	Limit int
	// FullInfoOnStatusChange asks for the whole invoice, body included,
	// when only its status changed.
	FullInfoOnStatusChange bool
}

// UpdatesPage is one block of queryUpdates (QueryInvoiceUpdateResponse).
type UpdatesPage struct {
	Invoices []InvoiceInfo
	// Next is the cursor of the next block: the block's last event.
	Next UpdatesCursor
	// LastBlock is true when nothing newer is left.
	LastBlock bool
}

// HistoryRecord is one change of an invoice's status
// (InvoiceInfoHistoryRecord).
type HistoryRecord struct {
	InvoiceID         int64
	Status            InvoiceStatus
	DateTime          time.Time
	UserID            string // the login of the user who changed it
	TIN               string // the taxpayer who changed it
	StatusDescription string
	ClientType        string // WEB, API or API_VS
}

// InvoiceReason is an invoice's id with the reason of a revocation, its
// rejection or a decline (InvoiceIdWithReason): the invoice package's
// IDWithReason, whose list invoice.SignIDsWithReasons signs.
type InvoiceReason = invoice.IDWithReason

// EnterpriseKey names an enterprise's registration data to check
// (EnterpriseKey): its VAT certificate's series and number, its TIN, and
// optionally a bank's BIK and account (IIK).
type EnterpriseKey struct {
	CertificateSeries string
	CertificateNum    string
	TIN               string
	BIK               string
	IIK               string
}

// EnterpriseResult is enterpriseValidation's verdict on one TIN
// (EnterpriseValidationResultType), kept as the server sends it.
type EnterpriseResult string

// The verdicts of the WSDL.
const (
	EnterpriseSuccess                   EnterpriseResult = "SUCCESS"
	EnterpriseTINAbsent                 EnterpriseResult = "TIN_ABSENT"
	EnterpriseCertificateSeriesOrNumAbs EnterpriseResult = "CERTIFICATE_SERIES_OR_CERTIFICATE_NUM_ABSENT"
	EnterpriseBIKAbsent                 EnterpriseResult = "BIK_ABSENT"
	EnterpriseBankNotFound              EnterpriseResult = "BANK_NOT_FOUND"
	EnterpriseIIKAbsent                 EnterpriseResult = "IIK_ABSENT"
)

// EnterpriseValidation is one TIN's verdict.
type EnterpriseValidation struct {
	TIN    string
	Result EnterpriseResult
}
