package app

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/gofiber/template/html/v2"

	"pakn/views"
)

// chartCases are fixed figures for the charts of /stats: months side by
// side and stacked, procedures with names that need escaping, a year with
// nothing, and fewer labels than groups.
type chartCase struct {
	id, title, desc string
	groups          [][]svgBar
	labels          []string
	stacked         bool
	legend          []svgBar
}

func chartCases() map[string]chartCase {
	months := make([]string, 12)
	side := make([][]svgBar, 12)
	stacked := make([][]svgBar, 12)
	for i := range months {
		months[i] = fmt.Sprintf("Th%d", i+1)
		side[i] = []svgBar{
			{i * 7 % 23, "bar-received", fmt.Sprintf("%s · Nhận: %d", months[i], i*7%23)},
			{i * 5 % 17, "bar-answered", fmt.Sprintf("%s · Trả lời: %d", months[i], i*5%17)},
		}
		stacked[i] = []svgBar{
			{i * 130 % 411, "bar-ontime", fmt.Sprintf("%s · Đúng hạn: %d", months[i], i*130%411)},
			{i * 17 % 90, "bar-late", fmt.Sprintf("%s · Trễ hạn: %d", months[i], i*17%90)},
		}
	}
	procs := [][]svgBar{
		{{1204, "bar-received", `1.001 — Cấp "giấy" <phép> & 'xây dựng'`}, {800, "bar-ontime", "đúng hạn"}, {3, "bar-late", "trễ"}},
		{{12, "bar-received", "2.002"}, {0, "bar-ontime", "0"}, {12, "bar-late", "12"}},
		{{5, "bar-received", "3.003 + 3.004"}, {4, "bar-ontime", "4"}, {1, "bar-late", "1"}},
	}
	legend3 := []svgBar{{Class: "bar-received", Label: "Nhận"}, {Class: "bar-ontime", Label: "Đúng hạn"}, {Class: "bar-late", Label: "Trễ hạn"}}
	return map[string]chartCase{
		"volume": {"chart-volume", "Nhận và trả lời theo tháng, năm 2026", "Biểu đồ cột: năm 2026 có 120 nhận & 80 trả lời.",
			side, months, false, []svgBar{{Class: "bar-received", Label: "Nhận"}, {Class: "bar-answered", Label: "Trả lời"}}},
		"timeliness": {"chart-timeliness", "Đúng hạn và trễ hạn", `Biểu đồ cột chồng "2026"`,
			stacked, months, true, []svgBar{{Class: "bar-ontime", Label: "Đúng hạn"}, {Class: "bar-late", Label: "Trễ hạn"}}},
		"procedures": {"chart-procedures", "3 thủ tục <nhiều> nhất", "Nhiều nhất là 1.001 với 1204 phản ánh.",
			procs, []string{"1.001", "2.002", "<3.003>"}, false, legend3},
		"empty": {"chart-volume", "Năm 2020", "Không có phản ánh.",
			[][]svgBar{{{0, "bar-received", "0"}, {0, "bar-answered", "0"}}, {{0, "bar-received", "0"}, {0, "bar-answered", "0"}}}, []string{"Th1", "Th2"}, false, nil},
		"fewer-labels": {"chart-x", "x", "y",
			[][]svgBar{{{3, "bar-received", "a"}}, {}, {{9, "other", "b"}}}, []string{"A"}, true, legend3[:1]},
	}
}

// renderChart renders a chart with the "chart" template, through the same
// engine as the pages.
func renderChart(t *testing.T, ch *chart) string {
	t.Helper()
	s, err := New(Deps{Config: Config{BaseURL: "http://127.0.0.1:8080", Secret: []byte("test-secret-0123456789abcdef-0123")}})
	if err != nil {
		t.Fatal(err)
	}
	engine := html.NewFileSystem(http.FS(views.Templates()), ".html")
	engine.AddFuncMap(s.templateFuncs())
	if err := engine.Load(); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := engine.Render(&b, "chart", ch); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestChartTemplate: the charts drawn for fixed figures are the golden
// files (testdata/charts/*.svg), which were the old fmt.Fprintf code's
// output byte for byte, but for html/template writing + as &#43;.
// PAKN_UPDATE_GOLDEN=1 rewrites them after a deliberate change.
func TestChartTemplate(t *testing.T) {
	for name, c := range chartCases() {
		t.Run(name, func(t *testing.T) {
			got := renderChart(t, newChart(c.id, c.title, c.desc, c.groups, c.labels, c.stacked, c.legend))
			golden := filepath.Join("testdata", "charts", name+".svg")
			if os.Getenv("PAKN_UPDATE_GOLDEN") == "1" {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("chart differs from %s:\n got %s\nwant %s", golden, got, want)
			}
		})
	}
}
