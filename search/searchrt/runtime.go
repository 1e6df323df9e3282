// Package searchrt is the life of a server's search index: it opens the
// index, fills it from the database when it is new or far behind, follows
// the change feed, polls the synonyms dictionary and says whether the index
// is ready. The web layer asks it questions; `pakn reindex` uses Reindex.
package searchrt

import (
	"context"
	"errors"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"pakn/models"
	"pakn/search"
)

// PublishedFeed is the database's change feed of published items as the
// search Syncer reads it.
type PublishedFeed struct{ Store *models.Store }

// ChangesAfter implements search.Feed.
func (f PublishedFeed) ChangesAfter(ctx context.Context, after int64, limit int) ([]search.Change, error) {
	cs, err := f.Store.PublishedChangesAfter(ctx, after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]search.Change, len(cs))
	for i, c := range cs {
		ch := search.Change{Seq: c.Seq, ItemID: c.ItemID, CommittedAt: c.CreatedAt, Version: c.Version}
		if c.Deleted || c.Item == nil {
			// Item is nil when the item was withdrawn after this change.
			ch.Deleted = true
		} else {
			it := Item(*c.Item)
			ch.Item = &it
		}
		out[i] = ch
	}
	return out, nil
}

// Item converts the public projection into what the index holds.
func Item(p models.PublishedItem) search.Item {
	title := p.Title
	if p.Type == models.ItemFAQ {
		// An FAQ entry's title is the start of its question: indexing it
		// again would count the question twice against answers.
		title = ""
	}
	return search.Item{
		ID: p.ID, Ref: p.Ref, Type: p.Type, Title: title, Question: p.Question, Answer: p.Answer,
		Category: p.CategoryCode, CategoryName: p.CategoryName, Unit: p.UnitCode, UnitName: p.UnitName,
		Level: p.Level, PublishedAt: p.PublishedAt, URL: "/qa/" + p.ID, Version: p.Version,
	}
}

// Source streams every public item, for rebuilding an index.
func Source(ctx context.Context, st *models.Store) search.Source {
	return func(yield func(search.Item) error) error {
		return st.PublishedItems(ctx, 1000, func(rows []models.PublishedItem) error {
			for _, r := range rows {
				if err := yield(Item(r)); err != nil {
					return err
				}
			}
			return nil
		})
	}
}

// rebuildMargin is how far back a rebuilt index's cursor starts: changes
// of the last minute are replayed (idempotently), so that a transaction
// that took an earlier sequence number but had not committed while the
// items were listed is not skipped.
const rebuildMargin = time.Minute

// rebuildCursor is the change-feed position a rebuilt index starts from.
func rebuildCursor(ctx context.Context, st *models.Store) (int64, error) {
	return st.PublishedSeqBefore(ctx, st.Now().Add(-rebuildMargin))
}

// Reindex rebuilds the index in dir from the database. When a server holds
// the index, the new one is handed over and handedOver is true: that
// server swaps it in on its next poll.
func Reindex(ctx context.Context, st *models.Store, dir string, progress func(done int)) (handedOver bool, err error) {
	cursor, err := rebuildCursor(ctx, st)
	if err != nil {
		return false, err
	}
	idx, err := search.Rebuild(ctx, dir, cursor, Source(ctx, st), progress, search.Options{})
	if errors.Is(err, search.ErrHandedOver) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return false, idx.Close()
}

// Options tune a Runtime.
type Options struct {
	Interval         time.Duration // feed polls (default 1s)
	SynonymsInterval time.Duration // dictionary polls (default 30s)
	GapGrace         time.Duration // see search.SyncOptions
	// CacheSize is the result cache's size (PAKN_SEARCH_CACHE; 0 = the
	// default of 1024, negative = off).
	CacheSize int
	// BleveOnly sends every search through bleve's own searchers
	// (PAKN_SEARCH_EXECUTOR=off; see search.Options).
	BleveOnly bool
	// BuildAside, when set, fills a new index in another process (`pakn
	// reindex`, which hands it over to this one): the build's memory is
	// then never the server's. When it fails the server builds itself.
	BuildAside func(ctx context.Context) error
	// CatchUpLimit is how many changes an existing index may be behind
	// the feed and still catch up through the Syncer (default 10,000);
	// further behind, and a quarter of its size or more, it is rebuilt as
	// a new one is. Catching up on a large backlog writes many small
	// segments in the server and leaves their merges' heap behind (far
	// more resident memory than after a rebuild: BENCHMARKS.md, "Public Q&A
	// search under load", session 3, item 5), and takes longer than a
	// rebuild.
	CatchUpLimit int64
}

