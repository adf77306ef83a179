package main

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// chartFiles are the charts drawn, by what they show: the names of the SVG
// files in the charts directory.
type chartFiles struct {
	coldStart, warm, requests, cost string
}

var (
	functionColor = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	floorColor    = color.RGBA{R: 0xaa, G: 0xaa, B: 0xaa, A: 0xff}
	p99Color      = color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}
)

// drawCharts draws the report's charts as SVG files into dir.
func (r *report) drawCharts(dir string) (chartFiles, error) {
	files := chartFiles{coldStart: "coldstart.svg", warm: "warm.svg", requests: "requests.svg", cost: "cost.svg"}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return files, err
	}
	charts := []struct {
		file string
		draw func() (*plot.Plot, vg.Length, error)
	}{
		{files.coldStart, r.coldStartChart},
		{files.warm, r.warmChart},
		{files.requests, func() (*plot.Plot, vg.Length, error) {
			return r.costChart("DynamoDB requests per operation", "DynamoDB requests per API request (or per history entry)",
				func(c costCase) float64 { return float64(c.got) })
		}},
		{files.cost, func() (*plot.Plot, vg.Length, error) {
			return r.costChart("DynamoDB on-demand cost per million requests (us-east-1)", "US dollars per million requests",
				costCase.dollars)
		}},
	}
	for _, c := range charts {
		p, height, err := c.draw()
		if err != nil {
			return files, fmt.Errorf("%s: %w", c.file, err)
		}
		if err := p.Save(18*vg.Centimeter, height, filepath.Join(dir, c.file)); err != nil {
			return files, err
		}
	}
	return files, nil
}

// newPlot is a plot whose title says what it shows and the run's date and
// machine.
func (r *report) newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title + "\n" + r.date + ", " + r.machine
	p.Title.Padding = 4 * vg.Millimeter
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Legend.Top = true
	return p
}

// horizontalBars adds one bar chart per colour: values[i] is drawn in the
// colour of its group, names[i] on the Y axis, from the top.
func horizontalBars(p *plot.Plot, names []string, values []float64, group []int, legends []string, colors []color.Color) error {
	n := len(names)
	for g, c := range colors {
		vs := make(plotter.Values, n)
		for i := range n {
			if group[i] == g {
				vs[n-1-i] = values[i] // the first name at the top
			}
		}
		bars, err := plotter.NewBarChart(vs, 10)
		if err != nil {
			return err
		}
		bars.Horizontal = true
		bars.Color = c
		bars.LineStyle.Width = 0
		p.Add(bars)
		if legends[g] != "" {
			p.Legend.Add(legends[g], bars)
		}
	}
	reversed := slices.Clone(names)
	slices.Reverse(reversed)
	p.NominalY(reversed...)
	// Room on the right for the legend, at the top.
	p.X.Min, p.X.Max = 0, slices.Max(values)*1.25
	return nil
}

func (r *report) coldStartChart() (*plot.Plot, vg.Length, error) {
	p := r.newPlot(fmt.Sprintf("Cold start under the Lambda emulator (median of %d)", coldStarts), "time from process start to first answer (ms)", "function")
	var names []string
	var values []float64
	var group []int
	for _, c := range r.cold {
		name, g := c.function, 0
		switch c.function {
		case helloWorld:
			name, g = "floor: hello-world", 1
		case bareSDK:
			name, g = "floor: bare SDK", 1
		}
		names, values, group = append(names, name), append(values, msf(c.median())), append(group, g)
	}
	if err := horizontalBars(p, names, values, group, []string{"function", "floor"}, []color.Color{functionColor, floorColor}); err != nil {
		return nil, 0, err
	}
	return p, vg.Length(len(names))*14 + 90, nil
}

func (r *report) warmChart() (*plot.Plot, vg.Length, error) {
	p := r.newPlot("Warm latency under the Lambda emulator, end to end", "function", "latency (ms)")
	var names []string
	var median, p99 plotter.Values
	for _, s := range r.warm {
		name := s.name[len("Warm/function="):]
		if name == bareSDK {
			name = "floor: bare SDK GetItem"
		}
		names = append(names, name)
		median, p99 = append(median, msf(s.median())), append(p99, msf(s.quantile(0.99)))
	}
	const width = 18
	for i, series := range []struct {
		name   string
		values plotter.Values
		color  color.Color
	}{{"median", median, functionColor}, {"p99", p99, p99Color}} {
		bars, err := plotter.NewBarChart(series.values, width)
		if err != nil {
			return nil, 0, err
		}
		bars.Color = series.color
		bars.LineStyle.Width = 0
		bars.Offset = vg.Length(2*i-1) * width / 2
		p.Add(bars)
		p.Legend.Add(series.name, bars)
	}
	p.NominalX(names...)
	p.Y.Min, p.Y.Max = 0, slices.Max(p99)*1.15
	return p, 10 * vg.Centimeter, nil
}

// costChart draws one figure of each requests-and-cost case.
func (r *report) costChart(title, x string, value func(costCase) float64) (*plot.Plot, vg.Length, error) {
	p := r.newPlot(title, x, "operation")
	var names []string
	var values []float64
	var group []int
	for _, c := range r.costs {
		names, values, group = append(names, c.op), append(values, value(c)), append(group, 0)
	}
	if err := horizontalBars(p, names, values, group, []string{""}, []color.Color{functionColor}); err != nil {
		return nil, 0, err
	}
	return p, vg.Length(len(names))*14 + 90, nil
}
