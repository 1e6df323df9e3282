// Package engine answers the queries search builds over bleve's scorch
// internals, faster than bleve's searchers and with the same results. It is
// the only place that knows those internals (scorch snapshots and
// segments, vellum, roaring): a bleve upgrade can break it, and
// search's differential test (TestEngineMatchesBleve) says so. The rest of
// search reaches it through Engine.Execute, and can do without it
// (PAKN_SEARCH_EXECUTOR=off).
package engine

import (
	"container/heap"
	"container/list"
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"sync"

	index "github.com/blevesearch/bleve_index_api"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	segment "github.com/blevesearch/scorch_segment_api/v2"
	"github.com/blevesearch/vellum"
)

// The executor below answers the queries buildQuery makes with the same
// matches, scores (BM25 as bleve computes it, with its coordination
// factors and query norm), order, totals and facets as bleve's searchers,
// but by other means: matches are roaring bitmaps combined per segment
// (only where a match set is needed: the scored part of the strict phase
// never needs its own), each scored term's postings are decoded once (and
// kept: postingCache) and added to the candidates they hold (term at a
// time), and facets are counted from a per-segment table of each
// document's facet terms. Bleve's searchers advance a tree of iterators
// document by document and read every match's doc values for the facets;
// on a large index, where a common query matches thousands of items, that
// cost ten times more (BENCHMARKS.md). Queries of other shapes (sort by
// date) go to bleve; search/differential_test.go checks that both give the
// same results.

// ErrUnsupported means the query (or the index) has a shape the engine
// does not handle; the caller asks bleve instead.
var ErrUnsupported = errors.New("search: not supported by the executor")

type nodeKind uint8

const (
	nodeTerm nodeKind = iota
	nodeOr            // bleve disjunction: sum of the matching children × matched/total
	nodeAnd           // conjunction: all children match, sum of their scores
	nodeBool          // must (drives) + optional should
	nodeAll
	nodeNone
)

// plan is a compiled query; leaves carry their scoring constants and,
// while a segment is evaluated, their postings.
type plan struct {
	kind  nodeKind
	field string
	term  []byte
	boost float64
	kids  []*plan // nodeOr, nodeAnd; nodeBool: [must, should]
	min   int     // nodeOr: matches at least min children (0, 1: any)

	// leaves
	idf    float64
	avgLen float64 // 0: tf-idf scoring (bleve's fallback for empty fields)
	qw     float64 // boost × idf × query norm (1 for a lone term)
	df     uint64

	// per segment (see segMatcher)
	bm  *roaring.Bitmap // matches in the segment, never modified in place
	gen uint32
}

// Request is one page of a query. DocFreq and FacetTerms answer from the
// same snapshot as Execute's reader (the query builder remembers them per
// snapshot).
type Request struct {
	Query   query.Query
	From    int
	Size    int
	DocFreq func(field, term string) uint64
	// FacetField, when set, is a keyword field whose terms are counted over
	// all matches; FacetTerms lists its terms in the snapshot, sorted.
	FacetField    string
	FacetTerms    func() ([][]byte, error)
	FacetTermsMax int
	// CutRatio, when above 0, drops the matches scoring below CutRatio
	// times the best score from the hits, the total and the facets.
	CutRatio float64
}

// Hit is a match; its stored fields are read from its segment.
type Hit struct {
	Score float64
	doc   uint64 // global document number (ties go to the lower)
	seg   *scorch.SegmentSnapshot
	local uint64
}

// Facet is the number of matches with one facet term.
type Facet struct {
	Term  string
	Count int
}

// Result is the total, the page's hits by score and the facet terms by
// count (then term), as bleve orders a terms facet.
type Result struct {
	Total uint64
	// Matched is the number of matches before the cut-off (Total
	// without CutRatio).
	Matched uint64
	Hits    []Hit
	Facets  []Facet
	// Segments is how many segments the snapshot had (the differential
	// test requires several).
	Segments int
}

// Engine holds what queries share: decoded postings and facet tables per
// segment, and scratch arrays.
type Engine struct {
	facets   *facetCache
	postings *postingCache // nil when off
	scratch  sync.Pool
}

// New makes an Engine keeping up to postingCacheBytes of decoded
// postings (0 or less: none).
func New(postingCacheBytes int64) *Engine {
	e := &Engine{facets: newFacetCache(), postings: newPostingCache(postingCacheBytes)}
	e.scratch.New = func() any { return &scratch{} }
	return e
}

