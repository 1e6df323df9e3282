package app

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
)

var jsonStrings = []string{
	"", "plain", "Thủ tục đăng ký thường trú", "Tho\u0302\u0300i", `quote " and \ backslash`,
	"<mark>thủ tục</mark> &amp; a<b>c", "tab\tnew\nline\rcr\bbs\fff\x00\x01\x1f\x7f",
	"line\u2028sep\u2029para", "bad \xff\xfe utf8 \xe1\xba", "emoji 🇻🇳 €", "https://pakn.example/qa/faq-1?x=1&y=2",
}

// The hand-written search answer is byte for byte what encoding/json makes
// of the same value.
func TestSearchJSONMatchesEncodingJSON(t *testing.T) {
	var hits []apiHit
	for i, s := range jsonStrings {
		hits = append(hits, apiHit{ID: "faq-" + s, Ref: s, Type: "faq", Title: s, Question: s + s, Answer: s,
			Category: s, CategoryName: s, Unit: s, UnitName: s, Level: "province", PublishedAt: "2026-11-26T10:00:00+07:00",
			URL: s, Score: []float64{0, 1, 12.345678901234567, 1e-7, 3e21, -2.5, 1e20, 123456789.125, 0.000001, 5e-324, math.MaxFloat64}[i%11],
			Highlights: [][]string{nil, {}, {s, "<mark>a</mark>"}}[i%3]})
	}
	results := []apiSearchResult{
		{},
		{Total: 0, Page: 1, PerPage: 10, Hits: []apiHit{}, Facets: map[string][]apiFacet{}},
		{Total: 123456, Page: 3, PerPage: 20, Hits: hits, Facets: map[string][]apiFacet{
			"unit": {{Term: "so-tp", Count: 3, Name: "Sở Tư pháp"}}, "category": {{Term: "<x>", Count: 1}},
			"type": {{Term: "faq", Count: 7}, {Term: "answer", Count: 2, Name: ""}}, "empty": nil, "none": {},
		}},
	}
	for i, r := range results {
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.appendJSON(nil); string(got) != string(want) {
			t.Errorf("result %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range jsonStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Errorf("%q:\n got %s\nwant %s", s, got, want)
		}
	})
}

func FuzzAppendJSONFloat(f *testing.F) {
	for _, v := range []float64{0, 1, -1, 1e-7, 1e21, 0.1, 123.456, 1e-6, 999999999999999999999.0} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return
		}
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONFloat(nil, v); string(got) != string(want) {
			t.Errorf("%v: got %s, want %s", v, got, want)
		}
	})
}

// BenchmarkSearchJSON writes a search answer the size of the load test's
// (ten hits with long Vietnamese answers and highlighted fragments).
func BenchmarkSearchJSON(b *testing.B) {
	answer := strings.Repeat("Công dân có thể nộp trực tuyến qua Cổng dịch vụ công quốc gia hoặc ứng dụng VNeID. ", 12)
	r := apiSearchResult{Total: 3868, Page: 1, PerPage: 10, Facets: map[string][]apiFacet{
		"category": {{Term: "y-te", Count: 3000, Name: "Y tế"}}, "unit": {{Term: "BEN-LUC", Count: 3868, Name: "Ủy ban nhân dân huyện Bến Lức"}}, "type": {{Term: "answer", Count: 3868}}}}
	for i := range 10 {
		r.Hits = append(r.Hits, apiHit{ID: fmt.Sprintf("answer-%d", i), Ref: "load-1", Type: "answer", Title: "Về bảo hiểm y tế tại phường 4",
			Question: "Cha tôi ở xã Tân Bửu phản ánh về bảo hiểm y tế, có mất phí không?", Answer: answer, Category: "y-te", CategoryName: "Y tế",
			Unit: "BEN-LUC", UnitName: "Ủy ban nhân dân huyện Bến Lức", Level: "district", PublishedAt: "2026-10-28T18:47:33+07:00",
			URL: "http://localhost:8080/qa/answer-41662", Score: 0.1871345455793754,
			Highlights: []string{"Cha tôi ở xã Tân Bửu phản ánh về <mark>bảo</mark> <mark>hiểm</mark> <mark>y</mark> <mark>tế</mark>, có mất phí không?", "… nộp trực tuyến qua Cổng <mark>dịch vụ</mark> công …"}})
	}
	for _, enc := range []struct {
		name string
		f    func() []byte
	}{
		{"appendJSON", func() []byte { return r.appendJSON(make([]byte, 0, 16<<10)) }},
		{"encoding-json", func() []byte { out, _ := json.Marshal(r); return out }},
	} {
		b.Run(enc.name, func(b *testing.B) {
			b.SetBytes(int64(len(enc.f())))
			for b.Loop() {
				enc.f()
			}
		})
	}
}
