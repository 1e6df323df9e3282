package models

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// RedactSubject is the petitioner whose details Redact removes in addition
// to the patterns it finds by itself.
type RedactSubject struct {
	Name, Address, Phone, Email string
}

// Placeholders that Redact writes in place of personal data. They contain no
// digits, '@' or word characters next to their brackets, so they never join
// with the surrounding text into a new match.
const (
	RedactedName    = "[họ tên]"
	RedactedPhone   = "[số điện thoại]"
	RedactedEmail   = "[email]"
	RedactedID      = "[số giấy tờ]"
	RedactedAddress = "[địa chỉ]"
)

// redactEmailPattern is deliberately loose (Unicode letters, any TLD of two or more
// letters): redaction prefers false alarms to leaks.
var redactEmailPattern = regexp.MustCompile(`[\p{L}\p{N}._%+\-]+@(?:[\p{L}\p{N}\-]+\.)+\p{L}{2,}`)

// Redact prefills the public version of a petition's question or answer. It
// NFC-normalises text and replaces e-mail addresses, phone numbers, ID-card
// numbers (CCCD, 12 digits; CMND, 9 digits), the subject's address and name,
// and names after a form of address ("ông", "bà", "anh", "chị", "cô",
// "chú") with Vietnamese placeholders, leaving everything else intact. It is
// a prefill for an official to review, not a guarantee: it leans towards
// redacting too much for numbers and e-mails and too little for names that
// follow no form of address.
func Redact(text string, s RedactSubject) string {
	text = redactNormalise(text)
	text = redactEmails(text, redactNormalise(strings.TrimSpace(s.Email)))
	text = redactAddress(text, redactNormalise(s.Address))
	text = redactSubjectName(text, redactNormalise(s.Name))
	text = redactAddressedNames(text)
	// Numbers go last: the passes above only remove text, so nothing after
	// this pass can bring two digit groups together into a new match.
	return redactReplaceSpans(text, redactFindNumbers(text, redactPhoneDigits(s.Phone)))
}

// ContainsPersonalData reports whether text still contains an e-mail
// address, a phone number or an ID-card number as Redact recognises them.
// Names and addresses need a subject and are not detected.
func ContainsPersonalData(text string) bool {
	text = redactNormalise(text)
	return redactEmailPattern.MatchString(text) || len(redactFindNumbers(text, "")) > 0
}

func redactNormalise(s string) string {
	return norm.NFC.String(strings.ToValidUTF8(s, "\uFFFD"))
}

// redactSpan is a byte range of text to replace.
type redactSpan struct {
	start, end int
	with       string
}

