package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"pakn/models/workdays"
)

// The administrator's configuration: units, areas, categories, routing
// rules, users and the holiday calendar. Every change writes an audit event
// whose Subject names what changed, with the old and new values as JSON.

func configEvent(tx *gorm.DB, v Viewer, subject, typ string, old, new any, now time.Time) error {
	enc := func(x any) string {
		if x == nil {
			return ""
		}
		b, _ := json.Marshal(x)
		return string(b)
	}
	return tx.Create(&Event{Subject: subject, At: now, ActorID: &v.ID, ActorName: v.Name, Type: typ,
		FromValue: enc(old), ToValue: enc(new)}).Error
}

func (s *Store) adminTx(ctx context.Context, v Viewer, fn func(tx *gorm.DB, now time.Time) error) error {
	if v.Role != RoleAdmin {
		return ErrForbidden
	}
	return s.Tx(ctx, func(tx *gorm.DB) error { return fn(tx, s.now()) })
}

func idByCode(tx *gorm.DB, model any, code, field string, v *ValidationError) *int64 {
	code = strings.TrimSpace(code)
	if code == "" {
		return nil
	}
	var id int64
	if err := tx.Model(model).Select("id").Where("code = ?", code).Scan(&id).Error; err != nil || id == 0 {
		v.Add(field, "err.unknown_code", nil)
		return nil
	}
	return &id
}

// UnitInput creates (ID 0) or changes a unit.
type UnitInput struct {
	ID                 int64
	Code, Name, NameEn string
	Kind, ParentCode   string
	Active             bool
}

// SaveUnit creates or updates a unit.
func (s *Store) SaveUnit(ctx context.Context, v Viewer, in UnitInput) error {
	return s.adminTx(ctx, v, func(tx *gorm.DB, now time.Time) error {
		bad := &ValidationError{}
		in.Code, in.Name, in.NameEn = strings.ToUpper(CleanLine(in.Code)), CleanLine(in.Name), CleanLine(in.NameEn)
		if in.Code == "" {
			bad.Add("code", "err.required", nil)
		}
		if in.Name == "" {
			bad.Add("name", "err.required", nil)
		}
		switch in.Kind {
		case UnitProvince, UnitCenter, UnitDepartment, UnitDistrict, UnitCommune:
		default:
			bad.Add("kind", "err.unknown_code", nil)
		}
		parent := idByCode(tx, &Unit{}, strings.ToUpper(in.ParentCode), "parent", bad)
		var u Unit
		if in.ID != 0 {
			if err := tx.First(&u, in.ID).Error; err != nil {
				return ErrNotFound
			}
			if parent != nil && *parent == u.ID {
				bad.Add("parent", "err.unknown_code", nil)
			}
		}
		if err := bad.Err(); err != nil {
			return err
		}
		old := u
		u.Code, u.Name, u.NameEn, u.Kind, u.ParentID, u.Active = in.Code, in.Name, in.NameEn, in.Kind, parent, in.Active
		if err := tx.Save(&u).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				bad.Add("code", "err.taken", nil)
				return bad
			}
			return fmt.Errorf("save unit: %w", err)
		}
		var prev any
		if in.ID != 0 {
			prev = old
		}
		return configEvent(tx, v, "unit:"+u.Code, "unit_saved", prev, u, now)
	})
}

// AreaInput creates or changes an area.
type AreaInput struct {
	ID                   int64
	Code, Name, UnitCode string
}

// SaveArea creates or updates an area.
func (s *Store) SaveArea(ctx context.Context, v Viewer, in AreaInput) error {
	return s.adminTx(ctx, v, func(tx *gorm.DB, now time.Time) error {
		bad := &ValidationError{}
		in.Code, in.Name = strings.ToUpper(CleanLine(in.Code)), CleanLine(in.Name)
		if in.Code == "" {
			bad.Add("code", "err.required", nil)
		}
		if in.Name == "" {
			bad.Add("name", "err.required", nil)
		}
		unit := idByCode(tx, &Unit{}, strings.ToUpper(in.UnitCode), "unit", bad)
		var a Area
		if in.ID != 0 && tx.First(&a, in.ID).Error != nil {
			return ErrNotFound
		}
		if err := bad.Err(); err != nil {
			return err
		}
		old := a
		a.Code, a.Name, a.UnitID = in.Code, in.Name, unit
		if err := tx.Save(&a).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				bad.Add("code", "err.taken", nil)
				return bad
			}
			return fmt.Errorf("save area: %w", err)
		}
		var prev any
		if in.ID != 0 {
			prev = old
		}
		return configEvent(tx, v, "area:"+a.Code, "area_saved", prev, a, now)
	})
}

// CategoryInput creates or changes a category.
type CategoryInput struct {
	ID                 int64
	Code, Name, NameEn string
	DepartmentCode     string
	Local, Active      bool
}

