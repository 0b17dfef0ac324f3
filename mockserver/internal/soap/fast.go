package soap

import (
	"bytes"
	"encoding/xml"
	"strings"
	"unicode/utf8"
)

// fastTree builds the tree of data as parseTree does with encoding/xml,
// for the plain XML SOAP clients send: ASCII names, the five predefined
// entities and character references, an XML declaration of UTF-8 or none.
// It reads the text of an element (a signed ticket, escaped, is most of a
// createSessionSigned request) a run of bytes at a time, where
// encoding/xml goes byte by byte. Whatever else it meets — comments,
// CDATA, processing instructions, a DTD, carriage returns, names outside
// ASCII, an undeclared prefix, anything not well-formed — it leaves to
// parseTree (ok false), which then decides and reports the error. So it
// never accepts what encoding/xml refuses, and what it accepts comes out
// as encoding/xml's tree: TestFastTree and FuzzFastTree compare the two.
func fastTree(data []byte) (root *Node, ok bool) {
	if bytes.IndexByte(data, '\r') >= 0 {
		return nil, false // encoding/xml turns CR LF into LF: left to it
	}
	p := fastParser{data: data}
	if bytes.HasPrefix(data, []byte("<?")) {
		decl, found := cutDeclaration(data)
		if !found {
			return nil, false
		}
		p.i = len(decl)
	}
	for p.i < len(p.data) {
		if p.data[p.i] != '<' {
			if !p.text() {
				return nil, false
			}
			continue
		}
		if p.i+1 >= len(p.data) {
			return nil, false
		}
		var done bool
		switch p.data[p.i+1] {
		case '/':
			done = p.endTag()
		case '!', '?':
			return nil, false
		default:
			done = p.startTag()
		}
		if !done {
			return nil, false
		}
	}
	if len(p.open) != 0 || p.root == nil {
		return nil, false
	}
	return p.root, true
}

// declarations are the XML declarations fastTree reads; any other is left
// to encoding/xml.
var declarations = []string{
	`<?xml version="1.0" encoding="UTF-8"?>`,
	`<?xml version="1.0" encoding="utf-8"?>`,
	`<?xml version='1.0' encoding='utf-8'?>`,
	`<?xml version='1.0' encoding='UTF-8'?>`,
	`<?xml version="1.0"?>`,
}

func cutDeclaration(data []byte) (string, bool) {
	for _, d := range declarations {
		if bytes.HasPrefix(data, []byte(d)) {
			return d, true
		}
	}
	return "", false
}

// fastParser is fastTree's state.
type fastParser struct {
	data []byte
	i    int
	root *Node
	open []*fastOpen
	// ns are the namespace declarations in scope, innermost last.
	ns []fastBinding
}

type fastOpen struct {
	node  *Node
	raw   string // the name as written, prefix:local
	text  strings.Builder
	marks int // len(ns) before the element's declarations
}

type fastBinding struct{ prefix, uri string }

// text reads character data up to the next '<': the open element's, or
// whitespace outside the document element.
func (p *fastParser) text() bool {
	if len(p.open) == 0 {
		start := p.i
		for p.i < len(p.data) && p.data[p.i] != '<' {
			p.i++
		}
		return isSpace(p.data[start:p.i])
	}
	return p.chars(&p.open[len(p.open)-1].text, '<')
}

// chars reads character data into w up to the byte stop ('<' for text,
// the quote for an attribute value), which it leaves unread, resolving
// references: what text and attribute values share. It is false at
// anything left to encoding/xml, and at the end of the input.
func (p *fastParser) chars(w *strings.Builder, stop byte) bool {
	start := p.i
	for p.i < len(p.data) {
		c := p.data[p.i]
		switch {
		case c == stop:
			w.Write(p.data[start:p.i])
			return true
		case c == '<': // in an attribute value
			return false
		case c == '&':
			w.Write(p.data[start:p.i])
			r, n := entity(p.data[p.i:])
			if n == 0 {
				return false
			}
			w.WriteString(r)
			p.i += n
			start = p.i
		case c == ']' && stop == '<' && bytes.HasPrefix(p.data[p.i:], []byte("]]>")):
			return false
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(p.data[p.i:])
			if r == utf8.RuneError && size == 1 || !inCharacterRange(r) {
				return false
			}
			p.i += size
		case c < 0x20 && c != '\t' && c != '\n':
			return false
		default:
			p.i++
		}
	}
	return false
}

func isSpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' {
			return false
		}
	}
	return true
}

