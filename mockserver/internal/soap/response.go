package soap

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"unicode/utf8"
)

// ContentType is the Content-Type of every response and fault.
const ContentType = "text/xml; charset=utf-8"

// SecurityErrorText is the faultstring CXF (WSS4J) answers with when the
// WS-Security header is missing or wrong and the server hides the reason.
const SecurityErrorText = "A security error was encountered when verifying the message"

// wss4jNS is the namespace of WSS4J's fault codes (ns1:SecurityError).
const wss4jNS = "http://ws.apache.org/wss4j"

// errName is the error of an element name that is not an XML name.
var errName = errors.New("soap: invalid element name")

// Field is an element of a response: an unqualified element with text or
// child elements. Fields are written in slice order; repeat a Field to
// repeat an element (profileInfo, settlementAccount).
type Field struct {
	// Name is the element's local name. It is written without a prefix
	// and so in no namespace, as the unqualified ESF schema wants.
	Name string
	// Text is the element's text, escaped when written.
	Text string
	// Children are the element's child elements, written after Text
	// (ESF's types never mix the two).
	Children []Field
	// OmitEmpty leaves the element out when it has no text and no
	// children left to write: the way to write an optional
	// (minOccurs="0") element that has no value.
	OmitEmpty bool
}

// Text returns a required element holding value; it is written even when
// value is empty.
func Text(name, value string) Field {
	return Field{Name: name, Text: value}
}

// Optional returns an element holding value that is left out when value
// is empty.
func Optional(name, value string) Field {
	return Field{Name: name, Text: value, OmitEmpty: true}
}

// Group returns an element holding children, e.g. Group("user",
// Text("login", iin), …, Group("taxpayer", …)).
func Group(name string, children ...Field) Field {
	return Field{Name: name, Children: children}
}

// FaultKind names the detail element of a declared ESF fault.
type FaultKind string

// The fault kinds of SessionService (esf-api.md §1.9); each detail holds
// one description element.
const (
	// AccessDenied is accessDeniedException (AccessDeniedFault): the user
	// may not do this.
	AccessDenied FaultKind = "accessDeniedException"
	// Business is businessException (BusinessFault): any other error.
	Business FaultKind = "businessException"
	// SessionClosed is sessionClosedException (SessionClosedFault): the
	// session was closed or timed out.
	SessionClosed FaultKind = "sessionClosedException"
)

// FaultDetail is the detail of a declared fault.
type FaultDetail struct {
	// Kind names the detail element; empty means Business.
	Kind FaultKind
	// Description is the text of its description element.
	Description string
}

// Marshal returns the SOAP 1.1 envelope whose body holds body, the way
// CXF writes it: body is prefixed ns2 and in the ESF namespace, its
// descendants unprefixed and in no namespace.
func Marshal(body Field) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`<soap:Envelope xmlns:soap="` + EnvelopeNS + `"><soap:Body>`)
	if err := writeElement(&b, body, true); err != nil {
		return nil, err
	}
	b.WriteString(`</soap:Body></soap:Envelope>`)
	return b.Bytes(), nil
}

// WriteResponse answers an operation: HTTP 200 and an envelope whose body
// is <ns2:{op}Response xmlns:ns2="esf"> holding fields. A field whose name
// is not an XML name gets a soap:Server fault instead, so the output is
// always well-formed.
func WriteResponse(w http.ResponseWriter, op string, fields ...Field) {
	WriteBody(w, Field{Name: op + "Response", Children: fields})
}

// WriteBody answers with HTTP 200 and an envelope whose body is body, for
// responses whose element is not named after the operation
// (closeSessionByCredentials answers closeSessionResponse, VersionService
// answers version). See Marshal and WriteResponse.
func WriteBody(w http.ResponseWriter, body Field) {
	out, err := Marshal(body)
	if err != nil {
		WriteFault(w, err.Error(), nil)
		return
	}
	write(w, http.StatusOK, out)
}

