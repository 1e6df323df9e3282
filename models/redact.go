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

// emailPattern is deliberately loose (Unicode letters, any TLD of two or more
// letters): redaction prefers false alarms to leaks.
var emailPattern = regexp.MustCompile(`[\p{L}\p{N}._%+\-]+@(?:[\p{L}\p{N}\-]+\.)+\p{L}{2,}`)

// Redact prefills the public version of a petition's question or answer. It
// NFC-normalises text and replaces e-mail addresses, phone numbers, ID-card
// numbers (CCCD, 12 digits; CMND, 9 digits), the subject's address and name,
// and names after a form of address ("ông", "bà", "anh", "chị", "cô",
// "chú") with Vietnamese placeholders, leaving everything else intact. It is
// a prefill for an official to review, not a guarantee: it leans towards
// redacting too much for numbers and e-mails and too little for names that
// follow no form of address.
func Redact(text string, s RedactSubject) string {
	text = normaliseText(text)
	text = redactEmails(text, normaliseText(strings.TrimSpace(s.Email)))
	text = redactAddress(text, normaliseText(s.Address))
	text = redactSubjectName(text, normaliseText(s.Name))
	text = redactAddressedNames(text)
	// Numbers go last: the passes above only remove text, so nothing after
	// this pass can bring two digit groups together into a new match.
	return replaceSpans(text, findNumbers(text, phoneDigits(s.Phone)))
}

// ContainsPersonalData reports whether text still contains an e-mail
// address, a phone number or an ID-card number as Redact recognises them.
// Names and addresses need a subject and are not detected.
func ContainsPersonalData(text string) bool {
	text = normaliseText(text)
	return emailPattern.MatchString(text) || len(findNumbers(text, "")) > 0
}

