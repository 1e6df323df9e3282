package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pakn/internal/testdb"
)

// TestWeakSecretRefusedBeforeWriting: a weak PAKN_SECRET stops every
// command before the database is touched: no migration, no demo officials.
func TestWeakSecretRefusedBeforeWriting(t *testing.T) {
	weak := []struct{ name, secret, want string }{
		{"short", "0123456789abcdef", "at least 32 characters"},
		{"one key", strings.Repeat("a", 40), "at least 10 distinct"},
		{"few keys", strings.Repeat("abc123", 6), "at least 10 distinct"},
	}
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		useTarget(t, tg)
		for _, w := range weak {
			t.Setenv("PAKN_SECRET", w.secret)
			for _, args := range [][]string{{"serve", "--demo"}, {"migrate"}, {"seed-demo"}} {
				if _, err := runCmd(t, "", args...); err == nil || !strings.Contains(err.Error(), w.want) {
					t.Errorf("%s secret, %s: %v, want %q", w.name, args[0], err, w.want)
				}
			}
		}
		st := openTarget(t, tg)
		if st.DB.Migrator().HasTable("schema_migrations") || st.DB.Migrator().HasTable("users") {
			t.Fatal("the database was written with a weak secret")
		}
	})
}

func TestCheckSecretAcceptsGenerated(t *testing.T) {
	c := config{DataDir: t.TempDir()}
	s, err := c.secret()
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 64 {
		t.Fatalf("generated secret %q", s)
	}
	// A weak secret file is refused, not silently replaced.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "secret"), []byte(strings.Repeat("ab", 20)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := (config{DataDir: dir}).secret(); err == nil || !strings.Contains(err.Error(), "delete the file") {
		t.Fatalf("weak secret file: %v", err)
	}
}
