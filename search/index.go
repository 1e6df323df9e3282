// Package search is PAKN's public Q&A search: a bleve index of published
// items (FAQ entries and published answers, public fields only) with
// Vietnamese analysis, query-time synonyms, facets and highlighting, and a
// Syncer that keeps the index equal to the database's change feed.
package search

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	index "github.com/blevesearch/bleve_index_api"

	"pakn/search/internal/engine"
)

// Item is one published, searchable item. Only public fields belong here.
type Item struct {
	ID           string // "faq-<n>" or "answer-<n>", the stable document id
	Ref          string // id an FAQ entry was imported with; may be empty
	Type         string // "faq" | "answer"
	Title        string
	Question     string
	Answer       string
	Category     string // code
	CategoryName string // Vietnamese name
	Unit         string // code
	UnitName     string
	Level        string // province | district | commune
	PublishedAt  time.Time
	URL          string
	Version      int
}

// Options tune an Index. The zero value is usable.
type Options struct {
	// BatchSize is the number of items per bleve batch in Upsert and
	// rebuilds (default 1000: with 500, merging the many small segments
	// cost a tenth more indexing time).
	BatchSize int
	// StrictMinHits is the number of hits the strict phase of Search (every
	// syllable required) must find to be the answer; with fewer, the broad
	// query runs. 0 means one page (PerPage); negative disables the strict
	// phase.
	StrictMinHits int
	// MaxSearches is the number of searches that run at once (default
	// GOMAXPROCS); others wait their turn, in order (slots.go). Searches
	// are CPU-bound: running more than there are cores only makes each
	// slower and multiplies the memory in use.
	MaxSearches int
	// CacheSize is how many recent results are kept (default 1024);
	// negative turns the cache off.
	CacheSize int
	// PostingCacheMB bounds the memory of decoded postings kept for the
	// terms of recent queries (default 16); negative turns it off.
	PostingCacheMB int
	// BleveOnly sends every query through bleve's own searchers instead of
	// the executor (PAKN_SEARCH_EXECUTOR=off): the safe fallback when a
	// bleve upgrade or a doubt about the executor's results comes up.
	BleveOnly bool
}

// executor answers the queries buildQuery makes from an index snapshot,
// or says engine.ErrUnsupported (search/internal/engine).
type executor interface {
	Execute(ctx context.Context, r index.IndexReader, req engine.Request) (*engine.Result, error)
}

func (o Options) cacheSize() int {
	if o.CacheSize == 0 {
		return 1024
	}
	return o.CacheSize
}

func (o Options) postingCacheBytes() int64 {
	if o.PostingCacheMB == 0 {
		return 16 << 20
	}
	return int64(o.PostingCacheMB) << 20
}

func (o Options) maxSearches() int {
	if o.MaxSearches > 0 {
		return o.MaxSearches
	}
	return max(1, runtime.GOMAXPROCS(0))
}

func (o Options) strictMinHits(perPage int) int {
	switch {
	case o.StrictMinHits < 0:
		return 0
	case o.StrictMinHits == 0:
		return perPage
	}
	return o.StrictMinHits
}

func (o Options) batchSize() int {
	if o.BatchSize <= 0 {
		return 1000
	}
	return o.BatchSize
}

var (
	// ErrLocked means another process holds the index folder open.
	ErrLocked = errors.New("search: index folder is locked by another process")
	// ErrHandedOver is returned by Rebuild when a running process holds the
	// index: the new index waits beside it and that process adopts it
	// (Index.AdoptPending, called by its Syncer on every poll).
	ErrHandedOver = errors.New("search: rebuilt index handed over to the process holding the index")
	// ErrClosed is returned by operations on a closed Index.
	ErrClosed = errors.New("search: index is closed")
)

// Internal keys stored in the index beside the documents.
var (
	keyMapping = []byte("pakn/mapping")
	keyCursor  = []byte("pakn/cursor")
)

func tombKey(id string) []byte { return []byte("pakn/tomb/" + id) }

