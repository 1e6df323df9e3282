package app

import (
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// appendJSON appends r as encoding/json writes it (same bytes, HTML-safe
// escaping). A search answer is 10–12 KB of Vietnamese text, which the
// reflective encoders escape rune by rune; this was 7 % of the server's
// time per search request (BENCHMARKS.md). TestSearchJSONMatchesEncodingJSON
// holds it to encoding/json.
func (r *apiSearchResult) appendJSON(b []byte) []byte {
	b = append(b, `{"total":`...)
	b = strconv.AppendUint(b, r.Total, 10)
	b = append(b, `,"page":`...)
	b = strconv.AppendInt(b, int64(r.Page), 10)
	b = append(b, `,"per_page":`...)
	b = strconv.AppendInt(b, int64(r.PerPage), 10)
	b = append(b, `,"hits":`...)
	b = appendJSONArray(b, r.Hits, func(b []byte, h *apiHit) []byte { return h.appendJSON(b) })
	b = append(b, `,"facets":`...)
	if r.Facets == nil {
		b = append(b, "null"...)
	} else {
		names := make([]string, 0, len(r.Facets))
		for name := range r.Facets {
			names = append(names, name)
		}
		slices.Sort(names) // encoding/json sorts map keys
		b = append(b, '{')
		for i, name := range names {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, name)
			b = append(b, ':')
			b = appendFacetsJSON(b, r.Facets[name])
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

func (h *apiHit) appendJSON(b []byte) []byte {
	for _, f := range [...]struct{ key, value string }{
		{`{"id":`, h.ID}, {`,"ref":`, h.Ref}, {`,"type":`, h.Type}, {`,"title":`, h.Title},
		{`,"question":`, h.Question}, {`,"answer":`, h.Answer}, {`,"category":`, h.Category},
		{`,"category_name":`, h.CategoryName}, {`,"unit":`, h.Unit}, {`,"unit_name":`, h.UnitName},
		{`,"level":`, h.Level}, {`,"published_at":`, h.PublishedAt}, {`,"url":`, h.URL},
	} {
		b = append(b, f.key...)
		b = appendJSONString(b, f.value)
	}
	b = append(b, `,"score":`...)
	b = appendJSONFloat(b, h.Score)
	b = append(b, `,"highlights":`...)
	b = appendStringsJSON(b, h.Highlights)
	return append(b, '}')
}

func appendFacetsJSON(b []byte, fs []apiFacet) []byte {
	return appendJSONArray(b, fs, func(b []byte, f *apiFacet) []byte {
		b = append(b, `{"term":`...)
		b = appendJSONString(b, f.Term)
		b = append(b, `,"count":`...)
		b = strconv.AppendInt(b, int64(f.Count), 10)
		if f.Name != "" {
			b = append(b, `,"name":`...)
			b = appendJSONString(b, f.Name)
		}
		return append(b, '}')
	})
}

func appendStringsJSON(b []byte, ss []string) []byte {
	return appendJSONArray(b, ss, func(b []byte, s *string) []byte { return appendJSONString(b, *s) })
}

// appendJSONArray appends xs as a JSON array (null when nil, as
// encoding/json writes a nil slice), each element by elem.
func appendJSONArray[T any](b []byte, xs []T, elem func([]byte, *T) []byte) []byte {
	if xs == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = elem(b, &xs[i])
	}
	return append(b, ']')
}

// appendJSONFloat formats like encoding/json (ES6 number formatting).
// Scores are finite; encoding/json would refuse NaN and infinities, and
// so does this, by writing 0.
func appendJSONFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, '0')
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 becomes e-9, as encoding/json writes it.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// jsonSafe marks the ASCII bytes encoding/json copies as they are in its
// HTML-safe mode. Built once, only read.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// appendJSONString appends s quoted and escaped as encoding/json does:
// control characters, <, > and & as \u00XX (\b \f \n \r \t by name),
// invalid UTF-8 as \ufffd, U+2028 and U+2029 escaped. Everything else is
// copied in runs; Vietnamese letters (two or three bytes) are checked
// inline, the rest decoded.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if !jsonSafe[c] {
				b = append(b, s[start:i]...)
				b = appendJSONEscape(b, c)
				start = i + 1
			}
			i++
			continue
		}
		// Valid two-byte sequences, and three-byte ones outside the
		// surrogates (ED A0–BF), the overlongs (E0 80–9F) and E2 80 A8–A9.
		if 0xC2 <= c && c <= 0xDF && i+1 < len(s) && s[i+1]&0xC0 == 0x80 {
			i += 2
			continue
		}
		if 0xE1 <= c && c <= 0xEC && c != 0xE2 && i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80 {
			i += 3
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			start = i + size
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			start = i + size
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendJSONEscape appends the escape of an ASCII byte.
func appendJSONEscape(b []byte, c byte) []byte {
	switch c {
	case '\\', '"':
		return append(b, '\\', c)
	case '\b':
		return append(b, '\\', 'b')
	case '\f':
		return append(b, '\\', 'f')
	case '\n':
		return append(b, '\\', 'n')
	case '\r':
		return append(b, '\\', 'r')
	case '\t':
		return append(b, '\\', 't')
	}
	return append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
}
