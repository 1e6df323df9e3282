package workdays

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// holidaysVN is a copy of shared/data/holidays-vn.json: Vietnam's days off and
// working Saturdays for civil servants, 2025–2027, with sources.
//
//go:embed holidays-vn.json
var holidaysVN []byte

// DefaultHolidays returns the embedded calendar of 2025–2027, sorted by date,
// each entry keeping its source and confidence so that an administrator sees
// what to check against the year's announcement.
func DefaultHolidays() ([]Day, error) {
	days, err := ParseHolidaysJSON(holidaysVN)
	if err != nil {
		return nil, fmt.Errorf("embedded holidays-vn.json: %w", err)
	}
	return days, nil
}

// ParseHolidaysJSON reads the format of holidays-vn.json: a "holidays" list
// of days off and a "working_saturdays" list of swapped working days. The
// file's kinds "holiday", "make-up" (a holiday falling on a weekend moved to
// a weekday) and "swapped-off" (a day off swapped with a working Saturday)
// all become DayOff; "workday" in either list, and every working Saturday,
// become DayWork.
func ParseHolidaysJSON(data []byte) ([]Day, error) {
	type entry struct {
		Date       string `json:"date"`
		Name       string `json:"name"`
		Kind       string `json:"kind"`
		Source     string `json:"source"`
		Confidence string `json:"confidence"`
	}
	var file struct {
		Holidays         []entry `json:"holidays"`
		WorkingSaturdays []entry `json:"working_saturdays"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		return nil, fmt.Errorf("parse holidays: %w", err)
	}
	days := make([]Day, 0, len(file.Holidays)+len(file.WorkingSaturdays))
	add := func(e entry, defaultKind DayKind) error {
		kind := defaultKind
		switch strings.ToLower(strings.TrimSpace(e.Kind)) {
		case "":
		case "holiday", "make-up", "makeup", "swapped-off", "off":
			kind = DayOff
		case "workday", "working", "working-saturday":
			kind = DayWork
		default:
			return fmt.Errorf("parse holidays: %s: unknown kind %q", e.Date, e.Kind)
		}
		days = append(days, Day{
			Date: e.Date, Name: e.Name, Kind: kind, Source: e.Source, Confidence: e.Confidence,
		})
		return nil
	}
	for _, e := range file.Holidays {
		if err := add(e, DayOff); err != nil {
			return nil, err
		}
	}
	for _, e := range file.WorkingSaturdays {
		if err := add(e, DayWork); err != nil {
			return nil, err
		}
	}
	slices.SortStableFunc(days, func(a, b Day) int { return strings.Compare(a.Date, b.Date) })
	// Validate here so a bad file fails where it is read, not later.
	if _, err := New(days); err != nil {
		return nil, fmt.Errorf("parse holidays: %w", err)
	}
	return days, nil
}
