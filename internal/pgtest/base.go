package pgtest

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// serverCredential returns whom initdb and postgres must run as: nil (as
// this process) unless it runs as root, which PostgreSQL refuses; then
// the postgres user Debian's package creates, or nobody.
func serverCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil || uid == 0 {
			continue
		}
		// No supplementary groups: Groups is empty.
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, errors.New("pgtest: running as root, which PostgreSQL refuses, and there is no user postgres or nobody to run it as")
}

// chown gives path to the user the server runs as.
func (c *Cluster) chown(path string) error {
	if c.cred == nil {
		return nil
	}
	if err := os.Chown(path, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	return nil
}

// ownerFile, in a cluster's folder, names the process that made it: its
// pid and pid namespace, so that a later run can remove a folder left by
// a test process that died.
const ownerFile = "owner"

// makeBase makes a cluster's folder, with the socket folder inside,
// belonging to the user the server runs as. Folders left by dead test
// processes are removed first.
func makeBase(dir string, cred *syscall.Credential) (string, error) {
	parent, err := tempParent(dir, cred)
	if err != nil {
		return "", err
	}
	sweep(parent)
	base, err := os.MkdirTemp(parent, "pgtest-")
	if err != nil {
		return "", fmt.Errorf("pgtest: %w", err)
	}
	err = os.WriteFile(filepath.Join(base, ownerFile), []byte(owner(os.Getpid())), 0o644)
	if err == nil {
		err = os.Mkdir(filepath.Join(base, "sock"), 0o700)
	}
	if err == nil && cred != nil {
		for _, d := range []string{base, filepath.Join(base, "sock")} {
			if err = os.Chown(d, int(cred.Uid), int(cred.Gid)); err != nil {
				break
			}
		}
	}
	if err != nil {
		os.RemoveAll(base)
		return "", fmt.Errorf("pgtest: %w", err)
	}
	return base, nil
}

// owner is what ownerFile holds for the process pid.
func owner(pid int) string {
	return fmt.Sprintf("%d %s\n", pid, pidNamespace())
}

// tempParent returns the folder to make a cluster in: dir, or else a
// memory file system or the temporary folder (see Options.Dir), falling
// back to /tmp when the server runs as another user who cannot reach
// them.
func tempParent(dir string, cred *syscall.Credential) (string, error) {
	if dir != "" {
		if cred != nil && !traversable(dir, cred) {
			return "", fmt.Errorf("pgtest: the user %d, whom postgres runs as, cannot reach %s (each folder on the way needs o+x)", cred.Uid, dir)
		}
		return dir, nil
	}
	candidates := []string{os.TempDir(), "/tmp"}
	if m := memDir(); m != "" {
		candidates = append([]string{m}, candidates...)
	}
	for _, d := range candidates {
		if cred == nil || traversable(d, cred) {
			return d, nil
		}
	}
	return "", fmt.Errorf("pgtest: the user %d, whom postgres runs as, can reach none of %v", cred.Uid, candidates)
}

// traversable reports whether the user cred can pass through dir and
// every folder above it, judging by their owners and modes.
func traversable(dir string, cred *syscall.Credential) bool {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	for {
		st, err := os.Stat(dir)
		if err != nil || !st.IsDir() {
			return false
		}
		sys, ok := st.Sys().(*syscall.Stat_t)
		if !ok {
			return false
		}
		perm := st.Mode().Perm()
		var x os.FileMode
		switch {
		case sys.Uid == cred.Uid:
			x = 0o100
		case sys.Gid == cred.Gid:
			x = 0o010
		default:
			x = 0o001
		}
		if perm&x == 0 {
			return false
		}
		up := filepath.Dir(dir)
		if up == dir {
			return true
		}
		dir = up
	}
}

// sweep removes the cluster folders in parent left by test processes of
// this pid namespace that are gone, unless a server still runs there.
// What it cannot read or remove it leaves.
func sweep(parent string) {
	dirs, _ := filepath.Glob(filepath.Join(parent, "pgtest-*"))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue // not ours, or being made
		}
		f := strings.Fields(string(b))
		if len(f) != 2 || f[1] != pidNamespace() {
			continue
		}
		pid, err := strconv.Atoi(f[0])
		if err != nil || pid <= 0 || alive(pid) {
			continue
		}
		if pm, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid")); err == nil {
			line, _, _ := strings.Cut(string(pm), "\n")
			if pid, err := strconv.Atoi(strings.TrimSpace(line)); err == nil && alive(pid) {
				continue
			}
		}
		os.RemoveAll(dir)
	}
}

// processAlive reports whether the process pid exists, if only as a
// zombie.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
