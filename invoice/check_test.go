package invoice

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkErrors returns the CheckErrors joined in err.
func checkErrors(t *testing.T, err error) []*CheckError {
	t.Helper()
	require.Error(t, err)
	var out []*CheckError
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			var ce *CheckError
			require.ErrorAs(t, e, &ce)
			out = append(out, ce)
		}
		return out
	}
	var ce *CheckError
	require.ErrorAs(t, err, &ce)
	return []*CheckError{ce}
}

func marshalT(t *testing.T, inv *Invoice) []byte {
	t.Helper()
	b, err := inv.Marshal()
	require.NoError(t, err)
	return b
}

// Each breach is one CheckError naming the element, the rule and the value.
func TestCheckErrorsNameTheElement(t *testing.T) {
	min := marshalT(t, minimal())
	replace := func(old, new string) []byte {
		require.Contains(t, string(min), old)
		return bytes.Replace(min, []byte(old), []byte(new), 1)
	}
	tests := []struct {
		name    string
		body    []byte
		path    string
		rule    Rule
		message string
	}{
		{"pattern", replace("<num>1001</num>", "<num>СФ-1</num>"), "/invoice/num", RulePattern, `"СФ-1" does not match the pattern [0-9]{1,30}`},
		{"enumeration", replace("ORDINARY_INVOICE", "ORDINARY"), "/invoice/invoiceType", RuleEnum, `"ORDINARY" is not a value of InvoiceType: want one of ORDINARY_INVOICE, FIXED_INVOICE, ADDITIONAL_INVOICE`},
		{"required", replace("<countryCode>KZ</countryCode>", ""), "/invoice/customers/customer[1]", RuleRequired, "required element countryCode is missing"},
		{"required at the end", replace("<tin>123456789021</tin>", ""), "/invoice/sellers/seller[1]", RuleRequired, "required element tin is missing"},
		{"order", replace("<date>15.01.2026</date>\n  <invoiceType>ORDINARY_INVOICE</invoiceType>", "<invoiceType>ORDINARY_INVOICE</invoiceType>\n  <date>15.01.2026</date>"), "/invoice", RuleRequired, "required element date is missing"},
		{"unknown", replace("<num>1001</num>", "<num>1001</num><paymentForm>1</paymentForm>"), "/invoice", RuleUnexpected, "element paymentForm is not allowed here (invoice has no element paymentForm (no namespace)); expected operatorFullname"},
		{"twice", replace("<num>1001</num>", "<num>1001</num><num>1002</num>"), "/invoice", RuleUnexpected, "element num is not allowed here: num occurs at most 1 time(s)"},
		{"namespace", replace("<date>15.01.2026</date>", `<date xmlns="v2.esf">15.01.2026</date>`), "/invoice", RuleUnexpected, `date is in namespace "v2.esf"`},
		{"decimal", replace("<ndsAmount>1200</ndsAmount>", "<ndsAmount>1 200</ndsAmount>"), "/invoice/productSet/products/product[1]/ndsAmount", RuleType, `"1 200" is not an xs:decimal`},
		{"fraction digits", replace("<ndsAmount>1200</ndsAmount>", "<ndsAmount>1200.001</ndsAmount>"), "/invoice/productSet/products/product[1]/ndsAmount", RuleDigits, "1200.001 has 3 digits after the point, at most 2 allowed"},
		{"total digits", replace("<ndsAmount>1200</ndsAmount>", "<ndsAmount>123456789012345678</ndsAmount>"), "/invoice/productSet/products/product[1]/ndsAmount", RuleDigits, "has 18 digits, at most 17 allowed"},
		{"range", replace("<ndsRate>12</ndsRate>", "<ndsRate>112</ndsRate>"), "/invoice/productSet/products/product[1]/ndsRate", RuleRange, "112 is more than 100"},
		{"int", replace("<ndsRate>12</ndsRate>", "<ndsRate>12%</ndsRate>"), "/invoice/productSet/products/product[1]/ndsRate", RuleType, `"12%" is not an xs:int`},
		{"length", replace("ТЕСТОВ ТЕСТ ТЕСТОВИЧ", strings.Repeat("Ж", 201)), "/invoice/operatorFullname", RuleLength, "201 characters, at most 200 allowed"},
		{"attribute", replace("<num>", `<num id="1">`), "/invoice/num", RuleAttribute, "attribute id (no namespace) is not allowed"},
		{"text", replace("<customers>", "<customers>x"), "/invoice/customers", RuleContent, `text "x" is not allowed`},
		{"child in a value", replace("<num>1001</num>", "<num><b>1001</b></num>"), "/invoice/num", RuleContent, "element b is not allowed: num holds a value of type xs:string"},
		{"root", []byte(strings.NewReplacer(bodyStart, `<invoice xmlns="v2.esf">`, "</v2:invoice>", "</invoice>").Replace(string(min))), "/invoice", RuleUnexpected, ""},
		{"root name", []byte(`<v2:invoices xmlns:v2="v2.esf"/>`), "/invoices", RuleRoot, "the document element is {v2.esf}invoices, not {v2.esf}invoice"},
		{"syntax", replace("</num>", "</nu>"), "/invoice/num", RuleSyntax, "element <num> closed by </nu>"},
		{"doctype", append([]byte(`<!DOCTYPE x [<!ENTITY a "b">]>`), min...), "/", RuleSyntax, "DOCTYPE"},
		{"not UTF-8", replace("ТЕСТ", "\xff"), "/", RuleSyntax, "not UTF-8"},
		{"encoding", append([]byte(`<?xml version="1.0" encoding="windows-1251"?>`), min...), "/", RuleSyntax, "only UTF-8"},
		{"empty", nil, "/", RuleSyntax, "no document element"},
		{"two roots", append(bytes.Clone(min), min...), "/", RuleSyntax, "a second document element"},
		{"too large", bytes.Repeat([]byte(" "), MaxBodySize+1), "/", RuleSize, "the limit is 4194304"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Check(tc.body)
			require.ErrorIs(t, err, ErrInvalid)
			errs := checkErrors(t, err)
			e := errs[0]
			assert.Equal(t, tc.path, e.Path, "%v", err)
			assert.Equal(t, tc.rule, e.Rule, "%v", err)
			assert.Contains(t, e.Message, tc.message)
			assert.True(t, strings.HasPrefix(e.Error(), "invoice: "+tc.path+": "))
			assert.Equal(t, tc.rule == RuleSyntax, errors.Is(err, ErrSyntax))
			assert.Equal(t, tc.rule == RuleSize, errors.Is(err, ErrTooLarge))
			_, perr := Parse(tc.body)
			assert.Equal(t, err.Error(), perr.Error(), "Parse returns Check's errors")
		})
	}
}

