package esfreg

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/esfkit/esf/agreement"
	"github.com/esfkit/esf/certs"
)

// AgreementKind is whose Соглашение о пользовании ИС ЭСФ a participant
// signs: the agreement names the participant's status.
type AgreementKind int

// The kinds of agreement; the zero AgreementKind is none.
const (
	AgreementIndividual   AgreementKind = iota + 1 // физическое лицо
	AgreementEntrepreneur                          // индивидуальный предприниматель
	AgreementLegalEntity                           // юридическое лицо
)

// String returns "INDIVIDUAL", "ENTREPRENEUR" or "LEGAL_ENTITY".
func (k AgreementKind) String() string {
	switch k {
	case AgreementIndividual:
		return "INDIVIDUAL"
	case AgreementEntrepreneur:
		return "ENTREPRENEUR"
	case AgreementLegalEntity:
		return "LEGAL_ENTITY"
	}
	return fmt.Sprintf("AgreementKind(%d)", int(k))
}

// Title returns the agreement's tab on the portal, such as "Соглашение
// юридического лица".
func (k AgreementKind) Title() string {
	switch k {
	case AgreementIndividual:
		return "Соглашение физического лица"
	case AgreementEntrepreneur:
		return "Соглашение индивидуального предпринимателя"
	case AgreementLegalEntity:
		return "Соглашение юридического лица"
	}
	return ""
}

// MarshalText returns the String name.
func (k AgreementKind) MarshalText() ([]byte, error) {
	if k < AgreementIndividual || k > AgreementLegalEntity {
		return nil, fmt.Errorf("esfreg: agreement kind %d", int(k))
	}
	return []byte(k.String()), nil
}

// UnmarshalText reads the String name.
func (k *AgreementKind) UnmarshalText(b []byte) error {
	for _, v := range []AgreementKind{AgreementIndividual, AgreementEntrepreneur, AgreementLegalEntity} {
		if string(b) == v.String() {
			*k = v
			return nil
		}
	}
	return fmt.Errorf("esfreg: agreement kind %q", clip(string(b)))
}

// Requisites are the participant's requisites the agreement states
// (chapter 5, "Реквизиты Участника"): the person's, and for a legal entity
// also its BIN, its name, and what its head acts on the basis of. The
// fields are those of the agreement package's Requisites, which renders
// them.
type Requisites struct {
	IIN              string `json:"iin"`
	FullName         string `json:"fullName"`
	IDDocumentNumber string `json:"idDocumentNumber"`
	IDDocumentIssuer string `json:"idDocumentIssuer"`
	// IDDocumentIssueDate is the form's date at 00:00 Almaty time.
	IDDocumentIssueDate time.Time `json:"idDocumentIssueDate"`
	Address             string    `json:"address"`
	BIN                 string    `json:"bin,omitempty"`
	CompanyName         string    `json:"companyName,omitempty"`
	ActingOnBasisOf     string    `json:"actingOnBasisOf,omitempty"`
}

// Equal reports whether r and o state the same requisites (dates compared
// as days).
func (r Requisites) Equal(o Requisites) bool {
	if !dateOf(r.IDDocumentIssueDate).Equal(dateOf(o.IDDocumentIssueDate)) {
		return false
	}
	r.IDDocumentIssueDate, o.IDDocumentIssueDate = time.Time{}, time.Time{}
	return r == o
}

// Agreement is one agreement a registration must sign at step 3, as a
// value: the agreement package builds its XML.
type Agreement struct {
	Kind       AgreementKind `json:"kind"`
	Requisites Requisites    `json:"requisites"`
	// Date is the agreement's date ("Дата"): the day it is signed, 00:00
	// Almaty time.
	Date time.Time `json:"date"`
}

// Consent returns the agreement's closing sentence, "Я <ФИО> с условиями
// настоящего Соглашения согласен".
func (a Agreement) Consent() string {
	return "Я " + a.Requisites.FullName + " с условиями настоящего Соглашения согласен"
}

