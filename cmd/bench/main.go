// Command bench measures the service and writes BENCHMARKS.md (`make bench`),
// with SVG charts beside it: each function's cold start under the Lambda
// Runtime Interface Emulator against a hello-world and a bare-SDK floor, and
// its arm64 bootstrap size; warm latency end to end under the emulator;
// DynamoDB requests and on-demand cost per operation and per history entry;
// how a batch's time grows with its operations; the delay from a write to its
// history entry; requests, units and latency of configuration snapshots
// of 100 and 1,000 records; and, from the handler benchmarks' output, CPU time and
// allocations per request. Timings are summarised with benchstat's
// statistics and written in the Go benchmark format too, for
// `go tool benchstat` to compare two runs.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/certhub/examreg/pkg/dev/localenv"
)

func main() {
	out := flag.String("out", "BENCHMARKS.md", "the report to write")
	charts := flag.String("charts", "docs/bench", "the directory to write the charts to, beside the report")
	results := flag.String("results", "bin/bench-results.txt", "the timings in the Go benchmark format, for go tool benchstat")
	handlers := flag.String("handlers", "", "output of the handler benchmarks (go test -bench) to summarise with benchstat")
	flag.Parse()
	if err := run(*out, *charts, *results, *handlers); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// report collects the measurements and the sections of BENCHMARKS.md.
type report struct {
	date, machine string
	load          string // the load averages when the run began (/proc/loadavg)
	samples       []sample
	sections      []string

	// What the opening section and the charts show.
	cold    []coldStart
	warm    []sample // get, list, patch, batch and the bare-SDK floor
	costs   []costCase
	history sample // the delay from a write to its history entry
}

func (r *report) section(title, body string) {
	r.sections = append(r.sections, "## "+title+"\n\n"+strings.TrimSpace(body)+"\n")
	fmt.Fprintf(os.Stderr, "\n== %s\n%s\n", title, strings.TrimSpace(body))
}

func (r *report) add(s sample) sample {
	r.samples = append(r.samples, s)
	return s
}

func run(out, charts, results, handlers string) error {
	start := time.Now()
	ctx := context.Background()
	engine, err := localenv.Start()
	if err != nil {
		return err
	}
	defer engine.Close()
	r := &report{
		date: start.UTC().Format("2006-01-02"),
		machine: fmt.Sprintf("%s, %d cores, %s/%s, %s, moto %s",
			cpuModel(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), motoVersion()),
	}
	// The machine may be shared: its load says how far to trust the timings.
	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		r.load = strings.Join(strings.Fields(string(load))[:3], ", ")
	}
	steps := []struct {
		name string
		fn   func(context.Context, *localenv.Engine, *report) error
	}{
		{"Lambda functions under the emulator", lambdaFunctions},
		{"requests and cost", requestsAndCost},
		{"history delay", historyDelay},
		{"configuration snapshots", configurationSnapshots},
	}
	for _, s := range steps {
		fmt.Fprintf(os.Stderr, "bench: %s (%v so far)\n", s.name, time.Since(start).Round(time.Second))
		if err := s.fn(ctx, engine, r); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	if handlers != "" {
		body, err := handlerSection(handlers)
		if err != nil {
			return err
		}
		r.section("Handler CPU time and allocations", body)
	}
	chartFiles, err := r.drawCharts(charts)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(results), 0o755); err != nil {
		return err
	}
	f, err := os.Create(results)
	if err != nil {
		return err
	}
	err = writeBenchfmt(f, []string{"goos: " + runtime.GOOS, "goarch: " + runtime.GOARCH, "cpu: " + cpuModel(), "pkg: github.com/certhub/examreg/cmd/bench"}, r.samples)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	rel, err := filepath.Rel(filepath.Dir(out), charts)
	if err != nil {
		return err
	}
	return os.WriteFile(out, []byte(r.markdown(time.Since(start), filepath.ToSlash(rel), chartFiles)), 0o644)
}

// handlerSection summarises the handler benchmarks with `go tool benchstat`.
func handlerSection(file string) (string, error) {
	out, err := exec.Command("go", "tool", "benchstat", file).Output()
	if err != nil {
		return "", fmt.Errorf("go tool benchstat %s: %w", file, err)
	}
	return fmt.Sprintf("Each operation end to end through its http.Handler with DynamoDB answered at the HTTP transport\n"+
		"by canned, realistic responses (pkg/api/bench_test.go): no engine and no network, so the figures are\n"+
		"the CPU time and allocations the service spends per request. Beside each operation is its floor,\n"+
		"Benchmark<Op>Floor: the SDK alone making the same DynamoDB calls on the same canned answers, so\n"+
		"the difference is what the service adds to the SDK. HarnessOnly is the request and recorder each\n"+
		"operation's figure includes and its floor's does not. `go tool benchstat` on the output of the\n"+
		"handler benchmarks (median ± 95%% confidence interval over the runs):\n\n```\n%s```", out), nil
}

func (r *report) markdown(took time.Duration, charts string, files chartFiles) string {
	var b strings.Builder
	fmt.Fprintf(&b, `# Benchmarks

Written by `+"`make bench`"+` (`+"`go run ./cmd/bench`"+`) on %s; do not edit by hand.
Machine: %s; load average when the run began: %s; cmd/bench took %v.
The timings are also written in the Go benchmark format to bin/bench-results.txt, so that
`+"`go tool benchstat old.txt new.txt`"+` compares two runs.

`, r.date, r.machine, r.load, took.Round(time.Second))
	b.WriteString(r.glance(charts, files))
	b.WriteString("\n# For maintainers\n\n")
	b.WriteString(strings.ReplaceAll(strings.Join(r.sections, "\n"), "](CHARTS/", "]("+charts+"/"))
	return b.String()
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, line := range strings.Split(string(b), "\n") {
		if name, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
		}
	}
	return "unknown CPU"
}

func motoVersion() string {
	python := os.Getenv("MOTO_PYTHON")
	if python == "" {
		python = "python3"
	}
	out, err := exec.Command(python, "-c", "import moto; print(moto.__version__)").Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(out))
}
