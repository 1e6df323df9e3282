package search

import (
	"fmt"
	"slices"

	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/mapping"
	index "github.com/blevesearch/bleve_index_api"
)

// docBuilder makes the bleve document of an item without bleve's mapping
// walk and analysers: each text is scanned once for all of its fields
// (folded, exact and bigram) and the term counts are built with one
// allocation per field instead of several per term. Mapping and analysis
// were 40 % of indexing time. The fields and their options are read from
// the index mapping, and TestBuiltDocumentsMatchMapping requires the
// documents to equal what bleve's mapping and analysers make.
type docBuilder struct {
	props []propertySpec
}

type fieldKind uint8

const (
	kindStored  fieldKind = iota // stored, not indexed
	kindKeyword                  // the whole value, one term
	kindFolded                   // FoldedAnalyzerName
	kindExact                    // ExactAnalyzerName
	kindBigram                   // BigramAnalyzerName
	kindNumber                   // a number (stored only here)
)

type fieldSpec struct {
	name string
	opts index.FieldIndexingOptions
	kind fieldKind
}

type propertySpec struct {
	name   string
	fields []fieldSpec
	exact  bool // some field needs the unfolded terms
}

func newDocBuilder(im mapping.IndexMapping) (*docBuilder, error) {
	m, ok := im.(*mapping.IndexMappingImpl)
	if !ok || m.DefaultMapping == nil {
		return nil, fmt.Errorf("search: document builder: unexpected mapping %T", im)
	}
	names := make([]string, 0, len(m.DefaultMapping.Properties))
	for name := range m.DefaultMapping.Properties {
		names = append(names, name)
	}
	slices.Sort(names)
	b := &docBuilder{}
	for _, name := range names {
		dm := m.DefaultMapping.Properties[name]
		if !dm.Enabled || len(dm.Fields) == 0 {
			continue // _all
		}
		p := propertySpec{name: name}
		for _, fm := range dm.Fields {
			f := fieldSpec{name: name, opts: fm.Options()}
			if fm.Name != "" {
				f.name = fm.Name
			}
			switch {
			case fm.Type == "number":
				f.kind = kindNumber
			case fm.Type != "text":
				return nil, fmt.Errorf("search: document builder: field %s has type %q", f.name, fm.Type)
			case !fm.Index:
				f.kind = kindStored
			case fm.Analyzer == keyword.Name:
				f.kind = kindKeyword
			case fm.Analyzer == FoldedAnalyzerName:
				f.kind = kindFolded
			case fm.Analyzer == ExactAnalyzerName:
				f.kind = kindExact
				p.exact = true
			case fm.Analyzer == BigramAnalyzerName:
				f.kind = kindBigram
			default:
				return nil, fmt.Errorf("search: document builder: field %s has analyzer %q", f.name, fm.Analyzer)
			}
			if f.opts.IncludeTermVectors() && f.kind != kindStored && f.kind != kindNumber {
				// Term counts only: locations are not built here.
				return nil, fmt.Errorf("search: document builder: field %s keeps term vectors", f.name)
			}
			p.fields = append(p.fields, f)
		}
		b.props = append(b.props, p)
	}
	return b, nil
}

// build returns the document of it (see itemValues).
func (b *docBuilder) build(it Item) *document.Document {
	values := itemValues(it)
	doc := document.NewDocument(it.ID)
	for i := range b.props {
		p := &b.props[i]
		switch v := values[p.name].(type) {
		case string:
			b.addValue(doc, p, v, nil)
		case []string:
			for k, s := range v {
				b.addValue(doc, p, s, []uint64{uint64(k)})
			}
		case float64:
			for _, f := range p.fields {
				doc.AddField(document.NewNumericFieldWithIndexingOptions(f.name, nil, v, f.opts))
			}
		}
	}
	return doc
}

func (b *docBuilder) addValue(doc *document.Document, p *propertySpec, v string, arrayPos []uint64) {
	value := []byte(v)
	var terms *valueTerms
	for _, f := range p.fields {
		bf := &builtField{name: f.name, opts: f.opts, value: value, arrayPos: arrayPos}
		switch f.kind {
		case kindKeyword:
			tf := &index.TokenFreq{Term: value}
			bf.freqs = index.TokenFrequencies{v: tf}
			bf.count(tf)
			bf.length = 1
		case kindFolded, kindExact, kindBigram:
			if terms == nil {
				terms = analyseValue(value, p.exact)
			}
			switch f.kind {
			case kindFolded:
				bf.setTerms(terms.folded, terms.foldedAt)
			case kindExact:
				bf.setTerms(terms.exact, terms.exactAt)
			default:
				bf.setTerms(terms.bigrams())
			}
		}
		doc.AddField(bf)
	}
}

