package invoice

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// The schema Check enforces is compiled once from the Go types' tags (see
// types.go): one element declaration per field, in field order, so the
// types, the writer, the parser and the checker cannot disagree about an
// element's name, place or type.

// baseKind is the XSD built-in type a simple type restricts.
type baseKind uint8

const (
	baseString baseKind = iota
	baseDecimal
	baseInt  // xs:int, 32 bits
	baseLong // xs:long, 64 bits
	baseBool
	baseDateTime
)

func (b baseKind) String() string {
	return [...]string{"xs:string", "xs:decimal", "xs:int", "xs:long", "xs:boolean", "xs:dateTime"}[b]
}

// simpleType is an element's simple type: a base and its facets.
type simpleType struct {
	base       baseKind
	enum       []string // nil: not an enumeration
	enumName   string   // the XSD's name of the enumeration (InvoiceType)
	pattern    *regexp.Regexp
	patternSrc string
	// minLength and maxLength count characters; -1 is no facet.
	minLength, maxLength int
	// totalDigits and fractionDigits; -1 is no facet.
	totalDigits, fractionDigits int
	// minInclusive and maxInclusive, when has… is set.
	minIncl, maxIncl       int64
	hasMinIncl, hasMaxIncl bool
	// dflt is the element's default value, which an empty element takes.
	dflt       string
	hasDefault bool
}

// decl is an element declaration: its name and occurrences, and either a
// simple type or the declarations of its children (a sequence, or an
// xs:all group).
type decl struct {
	name     string
	ns       string // namespace; "" for the unqualified children
	min, max int    // max < 0: unbounded
	simple   *simpleType
	kids     []*decl
	all      bool // the children form an xs:all group: any order, each at most once

	// Binding to Go: the field of the parent struct the element fills
	// (-1 for the repeated element of a wrapper, which fills the slice
	// its wrapper's field holds), and the Go type of one occurrence.
	field  int
	goType reflect.Type
	// open and close are the element's tags as Marshal writes them, and
	// kind how it reads the Go value.
	open, close string
	kind        goKind
	// item is set on a wrapper ("customers" of customers>customer): the
	// declaration of its repeated element.
	item *decl
}

func (d *decl) tags() { d.open, d.close = "<"+d.name+">", "</"+d.name+">" }

// goKind is how the writer reads an element's Go value.
type goKind uint8

const (
	kindStruct goKind = iota
	kindPtrStruct
	kindString
	kindInt
	kindPtrInt
	kindBool
	kindPtrBool
)

func kindOf(t reflect.Type) goKind {
	ptr := t.Kind() == reflect.Pointer
	if ptr {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return kindString
	case reflect.Int, reflect.Int64:
		if ptr {
			return kindPtrInt
		}
		return kindInt
	case reflect.Bool:
		if ptr {
			return kindPtrBool
		}
		return kindBool
	}
	if ptr {
		return kindPtrStruct
	}
	return kindStruct
}

// repeated reports whether the element may occur more than once, so that
// paths name its occurrences by index.
func (d *decl) repeated() bool { return d.max < 0 || d.max > 1 }

var (
	typeDecimal  = reflect.TypeFor[Decimal]()
	typeDateTime = reflect.TypeFor[DateTime]()
)

// allTypes are the complex types whose children form an xs:all group.
var allTypes = map[reflect.Type]bool{
	reflect.TypeFor[InvoiceInfo]():    true,
	reflect.TypeFor[InvoiceSummary](): true,
}

// compileRoot compiles the declaration of a document element named name in
// namespace ns, of Go type t.
func compileRoot(name, ns string, t reflect.Type) *decl {
	d := &decl{name: name, ns: ns, min: 1, max: 1, field: -1, goType: t}
	d.kids, d.all = compileStruct(t), allTypes[t]
	d.tags()
	return d
}

// compileStruct returns the declarations of a struct type's fields.
func compileStruct(t reflect.Type) []*decl {
	var out []*decl
	for i := range t.NumField() {
		f := t.Field(i)
		tag, ok := f.Tag.Lookup("xml")
		if !ok || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		optional := opts == "omitempty"
		facets := parseFacets(f)
		min := 1
		if optional {
			min = 0
		}
		if outer, inner, wrapped := strings.Cut(name, ">"); wrapped {
			if f.Type.Kind() != reflect.Slice {
				panic(fmt.Sprintf("invoice: %s.%s: a wrapper field must be a slice", t.Name(), f.Name))
			}
			itemMin := 1
			if v, ok := facets["itemMin"]; ok {
				itemMin = atoi(v)
			}
			w := &decl{name: outer, min: min, max: 1, field: i, goType: f.Type}
			w.tags()
			w.item = compileElement(inner, f.Type.Elem(), facets, f.Tag.Get("pattern"))
			w.item.kind = kindOf(f.Type.Elem())
			w.item.min, w.item.max, w.item.field = itemMin, -1, -1
			w.item.ns = facets["ns"]
			w.kids = []*decl{w.item}
			out = append(out, w)
			continue
		}
		d := compileElement(name, f.Type, facets, f.Tag.Get("pattern"))
		d.min, d.max, d.field = min, 1, i
		d.kind = kindOf(f.Type)
		out = append(out, d)
	}
	return out
}

