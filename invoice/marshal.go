package invoice

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
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
	w := writer{buf: make([]byte, 0, 2048)}
	w.buf = append(w.buf, bodyStart...)
	if err := w.fields(reflect.ValueOf(inv).Elem(), invoiceDecl.kids, 1); err != nil {
		return nil, err
	}
	w.buf = append(w.buf, "\n</v2:invoice>"...)
	return w.buf, nil
}

// writer appends indented XML to buf.
type writer struct {
	buf []byte
}

func (w *writer) indent(depth int) {
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
		w.open(d.name)
		for i := range f.Len() {
			if err := w.element(f.Index(i), d.item, depth+1); err != nil {
				return err
			}
		}
		w.indent(depth)
		w.close(d.name)
		return nil
	}
	return w.element(f, d, depth)
}

// element writes one element of declaration d holding v, or nothing for an
// empty optional one.
func (w *writer) element(v reflect.Value, d *decl, depth int) error {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	} else if d.min == 0 && d.simple != nil && v.IsZero() {
		return nil
	}
	w.indent(depth)
	w.open(d.name)
	if d.simple == nil {
		if v.Kind() == reflect.Struct {
			if err := w.fields(v, d.kids, depth+1); err != nil {
				return err
			}
		}
		w.indent(depth)
		w.close(d.name)
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		if err := w.text(d, v.String()); err != nil {
			return err
		}
	case reflect.Int, reflect.Int64:
		w.buf = strconv.AppendInt(w.buf, v.Int(), 10)
	case reflect.Bool:
		w.buf = strconv.AppendBool(w.buf, v.Bool())
	}
	w.close(d.name)
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

// text appends s escaped as element content.
func (w *writer) text(d *decl, s string) error {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '&':
				w.buf = append(w.buf, "&amp;"...)
			case c == '<':
				w.buf = append(w.buf, "&lt;"...)
			case c == '>':
				w.buf = append(w.buf, "&gt;"...)
			case c == '\r':
				w.buf = append(w.buf, "&#13;"...)
			case c < 0x20 && c != '\t' && c != '\n':
				return fmt.Errorf("%w: element %s: control character %U", ErrUnwritable, d.name, rune(c))
			default:
				w.buf = append(w.buf, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == 0xFFFE || r == 0xFFFF {
			return fmt.Errorf("%w: element %s: %q at byte %d", ErrUnwritable, d.name, s[i:i+size], i)
		}
		w.buf = append(w.buf, s[i:i+size]...)
		i += size
	}
	return nil
}
