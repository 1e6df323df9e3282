package app

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"pakn/models"
	"pakn/search"
	"pakn/search/searchrt"
)

// LimitImport caps an uploaded FAQ file.
const LimitImport = 20 << 20

func viewerOf(c *fiber.Ctx) models.Viewer { return models.ViewerOf(currentUser(c)) }

// notifySearch wakes this instance's syncer after a publish.
func (s *Server) notifySearch() {
	if s.Search != nil {
		s.Search.Notify()
	}
}

type faqRowView struct {
	models.FAQEntry
	MayEdit, MayPublish bool
}

func (s *Server) adminFAQList(c *fiber.Ctx) error {
	v := viewerOf(c)
	f := models.FAQFilter{Status: strings.Clone(c.Query("status")), Category: strings.Clone(c.Query("category")),
		Unit: strings.Clone(c.Query("unit")), Text: strings.Clone(c.Query("q")), Page: c.QueryInt("page", 1)}
	page, err := s.Store.ListFAQ(c.UserContext(), v, f)
	if err != nil {
		return err
	}
	rows := make([]faqRowView, len(page.Entries))
	for i, e := range page.Entries {
		rows[i] = faqRowView{FAQEntry: e, MayEdit: models.FAQMayEdit(v, e.UnitID), MayPublish: models.FAQMayPublish(v, e.UnitID)}
	}
	data, err := s.faqFormRefs(c, v)
	if err != nil {
		return err
	}
	data["Page"] = page
	data["Rows"] = rows
	data["Filter"] = f
	data["MayImport"] = models.FAQMayImport(v)
	if page.Page > 1 {
		data["PrevPage"] = page.Page - 1
	}
	if page.Page < page.Pages() {
		data["NextPage"] = page.Page + 1
	}
	return s.renderAdmin(c, fiber.StatusOK, "admin_faq", s.t(c, "admin.faq.heading"), data)
}

// faqFormRefs lists the categories and the units the viewer may write for.
func (s *Server) faqFormRefs(c *fiber.Ctx, v models.Viewer) (fiber.Map, error) {
	cats, err := s.Store.ListCategories(c.UserContext())
	if err != nil {
		return nil, err
	}
	all, err := s.Store.ListUnits(c.UserContext())
	if err != nil {
		return nil, err
	}
	var units []models.Unit
	for _, u := range all {
		if models.FAQMayEdit(v, u.ID) {
			units = append(units, u)
		}
	}
	return fiber.Map{"Categories": cats, "Units": units}, nil
}

type faqForm struct {
	ID                                    int64
	Ref, Category, Unit, Question, Answer string
	Version                               int
	Status                                string
	Publish                               bool
}

func (s *Server) renderFAQForm(c *fiber.Ctx, status int, form faqForm, e *models.FAQEntry, verr *models.ValidationError) error {
	return s.renderFAQFormPage(c, status, form, e, verr, false)
}

// renderFAQFormPage is renderFAQForm; refused shows the publication
// guard's findings in the form's text as the reason publishing was refused,
// else a draft's stored text gets them as a warning.
func (s *Server) renderFAQFormPage(c *fiber.Ctx, status int, form faqForm, e *models.FAQEntry, verr *models.ValidationError, refused bool) error {
	v := viewerOf(c)
	data, err := s.faqFormRefs(c, v)
	if err != nil {
		return err
	}
	if refused || (e != nil && e.Status == models.FAQDraft) {
		q, a := models.CleanText(form.Question), models.CleanText(form.Answer)
		itemID, releaseURL := "", ""
		if e != nil {
			itemID = models.FAQItemID(e.ID)
			if models.FAQMayPublish(v, e.UnitID) {
				releaseURL = fmt.Sprintf("/admin/faq/%d/release", e.ID)
			}
			if !refused {
				q, a = e.Question, e.Answer
			}
		}
		fields := models.FAQPublicFields(q, a)
		fs, err := s.Store.PersonalDataOf(c.UserContext(), itemID, fields)
		if err != nil {
			return err
		}
		data["PD"] = personalDataView(fields, fs, refused, releaseURL)
	}
	data["Form"] = form
	data["Entry"] = e
	errs := map[string]string{}
	if verr != nil {
		fields := s.translateFields(c, verr)
		for _, f := range fields {
			errs[f.Field] = f.Message
		}
		data["ErrorList"] = fields
	}
	data["Errors"] = errs
	mayPublish := v.SeesAllUnits() || v.Role == models.RoleLeader
	if e != nil {
		mayPublish = models.FAQMayPublish(v, e.UnitID)
		data["MayEdit"] = models.FAQMayEdit(v, e.UnitID) && (e.Status != models.FAQPublished || mayPublish)
	} else {
		data["MayEdit"] = true
	}
	data["MayPublish"] = mayPublish
	title := s.t(c, "admin.faq.new")
	if e != nil {
		title = s.t(c, "admin.faq.edit")
	}
	return s.renderAdmin(c, status, "admin_faq_edit", title, data)
}

