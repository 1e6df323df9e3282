package app

// chart is a bar chart of /stats, laid out in SVG units; the markup is the
// "chart" template (views/templates/chart.html).
type chart struct {
	ID, Title, Desc string
	Width, Height   int
	// Left and Right bound the grid lines; AxisX is where their values end.
	Left, Right, AxisX int
	Grid               []chartTick
	Groups             []chartGroup
	Legend             []chartLegend
}

// chartTick is a grid line at height Y and its value.
type chartTick struct {
	Y, TextY float64
	Value    int
}

// chartGroup is the bars of one month (or procedure) and its label.
type chartGroup struct {
	Bars  []chartRect
	Label *chartText
}

type chartRect struct {
	Class, Fill, Label  string
	X, Y, Width, Height float64
}

type chartText struct {
	X    float64
	Y    int
	Text string
}

type chartLegend struct {
	X, TextX    float64
	Fill, Label string
}

// svgBar is one bar of a chart.
type svgBar struct {
	Value int
	Class string
	Label string // the bar's tooltip
}

// newChart lays out groups of bars (one group per month), side by side or
// stacked, with a y axis of four steps and a legend.
func newChart(id, title, desc string, groups [][]svgBar, xLabels []string, stacked bool, legend []svgBar) *chart {
	const (
		w, h                    = 720, 280
		left, right, top, below = 44, 10, 34, 28
	)
	maxV := 0
	for _, g := range groups {
		sum := 0
		for _, b := range g {
			if stacked {
				sum += b.Value
			} else {
				maxV = max(maxV, b.Value)
			}
		}
		maxV = max(maxV, sum)
	}
	step := niceStep(maxV)
	top4 := step * 4
	plotH := float64(h - top - below)
	plotW := float64(w - left - right)
	y := func(v int) float64 { return float64(top) + plotH - plotH*float64(v)/float64(top4) }
	ch := &chart{ID: id, Title: title, Desc: desc, Width: w, Height: h, Left: left, Right: w - right, AxisX: left - 6}
	for i := 0; i <= 4; i++ {
		yy := y(step * i)
		ch.Grid = append(ch.Grid, chartTick{Y: yy, TextY: yy + 4, Value: step * i})
	}
	slot := plotW / float64(len(groups))
	for gi, g := range groups {
		x0 := float64(left) + slot*float64(gi)
		inner := slot * 0.7
		bw := inner
		if !stacked && len(g) > 0 {
			bw = inner / float64(len(g))
		}
		var cg chartGroup
		base := 0
		for bi, bar := range g {
			x := x0 + slot*0.15
			var yTop, height float64
			if stacked {
				yTop = y(base + bar.Value)
				height = y(base) - yTop
				base += bar.Value
			} else {
				x += bw * float64(bi)
				yTop = y(bar.Value)
				height = y(0) - yTop
			}
			cg.Bars = append(cg.Bars, chartRect{Class: bar.Class, Fill: barColour(bar.Class), Label: bar.Label,
				X: x, Y: yTop, Width: bw - 1, Height: height})
		}
		if gi < len(xLabels) {
			cg.Label = &chartText{X: x0 + slot/2, Y: h - below + 16, Text: xLabels[gi]}
		}
		ch.Groups = append(ch.Groups, cg)
	}
	lx := float64(left)
	for _, l := range legend {
		ch.Legend = append(ch.Legend, chartLegend{X: lx, TextX: lx + 16, Fill: barColour(l.Class), Label: l.Label})
		lx += 24 + 7*float64(len([]rune(l.Label)))
	}
	return ch
}

func barColour(class string) string {
	switch class {
	case "bar-received":
		return "#1f5fa8"
	case "bar-answered", "bar-ontime":
		return "#2e7d4f"
	case "bar-late":
		return "#c0392b"
	}
	return "#888"
}

// niceStep picks a grid step (1, 2 or 5 times a power of ten) so that four
// steps cover maxV.
func niceStep(maxV int) int {
	if maxV <= 4 {
		return 1
	}
	raw := (maxV + 3) / 4
	p := 1
	for p*10 <= raw {
		p *= 10
	}
	for _, m := range []int{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}
