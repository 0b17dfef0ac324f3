package main

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/internal/testref"
)

// commandPaths lists every command of the tree, groups and leaves, as
// typed after esf ("" is esf itself, "cert info" a leaf).
func commandPaths(c *command, prefix []string) [][]string {
	out := [][]string{prefix}
	for _, s := range c.subs {
		out = append(out, commandPaths(s, append(slices.Clip(prefix), s.name))...)
	}
	return out
}

// TestHelpEverywhere: -h, -help, --help and help print the command's usage
// on standard output and exit 0, for every group and command.
func TestHelpEverywhere(t *testing.T) {
	for _, path := range commandPaths(commands(), nil) {
		for _, h := range []string{"-h", "-help", "--help", "help"} {
			args := append(slices.Clip(path), h)
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				code, stdout, stderr := run(t, args...)
				assert.Equal(t, exitOK, code, stderr)
				assert.Empty(t, stderr)
				assert.Contains(t, stdout, "Usage")
				assert.Contains(t, stdout, strings.Join(append([]string{"esf"}, path...), " "))
			})
		}
	}
	// "esf help cert info" is "esf cert info -h".
	_, want, _ := run(t, "cert", "info", "-h")
	code, got, _ := run(t, "help", "cert", "info")
	assert.Equal(t, exitOK, code)
	assert.Equal(t, want, got)
}

