package app

import (
	"errors"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"pakn/models"
)

// Officials are told what happened: an action done ends on the petition's
// page with a confirmation (role="status"), an action refused answers 403
// or 409 with the petition's page saying why (role="alert").

const localRefusal = "action-refusal"

// actionDone is the confirmation of ?done=<action>, or "" for none.
func (s *Server) actionDone(c *fiber.Ctx) string {
	action := c.Query("done")
	if action == "" || !s.cat.Has("wf.done."+action) {
		return ""
	}
	return s.t(c, "wf.done."+action)
}

// afterAction sends the official back to the petition, with the
// confirmation of what was done.
func afterAction(c *fiber.Ctx, code, action string) error {
	return c.Redirect("/admin/petitions/"+code+"?done="+url.QueryEscape(action), fiber.StatusSeeOther)
}

// refuseAction answers a refused action with the petition's page and the
// reason; other errors (a petition out of reach is 404) go on as they are.
func (s *Server) refuseAction(c *fiber.Ctx, code, action string, err error) error {
	status := fiber.StatusConflict
	switch {
	case errors.Is(err, models.ErrForbidden):
		status = fiber.StatusForbidden
	case !errors.Is(err, models.ErrConflict):
		return err
	}
	name := s.t(c, "wf.act."+action)
	msg := s.t(c, "wf.refused.state", "action", name)
	if r, ok := models.AsRefusal(err); ok {
		msg = s.t(c, r.Key)
	} else if status == fiber.StatusForbidden {
		msg = s.t(c, "wf.refused.role", "action", name)
	}
	c.Locals(localRefusal, msg)
	return s.renderPetition(c, status, code, nil, nil)
}
