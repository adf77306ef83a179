package main

import (
	"fmt"
	"strings"
)

// handlerSection renders `go test -bench -benchmem` output as a table.
func handlerSection(output string) string {
	var rows []string
	for _, line := range strings.Split(output, "\n") {
		f := strings.Fields(line)
		if len(f) < 8 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := strings.TrimPrefix(f[0], "Benchmark")
		if i := strings.LastIndex(name, "-"); i > 0 {
			name = name[:i]
		}
		rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s |", name, f[2], f[4], f[6]))
	}
	return fmt.Sprintf(`Each operation end to end through its http.Handler (httptest recorder, dev-token check included),
with DynamoDB answered at the HTTP transport by canned responses, so the numbers are the service's own
CPU time and allocations per request (pkg/api/bench_test.go; `+"`go test -short -run '^$' -bench . -benchmem ./pkg/api`"+`).
SDKGetItemOnly is the SDK alone against the same transport: Get minus it is what the service adds.

| benchmark | ns/op | B/op | allocs/op |
|---|---|---|---|
%s`, strings.Join(rows, "\n"))
}
