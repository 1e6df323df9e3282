package search

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFragment(t *testing.T) {
	long := strings.Repeat("lời giải đáp ", 40) // 520 runes
	at := func(text, word string, from int) [2]int {
		i := strings.Index(text[from:], word) + from
		return [2]int{i, i + len(word)}
	}
	tail := long + "thủ tục"
	cases := []struct {
		name, text string
		spans      [][2]int
		want       func(string) bool
	}{
		{"short, no match", "Hồ sơ <gồm> gì?", nil, func(s string) bool { return s == "Hồ sơ &lt;gồm&gt; gì?" }},
		{"long, no match: the start, cut", long, nil, func(s string) bool {
			return strings.HasPrefix(s, "lời giải") && strings.HasSuffix(s, "…") && utf8.RuneCountInString(s) == fragmentRunes+1
		}},
		{"match at the start", "Thủ tục đăng ký", [][2]int{at("Thủ tục đăng ký", "Thủ", 0)}, func(s string) bool { return s == "<mark>Thủ</mark> tục đăng ký" }},
		{"match at the end of a long text: window filled backwards", tail, [][2]int{at(tail, "thủ", 0)}, func(s string) bool {
			return strings.HasPrefix(s, "…") && strings.HasSuffix(s, "<mark>thủ</mark> tục") &&
				utf8.RuneCountInString(strings.NewReplacer("<mark>", "", "</mark>", "").Replace(s)) == fragmentRunes+1
		}},
		{"the window with most matches wins", long + "thủ tục và thủ tục" + long, [][2]int{at(long+"thủ", "lời", 0), at(long+"thủ tục và thủ tục", "thủ", len(long)), at(long+"thủ tục và thủ tục", "thủ", len(long)+10)},
			func(s string) bool {
				return strings.Count(s, "<mark>") == 2 && strings.HasPrefix(s, "…") && strings.HasSuffix(s, "…")
			}},
		{"escaped around marks", "a<b> đất & nhà", [][2]int{at("a<b> đất & nhà", "đất", 0)}, func(s string) bool { return s == "a&lt;b&gt; <mark>đất</mark> &amp; nhà" }},
	}
	for _, c := range cases {
		if got := fragment(c.text, c.spans); !c.want(got) {
			t.Errorf("%s: %q", c.name, got)
		}
	}
}