// Agreements returns the agreements step 3 shows for form f, dated the
// day of now in Almaty (domain.md, "Registration", step 3): the
// individual's agreement for an individual, the entrepreneur's for an
// entrepreneur, the legal entity's for a head — and, for a head who is not
// yet registered as an individual (hasIndividualProfile false), the
// individual's agreement too, first, as the portal's tabs list them.
func Agreements(f Form, hasIndividualProfile bool, now time.Time) []Agreement {
	issued, _ := ParseDate(f.IDDocumentIssueDate) // zero if the form is not valid
	person := Requisites{
		IIN:                 f.IIN,
		FullName:            f.FullName,
		IDDocumentNumber:    f.IDDocumentNumber,
		IDDocumentIssuer:    f.IDDocumentIssuer,
		IDDocumentIssueDate: issued,
		Address:             f.Address,
	}
	date := dateOf(nowOr(now))
	switch f.Category {
	case Individual:
		return []Agreement{{Kind: AgreementIndividual, Requisites: person, Date: date}}
	case Entrepreneur:
		return []Agreement{{Kind: AgreementEntrepreneur, Requisites: person, Date: date}}
	case LegalEntity:
		legal := person
		legal.BIN, legal.CompanyName, legal.ActingOnBasisOf = f.BIN, f.CompanyName, f.ActingOnBasisOf
		out := []Agreement{{Kind: AgreementLegalEntity, Requisites: legal, Date: date}}
		if !hasIndividualProfile {
			out = append([]Agreement{{Kind: AgreementIndividual, Requisites: person, Date: date}}, out...)
		}
		return out
	}
	return nil
}

// SignedAgreement is an agreement as the user signed it: the agreement
// the signed document states, and the certificate of the key that signed
// it, both as the verification of the XML signature returned them (that
// is the xmlsig and agreement packages' job); and the signed document,
// kept as it came.
type SignedAgreement struct {
	Agreement Agreement          `json:"agreement"`
	Signer    *certs.Certificate `json:"-"`
	Document  []byte             `json:"document,omitempty"`
}

// signedAgreementJSON is SignedAgreement with the signer as DER.
type signedAgreementJSON struct {
	Agreement Agreement `json:"agreement"`
	Signer    []byte    `json:"signer,omitempty"`
	Document  []byte    `json:"document,omitempty"`
}

