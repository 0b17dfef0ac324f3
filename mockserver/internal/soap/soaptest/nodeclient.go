// Package soaptest checks the mock's SOAP layer with a real WSDL-driven
// client: RunNodeClient runs node-soap through the session flow against
// one or more servers in one node process, proving the WSDLs and the
// envelopes work with a client built from them rather than by hand;
// FakeESF is a server answering with package soap's canned responses and
// recording how soap.ReadRequest read node-soap's requests.
package soaptest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// NodeSoapVersion is the node-soap (npm package soap) version
// RunNodeClient installs; testdata/node/package-lock.json pins its
// dependencies.
const NodeSoapVersion = "1.13.0"

// EnvRequireNode, set to a non-empty value, makes RunNodeClient fail
// instead of skip when node, npm or the npm registry is unavailable (for
// CI, where the check must not silently vanish).
const EnvRequireNode = "ESF_REQUIRE_NODE"

// Time limits of RunNodeClient.
const (
	npmInstallTimeout = 3 * time.Minute
	nodeRunTimeout    = 2 * time.Minute
)

//go:embed testdata/soapclient.js testdata/node/package.json testdata/node/package-lock.json
var nodeFiles embed.FS

var (
	nodeOnce sync.Once
	nodeDir  string // the install directory, holding node_modules
	nodeErr  error  // why node-soap is unavailable
)

// Target is a server RunNodeClient drives, and the account it signs in
// with.
type Target struct {
	// Label names the target: the key of its result, and in messages.
	// Labels must be unique and non-empty.
	Label string
	// BaseURL is the server's base URL; the WSDLs are read from
	// BaseURL/esf-web/ws/api1/{Version,Auth,Session}Service?wsdl.
	BaseURL string
	// IIN, Password and TIN are the account: the IIN the ticket is asked
	// for and the UsernameToken carries, its password, and the TIN the
	// session is opened for.
	IIN, Password, TIN string
	// Sign receives the target's authTicketXml and returns the signed
	// ticket; nil passes the ticket on unsigned. It is called on the
	// goroutine that called RunNodeClient.
	Sign func(ticketXML string) string
}

