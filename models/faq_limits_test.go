package models_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"pakn/internal/testdb"
	"pakn/models"
	"pakn/models/faqfile"
)

// zipBomb is a workbook whose parts unpack to sizes[i] bytes each (of one
// repeated byte: a few hundred KB on the wire).
func zipBomb(t *testing.T, sizes ...int) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	put := func(name string, body io.Reader) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, body); err != nil {
			t.Fatal(err)
		}
	}
	put("[Content_Types].xml", strings.NewReader(`<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`))
	for i, n := range sizes {
		put(fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1), io.LimitReader(repeatReader{}, int64(n)))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

type repeatReader struct{}

func (repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

func workbookRows(t *testing.T, n int) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	_ = sw.SetRow("A1", []any{"id", "category", "unit", "question", "answer"})
	for i := 0; i < n; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		_ = sw.SetRow(cell, []any{fmt.Sprintf("r-%d", i), "thue", "CT", "Q?", "A."})
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func linesOf(n int, header, row string) string {
	var b strings.Builder
	b.WriteString(header)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, row, i)
	}
	return b.String()
}

// TestFAQImportLimits: a file beyond a limit is refused whole with a
// message naming it, and a zip bomb costs no more memory than the limits.
func TestFAQImportLimits(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: large files (imports past every FAQ limit, a zip bomb included)")
	}
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		st := seeded(t, tg)
		ctx := context.Background()
		over := faqfile.MaxRows + 1
		cases := []struct {
			name, format string
			data         []byte
			want         wantErr
		}{
			{"xlsx unpacking past the limit", models.FAQFormatXLSX, zipBomb(t, 40<<20, 40<<20, 40<<20), wantErr{1, "", "faq.import.unzip_size"}},
			{"xlsx with a huge sheet", models.FAQFormatXLSX, zipBomb(t, faqfile.MaxXML+1), wantErr{1, "", "faq.import.xml_size"}},
			{"xlsx too large", models.FAQFormatXLSX, bytes.Repeat([]byte("x"), faqfile.MaxBytes+1), wantErr{1, "", "faq.import.file_size"}},
			{"xlsx with too many rows", models.FAQFormatXLSX, workbookRows(t, over), wantErr{over + 1, "", "faq.import.rows"}},
			{"csv with too many rows", models.FAQFormatCSV, []byte(linesOf(over, "id,category,unit,question,answer\n", "r-%d,thue,CT,Q?,A.\n")), wantErr{over + 1, "", "faq.import.rows"}},
			{"csv too large", models.FAQFormatCSV, []byte("id,category,unit,question,answer\nr,thue,CT,Q?," + strings.Repeat("a", faqfile.MaxBytes) + "\n"), wantErr{1, "", "faq.import.file_size"}},
			{"jsonl with too many rows", models.FAQFormatJSONL, []byte(linesOf(over, "", `{"id":"r-%d","category":"thue","unit":"CT","question":"Q?","answer":"A."}`+"\n")), wantErr{over, "", "faq.import.rows"}},
			{"jsonl with a huge line", models.FAQFormatJSONL, []byte(`{"id":"r","answer":"` + strings.Repeat("a", 5<<20) + `"}`), wantErr{1, "", "faq.import.line_size"}},
			{"jsonl too large", models.FAQFormatJSONL, bytes.Repeat([]byte(`{"id":"r-1","category":"thue","unit":"CT","question":"Q?","answer":"`+strings.Repeat("a", 25<<10)+`"}`+"\n"), 900), wantErr{1, "", "faq.import.file_size"}},
		}
		for _, c := range cases {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			res, err := st.ImportFAQ(ctx, bytes.NewReader(c.data), c.format, models.FAQImportOptions{Actor: importer})
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
				continue
			}
			t.Run(c.name, func(t *testing.T) { checkErrors(t, res.Errors, []wantErr{c.want}) })
			if res.Created+res.Updated != 0 {
				t.Errorf("%s: %d entries imported", c.name, res.Created+res.Updated)
			}
			if strings.HasPrefix(c.name, "xlsx unpacking") || strings.HasPrefix(c.name, "xlsx with a huge") {
				if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
					t.Errorf("%s: %d MB allocated for a %d KB file", c.name, alloc>>20, len(c.data)>>10)
				}
			}
		}
		var n int64
		st.DB.Model(&models.FAQEntry{}).Where("ref LIKE ?", "r-%").Count(&n)
		if n != 0 {
			t.Fatalf("%d entries written by refused files", n)
		}
	})
}