// Runtime is a server's search: the index in the data folder, the
// Syncer that keeps it equal to the database, and the synonyms dictionary
// polled from the database (several instances, one dictionary).
type Runtime struct {
	Index  *search.Index
	Syncer *search.Syncer
	store  *models.Store
	log    *slog.Logger
	opts   Options

	building atomic.Bool // the index is being filled from the database
	synMu    sync.Mutex
	synStamp string
}

// Open opens (or creates) the index in dir. An index that cannot be
// opened is discarded; Run then rebuilds it from the database before
// following the feed.
func Open(ctx context.Context, st *models.Store, dir string, log *slog.Logger, opts Options) (*Runtime, error) {
	if log == nil {
		log = slog.Default()
	}
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if opts.SynonymsInterval <= 0 {
		opts.SynonymsInterval = 30 * time.Second
	}
	idx, err := search.Open(dir, search.Options{CacheSize: opts.CacheSize, BleveOnly: opts.BleveOnly})
	if err != nil {
		return nil, err
	}
	rt := &Runtime{Index: idx, store: st, log: log, opts: opts}
	rt.Syncer = search.NewSyncer(idx, PublishedFeed{Store: st}, search.SyncOptions{
		Interval: opts.Interval, GapGrace: opts.GapGrace,
		OnError: func(err error) { log.Error("search sync failed", "err", err) },
	})
	rebuild := idx.Rebuilt()
	if !rebuild {
		if rebuild, err = rt.farBehind(ctx); err != nil {
			idx.Close()
			return nil, err
		}
	}
	rt.building.Store(rebuild)
	if err := st.SeedSynonyms(ctx, SynonymRules(search.DefaultSynonyms())); err != nil {
		idx.Close()
		return nil, err
	}
	if err := rt.LoadSynonyms(ctx); err != nil {
		idx.Close()
		return nil, err
	}
	return rt, nil
}

// farBehind reports whether the index lags the feed by more than
// CatchUpLimit changes and by a quarter of its size (see Options).
func (rt *Runtime) farBehind(ctx context.Context) (bool, error) {
	limit := rt.opts.CatchUpLimit
	if limit <= 0 {
		limit = 10_000
	}
	cursor, err := rt.Index.Cursor()
	if err != nil {
		return false, err
	}
	behind, err := rt.store.CountPublishedChangesAfter(ctx, cursor)
	if err != nil {
		return false, err
	}
	docs, err := rt.Index.DocCount()
	if err != nil {
		return false, err
	}
	if behind <= limit || uint64(behind) < docs/4 {
		return false, nil
	}
	rt.log.Info("the search index is far behind the database; rebuilding it", "behind", behind, "items", docs)
	return true, nil
}

// Run fills a new index from the database if needed, then follows the
// feed and the dictionary until ctx ends.
func (rt *Runtime) Run(ctx context.Context) {
	for {
		err := rt.BuildIfNeeded(ctx)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return
		}
		rt.log.Error("search index rebuild failed; retrying", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Second):
		}
	}
	go rt.pollSynonyms(ctx)
	rt.Syncer.Run(ctx)
}

// BuildIfNeeded fills an index that Open created empty from the database.
func (rt *Runtime) BuildIfNeeded(ctx context.Context) error {
	if !rt.building.Load() {
		return nil
	}
	start := time.Now()
	if err := rt.rebuild(ctx); err != nil {
		return err
	}
	// Replay the changes after the rebuild's cursor now, so that the
	// index is ready (lag zero) when building ends.
	if _, err := rt.Syncer.SyncOnce(ctx); err != nil {
		return err
	}
	n, _ := rt.Index.DocCount()
	rt.log.Info("search index built from the database", "items", n, "took", time.Since(start).Round(time.Millisecond))
	rt.building.Store(false)
	// The build's garbage (analysed batches) is gone: give the pages back
	// to the OS now rather than when the scavenger gets to them, so the
	// serving process's resident memory reflects what it uses.
	debug.FreeOSMemory()
	return nil
}

