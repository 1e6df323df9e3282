package models

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"
)

// CountRequest counts one request under key in the database every instance
// shares (PostgreSQL) and returns the hits of its window so far and when the
// window ends. A window starts at a key's first request and lasts per (as
// Fiber's in-memory limiter counts). One statement: concurrent requests on
// any instance each get their own count.
// The key (a limit's name and a client address) is stored only hashed.
func (s *Store) CountRequest(ctx context.Context, key string, per time.Duration, now time.Time) (hits int, resetAt time.Time, err error) {
	if s.Dialect != Postgres {
		return 0, time.Time{}, fmt.Errorf("count request: shared counters need PostgreSQL")
	}
	sum := sha256.Sum256([]byte(key))
	var start int64
	err = s.SQL().QueryRowContext(ctx, `INSERT INTO request_counts (key, window_start, hits) VALUES ($1, $2, 1)
		ON CONFLICT (key) DO UPDATE SET
			hits = CASE WHEN request_counts.window_start > $3 THEN request_counts.hits + 1 ELSE 1 END,
			window_start = CASE WHEN request_counts.window_start > $3 THEN request_counts.window_start ELSE EXCLUDED.window_start END
		RETURNING hits, window_start`, sum[:16], now.UnixMilli(), now.Add(-per).UnixMilli()).Scan(&hits, &start)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("count request: %w", err)
	}
	return hits, time.UnixMilli(start + per.Milliseconds()), nil
}

// PruneRequestCounts drops the counters of windows that started before
// before: they can no longer limit anyone.
func (s *Store) PruneRequestCounts(ctx context.Context, before time.Time) (int64, error) {
	if s.Dialect != Postgres {
		return 0, nil
	}
	res, err := s.SQL().ExecContext(ctx, `DELETE FROM request_counts WHERE window_start < $1`, before.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("prune request counts: %w", err)
	}
	return res.RowsAffected()
}
