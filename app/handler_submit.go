package app

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"pakn/models"
)

// submitFormData is the /submit form as entered, shown again on errors.
type submitFormData struct {
	models.SubmitInput
	PrivacyConsent bool
	heldFiles
}

// submitFieldLabels are the labels of /submit's fields, by the field names
// of validation errors.
var submitFieldLabels = map[string]string{
	"kind": "submit.kind", "category": "submit.category", "area": "submit.area", "title": "submit.title",
	"content": "submit.content", "files": "wf.files", "address": "submit.place",
	"petitioner.name": "submit.name", "petitioner.address": "submit.paddress", "petitioner.phone": "submit.phone",
	"petitioner.email": "submit.email", "petitioner.organization": "submit.organization", "privacy_consent": "submit.privacy",
}

func (s *Server) submitForm(c *fiber.Ctx) error {
	var form submitFormData
	prefillPetitioner(c, &form.Petitioner)
	// "Ask the agency" from a search that found nothing carries the query
	// over as the title (cut to the field's length).
	form.Title = firstRunes(strings.TrimSpace(strings.Clone(c.Query("title"))), models.MaxTitle)
	return s.renderSubmit(c, fiber.StatusOK, form, nil)
}

func (s *Server) renderSubmit(c *fiber.Ctx, status int, form submitFormData, verr *models.ValidationError) error {
	cats, areas, err := s.intakeChoices(c.UserContext())
	if err != nil {
		return err
	}
	errs := map[string]string{}
	var list []models.FieldError
	if verr != nil {
		for _, f := range s.translateFields(c, verr) {
			if _, dup := errs[f.Field]; !dup {
				errs[f.Field] = f.Message
				// The summary names the field: "Họ tên: Vui lòng nhập mục này."
				if key, ok := submitFieldLabels[f.Field]; ok {
					f.Message = s.t(c, key) + ": " + f.Message
				}
				list = append(list, f)
			}
		}
	}
	data := fiber.Map{
		"Form": form, "Categories": cats, "Areas": areas, "Errors": errs, "ErrorList": list,
		"Procedures": s.procedureChoices(c),
	}
	s.submitAccount(c, data)
	return s.render(c, status, "submit", s.t(c, "submit.heading"), data)
}

// translateFields fills each field error's message in the user's language.
func (s *Server) translateFields(c *fiber.Ctx, verr *models.ValidationError) []models.FieldError {
	out := make([]models.FieldError, len(verr.Fields))
	for i, f := range verr.Fields {
		f.Message = s.cat.TMap(langOf(c), f.Key, f.Params)
		out[i] = f
	}
	return out
}

func (s *Server) submitPost(c *fiber.Ctx) error {
	// strings.Clone: Fiber reuses its buffers after the handler returns.
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
		Channel: models.ChannelWeb, Language: langOf(c),
		PrivacyConsent: fv("privacy_consent") != "", RequireConsent: true,
		AccountID: citizenAccountID(c),
	}
	files, heldToken, err := s.formUploads(c)
	if err != nil {
		return err
	}
	in.Attachments = files
	sub, err := s.Store.SubmitPetition(c.UserContext(), in)
	if verr, ok := models.AsValidation(err); ok {
		held, err := s.holdForRetry(c, files, heldToken)
		if err != nil {
			return err
		}
		return s.renderSubmit(c, fiber.StatusBadRequest, submitFormData{SubmitInput: in, PrivacyConsent: in.PrivacyConsent, heldFiles: held}, verr)
	}
	if err != nil {
		return err
	}
	if err := s.Store.ForgetHeldUploads(c.UserContext(), heldToken); err != nil {
		s.Log.Warn("forget held uploads", "err", err) // they expire within the hour anyway
	}
	s.metrics.submitted(models.ChannelWeb)
	return s.redirectToReceipt(c, receiptPath, sub.Petition.Code, sub.Secret)
}

// intakeChoices are the categories and areas an intake form offers.
func (s *Server) intakeChoices(ctx context.Context) ([]models.Category, []models.Area, error) {
	cats, err := s.Store.ListCategories(ctx)
	if err != nil {
		return nil, nil, err
	}
	areas, err := s.Store.ListAreas(ctx)
	if err != nil {
		return nil, nil, err
	}
	return cats, areas, nil
}

// firstRunes is s cut to at most n runes.
func firstRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
