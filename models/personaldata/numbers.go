package personaldata

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// group is a run of digits as written: ASCII or full-width digits, and the
// letter O typed for a zero inside a number. digits holds them as ASCII; sep
// is the text between the group and the next one of its chain.
type group struct {
	start, end int
	digits     string
	sep        string
}

// digitOf returns the ASCII digit a rune stands for, or 0.
func digitOf(r rune) byte {
	switch {
	case '0' <= r && r <= '9':
		return byte(r)
	case '０' <= r && r <= '９': // full-width, from Asian input methods
		return byte('0' + r - '０')
	}
	return 0
}

// isSep reports whether r may separate the digit groups of one number:
// "0912 345 678", "0912.345.678", "(028) 3822-1234", "0988/111/222".
func isSep(r rune) bool {
	switch r {
	case ' ', '.', '-', '(', ')', '/', '\u00a0', '\u3000', '－', '．', '／', '–':
		return true
	}
	return false
}

// maxSepRunes is the longest separator inside a number, e.g. ") -".
const maxSepRunes = 3

// isLetterO reports an O typed for a zero: an O or o inside a number (a
// digit on at least one side) that is not part of a word.
func isLetterO(s string, i int) bool {
	if s[i] != 'O' && s[i] != 'o' {
		return false
	}
	prev, _ := utf8.DecodeLastRuneInString(s[:i])
	next, _ := utf8.DecodeRuneInString(s[i+1:])
	prevDigit := digitOf(prev) != 0 || prev == 'O' || prev == 'o'
	nextDigit := digitOf(next) != 0 || next == 'O' || next == 'o'
	if (unicode.IsLetter(prev) && prev != 'O' && prev != 'o') || (unicode.IsLetter(next) && next != 'O' && next != 'o') {
		return false
	}
	return (prevDigit && digitOf(prev) != 0) || (nextDigit && digitOf(next) != 0) || runOfOHasDigit(s, i)
}

// runOfOHasDigit reports whether a run of O's around i touches a digit
// ("OO79…").
func runOfOHasDigit(s string, i int) bool {
	j := i
	for j < len(s) && (s[j] == 'O' || s[j] == 'o') {
		j++
	}
	k := i
	for k > 0 && (s[k-1] == 'O' || s[k-1] == 'o') {
		k--
	}
	next, _ := utf8.DecodeRuneInString(s[j:])
	prev, _ := utf8.DecodeLastRuneInString(s[:k])
	return digitOf(next) != 0 || digitOf(prev) != 0
}

// digitAt returns the digit at byte i and its size, or 0.
func digitAt(s string, i int) (byte, int) {
	r, size := utf8.DecodeRuneInString(s[i:])
	if d := digitOf(r); d != 0 {
		return d, size
	}
	if isLetterO(s, i) {
		return '0', 1
	}
	return 0, size
}

// chains splits text into chains of digit groups joined by short separators.
func chains(s string) [][]group {
	var out [][]group
	var cur []group
	var b strings.Builder
	for i := 0; i < len(s); {
		d, size := digitAt(s, i)
		if d == 0 {
			i += size
			continue
		}
		start := i
		b.Reset()
		for i < len(s) {
			d, size = digitAt(s, i)
			if d == 0 {
				break
			}
			b.WriteByte(d)
			i += size
		}
		cur = append(cur, group{start: start, end: i, digits: b.String()})
		j, n := i, 0
		for j < len(s) && n < maxSepRunes {
			r, size := utf8.DecodeRuneInString(s[j:])
			if !isSep(r) {
				break
			}
			j += size
			n++
		}
		if n > 0 && j < len(s) {
			if d, _ := digitAt(s, j); d != 0 {
				cur[len(cur)-1].sep = s[i:j]
				i = j
				continue
			}
		}
		out = append(out, cur)
		cur = nil
	}
	return out
}

// maxNumberDigits is the longest number tried (a bank account).
const maxNumberDigits = 19

// candidate is a run of groups g[i..j] of a chain, as classify sees it.
type candidate struct {
	digits   string
	minGroup int
	uniform  bool // every group has the same length
	whole    bool // the candidate is its whole chain
	context  Kind // what the words before the chain announce, or ""
}

