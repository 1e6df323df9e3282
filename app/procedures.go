package app

import (
	"fmt"
	"io"
	"strings"

	"github.com/gofiber/fiber/v2"

	"pakn/models"
)

// procedureChoices are the procedures an intake form offers (a datalist:
// the browser filters it as the person types, without JavaScript). A
// failure only leaves the list out: the field still takes a typed code.
func (s *Server) procedureChoices(c *fiber.Ctx) []models.Procedure {
	procs, err := s.Store.ListProcedures(c.UserContext())
	if err != nil {
		s.Log.Error("procedure choices", "err", err)
		return nil
	}
	return procs
}

// procedureListLimit bounds the administrator's list page.
const procedureListLimit = 500

func (s *Server) adminProcedures(c *fiber.Ctx) error {
	return s.renderProcedures(c, fiber.StatusOK, fiber.Map{})
}

func (s *Server) renderProcedures(c *fiber.Ctx, status int, data fiber.Map) error {
	ctx := c.UserContext()
	q := strings.Clone(c.Query("q"))
	procs, err := s.Store.SearchProcedures(ctx, q, procedureListLimit)
	if err != nil {
		return err
	}
	hist, err := s.Store.ConfigHistory(ctx, "procedure", 20)
	if err != nil {
		return err
	}
	data["Procedures"], data["Query"], data["Limit"] = procs, q, procedureListLimit
	data["History"] = hist
	return s.renderAdmin(c, status, "admin_procedures", s.t(c, "proc.heading"), data)
}

func (s *Server) adminProcedureImport(c *fiber.Ctx) error {
	fh, err := c.FormFile("file")
	if err != nil {
		return s.renderProcedures(c, fiber.StatusBadRequest, fiber.Map{"BadFormat": true})
	}
	format := models.FAQFormatOf(fh.Filename)
	data := fiber.Map{"FileName": fh.Filename}
	if format != models.FAQFormatXLSX && format != models.FAQFormatCSV {
		data["BadFormat"] = true
		return s.renderProcedures(c, fiber.StatusBadRequest, data)
	}
	f, err := fh.Open()
	if err != nil {
		return fmt.Errorf("open upload: %w", err)
	}
	defer f.Close()
	res, err := s.Store.ImportProcedures(c.UserContext(), io.LimitReader(f, LimitImport), format,
		models.ProcedureImportOptions{Actor: viewerOf(c)})
	if err != nil {
		return err
	}
	data["Result"], data["Errors"] = res, s.importErrorViews(c, res.Errors)
	return s.renderProcedures(c, fiber.StatusOK, data)
}

func (s *Server) adminProcedureDeactivate(c *fiber.Ctx) error {
	err := s.Store.DeactivateProcedure(c.UserContext(), viewerOf(c), strings.Clone(c.Params("code")))
	return s.cfgDone(c, "/admin/procedures", err, nil)
}

// importErrorViews puts an import's rejected rows in the user's language.
func (s *Server) importErrorViews(c *fiber.Ctx, rows []models.FAQRowError) []importErrorView {
	lang := langOf(c)
	out := make([]importErrorView, 0, len(rows))
	for _, e := range rows {
		msg := s.cat.TMap(lang, e.Key, e.Params)
		if d, ok := e.Params["detail"]; ok {
			msg += " (" + fmt.Sprint(d) + ")"
		}
		out = append(out, importErrorView{Line: e.Line, Ref: e.Ref, Field: e.Field, Message: msg})
	}
	return out
}

type procedureJSON struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Field string `json:"field,omitempty"`
	Unit  string `json:"unit,omitempty"`
}

// apiProcedures is GET /api/v1/procedures?q=: the province's list, or the
// procedures whose code or name contains q.
func (s *Server) apiProcedures(c *fiber.Ctx) error {
	ctx := c.UserContext()
	procs, err := s.Store.SearchProcedures(ctx, strings.Clone(c.Query("q")), 5000)
	if err != nil {
		return err
	}
	out := make([]procedureJSON, 0, len(procs))
	for _, p := range procs {
		j := procedureJSON{Code: p.Code, Name: p.Name, Field: p.Field}
		if p.Unit != nil {
			j.Unit = p.Unit.Code
		}
		out = append(out, j)
	}
	return c.JSON(out)
}
