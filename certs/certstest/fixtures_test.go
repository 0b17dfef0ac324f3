package certstest_test

import (
	"bytes"
	"encoding/hex"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/certs/certstest/internal/fixtures"
	"github.com/esfkit/esf/certs/gost"
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

		certstest.FixtureGOSTIndividual,
		certstest.FixtureGOSTEntrepreneur,
		certstest.FixtureGOSTCEO,
		certstest.FixtureGOSTCanSign,
		certstest.FixtureGOSTEmployee,
		certstest.FixtureGOSTIndividualExpired,
		certstest.FixtureGOSTIndividualRevoked,

		certstest.FixtureGOST2004CEO,
	}
}

// fixtureCAFiles are the CA constants: root, intermediate, CRL of each PKI.
func fixtureCAFiles() [][3]string {
	return [][3]string{
		{certstest.FixtureRootCA, certstest.FixtureIntermediateCA, certstest.FixtureCRL},
		{certstest.FixtureGOSTRootCA, certstest.FixtureGOSTIntermediateCA, certstest.FixtureGOSTCRL},
		{certstest.FixtureGOST2004RootCA, certstest.FixtureGOST2004IntermediateCA, certstest.FixtureGOST2004CRL},
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
	require.Len(t, fixtureCAFiles(), len(fixtures.PKIs))
	for i, pki := range fixtures.PKIs {
		assert.Equal(t, [3]string{pki.RootFile, pki.IntermediateFile, pki.CRLFile}, fixtureCAFiles()[i])
		ca := set.CAs[pki]
		assert.Equal(t, pki.Alg, ca.Algorithm())
		assert.Equal(t, ca.RootDER(), set.Files[path.Join(fixtures.Dir, pki.RootFile)])
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
			assert.Equal(t, e.PKI.Alg, c.Algorithm)
			wantUsage := map[certs.Algorithm]certs.Usage{
				certs.AlgorithmRSA:          e.Profile.Usage,
				certs.AlgorithmGOST2015_512: certs.UsageAuth | certs.UsageSign,
				certs.AlgorithmGOST2004:     certs.UsageSign,
			}[e.PKI.Alg]
			assert.Equal(t, wantUsage, c.Usage)
			if e.PKI.Alg != certs.AlgorithmRSA {
				// NCA's bag attributes, and a key that signs.
				assert.Equal(t, c.SKI, ks.LocalKeyID)
				assert.Equal(t, hex.EncodeToString(c.SKI), ks.FriendlyName)
				key, ok := ks.PrivateKey.(*gost.PrivateKey)
				require.True(t, ok)
				digest := gost.Sum512([]byte("fixture"))
				d := digest[:]
				if e.PKI.Alg == certs.AlgorithmGOST2004 {
					d341194 := gost.Sum341194([]byte("fixture"))
					d = d341194[:]
				}
				sig, err := key.Sign(nil, d, nil)
				require.NoError(t, err)
				assert.NoError(t, gost.Verify(c.PublicKey.(*gost.PublicKey), d, sig))
			}
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
	for i, want := range []struct {
		name string
		alg  certs.Algorithm
	}{
		{certstest.DefaultRootName, certs.AlgorithmRSA},
		{certstest.DefaultGOSTRootName, certs.AlgorithmGOST2015_512},
		{certstest.DefaultGOST2004RootName, certs.AlgorithmGOST2004},
	} {
		files := fixtureCAFiles()[i]
		der, err := certstest.ReadFixture(files[0])
		require.NoError(t, err)
		root, err := certs.ParseCertificate(der)
		require.NoError(t, err)
		assert.Equal(t, want.name, root.CommonName)
		assert.Equal(t, want.alg, root.Algorithm)
		der, err = certstest.ReadFixture(files[1])
		require.NoError(t, err)
		inter, err := certs.ParseCertificate(der)
		require.NoError(t, err)
		_, err = certs.Verify(inter, certs.VerifyOptions{Roots: []*certs.Certificate{root}, CurrentTime: certstest.FixtureTime})
		assert.NoError(t, err, "%s: the intermediate chains to the root", files[1])
		der, err = certstest.ReadFixture(files[2])
		require.NoError(t, err)
		_, err = certs.ParseCRL(der)
		assert.NoError(t, err)
	}
	der, err := certstest.ReadFixture(certstest.FixtureRootCA)
	require.NoError(t, err)
	root, err := certs.ParseCertificate(der)
	require.NoError(t, err)
	assert.Equal(t, certstest.DefaultRootName, root.CommonName)
	_, err = certstest.ReadFixture("no/such/file.p12")
	assert.ErrorIs(t, err, fs.ErrNotExist)
}
