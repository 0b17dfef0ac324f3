package main

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/internal/testref"
	"github.com/esfkit/esf/invoice"
)

// The flags of the invoice of docs/esf-invoice-api.md §2.4.
var minimalFlags = []string{"--seller-tin", "123456789021", "--seller-name", `АО "ТЕСТ"`, "--customer-tin", "123456789011",
	"--customer-name", "ИП ТЕСТОВ", "--num", "1001", "--date", "15.01.2026", "--operator", "ТЕСТОВ ТЕСТ ТЕСТОВИЧ",
	"--description", "Консультационные услуги", "--unit-price", "10000", "--nds-rate", "12"}

// esf invoice new writes §2.4's body byte for byte (invoice's golden file).
func TestInvoiceNewMinimal(t *testing.T) {
	code, stdout, stderr := run(t, append([]string{"invoice", "new"}, minimalFlags...)...)
	require.Equal(t, exitOK, code, stderr)
	want, err := os.ReadFile(filepath.Join(testref.Root(), "invoice", "testdata", "minimal.xml"))
	require.NoError(t, err)
	assert.Equal(t, string(want), stdout)

	// The same from JSON with the XSD's names.
	inv, err := invoice.Parse(want)
	require.NoError(t, err)
	js, err := json.Marshal(inv)
	require.NoError(t, err)
	var generic map[string]any
	require.NoError(t, json.Unmarshal(js, &generic))
	lower := lowerKeys(generic)
	js, err = json.Marshal(lower)
	require.NoError(t, err)
	dir := t.TempDir()
	from := filepath.Join(dir, "invoice.json")
	require.NoError(t, os.WriteFile(from, js, 0o600))
	out := filepath.Join(dir, "invoice.xml")
	code, _, stderr = run(t, "invoice", "new", "--from", from, "--out", out)
	require.Equal(t, exitOK, code, stderr)
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))
}

// lowerKeys turns Go field names (CustomerAgentTIN) into the XSD's
// spelling's case-insensitive equal (customerAgentTIN), dropping nulls.
func lowerKeys(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range x {
			if val == nil {
				continue
			}
			out[strings.ToLower(k[:1])+k[1:]] = lowerKeys(val)
		}
		return out
	case []any:
		for i := range x {
			x[i] = lowerKeys(x[i])
		}
	}
	return v
}

func TestInvoiceNewAmounts(t *testing.T) {
	base := []string{"invoice", "new", "--seller-tin", "123456789021", "--customer-tin", "123456789011", "--num", "7", "--date", "2026-01-15"}
	tests := []struct {
		name  string
		flags []string
		want  []string
		not   []string
	}{
		{"rounding", []string{"--quantity", "3", "--unit-price", "333.333", "--nds-rate", "12"},
			[]string{"<priceWithoutTax>1000</priceWithoutTax>", "<ndsAmount>120</ndsAmount>", "<priceWithTax>1120</priceWithTax>", "<unitPrice>333.333</unitPrice>", "<quantity>3</quantity>"}, nil},
		{"tiyn", []string{"--quantity", "3", "--unit-price", "0.1", "--nds-rate", "12"},
			[]string{"<priceWithoutTax>0.3</priceWithoutTax>", "<ndsAmount>0.04</ndsAmount>", "<totalPriceWithTax>0.34</totalPriceWithTax>"}, nil},
		{"no VAT", []string{"--unit-price", "500"},
			[]string{"<ndsAmount>0</ndsAmount>", "<priceWithTax>500</priceWithTax>", "<totalNdsAmount>0</totalNdsAmount>", "<name>123456789021</name>"}, []string{"ndsRate"}},
		{"dates and type", []string{"--unit-price", "1", "--turnover-date", "14.01.2026", "--type", "ADDITIONAL_INVOICE"},
			[]string{"<date>15.01.2026</date>", "<turnoverDate>14.01.2026</turnoverDate>", "<invoiceType>ADDITIONAL_INVOICE</invoiceType>"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(t, append(base, tc.flags...)...)
			require.Equal(t, exitOK, code, stderr)
			require.NoError(t, invoice.Check([]byte(stdout)))
			for _, w := range tc.want {
				assert.Contains(t, stdout, w)
			}
			for _, n := range tc.not {
				assert.NotContains(t, stdout, n)
			}
		})
	}
}

func TestInvoiceNewErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		return p
	}
	base := []string{"invoice", "new", "--seller-tin", "123456789021", "--customer-tin", "123456789011", "--unit-price", "1"}
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"invalid num", append(base, "--num", "A-1"), exitFailure, `the invoice: /invoice/num: "A-1" does not match the pattern [0-9]{1,30}`},
		{"invalid type", append(base, "--num", "1", "--type", "ORDINARY"), exitFailure, "/invoice/invoiceType"},
		{"bad date", append(base, "--num", "1", "--date", "15/01/2026"), exitUsage, "--date"},
		{"bad price", append(base, "--num", "1", "--unit-price", "1,5"), exitUsage, "--unit-price"},
		{"bad rate", append(base, "--num", "1", "--nds-rate", "101"), exitUsage, "--nds-rate"},
		{"a FILE", append(base, "--num", "1", "extra"), exitUsage, "takes no FILE"},
		{"from and flags", []string{"invoice", "new", "--from", write("a.json", "{}"), "--num", "1"}, exitUsage, "--num cannot be given with it"},
		{"from: unknown key", []string{"invoice", "new", "--from", write("b.json", `{"paymentForm":"1"}`)}, exitFailure, `unknown field "paymentForm"`},
		{"from: not JSON", []string{"invoice", "new", "--from", write("c.json", "<x/>")}, exitFailure, "--from"},
		{"from: missing", []string{"invoice", "new", "--from", filepath.Join(dir, "none.json")}, exitFailure, "no such file"},
		{"from: invalid invoice", []string{"invoice", "new", "--from", write("d.json", `{"num":"1"}`)}, exitFailure, "/invoice/customers: required element customer is missing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(t, tc.args...)
			assert.Equal(t, tc.code, code, stderr)
			assert.Empty(t, stdout)
			assert.Contains(t, stderr, tc.stderr)
		})
	}
}

