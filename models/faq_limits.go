package models

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// FAQ import limits: a file that is small on the wire must not become
// gigabytes in memory (an .xlsx is a zip, and 1 MB of zip can unpack to
// 1 GB). A file beyond any of them is refused whole, with a message that
// names the limit, and nothing is imported.
const (
	// FAQImportMaxBytes is the largest file read, in any format.
	FAQImportMaxBytes = 20 << 20
	// FAQImportMaxUnzipped is the most a workbook may unpack to.
	FAQImportMaxUnzipped = 100 << 20
	// FAQImportMaxXML is the largest single XML part of a workbook (a
	// worksheet or the shared strings).
	FAQImportMaxXML = 50 << 20
	// faqImportXMLInMemory is the part size above which excelize unpacks
	// to a temporary file instead of memory.
	faqImportXMLInMemory = 8 << 20
	// FAQImportMaxRows is the most data rows a file may have.
	FAQImportMaxRows = 10_000
)

// faqLimitError is the whole file's error for a limit it breaks.
func faqLimitError(line int, key string, max int64) FAQRowError {
	return FAQRowError{Line: line, Key: key, Params: map[string]any{"max": max, "detail": formatBytesOrCount(key, max)}}
}

func formatBytesOrCount(key string, n int64) string {
	if key == "faq.import.rows" {
		return strconv.FormatInt(n, 10) + " rows"
	}
	return strconv.FormatInt(n>>20, 10) + " MB"
}

// capped reads r up to FAQImportMaxBytes; over tells whether it had more.
type capped struct {
	lr io.LimitedReader
}

func newCapped(r io.Reader) *capped {
	return &capped{lr: io.LimitedReader{R: r, N: FAQImportMaxBytes + 1}}
}

func (c *capped) Read(p []byte) (int, error) { return c.lr.Read(p) }

func (c *capped) over() bool { return c.lr.N <= 0 }

// tableLimit is a file refused whole for a limit it breaks: Key names the
// limit in the catalog.
type tableLimit struct {
	Line int // where it broke; 0 for the whole file
	Key  string
	Max  int64
}

func (l *tableLimit) Error() string { return l.Key + ": over " + formatBytesOrCount(l.Key, l.Max) }

func asTableLimit(err error) (*tableLimit, bool) {
	var l *tableLimit
	ok := errors.As(err, &l)
	return l, ok
}

// openLimitedWorkbook reads a workbook within the limits; a broken limit
// is a *tableLimit.
func openLimitedWorkbook(r io.Reader) (*excelize.File, error) {
	c := newCapped(r)
	data, err := io.ReadAll(c)
	if err != nil {
		return nil, fmt.Errorf("read workbook: %w", err)
	}
	if c.over() {
		return nil, &tableLimit{Key: "faq.import.file_size", Max: FAQImportMaxBytes}
	}
	// The sizes the zip declares; archive/zip refuses to read an entry
	// past its declared size, so they bind.
	if zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data))); err == nil {
		var total uint64
		for _, f := range zr.File {
			total += f.UncompressedSize64
			name := strings.ToLower(f.Name)
			if strings.HasSuffix(name, ".xml") && f.UncompressedSize64 > FAQImportMaxXML {
				return nil, &tableLimit{Key: "faq.import.xml_size", Max: FAQImportMaxXML}
			}
			if total > FAQImportMaxUnzipped {
				return nil, &tableLimit{Key: "faq.import.unzip_size", Max: FAQImportMaxUnzipped}
			}
		}
	}
	// excelize enforces the same bound itself, and unpacks large parts to
	// temporary files rather than memory.
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit: FAQImportMaxUnzipped, UnzipXMLSizeLimit: faqImportXMLInMemory,
	})
	if err != nil {
		return nil, fmt.Errorf("read workbook: %w", err)
	}
	return f, nil
}

// tooManyRows reports the row limit on line when out is already full.
func tooManyRows(out []faqRow, line int, res *FAQImportResult) bool {
	if len(out) < FAQImportMaxRows {
		return false
	}
	res.Errors = append(res.Errors, faqLimitError(line, "faq.import.rows", FAQImportMaxRows))
	return true
}

// faqImportMaxLine is the longest JSON line.
const faqImportMaxLine = 4 << 20
