package search

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"
)

// Change is one entry of the database's ordered change feed of published
// items.
type Change struct {
	Seq         int64
	ItemID      string
	Deleted     bool
	Item        *Item // nil when Deleted
	CommittedAt time.Time
	// Version is the item's version at deletion (optional). With it, an
	// older upsert that commits late cannot bring a deleted item back.
	Version int
}

// Feed reads the change feed.
type Feed interface {
	// ChangesAfter returns up to limit committed changes with Seq > after,
	// in Seq order.
	ChangesAfter(ctx context.Context, after int64, limit int) ([]Change, error)
}

// SyncOptions tune a Syncer. The zero value is usable.
type SyncOptions struct {
	Interval  time.Duration // between polls (default 1s)
	BatchSize int           // changes per feed read (default 500)
	// GapGrace is how long a missing sequence number is waited for before
	// it is taken as a rolled-back transaction (default 10s).
	GapGrace time.Duration
	Now      func() time.Time // clock, for tests (default time.Now)
	OnError  func(error)      // called by Run on failed polls
}

// Syncer keeps an Index equal to a Feed.
//
// Sequence numbers can commit out of order: a transaction that took seq 5
// may commit after one that took seq 6. The Syncer applies every change it
// sees at once (so 6 is searchable immediately) but only advances the
// persisted cursor over a contiguous run of applied numbers. A missing
// number holds the cursor back until it shows up or has been missing for
// GapGrace; after that it is taken as rolled back and skipped. Changes
// above the cursor are remembered in memory so they are not re-applied on
// every poll. GapGrace must exceed the longest publishing transaction.
// After a restart they are re-applied, which is harmless
// because applying is idempotent (newest version wins).
type Syncer struct {
	idx  *Index
	feed Feed
	opts SyncOptions
	wake chan struct{}

	mu      sync.Mutex          // one pass at a time; guards the fields below
	applied map[int64]bool      // applied seqs above the cursor
	gaps    map[int64]time.Time // first time a gap starting at seq was seen
}

// NewSyncer returns a Syncer for idx and feed.
func NewSyncer(idx *Index, feed Feed, opts SyncOptions) *Syncer {
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 500
	}
	if opts.GapGrace <= 0 {
		opts.GapGrace = 10 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Syncer{idx: idx, feed: feed, opts: opts, wake: make(chan struct{}, 1),
		applied: map[int64]bool{}, gaps: map[int64]time.Time{}}
}

// Notify wakes Run for an early poll (e.g. right after a publish).
func (s *Syncer) Notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run polls until ctx ends. Each poll first adopts an index that a
// `pakn reindex` in another process left ready, then syncs.
func (s *Syncer) Run(ctx context.Context) {
	t := time.NewTicker(s.opts.Interval)
	defer t.Stop()
	for {
		if ok, err := s.idx.AdoptPending(); err != nil {
			s.report(fmt.Errorf("search: adopt rebuilt index: %w", err))
		} else if ok {
			s.Reset()
		}
		if _, err := s.SyncOnce(ctx); err != nil && ctx.Err() == nil {
			s.report(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
		}
	}
}

func (s *Syncer) report(err error) {
	if s.opts.OnError != nil {
		s.opts.OnError(err)
	}
}

// Reset forgets in-memory progress; call it after the index was swapped.
func (s *Syncer) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.applied = map[int64]bool{}
	s.gaps = map[int64]time.Time{}
}

// SyncOnce reads every change after the cursor, applies the ones not yet
// applied and advances the cursor as far as gaps allow. It returns the
// number of changes applied.
func (s *Syncer) SyncOnce(ctx context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cursor, err := s.idx.Cursor()
	if err != nil {
		return 0, err
	}
	for seq := range s.applied {
		if seq <= cursor {
			delete(s.applied, seq)
		}
	}
	applied := 0
	after := cursor
	for {
		changes, err := s.feed.ChangesAfter(ctx, after, s.opts.BatchSize)
		if err != nil {
			return applied, fmt.Errorf("search: read changes after %d: %w", after, err)
		}
		if len(changes) == 0 {
			break
		}
		todo := changes[:0:0]
		for _, c := range changes {
			if !s.applied[c.Seq] {
				todo = append(todo, c)
			}
		}
		if err := s.idx.apply(ctx, todo, false); err != nil {
			return applied, err
		}
		for _, c := range todo {
			s.applied[c.Seq] = true
		}
		applied += len(todo)
		after = changes[len(changes)-1].Seq
		if len(changes) < s.opts.BatchSize {
			break
		}
	}
	if next := s.advance(cursor); next != cursor {
		if err := s.idx.SetCursor(next); err != nil {
			return applied, err
		}
	}
	return applied, nil
}

// advance moves the cursor over applied seqs and over gaps older than the
// grace period, and returns the new cursor.
func (s *Syncer) advance(cursor int64) int64 {
	if len(s.applied) == 0 {
		return cursor
	}
	seqs := make([]int64, 0, len(s.applied))
	for seq := range s.applied {
		seqs = append(seqs, seq)
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	now := s.opts.Now()
	for _, seq := range seqs {
		if seq > cursor+1 { // gap [cursor+1, seq-1]
			// A gap partly filled since restarts its wait: conservative.
			since, ok := s.gaps[cursor+1]
			if !ok {
				s.gaps[cursor+1] = now
				break
			}
			if now.Sub(since) < s.opts.GapGrace {
				break
			}
			// Waited long enough: a rolled-back transaction.
		}
		cursor = seq
		delete(s.applied, seq)
	}
	for start := range s.gaps {
		if start <= cursor {
			delete(s.gaps, start)
		}
	}
	return cursor
}

// Lag is the number of committed changes not yet applied to the index
// (gaps are not counted: nothing is visible to apply there). /readyz is
// ready when it is zero.
func (s *Syncer) Lag(ctx context.Context) (int64, error) {
	s.mu.Lock()
	applied := make(map[int64]bool, len(s.applied))
	for k := range s.applied {
		applied[k] = true
	}
	s.mu.Unlock()
	after, err := s.idx.Cursor()
	if err != nil {
		return 0, err
	}
	var lag int64
	for {
		changes, err := s.feed.ChangesAfter(ctx, after, s.opts.BatchSize)
		if err != nil {
			return 0, fmt.Errorf("search: read changes after %d: %w", after, err)
		}
		for _, c := range changes {
			if !applied[c.Seq] {
				lag++
			}
		}
		if len(changes) < s.opts.BatchSize {
			return lag, nil
		}
		after = changes[len(changes)-1].Seq
	}
}
