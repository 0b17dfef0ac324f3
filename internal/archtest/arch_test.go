package archtest

import (
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/internal/testref"
)

const module = "github.com/esfkit/esf"

// layers lists the project's packages from the bottom up (docs/design.md):
// a package may import only packages of a lower layer (or its own
// subpackages, such as certs/internal/pbe). Packages not listed here
// (internal helpers, examples) are checked only for third-party imports.
var layers = [][]string{
	{"certs/gost"},
	{"certs"},
	{"certs/certstest"},
	{"xmlsig"},
	{"cms"},
	{"invoice"},
	{"ncalayer"},
	{"ncalayer/ncalayertest"},
	{"agreement"},
	{"esfreg"},
	{"esfclient"},
	{"mockserver/mockstore"},
	{"mockserver/sqlstore"},
	{"mockserver/sqlstore/sqlite", "mockserver/sqlstore/postgres"},
	{"mockserver/storetest"},
	{"mockserver"},
	{"conformance"},
	{"cmd/esf"},
}

// thirdParty says which packages may import each third-party module
// (outside tests). A module not listed may not be imported at all.
var thirdParty = map[string][]string{
	"software.sslmate.com/src/go-pkcs12":     {"certs", "certs/certstest"},
	"github.com/beevik/etree":                {"xmlsig", "agreement"},
	"github.com/russellhaering/goxmldsig":    {"xmlsig", "agreement"},
	"github.com/julienschmidt/httprouter":    {"mockserver"},
	"github.com/coder/websocket":             {"ncalayer"},
	"golang.org/x/crypto":                    {"esfreg"},
	"modernc.org/sqlite":                     {"mockserver/sqlstore/sqlite"},
	"github.com/jackc/pgx/v5":                {"mockserver/sqlstore/postgres"},
	"github.com/stretchr/testify":            {"mockserver/storetest"}, // tests, and the store suite
	"github.com/jonboulle/clockwork":         {},                       // goxmldsig's, never ours
	"github.com/esfkit/esf/internal/testref": {},                       // tests only
	"github.com/chromedp/chromedp":           {},                       // tests only: internal/browsertest
	"github.com/chromedp/cdproto":            {},                       // chromedp's, tests only
}

type pkg struct {
	ImportPath string
	Imports    []string
	Standard   bool
}

// listPackages returns the module's packages with their non-test imports.
func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-json", "./...")
	cmd.Dir = testref.Root()
	out, err := cmd.Output()
	require.NoError(t, err, "go list")
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else {
			require.NoError(t, err)
		}
		pkgs = append(pkgs, p)
	}
	require.NotEmpty(t, pkgs)
	return pkgs
}

func rel(path string) string {
	if path == module {
		return "."
	}
	return strings.TrimPrefix(path, module+"/")
}

func layerOf(p string) int {
	for i, l := range layers {
		for _, name := range l {
			if p == name || strings.HasPrefix(p, name+"/internal/") {
				return i
			}
		}
	}
	return -1
}

func TestImportDirection(t *testing.T) {
	for _, v := range directionViolations(listPackages(t)) {
		t.Error(v)
	}
}

func TestThirdPartyStayInTheirPackage(t *testing.T) {
	for _, v := range thirdPartyViolations(listPackages(t)) {
		t.Error(v)
	}
}

// TestRulesCatchViolations feeds the checkers made-up packages that break
// each rule, so a checker that could never fire would be noticed.
func TestRulesCatchViolations(t *testing.T) {
	bad := []pkg{
		{ImportPath: module + "/certs", Imports: []string{module + "/xmlsig"}},
		{ImportPath: module + "/esfreg", Imports: []string{module + "/mockserver", module + "/internal/testref"}},
		{ImportPath: module + "/certs/gost", Imports: []string{module + "/certs"}},
		{ImportPath: module + "/xmlsig", Imports: []string{"github.com/julienschmidt/httprouter", "github.com/stretchr/testify/require", "example.com/unknown"}},
	}
	require.Len(t, directionViolations(bad), 4)
	require.Len(t, thirdPartyViolations(bad), 3)

	good := []pkg{
		{ImportPath: module + "/certs", Imports: []string{module + "/certs/gost", module + "/certs/internal/pbe", "software.sslmate.com/src/go-pkcs12", "crypto/x509"}},
		{ImportPath: module + "/cmd/esf", Imports: []string{module + "/certs", module + "/mockserver"}},
		{ImportPath: module + "/mockserver", Imports: []string{"github.com/julienschmidt/httprouter"}},
	}
	require.Empty(t, directionViolations(good))
	require.Empty(t, thirdPartyViolations(good))
}

func directionViolations(pkgs []pkg) []string {
	var out []string
	for _, p := range pkgs {
		from := rel(p.ImportPath)
		fromLayer := layerOf(from)
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module+"/") {
				continue
			}
			to := rel(imp)
			if to == "internal/testref" {
				out = append(out, fmt.Sprintf("%s imports %s, which is for tests only", from, to))
				continue
			}
			toLayer := layerOf(to)
			if fromLayer < 0 || toLayer < 0 {
				continue
			}
			family := strings.HasPrefix(to, from+"/") || strings.HasPrefix(from, to+"/")
			if toLayer > fromLayer || (toLayer == fromLayer && !family) {
				out = append(out, fmt.Sprintf("%s imports %s against the direction of docs/design.md", from, to))
			}
		}
	}
	return out
}

func thirdPartyViolations(pkgs []pkg) []string {
	var out []string
	for _, p := range pkgs {
		from := rel(p.ImportPath)
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, module+"/") || !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") {
				continue // ours, or the standard library
			}
			owner, allowed := "", []string(nil)
			for mod, pkgs := range thirdParty {
				if imp == mod || strings.HasPrefix(imp, mod+"/") {
					owner, allowed = mod, pkgs
				}
			}
			if owner == "" {
				out = append(out, fmt.Sprintf("%s imports %s: a dependency not chosen for the project", from, imp))
				continue
			}
			ok := false
			for _, a := range allowed {
				if from == a || strings.HasPrefix(from, a+"/internal/") {
					ok = true
				}
			}
			if !ok {
				out = append(out, fmt.Sprintf("%s imports %s, which belongs to %v only", from, imp, allowed))
			}
		}
	}
	return out
}

// The programs — the CLI and the examples — do not link package testing:
// an integrator's binary that embeds the client or the mock should not
// carry the test framework (and its flags).
func TestProgramsDoNotLinkTesting(t *testing.T) {
	list := exec.Command("go", "list", "-f", `{{if eq .Name "main"}}{{.ImportPath}}{{end}}`, "./cmd/...", "./examples/...")
	list.Dir = testref.Root()
	mains, err := list.Output()
	require.NoError(t, err, "go list")
	programs := strings.Fields(string(mains))
	require.NotEmpty(t, programs)
	for _, prog := range programs {
		cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", prog)
		cmd.Dir = testref.Root()
		out, err := cmd.Output()
		require.NoError(t, err, "go list -deps %s", prog)
		for _, p := range strings.Fields(string(out)) {
			if p == "testing" {
				t.Errorf("%s links package testing; find who with: go list -deps -f '{{.ImportPath}} {{.Imports}}' %s | grep testing", prog, prog)
			}
		}
	}
}
