package models

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// The demo organisation and categories are public facts (Long An's 2019
// structure), embedded so the binary needs no files.
var (
	//go:embed seed/units-long-an.json
	seedUnits []byte
	//go:embed seed/categories.json
	seedCategories []byte
	// A short list of procedures of the national database, of the kinds
	// the demo units handle (README: which codes to check).
	//go:embed seed/procedures.csv
	seedProcedures []byte
)

// DemoPassword is the password of every demo official. Demo only.
const DemoPassword = "demo-pakn-2026"

// DemoUnitsWithStaff are the units whose officer and leader the demo creates.
var DemoUnitsWithStaff = []string{"STNMT", "BEN-LUC"}

type seedUnitFile struct {
	Province    seedUnit   `json:"province"`
	Center      seedUnit   `json:"center"`
	Departments []seedUnit `json:"departments"`
	Districts   []seedUnit `json:"districts"`
}

type seedUnit struct {
	Code string `json:"code"`
	Name string `json:"name"`
	Area string `json:"area"`
}

type seedCategory struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameEn string `json:"name_en"`
	Unit   string `json:"unit"`
	Local  bool   `json:"local"`
}

// DemoUser is one demo official.
type DemoUser struct {
	Email, Name, Role, Unit string
}

// DemoUsers lists the demo officials (docs/ARCHITECTURE.md, "Demo data
// conventions").
func DemoUsers() []DemoUser {
	out := []DemoUser{
		{"admin@demo.pakn.vn", "Quản trị hệ thống (demo)", RoleAdmin, ""},
		{"coordinator@demo.pakn.vn", "Điều phối viên Trung tâm PVHCC (demo)", RoleCoordinator, "TTPVHCC"},
		{"clerk@demo.pakn.vn", "Văn thư Bưu điện tỉnh (demo)", RoleClerk, ""},
	}
	for _, code := range DemoUnitsWithStaff {
		lc := strings.ToLower(code)
		out = append(out,
			DemoUser{"officer." + lc + "@demo.pakn.vn", "Chuyên viên " + code + " (demo)", RoleOfficer, code},
			DemoUser{"leader." + lc + "@demo.pakn.vn", "Lãnh đạo " + code + " (demo)", RoleLeader, code},
		)
	}
	return out
}

