package search

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Synthetic Vietnamese items, recombined from phrases written for the
// benchmark (the shared corpus is not used here).
var (
	benchSubjects = []string{"Tôi", "Gia đình tôi", "Vợ chồng tôi", "Con tôi", "Cha tôi", "Mẹ tôi", "Công ty tôi", "Hộ kinh doanh của tôi", "Bà nội tôi", "Người dân ấp tôi"}
	benchActions  = []string{"muốn làm thủ tục", "cần xin cấp lại", "đã nộp hồ sơ", "muốn đăng ký", "bị từ chối giải quyết", "chưa nhận được kết quả", "muốn hỏi về", "cần điều chỉnh", "muốn chuyển đổi", "phản ánh về"}
	benchObjects  = []string{"giấy khai sinh", "thẻ căn cước", "sổ đỏ", "giấy phép xây dựng", "đăng ký tạm trú", "đăng ký thường trú", "giấy phép lái xe", "bảo hiểm y tế", "bảo hiểm xã hội một lần", "trợ cấp thất nghiệp", "mã số thuế", "hộ kinh doanh", "giấy chứng nhận kết hôn", "phiếu lý lịch tư pháp", "chuyển mục đích sử dụng đất", "tách thửa đất", "thu gom rác thải", "ô nhiễm tiếng ồn", "đường bị ngập", "học phí", "chuyển trường", "tiêm chủng", "giấy chứng nhận an toàn thực phẩm", "kiểm dịch động vật", "chứng thực bản sao"}
	benchPlaces   = []string{"xã Mỹ Yên", "huyện Bến Lức", "thành phố Tân An", "huyện Đức Hòa", "thị trấn Cần Giuộc", "huyện Châu Thành", "xã Long Hậu", "phường 4", "thị trấn Hậu Nghĩa", "huyện Thủ Thừa"}
	benchTails    = []string{"thì phải làm sao?", "hồ sơ gồm những gì?", "nộp ở đâu và mất bao lâu?", "có mất phí không?", "có bị phạt không?", "cơ quan nào giải quyết?", "thời hạn là bao lâu?", "có làm trực tuyến được không?"}
	benchAnswers  = []string{"Theo quy định hiện hành, hồ sơ nộp tại Bộ phận tiếp nhận và trả kết quả của Ủy ban nhân dân cấp xã.", "Thời hạn giải quyết là 05 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ.", "Công dân có thể nộp trực tuyến qua Cổng dịch vụ công quốc gia hoặc ứng dụng VNeID.", "Lệ phí được miễn đối với hộ nghèo, người có công với cách mạng.", "Trường hợp hồ sơ chưa đầy đủ, cán bộ tiếp nhận hướng dẫn bổ sung một lần bằng văn bản.", "Cơ quan có thẩm quyền kiểm tra thực tế và trả lời trong thời hạn luật định.", "Đề nghị ông bà liên hệ Văn phòng đăng ký đất đai để được hướng dẫn cụ thể.", "Việc xử phạt vi phạm hành chính thực hiện theo nghị định của Chính phủ."}
	benchUnits    = []string{"STNMT", "SXD", "SGTVT", "SYT", "SGDDT", "CA", "BEN-LUC", "DUC-HOA", "TAN-AN", "CAN-GIUOC"}
	benchCats     = []string{"CT", "HT", "CC", "DD", "XD", "MT", "GT", "YT", "GD", "LD", "BHXH", "THUE", "DKKD", "NN", "TP"}
)

func pick(r *rand.Rand, s []string) string { return s[r.IntN(len(s))] }

