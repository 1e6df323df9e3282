package search

import (
	"html"
	"strings"
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

// queryTerms are the terms a query asks for, by field (typos are
// expanded into the index's words when the query is built: stats.fuzzy).
type queryTerms struct {
	terms map[string]map[string]bool
}

func collectTerms(q query.Query) *queryTerms {
	qt := &queryTerms{terms: map[string]map[string]bool{}}
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

// dropFillers leaves the query's filler words (precision.go) unmarked:
// highlights show the content words that matched, not "số" or "của".
// A filler whose folded form is also a content word of the query stays.
func (qt *queryTerms) dropFillers(text string) {
	filler, content := map[string]bool{}, map[string]bool{}
	for _, t := range tokens(Normalize(truncRunes(text, maxQueryRunes))) {
		if isFiller(t) {
			filler[Fold(t)] = true
		} else {
			content[Fold(t)] = true
		}
	}
	for f := range filler {
		if content[f] {
			continue
		}
		for _, terms := range qt.terms {
			delete(terms, f)
		}
	}
}

// matches reports whether term (analysed, in field) is asked for; term
// is not converted to a string (no allocation).
func (qt *queryTerms) matches(field string, term []byte) bool {
	return qt.terms[field][string(term)]
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
		if len(qt.terms[field]) > 0 {
			buf = foldedTokens([]byte(text), buf, func(_, start, end int, folded []byte) {
				if qt.matches(field, folded) {
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
func foldedTokens(text []byte, buf []byte, visit func(pos, start, end int, folded []byte)) []byte {
	pos := 0
	scanWords(text, func(start, end int, _ bool) {
		pos++
		buf = appendLower(buf[:0], text[start:end], true)
		visit(pos, start, end, buf)
	})
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
