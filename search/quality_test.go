package search

import (
	"context"
	"os"
	"path/filepath"
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

func loadFAQIndex(t testing.TB, path string) *Index {
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
	idx, err := Open(filepath.Join(t.TempDir(), "idx"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	if err := idx.Upsert(context.Background(), items...); err != nil {
		t.Fatal(err)
	}
	return idx
}

func TestSearchQuality(t *testing.T) {
	idx := loadFAQIndex(t, findSharedData(t))
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
	t.Logf("\n%s", rep)
	for _, m := range rep.Misses {
		if m.Split == "tune" || os.Getenv("PAKN_EVAL_VERBOSE") != "" {
			t.Logf("miss %-7s %s rank=%d top=%s  %q", m.Split, m.Expected, m.Rank, m.Top, m.Query)
		}
	}
	// Floors: what was achieved (tune 0.938/1.000/0.959, holdout
	// 0.933/1.000/0.954 for hit@1/hit@5/MRR@10) minus a small margin.
	floors := map[string]SplitReport{
		"tune":    {Hit1: 0.90, Hit5: 0.97, MRR10: 0.93},
		"holdout": {Hit1: 0.88, Hit5: 0.95, MRR10: 0.92},
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