// TestExitStatus runs every command with help, an unknown flag, a missing
// required argument, a missing PIN and an invalid input, and checks the
// exit status rule (exitStatusRule) and where the text goes: help to
// standard output; a usage error and the synopsis to standard error.
func TestExitStatus(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		return p
	}
	garbage := write("garbage.p12", "not a certificate, a key store, XML or an agreement")
	doc := write("doc.xml", "<authSign><iin>123456789011</iin></authSign>")
	corruptState := write("state.json", "{")
	p12 := fixture(t, certstest.FixtureIndividualSign)
	ca := fixture(t, certstest.FixtureIntermediateCA)
	pin := certstest.FixturePIN
	requisites := []string{"--kind", "individual", "--iin", certstest.TestIIN, "--name", "ТЕСТОВ ТЕСТ ТЕСТОВИЧ", "--doc-number", "012345678",
		"--doc-issuer", "МВД РК", "--doc-date", "2019-03-14", "--address", "Астана"}

	// For each command, the arguments after its name for each case; nil
	// where the case cannot arise (the comment says why). -h and an
	// unknown flag apply to all and are not listed.
	type cases struct{ missingArg, missingPIN, invalid []string }
	table := map[string]cases{
		"":          {missingArg: []string{}}, // esf alone; no PIN, no input
		"cert":      {missingArg: []string{}},
		"xml":       {missingArg: []string{}},
		"mock":      {missingArg: []string{}},
		"agreement": {missingArg: []string{}},
		"cms":       {missingArg: []string{}},
		"ncalayer":  {missingArg: []string{}},
		"invoice":   {missingArg: []string{}},
		"cert info": {
			missingArg: []string{"--pin", pin},
			missingPIN: []string{p12},
			invalid:    []string{"--pin", pin, garbage},
		},
		"cert verify": {
			missingArg: []string{"--ca", ca, "--pin", pin},
			missingPIN: []string{"--ca", ca, "--at", at, p12},
			invalid:    []string{"--ca", ca, "--pin", pin, garbage},
		},
		"xml sign": {
			missingArg: []string{"--keystore", p12, "--pin", pin, "--at", at},
			missingPIN: []string{"--keystore", p12, "--at", at, doc},
			invalid:    []string{"--keystore", p12, "--pin", pin, "--at", at, garbage},
		},
		"xml verify": { // no key store, no PIN
			missingArg: []string{"--no-chain"},
			invalid:    []string{"--no-chain", garbage},
		},
		"agreement new": { // no key store, no PIN; its input is its flags: the output cannot be written
			missingArg: requisites[2:],
			invalid:    append(slices.Clip(requisites), "--out", filepath.Join(dir, "missing", "a.xml")),
		},
		"agreement sign": {
			missingArg: []string{"--keystore", p12, "--pin", pin, "--at", at},
			missingPIN: []string{"--keystore", p12, "--at", at, doc},
			invalid:    []string{"--keystore", p12, "--pin", pin, "--at", at, garbage},
		},
		"agreement verify": { // no key store, no PIN
			missingArg: []string{"--no-chain"},
			invalid:    []string{"--no-chain", garbage},
		},
		"cms sign": { // any bytes can be signed: the input that fails is the key store
			missingArg: []string{"--keystore", p12, "--pin", pin, "--at", at},
			missingPIN: []string{"--keystore", p12, "--at", at, doc},
			invalid:    []string{"--keystore", garbage, "--pin", pin, "--at", at, doc},
		},
		"cms verify": { // no key store, no PIN
			missingArg: []string{"--no-chain"},
			invalid:    []string{"--no-chain", garbage},
		},
		"invoice new": { // no key store, no PIN; its input is its flags: the output cannot be written
			missingArg: []string{"--customer-tin", "123456789011", "--num", "1", "--unit-price", "1"},
			invalid: []string{"--seller-tin", "123456789021", "--customer-tin", "123456789011", "--num", "1", "--unit-price", "1",
				"--out", filepath.Join(dir, "missing", "i.xml")},
		},
		"invoice sign": {
			missingArg: []string{"--keystore", p12, "--pin", pin, "--at", at},
			missingPIN: []string{"--keystore", p12, "--at", at, doc},
			invalid:    []string{"--keystore", p12, "--pin", pin, "--at", at, garbage},
		},
		"invoice check": { // no key store, no PIN
			missingArg: []string{},
			invalid:    []string{garbage},
		},
		"ncalayer serve": { // a key store that is not one
			missingArg: []string{"--pin", pin},
			missingPIN: []string{"--keystore", p12, "--addr", "127.0.0.1:0"},
			invalid:    []string{"--keystore", garbage, "--pin", pin, "--addr", "127.0.0.1:0"},
		},
		"mock serve": { // takes no argument and no PIN
			invalid: []string{"--addr", "127.0.0.1:0", "--state", corruptState},
		},
		"mock load": { // no PIN; nothing listens on port 1
			missingArg: []string{"--flow", "session", "--n", "1"},
			invalid:    []string{"--url", "http://127.0.0.1:1", "--flow", "session", "--n", "1"},
		},
		"mock populate": { // no PIN; nothing listens on port 1
			missingArg: []string{"--accounts", "1"},
			invalid:    []string{"--url", "http://127.0.0.1:1", "--accounts", "1"},
		},
		"mock export": { // no PIN; nothing listens on port 1
			missingArg: []string{"--out", filepath.Join(dir, "state.json")},
			invalid:    []string{"--url", "http://127.0.0.1:1"},
		},
		"mock import": { // no PIN; nothing listens on port 1
			missingArg: []string{"--url", "http://127.0.0.1:1"},
			invalid:    []string{"--url", "http://127.0.0.1:1", garbage},
		},
		"version": {}, // takes no argument, no PIN, no input
	}

	var paths []string
	for _, p := range commandPaths(commands(), nil) {
		paths = append(paths, strings.Join(p, " "))
	}
	var listed []string
	for k := range table {
		listed = append(listed, k)
	}
	require.ElementsMatch(t, paths, listed, "every command has a row")

	usageError := func(t *testing.T, code int, stdout, stderr string) {
		t.Helper()
		assert.Equal(t, exitUsage, code, "stdout %s\nstderr %s", stdout, stderr)
		assert.Empty(t, stdout, "a usage error writes nothing to standard output")
		assert.Contains(t, stderr, "Usage", "the synopsis goes to standard error")
	}
	for _, name := range paths {
		tc := table[name]
		cmd := strings.Fields(name)
		t.Run(name+"/help", func(t *testing.T) {
			code, stdout, stderr := run(t, append(slices.Clip(cmd), "-h")...)
			assert.Equal(t, exitOK, code)
			assert.Contains(t, stdout, "Usage")
			assert.Empty(t, stderr)
		})
		t.Run(name+"/unknown flag", func(t *testing.T) {
			code, stdout, stderr := run(t, append(slices.Clip(cmd), "--frob")...)
			usageError(t, code, stdout, stderr)
			assert.Contains(t, stderr, "frob")
		})
		if tc.missingArg != nil {
			t.Run(name+"/missing argument", func(t *testing.T) {
				code, stdout, stderr := run(t, append(slices.Clip(cmd), tc.missingArg...)...)
				usageError(t, code, stdout, stderr)
			})
		}
		// A command takes a PIN exactly when its help lists --pin.
		_, help, _ := run(t, append(slices.Clip(cmd), "-h")...)
		node := commands()
		for _, w := range cmd {
			node = node.sub(w)
		}
		isLeaf := node.run != nil
		assert.Equal(t, isLeaf && strings.Contains(help, "\n  -pin "), tc.missingPIN != nil, "%s: a missing-PIN case exactly when it takes --pin", name)
		if tc.missingPIN != nil {
			t.Run(name+"/missing PIN", func(t *testing.T) {
				code, stdout, stderr := run(t, append(slices.Clip(cmd), tc.missingPIN...)...)
				usageError(t, code, stdout, stderr)
				assert.Contains(t, stderr, "give its PIN with --pin or $"+envPIN)
			})
		}
		if tc.invalid != nil {
			t.Run(name+"/invalid input", func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				t.Setenv(envPIN, "")
				var stdout, stderr syncBuffer
				code := Run(ctx, append(slices.Clip(cmd), tc.invalid...), &stdout, &stderr)
				assert.Equal(t, exitFailure, code, "stdout %s\nstderr %s", stdout.String(), stderr.String())
				assert.NotContains(t, stderr.String(), "Usage", "not a usage error")
				assert.NotEmpty(t, stdout.String()+stderr.String(), "the reason is printed")
			})
		}
	}
}

