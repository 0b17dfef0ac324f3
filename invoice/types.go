package invoice

import (
	"encoding/json"
	"fmt"
	"strings"
)

// The Go types of InvoiceV2 (InvoiceV2.xsd with the AbstractInvoice of
// InvoiceV1.xsd). Each struct lists the XSD's elements in the XSD's
// order; the xml tag names the element ("customers>customer": a wrapper
// and its repeated element), omitempty marks an optional one
// (minOccurs="0"), and the xsd and pattern tags carry the facets of its
// simple type. The schema Check enforces is compiled from these tags, and a
// test compares it with InvoiceV2.xsd element by element.
//
// An optional element of type string (or Decimal) is written only when it
// is not empty, so Parse reads an empty optional element (<addInf/>) as
// absent; a required one is always written.

// Invoice is an electronic invoice (ЭСФ) of version InvoiceV2: the
// AbstractInvoice fields (date … turnoverDate), then InvoiceV2's own, in
// the XSD's order. Dates are strings in ESF's dd.MM.yyyy form, as the XSD
// types them (xs:string).
type Invoice struct {
	// Date is the date of issue (A 2), dd.MM.yyyy.
	Date string `xml:"date"`
	// InvoiceType is ORDINARY_INVOICE, FIXED_INVOICE (A 4) or ADDITIONAL_INVOICE (A 5).
	InvoiceType InvoiceType `xml:"invoiceType"`
	// Num is the seller's own number of the invoice (A 1): 1 to 30 digits.
	Num string `xml:"num" pattern:"[0-9]{1,30}"`
	// OperatorFullname is the full name of whoever sends the invoice, at most 200 characters.
	OperatorFullname string `xml:"operatorFullname" xsd:"minLength=0;maxLength=200"`
	// RelatedInvoice links a fixed or additional invoice to the one it fixes or adds to.
	RelatedInvoice *RelatedInvoice `xml:"relatedInvoice,omitempty"`
	// TurnoverDate is the date of the turnover (A 3), dd.MM.yyyy.
	TurnoverDate string `xml:"turnoverDate"`

	// AddInf is additional information (K 43).
	AddInf string `xml:"addInf,omitempty"`
	// Consignee is the consignee (грузополучатель, D 24).
	Consignee *Consignee `xml:"consignee,omitempty"`
	// Consignor is the consignor (грузоотправитель, D 23).
	Consignor *Consignor `xml:"consignor,omitempty"`
	// CustomerAgentAddress is the address of the customer's agent (J 41).
	CustomerAgentAddress string `xml:"customerAgentAddress,omitempty"`
	// CustomerAgentDocDate is the date of the agent's document (J 42.2).
	CustomerAgentDocDate string `xml:"customerAgentDocDate,omitempty"`
	// CustomerAgentDocNum is the number of the agent's document (J 42.1).
	CustomerAgentDocNum string `xml:"customerAgentDocNum,omitempty"`
	// CustomerAgentName is the customer's agent (J 40).
	CustomerAgentName string `xml:"customerAgentName,omitempty"`
	// CustomerAgentTIN is the BIN of the customer's agent (J 39).
	CustomerAgentTIN string `xml:"customerAgentTin,omitempty"`
	// CustomerParticipants are the customer's participants in a joint
	// activity (УСД, H); when present, at least one.
	CustomerParticipants []Participant `xml:"customerParticipants>participant,omitempty"`
	// Customers are the customers (получатели, C): at least one.
	Customers []Customer `xml:"customers>customer"`
	// DatePaper is the date of a paper invoice this one replaces (2.1).
	DatePaper string `xml:"datePaper,omitempty"`
	// DeliveryDocDate is the date of the document of delivery (F 32.2).
	DeliveryDocDate string `xml:"deliveryDocDate,omitempty"`
	// DeliveryDocDate2 is the date of a second document of delivery (F 32.4).
	DeliveryDocDate2 string `xml:"deliveryDocDate2,omitempty"`
	// DeliveryDocNum is the number of the document of delivery (F 32.1).
	DeliveryDocNum string `xml:"deliveryDocNum,omitempty"`
	// DeliveryDocNum2 is the number of a second document of delivery (F 32.3).
	DeliveryDocNum2 string `xml:"deliveryDocNum2,omitempty"`
	// DeliveryTerm is the terms of delivery (E).
	DeliveryTerm *DeliveryTerm `xml:"deliveryTerm,omitempty"`
	// ProductSet is the goods, works and services (G), with their totals.
	ProductSet ProductSet `xml:"productSet"`
	// PublicOffice is the requisites of a public office (государственное учреждение, F).
	PublicOffice *PublicOffice `xml:"publicOffice,omitempty"`
	// ReasonPaper is why the invoice was first issued on paper (2.1).
	ReasonPaper PaperReason `xml:"reasonPaper,omitempty"`
	// SellerAgentAddress is the address of the seller's agent (I 37).
	SellerAgentAddress string `xml:"sellerAgentAddress,omitempty"`
	// SellerAgentDocDate is the date of the agent's document (I 38.2).
	SellerAgentDocDate string `xml:"sellerAgentDocDate,omitempty"`
	// SellerAgentDocNum is the number of the agent's document (I 38.1).
	SellerAgentDocNum string `xml:"sellerAgentDocNum,omitempty"`
	// SellerAgentName is the seller's agent (I 36).
	SellerAgentName string `xml:"sellerAgentName,omitempty"`
	// SellerAgentTIN is the BIN of the seller's agent (I 35).
	SellerAgentTIN string `xml:"sellerAgentTin,omitempty"`
	// SellerParticipants are the seller's participants in a joint
	// activity (УСД, H); when present, at least one.
	SellerParticipants []Participant `xml:"sellerParticipants>participant,omitempty"`
	// Sellers are the sellers (поставщики, B): at least one.
	Sellers []Seller `xml:"sellers>seller"`
}

