package invoice

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The corpus of the differential test: valid invoices, and the same
// invoices with each rule of the schema broken once — every required
// element removed, every element repeated, every pair of neighbours
// swapped, an unknown element, an attribute, text, a namespace, and each
// simple value replaced by values its type and facets refuse and accept.
// Each case is one document; its verdict (valid or not) is compared with
// xmllint's.

// xel is an element of a document being mutated.
type xel struct {
	name  string // as written: "v2:invoice", "date"
	start string // the start tag's inside when it has attributes: `v2:invoice xmlns:v2="v2.esf"`
	text  string // simple content, already escaped
	kids  []*xel
	d     *decl // its declaration, nil for made-up elements
}

func (e *xel) clone() *xel {
	c := *e
	c.kids = make([]*xel, len(e.kids))
	for i, k := range e.kids {
		c.kids[i] = k.clone()
	}
	return &c
}

// parseTree reads a body Marshal wrote into an xel tree, attaching each
// element's declaration.
func parseTree(t testing.TB, body []byte, root *decl) *xel {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(body))
	var stack []*xel
	var top *xel
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		switch tk := tok.(type) {
		case xml.StartElement:
			name := tk.Name.Local
			if tk.Name.Space != "" {
				name = tk.Name.Space + ":" + name
			}
			e := &xel{name: name}
			if len(tk.Attr) > 0 {
				parts := []string{name}
				for _, a := range tk.Attr {
					an := a.Name.Local
					if a.Name.Space != "" {
						an = a.Name.Space + ":" + an
					}
					parts = append(parts, fmt.Sprintf(`%s="%s"`, an, a.Value))
				}
				e.start = strings.Join(parts, " ")
			}
			if len(stack) == 0 {
				e.d = root
				top = e
			} else {
				p := stack[len(stack)-1]
				for _, k := range p.d.kids {
					if k.name == tk.Name.Local {
						e.d = k
					}
				}
				require.NotNil(t, e.d, "no declaration for %s", name)
				p.kids = append(p.kids, e)
			}
			stack = append(stack, e)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 && stack[len(stack)-1].d.simple != nil {
				var b bytes.Buffer
				w := writer{}
				require.NoError(t, w.text(&decl{}, string(tk)))
				b.Write(w.buf)
				stack[len(stack)-1].text += b.String()
			}
		}
	}
	return top
}

// render writes a tree indented as Marshal does.
func (e *xel) render(b *strings.Builder, depth int) {
	if depth > 0 {
		b.WriteString("\n" + strings.Repeat("  ", depth))
	}
	start := e.name
	if e.start != "" {
		start = e.start
	}
	b.WriteString("<" + start + ">")
	if len(e.kids) == 0 {
		b.WriteString(e.text)
	} else {
		for _, k := range e.kids {
			k.render(b, depth+1)
		}
		b.WriteString(e.text) // text among elements, for a test
		b.WriteString("\n" + strings.Repeat("  ", depth))
	}
	b.WriteString("</" + e.name + ">")
}

func (e *xel) bytes() []byte {
	var b strings.Builder
	e.render(&b, 0)
	return []byte(b.String())
}

// escape escapes a value as Marshal does.
func escape(s string) string {
	w := writer{}
	if err := w.text(&decl{}, s); err != nil {
		panic(err)
	}
	return string(w.buf)
}

type corpusCase struct {
	name string
	body []byte
}

// at returns the element at the index path ix below e.
func (e *xel) at(ix []int) *xel {
	for _, i := range ix {
		e = e.kids[i]
	}
	return e
}

// pathName names the element at ix for a case name: /invoice/customers/customer[2]/name.
func pathName(root *xel, ix []int) string {
	var b strings.Builder
	b.WriteString("/invoice")
	e := root
	for _, i := range ix {
		n := 0
		for _, k := range e.kids[:i+1] {
			if k.name == e.kids[i].name {
				n++
			}
		}
		e = e.kids[i]
		b.WriteString("/" + e.name)
		if e.d != nil && e.d.repeated() {
			fmt.Fprintf(&b, "[%d]", n)
		}
	}
	return b.String()
}

