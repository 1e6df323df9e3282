package app_test

import (
	"html"
	"net/http"
	"net/url"
	"testing"
	"time"

	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/models"
	"pakn/models/workdays"
)

// TestDeskDateLimits: the desk form refuses a date of receipt older than
// PAKN_DESK_MAX_AGE_DAYS or in the future with 400 and the field's message,
// and writes nothing.
func TestDeskDateLimits(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg)
		clerk := e.Login("clerk@demo.pakn.vn")
		clerk.Get("/admin/submit")
		vn := time.Now().In(workdays.VietnamLocation())
		form := func(date string) url.Values {
			return url.Values{
				"channel": {"post"}, "received_at": {date}, "kind": {"complaint"}, "category": {"dat-dai"}, "area": {"BEN-LUC"},
				"title": {"Đường hư"}, "content": {"Đường liên xã bị hư hỏng nặng, đề nghị sửa chữa."},
				"name": {"Phạm Văn Cụ"}, "petitioner_address": {"Ấp 2"}, "phone": {"0901111222"},
			}
		}
		cases := []struct {
			date, want string
		}{
			{"0001-01-01", "Ngày nhận không được sớm hơn 60 ngày trước hôm nay."},
			{vn.AddDate(0, 0, -61).Format("2006-01-02"), "Ngày nhận không được sớm hơn 60 ngày trước hôm nay."},
			{vn.AddDate(0, 0, 1).Format("2006-01-02"), "Ngày không được ở tương lai."},
		}
		for _, c := range cases {
			resp, body := multipartPost(t, clerk, "/admin/submit", form(c.date), nil)
			if resp.StatusCode != http.StatusBadRequest || !contains(html.UnescapeString(body), c.want) {
				t.Errorf("%s: %d, want 400 with %q", c.date, resp.StatusCode, c.want)
			}
		}
		var n int64
		e.Store.DB.Model(&models.Petition{}).Count(&n)
		if n != 0 {
			t.Fatalf("%d petitions written", n)
		}
		if resp, body := multipartPost(t, clerk, "/admin/submit", form(vn.AddDate(0, 0, -60).Format("2006-01-02")), nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("60 days back: %d, want 303 to the receipt\n%.300s", resp.StatusCode, body)
		}
	})
}
