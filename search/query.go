package search

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Query is a public search. Text is taken literally: it is analysed, never
// parsed as query syntax, so no input can cause a parse error.
type Query struct {
	Text     string
	Category string // category code filter
	Unit     string // unit code filter
	Type     string // "faq" | "answer" filter
	Page     int    // from 1
	PerPage  int    // default 10, at most 50
	Sort     string // "relevance" (default) | "date" (published_at, newest first)
}

// Result is one page of hits with facets over all matches.
type Result struct {
	Total   uint64
	Page    int
	PerPage int
	Hits    []Hit
	Facets  map[string][]FacetCount // keys "category", "unit", "type"
	Took    time.Duration
}

// Hit is a matching item. Highlights are HTML: the item's text escaped,
// with only <mark>…</mark> tags raw.
type Hit struct {
	Item
	Score      float64
	Highlights []string
}

// FacetCount is the number of matches with one facet value.
type FacetCount struct {
	Term  string
	Count int
}

const (
	DefaultPerPage = 10
	MaxPerPage     = 50
	maxPage        = 1000 // deep pages cost memory and nobody reads them
	maxQueryRunes  = 300
	facetSize      = 50
)

// Field weights. Question (and title) count more than the answer; the exact
// field (diacritics kept) counts more than the folded one, and a bigram
// (two-syllable word) match more than its syllables alone.

const (
	wQuestion     = 3.0
	wAnswer       = 1.0
	wExact        = 1.3 // relative to folded, only when the user typed marks
	wBigram       = 1.6
	wFuzzy        = 0.15
	wExpansion    = 0.6
	wCategoryName = 0.5
	minFuzzyRunes = 5
)

// Search runs q.
func (x *Index) Search(ctx context.Context, q Query) (Result, error) {
	page, per := q.Page, q.PerPage
	if page < 1 {
		page = 1
	}
	if page > maxPage {
		page = maxPage
	}
	if per <= 0 {
		per = DefaultPerPage
	}
	if per > MaxPerPage {
		per = MaxPerPage
	}
	req := bleve.NewSearchRequestOptions(x.buildQuery(q), per, (page-1)*per, false)
	req.Fields = storedFields
	req.Highlight = bleve.NewHighlightWithStyle("html")
	req.Highlight.Fields = []string{fQuestion, fTitle, fAnswer}
	req.AddFacet("category", bleve.NewFacetRequest(fCategory, facetSize))
	req.AddFacet("unit", bleve.NewFacetRequest(fUnit, facetSize))
	req.AddFacet("type", bleve.NewFacetRequest(fType, facetSize))
	if q.Sort == "date" {
		req.SortBy([]string{"-" + fPublishedAt, "-_score", "_id"})
	}

	var res *bleve.SearchResult
	err := x.with(func(bi bleve.Index) (err error) {
		res, err = bi.SearchInContext(ctx, req)
		return err
	})
	if err != nil {
		return Result{}, fmt.Errorf("search: query %q: %w", q.Text, err)
	}
	out := Result{Total: res.Total, Page: page, PerPage: per, Took: res.Took,
		Hits: make([]Hit, 0, len(res.Hits)), Facets: make(map[string][]FacetCount, 3)}
	for _, h := range res.Hits {
		out.Hits = append(out.Hits, Hit{Item: itemFromFields(h.ID, h.Fields), Score: h.Score,
			Highlights: highlights(h)})
	}
	for name, f := range res.Facets {
		fc := []FacetCount{}
		if f.Terms != nil {
			for _, t := range f.Terms.Terms() {
				fc = append(fc, FacetCount{Term: t.Term, Count: t.Count})
			}
		}
		out.Facets[name] = fc
	}
	return out, nil
}

func highlights(h *search.DocumentMatch) []string {
	var out []string
	for _, f := range []string{fQuestion, fTitle, fAnswer} {
		out = append(out, h.Fragments[f]...)
	}
	return out
}

// buildQuery combines the text query with the filters.
func (x *Index) buildQuery(q Query) query.Query {
	var parts []query.Query
	if tq := x.textQuery(q.Text); tq != nil {
		parts = append(parts, tq)
	}
	for field, v := range map[string]string{fCategory: q.Category, fUnit: q.Unit, fType: q.Type} {
		if v != "" {
			t := bleve.NewTermQuery(v)
			t.SetField(field)
			parts = append(parts, t)
		}
	}
	switch len(parts) {
	case 0:
		return bleve.NewMatchAllQuery()
	case 1:
		return parts[0]
	}
	return bleve.NewConjunctionQuery(parts...)
}

// textQuery builds the scored query for user text, nil for blank text.
func (x *Index) textQuery(text string) query.Query {
	if utf8.RuneCountInString(text) > maxQueryRunes {
		text = string([]rune(text)[:maxQueryRunes])
	}
	toks := tokens(text)
	if len(toks) == 0 {
		return nil
	}
	marked := false
	for _, t := range toks {
		if hasDiacritics(t) {
			marked = true
			break
		}
	}
	text = Normalize(text)
	clauses := textClauses(text, 1, marked)
	// Typos: fuzzy matching of longer folded syllables, weakly weighted.
	seen := map[string]bool{}
	for _, t := range toks {
		f := Fold(t)
		if utf8.RuneCountInString(f) < minFuzzyRunes || seen[f] {
			continue
		}
		seen[f] = true
		for field, w := range map[string]float64{fQuestion: wQuestion, fAnswer: wAnswer} {
			fq := bleve.NewFuzzyQuery(f)
			fq.SetField(field)
			fq.SetFuzziness(1)
			fq.SetPrefix(1)
			fq.SetBoost(w * wFuzzy)
			clauses = append(clauses, fq)
		}
	}
	for _, e := range x.synonyms.Load().expand(toks) {
		clauses = append(clauses, textClauses(e, wExpansion, false)...)
	}
	return bleve.NewDisjunctionQuery(clauses...)
}

// textClauses matches text against the folded and bigram fields, and the
// exact field when the user typed diacritics.
func textClauses(text string, boost float64, exact bool) []query.Query {
	var out []query.Query
	add := func(field, analyzer string, w float64) {
		m := bleve.NewMatchQuery(text)
		m.SetField(field)
		m.Analyzer = analyzer // explicit: sub-fields are not looked up by path
		m.SetBoost(w * boost)
		out = append(out, m)
	}
	for _, f := range []struct {
		name  string
		w     float64
		exact bool // has an exact sub-field
	}{{fQuestion, wQuestion, true}, {fTitle, wQuestion, true}, {fAnswer, wAnswer, false}} {
		add(f.name, FoldedAnalyzerName, f.w)
		add(f.name+sufBigram, BigramAnalyzerName, f.w*wBigram)
		if exact && f.exact {
			add(f.name+sufExact, ExactAnalyzerName, f.w*wExact)
		}
	}
	add(fCategoryName, FoldedAnalyzerName, wCategoryName)
	return out
}
