package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// Per-client request counters shared by every instance on PostgreSQL
// (submission and look-up limits). One row per hashed key and its current
// fixed window. UNLOGGED: counters are worth no WAL, and a crash that
// empties them only forgives the current window. SQLite (one instance)
// keeps its counters in memory and gets no table.
//
// Frozen: never edit; add a new migration.
var m0120Up = []string{
	`CREATE UNLOGGED TABLE request_counts (
		key bytea PRIMARY KEY,
		window_start bigint NOT NULL,
		hits integer NOT NULL
	)`,
	`CREATE INDEX idx_request_counts_window ON request_counts (window_start)`,
}

func m0120RequestCounts() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0120_request_counts",
		Migrate: func(tx *gorm.DB) error {
			if tx.Dialector.Name() != "postgres" {
				return nil
			}
			return execAll(tx, m0120Up)
		},
		Rollback: func(tx *gorm.DB) error {
			if tx.Dialector.Name() != "postgres" {
				return nil
			}
			return tx.Exec(`DROP TABLE IF EXISTS request_counts`).Error
		},
	}
}
