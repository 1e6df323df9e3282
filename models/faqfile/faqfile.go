// Package faqfile reads and writes the files that FAQ entries and
// administrative procedures are imported from and exported to: CSV, Excel
// workbooks (.xlsx, the first sheet) and JSON lines. It owns the formats,
// the header row and the limits that keep a small upload from becoming
// gigabytes in memory (an .xlsx is a zip, and 1 MB of zip can unpack to
// 1 GB); it does not know what a row means: models validates and stores the
// rows (Store.ImportFAQ, Store.ImportProcedures, Store.ExportFAQ).
//
// A file beyond a limit is refused whole with a *Limit, whose Key names the
// limit in the message catalog (faq.import.*), and nothing is imported.
package faqfile

import (
	"strconv"
	"strings"
)

// Formats, named as the files' extensions.
const (
	XLSX  = "xlsx"
	CSV   = "csv"
	JSONL = "jsonl"
)

// FormatOf names the format of a file by its extension ("" when it has none
// of them; ".ndjson" is JSONL).
func FormatOf(name string) string {
	n := strings.ToLower(name)
	for _, f := range []string{XLSX, CSV, JSONL} {
		if strings.HasSuffix(n, "."+f) {
			return f
		}
	}
	if strings.HasSuffix(n, ".ndjson") {
		return JSONL
	}
	return ""
}

// Limits of a file to import.
const (
	// MaxBytes is the largest file read, in any format.
	MaxBytes = 20 << 20
	// MaxUnzipped is the most a workbook may unpack to.
	MaxUnzipped = 100 << 20
	// MaxXML is the largest single XML part of a workbook (a worksheet or
	// the shared strings).
	MaxXML = 50 << 20
	// xmlInMemory is the part size above which excelize unpacks to a
	// temporary file instead of memory.
	xmlInMemory = 8 << 20
	// MaxRows is the most data rows a file may have.
	MaxRows = 10_000
	// MaxLine is the longest line of a JSON lines file.
	MaxLine = 4 << 20
)

// Limit is a file refused whole for a limit it breaks.
type Limit struct {
	Line int    // where it broke; 0 for the whole file
	Key  string // the catalog key: faq.import.file_size, …
	Max  int64
}

func (l *Limit) Error() string { return l.Key + ": over " + l.Detail() }

// Detail is the limit for a message: "10000 rows" or "20 MB".
func (l *Limit) Detail() string {
	if l.Key == "faq.import.rows" {
		return strconv.FormatInt(l.Max, 10) + " rows"
	}
	return strconv.FormatInt(l.Max>>20, 10) + " MB"
}

// Blank reports whether a row has nothing but spaces.
func Blank(cols []string) bool {
	for _, c := range cols {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