// Index is a bleve index behind a RWMutex so that it can be swapped for a
// freshly rebuilt one while searches run: readers hold the read lock, the
// swap holds the write lock only for close/rename/open.
type Index struct {
	dir  string
	opts Options
	lock *dirLock

	mu sync.RWMutex
	bi bleve.Index // nil once closed

	slots *searchSlots // running searches; nil while building
	cache *resultCache // nil when off

	writeMu sync.Mutex // serialises writers so version checks are not racy
	docs    *docBuilder
	rebuilt bool
	// exec answers queries faster than bleve's searchers, with the same
	// results (search/internal/engine); nil sends every query to bleve
	// (Options.BleveOnly, PAKN_SEARCH_EXECUTOR=off).
	exec     executor
	executed atomic.Uint64 // searches the executor answered
	memo     atomic.Pointer[snapMemo]
	synonyms atomic.Pointer[synonymSet]
}

// Open opens the index in dir or creates it. An index that cannot be opened
// (corrupt, or written with another mapping version) is removed and created
// empty; Rebuilt then reports true, as it does for a new index, and the
// caller should rebuild it from the database.
func Open(dir string, opts Options) (*Index, error) {
	dir = filepath.Clean(dir)
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, fmt.Errorf("search: create parent of %s: %w", dir, err)
	}
	lk, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	bi, rebuilt, err := openOrCreate(dir)
	if err != nil {
		lk.unlock()
		return nil, err
	}
	x, err := newIndex(dir, opts, lk, bi)
	if err != nil {
		bi.Close()
		lk.unlock()
		return nil, err
	}
	x.rebuilt = rebuilt
	return x, nil
}

func newIndex(dir string, opts Options, lk *dirLock, bi bleve.Index) (*Index, error) {
	docs, err := newDocBuilder(bi.Mapping())
	if err != nil {
		return nil, err
	}
	x := &Index{dir: dir, opts: opts, lock: lk, bi: bi, docs: docs,
		slots: newSearchSlots(opts.maxSearches()), cache: newResultCache(opts.cacheSize())}
	if !opts.BleveOnly {
		x.exec = engine.New(opts.postingCacheBytes())
	}
	x.SetSynonyms(DefaultSynonyms())
	return x, nil
}

func openOrCreate(dir string) (bleve.Index, bool, error) {
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		bi, err := create(dir)
		return bi, true, err
	}
	bi, err := openExisting(dir)
	if err == nil {
		return bi, false, nil
	}
	// Unusable: move aside first (a rename cannot half-fail), then delete.
	aside := fmt.Sprintf("%s.broken-%d", dir, time.Now().UnixNano())
	if rerr := os.Rename(dir, aside); rerr != nil {
		return nil, false, fmt.Errorf("search: move aside unusable index (%v): %w", err, rerr)
	}
	_ = os.RemoveAll(aside)
	bi, err = create(dir)
	return bi, true, err
}

func openExisting(dir string) (bi bleve.Index, err error) {
	defer func() {
		// A damaged segment can make bleve panic instead of failing.
		if r := recover(); r != nil {
			bi, err = nil, fmt.Errorf("search: open %s: panic: %v", dir, r)
		}
	}()
	bi, err = bleve.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("search: open %s: %w", dir, err)
	}
	v, err := bi.GetInternal(keyMapping)
	if err != nil || string(v) != mappingVersion {
		bi.Close()
		return nil, fmt.Errorf("search: %s has mapping version %q, want %q", dir, v, mappingVersion)
	}
	// Force a read so that a damaged store is found now, not by a user.
	if _, err := bi.DocCount(); err != nil {
		bi.Close()
		return nil, fmt.Errorf("search: read %s: %w", dir, err)
	}
	return bi, nil
}

// indexType is bleve's scorch index (its name, not the package: only
// search/internal imports bleve's internals).
const indexType = "scorch"

func create(dir string) (bleve.Index, error) {
	bi, err := bleve.NewUsing(dir, newMapping(), indexType, indexType, nil)
	if err != nil {
		return nil, fmt.Errorf("search: create index %s: %w", dir, err)
	}
	if err := bi.SetInternal(keyMapping, []byte(mappingVersion)); err != nil {
		bi.Close()
		return nil, fmt.Errorf("search: write mapping version: %w", err)
	}
	return bi, nil
}

