package search

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// findSharedData looks for shared/data/faq-vi.jsonl beside one of the
// working directory's ancestors (the corpus is never copied into the repo).
func findSharedData(t *testing.T) string {
	t.Helper()
	for _, up := range []string{"..", "../..", "../../.."} {
		p := filepath.Join(up, "shared", "data", "faq-vi.jsonl")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("shared/data/faq-vi.jsonl not found beside the repository (required when CI=true)")
	}
	t.Skip("shared/data/faq-vi.jsonl not found beside the repository; skipping the quality evaluation")
	return ""
}

func loadFAQIndex(t testing.TB, path string, opts ...Options) *Index {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	items, err := ReadFAQJSONL(f)
	if err != nil {
		t.Fatal(err)
	}
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	idx, err := Open(filepath.Join(t.TempDir(), "idx"), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	if err := idx.Upsert(context.Background(), items...); err != nil {
		t.Fatal(err)
	}
	return idx
}

// TestSearchQuality evaluates both phases of Search: "default" is what the
// server runs (strict phase, broad query when it fills less than a page);
// "strict" takes the strict phase's answer whenever it finds anything, as
// a large index mostly does; "broad" never runs the strict phase.
func TestSearchQuality(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: large corpus (evaluates search quality on the FAQ file)")
	}
	path := findSharedData(t)
	// Floors: what was achieved minus a small margin; the strict mode, a
	// stress case (one strict hit is enough to skip the broad query), is
	// held to the targets (hit@1 ≥ 0.85, MRR@10 ≥ 0.90).
	// Achieved (tune / holdout, hit@1 hit@5 MRR@10): default and broad
	// 0.938 1.000 0.959 / 0.933 1.000 0.954; strict 0.938 1.000 0.959 /
	// 0.889 0.956 0.910.
	normal := map[string]SplitReport{
		"tune":    {Hit1: 0.90, Hit5: 0.97, MRR10: 0.93},
		"holdout": {Hit1: 0.88, Hit5: 0.95, MRR10: 0.92},
	}
	stress := map[string]SplitReport{
		"tune":    {Hit1: 0.85, Hit5: 0.90, MRR10: 0.90},
		"holdout": {Hit1: 0.85, Hit5: 0.90, MRR10: 0.90},
	}
	for _, mode := range []struct {
		name   string
		min    int
		floors map[string]SplitReport
	}{{"default", 0, normal}, {"strict", 1, stress}, {"broad", -1, normal}} {
		t.Run(mode.name, func(t *testing.T) {
			testSearchQuality(t, loadFAQIndex(t, path, Options{StrictMinHits: mode.min}), mode.floors)
		})
	}
}

