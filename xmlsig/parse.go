package xmlsig

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/beevik/etree"
)

const (
	maxDepth  = 256
	maxTokens = 1 << 20
)

// The namespaces Namespaces in XML reserves for its own prefixes.
const (
	xmlNamespace   = "http://www.w3.org/XML/1998/namespace"
	xmlnsNamespace = "http://www.w3.org/2000/xmlns/"
)

// utf8BOM is the UTF-8 byte-order mark, which may start a document.
const utf8BOM = "\xef\xbb\xbf"

// layout is where scan found the parts of a document, as offsets into it.
type layout struct {
	bom       int // length of the UTF-8 byte-order mark: 0 or 3
	rootStart int // the document element's start tag
	rootEnd   int // just after the document element's end tag
	// xmlDeclared: somewhere the xml prefix is declared, to its own
	// namespace: see dropXMLDeclarations.
	xmlDeclared bool
}

// scan checks the raw document before anything else reads it: size,
// well-formedness (XML 1.0 and Namespaces in XML: what encoding/xml lets
// through is checked here, in the same pass over its tokens), and none of
// the constructs a signed document may not carry (DTD, entity
// declarations, processing instructions other than the XML declaration).
// In the same pass it builds into tree (when not nil) what
// etree.Document.ReadFromBytes would read from the document without its
// byte-order mark: one tokenization instead of two. The tree is only
// meant for use when scan returns no error.
//
// The tokens are strict encoding/xml's RawToken's. fastTokens reads the
// same ones from the documents signers write (TestFastTokens,
// FuzzFastTokens); at the first byte outside what it reads, scan starts
// again with encoding/xml, so a document reads, or fails, as it did with
// encoding/xml alone.
func scan(doc []byte, maxSize int, tree *etree.Document) (layout, error) {
	var l layout
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	if len(doc) > maxSize {
		return l, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, len(doc), maxSize)
	}
	bom, err := byteOrderMark(doc)
	if err != nil {
		return l, err
	}
	l.bom = bom
	body := doc[bom:]
	if err := checkXMLDecl(body); err != nil {
		return l, err
	}
	l, err = scanTokens(body, bom, &fastTokens{data: body}, tree)
	if errors.Is(err, errUnsupported) {
		// Outside what fastTokens reads: encoding/xml, from the start.
		if tree != nil {
			tree.Child = nil
		}
		d := xml.NewDecoder(bytes.NewReader(body))
		d.Strict = true
		l, err = scanTokens(body, bom, stdTokens{d: d, body: body}, tree)
	}
	return l, err
}

// scanTokens is scan's pass over the tokens of body, the document after
// its byte-order mark of bom bytes.
func scanTokens(body []byte, bom int, src tokenSource, tree *etree.Document) (layout, error) {
	l := layout{bom: bom}
	var (
		// Room for the depth and declarations of ordinary documents.
		names  [16]xml.Name
		marks  [16]int
		scope  [8]binding
		open   = names[:0] // the elements not yet closed
		ns     = namespaces{marks: marks[:0], scope: scope[:0]}
		tokens int
		roots  int
	)
	rootStart, rootEnd := -1, -1
	var b treeBuilder
	if tree != nil {
		b.open = append(b.stack[:0], &tree.Element)
	}
	for {
		tok, before, after, err := src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return l, err
		}
		if tokens++; tokens > maxTokens {
			return l, fmt.Errorf("%w: more than %d XML tokens", ErrTooLarge, maxTokens)
		}
		raw := body[before:after]
		switch t := tok.(type) {
		case xml.Directive:
			return l, fmt.Errorf("%w: <!%s…> (DTDs and entity declarations are not accepted)", ErrForbidden, firstWord(t))
		case xml.ProcInst:
			switch {
			case t.Target == "xml" && before == 0:
				// The XML declaration, checked by checkXMLDecl.
				b.procInst(t)
			case t.Target == "xml":
				return l, fmt.Errorf("%w: an XML declaration not at the start of the document", ErrMalformed)
			case strings.EqualFold(t.Target, "xml"):
				return l, fmt.Errorf("%w: processing instruction target %q (reserved; the XML declaration is written <?xml)", ErrMalformed, t.Target)
			default:
				return l, fmt.Errorf("%w: processing instruction <?%s?>", ErrForbidden, t.Target)
			}
		case xml.StartElement:
			if len(open) == 0 {
				if roots++; roots > 1 {
					return l, fmt.Errorf("%w: more than one document element", ErrMalformed)
				}
				rootStart = bom + before
			}
			if len(open) >= maxDepth {
				return l, fmt.Errorf("%w: elements nested deeper than %d", ErrMalformed, maxDepth)
			}
			if err := checkStartTag(raw, t); err != nil {
				return l, err
			}
			if err := ns.enter(t); err != nil {
				return l, err
			}
			open = append(open, t.Name)
			b.start(t)
		case xml.EndElement:
			if len(open) == 0 {
				return l, fmt.Errorf("%w: end tag </%s> without a start tag", ErrMalformed, qname(t.Name))
			}
			if start := open[len(open)-1]; start != t.Name {
				return l, fmt.Errorf("%w: end tag </%s> closes <%s>", ErrMalformed, qname(t.Name), qname(start))
			}
			open = open[:len(open)-1]
			ns.leave()
			b.end()
			if len(open) == 0 {
				rootEnd = bom + after
			}
		case xml.CharData:
			if len(open) == 0 {
				if err := checkOutside(raw); err != nil {
					return l, err
				}
			} else if !bytes.HasPrefix(raw, cdataStart) && bytes.IndexByte(raw, '&') >= 0 {
				if err := checkCharRefs(raw); err != nil {
					return l, fmt.Errorf("%w: %v in the text of <%s>", ErrMalformed, err, qname(open[len(open)-1]))
				}
			}
			b.text(t)
		case xml.Comment:
			if err := checkChars(t); err != nil {
				return l, fmt.Errorf("%w: %v in a comment", ErrMalformed, err)
			}
			b.comment(t)
		}
	}
	if len(open) > 0 {
		return l, fmt.Errorf("%w: <%s> is not closed", ErrMalformed, qname(open[len(open)-1]))
	}
	if roots == 0 || rootEnd < 0 {
		return l, fmt.Errorf("%w: no document element", ErrMalformed)
	}
	l.rootStart, l.rootEnd, l.xmlDeclared = rootStart, rootEnd, ns.xmlDeclared
	return l, nil
}

