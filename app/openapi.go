package app

import (
	_ "embed"

	"github.com/gofiber/fiber/v2"
)

// openAPIDoc documents the JSON API; it lives next to the handlers it
// describes, and tests check real responses against it.
//
//go:embed openapi.json
var openAPIDoc []byte

func (s *Server) openAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	return c.Send(openAPIDoc)
}

// OpenAPIDocument returns the embedded OpenAPI document (for tests and tools).
func OpenAPIDocument() []byte { return append([]byte(nil), openAPIDoc...) }
