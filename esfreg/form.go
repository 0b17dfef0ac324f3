package esfreg

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/esfkit/esf/certs"
)

// The names of the form's fields, as Error.Field gives them and as the
// Form's JSON names them.
const (
	FieldCategory             = "category"
	FieldIIN                  = "iin"
	FieldEmail                = "email"
	FieldFullName             = "fullName"
	FieldActingOnBasisOf      = "actingOnBasisOf"
	FieldPassword             = "password"
	FieldPasswordConfirmation = "passwordConfirmation"
	FieldCurrentPassword      = "currentPassword"
	FieldBIN                  = "bin"
	FieldCompanyName          = "companyName"
	FieldAddress              = "address"
	FieldIDDocumentNumber     = "idDocumentNumber"
	FieldIDDocumentIssueDate  = "idDocumentIssueDate"
	FieldIDDocumentIssuer     = "idDocumentIssuer"
	FieldAgreements           = "agreements"
	FieldToken                = "token"
)

// The longest values the form takes, in characters.
const (
	maxNameLength    = 300
	maxAddressLength = 500
	maxShortLength   = 200
	maxEmailLength   = 254
)

// Form is step 2 of registration, "Регистрационные данные": what ESF
// read from the certificate and the register (Prefill), completed by the
// user. The fields are those of the portal's form; an individual's and an
// entrepreneur's form has no BIN, company name or "acting on the basis
// of".
//
// A person who has an account already types his CurrentPassword and no
// new Password: the password belongs to his IIN and does not change.
type Form struct {
	Category Category `json:"category"`
	// IIN is the login ("Логин (ИИН)"), from the certificate.
	IIN   string `json:"iin"`
	Email string `json:"email"`
	// FullName is "ФИО", from the certificate.
	FullName string `json:"fullName"`
	// ActingOnBasisOf is "Действующий на основании" (Устав,
	// Свидетельство…): legal entities only.
	ActingOnBasisOf      string `json:"actingOnBasisOf,omitempty"`
	Password             string `json:"password,omitempty"`
	PasswordConfirmation string `json:"passwordConfirmation,omitempty"`
	CurrentPassword      string `json:"currentPassword,omitempty"`
	// BIN and CompanyName name the legal entity, from the certificate.
	BIN         string `json:"bin,omitempty"`
	CompanyName string `json:"companyName,omitempty"`
	// Address is "Адрес места нахождения".
	Address string `json:"address"`
	// IDDocumentNumber is "Серия и номер паспорта/Номер удостоверения
	// личности".
	IDDocumentNumber string `json:"idDocumentNumber"`
	// IDDocumentIssueDate is "Дата выдачи", ДД.ММ.ГГГГ (or ГГГГ-ММ-ДД).
	IDDocumentIssueDate string `json:"idDocumentIssueDate"`
	// IDDocumentIssuer is "Кем выдан".
	IDDocumentIssuer string `json:"idDocumentIssuer"`
}

// WithoutPasswords returns f with the password fields emptied, for keeping
// or showing.
func (f Form) WithoutPasswords() Form {
	f.Password, f.PasswordConfirmation, f.CurrentPassword = "", "", ""
	return f
}

// Prefill returns the form of step 2 as ESF fills it (domain.md,
// "Registration", step 2; "Certificates"): from the certificate the IIN,
// full name, e-mail (if the certificate has one), BIN and company name;
// from the register the company name if the certificate lacks it and the
// address (the legal entity's, the entrepreneur's, or the person's); from
// an existing account its e-mail, which belongs to the IIN, and its
// identity document. tp and acct may be nil. The rest is the user's to
// type.
func Prefill(c Category, cert *certs.Certificate, tp *Taxpayer, acct *Account) Form {
	f := Form{Category: c}
	if cert != nil {
		f.IIN = cert.IIN
		f.FullName = cert.FullName()
		f.Email = cert.Email
		if c == LegalEntity {
			f.BIN = cert.BIN
			f.CompanyName = cert.Organization
		}
	}
	if tp != nil {
		if c == LegalEntity && f.CompanyName == "" {
			f.CompanyName = tp.Name()
		}
		f.Address = tp.AddressRu
	}
	if acct != nil {
		f.Email = acct.Email
		f.IDDocumentNumber = acct.IDDocumentNumber
		f.IDDocumentIssueDate = acct.IDDocumentIssueDate
		f.IDDocumentIssuer = acct.IDDocumentIssuer
		if f.Address == "" {
			f.Address = acct.Address
		}
	}
	return f
}

