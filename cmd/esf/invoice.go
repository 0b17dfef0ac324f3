package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/invoice"
)

// invoiceNewAbout is the help of "esf invoice new" after its synopsis.
const invoiceNewAbout = `Writes an invoice body (InvoiceV2, the bare v2:invoice element that goes
into syncInvoice's invoiceBody and is signed) as ESF's samples write it, and
checks it against the rules of KGD's InvoiceV2.xsd.

From flags: one seller, one customer and one product line; the amounts are
computed from --quantity and --unit-price (the price without VAT, rounded to
tiyn) and --nds-rate (VAT; without it the seller is not a VAT payer and the
VAT is 0), written without trailing zeros. --date defaults to today,
--turnover-date to --date.

From --from FILE: a JSON object with the XSD's element names as keys, lists
for the repeated ones — {"date":"15.01.2026","invoiceType":"ORDINARY_INVOICE",
"num":"1001",…,"customers":[{…}],"productSet":{"products":[{…}],…},
"sellers":[{…}]}; decimals as strings or numbers. A key the schema does not
know is an error.
Exit status: 0 written; 1 the invoice breaks a rule of the XSD (each
element named on standard error), --from unreadable or not such JSON, or the
output not writable; 2 a usage error (a required flag missing, --from with
the other flags, a malformed number or date).
`

// invoiceSignAbout is the help of "esf invoice sign" after its synopsis.
const invoiceSignAbout = `Signs the invoice body FILE as ESF wants it: the raw signature over the
file's bytes exactly as they are (they must go into invoiceBody unchanged,
a final line break included), no XMLDSig, in base64 — GOST 2015-512 with
Streebog-512 (172 characters), GOST 2004 (88) or RSA with SHA-256, after the
key. It prints the signature, or with --json an object:
  {"signature":"…","signatureType":"COMPANY","version":"InvoiceV2",
   "certificate":"…base64 DER, for syncInvoice's x509Certificate…"}
signatureType is COMPANY for the taxpayer's own key (an individual's, an
entrepreneur's, a company head's) and OPERATOR for someone signing for a
company. The body is checked against the XSD first (--no-check skips it).
Exit status: 0 signed; 1 FILE or the key store missing, unreadable or not
what it should be, a wrong PIN, an AUTH-only key, the certificate not valid
at --at or now, or the body not valid; 2 a usage error (no --keystore, a key
store without a PIN …).
`

// invoiceCheckAbout is the help of "esf invoice check" after its synopsis.
const invoiceCheckAbout = `Checks each invoice body FILE against the rules of KGD's InvoiceV2.xsd
(element order, required elements, types, patterns, enumerations, lengths,
digits), as xmllint --schema InvoiceV2.xsd would. One line per file:
  OK FILE
or one per breach:
  INVALID FILE: /invoice/productSet/products/product[1]/ndsRate: 112 is more than 100
Exit status: 0 every file valid; 1 a file invalid, missing or unreadable;
2 a usage error (no FILE).
`

// invoiceNew implements "esf invoice new".
func invoiceNew(_ context.Context, fs *flagSet, args []string, stdout, stderr io.Writer) error {
	from := fs.String("from", "", "read the invoice from this JSON `FILE` (the XSD's element names) instead of the flags below")
	out := fs.String("out", "", "write the body here (default: standard output)")
	sellerTIN := fs.String("seller-tin", "", "the seller's IIN or BIN (required without --from)")
	sellerName := fs.String("seller-name", "", "the seller's name (default: the TIN)")
	customerTIN := fs.String("customer-tin", "", "the customer's IIN or BIN (required without --from)")
	customerName := fs.String("customer-name", "", "the customer's name (default: the TIN)")
	country := fs.String("customer-country", "KZ", "the customer's country code")
	num := fs.String("num", "", "the invoice's number: 1 to 30 digits (required without --from)")
	date := fs.String("date", "", "the date of issue, DD.MM.YYYY or YYYY-MM-DD (default: today)")
	turnover := fs.String("turnover-date", "", "the date of the turnover (default: --date)")
	operator := fs.String("operator", "", "operatorFullname: who issues it (default: the seller's name)")
	typ := fs.String("type", string(invoice.OrdinaryInvoice), "ORDINARY_INVOICE, FIXED_INVOICE or ADDITIONAL_INVOICE")
	description := fs.String("description", "Услуги", "the product line's description")
	quantity := fs.String("quantity", "1", "the quantity (a decimal)")
	unitPrice := fs.String("unit-price", "", "the price of one unit without VAT, in tenge (required without --from)")
	ndsRate := fs.Int("nds-rate", -1, "the VAT rate in per cent (default: none, a seller who is not a VAT payer)")
	unit := fs.String("unit", "796", "the unit of measure's code in ESF's catalogue (796: a piece)")
	origin := fs.String("origin", "6", "truOriginCode, 1 to 6 (6: a work or service)")
	currency := fs.String("currency", "KZT", "the currency code")
	files, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(files) != 0 {
		return fmt.Errorf("%w: takes no FILE (the invoice comes from the flags or --from)", errUsage)
	}
	var inv *invoice.Invoice
	if *from != "" {
		var given []string
		fs.Visit(func(f *flag.Flag) {
			if f.Name != "from" && f.Name != "out" {
				given = append(given, "--"+f.Name)
			}
		})
		if len(given) > 0 {
			return fmt.Errorf("%w: --from takes the whole invoice; %s cannot be given with it", errUsage, strings.Join(given, ", "))
		}
		if inv, err = invoiceFromJSON(*from); err != nil {
			return err
		}
	} else {
		spec := lineSpec{sellerTIN: *sellerTIN, sellerName: *sellerName, customerTIN: *customerTIN, customerName: *customerName,
			country: *country, num: *num, date: *date, turnover: *turnover, operator: *operator, typ: *typ,
			description: *description, quantity: *quantity, unitPrice: *unitPrice, ndsRate: *ndsRate, unit: *unit,
			origin: *origin, currency: *currency}
		if inv, err = spec.invoice(time.Now()); err != nil {
			return err
		}
	}
	body, err := inv.Marshal()
	if err != nil {
		return err
	}
	if err := invoice.Check(body); err != nil {
		printCheckErrors(stderr, "the invoice", err)
		return verifyFailed{fmt.Errorf("the invoice breaks the XSD's rules")}
	}
	return writeOut(*out, body, stdout)
}

