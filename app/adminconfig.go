package app

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"pakn/models"
	"pakn/models/workdays"
)

// cfgPage renders a configuration page with its recent history.
func (s *Server) cfgPage(c *fiber.Ctx, status int, name, titleKey, subject string, data fiber.Map, verr *models.ValidationError) error {
	hist, err := s.Store.ConfigHistory(c.UserContext(), subject, 20)
	if err != nil {
		return err
	}
	errs := s.fieldErrors(c, verr)
	data["History"] = hist
	data["Errors"] = errs
	if _, ok := data["Form"]; !ok {
		data["Form"] = map[string]string{}
	}
	return s.renderAdmin(c, status, name, s.t(c, titleKey), data)
}

// formOf copies the posted fields (Fiber reuses its buffers).
func formOf(c *fiber.Ctx, keys ...string) map[string]string {
	m := map[string]string{}
	for _, k := range keys {
		m[k] = strings.Clone(c.FormValue(k))
	}
	return m
}

func (s *Server) cfgDone(c *fiber.Ctx, path string, err error, rerender func(*models.ValidationError) error) error {
	if verr, ok := models.AsValidation(err); ok {
		return rerender(verr)
	}
	if err != nil {
		return err
	}
	return c.Redirect(path, fiber.StatusSeeOther)
}

func id64(s string) int64 { n, _ := strconv.ParseInt(strings.TrimSpace(s), 10, 64); return n }

func codeOf(units []models.Unit, id *int64) string {
	if id == nil {
		return ""
	}
	for _, u := range units {
		if u.ID == *id {
			return u.Code
		}
	}
	return ""
}

// --- units

func (s *Server) cfgUnits(c *fiber.Ctx) error { return s.unitsPage(c, fiber.StatusOK, nil, nil) }

func (s *Server) unitsPage(c *fiber.Ctx, status int, form map[string]string, verr *models.ValidationError) error {
	ctx := c.UserContext()
	tree, err := s.Store.UnitTree(ctx)
	if err != nil {
		return err
	}
	units, err := s.Store.AllUnits(ctx)
	if err != nil {
		return err
	}
	if form == nil {
		form = map[string]string{"active": "1", "kind": models.UnitDepartment}
		if id := id64(c.Query("edit")); id != 0 {
			for _, u := range units {
				if u.ID == id {
					form = map[string]string{"id": strconv.FormatInt(u.ID, 10), "code": u.Code, "name": u.Name, "name_en": u.NameEn,
						"kind": u.Kind, "parent": codeOf(units, u.ParentID), "active": boolStr(u.Active)}
				}
			}
		}
	}
	kinds := []string{models.UnitProvince, models.UnitCenter, models.UnitDepartment, models.UnitDistrict, models.UnitCommune}
	return s.cfgPage(c, status, "admin_units", "cfg.nav.units", "unit:", fiber.Map{"Tree": tree, "Units": units, "Kinds": kinds, "Form": form}, verr)
}

func boolStr(b bool) string {
	if b {
		return "1"
	}
	return ""
}

func (s *Server) cfgUnitSave(c *fiber.Ctx) error {
	f := formOf(c, "id", "code", "name", "name_en", "kind", "parent", "active")
	err := s.Store.SaveUnit(c.UserContext(), models.ViewerOf(currentUser(c)), models.UnitInput{
		ID: id64(f["id"]), Code: f["code"], Name: f["name"], NameEn: f["name_en"], Kind: f["kind"], ParentCode: f["parent"], Active: f["active"] != "",
	})
	return s.cfgDone(c, "/admin/units", err, func(v *models.ValidationError) error { return s.unitsPage(c, fiber.StatusBadRequest, f, v) })
}

// --- areas

func (s *Server) cfgAreas(c *fiber.Ctx) error { return s.areasPage(c, fiber.StatusOK, nil, nil) }

