package esfclient

import (
	"errors"
	"fmt"
	"strings"

	"github.com/esfkit/esf/esfreg"
)

// Every refusal of the invoice API is an *esfreg.Error too, whose Code is
// ESF's errorCode (the WSDL's enumeration of 745) as the server spelled
// it: a code this package has no constant for is kept, never an error in
// itself. errors.Is matches by code:
//
//	errors.Is(err, esfclient.ErrSessionClosed)
//	errors.Is(err, &esfreg.Error{Code: "NDS_RATE_FOR_NOT_NDS_PAYER"})
//
// A per-invoice error (Error of declinedSet and queryInvoiceErrorById) has
// the element at fault as Field (the error's property) and the server's
// text as Message.

// The codes of the SOAP faults of the invoice services. SESSION_CLOSED and
// ACCESS_DENIED are ESF's own (errorCode); a fault whose faultstring is
// not a code is given the code of its declared detail element.
const (
	// CodeSessionClosed: sessionClosedException — the session was closed
	// or timed out (ESF's faultstring: "No open session associated with
	// user.").
	CodeSessionClosed esfreg.Code = "SESSION_CLOSED"
	// CodeAccessDenied: accessDeniedException — the profile may not do this.
	CodeAccessDenied esfreg.Code = "ACCESS_DENIED"
	// CodeBusinessError: businessException whose faultstring is a text,
	// not a code (e.g. "Можно получить список СФ за период не более 1
	// квартала"): this package's code, the text is the Message.
	CodeBusinessError esfreg.Code = "BUSINESS_ERROR"
)

// Some of ESF's item error codes (errorCode) an invoice client meets
// (esf-invoice-api.md §5.2); any other arrives as the server spells it.
const (
	CodeSignatureVerificationFailed    esfreg.Code = "SIGNATURE_VERIFICATION_FAILED"
	CodeSignatureInvalidFormat         esfreg.Code = "SIGNATURE_INVALID_FORMAT"
	CodeCertificateInvalidFormat       esfreg.Code = "CERTIFICATE_INVALID_FORMAT"
	CodeWrongXMLFormat                 esfreg.Code = "WRONG_XML_FORMAT"
	CodeInvalidInvoiceVersion          esfreg.Code = "INVALID_INVOICE_VERSION"
	CodeFieldIsNull                    esfreg.Code = "FIELD_IS_NULL"
	CodeFieldInvalid                   esfreg.Code = "FIELD_INVALID"
	CodeFLKValidationFailed            esfreg.Code = "FLK_VALITATION_FAILED" // ESF's spelling
	CodeMessageValidationError         esfreg.Code = "MESSAGE_VALIDATION_ERROR"
	CodeSellerTINNotEqualsTINInSession esfreg.Code = "SELLER_TIN_NOT_EQUALS_WITH_TIN_IN_SESSION"
	CodeSellerTINAbsentInDictionary    esfreg.Code = "SELLER_TIN_ABSENT_IN_DICTIONARY"
	CodeCustomerTINAbsentInDictionary  esfreg.Code = "CUSTOMER_TIN_ABSENT_IN_DICTIONARY"
	CodeNDSRateForNotNDSPayer          esfreg.Code = "NDS_RATE_FOR_NOT_NDS_PAYER"
	CodeNotUniqueNumberAndDate         esfreg.Code = "NOT_UNIQUE_NUMBER_AND_DATE"
	CodeInvoiceNotFound                esfreg.Code = "INVOICE_NOT_FOUND"
	CodeWrongStatus                    esfreg.Code = "WRONG_STATUS"
	CodeWrongType                      esfreg.Code = "WRONG_TYPE"
	CodeWrongOperation                 esfreg.Code = "WRONG_OPERATION"
	CodeWrongTIN                       esfreg.Code = "WRONG_TIN"
)

// Sentinels to branch on with errors.Is; each matches any *esfreg.Error of
// its code. Do not modify them.
var (
	ErrSessionClosed                  = esfreg.NewError(CodeSessionClosed, "")
	ErrAccessDenied                   = esfreg.NewError(CodeAccessDenied, "")
	ErrBusinessError                  = esfreg.NewError(CodeBusinessError, "")
	ErrSignatureVerificationFailed    = esfreg.NewError(CodeSignatureVerificationFailed, "")
	ErrSignatureInvalidFormat         = esfreg.NewError(CodeSignatureInvalidFormat, "")
	ErrCertificateInvalidFormat       = esfreg.NewError(CodeCertificateInvalidFormat, "")
	ErrWrongXMLFormat                 = esfreg.NewError(CodeWrongXMLFormat, "")
	ErrInvalidInvoiceVersion          = esfreg.NewError(CodeInvalidInvoiceVersion, "")
	ErrFieldIsNull                    = esfreg.NewError(CodeFieldIsNull, "")
	ErrFieldInvalid                   = esfreg.NewError(CodeFieldInvalid, "")
	ErrFLKValidationFailed            = esfreg.NewError(CodeFLKValidationFailed, "")
	ErrMessageValidationError         = esfreg.NewError(CodeMessageValidationError, "")
	ErrSellerTINNotEqualsTINInSession = esfreg.NewError(CodeSellerTINNotEqualsTINInSession, "")
	ErrSellerTINAbsentInDictionary    = esfreg.NewError(CodeSellerTINAbsentInDictionary, "")
	ErrCustomerTINAbsentInDictionary  = esfreg.NewError(CodeCustomerTINAbsentInDictionary, "")
	ErrNDSRateForNotNDSPayer          = esfreg.NewError(CodeNDSRateForNotNDSPayer, "")
	ErrNotUniqueNumberAndDate         = esfreg.NewError(CodeNotUniqueNumberAndDate, "")
	ErrInvoiceNotFound                = esfreg.NewError(CodeInvoiceNotFound, "")
	ErrWrongStatus                    = esfreg.NewError(CodeWrongStatus, "")
	ErrWrongType                      = esfreg.NewError(CodeWrongType, "")
	ErrWrongOperation                 = esfreg.NewError(CodeWrongOperation, "")
	ErrWrongTIN                       = esfreg.NewError(CodeWrongTIN, "")
)

