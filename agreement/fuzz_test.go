package agreement

import (
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzParse: Parse never panics; what it accepts renders back to a
// document it reads as the same agreement; and its wording check, which
// compares the document with the tree XML renders as that tree is built,
// gives the verdict the rendered bytes read again would give.
func FuzzParse(f *testing.F) {
	r := Requisites{
		IIN: "880101300123", FullName: "ТЕСТОВ ТЕСТ", IDDocumentNumber: "012345678",
		IDDocumentIssuer: "МВД РК", IDDocumentIssueDate: time.Date(2019, 3, 14, 0, 0, 0, 0, time.UTC),
		Address: `г. Астана, ул. "A & B" <10>`,
	}
	day := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, kind := range []Kind{Individual, Entrepreneur, LegalEntity} {
		for _, lang := range []Lang{Russian, Kazakh} {
			req := r
			if kind == LegalEntity {
				req.BIN, req.CompanyName, req.ActingOnBasisOf = "990140000123", `АО "ТЕСТ"`, "Устава"
			}
			a, err := New(kind, lang, req, day)
			require.NoError(f, err)
			x, err := a.XML()
			require.NoError(f, err)
			f.Add(x)
		}
	}
	f.Add([]byte(`<agreement xmlns="` + Namespace + `" version="` + Version + `" kind="INDIVIDUAL" lang="ru"><date>2026-06-01</date></agreement>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := Parse(data)
		doc := etree.NewDocument()
		if doc.ReadFromBytes(data) != nil {
			require.Error(t, err)
			return
		}
		a, rerr := readAgreement(doc.Root())
		if rerr != nil {
			require.Error(t, err)
			return
		}
		x, xerr := a.XML()
		require.NoError(t, xerr)
		want := etree.NewDocument()
		same := want.ReadFromBytes(x) == nil && sameText(want.Root(), doc.Root())
		require.Equal(t, same, err == nil, "Parse: %v", err)
		if err != nil {
			assert.ErrorIs(t, err, ErrNotAgreement)
			return
		}
		again, err := Parse(x)
		require.NoError(t, err)
		assert.Equal(t, got, again)
	})
}
