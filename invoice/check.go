package invoice

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxBodySize is the largest invoice body Parse and Check read: 4 MiB, far
// above any real invoice (a body of 1,000 product lines is about 700 KB).
// ESF's own limit is not published.
const MaxBodySize = 4 << 20

// MaxContainerSize is the largest container (InvoiceContainer,
// InvoiceInfoContainer, InvoiceSummaryContainer) the parsers read: 64 MiB.
const MaxContainerSize = 64 << 20

// MaxErrors is how many errors one Check reports at most; the last says
// that more were left out.
const MaxErrors = 100

// Rule names the kind of XSD rule a CheckError reports.
type Rule string

// The rules Check enforces.
const (
	// RuleSize: the document is larger than MaxBodySize (or MaxContainerSize).
	RuleSize Rule = "size"
	// RuleSyntax: not well-formed XML, not UTF-8, or a DOCTYPE (refused:
	// no entity of a DTD is ever expanded).
	RuleSyntax Rule = "syntax"
	// RuleRoot: the document element is not the one expected (for an
	// invoice: invoice in namespace v2.esf).
	RuleRoot Rule = "root"
	// RuleRequired: a required element is missing (minOccurs).
	RuleRequired Rule = "required"
	// RuleUnexpected: an element the schema does not allow at that place:
	// unknown, out of the sequence's order, in a namespace (children are
	// unqualified), or more often than its maxOccurs.
	RuleUnexpected Rule = "unexpected"
	// RuleAttribute: an attribute (the schema declares none).
	RuleAttribute Rule = "attribute"
	// RuleContent: text where only elements may be, or an element inside
	// an element of simple type.
	RuleContent Rule = "content"
	// RuleType: a value that is not of the element's built-in type
	// (xs:decimal, xs:int, xs:long, xs:boolean, xs:dateTime).
	RuleType Rule = "type"
	// RulePattern: a value that does not match the element's pattern.
	RulePattern Rule = "pattern"
	// RuleEnum: a value that is not one of the enumeration's.
	RuleEnum Rule = "enumeration"
	// RuleLength: a string longer than maxLength (or shorter than minLength).
	RuleLength Rule = "length"
	// RuleRange: a number outside minInclusive … maxInclusive.
	RuleRange Rule = "range"
	// RuleDigits: a decimal with more digits than totalDigits, or more
	// after the point than fractionDigits.
	RuleDigits Rule = "digits"
	// RuleLimit: MaxErrors errors were reported and the rest left out.
	RuleLimit Rule = "limit"
)

// Sentinel errors; every *CheckError is ErrInvalid, and a RuleSyntax or
// RuleSize one is also ErrSyntax or ErrTooLarge.
var (
	ErrInvalid  = errors.New("invoice: not valid against the schema")
	ErrSyntax   = errors.New("invoice: not well-formed XML")
	ErrTooLarge = errors.New("invoice: document too large")
)

// CheckError is one breach of the schema: where (Path), which kind of
// rule (Rule) and what (Message).
type CheckError struct {
	// Path names the element: "/invoice/productSet/products/product[2]/ndsRate"
	// (occurrences of a repeatable element numbered from 1; namespaces
	// left out). For a syntax error it names the element being read, or
	// "/" before the document element.
	Path string
	// Rule is the kind of rule broken.
	Rule Rule
	// Message says what is wrong, naming the value and the rule's limit.
	Message string
}

// Error returns "invoice: PATH: MESSAGE".
func (e *CheckError) Error() string { return "invoice: " + e.Path + ": " + e.Message }

// Is makes every CheckError match ErrInvalid, a syntax error ErrSyntax and
// a size error ErrTooLarge.
func (e *CheckError) Is(target error) bool {
	switch target {
	case ErrInvalid:
		return true
	case ErrSyntax:
		return e.Rule == RuleSyntax
	case ErrTooLarge:
		return e.Rule == RuleSize
	}
	return false
}

// Check checks an invoice body against the rules of InvoiceV2.xsd (with
// the AbstractInvoice of InvoiceV1.xsd): the document element
// {v2.esf}invoice, its children unqualified, every sequence's order,
// minOccurs and maxOccurs, no attributes and no text between elements,
// and each value against its type: xs:decimal with totalDigits and
// fractionDigits, xs:int with minInclusive and maxInclusive, xs:boolean,
// patterns, enumerations and lengths. It returns nil for a valid body,
// else errors.Join of one *CheckError per breach (at most MaxErrors), in
// document order.
//
// Its verdict is xmllint's (libxml2) on the same body and schema; where
// the two could differ it is stricter: a DOCTYPE is refused, so are
// xsi:type and xsi:nil (the body's elements are not nillable and have no
// derived types), and the body must be UTF-8. Like libxml2 (and unlike
// the XSD specification and Xerces) it refuses white space around an
// xs:int value (<ndsRate> 12</ndsRate>).
func Check(body []byte) error {
	schemas()
	_, err := check(body, invoiceDecl, MaxBodySize, false)
	return err
}

