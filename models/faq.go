package models

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// FAQ entry states.
const (
	FAQDraft     = "draft"
	FAQPublished = "published"
)

// Limits of an FAQ entry's text.
const (
	FAQQuestionMax = 2000
	FAQAnswerMax   = 20000
	FAQRefMax      = 128
)

// FAQEntry is one curated question and answer about a procedure, owned by a
// unit. Its public copy is the published item "faq-<id>".
type FAQEntry struct {
	ID          int64  `gorm:"primaryKey"`
	Ref         string `gorm:"size:128;uniqueIndex;not null"` // the id it was imported with
	CategoryID  int64  `gorm:"index;not null"`
	Category    *Category
	UnitID      int64 `gorm:"index;not null"`
	Unit        *Unit
	Question    string `gorm:"not null"`
	Answer      string `gorm:"not null"`
	Status      string `gorm:"size:16;not null;index"`
	CreatedByID *int64
	CreatedBy   string
	PublishedAt *time.Time // first publication of the current public run
	Version     int        `gorm:"not null;default:1"`
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// TableName keeps the table's name independent of the struct's.
func (FAQEntry) TableName() string { return "faq_entries" }

// FAQItemID is the published item (and search document) id of an entry.
func FAQItemID(id int64) string { return fmt.Sprintf("faq-%d", id) }

// FAQInput creates or edits an entry. Category and Unit are codes.
type FAQInput struct {
	Ref      string
	Category string
	Unit     string
	Question string
	Answer   string
	// Publish asks to publish (or keep published) in the same operation.
	Publish bool
	// Version is the version the editor saw (UpdateFAQ); 0 skips the check.
	Version int
}

// FAQ rights (the rights table of docs/ARCHITECTURE.md): an officer drafts for their own
// unit, a leader also publishes for it, a coordinator or administrator
// does everything for every unit and imports.

func faqMayEdit(v Viewer, unitID int64) bool {
	if v.SeesAllUnits() {
		return true
	}
	return (v.Role == RoleOfficer || v.Role == RoleLeader) && v.UnitID != nil && *v.UnitID == unitID
}

func faqMayPublish(v Viewer, unitID int64) bool {
	if v.SeesAllUnits() {
		return true
	}
	return v.Role == RoleLeader && v.UnitID != nil && *v.UnitID == unitID
}

// FAQMayEdit tells whether v may write drafts for the unit.
func FAQMayEdit(v Viewer, unitID int64) bool { return faqMayEdit(v, unitID) }

// FAQMayPublish tells whether v may publish and unpublish for the unit.
func FAQMayPublish(v Viewer, unitID int64) bool { return faqMayPublish(v, unitID) }

// FAQMayImport tells whether v may import and export the FAQ.
func FAQMayImport(v Viewer) bool { return v.SeesAllUnits() }

// FAQMayUse tells whether v works on the FAQ at all (clerks do not).
func FAQMayUse(v Viewer) bool {
	return v.SeesAllUnits() || ((v.Role == RoleOfficer || v.Role == RoleLeader) && v.UnitID != nil)
}

// scopeFAQ restricts an FAQ query to the entries the viewer may read.
func scopeFAQ(db *gorm.DB, v Viewer) *gorm.DB {
	switch {
	case v.SeesAllUnits():
		return db
	case (v.Role == RoleOfficer || v.Role == RoleLeader) && v.UnitID != nil:
		return db.Where("faq_entries.unit_id = ?", *v.UnitID)
	default:
		return db.Where("1 = 0")
	}
}

func actorID(v Viewer) *int64 {
	if v.ID == 0 {
		return nil
	}
	id := v.ID
	return &id
}

func faqEvent(tx *gorm.DB, e *FAQEntry, v Viewer, typ, from, to string, now time.Time) error {
	ev := Event{Subject: fmt.Sprintf("faq:%d", e.ID), At: now, ActorID: actorID(v), ActorName: v.Name,
		Type: typ, FromValue: from, ToValue: to}
	if err := tx.Create(&ev).Error; err != nil {
		return fmt.Errorf("faq %d: audit %s: %w", e.ID, typ, err)
	}
	return nil
}

// faqRefs resolves category and unit codes (or names) for one input.
type faqRefs struct {
	cats  map[string]*Category
	units map[string]*Unit
	byID  map[int64]*Unit
	catID map[int64]*Category
}

// faqKey is how codes and names are matched: NFC, trimmed, case-insensitive.
func faqKey(s string) string { return strings.ToLower(CleanLine(s)) }

func loadFAQRefs(tx *gorm.DB) (*faqRefs, error) {
	var cats []Category
	if err := tx.Find(&cats).Error; err != nil {
		return nil, fmt.Errorf("faq: categories: %w", err)
	}
	var units []Unit
	if err := tx.Find(&units).Error; err != nil {
		return nil, fmt.Errorf("faq: units: %w", err)
	}
	r := &faqRefs{cats: map[string]*Category{}, units: map[string]*Unit{}, byID: map[int64]*Unit{}, catID: map[int64]*Category{}}
	// Names first, codes last: a code wins over a name that spells it.
	for i := range cats {
		c := &cats[i]
		r.catID[c.ID] = c
		r.cats[faqKey(c.Name)] = c
	}
	for i := range cats {
		r.cats[faqKey(cats[i].Code)] = &cats[i]
	}
	for i := range units {
		u := &units[i]
		r.byID[u.ID] = u
		r.units[faqKey(u.Name)] = u
	}
	for i := range units {
		r.units[faqKey(units[i].Code)] = &units[i]
	}
	return r, nil
}

// validate cleans in and resolves its category and unit. defaultUnit is
// used when the input names none (an officer's own unit, or the
// category's department).
func (r *faqRefs) validate(in *FAQInput, defaultUnit *int64) (*Category, *Unit, *ValidationError) {
	v := &ValidationError{}
	in.Ref = CleanLine(in.Ref)
	in.Question = CleanText(in.Question)
	in.Answer = CleanText(in.Answer)
	if utf8.RuneCountInString(in.Ref) > FAQRefMax {
		v.Add("id", "err.too_long", map[string]any{"max": FAQRefMax})
	}
	if in.Question == "" {
		v.Add("question", "err.required", nil)
	} else if utf8.RuneCountInString(in.Question) > FAQQuestionMax {
		v.Add("question", "err.too_long", map[string]any{"max": FAQQuestionMax})
	}
	if in.Answer == "" {
		v.Add("answer", "err.required", nil)
	} else if utf8.RuneCountInString(in.Answer) > FAQAnswerMax {
		v.Add("answer", "err.too_long", map[string]any{"max": FAQAnswerMax})
	}
	var cat *Category
	if strings.TrimSpace(in.Category) == "" {
		v.Add("category", "err.required", nil)
	} else if cat = r.cats[faqKey(in.Category)]; cat == nil {
		v.Add("category", "err.unknown_code", nil)
	}
	var unit *Unit
	switch {
	case strings.TrimSpace(in.Unit) != "":
		if unit = r.units[faqKey(in.Unit)]; unit == nil {
			v.Add("unit", "err.unknown_code", nil)
		}
	case defaultUnit != nil:
		unit = r.byID[*defaultUnit]
	case cat != nil && cat.DepartmentID != nil:
		unit = r.byID[*cat.DepartmentID]
	}
	if unit == nil && !v.Has("unit") {
		v.Add("unit", "err.required", nil)
	}
	return cat, unit, v
}

// faqTitleWords is the length of an entry's title, cut from its question.
const faqTitleWords = 20

// faqItemOf is the public copy of e (with Category and Unit loaded).
func faqItemOf(e *FAQEntry, now time.Time) PublishedItem {
	publishedAt := now
	if e.PublishedAt != nil {
		publishedAt = *e.PublishedAt
	}
	answered := e.UpdatedAt
	return PublishedItem{
		ID: FAQItemID(e.ID), Type: ItemFAQ, Ref: e.Ref,
		Title:    FirstWords(e.Question, faqTitleWords),
		Question: e.Question, Answer: e.Answer,
		CategoryCode: e.Category.Code, CategoryName: e.Category.Name,
		UnitCode: e.Unit.Code, UnitName: e.Unit.Name, Level: e.Unit.Level(),
		AnsweredAt: &answered, PublishedAt: publishedAt,
	}
}

// publishFAQTx writes the public copy of e (with Category and Unit loaded).
func publishFAQTx(tx *gorm.DB, e *FAQEntry, now time.Time) error {
	if e.PublishedAt == nil {
		t := now
		e.PublishedAt = &t
	}
	if _, err := PublishItemTx(tx, faqItemOf(e, now), now); err != nil {
		return err
	}
	return nil
}

func newRefPlaceholder() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "tmp-" + hex.EncodeToString(b)
}