func (s *Server) areasPage(c *fiber.Ctx, status int, form map[string]string, verr *models.ValidationError) error {
	ctx := c.UserContext()
	areas, err := s.Store.ListAreas(ctx)
	if err != nil {
		return err
	}
	units, err := s.Store.AllUnits(ctx)
	if err != nil {
		return err
	}
	if form == nil {
		form = map[string]string{}
		if id := id64(c.Query("edit")); id != 0 {
			for _, a := range areas {
				if a.ID == id {
					form = map[string]string{"id": strconv.FormatInt(a.ID, 10), "code": a.Code, "name": a.Name, "unit": codeOf(units, a.UnitID)}
				}
			}
		}
	}
	unitCodes := map[int64]string{}
	for _, u := range units {
		unitCodes[u.ID] = u.Code
	}
	return s.cfgPage(c, status, "admin_areas", "cfg.nav.areas", "area:", fiber.Map{"Areas": areas, "Units": units, "UnitCodes": unitCodes, "Form": form}, verr)
}

func (s *Server) cfgAreaSave(c *fiber.Ctx) error {
	f := formOf(c, "id", "code", "name", "unit")
	err := s.Store.SaveArea(c.UserContext(), models.ViewerOf(currentUser(c)), models.AreaInput{ID: id64(f["id"]), Code: f["code"], Name: f["name"], UnitCode: f["unit"]})
	return s.cfgDone(c, "/admin/areas", err, func(v *models.ValidationError) error { return s.areasPage(c, fiber.StatusBadRequest, f, v) })
}

// --- categories

func (s *Server) cfgCategories(c *fiber.Ctx) error {
	return s.categoriesPage(c, fiber.StatusOK, nil, nil)
}

func (s *Server) categoriesPage(c *fiber.Ctx, status int, form map[string]string, verr *models.ValidationError) error {
	ctx := c.UserContext()
	cats, err := s.Store.AllCategories(ctx)
	if err != nil {
		return err
	}
	units, err := s.Store.AllUnits(ctx)
	if err != nil {
		return err
	}
	if form == nil {
		form = map[string]string{"active": "1"}
		if id := id64(c.Query("edit")); id != 0 {
			for _, k := range cats {
				if k.ID == id {
					form = map[string]string{"id": strconv.FormatInt(k.ID, 10), "code": k.Code, "name": k.Name, "name_en": k.NameEn,
						"department": codeOf(units, k.DepartmentID), "local": boolStr(k.Local), "active": boolStr(k.Active)}
				}
			}
		}
	}
	unitCodes := map[int64]string{}
	for _, u := range units {
		unitCodes[u.ID] = u.Code
	}
	return s.cfgPage(c, status, "admin_categories", "cfg.nav.categories", "category:", fiber.Map{"Categories": cats, "Units": units, "UnitCodes": unitCodes, "Form": form}, verr)
}

func (s *Server) cfgCategorySave(c *fiber.Ctx) error {
	f := formOf(c, "id", "code", "name", "name_en", "department", "local", "active")
	err := s.Store.SaveCategory(c.UserContext(), models.ViewerOf(currentUser(c)), models.CategoryInput{
		ID: id64(f["id"]), Code: f["code"], Name: f["name"], NameEn: f["name_en"], DepartmentCode: f["department"], Local: f["local"] != "", Active: f["active"] != "",
	})
	return s.cfgDone(c, "/admin/categories", err, func(v *models.ValidationError) error { return s.categoriesPage(c, fiber.StatusBadRequest, f, v) })
}

// --- routing rules

func (s *Server) cfgRules(c *fiber.Ctx) error { return s.rulesPage(c, fiber.StatusOK, nil, nil) }