// RelatedInvoice names the invoice a fixed or additional one refers to.
type RelatedInvoice struct {
	// Date is the related invoice's date of issue (A 4.1, A 5.1).
	Date string `xml:"date"`
	// Num is its number (A 4.2, A 5.2): 1 to 30 digits.
	Num string `xml:"num" pattern:"[0-9]{1,30}"`
	// RegistrationNumber is its ESF registration number.
	RegistrationNumber string `xml:"registrationNumber,omitempty"`
}

// Consignee is the requisites of the consignee (D 26).
type Consignee struct {
	Address     string `xml:"address,omitempty"` // D 26.3
	CountryCode string `xml:"countryCode"`       // D 26.4, required
	Name        string `xml:"name,omitempty"`    // D 26.2
	TIN         string `xml:"tin,omitempty"`     // IIN or BIN, D 26.1
}

// Consignor is the requisites of the consignor (D 25).
type Consignor struct {
	Address string `xml:"address,omitempty"` // D 25.3
	Name    string `xml:"name,omitempty"`    // D 25.2
	TIN     string `xml:"tin,omitempty"`     // IIN or BIN, D 25.1
}

// Participant is a participant of a joint activity (УСД, H) and its shares
// of the products.
type Participant struct {
	// ProductShares are its shares of the products: at least one.
	ProductShares []ProductShare `xml:"productShares>share"`
	// ReorganizedTIN is the BIN of a reorganized entity (H 34.2).
	ReorganizedTIN string `xml:"reorganizedTin,omitempty"`
	// TIN is the participant's IIN or BIN.
	TIN string `xml:"tin"`
}

// ProductShare is a participant's share of one product line.
type ProductShare struct {
	Additional                 string  `xml:"additional,omitempty"`
	AdditionalUnitNomenclature string  `xml:"additionalUnitNomenclature,omitempty"`
	ExciseAmount               Decimal `xml:"exciseAmount,omitempty" xsd:"fractionDigits=2;totalDigits=17"`
	NDSAmount                  Decimal `xml:"ndsAmount" xsd:"fractionDigits=2;totalDigits=17"`
	PriceWithTax               Decimal `xml:"priceWithTax" xsd:"fractionDigits=2;totalDigits=17"`
	PriceWithoutTax            Decimal `xml:"priceWithoutTax" xsd:"fractionDigits=2;totalDigits=17"`
	// ProductNumber is the number of the product line (1 to 200).
	ProductNumber      int     `xml:"productNumber" xsd:"maxInclusive=200;minInclusive=1"`
	ProductNumberInSnt string  `xml:"productNumberInSnt,omitempty"`
	Quantity           Decimal `xml:"quantity,omitempty" xsd:"fractionDigits=6;totalDigits=18"`
	TurnoverSize       Decimal `xml:"turnoverSize" xsd:"fractionDigits=2;totalDigits=17"`
}

