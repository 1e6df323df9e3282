package search

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"
)

var ctx = context.Background()

func newTestIndex(t testing.TB, items ...Item) *Index {
	t.Helper()
	idx, err := Open(filepath.Join(t.TempDir(), "idx"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	if err := idx.Upsert(ctx, items...); err != nil {
		t.Fatal(err)
	}
	return idx
}

func faq(n int, q, a string) Item {
	return Item{ID: fmt.Sprintf("faq-%d", n), Ref: fmt.Sprintf("r%d", n), Type: "faq", Question: q, Answer: a,
		Category: "CT", CategoryName: "Cư trú", Unit: "CA", UnitName: "Công an tỉnh", Level: "province",
		PublishedAt: time.Date(2025, 1, n, 0, 0, 0, 0, time.UTC), URL: fmt.Sprintf("/qa/faq-%d", n), Version: 1}
}

func ids(r Result) []string {
	var out []string
	for _, h := range r.Hits {
		out = append(out, h.ID)
	}
	return out
}

func mustSearch(t testing.TB, idx *Index, q Query) Result {
	t.Helper()
	r, err := idx.Search(ctx, q)
	if err != nil {
		t.Fatalf("search %+v: %v", q, err)
	}
	return r
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Đất đai":                  "dat dai",
		"thủ tục":                  "thu tuc",
		norm.NFD.String("Hộ khẩu"): "ho khau",
		"ĐĂNG KÝ":                  "dang ky",
		"abc 123":                  "abc 123",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAnalysis(t *testing.T) {
	idx := newTestIndex(t,
		faq(1, "Thủ tục đăng ký tạm trú", "Nộp hồ sơ tại công an xã."),
		faq(2, "Tranh chấp đất đai", "Gửi đơn đến ủy ban nhân dân xã để hòa giải."),
		faq(3, "Quán ăn có cần giấy phép?", "Có, an toàn thực phẩm."),
		faq(4, "Thu hồi tục lệ cũ", "Thủ công và tục ngữ không liên quan."),
		faq(5, "Bà nội tôi già yếu", "Ba tôi là công an."),
	)
	cases := []struct {
		query string
		want  string // first hit
	}{
		{"thu tuc", "faq-1"},                  // folded
		{"thủ tục", "faq-1"},                  // exact
		{norm.NFD.String("thủ tục"), "faq-1"}, // NFD input equals NFC
		{"đất", "faq-2"},
		{"dat", "faq-2"},
		{"DAT DAI", "faq-2"},
		{"an", "faq-3"}, // no English stop words
		{"quan an", "faq-3"},
		{"bà nội", "faq-5"},
		{"tam tru", "faq-1"},
		{"thủ tuc dang ki", "faq-1"}, // mixed marks, ky/ki typo via fuzzy? (dang matches anyway)
	}
	for _, c := range cases {
		r := mustSearch(t, idx, Query{Text: c.query})
		if len(r.Hits) == 0 || r.Hits[0].ID != c.want {
			t.Errorf("%q: got %v, want %s first", c.query, ids(r), c.want)
		}
	}
	// The bigram makes the word "thủ tục" outrank its syllables scattered
	// through faq-4.
	r := mustSearch(t, idx, Query{Text: "thu tuc"})
	if len(r.Hits) < 2 || r.Hits[0].ID != "faq-1" || r.Hits[0].Score <= r.Hits[1].Score {
		t.Errorf("bigram ranking: %v", ids(r))
	}
	// NFD and NFC queries score identically.
	a := mustSearch(t, idx, Query{Text: "thủ tục"})
	b := mustSearch(t, idx, Query{Text: norm.NFD.String("thủ tục")})
	if a.Hits[0].Score != b.Hits[0].Score {
		t.Errorf("NFC score %v != NFD score %v", a.Hits[0].Score, b.Hits[0].Score)
	}
	// Typed marks help: "bà" prefers the document with "bà".
	r = mustSearch(t, idx, Query{Text: "bà"})
	if len(r.Hits) == 0 || r.Hits[0].ID != "faq-5" {
		t.Errorf("bà: %v", ids(r))
	}
}

func TestNFDDocumentMatchesNFCQuery(t *testing.T) {
	idx := newTestIndex(t, faq(1, norm.NFD.String("Giấy chứng nhận quyền sử dụng đất"), "x"))
	for _, q := range []string{"giấy chứng nhận", "giay chung nhan"} {
		if r := mustSearch(t, idx, Query{Text: q}); r.Total != 1 {
			t.Errorf("%q: total %d", q, r.Total)
		}
	}
}

func TestQueryTextNeverFails(t *testing.T) {
	idx := newTestIndex(t, faq(1, "Thủ tục", "x"))
	for _, q := range []string{`"`, `+-&&||!(){}[]^"~*?:\/`, "title:abc", "AND OR NOT", "   ", "🙂", strings.Repeat("dat ", 500), "\x00\xff"} {
		if _, err := idx.Search(ctx, Query{Text: q}); err != nil {
			t.Errorf("%q: %v", q, err)
		}
	}
}

func TestHighlightEscapes(t *testing.T) {
	idx := newTestIndex(t, faq(1, `Đất <script>alert("x")</script> & đai`, "Trả lời về đất đai <b>đậm</b>"))
	r := mustSearch(t, idx, Query{Text: "dat"})
	if len(r.Hits) != 1 || len(r.Hits[0].Highlights) == 0 {
		t.Fatalf("no highlights: %+v", r)
	}
	all := strings.Join(r.Hits[0].Highlights, "\n")
	if strings.Contains(all, "<script") || strings.Contains(all, "<b>") {
		t.Errorf("unescaped markup in %q", all)
	}
	if !strings.Contains(all, "&lt;script&gt;") || !strings.Contains(all, "<mark>Đất</mark>") {
		t.Errorf("highlights %q", all)
	}
	stripped := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(all)
	if strings.ContainsAny(stripped, "<>") {
		t.Errorf("raw tags other than mark: %q", all)
	}
}

func TestFacetsFiltersPagination(t *testing.T) {
	var items []Item
	for i := 1; i <= 25; i++ {
		it := faq(i, fmt.Sprintf("Đăng ký thường trú số %d", i), "Hồ sơ thường trú")
		if i%5 == 0 {
			it.Category, it.Unit, it.Type = "DD", "STNMT", "answer"
			it.ID = fmt.Sprintf("answer-%d", i)
		}
		items = append(items, it)
	}
	idx := newTestIndex(t, items...)
	r := mustSearch(t, idx, Query{Text: "thuong tru"})
	if r.Total != 25 || r.Page != 1 || r.PerPage != 10 || len(r.Hits) != 10 {
		t.Fatalf("total=%d page=%d per=%d hits=%d", r.Total, r.Page, r.PerPage, len(r.Hits))
	}
	want := map[string][]FacetCount{
		"category": {{"CT", 20}, {"DD", 5}},
		"unit":     {{"CA", 20}, {"STNMT", 5}},
		"type":     {{"faq", 20}, {"answer", 5}},
	}
	for k, w := range want {
		if fmt.Sprint(r.Facets[k]) != fmt.Sprint(w) {
			t.Errorf("facet %s = %v, want %v", k, r.Facets[k], w)
		}
	}
	r = mustSearch(t, idx, Query{Text: "thuong tru", Page: 3})
	if len(r.Hits) != 5 {
		t.Errorf("page 3: %d hits", len(r.Hits))
	}
	if r = mustSearch(t, idx, Query{Text: "thuong tru", PerPage: 500}); r.PerPage != MaxPerPage {
		t.Errorf("per_page capped to %d", r.PerPage)
	}
	r = mustSearch(t, idx, Query{Text: "thuong tru", Category: "DD", Type: "answer"})
	if r.Total != 5 {
		t.Errorf("filtered total %d", r.Total)
	}
	r = mustSearch(t, idx, Query{Sort: "date", PerPage: 3})
	if got := ids(r); fmt.Sprint(got) != "[answer-25 faq-24 faq-23]" {
		t.Errorf("by date: %v", got)
	}
	h := r.Hits[0]
	if h.Unit != "STNMT" || h.UnitName != "Công an tỉnh" || h.Version != 1 || h.URL != "/qa/faq-25" ||
		!h.PublishedAt.Equal(time.Date(2025, 1, 25, 0, 0, 0, 0, time.UTC)) || h.Ref != "r25" {
		t.Errorf("stored fields: %+v", h.Item)
	}
}

func TestSynonyms(t *testing.T) {
	idx := newTestIndex(t,
		faq(1, "Cấp đổi giấy phép lái xe hết hạn", "Nộp tại Sở Giao thông vận tải."),
		faq(2, "Cha tôi mất, làm khai tử thế nào?", "Nộp tờ khai tử tại ủy ban nhân dân xã."),
		faq(3, "Đăng ký mã số thuế cá nhân", "Cơ quan thuế cấp."),
		faq(4, "Xe ba bánh có được chạy?", "Không."),
		faq(5, "Bà nội tôi", "Bà tôi đã già."),
	)
	cases := []struct{ q, want string }{
		{"bang lai", "faq-1"},
		{"bằng lái", "faq-1"},
		{"gplx", "faq-1"},
		{"ba toi mat", "faq-2"},
		{"bố tôi mất", "faq-2"},
		{"mst", "faq-3"},
		{"ubnd xa", "faq-2"},
	}
	for _, c := range cases {
		r := mustSearch(t, idx, Query{Text: c.q})
		if len(r.Hits) == 0 || r.Hits[0].ID != c.want {
			t.Errorf("%q: got %v, want %s first", c.q, ids(r), c.want)
		}
	}
	// Typed marks are respected: "bà" is grandmother, not father.
	set := compileSynonyms(DefaultSynonyms())
	if got := set.expand(tokens("bà tôi"), nil); len(got) != 0 {
		t.Errorf("bà expanded to %v", got)
	}
	if got := set.expand(tokens("ba toi"), nil); len(got) != 1 || got[0].text != "cha" {
		t.Errorf("ba expanded to %v", got)
	}
	// Hot swap: a custom dictionary replaces the default.
	idx.SetSynonyms([]Synonym{{Term: "xe ôm", Expansions: []string{"xe ba bánh"}}})
	if r := mustSearch(t, idx, Query{Text: "xe om"}); len(r.Hits) == 0 || r.Hits[0].ID != "faq-4" {
		t.Errorf("custom synonym: %v", ids(r))
	}
	if r := mustSearch(t, idx, Query{Text: "gplx"}); r.Total != 0 {
		t.Errorf("old dictionary still applied: %v", ids(r))
	}
}

func TestDefaultSynonyms(t *testing.T) {
	s := DefaultSynonyms()
	if len(s) < 60 {
		t.Fatalf("%d default synonyms, want at least 60", len(s))
	}
	if _, err := ParseSynonyms("just words"); err == nil {
		t.Error("want an error for a line without = or =>")
	}
	got, err := ParseSynonyms("a = b = c\nx; y => z # comment\n")
	if err != nil || len(got) != 5 || fmt.Sprint(got[0]) != "{a [b c]}" || fmt.Sprint(got[4]) != "{y [z]}" {
		t.Errorf("parse: %v %v", got, err)
	}
}

func TestUpsertDeleteVersions(t *testing.T) {
	idx := newTestIndex(t)
	it := faq(1, "Phiên bản hai", "x")
	it.Version = 2
	if err := idx.Upsert(ctx, it); err != nil {
		t.Fatal(err)
	}
	old := faq(1, "Phiên bản một", "x")
	if err := idx.Upsert(ctx, old); err != nil {
		t.Fatal(err)
	}
	if r := mustSearch(t, idx, Query{Text: "phien ban"}); r.Hits[0].Question != "Phiên bản hai" {
		t.Errorf("older version overwrote newer: %q", r.Hits[0].Question)
	}
	if err := idx.Delete(ctx, "faq-1", "nope"); err != nil {
		t.Fatal(err)
	}
	if n, _ := idx.DocCount(); n != 0 {
		t.Fatalf("DocCount after delete = %d", n)
	}
	// A late upsert of the deleted version must not resurrect it …
	if err := idx.Upsert(ctx, it); err != nil {
		t.Fatal(err)
	}
	if n, _ := idx.DocCount(); n != 0 {
		t.Errorf("deleted item resurrected by a stale upsert")
	}
	// … but republishing (a newer version) brings it back.
	it.Version = 3
	if err := idx.Upsert(ctx, it); err != nil {
		t.Fatal(err)
	}
	if n, _ := idx.DocCount(); n != 1 {
		t.Errorf("republished item not indexed")
	}
}

func TestCursorPersists(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	idx, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !idx.Rebuilt() {
		t.Error("a new index should report Rebuilt")
	}
	if err := idx.SetCursor(42); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrLocked) {
		t.Errorf("second Open: %v, want ErrLocked", err)
	}
	idx.Close()
	idx, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	if c, _ := idx.Cursor(); c != 42 || idx.Rebuilt() {
		t.Errorf("cursor %d rebuilt %v", c, idx.Rebuilt())
	}
}

func TestCorruptIndexIsRebuilt(t *testing.T) {
	for name, damage := range map[string]func(dir string) error{
		"garbage files": func(dir string) error {
			ents, err := os.ReadDir(dir)
			if err != nil {
				return err
			}
			for _, e := range ents {
				if !e.IsDir() {
					if err := os.WriteFile(filepath.Join(dir, e.Name()), []byte("garbage"), 0o644); err != nil {
						return err
					}
				}
			}
			return nil
		},
		"not an index": func(dir string) error {
			if err := os.RemoveAll(dir); err != nil {
				return err
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, "junk"), []byte("junk"), 0o644)
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "idx")
			idx, err := Open(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := idx.Upsert(ctx, faq(1, "a", "b")); err != nil {
				t.Fatal(err)
			}
			idx.Close()
			if err := damage(dir); err != nil {
				t.Fatal(err)
			}
			idx, err = Open(dir, Options{})
			if err != nil {
				t.Fatalf("Open after damage: %v", err)
			}
			defer idx.Close()
			if !idx.Rebuilt() {
				t.Error("Rebuilt() = false after damage")
			}
			if n, err := idx.DocCount(); err != nil || n != 0 {
				t.Errorf("DocCount = %d, %v", n, err)
			}
			if err := idx.Upsert(ctx, faq(1, "a", "b")); err != nil {
				t.Errorf("recreated index not writable: %v", err)
			}
		})
	}
}

