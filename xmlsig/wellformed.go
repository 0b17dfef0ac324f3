package xmlsig

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/beevik/etree"
)

// The checks here complete encoding/xml's: its Strict mode enforces most
// of XML 1.0, but not unique attributes, white space between attributes,
// matching end tags (RawToken does not match them), the characters of
// comments and of character references to surrogates, what may stand
// outside the document element, the grammar of the XML declaration, or
// any of Namespaces in XML. scan calls them on the tokens it reads, with
// the raw bytes each token came from.

var cdataStart = []byte("<![CDATA[")

// byteOrderMark returns the length of a UTF-8 byte-order mark starting doc
// and refuses the marks (and the bare first characters) of UTF-16 and
// UTF-32: only UTF-8 documents are read.
func byteOrderMark(doc []byte) (int, error) {
	switch {
	case bytes.HasPrefix(doc, []byte(utf8BOM)):
		return len(utf8BOM), nil
	case bytes.HasPrefix(doc, []byte{0, 0, 0xfe, 0xff}), bytes.HasPrefix(doc, []byte{0xff, 0xfe, 0, 0}):
		return 0, fmt.Errorf("%w: a UTF-32 byte-order mark: only UTF-8 documents are read", ErrUnsupported)
	case bytes.HasPrefix(doc, []byte{0xfe, 0xff}), bytes.HasPrefix(doc, []byte{0xff, 0xfe}):
		return 0, fmt.Errorf("%w: a UTF-16 byte-order mark: only UTF-8 documents are read", ErrUnsupported)
	case bytes.HasPrefix(doc, []byte{'<', 0}), bytes.HasPrefix(doc, []byte{0, '<'}):
		return 0, fmt.Errorf("%w: UTF-16 without a byte-order mark: only UTF-8 documents are read", ErrUnsupported)
	}
	return 0, nil
}

// checkXMLDecl checks the XML declaration at the start of body, if there
// is one, against XML 1.0's grammar (encoding/xml reads it loosely):
//
//	'<?xml' S 'version' Eq ('"1.' [0-9]+ '"' | "'1." [0-9]+ "'")
//	        (S 'encoding' Eq quoted EncName)? (S 'standalone' Eq quoted ('yes' | 'no'))? S? '?>'
//
// A version other than 1.0 and an encoding other than UTF-8 are legal,
// and ErrUnsupported.
func checkXMLDecl(body []byte) error {
	const open = "<?xml"
	if !bytes.HasPrefix(body, []byte(open)) || len(body) > len(open) && isNameByte(body[len(open)]) {
		return nil // no declaration, or a processing instruction such as <?xml-stylesheet
	}
	if len(body) > len(open) && !isSpace(body[len(open)]) && body[len(open)] != '?' {
		return fmt.Errorf("%w: XML declaration: no white space after <?xml", ErrMalformed)
	}
	end := bytes.Index(body, []byte("?>"))
	if end < 0 {
		return fmt.Errorf("%w: the XML declaration is not closed with ?>", ErrMalformed)
	}
	s := string(body[len(open):end])
	order := [...]string{"version", "encoding", "standalone"}
	next := 0 // order[next:] may still come
	for i := 0; ; {
		j := skipSpace(s, i)
		if j == len(s) {
			break
		}
		if j == i {
			return fmt.Errorf("%w: XML declaration: no white space before %q", ErrMalformed, s[j:])
		}
		name, value, end, err := pseudoAttribute(s, j)
		if err != nil {
			return fmt.Errorf("%w: XML declaration: %v", ErrMalformed, err)
		}
		k := 0
		for k < len(order) && order[k] != name {
			k++
		}
		switch {
		case k == len(order):
			return fmt.Errorf("%w: XML declaration: unknown pseudo-attribute %q", ErrMalformed, name)
		case next == 0 && k > 0:
			return fmt.Errorf("%w: XML declaration: %s where version must come first", ErrMalformed, name)
		case k < next:
			return fmt.Errorf("%w: XML declaration: %s after %s (the order is version, encoding, standalone, each once)", ErrMalformed, name, order[next-1])
		}
		next = k + 1
		switch name {
		case "version":
			if len(value) < 3 || value[:2] != "1." || strings.Trim(value[2:], "0123456789") != "" {
				return fmt.Errorf("%w: XML declaration: version %q", ErrMalformed, value)
			}
			if value != "1.0" {
				return fmt.Errorf("%w: XML version %s: only XML 1.0 is read", ErrUnsupported, value)
			}
		case "encoding":
			if !isEncName(value) {
				return fmt.Errorf("%w: XML declaration: encoding name %q", ErrMalformed, value)
			}
			if !strings.EqualFold(value, "UTF-8") {
				return fmt.Errorf("%w: encoding %q: only UTF-8 documents are read", ErrUnsupported, value)
			}
		case "standalone":
			if value != "yes" && value != "no" {
				return fmt.Errorf("%w: XML declaration: standalone=%q, not yes or no", ErrMalformed, value)
			}
		}
		i = end
	}
	if next == 0 {
		return fmt.Errorf("%w: XML declaration without a version", ErrMalformed)
	}
	return nil
}