// compile turns q into a plan, or ErrUnsupported.
func compile(q query.Query) (*plan, error) {
	switch q := q.(type) {
	case *query.TermQuery:
		if q.FieldVal == "" {
			return nil, ErrUnsupported
		}
		return &plan{kind: nodeTerm, field: q.FieldVal, term: []byte(q.Term), boost: q.Boost()}, nil
	case *query.DisjunctionQuery:
		p, err := compileKids(nodeOr, q.Disjuncts)
		if err != nil || q.Min <= 1 {
			return p, err
		}
		// At least Min children: bleve's disjunction searcher with a
		// minimum (none when it has fewer children).
		if len(q.Disjuncts) < int(q.Min) {
			return &plan{kind: nodeNone}, nil
		}
		p.min = int(q.Min)
		return p, nil
	case *query.ConjunctionQuery:
		return compileKids(nodeAnd, q.Conjuncts)
	case *query.BooleanQuery:
		if q.MustNot != nil || q.Filter != nil {
			return nil, ErrUnsupported
		}
		var must, should *plan
		var err error
		if q.Must != nil {
			if must, err = compile(q.Must); err != nil {
				return nil, err
			}
		}
		if q.Should != nil {
			if d, ok := q.Should.(*query.DisjunctionQuery); ok && d.Min > 0 {
				return nil, ErrUnsupported // should would be required
			}
			if should, err = compile(q.Should); err != nil {
				return nil, err
			}
		}
		if must != nil && must.kind == nodeNone {
			must = nil
		}
		if should != nil && should.kind == nodeNone {
			should = nil
		}
		switch {
		case must == nil && should == nil:
			return &plan{kind: nodeNone}, nil
		case should == nil:
			return must, nil
		case must == nil:
			return should, nil
		}
		return &plan{kind: nodeBool, kids: []*plan{must, should}}, nil
	case *query.MatchAllQuery:
		return &plan{kind: nodeAll, boost: q.Boost()}, nil
	case *query.MatchNoneQuery:
		return &plan{kind: nodeNone}, nil
	}
	return nil, ErrUnsupported
}

func compileKids(kind nodeKind, qs []query.Query) (*plan, error) {
	if len(qs) == 0 {
		return &plan{kind: nodeNone}, nil
	}
	p := &plan{kind: kind, kids: make([]*plan, 0, len(qs))}
	for _, c := range qs {
		k, err := compile(c)
		if err != nil {
			return nil, err
		}
		p.kids = append(p.kids, k)
	}
	return p, nil
}

func (p *plan) leaves(f func(*plan)) {
	if p.kind == nodeTerm {
		f(p)
	}
	for _, k := range p.kids {
		k.leaves(f)
	}
}

// weight is bleve's sum of squared weights, from which the query norm is.
func (p *plan) weight() float64 {
	switch p.kind {
	case nodeTerm:
		w := p.boost * p.idf
		return w * w
	case nodeAll:
		return p.boost * p.boost
	}
	var sum float64
	for _, k := range p.kids {
		sum += k.weight()
	}
	return sum
}

// scored reports whether any leaf under p can add to a score.
func (p *plan) scored() bool {
	switch p.kind {
	case nodeTerm:
		return p.qw != 0
	case nodeAll:
		return p.boost != 0
	}
	for _, k := range p.kids {
		if k.scored() {
			return true
		}
	}
	return false
}

// prepare fills the leaves' statistics as bleve's term searchers do.
func (p *plan) prepare(snap *scorch.IndexSnapshot, df func(field, term string) uint64) error {
	n, err := snap.DocCount()
	if err != nil {
		return err
	}
	avg := map[string]float64{}
	var ferr error
	p.leaves(func(l *plan) {
		if ferr != nil {
			return
		}
		a, ok := avg[l.field]
		if !ok {
			card, err := snap.FieldCardinality(l.field)
			if err != nil {
				ferr = err
				return
			}
			if n > 0 || card > 0 {
				a = math.Ceil(float64(card) / float64(n))
			}
			avg[l.field] = a
		}
		l.avgLen = a
		l.df = df(l.field, string(l.term))
		if a > 0 {
			l.idf = math.Log(1 + (float64(n)-float64(l.df)+0.5)/(float64(l.df)+0.5))
		} else {
			l.idf = 1 + math.Log(float64(n)/float64(l.df+1))
		}
	})
	if ferr != nil {
		return ferr
	}
	// Composite searchers hand their query norm down; a lone term keeps
	// a query weight of 1 (bleve's TermQueryScorer never gets a norm).
	if p.kind == nodeTerm {
		p.qw = 1
		return nil
	}
	norm := 1 / math.Sqrt(p.weight())
	p.leaves(func(l *plan) { l.qw = l.boost * l.idf * norm })
	return nil
}

