package models_test

import (
	"strings"
	"testing"
	"time"

	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/models"
	"pakn/models/workdays"
)

// On SQLite every time is written in UTC, so text order is time order.
func TestSQLiteWritesTimesInUTC(t *testing.T) {
	st := testenv.Open(t, testdb.SQLite(t))
	vn := workdays.VietnamLocation()
	early := time.Date(2026, 12, 3, 23, 59, 59, 0, vn) // 16:59:59 UTC
	late := time.Date(2026, 12, 3, 20, 0, 0, 0, time.UTC)
	for _, at := range []time.Time{late, early} {
		if err := st.DB.Create(&models.Event{Subject: "utc-test", At: at, Type: "test"}).Error; err != nil {
			t.Fatal(err)
		}
	}
	// Updates with a map are converted too.
	if err := st.DB.Create(&models.Event{Subject: "utc-test-map", At: late, Type: "test"}).Error; err != nil {
		t.Fatal(err)
	}
	if err := st.DB.Model(&models.Event{}).Where("subject = ?", "utc-test-map").Updates(map[string]any{"at": early}).Error; err != nil {
		t.Fatal(err)
	}
	var raw []string
	if err := st.DB.Raw("SELECT CAST(at AS TEXT) FROM events WHERE subject LIKE ?", "utc-test%").Scan(&raw).Error; err != nil {
		t.Fatal(err)
	}
	for _, r := range raw {
		if !strings.HasSuffix(r, "+00:00") && !strings.HasSuffix(r, "Z") {
			t.Errorf("time stored as %q, not in UTC", r)
		}
	}
	var ordered []models.Event
	if err := st.DB.Where("subject = ?", "utc-test").Order("at").Find(&ordered).Error; err != nil {
		t.Fatal(err)
	}
	// 23:59:59+07:00 is earlier than 20:00 UTC the same day.
	if len(ordered) != 2 || !ordered[0].At.Equal(early) || !ordered[1].At.Equal(late) {
		t.Fatalf("order by time: %+v", ordered)
	}
}