// goodValues and badValues are values each simple type accepts and refuses.
func valuesFor(st *simpleType) (good, bad []string) {
	switch st.base {
	case baseString:
		switch {
		case st.enum != nil:
			good = append(good, st.enum...)
			bad = []string{"", strings.ToLower(st.enum[0]), " " + st.enum[0], st.enum[0] + "X"}
		case st.patternSrc == "[0-9]{1,30}":
			good = []string{"0", strings.Repeat("9", 30)}
			bad = []string{"", "12a", strings.Repeat("1", 31), " 1", "-1", "СФ-1"}
		case st.patternSrc == "[1-6]":
			good = []string{"1", "3"}
			bad = []string{"0", "7", "", "66", " 6"}
		case st.patternSrc == "[0-9]{1,10}":
			good = []string{"1", "1234567890"}
			bad = []string{"12345678901", "a", ""}
		case st.patternSrc == "[0-9A-Z]{8}":
			good = []string{"ABCDEFG1"}
			bad = []string{"hsbkkzkx", "ABCDEFG", "ABCDEFGH1", ""}
		case st.patternSrc == "[0-9A-Z]{20}":
			good = []string{strings.Repeat("Z", 20)}
			bad = []string{strings.Repeat("Z", 19), strings.Repeat("Z", 21), strings.Repeat("z", 20)}
		case st.patternSrc == "KKMFKZ2A":
			good = []string{"", "KKMFKZ2A"}
			bad = []string{"KKMFKZ2B", " KKMFKZ2A"}
		case strings.HasPrefix(st.patternSrc, `[^\s:]`):
			good = []string{"a b", "Оплата по счёту №5", "x"}
			bad = []string{" x", "a:b", "a\tb", ":", "", "a\nb"}
		case st.maxLength == 200:
			good = []string{"", strings.Repeat("Ж", 200)}
			bad = []string{strings.Repeat("Ж", 201)}
		default:
			good = []string{"", " ", "<&> \"'"}
		}
	case baseDecimal:
		good = []string{"0", "-5", "+5", " 12.5 ", ".5", "5.", "0001.10", "1.000", "-0"}
		bad = []string{"", "abc", "1,5", "1e3", "- 5", "1 000", "0x10", "."}
		if st.totalDigits == 17 {
			good = append(good, "123456789012345.67", "00000000000000000001")
			bad = append(bad, "123456789012345678", "1.234", "1234567890123456.7")
		}
		if st.totalDigits == 18 {
			good = append(good, "123456789012.123456", "1.123456000")
			bad = append(bad, "1.1234567", "1234567890123456789", "12345678901234.12345")
		}
		if st.totalDigits == 14 {
			good = append(good, "123456789012.34", "-0.00")
			bad = append(bad, "-1", "-0.01", "1234567890123.45")
		}
	case baseInt:
		good = []string{"+7", " 7 ", "007"}
		bad = []string{"", "abc", "1.0", "2147483648", "1 0"}
		switch {
		case st.hasMaxIncl && st.maxIncl == 100:
			good = append(good, "0", "100")
			bad = append(bad, "101", "-1")
		case st.hasMaxIncl && st.maxIncl == 200:
			good = append(good, "1", "200")
			bad = append(bad, "0", "201", "-1")
		default:
			good = append(good, "-2147483648", "2147483647")
			bad = append(bad, "-2147483649")
		}
	case baseBool:
		good = []string{"true", "false", "1", "0", " true "}
		bad = []string{"TRUE", "yes", "", "2"}
	}
	return good, bad
}