// segMatcher computes plan nodes' matches in one segment on demand: the
// scored part of a query (a boolean's should) never needs its own.
type segMatcher struct {
	s     *scorch.SegmentSnapshot
	gen   uint32 // tells this segment's results from the last one's
	dicts map[string]segment.TermDictionary
}

// bitmap returns p's matches in the segment, deleted documents included
// (the candidates leave them out once; set algebra commutes with that):
// shared, read only.
func (m *segMatcher) bitmap(p *plan) (*roaring.Bitmap, error) {
	if p.gen == m.gen {
		return p.bm, nil
	}
	var bm *roaring.Bitmap
	switch p.kind {
	case nodeTerm:
		d, ok := m.dicts[p.field]
		if !ok {
			var err error
			if d, err = m.s.Segment().Dictionary(p.field); err != nil {
				return nil, err
			}
			m.dicts[p.field] = d
		}
		pl, err := d.PostingsList(p.term, nil, nil)
		if err != nil {
			return nil, err
		}
		if bm, err = postingsBitmap(pl); err != nil {
			return nil, err
		}
	case nodeAll:
		bm = roaring.New()
		bm.AddRange(0, m.s.Segment().Count())
	case nodeNone:
		bm = roaring.New()
	case nodeBool:
		var err error
		if bm, err = m.bitmap(p.kids[0]); err != nil { // must drives; should only scores
			return nil, err
		}
	default:
		bms := make([]*roaring.Bitmap, 0, len(p.kids))
		for _, k := range p.kids {
			b, err := m.bitmap(k)
			if err != nil {
				return nil, err
			}
			bms = append(bms, b)
		}
		switch {
		case p.kind == nodeOr && p.min > 1:
			bm = atLeast(bms, p.min)
		case len(bms) == 1:
			bm = bms[0]
		case p.kind == nodeOr:
			bm = roaring.FastOr(bms...)
		default:
			bm = roaring.FastAnd(bms...)
		}
	}
	p.bm, p.gen = bm, m.gen
	return bm, nil
}

// atLeast is the documents in at least k of bms: level j holds those in
// j of the bitmaps seen so far (j ≤ k), built up bitmap by bitmap.
func atLeast(bms []*roaring.Bitmap, k int) *roaring.Bitmap {
	if k > len(bms) {
		return roaring.New()
	}
	levels := make([]*roaring.Bitmap, k+1) // levels[0]: every document
	for j := 1; j <= k; j++ {
		levels[j] = roaring.New()
	}
	for i, b := range bms {
		for j := min(k, i+1); j >= 1; j-- {
			if j == 1 {
				levels[1].Or(b)
				continue
			}
			levels[j].Or(roaring.And(levels[j-1], b))
		}
	}
	return levels[k]
}

// scoredMin reports whether a disjunction with a minimum scores (the
// executor only selects with one; bleve scores it otherwise).
func (p *plan) scoredMin() bool {
	if p.kind == nodeOr && p.min > 1 && p.scored() {
		return true
	}
	for _, k := range p.kids {
		if k.scoredMin() {
			return true
		}
	}
	return false
}

type oneHit interface{ DocNum1Hit() (uint64, bool) }

// postingsBitmap is the documents of pl, less its exceptions (shared: read
// only).
func postingsBitmap(pl segment.PostingsList) (*roaring.Bitmap, error) {
	it := pl.Iterator(false, false, false, nil)
	opt, ok := it.(segment.OptimizablePostingsIterator)
	if !ok {
		return nil, ErrUnsupported
	}
	if bm := opt.ActualBitmap(); bm != nil {
		return bm, nil
	}
	bm := roaring.New()
	if h, ok := it.(oneHit); ok {
		if d, ok := h.DocNum1Hit(); ok {
			bm.Add(uint32(d))
		}
		return bm, nil
	}
	if pl.Count() > 0 {
		return nil, ErrUnsupported
	}
	return bm, nil
}

// scratch holds one evaluation's arrays, reused across queries.
type scratch struct {
	buf    []uint32
	cands  []uint32
	pos    []int32 // segment-local document → index among the matches
	in     []uint64
	floats [][]float64
	counts [][]uint16
	all    []float64 // every match's score, segment after segment (cut-off)
	docs   []uint32  // … and its document
	kept   []uint32
}

// positions returns the position array and a cleared bitset for n documents.
func (sc *scratch) positions(n uint64) ([]int32, []uint64) {
	if uint64(cap(sc.pos)) < n {
		sc.pos = make([]int32, n)
	}
	words := (n + 63) / 64
	if uint64(cap(sc.in)) < words {
		sc.in = make([]uint64, words)
	}
	in := sc.in[:words]
	clear(in)
	return sc.pos[:n], in
}

