package app_test

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"pakn/views"
)

// eventTypePatterns find the audit event types the code writes: Event
// literals, the workflow's a.event, and the helpers of configuration and
// FAQ changes. A new way of writing events belongs here.
var eventTypePatterns = []*regexp.Regexp{
	regexp.MustCompile(`Type:\s*"([a-z_]+)"`),
	regexp.MustCompile(`\.event\("([a-z_]+)"`),
	regexp.MustCompile(`configEvent\(tx, v, [^,]+, "([a-z_]+)"`),
	regexp.MustCompile(`faqEvent\(tx, e, v, "([a-z_]+)"`),
}

// Every audit event the code writes reads as a sentence in every language:
// no timeline shows a raw key such as "event.escalated".
func TestEveryEventHasASentence(t *testing.T) {
	cat, err := views.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]string{}
	for _, dir := range []string{"../models", "../jobs"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, re := range eventTypePatterns {
				for _, m := range re.FindAllStringSubmatch(string(src), -1) {
					types[m[1]] = f
				}
			}
		}
	}
	if len(types) < 20 {
		t.Fatalf("found only %d event types: the patterns no longer match the code", len(types))
	}
	var missing []string
	for typ, file := range types {
		for _, lang := range views.Languages {
			if got := cat.T(lang, "event."+typ); got == "event."+typ {
				missing = append(missing, lang+": event."+typ+" (written in "+file+")")
			}
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Error("no sentence for", m)
	}
}
