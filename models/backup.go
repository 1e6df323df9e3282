package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
)

// ErrBackupPostgres says that PostgreSQL is backed up with its own tools.
var ErrBackupPostgres = errors.New("PostgreSQL is backed up with pg_dump, not pakn backup")

// BackupDatabase writes a consistent copy of the SQLite database to path (a
// file that must not exist yet) while the server may be writing: VACUUM INTO
// reads one snapshot, so every transaction committed before it began is in
// the copy and none half-way. The copy is then checked and synced to disk.
func (s *Store) BackupDatabase(ctx context.Context, path string) error {
	if s.Dialect != SQLite {
		return ErrBackupPostgres
	}
	if err := s.DB.WithContext(ctx).Exec("VACUUM INTO ?", path).Error; err != nil {
		return fmt.Errorf("vacuum into %s: %w", path, err)
	}
	if err := checkSQLiteFile(ctx, path); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}

// checkSQLiteFile runs SQLite's quick_check on a database file (the
// "sqlite" driver is the one the store's gorm dialector registers).
func checkSQLiteFile(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&res); err != nil {
		return fmt.Errorf("check %s: %w", path, err)
	}
	if res != "ok" {
		return fmt.Errorf("check %s: %s", path, res)
	}
	return nil
}
