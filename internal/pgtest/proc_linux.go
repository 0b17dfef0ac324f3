package pgtest

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// sysProcAttr runs a server program as cred (nil: as this process), in a
// process group of its own, so a terminal's ^C reaches the test process
// alone, and killed should the test process die, so no server outlives it.
func sysProcAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: cred, Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// pidNamespace names this process's pid namespace.
func pidNamespace() string {
	ns, err := os.Readlink("/proc/self/ns/pid")
	if err != nil || ns == "" {
		return "-"
	}
	return ns
}

// stat returns a process's state and parent from /proc/pid/stat.
func stat(pid int) (state string, ppid int, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", 0, false
	}
	// pid (comm) state ppid …; comm may hold spaces and parentheses.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 2 {
		return "", 0, false
	}
	ppid, err = strconv.Atoi(f[1])
	return f[0], ppid, err == nil
}

// children returns the pids of pid's child processes.
func children(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var kids []int
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if _, ppid, ok := stat(p); ok && ppid == pid {
			kids = append(kids, p)
		}
	}
	return kids
}

// alive reports whether the process pid runs: exists and is no zombie
// (in a container whose first process reaps nothing, a killed server's
// orphans stay zombies).
func alive(pid int) bool {
	state, _, ok := stat(pid)
	return ok && state != "Z" && state != "X"
}

// memDir returns /dev/shm when it is a memory file system (tmpfs) with at
// least 1 GiB free, else "". Containers often give it 64 MiB only: too
// little for clusters of about 40 MB and 8 MB a database.
func memDir() string {
	const dir, tmpfsMagic, minFree = "/dev/shm", 0x01021994, 1 << 30
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil || st.Type != tmpfsMagic {
		return ""
	}
	if uint64(st.Bavail)*uint64(st.Bsize) < minFree {
		return ""
	}
	return dir
}
