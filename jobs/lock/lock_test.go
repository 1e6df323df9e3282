package lock

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-co-op/gocron/v2"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/jonboulle/clockwork"

	"pakn/internal/testdb"
)

// openPG gives a fresh database with job_locks, and a function opening
// further pools on it, one per simulated instance.
func openPG(t *testing.T) (*sql.DB, func() *sql.DB) {
	t.Helper()
	tg := testdb.Postgres(t)
	open := func() *sql.DB {
		db, err := sql.Open("pgx", tg.URL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return db
	}
	db := open()
	ctx := context.Background()
	if err := EnsureTable(ctx, db); err != nil {
		t.Fatal(err)
	}
	if err := EnsureTable(ctx, db); err != nil { // idempotent
		t.Fatal(err)
	}
	return db, open
}

func rowOwner(t *testing.T, db *sql.DB, name string) string {
	t.Helper()
	var owner string
	err := db.QueryRow(`SELECT owner FROM job_locks WHERE name = $1 AND locked_until > now()`, name).Scan(&owner)
	if errors.Is(err, sql.ErrNoRows) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return owner
}

func TestContention(t *testing.T) {
	db, open := openPG(t)
	ctx := context.Background()
	const n = 8
	var wins atomic.Int32
	var wg sync.WaitGroup
	locks := make([]gocron.Lock, n)
	for i := range n {
		l := New(open(), WithInstance("i"+string(rune('a'+i))), WithMinHold(0))
		wg.Add(1)
		go func() {
			defer wg.Done()
			lk, err := l.Lock(ctx, "notify")
			switch {
			case err == nil:
				wins.Add(1)
				locks[i] = lk
			case !errors.Is(err, ErrHeld):
				t.Errorf("instance %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d instances got the lock, want 1", wins.Load())
	}
	// Another name is independent.
	other, err := New(db).Lock(ctx, "portal")
	if err != nil {
		t.Fatalf("other job: %v", err)
	}
	_ = other.Unlock(ctx)

	for _, lk := range locks {
		if lk != nil {
			if err := lk.Unlock(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if o := rowOwner(t, db, "notify"); o != "" {
		t.Fatalf("still held by %s after unlock", o)
	}
	if _, err := New(db).Lock(ctx, "notify"); err != nil {
		t.Fatalf("after unlock: %v", err)
	}
}

// TestExpiry: an instance that crashed (stopped refreshing, never unlocked)
// blocks the job for one TTL at most; its late Unlock then does not release
// the new holder's lock.
func TestExpiry(t *testing.T) {
	db, open := openPG(t)
	ctx := context.Background()
	a := New(open(), WithInstance("a"), WithTTL(500*time.Millisecond), WithMinHold(0))
	b := New(open(), WithInstance("b"), WithMinHold(0))

	la, err := a.Lock(ctx, "deadlines")
	if err != nil {
		t.Fatal(err)
	}
	la.(*held).halt() // crash: no more refreshes
	if _, err := b.Lock(ctx, "deadlines"); !errors.Is(err, ErrHeld) {
		t.Fatalf("b took a live lock: %v", err)
	}
	time.Sleep(700 * time.Millisecond)
	lb, err := b.Lock(ctx, "deadlines")
	if err != nil {
		t.Fatalf("b after expiry: %v", err)
	}
	if err := la.Unlock(ctx); !errors.Is(err, ErrNotHeld) {
		t.Fatalf("stale unlock: %v, want ErrNotHeld", err)
	}
	if o := rowOwner(t, db, "deadlines"); o == "" || o[:2] != "b/" {
		t.Fatalf("owner after stale unlock = %q, want b's", o)
	}
	if err := lb.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestNonOwnerUnlock(t *testing.T) {
	db, _ := openPG(t)
	ctx := context.Background()
	l := New(db, WithMinHold(0))
	lk, err := l.Lock(ctx, "digest")
	if err != nil {
		t.Fatal(err)
	}
	owner := lk.(*held).owner
	// Same name and instance, another acquisition's token.
	intruder := &held{p: l, name: "digest", owner: l.instance + "/" + token(), stop: make(chan struct{}), done: make(chan struct{})}
	close(intruder.done)
	if err := intruder.Unlock(ctx); !errors.Is(err, ErrNotHeld) {
		t.Fatalf("non-owner unlock: %v, want ErrNotHeld", err)
	}
	if o := rowOwner(t, db, "digest"); o != owner {
		t.Fatalf("owner = %q, want %q", o, owner)
	}
	if err := lk.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestRefreshKeepsLongJob: a job running longer than the TTL keeps its lock.
func TestRefreshKeepsLongJob(t *testing.T) {
	_, open := openPG(t)
	ctx := context.Background()
	// A TTL long enough that a refresh (every TTL/3) delayed by a busy
	// machine does not lose the lock, and a wait well past the TTL so that
	// only refreshing can keep it.
	a := New(open(), WithTTL(1500*time.Millisecond), WithMinHold(0))
	b := New(open())
	la, err := a.Lock(ctx, "retention")
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		time.Sleep(250 * time.Millisecond)
		if _, err := b.Lock(ctx, "retention"); !errors.Is(err, ErrHeld) {
			t.Fatalf("lock lost while refreshed: %v", err)
		}
	}
	if err := la.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestMinHold(t *testing.T) {
	_, open := openPG(t)
	ctx := context.Background()
	a := New(open(), WithMinHold(400*time.Millisecond))
	b := New(open())
	la, err := a.Lock(ctx, "tick")
	if err != nil {
		t.Fatal(err)
	}
	if err := la.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Lock(ctx, "tick"); !errors.Is(err, ErrHeld) {
		t.Fatalf("lock free right after unlock within the minimum hold: %v", err)
	}
	time.Sleep(500 * time.Millisecond)
	lb, err := b.Lock(ctx, "tick")
	if err != nil {
		t.Fatalf("after the minimum hold: %v", err)
	}
	_ = lb.Unlock(ctx)
}

func TestTryRun(t *testing.T) {
	db, _ := openPG(t)
	ctx := context.Background()
	boom := errors.New("boom")
	var inner bool
	ran, err := TryRun(ctx, db, "portal", time.Minute, func(ctx context.Context) error {
		// While it runs, the scheduler's job of the same name cannot start.
		r, err := TryRun(ctx, db, "portal", time.Minute, func(context.Context) error { inner = true; return nil })
		if r || err != nil {
			t.Errorf("nested run: ran=%v err=%v", r, err)
		}
		return boom
	})
	if !ran || !errors.Is(err, boom) || inner {
		t.Fatalf("ran=%v err=%v inner=%v", ran, err, inner)
	}
	if o := rowOwner(t, db, "portal"); o != "" {
		t.Fatalf("lock kept by %s after TryRun", o)
	}
	ran, err = TryRun(ctx, db, "portal", time.Minute, func(context.Context) error { return nil })
	if !ran || err != nil {
		t.Fatalf("second run: ran=%v err=%v", ran, err)
	}
}

func TestLocal(t *testing.T) {
	ctx := context.Background()
	l := NewLocal()
	a, err := l.Lock(ctx, "notify")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Lock(ctx, "notify"); !errors.Is(err, ErrHeld) {
		t.Fatalf("second lock: %v", err)
	}
	if _, err := l.Lock(ctx, "portal"); err != nil {
		t.Fatalf("other key: %v", err)
	}
	_ = a.Unlock(ctx)
	_ = a.Unlock(ctx) // twice is harmless
	ran, err := Run(ctx, l, "notify", func(context.Context) error { return nil })
	if !ran || err != nil {
		t.Fatalf("Run after unlock: %v %v", ran, err)
	}
}

// skewedClock is a real clock whose Now runs ahead by skew: the scheduler
// using it fires its timers that much earlier, like an instance whose system
// clock is off.
type skewedClock struct {
	clockwork.Clock
	skew time.Duration
}

func (c skewedClock) Now() time.Time                  { return c.Clock.Now().Add(c.skew) }
func (c skewedClock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }
func (c skewedClock) Until(t time.Time) time.Duration { return t.Sub(c.Now()) }

// TestTwoSchedulers runs one every-second job on two gocron schedulers, each
// with its own locker and connection pool and one with its clock 150 ms
// ahead, for a few seconds: every tick runs on exactly one of them. The job
// is instant, so without the minimum hold the lagging instance would find
// the lock already released and run each tick a second time.
func TestTwoSchedulers(t *testing.T) {
	_, open := openPG(t)
	var mu sync.Mutex
	perTick := map[int64]int{}
	perInstance := map[string]int{}

	var scheds []gocron.Scheduler
	for i, name := range []string{"one", "two"} {
		clock := skewedClock{Clock: clockwork.NewRealClock(), skew: time.Duration(i) * 150 * time.Millisecond}
		locker := New(open(), WithInstance(name), WithTTL(10*time.Second), WithMinHold(500*time.Millisecond))
		s, err := gocron.NewScheduler(gocron.WithDistributedLocker(locker), gocron.WithClock(clock))
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.NewJob(gocron.CronJob("* * * * * *", true), gocron.NewTask(func() {
			// The tick is the second this instance's timer fired for;
			// timers fire just after the boundary of their own clock.
			tick := clock.Now().Truncate(time.Second).Unix()
			mu.Lock()
			perTick[tick]++
			perInstance[name]++
			mu.Unlock()
		}), gocron.WithName("tick"))
		if err != nil {
			t.Fatal(err)
		}
		scheds = append(scheds, s)
	}
	for _, s := range scheds {
		s.Start()
	}
	time.Sleep(3500 * time.Millisecond)
	for _, s := range scheds {
		if err := s.Shutdown(); err != nil {
			t.Error(err)
		}
	}

	mu.Lock()
	defer mu.Unlock()
	t.Logf("runs per tick %v, per instance %v", perTick, perInstance)
	if len(perTick) < 2 {
		t.Fatalf("only %d ticks ran in 3.5 s", len(perTick))
	}
	for tick, n := range perTick {
		if n != 1 {
			t.Errorf("tick %s ran %d times", time.Unix(tick, 0).Format(time.TimeOnly), n)
		}
	}
}