// itemError is one Error of the WSDL (property, errorCode, text) as an
// *esfreg.Error. errorCode is optional in the WSDL: an error without one
// keeps an empty Code, which no sentinel matches, and its text.
func itemError(property, code, text string) *esfreg.Error {
	e := &esfreg.Error{Code: esfreg.Code(code), Field: property, Message: text}
	if e.Message == "" {
		e.Message = e.Code.Message()
	}
	return e
}

// UploadResult is one invoice of syncInvoice's answer (StandardResponse):
// queued for registration (in acceptedSet, with its ID) or declined by
// the format checks (in declinedSet, with Errors).
type UploadResult struct {
	// ID is ESF's id of a queued invoice; 0 when the server gave none
	// (a declined invoice usually has none).
	ID int64
	// Num and Date are the invoice's number and date as uploaded.
	Num, Date string
	// Errors are the format errors (ФЛК) that declined it.
	Errors esfreg.Errors
}

// Err returns the result's errors as one error (nil when it has none):
// errors.Is finds each code.
func (r UploadResult) Err() error {
	if len(r.Errors) == 0 {
		return nil
	}
	return r.Errors
}

// SyncResult is syncInvoice's answer: the invoices queued for registration
// ("ЭСФ успешно добавлены в очередь на регистрацию") and those declined
// because of format errors ("ЭСФ отклонены системой, т.к. содержат ошибки
// ФЛК"). A declined invoice is an answer, not a failed call.
type SyncResult struct {
	Accepted []UploadResult
	Declined []UploadResult
}

// Err returns nil when no invoice was declined, else a *DeclinedError
// naming each declined invoice and its errors.
func (r *SyncResult) Err() error {
	if len(r.Declined) == 0 {
		return nil
	}
	return &DeclinedError{Declined: r.Declined}
}

// DeclinedError is the invoices syncInvoice declined. errors.Is sees
// each invoice's errors: errors.Is(err, esfclient.ErrWrongXMLFormat).
type DeclinedError struct {
	Declined []UploadResult
}

// Error names each declined invoice by number and date, with its errors.
func (e *DeclinedError) Error() string {
	var parts []string
	for _, d := range e.Declined {
		s := fmt.Sprintf("invoice %s of %s declined", d.Num, d.Date)
		if len(d.Errors) > 0 {
			s += ": " + d.Errors.Error()
		}
		parts = append(parts, s)
	}
	return "esfclient: " + strings.Join(parts, "; ")
}

// Unwrap returns every declined invoice's errors.
func (e *DeclinedError) Unwrap() []error {
	var out []error
	for _, d := range e.Declined {
		for _, x := range d.Errors {
			out = append(out, x)
		}
	}
	return out
}

// ChangeStatusResult is the outcome of a status change for one invoice
// (ChangeStatusResult): the invoice as it now is, whether it changed, and
// if not, ESF's code for why.
type ChangeStatusResult struct {
	Summary InvoiceSummary
	Changed bool
	// Code is errorCode: why the status did not change (WRONG_STATUS,
	// WRONG_TYPE, …), kept as the server spelled it.
	Code esfreg.Code
}

// Err is nil when the status changed, else an *esfreg.Error with the
// result's code.
func (r ChangeStatusResult) Err() error {
	if r.Changed {
		return nil
	}
	e := &esfreg.Error{Code: r.Code, Message: fmt.Sprintf("invoice %d: status %s not changed", r.Summary.ID, r.Summary.Status)}
	if r.Code == "" {
		e.Code = CodeWrongOperation
		e.Message += " (the server gave no code)"
	}
	return e
}

// DeleteResult is the outcome of deleting one FAILED invoice.
type DeleteResult struct {
	ID      int64
	Deleted bool
}

// InvoiceErrors are the errors of the asynchronous ("heavy") format checks
// of one invoice (InvoiceError), as queryInvoiceErrorById lists them.
type InvoiceErrors struct {
	ID     int64
	Errors esfreg.Errors
}

// ErrNotRegistered is what WaitForRegistration's *RegistrationError
// matches with errors.Is: the invoice will not be registered.
var ErrNotRegistered = errors.New("esfclient: the invoice was not registered")

// RegistrationError is an invoice that ended without a registration
// number: FAILED (with the errors queryInvoiceErrorById lists, or its
// cancelReason as the code when it lists none) or another final status.
// errors.Is matches ErrNotRegistered and each of its errors' codes.
type RegistrationError struct {
	Summary InvoiceSummary
	Errors  esfreg.Errors
}

// Error names the invoice, its status and its errors.
func (e *RegistrationError) Error() string {
	s := fmt.Sprintf("esfclient: invoice %d (%s of %s) is %s, not registered", e.Summary.ID, e.Summary.Num, e.Summary.Date, e.Summary.Status)
	if len(e.Errors) > 0 {
		s += ": " + e.Errors.Error()
	}
	return s
}

// Unwrap returns ErrNotRegistered and the invoice's errors.
func (e *RegistrationError) Unwrap() []error {
	out := []error{ErrNotRegistered}
	for _, x := range e.Errors {
		out = append(out, x)
	}
	return out
}
