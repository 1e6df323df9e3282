package migrations

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0081CleanName drops from an attachment's shown name the characters
// uploads may no longer keep: control and format characters (bidi
// overrides among them), private-use characters, line and paragraph
// separators. Frozen: never edit; add a new migration.
func m0081CleanName(name string) string {
	name = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs, unicode.Zl, unicode.Zp) {
			return -1
		}
		return r
	}, name)
	if name = strings.TrimSpace(name); name == "" {
		name = "file"
	}
	return name
}

func m0081AttachmentNames() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0081_attachment_names",
		Migrate: func(tx *gorm.DB) error {
			type row struct {
				ID   int64
				Name string
			}
			var last int64
			for {
				var rows []row
				if err := tx.Table("attachments").Select("id, name").Where("id > ?", last).Order("id").Limit(1000).Scan(&rows).Error; err != nil {
					return err
				}
				if len(rows) == 0 {
					return nil
				}
				for _, r := range rows {
					if clean := m0081CleanName(r.Name); clean != r.Name {
						if err := tx.Table("attachments").Where("id = ?", r.ID).Update("name", clean).Error; err != nil {
							return err
						}
					}
				}
				last = rows[len(rows)-1].ID
			}
		},
		// Nothing to undo: the removed characters only ever misled.
		Rollback: func(tx *gorm.DB) error { return nil },
	}
}