// node is a checked element: its declaration and its simple value, or its
// children.
type node struct {
	d    *decl
	text string
	kids []*node
}

// checker reads one document and checks it against a declaration.
type checker struct {
	dec   *xml.Decoder
	errs  []error
	build bool // build the node tree
	full  bool // MaxErrors reached
	path  []string
}

// check reads doc and checks it against root. With build it returns the
// tree of checked elements (when the document is valid).
func check(doc []byte, root *decl, limit int, build bool) (*node, error) {
	if len(doc) > limit {
		return nil, &CheckError{Path: "/", Rule: RuleSize, Message: fmt.Sprintf("%d bytes, the limit is %d", len(doc), limit)}
	}
	if !utf8.Valid(doc) {
		return nil, &CheckError{Path: "/", Rule: RuleSyntax, Message: "not UTF-8"}
	}
	doc = bytes.TrimPrefix(doc, []byte("\uFEFF"))
	c := &checker{dec: xml.NewDecoder(bytes.NewReader(doc)), build: build}
	c.dec.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		if strings.EqualFold(label, "utf-8") || strings.EqualFold(label, "utf8") {
			return r, nil
		}
		return nil, fmt.Errorf("encoding %q: only UTF-8 is accepted", label)
	}
	n, err := c.document(root)
	if err != nil {
		return nil, err
	}
	if len(c.errs) > 0 {
		return nil, errors.Join(c.errs...)
	}
	return n, nil
}

func (c *checker) where() string {
	if len(c.path) == 0 {
		return "/"
	}
	return "/" + strings.Join(c.path, "/")
}

// fail records a breach at the current path.
func (c *checker) fail(rule Rule, format string, args ...any) {
	c.failAt(c.where(), rule, format, args...)
}

func (c *checker) failAt(path string, rule Rule, format string, args ...any) {
	if c.full {
		return
	}
	if len(c.errs) == MaxErrors-1 {
		c.errs = append(c.errs, &CheckError{Path: path, Rule: RuleLimit, Message: fmt.Sprintf("more than %d errors; the rest are left out", MaxErrors-1)})
		c.full = true
		return
	}
	c.errs = append(c.errs, &CheckError{Path: path, Rule: rule, Message: fmt.Sprintf(format, args...)})
}

// syntax turns a tokenizer error into the fatal CheckError.
func (c *checker) syntax(err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	msg := err.Error()
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		msg = fmt.Sprintf("line %d: %s", se.Line, se.Msg)
	}
	return &CheckError{Path: c.where(), Rule: RuleSyntax, Message: strings.TrimPrefix(msg, "xml: ")}
}

