package esfreg

import (
	"slices"
	"strings"
)

// Code names why ESF refuses something. Where ESF has a code of its own
// (esf-api.md §1.9) the Code is that code, spelled as ESF spells it; the
// others are this package's, in the same style. The mock maps each code to
// its HTTP status and SOAP fault in one place.
type Code string

// The codes ESF itself uses (esf-api.md §1.9).
const (
	CodeUserNotRegistered             Code = "USER_NOT_REGISTERED"
	CodeUserBlocked                   Code = "USER_BLOCKED"
	CodePasswordInvalid               Code = "PASSWORD_INVALID"
	CodeIINNotValid                   Code = "IIN_NOT_VALID"
	CodeCertificateIsNotForAuth       Code = "CERTIFICATE_IS_NOT_FOR_AUTH"
	CodeCertificateIsNotForSigning    Code = "CERTIFICATE_IS_NOT_FOR_SIGNING"
	CodeCertificateIsNotForPrivate    Code = "CERTIFICATE_IS_NOT_FOR_PRIVATE"
	CodeCertificateIsNotForEnterprise Code = "CERTIFICATE_IS_NOT_FOR_ENTERPRISE"
	CodeCertificateExpired            Code = "CERTIFICATE_EXPIRED"
	CodeCertificateNotYetValid        Code = "CERTIFICATE_NOT_YET_VALID"
	CodeCertificateRevoked            Code = "CERTIFICATE_REVOKED"
	CodeCertificateNotValid           Code = "CERTIFICATE_NOT_VALID"
	CodeCertificateSignatureNotValid  Code = "CERTIFICATE_SIGNATURE_NOT_VALID"
	CodeEnterpriseNotFoundForUser     Code = "ENTERPRISE_NOT_FOUND_FOR_USER"
	CodeBusinessProfileTypeRequired   Code = "BUSINESS_PROFILE_TYPE_REQUIRED"
)

// The codes of this package, for rules ESF's public material names no code
// for. Their spelling follows ESF's.
const (
	CodeCategoryNotValid            Code = "CATEGORY_NOT_VALID"
	CodeBINNotValid                 Code = "BIN_NOT_VALID"
	CodeTaxpayerNotFound            Code = "TAXPAYER_NOT_FOUND"
	CodeNotEntrepreneur             Code = "NOT_ENTREPRENEUR"
	CodeNotEnterpriseHead           Code = "NOT_ENTERPRISE_HEAD"
	CodeHeadMismatch                Code = "HEAD_MISMATCH"
	CodeEnterpriseAlreadyRegistered Code = "ENTERPRISE_ALREADY_REGISTERED"
	CodeUserAlreadyRegistered       Code = "USER_ALREADY_REGISTERED"
	CodeFieldRequired               Code = "FIELD_REQUIRED"
	CodeFieldTooLong                Code = "FIELD_TOO_LONG"
	CodeFieldInvalid                Code = "FIELD_INVALID"
	CodeFieldMismatch               Code = "FIELD_MISMATCH"
	CodeFieldNotAllowed             Code = "FIELD_NOT_ALLOWED"
	CodeEmailInvalid                Code = "EMAIL_INVALID"
	CodeEmailMismatch               Code = "EMAIL_MISMATCH"
	CodePasswordTooShort            Code = "PASSWORD_TOO_SHORT"
	CodePasswordTooLong             Code = "PASSWORD_TOO_LONG"
	CodePasswordLettersAndDigits    Code = "PASSWORD_LETTERS_AND_DIGITS"
	CodePasswordContainsIIN         Code = "PASSWORD_CONTAINS_IIN"
	CodePasswordTooWeak             Code = "PASSWORD_TOO_WEAK"
	CodePasswordMismatch            Code = "PASSWORD_MISMATCH"
	CodePasswordAlreadySet          Code = "PASSWORD_ALREADY_SET"
	CodeIDDocumentNumberInvalid     Code = "ID_DOCUMENT_NUMBER_INVALID"
	CodeDateInvalid                 Code = "DATE_INVALID"
	CodeDateInFuture                Code = "DATE_IN_FUTURE"
	CodeAgreementNotSigned          Code = "AGREEMENT_NOT_SIGNED"
	CodeAgreementMismatch           Code = "AGREEMENT_MISMATCH"
	CodeTokenNotFound               Code = "TOKEN_NOT_FOUND"
	CodeTokenExpired                Code = "TOKEN_EXPIRED"
	CodeTokenUsed                   Code = "TOKEN_USED"
)

