package invoicesvc

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/esfkit/esf/invoice"
	"github.com/esfkit/esf/mockserver/internal/soap"
)

// ErrSchema is what every *SchemaError matches with errors.Is.
var ErrSchema = errors.New("invoicesvc: request does not match the schema")

// SchemaError is a request that does not match the WSDL's schema. Its
// Error is the Xerces message the real server puts in the fault.
type SchemaError struct {
	// Path names the element, e.g. "criteria/dateTo" or "idList/id[2]".
	Path string
	// Message is Xerces's text, e.g. "cvc-complex-type.2.4.b: The content
	// of element 'criteria' is not complete. One of '{dateTo}' is expected."
	Message string
}

func (e *SchemaError) Error() string { return e.Message }

// Is makes errors.Is(err, ErrSchema) true.
func (e *SchemaError) Is(target error) bool { return target == ErrSchema }

// Simple types of the schema.
type simpleKind int

const (
	tString simpleKind = iota
	tLong
	tInt
	tBoolean
	tDateTime
)

// simpleType is an XSD simple type: a built-in base, optionally an
// enumeration or a maximum length.
type simpleType struct {
	name   string // for messages
	base   simpleKind
	enum   []string
	maxLen int
}

var (
	xsString   = &simpleType{name: "string", base: tString}
	xsLong     = &simpleType{name: "long", base: tLong}
	xsInt      = &simpleType{name: "int", base: tInt}
	xsBoolean  = &simpleType{name: "boolean", base: tBoolean}
	xsDateTime = &simpleType{name: "dateTime", base: tDateTime}

	// Enumerations of the WSDL.
	directionType     = &simpleType{name: "InvoiceDirection", base: tString, enum: []string{DirectionInbound, DirectionOutbound}}
	statusType        = &simpleType{name: "InvoiceStatus", base: tString, enum: Statuses}
	invoiceTypeType   = &simpleType{name: "InvoiceType", base: tString, enum: []string{"ORDINARY_INVOICE", "FIXED_INVOICE", "ADDITIONAL_INVOICE"}}
	signatureTypeType = &simpleType{name: "SignatureType", base: tString, enum: []string{"COMPANY", "OPERATOR"}}
	signatureText     = &simpleType{name: "#AnonType_signatureinvoiceUploadInfo", base: tString, maxLen: 400}
)

// The directions of InvoiceDirection.
const (
	DirectionInbound  = "INBOUND"
	DirectionOutbound = "OUTBOUND"
)

// Statuses are InvoiceStatus's 14 values, in the WSDL's order
// (invoice.Statuses).
var Statuses = func() []string {
	out := make([]string, len(invoice.Statuses))
	for i, s := range invoice.Statuses {
		out[i] = string(s)
	}
	return out
}()

// elem is an element of a content model: simple (typ) or complex (kids).
type elem struct {
	name string
	opt  bool // minOccurs="0"
	many bool // maxOccurs="unbounded"
	typ  *simpleType
	kids *model
}

// model is a complex type's content: a sequence, or an xs:all.
type model struct {
	all   bool
	elems []elem
}

func seq(elems ...elem) *model { return &model{elems: elems} }
func all(elems ...elem) *model { return &model{all: true, elems: elems} }

func req(name string, t *simpleType) elem { return elem{name: name, typ: t} }
func opt(name string, t *simpleType) elem { return elem{name: name, typ: t, opt: true} }
func group(name string, m *model) elem    { return elem{name: name, kids: m} }
func optGroup(name string, m *model) elem { return elem{name: name, kids: m, opt: true} }
func list(e elem) elem                    { e.many = true; return e }
func optList(e elem) elem                 { e.many, e.opt = true, true; return e }
func session(elems ...elem) *model {
	return seq(append([]elem{req("sessionId", xsString)}, elems...)...)
}
func idList(name string, t *simpleType) elem { return group(name, seq(list(req("id", t)))) }

// The request models, by request element (the WSDLs' xs:sequence and
// xs:all, children in their order).
var (
	byIDModel   = session(idList("idList", xsLong))
	deleteModel = session(idList("idList", xsLong), req("signature", xsString), req("x509Certificate", xsString))
	reasonModel = session(req("signature", xsString), req("x509Certificate", xsString),
		group("idWithReasonList", seq(list(group("invoiceIdWithReason", seq(req("id", xsLong), req("reason", xsString)))))))
	byKeyModel = session(group("invoiceKeyList", seq(list(group("invoiceKey", all(req("date", xsString), req("num", xsString)))))),
		req("direction", directionType))
	queryModel = session(group("criteria", seq(
		req("direction", directionType),
		opt("contragentTin", xsString),
		req("dateFrom", xsDateTime),
		req("dateTo", xsDateTime),
		opt("lastUpdateDateFrom", xsDateTime),
		opt("lastUpdateDateTo", xsDateTime),
		optGroup("invoiceStatusList", seq(list(req("invoiceStatus", statusType)))),
		opt("invoiceType", invoiceTypeType),
		opt("orderBy", xsString),
		req("asc", xsBoolean),
		opt("pageNum", xsInt),
	)))
	updatesModel = session(req("lastEventDate", xsDateTime), opt("lastInvoiceId", xsLong), req("direction", directionType),
		opt("limit", xsInt), req("fullInfoOnStatusChange", xsBoolean))
	enterpriseModel = session(group("enterpriseKeyList", seq(list(group("enterpriseKey", seq(
		req("certificateSeries", xsString), req("certificateNum", xsString), req("tin", xsString),
		opt("bik", xsString), opt("iik", xsString)))))))
	syncModel = session(
		group("invoiceUploadInfoList", seq(optList(group("invoiceUploadInfo", all(
			req("invoiceBody", xsString), req("version", xsString), req("signature", signatureText),
			req("signatureType", signatureTypeType)))))),
		req("x509Certificate", xsString))
)

