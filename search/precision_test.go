package search

import (
	"strings"
	"testing"
)

func TestMinMatch(t *testing.T) {
	for _, tc := range []struct{ n, want int }{{0, 0}, {1, 1}, {2, 2}, {3, 2}, {4, 2}, {5, 3}, {6, 3}, {8, 4}, {10, 6}} {
		if got := minMatch(tc.n); got != tc.want {
			t.Errorf("minMatch(%d) = %d, want %d", tc.n, got, tc.want)
		}
	}
}

func TestIsFiller(t *testing.T) {
	for _, tc := range []struct {
		tok  string
		want bool
	}{
		{"của", true}, {"cua", true}, {"không", true}, {"khong", true}, {"thủ", true}, {"làm", true},
		{"thi", false}, {"thì", true}, {"can", false}, {"cần", true}, {"căn", false}, {"thẻ", false},
		{"the", false}, {"so", false}, {"sổ", false}, {"khai", false}, {"bán", false},
	} {
		if got := isFiller(tc.tok); got != tc.want {
			t.Errorf("isFiller(%q) = %v, want %v", tc.tok, got, tc.want)
		}
	}
}

// TestPrecision: what a query selects, how a word typed with or without
// marks ranks, and what highlights mark.
func TestPrecision(t *testing.T) {
	idx := newTestIndex(t,
		faq(1, "Thủ tục bán nhà đất cho người khác", "Hợp đồng mua bán nhà phải công chứng."),
		faq(2, "Đặt bàn làm việc ở bộ phận một cửa", "Bàn tiếp dân đặt ở tầng một."),
		faq(3, "Bản sao giấy khai sinh xin ở đâu", "Bản sao trích lục cấp tại Ủy ban nhân dân cấp xã."),
		faq(4, "Cấp lại thẻ căn cước bị mất", "Nộp hồ sơ cấp lại căn cước tại công an cấp xã."),
		faq(5, "Đăng ký tạm trú cho người thuê trọ", "Chủ nhà khai báo tạm trú cho người thuê."),
	)
	for _, tc := range []struct {
		q       string
		want    []string // every result, in any order (first: wantTop)
		wantTop string
	}{
		// Without marks every tone is found; with marks the word typed
		// comes first (here so far first that the cut-off leaves the
		// other tones out).
		{"ban", []string{"faq-1", "faq-2", "faq-3"}, ""},
		{"bán", []string{"faq-1"}, "faq-1"},
		{"bàn", []string{"faq-2"}, "faq-2"},
		{"bán bàn", []string{"faq-1", "faq-2"}, ""},
		{"bản sao", []string{"faq-3"}, "faq-3"},
		// Both content words of a two-word query must match.
		{"cap lai can cuoc", []string{"faq-4"}, "faq-4"},
		// Filler words alone select nothing beside content words.
		{"cho tôi hỏi thủ tục tạm trú", []string{"faq-5"}, "faq-5"},
		// Nonsense and absent topics: nothing.
		{"qqxxzz", nil, ""},
		{"flycam", nil, ""},
		// A short misspelt syllable is still guessed at: "ki" for "ký".
		{"dang ki tam tru", []string{"faq-5"}, "faq-5"},
	} {
		res, err := idx.Search(ctx, Query{Text: tc.q, PerPage: 10})
		if err != nil {
			t.Fatal(err)
		}
		got := ids(res)
		if len(got) != len(tc.want) || int(res.Total) != len(tc.want) {
			t.Errorf("%q: %v (total %d), want %v", tc.q, got, res.Total, tc.want)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(strings.Join(got, ","), w) {
				t.Errorf("%q: %v lacks %s", tc.q, got, w)
			}
		}
		if tc.wantTop != "" && got[0] != tc.wantTop {
			t.Errorf("%q: first %s, want %s (%v)", tc.q, got[0], tc.wantTop, got)
		}
		// Totals and facets count only what is shown.
		n := 0
		for _, f := range res.Facets["type"] {
			n += f.Count
		}
		if n != len(got) {
			t.Errorf("%q: type facets count %d, shown %d", tc.q, n, len(got))
		}
	}
	res, err := idx.Search(ctx, Query{Text: "cho tôi hỏi thủ tục tạm trú", PerPage: 1})
	if err != nil || len(res.Hits) != 1 {
		t.Fatalf("%v %v", res, err)
	}
	for _, hl := range res.Hits[0].Highlights {
		for _, filler := range []string{"<mark>cho</mark>", "<mark>Thủ</mark>", "<mark>tục</mark>"} {
			if strings.Contains(hl, filler) {
				t.Errorf("highlight marks a filler word: %s", hl)
			}
		}
	}
	if !strings.Contains(strings.Join(res.Hits[0].Highlights, " "), "<mark>tạm</mark> <mark>trú</mark>") {
		t.Errorf("highlights lack the content words: %q", res.Hits[0].Highlights)
	}
}

