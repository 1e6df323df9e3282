package faqfile

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// WriteWorkbook writes a workbook of one sheet to w: the header row, then
// each row that rows passes to add, streamed (a sheet of any length costs
// little memory). It returns the rows written.
func WriteWorkbook(w io.Writer, sheet string, header []any, rows func(add func(row []any) error) error) (int, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return 0, err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return 0, err
	}
	if err := sw.SetRow("A1", header); err != nil {
		return 0, err
	}
	n := 0
	err = rows(func(row []any) error {
		n++
		cell, err := excelize.CoordinatesToCellName(1, n+1)
		if err != nil {
			return err
		}
		return sw.SetRow(cell, row)
	})
	if err != nil {
		return 0, err
	}
	if err := sw.Flush(); err != nil {
		return 0, err
	}
	if _, err := f.WriteTo(w); err != nil {
		return 0, fmt.Errorf("write: %w", err)
	}
	return n, nil
}
