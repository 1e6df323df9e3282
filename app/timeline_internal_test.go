package app

import (
	"strings"
	"testing"
	"time"

	"pakn/models"
	"pakn/models/workdays"
	"pakn/views"
)

func TestOfficialTimeline(t *testing.T) {
	cat, err := views.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{cat: cat}
	vn := workdays.VietnamLocation()
	day := time.Date(2026, 12, 3, 9, 0, 0, 0, vn)
	officer, leader := int64(7), int64(8)
	ev := func(at time.Time, actor *int64, typ, from, to, note string) models.Event {
		return models.Event{At: at, ActorID: actor, ActorName: "cán bộ", Type: typ, FromValue: from, ToValue: to, Note: note}
	}
	events := []models.Event{
		ev(day, nil, "received", "", models.StatusReceived, models.ChannelWeb),
		ev(day.Add(time.Minute), &officer, "details_viewed", "", "", ""),
		ev(day.Add(2*time.Minute), &officer, "details_viewed", "", "", ""),
		ev(day.Add(3*time.Minute), &leader, "details_viewed", "", "", ""),
		ev(day.Add(4*time.Minute), &officer, "status_changed", models.StatusAccepted, models.StatusAccepted, ""),
		ev(day.Add(5*time.Minute), &officer, "details_viewed", "", "", ""),
		ev(day.Add(6*time.Minute), &officer, "accepted", models.StatusReceived, models.StatusAccepted, ""),
		ev(day.Add(15*time.Hour+30*time.Minute), &officer, "details_viewed", "", "", ""), // 00:30 the next day in Vietnam
		ev(day.Add(16*time.Hour), nil, "due_set", "", "2026-12-11T23:59:59+07:00", models.StageAnswer),
		ev(day.Add(17*time.Hour), nil, "escalated", "", "", ""),
	}
	var got []string
	for _, e := range s.officialTimeline("vi", events) {
		got = append(got, strings.TrimSpace(e.Text+" | "+e.Change+" | "+e.Note))
	}
	want := []string{
		"Tiếp nhận phản ánh, kiến nghị | Đã tiếp nhận, chờ xem xét | Cổng trực tuyến",
		"Xem thông tin người gửi |  | Đã xem 3 lần trong ngày",
		"Xem thông tin người gửi |  |",
		"Hồ sơ được thụ lý, chuyển xử lý | Đã tiếp nhận, chờ xem xét → Đang xử lý |",
		"Xem thông tin người gửi |  |",
		"Đặt thời hạn | 11/12/2026 | hạn trả lời",
		"Quá hạn: đã báo cáo Trung tâm Phục vụ Hành chính công |  |",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("timeline:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