func (rt *Runtime) rebuild(ctx context.Context) error {
	if rt.opts.BuildAside != nil {
		err := rt.opts.BuildAside(ctx)
		if err == nil {
			var adopted bool
			if adopted, err = rt.Index.AdoptPending(); err == nil && adopted {
				rt.Syncer.Reset()
				return nil
			}
			if err == nil {
				err = errors.New("no index was handed over")
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		rt.log.Warn("building the search index in another process failed; building it here", "err", err)
	}
	cursor, err := rebuildCursor(ctx, rt.store)
	if err != nil {
		return err
	}
	if err := rt.Index.Rebuild(ctx, cursor, Source(ctx, rt.store), nil); err != nil {
		return err
	}
	rt.Syncer.Reset()
	return nil
}

// Building reports whether the index is still being filled.
func (rt *Runtime) Building() bool { return rt.building.Load() }

// Lag is the number of committed changes not yet in the index.
func (rt *Runtime) Lag(ctx context.Context) (int64, error) {
	if rt.building.Load() {
		return -1, errors.New("search index is being built from the database")
	}
	return rt.Syncer.Lag(ctx)
}

// Search answers a public search from the index.
func (rt *Runtime) Search(ctx context.Context, q search.Query) (search.Result, error) {
	return rt.Index.Search(ctx, q)
}

// Readiness is the index's state for /readyz.
type Readiness struct {
	Ready bool   // caught up with the database (lag zero)
	State string // "ok", "building", "catching up" or the error
	Lag   int64  // committed changes not yet in the index (-1 while building)
}

// Readiness tells whether the index has caught up with the database.
func (rt *Runtime) Readiness(ctx context.Context) Readiness {
	lag, err := rt.Lag(ctx)
	switch {
	case rt.Building():
		return Readiness{State: "building", Lag: lag}
	case err != nil:
		return Readiness{State: err.Error(), Lag: lag}
	case lag > 0:
		return Readiness{State: "catching up", Lag: lag}
	}
	return Readiness{Ready: true, State: "ok", Lag: lag}
}

// Notify asks for an early poll (after a publish on this instance).
func (rt *Runtime) Notify() { rt.Syncer.Notify() }

// Close closes the index.
func (rt *Runtime) Close() error { return rt.Index.Close() }

// LoadSynonyms reads the dictionary from the database if it changed.
func (rt *Runtime) LoadSynonyms(ctx context.Context) error {
	rt.synMu.Lock()
	defer rt.synMu.Unlock()
	stamp, err := rt.store.SynonymsStamp(ctx)
	if err != nil {
		return err
	}
	if stamp == rt.synStamp {
		return nil
	}
	rules, err := rt.store.Synonyms(ctx)
	if err != nil {
		return err
	}
	rt.Index.SetSynonyms(searchSynonyms(rules))
	rt.synStamp = stamp
	return nil
}

func (rt *Runtime) pollSynonyms(ctx context.Context) {
	t := time.NewTicker(rt.opts.SynonymsInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := rt.LoadSynonyms(ctx); err != nil && ctx.Err() == nil {
				rt.log.Error("search synonyms reload failed", "err", err)
			}
		}
	}
}

// SynonymRules converts dictionary entries into what the database stores.
func SynonymRules(in []search.Synonym) []models.SynonymRule {
	out := make([]models.SynonymRule, 0, len(in))
	for _, s := range in {
		out = append(out, models.SynonymRule{Term: s.Term, Expansions: strings.Join(s.Expansions, "; ")})
	}
	return out
}

func searchSynonyms(in []models.SynonymRule) []search.Synonym {
	out := make([]search.Synonym, 0, len(in))
	for _, r := range in {
		out = append(out, search.Synonym{Term: r.Term, Expansions: r.ExpansionList()})
	}
	return out
}
