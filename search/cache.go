package search

import (
	"fmt"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// resultCache keeps the results of recent queries. Public search traffic
// repeats itself (the same procedures are asked about all day), and a
// search is CPU-bound work that a hit skips entirely.
// Every entry carries the index generation it was computed at; any write,
// swap or synonym change bumps the generation, so a stale result is never
// served. The recency list is golang-lru's (it costs the same as the
// hand-written one it replaced: BENCHMARKS.md, "Standard parts").
type resultCache struct {
	lru  *lru.Cache[string, cacheEntry]
	gen  atomic.Uint64
	hits atomic.Uint64
	miss atomic.Uint64
}

type cacheEntry struct {
	gen uint64
	res Result
}

func newResultCache(capacity int) *resultCache {
	if capacity <= 0 {
		return nil
	}
	c, err := lru.New[string, cacheEntry](capacity)
	if err != nil {
		return nil // capacity > 0 cannot fail
	}
	return &resultCache{lru: c}
}

func cacheKey(q Query, page, per int) string {
	return fmt.Sprintf("%q|%q|%q|%q|%d|%d|%q|%t", Normalize(q.Text), q.Category, q.Unit, q.Type, page, per, q.Sort, q.NoFacets)
}

// generation is read before a search runs; the result is stored under it.
func (c *resultCache) generation() uint64 {
	if c == nil {
		return 0
	}
	return c.gen.Load()
}

// invalidate is called after every change to what a search can return.
func (c *resultCache) invalidate() {
	if c != nil {
		c.gen.Add(1)
	}
}

func (c *resultCache) get(key string) (Result, bool) {
	if c == nil {
		return Result{}, false
	}
	e, ok := c.lru.Get(key)
	if !ok || e.gen != c.gen.Load() {
		c.miss.Add(1)
		return Result{}, false
	}
	c.hits.Add(1)
	return e.res, true
}

func (c *resultCache) put(key string, gen uint64, res Result) {
	if c == nil || gen != c.gen.Load() {
		return // the index changed while this search ran
	}
	c.lru.Add(key, cacheEntry{gen: gen, res: res})
}

// CacheStats reports the result cache's hits and misses since start.
type CacheStats struct {
	Hits, Misses uint64
}

// CacheStats tells how often searches were answered from the cache.
func (x *Index) CacheStats() CacheStats {
	if x.cache == nil {
		return CacheStats{}
	}
	return CacheStats{Hits: x.cache.hits.Load(), Misses: x.cache.miss.Load()}
}

// cached wraps a search: a hit returns at once (Took is the look-up time).
func (x *Index) cached(q Query, page, per int, run func() (Result, error)) (Result, error) {
	if x.cache == nil {
		return run()
	}
	start := time.Now()
	key := cacheKey(q, page, per)
	if res, ok := x.cache.get(key); ok {
		res.Took = time.Since(start)
		return res, nil
	}
	gen := x.cache.generation()
	res, err := run()
	if err == nil {
		x.cache.put(key, gen, res)
	}
	return res, err
}