// CreateFAQ stores a new entry, published at once when asked and allowed.
func (s *Store) CreateFAQ(ctx context.Context, v Viewer, in FAQInput) (*FAQEntry, error) {
	if !FAQMayUse(v) {
		return nil, ErrForbidden
	}
	var out *FAQEntry
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		refs, err := loadFAQRefs(tx)
		if err != nil {
			return err
		}
		var def *int64
		if !v.SeesAllUnits() {
			def = v.UnitID
		}
		cat, unit, verr := refs.validate(&in, def)
		if err := verr.Err(); err != nil {
			return err
		}
		if !faqMayEdit(v, unit.ID) || (in.Publish && !faqMayPublish(v, unit.ID)) {
			return ErrForbidden
		}
		e, err := s.createFAQTx(tx, v, in, cat, unit)
		out = e
		return err
	})
	return out, err
}

func (s *Store) createFAQTx(tx *gorm.DB, v Viewer, in FAQInput, cat *Category, unit *Unit) (*FAQEntry, error) {
	now := s.now()
	e := &FAQEntry{Ref: in.Ref, CategoryID: cat.ID, Category: cat, UnitID: unit.ID, Unit: unit,
		Question: in.Question, Answer: in.Answer, Status: FAQDraft, CreatedByID: actorID(v), CreatedBy: v.Name,
		Version: 1, CreatedAt: now, UpdatedAt: now}
	if e.Ref == "" {
		e.Ref = newRefPlaceholder()
	}
	if err := tx.Omit("Category", "Unit").Create(e).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			verr := &ValidationError{}
			verr.Add("id", "err.taken", nil)
			return nil, verr
		}
		return nil, fmt.Errorf("faq: insert: %w", err)
	}
	if in.Ref == "" {
		// Entries made by hand get a stable id to round-trip through export.
		e.Ref = fmt.Sprintf("pakn-%d", e.ID)
		if err := tx.Model(e).Update("ref", e.Ref).Error; err != nil {
			return nil, fmt.Errorf("faq %d: set ref: %w", e.ID, err)
		}
	}
	if err := faqEvent(tx, e, v, "faq_created", "", e.Ref, now); err != nil {
		return nil, err
	}
	if in.Publish {
		e.Status = FAQPublished
		if err := s.publishFAQRowTx(tx, e, v, now); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// publishFAQRowTx marks e published, saves it and writes its public copy.
func (s *Store) publishFAQRowTx(tx *gorm.DB, e *FAQEntry, v Viewer, now time.Time) error {
	e.Status = FAQPublished
	if err := publishFAQTx(tx, e, now); err != nil {
		return err
	}
	if err := tx.Model(&FAQEntry{}).Where("id = ?", e.ID).
		Updates(map[string]any{"status": FAQPublished, "published_at": e.PublishedAt}).Error; err != nil {
		return fmt.Errorf("faq %d: publish: %w", e.ID, err)
	}
	return faqEvent(tx, e, v, "faq_published", FAQDraft, FAQPublished, now)
}

// loadFAQTx reads an entry the viewer may see, locked for update.
func loadFAQTx(tx *gorm.DB, v Viewer, id int64) (*FAQEntry, error) {
	return loadFAQ(tx, v, id, true)
}

func loadFAQ(db *gorm.DB, v Viewer, id int64, lock bool) (*FAQEntry, error) {
	var e FAQEntry
	q := scopeFAQ(db, v)
	if lock {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	err := q.Where("faq_entries.id = ?", id).First(&e).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("faq %d: %w", id, err)
	}
	e.Category, e.Unit = &Category{}, &Unit{}
	if err := db.First(e.Category, e.CategoryID).Error; err != nil {
		return nil, fmt.Errorf("faq %d: category: %w", id, err)
	}
	if err := db.First(e.Unit, e.UnitID).Error; err != nil {
		return nil, fmt.Errorf("faq %d: unit: %w", id, err)
	}
	return &e, nil
}

// GetFAQ reads one entry the viewer may see (ErrNotFound otherwise).
func (s *Store) GetFAQ(ctx context.Context, v Viewer, id int64) (*FAQEntry, error) {
	return loadFAQ(s.DB.WithContext(ctx), v, id, false)
}

// UpdateFAQ edits an entry. Editing a published entry publishes the new
// text as a new version, so it needs the right to publish.
func (s *Store) UpdateFAQ(ctx context.Context, v Viewer, id int64, in FAQInput) (*FAQEntry, error) {
	var out *FAQEntry
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		e, err := loadFAQTx(tx, v, id)
		if err != nil {
			return err
		}
		if in.Version != 0 && in.Version != e.Version {
			return ErrConflict
		}
		refs, err := loadFAQRefs(tx)
		if err != nil {
			return err
		}
		if strings.TrimSpace(in.Ref) == "" {
			in.Ref = e.Ref
		}
		unitID := e.UnitID
		cat, unit, verr := refs.validate(&in, &unitID)
		if err := verr.Err(); err != nil {
			return err
		}
		if !faqMayEdit(v, e.UnitID) || !faqMayEdit(v, unit.ID) {
			return ErrForbidden
		}
		publish := e.Status == FAQPublished || in.Publish
		if publish && (!faqMayPublish(v, e.UnitID) || !faqMayPublish(v, unit.ID)) {
			return ErrForbidden
		}
		out, err = s.updateFAQTx(tx, v, e, in, cat, unit, publish)
		return err
	})
	return out, err
}

