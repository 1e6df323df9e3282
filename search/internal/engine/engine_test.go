package engine

import (
	"fmt"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/index/scorch"
)

// Facets counted through the table and through bitmaps agree.
func TestFacetTableBothWays(t *testing.T) {
	m := bleve.NewIndexMapping()
	f := bleve.NewTextFieldMapping()
	f.Analyzer = keyword.Name
	m.DefaultMapping.AddFieldMappingsAt("f", f)
	bi, err := bleve.NewUsing("", m, scorch.Name, scorch.Name, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer bi.Close()
	for from := 0; from < 3000; from += 1000 {
		b := bi.NewBatch()
		for i := from; i < from+1000; i++ {
			// Three terms per document, as category, unit and type.
			vals := []string{fmt.Sprintf("c%d", i%15), fmt.Sprintf("u%d", i%10), fmt.Sprintf("t%d", i%2)}
			if err := b.Index(fmt.Sprint(i), map[string]any{"f": vals}); err != nil {
				t.Fatal(err)
			}
		}
		if err := bi.Batch(b); err != nil {
			t.Fatal(err)
		}
	}
	adv, err := bi.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	r, err := adv.Reader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	segs := r.(*scorch.IndexSnapshot).Segments()
	if len(segs) < 2 {
		t.Fatalf("%d segments, want several", len(segs))
	}
	for _, s := range segs {
		ft, err := buildFacetTable(s.Segment(), "f")
		if err != nil || ft == nil {
			t.Fatalf("facet table: %v", err)
		}
		cands := roaring.New()
		for d := uint32(0); d < uint32(s.Segment().Count()); d += 3 {
			cands.Add(d)
		}
		a, b := ft.countByTable(cands), ft.countByBitmaps(cands)
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("table %v, bitmaps %v", a, b)
		}
		sum := 0
		for _, n := range a {
			sum += n
		}
		if want := facetSlots * int(cands.GetCardinality()); sum != want {
			t.Errorf("counted %d facet values, want %d", sum, want)
		}
	}
}

func TestAtLeast(t *testing.T) {
	bms := []*roaring.Bitmap{roaring.BitmapOf(1, 2, 3), roaring.BitmapOf(2, 3, 4), roaring.BitmapOf(3, 4, 5, 9), roaring.BitmapOf(9)}
	for _, tc := range []struct {
		k    int
		want []uint32
	}{
		{1, []uint32{1, 2, 3, 4, 5, 9}}, {2, []uint32{2, 3, 4, 9}}, {3, []uint32{3}}, {4, nil}, {5, nil},
	} {
		got := atLeast(bms, tc.k).ToArray()
		if len(got) != len(tc.want) {
			t.Errorf("atLeast(%d) = %v, want %v", tc.k, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("atLeast(%d) = %v, want %v", tc.k, got, tc.want)
				break
			}
		}
	}
}