// findNumbers finds phone, ID, bank account and tax numbers. In every chain
// it tries each group in turn as the start of a number, longest candidate
// first; a money amount ("150.000.000") is skipped whole. Classification
// depends only on the candidate's own groups and the words just before the
// chain, so running it on Redact's output finds nothing.
func findNumbers(s, subjectPhone string) []Finding {
	var out []Finding
	var b strings.Builder
	for _, g := range chains(s) {
		ctx := numberContext(s, g[0].start)
		for i := 0; i < len(g); {
			if j := moneyRunEnd(s, g, i); j > i && (i > 0 || ctx == "") {
				i = j + 1
				continue
			}
			last, total := i, len(g[i].digits)
			for last+1 < len(g) && total+len(g[last+1].digits) <= maxNumberDigits {
				last++
				total += len(g[last].digits)
			}
			matched := false
			for j := last; j >= i; j-- {
				b.Reset()
				c := candidate{minGroup: maxNumberDigits + 1, uniform: true, whole: i == 0 && j == len(g)-1}
				if i == 0 {
					c.context = ctx
				}
				for _, x := range g[i : j+1] {
					b.WriteString(x.digits)
					c.minGroup = min(c.minGroup, len(x.digits))
					c.uniform = c.uniform && len(x.digits) == len(g[i].digits)
				}
				c.digits = b.String()
				if c.context == "" && isMoneyAfter(s, g[j].end) {
					continue
				}
				kind := classify(c, subjectPhone)
				if kind == "" {
					continue
				}
				out = append(out, numberFinding(s, g[i].start, g[j].end, kind))
				i, matched = j+1, true
				break
			}
			if !matched {
				i++
			}
		}
	}
	return out
}

// moneyRunEnd returns the last group of an amount written with thousands
// dots that starts at group i ("1.500.000"), or -1. An amount ends in a
// round figure or comes with its unit ("1.250.375 đồng"); "122.935.576"
// alone is rather a CMND number.
func moneyRunEnd(s string, g []group, i int) int {
	first := g[i].digits
	if len(first) > 3 || first[0] == '0' {
		return -1
	}
	j := i
	for j+1 < len(g) && g[j].sep == "." && len(g[j+1].digits) == 3 {
		j++
	}
	if j == i || (!strings.HasSuffix(g[j].digits, "0") && !isMoneyAfter(s, g[j].end)) {
		return -1
	}
	return j
}

// isMoneyAfter reports a currency or amount word right after a number
// ("150000000 đồng").
func isMoneyAfter(s string, end int) bool {
	rest := strings.TrimLeft(s[end:], " \u00a0")
	w := rest
	if k := strings.IndexFunc(rest, func(r rune) bool { return !unicode.IsLetter(r) }); k >= 0 {
		w = rest[:k]
	}
	switch strings.ToLower(w) {
	case "đồng", "đ", "vnđ", "vnd", "triệu", "tỷ", "tỉ", "nghìn", "ngàn", "usd", "m2", "m", "km", "ha":
		return true
	}
	return strings.HasPrefix(rest, "%")
}

// numberContext is the kind the words just before a number announce
// ("số tài khoản", "STK", "mã số thuế", "hộ chiếu").
func numberContext(s string, start int) Kind {
	from := max(0, start-48)
	for from > 0 && !utf8.RuneStart(s[from]) {
		from++
	}
	before := strings.ToLower(s[from:start])
	// Only the words of this clause count.
	if k := strings.LastIndexAny(before, ";\n"); k >= 0 {
		before = before[k+1:]
	}
	words := wordsOf(before)
	// The nearest phrase wins: "thẻ căn cước … STK: 1903…" is an account.
	for k := len(words) - 1; k >= 0; k-- {
		for _, c := range numberContexts {
			n := len(c.phrase)
			if k+1 >= n && slices.Equal(words[k+1-n:k+1], c.phrase) {
				return c.kind
			}
		}
	}
	return ""
}

