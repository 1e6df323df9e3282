package app_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"pakn/internal/axe"
	"pakn/internal/testdb"
	"pakn/models"
)

// TestBrowserCitizenAccount is a citizen's journey in chromium: sign in at
// the provider from /submit, agree to what is kept, submit with the details
// already there, find the petition under /account, sign out here and at
// the provider.
func TestBrowserCitizenAccount(t *testing.T) {
	ctx := browser(t)
	w := newOIDCWorld(t, testdb.SQLite(t), worldOptions{})
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return strings.TrimSpace(v)
	}
	err := chromedp.Do(ctx,
		chromedp.Navigate(w.base+"/submit"),
		chromedp.Click(chromedp.CSS(`#signin a`)),
		chromedp.Click(chromedp.ID("demo-citizen-2")),
		chromedp.WaitVisible(chromedp.ID("consent-profile")),
		chromedp.Click(chromedp.ID("consent")),
		chromedp.Click(chromedp.ID("consent-accept")),
		chromedp.WaitVisible(chromedp.ID("prefilled")),
	)
	if err != nil {
		t.Fatalf("sign in from /submit: %v", err)
	}
	name, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("name")))
	if err != nil || name != "Trần Thị Bích" {
		t.Fatalf("/submit prefilled with name %q (%v)", name, err)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`input[name="kind"][value="recommendation"]`)),
		chromedp.SetValue(chromedp.ID("category"), "moi-truong"),
		chromedp.SendKeys(chromedp.ID("title"), "Đề nghị nạo vét kênh ấp 3"),
		chromedp.SendKeys(chromedp.ID("content"), "Kênh thủy lợi ấp 3 xã Long Hậu bị bồi lắng, nước không thoát được khi mưa lớn."),
		chromedp.Click(chromedp.CSS(`input[name="privacy_consent"]`)),
		chromedp.Click(chromedp.CSS(`form.form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("receipt-code")),
	)
	if err != nil {
		t.Fatalf("submit signed in: %v", err)
	}
	code := text("#receipt-code")
	err = chromedp.Do(ctx,
		chromedp.Navigate(w.base+"/account"),
		chromedp.WaitVisible(chromedp.ID("petitions")),
	)
	if err != nil {
		t.Fatalf("/account: %v", err)
	}
	row := text("#p-" + code)
	if !strings.Contains(row, "Đề nghị nạo vét kênh ấp 3") || !strings.Contains(row, "Đã tiếp nhận") {
		t.Fatalf("/account shows %q for %s", row, code)
	}
	if id := text("#id-number"); !strings.HasPrefix(id, "••••••••5678") {
		t.Fatalf("ID number shown as %q", id)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("signout")),
		chromedp.WaitVisible(chromedp.ID("home-q")),
	)
	at, lerr := chromedp.Run(ctx, chromedp.Location())
	if err != nil || lerr != nil || at != w.base+"/" {
		t.Fatalf("after sign-out the browser is at %q (%v)", at, err)
	}
	var sessions int64
	w.env.Store.DB.Table("citizen_sessions").Count(&sessions)
	if sessions != 0 {
		t.Fatalf("%d citizen sessions after sign-out", sessions)
	}
}

// The citizen's new pages pass axe-core's WCAG 2.1 A/AA rules, in
// Vietnamese and English: the provider's choice page, consent, /submit
// with the sign-in button and prefilled, /account, a refused sign-in.
func TestBrowserCitizenPagesAccessible(t *testing.T) {
	ctx := browser(t)
	w := newOIDCWorld(t, testdb.SQLite(t), worldOptions{})
	if err := axe.BypassCSP(ctx); err != nil {
		t.Fatal(err)
	}
	check := func(what string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.WaitReady(chromedp.CSS("main"))); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		vs, err := axe.Check(ctx)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		for _, v := range vs {
			t.Errorf("%s: %s", what, v)
		}
	}
	open := func(path string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(w.base+path)); err != nil {
			t.Fatalf("open %s: %v", path, err)
		}
		check(path)
	}
	open("/submit?lang=en")
	open("/submit?lang=vi")
	open("/account/callback?state=forged")
	if err := chromedp.Do(ctx, chromedp.Navigate(w.base+"/account/login"), chromedp.WaitVisible(chromedp.ID("demo-citizen-1"))); err != nil {
		t.Fatal(err)
	}
	check("the provider's choice page")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("demo-citizen-1")), chromedp.WaitVisible(chromedp.ID("consent"))); err != nil {
		t.Fatal(err)
	}
	check("/account/consent")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("consent-accept")), chromedp.WaitVisible(chromedp.CSS(`[role="alert"]`))); err != nil {
		t.Fatal(err)
	}
	check("/account/consent without the tick")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("consent")), chromedp.Click(chromedp.ID("consent-accept")), chromedp.WaitVisible(chromedp.ID("signout"))); err != nil {
		t.Fatal(err)
	}
	var accID int64
	w.env.Store.DB.Table("citizen_accounts").Select("id").Scan(&accID)
	w.env.Submit(models.SubmitInput{AccountID: &accID})
	open("/account?lang=en")
	open("/account?lang=vi")
	open("/submit")
	// On a phone the petitions' table scrolls inside itself, not the page.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(375, 740), chromedp.Navigate(w.base+"/account"), chromedp.WaitVisible(chromedp.ID("petitions"))); err != nil {
		t.Fatal(err)
	}
	if width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || width > 375 {
		t.Errorf("/account at 375 px is %d px wide (%v)", width, err)
	}
}
