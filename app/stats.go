package app

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"

	"pakn/models"
)

// statsFilter reads ?year= and ?unit= (a unit code).
func statsFilter(c *fiber.Ctx) models.StatsFilter {
	f := models.StatsFilter{UnitCode: strings.ToUpper(strings.Clone(strings.TrimSpace(c.Query("unit"))))}
	if y, err := strconv.Atoi(c.Query("year")); err == nil && y >= 2000 && y <= 2100 {
		f.Year = y
	}
	return f
}

// statsPage is /stats: the public figures per month and per unit, with
// charts drawn on the server (SVG, no JavaScript) and the same figures as
// tables.
func (s *Server) statsPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	st, err := s.yearStatistics(ctx, statsFilter(c))
	if err != nil {
		return err
	}
	units, err := s.Store.ListUnits(ctx)
	if err != nil {
		return err
	}
	unitCode := ""
	if st.Unit != nil {
		unitCode = st.Unit.Code
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return s.render(c, fiber.StatusOK, "stats", s.t(c, "stats.heading"), fiber.Map{
		"Stats": st, "Units": units, "UnitCode": unitCode,
		"VolumeChart": s.volumeChart(c, st), "TimelinessChart": s.timelinessChart(c, st),
		"MonthNames": s.monthNames(c), "ProcedureChart": s.procedureChart(c, st),
		"TopProcedures": min(len(st.Procedures), topProcedures),
	})
}

func (s *Server) monthNames(c *fiber.Ctx) []string {
	out := make([]string, 12)
	for i := range out {
		out[i] = s.t(c, "stats.month_short", "m", i+1)
	}
	return out
}

func (s *Server) volumeChart(c *fiber.Ctx, st *models.Statistics) *chart {
	names := s.monthNames(c)
	recv, ans := s.t(c, "stats.received"), s.t(c, "stats.answered")
	groups := make([][]svgBar, len(st.Months))
	for i, m := range st.Months {
		groups[i] = []svgBar{
			{m.Received, "bar-received", fmt.Sprintf("%s · %s: %d", names[i], recv, m.Received)},
			{m.Answered, "bar-answered", fmt.Sprintf("%s · %s: %d", names[i], ans, m.Answered)},
		}
	}
	desc := s.t(c, "stats.chart.volume.desc", "received", st.Total.Received, "answered", st.Total.Answered, "year", st.Year)
	return newChart("chart-volume", s.t(c, "stats.chart.volume", "year", st.Year), desc, groups, names, false,
		[]svgBar{{Class: "bar-received", Label: recv}, {Class: "bar-answered", Label: ans}})
}

func (s *Server) timelinessChart(c *fiber.Ctx, st *models.Statistics) *chart {
	names := s.monthNames(c)
	on, late := s.t(c, "stats.on_time"), s.t(c, "stats.late")
	groups := make([][]svgBar, len(st.Months))
	for i, m := range st.Months {
		groups[i] = []svgBar{
			{m.OnTime, "bar-ontime", fmt.Sprintf("%s · %s: %d", names[i], on, m.OnTime)},
			{m.Late, "bar-late", fmt.Sprintf("%s · %s: %d", names[i], late, m.Late)},
		}
	}
	desc := s.t(c, "stats.chart.timeliness.desc", "on_time", st.Total.OnTime, "late", st.Total.Late, "year", st.Year)
	return newChart("chart-timeliness", s.t(c, "stats.chart.timeliness", "year", st.Year), desc, groups, names, true,
		[]svgBar{{Class: "bar-ontime", Label: on}, {Class: "bar-late", Label: late}})
}

