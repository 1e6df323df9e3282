package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// Every submission inserts a petition and three audit events, so every index
// on petitions and events costs each submission an insertion. This keeps the
// ones a query uses, and only for the rows it looks for:
//
//   - petitions.petitioner_phone: the only query on it is the inbox search
//     LIKE '%digits%', which no B-tree can serve. Dropped.
//   - petitions.category_id, petitions.area_id: only the inbox filters use
//     them, always beside the inbox's counts, which read the whole scope
//     (a unit's petitions by idx_petitions_unit_id, or all of them).
//     Dropped.
//   - petitions.assignee_id ("assigned to me") and petitions.entered_by_id
//     (a clerk's inbox) look for set values only; a citizen's submission has
//     neither. Partial: WHERE … IS NOT NULL.
//   - events.subject: the administrator's change history looks up
//     petition_id IS NULL AND subject LIKE 'prefix%'. Partial, for those
//     rows only; on PostgreSQL with text_pattern_ops, which LIKE 'prefix%'
//     needs under a non-C collation (the old index could not serve it).
//
// Frozen: never edit; add a new migration.
var m0050Up = []string{
	`DROP INDEX IF EXISTS idx_petitions_petitioner_phone`,
	`DROP INDEX IF EXISTS idx_petitions_category_id`,
	`DROP INDEX IF EXISTS idx_petitions_area_id`,
	`DROP INDEX IF EXISTS idx_petitions_assignee_id`,
	`CREATE INDEX idx_petitions_assignee_id ON petitions (assignee_id) WHERE assignee_id IS NOT NULL`,
	`DROP INDEX IF EXISTS idx_petitions_entered_by_id`,
	`CREATE INDEX idx_petitions_entered_by_id ON petitions (entered_by_id) WHERE entered_by_id IS NOT NULL`,
	`DROP INDEX IF EXISTS idx_events_subject`,
}

const (
	m0050SubjectPostgres = `CREATE INDEX idx_events_subject ON events (subject text_pattern_ops) WHERE petition_id IS NULL`
	m0050SubjectSQLite   = `CREATE INDEX idx_events_subject ON events (subject) WHERE petition_id IS NULL`
)

var m0050Down = []string{
	`DROP INDEX IF EXISTS idx_events_subject`,
	`CREATE INDEX idx_events_subject ON events (subject)`,
	`DROP INDEX IF EXISTS idx_petitions_entered_by_id`,
	`CREATE INDEX idx_petitions_entered_by_id ON petitions (entered_by_id)`,
	`DROP INDEX IF EXISTS idx_petitions_assignee_id`,
	`CREATE INDEX idx_petitions_assignee_id ON petitions (assignee_id)`,
	`CREATE INDEX IF NOT EXISTS idx_petitions_area_id ON petitions (area_id)`,
	`CREATE INDEX IF NOT EXISTS idx_petitions_category_id ON petitions (category_id)`,
	`CREATE INDEX IF NOT EXISTS idx_petitions_petitioner_phone ON petitions (petitioner_phone)`,
}

func m0050IntakeIndexes() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0050_intake_indexes",
		Migrate: func(tx *gorm.DB) error {
			stmts := append([]string{}, m0050Up...)
			if tx.Dialector.Name() == "postgres" {
				stmts = append(stmts, m0050SubjectPostgres)
			} else {
				stmts = append(stmts, m0050SubjectSQLite)
			}
			for _, q := range stmts {
				if err := tx.Exec(q).Error; err != nil {
					return err
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			for _, q := range m0050Down {
				if err := tx.Exec(q).Error; err != nil {
					return err
				}
			}
			return nil
		},
	}
}
