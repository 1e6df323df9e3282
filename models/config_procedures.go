package models

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"

	"pakn/models/faqfile"
)

// Procedure is one administrative procedure (thủ tục hành chính) of the
// province's list, by its code in the national database of administrative
// procedures. UnitID is the unit that handles it: a routing rule with
// target procedure_unit sends petitions about it there.
type Procedure struct {
	ID        int64  `gorm:"primaryKey"`
	Code      string `gorm:"uniqueIndex;size:32;not null"`
	Name      string `gorm:"not null"`
	Field     string // lĩnh vực, as the national database names it
	UnitID    *int64 `gorm:"index"`
	Unit      *Unit
	Active    bool `gorm:"not null;default:true"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Limits of the one-stop references.
const (
	MaxDossierCode = 40
	MaxProcedure   = 500 // a procedure's name
)

var (
	// dossierRe: the one-stop system's dossier code (letters, digits, dots
	// and dashes), e.g. H42.27-250312-0003.
	dossierRe = regexp.MustCompile(`^[A-Z0-9.\-]+$`)
	// procedureRe: a code of the national database, e.g. 1.001612. The
	// full code of a province's copy (1.001612.000.00.00.H42) is cut to it.
	procedureRe     = regexp.MustCompile(`^[0-9]{1,2}\.[0-9]{6}$`)
	procedureFullRe = regexp.MustCompile(`^([0-9]{1,2}\.[0-9]{6})\.[0-9A-Z.]+$`)
)

// NormalizeDossierCode trims a dossier code and writes its letters in
// capitals, as the one-stop system prints them.
func NormalizeDossierCode(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

// NormalizeProcedureCode trims a procedure code and cuts a province's full
// code to the national one.
func NormalizeProcedureCode(s string) string {
	s = strings.ToUpper(strings.Join(strings.Fields(s), ""))
	if m := procedureFullRe.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return s
}

// validateReferences checks the format of a dossier and a procedure code
// (both optional) under the given field names.
func validateReferences(v *ValidationError, dossierField, dossier, procedureField, procedure string) {
	if dossier != "" && (len(dossier) > MaxDossierCode || !dossierRe.MatchString(dossier)) {
		v.Add(dossierField, "err.dossier_code", map[string]any{"max": MaxDossierCode})
	}
	if procedure != "" && !procedureRe.MatchString(procedure) {
		v.Add(procedureField, "err.procedure_code", nil)
	}
}

// ListProcedures returns the active procedures by code, with their units.
func (s *Store) ListProcedures(ctx context.Context) ([]Procedure, error) {
	var out []Procedure
	err := s.DB.WithContext(ctx).Preload("Unit").Where("active = ?", true).Order("code").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list procedures: %w", err)
	}
	return out, nil
}

// SearchProcedures finds active procedures whose code or name contains q,
// ignoring case and Vietnamese marks ("dang ky" finds "Đăng ký"), at most
// limit, with their units. A province's list has a few thousand entries:
// it is filtered here, where folding is the same on both databases (SQLite's
// LOWER knows only ASCII).
func (s *Store) SearchProcedures(ctx context.Context, q string, limit int) ([]Procedure, error) {
	var all []Procedure
	if err := s.DB.WithContext(ctx).Preload("Unit").Where("active = ?", true).Order("code").Find(&all).Error; err != nil {
		return nil, fmt.Errorf("search procedures: %w", err)
	}
	q = foldSearch(CleanLine(q))
	out := all[:0]
	for _, p := range all {
		if len(out) == limit {
			break
		}
		if q == "" || strings.Contains(p.Code, q) || strings.Contains(foldSearch(p.Name), q) {
			out = append(out, p)
		}
	}
	return out, nil
}

// foldSearch lower-cases s and drops Vietnamese marks (đ → d).
func foldSearch(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'đ' || r == 'Đ':
			b.WriteRune('d')
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// ProcedureImportOptions tune ImportProcedures.
type ProcedureImportOptions struct {
	// Progress is called after each batch with rows done and the total.
	Progress func(done, total int)
	// BatchSize is rows per transaction (default 200).
	BatchSize int
	// Actor is who imports: an administrator (the CLI passes one).
	Actor Viewer
	// OnlyNew skips codes that exist already (demo seeding keeps edits).
	OnlyNew bool
}

// ProcedureImportResult reports what an import did.
type ProcedureImportResult struct {
	Total     int
	Created   int
	Updated   int
	Unchanged int
	Errors    []FAQRowError
}

// procedureColumns are the accepted headers of each field, in English and
// as the national database's exports write them.
var procedureColumns = map[string][]string{
	"code":  {"code", "mã thủ tục", "ma_thu_tuc", "mã", "mã tthc"},
	"name":  {"name", "tên thủ tục", "ten_thu_tuc", "tên", "tên tthc"},
	"unit":  {"unit", "đơn vị", "don_vi", "cơ quan thực hiện", "đơn vị giải quyết"},
	"field": {"field", "lĩnh vực", "linh_vuc"},
}

type procedureRow struct {
	Line                    int
	Code, Name, Unit, Field string
}

// ImportProcedures reads the province's list of procedures (fields code,
// name, unit by code or name, optional field) from a workbook or CSV file
// and upserts them by code, in batched transactions. Bad rows are reported
// by line and skipped. Each batch writes one audit event.
func (s *Store) ImportProcedures(ctx context.Context, r io.Reader, format string, opts ProcedureImportOptions) (*ProcedureImportResult, error) {
	if opts.Actor.Role != RoleAdmin {
		return nil, ErrForbidden
	}
	res := &ProcedureImportResult{}
	var (
		idx  map[string]int
		rows []procedureRow
	)
	err := faqfile.ReadTable(r, format, func(line int, cols []string) bool {
		if idx == nil {
			idx = map[string]int{}
			for i, h := range cols {
				h = strings.ToLower(CleanLine(strings.TrimPrefix(h, "\ufeff")))
				for field, names := range procedureColumns {
					if _, done := idx[field]; !done && containsString(names, h) {
						idx[field] = i
					}
				}
			}
			for _, c := range []string{"code", "name"} {
				if _, ok := idx[c]; !ok {
					res.Errors = append(res.Errors, FAQRowError{Line: line, Field: c, Key: "faq.import.header"})
				}
			}
			return len(res.Errors) == 0
		}
		get := func(f string) string {
			if i, ok := idx[f]; ok && i < len(cols) {
				return CleanLine(cols[i])
			}
			return ""
		}
		rows = append(rows, procedureRow{Line: line, Code: NormalizeProcedureCode(get("code")), Name: get("name"), Unit: get("unit"), Field: get("field")})
		return true
	}, func(line int, key, detail string) {
		res.Errors = append(res.Errors, FAQRowError{Line: line, Key: key, Params: map[string]any{"detail": detail}})
	})
	if lim, ok := errors.AsType[*faqfile.Limit](err); ok {
		// Beyond a limit the file is refused whole.
		res.Errors = append(res.Errors[:0], faqLimitError(max(lim.Line, 1), lim))
		return res, nil
	}
	if err != nil {
		return nil, fmt.Errorf("procedure import: %w", err)
	}
	if idx == nil && len(res.Errors) == 0 {
		res.Errors = append(res.Errors, FAQRowError{Line: 1, Key: "faq.import.nosheet"})
	}
	res.Total = len(rows)
	var units []Unit
	if err := s.DB.WithContext(ctx).Find(&units).Error; err != nil {
		return nil, fmt.Errorf("procedure import: units: %w", err)
	}
	unitOf := map[string]int64{}
	for _, u := range units {
		unitOf[strings.ToLower(u.Code)] = u.ID
		unitOf[strings.ToLower(u.Name)] = u.ID
	}
	type valid struct {
		procedureRow
		unitID *int64
	}
	var good []valid
	seen := map[string]int{}
	for _, row := range rows {
		bad := func(field, key string, params map[string]any) {
			res.Errors = append(res.Errors, FAQRowError{Line: row.Line, Ref: row.Code, Field: field, Key: key, Params: params})
		}
		n := len(res.Errors)
		switch {
		case row.Code == "":
			bad("code", "err.required", nil)
		case !procedureRe.MatchString(row.Code):
			bad("code", "err.procedure_code", nil)
		}
		if row.Name == "" {
			bad("name", "err.required", nil)
		} else if utf8.RuneCountInString(row.Name) > MaxProcedure {
			bad("name", "err.too_long", map[string]any{"max": MaxProcedure})
		}
		var unitID *int64
		if row.Unit != "" {
			id, ok := unitOf[strings.ToLower(row.Unit)]
			if !ok {
				bad("unit", "err.unknown_code", nil)
			}
			unitID = &id
		}
		if first, dup := seen[row.Code]; dup && row.Code != "" {
			bad("code", "err.taken", map[string]any{"detail": fmt.Sprintf("line %d", first)})
		}
		if len(res.Errors) > n {
			continue
		}
		seen[row.Code] = row.Line
		good = append(good, valid{row, unitID})
	}
	size := opts.BatchSize
	if size <= 0 {
		size = 200
	}
	done := res.Total - len(good)
	report := func() {
		if opts.Progress != nil {
			opts.Progress(done, res.Total)
		}
	}
	report()
	for start := 0; start < len(good); start += size {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		batch := good[start:min(start+size, len(good))]
		var created, updated, unchanged int
		err := s.Tx(ctx, func(tx *gorm.DB) error {
			created, updated, unchanged = 0, 0, 0
			var changed []string
			for _, row := range batch {
				var p Procedure
				err := tx.Where("code = ?", row.Code).First(&p).Error
				switch {
				case errors.Is(err, gorm.ErrRecordNotFound):
					p = Procedure{Code: row.Code, Name: row.Name, Field: row.Field, UnitID: row.unitID, Active: true}
					if err := tx.Create(&p).Error; err != nil {
						return fmt.Errorf("line %d: %w", row.Line, err)
					}
					created++
					changed = append(changed, row.Code)
				case err != nil:
					return fmt.Errorf("line %d: %w", row.Line, err)
				case opts.OnlyNew, p.Name == row.Name && p.Field == row.Field && sameID(p.UnitID, row.unitID) && p.Active:
					unchanged++
				default:
					err := tx.Model(&p).Select("name", "field", "unit_id", "active").
						Updates(Procedure{Name: row.Name, Field: row.Field, UnitID: row.unitID, Active: true}).Error
					if err != nil {
						return fmt.Errorf("line %d: %w", row.Line, err)
					}
					updated++
					changed = append(changed, row.Code)
				}
			}
			if len(changed) == 0 {
				return nil
			}
			return tx.Create(&Event{Subject: "procedures", At: s.now(), ActorID: viewerID(opts.Actor), ActorName: opts.Actor.Name,
				Type: "procedures_imported", ToValue: fmt.Sprint(len(changed)), Note: clip(strings.Join(changed, " "), 2000)}).Error
		})
		if err != nil {
			return res, fmt.Errorf("procedure import: %w", err)
		}
		res.Created += created
		res.Updated += updated
		res.Unchanged += unchanged
		done += len(batch)
		report()
	}
	sort.SliceStable(res.Errors, func(i, j int) bool { return res.Errors[i].Line < res.Errors[j].Line })
	return res, nil
}

// DeactivateProcedure takes a procedure off the list offered to citizens;
// petitions that name it keep its code (an administrator's action).
func (s *Store) DeactivateProcedure(ctx context.Context, v Viewer, code string) error {
	code = NormalizeProcedureCode(code)
	return s.adminTx(ctx, v, func(tx *gorm.DB, now time.Time) error {
		res := tx.Model(&Procedure{}).Where("code = ? AND active = ?", code, true).Update("active", false)
		if res.Error != nil {
			return fmt.Errorf("deactivate procedure %s: %w", code, res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return configEvent(tx, v, "procedure:"+code, "procedure_deactivated", "active", "inactive", now)
	})
}

func sameID(a, b *int64) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// CorrectReferences sets a petition's dossier and procedure codes (an
// official correcting what the citizen wrote), audited with the old and new
// values. An unknown procedure is a field error.
func (s *Store) CorrectReferences(ctx context.Context, v Viewer, code, dossier, procedure string) (*Petition, error) {
	dossier, procedure = NormalizeDossierCode(dossier), NormalizeProcedureCode(procedure)
	verr := &ValidationError{}
	validateReferences(verr, "dossier_code", dossier, "procedure_code", procedure)
	if err := verr.Err(); err != nil {
		return nil, err
	}
	return s.act(ctx, v, code, ActReferences, func(a *actionCtx) error {
		if procedure != "" && procedure != a.p.ProcedureCode {
			var n int64
			if err := a.tx.Model(&Procedure{}).Where("code = ? AND active = ?", procedure, true).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				verr.Add("procedure_code", "err.unknown_procedure", nil)
				return verr
			}
		}
		if dossier != a.p.DossierCode {
			a.event("dossier_corrected", a.p.DossierCode, dossier, "", false)
			a.p.DossierCode = dossier
		}
		if procedure != a.p.ProcedureCode {
			a.event("procedure_corrected", a.p.ProcedureCode, procedure, "", false)
			a.p.ProcedureCode = procedure
		}
		return nil
	})
}

// ProcedureByCode returns an active procedure of the list, or ErrNotFound.
func (s *Store) ProcedureByCode(ctx context.Context, code string) (*Procedure, error) {
	var p Procedure
	err := s.DB.WithContext(ctx).Where("code = ? AND active = ?", NormalizeProcedureCode(code), true).First(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("procedure %s: %w", code, err)
	}
	return &p, nil
}

// ProcedureNames maps codes to names for display (every procedure, active
// or not, so that an old petition still shows its procedure's name).
func (s *Store) ProcedureNames(ctx context.Context, codes ...string) (map[string]string, error) {
	out := map[string]string{}
	codes = slices.DeleteFunc(codes, func(c string) bool { return c == "" })
	if len(codes) == 0 {
		return out, nil
	}
	var rows []Procedure
	if err := s.DB.WithContext(ctx).Select("code, name").Where("code IN ?", codes).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("procedure names: %w", err)
	}
	for _, p := range rows {
		out[p.Code] = p.Name
	}
	return out, nil
}
