package search

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/shingle"
	unitok "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/registry"
	"golang.org/x/text/unicode/norm"
)

// Names under which the Vietnamese analysis is registered with bleve. They
// are part of the persisted mapping, so renaming one needs a mappingVersion
// bump.
const (
	FoldFilterName     = "pakn_fold"      // diacritics folded, đ → d
	NFCFilterName      = "pakn_nfc"       // Unicode NFC on each token
	FoldedAnalyzerName = "pakn_vi"        // syllables, folded
	ExactAnalyzerName  = "pakn_vi_exact"  // syllables, diacritics kept
	BigramAnalyzerName = "pakn_vi_bigram" // folded syllable pairs
)

func init() {
	// bleve's registry is global and can only be filled from init.
	must := func(err error) {
		if err != nil {
			panic(fmt.Sprintf("search: registering analysis: %v", err))
		}
	}
	must(registry.RegisterTokenFilter(FoldFilterName, func(map[string]interface{}, *registry.Cache) (analysis.TokenFilter, error) {
		return foldFilter{}, nil
	}))
	must(registry.RegisterTokenFilter(NFCFilterName, func(map[string]interface{}, *registry.Cache) (analysis.TokenFilter, error) {
		return nfcFilter{}, nil
	}))
	must(registry.RegisterAnalyzer(FoldedAnalyzerName, func(map[string]interface{}, *registry.Cache) (analysis.Analyzer, error) {
		return newFoldedAnalyzer(), nil
	}))
	must(registry.RegisterAnalyzer(ExactAnalyzerName, func(map[string]interface{}, *registry.Cache) (analysis.Analyzer, error) {
		return newExactAnalyzer(), nil
	}))
	must(registry.RegisterAnalyzer(BigramAnalyzerName, func(map[string]interface{}, *registry.Cache) (analysis.Analyzer, error) {
		return newBigramAnalyzer(), nil
	}))
}

// No stop-word filter anywhere: once folded, Vietnamese syllables such as
// "an", "to", "no", "so", "in" collide with English stop words.
func newExactAnalyzer() analysis.Analyzer {
	return &analysis.DefaultAnalyzer{
		Tokenizer:    unitok.NewUnicodeTokenizer(),
		TokenFilters: []analysis.TokenFilter{nfcFilter{}, lowercase.NewLowerCaseFilter()},
	}
}

func newFoldedAnalyzer() analysis.Analyzer {
	return &analysis.DefaultAnalyzer{
		Tokenizer:    unitok.NewUnicodeTokenizer(),
		TokenFilters: []analysis.TokenFilter{nfcFilter{}, lowercase.NewLowerCaseFilter(), foldFilter{}},
	}
}

// Bigrams of folded syllables: Vietnamese words are mostly two syllables
// written apart ("thủ tục"), so a pair match is a word match.
func newBigramAnalyzer() analysis.Analyzer {
	return &analysis.DefaultAnalyzer{
		Tokenizer: unitok.NewUnicodeTokenizer(),
		TokenFilters: []analysis.TokenFilter{nfcFilter{}, lowercase.NewLowerCaseFilter(), foldFilter{},
			shingle.NewShingleFilter(2, 2, false, " ", "_")},
	}
}

type foldFilter struct{}

func (foldFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, t := range in {
		if !isASCII(t.Term) {
			t.Term = []byte(Fold(string(t.Term)))
		}
	}
	return in
}

type nfcFilter struct{}

func (nfcFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, t := range in {
		if !isASCII(t.Term) {
			t.Term = norm.NFC.Bytes(t.Term)
		}
	}
	return in
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Fold removes Vietnamese diacritics (tone and vowel marks, đ → d) and
// lower-cases. It works on any normalisation form because it decomposes
// first; bleve's asciifolding only knows precomposed letters.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == 'đ' || r == 'Đ':
			r = 'd'
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// Normalize returns s in NFC, the form stored and analysed.
func Normalize(s string) string { return norm.NFC.String(s) }

// hasDiacritics reports whether a (lower-cased, NFC) token carries any
// Vietnamese mark, i.e. folding changes it.
func hasDiacritics(tok string) bool { return Fold(tok) != tok }

// tokens splits text the way the exact analyzer does: NFC, lower case,
// diacritics kept.
func tokens(text string) []string {
	ts := newExactAnalyzer().Analyze([]byte(text))
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		out = append(out, string(t.Term))
	}
	return out
}
