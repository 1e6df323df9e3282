// Package lock lets several PAKN instances share one gocron v2 schedule
// against one PostgreSQL database: a job runs on whichever instance takes its
// row in job_locks first. SQLite runs as a single instance and uses Local.
//
// All times are the database's (now()), so clock skew between instances does
// not matter for the lock itself.
package lock

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-co-op/gocron/v2"
)

// TableDDL creates the lock table; the migrations carry the same statement.
const TableDDL = `CREATE TABLE IF NOT EXISTS job_locks (
	name text PRIMARY KEY,
	owner text NOT NULL,
	locked_until timestamptz NOT NULL
)`

// ErrHeld means another owner holds the lock: the job is not run here.
var ErrHeld = errors.New("lock held by another instance")

// ErrNotHeld means a lock was no longer ours when we released or refreshed
// it: it expired and another instance may have taken it.
var ErrNotHeld = errors.New("lock no longer held")

// DB is what the locker needs from a database handle. *sql.DB and *sql.Conn
// satisfy it, and so does gorm's ConnPool (gormDB.ConnPool, or gormDB.DB()).
// Pass the pool, never a transaction: a lock taken inside a transaction
// would stay invisible to other instances until it commits.
type DB interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// EnsureTable creates job_locks if it does not exist.
func EnsureTable(ctx context.Context, db DB) error {
	if _, err := db.ExecContext(ctx, TableDDL); err != nil {
		return fmt.Errorf("create job_locks: %w", err)
	}
	return nil
}

const (
	// DefaultTTL is how long a lock outlives its holder's last refresh, i.e.
	// how long a crashed instance blocks a job.
	DefaultTTL = time.Minute
	// DefaultMinHold keeps a released lock for this long after it was taken.
	DefaultMinHold = 2 * time.Second
)

// Postgres is a gocron.Locker backed by the job_locks table.
type Postgres struct {
	db       DB
	instance string
	ttl      time.Duration
	minHold  time.Duration
}

var _ gocron.Locker = (*Postgres)(nil)

// Option configures New.
type Option func(*Postgres)

// WithTTL sets how long a lock lasts without a refresh (default one minute).
// While the job runs, the lock is refreshed every third of the TTL, so a
// long job keeps it and a crashed instance loses it after at most the TTL.
func WithTTL(d time.Duration) Option {
	return func(p *Postgres) { p.ttl = d }
}

// WithMinHold sets how long after it was taken a lock stays held even when
// the job finished sooner (default 2 s). gocron releases the lock as soon as
// the job returns; without a minimum hold, an instance whose timer fires a
// few milliseconds later than the winner's would find the lock free and run
// the same tick again. It must exceed the timer skew between instances and
// stay below the shortest job interval. Zero releases at once.
func WithMinHold(d time.Duration) Option {
	return func(p *Postgres) { p.minHold = d }
}

// WithInstance names this instance in the owner column (default host name
// and process id), which helps an operator reading job_locks.
func WithInstance(name string) Option {
	return func(p *Postgres) { p.instance = name }
}

// New returns a locker on db. Call EnsureTable (or run the migrations) first.
func New(db DB, opts ...Option) *Postgres {
	p := &Postgres{db: db, ttl: DefaultTTL, minHold: DefaultMinHold}
	for _, o := range opts {
		o(p)
	}
	if p.instance == "" {
		host, _ := os.Hostname()
		p.instance = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	// The refresh period is a third of the TTL; keep it sensible.
	p.ttl = max(p.ttl, 300*time.Millisecond)
	p.minHold = max(p.minHold, 0)
	return p
}

const acquireSQL = `INSERT INTO job_locks (name, owner, locked_until)
VALUES ($1, $2, now() + $3 * interval '1 millisecond')
ON CONFLICT (name) DO UPDATE
	SET owner = excluded.owner, locked_until = excluded.locked_until
	WHERE job_locks.locked_until < now()
RETURNING now()`

// Lock takes the lock named key (gocron passes the job's name) when it is
// free or expired, or returns an error wrapping ErrHeld.
func (p *Postgres) Lock(ctx context.Context, key string) (gocron.Lock, error) {
	// A token per acquisition: a late Unlock from an earlier run on this
	// same instance must not release a later one.
	owner := p.instance + "/" + token()
	var acquiredAt time.Time
	err := p.db.QueryRowContext(ctx, acquireSQL, key, owner, p.ttl.Milliseconds()).Scan(&acquiredAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("lock %q: %w", key, ErrHeld)
	}
	if err != nil {
		return nil, fmt.Errorf("lock %q: %w", key, err)
	}
	h := &held{p: p, name: key, owner: owner, acquiredAt: acquiredAt, stop: make(chan struct{}), done: make(chan struct{})}
	go h.refresh()
	return h, nil
}

// held is one acquired lock.
type held struct {
	p          *Postgres
	name       string
	owner      string
	acquiredAt time.Time // database time
	lost       atomic.Bool
	stop       chan struct{}
	done       chan struct{}
	once       sync.Once
}

// refresh extends the lock while the job runs.
func (h *held) refresh() {
	defer close(h.done)
	t := time.NewTicker(h.p.ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), h.p.ttl/3)
			res, err := h.p.db.ExecContext(ctx,
				`UPDATE job_locks SET locked_until = now() + $3 * interval '1 millisecond' WHERE name = $1 AND owner = $2`,
				h.name, h.owner, h.p.ttl.Milliseconds())
			cancel()
			if err != nil {
				continue // the database may be back before the TTL runs out
			}
			if n, _ := res.RowsAffected(); n == 0 {
				h.lost.Store(true)
				return
			}
		}
	}
}

