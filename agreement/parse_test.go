package agreement_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/agreement"
)

// TestParseWording: Parse reads back only documents worded as this
// package words them; whitespace between elements and the order of
// attributes do not count, any other change does.
func TestParseWording(t *testing.T) {
	for _, kind := range []agreement.Kind{agreement.Individual, agreement.Entrepreneur, agreement.LegalEntity} {
		for _, lang := range []agreement.Lang{agreement.Russian, agreement.Kazakh} {
			a := newAgreement(t, kind, lang)
			x, err := a.XML()
			require.NoError(t, err)
			doc := string(x)
			same := func(got *agreement.Agreement) {
				t.Helper()
				y, err := got.XML()
				require.NoError(t, err)
				assert.Equal(t, doc, string(y))
			}
			got, err := agreement.Parse(x)
			require.NoError(t, err, "%s/%s as rendered", kind, lang)
			same(got)

			p := strings.Index(doc, "<p>") + len("<p>")
			require.Greater(t, p, len("<p>"))
			cases := []struct {
				name string
				doc  string
				ok   bool
			}{
				{"unindented", strings.ReplaceAll(doc, "\n  ", "\n"), true},
				{"attributes reordered", strings.Replace(doc, `version="`+agreement.Version+`" kind="`+kind.String()+`"`, `kind="`+kind.String()+`" version="`+agreement.Version+`"`, 1), true},
				{"a paragraph changed", doc[:p] + "Не " + doc[p:], false},
				{"a paragraph dropped", strings.Replace(doc, doc[p-len("<p>"):strings.Index(doc, "</p>")+len("</p>")], "", 1), false},
				{"an element added", strings.Replace(doc, "<title>", "<note>extra</note><title>", 1), false},
				{"an attribute added", strings.Replace(doc, "<title>", `<title extra="1">`, 1), false},
				{"a label changed", strings.Replace(doc, `label="`, `label="X`, 1), false},
				{"text added between elements", strings.Replace(doc, "<title>", "also <title>", 1), false},
			}
			for _, c := range cases {
				require.NotEqual(t, doc, c.doc, "%s: the case changes nothing", c.name)
				got, err := agreement.Parse([]byte(c.doc))
				if c.ok {
					if assert.NoError(t, err, "%s/%s: %s", kind, lang, c.name) {
						same(got)
					}
					continue
				}
				assert.ErrorIs(t, err, agreement.ErrNotAgreement, "%s/%s: %s", kind, lang, c.name)
			}
		}
	}
}
