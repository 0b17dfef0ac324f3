package xmlsig

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// tokenSource is what scan reads a document's tokens from: encoding/xml's
// RawToken (stdTokens), or fastTokens, which reads the same tokens from
// the documents most signers write several times faster.
type tokenSource interface {
	// next returns the next token as RawToken does, the offsets of its
	// first byte and just after its last, or io.EOF at the end.
	next() (tok xml.Token, before, after int, err error)
}

// stdTokens is encoding/xml's strict RawToken over body.
type stdTokens struct {
	d    *xml.Decoder
	body []byte
}

func (s stdTokens) next() (xml.Token, int, int, error) {
	before := int(s.d.InputOffset())
	tok, err := s.d.RawToken()
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%w: %v%s", ErrMalformed, err, colonsHint(s.body[before:min(int(s.d.InputOffset())+1, len(s.body))]))
	}
	return tok, before, int(s.d.InputOffset()), err
}

// errUnsupported is fastTokens' answer to anything outside what it reads:
// scan then reads the document again, from its start, with encoding/xml.
var errUnsupported = errors.New("xmlsig: not for the fast tokenizer")

// fastTokens reads the tokens strict encoding/xml's RawToken reads — the
// same tokens, names, attributes and text, at the same offsets — from a
// document within a subset, and answers errUnsupported at the first byte
// outside it, where RawToken might read otherwise or fail:
//
//   - names of ASCII letters, digits, '_', '-', '.', starting with a letter
//     or '_', with at most one ':' inside;
//   - space, tab and newline between the parts of a tag; no carriage
//     return anywhere;
//   - text and attribute values in valid UTF-8 of XML's characters, with
//     the five predefined entities and character references of XML
//     characters; no "]]>" in text, no '<' in a value;
//   - comments;
//   - the XML declaration, at the start, declaring version 1.0 and UTF-8
//     or no encoding, and no other processing instruction; no CDATA
//     section, no DTD.
//
// TestFastTokens and FuzzFastTokens hold it to RawToken.
type fastTokens struct {
	data []byte
	pos  int
	// closing is the element whose empty-element tag was read: RawToken
	// returns its EndElement next, at the same offset.
	closing *xml.Name
	buf     []byte
}

func (f *fastTokens) next() (xml.Token, int, int, error) {
	if f.closing != nil {
		name := *f.closing
		f.closing = nil
		return xml.EndElement{Name: name}, f.pos, f.pos, nil
	}
	before := f.pos
	if f.pos >= len(f.data) {
		return nil, before, before, io.EOF
	}
	if f.data[f.pos] != '<' {
		text, err := f.text(-1)
		if err != nil {
			return nil, before, before, err
		}
		return xml.CharData(text), before, f.pos, nil
	}
	f.pos++
	if f.pos >= len(f.data) {
		return nil, before, before, errUnsupported
	}
	switch f.data[f.pos] {
	case '/':
		f.pos++
		name, ok := f.name()
		if !ok {
			return nil, before, before, errUnsupported
		}
		f.space()
		if f.pos >= len(f.data) || f.data[f.pos] != '>' {
			return nil, before, before, errUnsupported
		}
		f.pos++
		return xml.EndElement{Name: name}, before, f.pos, nil
	case '?':
		return f.procInst(before)
	case '!':
		return f.comment(before)
	}
	name, ok := f.name()
	if !ok {
		return nil, before, before, errUnsupported
	}
	var attrs []xml.Attr // RawToken's is empty, not nil: no one tells
	for {
		f.space()
		if f.pos >= len(f.data) {
			return nil, before, before, errUnsupported
		}
		switch f.data[f.pos] {
		case '/':
			if f.pos+1 >= len(f.data) || f.data[f.pos+1] != '>' {
				return nil, before, before, errUnsupported
			}
			f.pos += 2
			f.closing = &name
			return xml.StartElement{Name: name, Attr: attrs}, before, f.pos, nil
		case '>':
			f.pos++
			return xml.StartElement{Name: name, Attr: attrs}, before, f.pos, nil
		}
		aname, ok := f.name()
		if !ok {
			return nil, before, before, errUnsupported
		}
		f.space()
		if f.pos >= len(f.data) || f.data[f.pos] != '=' {
			return nil, before, before, errUnsupported
		}
		f.pos++
		f.space()
		if f.pos >= len(f.data) || f.data[f.pos] != '"' && f.data[f.pos] != '\'' {
			return nil, before, before, errUnsupported
		}
		quote := int(f.data[f.pos])
		f.pos++
		value, err := f.text(quote)
		if err != nil {
			return nil, before, before, err
		}
		attrs = append(attrs, xml.Attr{Name: aname, Value: string(value)})
	}
}