// valueTerms are the terms of one text: term k of the folded analysis is
// folded[foldedAt[k].from:foldedAt[k].to].
type valueTerms struct {
	folded, exact     []byte
	foldedAt, exactAt []termSpan
}

type termSpan struct{ from, to int32 }

// analyseValue scans text once for the terms of the folded analysis and,
// when exact is set, of the exact one (the viAnalyzer's terms).
func analyseValue(text []byte, exact bool) *valueTerms {
	t := &valueTerms{folded: make([]byte, 0, len(text)), foldedAt: make([]termSpan, 0, len(text)/4+1)}
	if exact {
		t.exact = make([]byte, 0, len(text))
		t.exactAt = make([]termSpan, 0, len(text)/4+1)
	}
	eachWord(text, func(_, _ int, term []byte, _ bool) {
		from := len(t.folded)
		t.folded = appendLower(t.folded, term, true)
		t.foldedAt = append(t.foldedAt, termSpan{int32(from), int32(len(t.folded))})
		if exact {
			from = len(t.exact)
			t.exact = appendLower(t.exact, term, false)
			t.exactAt = append(t.exactAt, termSpan{int32(from), int32(len(t.exact))})
		}
	})
	return t
}

// bigrams are the pairs of neighbouring folded terms, joined by a space.
func (t *valueTerms) bigrams() ([]byte, []termSpan) {
	if len(t.foldedAt) < 2 {
		return nil, nil
	}
	buf := make([]byte, 0, 2*len(t.folded)+len(t.foldedAt))
	at := make([]termSpan, len(t.foldedAt)-1)
	for k := range at {
		l, r := t.foldedAt[k], t.foldedAt[k+1]
		from := len(buf)
		buf = append(buf, t.folded[l.from:l.to]...)
		buf = append(buf, ' ')
		buf = append(buf, t.folded[r.from:r.to]...)
		at[k] = termSpan{int32(from), int32(len(buf))}
	}
	return buf, at
}

// builtField is a field whose analysis is done: Analyze has nothing left
// to do.
type builtField struct {
	name     string
	opts     index.FieldIndexingOptions
	value    []byte
	arrayPos []uint64
	length   int
	freqs    index.TokenFrequencies
}

// setTerms counts the terms buf[at[k]]: every map key is a substring of
// one string, every TokenFreq an element of one slice.
func (f *builtField) setTerms(buf []byte, at []termSpan) {
	f.length = len(at)
	f.freqs = make(index.TokenFrequencies, len(at))
	if len(at) == 0 {
		return
	}
	keys := string(buf)
	slab := make([]index.TokenFreq, len(at))
	used := 0
	for _, s := range at {
		key := keys[s.from:s.to]
		tf := f.freqs[key]
		if tf == nil {
			tf = &slab[used]
			used++
			tf.Term = buf[s.from:s.to:s.to]
			f.freqs[key] = tf
		}
		f.count(tf)
	}
}

func (f *builtField) count(tf *index.TokenFreq) {
	if !f.opts.SkipFreqNorm() {
		tf.SetFrequency(tf.Frequency() + 1)
	}
}

func (f *builtField) Name() string                                     { return f.name }
func (f *builtField) ArrayPositions() []uint64                         { return f.arrayPos }
func (f *builtField) Options() index.FieldIndexingOptions              { return f.opts }
func (f *builtField) Analyze()                                         {}
func (f *builtField) Value() []byte                                    { return f.value }
func (f *builtField) NumPlainTextBytes() uint64                        { return uint64(len(f.value)) }
func (f *builtField) EncodedFieldType() byte                           { return 't' }
func (f *builtField) AnalyzedLength() int                              { return f.length }
func (f *builtField) AnalyzedTokenFrequencies() index.TokenFrequencies { return f.freqs }

// Size estimates the memory the field holds (bleve's batch accounting).
func (f *builtField) Size() int {
	const perTerm = 48 + 16 // a map entry and a TokenFreq, roughly
	return 96 + len(f.name) + len(f.value) + 8*len(f.arrayPos) + len(f.freqs)*perTerm
}
