package invoice

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/internal/testref"
)

// The schema compiled from the struct tags is KGD's XSD: this test reads
// the XSD files and lists every element (path, minOccurs, maxOccurs, type
// and facets) both ways, and the lists must be equal.

type xsNode struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Kids    []xsNode   `xml:",any"`
}

func (n *xsNode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n *xsNode) kid(local string) *xsNode {
	for i := range n.Kids {
		if n.Kids[i].XMLName.Local == local {
			return &n.Kids[i]
		}
	}
	return nil
}

// xsSchemas holds the named complex and simple types of several schema
// files (names without prefix: no two files here define the same name).
type xsSchemas struct {
	complex, simple map[string]*xsNode
	elements        map[string]*xsNode
	tolerant        bool // enumerations are read as xs:string (the response types)
}

func loadXSD(t *testing.T, files ...string) *xsSchemas {
	t.Helper()
	dir := testref.Dir(t, "reference", "esf-api", "invoice", "xsd")
	s := &xsSchemas{complex: map[string]*xsNode{}, simple: map[string]*xsNode{}, elements: map[string]*xsNode{}}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(dir, f))
		require.NoError(t, err)
		var root xsNode
		require.NoError(t, xml.Unmarshal(data, &root), f)
		for i := range root.Kids {
			k := &root.Kids[i]
			switch k.XMLName.Local {
			case "complexType":
				s.complex[k.attr("name")] = k
			case "simpleType":
				s.simple[k.attr("name")] = k
			case "element":
				s.elements[k.attr("name")] = k
			}
		}
	}
	return s
}

func local(qname string) string {
	if _, l, ok := strings.Cut(qname, ":"); ok {
		return l
	}
	return qname
}

// describeXSD lists the element e (at path) and every element below it.
func (s *xsSchemas) describeXSD(t *testing.T, path string, e *xsNode, out *[]string) {
	t.Helper()
	min, max := e.attr("minOccurs"), e.attr("maxOccurs")
	if min == "" {
		min = "1"
	}
	if max == "" {
		max = "1"
	}
	path += "/" + e.attr("name")
	line := fmt.Sprintf("%s %s %s ", path, min, max)
	var kids []*xsNode
	var all bool
	typ := local(e.attr("type"))
	switch {
	case e.kid("complexType") != nil:
		kids, all = s.particles(t, e.kid("complexType"))
		line += "complex"
	case e.kid("simpleType") != nil:
		line += s.simpleDesc(t, e.kid("simpleType"))
	case s.complex[typ] != nil:
		kids, all = s.particles(t, s.complex[typ])
		line += "complex"
	case s.simple[typ] != nil:
		line += s.simpleDesc(t, s.simple[typ])
	case strings.HasPrefix(e.attr("type"), "xs:"):
		line += e.attr("type")
	case s.tolerant && typ == "SignatureType":
		line += "xs:string" // declared in the WSDL, not in the XSD file
	case s.tolerant && typ == "deadline":
		line += "complex" // declared in the WSDL; its children are compared there
		kids = nil
	default:
		t.Fatalf("%s: unknown type %q", path, e.attr("type"))
	}
	if d := e.attr("default"); d != "" {
		line += " default=" + d
	}
	if all {
		line += " all"
	}
	*out = append(*out, line)
	for _, k := range kids {
		s.describeXSD(t, path, k, out)
	}
}

