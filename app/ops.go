package app

import (
	"crypto/subtle"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// boundInFlight answers 503 with Retry-After beyond MaxInFlight requests at
// once, before any work (no session, no database): an overloaded instance
// sheds load quickly and the balancer or the client tries again. The health
// endpoints always answer, so an instance under load is not taken for dead.
func (s *Server) boundInFlight(c *fiber.Ctx) error {
	if p := c.Path(); p == "/healthz" || p == "/readyz" {
		return c.Next()
	}
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	if max := s.Config.MaxInFlight; max > 0 && n > int64(max) {
		s.metrics.shed.Inc()
		c.Set(fiber.HeaderRetryAfter, "1")
		msg := s.t(c, "error.busy")
		if isAPI(c.Path()) {
			return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"error": msg})
		}
		c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
		return c.Status(fiber.StatusServiceUnavailable).SendString(msg)
	}
	return c.Next()
}

// metricsAuth guards /metrics: with PAKN_METRICS_TOKEN set it wants
// "Authorization: Bearer <token>" (401 otherwise); unset, /metrics does not
// exist (404) except in a demo.
func (s *Server) metricsAuth(c *fiber.Ctx) error {
	token := s.Config.MetricsToken
	if token == "" {
		if s.Config.MetricsOpen {
			return c.Next()
		}
		return fiber.ErrNotFound
	}
	got, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="metrics"`)
		return c.Status(fiber.StatusUnauthorized).SendString("metrics: bearer token required\n")
	}
	return c.Next()
}