// numberContexts are the phrases that announce a number's kind.
var numberContexts = []struct {
	phrase []string
	kind   Kind
}{
	{[]string{"cccd"}, IDNumber}, {[]string{"cmnd"}, IDNumber}, {[]string{"cmt"}, IDNumber},
	{[]string{"căn", "cước"}, IDNumber}, {[]string{"chứng", "minh"}, IDNumber}, {[]string{"định", "danh"}, IDNumber},
	{[]string{"sđt"}, Phone}, {[]string{"điện", "thoại"}, Phone}, {[]string{"đt"}, Phone},
	{[]string{"zalo"}, Phone}, {[]string{"gọi"}, Phone}, {[]string{"liên", "hệ"}, Phone},
	{[]string{"mã", "số", "thuế"}, TaxCode}, {[]string{"mst"}, TaxCode}, {[]string{"thuế", "cá", "nhân"}, TaxCode},
	{[]string{"mã", "số", "doanh", "nghiệp"}, TaxCode},
	{[]string{"tài", "khoản"}, BankAccount}, {[]string{"stk"}, BankAccount}, {[]string{"tk"}, BankAccount},
	{[]string{"account"}, BankAccount},
	{[]string{"hộ", "chiếu"}, Passport}, {[]string{"passport"}, Passport},
}

func wordsOf(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsMark(r) })
}

// classify returns the kind of a candidate number, or "". Phones may be
// grouped in pairs ("0912 34 56 78") or typed digit by digit; ID numbers
// are written whole, in groups of three or more or in equal groups, so "12
// 0912345678" is a house number and a phone, not a CCCD.
func classify(c candidate, subjectPhone string) Kind {
	d, n := c.digits, len(c.digits)
	if subjectPhone != "" && PhoneDigits(d) == subjectPhone {
		return Phone
	}
	switch c.context {
	case TaxCode:
		if n == 10 || n == 13 || n == 12 {
			return TaxCode
		}
	case BankAccount:
		if n >= 6 && c.whole {
			return BankAccount
		}
	}
	if n == 13 && c.whole && c.minGroup == 3 && !c.uniform {
		return TaxCode // "0301234567-001": an enterprise's branch
	}
	if c.minGroup >= 2 || c.whole {
		switch {
		case n == 10 && d[0] == '0' && strings.IndexByte("35789", d[1]) >= 0: // mobile
			return Phone
		case n == 11 && d[0] == '0' && d[1] == '2': // landline 02xx
			return Phone
		case n == 11 && strings.HasPrefix(d, "84") && strings.IndexByte("35789", d[2]) >= 0:
			return Phone
		case n == 12 && strings.HasPrefix(d, "84") && d[2] == '2':
			return Phone
		case n == 12 && strings.HasPrefix(d, "840") && strings.IndexByte("235789", d[3]) >= 0:
			return Phone
		}
	}
	if (c.minGroup >= 3 || (c.uniform && c.minGroup >= 2)) && (n == 9 || n == 12) {
		return IDNumber
	}
	if c.context == Passport && n >= 7 && n <= 9 {
		return Passport
	}
	return ""
}

// numberFinding widens a number to the "+" and "(" written before it.
func numberFinding(s string, start, end int, k Kind) Finding {
	if start > 0 && s[start-1] == '+' {
		start--
	}
	if start > 0 && s[start-1] == '(' && strings.Contains(s[start:end], ")") {
		start--
	}
	return Finding{Kind: k, Start: start, End: end}
}

// PhoneDigits is the national significant number of a phone written in any
// format ("+84 912 345 678" and "0912345678" give "912345678"), or "" when
// too short to match safely.
func PhoneDigits(p string) string {
	var b strings.Builder
	for _, r := range p {
		if d := digitOf(r); d != 0 {
			b.WriteByte(d)
		}
	}
	d := b.String()
	switch {
	case strings.HasPrefix(d, "84") && len(d) >= 11:
		d = strings.TrimPrefix(d[2:], "0")
	case strings.HasPrefix(d, "0"):
		d = d[1:]
	}
	if len(d) < 8 {
		return ""
	}
	return d
}
