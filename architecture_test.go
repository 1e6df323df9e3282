package main

import (
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"pakn/app"
	"pakn/internal/testenv"
)

// architectureDoc is the design document TestArchitecture keeps honest.
const architectureDoc = "docs/ARCHITECTURE.md"

// bleveInternals are the parts of bleve only search/internal/... may import.
var bleveInternals = []string{
	"github.com/blevesearch/bleve/v2/index/scorch",
	"github.com/blevesearch/scorch_segment_api",
	"github.com/blevesearch/vellum",
	"github.com/RoaringBitmap/roaring",
}

// sqlAccess is what reaches a database directly.
var sqlAccess = []string{"gorm.io", "database/sql", "github.com/jackc/pgx", "github.com/glebarez/sqlite"}

// pure are the packages of pure functions: they import nothing of PAKN and
// touch no database (docs/ARCHITECTURE.md, "Import rules").
var pure = []string{"models/workdays", "models/personaldata", "models/faqfile"}

// importRule forbids a package (and, with sub, the packages under it) to
// import anything under the listed paths.
type importRule struct {
	pkg   string
	sub   bool
	never []string
}

func importRules() []importRule {
	rules := []importRule{
		{"models", true, []string{"pakn/app", "pakn/jobs", "pakn/search", "pakn/views", "pakn/migrations", "github.com/gofiber"}},
		{"app", false, append([]string{"pakn/jobs", "pakn/migrations", "github.com/blevesearch"}, sqlAccess...)},
		{"jobs", false, append([]string{"pakn/app", "pakn/search", "github.com/gofiber"}, sqlAccess...)},
		{"jobs/delivery", false, []string{"pakn"}},
		{"jobs/lock", false, []string{"pakn"}},
		{"search", false, append(append([]string{"pakn/models", "pakn/app", "pakn/jobs"}, sqlAccess...), bleveInternals...)},
		{"search/searchrt", false, append([]string{"pakn/app", "pakn/jobs"}, bleveInternals...)},
		{"views", false, []string{"pakn"}},
		{"migrations", false, []string{"pakn"}},
	}
	for _, p := range pure {
		rules = append(rules, importRule{p, false, append([]string{"pakn"}, sqlAccess...)})
	}
	// Test helpers never ship.
	for _, p := range []string{".", "app", "models", "jobs", "search", "views", "migrations"} {
		rules = append(rules, importRule{p, p != ".", []string{"pakn/internal"}})
	}
	return rules
}

func (r importRule) applies(dir string) bool {
	return dir == r.pkg || r.sub && strings.HasPrefix(dir, r.pkg+"/")
}

// underPath tells whether import path imp is path or below it.
func underPath(imp, path string) bool {
	return imp == path || strings.HasPrefix(imp, path+"/")
}

