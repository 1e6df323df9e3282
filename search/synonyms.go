package search

import (
	"bufio"
	_ "embed"
	"fmt"
	"strings"
)

// Synonym maps a term people type (an abbreviation, an everyday or regional
// word) to the official wording it stands for. Matching ignores diacritics
// the user left out but respects those typed: "ba" matches "ba" and "bà"
// only when written without marks.
type Synonym struct {
	Term       string
	Expansions []string
}

//go:embed synonyms_vi.txt
var defaultSynonymsText string

// DefaultSynonyms is the built-in dictionary, for seeding the editable
// table. Each call returns a fresh copy.
func DefaultSynonyms() []Synonym {
	s, err := ParseSynonyms(defaultSynonymsText)
	if err != nil {
		panic(err) // the embedded file is checked by tests
	}
	return s
}

// ParseSynonyms reads the dictionary format: one rule per line,
// "term => expansion; expansion" (one way) or "a = b = c" (every member
// expands to the others); "#" starts a comment.
func ParseSynonyms(text string) ([]Synonym, error) {
	var out []Synonym
	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if term, exp, ok := strings.Cut(line, "=>"); ok {
			var exps []string
			for _, e := range strings.Split(exp, ";") {
				if e = strings.TrimSpace(e); e != "" {
					exps = append(exps, e)
				}
			}
			if strings.TrimSpace(term) == "" || len(exps) == 0 {
				return nil, fmt.Errorf("search: synonyms line %d: want \"term => expansion\"", n)
			}
			for _, t := range strings.Split(term, ";") {
				if t = strings.TrimSpace(t); t != "" {
					out = append(out, Synonym{Term: t, Expansions: exps})
				}
			}
			continue
		}
		var group []string
		for _, m := range strings.Split(line, "=") {
			if m = strings.TrimSpace(m); m != "" {
				group = append(group, m)
			}
		}
		if len(group) < 2 {
			return nil, fmt.Errorf("search: synonyms line %d: want \"a = b\" or \"a => b\"", n)
		}
		for i, t := range group {
			exps := make([]string, 0, len(group)-1)
			for j, e := range group {
				if j != i {
					exps = append(exps, e)
				}
			}
			out = append(out, Synonym{Term: t, Expansions: exps})
		}
	}
	return out, sc.Err()
}

// synonymSet is the compiled, immutable form used at query time.
type synonymSet struct {
	byFirst map[string][]synRule // keyed by first folded token
}

type synRule struct {
	exact      []string // tokens as written (lower case, NFC)
	folded     []string
	expansions []string
}

func compileSynonyms(entries []Synonym) *synonymSet {
	s := &synonymSet{byFirst: make(map[string][]synRule)}
	for _, e := range entries {
		ex := tokens(e.Term)
		if len(ex) == 0 || len(e.Expansions) == 0 {
			continue
		}
		r := synRule{exact: ex, folded: make([]string, len(ex))}
		for i, t := range ex {
			r.folded[i] = Fold(t)
		}
		for _, x := range e.Expansions {
			if x = strings.TrimSpace(x); x != "" {
				r.expansions = append(r.expansions, Normalize(x))
			}
		}
		s.byFirst[r.folded[0]] = append(s.byFirst[r.folded[0]], r)
	}
	return s
}

// SetSynonyms replaces the dictionary used by later searches. Safe to call
// while searches run.
func (x *Index) SetSynonyms(entries []Synonym) {
	x.synonyms.Store(compileSynonyms(entries))
	x.cache.invalidate()
}

// expansion is an official phrase to look for, and the number of query
// tokens it stands for.
type expansion struct {
	text    string
	termLen int
}

// expand returns the expansions whose terms occur in the query tokens.
// onMatch, when not nil, is told of every occurrence of a term: its first
// token, its length and its expansions.
func (s *synonymSet) expand(exact []string, onMatch func(pos, n int, expansions []string)) []expansion {
	if s == nil {
		return nil
	}
	folded := make([]string, len(exact))
	for i, t := range exact {
		folded[i] = Fold(t)
	}
	var out []expansion
	seen := map[string]bool{}
	for i := range exact {
		for _, r := range s.byFirst[folded[i]] {
			if i+len(r.exact) > len(exact) {
				continue
			}
			ok := true
			for k := range r.exact {
				q := exact[i+k]
				// Same letters, and the user's marks (if any) are the rule's.
				if folded[i+k] != r.folded[k] || (hasDiacritics(q) && q != r.exact[k]) {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			if onMatch != nil {
				onMatch(i, len(r.exact), r.expansions)
			}
			for _, e := range r.expansions {
				if !seen[e] {
					seen[e] = true
					out = append(out, expansion{text: e, termLen: len(r.exact)})
				}
			}
		}
	}
	return out
}