// FormOptions say how Validate checks a form.
type FormOptions struct {
	// Now is the time the form is checked at: the issue date may not be
	// after its day in Almaty. Zero means time.Now().
	Now time.Time
	// IDOptions say how the IIN and BIN are checked.
	IDOptions
	// ExistingAccount says the IIN has an account: the form must carry
	// CurrentPassword, and no new Password.
	ExistingAccount bool
}

// Validate checks the form on its own, as step 2 does before it goes on,
// and returns every bad field as Errors, in the form's order (nil when
// the form is good):
//
//   - iin: present, a valid IIN;
//   - email: present, one plain address (user@domain.tld);
//   - fullName: present;
//   - actingOnBasisOf: present for a legal entity, absent otherwise;
//   - password and passwordConfirmation: for a new account, the policy of
//     CheckPassword, and equal; for an existing one absent
//     (ErrPasswordAlreadySet), with currentPassword present instead;
//   - bin and companyName: present and valid for a legal entity, absent
//     otherwise;
//   - address: present;
//   - idDocumentNumber: 5–20 letters, digits and hyphens (spaces ignored),
//     at least one digit;
//   - idDocumentIssueDate: a date, not after today in Almaty;
//   - idDocumentIssuer: present.
//
// Text may not hold control characters or exceed its length. Whether the
// values agree with the certificate, the register and the account is
// Service.CheckForm's part.
func (f Form) Validate(o FormOptions) error {
	var errs Errors
	add := func(code Code, field string, cause error) {
		errs = append(errs, wrapError(code, field, cause))
	}
	text := func(field, v string, required bool, max int) bool {
		switch {
		case strings.TrimSpace(v) == "":
			if required {
				add(CodeFieldRequired, field, nil)
			}
			return false
		case !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl):
			add(CodeFieldInvalid, field, nil)
			return false
		case utf8.RuneCountInString(v) > max:
			add(CodeFieldTooLong, field, fmt.Errorf("more than %d characters", max))
			return false
		}
		return true
	}
	absent := func(field, v string) {
		if v != "" {
			add(CodeFieldNotAllowed, field, fmt.Errorf("not a field of the %s form", f.Category))
		}
	}
	legal := f.Category == LegalEntity

	if !f.Category.Valid() {
		add(CodeCategoryNotValid, FieldCategory, nil)
	}
	if f.IIN == "" {
		add(CodeFieldRequired, FieldIIN, nil)
	} else if _, err := o.ParseIIN(f.IIN); err != nil {
		errs = append(errs, fieldError(err, FieldIIN))
	}
	if text(FieldEmail, f.Email, true, maxEmailLength) {
		if err := CheckEmail(f.Email); err != nil {
			errs = append(errs, fieldError(err, FieldEmail))
		}
	}
	text(FieldFullName, f.FullName, true, maxNameLength)
	if legal {
		text(FieldActingOnBasisOf, f.ActingOnBasisOf, true, maxShortLength)
	} else {
		absent(FieldActingOnBasisOf, f.ActingOnBasisOf)
	}
	if o.ExistingAccount {
		if f.Password != "" || f.PasswordConfirmation != "" {
			add(CodePasswordAlreadySet, FieldPassword, nil)
		}
		if f.CurrentPassword == "" {
			add(CodeFieldRequired, FieldCurrentPassword, nil)
		}
	} else {
		if err := CheckPassword(f.Password, f.IIN); err != nil {
			errs = append(errs, fieldError(err, FieldPassword))
		}
		switch {
		case f.PasswordConfirmation == "":
			add(CodeFieldRequired, FieldPasswordConfirmation, nil)
		case f.Password != "" && f.PasswordConfirmation != f.Password:
			add(CodePasswordMismatch, FieldPasswordConfirmation, nil)
		}
	}
	if legal {
		if f.BIN == "" {
			add(CodeFieldRequired, FieldBIN, nil)
		} else if _, err := o.ParseBIN(f.BIN); err != nil {
			errs = append(errs, fieldError(err, FieldBIN))
		}
		text(FieldCompanyName, f.CompanyName, true, maxNameLength)
	} else {
		absent(FieldBIN, f.BIN)
		absent(FieldCompanyName, f.CompanyName)
	}
	text(FieldAddress, f.Address, true, maxAddressLength)
	if text(FieldIDDocumentNumber, f.IDDocumentNumber, true, maxShortLength) && !validDocumentNumber(f.IDDocumentNumber) {
		add(CodeIDDocumentNumberInvalid, FieldIDDocumentNumber, nil)
	}
	if text(FieldIDDocumentIssueDate, f.IDDocumentIssueDate, true, maxShortLength) {
		if d, err := ParseDate(f.IDDocumentIssueDate); err != nil {
			errs = append(errs, fieldError(err, FieldIDDocumentIssueDate))
		} else if today := dateOf(nowOr(o.Now)); d.After(today) {
			add(CodeDateInFuture, FieldIDDocumentIssueDate, fmt.Errorf("%s is after today, %s", d.Format(DateLayout), today.Format(DateLayout)))
		}
	}
	text(FieldIDDocumentIssuer, f.IDDocumentIssuer, true, maxShortLength)
	return errs.err()
}

