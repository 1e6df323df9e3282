package app

import (
	"context"
	"math"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"pakn/models"
)

// sharedCounters tells whether rate limits are counted in the database:
// on PostgreSQL, where several instances may serve.
func (s *Server) sharedCounters() bool {
	return s.Store != nil && s.Store.Dialect == models.Postgres
}

// sharedLimit counts a limit's requests in the database (one upsert per
// request), so that every instance draws on one allowance per client.
func (s *Server) sharedLimit(name string, r Rate) fiber.Handler {
	limit := strconv.Itoa(r.N)
	return func(c *fiber.Ctx) error {
		now := time.Now()
		hits, reset, err := s.Store.CountRequest(c.UserContext(), name+"|"+s.clientIP(c), r.Per, now)
		if err != nil {
			// The database is what the limited operation needs too: let
			// the request through to fail (503) or succeed there.
			s.Log.Debug("rate limit not counted", "limit", name, "err", err)
			return c.Next()
		}
		s.pruneRequestCounts(now)
		secs := strconv.Itoa(int(math.Ceil(reset.Sub(now).Seconds())))
		c.Set("X-RateLimit-Limit", limit)
		c.Set("X-RateLimit-Remaining", strconv.Itoa(max(r.N-hits, 0)))
		c.Set("X-RateLimit-Reset", secs)
		if hits > r.N {
			c.Set(fiber.HeaderRetryAfter, secs)
			return tooManyRequests(secs)
		}
		return c.Next()
	}
}

// pruneRequestCounts drops ended windows, at most once a minute per
// instance, off the request's path. Windows last at most an hour
// (ParseRate), so anything that started two hours ago is over.
func (s *Server) pruneRequestCounts(now time.Time) {
	last := s.lastPrune.Load()
	if now.UnixNano()-last < int64(time.Minute) || !s.lastPrune.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := s.Store.PruneRequestCounts(ctx, now.Add(-2*time.Hour)); err != nil {
			s.Log.Warn("prune request counts", "err", err)
		}
	}()
}
