package mockserver

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/esfkit/esf/esfreg"
)

// Codes of the mock's own, for what is not a registration rule.
const (
	CodeBadRequest       esfreg.Code = "BAD_REQUEST"        // malformed body, wrong content type
	CodeNotFound         esfreg.Code = "NOT_FOUND"          // unknown route
	CodeMethodNotAllowed esfreg.Code = "METHOD_NOT_ALLOWED" // known route, wrong method
	CodeInternal         esfreg.Code = "SYSTEM_DOWN"        // ESF's own code for its failures
	CodeInjected         esfreg.Code = "INJECTED_FAULT"     // placeholder; queued faults carry their own code
	// ESF's codes of the session API and the ticket flow (esf-api.md §1.8–1.9).
	CodeSessionClosed          esfreg.Code = "SESSION_CLOSED"
	CodeSessionAlreadyOpen     esfreg.Code = "SESSION_ALREADY_OPEN"
	CodeAuthTicketExpired      esfreg.Code = "AUTH_TICKET_EXPIRED"
	CodeAuthTicketNotFound     esfreg.Code = "AUTH_TICKET_NOT_FOUND"
	CodeInvalidAuthTicket      esfreg.Code = "INVALID_AUTH_TICKET"
	CodeSignatureNotValid      esfreg.Code = "SIGNATURE_NOT_VALID"
	CodeMethodNotSupportGOST   esfreg.Code = "METHOD_NOT_SUPPORT_GOST_2015"
	CodeSecurityError          esfreg.Code = "SECURITY_ERROR"
	CodeApplicationNotFound    esfreg.Code = "APPLICATION_NOT_FOUND"
	CodeTooManyAttempts        esfreg.Code = "TOO_MANY_ATTEMPTS"
	CodeCertificateInvalidForm esfreg.Code = "CERTIFICATE_INVALID_FORMAT"
	// ESF's codes of the invoice services' faults (invoice_ops.go).
	CodeAccessDenied esfreg.Code = "ACCESS_DENIED"
	CodeWrongDate    esfreg.Code = "WRONG_DATE"
)

// SecurityErrorText is the CXF text the real server answers a missing or
// wrong UsernameToken with.
const SecurityErrorText = "A security error was encountered when verifying the message"

// wireInfo is how one code goes over each face of the mock.
type wireInfo struct {
	status int       // HTTP status of the portal's JSON answer
	fault  faultKind // SOAP fault detail element
}

type faultKind int

const (
	faultBusiness faultKind = iota
	faultAccessDenied
	faultSessionClosed
)

