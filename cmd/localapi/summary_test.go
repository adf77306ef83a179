package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/dev/bulkload"
	"github.com/certhub/examreg/pkg/dev/devauth"
	"github.com/certhub/examreg/pkg/dev/dynamotest"
)

// TestTheSummaryCountsWhatALoadTestDid: the summary, fed the log lines of
// the API's own handlers over the engine while clients send requests at
// once, counts each operation's requests, 4xx and 5xx, and prints its
// latency percentiles.
func TestTheSummaryCountsWhatALoadTestDid(t *testing.T) {
	st := dynamotest.NewTable(t)
	if err := bulkload.LoadDemo(context.Background(), st, io.Discard); err != nil {
		t.Fatal(err)
	}
	requests := &summary{}
	srv := httptest.NewServer(api.New(api.Config{
		Store: st, FrontDoor: devauth.Verifier{Secret: []byte("s")}, MaxProcessesPerTenant: 10, TenantClaim: api.DefaultTenantClaim,
		Logger: slog.New(slog.NewJSONHandler(requests, nil)),
	}).Handler())
	defer srv.Close()
	token, err := devauth.Mint([]byte("s"), "tester", api.DefaultTenantClaim, []string{bulkload.DemoTenant}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		resp.Body.Close()
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { get("/examRegProcesses/demo/standard-registration") })
	}
	wg.Go(func() { get("/examRegProcesses/demo/no-such-process") })
	wg.Go(func() { get("/examRegProcesses/other/standard-registration") })
	wg.Go(func() { get("/examRegProcesses/demo?limit=2") })
	wg.Go(func() { get("/nothing/here") })
	wg.Wait()

	var out strings.Builder
	requests.Print(&out)
	t.Log("\n" + out.String())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !regexp.MustCompile(`^\s*operation\s+requests\s+4xx\s+5xx\s+p50 ms\s+p99 ms$`).MatchString(lines[0]) {
		t.Fatalf("want a header and a row for get and list (the router's own 404 is no operation's):\n%s", out.String())
	}
	for i, want := range []string{`^\s*get\s+12\s+2\s+0\s+\d+\.\d\s+\d+\.\d$`, `^\s*list\s+1\s+0\s+0\s+\d+\.\d\s+\d+\.\d$`} {
		if !regexp.MustCompile(want).MatchString(lines[i+1]) {
			t.Errorf("row %q, want %s", lines[i+1], want)
		}
	}
}

func TestPercentile(t *testing.T) {
	sorted := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for p, want := range map[float64]float64{0.5: 5, 0.99: 10, 0.1: 1} {
		if got := percentile(sorted, p); got != want {
			t.Errorf("percentile %v = %v, want %v", p, got, want)
		}
	}
	if percentile(nil, 0.5) != 0 {
		t.Error("percentile of nothing")
	}
}
