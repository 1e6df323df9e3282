package migrations

import (
	"fmt"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

type m0090Procedure struct {
	ID        int64  `gorm:"primaryKey"`
	Code      string `gorm:"uniqueIndex;size:32;not null"`
	Name      string `gorm:"not null"`
	Field     string
	UnitID    *int64 `gorm:"index"`
	Active    bool   `gorm:"not null;default:true"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (m0090Procedure) TableName() string { return "procedures" }

// Petitions name the one-stop dossier and the administrative procedure they
// concern; the province's list of procedures is reference data that intake
// caches, so its changes bump reference_version like the tables of 0005.
// Only petitions that name a dossier or a procedure enter the indexes on
// them (most name neither; a submission without them pays nothing), which
// serve the inbox's exact search by code.
//
// Frozen: never edit; add a new migration.
var m0090Up = []string{
	`ALTER TABLE petitions ADD COLUMN dossier_code VARCHAR(40) NOT NULL DEFAULT ''`,
	`ALTER TABLE petitions ADD COLUMN procedure_code VARCHAR(32) NOT NULL DEFAULT ''`,
	`CREATE INDEX idx_petitions_dossier_code ON petitions (dossier_code) WHERE dossier_code <> ''`,
	`CREATE INDEX idx_petitions_procedure_code ON petitions (procedure_code) WHERE procedure_code <> ''`,
}

func m0090Procedures() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0090_procedures",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.AutoMigrate(&m0090Procedure{}); err != nil {
				return err
			}
			stmts := append([]string{}, m0090Up...)
			if tx.Dialector.Name() == "postgres" {
				stmts = append(stmts, `CREATE TRIGGER procedures_reference_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON procedures
FOR EACH STATEMENT EXECUTE FUNCTION pakn_bump_reference_version()`)
			} else {
				for _, op := range []string{"INSERT", "UPDATE", "DELETE"} {
					stmts = append(stmts, fmt.Sprintf(`CREATE TRIGGER procedures_reference_version_%[1]s AFTER %[1]s ON procedures
BEGIN UPDATE reference_version SET version = version + 1 WHERE id = 1; END`, op))
				}
			}
			return execAll(tx, stmts)
		},
		Rollback: func(tx *gorm.DB) error {
			stmts := []string{
				`DROP INDEX IF EXISTS idx_petitions_procedure_code`,
				`DROP INDEX IF EXISTS idx_petitions_dossier_code`,
				`ALTER TABLE petitions DROP COLUMN procedure_code`,
				`ALTER TABLE petitions DROP COLUMN dossier_code`,
			}
			if err := execAll(tx, stmts); err != nil {
				return err
			}
			return tx.Migrator().DropTable("procedures")
		},
	}
}