// wire is the one table from error code to HTTP status and SOAP fault kind.
// A code not listed is a 400 and a businessException.
var wire = map[esfreg.Code]wireInfo{
	CodeBadRequest:       {http.StatusBadRequest, faultBusiness},
	CodeNotFound:         {http.StatusNotFound, faultBusiness},
	CodeMethodNotAllowed: {http.StatusMethodNotAllowed, faultBusiness},
	CodeInternal:         {http.StatusInternalServerError, faultBusiness},

	esfreg.CodeUserNotRegistered:             {http.StatusUnauthorized, faultAccessDenied},
	esfreg.CodePasswordInvalid:               {http.StatusUnauthorized, faultAccessDenied},
	esfreg.CodeUserBlocked:                   {http.StatusForbidden, faultAccessDenied},
	esfreg.CodeIINNotValid:                   {http.StatusForbidden, faultAccessDenied},
	esfreg.CodeCertificateIsNotForAuth:       {http.StatusForbidden, faultAccessDenied},
	esfreg.CodeCertificateIsNotForSigning:    {http.StatusForbidden, faultAccessDenied},
	esfreg.CodeCertificateIsNotForPrivate:    {http.StatusForbidden, faultAccessDenied},
	esfreg.CodeCertificateIsNotForEnterprise: {http.StatusForbidden, faultAccessDenied},
	esfreg.CodeCertificateExpired:            {http.StatusForbidden, faultAccessDenied},
	esfreg.CodeCertificateNotYetValid:        {http.StatusForbidden, faultAccessDenied},
	esfreg.CodeCertificateRevoked:            {http.StatusForbidden, faultAccessDenied},
	esfreg.CodeCertificateNotValid:           {http.StatusForbidden, faultAccessDenied},
	esfreg.CodeCertificateSignatureNotValid:  {http.StatusForbidden, faultAccessDenied},
	esfreg.CodeEnterpriseNotFoundForUser:     {http.StatusForbidden, faultAccessDenied},
	esfreg.CodeNotEnterpriseHead:             {http.StatusForbidden, faultAccessDenied},
	esfreg.CodeHeadMismatch:                  {http.StatusForbidden, faultAccessDenied},
	esfreg.CodeEnterpriseAlreadyRegistered:   {http.StatusConflict, faultBusiness},
	esfreg.CodeUserAlreadyRegistered:         {http.StatusConflict, faultBusiness},
	esfreg.CodeTaxpayerNotFound:              {http.StatusNotFound, faultBusiness},
	esfreg.CodeTokenNotFound:                 {http.StatusNotFound, faultBusiness},
	esfreg.CodeTokenExpired:                  {http.StatusGone, faultBusiness},
	esfreg.CodeTokenUsed:                     {http.StatusGone, faultBusiness},

	CodeSessionClosed:          {http.StatusForbidden, faultSessionClosed},
	CodeSessionAlreadyOpen:     {http.StatusConflict, faultBusiness},
	CodeAuthTicketExpired:      {http.StatusForbidden, faultAccessDenied},
	CodeAuthTicketNotFound:     {http.StatusForbidden, faultAccessDenied},
	CodeInvalidAuthTicket:      {http.StatusForbidden, faultAccessDenied},
	CodeSignatureNotValid:      {http.StatusForbidden, faultAccessDenied},
	CodeMethodNotSupportGOST:   {http.StatusBadRequest, faultBusiness},
	CodeSecurityError:          {http.StatusUnauthorized, faultAccessDenied},
	CodeApplicationNotFound:    {http.StatusNotFound, faultBusiness},
	CodeTooManyAttempts:        {http.StatusTooManyRequests, faultAccessDenied},
	CodeCertificateInvalidForm: {http.StatusBadRequest, faultAccessDenied},
	CodeControlTokenRequired:   {http.StatusUnauthorized, faultAccessDenied},
	CodeControlLoopbackOnly:    {http.StatusForbidden, faultAccessDenied},
	CodeControlCrossSite:       {http.StatusForbidden, faultAccessDenied},
	CodeAccessDenied:           {http.StatusForbidden, faultAccessDenied},
	CodeWrongDate:              {http.StatusBadRequest, faultBusiness},
}