// Dir is the folder the index lives in.
func (x *Index) Dir() string { return x.dir }

// Rebuilt reports whether Open created the index empty (new folder, or an
// unusable index was discarded), so the caller must fill it from the
// database.
func (x *Index) Rebuilt() bool { return x.rebuilt }

// with runs f with the current bleve index under the read lock.
func (x *Index) with(f func(bleve.Index) error) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.bi == nil {
		return ErrClosed
	}
	return f(x.bi)
}

// Close closes the index and releases the folder lock.
func (x *Index) Close() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.bi == nil {
		return nil
	}
	err := x.bi.Close()
	x.bi = nil
	if x.slots != nil {
		x.slots.close()
	}
	if uerr := x.lock.unlock(); err == nil {
		err = uerr
	}
	if err != nil {
		return fmt.Errorf("search: close: %w", err)
	}
	return nil
}

// DocCount is the number of indexed items.
func (x *Index) DocCount() (uint64, error) {
	var n uint64
	err := x.with(func(bi bleve.Index) (err error) {
		n, err = bi.DocCount()
		return err
	})
	return n, err
}

// Cursor is the change-feed position persisted in the index: every change
// with a sequence number up to it has been applied (or given up on).
func (x *Index) Cursor() (int64, error) {
	var v int64
	err := x.with(func(bi bleve.Index) error {
		b, err := bi.GetInternal(keyCursor)
		if err != nil {
			return fmt.Errorf("search: read cursor: %w", err)
		}
		v = atoi(b)
		return nil
	})
	return v, err
}

// SetCursor persists the change-feed position.
func (x *Index) SetCursor(seq int64) error {
	return x.with(func(bi bleve.Index) error {
		if err := bi.SetInternal(keyCursor, itoa(seq)); err != nil {
			return fmt.Errorf("search: write cursor: %w", err)
		}
		return nil
	})
}

// Upsert indexes items in batches, replacing documents with the same ID.
// An item older (lower Version) than the indexed copy, or not newer than
// the version it was deleted at, is skipped: re-applying is idempotent.
func (x *Index) Upsert(ctx context.Context, items ...Item) error {
	changes := make([]Change, len(items))
	for i := range items {
		changes[i] = Change{ItemID: items[i].ID, Item: &items[i]}
	}
	return x.apply(ctx, changes, false)
}

// Delete removes items by ID; unknown IDs are ignored.
func (x *Index) Delete(ctx context.Context, ids ...string) error {
	changes := make([]Change, len(ids))
	for i, id := range ids {
		changes[i] = Change{ItemID: id, Deleted: true}
	}
	return x.apply(ctx, changes, false)
}