// corpus builds the differential corpus.
func corpus(t testing.TB) []corpusCase {
	t.Helper()
	schemas()
	var cases []corpusCase
	add := func(name string, body []byte) { cases = append(cases, corpusCase{name, body}) }
	marshal := func(inv *Invoice) []byte {
		b, err := inv.Marshal()
		require.NoError(t, err)
		return b
	}

	// Whole documents.
	min, fullBody := marshal(minimal()), marshal(full())
	add("minimal", min)
	add("full", fullBody)
	for _, typ := range []InvoiceType{OrdinaryInvoice, AdditionalInvoice} {
		inv := full()
		inv.InvoiceType = typ
		add("full/"+string(typ), marshal(inv))
	}
	add("minimal/xml declaration", append([]byte(`<?xml version="1.0" encoding="UTF-8"?>`+"\n"), min...))
	add("minimal/crlf", bytes.ReplaceAll(min, []byte("\n"), []byte("\r\n")))
	add("minimal/compact", regexpCompact(min))
	add("minimal/comments and PIs", bytes.ReplaceAll(min, []byte("</num>"), []byte("<!-- x --></num><?pi x?><!-- y -->")))
	add("minimal/value split by a comment", bytes.Replace(min, []byte("<num>1001</num>"), []byte("<num>10<!-- x -->01</num>"), 1))
	add("minimal/CDATA", bytes.Replace(min, []byte("<num>1001</num>"), []byte("<num><![CDATA[1001]]></num>"), 1))
	add("minimal/CDATA with a space", bytes.Replace(min, []byte("<num>1001</num>"), []byte("<num><![CDATA[1001 ]]></num>"), 1))
	add("minimal/char references", bytes.Replace(min, []byte("<num>1001</num>"), []byte("<num>&#49;001</num>"), 1))
	add("minimal/BOM", append([]byte("\uFEFF"), min...))
	add("minimal/empty element tags", bytes.Replace(min, []byte("</tin>\n    </customer>"), []byte("</tin><trailer/>\n    </customer>"), 1))

	// The document element.
	rest := bytes.TrimPrefix(min, []byte(bodyStart))
	end := []byte("</v2:invoice>")
	rootCases := map[string]string{
		"root/no namespace":           "<invoice>",
		"root/default namespace":      `<invoice xmlns="v2.esf">`,
		"root/abstract namespace":     `<a:invoice xmlns:a="abstractInvoice.esf">`,
		"root/other prefix":           `<x:invoice xmlns:x="v2.esf">`,
		"root/other name":             `<v2:invoices xmlns:v2="v2.esf">`,
		"root/without a":              `<v2:invoice xmlns:v2="v2.esf">`,
		"root/attribute":              `<v2:invoice xmlns:v2="v2.esf" version="2">`,
		"root/xsi:schemaLocation":     `<v2:invoice xmlns:v2="v2.esf" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="v2.esf InvoiceV2.xsd">`,
		"root/xsi:nil":                `<v2:invoice xmlns:v2="v2.esf" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="false">`,
		"root/xml:lang":               `<v2:invoice xmlns:v2="v2.esf" xml:lang="ru">`,
		"root/default namespace too":  `<v2:invoice xmlns="v2.esf" xmlns:v2="v2.esf">`,
		"root/empty default":          `<v2:invoice xmlns="" xmlns:v2="v2.esf">`,
		"root/wrong namespace prefix": `<v2:invoice xmlns:v2="v2.esf/">`,
	}
	for name, start := range rootCases {
		endTag := end
		if name := start[1:strings.IndexAny(start, " >")]; name != "v2:invoice" {
			endTag = []byte("</" + name + ">")
		}
		add(name, append(append([]byte(start), rest[:len(rest)-len(end)]...), endTag...))
	}
	add("root/child in a namespace", bytes.Replace(min, []byte("<date>15.01.2026</date>"), []byte(`<date xmlns="v2.esf">15.01.2026</date>`), 1))
	add("root/child prefixed", bytes.Replace(min, []byte("<date>15.01.2026</date>"), []byte(`<v2:date>15.01.2026</v2:date>`), 1))
	add("root/child in the abstract namespace", bytes.Replace(min, []byte("<date>15.01.2026</date>"), []byte(`<a:date>15.01.2026</a:date>`), 1))
	add("root/empty", []byte(`<v2:invoice xmlns:v2="v2.esf"></v2:invoice>`))

	// Mutations of every element of both documents.
	for _, base := range []struct {
		name string
		body []byte
	}{{"minimal", min}, {"full", fullBody}} {
		tree := parseTree(t, base.body, invoiceDecl)
		var walk func(ix []int)
		walk = func(ix []int) {
			e := tree.at(ix)
			name := base.name + pathName(tree, ix)
			mutate := func(what string, f func(root, e *xel)) {
				c := tree.clone()
				f(c, c.at(ix))
				add(name+"/"+what, c.bytes())
			}
			if len(ix) > 0 {
				parentIx, i := ix[:len(ix)-1], ix[len(ix)-1]
				remove := func(p *xel, i int) { p.kids = append(p.kids[:i:i], p.kids[i+1:]...) }
				mutate("removed", func(root, e *xel) { remove(root.at(parentIx), i) })
				mutate("repeated", func(root, e *xel) {
					p := root.at(parentIx)
					p.kids = append(p.kids[:i+1:i+1], append([]*xel{e.clone()}, p.kids[i+1:]...)...)
				})
				if p := tree.at(parentIx); i+1 < len(p.kids) && p.kids[i+1].name != e.name {
					mutate("swapped with the next", func(root, e *xel) {
						p := root.at(parentIx)
						p.kids[i], p.kids[i+1] = p.kids[i+1], p.kids[i]
					})
				}
				mutate("unknown element before", func(root, e *xel) {
					p := root.at(parentIx)
					p.kids = append(p.kids[:i:i], append([]*xel{{name: "unknown", text: "1"}}, p.kids[i:]...)...)
				})
				mutate("attribute", func(root, e *xel) { e.start = e.name + ` id="1"` })
				mutate("in a namespace", func(root, e *xel) { e.start = e.name + ` xmlns="v2.esf"` })
			}
			if e.d.simple != nil {
				good, bad := valuesFor(e.d.simple)
				for _, v := range good {
					mutate(fmt.Sprintf("value %q", v), func(root, e *xel) { e.text = escape(v) })
				}
				for _, v := range bad {
					mutate(fmt.Sprintf("value %q", v), func(root, e *xel) { e.text = escape(v) })
				}
				mutate("child element", func(root, e *xel) { e.kids = []*xel{{name: "x", text: e.text}} })
				return
			}
			mutate("text", func(root, e *xel) { e.text = "x" })
			mutate("unknown element at the end", func(root, e *xel) { e.kids = append(e.kids, &xel{name: "unknown"}) })
			mutate("emptied", func(root, e *xel) { e.kids = nil })
			for i := range e.kids {
				walk(append(ix[:len(ix):len(ix)], i))
			}
		}
		walk(nil)
	}
	return cases
}

// regexpCompact removes the indentation Marshal writes.
func regexpCompact(b []byte) []byte {
	var out []byte
	for _, line := range bytes.Split(b, []byte("\n")) {
		out = append(out, bytes.TrimLeft(line, " ")...)
	}
	return out
}
