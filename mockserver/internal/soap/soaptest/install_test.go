package soaptest

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeNPM puts a node and an npm on PATH whose ci sleeps for pause, then
// writes node_modules/soap/package.json (or fails, when fail is set), and
// points the user cache at a temporary directory. It returns the cache's
// esfkit-node-soap directory.
func fakeNPM(t *testing.T, pause string, fail bool) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fake npm is a shell script")
	}
	bin := t.TempDir()
	npm := "#!/bin/sh\nsleep " + pause + "\nmkdir -p node_modules/soap && echo '{}' > node_modules/soap/package.json\n"
	if fail {
		npm = "#!/bin/sh\necho 'npm error 404' >&2\nexit 1\n"
	}
	require.NoError(t, os.WriteFile(filepath.Join(bin, "npm"), []byte(npm), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(bin, "node"), []byte("#!/bin/sh\n"), 0o755))
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache) // os.UserCacheDir on Unix
	t.Setenv("HOME", cache)           // and on macOS
	dir, err := os.UserCacheDir()
	require.NoError(t, err)
	return filepath.Join(dir, "esfkit-node-soap")
}

// entries lists the names in dir.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	list, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range list {
		names = append(names, e.Name())
	}
	return names
}

// Test binaries installing at once (go test runs packages in parallel)
// all end up with the one complete tree, which none of them replaces under
// another that already uses it, and leave no temporary directories behind.
func TestInstallConcurrent(t *testing.T) {
	root := fakeNPM(t, "0.3", false) // long enough for the installs to overlap
	const n = 4
	dirs := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			dirs[i], errs[i] = install()
			if errs[i] == nil { // use the tree: the marker must stay
				errs[i] = os.WriteFile(filepath.Join(dirs[i], fmt.Sprint("used-", i)), nil, 0o644)
			}
		})
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		assert.Equal(t, dirs[0], dirs[i])
	}
	assert.True(t, installed(dirs[0]))
	for i := range n {
		assert.FileExists(t, filepath.Join(dirs[0], fmt.Sprint("used-", i)))
	}
	assert.Equal(t, []string{filepath.Base(dirs[0])}, entries(t, root))
}

// A tree someone broke by hand is replaced; an installed one is used as
// it is.
func TestInstallReplacesBroken(t *testing.T) {
	root := fakeNPM(t, "0", false)
	dir, err := install()
	require.NoError(t, err)
	marker := filepath.Join(dir, "kept")
	require.NoError(t, os.WriteFile(marker, nil, 0o644))

	again, err := install()
	require.NoError(t, err)
	assert.Equal(t, dir, again)
	assert.FileExists(t, marker, "an installed tree is used, not reinstalled")

	require.NoError(t, os.Remove(filepath.Join(dir, "node_modules", "soap", "package.json")))
	again, err = install()
	require.NoError(t, err)
	assert.Equal(t, dir, again)
	assert.True(t, installed(dir))
	assert.NoFileExists(t, marker, "the broken tree is gone")
	assert.Equal(t, []string{filepath.Base(dir)}, entries(t, root))
}

// Temporary directories of test binaries killed during npm ci are removed
// once stale; recent ones, perhaps another binary's install in progress,
// are left alone.
func TestInstallRemovesStale(t *testing.T) {
	root := fakeNPM(t, "0", false)
	stale, recent := filepath.Join(root, "install-1"), filepath.Join(root, "install-2")
	require.NoError(t, os.MkdirAll(stale, 0o755))
	require.NoError(t, os.MkdirAll(recent, 0o755))
	old := time.Now().Add(-2 * staleAfter)
	require.NoError(t, os.Chtimes(stale, old, old))

	dir, err := install()
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{filepath.Base(dir), "install-2"}, entries(t, root))
}

// A failed npm ci is an error and leaves nothing behind.
func TestInstallFails(t *testing.T) {
	root := fakeNPM(t, "0", true)
	_, err := install()
	require.Error(t, err)
	assert.Empty(t, entries(t, root), "nothing left behind")
}
