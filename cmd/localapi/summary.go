package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sync"

	"github.com/certhub/examreg/pkg/emf"
)

// summary is a sink for the server's JSON log lines that keeps, per
// operation, what their embedded metrics say (the figures CloudWatch
// extracts on AWS): requests by status class and latencies; and what the
// history writer's lines say. Print writes it when the server stops, so a
// developer sees what a load test did.
type summary struct {
	mu         sync.Mutex
	operations map[string]*operationSummary
	history    map[string]float64 // the history writer's counts, by metric
}

type operationSummary struct {
	byClass   map[string]int
	latencies []float64
}

// Write reads one log line: slog's JSON handler writes each line with one
// Write. A line without metrics counts nothing.
func (s *summary) Write(line []byte) (int, error) {
	values, err := emf.Read(line)
	if err != nil {
		return len(line), nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range values {
		op, perOperation := v.Dimensions["operation"]
		switch {
		case op == "historywriter":
			if s.history == nil {
				s.history = map[string]float64{}
			}
			s.history[v.Name] += v.Value
		case !perOperation:
		case v.Name == "requests" && len(v.Dimensions) == 2:
			s.operation(op).byClass[v.Dimensions["status_class"]] += int(v.Value)
		case v.Name == "latency_ms" && len(v.Dimensions) == 1:
			s.operation(op).latencies = append(s.operation(op).latencies, v.Value)
		}
	}
	return len(line), nil
}

func (s *summary) operation(name string) *operationSummary {
	if s.operations == nil {
		s.operations = map[string]*operationSummary{}
	}
	o, ok := s.operations[name]
	if !ok {
		o = &operationSummary{byClass: map[string]int{}}
		s.operations[name] = o
	}
	return o
}

// Print writes one row per operation that served a request: requests,
// client errors (4xx), server errors (5xx), and the median and 99th
// percentile latency.
func (s *summary) Print(w io.Writer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.operations) == 0 {
		fmt.Fprintln(w, "no requests served")
		return
	}
	const row = "%-15s %8v %6v %6v %8v %8v\n"
	fmt.Fprintf(w, row, "operation", "requests", "4xx", "5xx", "p50 ms", "p99 ms")
	names := make([]string, 0, len(s.operations))
	for name := range s.operations {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		o := s.operations[name]
		requests := 0
		for _, n := range o.byClass {
			requests += n
		}
		slices.Sort(o.latencies)
		fmt.Fprintf(w, row, name, requests, o.byClass["4xx"], o.byClass["5xx"],
			fmt.Sprintf("%.1f", percentile(o.latencies, 0.50)), fmt.Sprintf("%.1f", percentile(o.latencies, 0.99)))
	}
	if s.history != nil {
		fmt.Fprintf(w, "history: %.0f entries written, %.0f records skipped as already written, %.0f failures\n",
			s.history["history_entries_written"], s.history["history_records_skipped"], s.history["history_failures"])
	}
}

// percentile is the nearest-rank percentile p of sorted values.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[max(int(math.Ceil(p*float64(len(sorted))))-1, 0)]
}
