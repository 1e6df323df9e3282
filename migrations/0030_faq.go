package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

type m0030FAQEntry struct {
	ID          int64  `gorm:"primaryKey"`
	Ref         string `gorm:"size:128;uniqueIndex;not null"`
	CategoryID  int64  `gorm:"index;not null"`
	UnitID      int64  `gorm:"index;not null"`
	Question    string `gorm:"not null"`
	Answer      string `gorm:"not null"`
	Status      string `gorm:"size:16;not null;index"`
	CreatedByID *int64
	CreatedBy   string
	PublishedAt *time.Time
	Version     int `gorm:"not null;default:1"`
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (m0030FAQEntry) TableName() string { return "faq_entries" }

type m0030Synonym struct {
	ID         int64  `gorm:"primaryKey"`
	Term       string `gorm:"size:200;not null"`
	Expansions string `gorm:"not null"`
	UpdatedAt  time.Time
}

func (m0030Synonym) TableName() string { return "synonyms" }

// FAQ entries (curated by the Service Center and the units) and the
// editable dictionary of search synonyms.
func m0030FAQ() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0030_faq",
		Migrate: func(tx *gorm.DB) error {
			return tx.AutoMigrate(&m0030FAQEntry{}, &m0030Synonym{})
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropTable("synonyms", "faq_entries")
		},
	}
}
