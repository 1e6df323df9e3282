package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

type m0002PublishedItem struct {
	ID           string `gorm:"primaryKey;size:64"`
	Type         string `gorm:"size:8;not null;index"`
	Ref          string `gorm:"size:128;index"`
	Version      int    `gorm:"not null"`
	Title        string `gorm:"not null"`
	Question     string `gorm:"not null"`
	Answer       string `gorm:"not null"`
	CategoryCode string `gorm:"size:64;index"`
	CategoryName string
	UnitCode     string `gorm:"size:64;index"`
	UnitName     string
	Level        string `gorm:"size:16"`
	AskedAt      *time.Time
	AnsweredAt   *time.Time
	PublishedAt  time.Time `gorm:"not null;index"`
	Withdrawn    bool      `gorm:"not null;default:false;index"`
	UpdatedAt    time.Time
}

func (m0002PublishedItem) TableName() string { return "published_items" }

type m0002PublishedChange struct {
	Seq       int64     `gorm:"primaryKey;autoIncrement"`
	ItemID    string    `gorm:"size:64;not null;index"`
	Version   int       `gorm:"not null"`
	Deleted   bool      `gorm:"not null;default:false"`
	CreatedAt time.Time `gorm:"not null"`
}

func (m0002PublishedChange) TableName() string { return "published_changes" }

// The public projection of published items and its ordered change feed.
func m0002Published() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0002_published",
		Migrate: func(tx *gorm.DB) error {
			return tx.AutoMigrate(&m0002PublishedItem{}, &m0002PublishedChange{})
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropTable("published_changes", "published_items")
		},
	}
}
