package app

import (
	"mime"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// bodyRule is a route that takes more than 1 MB: its method, its path
// split at "/" (lower case; ":" starts a parameter) and its limit.
type bodyRule struct {
	method   string
	segments []string
	limit    int
}

// routeBodyLimit is the largest body the route answering method and path
// takes: the body limit of its line in the route tables (routes.go), and
// 1 MB for any other request. It is applied by fasthttp as soon as the
// headers are read (HeaderReceived), so a request whose Content-Length is
// larger gets 413 before its body is read, and a chunked body is cut at
// the limit: no route buffers more than it takes. The routes still check
// their own limit (limitBody).
func (s *Server) routeBodyLimit(method, path string) int {
	// Fiber routes case-insensitively and ignores a trailing slash.
	segs := strings.Split(strings.TrimSuffix(strings.ToLower(path), "/"), "/")
	for _, r := range s.bodyRules {
		if r.method == method && matchSegments(r.segments, segs) {
			return r.limit
		}
	}
	return LimitJSON
}

// matchSegments tells whether a path's segments fit a route's: the same
// number, and each equal or, from a ":", any non-empty rest.
func matchSegments(route, path []string) bool {
	if len(route) != len(path) {
		return false
	}
	for i, r := range route {
		p := path[i]
		if k := strings.IndexByte(r, ':'); k >= 0 {
			if len(p) <= k || p[:k] != r[:k] {
				return false
			}
		} else if r != p {
			return false
		}
	}
	return true
}

// headerReceived gives fasthttp each request's body limit from its headers.
func (s *Server) headerReceived(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	var u fasthttp.URI
	if err := u.Parse(nil, h.RequestURI()); err != nil {
		return fasthttp.RequestConfig{MaxRequestBodySize: LimitJSON}
	}
	return fasthttp.RequestConfig{MaxRequestBodySize: s.routeBodyLimit(string(h.Method()), string(u.PathOriginal()))}
}

// requestBodies refuses bodies the application does not read safely: a
// compressed body (Fiber would inflate it without a limit: 1 MB of gzip can
// become gigabytes), and, on the JSON API, a body that is not JSON, so that
// a third-party page cannot make its visitors' browsers post to it with a
// form or text/plain (a "simple" request that needs no CORS preflight).
func requestBodies(c *fiber.Ctx) error {
	h := &c.Request().Header
	if ce := strings.TrimSpace(string(h.Peek(fiber.HeaderContentEncoding))); ce != "" && !strings.EqualFold(ce, "identity") {
		return fiber.ErrUnsupportedMediaType
	}
	if hasBody(h) && strings.HasPrefix(strings.ToLower(c.Path()), "/api/v1/") {
		mt, _, err := mime.ParseMediaType(string(h.ContentType()))
		if err != nil || mt != fiber.MIMEApplicationJSON {
			return fiber.ErrUnsupportedMediaType
		}
	}
	return c.Next()
}

// hasBody tells whether a request carries a body: a positive length, or
// chunked.
func hasBody(h *fasthttp.RequestHeader) bool {
	n := h.ContentLength()
	return n > 0 || n == -1
}

// csrfFromBody is the CSRF token of a form post: from the url-encoded or
// multipart body only, never from the query string (a token in a URL ends
// up in logs, history and Referer headers).
func csrfFromBody(c *fiber.Ctx) string {
	req := c.Request()
	if v := req.PostArgs().Peek("_csrf"); len(v) > 0 {
		return string(v)
	}
	if strings.HasPrefix(string(req.Header.ContentType()), fiber.MIMEMultipartForm) {
		if f, err := req.MultipartForm(); err == nil && len(f.Value["_csrf"]) > 0 {
			return strings.Clone(f.Value["_csrf"][0])
		}
	}
	return ""
}
