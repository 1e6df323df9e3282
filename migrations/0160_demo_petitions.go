package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0160DemoPetitions (issue 20): the demo data set now holds petitions.
//   - petitions.demo marks a petition loaded by `serve --demo` or
//     `pakn seed-demo --petitions`: officials see a badge, its lookup
//     secret opens it only on a server in demo mode.
//   - published_items.demo marks a demo petition's published answer: it is
//     never queued for the national portal.
//
// Frozen: never edit; add a new migration.
func m0160DemoPetitions() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0160_demo_petitions",
		Migrate: func(tx *gorm.DB) error {
			return execAll(tx, []string{
				`ALTER TABLE petitions ADD COLUMN demo BOOLEAN NOT NULL DEFAULT false`,
				`ALTER TABLE published_items ADD COLUMN demo BOOLEAN NOT NULL DEFAULT false`,
			})
		},
		Rollback: func(tx *gorm.DB) error {
			return execAll(tx, []string{
				`ALTER TABLE published_items DROP COLUMN demo`,
				`ALTER TABLE petitions DROP COLUMN demo`,
			})
		},
	}
}
