package models

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// PolicyRow is a deadline policy with its category's code and name.
type PolicyRow struct {
	DeadlinePolicy
	CategoryCode string
	CategoryName string
}

// IsDefault tells whether the row is the province's default (no kind, no
// category), which must always exist.
func (p DeadlinePolicy) IsDefault() bool { return p.Kind == "" && p.CategoryID == nil }

// PolicyInput is an administrator's edit of a deadline policy; ID 0 adds one.
type PolicyInput struct {
	ID               int64
	Kind             string // "" (any), complaint, recommendation
	Category         string // category code; "" = any
	TriageDays       int
	AnswerDays       int
	ExtensionMaxDays int
	InfoWaitDays     int
}

// Limits of the policy fields, in working days.
var policyLimits = map[string][2]int{
	"triage_days":        {1, 30},
	"answer_days":        {1, 90},
	"extension_max_days": {0, 60},
	"info_wait_days":     {1, 60},
}

// ListPolicies returns every deadline policy, the default first.
func (s *Store) ListPolicies(ctx context.Context) ([]PolicyRow, error) {
	var rows []PolicyRow
	err := s.DB.WithContext(ctx).Table("deadline_policies").
		Select("deadline_policies.*, categories.code AS category_code, categories.name AS category_name").
		Joins("LEFT JOIN categories ON categories.id = deadline_policies.category_id").
		Order("CASE WHEN deadline_policies.category_id IS NULL THEN 0 ELSE 1 END, categories.name, deadline_policies.kind, deadline_policies.id").
		Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list deadline policies: %w", err)
	}
	return rows, nil
}

func (p DeadlinePolicy) summary() string {
	return fmt.Sprintf("triage=%d answer=%d extension_max=%d info_wait=%d", p.TriageDays, p.AnswerDays, p.ExtensionMaxDays, p.InfoWaitDays)
}

// SavePolicy validates and stores a deadline policy with an audit event
// (old and new values). A kind and category may have one row only. The new
// limits apply to deadlines set from now on; running clocks keep theirs.
func (s *Store) SavePolicy(ctx context.Context, in PolicyInput, actor Viewer) (*DeadlinePolicy, error) {
	in.Kind = strings.ToLower(CleanLine(in.Kind))
	in.Category = CleanLine(in.Category)
	v := &ValidationError{}
	switch in.Kind {
	case "", KindComplaint, KindRecommendation:
	default:
		v.Add("kind", "err.kind", nil)
	}
	check := func(field string, val int) {
		lim := policyLimits[field]
		if val < lim[0] || val > lim[1] {
			v.Add(field, "err.range", map[string]any{"min": lim[0], "max": lim[1]})
		}
	}
	check("triage_days", in.TriageDays)
	check("answer_days", in.AnswerDays)
	check("extension_max_days", in.ExtensionMaxDays)
	check("info_wait_days", in.InfoWaitDays)
	db := s.DB.WithContext(ctx)
	var catID *int64
	if in.Category != "" {
		var c Category
		err := db.Where("code = ?", in.Category).First(&c).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			v.Add("category", "err.unknown_code", nil)
		case err != nil:
			return nil, fmt.Errorf("save policy: category: %w", err)
		default:
			catID = &c.ID
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out DeadlinePolicy
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		var old DeadlinePolicy
		if in.ID != 0 {
			err := tx.First(&old, in.ID).Error
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrNotFound
			}
			if err != nil {
				return fmt.Errorf("save policy %d: %w", in.ID, err)
			}
			// The default row keeps its scope: every petition needs a policy.
			if old.IsDefault() && (in.Kind != "" || catID != nil) {
				v.Add("category", "err.policy_default", nil)
				return v
			}
		}
		q := tx.Model(&DeadlinePolicy{}).Where("kind = ? AND id <> ?", in.Kind, in.ID)
		if catID == nil {
			q = q.Where("category_id IS NULL")
		} else {
			q = q.Where("category_id = ?", *catID)
		}
		var n int64
		if err := q.Count(&n).Error; err != nil {
			return fmt.Errorf("save policy: %w", err)
		}
		if n > 0 {
			v.Add("category", "err.policy_exists", nil)
			return v
		}
		out = old
		out.Kind, out.CategoryID = in.Kind, catID
		out.TriageDays, out.AnswerDays = in.TriageDays, in.AnswerDays
		out.ExtensionMaxDays, out.InfoWaitDays = in.ExtensionMaxDays, in.InfoWaitDays
		out.UpdatedAt = s.now()
		if err := tx.Save(&out).Error; err != nil {
			return fmt.Errorf("save policy: %w", err)
		}
		ev := Event{Subject: fmt.Sprintf("policy:%d", out.ID), At: s.now(), ActorID: &actor.ID, ActorName: actor.Name,
			Type: "policy_created", ToValue: out.summary(), Note: policyScope(in.Kind, in.Category)}
		if in.ID != 0 {
			ev.Type, ev.FromValue = "policy_updated", old.summary()
		}
		return tx.Create(&ev).Error
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func policyScope(kind, category string) string {
	if kind == "" {
		kind = "*"
	}
	if category == "" {
		category = "*"
	}
	return "kind=" + kind + " category=" + category
}

// DeletePolicy removes a specific policy (the default cannot go: 409), with
// an audit event.
func (s *Store) DeletePolicy(ctx context.Context, id int64, actor Viewer) error {
	return s.Tx(ctx, func(tx *gorm.DB) error {
		var old DeadlinePolicy
		err := tx.First(&old, id).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("delete policy %d: %w", id, err)
		}
		if old.IsDefault() {
			return ErrConflict
		}
		if err := tx.Delete(&DeadlinePolicy{}, id).Error; err != nil {
			return fmt.Errorf("delete policy %d: %w", id, err)
		}
		return tx.Create(&Event{Subject: fmt.Sprintf("policy:%d", id), At: s.now(), ActorID: &actor.ID, ActorName: actor.Name,
			Type: "policy_deleted", FromValue: old.summary()}).Error
	})
}
