package search

import (
	"strconv"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/mapping"
	index "github.com/blevesearch/bleve_index_api"
)

// mappingVersion is stored in the index; an index written with another
// version is discarded and rebuilt on Open.
const mappingVersion = "pakn-search-9"

// Field names. Each text property is indexed three times: folded (stored),
// exact (suffix _x) and bigrams (_bi). No field keeps term vectors: no
// query needs positions, and highlighting re-analyses the stored text of
// the page's hits (highlight.go); term vectors were a third of the index.
const (
	fID           = "id"
	fRef          = "ref"
	fType         = "type"
	fTitle        = "title"
	fQuestion     = "question"
	fAnswer       = "answer"
	fCategory     = "category"
	fCategoryName = "category_name"
	fUnit         = "unit"
	fUnitName     = "unit_name"
	fLevel        = "level"
	fPublishedAt  = "published_at"
	fURL          = "url"
	fVersion      = "version"
	// fFacets holds "category=<code>", "unit=<code>" and "type=<type>" in
	// one doc-values field: counting facets visits one field per match
	// instead of three.
	fFacets = "facets"

	sufExact  = "_x"
	sufBigram = "_bi"
)

// Prefixes of the values of fFacets, by facet name.
const (
	facetCategory = "category="
	facetUnit     = "unit="
	facetType     = "type="
)

var storedFields = []string{fID, fRef, fType, fTitle, fQuestion, fAnswer, fCategory,
	fCategoryName, fUnit, fUnitName, fLevel, fPublishedAt, fURL, fVersion}

func newMapping() mapping.IndexMapping {
	keywordField := func() *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = true
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = false // filters only; facets read fFacets
		return f
	}
	facetField := keywordField()
	facetField.Store = false
	facetField.DocValues = true
	storedOnly := func() *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Index = false
		f.Store = true
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = false
		return f
	}
	text := func(name, analyzer string, store bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Name = name
		f.Analyzer = analyzer
		f.Store = store
		f.IncludeTermVectors = false // see highlight.go
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}

	doc := bleve.NewDocumentStaticMapping()
	// No _all field: queries name their fields, and it costs indexing time.
	doc.AddSubDocumentMapping("_all", bleve.NewDocumentDisabledMapping())
	// Filters: type, category, unit. The rest is only shown (stored, not
	// indexed): id and ref alone would add 200,000 one-document terms to a
	// 100,000-item index.
	for _, name := range []string{fType, fCategory, fUnit} {
		doc.AddFieldMappingsAt(name, keywordField())
	}
	for _, name := range []string{fID, fRef, fLevel, fUnitName, fURL} {
		doc.AddFieldMappingsAt(name, storedOnly())
	}
	for _, name := range []string{fTitle, fQuestion} {
		doc.AddFieldMappingsAt(name,
			text(name, FoldedAnalyzerName, true),
			text(name+sufExact, ExactAnalyzerName, false),
			text(name+sufBigram, BigramAnalyzerName, false))
	}
	// Answers are long: an exact copy would cost a third more indexing for
	// little ranking gain, so they are indexed folded and as bigrams only.
	doc.AddFieldMappingsAt(fAnswer,
		text(fAnswer, FoldedAnalyzerName, true),
		text(fAnswer+sufBigram, BigramAnalyzerName, false))
	doc.AddFieldMappingsAt(fCategoryName, text(fCategoryName, FoldedAnalyzerName, true))
	doc.AddFieldMappingsAt(fFacets, facetField)
	// The publication time is only shown and sorted by, never searched
	// by range: a sortable string (one term, with doc values for the sort)
	// instead of a date field (sixteen precision terms per item).
	published := keywordField()
	published.DocValues = true
	doc.AddFieldMappingsAt(fPublishedAt, published)
	num := bleve.NewNumericFieldMapping()
	num.Store = true
	num.Index = false
	num.IncludeInAll = false
	num.DocValues = false
	doc.AddFieldMappingsAt(fVersion, num)

	m := bleve.NewIndexMapping()
	m.DefaultMapping = doc
	m.DefaultAnalyzer = FoldedAnalyzerName
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false
	m.ScoringModel = index.BM25Scoring
	return m
}

// itemValues are the values bleve indexes for an item; all text is NFC so that
// highlight offsets computed on analysed tokens fit the stored text.
func itemValues(it Item) map[string]interface{} {
	d := map[string]interface{}{
		fID:           it.ID,
		fRef:          it.Ref,
		fType:         it.Type,
		fTitle:        Normalize(it.Title),
		fQuestion:     Normalize(it.Question),
		fAnswer:       Normalize(it.Answer),
		fCategory:     it.Category,
		fCategoryName: Normalize(it.CategoryName),
		fUnit:         it.Unit,
		fUnitName:     Normalize(it.UnitName),
		fLevel:        it.Level,
		fURL:          it.URL,
		fVersion:      float64(it.Version),
		fFacets:       []string{facetCategory + it.Category, facetUnit + it.Unit, facetType + it.Type},
	}
	if !it.PublishedAt.IsZero() {
		d[fPublishedAt] = it.PublishedAt.UTC().Format(sortableTime)
	}
	return d
}

// sortableTime formats UTC times so that their strings sort as the times
// do (fixed width; RFC 3339, so time.RFC3339Nano parses them).
const sortableTime = "2006-01-02T15:04:05.000000000Z07:00"

// itemFromFields rebuilds an Item from stored fields of a hit.
func itemFromFields(id string, f map[string]interface{}) Item {
	it := Item{ID: id}
	for k, v := range f {
		if s, ok := v.(string); ok {
			it.setStored(k, s)
		}
	}
	if v, ok := f[fVersion].(float64); ok {
		it.Version = int(v)
	}
	return it
}

// setStored sets the field of it that the stored text field name holds.
func (it *Item) setStored(name, value string) {
	switch name {
	case fRef:
		it.Ref = value
	case fType:
		it.Type = value
	case fTitle:
		it.Title = value
	case fQuestion:
		it.Question = value
	case fAnswer:
		it.Answer = value
	case fCategory:
		it.Category = value
	case fCategoryName:
		it.CategoryName = value
	case fUnit:
		it.Unit = value
	case fUnitName:
		it.UnitName = value
	case fLevel:
		it.Level = value
	case fURL:
		it.URL = value
	case fPublishedAt:
		if t, err := time.Parse(time.RFC3339Nano, value); err == nil {
			it.PublishedAt = t
		}
	}
}

func itoa(v int64) []byte { return []byte(strconv.FormatInt(v, 10)) }

func atoi(b []byte) int64 {
	v, _ := strconv.ParseInt(string(b), 10, 64)
	return v
}
