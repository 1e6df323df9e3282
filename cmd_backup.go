package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"pakn/models"
)

// pgBackupHelp is what `pakn backup` says on PostgreSQL, where the
// database's own tools take a consistent snapshot of a running server.
const pgBackupHelp = `PAKN runs on PostgreSQL here: everything that matters (petitions, attachments,
sessions, outbox) is in the database. Back it up with PostgreSQL's own tools, which
take a consistent snapshot while PAKN keeps running:

  pg_dump --format=custom --no-owner --no-acl --file=pakn-$(date +%%F).dump "$PAKN_DATABASE_URL"

Restore into a new, empty database, then point PAKN_DATABASE_URL at it:

  createdb --owner=pakn pakn_restored
  pg_restore --no-owner --no-acl --exit-on-error --single-transaction \
    --dbname="postgres://pakn@db.internal/pakn_restored" pakn-YYYY-MM-DD.dump

Keep PAKN_SECRET with the dump: sessions and form tokens are signed with it.
The search index (%s) is not part of a backup: each instance rebuilds it.
`

// backupCommand writes a consistent copy of a SQLite data folder into dir:
// the database (a snapshot taken while the server may be writing) and the
// generated secret. Attachments live in the database. The search index is
// left out: the server rebuilds it from the copy.
func backupCommand(ctx context.Context, cfg config, args []string, stdout io.Writer) error {
	if len(args) != 1 || args[0] == "" || args[0][0] == '-' {
		return errors.New("usage: pakn backup DIR")
	}
	if cfg.DatabaseURL != "" {
		fmt.Fprintf(stdout, pgBackupHelp, indexDir(cfg))
		return errors.New("backup: " + models.ErrBackupPostgres.Error())
	}
	dir := args[0]
	dst := filepath.Join(dir, "pakn.db")
	if same, err := sameFile(filepath.Join(cfg.DataDir, "pakn.db"), dst); err != nil || same {
		return fmt.Errorf("backup: %s is the data folder itself", dir)
	}
	if _, err := os.Stat(dst); err == nil {
		return fmt.Errorf("backup: %s already exists; back up into a new folder", dst)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	// Write under a temporary name so that a half-written copy never looks
	// like a backup.
	tmp := dst + ".partial"
	_ = os.Remove(tmp)
	if err := st.BackupDatabase(ctx, tmp); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	secretNote := "PAKN_SECRET comes from the environment: keep it with the backup"
	if cfg.Secret == "" {
		if err := copyFile(filepath.Join(cfg.DataDir, "secret"), filepath.Join(dir, "secret"), 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("backup: secret: %w", err)
		}
		secretNote = "secret copied"
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	size := int64(0)
	if fi, err := os.Stat(dst); err == nil {
		size = fi.Size()
	}
	fmt.Fprintf(stdout, "backup written to %s (pakn.db %.1f MB checked, %s; the search index is rebuilt on start)\nserve it with: PAKN_DATA_DIR=%s pakn serve\n",
		dir, float64(size)/(1<<20), secretNote, dir)
	return nil
}

// sameFile tells whether a and b are one file (false when either is missing).
func sameFile(a, b string) (bool, error) {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	if errA != nil || errB != nil {
		return false, nil
	}
	return os.SameFile(fa, fb), nil
}

// copyFile copies src to a new file dst with mode, synced to disk.
func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// syncDir makes the new names in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