func (s *Server) adminFAQNew(c *fiber.Ctx) error {
	form := faqForm{}
	if u := currentUser(c); u.Unit != nil {
		form.Unit = u.Unit.Code
	}
	return s.renderFAQForm(c, fiber.StatusOK, form, nil, nil)
}

func faqFormFrom(c *fiber.Ctx) faqForm {
	f := faqForm{
		Ref: strings.Clone(c.FormValue("ref")), Category: strings.Clone(c.FormValue("category")),
		Unit: strings.Clone(c.FormValue("unit")), Question: strings.Clone(c.FormValue("question")),
		Answer: strings.Clone(c.FormValue("answer")), Publish: c.FormValue("publish") != "",
	}
	f.Version, _ = strconv.Atoi(c.FormValue("version"))
	return f
}

func (f faqForm) input() models.FAQInput {
	return models.FAQInput{Ref: f.Ref, Category: f.Category, Unit: f.Unit, Question: f.Question, Answer: f.Answer,
		Publish: f.Publish, Version: f.Version}
}

func (s *Server) adminFAQCreate(c *fiber.Ctx) error {
	form := faqFormFrom(c)
	e, err := s.Store.CreateFAQ(c.UserContext(), viewerOf(c), form.input())
	if verr, ok := models.AsValidation(err); ok {
		return s.renderFAQForm(c, fiber.StatusBadRequest, form, nil, verr)
	}
	if _, ok := models.AsPersonalData(err); ok {
		return s.renderFAQFormPage(c, fiber.StatusConflict, form, nil, nil, true)
	}
	if err != nil {
		return err
	}
	if e.Status == models.FAQPublished {
		s.notifySearch()
	}
	return c.Redirect(fmt.Sprintf("/admin/faq/%d", e.ID), fiber.StatusSeeOther)
}

func faqFormOf(e *models.FAQEntry) faqForm {
	f := faqForm{ID: e.ID, Ref: e.Ref, Question: e.Question, Answer: e.Answer, Version: e.Version, Status: e.Status,
		Publish: e.Status == models.FAQPublished}
	if e.Category != nil {
		f.Category = e.Category.Code
	}
	if e.Unit != nil {
		f.Unit = e.Unit.Code
	}
	return f
}

func (s *Server) adminFAQEdit(c *fiber.Ctx) error {
	id, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	e, err := s.Store.GetFAQ(c.UserContext(), viewerOf(c), id)
	if err != nil {
		return err
	}
	return s.renderFAQForm(c, fiber.StatusOK, faqFormOf(e), e, nil)
}

func (s *Server) adminFAQUpdate(c *fiber.Ctx) error {
	id, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	v := viewerOf(c)
	form := faqFormFrom(c)
	form.ID = id
	e, err := s.Store.UpdateFAQ(c.UserContext(), v, id, form.input())
	if verr, ok := models.AsValidation(err); ok {
		cur, gerr := s.Store.GetFAQ(c.UserContext(), v, id)
		if gerr != nil {
			return gerr
		}
		form.Status = cur.Status
		return s.renderFAQForm(c, fiber.StatusBadRequest, form, cur, verr)
	}
	if _, ok := models.AsPersonalData(err); ok {
		cur, gerr := s.Store.GetFAQ(c.UserContext(), v, id)
		if gerr != nil {
			return gerr
		}
		form.Status = cur.Status
		return s.renderFAQFormPage(c, fiber.StatusConflict, form, cur, nil, true)
	}
	if err != nil {
		return err
	}
	s.notifySearch() // a published entry's new version, or a withdrawal
	return c.Redirect(fmt.Sprintf("/admin/faq/%d", e.ID), fiber.StatusSeeOther)
}

