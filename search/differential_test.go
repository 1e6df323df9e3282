package search

import (
	"context"
	"math/rand/v2"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"

	"pakn/search/internal/engine"
)

// TestEngineMatchesBleve is the differential test of the executor
// (search/internal/engine): random corpora, written by random inserts,
// updates and deletes into several segments, are searched with random
// queries of every shape buildQuery makes (text with typos, synonyms,
// marks or none; filters; pages and page sizes; facets or none; date
// order; both phases), once through the executor and once through bleve's
// own searchers, and every difference in totals, phase, facets, hits,
// order, scores, stored fields or highlights fails. Run it before
// upgrading bleve (go.mod). A failure prints its seed; replay it with
//
//	PAKN_DIFF_SEED=<seed> go test -run TestEngineMatchesBleve -v ./search
//
// PAKN_DIFF_ROUNDS multiplies the work (e.g. 20 for a long soak).
func TestEngineMatchesBleve(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: randomised differential soak against bleve")
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("PAKN_DIFF_SEED"); v != "" {
		var err error
		if seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("PAKN_DIFF_SEED: %v", err)
		}
	}
	rounds := max(1, envInt("PAKN_DIFF_ROUNDS", 1))
	t.Logf("seed %d", seed)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("replay: PAKN_DIFF_SEED=%d go test -run TestEngineMatchesBleve -v ./search", seed)
		}
	})
	r := rand.New(rand.NewPCG(seed, 1))
	// A small corpus, and one above commonMinDocs so that common-term
	// pruning and the frequent-syllable rules are in play.
	sizes := []int{300 + r.IntN(500), commonMinDocs + 500 + r.IntN(1500)}
	if raceEnabled {
		sizes[1] = commonMinDocs + 100 + r.IntN(300)
	}
	var seen diffCoverage
	for round := 0; round < rounds; round++ {
		for _, n := range sizes {
			diffCorpus(t, r, n, &seen)
			if t.Failed() {
				return
			}
		}
	}
	// The run must have compared what it claims to.
	for name, n := range map[string]int{"strict-phase": seen.strict, "broad-phase": seen.broad,
		"executor": seen.executed, "hit": seen.hits, "facet": seen.facets, "highlight": seen.highlights} {
		if n == 0 {
			t.Errorf("no %s results were compared", name)
		}
	}
	t.Logf("compared %d queries: %d strict, %d broad, %d by the executor, %d hits, %d highlights",
		seen.queries, seen.strict, seen.broad, seen.executed, seen.hits, seen.highlights)
}

type diffCoverage struct {
	queries, strict, broad, executed, hits, facets, highlights int
}

// diffCorpus writes a random corpus of about n items into an in-memory
// index (scorch merges no segments there: every batch stays one) and
// compares random queries on it.
func diffCorpus(t *testing.T, r *rand.Rand, n int, seen *diffCoverage) {
	t.Helper()
	ctx := context.Background()
	bi, err := bleve.NewUsing("", newMapping(), indexType, indexType, nil)
	if err != nil {
		t.Fatal(err)
	}
	strict := []int{0, 0, 3, 25}[r.IntN(4)] // 0: one page
	idx, err := newIndex("", Options{CacheSize: -1, BatchSize: 50 + r.IntN(250), StrictMinHits: strict}, nil, bi)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	gen := r.Uint64()
	version := map[int]int{}
	next := 0
	for next < n {
		// Inserts, then updates (a new version with new text) and deletes
		// of earlier items: segments hold deleted documents.
		k := min(n-next, 50+r.IntN(n/3))
		items := synthItems(gen, next, k)
		for i := range items {
			version[next+i] = 1
		}
		next += k
		for u := r.IntN(100); u > 0; u-- {
			id := r.IntN(next)
			if version[id] == 0 {
				continue
			}
			version[id]++
			it := synthItems(gen+uint64(version[id]), id, 1)[0]
			it.ID, it.Version = synthItems(gen, id, 1)[0].ID, version[id]
			items = append(items, it)
		}
		if err := idx.Upsert(ctx, items...); err != nil {
			t.Fatal(err)
		}
		var del []string
		for d := r.IntN(60); d > 0; d-- {
			id := r.IntN(next)
			if version[id] > 0 {
				del = append(del, synthItems(gen, id, 1)[0].ID)
				version[id] = 0
			}
		}
		if err := idx.Delete(ctx, del...); err != nil {
			t.Fatal(err)
		}
	}
	if segs := snapshotSegments(t, idx); segs < 3 {
		t.Fatalf("the corpus of %d items is in %d segments; the test needs several", n, segs)
	}
	queries := 60 + r.IntN(40)
	if raceEnabled {
		queries /= 3
	}
	for i := 0; i < queries; i++ {
		q := randomQuery(r)
		diffQuery(t, idx, q, seen)
		if t.Failed() {
			return
		}
	}
}

