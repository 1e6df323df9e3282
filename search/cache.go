package search

import (
	"container/list"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// resultCache keeps the results of recent queries. Public search traffic
// repeats itself (the same procedures are asked about all day), and a
// query over 100,000 items costs 10–20 ms of CPU, so a hit saves a core.
// Every entry carries the index generation it was computed at; any write,
// swap or synonym change bumps the generation, so a stale result is never
// served.
type resultCache struct {
	mu    sync.Mutex
	cap   int
	order *list.List // front = most recent
	byKey map[string]*list.Element
	gen   atomic.Uint64
	hits  atomic.Uint64
	miss  atomic.Uint64
}

type cacheEntry struct {
	key string
	gen uint64
	res Result
}

func newResultCache(capacity int) *resultCache {
	if capacity <= 0 {
		return nil
	}
	return &resultCache{cap: capacity, order: list.New(), byKey: map[string]*list.Element{}}
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
	gen := c.gen.Load()
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok || el.Value.(*cacheEntry).gen != gen {
		c.miss.Add(1)
		return Result{}, false
	}
	c.order.MoveToFront(el)
	c.hits.Add(1)
	return el.Value.(*cacheEntry).res, true
}

func (c *resultCache) put(key string, gen uint64, res Result) {
	if c == nil || gen != c.gen.Load() {
		return // the index changed while this search ran
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[key]; ok {
		el.Value = &cacheEntry{key: key, gen: gen, res: res}
		c.order.MoveToFront(el)
		return
	}
	c.byKey[key] = c.order.PushFront(&cacheEntry{key: key, gen: gen, res: res})
	for c.order.Len() > c.cap {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.byKey, last.Value.(*cacheEntry).key)
	}
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
