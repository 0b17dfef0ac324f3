// Package testref locates the shared reference material that tests read:
// the real NCA test key stores, certificates, CRLs and signed XML, and the
// real ESF WSDL, kept in ../shared beside the repository and never copied
// into it.
//
// Tests call Dir(t, "reference", "nca-test-certs"); where the material is
// absent (a fresh clone on its own) the test is skipped with the reason.
package testref

import (
	"os"
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
func SharedDir() (string, bool) {
	dir := os.Getenv(EnvShared)
	if dir == "" {
		dir = filepath.Join(Root(), "..", "shared")
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
		t.Skipf("reference material absent: %s not found (it lives in ../shared beside the repository; set %s to point elsewhere)", shared, EnvShared)
	}
	dir := filepath.Join(append([]string{shared}, elem...)...)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("reference material absent: %v", err)
	}
	return dir
}