// Codes returns the mock's own codes (besides esfreg.Codes), sorted.
func Codes() []esfreg.Code {
	out := make([]esfreg.Code, 0, len(mockMessages))
	for c := range mockMessages {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// mockMessages are the Russian texts of the mock's own codes.
var mockMessages = map[esfreg.Code]string{
	CodeBadRequest:             "Некорректный запрос",
	CodeNotFound:               "Страница не найдена",
	CodeMethodNotAllowed:       "Метод не поддерживается",
	CodeInternal:               "Внутренняя ошибка системы",
	CodeSessionClosed:          "Сессия пользователя закрыта",
	CodeSessionAlreadyOpen:     "У пользователя уже есть открытая сессия",
	CodeAuthTicketExpired:      "Срок действия тикета авторизации истёк",
	CodeAuthTicketNotFound:     "Тикет авторизации не найден или уже использован",
	CodeInvalidAuthTicket:      "Некорректный тикет авторизации",
	CodeSignatureNotValid:      "Подпись недействительна",
	CodeMethodNotSupportGOST:   "Метод не поддерживает сертификаты ГОСТ 2015",
	CodeSecurityError:          SecurityErrorText,
	CodeApplicationNotFound:    "Заявка на регистрацию не найдена или устарела",
	CodeTooManyAttempts:        "Слишком много неудачных попыток входа, попробуйте позже",
	CodeCertificateInvalidForm: "Некорректный формат сертификата",
	CodeControlTokenRequired:   errControlUnauthorized.Message,
	CodeControlLoopbackOnly:    errControlLoopbackOnly.Message,
	CodeControlCrossSite:       errControlCrossSite.Message,
	CodeAccessDenied:           "Недостаточно прав для выполнения операции",
	CodeWrongDate:              "Неверно задан период",
}

// apiError is an error with a code, as the mock answers it.
type apiError struct {
	Code    esfreg.Code `json:"code"`
	Field   string      `json:"field,omitempty"`
	Message string      `json:"message"`
	// Description is the SOAP fault's detail text when it differs.
	Description string `json:"-"`
	// English is the message for the control API, whose users are
	// developers and CI engineers; empty means one derived from the code.
	English string `json:"-"`
}

func (e *apiError) Error() string { return string(e.Code) + ": " + e.Message }

// newError returns the error for a code, with its Russian message.
func newError(code esfreg.Code, field string) *apiError {
	msg, ok := mockMessages[code]
	if !ok {
		msg = code.Message()
	}
	return &apiError{Code: code, Field: field, Message: msg}
}

// errorsOf turns any error into the list of coded errors it carries.
func errorsOf(err error) []*apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return []*apiError{ae}
	}
	var list esfreg.Errors
	if errors.As(err, &list) {
		out := make([]*apiError, 0, len(list))
		for _, e := range list {
			out = append(out, &apiError{Code: e.Code, Field: e.Field, Message: e.Code.Message()})
		}
		return out
	}
	var ee *esfreg.Error
	if errors.As(err, &ee) {
		return []*apiError{{Code: ee.Code, Field: ee.Field, Message: ee.Code.Message()}}
	}
	return []*apiError{newError(CodeInternal, "")}
}

func infoOf(code esfreg.Code) wireInfo {
	if w, ok := wire[code]; ok {
		return w
	}
	return wireInfo{http.StatusBadRequest, faultBusiness}
}

// errorBody is the portal's JSON answer to a refusal.
type errorBody struct {
	Success bool        `json:"success"`
	Code    esfreg.Code `json:"code"`
	Message string      `json:"message"`
	Field   string      `json:"field,omitempty"`
	Errors  []*apiError `json:"errors,omitempty"`
}

// writeError is the one function that writes an error on the portal and
// control faces; SOAP faults go through writeFault, from the same table.
func (s *Server) writeError(w http.ResponseWriter, err error) {
	list := errorsOf(err)
	first := list[0]
	if first.Code == CodeInternal {
		s.log.Error("internal error", "err", err)
	}
	body := errorBody{Code: first.Code, Message: first.Message, Field: first.Field}
	if len(list) > 1 {
		body.Errors = list
	}
	writeJSON(w, infoOf(first.Code).status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// controlError is the control API's JSON answer to a refusal: a stable
// code, an English message, the field at fault.
type controlError struct {
	Code    esfreg.Code `json:"code"`
	Message string      `json:"message"`
	Field   string      `json:"field,omitempty"`
}

// writeControlError writes a refusal of the control API: the portal's
// code and HTTP status, with an English message (the portal's own
// refusals stay Russian, as ESF's are).
func (s *Server) writeControlError(w http.ResponseWriter, err error) {
	var fe *FieldError
	if errors.As(err, &fe) {
		writeJSON(w, http.StatusBadRequest, controlError{Code: CodeBadRequest, Message: fe.Field + ": " + fe.Reason, Field: fe.Field})
		return
	}
	first := errorsOf(err)[0]
	if first.Code == CodeInternal {
		s.log.Error("internal error", "err", err)
	}
	body := controlError{Code: first.Code, Field: first.Field, Message: first.English}
	if body.Message == "" {
		body.Message = strings.ToLower(strings.ReplaceAll(string(first.Code), "_", " "))
		var ee *esfreg.Error
		if errors.As(err, &ee) && ee.Err != nil {
			body.Message += ": " + ee.Err.Error()
		}
		if first.Field != "" {
			body.Message = first.Field + ": " + body.Message
		}
	}
	writeJSON(w, infoOf(first.Code).status, body)
}
