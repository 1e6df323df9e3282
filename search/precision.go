package search

import (
	"context"
	"math"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Precision (issue 18): a result must match a meaningful part of the
// query, not only its filler or folded-away words.
//
//   - Filler words (function words, question words, "làm", "thủ tục")
//     score but never select: a query's content words do.
//   - An item must match at least minShare(n) of the query's n content
//     units (a content syllable anywhere in the item, a dictionary term as
//     itself or one of its expansions, a misspelt syllable as a word one
//     edit away); a unit that matches nothing still counts in n, so that
//     a topic the corpus lacks finds (almost) nothing.
//   - When the query has content units found in at most preciseRareShare
//     of the items, one of those must match: frequent words ("giấy",
//     "cấp", "lại") alone never select.
//   - After ranking, hits scoring below cutoffRatio of the best are
//     dropped (Search: cut).

// preciseFields are where a content unit may match.
func preciseFields() []string { return []string{fQuestion, fTitle, fCategoryName, fAnswer} }

const (
	// preciseRareShare: units found in at most this share of the items
	// are the distinctive ones, one of which must match.
	preciseRareShare = 0.2
	// fuzzyMostShare: a typo's neighbour found in more than this share of
	// the items stands for no word of the query.
	fuzzyMostShare = 0.5
)

// minMatch is how many of n content units an item must match: all of one
// or two, then a bit over half (long queries, paraphrases above all, carry
// words the right entry does not use).
func minMatch(n int) int {
	if n <= 2 {
		return n
	}
	return max(2, int(math.Round(minShare*float64(n))))
}

const minShare = 0.55

// fillerExact are function words typed with their marks; fillerFolded
// the same typed without, less those whose bare form is as often a
// content word ("thi" exam, "can" căn, "the" thẻ, "so" sổ, "do" đỏ).
var (
	fillerExact = set("cho", "của", "có", "không", "là", "thì", "được", "bị", "và", "với", "các", "những",
		"một", "để", "ở", "tại", "đâu", "gì", "nào", "sao", "thế", "như", "này", "đó", "kia", "khi", "nếu",
		"mà", "rồi", "đã", "đang", "sẽ", "cũng", "vẫn", "nữa", "phải", "cần", "muốn", "tôi", "em", "anh",
		"chị", "mình", "ạ", "nhé", "ơi", "làm", "bao", "nhiêu", "lâu", "ai", "hay", "hoặc", "vậy", "về",
		"theo", "nên", "thôi", "xin", "hỏi", "ra", "vào", "lên", "trong", "thủ", "tục")
	fillerFolded = set("cho", "cua", "co", "khong", "la", "duoc", "bi", "va", "voi", "cac", "nhung", "mot",
		"de", "o", "gi", "nao", "nhu", "nay", "khi", "neu", "ma", "roi", "se", "phai", "toi", "em", "anh",
		"minh", "a", "nhe", "oi", "lam", "nhieu", "lau", "ai", "hay", "hoac", "theo", "xin", "ra",
		"vao", "len", "trong", "tuc")
)

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// isFiller reports whether tok (lower case, NFC, as typed) is a filler
// word.
func isFiller(tok string) bool {
	if hasDiacritics(tok) {
		return fillerExact[tok]
	}
	return fillerFolded[tok]
}

// unitBuilder collects a query's content units.
type unitBuilder struct {
	st    *stats
	n     int // units, matchable or not
	units []query.Query
	rare  []query.Query
}

// add counts one unit: q matches it (nil: nothing does); rare marks a
// distinctive one.
func (u *unitBuilder) add(q query.Query, rare bool) {
	u.n++
	if q == nil {
		return
	}
	u.units = append(u.units, q)
	if rare {
		u.rare = append(u.rare, q)
	}
}

// syllableUnit is the folded syllable f in any precise field (zero
// weight), or, when no item has it, the words one edit away; and whether
// it is rare.
func (u *unitBuilder) syllableUnit(f string) (query.Query, bool) {
	var any []query.Query
	var most uint64
	for _, field := range u.fieldsFor(f) {
		if df := u.st.df(field, f); df > 0 {
			any = append(any, termQuery(field, f, 0))
			most = max(most, df)
		}
	}
	if len(any) == 0 {
		for _, field := range []string{fQuestion, fAnswer} {
			for _, c := range u.st.fuzzyTerms(field, f) {
				// A neighbour found in most items (the "phản" of every
				// answer's opening, next to "pháo") would let a word
				// that matches nothing match everything.
				if float64(u.st.df(field, c.term)) > fuzzyMostShare*float64(u.st.n) {
					continue
				}
				any = append(any, termQuery(field, c.term, 0))
			}
		}
		if len(any) == 0 {
			return nil, false
		}
		return orOf(any), true
	}
	return orOf(any), float64(most) <= preciseRareShare*float64(u.st.n)
}

// phraseUnit requires every syllable of text in one precise field or
// another (zero weight); nil when one of them is in no item.
func (u *unitBuilder) phraseUnit(text string) query.Query {
	return everySyllable(text, func(f string) query.Query {
		var any []query.Query
		for _, field := range u.fieldsFor(f) {
			if u.st.df(field, f) > 0 {
				any = append(any, termQuery(field, f, 0))
			}
		}
		if len(any) == 0 {
			return nil
		}
		return orOf(any)
	})
}

// fieldsFor are the precise fields where the folded syllable f is looked
// for: on a large index, not those where it is common (stats.common: its
// postings would cost most of the query and select little), unless it is
// common everywhere.
func (u *unitBuilder) fieldsFor(f string) []string {
	all := preciseFields()
	if !u.st.large() {
		return all
	}
	var out []string
	for _, field := range all {
		if common, df := u.st.common(field, f); !common && df > 0 {
			out = append(out, field)
		}
	}
	if len(out) == 0 {
		return all
	}
	return out
}

// query is the selection: at least minMatch(n) units, one of them rare
// when there are rare ones; MatchNone when too few units can match.
func (u *unitBuilder) query() query.Query {
	need := minMatch(u.n)
	if len(u.units) < need || len(u.units) == 0 {
		return bleve.NewMatchNoneQuery()
	}
	sel := orOf(u.units)
	if need > 1 {
		d := bleve.NewDisjunctionQuery(u.units...)
		d.SetMin(float64(need))
		sel = d
	}
	if len(u.rare) > 0 && len(u.rare) < len(u.units) {
		return bleve.NewConjunctionQuery(sel, orOf(u.rare))
	}
	return sel
}

// preciseQuery is the selection of the precise phase (built only when
// the strict phase falls short): the units of the dictionary terms
// (phrases: the term and its expansions) and of the content syllables; a
// query of filler words only requires most of them.
func preciseQuery(st *stats, phrases [][]string, syllables, fillers []string) query.Query {
	u := &unitBuilder{st: st}
	for _, alts := range phrases {
		var ok []query.Query
		for _, a := range alts {
			if q := u.phraseUnit(a); q != nil {
				ok = append(ok, q)
			}
		}
		if len(ok) > 0 {
			u.add(orOf(ok), true)
		} else {
			u.add(nil, false)
		}
	}
	for _, f := range syllables {
		u.add(u.syllableUnit(f))
	}
	if u.n == 0 {
		for _, f := range fillers {
			u.add(u.syllableUnit(f))
		}
		u.rare = nil
	}
	return u.query()
}

// orOf is qs as one query.
func orOf(qs []query.Query) query.Query {
	if len(qs) == 1 {
		return qs[0]
	}
	return bleve.NewDisjunctionQuery(qs...)
}

// The cut-off relative to the best score: matches scoring below
// cutoffRatio of the best are not shown, nor counted in the total and the
// facets (the executor: engine.Request.CutRatio; bleve: bleveCut).
const cutoffRatio = 0.25

// bleveCut answers a text query with the cut-off through bleve's
// searchers, as the executor does: every match's id and score are
// collected, the ones below the cut-off dropped, and the rest counted,
// faceted (bleve's facets over the kept ids), ordered (by score, or by
// date) and paged; only the page's stored fields are read.
func (x *Index) bleveCut(ctx context.Context, bi bleve.Index, qq query.Query, q Query, from, size int) (*pageResult, error) {
	start := time.Now()
	count, err := bi.SearchInContext(ctx, bleve.NewSearchRequestOptions(qq, 0, 0, false))
	if err != nil {
		return nil, err
	}
	out := &pageResult{matched: count.Total}
	if count.Total == 0 {
		out.took = time.Since(start)
		return out, nil
	}
	all, err := bi.SearchInContext(ctx, bleve.NewSearchRequestOptions(qq, int(count.Total), 0, false))
	if err != nil {
		return nil, err
	}
	hits := all.Hits
	if len(hits) > 0 {
		thr := cutoffRatio * hits[0].Score
		n := len(hits)
		for n > 0 && hits[n-1].Score < thr {
			n--
		}
		hits = hits[:n]
	}
	out.total = uint64(len(hits))
	ids := make([]string, len(hits))
	score := make(map[string]float64, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
		score[h.ID] = h.Score
	}
	if !q.NoFacets && len(ids) > 0 {
		req := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery(ids), 0, 0, false)
		req.AddFacet(fFacets, bleve.NewFacetRequest(fFacets, facetTermsMax))
		res, err := bi.SearchInContext(ctx, req)
		if err != nil {
			return nil, err
		}
		if f := res.Facets[fFacets]; f != nil && f.Terms != nil {
			for _, t := range f.Terms.Terms() {
				out.facets = append(out.facets, rawFacet{term: t.Term, count: t.Count})
			}
		}
	}
	var page []string
	if q.Sort == "date" {
		// Newest first (then by id): the kept matches in date order.
		if len(ids) > 0 {
			req := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery(ids), size, from, false)
			req.SortBy([]string{"-" + fPublishedAt, "_id"})
			res, err := bi.SearchInContext(ctx, req)
			if err != nil {
				return nil, err
			}
			for _, h := range res.Hits {
				page = append(page, h.ID)
			}
		}
	} else {
		from = min(from, len(ids))
		page = ids[from:min(from+size, len(ids))]
	}
	if len(page) > 0 {
		req := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery(page), len(page), 0, false)
		req.Fields = storedFields
		res, err := bi.SearchInContext(ctx, req)
		if err != nil {
			return nil, err
		}
		fields := make(map[string]map[string]interface{}, len(res.Hits))
		for _, h := range res.Hits {
			fields[h.ID] = h.Fields
		}
		for _, id := range page {
			out.hits = append(out.hits, pageHit{id: id, score: score[id], fields: fields[id]})
		}
	}
	out.took = time.Since(start)
	return out, nil
}