// RunNodeClient runs testdata/soapclient.js, a node-soap client built from
// the WSDLs each target serves, through the whole session flow, one target
// after the other in one node process: getVersion,
// createAuthTicket(iin), createSessionSigned(tin, sign(ticket)) with a
// WS-Security UsernameToken (iin, password), currentUser,
// currentUserProfiles, currentSessionStatus, closeSession (UsernameToken),
// then currentUser again, expected to fail.
//
// It returns each target's result, by label: "version", "authTicketXml",
// "sessionId", "user", "profiles", "status", "closed" (the operations'
// results as node-soap parsed them), "afterClose" (the fault:
// "message", "status", "fault"), "operations" (per service, the operations
// node-soap found in the WSDL), "requests" and "responses" (the raw XML
// sent and received, by operation). A failing call fails t, after the
// other targets have run.
//
// node-soap NodeSoapVersion is installed once with npm ci into
// os.UserCacheDir()/esfkit-node-soap: about 3 s when npm's own cache is
// warm, 15–30 s from the registry, nothing on later runs. t is skipped
// when node or npm is missing or the install fails, unless EnvRequireNode
// is set, and in -short mode.
func RunNodeClient(t testing.TB, targets ...Target) map[string]map[string]any {
	t.Helper()
	if len(targets) == 0 {
		t.Fatal("soaptest: RunNodeClient needs a target")
	}
	type wireTarget struct {
		Label    string `json:"label"`
		Base     string `json:"base"`
		IIN      string `json:"iin"`
		Password string `json:"password"`
		TIN      string `json:"tin"`
	}
	byLabel := make(map[string]Target, len(targets))
	wire := make([]wireTarget, 0, len(targets))
	for _, tg := range targets {
		if tg.Label == "" {
			t.Fatalf("soaptest: a target without a label (%s)", tg.BaseURL)
		}
		if _, dup := byLabel[tg.Label]; dup {
			t.Fatalf("soaptest: two targets labelled %q", tg.Label)
		}
		byLabel[tg.Label] = tg
		wire = append(wire, wireTarget{tg.Label, tg.BaseURL, tg.IIN, tg.Password, tg.TIN})
	}
	targetsArg, err := json.Marshal(wire)
	if err != nil {
		t.Fatalf("soaptest: %v", err)
	}

	if testing.Short() {
		t.Skip("node-soap client check skipped in -short mode")
	}
	dir, err := installNodeSoap()
	if err != nil {
		if os.Getenv(EnvRequireNode) != "" {
			t.Fatalf("node-soap unavailable and %s is set: %v", EnvRequireNode, err)
		}
		t.Skipf("node-soap client check skipped: %v (set %s=1 to make this fatal)", err, EnvRequireNode)
	}
	script, err := nodeFiles.ReadFile("testdata/soapclient.js")
	if err != nil {
		t.Fatalf("soaptest: reading the embedded script: %v", err)
	}
	scriptPath := filepath.Join(t.TempDir(), "soapclient.js")
	if err := os.WriteFile(scriptPath, script, 0o644); err != nil {
		t.Fatalf("soaptest: writing the script: %v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), nodeRunTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", scriptPath, string(targetsArg))
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(dir, "node_modules"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("soaptest: %v", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("soaptest: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("soaptest: starting node: %v", err)
	}

	results := make(map[string]map[string]any, len(targets))
	var failures []string
	failed := map[string]bool{}
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	for sc.Scan() {
		var msg struct {
			Label  string          `json:"label"`
			Ticket *string         `json:"ticket"`
			Result map[string]any  `json:"result"`
			Error  string          `json:"error"`
			Detail json.RawMessage `json:"detail"`
		}
		if err := json.Unmarshal(sc.Bytes(), &msg); err != nil {
			t.Logf("node-soap client: %s", sc.Bytes())
			continue
		}
		tg, known := byLabel[msg.Label]
		switch {
		case msg.Error != "":
			failed[msg.Label] = true
			failures = append(failures, fmt.Sprintf("target %q: %s\n%s", msg.Label, msg.Error, msg.Detail))
		case !known:
			failures = append(failures, fmt.Sprintf("a message for an unknown target %q: %s", msg.Label, sc.Bytes()))
		case msg.Ticket != nil:
			signed := *msg.Ticket
			if tg.Sign != nil {
				signed = tg.Sign(signed)
			}
			line, _ := json.Marshal(signed)
			if _, err := stdin.Write(append(line, '\n')); err != nil {
				failures = append(failures, fmt.Sprintf("target %q: handing the signed ticket to node: %v", msg.Label, err))
			}
		case msg.Result != nil:
			results[msg.Label] = msg.Result
		}
	}
	_ = stdin.Close()
	waitErr := cmd.Wait()
	for _, tg := range targets {
		if _, ok := results[tg.Label]; !ok && !failed[tg.Label] {
			failures = append(failures, fmt.Sprintf("target %q: no result", tg.Label))
		}
	}
	switch {
	case len(failures) > 0:
		t.Fatalf("node-soap client failed:\n%s\nstderr:\n%s", strings.Join(failures, "\n"), stderr.Bytes())
	case waitErr != nil:
		t.Fatalf("node-soap client: %v\nstderr:\n%s", waitErr, stderr.Bytes())
	}
	return results
}

// installNodeSoap installs node-soap once per process into the user cache
// and returns the directory holding its node_modules.
func installNodeSoap() (string, error) {
	nodeOnce.Do(func() { nodeDir, nodeErr = install() })
	return nodeDir, nodeErr
}

func install() (string, error) {
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			return "", fmt.Errorf("%s not found in PATH", tool)
		}
	}
	manifest, err := nodeFiles.ReadFile("testdata/node/package.json")
	if err != nil {
		return "", err
	}
	lock, err := nodeFiles.ReadFile("testdata/node/package-lock.json")
	if err != nil {
		return "", err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	sum := sha256.Sum256(append(append([]byte{}, manifest...), lock...))
	root := filepath.Join(cache, "esfkit-node-soap")
	dir := filepath.Join(root, "soap-"+NodeSoapVersion+"-"+hex.EncodeToString(sum[:6]))
	if installed(dir) {
		return dir, nil
	}

	// Install into a temporary directory beside the final place, then
	// rename it into place: a rename is atomic, so a test binary never sees
	// a half-installed tree, and when two install at once (go test runs
	// packages in parallel, and several go test commands may run) the
	// second rename fails on the first one's complete tree, which is used.
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	removeStale(root)
	tmp, err := os.MkdirTemp(root, "install-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if err := os.WriteFile(filepath.Join(tmp, "package.json"), manifest, 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(tmp, "package-lock.json"), lock, 0o644); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), npmInstallTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error")
	cmd.Dir = tmp
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return "", fmt.Errorf("npm ci soap@%s: timed out after %v", NodeSoapVersion, npmInstallTimeout)
	}
	if err != nil {
		return "", fmt.Errorf("npm ci soap@%s: %v\n%s", NodeSoapVersion, err, out)
	}
	if !installed(tmp) {
		return "", fmt.Errorf("npm ci soap@%s left no node_modules/soap", NodeSoapVersion)
	}
	if err := os.Rename(tmp, dir); err == nil || installed(dir) {
		return dir, nil // ours, or another test binary's that won the race
	}
	// dir holds a broken tree (a rename never leaves one: someone removed
	// files by hand). Move it aside and put ours in its place. When another
	// test binary repairs at once, what this one moves aside may already
	// be that binary's complete tree: it goes back, and is used.
	aside := tmp + "-broken"
	if err := os.Rename(dir, aside); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("moving a broken node-soap install aside: %w", err)
	}
	defer os.RemoveAll(aside)
	if installed(aside) {
		tmp = aside
	}
	if err := os.Rename(tmp, dir); err != nil && !installed(dir) {
		return "", fmt.Errorf("moving the node-soap install into place: %w", err)
	}
	return dir, nil
}

// installed reports whether dir holds an installed node-soap.
func installed(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "node_modules", "soap", "package.json"))
	return err == nil
}

// staleAfter is the age after which a temporary install directory is a
// leftover of a killed test binary: far beyond npmInstallTimeout.
const staleAfter = time.Hour

// removeStale removes the temporary install directories under root that
// test binaries killed during npm ci left behind.
func removeStale(root string) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "install-") {
			continue
		}
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > staleAfter {
			_ = os.RemoveAll(filepath.Join(root, e.Name()))
		}
	}
}
