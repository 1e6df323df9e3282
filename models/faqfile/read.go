package faqfile

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// ReadTable reads, within the limits, the first sheet of a workbook (format
// XLSX) or a CSV file, and calls row for each row that is not blank, with its
// line number, until row returns false. The first row given is the header;
// after it at most MaxRows rows are read. A CSV line that does not parse goes
// to bad (key faq.import.csv) and is skipped. A broken limit is a *Limit.
func ReadTable(r io.Reader, format string, row func(line int, cols []string) bool, bad func(line int, key, detail string)) error {
	rows, overLine := 0, 0
	limited := func(line int, cols []string) bool {
		// The header and MaxRows rows of data.
		if rows++; rows > MaxRows+1 {
			overLine = line
			return false
		}
		return row(line, cols)
	}
	tooMany := func() error {
		if overLine > 0 {
			return &Limit{Line: overLine, Key: "faq.import.rows", Max: MaxRows}
		}
		return nil
	}
	switch format {
	case XLSX:
		f, err := openWorkbook(r)
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
			if !Blank(cols) && !limited(line, cols) {
				return tooMany()
			}
		}
		return nil
	case CSV:
		c := newCapped(r)
		cr := csv.NewReader(c)
		cr.FieldsPerRecord = -1
		errs := 0
		for {
			rec, err := cr.Read()
			if c.over() {
				return &Limit{Key: "faq.import.file_size", Max: MaxBytes}
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
			if !Blank(rec) && !limited(line, rec) {
				return tooMany()
			}
		}
	}
	return fmt.Errorf("unknown format %q (want xlsx or csv)", format)
}

// ReadJSONL reads a JSON lines file, one object a line, and calls row with
// each object's values of columns (strings, and numbers written as text;
// other columns are ignored), with its line number. A line that is not a
// JSON object goes to bad (key faq.import.json) and is skipped; blank lines
// are skipped. A broken limit (MaxBytes, MaxLine, MaxRows) is a *Limit.
func ReadJSONL(r io.Reader, columns []string, row func(line int, cols []string), bad func(line int, key, detail string)) error {
	c := newCapped(r)
	sc := bufio.NewScanner(c)
	sc.Buffer(make([]byte, 0, 64*1024), MaxLine)
	rows := 0
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\ufeff"))
		if text == "" {
			continue
		}
		var obj map[string]any
		if err := json.Unmarshal([]byte(text), &obj); err != nil {
			bad(line, "faq.import.json", err.Error())
			continue
		}
		if rows >= MaxRows {
			return &Limit{Line: line, Key: "faq.import.rows", Max: MaxRows}
		}
		rows++
		cols := make([]string, len(columns))
		for i, c := range columns {
			switch v := obj[c].(type) {
			case string:
				cols[i] = v
			case float64:
				cols[i] = strconv.FormatFloat(v, 'f', -1, 64)
			}
		}
		row(line, cols)
	}
	if c.over() {
		return &Limit{Key: "faq.import.file_size", Max: MaxBytes}
	}
	if errors.Is(sc.Err(), bufio.ErrTooLong) {
		return &Limit{Key: "faq.import.line_size", Max: MaxLine}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read JSON lines: %w", err)
	}
	return nil
}

// capped reads r up to MaxBytes; over tells whether it had more.
type capped struct {
	lr io.LimitedReader
}

func newCapped(r io.Reader) *capped {
	return &capped{lr: io.LimitedReader{R: r, N: MaxBytes + 1}}
}

func (c *capped) Read(p []byte) (int, error) { return c.lr.Read(p) }

func (c *capped) over() bool { return c.lr.N <= 0 }

// openWorkbook reads a workbook within the limits; a broken limit is a
// *Limit.
func openWorkbook(r io.Reader) (*excelize.File, error) {
	c := newCapped(r)
	data, err := io.ReadAll(c)
	if err != nil {
		return nil, fmt.Errorf("read workbook: %w", err)
	}
	if c.over() {
		return nil, &Limit{Key: "faq.import.file_size", Max: MaxBytes}
	}
	// The sizes the zip declares; archive/zip refuses to read an entry
	// past its declared size, so they bind.
	if zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data))); err == nil {
		var total uint64
		for _, f := range zr.File {
			total += f.UncompressedSize64
			name := strings.ToLower(f.Name)
			if strings.HasSuffix(name, ".xml") && f.UncompressedSize64 > MaxXML {
				return nil, &Limit{Key: "faq.import.xml_size", Max: MaxXML}
			}
			if total > MaxUnzipped {
				return nil, &Limit{Key: "faq.import.unzip_size", Max: MaxUnzipped}
			}
		}
	}
	// excelize enforces the same bound itself, and unpacks large parts to
	// temporary files rather than memory.
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit: MaxUnzipped, UnzipXMLSizeLimit: xmlInMemory,
	})
	if err != nil {
		return nil, fmt.Errorf("read workbook: %w", err)
	}
	return f, nil
}
