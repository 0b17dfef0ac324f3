package xmlsig

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/internal/testref"
)

// fastTokenDocs are documents at the edges of what fastTokens reads, and
// just past them: references of every kind, valid and not; carriage
// returns; "]]>"; names that are not QNames; quotes; declarations;
// comments; empty elements; text at the end; broken tags.
var fastTokenDocs = []string{
	`<a/>`,
	`<a></a>`,
	`<a >x</a >`,
	"<a\n\tb = \"1\"\n/>",
	`<a b="1"c='2'/>`,
	`<a b='"' c="'"/>`,
	`<a>&lt;&gt;&amp;&quot;&apos;</a>`,
	`<a b="&lt;&gt;&amp;&quot;&apos;"/>`,
	`<a>&#65;&#x42;&#x0043;&#0068;&#x10FFFF;&#xFFFD;</a>`,
	`<a>&#xD800;</a>`, `<a>&#0;</a>`, `<a>&#13;</a>`, `<a>&#xFFFE;</a>`, `<a>&#x110000;</a>`,
	`<a>&#;</a>`, `<a>&#x;</a>`, `<a>&#X41;</a>`, `<a>&#1a;</a>`, `<a>&#+1;</a>`, `<a>&#99999999999999999999;</a>`,
	`<a>&nbsp;</a>`, `<a>&lt</a>`, `<a>&lt ;</a>`, `<a>& lt;</a>`, `<a>&</a>`, `<a>&amp</a>`,
	`<a b="&#9;&#10;&#x20;"/>`, `<a b="x<y"/>`, `<a b="]]>"/>`, `<a>]]></a>`, `<a>]]&gt;</a>`, `<a>]&#93;></a>`, `<a>]></a>`,
	"<a>x\r\ny</a>", "<a b=\"\r\"/>", "<a\r/>", "<a>\x01</a>", "<a>\x7f</a>", "<a>\t\n</a>",
	"<a>\xff</a>", "<a>\xed\xa0\x80</a>", "<a>\xef\xbf\xbe</a>", "<a>Текст қазақша</a>", `<a b="значение"/>`,
	`<Имя/>`, `<a Имя="1"/>`, `<1a/>`, `<-a/>`, `<.a/>`, `<a-b.c_d/>`, `<_a/>`, `<:a/>`, `<a:/>`, `<a:b:c/>`, `<a:b/>`, `<a x:y="1"/>`,
	`<a xmlns="urn:x" xmlns:p="urn:p"><p:b p:c="1"/></a>`,
	`<a b/>`, `<a b=1/>`, `<a b="1/>`, `<a b="1"`, `<a`, `<`, `</`, `</a`, `</a x>`, `< a/>`, `<a/ >`, `<a></b>`,
	`<?xml version="1.0"?><a/>`,
	`<?xml version="1.0" encoding="UTF-8"?>` + "\n<a/>",
	`<?xml version='1.0' encoding='utf-8' standalone='yes'?><a/>`,
	`<?xml version="1.1"?><a/>`, `<?xml version="1.0" encoding="windows-1251"?><a/>`, `<?xml encoding="UtF-8"?><a/>`,
	`<?xml?><a/>`, `<?xml ??><a/>`, `<?xml version="1.0" version="1.1"?><a/>`, `<?xml version = "1.1"?><a/>`,
	`<a/><?xml version="1.0"?>`, `<?xml-stylesheet href="x"?><a/>`, `<?pi x?><a/>`, `<?xml`,
	`<!----><a/>`, `<a><!-- x - y --></a>`, `<a><!-- x -- y --></a>`, `<a><!-- x ---></a>`, `<a><!--x`, `<a><!-x--></a>`,
	`<a><![CDATA[x]]></a>`, `<!DOCTYPE a><a/>`,
	"  <a/>  ", "text", "", `<a>tail`, `<a/>after`,
}

// requireSameTokens reads body with fastTokens and with strict RawToken,
// token by token, until fastTokens reaches the end or meets what it does
// not read: every token it gives must be RawToken's, at the same offsets,
// and it must end where RawToken ends. It reports whether fastTokens read
// the whole document.
func requireSameTokens(t *testing.T, body []byte) bool {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	std := stdTokens{d: d, body: body}
	fast := &fastTokens{data: body}
	for i := 0; ; i++ {
		ft, fb, fa, ferr := fast.next()
		if errors.Is(ferr, errUnsupported) {
			return false
		}
		st, sb, sa, serr := std.next()
		if ferr == io.EOF {
			require.ErrorIs(t, serr, io.EOF, "token %d: fastTokens ended where RawToken read %#v", i, st)
			return true
		}
		require.NoError(t, ferr)
		require.NoError(t, serr, "token %d: fastTokens read %#v where RawToken fails", i, ft)
		require.Equal(t, [2]int{sb, sa}, [2]int{fb, fa}, "token %d: offsets of %#v", i, ft)
		requireSameToken(t, st, ft, i)
	}
}