func TestSuggest(t *testing.T) {
	idx := newTestIndex(t,
		faq(1, "Làm giấy khai sinh cho con", "Khai sinh tại Ủy ban nhân dân cấp xã."),
		faq(2, "Đăng ký kết hôn", "Kết hôn tại Ủy ban nhân dân cấp xã."))
	for _, tc := range []struct{ q, want string }{{"khaiii sinh", "khai sinh"}, {"khai sinh", ""}, {"qqxxzzqq", ""}} {
		s, err := idx.Suggest(ctx, tc.q)
		if err != nil {
			t.Fatal(err)
		}
		if s.Text != tc.want {
			t.Errorf("Suggest(%q).Text = %q, want %q", tc.q, s.Text, tc.want)
		}
		if tc.q == "khaiii sinh" && (len(s.Categories) != 1 || s.Categories[0] != "CT") {
			t.Errorf("Suggest(%q).Categories = %v", tc.q, s.Categories)
		}
	}
	rel, err := idx.Related(ctx, "faq-1", "Làm giấy khai sinh tại Ủy ban", 5)
	if err != nil || len(rel) != 1 || rel[0].ID != "faq-2" {
		t.Errorf("Related = %v, %v; want faq-2 only", rel, err)
	}
}

// TestTypoNeighbourInMostItems: a word that matches nothing is not taken
// for a neighbour found in most items. Answers open with "phản ánh", so
// "pháo hoa" (fireworks, absent) must not become "phản" + the "Hòa" of
// place names and list them all.
func TestTypoNeighbourInMostItems(t *testing.T) {
	opening := "Cơ quan đã tiếp nhận phản ánh, kiến nghị của công dân và trả lời như sau: "
	idx := newTestIndex(t,
		faq(1, "Lắp wifi tại nhà văn hóa ấp Tân Hòa", opening+"Đã lắp điểm truy cập internet tại nhà văn hóa."),
		faq(2, "Cống thủy lợi hư hỏng tại ấp Bình Hòa", opening+"Đã sửa cánh cống."),
		faq(3, "Phòng học dột tại điểm trường ấp Tân Hòa", opening+"Đã sửa mái."),
		faq(4, "Đèn đường hỏng trên đường tỉnh", opening+"Đã thay bóng đèn."),
		faq(5, "Xe quá tải làm hỏng cầu", opening+"Đã cắm biển hạn chế tải trọng."),
	)
	for _, tc := range []struct {
		q    string
		want int
	}{
		{"phao hoa", 0},
		{"pháo hoa", 0},
		{"nha van hoa", 1},
		// Half the query unknown is too little of it, in either phase.
		{"xe flycam", 0},
		{"den duong", 1},
	} {
		res, err := idx.Search(ctx, Query{Text: tc.q, PerPage: 10})
		if err != nil {
			t.Fatal(err)
		}
		if int(res.Total) != tc.want {
			t.Errorf("%q: %v (total %d), want %d results", tc.q, ids(res), res.Total, tc.want)
		}
	}
}
