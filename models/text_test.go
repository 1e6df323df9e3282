package models

import (
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// TestCleanTextFastPath: CleanText and CleanLine return their input
// untouched only when the full cleaning would not change it.
func TestCleanTextFastPath(t *testing.T) {
	inputs := []string{
		"",
		"Đường liên ấp bị ngập sau mỗi trận mưa.",
		norm.NFD.String("Đường liên ấp bị ngập"),
		"dòng một\ndòng hai\tcột",
		"dòng một\r\ndòng hai",
		"cuối dòng\r",
		" đầu có khoảng trắng",
		"cuối có khoảng trắng ",
		"\u00a0không ngắt\u00a0",
		"giữa\u00a0không ngắt",
		"hai  khoảng",
		"tab\tgiữa",
		"xuống\ndòng",
		"điều khiển\x01ẩn",
		"DEL\x7f",
		"C1\u0085điều khiển",
		"\u2028tách dòng\u2029",
		"khoảng\u3000rộng",
		"bad \xff utf-8",
		"\xe1\xba",
		"ascii only, fine",
		"  ",
		"\n",
		"a\u200bb", // zero-width space: not white space, not a control
		"e\u0301",  // e + combining acute: not NFC
	}
	for _, s := range inputs {
		if got, want := CleanText(s), cleanText(s); got != want {
			t.Errorf("CleanText(%q) = %q, want %q", s, got, want)
		}
		want := strings.Join(strings.Fields(cleanText(s)), " ")
		if got := CleanLine(s); got != want {
			t.Errorf("CleanLine(%q) = %q, want %q", s, got, want)
		}
	}
}

func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"Đường  liên ấp\r\n", "a\u00a0b", "\xff", norm.NFD.String("Trường")} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := CleanText(s), cleanText(s); got != want {
			t.Errorf("CleanText(%q) = %q, want %q", s, got, want)
		}
		if got, want := CleanLine(s), strings.Join(strings.Fields(cleanText(s)), " "); got != want {
			t.Errorf("CleanLine(%q) = %q, want %q", s, got, want)
		}
	})
}
