package soap

import (
	"bytes"
	"encoding/xml"
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

const (
	wsdlNS   = "http://schemas.xmlsoap.org/wsdl/"
	wsdlSOAP = "http://schemas.xmlsoap.org/wsdl/soap/"
	xsdNS    = "http://www.w3.org/2001/XMLSchema"
)

// xnode is a parsed XML element that remembers the namespace prefixes in
// scope, so QName attribute values (type="tns:User") can be resolved.
type xnode struct {
	name  xml.Name
	attr  map[string]string // unqualified attributes
	scope map[string]string // prefix → namespace; "" is the default
	kids  []*xnode
}

func parseXML(t *testing.T, doc []byte) *xnode {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	var stack []*xnode
	var root *xnode
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		switch tk := tok.(type) {
		case xml.StartElement:
			n := &xnode{name: tk.Name, attr: map[string]string{}, scope: map[string]string{}}
			if len(stack) > 0 {
				parent := stack[len(stack)-1]
				for k, v := range parent.scope {
					n.scope[k] = v
				}
				parent.kids = append(parent.kids, n)
			} else {
				root = n
			}
			for _, a := range tk.Attr {
				switch {
				case a.Name.Space == "xmlns":
					n.scope[a.Name.Local] = a.Value
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					n.scope[""] = a.Value
				case a.Name.Space == "":
					n.attr[a.Name.Local] = a.Value
				}
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	require.NotNil(t, root)
	return root
}

// qname resolves a QName-valued attribute of n.
func (n *xnode) qname(attr string) xml.Name {
	v, ok := n.attr[attr]
	if !ok {
		return xml.Name{}
	}
	prefix, local, found := strings.Cut(v, ":")
	if !found {
		return xml.Name{Space: n.scope[""], Local: v}
	}
	return xml.Name{Space: n.scope[prefix], Local: local}
}

func (n *xnode) all(space, local string) []*xnode {
	var out []*xnode
	for _, k := range n.kids {
		if k.name.Space == space && k.name.Local == local {
			out = append(out, k)
		}
	}
	return out
}

func (n *xnode) one(t *testing.T, space, local string) *xnode {
	t.Helper()
	all := n.all(space, local)
	require.Len(t, all, 1, "%s in %s", local, n.name.Local)
	return all[0]
}

// particle is an element of a complex type's sequence.
type particle struct {
	Name, Min, Max string
	Type           xml.Name
	Anon           *ctype // an anonymous complex type
}

type ctype struct {
	Abstract string
	Base     xml.Name // of a complexContent extension
	Seq      []particle
}

type topElement struct {
	Type     xml.Name
	Nillable string
}

type stype struct {
	Base   xml.Name
	Values []string
}

type operation struct {
	Input, Output         string   // wsdl:input/@name, wsdl:output/@name
	InElement, OutElement xml.Name // the messages' part elements
	Faults                map[string]xml.Name
}

// wsdlDoc is what the comparison needs of a WSDL document.
type wsdlDoc struct {
	TargetNS, SchemaNS, ElementForm, AttributeForm string
	Elements                                       map[string]topElement
	Complex                                        map[string]ctype
	Simple                                         map[string]stype
	Ops                                            map[string]operation
	Binding                                        map[string]map[string]string // op → soapAction, style, body use
	Service, Port, Location                        string
}

func readWSDL(t *testing.T, doc []byte) *wsdlDoc {
	t.Helper()
	root := parseXML(t, doc)
	require.Equal(t, xml.Name{Space: wsdlNS, Local: "definitions"}, root.name)
	schema := root.one(t, wsdlNS, "types").one(t, xsdNS, "schema")
	w := &wsdlDoc{
		TargetNS: root.attr["targetNamespace"], SchemaNS: schema.attr["targetNamespace"],
		ElementForm: schema.attr["elementFormDefault"], AttributeForm: schema.attr["attributeFormDefault"],
		Elements: map[string]topElement{}, Complex: map[string]ctype{}, Simple: map[string]stype{},
		Ops: map[string]operation{}, Binding: map[string]map[string]string{},
	}
	for _, e := range schema.all(xsdNS, "element") {
		w.Elements[e.attr["name"]] = topElement{Type: e.qname("type"), Nillable: e.attr["nillable"]}
	}
	for _, c := range schema.all(xsdNS, "complexType") {
		w.Complex[c.attr["name"]] = readComplex(t, c)
	}
	for _, s := range schema.all(xsdNS, "simpleType") {
		r := s.one(t, xsdNS, "restriction")
		st := stype{Base: r.qname("base")}
		for _, e := range r.all(xsdNS, "enumeration") {
			st.Values = append(st.Values, e.attr["value"])
		}
		w.Simple[s.attr["name"]] = st
	}

	messages := map[string]xml.Name{}
	for _, m := range root.all(wsdlNS, "message") {
		messages[m.attr["name"]] = m.one(t, wsdlNS, "part").qname("element")
	}
	message := func(n *xnode) xml.Name {
		q := n.qname("message")
		require.Equal(t, w.TargetNS, q.Space)
		el, ok := messages[q.Local]
		require.True(t, ok, "message %s", q.Local)
		return el
	}
	pt := root.one(t, wsdlNS, "portType")
	for _, o := range pt.all(wsdlNS, "operation") {
		in, out := o.one(t, wsdlNS, "input"), o.one(t, wsdlNS, "output")
		op := operation{Input: in.attr["name"], Output: out.attr["name"], InElement: message(in), OutElement: message(out), Faults: map[string]xml.Name{}}
		for _, f := range o.all(wsdlNS, "fault") {
			op.Faults[f.attr["name"]] = message(f)
		}
		w.Ops[o.attr["name"]] = op
	}
	b := root.one(t, wsdlNS, "binding")
	require.Equal(t, xml.Name{Space: w.TargetNS, Local: pt.attr["name"]}, b.qname("type"))
	bs := b.one(t, wsdlSOAP, "binding")
	require.Equal(t, "document", bs.attr["style"])
	require.Equal(t, "http://schemas.xmlsoap.org/soap/http", bs.attr["transport"])
	for _, o := range b.all(wsdlNS, "operation") {
		so := o.one(t, wsdlSOAP, "operation")
		action, ok := so.attr["soapAction"]
		require.True(t, ok, "soapAction of %s", o.attr["name"])
		w.Binding[o.attr["name"]] = map[string]string{
			"soapAction": action,
			"style":      so.attr["style"],
			"input":      o.one(t, wsdlNS, "input").one(t, wsdlSOAP, "body").attr["use"],
			"output":     o.one(t, wsdlNS, "output").one(t, wsdlSOAP, "body").attr["use"],
		}
	}
	svc := root.one(t, wsdlNS, "service")
	port := svc.one(t, wsdlNS, "port")
	require.Equal(t, xml.Name{Space: w.TargetNS, Local: b.attr["name"]}, port.qname("binding"))
	w.Service, w.Port = svc.attr["name"], port.attr["name"]
	w.Location = port.one(t, wsdlSOAP, "address").attr["location"]
	return w
}

func readComplex(t *testing.T, c *xnode) ctype {
	t.Helper()
	ct := ctype{Abstract: c.attr["abstract"]}
	seqHolder := c
	if cc := c.all(xsdNS, "complexContent"); len(cc) == 1 {
		ext := cc[0].one(t, xsdNS, "extension")
		ct.Base = ext.qname("base")
		seqHolder = ext
	}
	for _, seq := range seqHolder.all(xsdNS, "sequence") {
		for _, e := range seq.all(xsdNS, "element") {
			p := particle{Name: e.attr["name"], Type: e.qname("type"), Min: e.attr["minOccurs"], Max: e.attr["maxOccurs"]}
			if p.Min == "" {
				p.Min = "1"
			}
			if p.Max == "" {
				p.Max = "1"
			}
			if anon := e.all(xsdNS, "complexType"); len(anon) == 1 {
				a := readComplex(t, anon[0])
				p.Anon = &a
			}
			ct.Seq = append(ct.Seq, p)
		}
	}
	return ct
}

// Where our SessionService departs from the published WSDL on purpose
// (esf-api.md §1.3 and the official API text esf-api-v2.txt).
var (
	ourExtraOperations = []string{"closeSessionBySignedCredentials", "createSessionSigned"}
	// ourExtraFields: element → the optional fields added to a published
	// type, and the field each one follows.
	ourExtraFields = map[string]map[string]string{
		"createSessionRequest":             {"businessProfileType": "projectCode"},
		"closeSessionByCredentialsRequest": {"businessProfileType": "projectCode"},
	}
	// ourExtraValues: the ЛЗЧП profile types the older published WSDL
	// lacks (esf-api-v2.txt 2.2.5).
	ourExtraValues = map[string][]string{
		"businessProfileType": {"LAWYER", "BAILIFF", "MEDIATOR", "NOTARY", "LAWYER_USER", "BAILIFF_USER", "MEDIATOR_USER", "NOTARY_USER"},
	}
)

func TestSessionServiceWSDLMatchesTheRealOne(t *testing.T) {
	realDoc, err := os.ReadFile(filepath.Join(testref.Dir(t, "reference", "esf-api"), "SessionService.wsdl"))
	require.NoError(t, err)
	real := readWSDL(t, realDoc)
	const loc = "http://127.0.0.1:1/esf-web/ws/api1/SessionService"
	doc, ok := WSDL(SessionService, loc)
	require.True(t, ok)
	ours := readWSDL(t, doc)

	t.Run("namespaces and forms", func(t *testing.T) {
		assert.Equal(t, "esf", real.TargetNS)
		assert.Equal(t, real.TargetNS, ours.TargetNS)
		assert.Equal(t, real.SchemaNS, ours.SchemaNS)
		assert.Equal(t, real.ElementForm, ours.ElementForm)
		assert.Equal(t, real.AttributeForm, ours.AttributeForm)
		assert.Equal(t, real.Service, ours.Service)
		assert.Equal(t, real.Port, ours.Port)
		assert.Equal(t, loc, ours.Location)
	})

	t.Run("operations", func(t *testing.T) {
		var extra []string
		for name := range ours.Ops {
			if _, ok := real.Ops[name]; !ok {
				extra = append(extra, name)
			}
		}
		sort.Strings(extra)
		assert.Equal(t, ourExtraOperations, extra, "our operations beyond the published WSDL")
		for name, want := range real.Ops {
			assert.Equal(t, want, ours.Ops[name], "operation %s", name)
			assert.Equal(t, real.Binding[name], ours.Binding[name], "binding of %s", name)
		}
		for name := range ours.Ops {
			assert.Equal(t, map[string]string{"soapAction": "", "style": "document", "input": "literal", "output": "literal"},
				ours.Binding[name], "binding of %s", name)
		}
		assert.Len(t, ours.Binding, len(ours.Ops))
	})

	t.Run("elements", func(t *testing.T) {
		for name, want := range real.Elements {
			assert.Equal(t, want, ours.Elements[name], "element %s", name)
		}
	})

	t.Run("complex types", func(t *testing.T) {
		for name, want := range real.Complex {
			got, ok := ours.Complex[name]
			if !assert.True(t, ok, "complex type %s missing", name) {
				continue
			}
			if extra := ourExtraFields[name]; extra != nil {
				got = withoutExtras(t, name, got, extra)
			}
			assert.Equal(t, want, got, "complex type %s", name)
		}
	})

	t.Run("simple types", func(t *testing.T) {
		for name, want := range real.Simple {
			got, ok := ours.Simple[name]
			if !assert.True(t, ok, "simple type %s missing", name) {
				continue
			}
			assert.Equal(t, want.Base, got.Base, name)
			var added []string
			for _, v := range got.Values {
				if !slices.Contains(want.Values, v) {
					added = append(added, v)
				}
			}
			assert.Equal(t, ourExtraValues[name], added, "values added to %s", name)
			kept := slices.DeleteFunc(slices.Clone(got.Values), func(v string) bool { return slices.Contains(added, v) })
			assert.Equal(t, want.Values, kept, "values of %s, in order", name)
		}
	})

	t.Run("the ticket-flow operations", func(t *testing.T) {
		esf := func(local string) xml.Name { return xml.Name{Space: "esf", Local: local} }
		business := map[string]xml.Name{"AccessDeniedException": esf("accessDeniedException"), "BusinessException": esf("businessException")}
		assert.Equal(t, operation{
			Input: "createSessionSigned", Output: "createSessionSignedResponse",
			InElement: esf("createSessionSignedRequest"), OutElement: esf("createSessionResponse"), Faults: business,
		}, ours.Ops["createSessionSigned"])
		assert.Equal(t, operation{
			Input: "closeSessionBySignedCredentials", Output: "closeSessionBySignedCredentialsResponse",
			InElement: esf("closeSessionBySignedCredentialsRequest"), OutElement: esf("closeSessionResponse"), Faults: business,
		}, ours.Ops["closeSessionBySignedCredentials"])

		str := xml.Name{Space: xsdNS, Local: "string"}
		bpt := particle{Name: "businessProfileType", Type: esf("businessProfileType"), Min: "0", Max: "1"}
		assert.Equal(t, []particle{
			{Name: "tin", Type: str, Min: "1", Max: "1"},
			{Name: "projectCode", Type: xml.Name{Space: xsdNS, Local: "long"}, Min: "0", Max: "1"},
			bpt,
			{Name: "signedAuthTicket", Type: str, Min: "1", Max: "1"},
			{Name: "sourceType", Type: esf("sourceType"), Min: "0", Max: "1"},
		}, ours.Complex[ours.Elements["createSessionSignedRequest"].Type.Local].Seq)
		assert.Equal(t, []particle{
			{Name: "tin", Type: str, Min: "1", Max: "1"},
			bpt,
			{Name: "signedAuthTicket", Type: str, Min: "1", Max: "1"},
		}, ours.Complex[ours.Elements["closeSessionBySignedCredentialsRequest"].Type.Local].Seq)
	})
}

// withoutExtras checks our additions to a published type (optional, typed
// businessProfileType, after the named field) and returns the type
// without them.
func withoutExtras(t *testing.T, typeName string, ct ctype, extra map[string]string) ctype {
	t.Helper()
	var kept []particle
	for i, p := range ct.Seq {
		after, isExtra := extra[p.Name]
		if !isExtra {
			kept = append(kept, p)
			continue
		}
		assert.Equal(t, "0", p.Min, "%s.%s must be optional", typeName, p.Name)
		assert.Equal(t, xml.Name{Space: "esf", Local: p.Name}, p.Type, "%s.%s", typeName, p.Name)
		if assert.Greater(t, i, 0) {
			assert.Equal(t, after, ct.Seq[i-1].Name, "%s.%s position", typeName, p.Name)
		}
	}
	assert.Len(t, kept, len(ct.Seq)-len(extra), "%s: every extra field present", typeName)
	ct.Seq = kept
	return ct
}

// TestOurWSDLs checks each of our documents on its own: every reference
// resolves, services and ports are named as zeep clients (Odoo) bind them
// ("{service}", "{service}Port"), every operation is document/literal with
// soapAction "".
func TestOurWSDLs(t *testing.T) {
	wantOps := map[string][]string{
		SessionService: {"closeSession", "closeSessionByCredentials", "closeSessionBySignedCredentials", "createSession",
			"createSessionSigned", "currentSessionStatus", "currentUser", "currentUserProfiles"},
		AuthService:    {"createAuthTicket"},
		VersionService: {"getVersion"},
	}
	for _, svc := range Services {
		t.Run(svc, func(t *testing.T) {
			loc := `http://h:1/esf-web/ws/api1/` + svc + `?a=1&b="2"`
			doc, ok := WSDL(svc, loc)
			require.True(t, ok)
			w := readWSDL(t, doc)
			assert.Equal(t, Namespace, w.TargetNS)
			assert.Equal(t, Namespace, w.SchemaNS)
			assert.Equal(t, "unqualified", w.ElementForm)
			assert.Equal(t, svc, w.Service)
			assert.Equal(t, svc+"Port", w.Port)
			assert.Equal(t, loc, w.Location, "the location is escaped and read back intact")

			var ops []string
			for name, op := range w.Ops {
				ops = append(ops, name)
				assert.Equal(t, map[string]string{"soapAction": "", "style": "document", "input": "literal", "output": "literal"}, w.Binding[name], name)
				for _, el := range append([]xml.Name{op.InElement, op.OutElement}, mapValues(op.Faults)...) {
					assert.Equal(t, Namespace, el.Space, "%s: %s", name, el.Local)
					assert.Contains(t, w.Elements, el.Local, "%s: element %s", name, el.Local)
				}
			}
			sort.Strings(ops)
			assert.Equal(t, wantOps[svc], ops)

			// Every type reference resolves to a built-in or one of ours.
			resolves := func(where string, q xml.Name) {
				switch q.Space {
				case xsdNS:
				case Namespace:
					_, c := w.Complex[q.Local]
					_, s := w.Simple[q.Local]
					assert.True(t, c || s, "%s: type %s undefined", where, q.Local)
				default:
					t.Errorf("%s: type %v in an unexpected namespace", where, q)
				}
			}
			for name, e := range w.Elements {
				resolves("element "+name, e.Type)
			}
			var walk func(string, ctype)
			walk = func(where string, ct ctype) {
				if ct.Base.Local != "" {
					resolves(where+" base", ct.Base)
				}
				for _, p := range ct.Seq {
					if p.Anon != nil {
						walk(where+"."+p.Name, *p.Anon)
						continue
					}
					resolves(where+"."+p.Name, p.Type)
				}
			}
			for name, ct := range w.Complex {
				walk(name, ct)
			}
		})
	}

	t.Run("VersionService answers a bare version element", func(t *testing.T) {
		doc, _ := WSDL(VersionService, "http://h/")
		w := readWSDL(t, doc)
		op := w.Ops["getVersion"]
		assert.Equal(t, "esfVersionRequest", op.InElement.Local)
		assert.Equal(t, "version", op.OutElement.Local)
		assert.Equal(t, xml.Name{Space: xsdNS, Local: "string"}, w.Elements["version"].Type)
	})

	t.Run("AuthService", func(t *testing.T) {
		doc, _ := WSDL(AuthService, "http://h/")
		w := readWSDL(t, doc)
		assert.Equal(t, []particle{
			{Name: "iin", Type: xml.Name{Space: xsdNS, Local: "string"}, Min: "1", Max: "1"},
			{Name: "ttlInMinutes", Type: xml.Name{Space: xsdNS, Local: "int"}, Min: "0", Max: "1"},
		}, w.Complex["createAuthTicketRequest"].Seq)
		assert.Equal(t, []particle{
			{Name: "authTicketXml", Type: xml.Name{Space: xsdNS, Local: "string"}, Min: "1", Max: "1"},
		}, w.Complex["createAuthTicketResponse"].Seq)
	})

	t.Run("unknown service", func(t *testing.T) {
		_, ok := WSDL("InvoiceService", "http://h/")
		assert.False(t, ok)
		_, ok = WSDL("../wsdl/SessionService", "http://h/")
		assert.False(t, ok)
	})
}

func mapValues[K comparable, V any](m map[K]V) []V {
	var out []V
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
