// Command testreport reads `go test -json` on its standard input and reports
// as the tests run: a line per package as it finishes, a line every
// -every (default 30s) naming the packages still running, the output of
// every failed test, and, last, one line that CI reads:
//
//	N passed, N failed, N skipped
//
// counting top-level tests (and benchmarks), a package that fails outside
// any test (a build error, a TestMain) as one failed. It exits 1 when
// anything failed or nothing ran.
//
//	go test -json ./... | go run ./cmd/testreport
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// event is one line of `go test -json` (see `go doc test2json`).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

// report is what has been read so far.
type report struct {
	mu      sync.Mutex
	out     io.Writer
	running map[string]time.Time // package -> when it started
	done    map[string]int       // package -> top-level tests finished
	output  map[string][]string  // package or package.test -> output, until it ends
	// benchmarks are the package's benchmarks that have started:
	// test2json reports a benchmark's failure, not its success.
	benchmarks                map[string]map[string]bool
	passed, failures, skipped int
	failedPackages            map[string]bool
}

func main() {
	every := flag.Duration("every", 30*time.Second, "how often to name the packages still running")
	flag.Parse()
	r := &report{out: os.Stdout, running: map[string]time.Time{}, done: map[string]int{}, benchmarks: map[string]map[string]bool{}, output: map[string][]string{}, failedPackages: map[string]bool{}}
	tick := time.NewTicker(*every)
	defer tick.Stop()
	go func() {
		for range tick.C {
			r.progress()
		}
	}()
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<26)
	events := 0
	for in.Scan() {
		var e event
		if err := json.Unmarshal(in.Bytes(), &e); err != nil || e.Action == "" {
			fmt.Fprintln(r.out, in.Text()) // not an event: go test's own messages
			continue
		}
		events++
		r.add(e)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	summary := fmt.Sprintf("%d passed, %d failed", r.passed, r.failures)
	if r.skipped > 0 {
		summary += fmt.Sprintf(", %d skipped", r.skipped)
	}
	if len(r.failedPackages) > 0 {
		fmt.Fprintln(r.out, "failed:", strings.Join(slices.Sorted(maps.Keys(r.failedPackages)), " "))
	}
	fmt.Fprintln(r.out, summary)
	if r.failures > 0 || events == 0 {
		os.Exit(1)
	}
}

func (r *report) add(e event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	// Output is kept per top-level test, subtests' included, in the order
	// it came, until the test ends: printed if it failed.
	key := e.Package
	if e.Test != "" {
		key += "." + strings.SplitN(e.Test, "/", 2)[0]
	}
	switch {
	case e.Action == "build-output": // a compiler's message
		fmt.Fprint(r.out, e.Output)
	case e.Action == "start":
		r.running[e.Package] = time.Now()
		r.done[e.Package] = 0
		r.benchmarks[e.Package] = map[string]bool{}
	case e.Action == "run" && strings.HasPrefix(e.Test, "Benchmark") && !strings.Contains(e.Test, "/"):
		r.benchmarks[e.Package][e.Test] = true
	case e.Action == "output":
		r.output[key] = append(r.output[key], e.Output)
	case e.Test == "" && (e.Action == "pass" || e.Action == "fail" || e.Action == "skip"):
		r.finish(e)
	case strings.Contains(e.Test, "/"): // a subtest: counted with its test
	case e.Action == "pass":
		r.passed++
		r.endTest(e, key)
	case e.Action == "skip":
		r.skipped++
		r.endTest(e, key)
	case e.Action == "fail":
		r.failures++
		r.failedPackages[e.Package] = true
		fmt.Fprint(r.out, strings.Join(r.output[key], ""))
		r.endTest(e, key)
	}
}

func (r *report) endTest(e event, key string) {
	r.done[e.Package]++
	delete(r.benchmarks[e.Package], e.Test)
	delete(r.output, key)
}

// finish reports a package that has ended.
func (r *report) finish(e event) {
	delete(r.running, e.Package)
	// Every benchmark that started and did not fail passed.
	r.passed += len(r.benchmarks[e.Package])
	r.done[e.Package] += len(r.benchmarks[e.Package])
	switch {
	case e.Action == "skip": // no test files
	case e.Action == "fail" && !r.failedPackages[e.Package]:
		// Failed outside any test: count it, and show why.
		r.failures++
		r.failedPackages[e.Package] = true
		fmt.Fprintf(r.out, "FAIL %s (%.1fs), outside any test:\n%s", e.Package, e.Elapsed, strings.Join(r.output[e.Package], ""))
	default:
		status := "ok  "
		if e.Action == "fail" {
			status = "FAIL"
		}
		fmt.Fprintf(r.out, "%s %s (%.1fs, %s)\n", status, e.Package, e.Elapsed, tests(r.done[e.Package]))
	}
	for key := range r.output {
		if key == e.Package || strings.HasPrefix(key, e.Package+".") {
			delete(r.output, key)
		}
	}
}

// progress names the packages still running.
func (r *report) progress() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.running) == 0 {
		return
	}
	var names []string
	for _, pkg := range slices.Sorted(maps.Keys(r.running)) {
		names = append(names, fmt.Sprintf("%s (%ds, %s done)", pkg, int(time.Since(r.running[pkg]).Seconds()), tests(r.done[pkg])))
	}
	fmt.Fprintln(r.out, "running:", strings.Join(names, ", "))
}

func tests(n int) string {
	if n == 1 {
		return "1 test"
	}
	return fmt.Sprint(n, " tests")
}
