package app

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"pakn/models"
)

// A form with files that comes back with errors keeps the files: they are
// held in the database for an hour under a random token that the form
// carries back, listed with a box to keep or drop each, and sent with the
// petition on the next post.

// heldFiles is what a form shows of the files it holds.
type heldFiles struct {
	HeldToken string
	Held      []models.HeldFile
}

// formUploads reads a form's files: those held from its last post that the
// person kept ticked, then the new ones. It returns the old token too.
func (s *Server) formUploads(c *fiber.Ctx) ([]models.AttachmentInput, string, error) {
	fresh, err := readFiles(c, "files")
	if err != nil {
		return nil, "", err
	}
	token := strings.Clone(c.FormValue("held"))
	var keep []int
	for _, v := range formValues(c, "held_keep") {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 && n < models.MaxAttachments {
			keep = append(keep, n)
		}
	}
	held, err := s.Store.HeldUploads(c.UserContext(), token, keep)
	if err != nil {
		return nil, token, err
	}
	return append(held, fresh...), token, nil
}

// holdForRetry keeps a refused form's acceptable files for the next post
// and forgets what the old token held.
func (s *Server) holdForRetry(c *fiber.Ctx, files []models.AttachmentInput, oldToken string) (heldFiles, error) {
	ctx := c.UserContext()
	token, held, err := s.Store.HoldUploads(ctx, files)
	if err != nil {
		return heldFiles{}, err
	}
	if err := s.Store.ForgetHeldUploads(ctx, oldToken); err != nil {
		return heldFiles{}, err
	}
	return heldFiles{HeldToken: token, Held: held}, nil
}

// formValues reads every value of a field, urlencoded or multipart.
func formValues(c *fiber.Ctx, key string) []string {
	if mf, err := c.MultipartForm(); err == nil && mf != nil {
		return mf.Value[key]
	}
	var out []string
	for _, v := range c.Request().PostArgs().PeekMulti(key) {
		out = append(out, string(v))
	}
	return out
}
