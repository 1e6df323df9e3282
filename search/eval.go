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
	Split    string // e.g. "tune" or "holdout"
	Expected string
	Text     string
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

// Report is the result of Evaluate.
type Report struct {
	Splits map[string]SplitReport
	Misses []Miss
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
		fmt.Fprintf(&b, "%-8s n=%3d  hit@1=%.3f  hit@5=%.3f  MRR@10=%.3f\n", n, s.N, s.Hit1, s.Hit5, s.MRR10)
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
		rank := 0
		for i, h := range res.Hits {
			if h.ID == q.Expected || (h.Ref != "" && h.Ref == q.Expected) {
				rank = i + 1
				break
			}
		}
		a := accs[q.Split]
		if a == nil {
			a = &acc{}
			accs[q.Split] = a
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
		if rank != 1 {
			m := Miss{Split: q.Split, Expected: q.Expected, Query: q.Text, Rank: rank}
			if len(res.Hits) > 0 {
				m.Top = res.Hits[0].ID
				if res.Hits[0].Ref != "" {
					m.Top = res.Hits[0].Ref
				}
			}
			rep.Misses = append(rep.Misses, m)
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
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.SplitN(line, "\t", 3)
		if len(f) != 3 {
			return nil, fmt.Errorf("search: queries line %d: want 3 tab-separated columns", n)
		}
		out = append(out, EvalQuery{Split: f[0], Expected: f[1], Text: f[2]})
	}
	return out, sc.Err()
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