// particles returns a complex type's element particles in order, with its
// base type's first, and whether they form an xs:all group.
func (s *xsSchemas) particles(t *testing.T, ct *xsNode) ([]*xsNode, bool) {
	t.Helper()
	var out []*xsNode
	group := ct.kid("sequence")
	all := false
	if cc := ct.kid("complexContent"); cc != nil {
		ext := cc.kid("extension")
		require.NotNil(t, ext)
		base := s.complex[local(ext.attr("base"))]
		require.NotNil(t, base, "base %s", ext.attr("base"))
		out, _ = s.particles(t, base)
		group = ext.kid("sequence")
	}
	if a := ct.kid("all"); a != nil {
		group, all = a, true
	}
	if group == nil {
		return out, all
	}
	for i := range group.Kids {
		k := &group.Kids[i]
		switch k.XMLName.Local {
		case "element":
			out = append(out, k)
		case "sequence":
			for j := range k.Kids {
				out = append(out, &k.Kids[j])
			}
		case "annotation":
		default:
			t.Fatalf("particle %s not handled", k.XMLName.Local)
		}
	}
	return out, all
}

func (s *xsSchemas) simpleDesc(t *testing.T, st *xsNode) string {
	t.Helper()
	r := st.kid("restriction")
	require.NotNil(t, r)
	base := r.attr("base")
	var enum, facets []string
	for _, f := range r.Kids {
		switch f.XMLName.Local {
		case "enumeration":
			enum = append(enum, f.attr("value"))
		case "annotation":
		default:
			facets = append(facets, f.XMLName.Local+"="+f.attr("value"))
		}
	}
	if enum != nil {
		if s.tolerant {
			return base
		}
		return base + " enum=" + strings.Join(enum, "|")
	}
	slices.Sort(facets)
	return strings.TrimSpace(base + " " + strings.Join(facets, " "))
}

// describeDecl lists a compiled declaration as describeXSD lists the XSD's.
func describeDecl(path string, d *decl, out *[]string) {
	path += "/" + d.name
	max := "1"
	if d.max < 0 {
		max = "unbounded"
	}
	line := fmt.Sprintf("%s %d %s ", path, d.min, max)
	if d.simple == nil {
		line += "complex"
	} else {
		st := d.simple
		line += st.base.String()
		var facets []string
		add := func(name string, v int64, ok bool) {
			if ok {
				facets = append(facets, fmt.Sprintf("%s=%d", name, v))
			}
		}
		add("fractionDigits", int64(st.fractionDigits), st.fractionDigits >= 0)
		add("maxInclusive", st.maxIncl, st.hasMaxIncl)
		add("maxLength", int64(st.maxLength), st.maxLength >= 0)
		add("minInclusive", st.minIncl, st.hasMinIncl)
		add("minLength", int64(st.minLength), st.minLength >= 0)
		if st.pattern != nil {
			facets = append(facets, "pattern="+st.patternSrc)
		}
		add("totalDigits", int64(st.totalDigits), st.totalDigits >= 0)
		slices.Sort(facets)
		if st.enum != nil {
			line += " enum=" + strings.Join(st.enum, "|")
		} else if len(facets) > 0 {
			line += " " + strings.Join(facets, " ")
		}
		if st.hasDefault {
			line += " default=" + st.dflt
		}
	}
	if d.all {
		line += " all"
	}
	*out = append(*out, line)
	if d.goType == typeDeadline() && path != "" {
		return // compared with the WSDL below
	}
	for _, k := range d.kids {
		describeDecl(path, k, out)
	}
}

func TestSchemaIsTheXSD(t *testing.T) {
	schemas()
	tests := []struct {
		name     string
		files    []string
		root     string
		decl     *decl
		tolerant bool
	}{
		{"InvoiceV2", []string{"InvoiceV1.xsd", "InvoiceV2.xsd"}, "invoice", invoiceDecl, false},
		{"InvoiceInfo", []string{"InvoiceInfo.xsd"}, "invoiceInfo", infoDecl, true},
		{"InvoiceInfoContainer", []string{"InvoiceInfoContainer.xsd"}, "invoiceInfoContainer", infoContainerDecl, true},
		{"InvoiceSummaryContainer", []string{"InvoiceSummaryContainer.xsd"}, "invoiceSummaryContainer", summaryContainerDecl, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := loadXSD(t, tc.files...)
			s.tolerant = tc.tolerant
			// The last file's element: InvoiceV1.xsd also declares an invoice.
			data, err := os.ReadFile(filepath.Join(testref.Dir(t, "reference", "esf-api", "invoice", "xsd"), tc.files[len(tc.files)-1]))
			require.NoError(t, err)
			var root xsNode
			require.NoError(t, xml.Unmarshal(data, &root))
			var el *xsNode
			for i := range root.Kids {
				if root.Kids[i].XMLName.Local == "element" && root.Kids[i].attr("name") == tc.root {
					el = &root.Kids[i]
				}
			}
			require.NotNil(t, el)
			var want, got []string
			s.describeXSD(t, "", el, &want)
			describeDecl("", tc.decl, &got)
			require.Equal(t, want, got)
			if tc.name == "InvoiceV2" {
				require.Len(t, got, 151, "every element of InvoiceV2")
			}
		})
	}
}

