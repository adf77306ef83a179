// Command bench measures the service and writes BENCHMARKS.md (`make bench`):
// the handlers' CPU time and allocations against their floors (from the
// output of the handler benchmarks), DynamoDB requests and on-demand cost per
// operation and per history entry, the delay from a write to its history
// entry, cold start under the Lambda Runtime Interface Emulator against a
// hello-world function, binary sizes and what each dependency costs, warm
// overhead against a bare SDK call, batch concurrency behind a delaying
// proxy, and behaviour at scale. Every target is a count or a ratio of two
// things measured in the same run, so it holds on a busy machine.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/certhub/examreg/pkg/dev/localenv"
)

func main() {
	out := flag.String("out", "BENCHMARKS.md", "the report to write")
	handlers := flag.String("handlers", "", "output of the handler benchmarks (go test -bench) to include")
	flag.Parse()
	if err := run(*out, *handlers); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// report collects the sections of BENCHMARKS.md.
type report struct {
	sections []string
	verdicts []string
	// handlersTook is the time the handler benchmarks took, before this run.
	handlersTook time.Duration
}

func (r *report) section(title, body string) {
	r.sections = append(r.sections, "## "+title+"\n\n"+strings.TrimSpace(body)+"\n")
	fmt.Fprintf(os.Stderr, "\n== %s\n%s\n", title, strings.TrimSpace(body))
}

// verdict records a target: met or not, with the figure.
func (r *report) verdict(target string, met bool, figure string) {
	mark := "met"
	if !met {
		mark = "NOT MET"
	}
	r.verdicts = append(r.verdicts, fmt.Sprintf("| %s | %s | %s |", target, figure, mark))
}

// figure records a measurement the Targets table shows without a target.
func (r *report) figure(what, figure string) {
	r.verdicts = append(r.verdicts, fmt.Sprintf("| %s | %s | no target |", what, figure))
}

func run(out, handlers string) error {
	start := time.Now()
	ctx := context.Background()
	engine, err := localenv.Start()
	if err != nil {
		return err
	}
	defer engine.Close()
	r := &report{}
	if handlers != "" {
		b, err := os.ReadFile(handlers)
		if err != nil {
			return err
		}
		body, err := handlerSection(string(b), r)
		if err != nil {
			return fmt.Errorf("%s: %w", handlers, err)
		}
		r.section("Handler CPU and allocations against their floors", body)
		r.handlersTook = benchmarksTook(string(b))
	}
	steps := []struct {
		name string
		fn   func(context.Context, *localenv.Engine, *report) error
	}{
		{"requests and cost", requestsAndCost},
		{"history delay", historyDelay},
		{"cold start", coldStart},
		{"warm overhead", warmOverhead},
		{"batch concurrency", batchConcurrency},
		{"scale", scale},
	}
	if only := os.Getenv("BENCH_ONLY"); only != "" { // for working on one measurement
		steps = slices.DeleteFunc(steps, func(s struct {
			name string
			fn   func(context.Context, *localenv.Engine, *report) error
		}) bool {
			return s.name != only
		})
	}
	for _, s := range steps {
		fmt.Fprintf(os.Stderr, "bench: %s (%v so far)\n", s.name, time.Since(start).Round(time.Second))
		if err := s.fn(ctx, engine, r); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return os.WriteFile(out, []byte(r.markdown(time.Since(start))), 0o644)
}

func (r *report) markdown(took time.Duration) string {
	var b strings.Builder
	b.WriteString("# Benchmarks\n\nWritten by `make bench` (`go run ./cmd/bench`); do not edit by hand.\n\n")
	fmt.Fprintf(&b, "Machine: %s, %d cores, %s/%s, %s; DynamoDB engine: moto %s (serialized, see README); run took %v",
		cpuModel(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), motoVersion(), took.Round(time.Second))
	if r.handlersTook > 0 {
		fmt.Fprintf(&b, ", after %v of handler benchmarks", r.handlersTook.Round(time.Second))
	}
	b.WriteString(".\n\n")
	b.WriteString("Every target is a count, or a ratio of two things measured in the same run: absolute times on\n")
	b.WriteString("moto and a shared 2-core machine are not Lambda's, their ratios are what the targets speak of.\n\n")
	b.WriteString("## Targets\n\n| target | measured | |\n|---|---|---|\n")
	b.WriteString(strings.Join(r.verdicts, "\n") + "\n\n")
	b.WriteString(strings.Join(r.sections, "\n"))
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
	out, err := exec.Command(pythonForMoto(), "-c", "import moto; print(moto.__version__)").Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(out))
}

func pythonForMoto() string {
	if p := os.Getenv("MOTO_PYTHON"); p != "" {
		return p
	}
	return "python3"
}
