package search

import (
	"context"
	"os"
	"sync"
)

// searchSlots bounds the searches that run at once (Options.MaxSearches)
// and queues the others in arrival order.
//
// A waiting search is woken through the runtime's network poller (a pipe
// per waiter), not a channel. A channel hands the slot to the next waiter
// on the releasing core, so a server whose cores are always busy searching
// never polls its sockets: requests that arrived meanwhile were only seen
// by the runtime's background poll, which runs rarely, so they waited far
// longer than the searches themselves (BENCHMARKS.md, "Public Q&A search
// under load", session 3, item 1). Woken through the
// poller, the next search also brings in every request that has arrived,
// and they queue in order.
type searchSlots struct {
	mu       sync.Mutex
	free     int
	queue    []*slotWaiter // FIFO
	idle     []*slotWaiter // waiters whose pipe can be reused
	pipes    int           // pipes open, idle or in use
	maxPipes int           // more waiters than this wait on a channel
	closed   bool
}

// slotWaiter is one queued search: woken by a byte on its pipe, or by its
// channel when it has no pipe.
type slotWaiter struct {
	r, w    *os.File
	ch      chan struct{}
	granted bool // under mu: the releasing search handed its slot over
}

// defaultSlotPipes bounds the file descriptors the queue holds (two per
// pipe); waiters beyond it still queue in order, woken by a channel.
const defaultSlotPipes = 64

func newSearchSlots(n int) *searchSlots {
	return &searchSlots{free: n, maxPipes: defaultSlotPipes}
}

// acquire waits for a slot, in arrival order, or for ctx to end.
func (s *searchSlots) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	if s.free > 0 {
		s.free--
		s.mu.Unlock()
		return nil
	}
	w := s.waiterLocked()
	s.queue = append(s.queue, w)
	s.mu.Unlock()

	reusable := w.wait(ctx)

	s.mu.Lock()
	granted := w.granted
	if !granted {
		s.removeLocked(w)
	}
	if w.r != nil {
		if reusable && !s.closed {
			w.granted = false
			s.idle = append(s.idle, w)
		} else {
			// A cancellation byte may be in the pipe, or on its way.
			s.pipes--
			w.r.Close()
			w.w.Close()
		}
	}
	s.mu.Unlock()
	if !granted {
		return ctx.Err()
	}
	if err := ctx.Err(); err != nil {
		s.release()
		return err
	}
	return nil
}

// wait blocks until the waiter is granted a slot or ctx ends; it reports
// whether the pipe is clean for another waiter (it held only the grant).
func (w *slotWaiter) wait(ctx context.Context) bool {
	if w.r == nil {
		select {
		case <-w.ch:
		case <-ctx.Done():
		}
		return false
	}
	stop := context.AfterFunc(ctx, w.wake)
	var b [1]byte
	_, err := w.r.Read(b[:])
	return stop() && err == nil
}

func (s *searchSlots) waiterLocked() *slotWaiter {
	if n := len(s.idle); n > 0 {
		w := s.idle[n-1]
		s.idle = s.idle[:n-1]
		return w
	}
	if s.pipes < s.maxPipes && !s.closed {
		if r, wr, err := os.Pipe(); err == nil {
			s.pipes++
			return &slotWaiter{r: r, w: wr}
		}
	}
	return &slotWaiter{ch: make(chan struct{}, 1)}
}

func (s *searchSlots) removeLocked(w *slotWaiter) {
	for i, q := range s.queue {
		if q == w {
			s.queue = append(s.queue[:i], s.queue[i+1:]...)
			return
		}
	}
}

// release hands the slot to the first waiter, or frees it.
func (s *searchSlots) release() {
	s.mu.Lock()
	if len(s.queue) == 0 {
		s.free++
		s.mu.Unlock()
		return
	}
	w := s.queue[0]
	s.queue[0] = nil
	s.queue = s.queue[1:]
	w.granted = true
	if w.r == nil {
		w.ch <- struct{}{} // buffered: never blocks
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	// An empty pipe takes a byte without blocking. A waiter cancelled
	// meanwhile, seeing granted, owns the slot anyway.
	w.wake()
}

// wake writes the byte a waiting search reads. An error means the waiter
// closed its pipe after a cancellation, and no longer reads it.
func (w *slotWaiter) wake() { _, _ = w.w.Write([]byte{1}) }

// close releases the idle pipes; pipes in use are closed by their waiters.
func (s *searchSlots) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for _, w := range s.idle {
		w.r.Close()
		w.w.Close()
		s.pipes--
	}
	s.idle = nil
}