// updateFAQTx writes new text; changed reports whether anything differed.
func (s *Store) updateFAQTx(tx *gorm.DB, v Viewer, e *FAQEntry, in FAQInput, cat *Category, unit *Unit, publish bool) (*FAQEntry, error) {
	now := s.now()
	wasPublished := e.Status == FAQPublished
	e.Ref, e.Question, e.Answer = in.Ref, in.Question, in.Answer
	e.CategoryID, e.Category, e.UnitID, e.Unit = cat.ID, cat, unit.ID, unit
	e.Version++
	e.UpdatedAt = now
	if !publish {
		e.Status = FAQDraft
	}
	res := tx.Model(&FAQEntry{}).Where("id = ?", e.ID).Updates(map[string]any{
		"ref": e.Ref, "question": e.Question, "answer": e.Answer, "category_id": e.CategoryID,
		"unit_id": e.UnitID, "version": e.Version, "updated_at": now, "status": e.Status})
	if res.Error != nil {
		if errors.Is(res.Error, gorm.ErrDuplicatedKey) {
			verr := &ValidationError{}
			verr.Add("id", "err.taken", nil)
			return nil, verr
		}
		return nil, fmt.Errorf("faq %d: update: %w", e.ID, res.Error)
	}
	if err := faqEvent(tx, e, v, "faq_updated", "", fmt.Sprint(e.Version), now); err != nil {
		return nil, err
	}
	switch {
	case publish && wasPublished:
		if err := publishFAQTx(tx, e, now); err != nil {
			return nil, err
		}
	case publish:
		if err := s.publishFAQRowTx(tx, e, v, now); err != nil {
			return nil, err
		}
	case wasPublished:
		if err := s.withdrawFAQRowTx(tx, e, v, now); err != nil {
			return nil, err
		}
	}
	return e, nil
}