// lineSpec is the invoice "esf invoice new" writes from its flags.
type lineSpec struct {
	sellerTIN, sellerName, customerTIN, customerName, country string
	num, date, turnover, operator, typ                        string
	description, quantity, unitPrice, unit, origin, currency  string
	ndsRate                                                   int
}

var reDecimalFlag = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// invoice builds the invoice, computing the amounts.
func (s lineSpec) invoice(now time.Time) (*invoice.Invoice, error) {
	for _, req := range []struct{ name, v string }{{"--seller-tin", s.sellerTIN}, {"--customer-tin", s.customerTIN}, {"--num", s.num}, {"--unit-price", s.unitPrice}} {
		if req.v == "" {
			return nil, fmt.Errorf("%w: %s is required (or give the whole invoice with --from)", errUsage, req.name)
		}
	}
	date, err := esfDate("--date", s.date, now)
	if err != nil {
		return nil, err
	}
	turnover := date
	if s.turnover != "" {
		if turnover, err = esfDate("--turnover-date", s.turnover, now); err != nil {
			return nil, err
		}
	}
	for _, d := range []struct{ name, v string }{{"--quantity", s.quantity}, {"--unit-price", s.unitPrice}} {
		if !reDecimalFlag.MatchString(d.v) {
			return nil, fmt.Errorf("%w: %s %q: want a decimal such as 1 or 10000.50", errUsage, d.name, d.v)
		}
	}
	if s.ndsRate < -1 || s.ndsRate > 100 {
		return nil, fmt.Errorf("%w: --nds-rate %d: want 0 to 100", errUsage, s.ndsRate)
	}
	qty, _ := new(big.Rat).SetString(s.quantity)
	price, _ := new(big.Rat).SetString(s.unitPrice)
	without := roundTiyn(new(big.Rat).Mul(qty, price))
	nds := new(big.Rat)
	var rate *int
	if s.ndsRate >= 0 {
		r := s.ndsRate
		rate = &r
		nds = roundTiyn(new(big.Rat).Mul(without, big.NewRat(int64(r), 100)))
	}
	with := new(big.Rat).Add(without, nds)
	orName := func(name, tin string) string {
		if name != "" {
			return name
		}
		return tin
	}
	seller := orName(s.sellerName, s.sellerTIN)
	operator := s.operator
	if operator == "" {
		operator = seller
	}
	return &invoice.Invoice{
		Date:             date,
		InvoiceType:      invoice.InvoiceType(s.typ),
		Num:              s.num,
		OperatorFullname: operator,
		TurnoverDate:     turnover,
		Customers:        []invoice.Customer{{CountryCode: s.country, Name: orName(s.customerName, s.customerTIN), TIN: s.customerTIN}},
		ProductSet: invoice.ProductSet{
			CurrencyCode: s.currency,
			Products: []invoice.Product{{
				CatalogTruID: "1", Description: s.description, NDSAmount: decimal(nds), NDSRate: rate,
				PriceWithTax: decimal(with), PriceWithoutTax: decimal(without), Quantity: invoice.Decimal(s.quantity),
				TruOriginCode: s.origin, TurnoverSize: decimal(without), UnitNomenclature: s.unit, UnitPrice: invoice.Decimal(s.unitPrice),
			}},
			TotalExciseAmount: "0", TotalNDSAmount: decimal(nds), TotalPriceWithTax: decimal(with),
			TotalPriceWithoutTax: decimal(without), TotalTurnoverSize: decimal(without),
		},
		Sellers: []invoice.Seller{{Name: seller, TIN: s.sellerTIN}},
	}, nil
}

// roundTiyn rounds to two decimals, halves away from zero.
func roundTiyn(r *big.Rat) *big.Rat {
	scaled := new(big.Rat).Mul(r, big.NewRat(100, 1))
	n := new(big.Int).Quo(scaled.Num(), scaled.Denom())
	rem := new(big.Rat).Sub(scaled, new(big.Rat).SetInt(n))
	if rem.Cmp(big.NewRat(1, 2)) >= 0 {
		n.Add(n, big.NewInt(1))
	}
	return new(big.Rat).SetFrac(n, big.NewInt(100))
}