// randomQuery makes a query of any shape the pages and the API send.
func randomQuery(r *rand.Rand) Query {
	var words []string
	phrases := [][]string{benchObjects, benchPlaces, benchActions, benchTails, benchSubjects, benchAnswers}
	for k := r.IntN(3); k >= 0; k-- {
		ws := strings.Fields(strings.Trim(pick(r, phrases[r.IntN(len(phrases))]), "?.,:"))
		from := r.IntN(len(ws))
		words = append(words, ws[from:min(len(ws), from+1+r.IntN(4))]...)
	}
	syn := DefaultSynonyms()
	switch r.IntN(6) {
	case 0: // a dictionary term (synonyms), alone or with words
		words = append([]string{pick(r, syn[r.IntN(len(syn))].Expansions)}, words[:r.IntN(len(words)+1)]...)
		if r.IntN(2) == 0 {
			words[0] = syn[r.IntN(len(syn))].Term
		}
	case 1: // unknown words
		words = append(words, []string{"zzqx", "qwerty", "xyzw"}[r.IntN(3)])
	case 2: // blank
		words = nil
	case 3: // filler words only, or filler words around the others (precision.go)
		fill := []string{"cho", "của", "có", "không", "là", "làm", "thủ", "tục", "gì", "khong", "lam"}
		pre := []string{pick(r, fill), pick(r, fill)}
		if r.IntN(2) == 0 {
			words = pre
		} else {
			words = append(pre, words...)
		}
	case 4: // a long query: the minimum share of content words grows
		for k := 3 + r.IntN(4); k > 0; k-- {
			ws := strings.Fields(strings.Trim(pick(r, phrases[r.IntN(len(phrases))]), "?.,:"))
			words = append(words, ws[r.IntN(len(ws))])
		}
	}
	for i, w := range words {
		switch r.IntN(8) {
		case 0: // typo: a letter doubled, dropped or replaced
			rs := []rune(w)
			p := r.IntN(len(rs))
			switch r.IntN(3) {
			case 0:
				rs = append(rs[:p+1], rs[p:]...)
			case 1:
				if len(rs) > 1 {
					rs = append(rs[:p], rs[p+1:]...)
				}
			default:
				rs[p] = rune('a' + r.IntN(26))
			}
			words[i] = string(rs)
		case 1, 2: // no diacritics, as many type
			words[i] = Fold(w)
		case 3:
			words[i] = strings.ToUpper(w)
		}
	}
	q := Query{Text: strings.Join(words, " "), Page: 1 + r.IntN(3), PerPage: []int{0, 1, 5, 10, 20, 50}[r.IntN(6)]}
	if r.IntN(10) == 0 {
		q.Page = 1 + r.IntN(60)
	}
	if r.IntN(4) == 0 {
		q.Category = pick(r, benchCats)
	}
	if r.IntN(5) == 0 {
		q.Unit = pick(r, benchUnits)
	}
	if r.IntN(5) == 0 {
		q.Type = []string{"faq", "answer"}[r.IntN(2)]
	}
	q.NoFacets = r.IntN(4) == 0
	if r.IntN(10) == 0 {
		q.Sort = "date"
	}
	return q
}