// space skips what RawToken skips between the parts of a tag but for
// carriage returns, which the caller then finds where a part should be.
func (f *fastTokens) space() {
	for f.pos < len(f.data) {
		switch f.data[f.pos] {
		case ' ', '\n', '\t':
			f.pos++
		default:
			return
		}
	}
}

// name reads a name within the subset and splits it at its colon.
func (f *fastTokens) name() (xml.Name, bool) {
	start, colon := f.pos, -1
scan:
	for f.pos < len(f.data) {
		c := f.data[f.pos]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', c == '_':
		case '0' <= c && c <= '9', c == '-', c == '.':
			if f.pos == start {
				return xml.Name{}, false
			}
		case c == ':':
			if colon >= 0 || f.pos == start {
				return xml.Name{}, false
			}
			colon = f.pos
		case c >= utf8.RuneSelf:
			return xml.Name{}, false // RawToken reads on: names of other letters
		default:
			break scan
		}
		f.pos++
	}
	switch {
	case f.pos == start || colon == f.pos-1:
		return xml.Name{}, false
	case colon < 0:
		return xml.Name{Local: string(f.data[start:f.pos])}, true
	}
	return xml.Name{Space: string(f.data[start:colon]), Local: string(f.data[colon+1 : f.pos])}, true
}

// text reads character data up to '<' or the end (quote < 0), or an
// attribute value up to its closing quote, which it consumes, decoding
// references. The result may share the document's memory.
func (f *fastTokens) text(quote int) ([]byte, error) {
	start := f.pos
	plain := true // no reference so far: the result is the document's bytes
	f.buf = f.buf[:0]
	for f.pos < len(f.data) {
		c := f.data[f.pos]
		switch {
		case c == '<':
			if quote >= 0 {
				return nil, errUnsupported
			}
			return f.done(start, plain), nil
		case quote >= 0 && int(c) == quote:
			v := f.done(start, plain)
			f.pos++
			return v, nil
		case c == '&':
			if plain {
				f.buf = append(f.buf, f.data[start:f.pos]...)
				plain = false
			}
			if !f.reference() {
				return nil, errUnsupported
			}
			continue
		case c == '>':
			if quote < 0 && f.pos-start >= 2 && f.data[f.pos-1] == ']' && f.data[f.pos-2] == ']' {
				return nil, errUnsupported // "]]>" in text; RawToken refuses it
			}
		case c < 0x20:
			if c != '\n' && c != '\t' {
				return nil, errUnsupported
			}
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(f.data[f.pos:])
			if r == utf8.RuneError && size == 1 || !isXMLChar(r) {
				return nil, errUnsupported
			}
			if !plain {
				f.buf = append(f.buf, f.data[f.pos:f.pos+size]...)
			}
			f.pos += size
			continue
		}
		if !plain {
			f.buf = append(f.buf, c)
		}
		f.pos++
	}
	if quote >= 0 {
		return nil, errUnsupported
	}
	return f.done(start, plain), nil
}

func (f *fastTokens) done(start int, plain bool) []byte {
	if plain {
		return f.data[start:f.pos]
	}
	return f.buf
}