// halt stops refreshing without releasing, as a crash would.
func (h *held) halt() {
	h.once.Do(func() { close(h.stop) })
	<-h.done
}

// Unlock releases the lock if it is still ours. Within the minimum hold it
// only shortens the lock to acquiredAt+minHold; after that it deletes the row.
// A lock that expired and was lost returns ErrNotHeld.
func (h *held) Unlock(ctx context.Context) error {
	h.halt()
	// gocron passes the job's context, cancelled on shutdown; the release
	// must still happen, or the job stays blocked for a whole TTL.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	holdUntil := h.acquiredAt.Add(h.p.minHold)
	res, err := h.p.db.ExecContext(ctx,
		`DELETE FROM job_locks WHERE name = $1 AND owner = $2 AND now() >= $3`,
		h.name, h.owner, holdUntil)
	if err != nil {
		return fmt.Errorf("unlock %q: %w", h.name, err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	res, err = h.p.db.ExecContext(ctx,
		`UPDATE job_locks SET locked_until = $3 WHERE name = $1 AND owner = $2`,
		h.name, h.owner, holdUntil)
	if err != nil {
		return fmt.Errorf("unlock %q: %w", h.name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("unlock %q: %w", h.name, ErrNotHeld)
	}
	if h.lost.Load() {
		return fmt.Errorf("unlock %q: %w", h.name, ErrNotHeld)
	}
	return nil
}

func token() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail
	return hex.EncodeToString(b)
}

// Local is an in-process gocron.Locker for a single instance (SQLite): it
// keeps a scheduled run and a manual run of the same job in one process from
// overlapping.
type Local struct {
	mu   sync.Mutex
	held map[string]bool
}

var _ gocron.Locker = (*Local)(nil)

// NewLocal returns an empty in-process locker.
func NewLocal() *Local { return &Local{held: map[string]bool{}} }

// Lock takes key or returns an error wrapping ErrHeld.
func (l *Local) Lock(_ context.Context, key string) (gocron.Lock, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held[key] {
		return nil, fmt.Errorf("lock %q: %w", key, ErrHeld)
	}
	l.held[key] = true
	return &localLock{l: l, key: key}, nil
}

type localLock struct {
	l    *Local
	key  string
	once sync.Once
}

func (k *localLock) Unlock(context.Context) error {
	k.once.Do(func() {
		k.l.mu.Lock()
		delete(k.l.held, k.key)
		k.l.mu.Unlock()
	})
	return nil
}

// Run runs fn under the lock name taken from l. It returns ran=false and no
// error when another holder has the lock. The lock is released even when
// ctx is cancelled.
func Run(ctx context.Context, l gocron.Locker, name string, fn func(context.Context) error) (ran bool, err error) {
	lk, err := l.Lock(ctx, name)
	if errors.Is(err, ErrHeld) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if uerr := lk.Unlock(uctx); uerr != nil {
			err = errors.Join(err, uerr)
		}
	}()
	return true, fn(ctx)
}

// TryRun is Run with a PostgreSQL lock on db, for `pakn jobs run NAME`: it
// takes the same row as the scheduler's job of that name, so a manual run
// and a scheduled one never overlap. It releases at once when fn returns.
func TryRun(ctx context.Context, db DB, name string, ttl time.Duration, fn func(context.Context) error) (ran bool, err error) {
	return Run(ctx, New(db, WithTTL(ttl), WithMinHold(0)), name, fn)
}
