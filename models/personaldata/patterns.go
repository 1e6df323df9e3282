package personaldata

import (
	"regexp"
	"strings"
)

// emailPattern is deliberately loose (Unicode letters, any TLD of two or
// more letters) and also takes the ways people hide the "@" and the dots
// from robots: "(at)", "[at]", "{at}", " a còng ", " a móc ", "＠", "(dot)",
// "[chấm]".
var emailPattern = regexp.MustCompile(`(?i)[\p{L}\p{N}._%+\-]+` +
	`(?:\s*(?:@|＠|[(\[{]\s*(?:at|a còng|a móc)\s*[)\]}])\s*|\s+(?:a còng|a móc)\s+)` +
	`(?:[\p{L}\p{N}\-]+(?:\.|\s*[(\[{]\s*(?:dot|chấm)\s*[)\]}]\s*))+\p{L}{2,}`)

func findEmails(s string) []Finding {
	if !strings.ContainsAny(s, "@＠") {
		// The regexp is slow over long texts: run it only when an "at" in
		// words may stand for the "@".
		l := strings.ToLower(s)
		if !strings.Contains(l, "at") && !strings.Contains(l, " a còng ") && !strings.Contains(l, " a móc ") {
			return nil
		}
	}
	return regexpFindings(s, emailPattern, Email)
}

// hasCapitalByDigit reports an ASCII capital within two bytes of an ASCII
// digit, which every plate and passport number has: a cheap test before
// their regexps.
func hasCapitalByDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			continue
		}
		for j := max(0, i-2); j < min(len(s), i+3); j++ {
			if '0' <= s[j] && s[j] <= '9' {
				return true
			}
		}
	}
	return false
}

// platePattern is a Vietnamese licence plate: the province's two digits, a
// series of one or two capitals with an optional digit, and four or five
// digits ("62A-123.45", "51F-12345", "59-X1 123.45", "29LD-012.34",
// "62A-1234").
var platePattern = regexp.MustCompile(`(?:^|[^\p{L}\p{N}\]])(\d{2}\s?-?\s?[A-Z]{1,2}\d?\s?[-.]?\s?(?:\d{3}\.\d{2}|\d{4,5}))(?:$|[^\p{L}\p{N}\[])`)

func findPlates(s string) []Finding {
	if !hasCapitalByDigit(s) {
		return nil
	}
	return regexpFindings(s, platePattern, Plate)
}

// passportPattern is a Vietnamese passport number: a capital and seven
// digits ("B1234567", "C 7654321").
var passportPattern = regexp.MustCompile(`(?:^|[^\p{L}\p{N}\]])([A-Z]\s?\d{7})(?:$|[^\p{L}\p{N}\[])`)

func findPassports(s string) []Finding {
	if !hasCapitalByDigit(s) {
		return nil
	}
	return regexpFindings(s, passportPattern, Passport)
}

// regexpFindings reports the matches of re (its first group when it has one).
func regexpFindings(s string, re *regexp.Regexp, k Kind) []Finding {
	var out []Finding
	for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
		start, end := m[0], m[1]
		if len(m) >= 4 && m[2] >= 0 {
			start, end = m[2], m[3]
		}
		out = append(out, Finding{Kind: k, Start: start, End: end})
	}
	return out
}
