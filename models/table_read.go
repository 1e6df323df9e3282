package models

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
)

// readTable reads, within the import limits (faq_limits.go), the first sheet of a workbook (format FAQFormatXLSX) or a
// CSV file and calls row for each row that is not blank, with its line
// number, until row returns false. A CSV line that does not parse goes to
// bad (key faq.import.csv) and is skipped.
func readTable(r io.Reader, format string, row func(line int, cols []string) bool, bad func(line int, key, detail string)) error {
	rows, overLine := 0, 0
	limited := func(line int, cols []string) bool {
		// The header and FAQImportMaxRows rows of data.
		if rows++; rows > FAQImportMaxRows+1 {
			overLine = line
			return false
		}
		return row(line, cols)
	}
	tooMany := func() error {
		if overLine > 0 {
			return &tableLimit{Line: overLine, Key: "faq.import.rows", Max: FAQImportMaxRows}
		}
		return nil
	}
	switch format {
	case FAQFormatXLSX:
		f, err := openLimitedWorkbook(r)
		if err != nil {
			return err
		}
		defer f.Close()
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			return nil
		}
		it, err := f.Rows(sheets[0])
		if err != nil {
			return fmt.Errorf("read sheet %s: %w", sheets[0], err)
		}
		defer it.Close()
		for line := 1; it.Next(); line++ {
			cols, err := it.Columns()
			if err != nil {
				return fmt.Errorf("row %d: %w", line, err)
			}
			if !blank(cols) && !limited(line, cols) {
				return tooMany()
			}
		}
		return nil
	case FAQFormatCSV:
		c := newCapped(r)
		cr := csv.NewReader(c)
		cr.FieldsPerRecord = -1
		errs := 0
		for {
			rec, err := cr.Read()
			if c.over() {
				return &tableLimit{Key: "faq.import.file_size", Max: FAQImportMaxBytes}
			}
			if err == io.EOF {
				return nil
			}
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				bad(pe.StartLine, "faq.import.csv", pe.Err.Error())
				if errs++; errs > 1000 {
					return fmt.Errorf("too many CSV errors: %w", err)
				}
				continue
			}
			if err != nil {
				return fmt.Errorf("read CSV: %w", err)
			}
			line, _ := cr.FieldPos(0)
			if !blank(rec) && !limited(line, rec) {
				return tooMany()
			}
		}
	}
	return fmt.Errorf("unknown format %q (want xlsx or csv)", format)
}
