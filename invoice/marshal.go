package invoice

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"sync"
	"unicode/utf8"
)

// ErrUnwritable is the error of a value XML cannot carry: a control
// character other than tab, line feed and carriage return, U+FFFE or
// U+FFFF, or bytes that are not UTF-8.
var ErrUnwritable = errors.New("invoice: a value XML cannot carry")

// bodyStart is the start tag of every body, as the SDK's samples and every
// client the real service accepted write it: prefix v2 for the invoice's
// namespace, a for AbstractInvoice's (declared, unused), children
// unqualified.
const bodyStart = `<v2:invoice xmlns:a="abstractInvoice.esf" xmlns:v2="v2.esf">`

// Marshal writes the invoice body — the bare v2:invoice element that
// goes into invoiceBody and is signed — as ESF's samples do: the start tag
// <v2:invoice xmlns:a="abstractInvoice.esf" xmlns:v2="v2.esf">, no XML
// declaration, the children unqualified in the XSD's order, one element a
// line indented by two spaces, and no line break after the end tag.
// Optional elements whose value is empty (or nil) are left out; required
// ones are always written. Text is escaped minimally: &, < and > as
// entities, a carriage return as &#13; (so that it survives parsing); quotes
// are written as they are.
//
// Marshal does not check the rules of the schema — Check(body) does — so
// that an invalid invoice can be written too, for a test. It fails only on
// a value XML cannot carry (ErrUnwritable).
func (inv *Invoice) Marshal() ([]byte, error) {
	schemas()
	w := getWriter()
	defer putWriter(w)
	w.buf = append(w.buf, bodyStart...)
	if err := w.fields(reflect.ValueOf(inv).Elem(), invoiceDecl.kids, 1); err != nil {
		return nil, err
	}
	w.buf = append(w.buf, "\n</v2:invoice>"...)
	return bytes.Clone(w.buf), nil
}

// writers keeps the buffers Marshal writes into, so that a large body is
// not grown again for every call: Marshal copies the result out once.
var writers = sync.Pool{New: func() any { return &writer{buf: make([]byte, 0, 4096)} }}

// maxPooled is the largest buffer put back in the pool.
const maxPooled = 1 << 20

func getWriter() *writer { return writers.Get().(*writer) }

func putWriter(w *writer) {
	if cap(w.buf) > maxPooled {
		return
	}
	w.buf = w.buf[:0]
	writers.Put(w)
}

// writer appends indented XML to buf.
type writer struct {
	buf []byte
}

// indents are a line break and the indentation of each depth.
const indents = "\n                                "

func (w *writer) indent(depth int) {
	if n := 1 + 2*depth; n <= len(indents) {
		w.buf = append(w.buf, indents[:n]...)
		return
	}
	w.buf = append(w.buf, '\n')
	for range depth {
		w.buf = append(w.buf, "  "...)
	}
}

// fields writes the elements of a struct value, one per declaration.
func (w *writer) fields(v reflect.Value, decls []*decl, depth int) error {
	for _, d := range decls {
		if err := w.field(v.Field(d.field), d, depth); err != nil {
			return err
		}
	}
	return nil
}

// field writes the element (or the wrapper and its items) a field holds.
func (w *writer) field(f reflect.Value, d *decl, depth int) error {
	if d.item != nil {
		if f.Len() == 0 && d.min == 0 {
			return nil
		}
		w.indent(depth)
		w.buf = append(w.buf, d.open...)
		for i := range f.Len() {
			if err := w.element(f.Index(i), d.item, depth+1); err != nil {
				return err
			}
		}
		w.indent(depth)
		w.buf = append(w.buf, d.close...)
		return nil
	}
	return w.element(f, d, depth)
}

// element writes one element of declaration d holding v, or nothing for an
// empty optional one.
func (w *writer) element(v reflect.Value, d *decl, depth int) error {
	switch d.kind {
	case kindString:
		s := v.String()
		if s == "" && d.min == 0 {
			return nil
		}
		w.indent(depth)
		w.buf = append(w.buf, d.open...)
		if err := w.text(d, s); err != nil {
			return err
		}
	case kindInt:
		x := v.Int()
		if x == 0 && d.min == 0 {
			return nil
		}
		w.indent(depth)
		w.buf = append(w.buf, d.open...)
		w.buf = strconv.AppendInt(w.buf, x, 10)
	case kindBool:
		w.indent(depth)
		w.buf = append(w.buf, d.open...)
		w.buf = strconv.AppendBool(w.buf, v.Bool())
	case kindPtrInt, kindPtrBool, kindPtrStruct:
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
		w.indent(depth)
		w.buf = append(w.buf, d.open...)
		switch d.kind {
		case kindPtrInt:
			w.buf = strconv.AppendInt(w.buf, v.Int(), 10)
		case kindPtrBool:
			w.buf = strconv.AppendBool(w.buf, v.Bool())
		default:
			if err := w.fields(v, d.kids, depth+1); err != nil {
				return err
			}
			w.indent(depth)
		}
	case kindStruct:
		w.indent(depth)
		w.buf = append(w.buf, d.open...)
		if err := w.fields(v, d.kids, depth+1); err != nil {
			return err
		}
		w.indent(depth)
	}
	w.buf = append(w.buf, d.close...)
	return nil
}

func (w *writer) open(name string) {
	w.buf = append(w.buf, '<')
	w.buf = append(w.buf, name...)
	w.buf = append(w.buf, '>')
}

func (w *writer) close(name string) {
	w.buf = append(w.buf, "</"...)
	w.buf = append(w.buf, name...)
	w.buf = append(w.buf, '>')
}

// escapes classifies the ASCII bytes of element content: 0 copied, 1
// escaped, 2 refused (a control character XML cannot carry).
var escapes = func() (t [utf8.RuneSelf]uint8) {
	for c := range 0x20 {
		t[c] = 2
	}
	t['\t'], t['\n'] = 0, 0
	t['&'], t['<'], t['>'], t['\r'] = 1, 1, 1, 1
	return t
}()

// text appends s escaped as element content, in one pass: runs of bytes
// that need no escape are copied at once, and each multi-byte character is
// checked to be UTF-8 and an XML character.
func (w *writer) text(d *decl, s string) error {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			if c >= 0xC2 && c < 0xE0 && i+1 < len(s) && s[i+1]&0xC0 == 0x80 {
				i += 2 // two bytes: Cyrillic, Kazakh
				continue
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				return fmt.Errorf("%w: element %s: %q at byte %d, not UTF-8", ErrUnwritable, d.name, s[i:i+1], i)
			}
			if r == 0xFFFE || r == 0xFFFF {
				return fmt.Errorf("%w: element %s: %U at byte %d", ErrUnwritable, d.name, r, i)
			}
			i += size
			continue
		}
		switch escapes[c] {
		case 0:
			i++
			continue
		case 2:
			return fmt.Errorf("%w: element %s: control character %U", ErrUnwritable, d.name, rune(c))
		}
		w.buf = append(w.buf, s[start:i]...)
		switch c {
		case '&':
			w.buf = append(w.buf, "&amp;"...)
		case '<':
			w.buf = append(w.buf, "&lt;"...)
		case '>':
			w.buf = append(w.buf, "&gt;"...)
		case '\r':
			w.buf = append(w.buf, "&#13;"...)
		}
		i++
		start = i
	}
	w.buf = append(w.buf, s[start:]...)
	return nil
}