func (s *Server) rulesPage(c *fiber.Ctx, status int, form map[string]string, verr *models.ValidationError) error {
	ctx := c.UserContext()
	rules, err := s.Store.ListRules(ctx)
	if err != nil {
		return err
	}
	units, err := s.Store.AllUnits(ctx)
	if err != nil {
		return err
	}
	cats, err := s.Store.AllCategories(ctx)
	if err != nil {
		return err
	}
	areas, err := s.Store.ListAreas(ctx)
	if err != nil {
		return err
	}
	catCodes, areaCodes, unitCodes := map[int64]string{}, map[int64]string{}, map[int64]string{}
	for _, k := range cats {
		catCodes[k.ID] = k.Code
	}
	for _, a := range areas {
		areaCodes[a.ID] = a.Code
	}
	for _, u := range units {
		unitCodes[u.ID] = u.Code
	}
	if form == nil {
		form = map[string]string{"target": models.TargetUnit, "position": strconv.Itoa((len(rules) + 1) * 10)}
		if id := id64(c.Query("edit")); id != 0 {
			for _, r := range rules {
				if r.ID == id {
					form = map[string]string{"id": strconv.FormatInt(r.ID, 10), "position": strconv.Itoa(r.Position), "name": r.Name, "kind": r.Kind,
						"category": codeOf2(catCodes, r.CategoryID), "area": codeOf2(areaCodes, r.AreaID), "only_local": boolStr(r.OnlyLocal),
						"require_area": boolStr(r.RequireArea), "target": r.Target, "unit": codeOf2(unitCodes, r.UnitID)}
				}
			}
		}
	}
	data := fiber.Map{"Rules": rules, "Units": units, "Categories": cats, "Areas": areas, "Form": form,
		"CatCodes": catCodes, "AreaCodes": areaCodes, "UnitCodes": unitCodes,
		"Targets": []string{models.TargetUnit, models.TargetAreaUnit, models.TargetCategoryUnit, models.TargetProcedureUnit}}
	// The preview: where would a sample petition go?
	if pc := strings.Clone(c.Query("p_category")); pc != "" {
		preview := map[string]string{"category": pc, "area": strings.Clone(c.Query("p_area")), "kind": strings.Clone(c.Query("p_kind")),
			"procedure": strings.Clone(c.Query("p_procedure"))}
		data["Preview"] = preview
		var catID int64
		for _, k := range cats {
			if k.Code == pc {
				catID = k.ID
			}
		}
		var areaID *int64
		for i := range areas {
			if areas[i].Code == preview["area"] {
				areaID = &areas[i].ID
			}
		}
		if catID != 0 {
			kind := preview["kind"]
			if kind == "" {
				kind = models.KindComplaint
			}
			r := models.RouteRequest{Kind: kind, CategoryID: catID, AreaID: areaID}
			if preview["procedure"] != "" {
				p, err := s.Store.ProcedureByCode(ctx, preview["procedure"])
				if err != nil && !errors.Is(err, models.ErrNotFound) {
					return err
				}
				if p != nil {
					r.ProcedureUnitID = p.UnitID
				}
			}
			d, err := s.Store.PreviewRoute(ctx, r)
			if err != nil {
				return err
			}
			data["Decision"] = d
		}
	}
	return s.cfgPage(c, status, "admin_rules", "cfg.nav.rules", "rule:", data, verr)
}

func codeOf2(m map[int64]string, id *int64) string {
	if id == nil {
		return ""
	}
	return m[*id]
}

func (s *Server) cfgRuleSave(c *fiber.Ctx) error {
	f := formOf(c, "id", "position", "name", "kind", "category", "area", "only_local", "require_area", "target", "unit")
	pos, _ := strconv.Atoi(strings.TrimSpace(f["position"]))
	err := s.Store.SaveRule(c.UserContext(), models.ViewerOf(currentUser(c)), models.RuleInput{
		ID: id64(f["id"]), Position: pos, Name: f["name"], Kind: f["kind"], CategoryCode: f["category"], AreaCode: f["area"],
		OnlyLocal: f["only_local"] != "", RequireArea: f["require_area"] != "", Target: f["target"], UnitCode: f["unit"],
	})
	return s.cfgDone(c, "/admin/rules", err, func(v *models.ValidationError) error { return s.rulesPage(c, fiber.StatusBadRequest, f, v) })
}

