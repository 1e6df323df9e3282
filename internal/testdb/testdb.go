// Package testdb gives tests a fresh database on each engine the suite runs
// against: SQLite always, PostgreSQL when PAKN_TEST_DATABASE_URL is set.
// Every call creates its own PostgreSQL database, so test packages (and tests
// inside them) can run in parallel without seeing each other's rows.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// EnvURL names the variable that points the suite at a PostgreSQL server.
const EnvURL = "PAKN_TEST_DATABASE_URL"

// Target is one database a test runs against.
type Target struct {
	Name string // "sqlite" or "postgres"
	// URL is a postgres:// URL, or empty for SQLite.
	URL string
	// DataDir is a fresh folder (SQLite file, search index).
	DataDir string
}

// CI reports whether the suite runs under CI, where a missing service fails
// the test instead of skipping it.
func CI() bool { return os.Getenv("CI") == "true" }

// Each runs fn once per engine as a subtest named after it.
func Each(t *testing.T, fn func(t *testing.T, tg Target)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	if os.Getenv(EnvURL) == "" {
		if CI() {
			t.Errorf("%s is not set under CI=true: the PostgreSQL half of the suite cannot run", EnvURL)
		}
		return
	}
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite returns a target whose database lives in a fresh temporary folder.
func SQLite(t testing.TB) Target {
	t.Helper()
	return Target{Name: "sqlite", DataDir: t.TempDir()}
}

// Postgres creates a fresh database on the server named by
// PAKN_TEST_DATABASE_URL and drops it when the test ends. Without the
// variable the test is skipped (failed under CI=true).
func Postgres(t testing.TB) Target {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		if CI() {
			t.Fatalf("%s is not set under CI=true", EnvURL)
		}
		t.Skipf("PostgreSQL tests skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable)", EnvURL)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvURL, err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open %s: %v", EnvURL, err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		if CI() {
			t.Fatalf("PostgreSQL at %s does not answer: %v", u.Host, err)
		}
		t.Skipf("PostgreSQL at %s does not answer: %v", u.Host, err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "pakn_t_" + sanitize(t.Name()) + "_" + hex.EncodeToString(b)
	if len(name) > 63 {
		name = "pakn_t_" + hex.EncodeToString(b) + "_" + sanitize(t.Name())
		name = name[:63]
	}
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE "`+name+`"`); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := a.ExecContext(ctx, `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return Target{Name: "postgres", URL: u.String(), DataDir: t.TempDir()}
}

// SQLitePath is where a SQLite target keeps its database file.
func (tg Target) SQLitePath() string { return filepath.Join(tg.DataDir, "pakn.db") }

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 30 {
			break
		}
	}
	return b.String()
}

// String names the target in messages.
func (tg Target) String() string { return fmt.Sprintf("%s(%s)", tg.Name, tg.URL) }
