package models

import (
	"embed"
	"fmt"
	"io/fs"
	"strings"
	"text/template"
)

// sqlFiles are the heavy queries, one named .sql file each, reviewable as
// SQL. Each is a text/template rendered once per store for its dialect,
// without its comment lines: {{time "x"}} compares a time column or
// parameter x by instant, which on SQLite (times stored as text) takes
// julianday(x). Parameters are named
// (@horizon); GORM binds them from sql.Named arguments. The intake
// statement, sql/submit.sql, is PostgreSQL only and embedded as it is
// (intake_pg.go).
//
//go:embed sql/*.sql
var sqlFiles embed.FS

// queries are the rendered sql/*.sql files of a store, by file name
// without ".sql".
type queries map[string]string

// renderQueries renders every template in sql/ for dialect.
func renderQueries(dialect string) (queries, error) {
	funcs := template.FuncMap{"time": func(x string) string {
		if dialect == SQLite {
			return "julianday(" + x + ")"
		}
		return x
	}}
	names, err := fs.Glob(sqlFiles, "sql/*.sql")
	if err != nil {
		return nil, err
	}
	out := queries{}
	for _, path := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(path, "sql/"), ".sql")
		if name == "submit" {
			continue
		}
		text, err := fs.ReadFile(sqlFiles, path)
		if err != nil {
			return nil, err
		}
		t, err := template.New(name).Funcs(funcs).Option("missingkey=error").Parse(string(text))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		var b strings.Builder
		if err := t.Execute(&b, nil); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out[name] = withoutComments(b.String())
	}
	return out, nil
}

// withoutComments drops the files' comment lines: GORM would take a named
// parameter or a question mark in a comment for a parameter.
func withoutComments(q string) string {
	var b strings.Builder
	for line := range strings.Lines(q) {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			b.WriteString(line)
		}
	}
	return strings.TrimSpace(b.String())
}

// query is the rendered file sql/<name>.sql. A store built by hand rather
// than by Open (the demo loader's copy) renders it on the spot. A name without
// a file is a programming error (TestQueriesRender renders every file).
func (s *Store) query(name string) string {
	qs := s.queries
	if qs == nil {
		var err error
		if qs, err = renderQueries(s.Dialect); err != nil {
			panic("models: " + err.Error())
		}
	}
	q, ok := qs[name]
	if !ok {
		panic("models: no query sql/" + name + ".sql")
	}
	return q
}