// candidates lists cands in sc's reused array.
func (sc *scratch) candidates(cands *roaring.Bitmap) []uint32 {
	n := int(cands.GetCardinality())
	if cap(sc.cands) < n {
		sc.cands = make([]uint32, n)
	}
	docs := sc.cands[:0]
	it := cands.ManyIterator()
	buf := sc.docBuf()
	for k := it.NextMany(buf); k > 0; k = it.NextMany(buf) {
		docs = append(docs, buf[:k]...)
	}
	return docs
}

func (sc *scratch) docBuf() []uint32 {
	if sc.buf == nil {
		sc.buf = make([]uint32, 512)
	}
	return sc.buf
}

// level returns zeroed arrays of length n for nesting depth d.
func (sc *scratch) level(d, n int) ([]float64, []uint16) {
	for len(sc.floats) <= d {
		sc.floats = append(sc.floats, nil)
		sc.counts = append(sc.counts, nil)
	}
	if cap(sc.floats[d]) < n {
		sc.floats[d] = make([]float64, n)
		sc.counts[d] = make([]uint16, n)
	}
	f, c := sc.floats[d][:n], sc.counts[d][:n]
	clear(f)
	clear(c)
	return f, c
}

// segScorer scores the matches of one segment.
type segScorer struct {
	m     *segMatcher
	seg   segment.Segment
	cands *roaring.Bitmap
	in    []uint64 // cands as a dense bitset
	pos   []int32
	sc    *scratch
	it    segment.PostingsIterator
	// terms keeps each term's postings for this query (synonyms and
	// expansions repeat terms); cache keeps them across queries.
	terms map[string]*termPostings
	cache *postingCache
}

// termPostings is a term's postings in one segment, decoded: the
// documents and, in their order, BM25's term-frequency and length factor
// (before the idf and the query weight). float32 keeps three times as
// many terms in the cache; scores then differ from bleve's in the eighth
// digit.
type termPostings struct {
	docs *roaring.Bitmap
	g    []float32
}

func (tp *termPostings) bytes() int64 {
	return int64(tp.docs.GetSizeInBytes()) + int64(len(tp.g))*4 + 64
}

// add adds p's score to out (indexed by position among the candidates)
// and, when cnt is not nil, counts p's matches there.
func (s *segScorer) add(p *plan, depth int, out []float64, cnt []uint16) error {
	switch p.kind {
	case nodeNone:
		return nil
	case nodeTerm:
		if p.qw == 0 || p.df == 0 {
			return s.count(p, cnt)
		}
		return s.addTerm(p, out, cnt)
	case nodeAll:
		if err := s.count(p, cnt); err != nil {
			return err
		}
		if !p.scored() {
			return nil
		}
		for i := range out {
			out[i] += p.boost // constant score; every candidate matches
		}
		return nil
	case nodeAnd, nodeBool:
		if err := s.count(p, cnt); err != nil {
			return err
		}
		for _, k := range p.kids {
			if k.scored() {
				if err := s.add(k, depth, out, nil); err != nil {
					return err
				}
			}
		}
		return nil
	}
	// nodeOr: Σ children × matched/total, for documents matching any.
	if !p.scored() {
		return s.count(p, cnt)
	}
	if len(p.kids) == 1 {
		// One child: its matches are the disjunction's and the factor is
		// 1/1, so it adds straight to out.
		return s.add(p.kids[0], depth, out, cnt)
	}
	sum, n := s.sc.level(depth, len(out))
	for _, k := range p.kids {
		if err := s.add(k, depth+1, sum, n); err != nil {
			return err
		}
	}
	total := float64(len(p.kids))
	for i, c := range n {
		if c == 0 {
			continue
		}
		out[i] += sum[i] * float64(c) / total
		if cnt != nil {
			cnt[i]++
		}
	}
	return nil
}

// count adds 1 in cnt for each candidate that p matches.
func (s *segScorer) count(p *plan, cnt []uint16) error {
	if cnt == nil {
		return nil
	}
	bm, err := s.m.bitmap(p)
	if err != nil {
		return err
	}
	it := roaring.And(bm, s.cands).Iterator()
	for it.HasNext() {
		cnt[s.pos[it.Next()]]++
	}
	return nil
}