// pseudoAttribute reads name Eq quoted-value at s[i:].
func pseudoAttribute(s string, i int) (name, value string, next int, err error) {
	j := i
	for j < len(s) && 'a' <= s[j] && s[j] <= 'z' {
		j++
	}
	name = s[i:j]
	if name == "" {
		return "", "", 0, fmt.Errorf("unexpected %q", s[i:])
	}
	j = skipSpace(s, j)
	if j == len(s) || s[j] != '=' {
		return "", "", 0, fmt.Errorf("%s without =", name)
	}
	j = skipSpace(s, j+1)
	if j == len(s) || s[j] != '"' && s[j] != '\'' {
		return "", "", 0, fmt.Errorf("%s's value is not quoted", name)
	}
	k := strings.IndexByte(s[j+1:], s[j])
	if k < 0 {
		return "", "", 0, fmt.Errorf("%s's value %s has no closing quote", name, s[j:])
	}
	return name, s[j+1 : j+1+k], j + 2 + k, nil
}

func skipSpace(s string, i int) int {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}

// isEncName: [A-Za-z] ([A-Za-z0-9._] | '-')*.
func isEncName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z':
		case i > 0 && ('0' <= c && c <= '9' || c == '.' || c == '_' || c == '-'):
		default:
			return false
		}
	}
	return s != ""
}

// isNameByte: a byte that continues a name (all bytes of multi-byte
// characters do, as encoding/xml reads names).
func isNameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '_' || c == ':' || c == '.' || c == '-' || c >= utf8.RuneSelf
}

// isNameStartChar is XML 1.0 5th edition's NameStartChar, without the
// colon.
func isNameStartChar(r rune) bool {
	switch {
	case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', r == '_':
		return true
	case r < 0xC0:
		return false
	}
	return r <= 0xD6 || 0xD8 <= r && r <= 0xF6 || 0xF8 <= r && r <= 0x2FF ||
		0x370 <= r && r <= 0x37D || 0x37F <= r && r <= 0x1FFF || 0x200C <= r && r <= 0x200D ||
		0x2070 <= r && r <= 0x218F || 0x2C00 <= r && r <= 0x2FEF || 0x3001 <= r && r <= 0xD7FF ||
		0xF900 <= r && r <= 0xFDCF || 0xFDF0 <= r && r <= 0xFFFD || 0x10000 <= r && r <= 0xEFFFF
}

// isSpace is XML's S: space, tab, carriage return, line feed.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// isXMLChar is XML 1.0's Char production.
func isXMLChar(r rune) bool {
	return r == 0x9 || r == 0xA || r == 0xD ||
		0x20 <= r && r <= 0xD7FF || 0xE000 <= r && r <= 0xFFFD || 0x10000 <= r && r <= 0x10FFFF
}

// checkChars refuses bytes that are not UTF-8 XML characters (encoding/xml
// checks text and attribute values, but not comments).
func checkChars(b []byte) error {
	for i := 0; i < len(b); {
		if c := b[i]; c >= 0x20 && c < utf8.RuneSelf || isSpace(c) {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return errors.New("invalid UTF-8")
		}
		if !isXMLChar(r) {
			return fmt.Errorf("character %U (not an XML character)", r)
		}
		i += n
	}
	return nil
}