func requireSameToken(t *testing.T, want, got xml.Token, i int) {
	t.Helper()
	switch w := want.(type) {
	case xml.StartElement:
		g, ok := got.(xml.StartElement)
		require.True(t, ok, "token %d: want %#v, got %#v", i, want, got)
		require.Equal(t, w.Name, g.Name, "token %d", i)
		require.Len(t, g.Attr, len(w.Attr), "token %d: attributes", i)
		for k := range w.Attr {
			require.Equal(t, w.Attr[k], g.Attr[k], "token %d, attribute %d", i, k)
		}
	case xml.CharData:
		g, ok := got.(xml.CharData)
		require.True(t, ok, "token %d: want %#v, got %#v", i, want, got)
		require.Equal(t, string(w), string(g), "token %d", i)
	case xml.Comment:
		g, ok := got.(xml.Comment)
		require.True(t, ok, "token %d: want %#v, got %#v", i, want, got)
		require.Equal(t, string(w), string(g), "token %d", i)
	case xml.ProcInst:
		g, ok := got.(xml.ProcInst)
		require.True(t, ok, "token %d: want %#v, got %#v", i, want, got)
		require.Equal(t, w.Target, g.Target, "token %d", i)
		require.Equal(t, string(w.Inst), string(g.Inst), "token %d", i)
	default:
		require.Equal(t, want, got, "token %d", i)
	}
}

// fastTicket is a signed log-in ticket as xmlsig.Sign writes one.
const fastTicket = `<?xml version="1.0" encoding="UTF-8"?>
<authSign><timeMark>1700000000000</timeMark><state>login</state><iin>123456789011</iin><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
<ds:SignedInfo>
<ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>
<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>
<ds:Reference URI="">
<ds:Transforms>
<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>
<ds:Transform Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"/>
</ds:Transforms>
<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
<ds:DigestValue>q3QNnWqzZyzq0RmnXQ2cl4A8T1Z0dPj4cP4yXzI0xkQ=</ds:DigestValue>
</ds:Reference>
</ds:SignedInfo>
<ds:SignatureValue>
V2hhdGV2ZXIgdGhlIHNpZ25hdHVyZSBieXRlcyBhcmUsIHRoZXkgYXJlIGJhc2U2NCB0ZXh0&#13;
IGJldHdlZW4gdGFncy4=
</ds:SignatureValue>
<ds:KeyInfo>
<ds:X509Data>
<ds:X509Certificate>MIIBszCCAVmgAwIBAgIUZXNm</ds:X509Certificate>
</ds:X509Data>
</ds:KeyInfo>
</ds:Signature></authSign>`

func TestFastTokens(t *testing.T) {
	read := 0
	for _, doc := range append(append([]string{}, fastTokenDocs...), treeDocs...) {
		if requireSameTokens(t, []byte(doc)) {
			read++
		}
	}
	t.Logf("fastTokens read %d of %d documents to the end", read, len(fastTokenDocs)+len(treeDocs))
	// What signers write goes the fast way.
	for _, doc := range []string{
		fastTicket,
		`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<a xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><!-- c --><ds:b c="&amp;">Текст &#x41;</ds:b></a>`,
	} {
		assert.True(t, requireSameTokens(t, []byte(doc)), "fastTokens does not read %q", doc)
	}
}

// Every XML file of the reference material: NCA's signed documents,
// WS-Security envelopes, the invoice samples.
func TestFastTokensReference(t *testing.T) {
	root := testref.Dir(t, "reference")
	files, read := 0, 0
	require.NoError(t, filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !strings.HasSuffix(path, ".xml") {
			return err
		}
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		files++
		if requireSameTokens(t, bytes.TrimPrefix(data, []byte(utf8BOM))) {
			read++
		}
		return nil
	}))
	t.Logf("fastTokens read %d of %d files to the end", read, files)
	require.Positive(t, read)
}

// FuzzFastTokens holds fastTokens to strict RawToken on any input.
func FuzzFastTokens(f *testing.F) {
	testref.LimitFuzzMinimization(f)
	for _, d := range fastTokenDocs {
		f.Add([]byte(d))
	}
	for _, d := range treeDocs {
		f.Add([]byte(d))
	}
	f.Add([]byte(fastTicket))
	f.Fuzz(func(t *testing.T, doc []byte) {
		requireSameTokens(t, doc)
	})
}