// Customer is the requisites of a customer (C).
type Customer struct {
	Address            string         `xml:"address,omitempty"`
	BranchTIN          string         `xml:"branchTin,omitempty"`
	CountryCode        string         `xml:"countryCode"` // required, e.g. KZ
	Name               string         `xml:"name"`        // required
	ReorganizedTIN     string         `xml:"reorganizedTin,omitempty"`
	ShareParticipation Decimal        `xml:"shareParticipation,omitempty" xsd:"fractionDigits=6;totalDigits=18"`
	Statuses           []CustomerType `xml:"statuses>status,omitempty"`
	TIN                string         `xml:"tin,omitempty"` // IIN or BIN
	Trailer            string         `xml:"trailer,omitempty"`
}

// DeliveryTerm is the terms of delivery (E).
type DeliveryTerm struct {
	ContractDate          string `xml:"contractDate,omitempty"`
	ContractNum           string `xml:"contractNum,omitempty"`
	DeliveryConditionCode string `xml:"deliveryConditionCode,omitempty"`
	Destination           string `xml:"destination,omitempty"`
	HasContract           bool   `xml:"hasContract"` // required
	Term                  string `xml:"term,omitempty"`
	TransportTypeCode     string `xml:"transportTypeCode,omitempty"`
	Warrant               string `xml:"warrant,omitempty"`
	WarrantDate           string `xml:"warrantDate,omitempty"`
}

// ProductSet is the product lines (G) and their totals. Money is
// xs:decimal with at most 17 digits, 2 after the point; quantities and
// rates at most 18 digits, 6 after the point.
type ProductSet struct {
	CurrencyCode         string      `xml:"currencyCode"` // required, e.g. KZT
	CurrencyRate         Decimal     `xml:"currencyRate,omitempty" xsd:"fractionDigits=6;totalDigits=18"`
	NDSRateType          NDSRateType `xml:"ndsRateType,omitempty"`
	Products             []Product   `xml:"products>product"` // at least one
	TotalExciseAmount    Decimal     `xml:"totalExciseAmount" xsd:"fractionDigits=2;totalDigits=17"`
	TotalNDSAmount       Decimal     `xml:"totalNdsAmount" xsd:"fractionDigits=2;totalDigits=17"`
	TotalPriceWithTax    Decimal     `xml:"totalPriceWithTax" xsd:"fractionDigits=2;totalDigits=17"`
	TotalPriceWithoutTax Decimal     `xml:"totalPriceWithoutTax" xsd:"fractionDigits=2;totalDigits=17"`
	TotalTurnoverSize    Decimal     `xml:"totalTurnoverSize" xsd:"fractionDigits=2;totalDigits=17"`
}

// Product is one product line (G).
type Product struct {
	Additional                 string  `xml:"additional,omitempty"`
	AdditionalUnitNomenclature string  `xml:"additionalUnitNomenclature,omitempty"`
	CatalogTruID               string  `xml:"catalogTruId"` // required; the SDK samples use 1
	Description                string  `xml:"description,omitempty"`
	ExciseAmount               Decimal `xml:"exciseAmount,omitempty" xsd:"fractionDigits=2;totalDigits=17"`
	ExciseRate                 Decimal `xml:"exciseRate,omitempty" xsd:"fractionDigits=2;minInclusive=0;totalDigits=14"`
	KpvedCode                  string  `xml:"kpvedCode,omitempty"`
	NDSAmount                  Decimal `xml:"ndsAmount" xsd:"fractionDigits=2;totalDigits=17"`
	// NDSRate is the VAT rate in per cent, 0 to 100; nil leaves it out.
	NDSRate                    *int    `xml:"ndsRate,omitempty" xsd:"maxInclusive=100;minInclusive=0"`
	PriceWithTax               Decimal `xml:"priceWithTax" xsd:"fractionDigits=2;totalDigits=17"`
	PriceWithoutTax            Decimal `xml:"priceWithoutTax" xsd:"fractionDigits=2;totalDigits=17"`
	ProductDeclaration         string  `xml:"productDeclaration,omitempty"`
	ProductNumberInDeclaration string  `xml:"productNumberInDeclaration,omitempty"`
	ProductNumberInSnt         string  `xml:"productNumberInSnt,omitempty"`
	Quantity                   Decimal `xml:"quantity,omitempty" xsd:"fractionDigits=6;totalDigits=18"`
	TnvedName                  string  `xml:"tnvedName,omitempty"`
	// TruOriginCode is the origin of the goods, works or services: 1 to 6
	// (6: a work or service).
	TruOriginCode      string  `xml:"truOriginCode" pattern:"[1-6]"`
	TurnoverAdjustment *int    `xml:"turnoverAdjustment,omitempty"`
	TurnoverCode       string  `xml:"turnoverCode,omitempty"`
	TurnoverSize       Decimal `xml:"turnoverSize" xsd:"fractionDigits=2;totalDigits=17"`
	// UnitCode is the EAEU TN VED code of the goods: 1 to 10 digits.
	UnitCode string `xml:"unitCode,omitempty" pattern:"[0-9]{1,10}"`
	// UnitNomenclature is the unit of measure's code in ESF's catalogue
	// (796: a piece).
	UnitNomenclature string  `xml:"unitNomenclature,omitempty"`
	UnitPrice        Decimal `xml:"unitPrice,omitempty" xsd:"fractionDigits=6;totalDigits=18"`
}

