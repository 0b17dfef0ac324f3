package invoice

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/internal/testref"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(want), string(got))
}

// The minimal body of docs/esf-invoice-api.md §2.4, written by Marshal,
// is the golden file byte for byte, and the golden file is the document's.
func TestMarshalMinimalGolden(t *testing.T) {
	body, err := minimal().Marshal()
	require.NoError(t, err)
	golden(t, "minimal.xml", body)
	require.NoError(t, Check(body))

	doc, err := os.ReadFile(filepath.Join(testref.Dir(t, "docs"), "esf-invoice-api.md"))
	require.NoError(t, err)
	s := string(doc)
	i := strings.Index(s, "### 2.4")
	require.GreaterOrEqual(t, i, 0, "§2.4 not found")
	j := strings.Index(s[i:], "```xml\n")
	require.GreaterOrEqual(t, j, 0)
	start := i + j + len("```xml\n")
	end := strings.Index(s[start:], "```")
	require.GreaterOrEqual(t, end, 0)
	require.Equal(t, strings.TrimRight(s[start:start+end], "\n"), string(body), "Marshal writes §2.4's body byte for byte")
}
