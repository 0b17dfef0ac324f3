package xmlsig_test

import (
	"testing"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/xmlsig"
)

// SignTree's signature verifies whatever the tree holds: where what a
// verifier parses back differs from the tree (CDATA, carriage returns,
// attribute values etree escapes, an xmlns:xml declaration), it digests
// what the verifier will read. Each case failed with ErrDigest before.
func TestSignTreeVerifies(t *testing.T) {
	s := fixtureSigner(t, certstest.FixtureIndividualSign)
	for _, tc := range []struct {
		name  string
		build func(root *etree.Element)
	}{
		{"plain", func(r *etree.Element) { r.CreateElement("iin").SetText("123456789011") }},
		{"CDATA", func(r *etree.Element) { r.CreateElement("note").CreateCData("a <b> & c") }},
		{"carriage return in text", func(r *etree.Element) { r.CreateElement("note").SetText("line 1\r\nline 2") }},
		{"quote in an attribute", func(r *etree.Element) { r.CreateElement("x").CreateAttr("name", `ТОО "Ромашка"`) }},
		{"markup in an attribute", func(r *etree.Element) { r.CreateElement("x").CreateAttr("expr", "a < b & c > d") }},
		{"newline and tab in an attribute", func(r *etree.Element) { r.CreateElement("x").CreateAttr("v", "a\n\tb") }},
		{"apostrophe in an attribute", func(r *etree.Element) { r.CreateElement("x").CreateAttr("v", "it's") }},
		{"xmlns:xml declared", func(r *etree.Element) {
			r.CreateAttr("xmlns:xml", "http://www.w3.org/XML/1998/namespace")
			r.CreateElement("x").CreateAttr("xml:lang", "kk")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := etree.NewDocument()
			root := doc.CreateElement("doc")
			tc.build(root)
			signed, err := xmlsig.SignTree(doc, s.signer, s.cert, xmlsig.SignOptions{Now: clock})
			require.NoError(t, err)
			v, err := xmlsig.Verify(signed, xmlsig.VerifyOptions{})
			require.NoError(t, err, "%s", signed)
			assert.Equal(t, s.cert.X509.Raw, v.Signer.X509.Raw)
		})
	}
}
