package search

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

// Suggestion is what a search that found nothing can offer instead.
type Suggestion struct {
	// Text is the query with each word no item contains replaced by the
	// closest word of the index ("" when no word was replaced).
	Text string
	// Categories are the category codes of the items closest to the query
	// (any of its words), best first.
	Categories []string
}

// suggestCategories is how many categories a Suggestion names at most;
// suggestHits how many near items vote for them.
const (
	suggestCategories = 3
	suggestHits       = 20
)

// Suggest corrects mistyped words of text and names the categories closest
// to it, for a search that found nothing.
func (x *Index) Suggest(ctx context.Context, text string) (Suggestion, error) {
	var out Suggestion
	err := x.with(func(bi bleve.Index) error {
		st, err := x.openStats(ctx, bi)
		if err != nil {
			return err
		}
		defer st.close()
		out.Text = correct(text, st)
		look := text
		if out.Text != "" {
			look = out.Text
		}
		clauses, _ := textClauses(Normalize(truncRunes(look, maxQueryRunes)), 1, false, st)
		if len(clauses) == 0 {
			return nil
		}
		res, err := x.runQuery(ctx, bi, st, bleve.NewDisjunctionQuery(clauses...), Query{NoFacets: true}, 1, suggestHits)
		if err != nil {
			return err
		}
		votes := map[string]float64{}
		for i := range res.hits {
			it := res.hits[i].itemOf()
			if it.Category != "" {
				votes[it.Category] += 1 / float64(i+1)
			}
		}
		for c := range votes {
			out.Categories = append(out.Categories, c)
		}
		sort.Slice(out.Categories, func(i, j int) bool {
			a, b := out.Categories[i], out.Categories[j]
			if votes[a] != votes[b] {
				return votes[a] > votes[b]
			}
			return a < b
		})
		if len(out.Categories) > suggestCategories {
			out.Categories = out.Categories[:suggestCategories]
		}
		return nil
	})
	if err != nil {
		return Suggestion{}, fmt.Errorf("search: suggest for %q: %w", text, err)
	}
	return out, nil
}

// correct replaces each word of text found in no question or answer by
// the indexed word fewest edits away from its folded form (the most
// frequent among equals); "" when nothing was replaced.
func correct(text string, st *stats) string {
	toks := tokens(Normalize(truncRunes(text, maxQueryRunes)))
	changed := false
	for i, t := range toks {
		f := Fold(t)
		if utf8.RuneCountInString(f) < 3 || st.df(fQuestion, f)+st.df(fAnswer, f) > 0 {
			continue
		}
		best, bestDF, bestDist := "", uint64(0), uint8(255)
		for _, field := range []string{fQuestion, fAnswer} {
			for _, c := range st.fuzzyTermsWithin(field, f, correctDistance(f)) {
				df := st.df(fQuestion, c.term) + st.df(fAnswer, c.term)
				if c.distance < bestDist || c.distance == bestDist && (df > bestDF || df == bestDF && c.term < best) {
					best, bestDF, bestDist = c.term, df, c.distance
				}
			}
		}
		if best != "" {
			toks[i], changed = best, true
		}
	}
	if !changed {
		return ""
	}
	return strings.Join(toks, " ")
}

// Related lists up to n items closest to text (an item's question), other
// than the item id: any word counts, as "see also" should always offer
// something when the index has neighbours.
func (x *Index) Related(ctx context.Context, id, text string, n int) ([]Hit, error) {
	var out []Hit
	err := x.with(func(bi bleve.Index) error {
		st, err := x.openStats(ctx, bi)
		if err != nil {
			return err
		}
		defer st.close()
		clauses, _ := textClauses(Normalize(truncRunes(text, maxQueryRunes)), 1, false, st)
		if len(clauses) == 0 {
			return nil
		}
		var q query.Query = bleve.NewDisjunctionQuery(clauses...)
		res, err := x.runQuery(ctx, bi, st, q, Query{NoFacets: true}, 1, n+1)
		if err != nil {
			return err
		}
		for i, h := range res.hits {
			it := res.hits[i].itemOf()
			if it.ID == id || len(out) == n {
				continue
			}
			out = append(out, Hit{Item: it, Score: h.score})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("search: related to %s: %w", id, err)
	}
	return out, nil
}

// correctDistance is how many edits a correction may make: search itself
// already finds words one edit away, so a word it did not find is corrected
// up to two edits away when it is long enough for that to be safe.
func correctDistance(f string) uint8 {
	if utf8.RuneCountInString(f) >= 5 {
		return 2
	}
	return 1
}

// fuzzyTermsWithin lists the words of field within d edits of term (not
// remembered: only "nothing found" pages ask).
func (s *stats) fuzzyTermsWithin(field, term string, d uint8) []fuzzyTerm {
	if d <= 1 {
		return s.fuzzyTerms(field, term)
	}
	var out []fuzzyTerm
	r, ok := s.r.(index.IndexReaderFuzzy)
	if !ok {
		return nil
	}
	fd, err := r.FieldDictFuzzy(field, term, int(d), "")
	if err != nil {
		return nil
	}
	defer fd.Close()
	for {
		e, err := fd.Next()
		if err != nil || e == nil {
			return out
		}
		out = append(out, fuzzyTerm{e.Term, e.EditDistance})
	}
}

// truncRunes cuts s to at most n runes.
func truncRunes(s string, n int) string {
	if utf8.RuneCountInString(s) > n {
		return string([]rune(s)[:n])
	}
	return s
}