func synthItem(r *rand.Rand, n int) Item {
	q := fmt.Sprintf("%s ở %s %s %s, %s", pick(r, benchSubjects), pick(r, benchPlaces), pick(r, benchActions), pick(r, benchObjects), pick(r, benchTails))
	var a strings.Builder
	for k := 0; k < 3+r.IntN(4); k++ {
		a.WriteString(pick(r, benchAnswers))
		a.WriteString(" Về ")
		a.WriteString(pick(r, benchObjects))
		a.WriteString(": ")
	}
	typ := "faq"
	if n%3 == 0 {
		typ = "answer"
	}
	return Item{ID: fmt.Sprintf("%s-%d", typ, n), Type: typ, Title: pick(r, benchObjects), Question: q, Answer: a.String(),
		Category: pick(r, benchCats), CategoryName: "Lĩnh vực", Unit: pick(r, benchUnits), UnitName: "Đơn vị", Level: "district",
		PublishedAt: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Minute), URL: fmt.Sprintf("/qa/%d", n), Version: 1}
}

func synthItems(seed uint64, from, n int) []Item {
	r := rand.New(rand.NewPCG(seed, uint64(from)))
	out := make([]Item, n)
	for i := range out {
		out[i] = synthItem(r, from+i)
	}
	return out
}

const benchBatch = 5000 // items per Upsert call (split into batches of Options.BatchSize)

func BenchmarkIndexBatch(b *testing.B) {
	idx, err := Open(filepath.Join(b.TempDir(), "idx"), Options{BatchSize: envInt("PAKN_BENCH_BATCH", 0)})
	if err != nil {
		b.Fatal(err)
	}
	defer idx.Close()
	batches := make([][]Item, b.N)
	for i := range batches {
		batches[i] = synthItems(1, i*benchBatch, benchBatch)
	}
	b.ResetTimer()
	start, cpu := time.Now(), processCPU()
	for i := 0; i < b.N; i++ {
		if err := idx.Upsert(context.Background(), batches[i]...); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*benchBatch)/time.Since(start).Seconds(), "items/s")
	// CPU seconds per 100,000 items: the steadier figure on a shared machine.
	b.ReportMetric((processCPU()-cpu).Seconds()*100_000/float64(b.N*benchBatch), "cpu-s/100k")
}

var benchCorpus = envInt("PAKN_BENCH_ITEMS", 100_000)

var bench100k struct {
	once sync.Once
	idx  *Index
	dir  string
	err  error
	took time.Duration
}

// benchSource yields the benchmark corpus.
func benchSource(yield func(Item) error) error {
	for from := 0; from < benchCorpus; from += benchBatch {
		for _, it := range synthItems(2, from, benchBatch) {
			if err := yield(it); err != nil {
				return err
			}
		}
	}
	return nil
}

// benchOptions: uncached, so that every query runs; PAKN_SEARCH_EXECUTOR=off
// measures bleve's own searchers on the same index.
func benchOptions() Options {
	return Options{BatchSize: benchBatch, CacheSize: -1, BleveOnly: os.Getenv("PAKN_SEARCH_EXECUTOR") == "off"}
}

// index100k builds the 100,000-item index once per process.
func index100k(b *testing.B) *Index {
	bench100k.once.Do(func() {
		// PAKN_BENCH_INDEX keeps the built index in a folder and reuses it
		// (quicker iterations on the query side).
		if keep := os.Getenv("PAKN_BENCH_INDEX"); keep != "" {
			if _, err := os.Stat(keep); err == nil {
				bench100k.idx, bench100k.err = Open(keep, benchOptions())
				if bench100k.err == nil && bench100k.idx.Rebuilt() {
					bench100k.err = fmt.Errorf("%s: not an index of this version", keep)
				}
				return
			}
			start := time.Now()
			bench100k.idx, bench100k.err = Rebuild(context.Background(), keep, 0, benchSource, nil, benchOptions())
			bench100k.took = time.Since(start)
			return
		}
		dir, err := os.MkdirTemp("", "pakn-bench-*")
		if err != nil {
			bench100k.err = err
			return
		}
		bench100k.dir = dir
		start := time.Now()
		bench100k.idx, bench100k.err = Rebuild(context.Background(), filepath.Join(dir, "idx"), 0, benchSource, nil, benchOptions())
		bench100k.took = time.Since(start)
	})
	if bench100k.err != nil {
		b.Fatal(bench100k.err)
	}
	files, mem := bench100k.idx.Segments()
	b.Logf("segments: %d files, %d in memory", files, mem)
	b.Logf("100k index built in %v (%.0f items/s)", bench100k.took, float64(benchCorpus)/bench100k.took.Seconds())
	return bench100k.idx
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bench100k.idx != nil {
		bench100k.idx.Close()
		os.RemoveAll(bench100k.dir)
	}
	os.Exit(code)
}

