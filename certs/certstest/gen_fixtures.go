//go:build ignore

// gen_fixtures writes the committed NCA-shaped fixture set: testdata/nca-test-pki,
// the Fixture… constants of certs/certstest and their block of
// testdata/README.md. Run it from the module root:
//
//	go run ./certs/certstest/gen_fixtures.go
//
// The output is the same, byte for byte, on every run (fixed clock, fixed
// random stream, keys from the committed pool).
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/esfkit/esf/certs/certstest/internal/fixtures"
)

func main() {
	root := flag.String("root", ".", "the module root (the folder with go.mod)")
	flag.Parse()
	if err := run(*root); err != nil {
		fmt.Fprintln(os.Stderr, "gen_fixtures:", err)
		os.Exit(1)
	}
}

func run(root string) error {
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil || !bytes.Contains(mod, []byte("module github.com/esfkit/esf\n")) {
		return errors.New("run me from the root of module github.com/esfkit/esf (or give -root)")
	}
	set, err := fixtures.Build()
	if err != nil {
		return err
	}
	// Start from an empty fixture folder, so that no stale key store stays.
	if err := os.RemoveAll(filepath.Join(root, filepath.FromSlash(fixtures.Dir))); err != nil {
		return err
	}
	names := make([]string, 0, len(set.Files))
	for name := range set.Files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, set.Files[name], 0o644); err != nil {
			return err
		}
		fmt.Println("wrote", name)
	}
	readme := filepath.Join(root, filepath.FromSlash(fixtures.Readme))
	old, err := os.ReadFile(readme)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.WriteFile(readme, []byte(fixtures.SpliceReadme(string(old), set.ReadmeBlock)), 0o644); err != nil {
		return err
	}
	fmt.Println("updated", fixtures.Readme)
	return nil
}
