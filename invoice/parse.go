package invoice

import (
	"reflect"
	"strconv"
)

// Parse reads an invoice body (the text of invoiceBody: a bare
// {v2.esf}invoice element, with or without an XML declaration) into an
// Invoice. It is strict: the body must pass Check, whose errors it returns
// (errors.Join of *CheckError; a body over MaxBodySize is refused unread).
// It never panics, whatever the input.
//
// Values are kept as written (a Decimal "1200.50" stays "1200.50"), except
// that xs:decimal, xs:int and xs:boolean values lose the white space around
// them, and an optional element that is empty reads as absent.
func Parse(body []byte) (*Invoice, error) {
	schemas()
	root, err := check(body, invoiceDecl, MaxBodySize, true)
	if err != nil {
		return nil, err
	}
	inv := new(Invoice)
	decode(reflect.ValueOf(inv).Elem(), root)
	return inv, nil
}

// decode fills the struct v from a checked element's children. The tree
// was checked against the declarations compiled from v's type, so every
// child names a field of v and every value parses.
func decode(v reflect.Value, n *node) {
	for _, k := range n.kids {
		f := v.Field(k.d.field)
		if k.d.item != nil {
			items := reflect.MakeSlice(f.Type(), len(k.kids), len(k.kids))
			for i, it := range k.kids {
				decodeValue(items.Index(i), it)
			}
			f.Set(items)
			continue
		}
		decodeValue(f, k)
	}
}

// decodeValue sets v (a field or a slice element) from one element.
func decodeValue(v reflect.Value, n *node) {
	if v.Kind() == reflect.Pointer {
		p := reflect.New(v.Type().Elem())
		v.Set(p)
		v = p.Elem()
	}
	if n.d.simple == nil {
		decode(v, n)
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(n.text)
	case reflect.Int, reflect.Int64:
		x, _ := strconv.ParseInt(n.text, 10, 64)
		v.SetInt(x)
	case reflect.Bool:
		v.SetBool(n.text == "true" || n.text == "1")
	}
}
