package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// EnvRequireBrowser, set to 1 (as .ci/run sets it), turns an absent
// chromium from a skip into a failure.
const EnvRequireBrowser = "ESF_REQUIRE_BROWSER"

// EnvScreenshots names a folder to keep the screenshots in; without it they
// go to a temporary folder that outlives the test (its path is logged).
const EnvScreenshots = "ESF_SCREENSHOTS"

// chromiumPath finds Debian's chromium (or another Chromium-based browser),
// or skips t saying why — failing it when ESF_REQUIRE_BROWSER=1.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const msg = "no chromium on PATH (Debian package chromium; .ci/run installs it)"
	if os.Getenv(EnvRequireBrowser) == "1" {
		t.Fatalf("required in this run (%s=1): %s", EnvRequireBrowser, msg)
	}
	t.Skip(msg)
	return ""
}

// browser is one headless chromium and the folder its screenshots go to.
type browser struct {
	t    *testing.T
	ctx  context.Context
	dir  string
	step atomic.Int32
}

// newBrowser starts a headless chromium for t, closed when t ends. Every
// action runs under a deadline, so a page that never shows what a test
// waits for fails the test instead of hanging it.
// extra adds flags (such as which certificates to trust).
func newBrowser(t *testing.T, extra ...chromedp.ExecAllocatorOption) *browser {
	t.Helper()
	path := chromiumPath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox, // CI runs as root, where chromium's sandbox cannot start
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1100, 900),
		chromedp.UserDataDir(t.TempDir()),
	)
	opts = append(opts, extra...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithErrorf(t.Logf))
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The browser lives as long as the context of its first action: start
	// it on ctx itself, not on a context with a deadline.
	require.NoError(t, chromedp.Do(ctx), "starting %s", path)

	dir := os.Getenv(EnvScreenshots)
	if dir == "" {
		var err error
		dir, err = os.MkdirTemp("", "esf-screenshots-")
		require.NoError(t, err)
	}
	dir = filepath.Join(dir, sanitize(t.Name()))
	require.NoError(t, os.MkdirAll(dir, 0o755))
	t.Logf("screenshots in %s", dir)
	return &browser{t: t, ctx: ctx, dir: dir}
}

// do runs steps under a 30-second deadline, failing the test with what
// was being done (and a screenshot of it) when one fails.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.shot("failed-" + what)
		b.t.Fatalf("%s: %v", what, err)
	}
}

// get runs one action that returns a value, as do does.
func get[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.shot("failed-" + what)
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// shot saves a screenshot of the whole page as NN-name.png.
func (b *browser) shot(name string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	file := filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", b.step.Add(1), sanitize(name)))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
	}
	return file
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '-'
	}, s)
}