func (s *Store) withdrawFAQRowTx(tx *gorm.DB, e *FAQEntry, v Viewer, now time.Time) error {
	if err := WithdrawItemTx(tx, FAQItemID(e.ID), now); err != nil {
		return err
	}
	e.Status = FAQDraft
	e.PublishedAt = nil
	if err := tx.Model(&FAQEntry{}).Where("id = ?", e.ID).
		Updates(map[string]any{"status": FAQDraft, "published_at": nil}).Error; err != nil {
		return fmt.Errorf("faq %d: unpublish: %w", e.ID, err)
	}
	return faqEvent(tx, e, v, "faq_unpublished", FAQPublished, FAQDraft, now)
}

// PublishFAQ publishes a draft entry (409 when it is published already).
func (s *Store) PublishFAQ(ctx context.Context, v Viewer, id int64) (*FAQEntry, error) {
	var out *FAQEntry
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		e, err := loadFAQTx(tx, v, id)
		if err != nil {
			return err
		}
		if !faqMayPublish(v, e.UnitID) {
			return ErrForbidden
		}
		if e.Status == FAQPublished {
			return ErrConflict
		}
		out = e
		return s.publishFAQRowTx(tx, e, v, s.now())
	})
	return out, err
}

// UnpublishFAQ takes an entry out of public view; it stays as a draft.
func (s *Store) UnpublishFAQ(ctx context.Context, v Viewer, id int64) (*FAQEntry, error) {
	var out *FAQEntry
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		e, err := loadFAQTx(tx, v, id)
		if err != nil {
			return err
		}
		if !faqMayPublish(v, e.UnitID) {
			return ErrForbidden
		}
		if e.Status != FAQPublished {
			return ErrConflict
		}
		out = e
		return s.withdrawFAQRowTx(tx, e, v, s.now())
	})
	return out, err
}