func testSearchQuality(t *testing.T, idx *Index, floors map[string]SplitReport) {
	f, err := os.Open(filepath.Join("testdata", "queries.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	qs, err := ReadEvalQueries(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) < 100 {
		t.Fatalf("only %d evaluation queries, want at least 100", len(qs))
	}
	// PAKN_EVAL_SPLIT=tune restricts the run while tuning, so that the
	// holdout split is looked at only at the end.
	if only := os.Getenv("PAKN_EVAL_SPLIT"); only != "" {
		var kept []EvalQuery
		for _, q := range qs {
			if q.Split == only {
				kept = append(kept, q)
			}
		}
		qs = kept
	}
	rep, err := Evaluate(context.Background(), idx, qs)
	if err != nil {
		t.Fatal(err)
	}
	strict := 0
	for _, q := range qs {
		if res, err := idx.Search(context.Background(), Query{Text: q.Text, PerPage: 10, NoFacets: true}); err == nil && res.Strict {
			strict++
		}
	}
	t.Logf("\n%s\nanswered by the strict phase: %d of %d queries", rep, strict, len(qs))
	for _, m := range rep.Misses {
		if m.Split == "tune" || os.Getenv("PAKN_EVAL_VERBOSE") != "" {
			t.Logf("miss %-7s %s rank=%d top=%s  %q", m.Split, m.Expected, m.Rank, m.Top, m.Query)
		}
	}
	for name, fl := range floors {
		got, ok := rep.Splits[name]
		if !ok {
			continue
		}
		if got.Hit1 < fl.Hit1 || got.Hit5 < fl.Hit5 || got.MRR10 < fl.MRR10 {
			t.Errorf("%s: hit@1=%.3f hit@5=%.3f MRR@10=%.3f below floors %.2f/%.2f/%.2f",
				name, got.Hit1, got.Hit5, got.MRR10, fl.Hit1, fl.Hit5, fl.MRR10)
		}
	}
}

// TestSearchQualityBlind evaluates Search (as the server runs it) on the
// blind set (testdata/blind.tsv, see BLIND.md): queries written by someone
// who saw the corpus only, never used for tuning and never edited to fit
// the engine. It reports hit@1, hit@5 and MRR@10 per kind and overall, and
// how many results the queries about absent topics get.
func TestSearchQualityBlind(t *testing.T) {
	path := findSharedData(t)
	f, err := os.Open(filepath.Join("testdata", "blind.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	qs, err := ReadBlindQueries(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) < 200 {
		t.Fatalf("only %d blind queries, want at least 200", len(qs))
	}
	idx := loadFAQIndex(t, path)
	rep, err := Evaluate(context.Background(), idx, qs)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("blind set\n%s", rep)
	if os.Getenv("PAKN_EVAL_VERBOSE") != "" {
		for _, m := range rep.Misses {
			t.Logf("miss %-12s %s rank=%d top=%s  %q", m.Split, m.Expected, m.Rank, m.Top, m.Query)
		}
		for _, a := range rep.Absent {
			t.Logf("absent %3d results  %q", a.Total, a.Query)
		}
	}
	for _, a := range rep.Absent {
		if a.Total > absentMax {
			t.Errorf("%q, a topic the corpus lacks, finds %d items (at most %d wanted)", a.Query, a.Total, absentMax)
		}
	}
	for _, tc := range []struct {
		q       string
		max     uint64
		firstOf string // the first hit is one of these
	}{
		{"cap lai can cuoc", 36, "faq-024,faq-025,faq-026,faq-027,faq-028,faq-029,faq-030,faq-031,faq-032,faq-033,faq-034"},
		{"hộ chiếu", 36, "faq-013,faq-023,faq-104"},
		{"bán nhà", 36, ""},
		{"qqxxzz wwvvkk", 0, ""},
	} {
		res, err := idx.Search(context.Background(), Query{Text: tc.q, PerPage: 5, NoFacets: true})
		if err != nil {
			t.Fatal(err)
		}
		var top []string
		for _, h := range res.Hits {
			top = append(top, h.ID)
		}
		t.Logf("%-18q %3d results; first %v", tc.q, res.Total, top)
		if res.Total > tc.max {
			t.Errorf("%q finds %d items, want at most %d", tc.q, res.Total, tc.max)
		}
		if tc.firstOf != "" && (len(top) == 0 || !strings.Contains(","+tc.firstOf+",", ","+top[0]+",")) {
			t.Errorf("%q: first hit %v, want one of %s", tc.q, top, tc.firstOf)
		}
	}
	for name, floor := range blindFloors {
		got := rep.Splits[name]
		if got.Hit1 < floor.Hit1 || got.Hit5 < floor.Hit5 || got.MRR10 < floor.MRR10 {
			t.Errorf("blind %s: hit@1=%.3f hit@5=%.3f MRR@10=%.3f below floors %.2f/%.2f/%.2f",
				name, got.Hit1, got.Hit5, got.MRR10, floor.Hit1, floor.Hit5, floor.MRR10)
		}
	}
}

// blindFloors hold the blind set's overall figures to the goals
// (reached: see BENCHMARKS.md, issue 18), so that a change that loses
// quality fails.
var blindFloors = map[string]SplitReport{"all": {Hit1: 0.85, Hit5: 0.97, MRR10: 0.90}}

// absentMax is "a handful": the most results a query about a topic the
// corpus lacks may find.
const absentMax = 15