// messages is the one table of the Russian text of every code. ESF's own
// Russian wording is not public (esf-api.md §1.9) except for "Юридическое
// лицо уже зарегистрировано в системе", which the original documents quote;
// the rest is written in the portal's style.
var messages = map[Code]string{
	CodeUserNotRegistered:             "Пользователь не зарегистрирован в системе",
	CodeUserBlocked:                   "Пользователь заблокирован",
	CodePasswordInvalid:               "Неверный пароль",
	CodeIINNotValid:                   "ИИН указан неверно",
	CodeCertificateIsNotForAuth:       "Сертификат не предназначен для аутентификации",
	CodeCertificateIsNotForSigning:    "Сертификат не предназначен для подписи",
	CodeCertificateIsNotForPrivate:    "Сертификат не принадлежит физическому лицу",
	CodeCertificateIsNotForEnterprise: "Сертификат не принадлежит юридическому лицу",
	CodeCertificateExpired:            "Срок действия сертификата истёк",
	CodeCertificateNotYetValid:        "Срок действия сертификата ещё не наступил",
	CodeCertificateRevoked:            "Сертификат отозван",
	CodeCertificateNotValid:           "Сертификат недействителен",
	CodeCertificateSignatureNotValid:  "Подпись сертификата недействительна",
	CodeEnterpriseNotFoundForUser:     "У пользователя нет профиля указанного налогоплательщика",
	CodeBusinessProfileTypeRequired:   "Необходимо указать тип профиля",

	CodeCategoryNotValid:            "Неизвестная категория регистрации",
	CodeBINNotValid:                 "БИН указан неверно",
	CodeTaxpayerNotFound:            "Налогоплательщик не найден в справочнике налогоплательщиков",
	CodeNotEntrepreneur:             "Налогоплательщик не зарегистрирован в качестве индивидуального предпринимателя",
	CodeNotEnterpriseHead:           "Сертификат не принадлежит первому руководителю юридического лица",
	CodeHeadMismatch:                "По данным налоговых органов первым руководителем юридического лица является другое лицо",
	CodeEnterpriseAlreadyRegistered: "Юридическое лицо уже зарегистрировано в системе",
	CodeUserAlreadyRegistered:       "Пользователь уже зарегистрирован в системе",
	CodeFieldRequired:               "Поле обязательно для заполнения",
	CodeFieldTooLong:                "Значение поля слишком длинное",
	CodeFieldInvalid:                "Поле содержит недопустимые символы",
	CodeFieldMismatch:               "Значение поля не совпадает с данными сертификата",
	CodeFieldNotAllowed:             "Поле не заполняется для выбранной категории",
	CodeEmailInvalid:                "Некорректный адрес электронной почты",
	CodeEmailMismatch:               "Адрес электронной почты не совпадает с адресом, указанным в учётной записи",
	CodePasswordTooShort:            "Пароль должен содержать не менее 8 символов",
	CodePasswordTooLong:             "Пароль слишком длинный",
	CodePasswordLettersAndDigits:    "Пароль должен содержать буквы и цифры",
	CodePasswordContainsIIN:         "Пароль не должен содержать ИИН",
	CodePasswordTooWeak:             "Пароль слишком простой",
	CodePasswordMismatch:            "Пароль и подтверждение пароля не совпадают",
	CodePasswordAlreadySet:          "Пользователь с этим ИИН уже зарегистрирован: введите текущий пароль",
	CodeIDDocumentNumberInvalid:     "Некорректный номер документа, удостоверяющего личность",
	CodeDateInvalid:                 "Некорректная дата, ожидается ДД.ММ.ГГГГ",
	CodeDateInFuture:                "Дата выдачи не может быть позже текущей даты",
	CodeAgreementNotSigned:          "Необходимо подписать соглашение",
	CodeAgreementMismatch:           "Соглашение не соответствует регистрационным данным",
	CodeTokenNotFound:               "Ссылка недействительна",
	CodeTokenExpired:                "Срок действия ссылки истёк",
	CodeTokenUsed:                   "Ссылка уже использована",
}

// Message returns the code's Russian text, or the code itself for a code
// this package does not know.
func (c Code) Message() string {
	if m, ok := messages[c]; ok {
		return m
	}
	return string(c)
}

