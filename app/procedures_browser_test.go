package app_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"pakn/internal/axe"
	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/models"
)

// TestBrowserProcedureChoice: in a real browser the procedure field is bound
// to the province's list (a datalist, no script of ours), a petition sent
// with a procedure goes to that procedure's unit, and /stats draws the
// procedure chart. The pages this issue added to or changed pass axe-core's
// WCAG 2.1 A/AA rules.
func TestBrowserProcedureChoice(t *testing.T) {
	ctx := browser(t)
	e := testenv.New(t, testdb.SQLite(t))
	base := e.Listen()

	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/submit"),
		chromedp.WaitVisible(chromedp.ID("procedure_code")),
	)
	if err != nil {
		t.Fatalf("/submit: %v", err)
	}
	options, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.getElementById("procedure_code").list.options.length`))
	if err != nil {
		t.Fatal(err)
	}
	label, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#procedure-list option[value="1.004222"]').textContent`))
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`input[name="kind"][value="complaint"]`)),
		chromedp.SetValue(chromedp.ID("category"), "cu-tru"),
		chromedp.SetValue(chromedp.ID("area"), "CAN-GIUOC"),
		chromedp.SendKeys(chromedp.ID("title"), "Hồ sơ đăng ký thường trú quá hạn"),
		chromedp.SendKeys(chromedp.ID("content"), "Tôi nộp hồ sơ đăng ký thường trú đã hơn một tháng mà chưa có kết quả, cũng không được hẹn lại."),
		chromedp.SendKeys(chromedp.ID("procedure_code"), "1.004222"),
		chromedp.SendKeys(chromedp.ID("dossier_code"), "000.00.17.H42-251201-0042"),
		chromedp.SendKeys(chromedp.ID("name"), "Võ Thị Hạnh"),
		chromedp.SendKeys(chromedp.ID("paddress"), "Ấp Long Phú, xã Long Thượng, huyện Cần Giuộc"),
		chromedp.SendKeys(chromedp.ID("phone"), "0933 111 222"),
		chromedp.Click(chromedp.CSS(`input[name="privacy_consent"]`)),
		chromedp.Click(chromedp.CSS(`form.form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("receipt-code")),
	)
	if err != nil {
		t.Fatalf("submit with a procedure in the browser: %v", err)
	}
	if n, _ := e.Store.ListProcedures(t.Context()); options != len(n) || options == 0 || !strings.Contains(label, "Đăng ký thường trú") {
		t.Fatalf("the field's list has %d options (want %d), 1.004222 reads %q", options, len(n), label)
	}
	code, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("receipt-code")))
	if err != nil {
		t.Fatal(err)
	}
	var p models.Petition
	if err := e.Store.DB.Preload("Unit").Where("code = ?", strings.TrimSpace(code)).First(&p).Error; err != nil {
		t.Fatal(err)
	}
	if p.ProcedureCode != "1.004222" || p.DossierCode != "000.00.17.H42-251201-0042" || p.Unit.Code != "CA" {
		t.Fatalf("stored %q %q at %s, want the procedure's unit CA", p.ProcedureCode, p.DossierCode, p.Unit.Code)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/stats"), chromedp.WaitVisible(chromedp.ID("chart-procedures"))); err != nil {
		t.Fatalf("/stats: %v", err)
	}
	bars, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#chart-procedures rect.bar-received").length`))
	if err != nil || bars != 1 {
		t.Fatalf("/stats procedure chart: %d bars, %v", bars, err)
	}

	if err := axe.BypassCSP(ctx); err != nil {
		t.Fatal(err)
	}
	check := func(path string) { t.Helper(); checkAccessible(t, ctx, base, path) }
	check("/submit?lang=vi")
	check("/submit?lang=en")
	check("/stats?lang=vi")
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/admin/login"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), "admin@demo.pakn.vn"),
		chromedp.SendKeys(chromedp.ID("password"), models.DemoPassword),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/admin/procedures"]`)),
	)
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	check("/admin/procedures?lang=vi")
	check("/admin/procedures?lang=en&q=khai")
	check("/admin/petitions/" + strings.TrimSpace(code) + "?lang=vi")
}