func diffQuery(t *testing.T, idx *Index, q Query, seen *diffCoverage) {
	t.Helper()
	ctx := context.Background()
	exec := idx.exec
	idx.exec = nil
	want, err := idx.Search(ctx, q)
	idx.exec = exec
	if err != nil {
		t.Fatalf("%+v: bleve: %v", q, err)
	}
	before := idx.executed.Load()
	got, err := idx.Search(ctx, q)
	if err != nil {
		t.Fatalf("%+v: executor: %v", q, err)
	}
	seen.queries++
	if idx.executed.Load() > before {
		seen.executed++
	} else if q.Sort != "date" {
		t.Errorf("%+v: the executor left the query to bleve", q)
	}
	if want.Strict {
		seen.strict++
	} else {
		seen.broad++
	}
	if got.Total != want.Total || got.Strict != want.Strict {
		t.Errorf("%+v: total %d strict %v, bleve %d %v", q, got.Total, got.Strict, want.Total, want.Strict)
		return
	}
	if !reflect.DeepEqual(got.Facets, want.Facets) {
		t.Errorf("%+v: facets\n%v\nbleve\n%v", q, got.Facets, want.Facets)
		return
	}
	for _, f := range want.Facets {
		seen.facets += len(f)
	}
	if len(got.Hits) != len(want.Hits) {
		t.Errorf("%+v: %d hits, bleve %d", q, len(got.Hits), len(want.Hits))
		return
	}
	for i := range got.Hits {
		g, w := got.Hits[i], want.Hits[i]
		if !sameScore(g.Score, w.Score) {
			t.Errorf("%+v: hit %d score %v (%s), bleve %v (%s)", q, i, g.Score, g.ID, w.Score, w.ID)
			return
		}
	}
	// Order: equal scores may come in another order (bleve adds a
	// document's scores in the order its iterators arrive, so equal scores
	// can differ in their last bits); elsewhere the ids must be equal, and
	// within a run of equal scores the page must hold the same items
	// (unless the run reaches past either end of the page).
	for i := 0; i < len(got.Hits); {
		j := i
		for j < len(got.Hits) && sameScore(got.Hits[j].Score, got.Hits[i].Score) {
			j++
		}
		byID := map[string]Hit{}
		for k := i; k < j; k++ {
			byID[want.Hits[k].ID] = want.Hits[k]
		}
		whole := (i > 0 || got.Page == 1) && j < len(got.Hits)
		for k := i; k < j; k++ {
			g := got.Hits[k]
			w, ok := byID[g.ID]
			if !ok {
				if whole {
					t.Errorf("%+v: hit %d is %s, bleve has %s", q, k, g.ID, want.Hits[k].ID)
					return
				}
				continue
			}
			seen.hits++
			if !reflect.DeepEqual(g.Item, w.Item) || !reflect.DeepEqual(g.Highlights, w.Highlights) {
				t.Errorf("%+v: hit %s differs:\n%+v %q\nbleve\n%+v %q", q, g.ID, g.Item, g.Highlights, w.Item, w.Highlights)
				return
			}
			seen.highlights += len(g.Highlights)
		}
		i = j
	}
}

// The engine reaches into bleve's internals; this tells when a bleve
// version stops giving it what it needs, before the comparisons do.
func TestEngineSupportsIndex(t *testing.T) {
	bi, err := bleve.NewUsing("", newMapping(), indexType, indexType, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer bi.Close()
	if err := bi.Index("a", itemValues(synthItems(1, 0, 1)[0])); err != nil {
		t.Fatal(err)
	}
	adv, err := bi.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	rd, err := adv.Reader()
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	_, err = engine.New(0).Execute(context.Background(), rd, engine.Request{Query: bleve.NewMatchAllQuery(), Size: 1,
		DocFreq: func(string, string) uint64 { return 1 }})
	if err != nil {
		t.Fatalf("the engine cannot read this bleve's index: %v", err)
	}
	if n := engine.SnapshotSegments(rd); n != 1 {
		t.Errorf("%d segments, want 1", n)
	}
}

// snapshotSegments is the number of segments searches see now.
func snapshotSegments(t *testing.T, idx *Index) (n int) {
	t.Helper()
	err := idx.with(func(bi bleve.Index) error {
		adv, err := bi.Advanced()
		if err != nil {
			return err
		}
		r, err := adv.Reader()
		if err != nil {
			return err
		}
		defer r.Close()
		n = engine.SnapshotSegments(r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
