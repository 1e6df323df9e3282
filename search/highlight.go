package search

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/search/query"
)

// Highlighting without term vectors. The index keeps no term positions
// (they were a third of its size, and no query needs them: there are no
// phrase queries, bigram fields stand for them), so the page's hits are
// highlighted here: the stored text of each highlighted field is analysed
// again and every token that one of the query's term or fuzzy queries on
// that field matches is a location, as bleve would have recorded it.
// Fragments are laid out as bleve's "html" highlighter does (fragment).

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

// highlightItem returns the fragments of it's highlighted fields matched
// by qt (question, title, answer order; one fragment per field).
func highlightItem(it Item, qt *queryTerms) []string {
	out := make([]string, 0, len(highlightFields))
	var buf []byte
	var spans [][2]int
	for _, field := range highlightFields {
		text := highlightText(it, field)
		spans = spans[:0]
		if len(qt.terms[field]) > 0 || len(qt.fuzzy[field]) > 0 {
			buf = foldedTokens(text, buf, func(_, start, end int, folded []byte) {
				if qt.matchesBytes(field, folded) {
					spans = append(spans, [2]int{start, end})
				}
			})
		}
		out = append(out, fragment(text, spans))
	}
	return out
}

// fragmentRunes is the length of a fragment, as bleve's simple fragmenter.
const fragmentRunes = 200

// fragment is the window of fragmentRunes runes of text holding the most
// matches (spans: byte offsets, in order, not overlapping), moved back to
// centre them when there is room, HTML-escaped with the matches in
// <mark>, and "…" where text was cut. Without matches it is the start of
// the text. (The layout of bleve's "html" highlighter, in linear time.)
func fragment(text string, spans [][2]int) string {
	start, end := 0, forward(text, 0, fragmentRunes)
	if len(spans) > 0 {
		best, bestN, j := 0, 0, 0
		for i := range spans {
			wEnd := forward(text, spans[i][0], fragmentRunes)
			j = max(j, i)
			for j < len(spans) && spans[j][1] <= wEnd {
				j++
			}
			if n := j - i; n > bestN {
				best, bestN = i, n
			}
		}
		start = spans[best][0]
		end = forward(text, start, fragmentRunes)
		floor := 0 // do not back up over the previous match
		if best > 0 {
			floor = spans[best-1][1]
		}
		// Near the end of the text: fill the window backwards.
		used := utf8.RuneCountInString(text[start:end])
		for start > floor && used < fragmentRunes {
			_, size := utf8.DecodeLastRuneInString(text[:start])
			start -= size
			used++
		}
		// Centre the matches: move back by half the smaller room (not
		// when the window already reaches the end of the text).
		lastEnd := spans[best][1]
		if bestN > 0 {
			lastEnd = spans[best+bestN-1][1]
		}
		room := 0
		if end < len(text) {
			room = min(utf8.RuneCountInString(text[lastEnd:end]), utf8.RuneCountInString(text[floor:start]))
		}
		for k := 0; k < room/2; k++ {
			_, size := utf8.DecodeLastRuneInString(text[:start])
			start -= size
			_, size = utf8.DecodeLastRuneInString(text[:end])
			end -= size
		}
	}
	var b strings.Builder
	b.Grow(end - start + 64)
	if start > 0 {
		b.WriteString("…")
	}
	curr := start
	for _, sp := range spans {
		if sp[0] < curr {
			continue
		}
		if sp[1] > end {
			break
		}
		b.WriteString(html.EscapeString(text[curr:sp[0]]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(text[sp[0]:sp[1]]))
		b.WriteString("</mark>")
		curr = sp[1]
	}
	b.WriteString(html.EscapeString(text[curr:end]))
	if end < len(text) {
		b.WriteString("…")
	}
	return b.String()
}

// forward returns the byte offset n runes after from (or the text's end).
func forward(text string, from, n int) int {
	for from < len(text) && n > 0 {
		_, size := utf8.DecodeRuneInString(text[from:])
		from += size
		n--
	}
	return from
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
