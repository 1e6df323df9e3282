// Package browsertest starts the headless chromium that page tests drive
// with chromedp (Debian's package, --no-sandbox), or skips the test where
// there is none (fails under CI=true) and in the fast tier (go test -short).
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"pakn/internal/testdb"
)

// ChromiumPath is where Debian's chromium package puts the browser.
const ChromiumPath = "/usr/bin/chromium"

// New starts a headless chromium with a fresh profile and returns a tab's
// context, with three minutes for the test's actions (a busy 2-core
// machine runs axe-core's checks slowly).
func New(t testing.TB) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("short mode: browser test (starts chromium)")
	}
	path := ChromiumPath
	if _, err := os.Stat(path); err != nil {
		if p, err := exec.LookPath("chromium"); err == nil {
			path = p
		} else {
			if testdb.CI() {
				t.Fatalf("chromium is missing at %s under CI=true (apt-get install -y chromium)", ChromiumPath)
			}
			t.Skipf("browser test skipped: chromium is not installed at %s (apt-get install -y chromium)", ChromiumPath)
		}
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	// The first call starts the browser and must not carry a timeout (it
	// would end the browser); later calls get one from this context.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium at %s: %v", path, err)
	}
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancelTimeout)
	return ctx
}