// checkCharRefs refuses character references to what is not an XML
// character in raw text or a raw attribute value: encoding/xml turns
// &#xD800; (a surrogate) into U+FFFD instead of failing.
func checkCharRefs(raw []byte) error {
	for {
		i := bytes.Index(raw, []byte("&#"))
		if i < 0 {
			return nil
		}
		raw = raw[i+2:]
		end := bytes.IndexByte(raw, ';')
		if end < 0 {
			return errors.New("a character reference without ;")
		}
		digits, base := string(raw[:end]), 10
		if strings.HasPrefix(digits, "x") {
			digits, base = digits[1:], 16
		}
		n, err := strconv.ParseUint(digits, base, 32)
		if err != nil || !isXMLChar(rune(n)) {
			return fmt.Errorf("character reference &#%s; (not an XML character)", raw[:end])
		}
		raw = raw[end+1:]
	}
}

// checkOutside refuses anything but white space (S) between the document
// element and the start or end of the document: encoding/xml hands out
// CDATA sections, references and other text there as character data.
func checkOutside(raw []byte) error {
	i := 0
	for i < len(raw) && isSpace(raw[i]) {
		i++
	}
	rest := raw[i:]
	switch {
	case len(rest) == 0:
		return nil
	case bytes.HasPrefix(rest, []byte(utf8BOM)):
		return fmt.Errorf("%w: a byte-order mark (U+FEFF) outside the document element; one may stand only at the very start", ErrMalformed)
	case bytes.HasPrefix(rest, cdataStart):
		return fmt.Errorf("%w: a CDATA section outside the document element", ErrMalformed)
	case rest[0] == '&':
		return fmt.Errorf("%w: a reference %q outside the document element", ErrMalformed, snippet(rest))
	}
	return fmt.Errorf("%w: text %q outside the document element", ErrMalformed, snippet(rest))
}

func snippet(b []byte) string {
	const max = 16
	if len(b) <= max {
		return string(b)
	}
	i := max
	for i > 0 && !utf8.RuneStart(b[i]) {
		i--
	}
	return string(b[:i]) + "…"
}

// colonsHint names what encoding/xml reports only as a missing name: a
// name with more than one colon (not a QName) in the bytes it read.
func colonsHint(read []byte) string {
	for _, f := range bytes.FieldsFunc(read, func(r rune) bool { return r < utf8.RuneSelf && !isNameByte(byte(r)) }) {
		if bytes.Count(f, []byte(":")) > 1 {
			return fmt.Sprintf(" (name %q has more than one colon: not a QName)", f)
		}
	}
	return ""
}

