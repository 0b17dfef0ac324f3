package agreement

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/beevik/etree"
)

const dateLayout = "2006-01-02"

// XML renders the agreement as its deterministic document: the same
// agreement gives the same bytes, always.
func (a *Agreement) XML() ([]byte, error) {
	doc, err := a.tree()
	if err != nil {
		return nil, err
	}
	return doc.WriteToBytes()
}

// tree builds the document XML renders, indented by two spaces exactly as
// etree's Document.Indent(2) indents it (the golden files hold the bytes),
// but as it is built: Indent would rebuild every element's children again.
func (a *Agreement) tree() (*etree.Document, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	w := texts[a.Lang]
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	root := child(&doc.Element, 0, "agreement")
	root.CreateAttr("xmlns", Namespace)
	root.CreateAttr("version", Version)
	root.CreateAttr("kind", a.Kind.String())
	root.CreateAttr("lang", string(a.Lang))
	child(root, 1, "title").SetText(w.title)
	for _, s := range w.sections {
		el := child(root, 1, "section")
		el.CreateAttr("title", s.title)
		for _, p := range s.paras {
			child(el, 2, "p").SetText(p)
		}
		end(el, 2)
	}
	p := child(root, 1, "participant")
	p.CreateAttr("title", w.requisites)
	field := func(parent *etree.Element, depth int, tag, value string) {
		el := child(parent, depth, tag)
		el.CreateAttr("label", w.labels[tag])
		el.SetText(value)
	}
	r := a.Requisites
	field(p, 2, "category", w.kinds[a.Kind])
	field(p, 2, "iin", r.IIN)
	field(p, 2, "fullName", r.FullName)
	id := child(p, 2, "idDocument")
	id.CreateAttr("label", w.labels["idDocument"])
	field(id, 3, "number", r.IDDocumentNumber)
	field(id, 3, "issuer", r.IDDocumentIssuer)
	field(id, 3, "issueDate", r.IDDocumentIssueDate.Format(dateLayout))
	end(id, 3)
	field(p, 2, "address", r.Address)
	if a.Kind == LegalEntity {
		field(p, 2, "bin", r.BIN)
		field(p, 2, "name", r.CompanyName)
		field(p, 2, "actingOnBasisOf", r.ActingOnBasisOf)
	}
	end(p, 2)
	child(root, 1, "acceptance").SetText(a.Acceptance())
	field(root, 1, "date", a.Date.Format(dateLayout))
	end(root, 1)
	end(&doc.Element, 0)
	return doc, nil
}

// indentation is a line feed and the spaces of the deepest line.
const indentation = "\n          "

// child appends an element called tag, at depth (the document element
// is at 0), to parent, on a line of its own.
func child(parent *etree.Element, depth int, tag string) *etree.Element {
	parent.CreateText(indentation[:1+2*depth])
	return parent.CreateElement(tag)
}

// end puts the end tag of parent, whose children are at depth, on a line
// of its own.
func end(parent *etree.Element, depth int) {
	parent.CreateText(indentation[:1+2*max(depth-1, 0)])
}

// ErrNotAgreement reports a document that is not an agreement of this
// package's structure.
var ErrNotAgreement = errors.New("agreement: not an agreement document")

// Parse reads an agreement document (signed or not) back into an
// Agreement. After Verify, parse only Verified.Signed: the signed bytes.
func Parse(data []byte) (*Agreement, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotAgreement, err)
	}
	root := doc.Root()
	a, err := readAgreement(root)
	if err != nil {
		return nil, err
	}
	// The wording must be this package's, so that what was signed is what
	// the agreement says (a document with other terms is not accepted):
	// the tree XML would render, compared as it is built.
	want, err := a.tree()
	if err != nil {
		return nil, err
	}
	if !sameText(want.Root(), root) {
		return nil, fmt.Errorf("%w: its wording differs from the agreement's", ErrNotAgreement)
	}
	return a, nil
}

// readAgreement reads the agreement root states, without comparing its
// wording with the package's.
func readAgreement(root *etree.Element) (*Agreement, error) {
	if root == nil || root.Tag != "agreement" || root.NamespaceURI() != Namespace {
		return nil, fmt.Errorf("%w: the document element is not {%s}agreement", ErrNotAgreement, Namespace)
	}
	if v := root.SelectAttrValue("version", ""); v != Version {
		return nil, fmt.Errorf("%w: version %q, this package reads %q", ErrNotAgreement, v, Version)
	}
	a := &Agreement{Lang: Lang(root.SelectAttrValue("lang", ""))}
	var err error
	if a.Kind, err = ParseKind(root.SelectAttrValue("kind", "")); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotAgreement, err)
	}
	p := one(root, "participant")
	if p == nil {
		return nil, fmt.Errorf("%w: no participant", ErrNotAgreement)
	}
	text := func(parent *etree.Element, tag string) string {
		if el := one(parent, tag); el != nil {
			return el.Text()
		}
		return ""
	}
	r := &a.Requisites
	r.IIN = text(p, "iin")
	r.FullName = text(p, "fullName")
	if id := one(p, "idDocument"); id != nil {
		r.IDDocumentNumber = text(id, "number")
		r.IDDocumentIssuer = text(id, "issuer")
		if s := text(id, "issueDate"); s != "" {
			if r.IDDocumentIssueDate, err = time.Parse(dateLayout, s); err != nil {
				return nil, fmt.Errorf("%w: idDocument issueDate %q", ErrNotAgreement, s)
			}
		}
	}
	r.Address = text(p, "address")
	r.BIN = text(p, "bin")
	r.CompanyName = text(p, "name")
	r.ActingOnBasisOf = text(p, "actingOnBasisOf")
	if s := text(root, "date"); s != "" {
		if a.Date, err = time.Parse(dateLayout, s); err != nil {
			return nil, fmt.Errorf("%w: date %q", ErrNotAgreement, s)
		}
	}
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotAgreement, err)
	}
	return a, nil
}

// one returns the only child element named tag, or nil when there is none
// or more than one.
func one(parent *etree.Element, tag string) *etree.Element {
	var found *etree.Element
	for _, c := range parent.ChildElements() {
		if c.Tag == tag {
			if found != nil {
				return nil
			}
			found = c
		}
	}
	return found
}

// sameText reports whether two elements have the same names, attributes
// and text, ignoring attribute order and the whitespace around text.
func sameText(a, b *etree.Element) bool {
	if a.Tag != b.Tag || a.Space != b.Space || len(a.Attr) != len(b.Attr) || trimmed(a) != trimmed(b) {
		return false
	}
	// Canonicalization sorts attributes: compare them as sets.
	for _, x := range a.Attr {
		if y := b.SelectAttr(x.FullKey()); y == nil || y.Value != x.Value {
			return false
		}
	}
	ac, bc := a.ChildElements(), b.ChildElements()
	if len(ac) != len(bc) {
		return false
	}
	for i := range ac {
		if !sameText(ac[i], bc[i]) {
			return false
		}
	}
	return true
}

func trimmed(el *etree.Element) string {
	var s strings.Builder
	for _, t := range el.Child {
		if cd, ok := t.(*etree.CharData); ok {
			s.WriteString(cd.Data)
		}
	}
	return strings.TrimSpace(s.String())
}
