package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// floorTarget is the most an operation may cost over its floor, in time and
// in allocations.
const floorTarget = 1.5

// benchResult is what one benchmark reported, one sample per run.
type benchResult struct {
	iterations                []float64
	nsPerOp, bytesOp, allocOp []float64
}

// parseBenchmarks reads `go test -bench -benchmem` output, however many runs
// it holds, into the samples of each benchmark, by name (the -<GOMAXPROCS>
// suffix dropped), in the order the benchmarks first appear.
func parseBenchmarks(output string) (names []string, results map[string]*benchResult) {
	results = map[string]*benchResult{}
	for _, line := range strings.Split(output, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := strings.TrimPrefix(f[0], "Benchmark")
		if i := strings.LastIndex(name, "-"); i > 0 {
			name = name[:i]
		}
		n, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			continue
		}
		res := results[name]
		if res == nil {
			res = &benchResult{}
			results[name] = res
			names = append(names, name)
		}
		res.iterations = append(res.iterations, n)
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				res.nsPerOp = append(res.nsPerOp, v)
			case "B/op":
				res.bytesOp = append(res.bytesOp, v)
			case "allocs/op":
				res.allocOp = append(res.allocOp, v)
			}
		}
	}
	return names, results
}

// benchmarksTook is the time the runs in `go test -bench` output took, from
// their "ok <package> <time>" lines.
func benchmarksTook(output string) time.Duration {
	var took time.Duration
	for _, line := range strings.Split(output, "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "ok" {
			if d, err := time.ParseDuration(f[2]); err == nil {
				took += d
			}
		}
	}
	return took
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// handlerSection renders the handler benchmarks: every operation beside its
// floor (medians of the runs) with their ratios, and a verdict per operation.
func handlerSection(output string, r *report) (string, error) {
	names, results := parseBenchmarks(output)
	var rows []string
	runs := 0
	for _, name := range names {
		op, floor := results[name], results[name+"Floor"]
		if floor == nil {
			continue
		}
		runs = max(runs, len(op.nsPerOp))
		ns, fns := median(op.nsPerOp), median(floor.nsPerOp)
		allocs, fallocs := median(op.allocOp), median(floor.allocOp)
		timeRatio, allocRatio := ns/fns, allocs/fallocs
		rows = append(rows, fmt.Sprintf("| %s | %.0f | %.0f | **%.2f×** | %.0f | %.0f | %.0f | %.0f | **%.2f×** |",
			name, ns, fns, timeRatio, median(op.bytesOp), median(floor.bytesOp), allocs, fallocs, allocRatio))
		r.verdict(fmt.Sprintf("%s within %.1f× its floor", name, floorTarget), timeRatio <= floorTarget && allocRatio <= floorTarget,
			fmt.Sprintf("%.2f× time, %.2f× allocs", timeRatio, allocRatio))
	}
	if rows == nil {
		return "", fmt.Errorf("no Benchmark<Op> with a Benchmark<Op>Floor in the handler benchmarks' output")
	}
	harness := "not measured"
	if h := results["HarnessOnly"]; h != nil {
		harness = fmt.Sprintf("%.0f ns, %.0f B and %.0f allocations per request", median(h.nsPerOp), median(h.bytesOp), median(h.allocOp))
	}
	iterations := 0.0
	if res := results[names[0]]; len(res.iterations) > 0 {
		iterations = res.iterations[0]
	}
	return fmt.Sprintf(`Each operation end to end through its http.Handler, with DynamoDB answered at the HTTP transport by
canned, realistic responses: no engine and no network, so the figures are CPU time and allocations per
request (pkg/api/bench_test.go). The front door is as on Lambda: the claims as API Gateway's JWT
authorizer hands them over, so no token is verified here (on AWS the authorizer does that before the
function runs). Beside each operation is its floor, Benchmark<Op>Floor: the SDK alone making exactly the
DynamoDB calls the handler made for that request, decoding the same canned answers. The operation's
cost over its floor is what the service adds to the SDK; the target is at most %.1f× the floor
in time and in allocations.

Medians of %d runs of %.0f iterations each. `+"`make bench`"+` runs the whole suite %d times in turn rather than
each benchmark %d times in a row, so that an operation and its floor always run side by side and see
the same load on this shared machine. The harness (a request and an httptest recorder per iteration,
BenchmarkHarnessOnly: %s) is in each operation's figure and not in its floor's.

| operation | ns/op | floor ns/op | time ratio | B/op | floor B/op | allocs/op | floor allocs/op | allocs ratio |
|---|---|---|---|---|---|---|---|---|
%s`, floorTarget, runs, iterations, runs, runs, harness, strings.Join(rows, "\n")), nil
}
