package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

type m0070Release struct {
	ID        int64  `gorm:"primaryKey"`
	ItemID    string `gorm:"size:64;not null;uniqueIndex:idx_pd_release,priority:1"`
	Kind      string `gorm:"size:16;not null;uniqueIndex:idx_pd_release,priority:2"`
	Text      string `gorm:"size:512;not null;uniqueIndex:idx_pd_release,priority:3"`
	Reason    string `gorm:"not null"`
	ActorID   *int64
	ActorName string
	CreatedAt time.Time `gorm:"not null"`
}

func (m0070Release) TableName() string { return "personal_data_releases" }

// withheldNote explains the notices withheld by m0070PersonalData.
const withheldNote = "withheld: carried another petitioner's private answer (issue 11)"

// The publication guard's releases (a leader's decision that one exact
// finding is not personal), and the repair of duplicates: co-petitioners
// were given the original's private answer, which they must no longer see,
// nor be sent if it is still waiting in the outbox.
func m0070PersonalData() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0070_personal_data",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.AutoMigrate(&m0070Release{}); err != nil {
				return err
			}
			if err := tx.Exec(`UPDATE petitions SET answer = '', answered_at = NULL
				WHERE status = 'duplicate' AND duplicate_of IS NOT NULL`).Error; err != nil {
				return err
			}
			return tx.Exec(`UPDATE outbox_messages SET status = 'failed', last_error = ?
				WHERE status = 'pending' AND template IN ('citizen_duplicate', 'citizen_answered')
				AND data LIKE '%"answer":%'
				AND petition_id IN (SELECT id FROM petitions WHERE duplicate_of IS NOT NULL)`, withheldNote).Error
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropTable("personal_data_releases")
		},
	}
}
