package invoice_test

import (
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/invoice"
)

func sample() *invoice.Invoice {
	rate := 12
	return &invoice.Invoice{
		Date:             "15.01.2026",
		InvoiceType:      invoice.OrdinaryInvoice,
		Num:              "1001",
		OperatorFullname: "ТЕСТОВ ТЕСТ ТЕСТОВИЧ",
		TurnoverDate:     "15.01.2026",
		Customers:        []invoice.Customer{{CountryCode: "KZ", Name: "ИП ТЕСТОВ", TIN: "123456789011"}},
		ProductSet: invoice.ProductSet{
			CurrencyCode: "KZT",
			Products: []invoice.Product{{
				CatalogTruID: "1", Description: "Консультационные услуги",
				NDSAmount: "1200", NDSRate: &rate, PriceWithTax: "11200", PriceWithoutTax: "10000",
				Quantity: "1", TruOriginCode: "6", TurnoverSize: "10000", UnitNomenclature: "796", UnitPrice: "10000",
			}},
			TotalExciseAmount: "0", TotalNDSAmount: "1200", TotalPriceWithTax: "11200",
			TotalPriceWithoutTax: "10000", TotalTurnoverSize: "10000",
		},
		Sellers: []invoice.Seller{{Name: `АО "ТЕСТ"`, TIN: "123456789021"}},
	}
}

// Build an invoice, write its body, check it against the XSD's rules and
// sign it with the company head's GOST 2015 key: what syncInvoice uploads.
func Example() {
	body, err := sample().Marshal()
	if err != nil {
		log.Fatal(err)
	}
	if err := invoice.Check(body); err != nil {
		log.Fatal(err)
	}
	ks, err := certstest.OpenFixture(certstest.FixtureGOSTCEO) // in real use: certs.OpenFile(path, pin)
	if err != nil {
		log.Fatal(err)
	}
	signer, err := ks.Signer()
	if err != nil {
		log.Fatal(err)
	}
	sig, err := invoice.Sign(body, signer)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.SplitN(string(body), "\n", 2)[0])
	fmt.Println(invoice.Version, len(sig), invoice.SignatureType(ks.Certificate))
	fmt.Println(invoice.VerifySignature(body, sig, ks.Certificate))
	// Output:
	// <v2:invoice xmlns:a="abstractInvoice.esf" xmlns:v2="v2.esf">
	// InvoiceV2 172 COMPANY
	// <nil>
}

// Check names every element that breaks a rule of the XSD.
func ExampleCheck() {
	inv := sample()
	inv.Num = "СФ-1001"                           // the XSD wants 1 to 30 digits
	inv.ProductSet.Products[0].TruOriginCode = "" // [1-6]
	inv.Sellers = nil                             // at least one seller
	body, _ := inv.Marshal()
	err := invoice.Check(body)
	fmt.Println(errors.Is(err, invoice.ErrInvalid))
	fmt.Println(err)
	// Output:
	// true
	// invoice: /invoice/num: "СФ-1001" does not match the pattern [0-9]{1,30}
	// invoice: /invoice/productSet/products/product[1]/truOriginCode: "" does not match the pattern [1-6]
	// invoice: /invoice/sellers: required element seller is missing
}

// Parse reads a body as a receiver gets it, after checking it.
func ExampleParse() {
	body, _ := sample().Marshal()
	inv, err := invoice.Parse(body)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(inv.Num, inv.SellerTINs(), inv.CustomerTINs(), inv.ProductSet.TotalPriceWithTax)
	// Output: 1001 [123456789021] [123456789011] 11200
}

// The list a revoke, unrevoke or decline request signs.
func ExampleIDsWithReasonsContent() {
	content, _ := invoice.IDsWithReasonsContent([]invoice.IDWithReason{{ID: 20113995733614592, Reason: "Ошибка"}})
	fmt.Println(string(content))
	// Output: <signedContent><idsWithReasons><idWithReason><id>20113995733614592</id><reason>Ошибка</reason></idWithReason></idsWithReasons></signedContent>
}

// An InvoiceSummaryContainer as the service exports it.
func ExampleParseInvoiceSummaryContainer() {
	doc := []byte(`<ns2:invoiceSummaryContainer xmlns:ns2="esf"><summaryList><invoiceSummary>
<invoiceId>20113995733614592</invoiceId><invoiceStatus>DELIVERED</invoiceStatus>
<registrationNumber>ESF-123456789011-20181218-76963660</registrationNumber></invoiceSummary></summaryList></ns2:invoiceSummaryContainer>`)
	c, err := invoice.ParseInvoiceSummaryContainer(doc)
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range c.SummaryList {
		fmt.Println(s.InvoiceID, s.InvoiceStatus, s.RegistrationNumber)
	}
	// Output: 20113995733614592 DELIVERED ESF-123456789011-20181218-76963660
}