func itemsSource(items []Item) Source {
	return func(yield func(Item) error) error {
		for _, it := range items {
			if err := yield(it); err != nil {
				return err
			}
		}
		return nil
	}
}

func TestRebuildSwapWhileSearching(t *testing.T) {
	var first, second []Item
	for i := 1; i <= 300; i++ {
		first = append(first, faq(i, fmt.Sprintf("Thủ tục cũ %d", i), "đất đai"))
		second = append(second, faq(i, fmt.Sprintf("Thủ tục mới %d", i), "đất đai"))
	}
	idx := newTestIndex(t, first...)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				r, err := idx.Search(ctx, Query{Text: "thu tuc dat dai"})
				if err != nil {
					errs <- err
					return
				}
				if r.Total != 300 {
					errs <- fmt.Errorf("total %d during swap", r.Total)
					return
				}
			}
		}()
	}
	var last int
	if err := idx.Rebuild(ctx, 7, itemsSource(second), func(done int) { last = done }); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if last != 300 {
		t.Errorf("progress ended at %d", last)
	}
	if r := mustSearch(t, idx, Query{Text: "thu tuc moi"}); r.Hits[0].Question != "Thủ tục mới 1" && !strings.Contains(r.Hits[0].Question, "mới") {
		t.Errorf("not swapped: %q", r.Hits[0].Question)
	}
	if c, _ := idx.Cursor(); c != 7 {
		t.Errorf("cursor after rebuild = %d", c)
	}
	ents, _ := os.ReadDir(filepath.Dir(idx.Dir()))
	for _, e := range ents {
		if e.IsDir() && e.Name() != "idx" {
			t.Errorf("left over folder %s", e.Name())
		}
	}
}

