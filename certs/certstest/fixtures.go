package certstest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/esfkit/esf/certs"
)

// The committed fixture set in testdata/nca-test-pki at the module root was
// made once by `go run ./certs/certstest/gen_fixtures.go` with these inputs;
// testdata/README.md lists every file. The Fixture… path constants (in
// fixtures_generated.go, written by the same program) name its files.
var (
	// FixtureTime is the clock the fixture set was issued at,
	// 2026-01-01T00:00:00Z. Its valid certificates run from it for 365
	// days; pin tests to it (or a moment inside that year).
	FixtureTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

// FixturePIN opens every key store of the fixture set.
const FixturePIN = DefaultPIN

// FixtureSeed is the seed of DeterministicRand the fixture set's RSA CA was
// made with; FixtureGOSTSeed and FixtureGOST2004Seed those of its GOST 2015
// and GOST 2004 CAs (each CA its own stream).
const (
	FixtureSeed         = "github.com/esfkit/esf/certs/certstest fixtures v1"
	FixtureGOSTSeed     = FixtureSeed + " GOST2015-512"
	FixtureGOST2004Seed = FixtureSeed + " GOST2004"
)

// ErrNoFixtures means the fixture directory cannot be found: the module's
// source tree is not there (a binary built with -trimpath, or the package
// used from the module cache without testdata).
var ErrNoFixtures = errors.New("certstest: fixture set testdata/nca-test-pki not found")

// FixtureDir returns the absolute path of the committed fixture set,
// located from this source file (runtime.Caller), or "" if it is absent.
func FixtureDir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok || !filepath.IsAbs(file) {
		return ""
	}
	dir := filepath.Join(filepath.Dir(file), "..", "..", "testdata", "nca-test-pki")
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return ""
	}
	return dir
}

// FixturePath returns the absolute path of a fixture file, such as
// FixturePath(FixtureIndividualAuth), or "" if the fixture set is absent.
func FixturePath(elem ...string) string {
	dir := FixtureDir()
	if dir == "" {
		return ""
	}
	return filepath.Join(append([]string{dir}, elem...)...)
}

// ReadFixture returns the bytes of a fixture file, such as FixtureCRL.
func ReadFixture(name string) ([]byte, error) {
	p := FixturePath(name)
	if p == "" {
		return nil, ErrNoFixtures
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("certstest: %w", err)
	}
	return data, nil
}

// OpenFixture opens a key store of the fixture set with FixturePIN, such as
// OpenFixture(FixtureCEOSign).
func OpenFixture(name string) (*certs.KeyStore, error) {
	data, err := ReadFixture(name)
	if err != nil {
		return nil, err
	}
	return certs.Open(data, FixturePIN)
}

// FixtureVerifyOptions returns options for certs.Verify that trust the
// fixture set's roots (RSA, GOST 2015 and GOST 2004), offer their
// intermediates and check their CRLs, at FixtureTime: every key store of
// the set verifies with them (or fails as its state says).
func FixtureVerifyOptions() (certs.VerifyOptions, error) {
	var opts certs.VerifyOptions
	for _, pki := range [][3]string{
		{FixtureRootCA, FixtureIntermediateCA, FixtureCRL},
		{FixtureGOSTRootCA, FixtureGOSTIntermediateCA, FixtureGOSTCRL},
		{FixtureGOST2004RootCA, FixtureGOST2004IntermediateCA, FixtureGOST2004CRL},
	} {
		for i, name := range pki[:2] {
			data, err := ReadFixture(name)
			if err != nil {
				return opts, err
			}
			c, err := certs.ParseCertificate(data)
			if err != nil {
				return opts, fmt.Errorf("certstest: fixture %s: %w", name, err)
			}
			if i == 0 {
				opts.Roots = append(opts.Roots, c)
			} else {
				opts.Intermediates = append(opts.Intermediates, c)
			}
		}
		data, err := ReadFixture(pki[2])
		if err != nil {
			return opts, err
		}
		crl, err := certs.ParseCRL(data)
		if err != nil {
			return opts, fmt.Errorf("certstest: fixture %s: %w", pki[2], err)
		}
		opts.CRLs = append(opts.CRLs, crl)
	}
	opts.CurrentTime = FixtureTime
	return opts, nil
}