// SaveCategory creates or updates a category.
func (s *Store) SaveCategory(ctx context.Context, v Viewer, in CategoryInput) error {
	return s.adminTx(ctx, v, func(tx *gorm.DB, now time.Time) error {
		bad := &ValidationError{}
		in.Code, in.Name, in.NameEn = strings.ToLower(CleanLine(in.Code)), CleanLine(in.Name), CleanLine(in.NameEn)
		if in.Code == "" {
			bad.Add("code", "err.required", nil)
		}
		if in.Name == "" {
			bad.Add("name", "err.required", nil)
		}
		dep := idByCode(tx, &Unit{}, strings.ToUpper(in.DepartmentCode), "department", bad)
		var c Category
		if in.ID != 0 && tx.First(&c, in.ID).Error != nil {
			return ErrNotFound
		}
		if err := bad.Err(); err != nil {
			return err
		}
		old := c
		c.Code, c.Name, c.NameEn, c.DepartmentID, c.Local, c.Active = in.Code, in.Name, in.NameEn, dep, in.Local, in.Active
		if err := tx.Save(&c).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				bad.Add("code", "err.taken", nil)
				return bad
			}
			return fmt.Errorf("save category: %w", err)
		}
		var prev any
		if in.ID != 0 {
			prev = old
		}
		return configEvent(tx, v, "category:"+c.Code, "category_saved", prev, c, now)
	})
}

// RuleInput creates or changes a routing rule.
type RuleInput struct {
	ID                     int64
	Position               int
	Name, Kind             string
	CategoryCode, AreaCode string
	OnlyLocal, RequireArea bool
	Target, UnitCode       string
}

// SaveRule creates or updates a routing rule.
func (s *Store) SaveRule(ctx context.Context, v Viewer, in RuleInput) error {
	return s.adminTx(ctx, v, func(tx *gorm.DB, now time.Time) error {
		bad := &ValidationError{}
		in.Name = CleanLine(in.Name)
		switch in.Kind {
		case "", KindComplaint, KindRecommendation:
		default:
			bad.Add("kind", "err.kind", nil)
		}
		cat := idByCode(tx, &Category{}, in.CategoryCode, "category", bad)
		area := idByCode(tx, &Area{}, strings.ToUpper(in.AreaCode), "area", bad)
		unit := idByCode(tx, &Unit{}, strings.ToUpper(in.UnitCode), "unit", bad)
		switch in.Target {
		case TargetUnit:
			if unit == nil && !bad.Has("unit") {
				bad.Add("unit", "err.required", nil)
			}
		case TargetAreaUnit, TargetCategoryUnit, TargetProcedureUnit:
			unit = nil
		default:
			bad.Add("target", "err.unknown_code", nil)
		}
		var r RoutingRule
		if in.ID != 0 && tx.First(&r, in.ID).Error != nil {
			return ErrNotFound
		}
		if err := bad.Err(); err != nil {
			return err
		}
		old := r
		r.Position, r.Name, r.Kind, r.CategoryID, r.AreaID = in.Position, in.Name, in.Kind, cat, area
		r.OnlyLocal, r.RequireArea, r.Target, r.UnitID = in.OnlyLocal, in.RequireArea, in.Target, unit
		if err := tx.Save(&r).Error; err != nil {
			return fmt.Errorf("save rule: %w", err)
		}
		var prev any
		if in.ID != 0 {
			prev = old
		}
		return configEvent(tx, v, fmt.Sprintf("rule:%d", r.ID), "rule_saved", prev, r, now)
	})
}

// DeleteRule removes a routing rule.
func (s *Store) DeleteRule(ctx context.Context, v Viewer, id int64) error {
	return s.adminTx(ctx, v, func(tx *gorm.DB, now time.Time) error {
		var r RoutingRule
		if err := tx.First(&r, id).Error; err != nil {
			return ErrNotFound
		}
		if err := tx.Delete(&r).Error; err != nil {
			return err
		}
		return configEvent(tx, v, fmt.Sprintf("rule:%d", r.ID), "rule_deleted", r, nil, now)
	})
}

// ListRules returns the routing rules in the order they apply.
func (s *Store) ListRules(ctx context.Context) ([]RoutingRule, error) {
	var out []RoutingRule
	err := s.DB.WithContext(ctx).Order("position, id").Find(&out).Error
	return out, err
}

// AllUnits returns every unit, active or not.
func (s *Store) AllUnits(ctx context.Context) ([]Unit, error) {
	var out []Unit
	err := s.DB.WithContext(ctx).Order("name").Find(&out).Error
	return out, err
}

// AllCategories returns every category, active or not.
func (s *Store) AllCategories(ctx context.Context) ([]Category, error) {
	var out []Category
	err := s.DB.WithContext(ctx).Order("name").Find(&out).Error
	return out, err
}

// UnitNode is a unit with its children, for the tree page.
type UnitNode struct {
	Unit     Unit
	Depth    int
	Children []*UnitNode
}

