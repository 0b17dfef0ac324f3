package xmlsig

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/internal/testref"
)

// c14nDocs are documents the fast writers (writeCanonical, serialize,
// writeCharData) must write exactly as goxmldsig and etree do: namespace
// declarations redundant, undeclared, redeclared and inherited; the xml
// namespace declared; attributes in every order goxmldsig sorts, with its
// ties; text and attribute values that need escapes, character
// references, CDATA, comments, non-ASCII text; an empty document element.
var c14nDocs = []string{
	`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<authSign xmlns:x="urn:example"><timeMark>1700000000000</timeMark><state>ok</state></authSign>` + "\n",
	`<root/>`,
	`<r a="1" xmlns="urn:x"/>`,
	`<r xmlns="urn:a"><!-- note --><v a="1" b="2">x &amp; y</v></r>`,
	`<r xmlns="urn:a" xmlns:p="urn:p" xml:lang="ru"><p:c p:x="1" x="2" xmlns:q="urn:q" q:x="3"><d xmlns="" xmlns:p="urn:p">t</d><e xmlns:p="urn:p2" p:y="&#9;&#10;&#13;&lt;&quot;&gt;&amp;'">a&#13;b&gt;c"'</e></p:c></r>`,
	`<r xmlns:ds="http://other"><ds:x>1</ds:x></r>`,
	`<r><![CDATA[a<b]]>&#x20AC;<![CDATA[]]]]><![CDATA[>]]></r>`,
	`<r z="1" a="2" xmlns:b="urn:b" xmlns:a="urn:a" b:k="1" a:k="2"/>`,
	`<r xmlns:b="urn:1" xmlns:a="urn:2"><c b:k="1" a:k="2" a:j="3" xml:k="4"/></r>`,
	`<a xmlns="u1"><b xmlns="u1"><c xmlns="u2"><d xmlns="u1"/><e xmlns=""/></c></b></a>`,
	`<r xmlns=""><a xmlns="urn:1"><b xmlns=""/></a></r>`,
	`<r xmlns:xml="http://www.w3.org/XML/1998/namespace" xml:space="preserve"><c xml:lang="kk"/></r>`,
	"<!-- c -->\n<r>x</r>\n<!-- d -->\n",
	"<r a='x\ty\nz' b=\"&#9;&#10;&#13;\">  \r\n&#13;&#xD;</r>",
	"<r>\u00e9\u0416\u04d9\U0001F600\uFFFD&#xFFFD;\u07ff\u0800\ud7ff\ue000</r>",
	`<agreement xmlns="urn:esfkit:esf:agreement:v1" version="1" kind="legal-entity" lang="ru"><name label="Наименование">АО &quot;ТЕСТ&quot;</name></agreement>`,
	"<a xmlns=\"urn:d\" xmlns:p=\"urn:p\" xml:lang=\"kk\" p:x=\"1\"><b/>\n<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" xml:space=\"preserve\">\n<ds:SignedInfo xmlns:p=\"urn:p\"><ds:CanonicalizationMethod Algorithm=\"x\"/><c xmlns=\"\" xml:lang=\"ru\">t</c></ds:SignedInfo></ds:Signature><!-- after --></a>",
}

// TestCanonicalMatchesGoxmldsig: writeCanonical writes what goxmldsig's
// C14N 1.0 (which Verify uses) does, and serialize what etree does.
func TestCanonicalMatchesGoxmldsig(t *testing.T) {
	for i, doc := range c14nDocs {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			tree, _, err := parse([]byte(doc), 0)
			require.NoError(t, err)
			checkWriters(t, tree)
		})
	}
}