// compileElement compiles an element of Go type t (a pointer is an
// optional element of the type it points to).
func compileElement(name string, t reflect.Type, facets map[string]string, pattern string) *decl {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	d := &decl{name: name, goType: t}
	d.tags()
	if t.Kind() == reflect.Struct {
		d.kids, d.all = compileStruct(t), allTypes[t]
		return d
	}
	st := &simpleType{minLength: -1, maxLength: -1, totalDigits: -1, fractionDigits: -1}
	switch {
	case t == typeDecimal:
		st.base = baseDecimal
	case t == typeDateTime:
		st.base = baseDateTime
	case t.Kind() == reflect.String:
		st.base = baseString
		if vals, ok := enumValues[t.Name()]; ok && t.PkgPath() == typeDecimal.PkgPath() {
			st.enum, st.enumName = vals, t.Name()
		}
	case t.Kind() == reflect.Int:
		st.base = baseInt
	case t.Kind() == reflect.Int64:
		st.base = baseLong
	case t.Kind() == reflect.Bool:
		st.base = baseBool
	default:
		panic(fmt.Sprintf("invoice: element %s: no simple type for Go type %s", name, t))
	}
	if pattern != "" {
		st.patternSrc = pattern
		st.pattern = regexp.MustCompile(`^(?:` + xsdPatternToRE2(pattern) + `)$`)
	}
	for k, v := range facets {
		switch k {
		case "minLength":
			st.minLength = atoi(v)
		case "maxLength":
			st.maxLength = atoi(v)
		case "totalDigits":
			st.totalDigits = atoi(v)
		case "fractionDigits":
			st.fractionDigits = atoi(v)
		case "minInclusive":
			st.minIncl, st.hasMinIncl = int64(atoi(v)), true
		case "maxInclusive":
			st.maxIncl, st.hasMaxIncl = int64(atoi(v)), true
		case "default":
			st.dflt, st.hasDefault = v, true
		case "itemMin", "ns":
		default:
			panic(fmt.Sprintf("invoice: element %s: unknown facet %q", name, k))
		}
	}
	d.simple = st
	return d
}

// parseFacets reads a field's xsd tag: "key=value;key=value".
func parseFacets(f reflect.StructField) map[string]string {
	tag := f.Tag.Get("xsd")
	if tag == "" {
		return nil
	}
	out := map[string]string{}
	for _, kv := range strings.Split(tag, ";") {
		k, v, _ := strings.Cut(kv, "=")
		out[k] = v
	}
	return out
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic(fmt.Sprintf("invoice: facet value %q: %v", s, err))
	}
	return n
}

// xsdPatternToRE2 translates the XSD regular expressions the schema uses
// into RE2: XSD's \s is [ \t\n\r] (RE2's also matches \f, which XML
// cannot carry anyway); XSD patterns are anchored, which the caller adds.
func xsdPatternToRE2(p string) string {
	return strings.ReplaceAll(p, `\s`, ` \t\n\r`)
}

// The compiled schemas, built on first use.
var (
	schemaOnce                                 sync.Once
	invoiceDecl, infoDecl, infoContainerDecl   *decl
	summaryContainerDecl, invoiceContainerDecl *decl
)

// Namespaces of the documents.
const (
	// NamespaceV2 is the namespace of the invoice element, InvoiceV2.xsd's target.
	NamespaceV2 = "v2.esf"
	// NamespaceAbstract is AbstractInvoice's namespace (InvoiceV1.xsd's
	// target), which the body declares as the prefix a.
	NamespaceAbstract = "abstractInvoice.esf"
	// NamespaceV1 is the namespace of InvoiceV1 invoices, which an
	// InvoiceContainer may hold; no copy of their schema is public.
	NamespaceV1 = "v1.esf"
	// NamespaceESF is the namespace of the containers and of the SOAP
	// services' top-level elements.
	NamespaceESF = "esf"
)

func schemas() {
	schemaOnce.Do(func() {
		invoiceDecl = compileRoot("invoice", NamespaceV2, reflect.TypeFor[Invoice]())
		infoDecl = compileRoot("invoiceInfo", NamespaceESF, reflect.TypeFor[InvoiceInfo]())
		infoContainerDecl = compileRoot("invoiceInfoContainer", NamespaceESF, reflect.TypeFor[InvoiceInfoContainer]())
		summaryContainerDecl = compileRoot("invoiceSummaryContainer", NamespaceESF, reflect.TypeFor[InvoiceSummaryContainer]())
		invoiceContainerDecl = compileRoot("invoiceContainer", NamespaceESF, reflect.TypeFor[InvoiceContainer]())
	})
}
