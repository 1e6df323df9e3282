package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"pakn/internal/axe"
	"pakn/internal/testdb"
	"pakn/models"
)

// The portal's pages, an answer page and the administrator's embed page
// pass axe-core's WCAG 2.1 A/AA rules, in Vietnamese and English.
func TestBrowserPortalPagesAccessible(t *testing.T) {
	ctx := browser(t)
	e := portalEnv(t, testdb.SQLite(t))
	base := e.Listen()
	sub := e.Submit(models.SubmitInput{Area: "BEN-LUC", Category: "dat-dai", PublishConsent: true})
	answer := publishAnswer(t, e, sub, "Đường ấp 3 khi nào được sửa?", "Đường sẽ được sửa trong quý II.", time.Now())
	if err := axe.BypassCSP(ctx); err != nil {
		t.Fatal(err)
	}
	check := func(path string) { t.Helper(); checkAccessible(t, ctx, base, path) }
	for _, lang := range []string{"vi", "en"} {
		for _, path := range []string{"/embed/latest?limit=5", "/embed/search?q=" + "đường", "/embed/search?q=zzzqqq", "/qa/" + answer} {
			sep := "?"
			if strings.Contains(path, "?") {
				sep = "&"
			}
			check(path + sep + "lang=" + lang)
		}
	}
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/admin/login"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), "admin@demo.pakn.vn"),
		chromedp.SendKeys(chromedp.ID("password"), models.DemoPassword),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/admin/embed"]`)),
	)
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	check("/admin/embed?lang=vi")
	check("/admin/embed?lang=en")
}
