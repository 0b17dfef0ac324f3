package invoice

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/internal/testref"
)

// xsdDir copies KGD's InvoiceV2.xsd and InvoiceV1.xsd from the shared
// reference into a temporary folder, with InvoiceV2's import of
// abstractInvoice.esf pointed at InvoiceV1.xsd (the reference folder's
// README says how), and returns the folder.
func xsdDir(t testing.TB) string {
	t.Helper()
	src := testref.Dir(t, "reference", "esf-api", "invoice", "xsd")
	dir := t.TempDir()
	v1, err := os.ReadFile(filepath.Join(src, "InvoiceV1.xsd"))
	require.NoError(t, err)
	v2, err := os.ReadFile(filepath.Join(src, "InvoiceV2.xsd"))
	require.NoError(t, err)
	const imp = `<xs:import namespace="abstractInvoice.esf"/>`
	require.Contains(t, string(v2), imp)
	v2 = bytes.Replace(v2, []byte(imp), []byte(`<xs:import namespace="abstractInvoice.esf" schemaLocation="InvoiceV1.xsd"/>`), 1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "InvoiceV1.xsd"), v1, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "InvoiceV2.xsd"), v2, 0o644))
	return dir
}

// xmllintVerdicts runs xmllint --noout --schema InvoiceV2.xsd once over
// all the files and returns, per file, whether it validates.
func xmllintVerdicts(t testing.TB, xmllint, schema string, files []string) map[string]bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, xmllint, append([]string{"--noout", "--nonet", "--schema", schema}, files...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	_ = cmd.Run() // exit status 3 when any file fails
	verdicts := map[string]bool{}
	for _, line := range strings.Split(stderr.String(), "\n") {
		if f, ok := strings.CutSuffix(line, " validates"); ok {
			verdicts[f] = true
		}
	}
	require.Contains(t, stderr.String(), "validates", "xmllint ran: %s", clip(stderr.String()))
	return verdicts
}

// TestDifferentialXmllint: Check's verdict equals xmllint's (libxml2) on
// the corpus — every valid invoice valid, every broken one invalid.
func TestDifferentialXmllint(t *testing.T) {
	xmllint := testref.Tool(t, "xmllint", "libxml2-utils")
	dir := xsdDir(t)
	cases := corpus(t)
	require.GreaterOrEqual(t, len(cases), 200)

	files := make([]string, len(cases))
	for i, c := range cases {
		files[i] = filepath.Join(dir, fmt.Sprintf("case%04d.xml", i))
		require.NoError(t, os.WriteFile(files[i], c.body, 0o644))
	}
	verdicts := xmllintVerdicts(t, xmllint, filepath.Join(dir, "InvoiceV2.xsd"), files)

	valid, differ := 0, 0
	for i, c := range cases {
		theirs := verdicts[files[i]]
		err := Check(c.body)
		ours := err == nil
		if theirs {
			valid++
		}
		if ours != theirs {
			differ++
			out, _ := exec.Command(xmllint, "--noout", "--nonet", "--schema", filepath.Join(dir, "InvoiceV2.xsd"), files[i]).CombinedOutput()
			t.Errorf("%s: Check says valid=%v (%v), xmllint valid=%v:\n%s", c.name, ours, err, theirs, out)
		}
	}
	t.Logf("%d invoices: %d valid, %d invalid; %d verdicts differ from xmllint", len(cases), valid, len(cases)-valid, differ)
	require.Greater(t, valid, 50)
	require.Greater(t, len(cases)-valid, 150)
}
