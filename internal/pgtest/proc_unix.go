//go:build unix && !linux

package pgtest

import "syscall"

// sysProcAttr runs a server program as cred (nil: as this process), in a
// process group of its own, so a terminal's ^C reaches the test process
// alone.
func sysProcAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: cred, Setpgid: true}
}

// pidNamespace is "-": there are none.
func pidNamespace() string { return "-" }

// children returns nothing: without /proc the server's children, which
// notice the postmaster's death, end by themselves.
func children(int) []int { return nil }

// alive reports whether the process pid exists.
func alive(pid int) bool { return processAlive(pid) }

// memDir returns "": the temporary folder is used.
func memDir() string { return "" }
