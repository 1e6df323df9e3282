package app

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"pakn/models"
	"pakn/models/personaldata"
	"pakn/models/workdays"
	"pakn/search"
)

func (s *Server) petitionPage(c *fiber.Ctx) error {
	code := strings.Clone(c.Params("code"))
	err := s.renderPetition(c, fiber.StatusOK, code, nil, nil)
	if errors.Is(err, models.ErrNotFound) && c.Query("done") == models.ActTransfer {
		// Transferred to a unit the official does not belong to: back to
		// the inbox, which says so (for any code: it tells nothing).
		return c.Redirect("/admin?transferred="+url.QueryEscape(models.NormalizeCode(code)), fiber.StatusSeeOther)
	}
	return err
}

// renderPetition shows the officials' page of a petition, with the form
// values and errors of a failed action when there are some.
func (s *Server) renderPetition(c *fiber.Ctx, status int, code string, form map[string]string, verr *models.ValidationError) error {
	return s.renderPetitionPage(c, status, code, form, verr, false)
}

// renderPetitionPage is renderPetition; refused shows the publication
// guard's findings as the reason a publication was refused (an alert)
// rather than as a draft's warning.
func (s *Server) renderPetitionPage(c *fiber.Ctx, status int, code string, form map[string]string, verr *models.ValidationError, refused bool) error {
	u := currentUser(c)
	v := models.ViewerOf(u)
	ctx := c.UserContext()
	d, err := s.Store.PetitionForOfficial(ctx, v, code)
	if err != nil {
		return err
	}
	units, err := s.Store.ListUnits(ctx)
	if err != nil {
		return err
	}
	p := &d.Petition
	subj := models.SubjectOf(p)
	if form == nil {
		form = map[string]string{}
	}
	prefill := func(k, v string) {
		if _, ok := form[k]; !ok {
			form[k] = v
		}
	}
	prefill("answer", p.Answer)
	q := p.PublicQuestion
	if q == "" {
		q = personaldata.Redact(p.Content, subj)
	}
	prefill("public_question", q)
	title := p.PublicTitle
	if title == "" {
		title = personaldata.Redact(p.Title, subj)
	}
	prefill("public_title", title)
	a := p.PublicAnswer
	if a == "" && p.Answer != "" {
		a = personaldata.Redact(p.Answer, subj)
	}
	prefill("public_answer", a)
	prefill("reply_number", p.ReplyNumber)
	prefill("dossier_code", p.DossierCode)
	prefill("procedure_code", p.ProcedureCode)
	if p.ReplyDate != nil {
		prefill("reply_date", p.ReplyDate.In(workdays.VietnamLocation()).Format("2006-01-02"))
	}
	errs := s.fieldErrors(c, verr)
	can := map[string]bool{}
	for _, act := range d.Actions {
		can[act] = true
	}
	can["note"] = models.RoleMay(u.Role, models.ActNote)
	_, attachOK := models.NextState(models.ActAttach, p.Status)
	can["attach"] = models.RoleMay(u.Role, models.ActAttach) && attachOK == nil
	can["references"] = models.RoleMay(u.Role, models.ActReferences)
	procName, err := s.Store.ProcedureNames(ctx, p.ProcedureCode)
	if err != nil {
		return err
	}
	_, releaseOK := models.NextState(models.ActRelease, p.Status)
	releaseURL := ""
	if models.RoleMay(u.Role, models.ActRelease) && releaseOK == nil {
		releaseURL = "/admin/petitions/" + p.Code + "/" + models.ActRelease
	}
	cal, err := s.Store.Calendar(ctx)
	if err != nil {
		return err
	}
	var similar []search.Hit
	if can["draft"] {
		similar = s.similarForDraft(c, p)
	}
	var assignee int64
	if p.AssigneeID != nil {
		assignee = *p.AssigneeID
	}
	return s.renderAdmin(c, status, "admin_petition", p.Code, fiber.Map{
		"AssigneeID": assignee,
		"D":          d, "P": p, "Timeline": s.officialTimeline(langOf(c), d.Timeline), "Form": form, "Errors": errs, "Can": can, "Units": units,
		"Deadline": models.DeadlineState(cal, p.DueAt, s.Store.Now()),
		"Done":     s.actionDone(c), "Refusal": c.Locals(localRefusal),
		"PD":        personalDataView(models.PetitionPublicFields(p), d.PersonalData, refused, releaseURL),
		"MaxExtend": models.DefaultExtensionMaxDays, "Similar": similar,
		"ProcedureName": procName[p.ProcedureCode], "Procedures": s.procedureChoices(c),
	})
}