// WriteFault answers with HTTP 500 and a soap:Server fault whose
// faultstring is faultstring (for ESF, the bare error code) and, when
// detail is not nil, whose detail holds <ns2:{kind} xmlns:ns2="esf">
// <description>…</description></ns2:{kind}>.
func WriteFault(w http.ResponseWriter, faultstring string, detail *FaultDetail) {
	writeFault(w, "soap:Server", "", faultstring, detail)
}

// WriteClientFault answers with HTTP 500 and a soap:Client fault: the
// request itself was wrong (malformed, unknown operation).
func WriteClientFault(w http.ResponseWriter, faultstring string) {
	writeFault(w, "soap:Client", "", faultstring, nil)
}

// WriteSecurityFault answers with HTTP 500 and the fault CXF's WSS4J
// interceptor sends for a missing or wrong UsernameToken: faultcode
// ns1:SecurityError (http://ws.apache.org/wss4j), faultstring
// SecurityErrorText.
func WriteSecurityFault(w http.ResponseWriter) {
	writeFault(w, "ns1:SecurityError", wss4jNS, SecurityErrorText, nil)
}

func writeFault(w http.ResponseWriter, code, codeNS, faultstring string, detail *FaultDetail) {
	var b bytes.Buffer
	b.WriteString(`<soap:Envelope xmlns:soap="` + EnvelopeNS + `"><soap:Body><soap:Fault>`)
	if codeNS != "" {
		b.WriteString(`<faultcode xmlns:ns1="` + codeNS + `">` + code + `</faultcode>`)
	} else {
		b.WriteString(`<faultcode>` + code + `</faultcode>`)
	}
	b.WriteString(`<faultstring>`)
	escapeText(&b, faultstring)
	b.WriteString(`</faultstring>`)
	if detail != nil {
		kind := detail.Kind
		if kind == "" || !isName(string(kind)) {
			kind = Business
		}
		b.WriteString(`<detail>`)
		// The kind is a valid name, so this cannot fail.
		_ = writeElement(&b, Group(string(kind), Text("description", detail.Description)), true)
		b.WriteString(`</detail>`)
	}
	b.WriteString(`</soap:Fault></soap:Body></soap:Envelope>`)
	write(w, http.StatusInternalServerError, b.Bytes())
}

func write(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// empty reports whether f would be left out.
func (f Field) empty() bool {
	if !f.OmitEmpty || f.Text != "" {
		return false
	}
	for _, c := range f.Children {
		if !c.empty() {
			return false
		}
	}
	return true
}

// writeElement writes f; top writes it as the ns2-prefixed wrapper. A
// top-level element is written even when empty.
func writeElement(b *bytes.Buffer, f Field, top bool) error {
	if !isName(f.Name) {
		return fmt.Errorf("%w: %q", errName, f.Name)
	}
	name := f.Name
	if top {
		name = "ns2:" + f.Name
		b.WriteString("<" + name + ` xmlns:ns2="` + Namespace + `"`)
	} else {
		b.WriteString("<" + name)
	}
	var kids []Field
	for _, c := range f.Children {
		if !c.empty() {
			kids = append(kids, c)
		}
	}
	if f.Text == "" && len(kids) == 0 {
		b.WriteString("/>")
		return nil
	}
	b.WriteString(">")
	escapeText(b, f.Text)
	for _, c := range kids {
		if err := writeElement(b, c, false); err != nil {
			return err
		}
	}
	b.WriteString("</" + name + ">")
	return nil
}

// escapeText writes s as element content: markup characters escaped, \r
// kept as a character reference (a parser would turn a raw one into \n),
// and characters XML cannot carry (most C0 controls, invalid UTF-8)
// replaced with U+FFFD.
func escapeText(b *bytes.Buffer, s string) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '\r':
			b.WriteString("&#xD;")
		case r == utf8.RuneError && size == 1, !isXMLChar(r):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
}

// isXMLChar reports whether r may appear in an XML 1.0 document.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// isName reports whether s is an XML name without a colon (an NCName),
// restricted to ASCII letters, digits, '_', '-' and '.', which is all ESF
// uses.
func isName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}