func TestInvoiceSign(t *testing.T) {
	dir := t.TempDir()
	body := filepath.Join(dir, "invoice.xml")
	code, _, stderr := run(t, append([]string{"invoice", "new", "--out", body}, minimalFlags...)...)
	require.Equal(t, exitOK, code, stderr)
	data, err := os.ReadFile(body)
	require.NoError(t, err)

	gostP12 := fixture(t, certstest.FixtureGOSTCEO)
	ks, err := certstest.OpenFixture(certstest.FixtureGOSTCEO)
	require.NoError(t, err)
	code, stdout, stderr := run(t, "invoice", "sign", "--keystore", gostP12, "--pin", certstest.FixturePIN, "--at", at, body)
	require.Equal(t, exitOK, code, stderr)
	sig := strings.TrimSuffix(stdout, "\n")
	assert.Len(t, sig, 172)
	require.NoError(t, invoice.VerifySignature(data, sig, ks.Certificate))

	code, stdout, stderr = run(t, "invoice", "sign", "--keystore", fixture(t, certstest.FixtureGOSTCanSign), "--pin", certstest.FixturePIN, "--at", at, "--json", body)
	require.Equal(t, exitOK, code, stderr)
	var out invoiceSignOutput
	require.NoError(t, json.Unmarshal([]byte(stdout), &out))
	assert.Equal(t, "OPERATOR", out.SignatureType)
	assert.Equal(t, "InvoiceV2", out.Version)
	der, err := base64.StdEncoding.DecodeString(out.Certificate)
	require.NoError(t, err)
	cert, err := certs.ParseCertificate(der)
	require.NoError(t, err)
	require.NoError(t, invoice.VerifySignature(data, out.Signature, cert))
	assert.Equal(t, []string{"signature", "signatureType", "version", "certificate"}, jsonKeys(reflect.TypeOf(out), ""))

	// RSA: 344 characters.
	code, stdout, stderr = run(t, "invoice", "sign", "--keystore", fixture(t, certstest.FixtureCEOSign), "--pin", certstest.FixturePIN, "--at", at, body)
	require.Equal(t, exitOK, code, stderr)
	assert.Len(t, strings.TrimSpace(stdout), 344)

	// An AUTH key does not sign invoices; nor does an expired certificate.
	code, _, stderr = run(t, "invoice", "sign", "--keystore", fixture(t, certstest.FixtureIndividualAuth), "--pin", certstest.FixturePIN, "--at", at, body)
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, stderr, "not for signing")
	code, _, stderr = run(t, "invoice", "sign", "--keystore", gostP12, "--pin", certstest.FixturePIN, "--at", "2040-01-01T00:00:00Z", body)
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, stderr, "not at 2040-01-01")

	// An invalid body is refused, unless --no-check.
	bad := filepath.Join(dir, "bad.xml")
	require.NoError(t, os.WriteFile(bad, []byte(strings.Replace(string(data), "<num>1001</num>", "<num>X</num>", 1)), 0o600))
	code, stdout, stderr = run(t, "invoice", "sign", "--keystore", gostP12, "--pin", certstest.FixturePIN, "--at", at, bad)
	assert.Equal(t, exitFailure, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, bad+": /invoice/num:")
	code, stdout, stderr = run(t, "invoice", "sign", "--keystore", gostP12, "--pin", certstest.FixturePIN, "--at", at, "--no-check", bad)
	assert.Equal(t, exitOK, code, stderr)
	assert.Len(t, strings.TrimSpace(stdout), 172)
}

func TestInvoiceCheck(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.xml")
	code, _, stderr := run(t, append([]string{"invoice", "new", "--out", good}, minimalFlags...)...)
	require.Equal(t, exitOK, code, stderr)
	data, err := os.ReadFile(good)
	require.NoError(t, err)
	bad := filepath.Join(dir, "bad.xml")
	broken := strings.NewReplacer("<ndsRate>12</ndsRate>", "<ndsRate>112</ndsRate>", "<countryCode>KZ</countryCode>", "").Replace(string(data))
	require.NoError(t, os.WriteFile(bad, []byte(broken), 0o600))

	code, stdout, _ := run(t, "invoice", "check", good)
	assert.Equal(t, exitOK, code)
	assert.Equal(t, "OK "+good+"\n", stdout)

	code, stdout, _ = run(t, "invoice", "check", good, bad, filepath.Join(dir, "none.xml"))
	assert.Equal(t, exitFailure, code)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 4, stdout)
	assert.Equal(t, "OK "+good, lines[0])
	assert.Equal(t, "INVALID "+bad+": /invoice/customers/customer[1]: required element countryCode is missing", lines[1])
	assert.Equal(t, "INVALID "+bad+": /invoice/productSet/products/product[1]/ndsRate: 112 is more than 100", lines[2])
	assert.Contains(t, lines[3], "INVALID "+filepath.Join(dir, "none.xml")+": open")

	// Larger than the limit: refused unread.
	huge := filepath.Join(dir, "huge.xml")
	require.NoError(t, os.WriteFile(huge, make([]byte, invoice.MaxBodySize+10), 0o600))
	code, stdout, _ = run(t, "invoice", "check", huge)
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, stdout, "the limit is 4194304")
}
