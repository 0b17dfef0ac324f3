package mockserver

import (
	"errors"
	"slices"

	"github.com/esfkit/esf/invoice"
	"github.com/esfkit/esf/mockserver/internal/soap/invoicesvc"
)

// The item-level codes of the invoice services — ESF's errorCode values,
// each in KGD's 2026 InvoiceService.wsdl (a test checks) — that the mock
// answers with: in syncInvoice's declinedSet, in queryInvoiceErrorById
// and cancelReason of a FAILED invoice, and in changeStatusResult.
const (
	// syncInvoice's checks at once (declinedSet).
	InvCodeWrongXMLFormat        = "WRONG_XML_FORMAT"
	InvCodeFieldIsNull           = "FIELD_IS_NULL"
	InvCodeFieldInvalid          = "FIELD_INVALID"
	InvCodeInvalidVersion        = "INVALID_INVOICE_VERSION"
	InvCodeSignatureFormat       = "SIGNATURE_INVALID_FORMAT"
	InvCodeSellerNotSessionTIN   = "SELLER_TIN_NOT_EQUALS_WITH_TIN_IN_SESSION"
	InvCodeNotUniqueNumberAndDay = "NOT_UNIQUE_NUMBER_AND_DATE"

	// The processing step's (FAILED).
	InvCodeSignatureFailed          = "SIGNATURE_VERIFICATION_FAILED"
	InvCodeSellerNotInRegister      = "SELLER_TIN_ABSENT_IN_DICTIONARY"
	InvCodeCustomerNotInRegister    = "CUSTOMER_TIN_ABSENT_IN_DICTIONARY"
	InvCodeCertNotForEnterprise     = "CERTIFICATE_IS_NOT_FOR_ENTERPRISE"
	InvCodeCertNotForPrivate        = "CERTIFICATE_IS_NOT_FOR_PRIVATE"
	InvCodeNDSRateForNotPayer       = "NDS_RATE_FOR_NOT_NDS_PAYER"
	InvCodeNDSAmountForNotPayer     = "NDS_AMOUNT_FOR_NOT_NDS_PAYER"
	InvCodeIncorrectProductSum      = "INCORRECT_PRODUCT_SUM"
	InvCodeIncorrectTotalSum        = "INCORRECT_TOTAL_SUM"
	InvCodeWrongDate                = "WRONG_DATE"
	InvCodeInvalidMeasureUnit       = "INVALID_MEASURE_UNIT_CODE"
	InvCodeRelatedInvoiceNotFound   = "RELATED_INVOICE_NOT_FOUND"
	InvCodeCertificateInvalidFormat = "CERTIFICATE_INVALID_FORMAT"

	// Changes of status (changeStatusResult.errorCode).
	InvCodeInvoiceNotFound = "INVOICE_NOT_FOUND"
	InvCodeWrongStatus     = "WRONG_STATUS"
	InvCodeWrongType       = "WRONG_TYPE"
	InvCodeAccessDenied    = "ACCESS_DENIED"
)

// invoiceCodeText are the Russian texts the mock puts beside its codes
// (Error.text). ESF's own texts are published for two checks only (the
// unit of measure and the turnover date, docs/esf-invoice-api.md §2.3);
// the rest are ours.
var invoiceCodeText = map[string]string{
	InvCodeWrongXMLFormat:           "Некорректный формат XML бланка ЭСФ",
	InvCodeFieldIsNull:              "Не заполнено обязательное поле",
	InvCodeFieldInvalid:             "Некорректное значение поля",
	InvCodeInvalidVersion:           "Неподдерживаемая версия ЭСФ",
	InvCodeSignatureFormat:          "Некорректный формат подписи",
	InvCodeSellerNotSessionTIN:      "ИИН/БИН поставщика не совпадает с ИИН/БИН сессии",
	InvCodeNotUniqueNumberAndDay:    "ЭСФ с таким номером и датой выписки уже есть у поставщика",
	InvCodeSignatureFailed:          "Подпись ЭСФ не прошла проверку",
	InvCodeSellerNotInRegister:      "ИИН/БИН поставщика отсутствует в справочнике налогоплательщиков",
	InvCodeCustomerNotInRegister:    "ИИН/БИН получателя отсутствует в справочнике налогоплательщиков",
	InvCodeCertNotForEnterprise:     "Сертификат не принадлежит юридическому лицу — поставщику",
	InvCodeCertNotForPrivate:        "Сертификат юридического лица не подходит для подписи ЭСФ физического лица",
	InvCodeNDSRateForNotPayer:       "Ставка НДС указана поставщиком, не являющимся плательщиком НДС",
	InvCodeNDSAmountForNotPayer:     "Сумма НДС указана поставщиком, не являющимся плательщиком НДС",
	InvCodeIncorrectProductSum:      "Стоимость с учетом косвенных налогов не равна стоимости без них, сумме НДС и акциза",
	InvCodeIncorrectTotalSum:        "Итоговая сумма не равна сумме по товарам",
	InvCodeWrongDate:                "Дата совершения оборота задана неверно",
	InvCodeInvalidMeasureUnit:       "Некорректный код единицы измерения",
	InvCodeRelatedInvoiceNotFound:   "Связанный ЭСФ не найден",
	InvCodeCertificateInvalidFormat: "Некорректный формат сертификата",
	InvCodeInvoiceNotFound:          "ЭСФ не найден",
	InvCodeWrongStatus:              "Операция не разрешена в текущем статусе ЭСФ",
	InvCodeWrongType:                "Операция не разрешена для этого типа ЭСФ",
	InvCodeAccessDenied:             "Нет прав на операцию с этим ЭСФ",
}

// InvoiceCodes returns the item-level codes the mock answers with, sorted.
func InvoiceCodes() []string {
	out := make([]string, 0, len(invoiceCodeText))
	for c := range invoiceCodeText {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// invErr is an Error of code with its text; property names the field.
func invErr(code, property string) invoicesvc.Error {
	return invoicesvc.Error{ErrorCode: code, Property: property, Text: invoiceCodeText[code]}
}

// maxDeclineErrors bounds the errors one declined invoice reports.
const maxDeclineErrors = 20

// checkErrors turns invoice.Check's errors into declinedSet errors: a
// missing element FIELD_IS_NULL, a body that is not an invoice
// WRONG_XML_FORMAT, any other breach FIELD_INVALID, each naming the
// element's path with Check's message.
func checkErrors(err error) []invoicesvc.Error {
	var list []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	} else {
		list = []error{err}
	}
	var out []invoicesvc.Error
	for _, e := range list {
		var ce *invoice.CheckError
		if !errors.As(e, &ce) {
			out = append(out, invoicesvc.Error{ErrorCode: InvCodeWrongXMLFormat, Text: invoiceCodeText[InvCodeWrongXMLFormat]})
			continue
		}
		code := InvCodeFieldInvalid
		switch ce.Rule {
		case invoice.RuleRequired:
			code = InvCodeFieldIsNull
		case invoice.RuleSyntax, invoice.RuleRoot, invoice.RuleSize:
			code = InvCodeWrongXMLFormat
		}
		out = append(out, invoicesvc.Error{ErrorCode: code, Property: ce.Path, Text: ce.Message})
		if len(out) == maxDeclineErrors {
			break
		}
	}
	return out
}
