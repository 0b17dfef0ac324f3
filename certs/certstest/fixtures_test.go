package certstest_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/certs/certstest/internal/fixtures"
)

// moduleRoot is the module root as seen from this package's directory.
const moduleRoot = "../.."

const regenerate = "regenerate with `go run ./certs/certstest/gen_fixtures.go` from the module root"

func requireFixtures(t *testing.T) {
	t.Helper()
	if certstest.FixtureDir() == "" {
		t.Skip("the fixture set testdata/nca-test-pki is not here (not a source checkout of the module?): skipped")
	}
}

// fixtureKeyStores are the key store constants, in fixtures.Entries order.
func fixtureKeyStores() []string {
	return []string{
		certstest.FixtureIndividualAuth,
		certstest.FixtureIndividualSign,
		certstest.FixtureEntrepreneurAuth,
		certstest.FixtureEntrepreneurSign,
		certstest.FixtureCEOAuth,
		certstest.FixtureCEOSign,
		certstest.FixtureCanSignSign,
		certstest.FixtureEmployeeSign,
		certstest.FixtureIndividualSignExpired,
		certstest.FixtureIndividualSignRevoked,
	}
}

// TestFixturesUpToDate rebuilds the fixture set and compares it, byte for
// byte, with the committed files.
func TestFixturesUpToDate(t *testing.T) {
	requireFixtures(t)
	set, err := fixtures.Build()
	require.NoError(t, err)

	for name, want := range set.Files {
		got, err := os.ReadFile(filepath.Join(moduleRoot, filepath.FromSlash(name)))
		if assert.NoError(t, err, "%s is missing: %s", name, regenerate) {
			assert.True(t, bytes.Equal(want, got), "%s differs from a fresh generation: %s", name, regenerate)
		}
	}
	dir := filepath.Join(moduleRoot, filepath.FromSlash(fixtures.Dir))
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(moduleRoot, p)
		if err != nil {
			return err
		}
		_, known := set.Files[filepath.ToSlash(rel)]
		assert.True(t, known, "%s is not part of the fixture set (stale?): %s", rel, regenerate)
		return nil
	})
	require.NoError(t, err)

	readme, err := os.ReadFile(filepath.Join(moduleRoot, filepath.FromSlash(fixtures.Readme)))
	require.NoError(t, err)
	start, end, ok := fixtures.FindBlock(string(readme))
	require.True(t, ok, "%s has no generated block: %s", fixtures.Readme, regenerate)
	assert.Equal(t, set.ReadmeBlock, string(readme[start:end]), "%s: %s", fixtures.Readme, regenerate)

	// The generated constants name the files the set holds.
	require.Len(t, fixtureKeyStores(), len(fixtures.Entries))
	for i, is := range set.Issued {
		assert.Equal(t, filepath.ToSlash(filepath.Join(fixtures.Entries[i].Dir, is.FileName)), fixtureKeyStores()[i])
	}
}

func TestSpliceReadme(t *testing.T) {
	block := fixtures.BeginMarker + "\nnew\n" + fixtures.EndMarker + "\n"
	old := fixtures.BeginMarker + "\nold\n" + fixtures.EndMarker + "\n"
	tests := []struct {
		name, readme, want string
	}{
		{"empty", "", block},
		{"no block", "# testdata\n", "# testdata\n\n" + block},
		{"block in the middle", "# a\n\n" + old + "\n# b\n", "# a\n\n" + block + "\n# b\n"},
		{"block at the end", "# a\n\n" + old, "# a\n\n" + block},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, fixtures.SpliceReadme(tc.readme, block))
		})
	}
}

// TestFixtures opens every committed key store and verifies it.
func TestFixtures(t *testing.T) {
	requireFixtures(t)
	opts, err := certstest.FixtureVerifyOptions()
	require.NoError(t, err)
	assert.Equal(t, certstest.FixtureTime, opts.CurrentTime)
	for i, name := range fixtureKeyStores() {
		e := fixtures.Entries[i]
		t.Run(e.Const, func(t *testing.T) {
			ks, err := certstest.OpenFixture(name)
			require.NoError(t, err)
			c := ks.Certificate
			assert.Equal(t, filepath.Base(name), c.FileName())
			assert.Equal(t, e.Profile.Usage, c.Usage)
			assert.Equal(t, e.Profile.Kind.Holder(), c.Holder)
			assert.Equal(t, e.Profile.Kind.Roles(), c.Roles)
			iin := e.Profile.IIN
			if iin == "" {
				iin = certstest.TestIIN
			}
			assert.Equal(t, iin, c.IIN)

			_, err = certs.Verify(c, opts)
			switch e.Profile.State {
			case certstest.StateValid:
				assert.NoError(t, err)
			case certstest.StateExpired:
				assertReason(t, certs.ReasonExpired, err)
			case certstest.StateRevoked:
				assertReason(t, certs.ReasonRevoked, err)
			}
		})
	}
}

func TestFixtureHelpers(t *testing.T) {
	requireFixtures(t)
	assert.True(t, filepath.IsAbs(certstest.FixtureDir()))
	assert.FileExists(t, certstest.FixturePath(certstest.FixtureCRL))
	der, err := certstest.ReadFixture(certstest.FixtureRootCA)
	require.NoError(t, err)
	root, err := certs.ParseCertificate(der)
	require.NoError(t, err)
	assert.Equal(t, certstest.DefaultRootName, root.CommonName)
	_, err = certstest.ReadFixture("no/such/file.p12")
	assert.ErrorIs(t, err, fs.ErrNotExist)
}