// document reads the prolog, the document element and what follows it.
func (c *checker) document(root *decl) (*node, error) {
	var n *node
	seenRoot := false
	for {
		tok, err := c.dec.Token()
		if err == io.EOF {
			if !seenRoot {
				return nil, &CheckError{Path: "/", Rule: RuleSyntax, Message: "no document element"}
			}
			return n, nil
		}
		if err != nil {
			return nil, c.syntax(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if seenRoot {
				return nil, &CheckError{Path: "/", Rule: RuleSyntax, Message: fmt.Sprintf("a second document element <%s>", t.Name.Local)}
			}
			seenRoot = true
			if t.Name.Local != root.name || t.Name.Space != root.ns {
				c.failAt("/"+t.Name.Local, RuleRoot, "the document element is %s, not %s", qname(t.Name), qname(xml.Name{Space: root.ns, Local: root.name}))
				c.path = append(c.path, t.Name.Local)
				if err := c.dec.Skip(); err != nil {
					return nil, c.syntax(err)
				}
				c.path = c.path[:0]
				continue
			}
			c.path = append(c.path, root.name)
			if n, err = c.element(t, root); err != nil {
				return nil, err
			}
			c.path = c.path[:0]
		case xml.CharData:
			if !isSpace(t) {
				return nil, &CheckError{Path: "/", Rule: RuleSyntax, Message: "text outside the document element"}
			}
		case xml.Directive:
			return nil, &CheckError{Path: "/", Rule: RuleSyntax, Message: "a DOCTYPE or other declaration (<!…>) is not accepted"}
		case xml.ProcInst, xml.Comment:
		}
	}
}

// qname writes {ns}local, or local alone without a namespace.
func qname(n xml.Name) string {
	if n.Space == "" {
		return n.Local + " (no namespace)"
	}
	return "{" + n.Space + "}" + n.Local
}

const xsiNS = "http://www.w3.org/2001/XMLSchema-instance"

// attrs checks an element's attributes: namespace declarations and
// xsi:schemaLocation / xsi:noNamespaceSchemaLocation (hints a validator
// given the schema ignores) are allowed, no other.
func (c *checker) attrs(t xml.StartElement) {
	seen := make(map[xml.Name]bool, len(t.Attr))
	for _, a := range t.Attr {
		if seen[a.Name] {
			c.fail(RuleSyntax, "attribute %s given twice", a.Name.Local)
		}
		seen[a.Name] = true
		switch {
		case a.Name.Space == "xmlns", a.Name.Space == "" && a.Name.Local == "xmlns":
		case a.Name.Space == xsiNS && (a.Name.Local == "schemaLocation" || a.Name.Local == "noNamespaceSchemaLocation"):
		default:
			c.fail(RuleAttribute, "attribute %s is not allowed", qname(a.Name))
		}
	}
}

// element checks one element, whose start tag was just read, against d,
// and reads through its end tag.
func (c *checker) element(start xml.StartElement, d *decl) (*node, error) {
	c.attrs(start)
	var n *node
	if c.build {
		n = &node{d: d}
	}
	if d.simple != nil {
		return n, c.simpleContent(d, n)
	}
	return n, c.complexContent(d, n)
}

// simpleContent reads the text of an element of simple type and checks it.
func (c *checker) simpleContent(d *decl, n *node) error {
	var text []byte
	sawChild := false
	for {
		tok, err := c.dec.Token()
		if err != nil {
			return c.syntax(err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			text = append(text, t...)
		case xml.StartElement:
			if !sawChild {
				c.fail(RuleContent, "element %s is not allowed: %s holds a value of type %s, no elements", t.Name.Local, d.name, d.simple.describe())
				sawChild = true
			}
			if err := c.dec.Skip(); err != nil {
				return c.syntax(err)
			}
		case xml.EndElement:
			if sawChild {
				return nil
			}
			v, ok := c.value(d.simple, string(text))
			if ok && n != nil {
				n.text = v
			}
			return nil
		case xml.Directive:
			return c.syntax(errors.New("a declaration (<!…>) inside an element"))
		}
	}
}

// complexContent reads the children of an element of complex type and
// checks them against its sequence (or xs:all group).
func (c *checker) complexContent(d *decl, n *node) error {
	i, count := 0, 0 // the sequence's current particle and its occurrences so far
	counts := map[*decl]int{}
	textReported := false
	for {
		tok, err := c.dec.Token()
		if err != nil {
			return c.syntax(err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			if !textReported && !isSpace(t) {
				c.fail(RuleContent, "text %q is not allowed: %s holds elements only", clip(strings.TrimSpace(string(t))), d.name)
				textReported = true
			}
		case xml.Directive:
			return c.syntax(errors.New("a declaration (<!…>) inside an element"))
		case xml.EndElement:
			if d.all {
				for _, k := range d.kids {
					if counts[k] < k.min {
						c.fail(RuleRequired, "required element %s is missing", k.name)
					}
				}
				return nil
			}
			c.missing(d, i, count, len(d.kids))
			return nil
		case xml.StartElement:
			var k *decl
			if d.all {
				k = c.matchAll(d, t, counts)
			} else {
				k, i, count = c.matchSequence(d, t, i, count)
			}
			if k == nil {
				c.path = append(c.path, t.Name.Local)
				err := c.dec.Skip()
				c.path = c.path[:len(c.path)-1]
				if err != nil {
					return c.syntax(err)
				}
				continue
			}
			seg := k.name
			if k.repeated() {
				counts[k]++
				seg = fmt.Sprintf("%s[%d]", k.name, counts[k])
			}
			c.path = append(c.path, seg)
			kid, err := c.element(t, k)
			c.path = c.path[:len(c.path)-1]
			if err != nil {
				return err
			}
			if n != nil {
				n.kids = append(n.kids, kid)
			}
		}
	}
}

// matchSequence finds the particle of d's sequence the element t fills,
// given the current particle i with count occurrences so far. It reports
// the required particles skipped over, and returns the particle (nil for
// an element the sequence does not allow here) with the new position.
func (c *checker) matchSequence(d *decl, t xml.StartElement, i, count int) (*decl, int, int) {
	for j := i; j < len(d.kids); j++ {
		k := d.kids[j]
		if k.name != t.Name.Local || k.ns != t.Name.Space {
			continue
		}
		if j == i {
			if k.max >= 0 && count >= k.max {
				c.fail(RuleUnexpected, "element %s is not allowed here: %s occurs at most %d time(s)%s", t.Name.Local, k.name, k.max, c.expected(d, i+1))
				return nil, i, count
			}
			return k, i, count + 1
		}
		c.missing(d, i, count, j)
		return k, j, 1
	}
	// Not at or after the current position: unknown, in a namespace, or out of order.
	why := ""
	for j, k := range d.kids {
		if k.name != t.Name.Local {
			continue
		}
		switch {
		case k.ns != t.Name.Space:
			why = fmt.Sprintf(" (%s is in namespace %q; %s must be %s)", t.Name.Local, t.Name.Space, k.name, qname(xml.Name{Space: k.ns, Local: k.name}))
		case j < i:
			why = fmt.Sprintf(" (%s comes before %s in the sequence)", k.name, d.kids[i].name)
		}
	}
	if why == "" {
		why = fmt.Sprintf(" (%s has no element %s)", d.name, qname(t.Name))
	}
	from := i
	if count > 0 && d.kids[i].max >= 0 && count >= d.kids[i].max {
		from = i + 1
	}
	c.fail(RuleUnexpected, "element %s is not allowed here%s%s", t.Name.Local, why, c.expected(d, from))
	return nil, i, count
}

// expected lists what the sequence allows from particle i on: the
// optional ones and the first required one.
func (c *checker) expected(d *decl, i int) string {
	var names []string
	for _, k := range d.kids[min(i, len(d.kids)):] {
		names = append(names, k.name)
		if k.min > 0 {
			break
		}
	}
	if len(names) == 0 {
		return "; nothing more is expected in " + d.name
	}
	return "; expected " + strings.Join(names, ", ")
}

// missing reports the required particles of d's sequence from i (seen
// count times) up to, not including, end.
func (c *checker) missing(d *decl, i, count, end int) {
	for j := i; j < end && j < len(d.kids); j++ {
		k := d.kids[j]
		have := 0
		if j == i {
			have = count
		}
		if have < k.min {
			if have == 0 {
				c.fail(RuleRequired, "required element %s is missing", k.name)
			} else {
				c.fail(RuleRequired, "element %s occurs %d time(s), at least %d required", k.name, have, k.min)
			}
		}
	}
}

// matchAll finds the member of d's xs:all group the element t is.
func (c *checker) matchAll(d *decl, t xml.StartElement, counts map[*decl]int) *decl {
	for _, k := range d.kids {
		if k.name == t.Name.Local && k.ns == t.Name.Space {
			if counts[k] >= 1 {
				c.fail(RuleUnexpected, "element %s occurs twice: %s allows it once", k.name, d.name)
				return nil
			}
			if !k.repeated() {
				counts[k]++
			}
			return k
		}
	}
	c.fail(RuleUnexpected, "element %s is not allowed here (%s has no element %s)", t.Name.Local, d.name, qname(t.Name))
	return nil
}

func isSpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

// clip shortens a value quoted in a message.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	return string([]rune(s)[:40]) + "…"
}

// collapse applies XSD's whiteSpace="collapse": trims XML white space and
// turns every run inside into one space.
func collapse(s string) string {
	if s == "" {
		return s
	}
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' })
	return strings.Join(f, " ")
}

func (st *simpleType) describe() string {
	if st.enumName != "" {
		return st.enumName
	}
	return st.base.String()
}

var (
	reDecimal  = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$`)
	reInteger  = regexp.MustCompile(`^[+-]?[0-9]+$`)
	reDateTime = regexp.MustCompile(`^-?([0-9]{4,})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?$`)
)

// value checks a simple value against its type and returns it as read
// (collapsed, for the types other than strings). It records the breaches.
func (c *checker) value(st *simpleType, raw string) (string, bool) {
	v := raw
	if v == "" && st.hasDefault {
		v = st.dflt
	}
	switch st.base {
	case baseString:
	case baseInt, baseLong:
		// libxml2 refuses white space around an xs:int or xs:long (" 7 "),
		// although XSD collapses it; Check follows xmllint.
	default:
		v = collapse(v)
	}
	switch st.base {
	case baseString:
		if st.minLength >= 0 || st.maxLength >= 0 {
			n := utf8.RuneCountInString(v)
			if st.minLength >= 0 && n < st.minLength {
				c.fail(RuleLength, "%d characters, at least %d required", n, st.minLength)
				return v, false
			}
			if st.maxLength >= 0 && n > st.maxLength {
				c.fail(RuleLength, "%d characters, at most %d allowed", n, st.maxLength)
				return v, false
			}
		}
		if st.pattern != nil && !st.pattern.MatchString(v) {
			c.fail(RulePattern, "%q does not match the pattern %s", clip(v), st.patternSrc)
			return v, false
		}
		if st.enum != nil && !contains(st.enum, v) {
			c.fail(RuleEnum, "%q is not a value of %s: want one of %s", clip(v), st.enumName, strings.Join(st.enum, ", "))
			return v, false
		}
	case baseDecimal:
		if !reDecimal.MatchString(v) {
			c.fail(RuleType, "%q is not an xs:decimal", clip(v))
			return v, false
		}
		total, frac := decimalDigits(v)
		if st.totalDigits >= 0 && total > st.totalDigits {
			c.fail(RuleDigits, "%s has %d digits, at most %d allowed", v, total, st.totalDigits)
			return v, false
		}
		if st.fractionDigits >= 0 && frac > st.fractionDigits {
			c.fail(RuleDigits, "%s has %d digits after the point, at most %d allowed", v, frac, st.fractionDigits)
			return v, false
		}
		if st.hasMinIncl || st.hasMaxIncl {
			r, _ := new(big.Rat).SetString(strings.TrimSuffix(strings.TrimPrefix(v, "+"), "."))
			if r == nil { // "5." and ".5" forms: big.Rat reads them
				r = new(big.Rat)
			}
			if st.hasMinIncl && r.Cmp(new(big.Rat).SetInt64(st.minIncl)) < 0 {
				c.fail(RuleRange, "%s is less than %d", v, st.minIncl)
				return v, false
			}
			if st.hasMaxIncl && r.Cmp(new(big.Rat).SetInt64(st.maxIncl)) > 0 {
				c.fail(RuleRange, "%s is more than %d", v, st.maxIncl)
				return v, false
			}
		}
	case baseInt, baseLong:
		bits := 32
		if st.base == baseLong {
			bits = 64
		}
		if !reInteger.MatchString(v) {
			c.fail(RuleType, "%q is not an %s", clip(v), st.base)
			return v, false
		}
		x, err := strconv.ParseInt(v, 10, bits)
		if err != nil {
			c.fail(RuleType, "%s is out of the range of %s", clip(v), st.base)
			return v, false
		}
		if st.hasMinIncl && x < st.minIncl {
			c.fail(RuleRange, "%s is less than %d", v, st.minIncl)
			return v, false
		}
		if st.hasMaxIncl && x > st.maxIncl {
			c.fail(RuleRange, "%s is more than %d", v, st.maxIncl)
			return v, false
		}
	case baseBool:
		switch v {
		case "true", "false", "1", "0":
		default:
			c.fail(RuleType, "%q is not an xs:boolean (true, false, 1 or 0)", clip(v))
			return v, false
		}
	case baseDateTime:
		if !validDateTime(v) {
			c.fail(RuleType, "%q is not an xs:dateTime", clip(v))
			return v, false
		}
	}
	return v, true
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// decimalDigits counts a decimal's digits as XSD's totalDigits and
// fractionDigits do: of its value, so leading zeros and trailing zeros
// after the point do not count.
func decimalDigits(v string) (total, frac int) {
	v = strings.TrimLeft(v, "+-")
	ip, fp, _ := strings.Cut(v, ".")
	ip = strings.TrimLeft(ip, "0")
	fp = strings.TrimRight(fp, "0")
	return len(ip) + len(fp), len(fp)
}

// validDateTime checks the lexical form of an xs:dateTime and the ranges
// of its fields.
func validDateTime(v string) bool {
	m := reDateTime.FindStringSubmatch(v)
	if m == nil {
		return false
	}
	num := func(s string) int { n, _ := strconv.Atoi(s); return n }
	year, month, day := num(m[1]), num(m[2]), num(m[3])
	hour, minute, second := num(m[4]), num(m[5]), num(m[6])
	if len(m[1]) > 4 && m[1][0] == '0' || year == 0 {
		return false
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, month) {
		return false
	}
	if hour == 24 {
		if minute != 0 || second != 0 || strings.Trim(m[7], ".0") != "" {
			return false
		}
	} else if hour > 23 || minute > 59 || second > 59 {
		return false
	}
	if z := m[8]; len(z) == 6 {
		zh, zm := num(z[1:3]), num(z[4:6])
		if zm > 59 || zh > 14 || zh == 14 && zm != 0 {
			return false
		}
	}
	return true
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
