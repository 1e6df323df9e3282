package models

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"pakn/models/faqfile"
	"pakn/models/workdays"
)

// The formats ImportFAQ and ImportProcedures read (faqfile's).
const (
	FAQFormatXLSX  = faqfile.XLSX
	FAQFormatCSV   = faqfile.CSV
	FAQFormatJSONL = faqfile.JSONL
)

// FAQFormatOf names the import format of a file by its extension ("" when
// it has none of them).
func FAQFormatOf(name string) string { return faqfile.FormatOf(name) }

// FAQImportOptions tune ImportFAQ.
type FAQImportOptions struct {
	// Actor is who imports (a coordinator or administrator; the CLI passes
	// a system actor).
	Actor Viewer
	// Draft leaves every imported entry unpublished (a published entry
	// that is re-imported goes back to draft, out of public view).
	Draft bool
	// OnlyNew skips ids that exist already (demo seeding keeps edits).
	OnlyNew bool
	// Progress is called after each batch with rows done and the total.
	Progress func(done, total int)
	// BatchSize is rows per transaction (default 200).
	BatchSize int
}

// FAQRowError is one rejected row: Line is the file's line (or the
// spreadsheet's row number), Key a catalog key for the message.
type FAQRowError struct {
	Line   int
	Ref    string
	Field  string
	Key    string
	Params map[string]any
}