func (s *segScorer) addTerm(p *plan, out []float64, cnt []uint16) error {
	key := p.field + "\x00" + string(p.term)
	tp := s.terms[key]
	if tp == nil {
		var err error
		if tp, err = s.postings(p); err != nil {
			return err
		}
		if s.terms == nil {
			s.terms = map[string]*termPostings{}
		}
		s.terms[key] = tp
	}
	w := p.idf * p.qw
	add := func(k int, d uint32) {
		i := s.pos[d]
		out[i] += float64(tp.g[k]) * w
		if cnt != nil {
			cnt[i]++
		}
	}
	if n := s.cands.GetCardinality(); n*16 < uint64(len(tp.g)) {
		// Few candidates, a long list: look the candidates up in it.
		it := roaring.And(tp.docs, s.cands).Iterator()
		for it.HasNext() {
			d := it.Next()
			add(int(tp.docs.Rank(d))-1, d)
		}
		return nil
	}
	it := tp.docs.ManyIterator()
	buf := s.sc.docBuf()
	k := 0
	for n := it.NextMany(buf); n > 0; n = it.NextMany(buf) {
		for _, d := range buf[:n] {
			if s.in[d>>6]&(1<<(d&63)) != 0 {
				add(k, d)
			}
			k++
		}
	}
	return nil
}

// postings returns p's decoded postings in the segment, from the cache
// when it has them.
func (s *segScorer) postings(p *plan) (*termPostings, error) {
	key := postingKey{field: p.field, term: string(p.term), avgLen: p.avgLen}
	if tp := s.cache.get(s.seg, key); tp != nil {
		return tp, nil
	}
	// All postings, deleted documents too: the entry outlives this
	// snapshot's deletions (candidates never include deleted documents).
	d, err := s.seg.Dictionary(p.field)
	if err != nil {
		return nil, err
	}
	pl, err := d.PostingsList(p.term, nil, nil)
	if err != nil {
		return nil, err
	}
	n := pl.Count()
	docs := make([]uint32, 0, n)
	tp := &termPostings{g: make([]float32, 0, n)}
	it := pl.Iterator(true, true, false, s.it)
	s.it = it
	k1, b := bsearch.BM25_k1, bsearch.BM25_b
	for {
		post, err := it.Next()
		if err != nil {
			return nil, err
		}
		if post == nil {
			break
		}
		tf := math.Sqrt(float64(post.Frequency()))
		norm := post.Norm()
		var g float64
		if p.avgLen > 0 {
			length := 1 / (norm * norm)
			g = (tf * k1) / (tf + k1*(1-b+b*length/p.avgLen))
		} else {
			g = tf * norm
		}
		docs = append(docs, uint32(post.Number()))
		tp.g = append(tp.g, float32(g))
	}
	tp.docs = roaring.New()
	tp.docs.AddMany(docs)
	tp.docs.RunOptimize()
	s.cache.put(s.seg, key, tp)
	return tp, nil
}

// postingCache keeps decoded postings of recently searched terms, up to a
// number of bytes, least recently used first out. Public queries repeat
// the same few hundred words all day; decoding a common word's postings
// is most of a query's cost on a large index. Segments never change, so
// an entry is valid until its segment is merged away (prune).
type postingCache struct {
	mu    sync.Mutex
	max   int64
	used  int64
	order *list.List // of *postingEntry, front = most recent
	bySeg map[segment.Segment]map[postingKey]*list.Element
}

type postingKey struct {
	field, term string
	avgLen      float64 // the factor depends on it
}

type postingEntry struct {
	seg segment.Segment
	key postingKey
	tp  *termPostings
}

func newPostingCache(maxBytes int64) *postingCache {
	if maxBytes <= 0 {
		return nil
	}
	return &postingCache{max: maxBytes, order: list.New(), bySeg: map[segment.Segment]map[postingKey]*list.Element{}}
}

func (c *postingCache) get(seg segment.Segment, k postingKey) *termPostings {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.bySeg[seg][k]
	if !ok {
		return nil
	}
	c.order.MoveToFront(el)
	return el.Value.(*postingEntry).tp
}

func (c *postingCache) put(seg segment.Segment, k postingKey, tp *termPostings) {
	if c == nil || tp.bytes() > c.max/8 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.bySeg[seg]
	if m == nil {
		m = map[postingKey]*list.Element{}
		c.bySeg[seg] = m
	}
	if _, ok := m[k]; ok {
		return
	}
	m[k] = c.order.PushFront(&postingEntry{seg: seg, key: k, tp: tp})
	c.used += tp.bytes()
	for c.used > c.max {
		c.remove(c.order.Back())
	}
}

func (c *postingCache) remove(el *list.Element) {
	e := c.order.Remove(el).(*postingEntry)
	c.used -= e.tp.bytes()
	if m := c.bySeg[e.seg]; m != nil {
		delete(m, e.key)
		if len(m) == 0 {
			delete(c.bySeg, e.seg)
		}
	}
}