var benchQueries = []string{
	"lam lai giay khai sinh", "so do", "giấy phép xây dựng nhà ở", "dang ky tam tru o ben luc", "cccd", "bang lai xe het han",
	"bảo hiểm xã hội một lần", "tro cap that nghiep nop o dau", "mst", "ho kinh doanh co mat phi khong", "ô nhiễm tiếng ồn ban đêm",
	"chuyen muc dich su dung dat", "thu gom rac", "hoc phi", "ly lich tu phap truc tuyen", "tiem chung cho be",
	"giay chung nhan an toan thuc pham", "tach thua", "chung thuc ban sao", "duong bi ngap o tan an",
}

func reportLatencies(b *testing.B, lat []time.Duration) {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	q := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
}

func BenchmarkSearch(b *testing.B)         { benchSearch(b, 0, Query{}) }
func BenchmarkSearchNoFacets(b *testing.B) { benchSearch(b, 0, Query{NoFacets: true}) }

// BenchmarkSearchBroad is the query before the strict phase (for comparison).
func BenchmarkSearchBroad(b *testing.B) { benchSearch(b, -1, Query{}) }

func BenchmarkSearchParallel(b *testing.B)      { benchSearchParallel(b, 0) }
func BenchmarkSearchBroadParallel(b *testing.B) { benchSearchParallel(b, -1) }

func benchSearch(b *testing.B, strictMin int, base Query) {
	idx := index100k(b)
	idx.opts.StrictMinHits = strictMin
	defer func() { idx.opts.StrictMinHits = 0 }()
	lat := make([]time.Duration, 0, b.N)
	strict := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q := base
		q.Text = benchQueries[i%len(benchQueries)]
		t0 := time.Now()
		res, err := idx.Search(context.Background(), q)
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
		if res.Strict {
			strict++
		}
		if i < len(benchQueries) && os.Getenv("PAKN_BENCH_VERBOSE") != "" {
			b.Logf("%-40q total=%6d strict=%v %v", q.Text, res.Total, res.Strict, lat[i])
		}
	}
	reportLatencies(b, lat)
	b.ReportMetric(float64(strict)/float64(b.N), "strict-share")
}

// benchSearchParallel runs 16 concurrent searchers (8 per core on this
// 2-core machine), the load of the HTTP test.
func benchSearchParallel(b *testing.B, strictMin int) {
	idx := index100k(b)
	idx.opts.StrictMinHits = strictMin
	defer func() { idx.opts.StrictMinHits = 0 }()
	var mu sync.Mutex
	lat := make([]time.Duration, 0, b.N)
	b.SetParallelism(16 / max(1, runtimeProcs()))
	start := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		i := 0
		for pb.Next() {
			t0 := time.Now()
			if _, err := idx.Search(context.Background(), Query{Text: benchQueries[i%len(benchQueries)]}); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(t0))
			i++
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	reportLatencies(b, lat)
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "queries/s")
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }

// envInt lets a quick run use a smaller corpus (PAKN_BENCH_ITEMS=20000).
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkDocumentBuild is the document builder alone (one op = one
// item), the part of indexing done before bleve builds the segment.
func BenchmarkDocumentBuild(b *testing.B) {
	docs, err := newDocBuilder(newMapping())
	if err != nil {
		b.Fatal(err)
	}
	items := synthItems(1, 0, 1000)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	for i := 0; i < b.N; i++ {
		docs.build(items[i%len(items)])
	}
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
}
