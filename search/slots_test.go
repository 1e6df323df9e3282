package search

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// queued waits until n searches wait in s.
func queued(t *testing.T, s *searchSlots, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.mu.Lock()
		got := len(s.queue)
		s.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d searches queued, want %d", got, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// Waiting searches get their slot in arrival order, through pipes and
// through channels alike, and a cancelled waiter leaves the queue without
// taking a slot.
func TestSearchSlotsOrderAndCancel(t *testing.T) {
	for _, pipes := range []int{defaultSlotPipes, 0, 2} {
		t.Run(fmt.Sprintf("pipes=%d", pipes), func(t *testing.T) {
			s := newSearchSlots(2)
			s.maxPipes = pipes
			defer s.close()
			ctx := context.Background()
			for range 2 {
				if err := s.acquire(ctx); err != nil {
					t.Fatal(err)
				}
			}
			var mu sync.Mutex
			var order []int
			var wg sync.WaitGroup
			cancelled, cancel := context.WithCancel(ctx)
			errs := make(chan error, 1)
			for i := range 6 {
				wg.Add(1)
				c := ctx
				if i == 2 {
					c = cancelled
				}
				go func() {
					defer wg.Done()
					if err := s.acquire(c); err != nil {
						errs <- err
						return
					}
					mu.Lock()
					order = append(order, i)
					mu.Unlock()
				}()
				queued(t, s, i+1) // the next one arrives after this one waits
			}
			cancel()
			if err := <-errs; !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled waiter: %v", err)
			}
			queued(t, s, 5)
			for range 5 {
				s.release()
				// Each release lets exactly one waiter in.
				deadline := time.Now().Add(10 * time.Second)
				for {
					mu.Lock()
					n := len(order)
					mu.Unlock()
					s.mu.Lock()
					q := len(s.queue)
					s.mu.Unlock()
					if n+q == 5 && n > 0 && q == 5-n {
						break
					}
					if time.Now().After(deadline) {
						t.Fatal("a release let no waiter in")
					}
					time.Sleep(time.Millisecond)
				}
			}
			wg.Wait()
			if fmt.Sprint(order) != "[0 1 3 4 5]" {
				t.Errorf("order %v, want [0 1 3 4 5]", order)
			}
			s.release()
			s.release()
			if s.free != 2 || len(s.queue) != 0 || s.pipes > pipes {
				t.Errorf("free %d, queued %d, pipes %d (at most %d)", s.free, len(s.queue), s.pipes, pipes)
			}
		})
	}
}

// Under concurrent searches with random cancellations no more than the
// limit ever run, every slot comes back and no pipe leaks.
func TestSearchSlotsStress(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: concurrency stress (24 workers, random cancellations; run it with -race)")
	}
	const limit, workers, rounds = 2, 24, 150
	s := newSearchSlots(limit)
	s.maxPipes = 8 // both kinds of waiters
	var running, peak atomic.Int64
	var done, gaveUp atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for range rounds {
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration(r.IntN(4000))*time.Microsecond)
				if err := s.acquire(ctx); err != nil {
					cancel()
					gaveUp.Add(1)
					continue
				}
				n := running.Add(1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				time.Sleep(time.Duration(r.IntN(50)) * time.Microsecond)
				running.Add(-1)
				s.release()
				cancel()
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	if p := peak.Load(); p > limit {
		t.Errorf("%d searches ran at once, limit %d", p, limit)
	}
	if done.Load()+gaveUp.Load() != workers*rounds || done.Load() == 0 {
		t.Errorf("done %d + gave up %d != %d", done.Load(), gaveUp.Load(), workers*rounds)
	}
	s.mu.Lock()
	free, q, pipes, idle := s.free, len(s.queue), s.pipes, len(s.idle)
	s.mu.Unlock()
	if free != limit || q != 0 || pipes != idle || pipes > 8 {
		t.Errorf("free %d (want %d), queued %d, pipes %d, idle %d", free, limit, q, pipes, idle)
	}
	s.close()
	if s.pipes != 0 {
		t.Errorf("%d pipes open after close", s.pipes)
	}
	t.Logf("%d searches, %d gave up waiting", done.Load(), gaveUp.Load())
}
