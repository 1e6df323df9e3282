package models

import (
	"archive/zip"
	"bytes"
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

// openFAQWorkbook reads a workbook within the limits; a broken limit is
// reported in res and gives a nil workbook.
func openFAQWorkbook(r io.Reader, res *FAQImportResult) (*excelize.File, error) {
	c := newCapped(r)
	data, err := io.ReadAll(c)
	if err != nil {
		return nil, err
	}
	if c.over() {
		res.Errors = append(res.Errors, faqLimitError(1, "faq.import.file_size", FAQImportMaxBytes))
		return nil, nil
	}
	// The sizes the zip declares; archive/zip refuses to read an entry
	// past its declared size, so they bind.
	if zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data))); err == nil {
		var total uint64
		for _, f := range zr.File {
			total += f.UncompressedSize64
			name := strings.ToLower(f.Name)
			if strings.HasSuffix(name, ".xml") && f.UncompressedSize64 > FAQImportMaxXML {
				res.Errors = append(res.Errors, faqLimitError(1, "faq.import.xml_size", FAQImportMaxXML))
				return nil, nil
			}
			if total > FAQImportMaxUnzipped {
				res.Errors = append(res.Errors, faqLimitError(1, "faq.import.unzip_size", FAQImportMaxUnzipped))
				return nil, nil
			}
		}
	}
	// excelize enforces the same bound itself, and unpacks large parts to
	// temporary files rather than memory.
	return excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit: FAQImportMaxUnzipped, UnzipXMLSizeLimit: faqImportXMLInMemory,
	})
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
