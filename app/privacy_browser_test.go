package app_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"pakn/internal/axe"
	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/models"
)

// pageAuditJS checks, beside axe-core's WCAG 2.1 A/AA rules, what the
// guard's page must hold: the page's language, the alert, a label for every field,
// a name for every button, unique ids, no skipped heading level, and text
// contrast in the alert (4.5:1, 3:1 for large text).
const pageAuditJS = `(() => {
 const p = [];
 const box = document.getElementById("personal-data");
 if (!box) p.push("no #personal-data");
 document.querySelectorAll("input:not([type=hidden]), textarea, select").forEach(el => {
  if (!(el.labels && el.labels.length) && !el.getAttribute("aria-label")) p.push("unlabelled " + (el.id || el.name));
 });
 document.querySelectorAll("button").forEach(b => { if (!b.textContent.trim() && !b.getAttribute("aria-label")) p.push("unnamed button"); });
 const ids = {};
 document.querySelectorAll("[id]").forEach(el => { if (ids[el.id]) p.push("duplicate id " + el.id); ids[el.id] = 1; });
 let last = 0;
 document.querySelectorAll("main h1, main h2, main h3, main h4").forEach(h => {
  const n = +h.tagName[1]; if (last && n > last + 1) p.push("heading level skipped at " + h.textContent.slice(0, 30)); last = n;
 });
 const lum = c => { const [r, g, b] = c.match(/[\d.]+/g).slice(0, 3).map(Number).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
 const bg = el => { for (let e = el; e; e = e.parentElement) { const m = getComputedStyle(e).backgroundColor.match(/[\d.]+/g); if (m && (m.length < 4 || Number(m[3]) > 0)) return getComputedStyle(e).backgroundColor; } return "rgb(255, 255, 255)"; };
 if (box) box.querySelectorAll("*").forEach(el => {
  if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) return;
  const s = getComputedStyle(el), a = lum(s.color), b = lum(bg(el));
  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  const large = parseFloat(s.fontSize) >= 24 || (parseFloat(s.fontSize) >= 18.66 && Number(s.fontWeight) >= 700);
  if (ratio < (large ? 3 : 4.5)) p.push("contrast " + ratio.toFixed(2) + " on " + el.tagName + " " + el.textContent.trim().slice(0, 30));
 });
 return JSON.stringify({problems: p, lang: document.documentElement.lang, role: box ? box.getAttribute("role") : "",
  marks: box ? box.querySelectorAll("mark").length : 0, heading: box ? box.querySelector("h2").textContent : ""});
})()`

type pageAudit struct {
	Problems []string
	Lang     string
	Role     string
	Marks    int
	Heading  string
}

// The guard's page, with JavaScript off in the page: a leader's publish of
// a public answer with personal data comes back refused, findings marked in
// an alert, in Vietnamese and English, without a WCAG 2.1 A/AA violation
// axe-core finds; a finding released through its form drops out.
func TestBrowserPublishGuard(t *testing.T) {
	ctx := browser(t)
	e := testenv.New(t, testdb.SQLite(t))
	base := e.Listen()
	st, bg := e.Store, context.Background()
	sub := e.Submit(models.SubmitInput{Area: "BEN-LUC", Category: "dat-dai", PublishConsent: true})
	code := sub.Petition.Code
	officer := viewer(t, st, "officer.ben-luc@demo.pakn.vn")
	leader := viewer(t, st, "leader.ben-luc@demo.pakn.vn")
	if _, err := st.AcceptPetition(bg, officer, code); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DraftAnswer(bg, officer, code, models.DraftInput{Answer: "Trả lời riêng.", PublicQuestion: "Đường liên xã hư hỏng.",
		PublicAnswer: "Bà Đỗ Thị Dung (0988/111/222, dung.do[at]example.com) đã được hướng dẫn; đường dây nóng 0272 3826 123."}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ApproveAnswer(bg, leader, code); err != nil {
		t.Fatal(err)
	}
	page := base + "/admin/petitions/" + code
	scripts := func(on bool) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on})
			return err
		})
	}
	if err := axe.BypassCSP(ctx); err != nil {
		t.Fatal(err)
	}
	do := func(step string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	audit := func(step string) pageAudit {
		t.Helper()
		raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](pageAuditJS))
		if err != nil {
			t.Fatalf("%s: audit: %v", step, err)
		}
		var a pageAudit
		if err := json.Unmarshal([]byte(raw), &a); err != nil {
			t.Fatalf("%s: audit: %v", step, err)
		}
		for _, p := range a.Problems {
			t.Errorf("%s: %s", step, p)
		}
		// axe-core needs scripts: on for the check of the page as it is
		// (no reload), off again for the next step.
		if err := chromedp.Do(ctx, scripts(true)); err != nil {
			t.Fatal(err)
		}
		vs, err := axe.Check(ctx)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		for _, v := range vs {
			t.Errorf("%s: %s", step, v)
		}
		if err := chromedp.Do(ctx, scripts(false)); err != nil {
			t.Fatal(err)
		}
		return a
	}
	do("leader signs in without JavaScript", scripts(false),
		chromedp.Navigate(base+"/admin/login"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), "leader.ben-luc@demo.pakn.vn"),
		chromedp.SendKeys(chromedp.ID("password"), models.DemoPassword),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/admin/petitions/`+code+`"]`)),
	)
	for _, c := range []struct{ lang, heading string }{{"vi", "Chưa công khai được"}, {"en", "Not published"}} {
		do(c.lang+": publish", chromedp.Navigate(base+"/admin?lang="+c.lang), chromedp.Navigate(page),
			chromedp.WaitVisible(chromedp.ID("act-publish")), chromedp.Click(chromedp.ID("act-publish")),
			chromedp.WaitVisible(chromedp.CSS(`#personal-data[role="alert"]`)))
		a := audit(c.lang + " refusal")
		if a.Lang != c.lang || a.Role != "alert" || a.Marks != 4 || len(a.Heading) < len(c.heading) || a.Heading[:len(c.heading)] != c.heading {
			t.Errorf("%s refusal: %+v", c.lang, a)
		}
	}
	do("release the hotline",
		chromedp.SetValue(chromedp.ID("release-reason-4"), "Đường dây nóng của UBND huyện"),
		chromedp.Click(chromedp.CSS(`#release-reason-4 ~ button`)),
		chromedp.WaitVisible(chromedp.CSS(`#personal-data[role="status"]`)),
	)
	if a := audit("after the release"); a.Marks != 3 {
		t.Errorf("after the release: %+v", a)
	}
}
