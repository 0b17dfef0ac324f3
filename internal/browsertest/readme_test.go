package browsertest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/internal/testref"
	"github.com/esfkit/esf/mockserver"
)

// built is cmd/esf as the tests' one build of it: its folder is removed
// by TestMain.
var built struct {
	sync.Mutex
	dir, bin string
	err      error
}

// TestMain removes the esf binary the tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		_ = os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// buildESF builds cmd/esf on the first call and returns the binary; a
// failed build fails every test that asks.
func buildESF(t *testing.T) string {
	t.Helper()
	built.Lock()
	defer built.Unlock()
	if built.bin == "" && built.err == nil {
		built.dir, built.err = os.MkdirTemp("", "esf-browsertest-")
		if built.err == nil {
			bin := filepath.Join(built.dir, "esf")
			cmd := exec.Command("go", "build", "-o", bin, "./cmd/esf")
			cmd.Dir = testref.Root()
			if out, err := cmd.CombinedOutput(); err != nil {
				built.err = fmt.Errorf("go build ./cmd/esf: %w: %s", err, out)
			} else {
				built.bin = bin
			}
		}
	}
	require.NoError(t, built.err)
	return built.bin
}

// start runs the command and returns the URL its first line announces
// ("listening on URL"); the process is stopped when the test ends.
func start(t *testing.T, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("%s stderr:\n%s", strings.Join(args[:2], " "), stderr.String())
		}
	})
	lines := bufio.NewScanner(out)
	got := make(chan string, 1)
	go func() {
		for lines.Scan() {
			if u, ok := strings.CutPrefix(lines.Text(), "listening on "); ok {
				got <- u
				break
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case u := <-got:
		return strings.TrimSpace(u)
	case <-time.After(60 * time.Second):
		t.Fatalf("%s: no \"listening on\" line in 60 s; stderr: %s", strings.Join(args, " "), stderr.String())
		return ""
	}
}

// The README's three commands — esf mock serve, esf ncalayer serve --demo
// --plain, a browser on the portal — are all a person needs to register
// and log in. The test runs the binary as the README does, with free ports
// in place of 8080 and 13579 (and so --ncalayer-url), and clicks through
// an individual's registration with the demo keys.
func TestREADMECommandsInBrowser(t *testing.T) {
	chromiumPath(t)
	bin := buildESF(t)
	nl := start(t, bin, "ncalayer", "serve", "--demo", "--plain", "--addr", "127.0.0.1:0")
	require.True(t, strings.HasPrefix(nl, "ws://127.0.0.1:"), nl)
	base := start(t, bin, "mock", "serve", "--allow-test-identities", "--addr", "127.0.0.1:0", "--ncalayer-url", nl)

	ctl, err := mockserver.NewControlClient(base, mockserver.ControlClientOptions{})
	require.NoError(t, err)
	p := &portal{browser: newBrowser(t), base: base, ctl: ctl}

	const email = "demo@example.kz"
	p.open("/esf-web/", "#home-register-link")
	p.shot("home")
	p.register(esfreg.Individual, email, 1)
	p.followMail(email)
	p.logIn(password)
	p.waitText("#app-registered", "Регистрация завершена")
	p.shot("account")
	assert.Equal(t, email, p.text("#app-email"))
}

// With the same demo keys a head registers his company: the pages ask
// NCALayer for the organization's key (basics.sign with the ORGANIZATION
// role in signerParams), so the stand-in signs step 1 and both
// agreements with the head's GOST key, not the individual's RSA one.
func TestREADMEDemoLegalEntityInBrowser(t *testing.T) {
	chromiumPath(t)
	bin := buildESF(t)
	nl := start(t, bin, "ncalayer", "serve", "--demo", "--plain", "--addr", "127.0.0.1:0")
	base := start(t, bin, "mock", "serve", "--allow-test-identities", "--addr", "127.0.0.1:0", "--ncalayer-url", nl)
	ctl, err := mockserver.NewControlClient(base, mockserver.ControlClientOptions{})
	require.NoError(t, err)
	// The company in the register, as /_mock/ui/taxpayers publishes it.
	_, err = ctl.SeedTaxpayers(context.Background(), true, esfreg.Taxpayer{TIN: certstest.TestBIN, NameRu: certstest.TestOrganization,
		Type: esfreg.EnterprisePrivate, Resident: true, EnterpriseAdministrator: certstest.TestIIN, AddressRu: "г. Астана"})
	require.NoError(t, err)
	p := &portal{browser: newBrowser(t), base: base, ctl: ctl}

	const email = "head@example.kz"
	p.register(esfreg.LegalEntity, email, 2)
	p.followMail(email)
	p.logIn(password)
	p.do("the choice of profile", chromedp.WaitVisible(chromedp.CSS("#profile-form")))
	p.click("#profile-option-" + certstest.TestBIN + "-ADMIN_ENTERPRISE")
	p.click("#profile-submit")
	p.waitText("#app-current-profile", certstest.TestBIN)
	p.shot("account")
}
