package migrations

import (
	"fmt"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0005ReferenceTables are the tables intake reads on every submission;
// triggers bump reference_version.version on any change to them, so each
// instance's in-memory copy knows, by reading one row, when to reload.
var m0005ReferenceTables = []string{"units", "areas", "categories", "routing_rules", "deadline_policies"}

func m0005ReferenceVersion() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0005_reference_version",
		Migrate: func(tx *gorm.DB) error {
			stmts := []string{
				`CREATE TABLE reference_version (id INTEGER PRIMARY KEY, version BIGINT NOT NULL)`,
				`INSERT INTO reference_version (id, version) VALUES (1, 1)`,
			}
			if tx.Dialector.Name() == "postgres" {
				stmts = append(stmts, `CREATE FUNCTION pakn_bump_reference_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE reference_version SET version = version + 1 WHERE id = 1;
  RETURN NULL;
END $$`)
				for _, t := range m0005ReferenceTables {
					stmts = append(stmts, fmt.Sprintf(`CREATE TRIGGER %[1]s_reference_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %[1]s
FOR EACH STATEMENT EXECUTE FUNCTION pakn_bump_reference_version()`, t))
				}
			} else {
				// SQLite drops a table's triggers with the table: a later
				// migration that rebuilds one of these tables must create
				// its triggers again (TestReferenceVersionTriggers checks).
				for _, t := range m0005ReferenceTables {
					for _, op := range []string{"INSERT", "UPDATE", "DELETE"} {
						stmts = append(stmts, fmt.Sprintf(`CREATE TRIGGER %[1]s_reference_version_%[2]s AFTER %[2]s ON %[1]s
BEGIN UPDATE reference_version SET version = version + 1 WHERE id = 1; END`, t, op))
					}
				}
			}
			for _, s := range stmts {
				if err := tx.Exec(s).Error; err != nil {
					return err
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			if tx.Dialector.Name() == "postgres" {
				for _, t := range m0005ReferenceTables {
					if err := tx.Exec(fmt.Sprintf(`DROP TRIGGER IF EXISTS %[1]s_reference_version ON %[1]s`, t)).Error; err != nil {
						return err
					}
				}
				if err := tx.Exec(`DROP FUNCTION IF EXISTS pakn_bump_reference_version()`).Error; err != nil {
					return err
				}
			} else {
				for _, t := range m0005ReferenceTables {
					for _, op := range []string{"INSERT", "UPDATE", "DELETE"} {
						if err := tx.Exec(fmt.Sprintf(`DROP TRIGGER IF EXISTS %s_reference_version_%s`, t, op)).Error; err != nil {
							return err
						}
					}
				}
			}
			return tx.Migrator().DropTable("reference_version")
		},
	}
}