// models maps each request element to its model.
var models = map[string]*model{
	"queryInvoiceRequest":             queryModel,
	"queryInvoiceByIdRequest":         byIDModel,
	"queryInvoiceByKeyRequest":        byKeyModel,
	"queryInvoiceSummaryByIdRequest":  byIDModel,
	"queryInvoiceSummaryByKeyRequest": byKeyModel,
	"queryInvoiceErrorByIdRequest":    byIDModel,
	"queryInvoiceHistoryByIdRequest":  byIDModel,
	"queryUpdatesRequest":             updatesModel,
	"confirmInvoiceByIdRequest":       byIDModel,
	"revokeInvoiceByIdRequest":        reasonModel,
	"unrevokeInvoiceByIdRequest":      reasonModel,
	"declineInvoiceByIdRequest":       reasonModel,
	"deleteInvoiceByIdRequest":        deleteModel,
	"enterpriseValidationRequest":     enterpriseModel,
	"syncInvoiceRequest":              syncModel,
}

// Operations returns the request elements of service's operations
// (InvoiceService or UploadInvoiceService), e.g. "queryUpdatesRequest".
func Operations(service string) []string {
	switch service {
	case InvoiceService:
		return []string{"queryInvoiceRequest", "queryInvoiceByIdRequest", "queryInvoiceByKeyRequest",
			"queryInvoiceSummaryByIdRequest", "queryInvoiceSummaryByKeyRequest", "queryInvoiceErrorByIdRequest",
			"queryInvoiceHistoryByIdRequest", "queryUpdatesRequest", "confirmInvoiceByIdRequest",
			"revokeInvoiceByIdRequest", "unrevokeInvoiceByIdRequest", "declineInvoiceByIdRequest",
			"deleteInvoiceByIdRequest", "enterpriseValidationRequest"}
	case UploadInvoiceService:
		return []string{"syncInvoiceRequest"}
	}
	return nil
}

// Check checks a request element against its operation's schema.
func Check(body *soap.Node) error {
	m, ok := models[body.Name.Local]
	if !ok || body.Name.Space != soap.Namespace {
		return &SchemaError{Path: body.Name.Local, Message: fmt.Sprintf("cvc-elt.1.a: Cannot find the declaration of element '%s'.", qname(body))}
	}
	return checkComplex(body, m, "")
}

func qname(n *soap.Node) string {
	if n.Name.Space == "" {
		return n.Name.Local
	}
	return "{" + n.Name.Space + "}" + n.Name.Local
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "/" + name
}

// checkComplex checks n's children against m.
func checkComplex(n *soap.Node, m *model, path string) error {
	if strings.TrimSpace(n.Text) != "" {
		return &SchemaError{Path: path, Message: fmt.Sprintf("cvc-complex-type.2.3: Element '%s' cannot have character [children], because the type's content type is element-only.", n.Name.Local)}
	}
	if m.all {
		return checkAll(n, m, path)
	}
	// The model is at i, having seen count of m.elems[i].
	i, count := 0, 0
	for c := range n.Children {
		child := &n.Children[c]
		matches := func(k int) bool { return child.Name.Space == "" && child.Name.Local == m.elems[k].name }
		switch {
		case count > 0 && m.elems[i].many && matches(i):
			count++
		default:
			k := i
			if count > 0 {
				k = i + 1
			}
			for k < len(m.elems) && !matches(k) && m.elems[k].opt {
				k++
			}
			if k >= len(m.elems) || !matches(k) {
				return unexpected(child, expectedAt(m, i, count), path)
			}
			i, count = k, 1
		}
		e := m.elems[i]
		p := join(path, e.name)
		if e.many {
			p = fmt.Sprintf("%s[%d]", p, count)
		}
		if err := checkElem(child, e, p); err != nil {
			return err
		}
	}
	k := i
	if count > 0 {
		k = i + 1
	}
	for ; k < len(m.elems); k++ {
		if !m.elems[k].opt {
			return &SchemaError{Path: join(path, m.elems[k].name), Message: fmt.Sprintf("cvc-complex-type.2.4.b: The content of element '%s' is not complete. One of '{%s}' is expected.", n.Name.Local, strings.Join(expectedAt(m, i, count), ", "))}
		}
	}
	return nil
}

