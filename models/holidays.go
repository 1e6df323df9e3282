package models

import "pakn/models/workdays"

// DefaultHolidays is the calendar of 2025–2027 that seeding writes to the
// holidays table (workdays.DefaultHolidays).
func DefaultHolidays() ([]workdays.Day, error) { return workdays.DefaultHolidays() }
