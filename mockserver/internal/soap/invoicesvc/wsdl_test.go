package invoicesvc

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/internal/testref"
)

// xnode is a generic element tree of a WSDL.
type xnode struct {
	name  xml.Name
	attr  map[string]string
	kids  []*xnode
	space map[string]string // prefix → namespace in scope
}

func parseXML(t *testing.T, data []byte) *xnode {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(data))
	var stack []*xnode
	var root *xnode
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		switch el := tok.(type) {
		case xml.StartElement:
			n := &xnode{name: el.Name, attr: map[string]string{}, space: map[string]string{}}
			if len(stack) > 0 {
				for k, v := range stack[len(stack)-1].space {
					n.space[k] = v
				}
				stack[len(stack)-1].kids = append(stack[len(stack)-1].kids, n)
			} else {
				root = n
			}
			for _, a := range el.Attr {
				switch {
				case a.Name.Space == "xmlns":
					n.space[a.Name.Local] = a.Value
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					n.space[""] = a.Value
				default:
					n.attr[a.Name.Local] = a.Value
				}
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	return root
}

// resolve turns a QName attribute value into {namespace}local.
func (n *xnode) resolve(v string) string {
	prefix, local, ok := strings.Cut(v, ":")
	if !ok {
		prefix, local = "", v
	}
	return "{" + n.space[prefix] + "}" + local
}

func (n *xnode) all(local string) []*xnode {
	var out []*xnode
	for _, k := range n.kids {
		if k.name.Local == local {
			out = append(out, k)
		}
	}
	return out
}

func (n *xnode) first(local string) *xnode {
	for _, k := range n.kids {
		if k.name.Local == local {
			return k
		}
	}
	return nil
}

// shape is a WSDL reduced to what a client depends on.
type shape struct {
	complex  map[string]string   // type → its content model, flattened
	simple   map[string][]string // type → enumeration
	elements map[string]string   // global element → type
	ops      map[string]string   // operation → input/output elements and faults
	binding  string
}

func shapeOf(t *testing.T, data []byte) shape {
	root := parseXML(t, data)
	s := shape{complex: map[string]string{}, simple: map[string][]string{}, elements: map[string]string{}, ops: map[string]string{}}
	types := root.first("types")
	require.NotNil(t, types)
	for _, schema := range types.all("schema") {
		tns := schema.attr["targetNamespace"]
		for _, k := range schema.kids {
			name := "{" + tns + "}" + k.attr["name"]
			switch k.name.Local {
			case "complexType":
				s.complex[name] = describeComplex(k)
			case "simpleType":
				s.simple[name] = enumOf(k)
			case "element":
				s.elements[name] = k.resolve(k.attr["type"]) + " nillable=" + k.attr["nillable"]
			}
		}
	}
	msgs := map[string]string{}
	for _, m := range root.all("message") {
		p := m.first("part")
		msgs[m.attr["name"]] = p.resolve(p.attr["element"])
	}
	for _, pt := range root.all("portType") {
		for _, op := range pt.all("operation") {
			in, out := op.first("input"), op.first("output")
			var faults []string
			for _, f := range op.all("fault") {
				faults = append(faults, f.attr["name"]+"="+msgs[strings.TrimPrefix(f.resolve(f.attr["message"]), "{esf}")])
			}
			sort.Strings(faults)
			s.ops[op.attr["name"]] = fmt.Sprintf("in %s=%s out %s=%s faults %v", in.attr["name"], msgs[strings.TrimPrefix(in.resolve(in.attr["message"]), "{esf}")],
				out.attr["name"], msgs[strings.TrimPrefix(out.resolve(out.attr["message"]), "{esf}")], faults)
		}
	}
	b := root.first("binding")
	var ops []string
	for _, op := range b.all("operation") {
		o := op.first("operation")
		ops = append(ops, op.attr["name"]+" action="+o.attr["soapAction"])
	}
	sort.Strings(ops)
	s.binding = b.attr["name"] + " " + strings.Join(ops, "; ")
	return s
}

// describeComplex flattens a complex type: its base, its model kind and
// each element with its occurrence and type (anonymous types inline).
func describeComplex(n *xnode) string {
	var b strings.Builder
	var walk func(n *xnode)
	walk = func(n *xnode) {
		for _, k := range n.kids {
			switch k.name.Local {
			case "complexContent", "complexType":
				walk(k)
			case "extension":
				b.WriteString("extends " + k.resolve(k.attr["base"]) + " ")
				walk(k)
			case "sequence", "all":
				b.WriteString(k.name.Local + "(")
				walk(k)
				b.WriteString(") ")
			case "element":
				min, max := k.attr["minOccurs"], k.attr["maxOccurs"]
				if min == "" {
					min = "1"
				}
				if max == "" {
					max = "1"
				}
				fmt.Fprintf(&b, "%s[%s..%s]", k.attr["name"], min, max)
				if typ := k.attr["type"]; typ != "" {
					b.WriteString(":" + k.resolve(typ) + " ")
				} else if st := k.first("simpleType"); st != nil {
					r := st.first("restriction")
					fmt.Fprintf(&b, ":%s", r.resolve(r.attr["base"]))
					var facets []string
					for _, f := range r.kids {
						if f.name.Local != "annotation" {
							facets = append(facets, f.name.Local+"="+f.attr["value"])
						}
					}
					sort.Strings(facets)
					fmt.Fprintf(&b, "%v ", facets)
				} else {
					b.WriteString("{")
					walk(k)
					b.WriteString("} ")
				}
			}
		}
	}
	if n.attr["abstract"] == "true" {
		b.WriteString("abstract ")
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

func enumOf(n *xnode) []string {
	var out []string
	r := n.first("restriction")
	if r == nil {
		return nil
	}
	for _, e := range r.all("enumeration") {
		out = append(out, e.attr["value"])
	}
	return out
}

// Our WSDLs have the shapes of KGD's: every complex type, element,
// enumeration, operation (its messages and faults) and the binding are
// the same; errorCode alone differs (a string where KGD's enumerates its
// codes).
func TestWSDLShapeIsKGDs(t *testing.T) {
	dir := testref.Dir(t, "reference", "esf-api", "invoice")
	for _, service := range Services {
		t.Run(service, func(t *testing.T) {
			real, err := os.ReadFile(filepath.Join(dir, service+".wsdl"))
			require.NoError(t, err)
			ours, ok := WSDL(service, "http://127.0.0.1:1/esf-web/ws/api1/"+service)
			require.True(t, ok)
			want, got := shapeOf(t, real), shapeOf(t, ours)

			assert.Equal(t, want.complex, got.complex)
			assert.Equal(t, want.elements, got.elements)
			assert.Equal(t, want.ops, got.ops)
			assert.Equal(t, want.binding, got.binding)
			require.Contains(t, want.simple, "{esf}errorCode")
			assert.Greater(t, len(want.simple["{esf}errorCode"]), 500)
			assert.Empty(t, got.simple["{esf}errorCode"], "ours is a string")
			delete(want.simple, "{esf}errorCode")
			delete(got.simple, "{esf}errorCode")
			assert.Equal(t, want.simple, got.simple)
		})
	}
}

func TestWSDLAddress(t *testing.T) {
	doc, ok := WSDL(InvoiceService, `http://h/x?a=1&b="2"`)
	require.True(t, ok)
	assert.Contains(t, string(doc), `location="http://h/x?a=1&amp;b=&#34;2&#34;"`)
	assert.NotContains(t, string(doc), "{{LOCATION}}")
	_, ok = WSDL("SessionService", "x")
	assert.False(t, ok)
	for _, s := range Services {
		doc, ok := WSDL(s, "http://h")
		require.True(t, ok)
		parseXML(t, doc) // well-formed
	}
}

// Every operation's request element has a model, and the models are the
// WSDL's request elements.
func TestOperationsHaveModels(t *testing.T) {
	var all []string
	for _, s := range Services {
		for _, op := range Operations(s) {
			assert.Contains(t, models, op)
			all = append(all, op)
		}
	}
	var keys []string
	for k := range models {
		keys = append(keys, k)
	}
	slices.Sort(all)
	slices.Sort(keys)
	assert.Equal(t, keys, all)
	assert.Nil(t, Operations("SessionService"))
}

// expandType renders a WSDL type's content with every named complex type
// inlined: "sessionId[1..1]:string idList[1..1]{id[1..unbounded]:long}".
func expandType(types map[string]*xnode, n *xnode) string {
	var parts []string
	var walk func(n *xnode)
	walk = func(n *xnode) {
		for _, k := range n.kids {
			switch k.name.Local {
			case "complexContent", "complexType", "sequence":
				walk(k)
			case "all":
				parts = append(parts, "all:")
				walk(k)
			case "extension":
				walk(types[k.resolve(k.attr["base"])])
				walk(k)
			case "element":
				min, max := k.attr["minOccurs"], k.attr["maxOccurs"]
				if min == "" {
					min = "1"
				}
				if max == "" {
					max = "1"
				}
				s := fmt.Sprintf("%s[%s..%s]", k.attr["name"], min, max)
				switch typ := k.attr["type"]; {
				case typ != "" && types[k.resolve(typ)] != nil:
					s += "{" + expandType(types, types[k.resolve(typ)]) + "}"
				case typ != "":
					_, local, _ := strings.Cut(k.resolve(typ), "}")
					s += ":" + local
				case k.first("simpleType") != nil:
					s += ":string[maxLength]"
				default:
					s += "{" + expandType(types, k) + "}"
				}
				parts = append(parts, s)
			}
		}
	}
	walk(n)
	return strings.Join(parts, " ")
}

func expandModel(m *model) string {
	var parts []string
	if m.all {
		parts = append(parts, "all:")
	}
	for _, e := range m.elems {
		min, max := "1", "1"
		if e.opt {
			min = "0"
		}
		if e.many {
			max = "unbounded"
		}
		s := fmt.Sprintf("%s[%s..%s]", e.name, min, max)
		switch {
		case e.kids != nil:
			s += "{" + expandModel(e.kids) + "}"
		case e.typ.maxLen > 0:
			s += ":string[maxLength]"
		default:
			s += ":" + e.typ.name
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// The request models the mock checks requests against are KGD's request
// types, element for element.
func TestModelsAreKGDsRequestTypes(t *testing.T) {
	dir := testref.Dir(t, "reference", "esf-api", "invoice")
	for _, service := range Services {
		data, err := os.ReadFile(filepath.Join(dir, service+".wsdl"))
		require.NoError(t, err)
		root := parseXML(t, data)
		types := map[string]*xnode{}
		elements := map[string]*xnode{}
		for _, schema := range root.first("types").all("schema") {
			tns := schema.attr["targetNamespace"]
			for _, k := range schema.kids {
				switch k.name.Local {
				case "complexType":
					types["{"+tns+"}"+k.attr["name"]] = k
				case "element":
					elements[k.attr["name"]] = k
				}
			}
		}
		for _, op := range Operations(service) {
			el := elements[op]
			require.NotNil(t, el, op)
			want := expandType(types, types[el.resolve(el.attr["type"])])
			assert.Equal(t, want, expandModel(models[op]), op)
		}
	}
}