// redactReplaceSpans applies sorted, non-overlapping spans.
func redactReplaceSpans(s string, spans []redactSpan) string {
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

func redactEmails(text, subjectEmail string) string {
	if !strings.Contains(text, "@") {
		return text
	}
	text = redactEmailPattern.ReplaceAllLiteralString(text, RedactedEmail)
	if subjectEmail != "" && strings.Contains(subjectEmail, "@") {
		// The subject's own address even when the pattern misses it.
		re := regexp.MustCompile(`(?i)` + regexp.QuoteMeta(subjectEmail))
		text = re.ReplaceAllLiteralString(text, RedactedEmail)
	}
	return text
}

// --- Numbers ---------------------------------------------------------------

// redactDigitGroup is a run of ASCII digits; sep is the text between it and the
// next group of its chain.
type redactDigitGroup struct {
	start, end int
	sep        string
}

// redactIsNumberSep reports whether r may separate the digit groups of one number:
// "0912 345 678", "0912.345.678", "(028) 3822-1234".
func redactIsNumberSep(r rune) bool {
	switch r {
	case ' ', '.', '-', '(', ')', '\u00a0':
		return true
	}
	return false
}

// redactMaxSepRunes is the longest separator inside a number, e.g. ") -".
const redactMaxSepRunes = 3

// redactDigitChains splits text into chains of digit groups joined by short
// separators.
func redactDigitChains(s string) [][]redactDigitGroup {
	var chains [][]redactDigitGroup
	var cur []redactDigitGroup
	i := 0
	for i < len(s) {
		if !redactIsDigit(s[i]) {
			i++
			continue
		}
		start := i
		for i < len(s) && redactIsDigit(s[i]) {
			i++
		}
		cur = append(cur, redactDigitGroup{start: start, end: i})
		// Look ahead for a separator followed by another group.
		j, n := i, 0
		for j < len(s) && n < redactMaxSepRunes {
			r, size := utf8.DecodeRuneInString(s[j:])
			if !redactIsNumberSep(r) {
				break
			}
			j += size
			n++
		}
		if n > 0 && j < len(s) && redactIsDigit(s[j]) {
			cur[len(cur)-1].sep = s[i:j]
			i = j
			continue
		}
		chains = append(chains, cur)
		cur = nil
	}
	return chains
}

func redactIsDigit(b byte) bool { return '0' <= b && b <= '9' }

// redactMaxNumberDigits is the longest number classified (a CCCD, or +84 and a
// landline).
const redactMaxNumberDigits = 12

// redactFindNumbers finds phone and ID-card numbers. In every chain it tries each
// group in turn as the start of a number, longest candidate first; a money
// amount ("150.000.000") is skipped whole. Classification depends only on
// the candidate's own groups, so running redactFindNumbers on Redact's output
// finds nothing: every start it would try was tried and failed.
func redactFindNumbers(s, subjectPhone string) []redactSpan {
	var spans []redactSpan
	var digits strings.Builder
	for _, g := range redactDigitChains(s) {
		for i := 0; i < len(g); {
			if j := redactMoneyRunEnd(s, g, i); j > i {
				i = j + 1
				continue
			}
			last, total := i, g[i].end-g[i].start
			for last+1 < len(g) && total+g[last+1].end-g[last+1].start <= redactMaxNumberDigits {
				last++
				total += g[last].end - g[last].start
			}
			matched := false
			for j := last; j >= i; j-- {
				digits.Reset()
				minGroup := redactMaxNumberDigits + 1
				for _, x := range g[i : j+1] {
					digits.WriteString(s[x.start:x.end])
					minGroup = min(minGroup, x.end-x.start)
				}
				kind := redactClassifyNumber(digits.String(), minGroup, subjectPhone)
				if kind == "" {
					continue
				}
				spans = append(spans, redactNumberSpan(s, g[i].start, g[j].end, kind))
				i, matched = j+1, true
				break
			}
			if !matched {
				i++
			}
		}
	}
	return spans
}

// redactMoneyRunEnd returns the last group of an amount written with thousands
// dots that starts at group i ("1.500.000"), or -1.
func redactMoneyRunEnd(s string, g []redactDigitGroup, i int) int {
	first := s[g[i].start:g[i].end]
	if len(first) > 3 || first[0] == '0' {
		return -1
	}
	j := i
	for j+1 < len(g) && g[j].sep == "." && g[j+1].end-g[j+1].start == 3 {
		j++
	}
	if j == i {
		return -1
	}
	return j
}

// redactClassifyNumber returns the placeholder for a candidate number, or "".
// Phones may be grouped in pairs ("0912 34 56 78"); ID numbers are written
// whole or in groups of three or more, so "12 0912345678" is a house number
// and a phone, not a CCCD.
func redactClassifyNumber(d string, minGroup int, subjectPhone string) string {
	n := len(d)
	if subjectPhone != "" && redactPhoneDigits(d) == subjectPhone {
		return RedactedPhone
	}
	if minGroup >= 2 {
		switch {
		case n == 10 && d[0] == '0' && d[1] != '0': // mobile 03x–09x
			return RedactedPhone
		case n == 11 && d[0] == '0' && (d[1] == '1' || d[1] == '2'): // landline 02xx, old 01xx mobiles
			return RedactedPhone
		case (n == 11 || n == 12) && strings.HasPrefix(d, "84"): // +84 without the trunk 0
			return RedactedPhone
		}
	}
	if minGroup >= 3 && (n == 9 || n == 12) {
		return RedactedID
	}
	return ""
}

// redactNumberSpan widens a number to the "+" and "(" written before it.
func redactNumberSpan(s string, start, end int, with string) redactSpan {
	if start > 0 && s[start-1] == '+' {
		start--
	}
	if start > 0 && s[start-1] == '(' && strings.Contains(s[start:end], ")") {
		start--
	}
	return redactSpan{start: start, end: end, with: with}
}

// redactPhoneDigits is the national significant number of a phone written in any
// format ("+84 912 345 678" and "0912345678" give "912345678"), or "" when
// too short to match safely.
func redactPhoneDigits(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if redactIsDigit(p[i]) {
			b.WriteByte(p[i])
		}
	}
	d := b.String()
	switch {
	case strings.HasPrefix(d, "84") && len(d) >= 11:
		d = d[2:]
	case strings.HasPrefix(d, "0"):
		d = d[1:]
	}
	if len(d) < 8 {
		return ""
	}
	return d
}