// TestExitStatusOfProcess: main passes Run's status to the process.
func TestExitStatusOfProcess(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"version"}, exitOK},
		{[]string{"cert", "info", "/nonexistent.p12"}, exitFailure},
		{[]string{"cert", "info", "--frob"}, exitUsage},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := esfCommand(ctx, t, tc.args...)
			out, _ := cmd.CombinedOutput()
			assert.Equal(t, tc.code, cmd.ProcessState.ExitCode(), "%s", out)
		})
	}
}

// jsonKeys lists the JSON keys of a struct type, nested ones as
// "parent.child", in field order.
func jsonKeys(t reflect.Type, prefix string) []string {
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		keys = append(keys, prefix+name)
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct {
			keys = append(keys, jsonKeys(ft, prefix+name+".")...)
		}
	}
	return keys
}

// TestCertInfoFieldsDocumented: the documented fields of esf cert info
// --json are exactly the JSON's keys, in order, each documented in full, and
// the help (and the README, when it has the table) says them all.
func TestCertInfoFieldsDocumented(t *testing.T) {
	var documented []string
	for _, f := range certInfoFields {
		documented = append(documented, f.key)
		assert.NotEmpty(t, f.meaning, f.key)
		assert.NotEmpty(t, f.example, f.key)
		assert.Contains(t, []string{originNCANode, originNCANodeDiffers, originOurs}, f.origin, f.key)
	}
	assert.Equal(t, jsonKeys(reflect.TypeFor[certInfoJSON](), ""), documented)

	// A key store with every field filled prints only documented keys.
	code, stdout, stderr := run(t, "cert", "info", "--json", "--pin", certstest.FixturePIN, fixture(t, certstest.FixtureCEOSign))
	require.Equal(t, exitOK, code, stderr)
	var got []map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &got))
	require.Len(t, got, 1)
	var printed []string
	for k, v := range got[0] {
		printed = append(printed, k)
		if m, ok := v.(map[string]any); ok {
			for k2 := range m {
				printed = append(printed, k+"."+k2)
			}
		}
	}
	assert.Subset(t, documented, printed)

	_, help, _ := run(t, "cert", "info", "-h")
	for _, f := range certInfoFields {
		assert.Contains(t, help, "\n  "+f.key+" ("+f.origin+"), e.g. "+f.example+"\n", f.key)
	}
}

