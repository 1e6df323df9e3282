package search

import (
	"context"
	"fmt"
	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/shingle"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestExecutorMatchesBleve runs the same searches through the executor
// and through bleve's searchers on an index of several segments with
// deleted and replaced documents, and requires the same totals, facets,
// hits and scores.
func TestExecutorMatchesBleve(t *testing.T) {
	ctx := context.Background()
	// commonMinDocs items, so that common-term pruning is exercised too.
	n := commonMinDocs + 1000
	idx, err := Open(filepath.Join(t.TempDir(), "idx"), Options{BatchSize: 700, CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	for from := 0; from < n; from += 1500 {
		if err := idx.Upsert(ctx, synthItems(7, from, min(1500, n-from))...); err != nil {
			t.Fatal(err)
		}
	}
	// Replace some items (new versions) and delete others: segments then
	// hold deleted documents.
	upd := synthItems(8, 0, 300)
	for i := range upd {
		upd[i].ID = synthItems(7, i*7, 1)[0].ID
		upd[i].Version = 2
	}
	if err := idx.Upsert(ctx, upd...); err != nil {
		t.Fatal(err)
	}
	var del []string
	for i := 5; i < n; i += 11 {
		del = append(del, synthItems(7, i, 1)[0].ID)
	}
	if err := idx.Delete(ctx, del...); err != nil {
		t.Fatal(err)
	}
	if files, mem := idx.Segments(); files+mem < 2 {
		t.Logf("only %d segments", files+mem)
	}

	queries := append([]Query{}, []Query{
		{Text: "so do"}, {Text: "giấy phép xây dựng nhà ở"}, {Text: "cccd"}, {Text: "gplx"},
		{Text: "tro cap that nghiep nop o dau", Page: 2}, {Text: "hoc phi", PerPage: 50, Page: 3},
		{Text: "thủ tục"}, {Text: "ho so", Category: "DD"}, {Text: "chung thuc", Unit: "SXD", Type: "faq"},
		{Text: "", Category: "HT"}, {Text: ""}, {Text: "zzzz qqqq"}, {Text: "bang lai", NoFacets: true},
		{Text: "bảo hiểm xã hội một lần", Type: "answer"}, {Text: "toi o xa my yen", Page: 40},
		{Text: "khaisinh giayy"}, {Text: "chunng thucc ban sao"}, // misspelt: fuzzy terms
	}...)
	for _, text := range benchQueries {
		queries = append(queries, Query{Text: text})
	}
	for _, q := range queries {
		idx.bleveOnly = true
		want, err := idx.Search(ctx, q)
		if err != nil {
			t.Fatalf("%+v: bleve: %v", q, err)
		}
		idx.bleveOnly = false
		before := idx.executed.Load()
		got, err := idx.Search(ctx, q)
		if err != nil {
			t.Fatalf("%+v: executor: %v", q, err)
		}
		if idx.executed.Load() == before {
			t.Errorf("%+v: the executor left the query to bleve", q)
		}
		if got.Total != want.Total || got.Strict != want.Strict {
			t.Errorf("%+v: total %d strict %v, bleve %d %v", q, got.Total, got.Strict, want.Total, want.Strict)
			continue
		}
		for _, name := range []string{"category", "unit", "type"} {
			if g, w := got.Facets[name], want.Facets[name]; len(g) != len(w) {
				t.Errorf("%+v: facet %s %v, bleve %v", q, name, g, w)
			} else {
				for i := range g {
					if g[i] != w[i] {
						t.Errorf("%+v: facet %s %v, bleve %v", q, name, g, w)
						break
					}
				}
			}
		}
		if len(got.Hits) != len(want.Hits) {
			t.Errorf("%+v: %d hits, bleve %d", q, len(got.Hits), len(want.Hits))
			continue
		}
		for i := range got.Hits {
			g, w := got.Hits[i], want.Hits[i]
			if !sameScore(g.Score, w.Score) {
				t.Errorf("%+v: hit %d score %v (%s), bleve %v (%s)", q, i, g.Score, g.ID, w.Score, w.ID)
				break
			}
			if g.ID == w.ID && (!reflect.DeepEqual(g.Item, w.Item) || !reflect.DeepEqual(g.Highlights, w.Highlights)) {
				t.Errorf("%+v: hit %d fields differ:\n%+v\n%+v", q, i, g.Item, w.Item)
			}
		}
		// Items with equal scores may come in another order: bleve adds
		// a document's scores in the order its iterators arrive, so equal
		// scores can differ in the last bits. Within a run of equal scores
		// that the page holds entirely, the items must be the same.
		for i := 0; i < len(got.Hits); {
			j := i
			for j < len(got.Hits) && sameScore(got.Hits[j].Score, got.Hits[i].Score) {
				j++
			}
			whole := (i > 0 || got.Page == 1) && j < len(got.Hits)
			if whole {
				ids := map[string]int{}
				for k := i; k < j; k++ {
					ids[got.Hits[k].ID]++
					ids[want.Hits[k].ID]--
				}
				for id, c := range ids {
					if c != 0 {
						t.Errorf("%+v: hits %d–%d differ from bleve's (%s)", q, i, j-1, id)
						break
					}
				}
			}
			i = j
		}
	}
}

func sameScore(a, b float64) bool {
	// The executor keeps term factors as float32 (see termPostings).
	return math.Abs(a-b) <= 1e-6*math.Max(1e-3, math.Max(math.Abs(a), math.Abs(b)))
}

// foldedTokens must see the tokens the folded analyzer indexes, at the
// same offsets, or highlights would miss matches.
func TestFoldedTokensMatchAnalyzer(t *testing.T) {
	texts := []string{
		"", "Thủ tục ĐĂNG KÝ thường trú (mẫu CT01), lệ phí 15.000đ?",
		"Ủy ban nhân dân xã Mỹ Yên — số 4/2024/NĐ-CP; e-mail: a@b.vn",
		"GIẤY PHÉP LÁI XE hạng B2…", "x\u0301y", "ἈΒΓ straße 123abc",
	}
	for _, s := range synthItems(3, 0, 30) {
		texts = append(texts, s.Question, s.Answer)
	}
	a := newFoldedAnalyzer()
	for _, text := range texts {
		text = Normalize(text)
		var got []string
		foldedTokens([]byte(text), nil, func(pos, start, end int, folded []byte) {
			got = append(got, fmt.Sprintf("%d:%d-%d:%s", pos, start, end, folded))
		})
		var want []string
		for _, tk := range a.Analyze([]byte(text)) {
			want = append(want, fmt.Sprintf("%d:%d-%d:%s", tk.Position, tk.Start, tk.End, tk.Term))
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%q:\n got %v\nwant %v", text, got, want)
		}
	}
}

// The one-pass analyzers give the filter chains' tokens.
func TestOnePassAnalyzers(t *testing.T) {
	texts := []string{
		"", "a", "Thủ tục ĐĂNG KÝ thường trú (mẫu CT01), lệ phí 15.000đ?",
		"Ủy ban nhân dân xã Mỹ Yên — số 4/2024/NĐ-CP; e-mail: a@b.vn 2024",
		"GIẤY PHÉP LÁI XE hạng B2…", "x\u0301y Tho\u0302\u0300", "ἈΒΓ straße ΟΔΟΣ 123abc", "  một  ",
	}
	for _, s := range synthItems(4, 0, 40) {
		texts = append(texts, s.Question, s.Answer, s.Title)
	}
	chains := map[string]analysis.Analyzer{"folded": chainFolded(), "exact": chainExact(), "bigram": chainBigram()}
	ones := map[string]analysis.Analyzer{"folded": viAnalyzer{fold: true}, "exact": viAnalyzer{}, "bigram": viAnalyzer{fold: true, bigram: true}}
	for name, chain := range chains {
		for _, text := range texts {
			show := func(ts analysis.TokenStream) string {
				var b strings.Builder
				for _, tk := range ts {
					fmt.Fprintf(&b, "%d:%d-%d:%s:%d ", tk.Position, tk.Start, tk.End, tk.Term, tk.Type)
				}
				return b.String()
			}
			in := []byte(text)
			got := show(ones[name].Analyze(in))
			if string(in) != text {
				t.Fatalf("%s changed its input %q", name, text)
			}
			if want := show(chain.Analyze([]byte(text))); got != want {
				t.Errorf("%s %q:\n got %s\nwant %s", name, text, got, want)
			}
		}
	}
}

// The filter chains the one-pass analyzers stand for.
func chainExact() analysis.Analyzer {
	return &analysis.DefaultAnalyzer{Tokenizer: wordTokenizer{},
		TokenFilters: []analysis.TokenFilter{nfcFilter{}, lowercase.NewLowerCaseFilter()}}
}

func chainFolded() analysis.Analyzer {
	return &analysis.DefaultAnalyzer{Tokenizer: wordTokenizer{},
		TokenFilters: []analysis.TokenFilter{nfcFilter{}, lowercase.NewLowerCaseFilter(), foldFilter{}}}
}

func chainBigram() analysis.Analyzer {
	return &analysis.DefaultAnalyzer{Tokenizer: wordTokenizer{},
		TokenFilters: []analysis.TokenFilter{nfcFilter{}, lowercase.NewLowerCaseFilter(), foldFilter{},
			shingle.NewShingleFilter(2, 2, false, " ", "_")}}
}

// Facets counted through the table and through bitmaps agree.
func TestFacetTableBothWays(t *testing.T) {
	ctx := context.Background()
	idx, err := Open(filepath.Join(t.TempDir(), "idx"), Options{CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	if err := idx.Upsert(ctx, synthItems(9, 0, 3000)...); err != nil {
		t.Fatal(err)
	}
	err = idx.with(func(bi bleve.Index) error {
		st, err := idx.openStats(ctx, bi)
		if err != nil {
			return err
		}
		defer st.close()
		for _, s := range st.r.(*scorch.IndexSnapshot).Segments() {
			ft, err := buildFacetTable(s.Segment())
			if err != nil || ft == nil {
				t.Fatalf("facet table: %v", err)
			}
			cands := roaring.New()
			for d := uint32(0); d < uint32(s.Segment().Count()); d += 3 {
				cands.Add(d)
			}
			a, b := ft.countByTable(cands), ft.countByBitmaps(cands)
			if fmt.Sprint(a) != fmt.Sprint(b) {
				t.Errorf("table %v, bitmaps %v", a, b)
			}
			sum := 0
			for _, n := range a {
				sum += n
			}
			if want := facetSlots * int(cands.GetCardinality()); sum != want {
				t.Errorf("counted %d facet values, want %d", sum, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