// Check reports every breach, in document order, up to MaxErrors.
func TestCheckReportsEveryBreach(t *testing.T) {
	inv := minimal()
	inv.Num = "A"
	inv.Customers[0].CountryCode = ""
	inv.ProductSet.Products[0].TruOriginCode = "9"
	inv.ProductSet.Products[0].NDSRate = ptr(-1)
	inv.Sellers = nil
	errs := checkErrors(t, Check(marshalT(t, inv)))
	var got []string
	for _, e := range errs {
		got = append(got, e.Path+" "+string(e.Rule))
	}
	assert.Equal(t, []string{
		"/invoice/num pattern",
		"/invoice/productSet/products/product[1]/ndsRate range",
		"/invoice/productSet/products/product[1]/truOriginCode pattern",
		"/invoice/sellers required",
	}, got, "an empty required string is written and valid (countryCode \"\"); an empty required list is written empty")

	// Many breaches: MaxErrors, the last saying the rest were left out.
	inv = minimal()
	for range 150 {
		p := inv.ProductSet.Products[0]
		p.TruOriginCode = "0"
		inv.ProductSet.Products = append(inv.ProductSet.Products, p)
	}
	errs = checkErrors(t, Check(marshalT(t, inv)))
	require.Len(t, errs, MaxErrors)
	assert.Equal(t, RuleLimit, errs[MaxErrors-1].Rule)
	assert.Equal(t, "/invoice/productSet/products/product[3]/truOriginCode", errs[1].Path)
}

// The XSD's default: an empty publicOffice/bik takes the value KKMFKZ2A.
func TestCheckDefault(t *testing.T) {
	inv := minimal()
	inv.PublicOffice = &PublicOffice{BIK: "KKMFKZ2A"}
	body := marshalT(t, inv)
	require.NoError(t, Check(body))
	empty := bytes.Replace(body, []byte("<bik>KKMFKZ2A</bik>"), []byte("<bik/>"), 1)
	require.NoError(t, Check(empty))
	got, err := Parse(empty)
	require.NoError(t, err)
	assert.Equal(t, "KKMFKZ2A", got.PublicOffice.BIK)
	require.Error(t, Check(bytes.Replace(body, []byte("<bik>KKMFKZ2A</bik>"), []byte("<bik> </bik>"), 1)))
}

func TestCheckErrorIs(t *testing.T) {
	e := &CheckError{Path: "/invoice/num", Rule: RulePattern, Message: "m"}
	assert.ErrorIs(t, e, ErrInvalid)
	assert.NotErrorIs(t, e, ErrSyntax)
	assert.NotErrorIs(t, e, ErrTooLarge)
	assert.Equal(t, "invoice: /invoice/num: m", e.Error())
}
