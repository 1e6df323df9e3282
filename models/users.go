package models

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Roles lists the valid roles.
var Roles = []string{RoleAdmin, RoleCoordinator, RoleLeader, RoleOfficer, RoleClerk}

// NewUserInput creates an official.
type NewUserInput struct {
	Email    string
	Name     string
	Role     string
	UnitCode string
	Password string
	// Demo marks a demo official (seed-demo only).
	Demo bool
	// MustChangePassword obliges a change at the first sign-in (a password
	// an administrator chose).
	MustChangePassword bool
}

// MinPasswordLen is the shortest demo password; every other official's
// password follows CheckNewPassword.
const MinPasswordLen = 10

// CreateUser validates and stores an official with an argon2id hash.
func (s *Store) CreateUser(ctx context.Context, in NewUserInput, actor string) (*User, error) {
	in.Email = strings.ToLower(CleanLine(in.Email))
	in.Name = CleanLine(in.Name)
	in.Role = strings.ToLower(CleanLine(in.Role))
	in.UnitCode = strings.ToUpper(CleanLine(in.UnitCode))
	v := &ValidationError{}
	if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
		v.Add("email", "err.email", nil)
	}
	if in.Name == "" {
		v.Add("name", "err.required", nil)
	}
	validRole := false
	for _, r := range Roles {
		validRole = validRole || r == in.Role
	}
	if !validRole {
		v.Add("role", "err.role", nil)
	}
	needsUnit := in.Role == RoleLeader || in.Role == RoleOfficer
	if needsUnit && in.UnitCode == "" {
		v.Add("unit", "err.required", nil)
	}
	if in.Demo {
		if utf8.RuneCountInString(in.Password) < MinPasswordLen {
			v.Add("password", "err.too_short", map[string]any{"min": MinPasswordLen})
		}
	} else {
		CheckNewPassword(v, "password", in.Password, in.Email, in.Name)
	}
	db := s.DB.WithContext(ctx)
	var unitID *int64
	if in.UnitCode != "" {
		var u Unit
		err := db.Where("code = ?", in.UnitCode).First(&u).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			v.Add("unit", "err.unknown_code", nil)
		} else if err != nil {
			return nil, fmt.Errorf("create user: unit: %w", err)
		} else {
			unitID = &u.ID
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	hash, err := s.hashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	u := User{Email: in.Email, Name: in.Name, Role: in.Role, UnitID: unitID, PasswordHash: hash, Active: true, Demo: in.Demo, MustChangePassword: in.MustChangePassword && !in.Demo}
	err = s.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&u).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				v.Add("email", "err.taken", nil)
				return v
			}
			return fmt.Errorf("insert user %s: %w", in.Email, err)
		}
		return tx.Create(&Event{Subject: "user:" + u.Email, At: s.now(), ActorName: actor, Type: "user_created", ToValue: u.Role}).Error
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// ListCategories returns the active categories by name.
func (s *Store) ListCategories(ctx context.Context) ([]Category, error) {
	var out []Category
	err := s.DB.WithContext(ctx).Where("active = ?", true).Order("name").Find(&out).Error
	return out, err
}

// ListUnits returns the active units, the tree's order by kind then name.
func (s *Store) ListUnits(ctx context.Context) ([]Unit, error) {
	var out []Unit
	err := s.DB.WithContext(ctx).Where("active = ?", true).Find(&out).Error
	return out, err
}

// ListAreas returns the areas by name.
func (s *Store) ListAreas(ctx context.Context) ([]Area, error) {
	var out []Area
	err := s.DB.WithContext(ctx).Order("name").Find(&out).Error
	return out, err
}

// ProvinceName is the name of the root unit, shown in page headers.
func (s *Store) ProvinceName(ctx context.Context) (string, error) {
	var u Unit
	err := s.DB.WithContext(ctx).Where("kind = ?", UnitProvince).Order("id").First(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", nil
	}
	return u.Name, err
}
