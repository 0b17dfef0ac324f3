package xmlsig

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/internal/testref"
)

// treeDocs are documents scan accepts, with every kind of token its tree
// holds: the XML declaration, a byte-order mark, text outside and inside
// elements, whitespace-only text, CDATA, comments, references, prefixes
// and default namespaces, namespaced and repeated-looking attributes.
var treeDocs = []string{
	`<a/>`,
	`<?xml version="1.0" encoding="UTF-8"?>` + "\n<a>x</a>\n",
	"\xef\xbb\xbf<?xml version=\"1.0\"?>\r\n<a/>",
	"<!-- before --><a><!-- inside -->t<b/>  \n\t<c>\n</c></a><!-- after -->\n",
	`<a><![CDATA[<not a tag> & ]]>tail</a>`,
	`<a><![CDATA[   ]]></a>`,
	`<a>&lt;&gt;&amp;&quot;&apos;&#x41;&#66;</a>`,
	`<a b="1" c='2' d="&lt;&#x9;&#10;"/>`,
	`<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo/></ds:Signature>`,
	`<a xmlns="urn:d" xmlns:p="urn:p"><p:b p:x="1" x="2"><c xmlns="">z</c></p:b></a>`,
	`<a xml:lang="kk" xml:space="preserve"> <b xmlns:xml="http://www.w3.org/XML/1998/namespace"/> </a>`,
	`<a xmlns:p="urn:1"><b xmlns:p="urn:2" p:c="v"/></a>`,
	"<root>\n  <Имя атрибут=\"значение\">Текст қазақша</Имя>\n</root>",
	`<a>` + strings.Repeat(`<b>`, 40) + strings.Repeat(`</b>`, 40) + `</a>`,
}

func TestScanBuildsWhatEtreeReads(t *testing.T) {
	for i, doc := range treeDocs {
		t.Run(string(rune('a'+i)), func(t *testing.T) {
			require.True(t, requireSameTree(t, []byte(doc)), "scan refused %q", doc)
		})
	}
}

// Every XML file of the reference material scan accepts: NCA's signed
// documents, WS-Security envelopes, unsigned inputs.
func TestScanBuildsWhatEtreeReadsReference(t *testing.T) {
	root := testref.Dir(t, "reference")
	accepted := 0
	require.NoError(t, filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !strings.HasSuffix(path, ".xml") {
			return err
		}
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		t.Run(strings.TrimPrefix(path, root), func(t *testing.T) {
			if requireSameTree(t, data) {
				accepted++
			}
		})
		return nil
	}))
	require.GreaterOrEqual(t, accepted, 11, "the 11 signed NCA samples at least")
}

func FuzzScanTree(f *testing.F) {
	testref.LimitFuzzMinimization(f)
	for _, d := range treeDocs {
		f.Add([]byte(d))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		requireSameTree(t, doc)
	})
}

// requireSameTree checks that when scan accepts doc, the tree it builds is
// the one etree reads from the document without its byte-order mark, and
// reports whether scan accepted it.
func requireSameTree(t *testing.T, doc []byte) bool {
	t.Helper()
	got := etree.NewDocument()
	l, err := scan(doc, 0, got)
	if err != nil {
		return false
	}
	want := etree.NewDocument()
	require.NoError(t, want.ReadFromBytes(doc[l.bom:]), "scan accepted what etree refuses")
	requireSameElement(t, &want.Element, &got.Element, "/")
	w, err := want.WriteToString()
	require.NoError(t, err)
	g, err := got.WriteToString()
	require.NoError(t, err)
	require.Equal(t, w, g)
	return true
}

func requireSameElement(t *testing.T, want, got *etree.Element, path string) {
	t.Helper()
	require.Equal(t, want.Space, got.Space, path)
	require.Equal(t, want.Tag, got.Tag, path)
	require.Equal(t, len(want.Attr), len(got.Attr), path)
	for i, a := range want.Attr {
		b := got.Attr[i]
		require.Equal(t, [3]string{a.Space, a.Key, a.Value}, [3]string{b.Space, b.Key, b.Value}, path)
		require.Same(t, got, b.Element(), path)
		require.Equal(t, a.NamespaceURI(), b.NamespaceURI(), path)
	}
	require.Equal(t, want.NamespaceURI(), got.NamespaceURI(), path)
	require.Len(t, got.Child, len(want.Child), path)
	for i, wt := range want.Child {
		gt := got.Child[i]
		require.Same(t, got, gt.Parent(), path)
		require.Equal(t, i, gt.Index(), path)
		switch w := wt.(type) {
		case *etree.Element:
			g, ok := gt.(*etree.Element)
			require.True(t, ok, "%s child %d: %T, want an element", path, i, gt)
			requireSameElement(t, w, g, path+w.FullTag()+"/")
		case *etree.CharData:
			g, ok := gt.(*etree.CharData)
			require.True(t, ok, "%s child %d: %T, want text", path, i, gt)
			require.Equal(t, w.Data, g.Data, path)
			require.Equal(t, w.IsWhitespace(), g.IsWhitespace(), path)
			require.Equal(t, w.IsCData(), g.IsCData(), path)
		case *etree.Comment:
			g, ok := gt.(*etree.Comment)
			require.True(t, ok, "%s child %d: %T, want a comment", path, i, gt)
			require.Equal(t, w.Data, g.Data, path)
		case *etree.ProcInst:
			g, ok := gt.(*etree.ProcInst)
			require.True(t, ok, "%s child %d: %T, want a processing instruction", path, i, gt)
			require.Equal(t, [2]string{w.Target, w.Inst}, [2]string{g.Target, g.Inst}, path)
		default:
			t.Fatalf("%s child %d: etree read a %T", path, i, wt)
		}
	}
}
