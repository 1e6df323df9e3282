package app

import (
	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"pakn/views"
)

// Responses are compressed (brotli or gzip, as the client accepts) to
// spare phones' data plans, except those that show a tracking secret:
// against BREACH, a secret never shares a compressed response with text an
// attacker could have chosen (docs/ARCHITECTURE.md). CSRF tokens are masked per
// response for the same reason (csrfToken).

// showsSecret marks a response that carries a tracking secret: it is
// neither stored nor compressed.
func showsSecret(c *fiber.Ctx) {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Locals(localShowsSecret, true)
}

const localShowsSecret = "shows-secret"

// compress wraps every handler with fasthttp's compression at its fastest
// level (the pages are small; CPU matters more than the last bytes).
func (s *Server) compress() fiber.Handler {
	compressor := fasthttp.CompressHandlerBrotliLevel(func(*fasthttp.RequestCtx) {},
		fasthttp.CompressBrotliBestSpeed, fasthttp.CompressBestSpeed)
	return func(c *fiber.Ctx) error {
		if err := c.Next(); err != nil {
			return err
		}
		if shown, _ := c.Locals(localShowsSecret).(bool); shown {
			return nil
		}
		compressor(c.Context())
		return nil
	}
}

// staticCacheControl keeps versioned assets (/static/…?v=<hash of every
// asset>, as every page links them) for a year: a new version has a new
// URL. Unversioned requests keep the short cache.
func staticCacheControl(c *fiber.Ctx) error {
	if err := c.Next(); err != nil {
		return err
	}
	if c.Query("v") != "" && c.Response().StatusCode() == fiber.StatusOK {
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	}
	return nil
}

// favicon is /favicon.ico, which browsers ask for on every site.
func favicon(c *fiber.Ctx) error {
	b, err := views.StaticFile("favicon.ico")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/x-icon")
	c.Set(fiber.HeaderCacheControl, "public, max-age=604800")
	return c.Send(b)
}
