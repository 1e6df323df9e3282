package faqfile

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestFormatOf(t *testing.T) {
	for name, want := range map[string]string{
		"hoi-dap.XLSX": XLSX, "a.csv": CSV, "a.jsonl": JSONL, "a.ndjson": JSONL, "a.xls": "", "csv": "",
	} {
		if got := FormatOf(name); got != want {
			t.Errorf("FormatOf(%q) = %q, want %q", name, got, want)
		}
	}
}

// rows reads a file with ReadTable or ReadJSONL and lists what it saw.
func rows(t *testing.T, format string, data []byte) (got []string, err error) {
	t.Helper()
	row := func(line int, cols []string) { got = append(got, fmt.Sprint(line, cols)) }
	bad := func(line int, key, _ string) { got = append(got, fmt.Sprint(line, " ", key)) }
	if format == JSONL {
		err = ReadJSONL(bytes.NewReader(data), []string{"id", "answer"}, row, bad)
	} else {
		err = ReadTable(bytes.NewReader(data), format, func(line int, cols []string) bool { row(line, cols); return true }, bad)
	}
	return got, err
}

func workbook(t *testing.T, rows ...[]any) []byte {
	t.Helper()
	var buf bytes.Buffer
	n, err := WriteWorkbook(&buf, "FAQ", rows[0], func(add func([]any) error) error {
		for _, r := range rows[1:] {
			if err := add(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || n != len(rows)-1 {
		t.Fatalf("WriteWorkbook: %d rows, %v", n, err)
	}
	return buf.Bytes()
}

func TestRead(t *testing.T) {
	tests := []struct {
		name, format string
		data         []byte
		want         string
		limit        string
	}{
		{"csv skips blank rows and reports bad lines", CSV, []byte("id,answer\n\n r1 ,Có\n\"x,y\n"), `[1 [id answer] 3 [ r1  Có] 4 faq.import.csv]`, ""},
		{"workbook round trip", XLSX, workbook(t, []any{"id", "answer"}, []any{"r1", "Có"}, []any{"r2", 42}), `[1 [id answer] 2 [r1 Có] 3 [r2 42]]`, ""},
		{"jsonl: strings, numbers, other columns ignored", JSONL, []byte("{\"id\":\"r1\",\"answer\":\"Có\",\"x\":1}\n\n{\"id\":7}\nnot json\n"), `[1 [r1 Có] 3 [7 ] 4 faq.import.json]`, ""},
		{"unknown format", "xls", nil, `[]`, ""},
		{"csv rows over the limit", CSV, []byte("id\n" + strings.Repeat("r\n", MaxRows+1)), "", "faq.import.rows"},
		{"jsonl rows over the limit", JSONL, []byte(strings.Repeat("{}\n", MaxRows+1)), "", "faq.import.rows"},
		{"jsonl line too long", JSONL, []byte(`{"id":"` + strings.Repeat("a", MaxLine) + `"}`), "", "faq.import.line_size"},
		{"csv too large", CSV, bytes.Repeat([]byte("a"), MaxBytes+1), "", "faq.import.file_size"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := rows(t, tc.format, tc.data)
			var lim *Limit
			switch {
			case tc.limit != "":
				if !errors.As(err, &lim) || lim.Key != tc.limit {
					t.Fatalf("got %v, want the limit %s", err, tc.limit)
				}
			case tc.format == "xls":
				if err == nil {
					t.Fatal("an unknown format was read")
				}
			case err != nil:
				t.Fatal(err)
			case fmt.Sprint(got) != tc.want:
				t.Errorf("got  %v\nwant %s", got, tc.want)
			}
		})
	}
}

func TestLimitDetail(t *testing.T) {
	if got := (&Limit{Key: "faq.import.rows", Max: MaxRows}).Detail(); got != "10000 rows" {
		t.Errorf("rows: %q", got)
	}
	if got := (&Limit{Key: "faq.import.file_size", Max: MaxBytes}).Error(); got != "faq.import.file_size: over 20 MB" {
		t.Errorf("size: %q", got)
	}
}
