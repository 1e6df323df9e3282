package models

import "testing"

func TestFileNames(t *testing.T) {
	cases := []struct {
		name, ctype, shown, download string
	}{
		{"evil\u202efdp.exe", TypePDF, "evilfdp.exe", "evilfdp.pdf"},
		{"đơn khiếu nại.pdf", TypePDF, "đơn khiếu nại.pdf", "đơn khiếu nại.pdf"},
		{"ảnh.JPEG", TypeJPEG, "ảnh.JPEG", "ảnh.jpg"},
		{"invoice.pdf.exe", TypePDF, "invoice.pdf.exe", "invoice.pdf"},
		{"C:\\Users\\an\\scan.png", TypePNG, "scan.png", "scan.png"},
		{"../../etc/passwd", TypePNG, "passwd", "passwd.png"},
		{"a\u200bb\u2066c\u2069\x00d\r\ne.docx", TypeDOCX, "abcde.docx", "abcde.docx"},
		{"<script>alert(1)</script>.pdf", TypePDF, "script>.pdf", "script_.pdf"},
		{`quo"te;x=y.pdf`, TypePDF, `quo"te;x=y.pdf`, "quo_te_x_y.pdf"},
		{"\u202e", TypePDF, "file", "file.pdf"},
		{".exe", TypePNG, ".exe", "file.png"},
		{"noext", "", "noext", "noext.bin"},
	}
	for _, c := range cases {
		if got := cleanFileName(c.name); got != c.shown {
			t.Errorf("cleanFileName(%q) = %q, want %q", c.name, got, c.shown)
		}
		if got := DownloadName(c.name, c.ctype); got != c.download {
			t.Errorf("DownloadName(%q) = %q, want %q", c.name, got, c.download)
		}
	}
	if got := ASCIIFileName("đơn \"x\".pdf"); got != "__n _x_.pdf" {
		t.Errorf("ASCIIFileName: %q", got)
	}
}
