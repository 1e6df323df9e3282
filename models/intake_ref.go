package models

import (
	"context"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"
)

// intakeRef is the reference data every submission reads: categories,
// areas, routing rules, units, deadline policies and procedures. Loading it
// takes six queries; intake keeps one copy per store and checks on each submission
// that it is current by reading one row, reference_version, which triggers
// on those tables bump on every change (migrations 0005, 0090). An
// administrator's edit on any instance, even by hand in SQL, is therefore
// seen by the next submission everywhere, and the hot path pays one
// one-row read (folded into the tracking-number statement on PostgreSQL)
// instead of eight queries. As a safety net against lost triggers, a copy
// older than refMaxAge is reloaded anyway.
type intakeRef struct {
	stamp      string
	loadedAt   time.Time
	categories map[string]Category // active ones, by code
	areas      map[string]Area     // by code
	rules      []RoutingRule       // by position, id
	units      map[int64]Unit      // active ones, by id
	center     *Unit               // the first Service Center unit
	policies   []DeadlinePolicy
	procedures map[string]Procedure // active ones, by code
}

// intakeRefCache holds the store's copy.
type intakeRefCache struct {
	mu  sync.Mutex
	ref *intakeRef
}

// refStampSQL reads the reference data version.
const refStampSQL = `SELECT CAST(version AS TEXT) FROM reference_version WHERE id = 1`

// refMaxAge bounds how long a copy is trusted without reloading.
const refMaxAge = time.Minute

// intakeReference returns the current reference data, reloading it when the
// tables changed since the last load.
func (s *Store) intakeReference(ctx context.Context) (*intakeRef, error) {
	var stamp string
	if err := s.DB.WithContext(ctx).Raw(refStampSQL).Scan(&stamp).Error; err != nil {
		return nil, fmt.Errorf("reference data stamp: %w", err)
	}
	return s.intakeRefFor(ctx, stamp)
}

// cachedIntakeRef returns the store's copy without asking the database, as
// long as it is younger than refMaxAge: for callers that check its stamp
// themselves, in the same statement as their writes (submitSQL).
func (s *Store) cachedIntakeRef(ctx context.Context) (*intakeRef, error) {
	c := &s.refCache
	c.mu.Lock()
	ref := c.ref
	c.mu.Unlock()
	if ref != nil && time.Since(ref.loadedAt) < refMaxAge {
		return ref, nil
	}
	return s.intakeReference(ctx)
}

// intakeRefFor returns the reference data, reloading it unless the copy was
// loaded under the same stamp.
func (s *Store) intakeRefFor(ctx context.Context, stamp string) (*intakeRef, error) {
	db := s.DB.WithContext(ctx)
	c := &s.refCache
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ref != nil && c.ref.stamp == stamp && time.Since(c.ref.loadedAt) < refMaxAge {
		return c.ref, nil
	}
	ref, err := loadIntakeRef(db)
	if err != nil {
		return nil, err
	}
	// The stamp read before loading: an edit in between makes the next
	// submission load again, never keep stale data.
	ref.stamp, ref.loadedAt = stamp, time.Now()
	c.ref = ref
	return ref, nil
}

func loadIntakeRef(db *gorm.DB) (*intakeRef, error) {
	ref := &intakeRef{categories: map[string]Category{}, areas: map[string]Area{}, units: map[int64]Unit{}, procedures: map[string]Procedure{}}
	var cats []Category
	if err := db.Where("active = ?", true).Find(&cats).Error; err != nil {
		return nil, fmt.Errorf("load categories: %w", err)
	}
	for _, c := range cats {
		ref.categories[c.Code] = c
	}
	var areas []Area
	if err := db.Find(&areas).Error; err != nil {
		return nil, fmt.Errorf("load areas: %w", err)
	}
	for _, a := range areas {
		ref.areas[a.Code] = a
	}
	if err := db.Order("position, id").Find(&ref.rules).Error; err != nil {
		return nil, fmt.Errorf("load routing rules: %w", err)
	}
	var units []Unit
	if err := db.Order("id").Find(&units).Error; err != nil {
		return nil, fmt.Errorf("load units: %w", err)
	}
	for _, u := range units {
		if u.Kind == UnitCenter && ref.center == nil {
			ref.center = &u
		}
		if u.Active {
			ref.units[u.ID] = u
		}
	}
	if err := db.Find(&ref.policies).Error; err != nil {
		return nil, fmt.Errorf("load deadline policies: %w", err)
	}
	var procs []Procedure
	if err := db.Where("active = ?", true).Find(&procs).Error; err != nil {
		return nil, fmt.Errorf("load procedures: %w", err)
	}
	for _, p := range procs {
		ref.procedures[p.Code] = p
	}
	return ref, nil
}

// route applies the routing rules (decideRoute) to the snapshot.
func (ref *intakeRef) route(r RouteRequest, cat Category, area *Area) (RouteDecision, error) {
	return decideRoute(ref.rules, r, cat, area,
		func(id int64) (Unit, bool, error) {
			u, ok := ref.units[id]
			return u, ok, nil
		},
		func() (Unit, error) {
			if ref.center == nil {
				return Unit{}, fmt.Errorf("route: no rule applies and there is no Service Center unit: %w", ErrNotFound)
			}
			return *ref.center, nil
		})
}

// policy picks the deadline policy (pickPolicy) from the snapshot.
func (ref *intakeRef) policy(kind string, categoryID int64) DeadlinePolicy {
	return pickPolicy(ref.policies, kind, categoryID)
}
