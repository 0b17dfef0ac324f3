package xmlsig

import (
	"bytes"
	"crypto/sha256"
	gohash "hash"
	"slices"
	"sort"
	"unicode/utf8"

	"github.com/beevik/etree"
	"github.com/russellhaering/goxmldsig/etreeutils"

	"github.com/esfkit/esf/certs/gost"
)

// c14nSettings are the settings goxmldsig serializes canonical XML with.
var c14nSettings = etree.WriteSettings{CanonicalEndTags: true, CanonicalText: true, CanonicalAttrVal: true}

// writeCanonical writes el in inclusive C14N 1.0 without comments to w,
// the bytes goxmldsig's MakeC14N10RecCanonicalizer().Canonicalize(el)
// returns for an element without ancestors (a document element), without
// copying the tree: goxmldsig copies el, then copies every subtree once per
// ancestor as it prepares it, then copies it again to serialize it.
//
// It follows goxmldsig step by step, so that what Sign signs and Verify
// checks is what goxmldsig's verifier would: each element's
// attributes sorted with goxmldsig's own order (etreeutils.SortedAttrs,
// with sort.Sort, as goxmldsig sorts them), a namespace declaration
// dropped when an ancestor's already binds the prefix (or the default) to
// the same name, xmlns="" dropped where no default namespace is in scope,
// comments dropped, everything else written by etree's own WriteTo with
// goxmldsig's settings (text that needs no escape straight, see
// writeCharData), end tags always written. TestCanonicalMatchesGoxmldsig
// and FuzzCanonical compare the two. Where goxmldsig departs from the
// C14N recommendation (prefixed attributes of different namespaces are
// ordered by local name rather than by namespace name first), this
// follows goxmldsig, whose bytes Verify checks and Sign always signed.
func writeCanonical(w etree.Writer, el *etree.Element) {
	c := c14nWriter{w: w}
	c.element(el, nil)
}

// canonical returns el, an element anywhere in its tree, in inclusive C14N
// 1.0 without comments, without the elements in skip (the
// enveloped-signature transform): the bytes goxmldsig's
// MakeC14N10RecCanonicalizer().Canonicalize returns for a copy of el
// without them. What el inherits from its ancestors (namespace
// declarations, xml:* attributes) is written on its start tag, as
// goxmldsig does (inheritedAttrs). TestCanonicalMatchesGoxmldsig and
// FuzzCanonical compare the two on every element of their documents.
func canonical(el *etree.Element, skip []*etree.Element) []byte {
	var ancestors [][]etree.Attr
	for p := el.Parent(); p != nil; p = p.Parent() {
		ancestors = append(ancestors, p.Attr)
	}
	slices.Reverse(ancestors)
	var buf bytes.Buffer
	c := c14nWriter{w: &buf, skip: skip}
	c.element(el, inheritedAttrs(ancestors...))
	return buf.Bytes()
}

// c14nWriter is the state of one canonicalization.
type c14nWriter struct {
	w etree.Writer
	// attrs is the scratch slice one start tag's attributes are sorted in.
	attrs []etree.Attr
	// scope holds the namespace declarations written so far by the
	// elements still open, innermost last: goxmldsig's seenSoFar map as
	// a stack.
	scope []etree.Attr
	// skip are elements left out, with their content.
	skip []*etree.Element
}

// element writes el, with the inherited attributes extra on its start
// tag (see startTag), and its content.
func (c *c14nWriter) element(el *etree.Element, extra []etree.Attr) {
	mark := len(c.scope)
	c.startTag(el.Space, el.Tag, el.Attr, extra)
	for _, t := range el.Child {
		switch t := t.(type) {
		case *etree.Element:
			if !slices.Contains(c.skip, t) {
				c.element(t, nil)
			}
		case *etree.Comment:
		case *etree.CharData:
			writeCharData(c.w, t, &c14nSettings)
		default:
			t.WriteTo(c.w, &c14nSettings)
		}
	}
	c.writeName('/', el.Space, el.Tag)
	c.scope = c.scope[:mark]
}

// startTag writes the start tag of an element space:tag with attributes
// attrs and leaves the namespace declarations it writes in c.scope. extra
// are attributes the element is written with besides its own (what it
// inherits from ancestors outside the output), added as goxmldsig's
// CreateAttr adds them: replacing an attribute of the same name, else
// appended.
func (c *c14nWriter) startTag(space, tag string, attrs, extra []etree.Attr) {
	c.attrs = append(c.attrs[:0], attrs...)
	for _, x := range extra {
		replaced := false
		for i := range c.attrs {
			if c.attrs[i].Space == x.Space && c.attrs[i].Key == x.Key {
				c.attrs[i].Value, replaced = x.Value, true
				break
			}
		}
		if !replaced {
			c.attrs = append(c.attrs, x)
		}
	}
	if len(c.attrs) > 1 {
		sort.Sort(etreeutils.SortedAttrs(c.attrs))
	}
	c.writeName('<', space, tag)
	for i := range c.attrs {
		a := &c.attrs[i]
		switch {
		case a.Space == "xmlns":
			if uri, seen := c.bound(a.Space, a.Key); seen && uri == a.Value {
				continue
			}
			c.scope = append(c.scope, *a)
		case a.Space == "" && a.Key == "xmlns":
			// Unseen, the default namespace is "": xmlns="" is dropped.
			if uri, _ := c.bound("", "xmlns"); uri == a.Value {
				continue
			}
			c.scope = append(c.scope, *a)
		}
		c.w.WriteByte(' ')
		a.WriteTo(c.w, &c14nSettings)
	}
	c.w.WriteByte('>')
}