// petitionAction handles every form post of DESIGN.md's contract: 303 to
// the page when done, 403/404/409 from the store's checks, 400 with the
// page and its errors for bad input.
func (s *Server) petitionAction(c *fiber.Ctx) error {
	u := currentUser(c)
	v := models.ViewerOf(u)
	ctx := c.UserContext()
	code := models.NormalizeCode(strings.Clone(c.Params("code")))
	action := strings.Clone(c.Params("action"))
	// Scope, role and state first: nobody learns anything from the
	// validation of a form they may not send.
	if err := s.Store.AuthorizeAction(ctx, v, code, action); err != nil {
		return s.refuseAction(c, code, action, err)
	}
	form := map[string]string{}
	fv := func(k string) string {
		val := strings.Clone(c.FormValue(k))
		form[k] = val
		return val
	}
	var err error
	switch action {
	case models.ActAccept:
		_, err = s.Store.AcceptPetition(ctx, v, code)
	case models.ActReject:
		_, err = s.Store.RejectPetition(ctx, v, code, models.RejectInput{Reason: fv("reason"), Code: fv("reason_code")})
	case models.ActDuplicate:
		_, err = s.Store.MarkDuplicate(ctx, v, code, fv("of"))
	case models.ActAssign:
		id, perr := strconv.ParseInt(fv("user"), 10, 64)
		if perr != nil {
			err = fieldError("user", "err.required")
			break
		}
		_, err = s.Store.AssignPetition(ctx, v, code, id)
	case models.ActTransfer:
		_, err = s.Store.TransferPetition(ctx, v, code, fv("unit"), fv("reason"))
	case models.ActRequestInfo:
		_, err = s.Store.RequestInfo(ctx, v, code, fv("message"))
	case models.ActDraft:
		err = s.draftAction(c, v, code, fv)
	case models.ActApprove:
		_, err = s.Store.ApproveAnswer(ctx, v, code)
	case models.ActReturn:
		_, err = s.Store.ReturnAnswer(ctx, v, code, fv("reason"))
	case models.ActPublish:
		_, err = s.Store.PublishAnswer(ctx, v, code)
		if _, ok := models.AsPersonalData(err); ok {
			// The findings themselves stay out of the log: they are personal data.
			s.Log.Info("publication refused: personal data", "code", code, "user", u.ID)
			return s.renderPetitionPage(c, fiber.StatusConflict, code, nil, nil, true)
		}
	case models.ActRelease:
		_, err = s.Store.ReleaseAnswerFinding(ctx, v, code, models.ReleaseInput{Kind: fv("kind"), Text: fv("text"), Reason: fv("reason")})
	case models.ActUnpublish:
		_, err = s.Store.UnpublishAnswer(ctx, v, code)
	case models.ActExtend:
		days, perr := strconv.Atoi(strings.TrimSpace(fv("days")))
		if perr != nil {
			err = fieldError("days", "err.required")
			break
		}
		_, err = s.Store.ExtendDeadline(ctx, v, code, days, fv("reason"))
	case models.ActNote:
		err = s.Store.AddNote(ctx, v, code, fv("body"))
	case models.ActReferences:
		_, err = s.Store.CorrectReferences(ctx, v, code, fv("dossier_code"), fv("procedure_code"))
	case models.ActAttach:
		var files []models.AttachmentInput
		files, err = readFiles(c, "files")
		if err == nil {
			err = s.Store.AttachReply(ctx, v, code, files)
		}
	default:
		return fiber.ErrNotFound
	}
	if verr, ok := models.AsValidation(err); ok {
		return s.renderPetition(c, fiber.StatusBadRequest, code, form, verr)
	}
	if err != nil {
		return s.refuseAction(c, code, action, err)
	}
	s.Log.Info("petition action", "code", code, "action", action, "user", u.ID)
	return afterAction(c, code, action)
}

