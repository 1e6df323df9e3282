package search

import (
	"context"
	"path/filepath"
	"testing"
)

// TestLargeIndexPhases runs on an index large enough for common-term
// pruning (commonMinDocs) and checks both phases of Search: the strict
// phase answers when it fills a page, the broad one otherwise, facets count
// the phase's matches, and a syllable no document has (here "nhà") no
// longer empties the result.
func TestLargeIndexPhases(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: large corpus (builds a 5,000-item index)")
	}
	ctx := context.Background()
	// No result cache: the test changes the phase options between searches.
	idx, err := Open(filepath.Join(t.TempDir(), "idx"), Options{BatchSize: 1000, CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	items := append(synthItems(3, 0, commonMinDocs), Item{ID: "faq-x", Type: "faq", Version: 1,
		Question: "Quy trình phúc khảo điểm thi", Answer: "Nộp đơn phúc khảo tại trường."})
	if err := idx.Upsert(ctx, items...); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		q      string
		strict bool
	}{
		{"giấy phép xây dựng", true},
		{"giay phep xay dung nha o", true},
		{"giấy phép xây dựng nhà ở", true},
		{"zzz giay phep xay dung nha o", true}, // an unknown syllable is not required
		{"mst", true},                          // as itself or "mã số thuế"
		{"phuc khao giay khai sinh", false},    // one strict match: broad
	} {
		res, err := idx.Search(ctx, Query{Text: tc.q})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total == 0 || res.Strict != tc.strict {
			t.Errorf("%q: total %d strict %v, want hits and strict %v", tc.q, res.Total, res.Strict, tc.strict)
			continue
		}
		sum := 0
		for _, f := range res.Facets["type"] {
			sum += f.Count
		}
		if uint64(sum) != res.Total {
			t.Errorf("%q: type facet counts %d, total %d", tc.q, sum, res.Total)
		}
		broad, err := idx.Search(ctx, Query{Text: tc.q, NoFacets: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(broad.Facets) != 0 || broad.Total != res.Total {
			t.Errorf("%q: NoFacets gave facets %v, total %d (want %d)", tc.q, broad.Facets, broad.Total, res.Total)
		}
	}
	// Half the query unknown is too little of it: the strict phase does
	// not answer with the known half alone, and the precise phase finds
	// nothing ("pháo hoa" on the demo province was every "Hòa").
	if res, err := idx.Search(ctx, Query{Text: "zzz giay khai sinh xyzw"}); err != nil || res.Total != 0 {
		t.Errorf("half unknown: total %d, strict %v (%v), want nothing", res.Total, res.Strict, err)
	}
	// The strict phase ranks a subset of the broad matches (scored
	// without the answer fields' common-term-only clauses): its first hit
	// is a broad match.
	idx.opts.StrictMinHits = 1
	s, err := idx.Search(ctx, Query{Text: "bang lai xe het han"})
	if err != nil {
		t.Fatal(err)
	}
	idx.opts.StrictMinHits = -1
	found := false
	var b Result
	for page := 1; !found && page <= 200; page++ {
		if b, err = idx.Search(ctx, Query{Text: "bang lai xe het han", PerPage: MaxPerPage, Page: page}); err != nil {
			t.Fatal(err)
		}
		if len(b.Hits) == 0 {
			break
		}
		for _, h := range b.Hits {
			found = found || len(s.Hits) > 0 && h.ID == s.Hits[0].ID
		}
	}
	if !s.Strict || b.Strict || s.Total > b.Total || len(s.Hits) == 0 {
		t.Fatalf("strict %v/%d, broad %v/%d", s.Strict, s.Total, b.Strict, b.Total)
	}
	if !found {
		t.Errorf("strict top hit %s is not a broad match", s.Hits[0].ID)
	}
}
