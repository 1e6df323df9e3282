package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0140PublicTitle (issue 19):
//   - petitions.public_title: an answer's title in public view, written or
//     confirmed by the reviewer with the draft. Answers drafted before it
//     keep it empty; publishing one takes the redacted petition title.
//   - The publication consent on /submit now says that a published answer
//     may be indexed by search engines and shown in the provincial portal's
//     pages. Consents given before that are honoured as given: the moment
//     the text changed is kept in publication_consent, and an answer to a
//     petition created before it is published with published_items.noindex
//     (kept out of the sitemap and the embedded pages, and marked noindex).
//
// Frozen: never edit; add a new migration.
func m0140PublicTitle() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0140_public_title",
		Migrate: func(tx *gorm.DB) error {
			for _, s := range []string{
				`ALTER TABLE petitions ADD COLUMN public_title TEXT NOT NULL DEFAULT ''`,
				`ALTER TABLE published_items ADD COLUMN noindex BOOLEAN NOT NULL DEFAULT false`,
				`CREATE TABLE publication_consent (id INTEGER PRIMARY KEY, changed_at TIMESTAMP NOT NULL)`,
			} {
				if err := tx.Exec(s).Error; err != nil {
					return err
				}
			}
			// Written from Go so that it is stored like every other time.
			return tx.Exec(`INSERT INTO publication_consent (id, changed_at) VALUES (1, ?)`, time.Now().UTC()).Error
		},
		Rollback: func(tx *gorm.DB) error {
			for _, s := range []string{
				`DROP TABLE publication_consent`,
				`ALTER TABLE published_items DROP COLUMN noindex`,
				`ALTER TABLE petitions DROP COLUMN public_title`,
			} {
				if err := tx.Exec(s).Error; err != nil {
					return err
				}
			}
			return nil
		},
	}
}