// FAQFilter narrows the officials' FAQ list.
type FAQFilter struct {
	Status   string
	Category string // code
	Unit     string // code
	Text     string // in question or answer
	Page     int
	PerPage  int
}

// FAQPage is one page of entries.
type FAQPage struct {
	Entries []FAQEntry
	Total   int64
	Page    int
	PerPage int
}

// Pages is the number of pages.
func (p *FAQPage) Pages() int {
	if p.PerPage <= 0 {
		return 1
	}
	return int((p.Total + int64(p.PerPage) - 1) / int64(p.PerPage))
}

// ListFAQ lists the entries the viewer may read, newest change first.
func (s *Store) ListFAQ(ctx context.Context, v Viewer, f FAQFilter) (*FAQPage, error) {
	if f.PerPage <= 0 || f.PerPage > 100 {
		f.PerPage = 25
	}
	if f.Page < 1 {
		f.Page = 1
	}
	q := scopeFAQ(s.DB.WithContext(ctx).Model(&FAQEntry{}), v)
	if f.Status == FAQDraft || f.Status == FAQPublished {
		q = q.Where("faq_entries.status = ?", f.Status)
	}
	if f.Category != "" {
		q = q.Where("faq_entries.category_id IN (?)", s.DB.Model(&Category{}).Select("id").Where("code = ?", f.Category))
	}
	if f.Unit != "" {
		q = q.Where("faq_entries.unit_id IN (?)", s.DB.Model(&Unit{}).Select("id").Where("code = ?", f.Unit))
	}
	if t := CleanLine(f.Text); t != "" {
		like := "%" + strings.NewReplacer("%", "", "_", "").Replace(strings.ToLower(t)) + "%"
		q = q.Where("LOWER(faq_entries.question) LIKE ? OR LOWER(faq_entries.answer) LIKE ? OR LOWER(faq_entries.ref) LIKE ?", like, like, like)
	}
	page := &FAQPage{Page: f.Page, PerPage: f.PerPage}
	if err := q.Count(&page.Total).Error; err != nil {
		return nil, fmt.Errorf("faq list: count: %w", err)
	}
	err := q.Preload("Category").Preload("Unit").Order("faq_entries.updated_at DESC, faq_entries.id DESC").
		Limit(f.PerPage).Offset((f.Page - 1) * f.PerPage).Find(&page.Entries).Error
	if err != nil {
		return nil, fmt.Errorf("faq list: %w", err)
	}
	return page, nil
}
