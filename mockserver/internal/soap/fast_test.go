package soap

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/internal/testref"
)

// fastDocs are documents fastTree reads itself (fast true) or leaves to
// encoding/xml (fast false): what clients send, and each construct it
// leaves alone.
var fastDocs = []struct {
	doc  string
	fast bool
}{
	{envelope(sdkSecurity, `<esf:createSessionSignedRequest><tin>123456789021</tin><projectCode/>`+
		`<businessProfileType xsi:nil="true" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>`+
		`<signedAuthTicket>&lt;authSign&gt;&#xD;&#10;&#1046;&quot;&apos;&amp;ЖҚ</signedAuthTicket>`+
		`<esf:sourceType>OTHER</esf:sourceType></esf:createSessionSignedRequest>`), true},
	{`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + envelope("", `<esf:currentUserRequest><sessionId>s</sessionId></esf:currentUserRequest>`) + "\n", true},
	{`<?xml version='1.0' encoding='utf-8'?>` + envelope("", `<esf:x a = 'v"&gt;' b="1"c="2"/>`), true},
	{`<a xmlns="urn:d"><b xmlns=""><c/></b><d xml:lang="kk" xmlns:p="urn:p" p:x="1"> t <e/> u </d></a>`, true},
	{`<a b="1" b="2"/>`, true},
	{`<a>x]]>y</a>`, false},
	{`<a><!-- c --></a>`, false},
	{`<a><![CDATA[x]]></a>`, false},
	{`<?xml version="1.1"?><a/>`, false},
	{`<?xml version="1.0" encoding="windows-1251"?><a/>`, false},
	{"<a>\r\n</a>", false},
	{`<a><?pi?></a>`, false},
	{`<!DOCTYPE a><a/>`, false},
	{`<p:a/>`, false},
	{`<a>&unknown;</a>`, false},
	{`<a>&#0;</a>`, false},
	{`<a>&#xFFFE;</a>`, false},
	{"<a>\x01</a>", false},
	{"<a>\xff</a>", false},
	{`<a b=1/>`, false},
	{`<a b="<"/>`, false},
	{`<a></b>`, false},
	{`<a/><b/>`, false},
	{`x<a/>`, false},
	{`<a>`, false},
	{`<a:b:c/>`, false},
	{`<1a/>`, false},
	{`<Жa/>`, false},
	{"", false},
}

func TestFastTree(t *testing.T) {
	for i, c := range fastDocs {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			_, fast := fastTree([]byte(c.doc))
			require.Equal(t, c.fast, fast, "%q", c.doc)
			requireSameTree(t, []byte(c.doc))
		})
	}
	// The requests node-soap sent (FuzzReadRequest's seeds).
	dir := filepath.Join("testdata", "fuzz", "FuzzReadRequest")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.NotEmpty(t, entries)
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		doc := fuzzSeedBytes(t, data)
		_, fast := fastTree(doc)
		require.True(t, fast, "%s is read by fastTree", e.Name())
		requireSameTree(t, doc)
	}
}

// fuzzSeedBytes reads the one []byte of a "go test fuzz v1" file.
func fuzzSeedBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	_, rest, ok := strings.Cut(string(data), "\n")
	require.True(t, ok)
	rest = strings.TrimSpace(rest)
	require.True(t, strings.HasPrefix(rest, "[]byte(") && strings.HasSuffix(rest, ")"))
	s, err := strconv.Unquote(rest[len("[]byte(") : len(rest)-1])
	require.NoError(t, err)
	return []byte(s)
}

func FuzzFastTree(f *testing.F) {
	testref.LimitFuzzMinimization(f)
	for _, c := range fastDocs {
		f.Add([]byte(c.doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		requireSameTree(t, doc)
	})
}

// requireSameTree: when fastTree reads doc, encoding/xml reads it too,
// into the same tree.
func requireSameTree(t *testing.T, doc []byte) {
	t.Helper()
	got, ok := fastTree(doc)
	if !ok {
		return
	}
	want, err := parseTreeXML(doc)
	require.NoError(t, err, "fastTree read what encoding/xml refuses: %q", doc)
	require.Equal(t, want, got, "%q", doc)
}

// BenchmarkParseTree: node-soap's createSessionSigned request (a signed
// ticket, escaped, in its body) through encoding/xml and through fastTree.
func BenchmarkParseTree(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzReadRequest", "nodesoap-createSessionSignedRequest"))
	require.NoError(b, err)
	doc := fuzzSeedBytes(b, data)
	b.Run("encoding/xml", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			if _, err := parseTreeXML(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("fastTree", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			if _, ok := fastTree(doc); !ok {
				b.Fatal("not read")
			}
		}
	})
}
