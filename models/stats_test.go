package models_test

import (
	"context"
	"testing"
	"time"

	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/models"
	"pakn/models/workdays"
)

func TestStatistics(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		ctx := context.Background()
		e := testenv.New(t, tg)
		st := e.Store
		vn := workdays.VietnamLocation()
		at := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 9, 0, 0, 0, vn) }
		st.Now = func() time.Time { return at(4, 15) } // Wednesday 15 April 2026
		ptr := func(t time.Time) *time.Time { return &t }
		cases := []struct {
			name     string
			received time.Time
			status   string
			due      *time.Time
			stage    string
			answered *time.Time
			ansDue   *time.Time
		}{
			// Answered on time: received Mon 2 Mar, answered Mon 9 Mar (5 working days).
			{"on time", at(3, 2), models.StatusAnswered, nil, "", ptr(at(3, 9)), ptr(at(3, 30))},
			// Answered late in April (received in March): counted in April.
			{"late", at(3, 3), models.StatusPublished, nil, "", ptr(at(4, 6)), ptr(at(3, 31))},
			// Open and past its deadline now.
			{"overdue", at(3, 10), models.StatusAccepted, ptr(at(4, 7)), models.StageAnswer, nil, nil},
			// Waiting for the citizen: the clock is paused, not overdue.
			{"paused", at(3, 11), models.StatusAwaitingInfo, ptr(at(4, 1)), models.StageInfo, nil, nil},
			// Another year: left out.
			{"last year", time.Date(2025, 12, 30, 9, 0, 0, 0, vn), models.StatusReceived, ptr(at(1, 6)), models.StageTriage, nil, nil},
		}
		var ids []int64
		for _, c := range cases {
			sub := e.Submit(models.SubmitInput{Area: "BEN-LUC", Category: "dat-dai"})
			ids = append(ids, sub.Petition.ID)
			err := st.DB.Model(&models.Petition{}).Where("id = ?", sub.Petition.ID).Updates(map[string]any{
				"received_at": c.received, "status": c.status, "due_at": c.due, "due_stage": c.stage,
				"answered_at": c.answered, "answer_due_at": c.ansDue,
			}).Error
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
		}
		// The two answers are rated 5 and 2: satisfaction 3.5.
		for i, score := range []int{5, 2} {
			if err := st.DB.Create(&models.Rating{PetitionID: ids[i], Score: score, CreatedAt: at(4, 20)}).Error; err != nil {
				t.Fatal(err)
			}
		}
		s, err := st.Statistics(ctx, models.StatsFilter{Year: 2026})
		if err != nil {
			t.Fatal(err)
		}
		want := models.StatsRow{Received: 4, Answered: 2, OnTime: 1, Late: 1, OverdueNow: 1, HandlingDays: 5 + 24, Ratings: 2, RatingSum: 7}
		if got := s.Total.AvgRating(); got != 3.5 {
			t.Errorf("satisfaction %v, want 3.5", got)
		}
		if s.Total != want {
			t.Fatalf("total %+v, want %+v", s.Total, want)
		}
		if m := s.Months[2]; m.Received != 4 || m.Answered != 1 || m.OnTime != 1 || m.OverdueNow != 1 {
			t.Fatalf("March %+v", m)
		}
		if m := s.Months[3]; m.Received != 0 || m.Answered != 1 || m.Late != 1 {
			t.Fatalf("April %+v", m)
		}
		if len(s.Units) != 1 || s.Units[0].Unit.Code != "BEN-LUC" || s.Units[0].Received != 4 {
			t.Fatalf("units %+v", s.Units)
		}
		if got := s.Total.AvgHandlingDays(); got != 14.5 {
			t.Fatalf("average %v", got)
		}
		if len(s.Years) != 2 || s.Years[0] != 2026 || s.Years[1] != 2025 {
			t.Fatalf("years %v", s.Years)
		}
		if _, err := st.Statistics(ctx, models.StatsFilter{Year: 2026, UnitCode: "NOPE"}); err != models.ErrNotFound {
			t.Fatalf("unknown unit: %v", err)
		}
	})
}
