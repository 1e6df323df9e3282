package search

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"pakn/search/internal/engine"
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
	// NoFacets skips facet counting (e.g. suggestions that show no facets).
	NoFacets bool
}

// Result is one page of hits with facets over all matches.
type Result struct {
	Total   uint64
	Page    int
	PerPage int
	Hits    []Hit
	Facets  map[string][]FacetCount // keys "category", "unit", "type"; empty with NoFacets
	Took    time.Duration
	// Strict reports that the hits come from the first phase of Search
	// (items whose question, title or category has every non-frequent
	// syllable of the query), not from the broad any-syllable match.
	Strict bool
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
	facetTermsMax  = 10000 // distinct values of the three facets together
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
	minFuzzyRunes = 4

	commonMinDocs = 5000 // below this, no term is treated as common
	commonShare   = 0.03 // … above it, terms in more than this share of documents

	// requireMaxShare: the strict phase requires the query's syllables found
	// in at most this share of the documents (at any index size).
	requireMaxShare = 0.2
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
	return x.cached(q, page, per, func() (Result, error) { return x.search(ctx, q, page, per) })
}

// search runs a query against the index (no cache).
func (x *Index) search(ctx context.Context, q Query, page, per int) (Result, error) {
	if x.slots != nil {
		if err := x.slots.acquire(ctx); err != nil {
			return Result{}, fmt.Errorf("search: query %q: %w", q.Text, err)
		}
		defer x.slots.release()
	}
	var res *pageResult
	var used query.Query
	strict := false
	err := x.with(func(bi bleve.Index) error {
		st, err := x.openStats(ctx, bi)
		if err != nil {
			return err
		}
		defer st.close()
		broad, narrow := x.buildQuery(q, st)
		// The cut-off relative to the best score (precision.go) applies
		// to text queries, in either order.
		cut := strings.TrimSpace(q.Text) != ""
		run := func(qq query.Query) error {
			res, err = x.runPage(ctx, bi, st, qq, q, page, per, cut)
			return err
		}
		// Phase 1: only items with every non-frequent syllable (see
		// textQuery). It visits fewer documents (the requirements'
		// conjunction leaps along the rarest syllable's postings), and the
		// facets are counted over the same ones. Phase 2, the precise
		// query (precision.go), is built and run only when phase 1 fills
		// less than a page: the decision depends on the total alone, so
		// every page of one query comes from the same phase.
		if need := x.opts.strictMinHits(per); narrow != nil && need > 0 {
			if err := run(narrow); err != nil {
				return err
			}
			// Decided on the matches before the cut-off: the cut
			// thins a phase's answer, it does not make it worse.
			strict = res.matched >= uint64(need)
			used = narrow
		}
		if !strict {
			used = broad()
			if err := run(used); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Result{}, fmt.Errorf("search: query %q: %w", q.Text, err)
	}
	out := Result{Total: res.total, Page: page, PerPage: per, Took: res.took, Strict: strict,
		Hits: make([]Hit, 0, len(res.hits)), Facets: make(map[string][]FacetCount, 3)}
	// Only the page's hits are highlighted, by the terms of the query
	// that found them (see highlight.go).
	var qt *queryTerms
	if len(res.hits) > 0 {
		qt = collectTerms(used)
		qt.dropFillers(q.Text)
	}
	for i := range res.hits {
		it := res.hits[i].itemOf()
		out.Hits = append(out.Hits, Hit{Item: it, Score: res.hits[i].score, Highlights: highlightItem(it, qt)})
	}
	if !q.NoFacets {
		for _, name := range []string{"category", "unit", "type"} {
			out.Facets[name] = []FacetCount{}
		}
		// Terms come sorted by count (then term), as bleve's per-field
		// facets were.
		for _, t := range res.facets {
			for name, prefix := range map[string]string{"category": facetCategory, "unit": facetUnit, "type": facetType} {
				if v, ok := strings.CutPrefix(t.term, prefix); ok && len(out.Facets[name]) < facetSize {
					out.Facets[name] = append(out.Facets[name], FacetCount{Term: v, Count: t.count})
				}
			}
		}
	}
	return out, nil
}

// pageResult is one page of a query's results, from either engine.
type pageResult struct {
	total   uint64
	matched uint64 // before the cut-off
	hits    []pageHit
	facets  []rawFacet
	took    time.Duration
}

type rawFacet struct {
	term  string
	count int
}

type pageHit struct {
	id     string
	score  float64
	fields map[string]interface{} // from bleve
	item   Item                   // from the executor
}

// itemOf is the hit's item (loaded).
func (h *pageHit) itemOf() Item {
	if h.fields != nil {
		return itemFromFields(h.id, h.fields)
	}
	return h.item
}

// runQuery answers qq with the executor (search/internal/engine) when
// there is one and it can, else with bleve's searchers (the reference: the
// same results, slower).
func (x *Index) runQuery(ctx context.Context, bi bleve.Index, st *stats, qq query.Query, q Query, pg, per int) (*pageResult, error) {
	return x.runPage(ctx, bi, st, qq, q, pg, per, false)
}

// runPage is runQuery, with the cut-off relative to the best score when
// cut is set (precision.go).
func (x *Index) runPage(ctx context.Context, bi bleve.Index, st *stats, qq query.Query, q Query, pg, per int, cut bool) (*pageResult, error) {
	from, size := (pg-1)*per, per
	start := time.Now()
	if x.exec != nil && q.Sort != "date" {
		req := engine.Request{Query: qq, From: from, Size: size, DocFreq: st.df}
		if cut {
			req.CutRatio = cutoffRatio
		}
		if !q.NoFacets {
			req.FacetField, req.FacetTerms, req.FacetTermsMax = fFacets, st.facetTerms, facetTermsMax
		}
		raw, err := x.exec.Execute(ctx, st.r, req)
		if err == nil {
			out := &pageResult{total: raw.Total, matched: raw.Matched, hits: make([]pageHit, 0, len(raw.Hits))}
			for _, f := range raw.Facets {
				out.facets = append(out.facets, rawFacet{term: f.Term, count: f.Count})
			}
			for _, h := range raw.Hits {
				it, err := hitItem(h)
				if err != nil {
					return nil, err
				}
				out.hits = append(out.hits, pageHit{id: it.ID, score: h.Score, item: it})
			}
			out.took = time.Since(start)
			x.executed.Add(1)
			return out, nil
		}
		if !errors.Is(err, engine.ErrUnsupported) {
			return nil, err
		}
	}
	if cut {
		return x.bleveCut(ctx, bi, qq, q, from, size)
	}
	req := bleve.NewSearchRequestOptions(qq, size, from, false)
	setupRequest(req, q)
	res, err := bi.SearchInContext(ctx, req)
	if err != nil {
		return nil, err
	}
	out := &pageResult{total: res.Total, matched: res.Total, took: res.Took, hits: make([]pageHit, 0, len(res.Hits))}
	for _, h := range res.Hits {
		out.hits = append(out.hits, pageHit{id: h.ID, score: h.Score, fields: h.Fields})
	}
	if f := res.Facets[fFacets]; f != nil && f.Terms != nil {
		for _, t := range f.Terms.Terms() {
			out.facets = append(out.facets, rawFacet{term: t.Term, count: t.Count})
		}
	}
	return out, nil
}

func setupRequest(req *bleve.SearchRequest, q Query) {
	req.Fields = storedFields
	if !q.NoFacets {
		// All values of the three facets: split (and cut to facetSize
		// each) in Search.
		req.AddFacet(fFacets, bleve.NewFacetRequest(fFacets, facetTermsMax))
	}
	if q.Sort == "date" {
		req.SortBy([]string{"-" + fPublishedAt, "-_score", "_id"})
	}
}

// buildQuery combines the text query with the filters: broad matches any
// syllable; narrow (nil when the text gives no requirement) additionally
// requires every known syllable, and scores without the answer fields'
// common-term-only clauses (textClauses).
func (x *Index) buildQuery(q Query, st *stats) (broad func() query.Query, narrow query.Query) {
	var filters []query.Query
	for field, v := range map[string]string{fCategory: q.Category, fUnit: q.Unit, fType: q.Type} {
		if v != "" {
			t := bleve.NewTermQuery(v)
			t.SetField(field)
			filters = append(filters, t)
		}
	}
	tq, strictTQ, req, precise := x.textQuery(q.Text, st)
	combine := func(parts ...query.Query) query.Query {
		var all []query.Query
		for _, p := range parts {
			if p != nil {
				all = append(all, p)
			}
		}
		all = append(all, filters...)
		switch len(all) {
		case 0:
			return bleve.NewMatchAllQuery()
		case 1:
			return all[0]
		}
		return bleve.NewConjunctionQuery(all...)
	}
	broad = func() query.Query {
		if precise == nil {
			return combine(strictTQ)
		}
		// Only items matching a meaningful part of the query (see
		// precision.go), ranked by the scored query.
		bq := bleve.NewBooleanQuery()
		bq.AddMust(combine(precise()))
		bq.AddShould(strictTQ)
		return bq
	}
	if tq != nil && len(req) > 0 {
		// The requirements (zero weight) drive; the scored query is only
		// advanced to their matches (bleve's boolean searcher), instead
		// of walking its own matches as a conjunction child would.
		must := bleve.NewConjunctionQuery(append(req, filters...)...)
		bq := bleve.NewBooleanQuery()
		bq.AddMust(must)
		bq.AddShould(strictTQ)
		narrow = bq
	}
	return broad, narrow
}

// textQuery builds the scored query for user text (nil for blank text),
// the same without the answer fields' common-term-only clauses for the
// strict phase (see textClauses), and the requirements of the strict phase, zero-weight so that they select
// without changing scores: per syllable of the query found in at most
// requireMaxShare of the documents, the syllable in one of requireFields
// (all syllables when every one is more frequent); per dictionary term in
// the query, the term or one of its expansions. Unknown (misspelt)
// syllables are not required.
func (x *Index) textQuery(text string, st *stats) (scored, strictScored query.Query, required []query.Query, precise func() query.Query) {
	if utf8.RuneCountInString(text) > maxQueryRunes {
		text = string([]rune(text)[:maxQueryRunes])
	}
	text = Normalize(text)
	toks := tokens(text)
	if len(toks) == 0 {
		return nil, nil, nil, nil
	}
	marked := false
	for _, t := range toks {
		if hasDiacritics(t) {
			marked = true
			break
		}
	}
	clauses, strictClauses := textClauses(text, 1, marked, st)
	// Typos: a folded syllable of some length that no document contains is
	// probably misspelt; match it fuzzily, weakly weighted. (Fuzzy matching
	// of words that exist would only add noise and cost.)
	seen := map[string]bool{}
	for _, t := range toks {
		f := Fold(t)
		if utf8.RuneCountInString(f) < minFuzzyRunes || seen[f] {
			continue
		}
		seen[f] = true
		if st.df(fQuestion, f) > 0 || st.df(fAnswer, f) > 0 {
			continue
		}
		for _, fw := range []struct {
			field string
			w     float64
		}{{fQuestion, wQuestion}, {fAnswer, wAnswer}} {
			fq := st.fuzzy(fw.field, f, fw.w*wFuzzy)
			clauses = append(clauses, fq)
			strictClauses = append(strictClauses, fq)
		}
	}
	// A term of the dictionary is required as itself or as one of its
	// expansions: "gplx" finds "giấy phép lái xe".
	covered := make([]bool, len(toks))
	var optional []query.Query
	var phraseUnits [][]string // per dictionary term: itself and its expansions
	var syllableUnits []string // folded content syllables
	onMatch := func(pos, n int, expansions []string) {
		alts := []query.Query{allSyllables(strings.Join(toks[pos:pos+n], " "), st)}
		// The term's unit: itself or an expansion, anywhere in the item.
		phraseUnits = append(phraseUnits, append([]string{strings.Join(toks[pos:pos+n], " ")}, expansions...))
		for k := pos; k < pos+n; k++ {
			covered[k] = true
		}
		for _, e := range expansions {
			alts = append(alts, allSyllables(e, st))
		}
		var ok []query.Query
		for _, a := range alts {
			if a != nil {
				ok = append(ok, a)
			}
		}
		switch len(ok) {
		case 0:
		case 1:
			required = append(required, ok[0])
		default:
			required = append(required, bleve.NewDisjunctionQuery(ok...))
		}
	}
	for _, e := range x.synonyms.Load().expand(toks, onMatch) {
		// A long official phrase standing for a short term would otherwise
		// outweigh the user's own words: scale by the length ratio.
		ratio := math.Sqrt(min(1, float64(e.termLen)/float64(max(1, len(tokens(e.text))))))
		a, s := textClauses(e.text, wExpansion*ratio, false, st)
		clauses = append(clauses, a...)
		strictClauses = append(strictClauses, s...)
	}
	if len(clauses) == 0 {
		return bleve.NewMatchNoneQuery(), nil, nil, nil
	}
	need := map[string]bool{}
	var fillers []string
	unknown := 0 // content syllables no item has
	for i, t := range toks {
		f := Fold(t)
		if covered[i] || need[f] {
			continue
		}
		need[f] = true
		filler := isFiller(t)
		if filler {
			fillers = append(fillers, f)
		} else {
			syllableUnits = append(syllableUnits, f)
		}
		group, most := syllable(f, st)
		if group == nil {
			// Unknown (misspelt?) syllable: it cannot be required.
			if !filler {
				unknown++
			}
			continue
		}
		if float64(most) > requireMaxShare*float64(st.n) {
			// Frequent syllables (filler words, "thủ tục") are optional,
			// as in Lucene's CommonTermsQuery: the right item often lacks
			// them, and they select little. They keep their scores.
			optional = append(optional, group)
			continue
		}
		required = append(required, group)
	}
	// The query's units as the precise phase counts them: content
	// syllables and dictionary terms (known).
	content := len(syllableUnits) + len(phraseUnits)
	if unknown > 0 && content-unknown < minMatch(content) {
		// Without its unknown words the query would be too little of
		// itself ("pháo hoa" would be every "Hòa"): no strict phase; the
		// precise phase weighs them (their typo neighbours, or nothing).
		required, optional = nil, nil
	}
	if len(required) == 0 && len(optional) > 0 {
		// Only frequent syllables: require them all, the intersection
		// still selects.
		required = optional
	}
	scored = bleve.NewDisjunctionQuery(clauses...)
	strictScored = scored
	if len(strictClauses) > 0 && len(strictClauses) < len(clauses) {
		strictScored = bleve.NewDisjunctionQuery(strictClauses...)
	}
	precise = func() query.Query {
		return preciseQuery(st, phraseUnits, syllableUnits, fillers)
	}
	return scored, strictScored, required, precise
}

// requireFields are where the strict phase looks for the query's
// syllables. Not the answer: answers mention many procedures in passing,
// and requiring syllables anywhere left most of a large index in play.
func requireFields() []string { return []string{fQuestion, fTitle, fCategoryName} }

// syllable is a zero-weight query for the folded syllable f in any text
// field, and its highest document frequency in one field; nil when no
// document has it.
func syllable(f string, st *stats) (query.Query, uint64) {
	var any []query.Query
	var most uint64
	for _, field := range requireFields() {
		if df := st.df(field, f); df > 0 {
			any = append(any, termQuery(field, f, 0))
			most = max(most, df)
		}
	}
	switch len(any) {
	case 0:
		return nil, 0
	case 1:
		return any[0], most
	}
	return bleve.NewDisjunctionQuery(any...), most
}

// allSyllables requires every syllable of text (zero weight); nil when
// one of them is in no document.
func allSyllables(text string, st *stats) query.Query {
	return everySyllable(text, func(f string) query.Query {
		q, _ := syllable(f, st)
		return q
	})
}

// everySyllable is the conjunction of match(f) over the distinct folded
// syllables f of text; nil when match returns nil for one of them.
func everySyllable(text string, match func(f string) query.Query) query.Query {
	var all []query.Query
	seen := map[string]bool{}
	for _, t := range tokens(text) {
		f := Fold(t)
		if seen[f] {
			continue
		}
		seen[f] = true
		q := match(f)
		if q == nil {
			return nil
		}
		all = append(all, q)
	}
	switch len(all) {
	case 0:
		return nil
	case 1:
		return all[0]
	}
	return bleve.NewConjunctionQuery(all...)
}

// textClauses matches text against the folded and bigram fields, and the
// exact field when the user typed diacritics: per field a disjunction of
// term queries, like a match query, but leaving out terms too common to
// rank by (see stats.common).
//
// The second list leaves out the answer fields' clauses that consist of a
// common term only (see below): the strict phase scores with it.
func textClauses(text string, boost float64, exact bool, st *stats) (all, strict []query.Query) {
	add := func(field string, a analysis.Analyzer, w float64) {
		var terms []query.Query
		seen := map[string]bool{}
		rarest, rarestDF := "", uint64(math.MaxUint64)
		useful := 0
		for _, t := range a.Analyze([]byte(text)) {
			term := string(t.Term)
			if seen[term] {
				continue
			}
			if field == fQuestion+sufExact || field == fTitle+sufExact {
				// Each word by how it was typed: the exact field only
				// for the words typed with marks.
				if !hasDiacritics(term) {
					continue
				}
			}
			seen[term] = true
			common, df := st.common(field, term)
			if common {
				if df < rarestDF {
					rarest, rarestDF = term, df
				}
				continue
			}
			terms = append(terms, termQuery(field, term, w*boost))
			if df > 0 || !st.large() {
				useful++
			}
		}
		fallback := useful == 0 && rarest != ""
		if fallback {
			// Every term is common or unknown (a term no document has
			// selects nothing): keep the most selective common one, so
			// that the broad phase still finds items by this field.
			terms = append(terms, termQuery(field, rarest, w*boost))
		}
		if len(terms) == 0 {
			return
		}
		q := bleve.NewDisjunctionQuery(terms...)
		all = append(all, q)
		// In the strict phase the question's syllables select the items;
		// an answer field with nothing but common terms then only reorders
		// them by words found in a large share of all answers, and costs
		// most of the query (its postings are the longest), so it is left
		// out there. Small indexes prune nothing (stats.common).
		if !(fallback && (field == fAnswer || field == fAnswer+sufBigram)) {
			strict = append(strict, q)
		}
	}
	folded, bigram, exactA := newFoldedAnalyzer(), newBigramAnalyzer(), newExactAnalyzer()
	for _, f := range []struct {
		name  string
		w     float64
		exact bool // has an exact sub-field
	}{{fQuestion, wQuestion, true}, {fTitle, wQuestion, true}, {fAnswer, wAnswer, false}} {
		add(f.name, folded, f.w)
		add(f.name+sufBigram, bigram, f.w*wBigram)
		if exact && f.exact {
			add(f.name+sufExact, exactA, f.w*wExact)
		}
	}
	add(fCategoryName, folded, wCategoryName)
	return all, strict
}

func termQuery(field, term string, boost float64) query.Query {
	tq := bleve.NewTermQuery(term)
	tq.SetField(field)
	tq.SetBoost(boost)
	return tq
}

// stats answers document-frequency questions from one index snapshot.
type stats struct {
	ctx  context.Context
	r    index.IndexReader
	n    uint64
	memo *snapMemo
}

// snapMemo remembers, for one index snapshot, the document frequencies
// and facet terms that queries ask for again and again. A new snapshot
// (any write) starts a new memo.
type snapMemo struct {
	r          index.IndexReader
	mu         sync.Mutex
	df         map[string]uint64
	fuzzy      map[string][]fuzzyTerm
	facetTerms [][]byte
	facetsRead bool
}

const snapMemoMax = 200_000 // entries; beyond, the memo starts over

func (x *Index) openStats(ctx context.Context, bi bleve.Index) (*stats, error) {
	adv, err := bi.Advanced()
	if err != nil {
		return nil, fmt.Errorf("search: index internals: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("search: index reader: %w", err)
	}
	n, err := r.DocCount()
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("search: doc count: %w", err)
	}
	memo := x.memo.Load()
	if memo == nil || memo.r != r {
		memo = &snapMemo{r: r, df: map[string]uint64{}, fuzzy: map[string][]fuzzyTerm{}}
		x.memo.Store(memo)
	}
	return &stats{ctx: ctx, r: r, n: n, memo: memo}, nil
}

func (s *stats) close() {
	if s != nil && s.r != nil {
		s.r.Close()
	}
}

// df is the number of documents with term in field (0 when unknown).
func (s *stats) df(field, term string) uint64 {
	if s == nil {
		return 0
	}
	key := field + "\x00" + term
	if s.memo != nil {
		s.memo.mu.Lock()
		n, ok := s.memo.df[key]
		s.memo.mu.Unlock()
		if ok {
			return n
		}
	}
	tfr, err := s.r.TermFieldReader(s.ctx, []byte(term), field, false, false, false)
	if err != nil {
		return 0
	}
	n := tfr.Count()
	tfr.Close()
	if s.memo != nil {
		s.memo.mu.Lock()
		if len(s.memo.df) >= snapMemoMax {
			clear(s.memo.df)
		}
		s.memo.df[key] = n
		s.memo.mu.Unlock()
	}
	return n
}

// facetTerms lists the facet field's terms in the snapshot.
func (s *stats) facetTerms() ([][]byte, error) {
	s.memo.mu.Lock()
	defer s.memo.mu.Unlock()
	if !s.memo.facetsRead {
		terms, err := fieldTerms(s.r, fFacets)
		if err != nil {
			return nil, err
		}
		s.memo.facetTerms, s.memo.facetsRead = terms, true
	}
	return s.memo.facetTerms, nil
}

// fuzzy matches the words within one edit of term in field, as bleve's
// fuzzy query does (a disjunction of the dictionary's words, each boosted
// by 1/(distance+1); the term itself when there is none), but on a large
// index without the common words: a typo close to a word found in a large
// share of the items ("vang" → "dang", "van") selects and ranks nothing.
func (s *stats) fuzzy(field, term string, boost float64) query.Query {
	var alts []query.Query
	for _, c := range s.fuzzyTerms(field, term) {
		alts = append(alts, termQuery(field, c.term, boost/float64(c.distance+1)))
	}
	switch len(alts) {
	case 0:
		return termQuery(field, term, boost)
	case 1:
		return alts[0]
	}
	return bleve.NewDisjunctionQuery(alts...)
}

type fuzzyTerm struct {
	term     string
	distance uint8
}

// fuzzyTerms lists the words of field within one edit of term, less the
// common ones; remembered per snapshot (building the automaton costs).
func (s *stats) fuzzyTerms(field, term string) []fuzzyTerm {
	key := field + "\x00" + term
	s.memo.mu.Lock()
	got, ok := s.memo.fuzzy[key]
	s.memo.mu.Unlock()
	if ok {
		return got
	}
	var out []fuzzyTerm
	if r, ok := s.r.(index.IndexReaderFuzzy); ok {
		if fd, err := r.FieldDictFuzzy(field, term, 1, ""); err == nil {
			for {
				e, err := fd.Next()
				if err != nil || e == nil {
					break
				}
				if common, _ := s.common(field, e.Term); !common {
					out = append(out, fuzzyTerm{e.Term, e.EditDistance})
				}
			}
			fd.Close()
		}
	}
	s.memo.mu.Lock()
	if len(s.memo.fuzzy) >= snapMemoMax/10 {
		clear(s.memo.fuzzy)
	}
	s.memo.fuzzy[key] = out
	s.memo.mu.Unlock()
	return out
}

// large reports an index big enough for common-term pruning.
func (s *stats) large() bool { return s != nil && s.n >= commonMinDocs }

// common reports a term found in so many documents that it cannot help
// ranking but would make the query visit most of a large index (a dynamic
// stop word, as in Lucene's CommonTermsQuery). Small indexes keep all
// terms; bigrams of common syllables are usually rare and keep the phrase.
func (s *stats) common(field, term string) (bool, uint64) {
	if !s.large() {
		return false, 0
	}
	df := s.df(field, term)
	return float64(df) > commonShare*float64(s.n), df
}

// fieldTerms lists the distinct terms of field in the snapshot, sorted.
func fieldTerms(r index.IndexReader, field string) ([][]byte, error) {
	fd, err := r.FieldDict(field)
	if err != nil {
		return nil, err
	}
	defer fd.Close()
	var out [][]byte
	for {
		e, err := fd.Next()
		if err != nil {
			return nil, err
		}
		if e == nil {
			return out, nil
		}
		out = append(out, []byte(e.Term))
	}
}

// hitItem reads an executor hit's stored fields into an Item (as
// itemFromFields reads bleve's search results).
func hitItem(h engine.Hit) (Item, error) {
	var it Item
	err := h.VisitStored(func(name string, typ byte, value []byte) bool {
		if typ == 'n' && name == fVersion {
			if n, err := document.NewNumericFieldFromBytes(name, nil, value).Number(); err == nil {
				it.Version = int(n)
			}
			return true
		}
		if typ != 't' {
			return true
		}
		if name == "_id" {
			it.ID = string(value)
		} else {
			it.setStored(name, string(value))
		}
		return true
	})
	return it, err
}