// MarshalJSON writes the signer's certificate as base64 DER.
func (s SignedAgreement) MarshalJSON() ([]byte, error) {
	j := signedAgreementJSON{Agreement: s.Agreement, Document: s.Document}
	if s.Signer != nil && s.Signer.X509 != nil {
		j.Signer = s.Signer.X509.Raw
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (s *SignedAgreement) UnmarshalJSON(b []byte) error {
	var j signedAgreementJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*s = SignedAgreement{Agreement: j.Agreement, Document: j.Document}
	if len(j.Signer) > 0 {
		c, err := certs.ParseCertificate(j.Signer)
		if err != nil {
			return fmt.Errorf("esfreg: signed agreement: %w", err)
		}
		s.Signer = c
	}
	return nil
}

// CheckAgreementSigner checks who signed agreement a (domain.md, step 3:
// "The user signs it with the signing key"): a signing key of the
// requisites' IIN (CheckSigningCertificate), of a kind that fits the
// agreement — agreement.CheckSignerKind, the rule the client applies
// before signing (agreement.CheckSigner):
//
//   - the legal entity's agreement: the head's key — a legal entity's
//     certificate (else CERTIFICATE_IS_NOT_FOR_ENTERPRISE) naming the
//     requisites' BIN (else CERTIFICATE_IS_NOT_FOR_ENTERPRISE) with the
//     CEO role (else NOT_ENTERPRISE_HEAD);
//   - the entrepreneur's: a personal key, an individual's certificate
//     (else CERTIFICATE_IS_NOT_FOR_PRIVATE);
//   - the individual's: a personal key, or the head's (CEO) key, with
//     which a head not yet registered as an individual signs his own
//     agreement beside the legal entity's; a legal entity's other keys
//     (CAN_SIGN, EMPLOYEE …) are CERTIFICATE_IS_NOT_FOR_PRIVATE.
//     CheckSignedAgreements accepts the head's key there only in that
//     head's own legal-entity registration.
func CheckAgreementSigner(a Agreement, signer *certs.Certificate, o CertOptions) error {
	if err := CheckSigningCertificate(signer, a.Requisites.IIN, o); err != nil {
		return err
	}
	kind, ok := agreementKinds[a.Kind]
	if !ok {
		return wrapError(CodeAgreementMismatch, FieldAgreements, fmt.Errorf("agreement kind %d", int(a.Kind)))
	}
	switch a.Kind {
	case AgreementLegalEntity:
		if signer.Holder != certs.HolderLegalEntity {
			return wrapError(CodeCertificateIsNotForEnterprise, "", agreement.CheckSignerKind(kind, signer))
		}
		if signer.BIN != a.Requisites.BIN {
			return wrapError(CodeCertificateIsNotForEnterprise, "", fmt.Errorf("signed with a key of BIN %q, not %s", clip(signer.BIN), a.Requisites.BIN))
		}
		if err := agreement.CheckSignerKind(kind, signer); err != nil {
			return wrapError(CodeNotEnterpriseHead, "", err)
		}
	default:
		if err := agreement.CheckSignerKind(kind, signer); err != nil {
			return wrapError(CodeCertificateIsNotForPrivate, "", err)
		}
	}
	return nil
}

// agreementKinds maps each AgreementKind to the agreement package's Kind.
var agreementKinds = map[AgreementKind]agreement.Kind{
	AgreementIndividual:   agreement.Individual,
	AgreementEntrepreneur: agreement.Entrepreneur,
	AgreementLegalEntity:  agreement.LegalEntity,
}

// headSignsOwn checks the individual's agreement signed with a legal
// entity's key (which CheckAgreementSigner lets only a head's key do): it
// is the head's own agreement in his legal-entity registration only if
// that registration asks for the legal entity's agreement too, and the
// key is a head's key of that legal entity (its BIN).
func headSignsOwn(expected []Agreement, ind SignedAgreement) error {
	if ind.Agreement.Kind != AgreementIndividual || ind.Signer == nil || ind.Signer.Holder != certs.HolderLegalEntity {
		return nil
	}
	for _, e := range expected {
		if e.Kind == AgreementLegalEntity && ind.Signer.BIN == e.Requisites.BIN {
			return nil
		}
	}
	return wrapError(CodeCertificateIsNotForPrivate, "", fmt.Errorf(
		"the individual agreement is signed with a legal entity's head key (BIN %q); it needs a personal key (an individual's certificate), "+
			"or the head's key of the legal entity he registers beside it", clip(ind.Signer.BIN)))
}

// CheckSignedAgreements checks that signed holds exactly the agreements
// expected, each once, with the expected requisites, dated the expected
// day or the day before (a signature made just before midnight), and each
// signed by the right key (CheckAgreementSigner). A missing agreement is
// ErrAgreementNotSigned; an extra, repeated or different one
// ErrAgreementMismatch; both name the field "agreements". The individual's
// agreement takes the head's (CEO) key only beside the legal entity's
// agreement of that key's BIN: in the head's own registration.
func CheckSignedAgreements(expected []Agreement, signed []SignedAgreement, o CertOptions) error {
	byKind := map[AgreementKind]SignedAgreement{}
	for _, s := range signed {
		if _, dup := byKind[s.Agreement.Kind]; dup {
			return wrapError(CodeAgreementMismatch, FieldAgreements, fmt.Errorf("%s agreement signed twice", s.Agreement.Kind))
		}
		byKind[s.Agreement.Kind] = s
	}
	for _, want := range expected {
		got, ok := byKind[want.Kind]
		if !ok {
			return wrapError(CodeAgreementNotSigned, FieldAgreements, fmt.Errorf("%s agreement not signed", want.Kind))
		}
		delete(byKind, want.Kind)
		if !got.Agreement.Requisites.Equal(want.Requisites) {
			return wrapError(CodeAgreementMismatch, FieldAgreements, fmt.Errorf("%s agreement: requisites differ from the form", want.Kind))
		}
		day := dateOf(got.Agreement.Date)
		if !day.Equal(want.Date) && !day.Equal(want.Date.AddDate(0, 0, -1)) {
			return wrapError(CodeAgreementMismatch, FieldAgreements, fmt.Errorf("%s agreement dated %s", want.Kind, day.Format(DateLayout)))
		}
		if err := CheckAgreementSigner(got.Agreement, got.Signer, o); err != nil {
			return err
		}
		if err := headSignsOwn(expected, got); err != nil {
			return err
		}
	}
	for k := range byKind {
		return wrapError(CodeAgreementMismatch, FieldAgreements, fmt.Errorf("%s agreement not asked for", k))
	}
	return nil
}
