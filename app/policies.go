package app

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"pakn/models"
)

// policyForm is one edited row as the administrator typed it.
type policyForm struct {
	ID                                                     int64
	Kind, Category                                         string
	TriageDays, AnswerDays, ExtensionMaxDays, InfoWaitDays string
}

// policyView is one form of the page: a stored row, or the empty "add" form.
type policyView struct {
	policyForm
	CategoryName string
	IsDefault    bool
	Errors       map[string]string
}

func (s *Server) renderPolicies(c *fiber.Ctx, status int, failed *policyForm, verr *models.ValidationError) error {
	ctx := c.UserContext()
	rows, err := s.Store.ListPolicies(ctx)
	if err != nil {
		return err
	}
	cats, err := s.Store.ListCategories(ctx)
	if err != nil {
		return err
	}
	errs := s.fieldErrors(c, verr)
	itoa := strconv.Itoa
	var views []policyView
	for _, r := range rows {
		v := policyView{
			policyForm: policyForm{ID: r.ID, Kind: r.Kind, Category: r.CategoryCode,
				TriageDays: itoa(r.TriageDays), AnswerDays: itoa(r.AnswerDays),
				ExtensionMaxDays: itoa(r.ExtensionMaxDays), InfoWaitDays: itoa(r.InfoWaitDays)},
			CategoryName: r.CategoryName, IsDefault: r.IsDefault(),
		}
		if failed != nil && failed.ID == r.ID {
			v.policyForm, v.Errors = *failed, errs
		}
		views = append(views, v)
	}
	add := policyView{policyForm: policyForm{
		TriageDays: itoa(models.DefaultTriageDays), AnswerDays: itoa(models.DefaultAnswerDays),
		ExtensionMaxDays: itoa(models.DefaultExtensionMaxDays), InfoWaitDays: itoa(models.DefaultInfoWaitDays)}}
	if failed != nil && failed.ID == 0 {
		add.policyForm, add.Errors = *failed, errs
	}
	return s.renderAdmin(c, status, "admin_policies", s.t(c, "policies.heading"), fiber.Map{
		"Policies": views, "Add": add, "Categories": cats, "Failed": failed != nil,
		"Saved": c.Query("saved") == "1",
	})
}

func (s *Server) policiesPage(c *fiber.Ctx) error {
	return s.renderPolicies(c, fiber.StatusOK, nil, nil)
}

func (s *Server) policySave(c *fiber.Ctx) error {
	fv := func(k string) string { return strings.TrimSpace(strings.Clone(c.FormValue(k))) }
	form := policyForm{
		Kind: fv("kind"), Category: fv("category"),
		TriageDays: fv("triage_days"), AnswerDays: fv("answer_days"),
		ExtensionMaxDays: fv("extension_max_days"), InfoWaitDays: fv("info_wait_days"),
	}
	if id := c.Params("id"); id != "" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n <= 0 {
			return fiber.ErrNotFound
		}
		form.ID = n
	}
	verr := &models.ValidationError{}
	num := func(field, v string) int {
		n, err := strconv.Atoi(v)
		if err != nil {
			verr.Add(field, "err.type", nil)
		}
		return n
	}
	in := models.PolicyInput{
		ID: form.ID, Kind: form.Kind, Category: form.Category,
		TriageDays: num("triage_days", form.TriageDays), AnswerDays: num("answer_days", form.AnswerDays),
		ExtensionMaxDays: num("extension_max_days", form.ExtensionMaxDays), InfoWaitDays: num("info_wait_days", form.InfoWaitDays),
	}
	if verr.Err() != nil {
		return s.renderPolicies(c, fiber.StatusUnprocessableEntity, &form, verr)
	}
	_, err := s.Store.SavePolicy(c.UserContext(), in, models.ViewerOf(currentUser(c)))
	if v, ok := models.AsValidation(err); ok {
		return s.renderPolicies(c, fiber.StatusUnprocessableEntity, &form, v)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/admin/policies?saved=1", fiber.StatusSeeOther)
}

func (s *Server) policyDelete(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return fiber.ErrNotFound
	}
	if err := s.Store.DeletePolicy(c.UserContext(), id, models.ViewerOf(currentUser(c))); err != nil {
		return err
	}
	return c.Redirect("/admin/policies?saved=1", fiber.StatusSeeOther)
}