// bound returns the namespace name the innermost written declaration of
// the attribute space:key gives, and whether there is one.
func (c *c14nWriter) bound(space, key string) (string, bool) {
	for i := len(c.scope) - 1; i >= 0; i-- {
		if a := c.scope[i]; a.Space == space && a.Key == key {
			return a.Value, true
		}
	}
	return "", false
}

// writeName writes "<name" for a start tag (kind '<') or "</name>" for
// an end tag (kind '/').
func (c *c14nWriter) writeName(kind byte, space, tag string) {
	if kind == '/' {
		writeEndTag(c.w, space, tag)
		return
	}
	c.w.WriteByte('<')
	writeQName(c.w, space, tag)
}

// inheritedAttrs is what goxmldsig's C14N 1.0 carries onto an element
// from ancestors that are not in the output (their attributes given
// outermost first): every namespace declaration in scope but the xml
// prefix's own, and the xml:* attributes, the innermost winning. Its order
// does not matter: sorting puts these attributes in one order whatever it is.
func inheritedAttrs(ancestors ...[]etree.Attr) []etree.Attr {
	var out []etree.Attr
	set := func(a etree.Attr) {
		for i := range out {
			if out[i].Space == a.Space && out[i].Key == a.Key {
				out[i].Value = a.Value
				return
			}
		}
		out = append(out, etree.Attr{Space: a.Space, Key: a.Key, Value: a.Value})
	}
	for _, attrs := range ancestors {
		for _, a := range attrs {
			switch {
			case a.Space == "xmlns" && a.Key == "xmlns", a.Space == "" && a.Key == "xmlns":
				// goxmldsig keys declarations by prefix, the default's
				// by "xmlns", and writes that key back as the default.
				set(etree.Attr{Key: "xmlns", Value: a.Value})
			case a.Space == "xmlns" && (a.Key != "xml" || a.Value != xmlNamespace), a.Space == "xml":
				set(a)
			}
		}
	}
	return out
}

// hashWriter is an etree.Writer into a hash, through a buffer.
type hashWriter struct {
	h   gohash.Hash
	n   int
	buf [2 << 10]byte
}

// newHashWriter hashes with the digest method, one methodFor returns.
func newHashWriter(digestMethod string) *hashWriter {
	w := &hashWriter{}
	switch digestMethod {
	case SHA256:
		w.h = sha256.New()
	case Streebog512:
		w.h = gost.New512()
	case GOSTR341194Test:
		w.h = gost.New341194()
	default:
		panic("xmlsig: no hash for " + digestMethod)
	}
	return w
}

func (w *hashWriter) Write(p []byte) (int, error) {
	if w.n+len(p) > len(w.buf) {
		w.flush()
		if len(p) > len(w.buf) {
			return w.h.Write(p)
		}
	}
	w.n += copy(w.buf[w.n:], p)
	return len(p), nil
}

func (w *hashWriter) WriteString(s string) (int, error) {
	if w.n+len(s) > len(w.buf) {
		w.flush()
		if len(s) > len(w.buf) {
			return w.h.Write([]byte(s))
		}
	}
	w.n += copy(w.buf[w.n:], s)
	return len(s), nil
}

func (w *hashWriter) WriteByte(b byte) error {
	if w.n == len(w.buf) {
		w.flush()
	}
	w.buf[w.n] = b
	w.n++
	return nil
}

func (w *hashWriter) flush() {
	w.h.Write(w.buf[:w.n])
	w.n = 0
}

// sum returns the digest of everything written.
func (w *hashWriter) sum() []byte {
	w.flush()
	return w.h.Sum(nil)
}

// reset empties the hash for another document.
func (w *hashWriter) reset() {
	w.h.Reset()
	w.n = 0
}

// writeCharData writes cd as cd.WriteTo(w, s) does, without etree's
// decoding of every rune where the text needs no escape, as the text of
// most documents does not.
func writeCharData(w etree.Writer, cd *etree.CharData, s *etree.WriteSettings) {
	escapes := &textEscapes
	if s.CanonicalText {
		escapes = &canonicalTextEscapes
	}
	if cd.IsCData() || !plain(cd.Data, escapes) {
		cd.WriteTo(w, s)
		return
	}
	w.WriteString(cd.Data)
}

// asciiSet is a set of ASCII bytes.
type asciiSet [utf8.RuneSelf]bool

// The ASCII bytes etree's escapeString rewrites in text, in its normal and
// canonical modes: the characters it escapes, and the control characters
// XML does not allow (written U+FFFD).
var textEscapes, canonicalTextEscapes = escapeSet("&<>'\""), escapeSet("&<>\r")

func escapeSet(escaped string) asciiSet {
	var set asciiSet
	for b := range byte(0x20) {
		set[b] = b != '\t' && b != '\n' && b != '\r'
	}
	for _, b := range []byte(escaped) {
		set[b] = true
	}
	return set
}

// plain reports whether etree's escapeString writes s as it is: no byte
// of escapes, valid UTF-8 (an invalid byte becomes U+FFFD), and neither
// U+FFFE nor U+FFFF, the only characters beyond ASCII that valid UTF-8
// encodes and XML does not allow. Two-byte sequences (Cyrillic, Kazakh)
// are checked inline; longer ones are decoded.
func plain(s string, escapes *asciiSet) bool {
	for i := 0; i < len(s); {
		switch b := s[i]; {
		case b < utf8.RuneSelf:
			if (*escapes)[b] {
				return false
			}
			i++
		case 0xc2 <= b && b < 0xe0 && i+1 < len(s) && s[i+1]&0xc0 == 0x80:
			i += 2 // U+0080 to U+07FF
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 || r == 0xfffe || r == 0xffff {
				return false
			}
			i += n
		}
	}
	return true
}
