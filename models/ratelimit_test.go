package models_test

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pakn/internal/testdb"
	"pakn/internal/testenv"
)

// TestCountRequest: concurrent requests under one key each get their own
// count, from one window that starts at the first and ends per later; a
// request after the window starts a new one; other keys count apart; ended
// windows are pruned.
func TestCountRequest(t *testing.T) {
	st := testenv.Open(t, testdb.Postgres(t))
	ctx := context.Background()
	now := time.Now()
	const n = 40
	got := make([]int, n)
	resets := make([]time.Time, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h, reset, err := st.CountRequest(ctx, "submit|203.0.113.7", time.Minute, now.Add(time.Duration(i)*time.Millisecond))
			if err != nil {
				t.Error(err)
			}
			got[i], resets[i] = h, reset
		}()
	}
	wg.Wait()
	sort.Ints(got)
	for i, h := range got {
		if h != i+1 {
			t.Fatalf("counts %v: want 1…%d once each", got, n)
		}
	}
	for _, r := range resets {
		if !r.Equal(resets[0]) || r.Before(now.Add(time.Minute-time.Second)) || r.After(now.Add(time.Minute+n*time.Millisecond)) {
			t.Fatalf("window ends %v and %v (first request %v)", resets[0], r, now)
		}
	}
	if h, _, _ := st.CountRequest(ctx, "submit|203.0.113.8", time.Minute, now); h != 1 {
		t.Fatalf("another client: %d", h)
	}
	later := now.Add(61 * time.Second)
	if h, reset, _ := st.CountRequest(ctx, "submit|203.0.113.7", time.Minute, later); h != 1 || !reset.Equal(time.UnixMilli(later.UnixMilli()+60000)) {
		t.Fatalf("after the window: %d, ends %v", h, reset)
	}
	if n, err := st.PruneRequestCounts(ctx, now.Add(time.Second)); err != nil || n != 1 {
		t.Fatalf("pruned %d (%v), want the other client's ended window", n, err)
	}
}

// BenchmarkCountRequest is what a shared rate limit adds to a limited
// request on PostgreSQL: one upsert. "serial" is one request's latency;
// "parallel" is the cost per request from 16 goroutines (the intake load
// test's shape) on 4,096 clients.
func BenchmarkCountRequest(b *testing.B) {
	st := testenv.Open(b, testdb.Postgres(b))
	ctx := context.Background()
	b.Run("serial", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, _, err := st.CountRequest(ctx, fmt.Sprintf("lookup|10.1.%d.%d", i%4096/256, i%256), time.Minute, time.Now()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		var n atomic.Int64
		b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := n.Add(1)
				if _, _, err := st.CountRequest(ctx, fmt.Sprintf("submit|10.0.%d.%d", i%4096/256, i%256), time.Minute, time.Now()); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
