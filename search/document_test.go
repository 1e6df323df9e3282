package search

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/document"
	index "github.com/blevesearch/bleve_index_api"
)

// The documents docBuilder makes are those bleve's mapping and analysers
// make from itemValues: same fields, options, stored values, lengths and
// term counts.
func TestBuiltDocumentsMatchMapping(t *testing.T) {
	m := newMapping()
	b, err := newDocBuilder(m)
	if err != nil {
		t.Fatal(err)
	}
	items := []Item{
		{ID: "faq-1", Ref: "R-1", Type: "faq", Title: "Thủ tục ĐĂNG KÝ thường trú", Question: "Tôi cần giấy tờ gì? (mẫu CT01), lệ phí 15.000đ",
			Answer: "Theo Nghị định 4/2024/NĐ-CP — nộp tại UBND xã; e-mail: a@b.vn. Thủ tục thủ tục thủ tục.", Category: "ho-tich", CategoryName: "Hộ tịch",
			Unit: "tp-hue", UnitName: "UBND Thành phố", Level: "district", PublishedAt: time.Date(2026, 3, 4, 5, 6, 7, 8, time.UTC), URL: "/qa/faq-1", Version: 3},
		// NFD input, combining marks, capitals, Greek final sigma, one word.
		{ID: "answer-2", Type: "answer", Title: "Tho\u0302\u0300i vie\u0323c", Question: "ΟΔΟΣ straße", Answer: "x\u0301y", Category: "c", Unit: "u", Version: 1},
		// Empty texts and a zero time.
		{ID: "answer-3", Type: "answer", Title: "", Question: "một", Answer: "", Category: "", Unit: ""},
	}
	items = append(items, synthItems(5, 0, 40)...)
	for _, it := range items {
		want := document.NewDocument(it.ID)
		if err := m.MapDocument(want, itemValues(it)); err != nil {
			t.Fatal(err)
		}
		got := b.build(it)
		if g, w := describeDocument(got), describeDocument(want); g != w {
			t.Errorf("%s:\n got %s\nwant %s", it.ID, g, w)
		}
	}
}

func describeDocument(d *document.Document) string {
	var fields []string
	d.VisitFields(func(f index.Field) {
		if f.Options().IsIndexed() {
			f.Analyze()
		}
		var terms []string
		for k, tf := range f.AnalyzedTokenFrequencies() {
			terms = append(terms, fmt.Sprintf("%s|%s|%d|%d", k, tf.Term, tf.Frequency(), len(tf.Locations)))
		}
		slices.Sort(terms)
		fields = append(fields, fmt.Sprintf("%s%v opts=%d %c %q len=%d bytes=%d terms=%v",
			f.Name(), f.ArrayPositions(), f.Options(), f.EncodedFieldType(), f.Value(), f.AnalyzedLength(), f.NumPlainTextBytes(), terms))
	})
	d.VisitComposite(func(f index.CompositeField) { fields = append(fields, "composite "+f.Name()) })
	slices.Sort(fields)
	return d.ID() + "\n  " + strings.Join(fields, "\n  ")
}
