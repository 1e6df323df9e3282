package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0020JobLocksDDL is a frozen copy of jobs/lock.TableDDL.
const m0020JobLocksDDL = `CREATE TABLE IF NOT EXISTS job_locks (
	name text PRIMARY KEY,
	owner text NOT NULL,
	locked_until timestamptz NOT NULL
)`

// m0020OpenDueIndex lets the deadlines job read only the open petitions
// whose deadline is near or past: a partial index on due_at over the open
// states. The query must repeat the same status list (as literals) for the
// planner to use it. SQLite has partial indexes too.
const m0020OpenDueIndex = `CREATE INDEX IF NOT EXISTS idx_petitions_open_due ON petitions (due_at)
	WHERE status IN ('received', 'accepted', 'awaiting_info', 'drafted') AND due_at IS NOT NULL`

// m0020RetentionIndex finds closed petitions not yet anonymised, by the
// time they closed (the same expression as the retention query).
const m0020RetentionIndex = `CREATE INDEX IF NOT EXISTS idx_petitions_retention ON petitions ((COALESCE(closed_at, answered_at, updated_at)))
	WHERE anonymised_at IS NULL AND status IN ('answered', 'published', 'rejected', 'duplicate', 'withdrawn', 'closed')`

// Scheduled jobs: the distributed job lock (PostgreSQL only: SQLite runs as
// one instance with an in-process lock) and the indexes the jobs read by.
func m0020Jobs() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0020_jobs",
		Migrate: func(tx *gorm.DB) error {
			if tx.Dialector.Name() == "postgres" {
				if err := tx.Exec(m0020JobLocksDDL).Error; err != nil {
					return err
				}
			}
			if err := tx.Exec(m0020OpenDueIndex).Error; err != nil {
				return err
			}
			return tx.Exec(m0020RetentionIndex).Error
		},
		Rollback: func(tx *gorm.DB) error {
			for _, q := range []string{"DROP INDEX IF EXISTS idx_petitions_retention", "DROP INDEX IF EXISTS idx_petitions_open_due", "DROP TABLE IF EXISTS job_locks"} {
				if err := tx.Exec(q).Error; err != nil {
					return err
				}
			}
			return nil
		},
	}
}