// String is the English message the CLI prints.
func (e FAQRowError) String() string {
	msg := map[string]string{
		"err.required":          "missing",
		"err.too_long":          "too long",
		"err.unknown_code":      "no such code or name",
		"err.taken":             "already used",
		"faq.import.json":       "not a JSON object",
		"faq.import.csv":        "not valid CSV",
		"faq.import.header":     "the header row lacks a column",
		"faq.import.nosheet":    "the workbook has no rows",
		"faq.import.file_size":  "the file is larger than allowed",
		"faq.import.unzip_size": "the workbook unpacks to more than allowed",
		"faq.import.xml_size":   "a part of the workbook is larger than allowed",
		"faq.import.rows":       "the file has more rows than allowed; import it in parts",
		"faq.import.line_size":  "a line is longer than allowed",
		"err.personal_data":     "personal data in a public field",
	}[e.Key]
	if msg == "" {
		msg = e.Key
	}
	var b strings.Builder
	fmt.Fprintf(&b, "line %d", e.Line)
	if e.Ref != "" {
		fmt.Fprintf(&b, " (id %s)", e.Ref)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(msg)
	if d, ok := e.Params["detail"]; ok {
		fmt.Fprintf(&b, " (%v)", d)
	}
	return b.String()
}

// FAQImportResult reports what an import did.
type FAQImportResult struct {
	Total     int // data rows read
	Created   int
	Updated   int
	Unchanged int
	Published int // rows left published (new, updated or unchanged)
	Errors    []FAQRowError
}

// Skipped is the number of rows rejected.
func (r *FAQImportResult) Skipped() int { return len(r.Errors) }

type faqRow struct {
	Line int
	FAQInput
}

// faqColumns are the import fields; other columns are ignored.
var faqColumns = []string{"id", "category", "unit", "question", "answer"}

// ImportFAQ reads FAQ entries (fields id, category, unit, question,
// answer; category and unit by code or name) and upserts them by id, in
// batched transactions. Bad rows are reported by line and skipped.
func (s *Store) ImportFAQ(ctx context.Context, r io.Reader, format string, opts FAQImportOptions) (*FAQImportResult, error) {
	if !FAQMayImport(opts.Actor) {
		return nil, ErrForbidden
	}
	res := &FAQImportResult{}
	var rows []faqRow
	var err error
	switch format {
	case FAQFormatXLSX, FAQFormatCSV:
		rows, err = readFAQTable(r, format, res)
	case FAQFormatJSONL:
		rows, err = readFAQJSONL(r, res)
	default:
		return nil, fmt.Errorf("faq import: unknown format %q (want xlsx, csv or jsonl)", format)
	}
	if err != nil {
		return nil, err
	}
	res.Total = len(rows) + len(res.Errors)
	refs, err := loadFAQRefs(s.DB.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	valid := rows[:0]
	type resolved struct {
		cat  *Category
		unit *Unit
	}
	res2 := map[int]resolved{}
	for _, row := range rows {
		cat, unit, verr := refs.validate(&row.FAQInput, nil)
		if row.Ref == "" && !verr.Has("id") {
			verr.Add("id", "err.required", nil)
		}
		if len(verr.Fields) > 0 {
			for _, f := range verr.Fields {
				res.Errors = append(res.Errors, FAQRowError{Line: row.Line, Ref: row.Ref, Field: f.Field, Key: f.Key, Params: f.Params})
			}
			continue
		}
		if !opts.Draft {
			// The guard would refuse the row's publication, and with it
			// the whole batch: report it here and skip it.
			fs, err := s.faqRowPersonalData(ctx, row.FAQInput, opts.OnlyNew)
			if err != nil {
				return nil, err
			}
			for _, f := range fs {
				res.Errors = append(res.Errors, FAQRowError{Line: row.Line, Ref: row.Ref, Field: f.Field, Key: "err.personal_data",
					Params: map[string]any{"detail": string(f.Kind) + ": " + f.Text}})
			}
			if len(fs) > 0 {
				continue
			}
		}
		res2[row.Line] = resolved{cat, unit}
		valid = append(valid, row)
	}
	n := opts.BatchSize
	if n <= 0 {
		n = 200
	}
	done := res.Total - len(valid)
	if opts.Progress != nil {
		opts.Progress(done, res.Total)
	}
	for start := 0; start < len(valid); start += n {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		batch := valid[start:min(start+n, len(valid))]
		var created, updated, unchanged, published int
		err := s.Tx(ctx, func(tx *gorm.DB) error {
			created, updated, unchanged, published = 0, 0, 0, 0
			for _, row := range batch {
				rv := res2[row.Line]
				row.Publish = !opts.Draft
				var e FAQEntry
				err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("ref = ?", row.Ref).First(&e).Error
				switch {
				case errors.Is(err, gorm.ErrRecordNotFound):
					if _, err := s.createFAQTx(tx, opts.Actor, row.FAQInput, rv.cat, rv.unit); err != nil {
						return fmt.Errorf("line %d: %w", row.Line, err)
					}
					created++
				case err != nil:
					return fmt.Errorf("faq import line %d: %w", row.Line, err)
				case opts.OnlyNew:
					unchanged++
					row.Publish = e.Status == FAQPublished
				default:
					wantStatus := FAQDraft
					if row.Publish {
						wantStatus = FAQPublished
					}
					if e.Question == row.Question && e.Answer == row.Answer && e.CategoryID == rv.cat.ID &&
						e.UnitID == rv.unit.ID && e.Status == wantStatus {
						unchanged++
						break
					}
					e.Category, e.Unit = refs.catID[e.CategoryID], refs.byID[e.UnitID]
					if _, err := s.updateFAQTx(tx, opts.Actor, &e, row.FAQInput, rv.cat, rv.unit, row.Publish); err != nil {
						return fmt.Errorf("line %d: %w", row.Line, err)
					}
					updated++
				}
				if row.Publish {
					published++
				}
			}
			return nil
		})
		if err != nil {
			return res, fmt.Errorf("faq import: %w", err)
		}
		res.Created += created
		res.Updated += updated
		res.Unchanged += unchanged
		res.Published += published
		done += len(batch)
		if opts.Progress != nil {
			opts.Progress(done, res.Total)
		}
	}
	sort.SliceStable(res.Errors, func(i, j int) bool { return res.Errors[i].Line < res.Errors[j].Line })
	return res, nil
}

// headerIndex maps the import fields to column positions; missing
// required columns are reported on the header's line.
func headerIndex(header []string, line int, res *FAQImportResult) (map[string]int, bool) {
	idx := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := idx[h]; !dup {
			idx[h] = i
		}
	}
	ok := true
	for _, c := range []string{"id", "category", "question", "answer"} {
		if _, has := idx[c]; !has {
			res.Errors = append(res.Errors, FAQRowError{Line: line, Field: c, Key: "faq.import.header"})
			ok = false
		}
	}
	return idx, ok
}

func rowFrom(cols []string, idx map[string]int, line int) faqRow {
	get := func(name string) string {
		if i, ok := idx[name]; ok && i < len(cols) {
			return cols[i]
		}
		return ""
	}
	return faqRow{Line: line, FAQInput: FAQInput{Ref: get("id"), Category: get("category"), Unit: get("unit"),
		Question: get("question"), Answer: get("answer")}}
}

// badLine reports a line faqfile could not read.
func (res *FAQImportResult) badLine(line int, key, detail string) {
	res.Errors = append(res.Errors, FAQRowError{Line: line, Key: key, Params: map[string]any{"detail": detail}})
}

// readFAQTable reads a workbook or CSV file: a header row, then entries.
func readFAQTable(r io.Reader, format string, res *FAQImportResult) ([]faqRow, error) {
	var out []faqRow
	var idx map[string]int
	headerOK := true
	err := faqfile.ReadTable(r, format, func(line int, cols []string) bool {
		if idx == nil {
			idx, headerOK = headerIndex(cols, line, res)
			return headerOK
		}
		out = append(out, rowFrom(cols, idx, line))
		return true
	}, res.badLine)
	if lim, ok := errors.AsType[*faqfile.Limit](err); ok {
		// Beyond a limit the file is refused whole.
		res.Errors = append(res.Errors[:0], faqLimitError(max(lim.Line, 1), lim))
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("faq import: %w", err)
	}
	if !headerOK {
		return nil, nil
	}
	if idx == nil && format == FAQFormatXLSX {
		res.Errors = append(res.Errors, FAQRowError{Line: 1, Key: "faq.import.nosheet"})
	}
	return out, nil
}

func readFAQJSONL(r io.Reader, res *FAQImportResult) ([]faqRow, error) {
	var out []faqRow
	idx := map[string]int{}
	for i, c := range faqColumns {
		idx[c] = i
	}
	err := faqfile.ReadJSONL(r, faqColumns, func(line int, cols []string) {
		out = append(out, rowFrom(cols, idx, line))
	}, res.badLine)
	if lim, ok := errors.AsType[*faqfile.Limit](err); ok {
		// Beyond a limit the file is refused whole; the lines before
		// the row that was one too many keep their own errors.
		if lim.Key != "faq.import.rows" {
			res.Errors = res.Errors[:0]
		}
		res.Errors = append(res.Errors, faqLimitError(max(lim.Line, 1), lim))
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("faq import: %w", err)
	}
	return out, nil
}

// ExportFAQ writes every FAQ entry the viewer may read as a workbook that
// ImportFAQ reads back (category and unit as codes, names beside them).
func (s *Store) ExportFAQ(ctx context.Context, v Viewer, w io.Writer) (int, error) {
	if !FAQMayUse(v) {
		return 0, ErrForbidden
	}
	refs, err := loadFAQRefs(s.DB.WithContext(ctx))
	if err != nil {
		return 0, err
	}
	header := []any{"id", "category", "unit", "question", "answer", "status", "version", "category_name", "unit_name", "updated_at"}
	n, err := faqfile.WriteWorkbook(w, "FAQ", header, func(add func(row []any) error) error {
		var batch []FAQEntry
		return scopeFAQ(s.DB.WithContext(ctx).Model(&FAQEntry{}), v).Order("faq_entries.id").
			FindInBatches(&batch, 500, func(_ *gorm.DB, _ int) error {
				for _, e := range batch {
					cat, unit := refs.catID[e.CategoryID], refs.byID[e.UnitID]
					var cc, cn, uc, un string
					if cat != nil {
						cc, cn = cat.Code, cat.Name
					}
					if unit != nil {
						uc, un = unit.Code, unit.Name
					}
					err := add([]any{e.Ref, cc, uc, e.Question, e.Answer, e.Status, e.Version, cn, un,
						e.UpdatedAt.In(workdays.VietnamLocation()).Format("2006-01-02 15:04")})
					if err != nil {
						return err
					}
				}
				return nil
			}).Error
	})
	if err != nil {
		return 0, fmt.Errorf("faq export: %w", err)
	}
	return n, nil
}
