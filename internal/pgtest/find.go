package pgtest

import (
	"cmp"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// EnvBinDir names an environment variable that, when set, names the
// folder holding initdb and postgres, to test against another PostgreSQL
// version; otherwise they are looked for on PATH (through symbolic links),
// then in the newest /usr/lib/postgresql/*/bin (Debian) or
// /usr/pgsql-*/bin (the PostgreSQL RPMs).
const EnvBinDir = "ESF_PG_BINDIR"

// installDirs are where distributions install the server programs, one
// folder a version: Debian's and the PostgreSQL RPMs'.
var installDirs = []string{"/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin"}

// binaries are the PostgreSQL programs a cluster runs.
type binaries struct {
	dir                    string // holding initdb and postgres
	initdb, postgres, psql string
	version                int // the server's major version
}

// findBinaries finds the programs once per process.
var findBinaries = sync.OnceValues(func() (*binaries, error) {
	return finder{binDir: os.Getenv(EnvBinDir), lookPath: exec.LookPath, installDirs: installDirs}.find()
})

// finder searches for the server programs: in the folder EnvBinDir names
// if set; else beside initdb on PATH (through symbolic links, as Debian
// has none there but one may add them); else in the newest of
// installDirs.
type finder struct {
	binDir      string
	lookPath    func(string) (string, error)
	installDirs []string // glob patterns
}

func (f finder) find() (*binaries, error) {
	dir, err := f.serverDir()
	if err != nil {
		return nil, err
	}
	b := &binaries{
		dir:      dir,
		initdb:   filepath.Join(dir, "initdb"),
		postgres: filepath.Join(dir, "postgres"),
		psql:     filepath.Join(dir, "psql"),
	}
	if !executable(b.psql) {
		// Some distributions package the client apart from the server.
		if b.psql, err = f.lookPath("psql"); err != nil {
			return nil, fmt.Errorf("%w: psql is neither beside %s nor on PATH (Debian package postgresql-client)", ErrNotInstalled, b.initdb)
		}
	}
	out, err := exec.Command(b.postgres, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("pgtest: %s --version: %w", b.postgres, err)
	}
	if b.version, err = parseVersion(string(out)); err != nil {
		return nil, fmt.Errorf("pgtest: %s --version: %w", b.postgres, err)
	}
	return b, nil
}

// serverDir returns the folder holding initdb and postgres.
func (f finder) serverDir() (string, error) {
	if f.binDir != "" {
		if !serverIn(f.binDir) {
			return "", fmt.Errorf("%w: %s=%s holds no initdb and postgres", ErrNotInstalled, EnvBinDir, f.binDir)
		}
		return f.binDir, nil
	}
	if initdb, err := f.lookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(initdb); err == nil && serverIn(filepath.Dir(real)) {
			return filepath.Dir(real), nil
		}
	}
	var found []string
	for _, pattern := range f.installDirs {
		dirs, _ := filepath.Glob(pattern)
		for _, d := range dirs {
			if serverIn(d) {
				found = append(found, d)
			}
		}
	}
	if len(found) == 0 {
		return "", fmt.Errorf("%w: no initdb and postgres on PATH nor in %s (Debian: apt-get install postgresql; .ci/run installs it)",
			ErrNotInstalled, strings.Join(f.installDirs, " or "))
	}
	return slices.MaxFunc(found, compareVersionedPaths), nil
}

func serverIn(dir string) bool {
	return executable(filepath.Join(dir, "initdb")) && executable(filepath.Join(dir, "postgres"))
}

func executable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0
}

var digits = regexp.MustCompile(`[0-9]+`)

// compareVersionedPaths orders install folders by the numbers in their
// paths: /usr/lib/postgresql/9.6/bin before /usr/lib/postgresql/15/bin.
func compareVersionedPaths(a, b string) int {
	na, nb := digits.FindAllString(a, -1), digits.FindAllString(b, -1)
	for i := 0; i < len(na) && i < len(nb); i++ {
		x, _ := strconv.Atoi(na[i])
		y, _ := strconv.Atoi(nb[i])
		if c := cmp.Compare(x, y); c != 0 {
			return c
		}
	}
	if c := cmp.Compare(len(na), len(nb)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

var versionRE = regexp.MustCompile(`\(PostgreSQL\) ([0-9]+)`)

// parseVersion reads the major version from postgres --version:
// "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)" → 15.
func parseVersion(out string) (int, error) {
	m := versionRE.FindStringSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("no version in %q", strings.TrimSpace(out))
	}
	return strconv.Atoi(m[1])
}