// adminStatsXLSX exports the same figures for officials.
func (s *Server) adminStatsXLSX(c *fiber.Ctx) error {
	f := statsFilter(c)
	st, err := s.Store.Statistics(c.UserContext(), f)
	if err != nil {
		return err
	}
	body, err := s.statsWorkbook(c, st)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("pakn-stats-%d", st.Year)
	if st.Unit != nil {
		name += "-" + strings.ToLower(st.Unit.Code)
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`.xlsx"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(body)
}

func (s *Server) statsWorkbook(c *fiber.Ctx, st *models.Statistics) ([]byte, error) {
	x := excelize.NewFile()
	defer x.Close()
	heads := []any{s.t(c, "stats.received"), s.t(c, "stats.answered"), s.t(c, "stats.on_time"),
		s.t(c, "stats.late"), s.t(c, "stats.on_time_rate"), s.t(c, "stats.avg_days"), s.t(c, "stats.overdue_now"), s.t(c, "stats.satisfaction")}
	row := func(r models.StatsRow) []any {
		return []any{r.Received, r.Answered, r.OnTime, r.Late, round1(r.OnTimeRate()), round1(r.AvgHandlingDays()), r.OverdueNow, round1(r.AvgRating())}
	}
	bold, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	write := func(sheet string, first string, lines [][]any) error {
		sw, err := x.NewStreamWriter(sheet)
		if err != nil {
			return err
		}
		if err := sw.SetColWidth(1, 1, 40); err != nil {
			return err
		}
		if err := sw.SetColWidth(2, 8, 16); err != nil {
			return err
		}
		head := []any{excelize.Cell{Value: first, StyleID: bold}}
		for _, h := range heads {
			head = append(head, excelize.Cell{Value: h, StyleID: bold})
		}
		if err := sw.SetRow("A1", head); err != nil {
			return err
		}
		for i, l := range lines {
			cell, _ := excelize.CoordinatesToCellName(1, i+2)
			if err := sw.SetRow(cell, l); err != nil {
				return err
			}
		}
		return sw.Flush()
	}
	months := s.t(c, "stats.sheet.months")
	units := s.t(c, "stats.sheet.units")
	if err := x.SetSheetName("Sheet1", months); err != nil {
		return nil, err
	}
	if _, err := x.NewSheet(units); err != nil {
		return nil, err
	}
	var ml [][]any
	for _, m := range st.Months {
		ml = append(ml, append([]any{fmt.Sprintf("%d-%02d", st.Year, int(m.Month))}, row(m.StatsRow)...))
	}
	ml = append(ml, append([]any{s.t(c, "stats.total")}, row(st.Total)...))
	if err := write(months, s.t(c, "stats.month"), ml); err != nil {
		return nil, fmt.Errorf("stats workbook: %w", err)
	}
	var ul [][]any
	for _, u := range st.Units {
		ul = append(ul, append([]any{u.Unit.Code + " — " + u.Unit.Name}, row(u.StatsRow)...))
	}
	if err := write(units, s.t(c, "stats.unit"), ul); err != nil {
		return nil, fmt.Errorf("stats workbook: %w", err)
	}
	procs := s.t(c, "proc.stats.sheet")
	if _, err := x.NewSheet(procs); err != nil {
		return nil, err
	}
	var pl [][]any
	for _, p := range st.Procedures {
		pl = append(pl, append([]any{procedureLabel(p.Procedure)}, row(p.StatsRow)...))
	}
	if err := write(procs, s.t(c, "proc.stats.procedure"), pl); err != nil {
		return nil, fmt.Errorf("stats workbook: %w", err)
	}
	if err := x.SetDocProps(&excelize.DocProperties{Title: s.t(c, "stats.heading") + " " + strconv.Itoa(st.Year),
		Creator: "PAKN", Created: time.Now().UTC().Format(time.RFC3339)}); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		return nil, fmt.Errorf("stats workbook: %w", err)
	}
	return buf.Bytes(), nil
}

func round1(v float64) float64 { return float64(int(v*10+0.5)) / 10 }

// procedureLabel is "code — name", or the code alone for a code no longer
// in the list.
func procedureLabel(p models.Procedure) string {
	if p.Name == "" {
		return p.Code
	}
	return p.Code + " — " + p.Name
}

// topProcedures is how many procedures the chart on /stats shows.
const topProcedures = 10

// procedureChart draws the procedures that drew the most petitions in the
// year: received, and of the answers given, those on time and late.
func (s *Server) procedureChart(c *fiber.Ctx, st *models.Statistics) *chart {
	top := st.Procedures[:min(len(st.Procedures), topProcedures)]
	if len(top) == 0 {
		return nil
	}
	recv, on, late := s.t(c, "stats.received"), s.t(c, "stats.on_time"), s.t(c, "stats.late")
	groups := make([][]svgBar, len(top))
	labels := make([]string, len(top))
	for i, p := range top {
		name := procedureLabel(p.Procedure)
		labels[i] = p.Procedure.Code
		groups[i] = []svgBar{
			{p.Received, "bar-received", fmt.Sprintf("%s · %s: %d", name, recv, p.Received)},
			{p.OnTime, "bar-ontime", fmt.Sprintf("%s · %s: %d", name, on, p.OnTime)},
			{p.Late, "bar-late", fmt.Sprintf("%s · %s: %d", name, late, p.Late)},
		}
	}
	first := top[0]
	desc := s.t(c, "proc.stats.chart.desc", "n", len(top), "year", st.Year, "first", procedureLabel(first.Procedure), "received", first.Received)
	return newChart("chart-procedures", s.t(c, "proc.stats.chart", "n", len(top), "year", st.Year), desc, groups, labels, false,
		[]svgBar{{Class: "bar-received", Label: recv}, {Class: "bar-ontime", Label: on}, {Class: "bar-late", Label: late}})
}

// statsFiguresJSON are the figures of one row of GET /api/v1/stats.
type statsFiguresJSON struct {
	Received       int      `json:"received"`
	Answered       int      `json:"answered"`
	OnTime         int      `json:"on_time"`
	Late           int      `json:"late"`
	OverdueNow     int      `json:"overdue_now"`
	AvgWorkingDays float64  `json:"avg_working_days"`
	Satisfaction   *float64 `json:"satisfaction"` // null when nobody rated
}

func statsFigures(r models.StatsRow) statsFiguresJSON {
	out := statsFiguresJSON{Received: r.Received, Answered: r.Answered, OnTime: r.OnTime, Late: r.Late,
		OverdueNow: r.OverdueNow, AvgWorkingDays: round1(r.AvgHandlingDays())}
	if r.Ratings > 0 {
		v := round1(r.AvgRating())
		out.Satisfaction = &v
	}
	return out
}

type statsMonthJSON struct {
	Month int `json:"month"`
	statsFiguresJSON
}

type statsNamedJSON struct {
	Code string `json:"code"`
	Name string `json:"name"`
	statsFiguresJSON
}

type statsJSON struct {
	Year int     `json:"year"`
	Unit *string `json:"unit"`
	statsFiguresJSON
	Months     []statsMonthJSON `json:"months"`
	Units      []statsNamedJSON `json:"units"`
	Procedures []statsNamedJSON `json:"procedures"`
}

// apiStats is GET /api/v1/stats?year=&unit=: what /stats shows.
func (s *Server) apiStats(c *fiber.Ctx) error {
	st, err := s.Store.Statistics(c.UserContext(), statsFilter(c))
	if err != nil {
		return err
	}
	out := statsJSON{Year: st.Year, statsFiguresJSON: statsFigures(st.Total),
		Months: make([]statsMonthJSON, 0, len(st.Months)), Units: make([]statsNamedJSON, 0, len(st.Units)),
		Procedures: make([]statsNamedJSON, 0, len(st.Procedures))}
	if st.Unit != nil {
		out.Unit = &st.Unit.Code
	}
	for _, m := range st.Months {
		out.Months = append(out.Months, statsMonthJSON{Month: int(m.Month), statsFiguresJSON: statsFigures(m.StatsRow)})
	}
	for _, u := range st.Units {
		out.Units = append(out.Units, statsNamedJSON{Code: u.Unit.Code, Name: u.Unit.Name, statsFiguresJSON: statsFigures(u.StatsRow)})
	}
	for _, p := range st.Procedures {
		out.Procedures = append(out.Procedures, statsNamedJSON{Code: p.Procedure.Code, Name: p.Procedure.Name, statsFiguresJSON: statsFigures(p.StatsRow)})
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.JSON(out)
}