// unexpected is Xerces's error for a child the model does not allow where
// it stands.
func unexpected(child *soap.Node, expected []string, path string) error {
	if len(expected) == 0 {
		return &SchemaError{Path: join(path, child.Name.Local), Message: fmt.Sprintf("cvc-complex-type.2.4.d: Invalid content was found starting with element '%s'. No child element is expected at this point.", qname(child))}
	}
	return &SchemaError{Path: join(path, child.Name.Local), Message: fmt.Sprintf("cvc-complex-type.2.4.a: Invalid content was found starting with element '%s'. One of '{%s}' is expected.", qname(child), strings.Join(expected, ", "))}
}

// expectedAt lists the elements that may come next when the model is at
// i, having seen count of m.elems[i] (Xerces's "One of '{…}'").
func expectedAt(m *model, i, count int) []string {
	var out []string
	k := i
	if count > 0 {
		if m.elems[i].many {
			out = append(out, m.elems[i].name)
		}
		k = i + 1
	}
	for ; k < len(m.elems); k++ {
		out = append(out, m.elems[k].name)
		if !m.elems[k].opt {
			break
		}
	}
	return out
}

// checkAll checks an xs:all: each element at most once, in any order,
// the required ones present.
func checkAll(n *soap.Node, m *model, path string) error {
	seen := make([]bool, len(m.elems))
	for c := range n.Children {
		child := &n.Children[c]
		k := -1
		for j, e := range m.elems {
			if child.Name.Space == "" && child.Name.Local == e.name {
				k = j
			}
		}
		if k < 0 || seen[k] {
			var left []string
			for j, e := range m.elems {
				if !seen[j] {
					left = append(left, e.name)
				}
			}
			return unexpected(child, left, path)
		}
		seen[k] = true
		if err := checkElem(child, m.elems[k], join(path, m.elems[k].name)); err != nil {
			return err
		}
	}
	var missing []string
	for j, e := range m.elems {
		if !seen[j] && !e.opt {
			missing = append(missing, e.name)
		}
	}
	if len(missing) > 0 {
		return &SchemaError{Path: join(path, missing[0]), Message: fmt.Sprintf("cvc-complex-type.2.4.b: The content of element '%s' is not complete. One of '{%s}' is expected.", n.Name.Local, strings.Join(missing, ", "))}
	}
	return nil
}

func checkElem(n *soap.Node, e elem, path string) error {
	if e.kids != nil {
		return checkComplex(n, e.kids, path)
	}
	if len(n.Children) > 0 {
		return &SchemaError{Path: path, Message: fmt.Sprintf("cvc-type.3.1.2: Element '%s' is a simple type, so it must have no element information item [children].", n.Name.Local)}
	}
	return checkSimple(n.Text, e.typ, path)
}

var dateTimeRE = regexp.MustCompile(`^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?$`)

// checkSimple checks a value of t (Xerces's whitespace rules: a string
// as it is, anything else collapsed).
func checkSimple(v string, t *simpleType, path string) error {
	bad := func() error {
		return &SchemaError{Path: path, Message: fmt.Sprintf("cvc-datatype-valid.1.2.1: '%s' is not a valid value for '%s'.", clip(v), t.name)}
	}
	if t.base != tString {
		v = strings.TrimSpace(v)
	}
	switch t.base {
	case tLong:
		if _, err := strconv.ParseInt(strings.TrimPrefix(v, "+"), 10, 64); err != nil || v == "" {
			return bad()
		}
	case tInt:
		if _, err := strconv.ParseInt(strings.TrimPrefix(v, "+"), 10, 32); err != nil || v == "" {
			return bad()
		}
	case tBoolean:
		switch v {
		case "true", "false", "1", "0":
		default:
			return bad()
		}
	case tDateTime:
		if !dateTimeRE.MatchString(v) {
			return bad()
		}
		if _, err := ParseDateTime(v); err != nil {
			return bad()
		}
	}
	if t.enum != nil {
		ev := strings.TrimSpace(v)
		found := false
		for _, x := range t.enum {
			found = found || x == ev
		}
		if !found {
			return &SchemaError{Path: path, Message: fmt.Sprintf("cvc-enumeration-valid: Value '%s' is not facet-valid with respect to enumeration '[%s]'. It must be a value from the enumeration.", clip(v), strings.Join(t.enum, ", "))}
		}
	}
	if t.maxLen > 0 {
		if n := utf8.RuneCountInString(v); n > t.maxLen {
			return &SchemaError{Path: path, Message: fmt.Sprintf("cvc-maxLength-valid: Value '%s' with length = '%d' is not facet-valid with respect to maxLength '%d' for type '%s'.", clip(v), n, t.maxLen, t.name)}
		}
	}
	return nil
}

// clip shortens a value quoted in a message.
func clip(s string) string {
	const max = 64
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max]) + "…"
}
