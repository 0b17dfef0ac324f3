package cms

import (
	"encoding/asn1"
	"slices"
	"time"
)

// DER tags Sign writes.
const (
	tagInteger     = 0x02
	tagOctetString = 0x04
	tagNull        = 0x05
	tagUTCTime     = 0x17
	tagGenTime     = 0x18
	tagSequence    = 0x30
	tagSet         = 0x31
	tagContext0    = 0xa0 // [0], constructed
)

// node is a DER element to write: a tag with children, or (tag 0) bytes
// already encoded. The whole tree is measured first and written once, so
// the content of an attached CMS is copied once.
type node struct {
	tag  byte
	raw  []byte // tag 0: written as they are; otherwise a primitive's contents
	kids []node
}

func seq(kids ...node) node              { return node{tag: tagSequence, kids: kids} }
func explicit0(kids ...node) node        { return node{tag: tagContext0, kids: kids} }
func prim(tag byte, content []byte) node { return node{tag: tag, raw: content} }
func encoded(der []byte) node            { return node{raw: der} }

// contentLen is the length of the contents octets.
func (n node) contentLen() int {
	if n.kids == nil {
		return len(n.raw)
	}
	l := 0
	for _, k := range n.kids {
		l += k.size()
	}
	return l
}

func (n node) size() int {
	if n.tag == 0 {
		return len(n.raw)
	}
	l := n.contentLen()
	return 1 + lengthSize(l) + l
}

func lengthSize(l int) int {
	n := 1
	if l >= 0x80 {
		for v := l; v > 0; v >>= 8 {
			n++
		}
	}
	return n
}

func (n node) appendTo(b []byte) []byte {
	if n.tag == 0 {
		return append(b, n.raw...)
	}
	b = append(b, n.tag)
	b = appendLength(b, n.contentLen())
	if n.kids == nil {
		return append(b, n.raw...)
	}
	for _, k := range n.kids {
		b = k.appendTo(b)
	}
	return b
}

// bytes encodes the tree.
func (n node) bytes() []byte { return n.appendTo(make([]byte, 0, n.size())) }

func appendLength(b []byte, l int) []byte {
	if l < 0x80 {
		return append(b, byte(l))
	}
	n := lengthSize(l) - 1
	b = append(b, 0x80|byte(n))
	for i := n - 1; i >= 0; i-- {
		b = append(b, byte(l>>(8*i)))
	}
	return b
}

// setOf is a DER SET OF: its elements' encodings in ascending order
// (X.690 §11.6), as NCA's tools write signed attributes.
func setOf(elems ...[]byte) node {
	sorted := slices.Clone(elems)
	slices.SortStableFunc(sorted, compareDER)
	kids := make([]node, len(sorted))
	for i, e := range sorted {
		kids[i] = encoded(e)
	}
	return node{tag: tagSet, kids: kids}
}

// compareDER orders two encodings as X.690 §11.6 does: as octet strings,
// the shorter padded at its end with zero octets.
func compareDER(a, b []byte) int {
	for i := range max(len(a), len(b)) {
		var x, y byte
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			return int(x) - int(y)
		}
	}
	return 0
}

// oid encodes an object identifier of this package's tables, which
// always encode.
func oid(o asn1.ObjectIdentifier) node {
	b, err := asn1.Marshal(o)
	if err != nil {
		panic("cms: bad built-in OID " + o.String()) // unreachable: the OIDs are constants
	}
	return encoded(b)
}

// algorithmID is an AlgorithmIdentifier with NULL parameters, as NCA
// writes its digest and signature algorithms.
func algorithmID(o asn1.ObjectIdentifier) node {
	return seq(oid(o), prim(tagNull, []byte{}))
}

// timeValue is a signingTime value: UTCTime for the years 1950 to 2049,
// GeneralizedTime otherwise (RFC 5652 §11.3), in UTC to the second.
func timeValue(t time.Time) node {
	t = t.UTC()
	if y := t.Year(); y >= 1950 && y < 2050 {
		return prim(tagUTCTime, []byte(t.Format("060102150405Z")))
	}
	return prim(tagGenTime, []byte(t.Format("20060102150405Z")))
}
