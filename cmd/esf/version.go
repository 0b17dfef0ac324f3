package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

// buildTime is when the binary was built, if the build said so:
//
//	go build -ldflags "-X main.buildTime=$(date -u +%Y-%m-%dT%H:%M:%SZ)" ./cmd/esf
//
// The Go toolchain records no build time of its own (vcs.time is the
// commit's time).
var buildTime string

const versionAbout = `Prints one line: the module version, the VCS revision the binary was built
from (and "modified" when the working tree had uncommitted changes), the
commit's time, the build time when the build set it (-ldflags
"-X main.buildTime=…"), and the Go toolchain and platform, all from the build
information Go embeds (runtime/debug.ReadBuildInfo). For example:
  esf v0.4.0 go1.26.8 linux/amd64                       (go install …/cmd/esf@v0.4.0)
  esf v0.0.0-20260601090000-1a2b3c4d5e6f+dirty revision 1a2b3c4d5e6f (modified)
      committed 2026-06-01T09:00:00Z go1.26.8 linux/amd64  (go build in a checkout)
  esf (devel) go1.26.8 linux/amd64 (no VCS revision stamped: …)
                                                        (go run, a test binary, -buildvcs=false)
"esf --version" and "esf -version" are the same command.
`

// versionCmd implements "esf version".
func versionCmd(_ context.Context, fs *flagSet, args []string, stdout, _ io.Writer) error {
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("%w: esf version takes no arguments, got %q", errUsage, rest)
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	_, err = fmt.Fprintln(stdout, versionLine(bi, buildTime))
	return err
}

// versionLine formats what "esf version" prints from the build
// information (nil when the binary has none) and the build time (may be "").
func versionLine(bi *debug.BuildInfo, built string) string {
	w := []string{"esf"}
	if bi == nil {
		w = append(w, "(no build information)", runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH)
		return strings.Join(w, " ")
	}
	// (devel) when the toolchain could not derive a version: go run, a
	// test binary, -buildvcs=false; a go build in a checkout gives a
	// pseudo-version with +dirty for a modified tree.
	w = append(w, cmp.Or(bi.Main.Version, "(devel)"))
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	if rev := settings["vcs.revision"]; rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		w = append(w, "revision", rev)
		if settings["vcs.modified"] == "true" {
			w = append(w, "(modified)")
		}
		if t := settings["vcs.time"]; t != "" {
			w = append(w, "committed", t)
		}
	}
	if built != "" {
		w = append(w, "built", built)
	}
	goos, goarch := cmp.Or(settings["GOOS"], runtime.GOOS), cmp.Or(settings["GOARCH"], runtime.GOARCH)
	w = append(w, cmp.Or(bi.GoVersion, runtime.Version()), goos+"/"+goarch)
	if settings["vcs.revision"] == "" && w[1] == "(devel)" {
		// A release (go install …@v0.4.0) has its version and no revision;
		// a (devel) build without one says why.
		w = append(w, "(no VCS revision stamped: go run, a test binary, -buildvcs=false or no checkout)")
	}
	return strings.Join(w, " ")
}
