package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/models"
)

// An officer of BEN-LUC drafts the answer, the leader approves and
// publishes it, and the citizen reads it on the public tracking page.
func TestBrowserDraftApprovePublish(t *testing.T) {
	ctx := browser(t)
	e := testenv.New(t, testdb.SQLite(t))
	base := e.Listen()
	sub := e.Submit(models.SubmitInput{Area: "BEN-LUC", Category: "dat-dai", PublishConsent: true})
	code := sub.Petition.Code
	var u models.User
	if err := e.Store.DB.Where("email = ?", "officer.ben-luc@demo.pakn.vn").First(&u).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := e.Store.AcceptPetition(context.Background(), models.ViewerOf(&u), code); err != nil {
		t.Fatal(err)
	}
	page := base + "/admin/petitions/" + code
	login := func(email string) []chromedp.Action[chromedp.Void] {
		return []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(base + "/admin/login"),
			chromedp.WaitVisible(chromedp.ID("email")),
			chromedp.SendKeys(chromedp.ID("email"), email),
			chromedp.SendKeys(chromedp.ID("password"), models.DemoPassword),
			chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`a[href="/admin/petitions/` + code + `"]`)),
		}
	}
	do := func(step string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID(sel)))
		if err != nil {
			t.Fatalf("text of #%s: %v", sel, err)
		}
		return s
	}
	const answer = "UBND huyện Bến Lức sẽ sửa chữa đoạn đường liên xã trong quý II năm 2026."
	do("officer signs in", login("officer.ben-luc@demo.pakn.vn")...)
	do("officer drafts",
		chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.ID("answer")),
		chromedp.SetValue(chromedp.ID("answer"), answer),
		chromedp.Click(chromedp.ID("act-draft")),
		chromedp.WaitVisible(chromedp.ID("petition-answer")), // the saved draft
	)
	if status := text("petition-status"); !strings.Contains(status, "Chờ lãnh đạo duyệt") {
		t.Errorf("status after the draft: %q", status)
	}
	do("officer signs out",
		chromedp.Click(chromedp.CSS(`form[action="/admin/logout"] button`)),
		chromedp.WaitVisible(chromedp.ID("email")),
	)
	do("leader signs in", login("leader.ben-luc@demo.pakn.vn")...)
	do("leader approves and publishes",
		chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.ID("act-approve")),
		chromedp.Click(chromedp.ID("act-approve")),
		chromedp.WaitVisible(chromedp.ID("act-publish")),
		chromedp.Click(chromedp.ID("act-publish")),
		chromedp.WaitVisible(chromedp.ID("act-unpublish")),
	)
	do("citizen tracks",
		chromedp.Navigate(base+"/track"),
		chromedp.WaitVisible(chromedp.ID("code")),
		chromedp.SendKeys(chromedp.ID("code"), code),
		chromedp.SendKeys(chromedp.ID("secret"), sub.Secret),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("track-answer")),
	)
	if tracked := text("track-answer"); !strings.Contains(tracked, "quý II năm 2026") {
		t.Errorf("track page answer: %q", tracked)
	}
	var item models.PublishedItem
	if err := e.Store.DB.Where("id = ?", models.AnswerItemID(sub.Petition.ID)).First(&item).Error; err != nil {
		t.Fatalf("published item: %v", err)
	}
	publicAnswer := item.Answer
	if !strings.Contains(publicAnswer, "quý II năm 2026") || item.Withdrawn {
		t.Errorf("published answer: %q", publicAnswer)
	}
	// If the public Q&A page exists in this tree, it shows the answer.
	do("public page", chromedp.Navigate(base+"/qa/"+item.ID))
	if qa, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main"))); err == nil &&
		!strings.Contains(qa, "Không tìm thấy") && !strings.Contains(qa, "quý II năm 2026") {
		t.Errorf("/qa/%s does not show the answer: %.200q", item.ID, qa)
	}
}