// The container of invoices: its XSD's invoiceSet holds a choice of
// {v1.esf}invoice and {v2.esf}invoice; only v2 is read.
func TestInvoiceContainerSchema(t *testing.T) {
	schemas()
	s := loadXSD(t, "InvoiceContainer.xsd")
	ct := s.complex["InvoiceContainer"]
	require.NotNil(t, ct)
	set := ct.kid("sequence").kid("element")
	require.Equal(t, "invoiceSet", set.attr("name"))
	require.Equal(t, "0", set.attr("minOccurs"))
	choice := set.kid("complexType").kid("sequence").kid("choice")
	require.Equal(t, "0", choice.attr("minOccurs"))
	require.Equal(t, "unbounded", choice.attr("maxOccurs"))
	var refs []string
	for _, k := range choice.Kids {
		refs = append(refs, k.attr("ref"))
	}
	require.Equal(t, []string{"ns1:invoice", "ns2:invoice"}, refs)

	w := invoiceContainerDecl.kids[0]
	require.Equal(t, "invoiceSet", w.name)
	require.Equal(t, 0, w.min)
	require.Equal(t, "invoice", w.item.name)
	require.Equal(t, NamespaceV2, w.item.ns)
	require.Equal(t, 0, w.item.min)
	require.Equal(t, -1, w.item.max)
}

// The deadline of InvoiceInfo, which InvoiceInfo.xsd names but does not
// declare, is the WSDL's.
func TestDeadlineIsTheWSDLs(t *testing.T) {
	schemas()
	data, err := os.ReadFile(filepath.Join(testref.Dir(t, "reference", "esf-api", "invoice"), "InvoiceService.wsdl"))
	require.NoError(t, err)
	s := string(data)
	i := strings.Index(s, `<xs:complexType name="deadline">`)
	require.GreaterOrEqual(t, i, 0)
	j := strings.Index(s[i:], "</xs:complexType>")
	var ct xsNode
	require.NoError(t, xml.Unmarshal([]byte(strings.NewReplacer("<xs:", "<", "</xs:", "</").Replace(s[i:i+j+len("</xs:complexType>")])), &ct))
	var want []string
	for _, e := range ct.kid("sequence").Kids {
		if e.XMLName.Local == "element" {
			want = append(want, e.attr("name")+" "+e.attr("minOccurs")+" "+e.attr("type"))
		}
	}
	var got []string
	for _, d := range infoDecl.kids {
		if d.name != "deadline" {
			continue
		}
		for _, k := range d.kids {
			typ := map[baseKind]string{baseDateTime: "xs:dateTime", baseLong: "xs:long", baseString: "xs:string"}[k.simple.base]
			switch k.name {
			case "documentType":
				typ = "tns:DocumentType"
			case "type":
				typ = "tns:DeadlineType"
			}
			got = append(got, fmt.Sprintf("%s %d %s", k.name, k.min, typ))
		}
	}
	require.Equal(t, want, got)
}

func typeDeadline() reflect.Type { return reflect.TypeFor[Deadline]() }