// reference decodes the reference at f.pos into f.buf: one of the five
// predefined entities, or a character reference to an XML character.
func (f *fastTokens) reference() bool {
	rest := f.data[f.pos+1:]
	end := -1
	for i, c := range rest {
		if c == ';' {
			end = i
			break
		}
		if i >= 10 {
			return false
		}
	}
	if end <= 0 {
		return false
	}
	ref := string(rest[:end])
	switch ref {
	case "lt":
		f.buf = append(f.buf, '<')
	case "gt":
		f.buf = append(f.buf, '>')
	case "amp":
		f.buf = append(f.buf, '&')
	case "apos":
		f.buf = append(f.buf, '\'')
	case "quot":
		f.buf = append(f.buf, '"')
	default:
		if ref[0] != '#' || len(ref) < 2 {
			return false
		}
		digits, base := ref[1:], 10
		if digits[0] == 'x' {
			digits, base = digits[1:], 16
		}
		if digits == "" || digits[0] == '+' || digits[0] == '-' {
			return false
		}
		n, err := strconv.ParseUint(digits, base, 32)
		if err != nil || !isXMLChar(rune(n)) {
			return false
		}
		f.buf = utf8.AppendRune(f.buf, rune(n))
	}
	f.pos += 1 + end + 1
	return true
}

// comment reads a comment as RawToken does: it ends at the first "--",
// which must be followed by '>'. CDATA sections and DTDs are
// errUnsupported.
func (f *fastTokens) comment(before int) (xml.Token, int, int, error) {
	if !bytes.HasPrefix(f.data[f.pos:], []byte("!--")) {
		return nil, before, before, errUnsupported
	}
	start := f.pos + 3
	end := bytes.Index(f.data[start:], []byte("--"))
	if end < 0 || start+end+2 >= len(f.data) || f.data[start+end+2] != '>' {
		return nil, before, before, errUnsupported
	}
	f.pos = start + end + 3
	return xml.Comment(f.data[start : start+end]), before, f.pos, nil
}

// procInst reads the XML declaration at the start of the document, as
// RawToken does; checkXMLDecl has checked what it says. Anything else is
// errUnsupported.
func (f *fastTokens) procInst(before int) (xml.Token, int, int, error) {
	f.pos++
	if before != 0 {
		return nil, before, before, errUnsupported
	}
	target, ok := f.name()
	if !ok || target.Space != "" || target.Local != "xml" {
		return nil, before, before, errUnsupported
	}
	f.space()
	end := bytes.Index(f.data[f.pos:], []byte("?>"))
	if end < 0 {
		return nil, before, before, errUnsupported
	}
	inst := f.data[f.pos : f.pos+end]
	if !plainDecl(inst) {
		return nil, before, before, errUnsupported
	}
	f.pos += end + 2
	return xml.ProcInst{Target: "xml", Inst: inst}, before, f.pos, nil
}

// plainDecl reports whether RawToken accepts inst, the XML declaration's
// content, as it is: made only of what version="1.0" encoding="UTF-8"
// standalone="yes" is made of, declaring no version but 1.0 and no
// encoding but UTF-8.
func plainDecl(inst []byte) bool {
	for _, c := range inst {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == ' ', c == '=', c == '"', c == '\'', c == '.', c == '-':
		default:
			return false
		}
	}
	s := string(inst)
	v, e := declParam("version", s), declParam("encoding", s)
	return (v == "" || v == "1.0") && (e == "" || strings.EqualFold(e, "utf-8"))
}

// declParam returns the value RawToken finds for param in s, the XML
// declaration's content, by the rule it reads it with: the first
// param= followed at once by a quote, up to the same quote; "" if none.
func declParam(param, s string) string {
	key := param + "="
	for i := 0; i < len(s); {
		k := strings.Index(s[i:], key)
		if k < 0 || i+k+len(key) >= len(s) {
			return ""
		}
		i += k + len(key)
		if q := s[i]; q == '"' || q == '\'' {
			v, _, ok := strings.Cut(s[i+1:], string(q))
			if !ok {
				return ""
			}
			return v
		}
		i++
	}
	return ""
}
