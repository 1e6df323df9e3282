package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialects the store runs on.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Store is the database behind every business operation.
type Store struct {
	DB      *gorm.DB
	Dialect string
	// Now is the clock; tests replace it.
	Now func() time.Time
	Log *slog.Logger
	// Delivery says which channels can reach a citizen and seals secrets
	// sent through the outbox (resend.go).
	Delivery Delivery
	// DeskMaxAgeDays is how far back a desk may date a petition
	// (PAKN_DESK_MAX_AGE_DAYS).
	DeskMaxAgeDays int
	// PasswordCost is argon2id's cost for new password hashes; the zero
	// value is the production cost. The fast test tier (go test -short)
	// lowers it; a hash records its own cost, so checking is unaffected.
	PasswordCost PasswordCost
	// DemoMode is a server started with --demo: only then does a demo
	// petition open with its code and secret (seed_petitions.go).
	DemoMode bool

	// calendar is the working-day calendar's copy (deadlines.go).
	calendar calendarCache
	// refCache is intake's copy of the reference data (intake_ref.go).
	refCache intakeRefCache
	// intake feeds the PostgreSQL intake writers (intake_pg.go).
	intake intakeQueue
	// queries are the sql/*.sql files rendered for Dialect (sqlfiles.go).
	queries queries
}

// OpenOptions say where the database is.
type OpenOptions struct {
	// URL is a postgres:// URL; empty selects SQLite in DataDir.
	URL     string
	DataDir string
	Log     *slog.Logger
	// MaxOpenConns caps PostgreSQL connections (default 20).
	MaxOpenConns int
}

// Open connects to PostgreSQL or opens (creating) the SQLite file.
func Open(ctx context.Context, o OpenOptions) (*Store, error) {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	cfg := gormConfig()
	s := &Store{Now: time.Now, Log: o.Log, DeskMaxAgeDays: DefaultDeskMaxAgeDays}
	var err error
	switch {
	case strings.HasPrefix(o.URL, "postgres://"), strings.HasPrefix(o.URL, "postgresql://"):
		s.Dialect = Postgres
		s.DB, err = gorm.Open(postgres.Open(o.URL), cfg)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		sqlDB, err := s.DB.DB()
		if err != nil {
			return nil, err
		}
		n := o.MaxOpenConns
		if n <= 0 {
			n = 20
		}
		sqlDB.SetMaxOpenConns(n)
		sqlDB.SetMaxIdleConns(n)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	case o.URL == "":
		s.Dialect = SQLite
		if err := os.MkdirAll(o.DataDir, 0o750); err != nil {
			return nil, fmt.Errorf("create data folder: %w", err)
		}
		path := filepath.Join(o.DataDir, "pakn.db")
		// WAL lets readers run beside the writer; immediate transactions take
		// the write lock up front so two writers never deadlock on upgrade.
		q := url.Values{}
		for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "foreign_keys(1)", "synchronous(NORMAL)"} {
			q.Add("_pragma", p)
		}
		q.Set("_txlock", "immediate")
		s.DB, err = gorm.Open(sqlite.Open("file:"+path+"?"+q.Encode()), cfg)
		if err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		sqlDB, err := s.DB.DB()
		if err != nil {
			return nil, err
		}
		sqlDB.SetMaxOpenConns(8)
		if err := registerUTCWrites(s.DB); err != nil {
			return nil, fmt.Errorf("sqlite: %w", err)
		}
	default:
		return nil, fmt.Errorf("PAKN_DATABASE_URL must start with postgres:// (got %q)", redactURL(o.URL))
	}
	if s.queries, err = renderQueries(s.Dialect); err != nil {
		return nil, fmt.Errorf("queries: %w", err)
	}
	if err := s.Ping(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// gormConfig is how the store uses gorm.
func gormConfig() *gorm.Config {
	return &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
		TranslateError:         true,
	}
}

// Close releases the connections.
func (s *Store) Close() error {
	s.stopIntakeWriters()
	sqlDB, err := s.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// SQL returns the underlying pool.
func (s *Store) SQL() *sql.DB {
	sqlDB, _ := s.DB.DB()
	return sqlDB
}

// Ping checks that the database answers within two seconds.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := s.SQL().PingContext(ctx); err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return nil
}

// Tx runs fn in one transaction.
func (s *Store) Tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.DB.WithContext(ctx).Transaction(fn)
}

// now is the store's clock in UTC.
func (s *Store) now() time.Time { return s.Now().UTC() }

// IsUnavailable tells whether err means the database cannot be reached.
func IsUnavailable(err error) bool { return errors.Is(err, ErrUnavailable) }

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "?"
	}
	return u.Redacted()
}