// prune drops the entries of segments not in segs.
func (c *postingCache) prune(segs []*scorch.SegmentSnapshot) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.bySeg) <= len(segs) {
		return
	}
	live := liveSegments(segs)
	for seg, m := range c.bySeg {
		if !live[seg] {
			for _, el := range m {
				c.remove(el)
			}
		}
	}
}

// liveSegments is the set of segments of a snapshot, for the caches to
// drop what belongs to merged-away ones.
func liveSegments(segs []*scorch.SegmentSnapshot) map[segment.Segment]bool {
	live := make(map[segment.Segment]bool, len(segs))
	for _, s := range segs {
		live[s.Segment()] = true
	}
	return live
}

// hitHeap keeps the best k hits; the root is the worst of them.
type hitHeap []Hit

func (h hitHeap) Len() int { return len(h) }
func (h hitHeap) Less(i, j int) bool {
	if h[i].Score != h[j].Score {
		return h[i].Score < h[j].Score
	}
	return h[i].doc > h[j].doc
}
func (h hitHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *hitHeap) Push(x any)   { *h = append(*h, x.(Hit)) }
func (h *hitHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func better(a, b Hit) bool {
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	return a.doc < b.doc
}

// Execute runs req on r, a snapshot of a scorch index: the total, the
// hits From..From+Size by score, and the counts of the facet field's
// terms. ErrUnsupported means r or the query is of a shape it does not
// handle.
func (e *Engine) Execute(ctx context.Context, r index.IndexReader, req Request) (*Result, error) {
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil, ErrUnsupported
	}
	p, err := compile(req.Query)
	if err != nil {
		return nil, err
	}
	segs := snap.Segments()
	facets := req.FacetField != ""
	if facets {
		defer e.facets.prune(segs)
	}
	defer e.postings.prune(segs)
	if err := p.prepare(snap, req.DocFreq); err != nil {
		return nil, err
	}
	if p.scoredMin() {
		return nil, ErrUnsupported
	}
	var facetTerms [][]byte
	if facets {
		if facetTerms, err = req.FacetTerms(); err != nil {
			return nil, err
		}
	}
	counts := make([]int, len(facetTerms))
	sc := e.scratch.Get().(*scratch)
	defer e.scratch.Put(sc)
	scored := p.scored()
	k := req.From + req.Size
	top := make(hitHeap, 0, k)
	res := &Result{Segments: len(segs)}
	// With a cut-off, every match's score is kept until the best is
	// known; the total and facets are counted afterwards.
	cut := req.CutRatio > 0 && scored
	type segScores struct {
		s        *scorch.SegmentSnapshot
		cands    *roaring.Bitmap
		from, to int     // in sc.all and sc.docs
		low      float64 // the lowest of the segment's scores
	}
	var kept []segScores
	best := math.Inf(-1)
	sc.all, sc.docs = sc.all[:0], sc.docs[:0]
	var offset uint64
	for si, s := range segs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		base := offset
		offset += s.Segment().Count()
		m := &segMatcher{s: s, gen: uint32(si + 1), dicts: map[string]segment.TermDictionary{}}
		cands, err := m.bitmap(p)
		if err != nil {
			return nil, err
		}
		if del := s.Deleted(); del != nil && !del.IsEmpty() {
			cands = roaring.AndNot(cands, del)
		}
		n := cands.GetCardinality()
		if n == 0 {
			continue
		}
		res.Total += n
		if len(facetTerms) > 0 && !cut {
			ft, err := e.facets.table(s, req.FacetField)
			if err != nil {
				return nil, err
			}
			if err := ft.count(s, req.FacetField, cands, facetTerms, counts); err != nil {
				return nil, err
			}
		}
		if k == 0 && !cut {
			continue
		}
		docs := sc.candidates(cands)
		var scores []float64
		if scored {
			pos, in := sc.positions(s.Segment().Count())
			for i, d := range docs {
				pos[d] = int32(i)
				in[d>>6] |= 1 << (d & 63)
			}
			scores, _ = sc.level(0, len(docs))
			ss := &segScorer{m: m, seg: s.Segment(), cands: cands, in: in, pos: pos, sc: sc, cache: e.postings}
			if err := ss.add(p, 1, scores, nil); err != nil {
				return nil, err
			}
		}
		if cut {
			low := math.Inf(1)
			for _, v := range scores {
				best, low = max(best, v), min(low, v)
			}
			from := len(sc.all)
			sc.all = append(sc.all, scores...)
			sc.docs = append(sc.docs, docs...)
			kept = append(kept, segScores{s: s, cands: cands, from: from, to: len(sc.all), low: low})
			if k == 0 {
				continue
			}
		}
		for i, d := range docs {
			h := Hit{doc: base + uint64(d), seg: s, local: uint64(d)}
			if scores != nil {
				h.Score = scores[i]
			}
			if len(top) < k {
				heap.Push(&top, h)
			} else if better(h, top[0]) {
				top[0] = h
				heap.Fix(&top, 0)
			}
		}
	}
	sort.Slice(top, func(i, j int) bool { return better(top[i], top[j]) })
	if cut {
		thr := req.CutRatio * best
		for len(top) > 0 && top[len(top)-1].Score < thr {
			top = top[:len(top)-1]
		}
		res.Matched, res.Total = res.Total, 0
		for _, ks := range kept {
			bm := ks.cands
			if ks.low < thr && len(facetTerms) == 0 {
				// A count is enough.
				for _, v := range sc.all[ks.from:ks.to] {
					if v >= thr {
						res.Total++
					}
				}
				continue
			}
			if ks.low < thr {
				scores, docs := sc.all[ks.from:ks.to], sc.docs[ks.from:ks.to]
				sc.kept = sc.kept[:0]
				for i, d := range docs {
					if scores[i] >= thr {
						sc.kept = append(sc.kept, d)
					}
				}
				if len(sc.kept) == 0 {
					continue
				}
				res.Total += uint64(len(sc.kept))
				ft, err := e.facets.table(ks.s, req.FacetField)
				if err != nil {
					return nil, err
				}
				if ft != nil {
					// Few enough to look each one up.
					if err := ft.add(ft.countDocs(sc.kept), facetTerms, counts); err != nil {
						return nil, err
					}
					continue
				}
				bm = roaring.BitmapOf(sc.kept...)
				if err := ft.count(ks.s, req.FacetField, bm, facetTerms, counts); err != nil {
					return nil, err
				}
				continue
			}
			n := bm.GetCardinality()
			if n == 0 {
				continue
			}
			res.Total += n
			if len(facetTerms) > 0 {
				ft, err := e.facets.table(ks.s, req.FacetField)
				if err != nil {
					return nil, err
				}
				if err := ft.count(ks.s, req.FacetField, bm, facetTerms, counts); err != nil {
					return nil, err
				}
			}
		}
	}
	if !cut {
		res.Matched = res.Total
	}
	if req.From < len(top) {
		res.Hits = top[req.From:]
	}
	for i, t := range facetTerms {
		if counts[i] > 0 {
			res.Facets = append(res.Facets, Facet{Term: string(t), Count: counts[i]})
		}
	}
	// As bleve orders a terms facet: by count, then by term.
	sort.Slice(res.Facets, func(i, j int) bool {
		if res.Facets[i].Count != res.Facets[j].Count {
			return res.Facets[i].Count > res.Facets[j].Count
		}
		return res.Facets[i].Term < res.Facets[j].Term
	})
	if req.FacetTermsMax > 0 && len(res.Facets) > req.FacetTermsMax {
		res.Facets = res.Facets[:req.FacetTermsMax]
	}
	return res, nil
}

