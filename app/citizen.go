package app

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"pakn/models"
)

// renderTracked shows the citizen's page of a petition, with a notice of
// what was just done or the errors of a failed step.
func (s *Server) renderTracked(c *fiber.Ctx, status int, code, secret, flash string, verr *models.ValidationError) error {
	ctx := c.UserContext()
	tp, err := s.Store.PetitionForCitizen(ctx, code, secret)
	if errors.Is(err, models.ErrNotFound) {
		return s.render(c, fiber.StatusNotFound, "track", s.t(c, "track.heading"), fiber.Map{"NotFound": true, "Code": code})
	}
	if err != nil {
		return err
	}
	files, err := s.Store.CitizenAttachments(ctx, &tp.Petition)
	if err != nil {
		return err
	}
	rating, err := s.Store.RatingOf(ctx, tp.Petition.ID)
	if err != nil {
		return err
	}
	errs := s.fieldErrors(c, verr)
	p := &tp.Petition
	_, canWithdraw := models.NextState(models.ActWithdraw, p.Status)
	showsSecret(c)
	return s.render(c, status, "track_result", p.Title, fiber.Map{
		"Tracked": tp, "Secret": secret, "NoChannel": p.Open() && !s.Store.Delivery.Notifies(p), "Files": files, "Rating": rating, "Flash": flash, "Errors": errs,
		"CanWithdraw": canWithdraw == nil, "CanRate": rating == nil && p.AnswerVisible(),
		"NeedsInfo": p.Status == models.StatusAwaitingInfo, "Scores": []int{1, 2, 3, 4, 5},
	})
}

// citizenStep answers a step: the page again with a notice, or with the
// errors; 404 for a wrong code or secret, 409 when the state does not allow.
func (s *Server) citizenStep(c *fiber.Ctx, code, secret, flash string, err error) error {
	if verr, ok := models.AsValidation(err); ok {
		return s.renderTracked(c, fiber.StatusBadRequest, code, secret, "", verr)
	}
	if errors.Is(err, models.ErrNotFound) {
		return s.render(c, fiber.StatusNotFound, "track", s.t(c, "track.heading"), fiber.Map{"NotFound": true, "Code": code})
	}
	if err != nil {
		return err
	}
	return s.renderTracked(c, fiber.StatusOK, code, secret, flash, nil)
}

func codeSecret(c *fiber.Ctx) (string, string) {
	return models.NormalizeCode(strings.Clone(c.FormValue("code"))), strings.Clone(c.FormValue("secret"))
}

func (s *Server) trackInfo(c *fiber.Ctx) error {
	code, secret := codeSecret(c)
	files, err := readFiles(c, "files")
	if err != nil {
		return err
	}
	_, err = s.Store.SupplyInfo(c.UserContext(), code, secret, strings.Clone(c.FormValue("message")), files)
	return s.citizenStep(c, code, secret, "wf.track.info_sent", err)
}

func (s *Server) trackWithdraw(c *fiber.Ctx) error {
	code, secret := codeSecret(c)
	_, err := s.Store.WithdrawPetition(c.UserContext(), code, secret)
	return s.citizenStep(c, code, secret, "wf.track.withdrawn", err)
}

func (s *Server) trackRate(c *fiber.Ctx) error {
	code, secret := codeSecret(c)
	score, _ := strconv.Atoi(strings.TrimSpace(c.FormValue("score")))
	_, err := s.Store.RatePetition(c.UserContext(), code, secret, score, strings.Clone(c.FormValue("comment")))
	return s.citizenStep(c, code, secret, "wf.track.rated", err)
}

func (s *Server) trackFile(c *fiber.Ctx) error {
	code, secret := codeSecret(c)
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	f, err := s.Store.AttachmentForCitizen(c.UserContext(), code, secret, id)
	if err != nil {
		return err
	}
	return sendAttachment(c, f)
}

func (s *Server) resendForm(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, "track_resend", s.t(c, "wf.resend.heading"), fiber.Map{"Code": strings.Clone(c.Query("code"))})
}

// resendPost answers 200 with what happens next. What it says depends only
// on the kind of contact typed and the configured channels, never on
// whether the code and contact matched.
func (s *Server) resendPost(c *fiber.Ctx) error {
	code := models.NormalizeCode(strings.Clone(c.FormValue("code")))
	outcome, err := s.Store.ResendSecret(c.UserContext(), code, strings.Clone(c.FormValue("contact")))
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "track_resend", s.t(c, "wf.resend.heading"), fiber.Map{
		"Code": code, "Sent": outcome == models.ResendQueued, "NoChannel": outcome == models.ResendNoChannel})
}