// checkWriters compares the fast writers with goxmldsig and etree on tree,
// under several etree.WriteSettings.
func checkWriters(t *testing.T, tree *etree.Document) {
	t.Helper()
	root := tree.Root()
	want := goxmldsigCanonical(t, root)
	var got bytes.Buffer
	writeCanonical(&got, root)
	require.Equal(t, string(want), got.String(), "canonical form")

	h := newHashWriter(SHA256)
	writeCanonical(h, root)
	d := sha256.Sum256(want)
	require.Equal(t, d[:], h.sum(), "the digest of the canonical form")

	// Verify's canonical forms: every element in its place (SignedInfo
	// inside its Signature), and the document element without each of
	// its children in turn (the enveloped-signature transform).
	var walk func(el *etree.Element)
	walk = func(el *etree.Element) {
		require.Equal(t, string(goxmldsigCanonical(t, el)), string(canonical(el, nil)), "canonical form of <%s>", el.GetPath())
		for _, c := range el.ChildElements() {
			walk(c)
		}
	}
	walk(root)
	for i, c := range root.ChildElements() {
		cp := root.Copy()
		cp.RemoveChild(cp.ChildElements()[i])
		require.Equal(t, string(goxmldsigCanonical(t, cp)), string(canonicalDocument(root, []*etree.Element{c})), "without child %d", i)
	}

	for _, s := range writeSettings {
		tree.WriteSettings = s
		raw, end := serialize(tree, root)
		if len(root.Child) == 0 {
			// serialize writes <root></root>, never <root/>.
			tree.WriteSettings.CanonicalEndTags = true
		}
		want, err := tree.WriteToBytes()
		require.NoError(t, err)
		require.Equal(t, string(want), string(raw), "serialized with %+v", s)
		assert.True(t, bytes.HasPrefix(raw[end:], []byte("</"+root.FullTag()+">")), "end points at the document element's end tag")
	}
	tree.WriteSettings = etree.WriteSettings{}
}

// goxmldsigCanonical is goxmldsig's C14N 1.0 without comments of el, which
// the fast writers must match byte for byte.
func goxmldsigCanonical(t *testing.T, el *etree.Element) []byte {
	t.Helper()
	out, err := dsig.MakeC14N10RecCanonicalizer().Canonicalize(el)
	require.NoError(t, err)
	return out
}

var writeSettings = []etree.WriteSettings{
	{},
	{CanonicalText: true},
	{CanonicalEndTags: true, CanonicalAttrVal: true},
	{AttrSingleQuote: true, CanonicalAttrVal: true},
}

// TestCharDataAsEtree: writeCharData writes text as etree does, where
// etree escapes it, replaces it (control characters, U+FFFE, U+FFFF,
// invalid UTF-8) and keeps it.
func TestCharDataAsEtree(t *testing.T) {
	texts := []string{
		"", "plain", "Соглашение — «ЭСФ»", "ә і ң ғ ү ұ қ ө һ", "&", "<", ">", "'", `"`, "\t", "\n", "\r", "]]>",
		"\u0080", "\u07ff", "\u0800", "\ud7ff", "\ue000", "\ufffd", "\ufffe", "\uffff", "\U00010000", "\U0010ffff",
		"\xc0\x80", "\xc1\xbf", "\xc2", "\xc2 ", "\xdf\xc0", "\xe0\x80\x80", "\xed\xa0\x80", "\xef\xbf", "\xf4\x90\x80\x80", "\xff", "Ж\x80",
	}
	for b := range 0x80 {
		texts = append(texts, string(rune(b)), "x"+string(rune(b))+"Ж")
	}
	for _, s := range texts {
		checkCharData(t, s)
	}
}

func checkCharData(t *testing.T, text string) {
	t.Helper()
	for _, cd := range []*etree.CharData{etree.NewText(text), etree.NewCData(text)} {
		for _, s := range append(writeSettings, c14nSettings) {
			var got, want bytes.Buffer
			writeCharData(&got, cd, &s)
			cd.WriteTo(&want, &s)
			require.Equal(t, want.String(), got.String(), "%q (CDATA %v) with %+v", text, cd.IsCData(), s)
		}
	}
}

// FuzzCanonical compares the fast writers with goxmldsig and etree on
// every document xmlsig reads, and writeCharData with etree on any text.
func FuzzCanonical(f *testing.F) {
	testref.LimitFuzzMinimization(f)
	for _, doc := range c14nDocs {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		checkCharData(t, string(doc))
		tree, _, err := parse(doc, 0)
		if err != nil {
			return
		}
		checkWriters(t, tree)
	})
}