// VisitStored calls visit with each stored field of the hit's document
// (typ 't' text, 'n' number as bleve encodes it; "_id" is the id).
func (h Hit) VisitStored(visit func(name string, typ byte, value []byte) bool) error {
	err := h.seg.VisitDocument(h.local, func(name string, typ byte, value []byte, _ []uint64) bool {
		return visit(name, typ, value)
	})
	if err != nil {
		return fmt.Errorf("search: stored fields of document %d: %w", h.doc, err)
	}
	return nil
}

// facetCache keeps, per segment, which facet terms each document has, so
// that counting the facets of a query's matches is one pass over them.
// Segments are immutable; entries of merged-away segments are dropped.
type facetCache struct {
	mu    sync.Mutex
	bySeg map[facetKey]*facetTable
}

type facetKey struct {
	seg   segment.Segment
	field string
}

// facetTable holds facetSlots term numbers per document (index+1 into
// terms; 0 is none). A nil table means a document has more facet terms
// than slots: counts come from bitmap intersections then.
type facetTable struct {
	terms []string
	slots []uint16
	bms   []*roaring.Bitmap // each term's documents (copies): for large match sets
}

const facetSlots = 3 // category, unit, type

func newFacetCache() *facetCache { return &facetCache{bySeg: map[facetKey]*facetTable{}} }