// SeedDemo loads the demo data set. It is idempotent: running it again
// changes nothing that exists (an administrator's edits survive).
func (s *Store) SeedDemo(ctx context.Context) error {
	var units seedUnitFile
	if err := json.Unmarshal(seedUnits, &units); err != nil {
		return fmt.Errorf("seed: units: %w", err)
	}
	var cats []seedCategory
	if err := json.Unmarshal(seedCategories, &cats); err != nil {
		return fmt.Errorf("seed: categories: %w", err)
	}
	holidays, err := DefaultHolidays()
	if err != nil {
		return fmt.Errorf("seed: holidays: %w", err)
	}
	err = s.Tx(ctx, func(tx *gorm.DB) error {
		byCode := map[string]int64{}
		upsertUnit := func(u seedUnit, kind string, parent *int64) (int64, error) {
			row := Unit{Code: u.Code, Name: u.Name, Kind: kind, ParentID: parent, Active: true}
			if err := tx.Where(Unit{Code: u.Code}).Attrs(row).FirstOrCreate(&row).Error; err != nil {
				return 0, fmt.Errorf("unit %s: %w", u.Code, err)
			}
			byCode[u.Code] = row.ID
			return row.ID, nil
		}
		root, err := upsertUnit(units.Province, UnitProvince, nil)
		if err != nil {
			return err
		}
		if _, err := upsertUnit(units.Center, UnitCenter, &root); err != nil {
			return err
		}
		for _, d := range units.Departments {
			if _, err := upsertUnit(d, UnitDepartment, &root); err != nil {
				return err
			}
		}
		for _, d := range units.Districts {
			id, err := upsertUnit(d, UnitDistrict, &root)
			if err != nil {
				return err
			}
			area := Area{Code: d.Code, Name: d.Area, UnitID: &id}
			if err := tx.Where(Area{Code: d.Code}).Attrs(area).FirstOrCreate(&area).Error; err != nil {
				return fmt.Errorf("area %s: %w", d.Code, err)
			}
		}
		for _, c := range cats {
			dep, ok := byCode[c.Unit]
			if !ok {
				return fmt.Errorf("category %s: unknown unit %s", c.Code, c.Unit)
			}
			row := Category{Code: c.Code, Name: c.Name, NameEn: c.NameEn, DepartmentID: &dep, Local: c.Local, Active: true}
			if err := tx.Where(Category{Code: c.Code}).Attrs(row).FirstOrCreate(&row).Error; err != nil {
				return fmt.Errorf("category %s: %w", c.Code, err)
			}
		}
		var n int64
		if err := tx.Model(&RoutingRule{}).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			center := byCode[units.Center.Code]
			rules := []RoutingRule{
				{Position: 5, Name: "Thủ tục hành chính có đơn vị giải quyết → đơn vị đó", Target: TargetProcedureUnit},
				{Position: 10, Name: "Lĩnh vực địa phương có địa bàn → UBND cấp huyện của địa bàn", OnlyLocal: true, RequireArea: true, Target: TargetAreaUnit},
				{Position: 20, Name: "Theo lĩnh vực → sở, ngành phụ trách", Target: TargetCategoryUnit},
				{Position: 30, Name: "Còn lại → Trung tâm Phục vụ Hành chính công", Target: TargetUnit, UnitID: &center},
			}
			if err := tx.Create(&rules).Error; err != nil {
				return fmt.Errorf("routing rules: %w", err)
			}
		}
		for _, h := range holidays {
			row := Holiday{Date: h.Date, Name: h.Name, Kind: string(h.Kind), Source: h.Source, Confidence: h.Confidence}
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
				return fmt.Errorf("holiday %s: %w", h.Date, err)
			}
		}
		if err := tx.Model(&DeadlinePolicy{}).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			p := DeadlinePolicy{TriageDays: DefaultTriageDays, AnswerDays: DefaultAnswerDays, ExtensionMaxDays: DefaultExtensionMaxDays, InfoWaitDays: DefaultInfoWaitDays}
			if err := tx.Create(&p).Error; err != nil {
				return fmt.Errorf("deadline policy: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("seed demo: %w", err)
	}
	s.InvalidateCalendar()
	// Skip officials that exist before hashing: argon2id is slow on purpose.
	var existing []string
	if err := s.DB.WithContext(ctx).Model(&User{}).Pluck("email", &existing).Error; err != nil {
		return fmt.Errorf("seed demo users: %w", err)
	}
	for _, u := range DemoUsers() {
		if slices.Contains(existing, u.Email) {
			continue
		}
		_, err := s.CreateUser(ctx, NewUserInput{Email: u.Email, Name: u.Name, Role: u.Role, UnitCode: u.Unit, Password: DemoPassword, Demo: true}, "seed-demo")
		if v, ok := AsValidation(err); ok && v.Has("email") {
			continue // exists already
		}
		if err != nil {
			return fmt.Errorf("seed demo user %s: %w", u.Email, err)
		}
	}
	if err := s.seedDemoAPIKeys(ctx); err != nil {
		return err
	}
	res, err := s.ImportProcedures(ctx, bytes.NewReader(seedProcedures), FAQFormatCSV,
		ProcedureImportOptions{Actor: Viewer{Role: RoleAdmin, Name: "seed-demo"}, OnlyNew: true})
	if err != nil {
		return fmt.Errorf("seed demo procedures: %w", err)
	}
	if len(res.Errors) > 0 {
		return fmt.Errorf("seed demo procedures: %s", res.Errors[0])
	}
	return s.seedDemoFAQ(ctx)
}

// IsEmpty tells whether the database has no units yet (serve --demo seeds then).
func (s *Store) IsEmpty(ctx context.Context) (bool, error) {
	var u Unit
	err := s.DB.WithContext(ctx).Select("id").First(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return true, nil
	}
	return false, err
}
