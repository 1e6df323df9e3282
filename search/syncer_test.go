package search

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"
)

// memFeed is an in-memory change feed in which changes become visible in
// commit order, not sequence order.
type memFeed struct {
	mu      sync.Mutex
	changes []Change
}

func (f *memFeed) commit(cs ...Change) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.changes = append(f.changes, cs...)
	sort.Slice(f.changes, func(i, j int) bool { return f.changes[i].Seq < f.changes[j].Seq })
}

func (f *memFeed) ChangesAfter(_ context.Context, after int64, limit int) ([]Change, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Change
	for _, c := range f.changes {
		if c.Seq > after && len(out) < limit {
			out = append(out, c)
		}
	}
	return out, nil
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func upsert(seq int64, n, version int, q string) Change {
	it := faq(n, q, "nội dung")
	it.Version = version
	return Change{Seq: seq, ItemID: it.ID, Item: &it}
}

func del(seq int64, n, version int) Change {
	return Change{Seq: seq, ItemID: fmt.Sprintf("faq-%d", n), Deleted: true, Version: version}
}

func syncOnce(t *testing.T, s *Syncer) int {
	t.Helper()
	n, err := s.SyncOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func cursorOf(t *testing.T, idx *Index) int64 {
	t.Helper()
	c, err := idx.Cursor()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func lagOf(t *testing.T, s *Syncer) int64 {
	t.Helper()
	l, err := s.Lag(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestSyncerOutOfOrderCommit(t *testing.T) {
	idx := newTestIndex(t)
	feed := &memFeed{}
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s := NewSyncer(idx, feed, SyncOptions{GapGrace: 10 * time.Second, Now: clock.Now, BatchSize: 2})

	feed.commit(upsert(1, 1, 1, "một"), upsert(2, 2, 1, "hai"), upsert(3, 3, 1, "ba"), upsert(4, 4, 1, "bốn"))
	if lagOf(t, s) != 4 {
		t.Errorf("lag before sync = %d", lagOf(t, s))
	}
	if n := syncOnce(t, s); n != 4 || cursorOf(t, idx) != 4 || lagOf(t, s) != 0 {
		t.Fatalf("applied %d, cursor %d", n, cursorOf(t, idx))
	}
	// Tx A took seq 5, tx B took 6 and committed first.
	feed.commit(upsert(6, 6, 1, "sáu"))
	if n := syncOnce(t, s); n != 1 {
		t.Fatalf("applied %d", n)
	}
	if cursorOf(t, idx) != 4 {
		t.Fatalf("cursor moved past the gap at 5: %d", cursorOf(t, idx))
	}
	if r := mustSearch(t, idx, Query{Text: "sau"}); r.Total != 1 {
		t.Error("seq 6 not searchable while 5 is missing")
	}
	if n := syncOnce(t, s); n != 0 {
		t.Errorf("re-applied %d changes above the cursor", n)
	}
	clock.Add(3 * time.Second)
	feed.commit(upsert(5, 5, 1, "năm"))
	if n := syncOnce(t, s); n != 1 || cursorOf(t, idx) != 6 || lagOf(t, s) != 0 {
		t.Fatalf("late seq 5: applied %d, cursor %d", n, cursorOf(t, idx))
	}
	if n, _ := idx.DocCount(); n != 6 {
		t.Errorf("DocCount %d", n)
	}
}

func TestSyncerPermanentGap(t *testing.T) {
	idx := newTestIndex(t)
	feed := &memFeed{}
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s := NewSyncer(idx, feed, SyncOptions{GapGrace: 10 * time.Second, Now: clock.Now})
	feed.commit(upsert(1, 1, 1, "một"), upsert(3, 3, 1, "ba")) // 2 rolled back
	syncOnce(t, s)
	if cursorOf(t, idx) != 1 {
		t.Fatalf("cursor %d", cursorOf(t, idx))
	}
	clock.Add(9 * time.Second)
	syncOnce(t, s)
	if cursorOf(t, idx) != 1 {
		t.Fatalf("gap skipped before the grace period: cursor %d", cursorOf(t, idx))
	}
	clock.Add(2 * time.Second)
	syncOnce(t, s)
	if cursorOf(t, idx) != 3 {
		t.Fatalf("permanent gap not skipped after the grace period: cursor %d", cursorOf(t, idx))
	}
	// A restarted syncer starts from the persisted cursor.
	feed.commit(upsert(4, 4, 1, "bốn"))
	s2 := NewSyncer(idx, feed, SyncOptions{Now: clock.Now})
	if n := syncOnce(t, s2); n != 1 || cursorOf(t, idx) != 4 {
		t.Errorf("restart: applied %d cursor %d", n, cursorOf(t, idx))
	}
}

func TestSyncerIdempotentAndVersions(t *testing.T) {
	idx := newTestIndex(t)
	feed := &memFeed{}
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s := NewSyncer(idx, feed, SyncOptions{Now: clock.Now})
	// Version 2 (seq 2) commits before version 1 (seq 1).
	feed.commit(upsert(2, 1, 2, "phiên bản mới"))
	syncOnce(t, s)
	feed.commit(upsert(1, 1, 1, "phiên bản cũ"))
	syncOnce(t, s)
	r := mustSearch(t, idx, Query{Text: "phien ban"})
	if r.Total != 1 || r.Hits[0].Question != "phiên bản mới" || r.Hits[0].Version != 2 {
		t.Fatalf("newest version must win: %+v", r.Hits)
	}
	// A deletion that becomes visible before an older upsert.
	feed.commit(del(4, 7, 1))
	syncOnce(t, s)
	feed.commit(upsert(3, 7, 1, "đã gỡ"))
	syncOnce(t, s)
	if r := mustSearch(t, idx, Query{Text: "da go"}); r.Total != 0 {
		t.Errorf("late older upsert resurrected a deleted item")
	}
	// A fresh syncer over the same index re-applies everything: no change.
	s2 := NewSyncer(idx, feed, SyncOptions{Now: clock.Now})
	if err := idx.SetCursor(0); err != nil {
		t.Fatal(err)
	}
	syncOnce(t, s2)
	if n, _ := idx.DocCount(); n != 1 || cursorOf(t, idx) != 4 {
		t.Errorf("replay: DocCount %d cursor %d", n, cursorOf(t, idx))
	}
}

func TestSyncerRunNotify(t *testing.T) {
	idx := newTestIndex(t)
	feed := &memFeed{}
	s := NewSyncer(idx, feed, SyncOptions{Interval: time.Hour})
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { s.Run(runCtx); close(done) }()
	feed.commit(upsert(1, 1, 1, "đã đăng"))
	s.Notify()
	deadline := time.Now().Add(5 * time.Second)
	for cursorOf(t, idx) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("Notify did not wake Run")
		}
		time.Sleep(10 * time.Millisecond)
		s.Notify()
	}
	cancel()
	<-done
}
