package search

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"
	"golang.org/x/text/unicode/norm"
)

// Names under which the Vietnamese analysis is registered with bleve. They
// are part of the persisted mapping, so renaming one needs a mappingVersion
// bump.
const (
	FoldFilterName     = "pakn_fold"      // diacritics folded, đ → d
	NFCFilterName      = "pakn_nfc"       // Unicode NFC on each token
	TokenizerName      = "pakn_words"     // runs of letters, marks and digits
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
	must(registry.RegisterTokenizer(TokenizerName, func(map[string]interface{}, *registry.Cache) (analysis.Tokenizer, error) {
		return wordTokenizer{}, nil
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
func newExactAnalyzer() analysis.Analyzer  { return viAnalyzer{} }
func newFoldedAnalyzer() analysis.Analyzer { return viAnalyzer{fold: true} }

// Bigrams of folded syllables: Vietnamese words are mostly two syllables
// written apart ("thủ tục"), so a pair match is a word match.
func newBigramAnalyzer() analysis.Analyzer { return viAnalyzer{fold: true, bigram: true} }

// wordTokenizer splits text into runs of letters, combining marks and
// digits. Vietnamese separates syllables by spaces, so this is all the
// segmentation needed, and it is several times faster than bleve's UAX #29
// tokenizer (three analyzers run over every text).
type wordTokenizer struct{}

func (wordTokenizer) Tokenize(in []byte) analysis.TokenStream {
	out := make(analysis.TokenStream, 0, len(in)/5)
	scanWords(in, func(start, end int, numeric bool) {
		typ := analysis.AlphaNumeric
		if numeric {
			typ = analysis.Numeric
		}
		out = append(out, &analysis.Token{Term: in[start:end:end], Start: start, End: end, Position: len(out) + 1, Type: typ})
	})
	return out
}

// scanWords calls word with the byte offsets of each run of letters,
// combining marks and digits in in, and whether it is digits only.
func scanWords(in []byte, word func(start, end int, numeric bool)) {
	start := -1
	numeric := true
	for i := 0; i < len(in); {
		r, size := rune(in[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(in[i:])
		}
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
			if !('0' <= r && r <= '9') {
				numeric = false
			}
		} else if start >= 0 {
			word(start, i, numeric)
			start, numeric = -1, true
		}
		i += size
	}
	if start >= 0 {
		word(start, len(in), numeric)
	}
}

// isWordRune reports whether r belongs to a token: a letter, a digit or
// a combining mark.
func isWordRune(r rune) bool {
	if 0 <= r && r < foldTableSize {
		return wordTable[r]
	}
	return isWordRuneSlow(r)
}

func isWordRuneSlow(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Mn, r)
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
		if !isASCII(t.Term) && !norm.NFC.IsNormal(t.Term) {
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

// foldTable maps every rune below foldTableSize to its folded form (0: drop
// it, a combining mark). Filled once in init and only read afterwards;
// folding rune by rune through it is several times faster than norm.NFD.
var foldTable [foldTableSize]rune

const foldTableSize = 0x1F00 // covers Latin, combining marks, Latin Extended Additional

// lowerTable and wordTable are unicode.ToLower and isWordRune for the
// same runes, read by the analyzers' inner loop.
var (
	lowerTable [foldTableSize]rune
	wordTable  [foldTableSize]bool
)

func init() {
	for r := rune(0); r < foldTableSize; r++ {
		foldTable[r] = foldSlow(r)
		lowerTable[r] = unicode.ToLower(r)
		wordTable[r] = isWordRuneSlow(r)
	}
}

func foldSlow(r rune) rune {
	if r == 'đ' || r == 'Đ' {
		return 'd'
	}
	if unicode.Is(unicode.Mn, r) {
		return 0
	}
	for _, b := range norm.NFD.String(string(r)) {
		return unicode.ToLower(b) // the base letter comes first
	}
	return r
}

// Fold removes Vietnamese diacritics (tone and vowel marks, đ → d) and
// lower-cases, in NFC or NFD input alike: bleve's asciifolding knows only
// precomposed letters.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r = foldRune(r); r != 0 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// foldRune is r folded and lower-cased (see Fold); 0 drops it.
func foldRune(r rune) rune {
	switch {
	case r < utf8.RuneSelf:
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
	case r < foldTableSize:
		r = foldTable[r]
	case unicode.Is(unicode.Mn, r):
		r = 0
	default:
		r = unicode.ToLower(r)
	}
	return r
}

// Normalize returns s in NFC, the form stored and analysed.
func Normalize(s string) string {
	if isNFC(s) {
		return s
	}
	return norm.NFC.String(s)
}

// isNFC reports whether s is in NFC. Vietnamese text is made of runes
// below U+0300 (Latin), precomposed letters (U+1E00–U+1EFF) and a little
// punctuation (U+2010–U+2027): all starters that nothing before them
// composes with, so such text is NFC without the tables of package norm
// (which were 6 % of indexing time). Anything else, a combining mark
// above all, is checked by norm.
func isNFC[T string | []byte](s T) bool {
	for _, r := range string(s) { // no copy: the compiler ranges over the bytes
		if r < 0x300 || 0x1E00 <= r && r < 0x1F00 || 0x2010 <= r && r < 0x2028 {
			continue
		}
		return norm.NFC.IsNormalString(string(s))
	}
	return true
}

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

// viAnalyzer is the folded, exact and bigram analysis in one pass over
// the text: the same tokens as the filter chains (tokenizer, NFC, lower
// case, fold, shingles of two) with one allocation for all terms instead
// of several per token. Indexing analyses every item eight times, so this
// is a large part of indexing time. The input is never modified.
type viAnalyzer struct {
	fold   bool // fold diacritics (folded and bigram)
	bigram bool // pairs of neighbouring syllables
}

func (a viAnalyzer) Analyze(in []byte) analysis.TokenStream {
	type span struct{ start, end, from, to int } // input offsets, term bytes in buf
	spans := make([]span, 0, len(in)/4+1)
	buf := make([]byte, 0, len(in)+len(in)/4)
	var numericAt []bool
	eachWord(in, func(start, end int, term []byte, numeric bool) {
		from := len(buf)
		buf = appendLower(buf, term, a.fold)
		spans = append(spans, span{start, end, from, len(buf)})
		numericAt = append(numericAt, numeric)
	})
	if !a.bigram {
		toks := make([]analysis.Token, len(spans))
		out := make(analysis.TokenStream, len(spans))
		for k, s := range spans {
			typ := analysis.AlphaNumeric
			if numericAt[k] {
				typ = analysis.Numeric
			}
			toks[k] = analysis.Token{Term: buf[s.from:s.to:s.to], Start: s.start, End: s.end, Position: k + 1, Type: typ}
			out[k] = &toks[k]
		}
		return out
	}
	if len(spans) < 2 {
		return analysis.TokenStream{}
	}
	n := len(spans) - 1
	pairs := make([]byte, 0, 2*len(buf)+n)
	toks := make([]analysis.Token, n)
	out := make(analysis.TokenStream, n)
	for k := 0; k < n; k++ {
		l, r := spans[k], spans[k+1]
		from := len(pairs)
		pairs = append(pairs, buf[l.from:l.to]...)
		pairs = append(pairs, ' ')
		pairs = append(pairs, buf[r.from:r.to]...)
		toks[k] = analysis.Token{Term: pairs[from:len(pairs):len(pairs)], Start: l.start, End: r.end, Position: k + 1, Type: analysis.Shingle}
		out[k] = &toks[k]
	}
	return out
}

// eachWord calls word with the offsets of each word of in (see scanWords)
// and the word in NFC, which is in itself unless in is not NFC.
func eachWord(in []byte, word func(start, end int, term []byte, numeric bool)) {
	// Text is NFC almost always (documents and queries are normalised):
	// then so is every word, and no word needs checking.
	normal := isNFC(in)
	scanWords(in, func(start, end int, numeric bool) {
		term := in[start:end]
		if !normal && !isASCII(term) && !norm.NFC.IsNormal(term) {
			term = norm.NFC.Bytes(term)
		}
		word(start, end, term, numeric)
	})
}

// appendLower appends s lower-cased as bleve's lowercase filter does it
// (unicode.ToLower per rune, a final Σ becomes ς), and folded (see Fold)
// when fold is set.
func appendLower(dst, s []byte, fold bool) []byte {
	if isASCII(s) {
		for _, c := range s {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
		}
		return dst
	}
	for i := 0; i < len(s); {
		r, wid := utf8.DecodeRune(s[i:])
		i += wid
		if 0 <= r && r < foldTableSize && r != 'Σ' {
			// Tables: a folded letter is already lower case.
			if fold {
				r = foldTable[r]
				if r == 0 {
					continue
				}
			} else {
				r = lowerTable[r]
			}
			dst = utf8.AppendRune(dst, r)
			continue
		}
		l := unicode.ToLower(r)
		if l != r && l == 'σ' && i == len(s) {
			l = 'ς'
		}
		if fold {
			if l = foldRune(l); l == 0 {
				continue
			}
		}
		dst = utf8.AppendRune(dst, l)
	}
	return dst
}
