// Package testref locates the shared reference material that tests read:
// the real NCA test key stores, certificates, CRLs and signed XML, and the
// real ESF WSDL, kept in ../shared beside the repository and never copied
// into it.
//
// Tests call Dir(t, "reference", "nca-test-certs"); where the material is
// absent (a fresh clone on its own) the test is skipped with the reason —
// or fails, when ESF_REQUIRE_SHARED=1 (CI). Tool does the same for the
// outside tools the interoperability tests run, under ESF_REQUIRE_TOOLS=1.
package testref

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// EnvShared names an environment variable that, when set, points at the
// shared folder instead of ../shared beside the repository.
const EnvShared = "ESF_SHARED"

// Root returns the repository root: the folder holding go.mod.
func Root() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "."
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// SharedDir returns the shared folder and whether it exists.
//
// Without ESF_SHARED it is reached through the symbolic link
// internal/testref/shared (→ ../shared beside the repository): go test
// rechecks the files a cached test looked at only inside the module, so a
// skip cached while ../shared was absent would otherwise be replayed after
// it appears. Through the link the path is inside the module, and the
// test runs again.
func SharedDir() (string, bool) {
	dir := os.Getenv(EnvShared)
	if dir == "" {
		dir = filepath.Join(Root(), "internal", "testref", "shared")
	}
	st, err := os.Stat(dir)
	return dir, err == nil && st.IsDir()
}

// Dir returns a folder inside the shared folder, or skips t, saying why,
// when it is absent.
func Dir(t testing.TB, elem ...string) string {
	t.Helper()
	shared, ok := SharedDir()
	if !ok {
		absent(t, "reference material absent: %s not found (it lives in ../shared beside the repository; set %s to point elsewhere)", shared, EnvShared)
	}
	dir := filepath.Join(append([]string{shared}, elem...)...)
	if _, err := os.Stat(dir); err != nil {
		absent(t, "reference material absent: %v", err)
	}
	return dir
}

// EnvRequireTools names an environment variable that, set to 1 (as
// .ci/run sets it), turns a missing outside tool from a skip into a
// failure: in CI every interoperability test must run.
const EnvRequireTools = "ESF_REQUIRE_TOOLS"

// EnvRequireShared, set to 1 (as .ci/run sets it), turns absent shared
// reference material from a skip into a failure.
const EnvRequireShared = "ESF_REQUIRE_SHARED"

// Tool returns the path of an outside tool the test compares against
// (openssl, xmlsec1, xmllint …), or skips t saying which Debian package
// has it — or fails t when ESF_REQUIRE_TOOLS=1.
func Tool(t testing.TB, name, debianPackage string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		Missing(t, "%s not on PATH (Debian package %s; .ci/run installs it)", name, debianPackage)
	}
	return path
}

// Missing skips t because something outside the repository it needs is
// absent, saying what — or fails t when ESF_REQUIRE_TOOLS=1.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(EnvRequireTools) == "1" {
		t.Fatalf("required in this run (%s=1): "+format, append([]any{EnvRequireTools}, args...)...)
	}
	t.Skipf(format, args...)
}

// absent skips t for missing shared material, or fails it when
// ESF_REQUIRE_SHARED=1.
func absent(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(EnvRequireShared) == "1" {
		t.Fatalf("required in this run (%s=1): "+format, append([]any{EnvRequireShared}, args...)...)
	}
	t.Skipf(format, args...)
}

// FuzzMinimizeTime is how long go test -fuzz may spend minimizing each new
// input when -fuzzminimizetime is not given (Go's default is a minute). Go
// minimizes every input that widens coverage by cutting single bytes and
// then every range of bytes, quadratic in the length: for a key store, a
// certificate, a CRL or a signed document of a few KB that is millions of
// runs, so with the default each new input took the whole minute and the
// fuzzer, stuck minimizing, reported a few dozen execs a minute.
const FuzzMinimizeTime = "1s"

// LimitFuzzMinimization sets -fuzzminimizetime to FuzzMinimizeTime when f
// is fuzzing and the command line does not say otherwise. Call it first
// in a fuzz target: the coordinating process reads the flag when the
// target calls f.Fuzz.
func LimitFuzzMinimization(f *testing.F) {
	f.Helper()
	const name = "test.fuzzminimizetime"
	given := false
	flag.Visit(func(fl *flag.Flag) { given = given || fl.Name == name })
	if fuzz := flag.Lookup("test.fuzz"); given || fuzz == nil || fuzz.Value.String() == "" {
		return
	}
	if err := flag.Set(name, FuzzMinimizeTime); err != nil {
		f.Fatal(err)
	}
}
