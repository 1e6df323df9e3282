package models

import (
	"strings"
	"testing"
)

// Every sql/*.sql file renders for both dialects, without its comments (a
// named parameter in a comment would be bound by GORM), and compares times
// by instant on SQLite.
func TestQueriesRender(t *testing.T) {
	for _, dialect := range []string{Postgres, SQLite} {
		qs, err := renderQueries(dialect)
		if err != nil {
			t.Fatalf("%s: %v", dialect, err)
		}
		for _, name := range []string{"deadline_candidates", "digest_counts", "digest_overdue"} {
			q, ok := qs[name]
			switch {
			case !ok:
				t.Errorf("%s: no query %s", dialect, name)
			case strings.Contains(q, "--") || strings.Contains(q, "{{"):
				t.Errorf("%s: %s keeps a comment or a template action:\n%s", dialect, name, q)
			case strings.Contains(q, "julianday(") != (dialect == SQLite):
				t.Errorf("%s: %s compares times wrongly:\n%s", dialect, name, q)
			}
		}
		if _, ok := qs["submit"]; ok {
			t.Errorf("%s: submit.sql is rendered as a template", dialect)
		}
	}
}
