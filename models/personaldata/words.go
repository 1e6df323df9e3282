package personaldata

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// word is a run of letters, marks and digits, with the forms matching needs.
type word struct {
	start, end int
	fold       string // lower case without diacritics, đ as d
	lower      string // lower case, with diacritics
	marked     bool   // has diacritics
	upper      bool   // starts with an upper-case letter
	caps       bool   // two or more letters, all upper case
	digits     bool   // contains a digit
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r)
}

func splitWords(s string) []word {
	var words []word
	var fold []rune
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isWordRune(r) {
			i += size
			continue
		}
		w := word{start: i, upper: unicode.IsUpper(r) || unicode.IsTitle(r)}
		fold = fold[:0]
		letters, uppers := 0, 0
		for i < len(s) {
			r, size = utf8.DecodeRuneInString(s[i:])
			if !isWordRune(r) {
				break
			}
			i += size
			if unicode.IsLetter(r) {
				letters++
				if unicode.IsUpper(r) {
					uppers++
				}
			}
			if unicode.IsDigit(r) {
				w.digits = true
			}
			f, marked, keep := foldRune(r)
			w.marked = w.marked || marked
			if keep {
				fold = append(fold, f)
			}
		}
		w.end = i
		w.fold = string(fold)
		w.lower = strings.ToLower(s[w.start:w.end])
		w.caps = letters >= 2 && uppers == letters
		words = append(words, w)
	}
	return words
}

// foldRune lower-cases r and strips its diacritics.
func foldRune(r rune) (folded rune, marked, keep bool) {
	switch {
	case r < utf8.RuneSelf:
		return unicode.ToLower(r), false, true
	case r == 'đ' || r == 'Đ':
		return 'd', true, true
	case unicode.Is(unicode.Mn, r):
		return 0, true, false
	}
	var buf [utf8.UTFMax]byte
	d := norm.NFD.Properties(buf[:utf8.EncodeRune(buf[:], r)]).Decomposition()
	if len(d) == 0 {
		return unicode.ToLower(r), false, true
	}
	base, size := utf8.DecodeRune(d)
	return unicode.ToLower(base), size < len(d), true
}

// onlySpaces reports whether gap is a non-empty run of spaces within a line.
func onlySpaces(gap string) bool {
	if gap == "" {
		return false
	}
	for _, r := range gap {
		if r != ' ' && r != '\t' && r != '\u00a0' {
			return false
		}
	}
	return true
}
