package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aclements/go-moremath/stats"
	"golang.org/x/perf/benchmath"
)

// sample is the timings of one measurement, summarised with benchstat's
// statistics (golang.org/x/perf/benchmath): the median with its 95%
// confidence interval, assuming nothing of the distribution, and quantiles
// from go-moremath, on which benchmath is built.
type sample struct {
	// name is the measurement's Go benchmark name, such as
	// "ColdStart/function=get".
	name string
	s    *benchmath.Sample
}

func newSample(name string, timings []time.Duration) sample {
	values := make([]float64, len(timings))
	for i, d := range timings {
		values[i] = float64(d.Nanoseconds())
	}
	return sample{name: name, s: benchmath.NewSample(values, &benchmath.DefaultThresholds)}
}

func (s sample) summary() benchmath.Summary { return benchmath.AssumeNothing.Summary(s.s, 0.95) }

func (s sample) median() time.Duration { return time.Duration(s.summary().Center) }

// ci is the 95% confidence interval of the median, as benchstat prints it.
func (s sample) ci() string { return "±" + s.summary().PctRangeString() }

func (s sample) quantile(q float64) time.Duration {
	return time.Duration(stats.Sample{Xs: s.s.Values, Sorted: true}.Quantile(q))
}

func (s sample) min() time.Duration { return time.Duration(s.s.Values[0]) }
func (s sample) max() time.Duration { return time.Duration(s.s.Values[len(s.s.Values)-1]) }

// writeBenchfmt writes the samples in the Go benchmark format, one line per
// timing, so that `go tool benchstat` summarises a run or compares two.
func writeBenchfmt(w io.Writer, config []string, samples []sample) error {
	var b strings.Builder
	for _, c := range config {
		b.WriteString(c + "\n")
	}
	for _, s := range samples {
		for _, v := range s.s.Values {
			fmt.Fprintf(&b, "Benchmark%s 1 %.0f ns/op\n", s.name, v)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", msf(d)) }

func msf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func wholeMS(d time.Duration) string { return fmt.Sprintf("%d ms", d.Milliseconds()) }