// inCharacterRange is XML 1.0's Char production, as encoding/xml checks it.
func inCharacterRange(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// entity reads the reference at the start of b ("&…;"): one of the five
// predefined entities or a character reference of an XML character. n is
// 0 for anything else.
func entity(b []byte) (string, int) {
	end := bytes.IndexByte(b[:min(len(b), 12)], ';')
	if end < 2 {
		return "", 0
	}
	name := string(b[1:end])
	switch name {
	case "lt":
		return "<", end + 1
	case "gt":
		return ">", end + 1
	case "amp":
		return "&", end + 1
	case "quot":
		return `"`, end + 1
	case "apos":
		return "'", end + 1
	}
	if name[0] != '#' || len(name) < 2 {
		return "", 0
	}
	digits, base := name[1:], 10
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if digits == "" || len(digits) > 6 {
		return "", 0
	}
	var r rune
	for _, c := range []byte(digits) {
		var d rune
		switch {
		case c >= '0' && c <= '9':
			d = rune(c - '0')
		case base == 16 && c >= 'a' && c <= 'f':
			d = rune(c-'a') + 10
		case base == 16 && c >= 'A' && c <= 'F':
			d = rune(c-'A') + 10
		default:
			return "", 0
		}
		r = r*rune(base) + d
	}
	if !inCharacterRange(r) {
		return "", 0
	}
	return string(r), end + 1
}

// name reads an ASCII name with at most one colon, which neither starts
// nor ends it; "" for anything else.
func (p *fastParser) name() string {
	start, colon := p.i, -1
	for p.i < len(p.data) {
		c := p.data[p.i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case c >= '0' && c <= '9', c == '.', c == '-':
			if p.i == start || p.i == colon+1 {
				return ""
			}
		case c == ':':
			if colon >= 0 || p.i == start {
				return ""
			}
			colon = p.i
		default:
			if p.i == start || p.i == colon+1 {
				return ""
			}
			return string(p.data[start:p.i])
		}
		p.i++
	}
	return ""
}

func (p *fastParser) space() {
	for p.i < len(p.data) && (p.data[p.i] == ' ' || p.data[p.i] == '\t' || p.data[p.i] == '\n') {
		p.i++
	}
}

// startTag reads "<name attr="value"…>" or "…/>".
func (p *fastParser) startTag() bool {
	if len(p.open) == 0 && p.root != nil || len(p.open) >= maxDepth {
		return false
	}
	p.i++ // '<'
	raw := p.name()
	if raw == "" {
		return false
	}
	type rawAttr struct{ name, value string }
	var attrs []rawAttr
	empty := false
	for {
		p.space()
		if p.i >= len(p.data) {
			return false
		}
		if c := p.data[p.i]; c == '>' {
			p.i++
			break
		} else if c == '/' {
			if p.i+1 >= len(p.data) || p.data[p.i+1] != '>' {
				return false
			}
			p.i += 2
			empty = true
			break
		}
		n := p.name()
		if n == "" {
			return false
		}
		p.space()
		if p.i >= len(p.data) || p.data[p.i] != '=' {
			return false
		}
		p.i++
		p.space()
		v, ok := p.attrValue()
		if !ok {
			return false
		}
		attrs = append(attrs, rawAttr{n, v})
	}
	o := &fastOpen{raw: raw, marks: len(p.ns)}
	// Declarations first, as encoding/xml takes them.
	for _, a := range attrs {
		switch {
		case strings.HasPrefix(a.name, "xmlns:"):
			prefix := a.name[len("xmlns:"):]
			if prefix == "xml" || prefix == "xmlns" || a.value == "" {
				return false
			}
			p.ns = append(p.ns, fastBinding{prefix, a.value})
		case a.name == "xmlns":
			p.ns = append(p.ns, fastBinding{"", a.value})
		}
	}
	name, ok := p.translate(raw, true)
	if !ok {
		return false
	}
	n := &Node{Name: name, Attr: make([]xml.Attr, len(attrs))}
	for i, a := range attrs {
		an, ok := p.translate(a.name, false)
		if !ok {
			return false
		}
		n.Attr[i] = xml.Attr{Name: an, Value: a.value}
	}
	o.node = n
	if p.root == nil {
		p.root = n
	}
	p.open = append(p.open, o)
	if empty {
		p.close()
	}
	return true
}

// translate gives a name as written its namespace, as encoding/xml's
// Token does; ok is false for a prefix not declared.
func (p *fastParser) translate(raw string, element bool) (xml.Name, bool) {
	prefix, local, found := strings.Cut(raw, ":")
	if !found {
		prefix, local = "", raw
	}
	switch {
	case prefix == "xmlns":
		if element {
			return xml.Name{}, false
		}
		return xml.Name{Space: "xmlns", Local: local}, true
	case prefix == "" && !element:
		return xml.Name{Local: local}, true
	case prefix == "xml":
		return xml.Name{Space: "http://www.w3.org/XML/1998/namespace", Local: local}, true
	}
	for i := len(p.ns) - 1; i >= 0; i-- {
		if p.ns[i].prefix == prefix {
			return xml.Name{Space: p.ns[i].uri, Local: local}, true
		}
	}
	if prefix == "" {
		return xml.Name{Local: local}, true
	}
	return xml.Name{}, false
}

// attrValue reads a quoted attribute value, its references resolved.
func (p *fastParser) attrValue() (string, bool) {
	if p.i >= len(p.data) || p.data[p.i] != '"' && p.data[p.i] != '\'' {
		return "", false
	}
	quote := p.data[p.i]
	p.i++
	var b strings.Builder
	if !p.chars(&b, quote) {
		return "", false
	}
	p.i++ // the closing quote
	return b.String(), true
}

// endTag reads "</name>", which must close the innermost open element.
func (p *fastParser) endTag() bool {
	p.i += 2 // "</"
	raw := p.name()
	if raw == "" || len(p.open) == 0 || p.open[len(p.open)-1].raw != raw {
		return false
	}
	p.space()
	if p.i >= len(p.data) || p.data[p.i] != '>' {
		return false
	}
	p.i++
	p.close()
	return true
}

// close ends the innermost open element.
func (p *fastParser) close() {
	o := p.open[len(p.open)-1]
	p.open = p.open[:len(p.open)-1]
	p.ns = p.ns[:o.marks]
	o.node.Text = o.text.String()
	if len(p.open) > 0 {
		parent := p.open[len(p.open)-1].node
		parent.Children = append(parent.Children, *o.node)
	}
}
