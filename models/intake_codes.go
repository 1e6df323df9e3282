package models

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"pakn/models/workdays"
)

// Tracking numbers, PAKN-YYMMDD-NNNN (formatCode), count per Vietnam day. On
// SQLite they come from the counter table code_sequences (nextCodeNumberTx);
// on PostgreSQL from one sequence per day, petition_codes_YYMMDD. A sequence hands out numbers without a row lock and
// outside transactions, so concurrent submissions never wait for each other
// and never get the same number; a number taken by a submission that then
// fails is a gap, which the code format allows. nextval is WAL-logged ahead
// of use, and the petition's commit flushes that WAL, so a number a citizen
// was given is never handed out again, even after a crash.
//
// A day's sequence is created on first use (ensureCodeSequence), starting
// after the day's number in code_sequences: the counter table that SQLite
// and earlier versions use, and where a retired sequence leaves its last
// value. Sequences of days older than codeSequenceKeepDays are retired when
// a new day's sequence is created; a petition dated that far back (a desk
// entering an old letter) simply creates its day's sequence again.

// codeSequenceKeepDays is how many days a day's sequence lives.
const codeSequenceKeepDays = 31

// codeSequenceLock is the advisory lock under which day sequences are
// created and retired (one creator at a time, on every instance).
const codeSequenceLock = 7_265_746_102

const codeSequencePrefix = "petition_codes_"

var dayRe = regexp.MustCompile(`^[0-9]{6}$`)

// codeSequenceName is the sequence of a day's numbers (day is YYMMDD).
func codeSequenceName(day string) string { return codeSequencePrefix + day }

// nextCodeNumberPG takes the day's next number (PostgreSQL).
func (s *Store) nextCodeNumberPG(ctx context.Context, day string) (int64, error) {
	for attempt := 0; ; attempt++ {
		var n int64
		err := s.DB.WithContext(ctx).Raw(`SELECT nextval(CAST(? AS regclass))`, codeSequenceName(day)).Row().Scan(&n)
		if isMissingCodeSequence(err) && attempt == 0 {
			if err := s.ensureCodeSequence(ctx, day); err != nil {
				return 0, err
			}
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("next tracking number for %s: %w", day, err)
		}
		return n, nil
	}
}

// ensureCodeSequence creates the day's sequence unless it exists, and
// retires the sequences of days older than codeSequenceKeepDays. Safe to
// call from any number of instances at once.
func (s *Store) ensureCodeSequence(ctx context.Context, day string) error {
	if !dayRe.MatchString(day) {
		return fmt.Errorf("tracking number sequence: bad day %q", day)
	}
	name := codeSequenceName(day)
	cutoff := workdays.VietnamMidnight(s.now()).AddDate(0, 0, -codeSequenceKeepDays).In(workdays.VietnamLocation()).Format("060102")
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Exec(`SELECT pg_advisory_xact_lock(?)`, codeSequenceLock).Error; err != nil {
			return err
		}
		var exists bool
		if err := tx.Raw(`SELECT to_regclass(?) IS NOT NULL`, name).Scan(&exists).Error; err != nil {
			return err
		}
		if exists {
			return nil
		}
		var last int64
		if err := tx.Raw(`SELECT COALESCE(MAX(last), 0) FROM code_sequences WHERE day = ?`, day).Scan(&last).Error; err != nil {
			return err
		}
		if err := tx.Exec(fmt.Sprintf(`CREATE SEQUENCE %s START WITH %d`, name, last+1)).Error; err != nil {
			return err
		}
		return retireCodeSequences(tx, cutoff, day)
	})
	if err != nil {
		return fmt.Errorf("create tracking number sequence %s: %w", name, err)
	}
	return nil
}

// retireCodeSequences drops the sequences of days before cutoff (but not
// keep's), first writing each one's last number to code_sequences so that a
// sequence made again for that day goes on after it. ALTER SEQUENCE takes a
// lock that waits for transactions that used the sequence and holds off new
// nextval calls, so the last value read is final.
func retireCodeSequences(tx *gorm.DB, cutoff, keep string) error {
	var names []string
	err := tx.Raw(`SELECT c.relname FROM pg_class c
WHERE c.relkind = 'S' AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
  AND c.relname ~ '^petition_codes_[0-9]{6}$' AND c.relname < ? AND c.relname <> ?
ORDER BY c.relname`, codeSequenceName(cutoff), codeSequenceName(keep)).Scan(&names).Error
	if err != nil {
		return fmt.Errorf("list day sequences: %w", err)
	}
	for _, name := range names {
		day := strings.TrimPrefix(name, codeSequencePrefix)
		if !dayRe.MatchString(day) {
			continue
		}
		if err := tx.Exec(`ALTER SEQUENCE ` + name + ` NO CYCLE`).Error; err != nil {
			return err
		}
		var st struct {
			LastValue int64
			IsCalled  bool
		}
		if err := tx.Raw(`SELECT last_value, is_called FROM ` + name).Scan(&st).Error; err != nil {
			return err
		}
		last := st.LastValue
		if !st.IsCalled {
			last-- // nothing handed out yet: last_value is the start
		}
		if err := tx.Exec(`INSERT INTO code_sequences (day, last) VALUES (?, ?)
ON CONFLICT (day) DO UPDATE SET last = GREATEST(code_sequences.last, EXCLUDED.last)`, day, last).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DROP SEQUENCE ` + name).Error; err != nil {
			return err
		}
	}
	return nil
}

// formatCode writes PAKN-YYMMDD-NNNN (at least four digits).
func formatCode(day string, seq int64) string {
	return fmt.Sprintf("PAKN-%s-%04d", day, seq)
}

// nextCodeNumberTx takes the day's next number from the code_sequences
// table (SQLite, where the write transaction serialises it anyway).
func nextCodeNumberTx(tx *gorm.DB, day string) (int64, error) {
	row := CodeSequence{Day: day, Last: 1}
	err := tx.Clauses(
		clause.OnConflict{
			Columns:   []clause.Column{{Name: "day"}},
			DoUpdates: clause.Assignments(map[string]any{"last": gorm.Expr("code_sequences.last + 1")}),
		},
		clause.Returning{Columns: []clause.Column{{Name: "last"}}},
	).Create(&row).Error
	if err != nil {
		return 0, fmt.Errorf("next tracking number for %s: %w", day, err)
	}
	return row.Last, nil
}
