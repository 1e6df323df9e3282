package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// Indexes of published_items for the queries that list them, on a large
// corpus (100,000 items):
//
//   - withdrawn is false for nearly every row and every query asks for
//     withdrawn = false: its index never narrows a search down. On SQLite,
//     which keeps no statistics, it did worse than nothing: the planner
//     took it over the primary key, so listing the items for a rebuild
//     sorted the table for every batch of 1,000. Dropped.
//   - The newest items (home page, feed) are ordered by publication time
//     then id; an index on the time alone cannot give that order, so the
//     table was sorted for every page view. (published_at, id)
//     replaces it, and (type, published_at, id) replaces the index on type
//     for the newest items of one type (the home page's answers). Both end
//     with withdrawn, so that counting the public items reads the narrower
//     of them instead of the table.
//
// The figures before and after: BENCHMARKS.md, "Public Q&A search under
// load", session 3, item 4.
//
// Frozen: never edit; add a new migration.
var m0060Up = []string{
	`DROP INDEX IF EXISTS idx_published_items_withdrawn`,
	`DROP INDEX IF EXISTS idx_published_items_published_at`,
	`CREATE INDEX idx_published_items_published ON published_items (published_at, id, withdrawn)`,
	`DROP INDEX IF EXISTS idx_published_items_type`,
	`CREATE INDEX idx_published_items_type_published ON published_items (type, published_at, id, withdrawn)`,
}

var m0060Down = []string{
	`DROP INDEX IF EXISTS idx_published_items_type_published`,
	`CREATE INDEX IF NOT EXISTS idx_published_items_type ON published_items (type)`,
	`DROP INDEX IF EXISTS idx_published_items_published`,
	`CREATE INDEX IF NOT EXISTS idx_published_items_published_at ON published_items (published_at)`,
	`CREATE INDEX IF NOT EXISTS idx_published_items_withdrawn ON published_items (withdrawn)`,
}

func m0060PublishedIndexes() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID:       "0060_published_indexes",
		Migrate:  func(tx *gorm.DB) error { return execAll(tx, m0060Up) },
		Rollback: func(tx *gorm.DB) error { return execAll(tx, m0060Down) },
	}
}

func execAll(tx *gorm.DB, stmts []string) error {
	for _, q := range stmts {
		if err := tx.Exec(q).Error; err != nil {
			return err
		}
	}
	return nil
}