// --- Words -----------------------------------------------------------------

// redactWord is a run of letters, marks and digits, with the forms matching needs.
type redactWord struct {
	start, end int
	fold       string // lower case without diacritics, đ as d
	lower      string // lower case, with diacritics
	marked     bool   // has diacritics
	upper      bool   // starts with an upper-case letter
	caps       bool   // two or more letters, all upper case
	digits     bool   // contains a digit
}

func redactIsWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r)
}

func redactSplitWords(s string) []redactWord {
	var words []redactWord
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !redactIsWordRune(r) {
			i += size
			continue
		}
		w := redactWord{start: i, upper: unicode.IsUpper(r) || unicode.IsTitle(r)}
		var fold []rune
		letters, uppers := 0, 0
		for i < len(s) {
			r, size = utf8.DecodeRuneInString(s[i:])
			if !redactIsWordRune(r) {
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
			f, marked, keep := redactFoldRune(r)
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

// redactFoldRune lower-cases r and strips its diacritics.
func redactFoldRune(r rune) (folded rune, marked, keep bool) {
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

// redactOnlySpaces reports whether gap is a non-empty run of spaces within a line.
func redactOnlySpaces(gap string) bool {
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

// redactAddressGap reports whether gap may separate two words of one address:
// "12/3", "Nguyễn Huệ, phường 1", "ấp 3 - xã".
func redactAddressGap(gap string) bool {
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

// --- Subject's address and name --------------------------------------------

func redactAddress(text, address string) string {
	full := redactSplitWords(address)
	if len(full) < 2 {
		return text
	}
	needles := [][]redactWord{full}
	// The first part ("số 12 đường Nguyễn Huệ") identifies a home by itself
	// when it carries a house number.
	if first, _, ok := strings.Cut(address, ","); ok {
		if part := redactSplitWords(first); len(part) >= 2 && len(part) < len(full) && redactHasDigits(part) {
			needles = append(needles, part)
		}
	}
	words := redactSplitWords(text)
	var spans []redactSpan
	for i := 0; i < len(words); {
		m := 0
		for _, nd := range needles {
			if redactMatchWords(text, words, i, nd, redactAddressGap, func(w, n redactWord) bool { return w.fold == n.fold }) {
				m = len(nd)
				break
			}
		}
		if m == 0 {
			i++
			continue
		}
		spans = append(spans, redactSpan{words[i].start, words[i+m-1].end, RedactedAddress})
		i += m
	}
	return redactReplaceSpans(text, spans)
}

func redactHasDigits(ws []redactWord) bool {
	for _, w := range ws {
		if w.digits {
			return true
		}
	}
	return false
}

// redactSameName compares one syllable ignoring case, and ignoring diacritics only
// when one side is written without them: "Nguyen" matches "Nguyễn", but
// "Văn Tuấn" does not match "vấn tuần".
func redactSameName(w, n redactWord) bool {
	return w.fold == n.fold && (w.lower == n.lower || !w.marked || !n.marked)
}

// redactSubjectName replaces the full name anywhere, and its given part
// without the family name ("Văn Tuấn", "Thị Thu Hà") where capitalised. A
// lone given name ("Hoa", "Xuân") is an ordinary word too often to touch,
// except after a form of address (redactAddressedNames).
func redactSubjectName(text, name string) string {
	full := redactSplitWords(name)
	if len(full) == 0 || redactHasDigits(full) {
		return text
	}
	type needle struct {
		words []redactWord
		upper bool // the text must capitalise every syllable
	}
	needles := []needle{{full, len(full) < 2}}
	for k := 1; len(full)-k >= 2; k++ {
		needles = append(needles, needle{full[k:], true})
	}
	words := redactSplitWords(text)
	var spans []redactSpan
	for i := 0; i < len(words); {
		m := 0
		for _, nd := range needles {
			eq := redactSameName
			if nd.upper {
				eq = func(w, n redactWord) bool { return w.upper && redactSameName(w, n) }
			}
			if redactMatchWords(text, words, i, nd.words, redactOnlySpaces, eq) {
				m = len(nd.words)
				break
			}
		}
		if m == 0 {
			i++
			continue
		}
		spans = append(spans, redactSpan{words[i].start, words[i+m-1].end, RedactedName})
		i += m
	}
	return redactReplaceSpans(text, spans)
}

// redactMatchWords reports whether needle matches the text's words from i on.
func redactMatchWords(text string, words []redactWord, i int, needle []redactWord, gapOK func(string) bool, eq func(w, n redactWord) bool) bool {
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

// --- Forms of address --------------------------------------------------------

// isAddressForm reports whether w is a form of address that precedes a
// person's name.
func isAddressForm(w string) bool {
	switch w {
	case "ông", "bà", "anh", "chị", "cô", "chú":
		return true
	}
	return false
}

// isAddressFormPlain is isAddressForm for text typed without diacritics; it
// applies only to a word written without any ("co" alone could be "có").
func isAddressFormPlain(w string) bool {
	switch w {
	case "ong", "ba", "anh", "chi", "co", "chu":
		return true
	}
	return false
}

// isPlaceWord reports words that, just before a form of address, make it
// part of a place, street or school name ("đường Bà Triệu", "cầu Ông Lãnh",
// "tỉnh Bà Rịa", "trường Bà Triệu") or a language ("tiếng Anh").
func isPlaceWord(w string) bool {
	switch w {
	case "xã", "phường", "huyện", "quận", "tỉnh", "trấn", "tp", "tx", "thôn", "ấp",
		"khu", "phố", "làng", "đường", "hẻm", "ngõ", "chợ", "cầu", "núi", "sông",
		"rạch", "kênh", "bến", "đền", "chùa", "miếu", "đình", "trường", "gò", "cồn",
		"vàm", "tiếng", "nước":
		return true
	}
	return false
}

// isPlaceFollower reports words that make "Bà …"/"Ông …" a place name even
// without a place word before it ("Bà Rịa", "núi Bà Đen").
func isPlaceFollower(w string) bool {
	switch w {
	case "rịa", "đen", "chiểu", "điểm", "quẹo", "hom", "lãnh":
		return true
	}
	return false
}

// isNameStop reports capitalised words that end a name rather than continue
// it: offices ("ông Chủ tịch", "bà Phó Giám đốc") and administrative units
// ("ông Nguyễn Văn A Phường 3"). Words that are also given names ("Trường",
// "Công", "Trung") are deliberately absent.
func isNameStop(w string) bool {
	switch w {
	case "chủ", "giám", "phó", "trưởng", "bí", "tổng", "thủ", "cán", "ủy", "uỷ",
		"chánh", "hiệu", "tổ", "ubnd", "hđnd", "xã", "phường", "huyện", "quận", "tỉnh",
		"tp", "tx", "thôn", "ấp", "khu", "phố", "đường", "hẻm", "ngõ":
		return true
	}
	return false
}

// redactMaxNameWords is the longest name taken after a form of address.
const redactMaxNameWords = 4

// redactAddressedNames replaces the capitalised words after a form of
// address ("ông Nguyễn Văn A", "chị Hoa"), keeping the form of address so
// the text still reads naturally: "ông [họ tên]".
func redactAddressedNames(text string) string {
	words := redactSplitWords(text)
	var spans []redactSpan
	for i := 0; i < len(words); i++ {
		t := words[i]
		if !isAddressForm(t.lower) && !(isAddressFormPlain(t.lower) && !t.marked) {
			continue
		}
		if i > 0 && isPlaceWord(words[i-1].lower) && redactOnlySpaces(text[words[i-1].end:t.start]) {
			continue
		}
		last := i
		for j := i + 1; j < len(words) && j <= i+redactMaxNameWords; j++ {
			w := words[j]
			if !redactOnlySpaces(text[words[j-1].end:w.start]) || !w.upper || w.digits ||
				isNameStop(w.lower) || (w.caps && !t.caps) {
				break
			}
			if j == i+1 && isPlaceFollower(w.lower) {
				break
			}
			last = j
		}
		if last == i {
			continue
		}
		spans = append(spans, redactSpan{words[i+1].start, words[last].end, RedactedName})
		i = last
	}
	return redactReplaceSpans(text, spans)
}
