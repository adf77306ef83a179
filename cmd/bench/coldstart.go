package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/dev/bulkload"
	"github.com/certhub/examreg/pkg/dev/localenv"
	"github.com/certhub/examreg/pkg/dev/rietest"
)

const coldStarts = 10

// The targets of the cold start and size measurements.
const (
	coldStartTarget = 1.25      // × the hello-world's cold start
	sizeTarget      = 8_000_000 // bytes, every arm64 bootstrap below
)

// historyWriter is the function the table's stream triggers.
const historyWriter = "historywriter"

// functionNames are the Lambda functions: one per route, and the history
// writer.
func functionNames() []string {
	var names []string
	for _, rt := range api.Routes {
		names = append(names, string(rt.Op))
	}
	return append(names, historyWriter)
}

// coldStart measures each function's bootstrap (built for this machine with
// the Lambda flags) under the Runtime Interface Emulator: from starting the
// process to the first answer, median of coldStarts starts, beside a
// hello-world aws-lambda-go function built the same way in the same run. It
// also builds the arm64 binaries to report their sizes and what each
// dependency costs, and measures the first request's latency with and
// without the warm-up read at init.
func coldStart(ctx context.Context, engine *localenv.Engine, r *report) error {
	root, err := rietest.RepoRoot()
	if err != nil {
		return err
	}
	rie, err := rietest.Find()
	if err != nil {
		return fmt.Errorf("%w (make bench installs it)", err)
	}
	dir, err := os.MkdirTemp("", "bench-bootstraps-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	functions := functionNames()
	pkgs := []string{"./cmd/bench/hello"}
	for _, name := range functions {
		pkgs = append(pkgs, "./functions/"+name)
	}
	bootstraps, err := rietest.Build(ctx, root, dir, pkgs...)
	if err != nil {
		return err
	}
	s, err := newService(ctx, engine, "coldstart")
	if err != nil {
		return err
	}
	defer s.close()
	if err := bulkload.LoadDemo(ctx, s.store, nil); err != nil {
		return err
	}
	env := []string{
		"TABLE_NAME=" + s.store.Table(), "AWS_ENDPOINT_URL_DYNAMODB=" + engine.URL, "AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local", "MAX_PROCESSES_PER_TENANT=1000",
		"TENANT_CLAIM=" + api.DefaultTenantClaim, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
	}

	// An HTTP event without authorizer claims is answered 401 without
	// touching DynamoDB: the time is the process start and init. The history
	// writer gets its stream event as it is.
	event := func(name string) ([]byte, error) {
		raw, err := os.ReadFile(filepath.Join(root, "events", name+".json"))
		if err != nil || name == historyWriter {
			return raw, err
		}
		var ev map[string]any
		json.Unmarshal(raw, &ev)
		delete(ev["requestContext"].(map[string]any), "authorizer")
		return json.Marshal(ev)
	}
	// The history writer must report no failed record (Lambda takes an
	// empty or null batchItemFailures alike as the whole batch done).
	noFailures := func(body []byte) error {
		var answer map[string][]json.RawMessage
		if err := json.Unmarshal(body, &answer); err != nil || len(answer) != 1 || len(answer["batchItemFailures"]) != 0 {
			return fmt.Errorf("answered %s, want no batchItemFailures", body)
		}
		return nil
	}
	measure := func(name string, event []byte) (time.Duration, error) {
		var times durations
		for range coldStarts {
			start := time.Now()
			e, err := rietest.Start(rietest.Config{Binary: rie, Bootstrap: bootstraps[name], Env: env})
			if err != nil {
				return 0, err
			}
			status, body, err := e.Invoke(ctx, event)
			took := time.Since(start)
			e.Stop()
			if err == nil && name == historyWriter {
				err = noFailures(body)
			}
			if err != nil || status != 200 {
				return 0, fmt.Errorf("invoke %s: %d %v\n%s", name, status, err, e.Output())
			}
			times = append(times, took)
		}
		return times.median(), nil
	}

	helloEvent, _ := event("get")
	hello, err := measure("hello", helloEvent)
	if err != nil {
		return err
	}
	sizes, err := buildArm64(ctx, root, filepath.Join(dir, "arm64"), "-s -w -buildid=", functions...)
	if err != nil {
		return err
	}
	var rows, over []string
	worst, worstName, largest := 0.0, "", functions[0]
	for _, name := range functions {
		ev, err := event(name)
		if err != nil {
			return err
		}
		if name == historyWriter { // start and init alone, as the HTTP functions' 401
			ev = []byte(`{"Records":[]}`)
		}
		median, err := measure(name, ev)
		if err != nil {
			return err
		}
		ratio := float64(median) / float64(hello)
		if ratio > worst {
			worst, worstName = ratio, name
		}
		if sizes[name].size > sizes[largest].size {
			largest = name
		}
		if sizes[name].size >= sizeTarget {
			over = append(over, name)
		}
		rows = append(rows, fmt.Sprintf("| %s | %s | %.2f× | %s |", name, ms(median), ratio, commas(sizes[name].size)))
	}
	// The history writer with the work of a real event.
	writerEvent, err := event(historyWriter)
	if err != nil {
		return err
	}
	withWork, err := measure(historyWriter, writerEvent)
	if err != nil {
		return err
	}
	r.verdict(fmt.Sprintf("cold start of every function within %.2f× a hello-world (as today)", coldStartTarget), worst <= coldStartTarget,
		fmt.Sprintf("worst %.2f× (%s)", worst, worstName))
	sizeFigure := fmt.Sprintf("largest %s bytes (%s); all below", commas(sizes[largest].size), largest)
	if over != nil {
		sizeFigure = fmt.Sprintf("largest %s bytes (%s); over: %s", commas(sizes[largest].size), largest, strings.Join(over, ", "))
	}
	r.verdict("every arm64 bootstrap below 8 MB (8,000,000 bytes)", over == nil, sizeFigure)

	first, err := firstRequest(ctx, rie, bootstraps["get"], env, root)
	if err != nil {
		return err
	}
	r.section("Cold start and binary size", fmt.Sprintf(`
Each bootstrap is built for this machine with the Lambda flags and started %d times under the
Runtime Interface Emulator; the time runs from starting the emulator (which starts the bootstrap) to
the first answer. The HTTP functions get their event without claims (answered 401 without a DynamoDB
request, so the time is process start, init with its warm-up read, and the handler); the history
writer gets an empty batch of stream records (process start and init: it makes no warm-up read).
Median of %d; hello-world (cmd/bench/hello, aws-lambda-go, same flags): **%s**. The
arm64 bootstrap is built with the Makefile's Lambda flags (GOOS=linux GOARCH=arm64 CGO_ENABLED=0
-tags %s -trimpath -ldflags "-s -w -buildid="); the target is below %s bytes.

| function | cold start | vs hello-world | arm64 bootstrap (bytes) |
|---|---|---|---|
%s

With events/historywriter.json instead, a batch of 4 stream records of which 3 are a process's
(INSERT, MODIFY, REMOVE), the history writer's first answer takes %s, %.2f× the hello-world: its
work, 4 DynamoDB requests to moto one after another, comes on top of its start.

Each function links its own route's code only, so sizes differ per function. None of them links
config.LoadDefaultConfig: the functions configure their DynamoDB client from the environment Lambda
provides, which keeps the SSO, SSO-OIDC, STS and signin clients out of every bootstrap (they weighed
1.90 MB when that was measured: 10.29 MB against 8.39 MB). The build tag nethttpomithttp2 leaves out
net/http's HTTP/2, which neither the Runtime API nor DynamoDB speaks (8.39 MB to 8.06 MB for batch).

%s`, coldStarts, coldStarts, ms(hello), rietest.LambdaTags, commas(sizeTarget), strings.Join(rows, "\n"),
		ms(withWork), float64(withWork)/float64(hello), first))

	deps, err := dependencyCost(ctx, root, filepath.Join(dir, "symbols"), largest, sizes)
	if err != nil {
		return err
	}
	r.section("What each dependency costs", deps)
	return nil
}

func mb(n int64) string { return fmt.Sprintf("%.2f MB", float64(n)/1e6) }

// commas writes n with thousands separators.
func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// firstRequest measures the first request after init of the get function,
// with and without the warm-up read (WARMUP=0), from the emulator's own
// account of the invocation.
func firstRequest(ctx context.Context, rie, bootstrap string, env []string, root string) (string, error) {
	event, err := os.ReadFile(filepath.Join(root, "events", "get.json"))
	if err != nil {
		return "", err
	}
	// The function's own request log line has the request's latency.
	latency := regexp.MustCompile(`"operation":"get".*"latency_ms":([0-9.]+)`)
	run := func(warm string) (time.Duration, error) {
		var times durations
		for range coldStarts {
			e, err := rietest.Start(rietest.Config{Binary: rie, Bootstrap: bootstrap, Env: append(env, "WARMUP="+warm)})
			if err != nil {
				return 0, err
			}
			status, _, err := e.Invoke(ctx, event)
			var m []string
			for wait := 0; m == nil && wait < 50; wait++ { // the log line may trail the answer
				m = latency.FindStringSubmatch(e.Output())
				time.Sleep(10 * time.Millisecond)
			}
			out := e.Output()
			e.Stop()
			if err != nil || status != 200 || m == nil {
				return 0, fmt.Errorf("first request: %d %v\n%s", status, err, out)
			}
			f, _ := strconv.ParseFloat(m[1], 64)
			times = append(times, time.Duration(f*float64(time.Millisecond)))
		}
		return times.median(), nil
	}
	with, err := run("1")
	if err != nil {
		return "", err
	}
	without, err := run("0")
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(`First request after init (the get event, one DynamoDB read; the latency in the function's own
request log line, median of %d): **%s with the warm-up read at init, %s without** (%.2f×). Here the engine is moto on
loopback over plain HTTP, so the warm-up saves only the TCP connection and the SDK's first-use set-up.
On Lambda it also moves the TLS handshake with DynamoDB and the credential load into init, which is
most of a Go function's cold latency (a published Go CRUD sample on 128 MB arm64: about 460 ms cold
against 5 ms warm).`, coldStarts, ms(with), ms(without), float64(without)/float64(with)), nil
}