// decimal writes r (two decimals at most) without trailing zeros, as the
// production client that registered invoices writes sums.
func decimal(r *big.Rat) invoice.Decimal {
	s := r.FloatString(2)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "" || s == "-" {
		s = "0"
	}
	return invoice.Decimal(s)
}

// esfDate reads DD.MM.YYYY or YYYY-MM-DD (empty: now's date) and writes
// ESF's DD.MM.YYYY.
func esfDate(flagName, v string, now time.Time) (string, error) {
	if v == "" {
		return now.Format("02.01.2006"), nil
	}
	for _, layout := range []string{"02.01.2006", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.Format("02.01.2006"), nil
		}
	}
	return "", fmt.Errorf("%w: %s %q: want DD.MM.YYYY or YYYY-MM-DD", errUsage, flagName, v)
}

// invoiceFromJSON reads an invoice from a JSON file with the XSD's names.
func invoiceFromJSON(path string) (*invoice.Invoice, error) {
	data, err := readLimited(path, invoice.MaxBodySize)
	if err != nil {
		return nil, fmt.Errorf("--from: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var inv invoice.Invoice
	if err := dec.Decode(&inv); err != nil {
		return nil, fmt.Errorf("--from %s: %w", path, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("--from %s: more than one JSON value", path)
	}
	return &inv, nil
}

// printCheckErrors writes one line per breach Check found.
func printCheckErrors(w io.Writer, what string, err error) {
	for _, e := range flattenErrors(err) {
		var ce *invoice.CheckError
		if errors.As(e, &ce) {
			fmt.Fprintf(w, "%s: %s: %s\n", what, ce.Path, ce.Message)
			continue
		}
		fmt.Fprintf(w, "%s: %v\n", what, e)
	}
}

// flattenErrors lists the errors errors.Join put together.
func flattenErrors(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// invoiceSignOutput is what "esf invoice sign --json" prints.
type invoiceSignOutput struct {
	Signature     string `json:"signature"`
	SignatureType string `json:"signatureType"`
	Version       string `json:"version"`
	Certificate   string `json:"certificate"`
}

// invoiceSign implements "esf invoice sign".
func invoiceSign(_ context.Context, fs *flagSet, args []string, stdout, stderr io.Writer) error {
	kf := addKeyStoreFlags(fs.FlagSet)
	asJSON := fs.Bool("json", false, "print JSON with the signature, signatureType, version and certificate")
	noCheck := fs.Bool("no-check", false, "sign without checking the body against the XSD")
	files, err := fs.parse(args)
	if err != nil {
		return err
	}
	ks, clock, body, err := kf.openFor(files, invoice.MaxBodySize)
	if err != nil {
		return err
	}
	if !*noCheck {
		if err := invoice.Check(body); err != nil {
			printCheckErrors(stderr, files[0], err)
			return verifyFailed{fmt.Errorf("%s breaks the XSD's rules", files[0])}
		}
	}
	cert := ks.Certificate
	if !cert.Usage.Has(certs.UsageSign) {
		return fmt.Errorf("the key of %s is for %s, not for signing: ESF needs a signing key (RSA256_…, GOSTKNCA_… or GOST512_…)", *kf.path, cert.Usage)
	}
	if at := clock(); !cert.ValidAt(at) {
		return fmt.Errorf("the certificate is valid from %s to %s, not at %s", cert.NotBefore.UTC().Format(time.RFC3339),
			cert.NotAfter.UTC().Format(time.RFC3339), at.UTC().Format(time.RFC3339))
	}
	signer, err := ks.Signer()
	if err != nil {
		return err
	}
	sig, err := invoice.Sign(body, signer)
	if err != nil {
		return err
	}
	if !*asJSON {
		_, err := fmt.Fprintln(stdout, sig)
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(invoiceSignOutput{Signature: sig, SignatureType: invoice.SignatureType(cert), Version: invoice.Version,
		Certificate: base64.StdEncoding.EncodeToString(cert.X509.Raw)})
}

// invoiceCheck implements "esf invoice check".
func invoiceCheck(_ context.Context, fs *flagSet, args []string, stdout, _ io.Writer) error {
	files, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("%w: no FILE given", errUsage)
	}
	failed := 0
	for _, f := range files {
		body, err := readInvoiceFile(f)
		if err == nil {
			err = invoice.Check(body)
		}
		if err == nil {
			fmt.Fprintf(stdout, "%s %s\n", verdictOK, f)
			continue
		}
		failed++
		printCheckErrors(stdout, verdictInvalid+" "+f, err)
	}
	if failed > 0 {
		return verifyFailed{fmt.Errorf("%d of %d files are not valid", failed, len(files))}
	}
	return nil
}

// readInvoiceFile reads a body, refusing one over invoice.MaxBodySize as
// Check would.
func readInvoiceFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, invoice.MaxBodySize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return data, nil
}