func (c *facetCache) table(s *scorch.SegmentSnapshot, field string) (*facetTable, error) {
	key := facetKey{s.Segment(), field}
	c.mu.Lock()
	ft, ok := c.bySeg[key]
	c.mu.Unlock()
	if ok {
		return ft, nil
	}
	ft, err := buildFacetTable(key.seg, field)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.bySeg[key] = ft
	return ft, nil
}

// prune drops the tables of segments no longer in segs.
func (c *facetCache) prune(segs []*scorch.SegmentSnapshot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.bySeg) <= len(segs) {
		return
	}
	live := liveSegments(segs)
	for key := range c.bySeg {
		if !live[key.seg] {
			delete(c.bySeg, key)
		}
	}
}

func buildFacetTable(seg segment.Segment, field string) (*facetTable, error) {
	d, err := seg.Dictionary(field)
	if err != nil {
		return nil, err
	}
	it := d.AutomatonIterator(&vellum.AlwaysMatch{}, nil, nil)
	ft := &facetTable{slots: make([]uint16, facetSlots*int(seg.Count()))}
	var pl segment.PostingsList
	for {
		e, err := it.Next()
		if err != nil {
			return nil, err
		}
		if e == nil {
			return ft, nil
		}
		if len(ft.terms) >= math.MaxUint16 {
			return nil, nil
		}
		ft.terms = append(ft.terms, e.Term)
		id := uint16(len(ft.terms))
		if pl, err = d.PostingsList([]byte(e.Term), nil, pl); err != nil {
			return nil, err
		}
		bm, err := postingsBitmap(pl)
		if err != nil {
			return nil, err
		}
		ft.bms = append(ft.bms, bm.Clone())
		docs := bm.Iterator()
		for docs.HasNext() {
			row := ft.slots[facetSlots*int(docs.Next()):][:facetSlots]
			k := 0
			for k < facetSlots && row[k] != 0 {
				k++
			}
			if k == facetSlots {
				return nil, nil
			}
			row[k] = id
		}
	}
}

// count adds the facet counts of cands to counts (indexed as terms).
func (ft *facetTable) count(s *scorch.SegmentSnapshot, field string, cands *roaring.Bitmap, terms [][]byte, counts []int) error {
	if ft == nil {
		d, err := s.Segment().Dictionary(field)
		if err != nil {
			return err
		}
		var pl segment.PostingsList
		for i, t := range terms {
			if pl, err = d.PostingsList(t, s.Deleted(), pl); err != nil {
				return err
			}
			bm, err := postingsBitmap(pl)
			if err != nil {
				return err
			}
			counts[i] += int(cands.AndCardinality(bm))
		}
		return nil
	}
	if cands.GetCardinality() > facetBitmapsFrom {
		// Many matches: intersecting bitmaps (word by word) beats
		// visiting every match.
		return ft.add(ft.countByBitmaps(cands), terms, counts)
	}
	return ft.add(ft.countByTable(cands), terms, counts)
}

// countDocs counts the documents docs per facet term (by ft.terms
// index+1).
func (ft *facetTable) countDocs(docs []uint32) []int {
	local := make([]int, len(ft.terms)+1)
	for _, d := range docs {
		for _, id := range ft.slots[facetSlots*int(d):][:facetSlots] {
			local[id]++
		}
	}
	return local
}

// countByBitmaps counts cands per facet term (by ft.terms index+1).
func (ft *facetTable) countByBitmaps(cands *roaring.Bitmap) []int {
	local := make([]int, len(ft.terms)+1)
	for i, bm := range ft.bms {
		local[i+1] = int(cands.AndCardinality(bm))
	}
	return local
}

// countByTable counts cands per facet term (by ft.terms index+1).
func (ft *facetTable) countByTable(cands *roaring.Bitmap) []int {
	local := make([]int, len(ft.terms)+1)
	it := cands.ManyIterator()
	buf := make([]uint32, 256)
	for n := it.NextMany(buf); n > 0; n = it.NextMany(buf) {
		for _, d := range buf[:n] {
			for _, id := range ft.slots[facetSlots*int(d):][:facetSlots] {
				local[id]++
			}
		}
	}
	return local
}

// facetBitmapsFrom is the number of matches from which facets are
// counted by bitmap intersections instead of the table.
const facetBitmapsFrom = 8192

// add adds the per-segment counts (local, by ft.terms index+1) to counts
// (by terms index).
func (ft *facetTable) add(local []int, terms [][]byte, counts []int) error {
	// terms is sorted (a dictionary's order), as is ft.terms.
	j := 0
	for i, t := range ft.terms {
		for j < len(terms) && string(terms[j]) < t {
			j++
		}
		if j < len(terms) && string(terms[j]) == t {
			counts[j] += local[i+1]
		}
	}
	return nil
}