// Codes returns every code this package uses, sorted: the list a table
// from code to HTTP status or SOAP fault must cover.
func Codes() []Code {
	out := make([]Code, 0, len(messages))
	for c := range messages {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// Error is every refusal of this package: a Code callers branch on, the
// form Field at fault (a JSON-style name such as "email", or empty), and
// the Russian Message for the user. Err, when set, is the cause (a
// *certs.VerifyError, say) for logs, not for the user.
//
// errors.Is(err, ErrPasswordInvalid) matches by Code; a target that also
// names a Field matches only that field:
//
//	errors.Is(err, &esfreg.Error{Code: esfreg.CodeFieldRequired, Field: "address"})
type Error struct {
	Code    Code   `json:"code"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
	Err     error  `json:"-"`
}

// NewError returns an error with code, field (may be empty) and the code's
// message.
func NewError(code Code, field string) *Error {
	return &Error{Code: code, Field: field, Message: code.Message()}
}

// wrapError returns NewError(code, field) whose cause is err.
func wrapError(code Code, field string, err error) *Error {
	e := NewError(code, field)
	e.Err = err
	return e
}

// Error returns "esfreg: CODE (field): message: cause".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("esfreg: ")
	b.WriteString(string(e.Code))
	if e.Field != "" {
		b.WriteString(" (" + e.Field + ")")
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same Code and, if the
// target names a Field, the same Field.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok || t == nil {
		return false
	}
	return t.Code == e.Code && (t.Field == "" || t.Field == e.Field)
}

// Errors are several refusals at once, such as every bad field of a form,
// in the order of the form. errors.Is and errors.As see each of them;
// errors.As(err, &e) with e an *Error finds the first.
type Errors []*Error

// Error joins the errors with "; ".
func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// Unwrap returns the errors for errors.Is and errors.As.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// Fields returns the names of the fields at fault, in order, once each.
func (es Errors) Fields() []string {
	var out []string
	for _, e := range es {
		if e.Field != "" && !slices.Contains(out, e.Field) {
			out = append(out, e.Field)
		}
	}
	return out
}

// err returns es as an error: nil when empty.
func (es Errors) err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// Sentinels, one per code, for errors.Is. Do not modify them.
var (
	ErrUserNotRegistered             = NewError(CodeUserNotRegistered, "")
	ErrUserBlocked                   = NewError(CodeUserBlocked, "")
	ErrPasswordInvalid               = NewError(CodePasswordInvalid, "")
	ErrIINNotValid                   = NewError(CodeIINNotValid, "")
	ErrCertificateIsNotForAuth       = NewError(CodeCertificateIsNotForAuth, "")
	ErrCertificateIsNotForSigning    = NewError(CodeCertificateIsNotForSigning, "")
	ErrCertificateIsNotForPrivate    = NewError(CodeCertificateIsNotForPrivate, "")
	ErrCertificateIsNotForEnterprise = NewError(CodeCertificateIsNotForEnterprise, "")
	ErrCertificateExpired            = NewError(CodeCertificateExpired, "")
	ErrCertificateNotYetValid        = NewError(CodeCertificateNotYetValid, "")
	ErrCertificateRevoked            = NewError(CodeCertificateRevoked, "")
	ErrCertificateNotValid           = NewError(CodeCertificateNotValid, "")
	ErrCertificateSignatureNotValid  = NewError(CodeCertificateSignatureNotValid, "")
	ErrEnterpriseNotFoundForUser     = NewError(CodeEnterpriseNotFoundForUser, "")
	ErrBusinessProfileTypeRequired   = NewError(CodeBusinessProfileTypeRequired, "")

	ErrCategoryNotValid            = NewError(CodeCategoryNotValid, "")
	ErrBINNotValid                 = NewError(CodeBINNotValid, "")
	ErrTaxpayerNotFound            = NewError(CodeTaxpayerNotFound, "")
	ErrNotEntrepreneur             = NewError(CodeNotEntrepreneur, "")
	ErrNotEnterpriseHead           = NewError(CodeNotEnterpriseHead, "")
	ErrHeadMismatch                = NewError(CodeHeadMismatch, "")
	ErrEnterpriseAlreadyRegistered = NewError(CodeEnterpriseAlreadyRegistered, "")
	ErrUserAlreadyRegistered       = NewError(CodeUserAlreadyRegistered, "")
	ErrFieldRequired               = NewError(CodeFieldRequired, "")
	ErrFieldTooLong                = NewError(CodeFieldTooLong, "")
	ErrFieldInvalid                = NewError(CodeFieldInvalid, "")
	ErrFieldMismatch               = NewError(CodeFieldMismatch, "")
	ErrFieldNotAllowed             = NewError(CodeFieldNotAllowed, "")
	ErrEmailInvalid                = NewError(CodeEmailInvalid, "")
	ErrEmailMismatch               = NewError(CodeEmailMismatch, "")
	ErrPasswordTooShort            = NewError(CodePasswordTooShort, "")
	ErrPasswordTooLong             = NewError(CodePasswordTooLong, "")
	ErrPasswordLettersAndDigits    = NewError(CodePasswordLettersAndDigits, "")
	ErrPasswordContainsIIN         = NewError(CodePasswordContainsIIN, "")
	ErrPasswordTooWeak             = NewError(CodePasswordTooWeak, "")
	ErrPasswordMismatch            = NewError(CodePasswordMismatch, "")
	ErrPasswordAlreadySet          = NewError(CodePasswordAlreadySet, "")
	ErrIDDocumentNumberInvalid     = NewError(CodeIDDocumentNumberInvalid, "")
	ErrDateInvalid                 = NewError(CodeDateInvalid, "")
	ErrDateInFuture                = NewError(CodeDateInFuture, "")
	ErrAgreementNotSigned          = NewError(CodeAgreementNotSigned, "")
	ErrAgreementMismatch           = NewError(CodeAgreementMismatch, "")
	ErrTokenNotFound               = NewError(CodeTokenNotFound, "")
	ErrTokenExpired                = NewError(CodeTokenExpired, "")
	ErrTokenUsed                   = NewError(CodeTokenUsed, "")
)