func normaliseText(s string) string {
	return norm.NFC.String(strings.ToValidUTF8(s, "\uFFFD"))
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

func redactEmails(text, subjectEmail string) string {
	text = emailPattern.ReplaceAllLiteralString(text, RedactedEmail)
	if subjectEmail != "" && strings.Contains(subjectEmail, "@") {
		// The subject's own address even when the pattern misses it.
		re := regexp.MustCompile(`(?i)` + regexp.QuoteMeta(subjectEmail))
		text = re.ReplaceAllLiteralString(text, RedactedEmail)
	}
	return text
}

// --- Numbers ---------------------------------------------------------------

// digitGroup is a run of ASCII digits; sep is the text between it and the
// next group of its chain.
type digitGroup struct {
	start, end int
	sep        string
}

// isNumberSep reports whether r may separate the digit groups of one number:
// "0912 345 678", "0912.345.678", "(028) 3822-1234".
func isNumberSep(r rune) bool {
	switch r {
	case ' ', '.', '-', '(', ')', '\u00a0':
		return true
	}
	return false
}

// maxSepRunes is the longest separator inside a number, e.g. ") -".
const maxSepRunes = 3

// digitChains splits text into chains of digit groups joined by short
// separators.
func digitChains(s string) [][]digitGroup {
	var chains [][]digitGroup
	var cur []digitGroup
	i := 0
	for i < len(s) {
		if !isASCIIDigit(s[i]) {
			i++
			continue
		}
		start := i
		for i < len(s) && isASCIIDigit(s[i]) {
			i++
		}
		cur = append(cur, digitGroup{start: start, end: i})
		// Look ahead for a separator followed by another group.
		j, n := i, 0
		for j < len(s) && n < maxSepRunes {
			r, size := utf8.DecodeRuneInString(s[j:])
			if !isNumberSep(r) {
				break
			}
			j += size
			n++
		}
		if n > 0 && j < len(s) && isASCIIDigit(s[j]) {
			cur[len(cur)-1].sep = s[i:j]
			i = j
			continue
		}
		chains = append(chains, cur)
		cur = nil
	}
	return chains
}

func isASCIIDigit(b byte) bool { return '0' <= b && b <= '9' }

// maxNumberDigits is the longest number classified (a CCCD, or +84 and a
// landline).
const maxNumberDigits = 12

// findNumbers finds phone and ID-card numbers. In every chain it tries each
// group in turn as the start of a number, longest candidate first; a money
// amount ("150.000.000") is skipped whole. Classification depends only on
// the candidate's own groups, so running findNumbers on Redact's output
// finds nothing: every start it would try was tried and failed.
func findNumbers(s, subjectPhone string) []span {
	var spans []span
	var digits strings.Builder
	for _, g := range digitChains(s) {
		for i := 0; i < len(g); {
			if j := moneyRunEnd(s, g, i); j > i {
				i = j + 1
				continue
			}
			last, total := i, g[i].end-g[i].start
			for last+1 < len(g) && total+g[last+1].end-g[last+1].start <= maxNumberDigits {
				last++
				total += g[last].end - g[last].start
			}
			matched := false
			for j := last; j >= i; j-- {
				digits.Reset()
				minGroup := maxNumberDigits + 1
				for _, x := range g[i : j+1] {
					digits.WriteString(s[x.start:x.end])
					minGroup = min(minGroup, x.end-x.start)
				}
				kind := classifyNumber(digits.String(), minGroup, subjectPhone)
				if kind == "" {
					continue
				}
				spans = append(spans, numberSpan(s, g[i].start, g[j].end, kind))
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

// moneyRunEnd returns the last group of an amount written with thousands
// dots that starts at group i ("1.500.000"), or -1.
func moneyRunEnd(s string, g []digitGroup, i int) int {
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

// classifyNumber returns the placeholder for a candidate number, or "".
// Phones may be grouped in pairs ("0912 34 56 78"); ID numbers are written
// whole or in groups of three or more, so "12 0912345678" is a house number
// and a phone, not a CCCD.
func classifyNumber(d string, minGroup int, subjectPhone string) string {
	n := len(d)
	if subjectPhone != "" && phoneDigits(d) == subjectPhone {
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

// numberSpan widens a number to the "+" and "(" written before it.
func numberSpan(s string, start, end int, with string) span {
	if start > 0 && s[start-1] == '+' {
		start--
	}
	if start > 0 && s[start-1] == '(' && strings.Contains(s[start:end], ")") {
		start--
	}
	return span{start: start, end: end, with: with}
}

// phoneDigits is the national significant number of a phone written in any
// format ("+84 912 345 678" and "0912345678" give "912345678"), or "" when
// too short to match safely.
func phoneDigits(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if isASCIIDigit(p[i]) {
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

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r) }

func splitWords(s string) []word {
	var words []word
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isWordRune(r) {
			i += size
			continue
		}
		w := word{start: i, upper: unicode.IsUpper(r) || unicode.IsTitle(r)}
		var fold []rune
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
	d := norm.NFD.String(string(r))
	base, size := utf8.DecodeRuneInString(d)
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

// --- Subject's address and name --------------------------------------------

func redactAddress(text, address string) string {
	full := splitWords(address)
	if len(full) < 2 {
		return text
	}
	needles := [][]word{full}
	// The first part ("số 12 đường Nguyễn Huệ") identifies a home by itself
	// when it carries a house number.
	if first, _, ok := strings.Cut(address, ","); ok {
		if part := splitWords(first); len(part) >= 2 && len(part) < len(full) && hasDigits(part) {
			needles = append(needles, part)
		}
	}
	words := splitWords(text)
	var spans []span
	for i := 0; i < len(words); {
		m := 0
		for _, nd := range needles {
			if matchWords(text, words, i, nd, addressGap, func(w, n word) bool { return w.fold == n.fold }) {
				m = len(nd)
				break
			}
		}
		if m == 0 {
			i++
			continue
		}
		spans = append(spans, span{words[i].start, words[i+m-1].end, RedactedAddress})
		i += m
	}
	return replaceSpans(text, spans)
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

// redactSubjectName replaces the full name anywhere, and its given part
// without the family name ("Văn Tuấn", "Thị Thu Hà") where capitalised. A
// lone given name ("Hoa", "Xuân") is an ordinary word too often to touch,
// except after a form of address (redactAddressedNames).
func redactSubjectName(text, name string) string {
	full := splitWords(name)
	if len(full) == 0 || hasDigits(full) {
		return text
	}
	type needle struct {
		words []word
		upper bool // the text must capitalise every syllable
	}
	needles := []needle{{full, len(full) < 2}}
	for k := 1; len(full)-k >= 2; k++ {
		needles = append(needles, needle{full[k:], true})
	}
	words := splitWords(text)
	var spans []span
	for i := 0; i < len(words); {
		m := 0
		for _, nd := range needles {
			eq := sameName
			if nd.upper {
				eq = func(w, n word) bool { return w.upper && sameName(w, n) }
			}
			if matchWords(text, words, i, nd.words, onlySpaces, eq) {
				m = len(nd.words)
				break
			}
		}
		if m == 0 {
			i++
			continue
		}
		spans = append(spans, span{words[i].start, words[i+m-1].end, RedactedName})
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

// maxNameWords is the longest name taken after a form of address.
const maxNameWords = 4

// redactAddressedNames replaces the capitalised words after a form of
// address ("ông Nguyễn Văn A", "chị Hoa"), keeping the form of address so
// the text still reads naturally: "ông [họ tên]".
func redactAddressedNames(text string) string {
	words := splitWords(text)
	var spans []span
	for i := 0; i < len(words); i++ {
		t := words[i]
		if !isAddressForm(t.lower) && !(isAddressFormPlain(t.lower) && !t.marked) {
			continue
		}
		if i > 0 && isPlaceWord(words[i-1].lower) && onlySpaces(text[words[i-1].end:t.start]) {
			continue
		}
		last := i
		for j := i + 1; j < len(words) && j <= i+maxNameWords; j++ {
			w := words[j]
			if !onlySpaces(text[words[j-1].end:w.start]) || !w.upper || w.digits ||
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
		spans = append(spans, span{words[i+1].start, words[last].end, RedactedName})
		i = last
	}
	return replaceSpans(text, spans)
}