func TestRebuildStandaloneAndHandOver(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	items := []Item{faq(1, "Đăng ký kết hôn", "x"), faq(2, "Khai sinh", "y")}
	// No process holds the folder: Rebuild swaps it in itself.
	idx, err := Rebuild(ctx, dir, 3, itemsSource(items), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := idx.DocCount(); n != 2 {
		t.Errorf("DocCount %d", n)
	}
	// Now idx holds it, as a server would: the rebuild is handed over.
	_, err = Rebuild(ctx, dir, 9, itemsSource(items[:1]), nil, Options{})
	if !errors.Is(err, ErrHandedOver) {
		t.Fatalf("Rebuild next to a holder: %v", err)
	}
	ok, err := idx.AdoptPending()
	if err != nil || !ok {
		t.Fatalf("AdoptPending = %v, %v", ok, err)
	}
	if n, _ := idx.DocCount(); n != 1 {
		t.Errorf("DocCount after adoption %d", n)
	}
	if c, _ := idx.Cursor(); c != 9 {
		t.Errorf("cursor after adoption %d", c)
	}
	if ok, _ := idx.AdoptPending(); ok {
		t.Error("adopted twice")
	}
	idx.Close()
}

// A rebuild fills its index without merging and merges it once at the
// end (engine.BulkConfig): every item and the cursor are on disk in one
// segment, and the index is then an ordinary one that merges the
// segments its updates write.
func TestRebuildWritesOneSegment(t *testing.T) {
	for _, tc := range []struct {
		name         string
		items, batch int
	}{
		{"empty", 0, 0},
		{"one batch", 30, 0},
		{"many batches", 1200, 40},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "idx")
			items := synthItems(7, 0, tc.items)
			idx, err := Rebuild(ctx, dir, 42, itemsSource(items), nil, Options{BatchSize: tc.batch})
			if err != nil {
				t.Fatal(err)
			}
			if n := snapshotSegments(t, idx); n > 1 {
				t.Errorf("%d segments after the rebuild, want 1", n)
			}
			// Closed and opened again: nothing was left unwritten.
			if err := idx.Close(); err != nil {
				t.Fatal(err)
			}
			if idx, err = Open(dir, Options{}); err != nil {
				t.Fatal(err)
			}
			if n, _ := idx.DocCount(); n != uint64(tc.items) {
				t.Errorf("DocCount %d, want %d", n, tc.items)
			}
			if c, _ := idx.Cursor(); c != 42 {
				t.Errorf("cursor %d, want 42", c)
			}
			if n := snapshotSegments(t, idx); n > 1 {
				t.Errorf("%d segments when opened again, want 1", n)
			}
			// The build's configuration was not stored with the index:
			// an update is on disk when Upsert returns (with unsafe_batch
			// it would not be, and closing would drop it).
			more := synthItems(8, tc.items, 20)
			for i := 0; i < len(more); i += 10 {
				if err := idx.Upsert(ctx, more[i:i+10]...); err != nil {
					t.Fatal(err)
				}
			}
			if err := idx.Close(); err != nil {
				t.Fatal(err)
			}
			if idx, err = Open(dir, Options{}); err != nil {
				t.Fatal(err)
			}
			defer idx.Close()
			if n, _ := idx.DocCount(); n != uint64(tc.items+len(more)) {
				t.Errorf("DocCount after updates %d, want %d", n, tc.items+len(more))
			}
		})
	}
}
