package app

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"pakn/models"
	"pakn/models/workdays"
)

// deskChannels are the ways a petition reaches a desk.
var deskChannels = []string{models.ChannelInPerson, models.ChannelPost, models.ChannelPhone, models.ChannelPostOffice}

type clerkFormData struct {
	models.SubmitInput
	ReceivedDate string
	heldFiles
}

func (s *Server) clerkForm(c *fiber.Ctx) error {
	today := s.Store.Now().In(workdays.VietnamLocation()).Format("2006-01-02")
	return s.renderClerk(c, fiber.StatusOK, clerkFormData{SubmitInput: models.SubmitInput{Channel: models.ChannelInPerson}, ReceivedDate: today}, nil)
}

func (s *Server) renderClerk(c *fiber.Ctx, status int, form clerkFormData, verr *models.ValidationError) error {
	cats, areas, err := s.intakeChoices(c.UserContext())
	if err != nil {
		return err
	}
	errs := s.fieldErrors(c, verr)
	return s.renderAdmin(c, status, "admin_submit", s.t(c, "wf.submit.heading"), fiber.Map{
		"Form": form, "Categories": cats, "Areas": areas, "Errors": errs, "Channels": deskChannels,
		"Procedures": s.procedureChoices(c),
	})
}

func (s *Server) clerkPost(c *fiber.Ctx) error {
	u := currentUser(c)
	fv := func(k string) string { return strings.Clone(c.FormValue(k)) }
	in := models.SubmitInput{
		Kind: fv("kind"), Title: fv("title"), Content: fv("content"),
		Category: fv("category"), Area: fv("area"), Address: fv("address"),
		PublishConsent:       fv("publish_consent") != "",
		ConfidentialIdentity: fv("confidential_identity") != "",
		Petitioner: models.PetitionerInput{
			Name: fv("name"), Phone: fv("phone"), Email: fv("email"),
			Address: fv("petitioner_address"), Organization: fv("organization"),
		},
		DossierCode: fv("dossier_code"), ProcedureCode: fv("procedure_code"),
		Channel: fv("channel"), Language: "vi", EnteredByID: &u.ID, ActorName: u.Name,
	}
	form := clerkFormData{SubmitInput: in, ReceivedDate: fv("received_at")}
	bad := &models.ValidationError{}
	valid := false
	for _, ch := range deskChannels {
		valid = valid || ch == in.Channel
	}
	if !valid {
		bad.Add("channel", "err.unknown_code", nil)
	}
	now := s.Store.Now()
	if d, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(form.ReceivedDate), workdays.VietnamLocation()); err != nil {
		bad.Add("received_at", "err.date", nil)
	} else if d.After(now) {
		bad.Add("received_at", "err.future", nil)
	} else if d.Format("2006-01-02") != now.In(workdays.VietnamLocation()).Format("2006-01-02") {
		// The date received starts the clock; noon keeps it on that day.
		in.ReceivedAt = d.Add(12 * time.Hour)
	}
	files, heldToken, err := s.formUploads(c)
	if err != nil {
		return err
	}
	in.Attachments = files
	refused := func(verr *models.ValidationError) error {
		held, err := s.holdForRetry(c, files, heldToken)
		if err != nil {
			return err
		}
		form.heldFiles = held
		return s.renderClerk(c, fiber.StatusBadRequest, form, verr)
	}
	if bad.Err() != nil {
		return refused(bad)
	}
	sub, err := s.Store.SubmitPetition(c.UserContext(), in)
	if verr, ok := models.AsValidation(err); ok {
		return refused(verr)
	}
	if err != nil {
		return err
	}
	if err := s.Store.ForgetHeldUploads(c.UserContext(), heldToken); err != nil {
		s.Log.Warn("forget held uploads", "err", err) // they expire within the hour anyway
	}
	s.metrics.submitted(in.Channel)
	return s.redirectToReceipt(c, adminReceiptPath, sub.Petition.Code, sub.Secret)
}