func (s *Server) adminFAQPublish(c *fiber.Ctx) error {
	id, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	_, err := s.Store.PublishFAQ(c.UserContext(), viewerOf(c), id)
	if _, ok := models.AsPersonalData(err); ok {
		e, gerr := s.Store.GetFAQ(c.UserContext(), viewerOf(c), id)
		if gerr != nil {
			return gerr
		}
		return s.renderFAQFormPage(c, fiber.StatusConflict, faqFormOf(e), e, nil, true)
	}
	if err != nil {
		return err
	}
	s.notifySearch()
	return c.Redirect(fmt.Sprintf("/admin/faq/%d", id), fiber.StatusSeeOther)
}

// adminFAQRelease releases one exact finding of the publication guard.
func (s *Server) adminFAQRelease(c *fiber.Ctx) error {
	id, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	v := viewerOf(c)
	in := models.ReleaseInput{Kind: strings.Clone(c.FormValue("kind")), Text: strings.Clone(c.FormValue("text")),
		Reason: strings.Clone(c.FormValue("reason"))}
	err := s.Store.ReleaseFAQFinding(c.UserContext(), v, id, in)
	if verr, ok := models.AsValidation(err); ok {
		e, gerr := s.Store.GetFAQ(c.UserContext(), v, id)
		if gerr != nil {
			return gerr
		}
		return s.renderFAQForm(c, fiber.StatusBadRequest, faqFormOf(e), e, verr)
	}
	if err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/faq/%d", id), fiber.StatusSeeOther)
}

func (s *Server) adminFAQUnpublish(c *fiber.Ctx) error {
	id, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	if _, err := s.Store.UnpublishFAQ(c.UserContext(), viewerOf(c), id); err != nil {
		return err
	}
	s.notifySearch()
	return c.Redirect(fmt.Sprintf("/admin/faq/%d", id), fiber.StatusSeeOther)
}

func (s *Server) adminFAQExport(c *fiber.Ctx) error {
	var buf bytes.Buffer
	if _, err := s.Store.ExportFAQ(c.UserContext(), viewerOf(c), &buf); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="faq.xlsx"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Type("xlsx")
	return c.Send(buf.Bytes())
}

type importErrorView struct {
	Line    int
	Ref     string
	Field   string
	Message string
}

func (s *Server) adminFAQImport(c *fiber.Ctx) error {
	v := viewerOf(c)
	if !models.FAQMayImport(v) {
		return fiber.ErrForbidden
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "file")
	}
	format := models.FAQFormatOf(fh.Filename)
	data := fiber.Map{"FileName": fh.Filename}
	if format == "" {
		data["BadFormat"] = true
		return s.renderAdmin(c, fiber.StatusBadRequest, "admin_faq_import", s.t(c, "admin.faq.import"), data)
	}
	f, err := fh.Open()
	if err != nil {
		return fmt.Errorf("open upload: %w", err)
	}
	defer f.Close()
	res, err := s.Store.ImportFAQ(c.UserContext(), io.LimitReader(f, LimitImport), format,
		models.FAQImportOptions{Actor: v, Draft: c.FormValue("draft") != ""})
	if err != nil {
		return err
	}
	if res.Published > 0 {
		s.notifySearch()
	}
	data["Result"] = res
	data["Errors"] = s.importErrorViews(c, res.Errors)
	return s.renderAdmin(c, fiber.StatusOK, "admin_faq_import", s.t(c, "admin.faq.import"), data)
}

func (s *Server) adminSynonyms(c *fiber.Ctx) error {
	rules, err := s.Store.Synonyms(c.UserContext())
	if err != nil {
		return err
	}
	return s.renderAdmin(c, fiber.StatusOK, "admin_synonyms", s.t(c, "admin.synonyms.heading"), fiber.Map{
		"Text": synonymsText(rules), "Count": len(rules), "Saved": c.Query("saved") != ""})
}

func (s *Server) adminSynonymsSave(c *fiber.Ctx) error {
	text := strings.Clone(c.FormValue("synonyms"))
	parsed, err := search.ParseSynonyms(text)
	if err != nil {
		return s.renderAdmin(c, fiber.StatusBadRequest, "admin_synonyms", s.t(c, "admin.synonyms.heading"), fiber.Map{
			"Text": text, "Error": err.Error()})
	}
	if err := s.Store.ReplaceSynonyms(c.UserContext(), viewerOf(c), searchrt.SynonymRules(parsed)); err != nil {
		return err
	}
	if s.Search != nil {
		if err := s.Search.LoadSynonyms(c.UserContext()); err != nil {
			return err
		}
	}
	return c.Redirect("/admin/synonyms?saved=1", fiber.StatusSeeOther)
}
