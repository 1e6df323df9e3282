package search

import (
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	bdoc "github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/highlight"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Highlighting without term vectors. The index keeps no term positions
// (they were a third of its size, and no query needs them: there are no
// phrase queries, bigram fields stand for them), so the page's hits are
// highlighted here: the stored text of each highlighted field is analysed
// again and every token that one of the query's term or fuzzy queries on
// that field matches is a location, as bleve would have recorded it.
// Fragments are then made by bleve's own "html" highlighter, as before.

var highlightFields = []string{fQuestion, fTitle, fAnswer}

// queryTerms are the terms (and fuzzy terms) a query asks for, by field.
type queryTerms struct {
	terms map[string]map[string]bool
	fuzzy map[string][]*query.FuzzyQuery
}

func collectTerms(q query.Query) *queryTerms {
	qt := &queryTerms{terms: map[string]map[string]bool{}, fuzzy: map[string][]*query.FuzzyQuery{}}
	qt.walk(q)
	return qt
}

func (qt *queryTerms) walk(q query.Query) {
	switch q := q.(type) {
	case *query.TermQuery:
		if qt.terms[q.FieldVal] == nil {
			qt.terms[q.FieldVal] = map[string]bool{}
		}
		qt.terms[q.FieldVal][q.Term] = true
	case *query.FuzzyQuery:
		qt.fuzzy[q.FieldVal] = append(qt.fuzzy[q.FieldVal], q)
	case *query.ConjunctionQuery:
		for _, c := range q.Conjuncts {
			qt.walk(c)
		}
	case *query.DisjunctionQuery:
		for _, c := range q.Disjuncts {
			qt.walk(c)
		}
	case *query.BooleanQuery:
		// MustNot clauses never give locations.
		for _, c := range []query.Query{q.Must, q.Should} {
			if c != nil {
				qt.walk(c)
			}
		}
	}
}

// matchesBytes is matches without converting term to a string (the
// common case: no fuzzy terms, an exact look-up).
func (qt *queryTerms) matchesBytes(field string, term []byte) bool {
	if qt.terms[field][string(term)] {
		return true
	}
	if len(qt.fuzzy[field]) == 0 {
		return false
	}
	return qt.matches(field, string(term))
}

// matches reports whether term (analysed, in field) is asked for.
func (qt *queryTerms) matches(field, term string) bool {
	if qt.terms[field][term] {
		return true
	}
	for _, f := range qt.fuzzy[field] {
		if fuzzyMatch(f, term) {
			return true
		}
	}
	return false
}

// fuzzyMatch is bleve's fuzzy term match: the same prefix, and the rest
// within the query's edit distance (in runes, a transposition of two
// neighbours counting as one edit, as vellum's automaton does).
func fuzzyMatch(f *query.FuzzyQuery, term string) bool {
	a, b := []rune(f.Term), []rune(term)
	if p := f.Prefix; p > 0 {
		if len(a) < p || len(b) < p || string(a[:p]) != string(b[:p]) {
			return false
		}
	}
	return levenshtein(a, b, max(f.Fuzziness, 0)) <= max(f.Fuzziness, 0)
}

// levenshtein is the edit distance of a and b (optimal string alignment:
// insertions, deletions, substitutions and transpositions of neighbours),
// or more than limit.
func levenshtein(a, b []rune, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	pprev := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], pprev[j-2]+1)
			}
			best = min(best, cur[j])
		}
		if best > limit {
			return limit + 1
		}
		pprev, prev, cur = prev, cur, pprev
	}
	return prev[len(b)]
}

var htmlHighlighter highlight.Highlighter

func init() {
	h, err := bleve.Config.Cache.HighlighterNamed("html")
	if err != nil {
		panic(fmt.Sprintf("search: html highlighter: %v", err))
	}
	htmlHighlighter = h
}

// highlightItem returns the fragments of it's highlighted fields matched
// by qt (question, title, answer order; one fragment per field at most).
func highlightItem(it Item, qt *queryTerms) []string {
	dm := &search.DocumentMatch{ID: it.ID, Locations: search.FieldTermLocationMap{}}
	doc := bdoc.NewDocument(it.ID)
	var buf []byte
	for _, field := range highlightFields {
		text := highlightText(it, field)
		doc.AddField(bdoc.NewTextField(field, nil, []byte(text)))
		if len(qt.terms[field]) == 0 && len(qt.fuzzy[field]) == 0 {
			continue // nothing to find: no locations
		}
		var tlm search.TermLocationMap
		buf = foldedTokens(text, buf, func(pos, start, end int, folded []byte) {
			if !qt.matchesBytes(field, folded) {
				return
			}
			if tlm == nil {
				tlm = search.TermLocationMap{}
			}
			term := string(folded)
			tlm[term] = append(tlm[term], &search.Location{Pos: uint64(pos), Start: uint64(start), End: uint64(end)})
		})
		if tlm != nil {
			dm.Locations[field] = tlm
		}
	}
	var out []string
	for _, field := range highlightFields {
		out = append(out, htmlHighlighter.BestFragmentsInField(dm, doc, field, 1)...)
	}
	return out
}

// foldedTokens calls visit with each token of text (NFC) as the folded
// analyzer makes it, its position (from 1) and byte offsets, without
// allocating per token: folded is only valid during the call. It returns
// buf for reuse.
func foldedTokens(text string, buf []byte, visit func(pos, start, end int, folded []byte)) []byte {
	pos, start := 0, -1
	flush := func(end int) {
		pos++
		buf = buf[:0]
		for _, r := range text[start:end] {
			switch {
			case r < utf8.RuneSelf:
				if 'A' <= r && r <= 'Z' {
					r += 'a' - 'A'
				}
			case r < foldTableSize:
				r = foldTable[r]
			case unicode.Is(unicode.Mn, r):
				r = 0
			default:
				r = unicode.ToLower(r)
			}
			if r != 0 {
				buf = utf8.AppendRune(buf, r)
			}
		}
		visit(pos, start, end, buf)
		start = -1
	}
	for i, r := range text {
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
		} else if start >= 0 {
			flush(i)
		}
	}
	if start >= 0 {
		flush(len(text))
	}
	return buf
}

// highlightText is the text of field as the index stored it (NFC: see
// document; hits carry the stored text).
func highlightText(it Item, field string) string {
	switch field {
	case fQuestion:
		return it.Question
	case fTitle:
		return it.Title
	case fAnswer:
		return it.Answer
	}
	return ""
}