func firstWord(b []byte) string {
	if i := bytes.IndexAny(b, " \t\r\n"); i > 0 {
		return string(b[:i])
	}
	return string(b)
}

// parse scans the document and returns its tree.
func parse(doc []byte, maxSize int) (*etree.Document, layout, error) {
	tree := etree.NewDocument()
	l, err := scan(doc, maxSize, tree)
	if err != nil {
		return nil, l, err
	}
	if tree.Root() == nil {
		return nil, l, fmt.Errorf("%w: no document element", ErrMalformed)
	}
	if l.xmlDeclared {
		dropXMLDeclarations(tree.Root())
	}
	return tree, l, nil
}

// treeBuilder builds scan's tree from its tokens as etree's reader does:
// names with their prefixes as read, attributes in order (a repeated one
// keeps its place and takes the last value), character data flagged as
// whitespace when it is only that, CDATA sections as plain text. With no
// tree, each method does nothing.
type treeBuilder struct {
	open  []*etree.Element // the document, then the elements not yet closed
	stack [16]*etree.Element
}

func (b *treeBuilder) top() *etree.Element {
	if len(b.open) == 0 {
		return nil
	}
	return b.open[len(b.open)-1]
}

func (b *treeBuilder) start(t xml.StartElement) {
	parent := b.top()
	if parent == nil {
		return
	}
	el := parent.CreateElement(t.Name.Local)
	el.Space = t.Name.Space
	for _, a := range t.Attr {
		key := a.Name.Local
		if a.Name.Space != "" {
			key = a.Name.Space + ":" + key
		}
		el.CreateAttr(key, a.Value)
	}
	b.open = append(b.open, el)
}

func (b *treeBuilder) end() {
	if len(b.open) > 1 {
		b.open = b.open[:len(b.open)-1]
	}
}

func (b *treeBuilder) text(t xml.CharData) {
	if parent := b.top(); parent != nil {
		// SetData, not CreateText alone, marks whitespace as etree's
		// reader does.
		parent.CreateText("").SetData(string(t))
	}
}

func (b *treeBuilder) comment(t xml.Comment) {
	if parent := b.top(); parent != nil {
		parent.CreateComment(string(t))
	}
}

func (b *treeBuilder) procInst(t xml.ProcInst) {
	if parent := b.top(); parent != nil {
		parent.CreateProcInst(t.Target, string(t.Inst))
	}
}

// isDS reports whether el is the XML Signature element called tag.
func isDS(el *etree.Element, tag string) bool {
	return el.Tag == tag && el.NamespaceURI() == Namespace
}

// signatures returns the ds:Signature children of the document element,
// and refuses a ds:Signature anywhere else.
func signatures(root *etree.Element) ([]*etree.Element, error) {
	var sigs []*etree.Element
	var walk func(el *etree.Element, depth int) error
	walk = func(el *etree.Element, depth int) error {
		for _, t := range el.Child {
			c, ok := t.(*etree.Element)
			if !ok {
				continue
			}
			if isDS(c, "Signature") {
				if depth != 0 {
					return fmt.Errorf("%w: a signature inside <%s>, not a child of the document element", ErrMalformed, el.Tag)
				}
				sigs = append(sigs, c)
				continue
			}
			if err := walk(c, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if isDS(root, "Signature") {
		return nil, fmt.Errorf("%w: the document element is itself a signature", ErrMalformed)
	}
	if err := walk(root, 0); err != nil {
		return nil, err
	}
	return sigs, nil
}

// children returns el's element children and refuses non-whitespace text
// between them (a signature's structure has no text).
func children(el *etree.Element) ([]*etree.Element, error) {
	for _, t := range el.Child {
		switch c := t.(type) {
		case *etree.CharData:
			if len(bytes.TrimSpace([]byte(c.Data))) > 0 {
				return nil, fmt.Errorf("%w: text inside <%s>", ErrMalformed, el.Tag)
			}
		case *etree.Comment:
			return nil, fmt.Errorf("%w: a comment inside <%s>", ErrMalformed, el.Tag)
		}
	}
	return el.ChildElements(), nil
}

// expect checks that els are exactly the ds: elements named, in order.
func expect(parent string, els []*etree.Element, tags ...string) error {
	if len(els) != len(tags) {
		return fmt.Errorf("%w: <%s> has %d elements, want %v", ErrMalformed, parent, len(els), tags)
	}
	for i, el := range els {
		if !isDS(el, tags[i]) {
			return fmt.Errorf("%w: <%s> holds <%s> where ds:%s belongs", ErrMalformed, parent, el.FullTag(), tags[i])
		}
	}
	return nil
}

var errEmpty = errors.New("empty")
