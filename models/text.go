package models

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// CleanText NFC-normalises multi-line input: Vietnamese typed on different
// keyboards arrives precomposed or decomposed, and must compare equal.
func CleanText(s string) string {
	s = norm.NFC.String(s)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// CleanLine NFC-normalises single-line input and folds runs of white space.
func CleanLine(s string) string {
	return strings.Join(strings.Fields(CleanText(s)), " ")
}

// FirstWords returns about n words of s, for titles made from a text.
func FirstWords(s string, n int) string {
	f := strings.Fields(s)
	if len(f) <= n {
		return strings.Join(f, " ")
	}
	return strings.Join(f[:n], " ") + "…"
}
