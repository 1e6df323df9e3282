package app_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"pakn/internal/testdb"
	"pakn/models"
)

// On a phone (375 px) no page scrolls sideways: officials' pages included.
func TestBrowserPhoneWidth(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: browser test (starts chromium)")
	}
	ctx := browser(t)
	e := portalEnv(t, testdb.SQLite(t))
	base := e.Listen()
	f := newFixture(t, e)
	f.t = t
	code := f.petition(models.StatusDrafted)
	for range 3 {
		f.petition(models.StatusReceived)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(375, 740)); err != nil {
		t.Fatal(err)
	}
	overflow := func(path string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(base+path), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
			t.Fatalf("open %s: %v", path, err)
		}
		w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		if err != nil {
			t.Fatal(err)
		}
		// Every page says its language, has a title of its own and one
		// main heading.
		shape, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[document.documentElement.lang, document.title, document.querySelectorAll("h1").length].join("|")`))
		if err != nil {
			t.Fatal(err)
		}
		if parts := strings.Split(shape, "|"); parts[0] != "vi" && parts[0] != "en" || parts[1] == "" || parts[2] != "1" {
			t.Errorf("%s: lang %q, title %q, %s h1 (want vi or en, a title, one h1)", path, parts[0], parts[1], parts[2])
		}
		if dir := os.Getenv("PAKN_SCREENSHOTS"); dir != "" && w <= 375 {
			// Every page, for a person to look at.
			shot, _ := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			_ = os.WriteFile(filepath.Join(dir, fmt.Sprintf("phone-%x.png", path)), shot, 0o644)
		}
		if w > 375 {
			shot, _ := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			name := filepath.Join(t.TempDir(), fmt.Sprintf("phone-%d.png", len(path)))
			if dir := os.Getenv("PAKN_SCREENSHOTS"); dir != "" {
				name = filepath.Join(dir, fmt.Sprintf("phone-%x.png", path))
			}
			_ = os.WriteFile(name, shot, 0o644)
			wide, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("body *")].filter(e => {
  if (e.getBoundingClientRect().right <= 376) return false;
  for (let p = e.parentElement; p; p = p.parentElement) { const o = getComputedStyle(p).overflowX; if (o === "auto" || o === "hidden" || o === "scroll") return false; }
  return true;
}).slice(-3).map(e => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().right))`))
			t.Errorf("%s is %d px wide at 375 px (screenshot %s; widest: %v)", path, w, name, wide)
		}
	}
	for _, path := range []string{"/", "/search?q=đất", "/faq", "/submit", "/track", "/stats", "/admin/login"} {
		overflow(path)
	}
	for _, who := range []struct {
		email string
		pages []string
	}{
		{"leader.ben-luc@demo.pakn.vn", []string{"/admin", "/admin/petitions/" + code, "/admin/faq"}},
		{"clerk@demo.pakn.vn", []string{"/admin", "/admin/submit"}},
		{"coordinator@demo.pakn.vn", []string{"/admin", "/admin/embed", "/admin/synonyms"}},
		{"admin@demo.pakn.vn", []string{"/admin/units", "/admin/areas", "/admin/categories", "/admin/rules", "/admin/holidays", "/admin/policies", "/admin/users", "/admin/keys", "/admin/outbox", "/admin/procedures"}},
	} {
		err := chromedp.Do(ctx,
			chromedp.Navigate(base+"/admin/login"),
			chromedp.WaitVisible(chromedp.ID("email")),
			chromedp.SendKeys(chromedp.ID("email"), who.email),
			chromedp.SendKeys(chromedp.ID("password"), models.DemoPassword),
			chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
			chromedp.WaitReady(chromedp.CSS(`form[action="/admin/logout"]`)),
		)
		if err != nil {
			t.Fatalf("sign in as %s: %v", who.email, err)
		}
		for _, p := range who.pages {
			overflow(p)
		}
		if err := chromedp.Do(ctx, chromedp.Submit(chromedp.CSS(`form[action="/admin/logout"]`)), chromedp.WaitVisible(chromedp.CSS("main"))); err != nil {
			t.Fatalf("sign out: %v", err)
		}
	}
}
