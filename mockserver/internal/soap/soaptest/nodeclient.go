// Package soaptest runs a WSDL-driven SOAP client (node-soap) against a
// server, for the mock's tests: it proves the WSDLs and the envelopes work
// with a client built from them rather than by hand.
package soaptest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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

// RunNodeClient runs testdata/soapclient.js, a node-soap client built from
// the WSDLs served under baseURL (/esf-web/ws/api1/{Version,Auth,Session}
// Service?wsdl), through the whole session flow: getVersion,
// createAuthTicket(iin), createSessionSigned(tin, sign(ticket)) with a
// WS-Security UsernameToken (iin, password), currentUser,
// currentUserProfiles, currentSessionStatus, closeSession (UsernameToken),
// then currentUser again, expected to fail. sign receives the
// authTicketXml and returns the signed ticket; nil passes the ticket on
// unsigned.
//
// It returns the script's result: "version", "authTicketXml",
// "sessionId", "user", "profiles", "status", "closed" (the operations'
// results as node-soap parsed them), "afterClose" (the fault:
// "message", "status", "fault"), "operations" (per service, the operations
// node-soap found in the WSDL), "requests" and "responses" (the raw XML
// sent and received, by operation). A failing call fails t.
//
// node-soap NodeSoapVersion is installed once with npm ci into
// os.UserCacheDir()/esfkit-node-soap: about 3 s when npm's own cache is
// warm, 15–20 s from the registry, nothing on later runs. t is skipped when node or npm is missing
// or the install fails, unless EnvRequireNode is set, and in -short mode.
func RunNodeClient(t testing.TB, baseURL string, sign func(ticketXML string) string, iin, password, tin string) map[string]any {
	t.Helper()
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
		t.Fatalf("soap: reading the embedded script: %v", err)
	}
	scriptPath := filepath.Join(t.TempDir(), "soapclient.js")
	if err := os.WriteFile(scriptPath, script, 0o644); err != nil {
		t.Fatalf("soap: writing the script: %v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), nodeRunTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", scriptPath, baseURL, iin, password, tin)
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(dir, "node_modules"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("soap: %v", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("soap: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("soap: starting node: %v", err)
	}

	var (
		result  map[string]any
		failure string
	)
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	for sc.Scan() {
		var msg struct {
			Ticket *string         `json:"ticket"`
			Result map[string]any  `json:"result"`
			Error  string          `json:"error"`
			Detail json.RawMessage `json:"detail"`
		}
		if err := json.Unmarshal(sc.Bytes(), &msg); err != nil {
			t.Logf("node-soap client: %s", sc.Bytes())
			continue
		}
		switch {
		case msg.Ticket != nil:
			signed := *msg.Ticket
			if sign != nil {
				signed = sign(signed)
			}
			line, _ := json.Marshal(signed)
			if _, err := stdin.Write(append(line, '\n')); err != nil {
				failure = fmt.Sprintf("handing the signed ticket to node: %v", err)
			}
		case msg.Result != nil:
			result = msg.Result
		case msg.Error != "":
			failure = msg.Error + "\n" + string(msg.Detail)
		}
	}
	_ = stdin.Close()
	waitErr := cmd.Wait()
	switch {
	case failure != "":
		t.Fatalf("node-soap client failed: %s\nstderr:\n%s", failure, stderr.Bytes())
	case waitErr != nil:
		t.Fatalf("node-soap client: %v\nstderr:\n%s", waitErr, stderr.Bytes())
	case result == nil:
		t.Fatalf("node-soap client printed no result\nstderr:\n%s", stderr.Bytes())
	}
	return result
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
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "soap", "package.json")); err == nil {
		return dir, nil
	}

	// Install beside the final place and rename, so concurrent test
	// binaries never see a half-installed tree.
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
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
	installed := func() bool {
		_, err := os.Stat(filepath.Join(dir, "node_modules", "soap", "package.json"))
		return err == nil
	}
	if err := os.Rename(tmp, dir); err != nil {
		if installed() {
			return dir, nil // another test binary won the race
		}
		// A broken leftover: replace it.
		if err := os.RemoveAll(dir); err != nil {
			return "", err
		}
		if err := os.Rename(tmp, dir); err != nil {
			return "", fmt.Errorf("moving the node-soap install into place: %w", err)
		}
	}
	return dir, nil
}
