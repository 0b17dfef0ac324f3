package invoice

import (
	"errors"
	"reflect"
	"testing"

	"github.com/esfkit/esf/internal/testref"
)

// FuzzParse: Parse never panics; what it accepts, Marshal writes back as a
// valid body that parses to the same invoice; what it refuses, it refuses
// with CheckErrors.
func FuzzParse(f *testing.F) {
	testref.LimitFuzzMinimization(f)
	for _, inv := range []*Invoice{minimal(), full()} {
		b, err := inv.Marshal()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for i, c := range corpus(f) {
		if i%25 == 0 {
			f.Add(c.body)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		inv, err := Parse(body)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("an error that is not ErrInvalid: %v", err)
			}
			if inv != nil {
				t.Fatal("an invoice with an error")
			}
			if Check(body) == nil {
				t.Fatal("Parse refused what Check accepts")
			}
			return
		}
		if err := Check(body); err != nil {
			t.Fatalf("Check refused what Parse accepted: %v", err)
		}
		out, err := inv.Marshal()
		if err != nil {
			t.Fatalf("Marshal of a parsed invoice: %v", err)
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("the written body does not parse: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(normalized(inv), normalized(again)) {
			t.Fatalf("round trip changed the invoice:\n%+v\n%+v", inv, again)
		}
	})
}

// normalized makes empty slices nil, as Parse leaves an absent list.
func normalized(inv *Invoice) *Invoice {
	b, _ := inv.Marshal()
	out, _ := Parse(b)
	return out
}

// FuzzParseContainers: the parsers of what the service returns never panic.
func FuzzParseContainers(f *testing.F) {
	testref.LimitFuzzMinimization(f)
	body, _ := minimal().Marshal()
	info := InvoiceInfo{InvoiceBody: string(body), InvoiceID: 1, InputDate: "2026-01-15T10:00:00Z", LastUpdateDate: "2026-01-15T10:00:00Z",
		Version: Version, Signature: "AA==", SignatureType: SignatureCompany, Certificate: "MIIB", Deadline: &Deadline{DocumentID: 1}}
	for _, m := range []interface{ Marshal() ([]byte, error) }{
		&info, &InvoiceInfoContainer{InvoiceSet: []InvoiceInfo{info}},
		&InvoiceSummaryContainer{SummaryList: []InvoiceSummary{{InvoiceID: 1, InvoiceStatus: StatusCreated}}},
		&InvoiceContainer{Invoices: []Invoice{*minimal()}},
	} {
		b, err := m.Marshal()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		parsers := []func([]byte) (any, error){
			func(b []byte) (any, error) { return ParseInvoiceInfo(b) },
			func(b []byte) (any, error) { return ParseInvoiceInfoContainer(b) },
			func(b []byte) (any, error) { return ParseInvoiceSummaryContainer(b) },
			func(b []byte) (any, error) { return ParseInvoiceContainer(b) },
		}
		for _, p := range parsers {
			if _, err := p(doc); err != nil && !errors.Is(err, ErrInvalid) {
				t.Fatalf("an error that is not ErrInvalid: %v", err)
			}
		}
	})
}
