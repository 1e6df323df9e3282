package search

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// EvalQuery is one judged query: Expected is the ID or Ref of the item that
// answers it.
type EvalQuery struct {
	Split    string // e.g. "tune" or "holdout"; a kind in the blind set
	Expected string
	Text     string
	// Relevant are the IDs or Refs of every item that answers it, best
	// first (blind set); empty means Expected alone. A query with neither
	// is about a topic the corpus lacks: only its number of results counts.
	Relevant []string
}

func (q EvalQuery) relevant() []string {
	if len(q.Relevant) > 0 {
		return q.Relevant
	}
	if q.Expected != "" {
		return []string{q.Expected}
	}
	return nil
}

// SplitReport holds the figures of one split.
type SplitReport struct {
	N     int
	Hit1  float64 // share of queries with the expected item first
	Hit5  float64 // … within the first five
	MRR10 float64 // mean reciprocal rank, 0 beyond rank 10
}

// Miss is a query whose expected item was not first.
type Miss struct {
	Split, Expected, Query string
	Rank                   int    // 0: not in the first 10
	Top                    string // ID or Ref of the first hit
}

// Absent is a query about a topic the corpus lacks and how many results
// it had.
type Absent struct {
	Query string
	Total uint64
}

// Report is the result of Evaluate. Splits has an "all" entry over every
// judged query when there are several splits.
type Report struct {
	Splits map[string]SplitReport
	Misses []Miss
	Absent []Absent
}

// String formats the report for a terminal.
func (r Report) String() string {
	var b strings.Builder
	names := make([]string, 0, len(r.Splits))
	for n := range r.Splits {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s := r.Splits[n]
		fmt.Fprintf(&b, "%-13s n=%3d  hit@1=%.3f  hit@5=%.3f  MRR@10=%.3f\n", n, s.N, s.Hit1, s.Hit5, s.MRR10)
	}
	if len(r.Absent) > 0 {
		zero, few, most := 0, 0, uint64(0)
		var sum uint64
		for _, a := range r.Absent {
			switch {
			case a.Total == 0:
				zero++
			case a.Total <= 5:
				few++
			}
			sum += a.Total
			most = max(most, a.Total)
		}
		fmt.Fprintf(&b, "%-13s n=%3d  no result=%d  1–5 results=%d  more=%d  mean results=%.1f  max=%d\n", "absent",
			len(r.Absent), zero, few, len(r.Absent)-zero-few, float64(sum)/float64(len(r.Absent)), most)
	}
	return b.String()
}

// Evaluate runs every query against idx and reports hit@1, hit@5 and
// MRR@10 per split.
func Evaluate(ctx context.Context, idx *Index, queries []EvalQuery) (Report, error) {
	type acc struct {
		n, h1, h5 int
		rr        float64
	}
	accs := map[string]*acc{}
	var rep Report
	for _, q := range queries {
		res, err := idx.Search(ctx, Query{Text: q.Text, PerPage: 10})
		if err != nil {
			return Report{}, fmt.Errorf("search: evaluate %q: %w", q.Text, err)
		}
		rel := q.relevant()
		if len(rel) == 0 {
			rep.Absent = append(rep.Absent, Absent{Query: q.Text, Total: res.Total})
			continue
		}
		rank := 0
	hits:
		for i, h := range res.Hits {
			for _, want := range rel {
				if h.ID == want || (h.Ref != "" && h.Ref == want) {
					rank = i + 1
					break hits
				}
			}
		}
		for _, split := range []string{q.Split, "all"} {
			a := accs[split]
			if a == nil {
				a = &acc{}
				accs[split] = a
			}
			a.n++
			if rank == 1 {
				a.h1++
			}
			if rank >= 1 && rank <= 5 {
				a.h5++
			}
			if rank > 0 {
				a.rr += 1 / float64(rank)
			}
		}
		if rank != 1 {
			m := Miss{Split: q.Split, Expected: strings.Join(rel, ","), Query: q.Text, Rank: rank}
			if len(res.Hits) > 0 {
				m.Top = res.Hits[0].ID
				if res.Hits[0].Ref != "" {
					m.Top = res.Hits[0].Ref
				}
			}
			rep.Misses = append(rep.Misses, m)
		}
	}
	if len(accs) == 2 { // one split: "all" repeats it
		for name := range accs {
			if name != "all" {
				delete(accs, "all")
				break
			}
		}
	}
	rep.Splits = make(map[string]SplitReport, len(accs))
	for name, a := range accs {
		n := float64(a.n)
		rep.Splits[name] = SplitReport{N: a.n, Hit1: float64(a.h1) / n, Hit5: float64(a.h5) / n, MRR10: a.rr / n}
	}
	return rep, nil
}

// ReadEvalQueries reads tab-separated "split, expected id, query" lines;
// blank lines and lines starting with "#" are skipped.
func ReadEvalQueries(r io.Reader) ([]EvalQuery, error) {
	var out []EvalQuery
	err := readColumns(r, "queries", func(n int, f [3]string) error {
		out = append(out, EvalQuery{Split: f[0], Expected: f[1], Text: f[2]})
		return nil
	})
	return out, err
}

// ReadBlindQueries reads the blind set's tab-separated "kind, relevant
// ids (comma-separated, best first, or - for a topic the corpus lacks),
// query" lines; blank lines and lines starting with "#" are skipped.
func ReadBlindQueries(r io.Reader) ([]EvalQuery, error) {
	var out []EvalQuery
	err := readColumns(r, "blind set", func(n int, f [3]string) error {
		q := EvalQuery{Split: f[0], Text: f[2]}
		if f[1] != "-" {
			for _, id := range strings.Split(f[1], ",") {
				if id = strings.TrimSpace(id); id != "" {
					q.Relevant = append(q.Relevant, id)
				}
			}
			if len(q.Relevant) == 0 {
				return fmt.Errorf("search: blind set line %d: no relevant id (write - for an absent topic)", n)
			}
		}
		out = append(out, q)
		return nil
	})
	return out, err
}

// readColumns calls line for each line of three tab-separated columns,
// skipping blank lines and lines starting with "#"; what names the file
// in errors.
func readColumns(r io.Reader, what string, line func(n int, f [3]string) error) error {
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.SplitN(text, "\t", 3)
		if len(f) != 3 {
			return fmt.Errorf("search: %s line %d: want 3 tab-separated columns", what, n)
		}
		if err := line(n, [3]string{f[0], f[1], f[2]}); err != nil {
			return err
		}
	}
	return sc.Err()
}

// ReadFAQJSONL reads FAQ entries in the import format (fields id,
// category, unit, question, answer; category and unit as names) as items
// whose ID and Ref are the entry's id.
func ReadFAQJSONL(r io.Reader) ([]Item, error) {
	var out []Item
	dec := json.NewDecoder(r)
	for n := 1; ; n++ {
		var e struct{ ID, Category, Unit, Question, Answer string }
		if err := dec.Decode(&e); err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("search: faq entry %d: %w", n, err)
		}
		out = append(out, Item{ID: e.ID, Ref: e.ID, Type: "faq", Question: e.Question, Answer: e.Answer,
			Category: e.Category, CategoryName: e.Category, Unit: e.Unit, UnitName: e.Unit, Version: 1})
	}
}
