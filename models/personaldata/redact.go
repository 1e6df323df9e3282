package personaldata

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Subject is the petitioner whose details Redact removes in addition to
// what Find finds by itself.
type Subject struct {
	Name, Address, Phone, Email string
}

// Placeholders that Redact writes in place of personal data. They contain
// no digits, '@' or word characters next to their brackets, so they never
// join with the surrounding text into a new finding.
const (
	RedactedName    = "[họ tên]"
	RedactedPhone   = "[số điện thoại]"
	RedactedEmail   = "[email]"
	RedactedID      = "[số giấy tờ]"
	RedactedAddress = "[địa chỉ]"
	RedactedAccount = "[số tài khoản]"
	RedactedPlate   = "[biển số xe]"
	RedactedTaxCode = "[mã số thuế]"
)

// Placeholder is what Redact writes for a kind.
func Placeholder(k Kind) string {
	switch k {
	case Phone:
		return RedactedPhone
	case Email:
		return RedactedEmail
	case BankAccount:
		return RedactedAccount
	case Plate:
		return RedactedPlate
	case TaxCode:
		return RedactedTaxCode
	case Name:
		return RedactedName
	}
	return RedactedID // ID-card and passport numbers
}

// Redact prefills the public version of a petition's question or answer.
// It normalises text (Normalise), removes the subject's e-mail, address and
// name wherever they are written, then replaces everything Find finds with
// a Vietnamese placeholder, keeping the words around it ("ông [họ tên]").
// It is a prefill for an official to review, not a guarantee.
func Redact(text string, s Subject) string {
	text = Normalise(text)
	text = redactSubjectEmail(text, Normalise(strings.TrimSpace(s.Email)))
	text = redactAddress(text, Normalise(s.Address))
	text = redactSubjectName(text, Normalise(s.Name))
	// Then everything the detector finds. A replacement can change what
	// its neighbours look like (a number that ran into an e-mail stands
	// alone once the e-mail is gone), so repeat until nothing is found;
	// every round removes text and placeholders are never found.
	phone := PhoneDigits(s.Phone)
	for range maxRounds {
		fs := find(text, phone)
		if len(fs) == 0 {
			break
		}
		text = Replace(text, fs)
	}
	return text
}

// maxRounds bounds Redact's rounds; two are the most seen.
const maxRounds = 8

// Replace writes each finding's placeholder in place of its text; fs are
// Find's findings of text.
func Replace(text string, fs []Finding) string {
	spans := make([]span, len(fs))
	for i, f := range fs {
		spans[i] = span{f.Start, f.End, Placeholder(f.Kind)}
	}
	return replaceSpans(text, spans)
}

func redactSubjectEmail(text, email string) string {
	if email == "" || !strings.Contains(email, "@") {
		return text
	}
	re := regexp.MustCompile(`(?i)` + regexp.QuoteMeta(email))
	return re.ReplaceAllLiteralString(text, RedactedEmail)
}

// span is a byte range of text to replace.
type span struct {
	start, end int
	with       string
}

// replaceSpans applies sorted, non-overlapping spans.
func replaceSpans(s string, spans []span) string {
	if len(spans) == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for _, sp := range spans {
		b.WriteString(s[last:sp.start])
		b.WriteString(sp.with)
		last = sp.end
	}
	b.WriteString(s[last:])
	return b.String()
}

// addressGap reports whether gap may separate two words of one address:
// "12/3", "Nguyễn Huệ, phường 1", "ấp 3 - xã".
func addressGap(gap string) bool {
	if gap == "" || utf8.RuneCountInString(gap) > 3 {
		return false
	}
	for _, r := range gap {
		if !strings.ContainsRune(" \t\u00a0,.;:/-", r) {
			return false
		}
	}
	return true
}

// redactAddress replaces the subject's address, and its first part ("số 12
// đường Nguyễn Huệ") when that carries a house number: it identifies a home
// by itself.
func redactAddress(text, address string) string {
	full := splitWords(address)
	if len(full) < 2 {
		return text
	}
	needles := [][]word{full}
	if first, _, ok := strings.Cut(address, ","); ok {
		if part := splitWords(first); len(part) >= 2 && len(part) < len(full) && hasDigits(part) {
			needles = append(needles, part)
		}
	}
	return replaceNeedles(text, needles, addressGap, func(w, n word) bool { return w.fold == n.fold }, RedactedAddress)
}

func hasDigits(ws []word) bool {
	for _, w := range ws {
		if w.digits {
			return true
		}
	}
	return false
}

// sameName compares one syllable ignoring case, and ignoring diacritics only
// when one side is written without them: "Nguyen" matches "Nguyễn", but
// "Văn Tuấn" does not match "vấn tuần".
func sameName(w, n word) bool {
	return w.fold == n.fold && (w.lower == n.lower || !w.marked || !n.marked)
}

func sameNameUpper(w, n word) bool { return w.upper && sameName(w, n) }

// redactSubjectName replaces the full name anywhere, and its given part
// without the family name ("Văn Tuấn", "Thị Thu Hà") where capitalised. A
// lone given name ("Hoa", "Xuân") is an ordinary word too often to touch,
// except after a form of address (Find).
func redactSubjectName(text, name string) string {
	full := splitWords(name)
	if len(full) == 0 || hasDigits(full) {
		return text
	}
	if len(full) < 2 {
		return replaceNeedles(text, [][]word{full}, onlySpaces, sameNameUpper, RedactedName)
	}
	text = replaceNeedles(text, [][]word{full}, onlySpaces, sameName, RedactedName)
	var given [][]word
	for k := 1; len(full)-k >= 2; k++ {
		given = append(given, full[k:])
	}
	return replaceNeedles(text, given, onlySpaces, sameNameUpper, RedactedName)
}

// replaceNeedles replaces every run of words matching one of the needles
// (the first that matches at a position wins).
func replaceNeedles(text string, needles [][]word, gapOK func(string) bool, eq func(w, n word) bool, with string) string {
	if len(needles) == 0 {
		return text
	}
	words := splitWords(text)
	var spans []span
	for i := 0; i < len(words); {
		m := 0
		for _, nd := range needles {
			if matchWords(text, words, i, nd, gapOK, eq) {
				m = len(nd)
				break
			}
		}
		if m == 0 {
			i++
			continue
		}
		spans = append(spans, span{words[i].start, words[i+m-1].end, with})
		i += m
	}
	return replaceSpans(text, spans)
}

// matchWords reports whether needle matches the text's words from i on.
func matchWords(text string, words []word, i int, needle []word, gapOK func(string) bool, eq func(w, n word) bool) bool {
	if i+len(needle) > len(words) {
		return false
	}
	for k, n := range needle {
		w := words[i+k]
		if k > 0 && !gapOK(text[words[i+k-1].end:w.start]) {
			return false
		}
		if !eq(w, n) {
			return false
		}
	}
	return true
}
