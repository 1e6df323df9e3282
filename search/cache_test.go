package search

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
)

// A repeated query is answered from the cache, and any change to the index
// (a new item, a deletion, new synonyms) is seen by the very next search.
func TestResultCacheInvalidation(t *testing.T) {
	ctx := context.Background()
	idx := newTestIndex(t,
		faq(1, "Thủ tục đăng ký thường trú", "Nộp hồ sơ tại Công an xã."),
		faq(2, "Cấp giấy phép lái xe", "Nộp hồ sơ tại Sở Giao thông vận tải."),
	)
	q := Query{Text: "dang ky thuong tru"}
	first := mustSearch(t, idx, q)
	before := idx.CacheStats()
	again := mustSearch(t, idx, q)
	if got := idx.CacheStats(); got.Hits != before.Hits+1 {
		t.Fatalf("second search was not a cache hit: %+v → %+v", before, got)
	}
	if !slices.Equal(ids(first), ids(again)) {
		t.Fatalf("cached result differs: %v vs %v", ids(first), ids(again))
	}

	if err := idx.Upsert(ctx, faq(3, "Đăng ký thường trú cho con mới sinh", "Cha mẹ đăng ký tại Công an xã.")); err != nil {
		t.Fatal(err)
	}
	if got := ids(mustSearch(t, idx, q)); !slices.Contains(got, "faq-3") {
		t.Fatalf("new item not found after upsert (stale cache?): %v", got)
	}
	if err := idx.Delete(ctx, "faq-1"); err != nil {
		t.Fatal(err)
	}
	if got := ids(mustSearch(t, idx, q)); slices.Contains(got, "faq-1") {
		t.Fatalf("deleted item still found (stale cache?): %v", got)
	}

	// A new dictionary entry takes effect on the next search.
	q2 := Query{Text: "xyzzy"}
	if got := ids(mustSearch(t, idx, q2)); len(got) != 0 {
		t.Fatalf("made-up word matched: %v", got)
	}
	idx.SetSynonyms([]Synonym{{Term: "xyzzy", Expansions: []string{"giấy phép lái xe"}}})
	if got := ids(mustSearch(t, idx, q2)); !slices.Contains(got, "faq-2") {
		t.Fatalf("synonym change not seen (stale cache?): %v", got)
	}
}

// With the cache off every search runs.
func TestResultCacheOff(t *testing.T) {
	idx, err := Open(t.TempDir()+"/idx", Options{CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	mustSearch(t, idx, Query{Text: "thu tuc"})
	mustSearch(t, idx, Query{Text: "thu tuc"})
	if got := idx.CacheStats(); got.Hits != 0 {
		t.Fatalf("hits with the cache off: %+v", got)
	}
}

// BenchmarkSearchCached is a search answered from the result cache, from
// 16 goroutines over 1,024 distinct queries (the cache's default size):
// the cost of the cache itself.
func BenchmarkSearchCached(b *testing.B) {
	idx := newTestIndex(b, synthItems(5, 0, 200)...)
	qs := make([]Query, 1024)
	for i := range qs {
		qs[i] = Query{Text: benchQueries[i%len(benchQueries)], Page: 1 + i/len(benchQueries)}
		mustSearch(b, idx, qs[i])
	}
	var n atomic.Uint64
	b.SetParallelism(8) // 16 goroutines on 2 cores
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := idx.Search(context.Background(), qs[n.Add(1)%uint64(len(qs))]); err != nil {
				b.Error(err)
			}
		}
	})
	if st := idx.CacheStats(); st.Misses > uint64(len(qs)) {
		b.Fatalf("cache misses %d", st.Misses)
	}
}
