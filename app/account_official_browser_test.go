package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"pakn/internal/axe"
	"pakn/internal/testdb"
	"pakn/internal/testenv"
)

// checkWCAG fails the test on any WCAG 2.1 A or AA violation axe-core
// finds on the page the tab shows.
func checkWCAG(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	vs, err := axe.Check(ctx)
	if err != nil {
		t.Fatalf("axe on %s: %v", page, err)
	}
	for _, v := range vs {
		t.Errorf("%s: %v", page, v)
	}
}

// wcagBrowser is a browser tab axe-core can check.
func wcagBrowser(t *testing.T) context.Context {
	t.Helper()
	ctx := browser(t)
	if err := axe.BypassCSP(ctx); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// stepper runs named browser steps, failing the test on the first error.
func stepper(t *testing.T, ctx context.Context) func(string, ...chromedp.Action[chromedp.Void]) {
	return func(step string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
}

// An official turns on two-step sign-in in a real browser: the QR code is
// an image the browser decodes, the key typed from the page confirms it,
// the recovery codes show once, and the next sign-in asks for a code.
// Every page of the journey, in Vietnamese and English, passes axe.
func TestBrowserTwoFactorEnrolment(t *testing.T) {
	ctx := wcagBrowser(t)
	e := testenv.New(t, testdb.SQLite(t))
	base := e.Listen()
	u, _ := newOfficial(t, e)
	do := stepper(t, ctx)
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}
	signIn := func() {
		do("sign in",
			chromedp.Navigate(base+"/admin/login"),
			chromedp.WaitVisible(chromedp.ID("email")),
			chromedp.SendKeys(chromedp.ID("email"), u.Email),
			chromedp.SendKeys(chromedp.ID("password"), officialPassword),
			chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		)
	}
	signIn()
	do("account page", chromedp.WaitVisible(chromedp.CSS(`a[href="/admin/account"]`)), chromedp.Navigate(base+"/admin/account"), chromedp.WaitVisible(chromedp.ID("setup-2fa")))
	checkWCAG(t, ctx, "/admin/account")
	do("English account page", chromedp.Navigate(base+"/admin/account?lang=en"), chromedp.WaitVisible(chromedp.ID("setup-2fa")))
	checkWCAG(t, ctx, "/admin/account?lang=en")
	do("set up", chromedp.Navigate(base+"/admin/account?lang=vi"), chromedp.WaitVisible(chromedp.ID("setup-2fa")), chromedp.Click(chromedp.ID("setup-2fa")), chromedp.WaitVisible(chromedp.ID("qr")))
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.getElementById('qr').complete ? document.getElementById('qr').naturalWidth : -1`))
	if err != nil || width < 200 {
		t.Fatalf("the QR code does not load as an image: width %d, %v", width, err)
	}
	checkWCAG(t, ctx, "/admin/account/2fa")
	secret := text("#totp-secret")
	do("confirm",
		chromedp.SendKeys(chromedp.ID("code"), totpCode(t, secret, time.Now())),
		chromedp.Click(chromedp.CSS(`form[action="/admin/account/2fa/confirm"] button`)),
		chromedp.WaitVisible(chromedp.ID("recovery-codes")),
	)
	codes := strings.Fields(text("#recovery-codes"))
	if len(codes) != 10 {
		t.Fatalf("recovery codes shown: %v", codes)
	}
	checkWCAG(t, ctx, "recovery codes")
	do("sign out", chromedp.Click(chromedp.CSS(`form[action="/admin/logout"] button`)), chromedp.WaitVisible(chromedp.ID("email")))
	checkWCAG(t, ctx, "/admin/login")
	signIn()
	do("second step", chromedp.WaitVisible(chromedp.ID("code")))
	checkWCAG(t, ctx, "/admin/login/code")
	do("recovery code",
		chromedp.SendKeys(chromedp.ID("code"), codes[0]),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/admin/account"]`)),
		chromedp.Navigate(base+"/admin/account"),
		chromedp.WaitVisible(chromedp.ID("two-factor-state")),
	)
	if state := text("#two-factor-state"); !strings.Contains(state, "Còn 9 mã dự phòng") {
		t.Fatalf("account page after a recovery code: %q", state)
	}
	checkWCAG(t, ctx, "/admin/account (two steps on)")
	do("wrong password change", chromedp.SendKeys(chromedp.ID("current"), "sai mật khẩu"), chromedp.SendKeys(chromedp.ID("new"), "ngắn quá nhé"),
		chromedp.SendKeys(chromedp.ID("confirm"), "ngắn quá nhé"), chromedp.Click(chromedp.CSS(`form[action="/admin/account/password"] button`)), chromedp.WaitVisible(chromedp.ID("errors")))
	checkWCAG(t, ctx, "/admin/account with errors")
}

// The administrator's side: the users page with its sign-in actions, the
// link shown once, and the page behind the link, in both languages.
func TestBrowserResetPagesWCAG(t *testing.T) {
	ctx := wcagBrowser(t)
	e := testenv.New(t, testdb.SQLite(t))
	base := e.Listen()
	u, _ := newOfficial(t, e)
	do := stepper(t, ctx)
	do("admin signs in",
		chromedp.Navigate(base+"/admin/login"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), "admin@demo.pakn.vn"),
		chromedp.SendKeys(chromedp.ID("password"), "demo-pakn-2026"),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/admin/users"]`)),
	)
	for _, lang := range []string{"en", "vi"} {
		do("users page", chromedp.Navigate(base+"/admin/users?lang="+lang), chromedp.WaitVisible(chromedp.ID("users")))
		checkWCAG(t, ctx, "/admin/users?lang="+lang)
	}
	reset := `form[action="/admin/users/` + strconvFormat(u.ID) + `/reset"] button`
	do("issue a reset link", chromedp.Click(chromedp.CSS(reset)), chromedp.WaitVisible(chromedp.ID("reset-link")))
	checkWCAG(t, ctx, "reset link shown")
	link, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("reset-link")))
	if err != nil {
		t.Fatal(err)
	}
	link = strings.Replace(strings.TrimSpace(link), "http://pakn.test", base, 1)
	// The link is for the official, on their own browser.
	do("admin signs out", chromedp.Navigate(base+"/admin/users"), chromedp.WaitVisible(chromedp.ID("users")),
		chromedp.Click(chromedp.CSS(`form[action="/admin/logout"] button`)), chromedp.WaitVisible(chromedp.CSS(`form[action="/admin/login"]`)))
	for _, lang := range []string{"en", "vi"} {
		do("reset page", chromedp.Navigate(link+"?lang="+lang), chromedp.WaitVisible(chromedp.ID("new")))
		checkWCAG(t, ctx, "/admin/reset?lang="+lang)
	}
	const fresh = "nước chảy đá mòn năm 2027"
	do("weak password", chromedp.SendKeys(chromedp.ID("new"), "password1234"), chromedp.SendKeys(chromedp.ID("confirm"), "password1234"),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)), chromedp.WaitVisible(chromedp.ID("errors")))
	checkWCAG(t, ctx, "/admin/reset with errors")
	do("new password", chromedp.SendKeys(chromedp.ID("new"), fresh), chromedp.SendKeys(chromedp.ID("confirm"), fresh),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)), chromedp.WaitVisible(chromedp.ID("email")))
	if txt, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[role="status"]`))); !strings.Contains(txt, "mật khẩu mới") {
		t.Fatalf("sign-in page after the reset: %q", txt)
	}
}
