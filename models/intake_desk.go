package models

import (
	"time"

	"pakn/models/workdays"
)

// DefaultDeskMaxAgeDays is how far back a desk may date a petition unless
// PAKN_DESK_MAX_AGE_DAYS says otherwise.
const DefaultDeskMaxAgeDays = 60

// receivedAt is when a petition counts as received: now, or the earlier
// date a desk entered. That date starts the clock, so it may be neither in
// the future nor more than DeskMaxAgeDays days (Vietnam calendar days)
// before today; a bad one adds its field error to v.
func (s *Store) receivedAt(v *ValidationError, entered, now time.Time) time.Time {
	if entered.IsZero() {
		return now
	}
	if entered.After(now) {
		v.Add("received_at", "err.future", nil)
		return now
	}
	earliest := workdays.VietnamMidnight(now).AddDate(0, 0, -s.DeskMaxAgeDays)
	if entered.Before(earliest) {
		v.Add("received_at", "err.too_old", map[string]any{"days": s.DeskMaxAgeDays})
		return now
	}
	return entered.UTC()
}
