package models

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// RouteRequest is what routing looks at.
type RouteRequest struct {
	Kind       string
	CategoryID int64
	AreaID     *int64
	// ProcedureUnitID is the unit that handles the procedure the petition
	// names (nil: none, or a procedure without a unit).
	ProcedureUnitID *int64
}

// RouteDecision says which unit gets a petition and which rule decided.
type RouteDecision struct {
	Unit   Unit
	RuleID int64 // 0 when no rule applied and the Service Center took it
}

// routeTx applies the ordered routing rules; when none yields a unit the
// Service Center triages the petition.
func routeTx(tx *gorm.DB, r RouteRequest) (RouteDecision, error) {
	var cat Category
	if err := tx.First(&cat, r.CategoryID).Error; err != nil {
		return RouteDecision{}, fmt.Errorf("route: category %d: %w", r.CategoryID, err)
	}
	var area *Area
	if r.AreaID != nil {
		area = &Area{}
		if err := tx.First(area, *r.AreaID).Error; err != nil {
			return RouteDecision{}, fmt.Errorf("route: area %d: %w", *r.AreaID, err)
		}
	}
	var rules []RoutingRule
	if err := tx.Order("position, id").Find(&rules).Error; err != nil {
		return RouteDecision{}, fmt.Errorf("route: load rules: %w", err)
	}
	activeUnit := func(id int64) (Unit, bool, error) {
		var u Unit
		err := tx.Where("id = ? AND active = ?", id, true).First(&u).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return Unit{}, false, nil
		}
		if err != nil {
			return Unit{}, false, fmt.Errorf("route: unit %d: %w", id, err)
		}
		return u, true, nil
	}
	center := func() (Unit, error) {
		var c Unit
		if err := tx.Where("kind = ?", UnitCenter).Order("id").First(&c).Error; err != nil {
			return Unit{}, fmt.Errorf("route: no rule applies and there is no Service Center unit: %w", err)
		}
		return c, nil
	}
	return decideRoute(rules, r, cat, area, activeUnit, center)
}

// decideRoute is the routing rule itself, over rules in order: the first
// rule that applies and yields an active unit wins, else the Service Center.
func decideRoute(rules []RoutingRule, r RouteRequest, cat Category, area *Area,
	activeUnit func(id int64) (Unit, bool, error), center func() (Unit, error)) (RouteDecision, error) {
	for _, rule := range rules {
		if !ruleApplies(rule, r, cat, area) {
			continue
		}
		var unitID *int64
		switch rule.Target {
		case TargetUnit:
			unitID = rule.UnitID
		case TargetAreaUnit:
			if area != nil {
				unitID = area.UnitID
			}
		case TargetCategoryUnit:
			unitID = cat.DepartmentID
		case TargetProcedureUnit:
			unitID = r.ProcedureUnitID
		}
		if unitID == nil {
			continue
		}
		u, ok, err := activeUnit(*unitID)
		if err != nil {
			return RouteDecision{}, err
		}
		if ok {
			return RouteDecision{Unit: u, RuleID: rule.ID}, nil
		}
	}
	c, err := center()
	if err != nil {
		return RouteDecision{}, err
	}
	return RouteDecision{Unit: c}, nil
}

func ruleApplies(rule RoutingRule, r RouteRequest, cat Category, area *Area) bool {
	if rule.Kind != "" && rule.Kind != r.Kind {
		return false
	}
	if rule.CategoryID != nil && *rule.CategoryID != cat.ID {
		return false
	}
	if rule.AreaID != nil && (area == nil || *rule.AreaID != area.ID) {
		return false
	}
	if rule.OnlyLocal && !cat.Local {
		return false
	}
	if rule.RequireArea && area == nil {
		return false
	}
	return true
}

// PreviewRoute says where a sample petition would go, without writing.
func (s *Store) PreviewRoute(ctx context.Context, r RouteRequest) (RouteDecision, error) {
	var d RouteDecision
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		d, err = routeTx(tx, r)
		return err
	})
	return d, err
}
