// Package agreement builds, signs and verifies the Соглашение о пользовании
// ИС ЭСФ — the user agreement every ESF participant signs with a signing
// key when registering (a head of a legal entity not yet registered as an
// individual signs two: the legal entity's and his own).
//
// New makes an Agreement for an individual, an entrepreneur or a legal
// entity, in Russian or Kazakh, with the participant's requisites; XML
// renders it as a deterministic document (structure below); Sign signs it
// through xmlsig; Verify checks a signed agreement against a Policy: the
// signature, a signing (not AUTH-only) key, the signer's IIN and BIN equal
// to the requisites, a key whose kind fits the agreement's (CheckSignerKind:
// a personal key for an individual or an entrepreneur, the head's key for a
// legal entity), and the chain, time and revocation through certs.Verify.
//
// The document (namespace Namespace):
//
//	<agreement xmlns="urn:esfkit:esf:agreement:v1" version="1" kind="legal-entity" lang="ru">
//	  <title>Соглашение о пользовании …</title>
//	  <section title="1. Определения"><p>…</p>…</section>   (four sections)
//	  <participant title="5. Реквизиты участника">
//	    <category label="Категория">юридическое лицо</category>
//	    <iin label="ИИН">…</iin> <fullName label="ФИО">…</fullName>
//	    <idDocument label="…"><number …/><issuer …/><issueDate …>YYYY-MM-DD</issueDate></idDocument>
//	    <address label="Адрес">…</address>
//	    <bin label="БИН">…</bin> <name label="Наименование">…</name>
//	    <actingOnBasisOf label="Действует на основании">…</actingOnBasisOf>   (legal entity only)
//	  </participant>
//	  <acceptance>Я … с условиями настоящего Соглашения согласен</acceptance>
//	  <date label="Дата">YYYY-MM-DD</date>
//	</agreement>
package agreement

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
)

// Namespace is the agreement document's XML namespace.
const Namespace = "urn:esfkit:esf:agreement:v1"

// Version is the document structure's version, written in the version attribute.
const Version = "1"

// Kind is the participant's category.
type Kind int

// The participant categories of ESF.
const (
	Individual   Kind = iota + 1 // физическое лицо
	Entrepreneur                 // индивидуальный предприниматель
	LegalEntity                  // юридическое лицо (signed by its head)
)

var kindNames = map[Kind]string{Individual: "individual", Entrepreneur: "entrepreneur", LegalEntity: "legal-entity"}

// String returns "individual", "entrepreneur" or "legal-entity".
func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("agreement.Kind(%d)", int(k))
}

// ParseKind reads the names String returns.
func ParseKind(s string) (Kind, error) {
	for k, n := range kindNames {
		if n == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("agreement: unknown kind %q (want individual, entrepreneur or legal-entity)", s)
}

// Lang is the agreement's language.
type Lang string

// The languages of the agreement.
const (
	Russian Lang = "ru"
	Kazakh  Lang = "kk"
)

// Requisites are the participant's details the agreement names (domain.md,
// registration step 3).
type Requisites struct {
	IIN      string // 12 digits
	FullName string // ФИО: surname, first name, patronymic
	// The identity document: number, issuer and date of issue.
	IDDocumentNumber    string
	IDDocumentIssuer    string
	IDDocumentIssueDate time.Time
	Address             string
	// For a legal entity: its BIN and name, and what its head acts on the
	// basis of (e.g. "Устава").
	BIN             string
	CompanyName     string
	ActingOnBasisOf string
}

// Agreement is one agreement: who accepts it, in which language, when.
type Agreement struct {
	Kind       Kind
	Lang       Lang
	Requisites Requisites
	// Date is the day of acceptance (only the date is written).
	Date time.Time
}

// FieldError names a requisite that is missing or malformed.
type FieldError struct {
	Field  string // JSON-style name: "iin", "fullName", "idDocumentNumber" …
	Reason string
}

// Error returns "agreement: field: reason".
func (e *FieldError) Error() string { return "agreement: " + e.Field + ": " + e.Reason }

// ErrInvalid is wrapped by every validation error (errors.Is).
var ErrInvalid = errors.New("agreement: invalid")

// Is makes a *FieldError match ErrInvalid.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

// New returns a validated agreement.
func New(kind Kind, lang Lang, req Requisites, date time.Time) (*Agreement, error) {
	a := &Agreement{Kind: kind, Lang: lang, Requisites: req, Date: date}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return a, nil
}

// Validate checks the kind, the language and the requisites the kind needs.
// The first problem found is returned as a *FieldError.
func (a *Agreement) Validate() error {
	if _, ok := kindNames[a.Kind]; !ok {
		return &FieldError{"kind", "unknown category"}
	}
	if _, ok := texts[a.Lang]; !ok {
		return &FieldError{"lang", fmt.Sprintf("unknown language %q (want ru or kk)", a.Lang)}
	}
	r := a.Requisites
	switch {
	case !twelveDigits(r.IIN):
		return &FieldError{"iin", "must be 12 digits"}
	case strings.TrimSpace(r.FullName) == "":
		return &FieldError{"fullName", "is required"}
	case strings.TrimSpace(r.IDDocumentNumber) == "":
		return &FieldError{"idDocumentNumber", "is required"}
	case strings.TrimSpace(r.IDDocumentIssuer) == "":
		return &FieldError{"idDocumentIssuer", "is required"}
	case r.IDDocumentIssueDate.IsZero():
		return &FieldError{"idDocumentIssueDate", "is required"}
	case a.Date.IsZero():
		return &FieldError{"date", "is required"}
	case day(r.IDDocumentIssueDate).After(day(a.Date)):
		return &FieldError{"idDocumentIssueDate", "is after the agreement's date"}
	case strings.TrimSpace(r.Address) == "":
		return &FieldError{"address", "is required"}
	}
	if a.Kind == LegalEntity {
		switch {
		case !twelveDigits(r.BIN):
			return &FieldError{"bin", "must be 12 digits"}
		case strings.TrimSpace(r.CompanyName) == "":
			return &FieldError{"companyName", "is required"}
		case strings.TrimSpace(r.ActingOnBasisOf) == "":
			return &FieldError{"actingOnBasisOf", "is required"}
		}
	} else if r.BIN != "" || r.CompanyName != "" || r.ActingOnBasisOf != "" {
		return &FieldError{"bin", "only a legal entity's agreement names a BIN and company"}
	}
	return nil
}

func twelveDigits(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, r := range s {
		if r > unicode.MaxASCII || !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// day is t's calendar date.
func day(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }

// Acceptance returns the sentence of acceptance with the participant's name.
func (a *Agreement) Acceptance() string {
	return fmt.Sprintf(texts[a.Lang].acceptance, a.Requisites.FullName)
}