func (s *Server) cfgRuleDelete(c *fiber.Ctx) error {
	err := s.Store.DeleteRule(c.UserContext(), models.ViewerOf(currentUser(c)), id64(c.Params("id")))
	return s.cfgDone(c, "/admin/rules", err, nil)
}

// --- holidays

func (s *Server) cfgHolidays(c *fiber.Ctx) error { return s.holidaysPage(c, fiber.StatusOK, nil, nil) }

func (s *Server) holidaysPage(c *fiber.Ctx, status int, form map[string]string, verr *models.ValidationError) error {
	days, err := s.Store.ListHolidays(c.UserContext())
	if err != nil {
		return err
	}
	if form == nil {
		form = map[string]string{"kind": "holiday", "confidence": workdays.ConfidenceAnnounced}
		if d := c.Query("edit"); d != "" {
			for _, h := range days {
				if h.Date == d {
					form = map[string]string{"date": h.Date, "name": h.Name, "kind": h.Kind, "source": h.Source, "confidence": h.Confidence}
				}
			}
		}
	}
	return s.cfgPage(c, status, "admin_holidays", "cfg.nav.holidays", "holiday:", fiber.Map{"Days": days, "Form": form}, verr)
}

func (s *Server) cfgHolidaySave(c *fiber.Ctx) error {
	f := formOf(c, "date", "name", "kind", "source", "confidence")
	err := s.Store.SaveHoliday(c.UserContext(), models.ViewerOf(currentUser(c)), models.HolidayInput{Date: f["date"], Name: f["name"], Kind: f["kind"], Source: f["source"], Confidence: f["confidence"]})
	return s.cfgDone(c, "/admin/holidays", err, func(v *models.ValidationError) error { return s.holidaysPage(c, fiber.StatusBadRequest, f, v) })
}

func (s *Server) cfgHolidayDelete(c *fiber.Ctx) error {
	err := s.Store.DeleteHoliday(c.UserContext(), models.ViewerOf(currentUser(c)), strings.Clone(c.Params("date")))
	return s.cfgDone(c, "/admin/holidays", err, nil)
}

// --- users

func (s *Server) cfgUsers(c *fiber.Ctx) error { return s.usersPage(c, fiber.StatusOK, nil, nil) }

func (s *Server) usersPage(c *fiber.Ctx, status int, form map[string]string, verr *models.ValidationError) error {
	ctx := c.UserContext()
	users, err := s.Store.ListUsers(ctx)
	if err != nil {
		return err
	}
	units, err := s.Store.AllUnits(ctx)
	if err != nil {
		return err
	}
	if form == nil {
		form = map[string]string{"role": models.RoleOfficer}
	}
	data := fiber.Map{"Users": users, "Units": units, "Roles": models.Roles, "Form": form}
	if err := s.addSignInAdmin(c, data); err != nil {
		return err
	}
	return s.cfgPage(c, status, "admin_users", "cfg.nav.users", "user:", data, verr)
}

func (s *Server) cfgUserSave(c *fiber.Ctx) error {
	f := formOf(c, "email", "name", "role", "unit", "password")
	// The administrator chose the password: the official changes it at
	// their first sign-in.
	_, err := s.Store.CreateUserAs(c.UserContext(), models.ViewerOf(currentUser(c)), models.NewUserInput{
		Email: f["email"], Name: f["name"], Role: f["role"], UnitCode: f["unit"], Password: f["password"], MustChangePassword: true,
	})
	f["password"] = ""
	return s.cfgDone(c, "/admin/users", err, func(v *models.ValidationError) error { return s.usersPage(c, fiber.StatusBadRequest, f, v) })
}

func (s *Server) cfgUserActive(c *fiber.Ctx) error {
	err := s.Store.SetUserActive(c.UserContext(), models.ViewerOf(currentUser(c)), id64(c.Params("id")), c.FormValue("active") != "")
	return s.cfgDone(c, "/admin/users", err, nil)
}
