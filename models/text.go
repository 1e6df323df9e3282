package models

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// CleanText NFC-normalises multi-line input: Vietnamese typed on different
// keyboards arrives precomposed or decomposed, and must compare equal.
// Control characters other than newline and tab are dropped, CRLF becomes
// LF, and surrounding white space is trimmed.
func CleanText(s string) string {
	if isCleanText(s) {
		return s // the usual case: nothing to change, nothing to allocate
	}
	return cleanText(s)
}

func cleanText(s string) string {
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

// isCleanText tells whether cleanText would return s as it is: valid UTF-8
// in NFC, no control character but newline and tab, no white space at
// either end.
func isCleanText(s string) bool {
	if s == "" {
		return true
	}
	ascii := true
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f {
				return false
			}
			i++
			continue
		}
		ascii = false
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || unicode.IsControl(r) {
			return false
		}
		i += size
	}
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	if unicode.IsSpace(first) || unicode.IsSpace(last) {
		return false
	}
	return ascii || norm.NFC.IsNormalString(s)
}

// CleanLine NFC-normalises single-line input and folds runs of white space.
func CleanLine(s string) string {
	s = CleanText(s)
	if isFoldedLine(s) {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// isFoldedLine tells whether s (trimmed) has no white space but single
// spaces between words, so that folding it would change nothing.
func isFoldedLine(s string) bool {
	prevSpace := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == ' ':
				if prevSpace {
					return false
				}
				prevSpace = true
			case c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r':
				return false
			default:
				prevSpace = false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			return false
		}
		prevSpace = false
		i += size
	}
	return true
}

// FirstWords returns about n words of s, for titles made from a text.
func FirstWords(s string, n int) string {
	f := strings.Fields(s)
	if len(f) <= n {
		return strings.Join(f, " ")
	}
	return strings.Join(f[:n], " ") + "…"
}
