package app_test

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/models"
)

// csrfValue masks the per-response CSRF tokens so two pages can be compared.
var csrfValue = regexp.MustCompile(`(name="_csrf" value="|name="csrf-token" content=")[^"]*`)

// A phone-only petitioner and no SMS gateway: the page says no channel can
// deliver, the same page whether or not the phone matched, and the
// working secret keeps working. With a channel, the page says a secret is
// on its way if the details match.
func TestResendWithoutChannel(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg)
		e.Store.Delivery.SMS = false
		sub := e.Submit(models.SubmitInput{Area: "BEN-LUC", Category: "dat-dai",
			Petitioner: models.PetitionerInput{Name: "Lê Thị Hạnh", Phone: "0987 654 321", Address: "Ấp 2, xã Mỹ Yên"}})
		code := sub.Petition.Code
		cit := e.NewClient()
		for _, lang := range []string{"", "?lang=en"} {
			if status, body := cit.Get("/track/resend" + lang); status != http.StatusOK {
				t.Fatalf("form: %d", status)
			} else {
				checkTranslated(t, "resend form"+lang, body)
			}
			var pages []string
			for _, phone := range []string{"0987654321", "0911111111"} {
				resp, body := cit.PostForm("/track/resend"+lang, url.Values{"code": {code}, "contact": {phone}})
				if resp.StatusCode != http.StatusOK || !contains(body, `id="resend-no-channel"`) || contains(body, `id="resend-sent"`) {
					t.Fatalf("resend %s%s without SMS: %d", phone, lang, resp.StatusCode)
				}
				checkTranslated(t, "resend answer"+lang, body)
				pages = append(pages, csrfValue.ReplaceAllString(body, "$1"))
			}
			if pages[0] != pages[1] {
				t.Errorf("the page tells whether the phone matched (%s)", lang)
			}
		}
		if _, body := cit.PostForm("/track/resend?lang=en", url.Values{"code": {code}, "contact": {"0987654321"}}); !contains(body, "cannot send messages") {
			t.Error("the English page does not say that nothing can be sent")
		}
		var n int64
		e.Store.DB.Model(&models.OutboxMessage{}).Where("petition_id = ? AND template = ?", sub.Petition.ID, "citizen_secret").Count(&n)
		if n != 0 {
			t.Fatalf("%d secrets queued with no channel", n)
		}
		if resp, _ := cit.PostForm("/track", url.Values{"code": {code}, "secret": {sub.Secret}}); resp.StatusCode != http.StatusOK {
			t.Fatalf("working secret after resend without channel: %d", resp.StatusCode)
		}

		// With the gateway: the generic "sent if it matches".
		e.Store.Delivery.SMS = true
		resp, body := cit.PostForm("/track/resend", url.Values{"code": {code}, "contact": {"0987654321"}})
		if resp.StatusCode != http.StatusOK || !contains(body, `id="resend-sent"`) {
			t.Fatalf("resend with SMS: %d", resp.StatusCode)
		}
		e.Store.DB.Model(&models.OutboxMessage{}).Where("petition_id = ? AND template = ? AND channel = ?", sub.Petition.ID, "citizen_secret", models.OutboxSMS).Count(&n)
		if n != 1 {
			t.Fatalf("%d SMS secrets queued", n)
		}
	})
}