// PublicOffice is the requisites of a public office (C1). Its BIK is
// always KKMFKZ2A.
type PublicOffice struct {
	BIK         string `xml:"bik" pattern:"KKMFKZ2A" xsd:"default=KKMFKZ2A"`
	IIK         string `xml:"iik,omitempty" pattern:"[0-9A-Z]{20}"`
	PayPurpose  string `xml:"payPurpose,omitempty" pattern:"[^\\s:][^:\\n\\r\\t]*"`
	ProductCode string `xml:"productCode,omitempty"`
}

// Seller is the requisites of a seller (B).
type Seller struct {
	Address             string       `xml:"address,omitempty"`
	Bank                string       `xml:"bank,omitempty"`
	BIK                 string       `xml:"bik,omitempty" pattern:"[0-9A-Z]{8}"`
	BranchTIN           string       `xml:"branchTin,omitempty"`
	CertificateNum      string       `xml:"certificateNum,omitempty"`    // of the VAT registration
	CertificateSeries   string       `xml:"certificateSeries,omitempty"` // of the VAT registration
	IIK                 string       `xml:"iik,omitempty" pattern:"[0-9A-Z]{20}"`
	IsBranchNonResident *bool        `xml:"isBranchNonResident,omitempty"`
	KBE                 string       `xml:"kbe,omitempty"`
	Name                string       `xml:"name"` // required
	NDSCABank           string       `xml:"ndscaBank,omitempty"`
	NDSCABIK            string       `xml:"ndscaBik,omitempty"`
	NDSCAIIK            string       `xml:"ndscaIik,omitempty"`
	NDSCAKBE            string       `xml:"ndscaKbe,omitempty"`
	ReorganizedTIN      string       `xml:"reorganizedTin,omitempty"`
	ShareParticipation  Decimal      `xml:"shareParticipation,omitempty" xsd:"fractionDigits=6;totalDigits=18"`
	Statuses            []SellerType `xml:"statuses>status,omitempty"`
	TIN                 string       `xml:"tin"` // required: IIN or BIN
	Trailer             string       `xml:"trailer,omitempty"`
}

// Decimal is an xs:decimal written as given: "600000", "1200.5", "0". ESF's
// samples and the production client that registered invoices write sums
// without trailing zeros. Check enforces the lexical form and each field's
// totalDigits and fractionDigits.
type Decimal string

// InvoiceType is the type of an invoice.
type InvoiceType string

// The invoice types of the XSD.
const (
	OrdinaryInvoice   InvoiceType = "ORDINARY_INVOICE"   // основной ЭСФ
	FixedInvoice      InvoiceType = "FIXED_INVOICE"      // исправленный ЭСФ (A 4)
	AdditionalInvoice InvoiceType = "ADDITIONAL_INVOICE" // дополнительный ЭСФ (A 5)
)

// SellerType is a category of seller (B 10).
type SellerType string

// The seller categories of the XSD.
const (
	SellerCommittent                  SellerType = "COMMITTENT"
	SellerBroker                      SellerType = "BROKER"
	SellerForwarder                   SellerType = "FORWARDER"
	SellerLessor                      SellerType = "LESSOR"
	SellerJointActivityParticipant    SellerType = "JOINT_ACTIVITY_PARTICIPANT"
	SellerSharingAgreementParticipant SellerType = "SHARING_AGREEMENT_PARTICIPANT"
	SellerExporter                    SellerType = "EXPORTER"
	SellerTransporter                 SellerType = "TRANSPORTER"
	SellerPrincipal                   SellerType = "PRINCIPAL"
	SellerLawyer                      SellerType = "LAWYER"
	SellerBailiff                     SellerType = "BAILIFF"
	SellerMediator                    SellerType = "MEDIATOR"
	SellerNotary                      SellerType = "NOTARY"
)

