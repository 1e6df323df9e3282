package jobs

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"pakn/models/workdays"
)

// Retention is how long petitioner details are kept after closing: whole
// years and days, counted on the Vietnam calendar.
type Retention struct {
	Years, Days int
}

// IsZero tells whether no period was set.
func (r Retention) IsZero() bool { return r.Years == 0 && r.Days == 0 }

// Before returns the cutoff: petitions closed before it are anonymised.
func (r Retention) Before(now time.Time) time.Time {
	return now.In(workdays.VietnamLocation()).AddDate(-r.Years, 0, -r.Days)
}

func (r Retention) String() string {
	switch {
	case r.Days == 0:
		return fmt.Sprintf("%dy", r.Years)
	case r.Years == 0:
		return fmt.Sprintf("%dd", r.Days)
	}
	return fmt.Sprintf("%dy%dd", r.Years, r.Days)
}

// ParseRetention reads PAKN_RETENTION: "5y", "1825d", "2y30d" or a plain
// number of days ("1825").
func ParseRetention(s string) (Retention, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return Retention{}, fmt.Errorf("empty retention period")
	}
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 {
			return Retention{}, fmt.Errorf("retention %q: must be positive", s)
		}
		return Retention{Days: n}, nil
	}
	var r Retention
	rest := s
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i == len(rest) {
			return Retention{}, fmt.Errorf("retention %q: want e.g. 5y, 1825d or 2y30d", s)
		}
		n, err := strconv.Atoi(rest[:i])
		if err != nil {
			return Retention{}, fmt.Errorf("retention %q: %w", s, err)
		}
		switch rest[i] {
		case 'y':
			r.Years += n
		case 'd':
			r.Days += n
		default:
			return Retention{}, fmt.Errorf("retention %q: unit must be y or d", s)
		}
		rest = rest[i+1:]
	}
	if r.IsZero() {
		return Retention{}, fmt.Errorf("retention %q: must be positive", s)
	}
	return r, nil
}