// TestCertInfoFieldsInREADME: README's field table of esf cert info --json
// is certInfoFieldsMarkdown(), once README has it.
func TestCertInfoFieldsInREADME(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(testref.Root(), "README.md"))
	require.NoError(t, err)
	assert.Contains(t, string(readme), certInfoFieldsMarkdown(), "README's table is certInfoFieldsMarkdown()")
}

func TestVersionLine(t *testing.T) {
	settings := func(kv ...string) []debug.BuildSetting {
		var out []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			out = append(out, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return out
	}
	platform := settings("GOOS", "linux", "GOARCH", "amd64")
	for _, tc := range []struct {
		name  string
		bi    *debug.BuildInfo
		built string
		want  string
	}{
		{"go install of a release", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.4.0"}, Settings: platform},
			"", "esf v0.4.0 go1.26.8 linux/amd64"},
		{"go build in a modified checkout", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20260601090000-1a2b3c4d5e6f+dirty"},
			Settings: append(settings("vcs", "git", "vcs.revision", "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b", "vcs.time", "2026-06-01T09:00:00Z", "vcs.modified", "true"), platform...)},
			"", "esf v0.0.0-20260601090000-1a2b3c4d5e6f+dirty revision 1a2b3c4d5e6f (modified) committed 2026-06-01T09:00:00Z go1.26.8 linux/amd64"},
		{"devel, clean tree, build time", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"},
			Settings: append(settings("vcs.revision", "1a2b3c4", "vcs.modified", "false"), platform...)},
			"2026-06-02T10:00:00Z", "esf (devel) revision 1a2b3c4 built 2026-06-02T10:00:00Z go1.26.8 linux/amd64"},
		{"go run: no VCS information", &debug.BuildInfo{GoVersion: "go1.26.8", Settings: platform},
			"", "esf (devel) go1.26.8 linux/amd64 (no VCS revision stamped: go run, a test binary, -buildvcs=false or no checkout)"},
		{"no build information", nil, "", "esf (no build information) " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, versionLine(tc.bi, tc.built))
		})
	}
}

// TestVersionCommand: esf version, esf --version and esf -version print
// the same line, from this binary's build information.
func TestVersionCommand(t *testing.T) {
	bi, ok := debug.ReadBuildInfo()
	require.True(t, ok)
	want := versionLine(bi, buildTime) + "\n"
	assert.True(t, strings.HasPrefix(want, "esf "), want)
	assert.Contains(t, want, runtime.Version())
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}} {
		code, stdout, stderr := run(t, args...)
		assert.Equal(t, exitOK, code, stderr)
		assert.Equal(t, want, stdout, args)
	}
	code, _, stderr := run(t, "--version", "extra")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "takes no arguments")
}

// TestParseInterleaved: flags before and after the arguments; "--" ends the
// flags, unless it is a flag's value.
func TestParseInterleaved(t *testing.T) {
	for _, tc := range []struct {
		name       string
		args       []string
		positional []string
		pin        string
		json       bool
	}{
		{"flags first", []string{"--pin", "1", "--json", "a", "b"}, []string{"a", "b"}, "1", true},
		{"flags after", []string{"a", "--pin=1", "b", "--json"}, []string{"a", "b"}, "1", true},
		{"-- ends the flags", []string{"a", "--", "--json", "-b"}, []string{"a", "--json", "-b"}, "", false},
		{"-- as a value", []string{"--pin", "--", "a", "--json"}, []string{"a"}, "--", true},
		{"-- after a bool flag", []string{"--json", "--", "--pin"}, []string{"--pin"}, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			pin := fs.String("pin", "", "")
			asJSON := fs.Bool("json", false, "")
			got, err := parseInterleaved(fs, tc.args)
			require.NoError(t, err)
			assert.Equal(t, tc.positional, got)
			assert.Equal(t, tc.pin, *pin)
			assert.Equal(t, tc.json, *asJSON)
		})
	}
}