// qname is a name as it was written.
func qname(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// checkStartTag checks what encoding/xml does not in a start tag: white
// space between attributes, its names' colons (a QName has at most one,
// between two non-empty parts; encoding/xml takes ":a" and "a:" for local
// names), and character references in attribute values.
func checkStartTag(raw []byte, t xml.StartElement) error {
	if err := checkQName(t.Name); err != nil {
		return fmt.Errorf("%w: element name %q is not a QName: %v", ErrMalformed, qname(t.Name), err)
	}
	for _, a := range t.Attr {
		if err := checkQName(a.Name); err != nil {
			return fmt.Errorf("%w: attribute name %q on <%s> is not a QName: %v", ErrMalformed, qname(a.Name), qname(t.Name), err)
		}
	}
	if len(t.Attr) < 2 && bytes.IndexByte(raw, '&') < 0 {
		return nil // encoding/xml needs white space before a first attribute
	}
	// The tag has passed encoding/xml's checks: '<' Name (S? Attribute)* S? '/'? '>'.
	i := 1 + len(t.Name.Local) // '<' and the name as written
	if t.Name.Space != "" {
		i += len(t.Name.Space) + 1
	}
	for {
		j := i
		for j < len(raw) && isSpace(raw[j]) {
			j++
		}
		if j == len(raw) || raw[j] == '/' || raw[j] == '>' {
			return nil
		}
		name := j
		for j < len(raw) && raw[j] != '=' && !isSpace(raw[j]) {
			j++
		}
		if name == i {
			return fmt.Errorf("%w: no white space before attribute %s on <%s>", ErrMalformed, raw[name:j], qname(t.Name))
		}
		q := bytes.IndexAny(raw[j:], `"'`)
		if q < 0 {
			return fmt.Errorf("%w: attribute %s on <%s> has no quoted value", ErrMalformed, raw[name:j], qname(t.Name))
		}
		q += j
		end := bytes.IndexByte(raw[q+1:], raw[q])
		if end < 0 {
			return fmt.Errorf("%w: attribute %s on <%s> has no closing quote", ErrMalformed, raw[name:j], qname(t.Name))
		}
		end += q + 1
		if value := raw[q+1 : end]; bytes.IndexByte(value, '&') >= 0 {
			if err := checkCharRefs(value); err != nil {
				return fmt.Errorf("%w: %v in attribute %s on <%s>", ErrMalformed, err, raw[name:j], qname(t.Name))
			}
		}
		i = end + 1
	}
}

// checkQName: encoding/xml has checked the whole name (Name); Namespaces
// in XML also wants the part after the colon to start as a name does.
func checkQName(n xml.Name) error {
	if n.Space == "" && strings.IndexByte(n.Local, ':') >= 0 {
		return errors.New("a colon may only stand between prefix and local name")
	}
	if r, _ := utf8.DecodeRuneInString(n.Local); n.Space != "" && !isNameStartChar(r) {
		return fmt.Errorf("%U cannot start the local name", r)
	}
	return nil
}

// namespaces tracks the prefixes in scope while scan walks the document,
// and refuses what Namespaces in XML 1.0 forbids.
type namespaces struct {
	scope []binding // the declarations in scope, outermost first
	marks []int     // len(scope) when each open element started
	// index maps a prefix to its namespaces in scope, innermost last,
	// once there are too many declarations to search scope.
	index map[string][]string
	// xmlDeclared: the xml prefix was declared (legally, to its own
	// namespace) somewhere.
	xmlDeclared bool
}

type binding struct{ prefix, uri string }

// indexAfter is the number of declarations in scope past which lookups
// go through a map: linear search is faster for the few every real
// document has, and a map keeps documents with thousands linear.
const indexAfter = 16

// enter declares the element's namespaces and checks its and its
// attributes' prefixes, and that no two attributes have the same
// expanded name.
func (ns *namespaces) enter(t xml.StartElement) error {
	ns.marks = append(ns.marks, len(ns.scope))
	for _, a := range t.Attr {
		switch {
		case a.Name.Space == "xmlns":
			if err := ns.declare(a.Name.Local, a.Value); err != nil {
				return fmt.Errorf("%w: %v (on <%s>)", ErrMalformed, err, qname(t.Name))
			}
		case a.Name.Space == "" && a.Name.Local == "xmlns":
			if a.Value == xmlNamespace || a.Value == xmlnsNamespace {
				return fmt.Errorf("%w: xmlns=%q: that namespace cannot be the default (on <%s>)", ErrMalformed, a.Value, qname(t.Name))
			}
			if a.Value != "" && !isURIReference(a.Value) {
				return fmt.Errorf("%w: xmlns=%q: not an RFC 3986 URI reference (on <%s>)", ErrMalformed, a.Value, qname(t.Name))
			}
		}
	}
	switch t.Name.Space {
	case "":
	case "xmlns":
		return fmt.Errorf("%w: element <%s> with the prefix xmlns, which is reserved for declarations", ErrMalformed, qname(t.Name))
	default:
		if _, ok := ns.lookup(t.Name.Space); !ok {
			return fmt.Errorf("%w: prefix %q of <%s> is not declared", ErrMalformed, t.Name.Space, qname(t.Name))
		}
	}
	for _, a := range t.Attr {
		if a.Name.Space != "" {
			if _, ok := ns.lookup(a.Name.Space); !ok {
				return fmt.Errorf("%w: prefix %q of attribute %s on <%s> is not declared", ErrMalformed, a.Name.Space, qname(a.Name), qname(t.Name))
			}
		}
	}
	return ns.unique(t)
}

// declare binds prefix to uri, as xmlns:prefix="uri" does.
func (ns *namespaces) declare(prefix, uri string) error {
	switch {
	case prefix == "xmlns":
		return errors.New("xmlns:xmlns: the xmlns prefix cannot be declared")
	case prefix == "xml" && uri != xmlNamespace:
		return fmt.Errorf("xmlns:xml=%q: the xml prefix is bound to %s alone", uri, xmlNamespace)
	case prefix == "xml":
		ns.xmlDeclared = true
		return nil
	case uri == xmlNamespace:
		return fmt.Errorf("xmlns:%s=%q: that namespace belongs to the xml prefix alone", prefix, uri)
	case uri == xmlnsNamespace:
		return fmt.Errorf("xmlns:%s=%q: that namespace belongs to the xmlns prefix alone", prefix, uri)
	case uri == "":
		return fmt.Errorf("xmlns:%s=\"\": XML 1.0 cannot undeclare a prefix", prefix)
	case !isURIReference(uri):
		return fmt.Errorf("xmlns:%s=%q: not an RFC 3986 URI reference", prefix, uri)
	}
	ns.scope = append(ns.scope, binding{prefix, uri})
	switch {
	case ns.index != nil:
		ns.index[prefix] = append(ns.index[prefix], uri)
	case len(ns.scope) > indexAfter:
		ns.index = make(map[string][]string, len(ns.scope))
		for _, b := range ns.scope {
			ns.index[b.prefix] = append(ns.index[b.prefix], b.uri)
		}
	}
	return nil
}

func (ns *namespaces) lookup(prefix string) (string, bool) {
	switch prefix {
	case "xml":
		return xmlNamespace, true
	case "xmlns":
		return xmlnsNamespace, true
	}
	if ns.index != nil {
		if uris := ns.index[prefix]; len(uris) > 0 {
			return uris[len(uris)-1], true
		}
		return "", false
	}
	for i := len(ns.scope) - 1; i >= 0; i-- {
		if ns.scope[i].prefix == prefix {
			return ns.scope[i].uri, true
		}
	}
	return "", false
}

// leave forgets the declarations of the element that ends.
func (ns *namespaces) leave() {
	mark := ns.marks[len(ns.marks)-1]
	ns.marks = ns.marks[:len(ns.marks)-1]
	if ns.index != nil {
		for _, b := range ns.scope[mark:] {
			uris := ns.index[b.prefix]
			ns.index[b.prefix] = uris[:len(uris)-1]
		}
	}
	ns.scope = ns.scope[:mark]
}

// unique refuses two attributes with the same name, or with the same
// expanded name: one local name with two prefixes bound to one namespace.
func (ns *namespaces) unique(t xml.StartElement) error {
	attrs := t.Attr
	if len(attrs) < 2 {
		return nil
	}
	dup := func(a, b xml.Attr) error {
		if a.Name == b.Name {
			return fmt.Errorf("%w: duplicate attribute %q on <%s>", ErrMalformed, qname(a.Name), qname(t.Name))
		}
		uri, _ := ns.lookup(a.Name.Space)
		return fmt.Errorf("%w: duplicate attribute {%s}%s on <%s>, written %s and %s", ErrMalformed, uri, a.Name.Local, qname(t.Name), qname(b.Name), qname(a.Name))
	}
	// An attribute's expanded name: no namespace without a prefix.
	expanded := func(a xml.Attr) [2]string {
		uri, _ := ns.lookup(a.Name.Space)
		return [2]string{uri, a.Name.Local}
	}
	if len(attrs) <= 16 { // compare pairs; past that, a map keeps it linear
		for i := 1; i < len(attrs); i++ {
			for j := 0; j < i; j++ {
				a, b := attrs[i], attrs[j]
				if a.Name.Local != b.Name.Local {
					continue
				}
				if a.Name.Space == b.Name.Space || a.Name.Space != "" && b.Name.Space != "" && expanded(a) == expanded(b) {
					return dup(a, b)
				}
			}
		}
		return nil
	}
	seen := make(map[[2]string]int, len(attrs))
	for i, a := range attrs {
		k := expanded(a)
		if a.Name.Space == "" {
			k[0] = "" // unprefixed: in no namespace
		}
		if j, ok := seen[k]; ok {
			return dup(a, attrs[j])
		}
		seen[k] = i
	}
	return nil
}

// dropXMLDeclarations removes the (legal, redundant) declarations
// xmlns:xml="http://www.w3.org/XML/1998/namespace" from a parsed tree:
// C14N leaves them out, as libxml2 and so xmlsec1 do, but goxmldsig's
// canonicalizer writes them.
func dropXMLDeclarations(el *etree.Element) {
	attrs := el.Attr[:0]
	for _, a := range el.Attr {
		if a.Space != "xmlns" || a.Key != "xml" {
			attrs = append(attrs, a)
		}
	}
	el.Attr = attrs
	for _, c := range el.ChildElements() {
		dropXMLDeclarations(c)
	}
}
