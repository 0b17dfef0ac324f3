package testref

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The shared folder is reached through a path inside the module, so that
// go test's cache rechecks it (it rechecks only files inside the module):
// a skip cached while ../shared was absent is not replayed once it exists.
func TestSharedDirInsideModule(t *testing.T) {
	if os.Getenv(EnvShared) != "" {
		t.Skipf("%s is set: the folder it names is used as it is", EnvShared)
	}
	dir, ok := SharedDir()
	root, err := filepath.Abs(Root())
	if err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(abs, root+string(filepath.Separator)) {
		t.Fatalf("SharedDir %s is outside the module %s", abs, root)
	}
	beside, err := filepath.Abs(filepath.Join(Root(), "..", "shared"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = os.Stat(beside)
	if ok != (err == nil) {
		t.Fatalf("SharedDir says present=%v, ../shared: %v", ok, err)
	}
	if ok {
		a, _ := filepath.EvalSymlinks(dir)
		b, _ := filepath.EvalSymlinks(beside)
		if a != b {
			t.Fatalf("the link leads to %s, not to ../shared (%s)", a, b)
		}
	}
}
