package app_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"pakn/internal/axe"
	"pakn/internal/browsertest"
	"pakn/internal/testdb"
	"pakn/internal/testenv"
)

// browser starts a headless chromium with a fresh profile, or skips the test
// when there is none (fails under CI=true).
func browser(t *testing.T) context.Context { return browsertest.New(t) }

// checkAccessible opens path in a tab made ready with axe.BypassCSP and
// fails the test on each WCAG 2.1 A/AA violation axe-core finds there.
func checkAccessible(t *testing.T, ctx context.Context, base, path string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+path), chromedp.WaitReady(chromedp.CSS("main"))); err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	vs, err := axe.Check(ctx)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for _, v := range vs {
		t.Errorf("%s: %s", path, v)
	}
}

// TestBrowserSubmitAndTrack fills in /submit in a real browser, reads the
// receipt and follows the petition on /track with what it printed.
func TestBrowserSubmitAndTrack(t *testing.T) {
	ctx := browser(t)
	e := testenv.New(t, testdb.SQLite(t))
	base := e.Listen()

	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/submit"),
		chromedp.WaitVisible(chromedp.ID("title")),
		chromedp.Click(chromedp.CSS(`input[name="kind"][value="complaint"]`)),
		chromedp.SetValue(chromedp.ID("category"), "moi-truong"),
		chromedp.SetValue(chromedp.ID("area"), "CAN-GIUOC"),
		chromedp.SendKeys(chromedp.ID("title"), "Khói bụi từ lò gạch gần trường học"),
		chromedp.SendKeys(chromedp.ID("content"), "Lò gạch ở ấp Long Phú đốt vào ban ngày, khói bụi bay vào trường tiểu học. Đề nghị kiểm tra."),
		chromedp.SendKeys(chromedp.ID("address"), "Ấp Long Phú, xã Long Thượng"),
		chromedp.SendKeys(chromedp.ID("name"), "Võ Thị Hạnh"),
		chromedp.SendKeys(chromedp.ID("paddress"), "Ấp Long Phú, xã Long Thượng, huyện Cần Giuộc"),
		chromedp.SendKeys(chromedp.ID("phone"), "0933 111 222"),
		chromedp.Click(chromedp.CSS(`input[name="privacy_consent"]`)),
		chromedp.Click(chromedp.CSS(`form.form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("receipt-code")),
	)
	if err != nil {
		t.Fatalf("submit in the browser: %v", err)
	}
	text := func(sel chromedp.CSS) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return v
	}
	code, secret, receipt := text("#receipt-code"), text("#receipt-secret"), text("#receipt")
	code, secret = strings.TrimSpace(code), strings.TrimSpace(secret)
	if !codeRe.MatchString(code) || len(secret) != 14 {
		t.Fatalf("receipt shows code %q and secret %q", code, secret)
	}
	for _, s := range []string{"Giấy biên nhận", "Khói bụi từ lò gạch gần trường học", "Võ Thị Hạnh", "Ủy ban nhân dân huyện Cần Giuộc"} {
		if !strings.Contains(strings.ToLower(receipt), strings.ToLower(s)) { // CSS may upper-case headings
			t.Errorf("receipt lacks %q:\n%s", s, receipt)
		}
	}

	// The receipt is handed over on paper: it prints on one A4 page (the
	// print style sheet hides the site's header, footer and buttons).
	pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFPreferCSSPageSize()))
	if err != nil {
		t.Fatalf("print the receipt: %v", err)
	}
	if pages := regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(pdf, -1); len(pages) != 1 {
		t.Errorf("the receipt prints on %d A4 pages, want 1", len(pages))
	}

	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/track"),
		chromedp.WaitVisible(chromedp.ID("code")),
		chromedp.SendKeys(chromedp.ID("code"), code),
		chromedp.SendKeys(chromedp.ID("secret"), strings.ToLower(secret)),
		chromedp.Submit(chromedp.ID("secret")),
		chromedp.WaitVisible(chromedp.ID("track-status")),
	)
	if err != nil {
		t.Fatalf("track in the browser: %v", err)
	}
	status, timeline := text("#track-status"), text("ol.timeline")
	if strings.TrimSpace(status) != "Đã tiếp nhận, chờ xem xét" || !strings.Contains(timeline, "Ủy ban nhân dân huyện Cần Giuộc") {
		t.Fatalf("track shows status %q, timeline %q", status, timeline)
	}
}
