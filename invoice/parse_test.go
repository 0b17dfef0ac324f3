package invoice

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Marshal and Parse are inverse: every field of the schema survives.
func TestParseRoundTrip(t *testing.T) {
	for name, inv := range map[string]*Invoice{"minimal": minimal(), "full": full()} {
		t.Run(name, func(t *testing.T) {
			body := marshalT(t, inv)
			require.NoError(t, Check(body))
			got, err := Parse(body)
			require.NoError(t, err)
			assert.Equal(t, inv, got)
			again := marshalT(t, got)
			assert.Equal(t, string(body), string(again))
		})
	}
}

// Parse reads what other writers write: a declaration, no indentation,
// CDATA, character references, comments inside values, white space
// around numbers, booleans as 1 and 0, an empty optional element.
func TestParseOtherForms(t *testing.T) {
	body := []byte(`<?xml version="1.0" encoding="UTF-8"?>
<!-- exported --><x:invoice xmlns:x="v2.esf"><date>15.01.2026</date><invoiceType>ORDINARY_INVOICE</invoiceType>` +
		`<num>10<!-- c -->01</num><operatorFullname><![CDATA[ТЕСТОВ & Ко]]></operatorFullname><turnoverDate>15.01.2026</turnoverDate>` +
		`<addInf></addInf><customers><customer><countryCode>KZ</countryCode><name>a&#13;b</name></customer></customers>` +
		`<deliveryTerm><hasContract>1</hasContract></deliveryTerm>` +
		`<productSet><currencyCode>KZT</currencyCode><products><product><catalogTruId>1</catalogTruId><ndsAmount> +0.50 </ndsAmount>` +
		`<ndsRate>+012</ndsRate><priceWithTax>1</priceWithTax><priceWithoutTax>.5</priceWithoutTax><truOriginCode>6</truOriginCode>` +
		`<turnoverSize>5.</turnoverSize></product></products><totalExciseAmount>0</totalExciseAmount><totalNdsAmount>0</totalNdsAmount>` +
		`<totalPriceWithTax>0</totalPriceWithTax><totalPriceWithoutTax>0</totalPriceWithoutTax><totalTurnoverSize>0</totalTurnoverSize></productSet>` +
		`<sellers><seller><isBranchNonResident>0</isBranchNonResident><name>S</name><tin>123456789021</tin></seller></sellers></x:invoice>`)
	inv, err := Parse(body)
	require.NoError(t, err)
	assert.Equal(t, "1001", inv.Num)
	assert.Equal(t, "ТЕСТОВ & Ко", inv.OperatorFullname)
	assert.Equal(t, "a\rb", inv.Customers[0].Name)
	assert.Empty(t, inv.AddInf)
	assert.True(t, inv.DeliveryTerm.HasContract)
	p := inv.ProductSet.Products[0]
	assert.Equal(t, Decimal("+0.50"), p.NDSAmount, "a decimal keeps its form, without the white space")
	assert.Equal(t, 12, *p.NDSRate)
	assert.Equal(t, Decimal(".5"), p.PriceWithoutTax)
	assert.Equal(t, false, *inv.Sellers[0].IsBranchNonResident)
	out := marshalT(t, inv)
	require.NoError(t, Check(out))
	assert.Contains(t, string(out), "<name>a&#13;b</name>", "a carriage return survives")
	assert.Contains(t, string(out), "<isBranchNonResident>false</isBranchNonResident>")
	assert.NotContains(t, string(out), "addInf")
}

func TestTINs(t *testing.T) {
	inv := full()
	assert.Equal(t, []string{"123456789021", "123456789151"}, inv.SellerTINs())
	assert.Equal(t, []string{"123456789011"}, inv.CustomerTINs(), "the non-resident has no TIN")
	assert.Empty(t, (&Invoice{}).SellerTINs())
}

// Marshal refuses what XML cannot carry.
func TestMarshalUnwritable(t *testing.T) {
	for _, s := range []string{"a\x00b", "\x1b[0m", "\xff", "\uFFFE", "\uFFFF", "\xd0", "ж\xd0A", "\xc0\x80", "\xed\xa0\x80"} {
		inv := minimal()
		inv.AddInf = s
		_, err := inv.Marshal()
		require.ErrorIs(t, err, ErrUnwritable, "%q", s)
	}
	inv := minimal()
	inv.AddInf = "tab\tline\nquote\"'<&>"
	body := marshalT(t, inv)
	assert.True(t, bytes.Contains(body, []byte("<addInf>tab\tline\nquote\"'&lt;&amp;&gt;</addInf>")), "%s", body)
	got, err := Parse(body)
	require.NoError(t, err)
	assert.Equal(t, inv.AddInf, got.AddInf)
}

// An invoice from JSON with the XSD's element names (encoding/json matches
// them to the fields without regard to case); decimals as strings or numbers.
func TestInvoiceFromJSON(t *testing.T) {
	doc := `{"date":"15.01.2026","invoiceType":"ORDINARY_INVOICE","num":"1001","operatorFullname":"ТЕСТОВ ТЕСТ ТЕСТОВИЧ",
	"turnoverDate":"15.01.2026","customers":[{"countryCode":"KZ","name":"ИП ТЕСТОВ","tin":"123456789011"}],
	"productSet":{"currencyCode":"KZT","products":[{"catalogTruId":"1","description":"Консультационные услуги","ndsAmount":1200,"ndsRate":12,
	"priceWithTax":"11200","priceWithoutTax":10000,"quantity":1,"truOriginCode":"6","turnoverSize":10000,"unitNomenclature":"796","unitPrice":1e4}],
	"totalExciseAmount":0,"totalNdsAmount":1200,"totalPriceWithTax":11200,"totalPriceWithoutTax":10000,"totalTurnoverSize":10000},
	"sellers":[{"name":"АО \"ТЕСТ\"","tin":"123456789021"}]}`
	var inv Invoice
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&inv))
	assert.Equal(t, Decimal("1e4"), inv.ProductSet.Products[0].UnitPrice, "the number's text as written")
	inv.ProductSet.Products[0].UnitPrice = "10000"
	assert.Equal(t, minimal(), &inv)
	var d Decimal
	assert.Error(t, json.Unmarshal([]byte(`true`), &d))
	require.NoError(t, json.Unmarshal([]byte(`null`), &d))
	assert.Empty(t, d)
}
