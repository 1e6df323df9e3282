package app

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"pakn/views"
)

// observe times every request by route and logs it once. Query strings are
// never logged: links carry tracking secrets in them.
func (s *Server) observe(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		// Let the error handler write the response so the status is known.
		if herr := s.app.ErrorHandler(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
	}
	status := c.Response().StatusCode()
	route := c.Route().Path
	if route == "" || route == "/" && c.Path() != "/" {
		route = "unmatched"
	}
	// Fiber's strings alias buffers reused by the next request; observe
	// clones what Prometheus keeps.
	s.metrics.observe(c.Method(), route, status, time.Since(start))
	level := slog.LevelDebug
	if status >= 500 {
		level = slog.LevelWarn
	}
	if s.Log.Enabled(c.UserContext(), level) {
		s.Log.Log(c.UserContext(), level, "request", "method", c.Method(), "path", c.Path(), "status", status, "ms", time.Since(start).Milliseconds())
	}
	return nil
}

// contentSecurityPolicy is the CSP header for pages that the site itself
// and the given origins may frame.
func contentSecurityPolicy(frameAncestors []string) string {
	frame := "'self'"
	if len(frameAncestors) > 0 {
		frame += " " + strings.Join(frameAncestors, " ")
	}
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors " + frame
}

// securityHeaders sends the headers of docs/ARCHITECTURE.md ("HTTP: what
// every response does") on every response.
func (s *Server) securityHeaders(c *fiber.Ctx) error {
	if strings.HasPrefix(c.Path(), "/embed/") {
		c.Set("Content-Security-Policy", s.cspEmbed)
	} else {
		c.Set("Content-Security-Policy", s.csp)
	}
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Referrer-Policy", "same-origin")
	c.Set("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
	return c.Next()
}

const langCookie = "pakn_lang"

// language picks vi or en: ?lang= (remembered in a cookie), then the cookie,
// then, for the API only, Accept-Language. Vietnamese is the default.
func (s *Server) language(c *fiber.Ctx) error {
	lang := ""
	if q := c.Query("lang"); q == "vi" || q == "en" {
		lang = q
		c.Cookie(&fiber.Cookie{Name: langCookie, Value: q, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: "Lax", Secure: s.Config.SecureCookies})
	} else if v := c.Cookies(langCookie); v == "vi" || v == "en" {
		lang = v
	} else if isAPI(c.Path()) && strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderAcceptLanguage)), "en") {
		lang = "en"
	}
	if lang == "" {
		lang = views.Languages[0]
	}
	c.Locals("lang", lang)
	return c.Next()
}

func langOf(c *fiber.Ctx) string {
	if l, ok := c.Locals("lang").(string); ok {
		return l
	}
	return "vi"
}

const csrfCookie = "pakn_csrf"

// csrf guards every form post with a token signed by PAKN_SECRET: the token
// is an HMAC of a random per-browser cookie (or of the session, once signed
// in), so any instance can check it without shared state. The JSON API and
// Open311 take no cookies and are exempt.
func (s *Server) csrf(c *fiber.Ctx) error {
	if isAPI(c.Path()) {
		return c.Next()
	}
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		c.Locals("csrf", s.csrfToken(c))
		return c.Next()
	}
	base := s.csrfBase(c)
	sent := csrfFromBody(c)
	if sent == "" {
		sent = strings.Clone(c.Get("X-CSRF-Token"))
	}
	if base == "" || sent == "" || !s.csrfValid(base, sent) {
		return fiber.NewError(fiber.StatusForbidden, "csrf")
	}
	c.Locals("csrf", sent)
	return c.Next()
}

// csrfBase is what a token is bound to: the session when there is one.
func (s *Server) csrfBase(c *fiber.Ctx) string {
	if sid, ok := c.Locals("session_id").(string); ok && sid != "" {
		return "s:" + sid
	}
	if v := c.Cookies(csrfCookie); len(v) == 32 {
		return "c:" + v
	}
	return ""
}

// csrfToken returns the token for this browser, setting its cookie if new.
func (s *Server) csrfToken(c *fiber.Ctx) string {
	base := s.csrfBase(c)
	if base == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		v := hex.EncodeToString(b)
		c.Cookie(&fiber.Cookie{Name: csrfCookie, Value: v, Path: "/", HTTPOnly: true, SameSite: "Lax", Secure: s.Config.SecureCookies})
		base = "c:" + v
	}
	return maskCSRF(s.signCSRF(base))
}

func (s *Server) signCSRF(base string) []byte {
	m := hmac.New(sha256.New, s.Config.Secret)
	m.Write([]byte("csrf\x00" + base))
	return m.Sum(nil)
}

// maskCSRF hides the token behind a fresh random pad on every response
// (as gorilla/csrf and Django do), so a compressed page never repeats the
// same secret bytes (BREACH): the form carries pad || pad XOR token.
func maskCSRF(token []byte) string {
	out := make([]byte, 2*len(token))
	_, _ = rand.Read(out[:len(token)])
	for i, b := range token {
		out[len(token)+i] = out[i] ^ b
	}
	return base64.RawURLEncoding.EncodeToString(out)
}

// csrfValid unmasks a token sent back and compares it with the browser's.
func (s *Server) csrfValid(base, sent string) bool {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(sent)
	want := s.signCSRF(base)
	if err != nil || len(raw) != 2*len(want) {
		return false
	}
	n := len(want)
	for i := range n {
		raw[n+i] ^= raw[i]
	}
	return hmac.Equal(raw[n:], want)
}

// limitBody answers 413 when a route's body is larger than it takes.
func limitBody(n int) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if c.Request().Header.ContentLength() > n || len(c.Body()) > n {
			return fiber.NewError(fiber.StatusRequestEntityTooLarge, "body too large")
		}
		return c.Next()
	}
}

// rateLimit limits a route group per client IP (429 with Retry-After).
// Routes that share a name share one counter (the web form and the API draw
// on the same submission allowance). On PostgreSQL the counters live in the
// database, so instances behind a load balancer enforce one limit
// (sharedLimit); SQLite runs one instance and counts in memory. Routes are
// built in New, before serving, so the map needs no lock.
func (s *Server) rateLimit(name string, r Rate) fiber.Handler {
	if r.Off() {
		return func(c *fiber.Ctx) error { return c.Next() }
	}
	if h, ok := s.limiters[name]; ok {
		return h
	}
	if s.limiters == nil {
		s.limiters = map[string]fiber.Handler{}
	}
	var h fiber.Handler
	if s.sharedCounters() {
		h = s.sharedLimit(name, r)
	} else {
		h = limiter.New(limiter.Config{
			Max:          r.N,
			Expiration:   r.Per,
			KeyGenerator: func(c *fiber.Ctx) string { return name + "|" + s.clientIP(c) },
			LimitReached: func(c *fiber.Ctx) error {
				secs := c.GetRespHeader(fiber.HeaderRetryAfter)
				if secs == "" {
					secs = strconv.Itoa(int(r.Per.Seconds()))
					c.Set(fiber.HeaderRetryAfter, secs)
				}
				return tooManyRequests(secs)
			},
		})
	}
	s.limiters[name] = h
	return h
}

// tooManyRequests is the 429 every limiter answers; the error handler
// words it (the message carries the seconds to wait).
func tooManyRequests(retryAfter string) error {
	return &fiber.Error{Code: fiber.StatusTooManyRequests, Message: retryAfter}
}

// static serves the embedded assets with a short cache.
func (s *Server) static() fiber.Handler {
	return filesystem.New(filesystem.Config{
		Root:       http.FS(views.Static()),
		PathPrefix: "",
		MaxAge:     3600,
	})
}
