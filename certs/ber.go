package certs

import (
	"bytes"
	"errors"
	"fmt"
)

// A minimal BER reader for PKCS#12. NCA's key stores use indefinite lengths
// and constructed OCTET STRINGs, which encoding/asn1 (DER only) refuses. The
// reader keeps the encoding of every element as given, so a MAC can be checked
// over the original bytes, and can rewrite an element as DER for
// encoding/asn1 and crypto/x509.

const (
	classUniversal = 0
	classContext   = 2

	tagInteger     = 2
	tagBitString   = 3
	tagOctetString = 4
	tagOID         = 6
	tagSequence    = 16
	tagSet         = 17
	tagBMPString   = 30

	maxBERDepth    = 32
	maxBERElements = 1 << 16
)

var errBER = errors.New("malformed BER")

// element is one BER TLV.
type element struct {
	class       int
	tag         int
	constructed bool
	raw         []byte     // the whole encoding, header included
	content     []byte     // contents octets of a primitive element
	children    []*element // elements of a constructed one
}

func (e *element) is(class, tag int) bool { return e.class == class && e.tag == tag }

// parseBER parses exactly one element filling all of data.
func parseBER(data []byte) (*element, error) {
	p := berParser{}
	e, rest, err := p.parse(data, 0)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", errBER, len(rest))
	}
	return e, nil
}

type berParser struct{ count int }

func (p *berParser) parse(data []byte, depth int) (*element, []byte, error) {
	if depth > maxBERDepth {
		return nil, nil, fmt.Errorf("%w: nested deeper than %d", errBER, maxBERDepth)
	}
	if p.count++; p.count > maxBERElements {
		return nil, nil, fmt.Errorf("%w: more than %d elements", errBER, maxBERElements)
	}
	if len(data) < 2 {
		return nil, nil, fmt.Errorf("%w: truncated header", errBER)
	}
	e := &element{class: int(data[0] >> 6), constructed: data[0]&0x20 != 0, tag: int(data[0] & 0x1f)}
	i := 1
	if e.tag == 0x1f { // high tag number form
		e.tag = 0
		for {
			if i >= len(data) {
				return nil, nil, fmt.Errorf("%w: truncated tag", errBER)
			}
			b := data[i]
			i++
			if e.tag > 1<<23 {
				return nil, nil, fmt.Errorf("%w: tag number too large", errBER)
			}
			e.tag = e.tag<<7 | int(b&0x7f)
			if b&0x80 == 0 {
				break
			}
		}
	}
	if i >= len(data) {
		return nil, nil, fmt.Errorf("%w: truncated length", errBER)
	}
	lb := data[i]
	i++
	switch {
	case lb == 0x80: // indefinite
		if !e.constructed {
			return nil, nil, fmt.Errorf("%w: indefinite length on a primitive element", errBER)
		}
		rest := data[i:]
		for {
			if len(rest) >= 2 && rest[0] == 0 && rest[1] == 0 {
				rest = rest[2:]
				break
			}
			if len(rest) == 0 {
				return nil, nil, fmt.Errorf("%w: missing end-of-contents", errBER)
			}
			c, r, err := p.parse(rest, depth+1)
			if err != nil {
				return nil, nil, err
			}
			e.children = append(e.children, c)
			rest = r
		}
		e.raw = data[:len(data)-len(rest)]
		return e, rest, nil
	case lb&0x80 != 0: // long form
		n := int(lb & 0x7f)
		if n > 4 {
			return nil, nil, fmt.Errorf("%w: length of %d bytes", errBER, n)
		}
		if i+n > len(data) {
			return nil, nil, fmt.Errorf("%w: truncated length", errBER)
		}
		length := 0
		for _, b := range data[i : i+n] {
			length = length<<8 | int(b)
		}
		i += n
		return p.finish(e, data, i, length, depth)
	default:
		return p.finish(e, data, i, int(lb), depth)
	}
}

func (p *berParser) finish(e *element, data []byte, start, length, depth int) (*element, []byte, error) {
	if length < 0 || length > len(data)-start {
		return nil, nil, fmt.Errorf("%w: length %d exceeds the %d bytes left", errBER, length, len(data)-start)
	}
	body := data[start : start+length]
	e.raw = data[:start+length]
	if !e.constructed {
		e.content = body
		return e, data[start+length:], nil
	}
	for len(body) > 0 {
		c, r, err := p.parse(body, depth+1)
		if err != nil {
			return nil, nil, err
		}
		e.children = append(e.children, c)
		body = r
	}
	return e, data[start+length:], nil
}