// CheckEmail checks an e-mail address as the form takes it: one plain
// address user@domain.tld, no display name, no spaces, at most 254
// characters. A failure is an *Error with CodeEmailInvalid and Field
// "email".
func CheckEmail(s string) error {
	bad := func(why string) error { return wrapError(CodeEmailInvalid, FieldEmail, errors.New(why)) }
	if s == "" {
		return NewError(CodeFieldRequired, FieldEmail)
	}
	if len(s) > maxEmailLength {
		return bad("longer than 254 bytes")
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return bad(err.Error())
	}
	if a.Name != "" || a.Address != s {
		return bad("not a plain address")
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], s[at+1:]
	if local == "" || strings.ContainsAny(s, " \t\"\\") {
		return bad("quoted or spaced local part")
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return bad("the domain has no dot")
	}
	for _, l := range labels {
		if l == "" || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return bad("bad domain label")
		}
		for _, r := range l {
			if !(r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
				return bad("bad character in the domain")
			}
		}
	}
	return nil
}

// validDocumentNumber: spaces ignored, 5–20 letters, digits and hyphens,
// at least one digit (an identity card "043512345", a passport
// "N12345678", an older "II-ЖС 123456").
func validDocumentNumber(s string) bool {
	n, digits := 0, 0
	for _, r := range s {
		switch {
		case r == ' ':
			continue
		case unicode.IsDigit(r):
			digits++
		case unicode.IsLetter(r) || r == '-':
		default:
			return false
		}
		n++
	}
	return n >= 5 && n <= 20 && digits > 0
}

// DateLayout is how ESF writes a date: ДД.ММ.ГГГГ ("19.11.2014").
const DateLayout = "02.01.2006"

// ParseDate reads a calendar date as the form takes it, ДД.ММ.ГГГГ or
// ГГГГ-ММ-ДД, and returns it at 00:00 Almaty time. A year before 1900 or
// after 9999, or anything else, is an *Error with CodeDateInvalid.
func ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{DateLayout, time.DateOnly} {
		if d, err := time.ParseInLocation(layout, s, Almaty); err == nil {
			if d.Year() < 1900 {
				return time.Time{}, wrapError(CodeDateInvalid, "", fmt.Errorf("year %d", d.Year()))
			}
			return d, nil
		}
	}
	return time.Time{}, wrapError(CodeDateInvalid, "", fmt.Errorf("date %q", clip(s)))
}

// dateOf returns the day of t in Almaty, at 00:00.
func dateOf(t time.Time) time.Time {
	l := t.In(Almaty)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, Almaty)
}

func nowOr(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}
