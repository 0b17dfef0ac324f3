package conformance_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/esfkit/esf/conformance"
)

// The invoice scenarios of issue 14 §5 are there, need the mock but for
// the read-only one, and the package documentation lists every scenario.
func TestInvoiceScenarios(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	needs := map[string]conformance.Need{}
	for _, sc := range conformance.Scenarios() {
		needs[sc.Name] = sc.Need
		assert.True(t, strings.Contains(string(doc), "//\t"+sc.Name+" "), "doc.go lists %s", sc.Name)
	}
	for name, want := range map[string]conformance.Need{
		"invoice-registration":          conformance.NeedControl,
		"invoice-declined-format-error": conformance.NeedControl,
		"invoice-failed-bad-signature":  conformance.NeedControl,
		"invoice-confirm":               conformance.NeedControl,
		"invoice-revoke-and-rejection":  conformance.NeedControl,
		"invoice-updates-paging":        conformance.NeedControl,
		"invoice-read":                  conformance.NeedControlOrStand,
	} {
		got, ok := needs[name]
		if assert.True(t, ok, "scenario %s", name) {
			assert.Equal(t, want, got, name)
		}
	}
}
