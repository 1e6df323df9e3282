package models

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// readTable reads the first sheet of a workbook (format FAQFormatXLSX) or a
// CSV file and calls row for each row that is not blank, with its line
// number, until row returns false. A CSV line that does not parse goes to
// bad (key faq.import.csv) and is skipped.
func readTable(r io.Reader, format string, row func(line int, cols []string) bool, bad func(line int, key, detail string)) error {
	switch format {
	case FAQFormatXLSX:
		f, err := excelize.OpenReader(r)
		if err != nil {
			return fmt.Errorf("read workbook: %w", err)
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
			if !blank(cols) && !row(line, cols) {
				return nil
			}
		}
		return nil
	case FAQFormatCSV:
		cr := csv.NewReader(r)
		cr.FieldsPerRecord = -1
		errs := 0
		for {
			rec, err := cr.Read()
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
			if !blank(rec) && !row(line, rec) {
				return nil
			}
		}
	}
	return fmt.Errorf("unknown format %q (want xlsx or csv)", format)
}
