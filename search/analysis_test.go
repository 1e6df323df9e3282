package search

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/shingle"
)

// sameScore compares the executor's scores with bleve's: the executor keeps
// BM25's term factors as float32 (termPostings in search/internal/engine),
// so the last bits differ.
func sameScore(a, b float64) bool {
	return math.Abs(a-b) <= 1e-6*math.Max(1e-3, math.Max(math.Abs(a), math.Abs(b)))
}

// foldedTokens must see the tokens the folded analyzer indexes, at the
// same offsets, or highlights would miss matches.
func TestFoldedTokensMatchAnalyzer(t *testing.T) {
	texts := []string{
		"", "Thủ tục ĐĂNG KÝ thường trú (mẫu CT01), lệ phí 15.000đ?",
		"Ủy ban nhân dân xã Mỹ Yên — số 4/2024/NĐ-CP; e-mail: a@b.vn",
		"GIẤY PHÉP LÁI XE hạng B2…", "x\u0301y", "ἈΒΓ straße 123abc",
	}
	for _, s := range synthItems(3, 0, 30) {
		texts = append(texts, s.Question, s.Answer)
	}
	a := newFoldedAnalyzer()
	for _, text := range texts {
		text = Normalize(text)
		var got []string
		foldedTokens([]byte(text), nil, func(pos, start, end int, folded []byte) {
			got = append(got, fmt.Sprintf("%d:%d-%d:%s", pos, start, end, folded))
		})
		var want []string
		for _, tk := range a.Analyze([]byte(text)) {
			want = append(want, fmt.Sprintf("%d:%d-%d:%s", tk.Position, tk.Start, tk.End, tk.Term))
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%q:\n got %v\nwant %v", text, got, want)
		}
	}
}

// The one-pass analyzers give the filter chains' tokens.
func TestOnePassAnalyzers(t *testing.T) {
	texts := []string{
		"", "a", "Thủ tục ĐĂNG KÝ thường trú (mẫu CT01), lệ phí 15.000đ?",
		"Ủy ban nhân dân xã Mỹ Yên — số 4/2024/NĐ-CP; e-mail: a@b.vn 2024",
		"GIẤY PHÉP LÁI XE hạng B2…", "x\u0301y Tho\u0302\u0300", "ἈΒΓ straße ΟΔΟΣ 123abc", "  một  ",
	}
	for _, s := range synthItems(4, 0, 40) {
		texts = append(texts, s.Question, s.Answer, s.Title)
	}
	chains := map[string]analysis.Analyzer{"folded": chainFolded(), "exact": chainExact(), "bigram": chainBigram()}
	ones := map[string]analysis.Analyzer{"folded": viAnalyzer{fold: true}, "exact": viAnalyzer{}, "bigram": viAnalyzer{fold: true, bigram: true}}
	for name, chain := range chains {
		for _, text := range texts {
			show := func(ts analysis.TokenStream) string {
				var b strings.Builder
				for _, tk := range ts {
					fmt.Fprintf(&b, "%d:%d-%d:%s:%d ", tk.Position, tk.Start, tk.End, tk.Term, tk.Type)
				}
				return b.String()
			}
			in := []byte(text)
			got := show(ones[name].Analyze(in))
			if string(in) != text {
				t.Fatalf("%s changed its input %q", name, text)
			}
			if want := show(chain.Analyze([]byte(text))); got != want {
				t.Errorf("%s %q:\n got %s\nwant %s", name, text, got, want)
			}
		}
	}
}

// The filter chains the one-pass analyzers stand for.
func chainExact() analysis.Analyzer {
	return &analysis.DefaultAnalyzer{Tokenizer: wordTokenizer{},
		TokenFilters: []analysis.TokenFilter{nfcFilter{}, lowercase.NewLowerCaseFilter()}}
}

func chainFolded() analysis.Analyzer {
	return &analysis.DefaultAnalyzer{Tokenizer: wordTokenizer{},
		TokenFilters: []analysis.TokenFilter{nfcFilter{}, lowercase.NewLowerCaseFilter(), foldFilter{}}}
}

func chainBigram() analysis.Analyzer {
	return &analysis.DefaultAnalyzer{Tokenizer: wordTokenizer{},
		TokenFilters: []analysis.TokenFilter{nfcFilter{}, lowercase.NewLowerCaseFilter(), foldFilter{},
			shingle.NewShingleFilter(2, 2, false, " ", "_")}}
}
