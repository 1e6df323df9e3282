package models_test

import (
	"context"
	"testing"
	"time"

	"pakn/internal/testdb"
	"pakn/models"
)

// TestDeskDates: a desk's date of receipt starts the clock, so it is
// neither in the future nor older than DeskMaxAgeDays (Vietnam days).
func TestDeskDates(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		ctx := context.Background()
		st := seeded(t, tg)
		now := vnTime(t, "2026-11-30 10:00")
		st.Now = func() time.Time { return now }
		cases := []struct {
			name    string
			maxAge  int
			entered time.Time
			wantErr string
		}{
			{"60 days back, at midnight", 60, vnTime(t, "2026-10-01 00:00"), ""},
			{"yesterday", 60, vnTime(t, "2026-11-29 12:00"), ""},
			{"61 days back", 60, vnTime(t, "2026-09-30 23:59"), "err.too_old"},
			{"year 1", 60, time.Date(1, 1, 1, 12, 0, 0, 0, time.UTC), "err.too_old"},
			{"tomorrow", 60, vnTime(t, "2026-12-01 12:00"), "err.future"},
			{"a minute ahead", 60, now.Add(time.Minute), "err.future"},
			{"limit 0: yesterday", 0, vnTime(t, "2026-11-29 12:00"), "err.too_old"},
			{"limit 0: this morning", 0, vnTime(t, "2026-11-30 07:00"), ""},
		}
		for _, c := range cases {
			st.DeskMaxAgeDays = c.maxAge
			in := validInput()
			in.Channel = models.ChannelPost
			in.ReceivedAt = c.entered
			sub, err := st.SubmitPetition(ctx, in)
			if c.wantErr == "" {
				if err != nil {
					t.Errorf("%s: %v", c.name, err)
				} else if !sub.Petition.ReceivedAt.Equal(c.entered) {
					t.Errorf("%s: received %v", c.name, sub.Petition.ReceivedAt)
				}
				continue
			}
			verr, ok := models.AsValidation(err)
			if !ok || len(verr.Fields) != 1 || verr.Fields[0].Field != "received_at" || verr.Fields[0].Key != c.wantErr {
				t.Errorf("%s: %v, want received_at %s", c.name, err, c.wantErr)
			}
		}
	})
}
