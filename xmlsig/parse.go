package xmlsig

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"

	"github.com/beevik/etree"
)

const (
	maxDepth  = 256
	maxTokens = 1 << 20
)

// scan checks the raw document before anything else reads it: size,
// well-formedness, and none of the constructs a signed document may not
// carry (DTD, entity declarations, processing instructions other than the
// XML declaration). It returns the offsets of the document element's
// start tag and of the end of its end tag.
func scan(doc []byte, maxSize int) (rootStart, rootEnd int, err error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	if len(doc) > maxSize {
		return 0, 0, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, len(doc), maxSize)
	}
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	depth, tokens, roots := 0, 0, 0
	rootStart, rootEnd = -1, -1
	for {
		before := int(d.InputOffset())
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, 0, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		if tokens++; tokens > maxTokens {
			return 0, 0, fmt.Errorf("%w: more than %d XML tokens", ErrTooLarge, maxTokens)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return 0, 0, fmt.Errorf("%w: <!%s…> (DTDs and entity declarations are not accepted)", ErrForbidden, firstWord(t))
		case xml.ProcInst:
			if t.Target != "xml" || tokens != 1 {
				return 0, 0, fmt.Errorf("%w: processing instruction <?%s?>", ErrForbidden, t.Target)
			}
		case xml.StartElement:
			if depth == 0 {
				if roots++; roots > 1 {
					return 0, 0, fmt.Errorf("%w: more than one document element", ErrMalformed)
				}
				rootStart = before
			}
			if depth++; depth > maxDepth {
				return 0, 0, fmt.Errorf("%w: elements nested deeper than %d", ErrMalformed, maxDepth)
			}
		case xml.EndElement:
			if depth--; depth == 0 {
				rootEnd = int(d.InputOffset())
			}
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return 0, 0, fmt.Errorf("%w: text outside the document element", ErrMalformed)
			}
		}
	}
	if roots == 0 || rootEnd < 0 {
		return 0, 0, fmt.Errorf("%w: no document element", ErrMalformed)
	}
	return rootStart, rootEnd, nil
}

func firstWord(b []byte) string {
	if i := bytes.IndexAny(b, " \t\r\n"); i > 0 {
		return string(b[:i])
	}
	return string(b)
}

// parse scans and then builds the tree.
func parse(doc []byte, maxSize int) (*etree.Document, error) {
	if _, _, err := scan(doc, maxSize); err != nil {
		return nil, err
	}
	tree := etree.NewDocument()
	if err := tree.ReadFromBytes(doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if tree.Root() == nil {
		return nil, fmt.Errorf("%w: no document element", ErrMalformed)
	}
	return tree, nil
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
		for _, c := range el.ChildElements() {
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