// UnitTree returns the units flattened in tree order (parents first,
// children indented by Depth).
func (s *Store) UnitTree(ctx context.Context) ([]UnitNode, error) {
	units, err := s.AllUnits(ctx)
	if err != nil {
		return nil, err
	}
	children := map[int64][]Unit{}
	var roots []Unit
	ids := map[int64]bool{}
	for _, u := range units {
		ids[u.ID] = true
	}
	for _, u := range units {
		if u.ParentID == nil || !ids[*u.ParentID] {
			roots = append(roots, u)
		} else {
			children[*u.ParentID] = append(children[*u.ParentID], u)
		}
	}
	var out []UnitNode
	var walk func(u Unit, depth int)
	walk = func(u Unit, depth int) {
		if depth > 20 {
			return
		}
		out = append(out, UnitNode{Unit: u, Depth: depth})
		for _, c := range children[u.ID] {
			walk(c, depth+1)
		}
	}
	for _, r := range roots {
		walk(r, 0)
	}
	return out, nil
}

// ListUsers returns every official with their unit.
func (s *Store) ListUsers(ctx context.Context) ([]User, error) {
	var out []User
	err := s.DB.WithContext(ctx).Preload("Unit").Order("email").Find(&out).Error
	return out, err
}

// CreateUserAs creates an official from the administrator's page.
func (s *Store) CreateUserAs(ctx context.Context, v Viewer, in NewUserInput) (*User, error) {
	if v.Role != RoleAdmin {
		return nil, ErrForbidden
	}
	return s.CreateUser(ctx, in, v.Name)
}

// SetUserActive enables or disables an official; disabling ends their sessions.
func (s *Store) SetUserActive(ctx context.Context, v Viewer, id int64, active bool) error {
	return s.adminTx(ctx, v, func(tx *gorm.DB, now time.Time) error {
		var u User
		if err := tx.First(&u, id).Error; err != nil {
			return ErrNotFound
		}
		if u.ID == v.ID && !active {
			return ErrConflict // an administrator cannot lock themselves out
		}
		if err := tx.Model(&u).Update("active", active).Error; err != nil {
			return err
		}
		if !active {
			if err := tx.Where("user_id = ?", u.ID).Delete(&Session{}).Error; err != nil {
				return err
			}
		}
		return configEvent(tx, v, "user:"+u.Email, "user_active", u.Active, active, now)
	})
}

// HolidayInput is one calendar day that differs from the weekly rule.
type HolidayInput struct {
	Date, Name, Kind, Source, Confidence string
}

// SaveHoliday creates or changes a day of the calendar.
func (s *Store) SaveHoliday(ctx context.Context, v Viewer, in HolidayInput) error {
	err := s.adminTx(ctx, v, func(tx *gorm.DB, now time.Time) error {
		bad := &ValidationError{}
		in.Date, in.Name, in.Source, in.Confidence = CleanLine(in.Date), CleanLine(in.Name), CleanLine(in.Source), CleanLine(in.Confidence)
		if _, err := time.Parse("2006-01-02", in.Date); err != nil {
			bad.Add("date", "err.date", nil)
		}
		if in.Name == "" {
			bad.Add("name", "err.required", nil)
		}
		if in.Kind != string(workdays.DayOff) && in.Kind != string(workdays.DayWork) {
			bad.Add("kind", "err.unknown_code", nil)
		}
		if err := bad.Err(); err != nil {
			return err
		}
		var old Holiday
		found := tx.Where("date = ?", in.Date).Limit(1).Find(&old).Error == nil && old.Date != ""
		h := Holiday{Date: in.Date, Name: in.Name, Kind: in.Kind, Source: in.Source, Confidence: in.Confidence, UpdatedAt: now}
		if err := tx.Save(&h).Error; err != nil {
			return fmt.Errorf("save holiday: %w", err)
		}
		var prev any
		if found {
			prev = old
		}
		return configEvent(tx, v, "holiday:"+h.Date, "holiday_saved", prev, h, now)
	})
	if err == nil {
		s.InvalidateCalendar()
	}
	return err
}

// DeleteHoliday removes a day from the calendar.
func (s *Store) DeleteHoliday(ctx context.Context, v Viewer, date string) error {
	err := s.adminTx(ctx, v, func(tx *gorm.DB, now time.Time) error {
		var h Holiday
		if err := tx.Where("date = ?", date).First(&h).Error; err != nil {
			return ErrNotFound
		}
		if err := tx.Where("date = ?", date).Delete(&Holiday{}).Error; err != nil {
			return err
		}
		return configEvent(tx, v, "holiday:"+date, "holiday_deleted", h, nil, now)
	})
	if err == nil {
		s.InvalidateCalendar()
	}
	return err
}

// ListHolidays returns the calendar's days in date order.
func (s *Store) ListHolidays(ctx context.Context) ([]Holiday, error) {
	var out []Holiday
	err := s.DB.WithContext(ctx).Order("date").Find(&out).Error
	return out, err
}

// ConfigHistory returns the latest configuration events.
func (s *Store) ConfigHistory(ctx context.Context, prefix string, limit int) ([]Event, error) {
	var out []Event
	err := s.DB.WithContext(ctx).Where("petition_id IS NULL AND subject LIKE ? AND type <> ?", prefix+"%", "signed_in").
		Order("at DESC, id DESC").Limit(limit).Find(&out).Error
	return out, err
}