// BERToDER re-encodes data, exactly one BER element, as DER: definite
// lengths, and the universal string types primitive (the segments of a
// constructed OCTET STRING joined). The order of the elements of a SET OF
// is kept. NCA's tools write key stores and CMS (NCALayer's "MIAG…") with
// indefinite lengths, which encoding/asn1 refuses; package cms reads them
// through this. Nesting is limited to 32 levels and 65,536 elements.
func BERToDER(data []byte) ([]byte, error) {
	e, err := parseBER(data)
	if err != nil {
		return nil, fmt.Errorf("certs: %w", err)
	}
	der, err := e.der()
	if err != nil {
		return nil, fmt.Errorf("certs: %w", err)
	}
	return der, nil
}

// octets returns the value of a string type, joining the segments of a
// constructed encoding.
func (e *element) octets() ([]byte, error) {
	if !e.constructed {
		return e.content, nil
	}
	var buf []byte
	for _, c := range e.children {
		if c.class != classUniversal || c.tag != tagOctetString {
			return nil, fmt.Errorf("%w: segment of a constructed string is not an OCTET STRING", errBER)
		}
		b, err := c.octets()
		if err != nil {
			return nil, err
		}
		buf = append(buf, b...)
	}
	return buf, nil
}

// der re-encodes e as DER: definite lengths, and the universal string types
// as primitives. Elements already in DER come back unchanged.
func (e *element) der() ([]byte, error) {
	var buf bytes.Buffer
	if err := e.writeDER(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (e *element) writeDER(buf *bytes.Buffer) error {
	if !e.constructed || (e.class == classUniversal && isStringTag(e.tag)) {
		content, err := e.stringOctets()
		if err != nil {
			return err
		}
		writeHeader(buf, e.class, e.tag, false, len(content))
		buf.Write(content)
		return nil
	}
	var body bytes.Buffer
	for _, c := range e.children {
		if err := c.writeDER(&body); err != nil {
			return err
		}
	}
	writeHeader(buf, e.class, e.tag, true, body.Len())
	buf.Write(body.Bytes())
	return nil
}

// stringOctets is octets for any universal string type; a constructed BIT
// STRING keeps only the last segment's unused-bits count.
func (e *element) stringOctets() ([]byte, error) {
	if !e.constructed {
		return e.content, nil
	}
	if e.tag != tagBitString {
		var buf []byte
		for _, c := range e.children {
			if c.tag != e.tag || c.class != classUniversal {
				return nil, fmt.Errorf("%w: segment of a constructed string has another type", errBER)
			}
			b, err := c.stringOctets()
			if err != nil {
				return nil, err
			}
			buf = append(buf, b...)
		}
		return buf, nil
	}
	buf := []byte{0}
	for i, c := range e.children {
		if c.tag != tagBitString || c.class != classUniversal {
			return nil, fmt.Errorf("%w: segment of a constructed BIT STRING has another type", errBER)
		}
		b, err := c.stringOctets()
		if err != nil {
			return nil, err
		}
		if len(b) == 0 {
			return nil, fmt.Errorf("%w: empty BIT STRING segment", errBER)
		}
		if i < len(e.children)-1 && b[0] != 0 {
			return nil, fmt.Errorf("%w: unused bits in an inner BIT STRING segment", errBER)
		}
		buf[0] = b[0]
		buf = append(buf, b[1:]...)
	}
	return buf, nil
}

func isStringTag(tag int) bool {
	switch tag {
	case tagBitString, tagOctetString, 12, 18, 19, 20, 21, 22, 25, 26, 27, 28, tagBMPString:
		return true
	}
	return false
}

func writeHeader(buf *bytes.Buffer, class, tag int, constructed bool, length int) {
	b := byte(class << 6)
	if constructed {
		b |= 0x20
	}
	if tag < 0x1f {
		buf.WriteByte(b | byte(tag))
	} else {
		buf.WriteByte(b | 0x1f)
		var t []byte
		for v := tag; ; v >>= 7 {
			t = append([]byte{byte(v & 0x7f)}, t...)
			if v < 0x80 {
				break
			}
		}
		for i := 0; i < len(t)-1; i++ {
			t[i] |= 0x80
		}
		buf.Write(t)
	}
	switch {
	case length < 0x80:
		buf.WriteByte(byte(length))
	default:
		var l []byte
		for v := length; v > 0; v >>= 8 {
			l = append([]byte{byte(v)}, l...)
		}
		buf.WriteByte(0x80 | byte(len(l)))
		buf.Write(l)
	}
}