// CustomerType is a category of customer (C 22).
type CustomerType string

// The customer categories of the XSD.
const (
	CustomerCommittent                  CustomerType = "COMMITTENT"
	CustomerBroker                      CustomerType = "BROKER"
	CustomerLessee                      CustomerType = "LESSEE"
	CustomerJointActivityParticipant    CustomerType = "JOINT_ACTIVITY_PARTICIPANT"
	CustomerPublicOffice                CustomerType = "PUBLIC_OFFICE"
	CustomerNonresident                 CustomerType = "NONRESIDENT"
	CustomerSharingAgreementParticipant CustomerType = "SHARING_AGREEMENT_PARTICIPANT"
	CustomerPrincipal                   CustomerType = "PRINCIPAL"
	CustomerRetail                      CustomerType = "RETAIL"
	CustomerIndividual                  CustomerType = "INDIVIDUAL"
	CustomerLawyer                      CustomerType = "LAWYER"
	CustomerBailiff                     CustomerType = "BAILIFF"
	CustomerMediator                    CustomerType = "MEDIATOR"
	CustomerNotary                      CustomerType = "NOTARY"
)

// NDSRateType is the VAT type of a product set.
type NDSRateType string

// WithoutNDSNotKZ is "Без НДС – не РК", the XSD's only NdsRateType.
const WithoutNDSNotKZ NDSRateType = "WITHOUT_NDS_NOT_KZ"

// PaperReason is why an invoice was first issued on paper (2.1).
type PaperReason string

// The paper reasons of the XSD.
const (
	PaperDownTime                    PaperReason = "DOWN_TIME"                     // простой системы
	PaperMissingRequirement          PaperReason = "MISSING_REQUIREMENT"           // отсутствовало требование по выписке ЭСФ
	PaperUnlawfulRemovalRegistration PaperReason = "UNLAWFUL_REMOVAL_REGISTRATION" // неправомерное снятие с регистрационного учета
)

// enumValues lists the values of each enumerated type, in the XSD's order.
var enumValues = map[string][]string{
	"InvoiceType": {string(OrdinaryInvoice), string(FixedInvoice), string(AdditionalInvoice)},
	"SellerType": {"COMMITTENT", "BROKER", "FORWARDER", "LESSOR", "JOINT_ACTIVITY_PARTICIPANT",
		"SHARING_AGREEMENT_PARTICIPANT", "EXPORTER", "TRANSPORTER", "PRINCIPAL", "LAWYER", "BAILIFF", "MEDIATOR", "NOTARY"},
	"CustomerType": {"COMMITTENT", "BROKER", "LESSEE", "JOINT_ACTIVITY_PARTICIPANT", "PUBLIC_OFFICE", "NONRESIDENT",
		"SHARING_AGREEMENT_PARTICIPANT", "PRINCIPAL", "RETAIL", "INDIVIDUAL", "LAWYER", "BAILIFF", "MEDIATOR", "NOTARY"},
	"NDSRateType": {string(WithoutNDSNotKZ)},
	"PaperReason": {string(PaperDownTime), string(PaperMissingRequirement), string(PaperUnlawfulRemovalRegistration)},
}

// SellerTINs returns the TIN of every seller, in order.
func (inv *Invoice) SellerTINs() []string {
	out := make([]string, len(inv.Sellers))
	for i, s := range inv.Sellers {
		out[i] = s.TIN
	}
	return out
}

// CustomerTINs returns the TIN of every customer that has one, in order
// (a customer's TIN is optional: a non-resident may have none).
func (inv *Invoice) CustomerTINs() []string {
	out := make([]string, 0, len(inv.Customers))
	for _, c := range inv.Customers {
		if c.TIN != "" {
			out = append(out, c.TIN)
		}
	}
	return out
}

// UnmarshalJSON reads a Decimal from a JSON string ("1200.50") or a JSON
// number (1200.50), keeping the number's text as written.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if strings.HasPrefix(s, `"`) {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*d = Decimal(v)
		return nil
	}
	if s == "null" {
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("invoice: a decimal must be a JSON number or string: %w", err)
	}
	*d = Decimal(n.String())
	return nil
}