// sourcePackages maps each package folder of the module ("." for the root)
// to the imports of its non-test files.
func sourcePackages(t *testing.T) map[string][]string {
	t.Helper()
	pkgs := map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != "." && (strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_") || d.Name() == "testdata" || d.Name() == "data") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		imps := pkgs[dir]
		for _, is := range f.Imports {
			imp, err := strconv.Unquote(is.Path.Value)
			if err != nil {
				return err
			}
			imps = append(imps, imp)
		}
		pkgs[dir] = imps
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

// docSection returns the text of the section that starts with heading
// (up to the next heading of the same or a higher level).
func docSection(t *testing.T, doc, heading string) string {
	t.Helper()
	i := strings.Index(doc, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("%s has no section %q", architectureDoc, heading)
	}
	level := strings.Index(heading, " ")
	rest := doc[i+len(heading)+2:]
	for _, line := range strings.SplitAfter(rest, "\n") {
		if n := strings.Index(line, " "); n > 0 && n <= level && strings.Trim(line[:n], "#") == "" {
			return rest[:strings.Index(rest, line)]
		}
	}
	return rest
}

var (
	docRoute      = regexp.MustCompile("`(GET|POST|PUT|PATCH|DELETE) (/[^`\\s]*)`")
	routeParam    = regexp.MustCompile(`:([a-zA-Z_]+)(<[^>]*>)?`)
	docPackage    = regexp.MustCompile("(?m)^### `([^`]+)`")
	programEnvVar = regexp.MustCompile(`"(PAKN_[A-Z0-9_]+)"`)
)

// TestArchitecture keeps docs/ARCHITECTURE.md equal to the code: a section
// per package, the import rules it states, every variable the program
// reads, every command and exactly the routes the server registers.
func TestArchitecture(t *testing.T) {
	b, err := os.ReadFile(architectureDoc)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	pkgs := sourcePackages(t)

	t.Run("every package has a section", func(t *testing.T) {
		documented := map[string]bool{}
		for _, m := range docPackage.FindAllStringSubmatch(doc, -1) {
			documented[strings.TrimSuffix(m[1], "/")] = true
		}
		for dir := range pkgs {
			name := dir
			if dir == "." {
				name = "pakn"
			}
			if !documented[name] {
				t.Errorf("package %s has no section (### `%s`) in %s", dir, name, architectureDoc)
			}
		}
		for name := range documented {
			if _, ok := pkgs[name]; !ok && name != "pakn" {
				t.Errorf("%s has a section for %s, which is not a package", architectureDoc, name)
			}
		}
	})

	t.Run("imports follow the rules", func(t *testing.T) {
		for _, r := range importRules() {
			matched := false
			for dir, imps := range pkgs {
				if !r.applies(dir) {
					continue
				}
				matched = true
				for _, imp := range imps {
					for _, never := range r.never {
						if underPath(imp, never) {
							t.Errorf("%s imports %s: %s must never import %s (%s, \"Import rules\")", dir, imp, r.pkg, never, architectureDoc)
						}
					}
				}
			}
			if !matched {
				t.Errorf("the import rule for %s matches no package: update the rule and %s", r.pkg, architectureDoc)
			}
		}
		for dir, imps := range pkgs {
			if dir == "search/internal" || strings.HasPrefix(dir, "search/internal/") {
				continue
			}
			for _, imp := range imps {
				for _, in := range bleveInternals {
					if underPath(imp, in) {
						t.Errorf("%s imports bleve's internals (%s): only search/internal/... may", dir, imp)
					}
				}
			}
		}
	})

	t.Run("every variable the program reads", func(t *testing.T) {
		env := docSection(t, doc, "### Environment")
		documented := map[string]bool{}
		for _, line := range strings.Split(env, "\n") {
			if strings.HasPrefix(line, "| `PAKN_") {
				cell, _, _ := strings.Cut(line[1:], "|")
				for _, name := range envName.FindAllString(cell, -1) {
					documented[name] = true
				}
			}
		}
		for dir := range pkgs {
			if dir == "cmd" || strings.HasPrefix(dir, "cmd/") || dir == "internal" || strings.HasPrefix(dir, "internal/") {
				continue
			}
			files, err := filepath.Glob(filepath.Join(dir, "*.go"))
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				if strings.HasSuffix(f, "_test.go") {
					continue
				}
				src, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range programEnvVar.FindAllStringSubmatch(string(src), -1) {
					if !documented[m[1]] {
						t.Errorf("%s reads %s, which the environment table of %s lacks", f, m[1], architectureDoc)
					}
				}
			}
		}
	})

	t.Run("every command", func(t *testing.T) {
		commands := docSection(t, doc, "### Commands")
		for _, line := range strings.Split(usage, "\n") {
			// "  pakn NAME [ARGS]   description"
			rest, ok := strings.CutPrefix(line, "  pakn ")
			if !ok {
				continue
			}
			rest, _, _ = strings.Cut(rest, "  ")
			var words []string
			for _, w := range strings.Fields(strings.NewReplacer("[", " ", "]", " ").Replace(rest)) {
				if strings.HasPrefix(w, "-") || strings.ToLower(w) != w || strings.Contains(w, ".") {
					break
				}
				words = append(words, w)
			}
			if cmd := strings.Join(words, " "); !strings.Contains(commands, "`pakn "+cmd) {
				t.Errorf("command %q (main.go's usage) is not in the command table of %s", cmd, architectureDoc)
			}
		}
	})

	t.Run("exactly the routes the server registers", func(t *testing.T) {
		s, err := app.New(app.Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Config: app.Config{
			BaseURL: "http://127.0.0.1:8080", Secret: []byte(testenv.TestSecret),
			// Every optional group on: citizen sign-in with the demo provider.
			OIDC: app.OIDCConfig{Demo: true},
		}})
		if err != nil {
			t.Fatal(err)
		}
		registered := map[string]bool{}
		for _, r := range s.App().GetRoutes(true) {
			path := routeParam.ReplaceAllString(r.Path, "{$1}")
			if strings.HasSuffix(path, "*") {
				// A catch-all (the demo provider) answers every method;
				// the document names it once.
				if r.Method != "GET" {
					continue
				}
				path = strings.TrimSuffix(path, "*") + "…"
			}
			if r.Method == "HEAD" {
				continue // Fiber adds HEAD to every GET
			}
			registered[r.Method+" "+path] = true
		}
		documented := map[string]bool{}
		for _, m := range docRoute.FindAllStringSubmatch(docSection(t, doc, "### Routes"), -1) {
			documented[m[1]+" "+m[2]] = true
		}
		var missing, extra []string
		for r := range registered {
			if !documented[r] {
				missing = append(missing, r)
			}
		}
		for r := range documented {
			if !registered[r] {
				extra = append(extra, r)
			}
		}
		sort.Strings(missing)
		sort.Strings(extra)
		for _, r := range missing {
			t.Errorf("route %s is registered but not in the route tables of %s", r, architectureDoc)
		}
		for _, r := range extra {
			t.Errorf("%s lists route %s, which the server does not register", architectureDoc, r)
		}
		if len(registered) < 100 {
			t.Errorf("only %d routes registered: the server was not built with every group", len(registered))
		}
	})
}