func (s *Server) draftAction(c *fiber.Ctx, v models.Viewer, code string, fv func(string) string) error {
	in := models.DraftInput{Answer: fv("answer"), PublicQuestion: fv("public_question"), PublicAnswer: fv("public_answer"), PublicTitle: fv("public_title"), ReplyNumber: fv("reply_number")}
	if d := strings.TrimSpace(fv("reply_date")); d != "" {
		t, err := time.ParseInLocation("2006-01-02", d, workdays.VietnamLocation())
		if err != nil {
			return fieldError("reply_date", "err.date")
		}
		in.ReplyDate = &t
	}
	files, err := readFiles(c, "files")
	if err != nil {
		return err
	}
	if verr := models.ValidateAttachments(files, "files", 0); verr.Err() != nil {
		return verr
	}
	if _, err := s.Store.DraftAnswer(c.UserContext(), v, code, in); err != nil {
		return err
	}
	if len(files) > 0 {
		return s.Store.AttachReply(c.UserContext(), v, code, files)
	}
	return nil
}

func fieldError(field, key string) error {
	v := &models.ValidationError{}
	v.Add(field, key, nil)
	return v
}

// readFiles reads the uploaded files of a multipart field; a form that is
// not multipart has none.
func readFiles(c *fiber.Ctx, field string) ([]models.AttachmentInput, error) {
	if !strings.HasPrefix(strings.ToLower(string(c.Request().Header.ContentType())), "multipart/form-data") {
		return nil, nil
	}
	mf, err := c.MultipartForm()
	if err != nil {
		return nil, fiber.NewError(fiber.StatusBadRequest, "bad multipart form")
	}
	var out []models.AttachmentInput
	for i, fh := range mf.File[field] {
		if fh.Size == 0 && fh.Filename == "" {
			continue // the empty file input of a form sent without a file
		}
		if i >= models.MaxAttachments+1 {
			break
		}
		f, err := fh.Open()
		if err != nil {
			return nil, fmt.Errorf("open upload: %w", err)
		}
		data, err := io.ReadAll(io.LimitReader(f, models.MaxAttachmentSize+1))
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("read upload: %w", err)
		}
		if len(data) == 0 && fh.Filename == "" {
			continue
		}
		out = append(out, models.AttachmentInput{Name: strings.Clone(fh.Filename), Data: data})
	}
	return out, nil
}

func (s *Server) petitionFile(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	f, err := s.Store.AttachmentForOfficial(c.UserContext(), models.ViewerOf(currentUser(c)), strings.Clone(c.Params("code")), id)
	if err != nil {
		return err
	}
	return sendAttachment(c, f)
}

// sendAttachment serves a stored file as a download, never rendered inline
// in our origin.
func sendAttachment(c *fiber.Ctx, f *models.AttachmentFile) error {
	c.Set(fiber.HeaderContentType, f.ContentType)
	name := models.DownloadName(f.Name, f.ContentType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+models.ASCIIFileName(name)+`"; filename*=UTF-8''`+urlPathEscape(name))
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	return c.Send(f.Data)
}

func urlPathEscape(s string) string { return url.PathEscape(s) }

func itoa(n int) string { return strconv.Itoa(n) }