// apply reduces changes to one operation per item (the newest version
// wins) and writes them in batches, several at a time: bleve builds a
// batch's segment on the calling goroutine, so concurrent batches use every
// core. Batches touch disjoint items, so their order does not matter.
// fresh (an index being built, which holds neither these items nor
// tombstones) skips reading the indexed versions.
func (x *Index) apply(ctx context.Context, changes []Change, fresh bool) error {
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	defer x.cache.invalidate()
	ops := reduce(changes)
	n := x.opts.batchSize()
	sem := make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for start := 0; start < len(ops); start += n {
		if err := ctx.Err(); err != nil {
			mu.Lock()
			firstErr = cmp.Or(firstErr, err)
			mu.Unlock()
			break
		}
		chunk := ops[start:min(start+n, len(ops))]
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			err := x.with(func(bi bleve.Index) error { return writeOps(bi, x.docs, chunk, fresh) })
			if err != nil {
				mu.Lock()
				firstErr = cmp.Or(firstErr, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// op is the net effect of a run of changes on one item.
type op struct {
	id      string
	del     bool
	version int
	item    *Item
}

func reduce(changes []Change) []*op {
	byID := make(map[string]*op, len(changes))
	order := make([]*op, 0, len(changes))
	for _, c := range changes {
		id := c.ItemID
		if id == "" && c.Item != nil {
			id = c.Item.ID
		}
		if id == "" || (!c.Deleted && c.Item == nil) {
			continue
		}
		cur := byID[id]
		if cur == nil {
			cur = &op{id: id, version: -1}
			byID[id] = cur
			order = append(order, cur)
		}
		if c.Deleted {
			v := c.Version
			if c.Item != nil && c.Item.Version > v {
				v = c.Item.Version
			}
			if !cur.del && cur.item != nil && v != 0 && cur.version > v {
				continue // a newer version was published after this deletion
			}
			*cur = op{id: id, del: true, version: max(v, cur.version, 0)}
			continue
		}
		if cur.version > c.Item.Version || (cur.del && cur.version >= c.Item.Version) {
			continue
		}
		*cur = op{id: id, version: c.Item.Version, item: c.Item}
	}
	return order
}

// writeOps compares the operations with what is indexed and writes them as
// one bleve batch.
func writeOps(bi bleve.Index, docs *docBuilder, ops []*op, fresh bool) error {
	var indexed map[string]int
	if !fresh {
		ids := make([]string, len(ops))
		for i, o := range ops {
			ids[i] = o.id
		}
		var err error
		if indexed, err = indexedVersions(bi, ids); err != nil {
			return err
		}
	}
	b := bi.NewBatch()
	for _, o := range ops {
		id := o.id
		iv, has := indexed[id]
		var tomb []byte
		if !fresh {
			var err error
			if tomb, err = bi.GetInternal(tombKey(id)); err != nil {
				return fmt.Errorf("search: read tombstone of %s: %w", id, err)
			}
		}
		if o.del {
			v := o.version
			if has && iv > v {
				v = iv
			}
			if tomb != nil && int(atoi(tomb)) > v {
				v = int(atoi(tomb))
			}
			b.Delete(id)
			// The tombstone stops a late, older upsert from resurrecting it.
			b.SetInternal(tombKey(id), itoa(int64(v)))
			continue
		}
		if has && o.version < iv {
			continue
		}
		if tomb != nil && o.version <= int(atoi(tomb)) {
			continue
		}
		if tomb != nil {
			b.DeleteInternal(tombKey(id))
		}
		it := *o.item
		it.ID = id
		if err := b.IndexAdvanced(docs.build(it)); err != nil {
			return fmt.Errorf("search: index %s: %w", id, err)
		}
	}
	if b.Size() == 0 {
		return nil
	}
	if err := bi.Batch(b); err != nil {
		return fmt.Errorf("search: write batch of %d: %w", b.Size(), err)
	}
	return nil
}

func indexedVersions(bi bleve.Index, ids []string) (map[string]int, error) {
	req := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery(ids), len(ids), 0, false)
	req.Fields = []string{fVersion}
	res, err := bi.Search(req)
	if err != nil {
		return nil, fmt.Errorf("search: read indexed versions: %w", err)
	}
	out := make(map[string]int, len(res.Hits))
	for _, h := range res.Hits {
		v, _ := h.Fields[fVersion].(float64)
		out[h.ID] = int(v)
	}
	return out, nil
}

// Source streams every item that belongs in a fresh index.
type Source func(yield func(Item) error) error

// build fills a new index in dir from src and closes it.
//
// The index is created with the ordinary configuration (it is stored with
// it, and the index is then served and updated as any other) and reopened
// for the build with engine.BulkConfig, which bleve does not store: no
// merges while it fills, no waiting for each batch to be written, one
// merge at the end. Merging as the index grows rewrote each item two or
// three times: 17 % of the build's CPU.
func build(ctx context.Context, dir string, cursor int64, src Source, progress func(done int), opts Options) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("search: clear %s: %w", dir, err)
	}
	bi, err := create(dir)
	if err != nil {
		return err
	}
	if err := bi.Close(); err != nil {
		return fmt.Errorf("search: build %s: close new index: %w", dir, err)
	}
	if bi, err = bleve.OpenUsing(dir, engine.BulkConfig()); err != nil {
		return fmt.Errorf("search: build %s: %w", dir, err)
	}
	docs, err := newDocBuilder(bi.Mapping())
	if err != nil {
		bi.Close()
		return err
	}
	x := &Index{dir: dir, opts: opts, bi: bi, docs: docs}
	defer x.Close()
	err = x.fill(ctx, src, progress)
	if err == nil {
		err = x.persist(ctx, nil, nil) // only written segments are merged
	}
	if err == nil {
		err = x.compact(ctx)
	}
	if err == nil {
		// After the merge: the snapshot that holds the merged segment is
		// written before this.
		err = x.persist(ctx, keyCursor, itoa(cursor))
	}
	if err != nil {
		return fmt.Errorf("search: build %s: %w", dir, err)
	}
	return x.Close()
}

// keyFlush is an internal key that persist deletes when it has nothing
// to write: a batch that changes nothing still gets its turn.
var keyFlush = []byte("pakn/flush")

// persist writes key=val (nothing when key is nil) and waits until that
// and every earlier batch are on disk. An index opened with
// engine.BulkConfig does not wait for its batches, and closing it drops
// those not yet written.
func (x *Index) persist(ctx context.Context, key, val []byte) error {
	return x.with(func(bi bleve.Index) error {
		b := bi.NewBatch()
		if key != nil {
			b.SetInternal(key, val)
		} else {
			b.DeleteInternal(keyFlush)
		}
		done := make(chan error, 1)
		b.SetPersistedCallback(func(err error) { done <- err })
		if err := bi.Batch(b); err != nil {
			return fmt.Errorf("search: write: %w", err)
		}
		select {
		case err := <-done:
			if err != nil {
				return fmt.Errorf("search: write to disk: %w", err)
			}
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
}

// compact merges the index's segments into one: a search opens a postings
// iterator per segment and term, and each segment keeps its own
// dictionaries in memory.
func (x *Index) compact(ctx context.Context) error {
	return x.with(func(bi bleve.Index) error {
		adv, err := bi.Advanced()
		if err != nil {
			return fmt.Errorf("search: index internals: %w", err)
		}
		return engine.Merge(ctx, adv)
	})
}

// Segments is the number of index segments (for benchmarks and logs).
func (x *Index) Segments() (files, memory uint64) {
	_ = x.with(func(bi bleve.Index) error {
		adv, err := bi.Advanced()
		if err != nil {
			return nil
		}
		files, memory = engine.SegmentCounts(adv)
		return nil
	})
	return files, memory
}

// fill indexes src into an index being built, which holds neither these
// items nor tombstones. Reading the source (the database) overlaps with
// indexing: a reader goroutine cuts it into batches, and one writer per
// core builds a bleve batch (its segment is built on the calling
// goroutine) as soon as one is read, without waiting for the others. A
// source lists each item once (a repeated ID is resolved within one batch
// only).
func (x *Index) fill(ctx context.Context, src Source, progress func(done int)) error {
	size := x.opts.batchSize()
	workers := max(1, runtime.GOMAXPROCS(0))
	batches := make(chan []Change, workers)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var srcErr error
	go func() {
		defer close(batches)
		batch := make([]Change, 0, size)
		send := func() error {
			select {
			case batches <- batch:
				batch = make([]Change, 0, size)
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		srcErr = src(func(it Item) error {
			batch = append(batch, Change{ItemID: it.ID, Item: &it})
			if len(batch) == size {
				return send()
			}
			return nil
		})
		if srcErr == nil && len(batch) > 0 {
			srcErr = send()
		}
	}()
	var (
		mu       sync.Mutex
		firstErr error
		done     int
		wg       sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				err := ctx.Err()
				if err == nil {
					err = x.with(func(bi bleve.Index) error { return writeOps(bi, x.docs, reduce(b), true) })
				}
				mu.Lock()
				if err != nil {
					firstErr = cmp.Or(firstErr, err)
					cancel() // stops the reader; drain until it closes batches
				} else if firstErr == nil {
					done += len(b)
					if progress != nil {
						progress(done)
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return cmp.Or(firstErr, srcErr)
}

func stagingDir(dir string) string { return dir + ".new" }
func pendingDir(dir string) string { return dir + ".pending" }
func readyMark(dir string) string  { return pendingDir(dir) + ".ready" }

// Rebuild builds a complete index from src beside dir and swaps it in.
//
// cursor is the change-feed position the new index starts from: read the
// feed's highest sequence number before listing the items (changes after
// it are replayed by the Syncer; replaying is idempotent).
//
// When no process holds dir, the old folder is replaced by renames and the
// new index is returned open. When one does (a running server),
// Rebuild leaves the new index as "<dir>.pending" and returns
// ErrHandedOver; that server's Syncer adopts it on its next poll.
func Rebuild(ctx context.Context, dir string, cursor int64, src Source, progress func(done int), opts Options) (*Index, error) {
	dir = filepath.Clean(dir)
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, fmt.Errorf("search: create parent of %s: %w", dir, err)
	}
	stage := stagingDir(dir)
	if err := build(ctx, stage, cursor, src, progress, opts); err != nil {
		_ = os.RemoveAll(stage)
		return nil, err
	}
	lk, err := lockDir(dir)
	if errors.Is(err, ErrLocked) {
		_ = os.Remove(readyMark(dir))
		_ = os.RemoveAll(pendingDir(dir))
		if err := os.Rename(stage, pendingDir(dir)); err != nil {
			return nil, fmt.Errorf("search: hand over rebuilt index: %w", err)
		}
		if err := os.WriteFile(readyMark(dir), nil, 0o644); err != nil {
			return nil, fmt.Errorf("search: mark rebuilt index ready: %w", err)
		}
		return nil, ErrHandedOver
	}
	if err != nil {
		return nil, err
	}
	if err := replaceDir(dir, stage); err != nil {
		lk.unlock()
		return nil, err
	}
	bi, err := openExisting(dir)
	if err != nil {
		lk.unlock()
		return nil, err
	}
	x, err := newIndex(dir, opts, lk, bi)
	if err != nil {
		bi.Close()
		lk.unlock()
		return nil, err
	}
	return x, nil
}

// replaceDir puts the closed index in src at dir by renames; the old one is
// moved aside first and removed afterwards.
func replaceDir(dir, src string) error {
	old := fmt.Sprintf("%s.old-%d", dir, time.Now().UnixNano())
	if err := os.Rename(dir, old); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("search: move old index aside: %w", err)
	}
	if err := os.Rename(src, dir); err != nil {
		_ = os.Rename(old, dir)
		return fmt.Errorf("search: move new index in place: %w", err)
	}
	_ = os.RemoveAll(old)
	return nil
}

// Rebuild builds a fresh index from src aside while this one keeps serving,
// then swaps it in; searches wait only for the swap itself.
func (x *Index) Rebuild(ctx context.Context, cursor int64, src Source, progress func(done int)) error {
	stage := stagingDir(x.dir)
	if err := build(ctx, stage, cursor, src, progress, x.opts); err != nil {
		_ = os.RemoveAll(stage)
		return err
	}
	return x.swapIn(stage)
}

// AdoptPending swaps in an index that Rebuild in another process (e.g.
// `pakn reindex` next to a running server) left ready beside this one.
func (x *Index) AdoptPending() (bool, error) {
	if _, err := os.Stat(readyMark(x.dir)); err != nil {
		return false, nil
	}
	if err := x.swapIn(pendingDir(x.dir)); err != nil {
		return false, err
	}
	_ = os.Remove(readyMark(x.dir))
	return true, nil
}

// swapIn closes the current bleve index, replaces the folder with src and
// opens it. bleve must be closed before the rename: scorch keeps writing
// into the path it was opened with.
func (x *Index) swapIn(src string) error {
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	defer x.cache.invalidate()
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.bi == nil {
		return ErrClosed
	}
	if err := x.bi.Close(); err != nil {
		return fmt.Errorf("search: close index for swap: %w", err)
	}
	x.bi = nil
	if err := replaceDir(x.dir, src); err != nil {
		// Still serve the old index if it is intact.
		if bi, oerr := openExisting(x.dir); oerr == nil {
			x.bi = bi
		}
		return err
	}
	bi, err := openExisting(x.dir)
	if err != nil {
		return fmt.Errorf("search: open swapped index: %w", err)
	}
	x.bi = bi
	x.rebuilt = false
	return nil
}

// String is for logs.
func (x *Index) String() string { return "search.Index(" + strings.TrimSpace(x.dir) + ")" }
