package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/dev/bulkload"
	"github.com/certhub/examreg/pkg/dev/faultproxy"
	"github.com/certhub/examreg/pkg/dev/localenv"
	"github.com/certhub/examreg/pkg/dev/rietest"
)

const (
	coldStarts    = 10  // starts per function
	warmUp        = 10  // invocations before the warm ones are timed
	warmSamples   = 200 // timed warm invocations per function
	batchRepeats  = 6   // timings of each batch size behind the delaying proxy
	engineDelay   = 10 * time.Millisecond
	historyWriter = "historywriter"
)

// The floors each function's cold start is set against (cmd/bench/hello and
// cmd/bench/baresdk).
const (
	helloWorld = "hello"
	bareSDK    = "baresdk"
)

// warmOperations are the functions whose warm latency is measured.
var warmOperations = []string{"get", "list", "patch", "batch"}

// batchSizes are the numbers of patches in the batches of the scaling
// measurement.
var batchSizes = []int{1, 10, 50, 100}

// coldStart is one function's cold start and its arm64 bootstrap's size.
type coldStart struct {
	function string
	sample
	size int64
}

// functionNames are the Lambda functions: one per route, and the history
// writer.
func functionNames() []string {
	var names []string
	for _, rt := range api.Routes {
		names = append(names, string(rt.Op))
	}
	return append(names, historyWriter)
}

// lambdas runs bootstraps built for this machine under the emulator, against
// a table holding the demo data.
type lambdas struct {
	root, rie  string
	bootstraps map[string]string
	env        []string
}

func (l *lambdas) start(function string, env ...string) (*rietest.Emulator, error) {
	return rietest.Start(rietest.Config{Binary: l.rie, Bootstrap: l.bootstraps[function], Env: append(l.env, env...)})
}

// invoke sends one event and checks the answer: an API function's status
// code must be want (0: any 2xx), the history writer must report no failed
// record.
func invoke(ctx context.Context, e *rietest.Emulator, function string, event []byte, want int) error {
	status, body, err := e.Invoke(ctx, event)
	if err != nil || status != 200 {
		return fmt.Errorf("invoke %s: %d %v\n%s", function, status, err, e.Output())
	}
	var answer struct {
		StatusCode        int
		BatchItemFailures []json.RawMessage
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		return fmt.Errorf("invoke %s: %v: %.300s", function, err, body)
	}
	switch {
	case function == historyWriter && len(answer.BatchItemFailures) != 0,
		function != historyWriter && want != 0 && answer.StatusCode != want,
		function != historyWriter && want == 0 && answer.StatusCode/100 != 2:
		return fmt.Errorf("invoke %s: answered %.300s", function, body)
	}
	return nil
}

// event is events/<function>.json, edited: edit gets the event as a map.
func (l *lambdas) event(function string, edit func(map[string]any)) ([]byte, error) {
	name := function
	if function == helloWorld || function == bareSDK {
		name = "get"
	}
	raw, err := os.ReadFile(filepath.Join(l.root, "events", name+".json"))
	if err != nil || edit == nil {
		return raw, err
	}
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, err
	}
	edit(ev)
	return json.Marshal(ev)
}

// withoutClaims drops the authorizer's claims: the function answers 401
// without a DynamoDB request.
func withoutClaims(ev map[string]any) {
	delete(ev["requestContext"].(map[string]any), "authorizer")
}

// withBody sets an API event's path and body.
// changing edits the warm event of function so that invocation i writes
// something new (patch and batch rename records); the other events stay as
// they are.
func changing(function string, i int) func(map[string]any) {
	rename := func(id string) string {
		return fmt.Sprintf(`[{"op":"replace","path":"/name","value":"%s, renamed %d"}]`, id, i)
	}
	switch function {
	case "patch":
		return withBody("/examRegProcesses/demo/retest", rename("retest"))
	case "batch":
		var ops []string
		for _, id := range []string{"standard-registration", "cpp-fast-track", "retest", "retest-proctored", "archived-registration"} {
			ops = append(ops, fmt.Sprintf(`{"operation":"patch","id":%q,"patch_directives":%s}`, id, rename(id)))
		}
		return withBody("/examRegProcesses/demo/batch", `{"operations":[`+strings.Join(ops, ",")+`]}`)
	}
	return nil
}

func withBody(path, body string) func(map[string]any) {
	return func(ev map[string]any) {
		ev["rawPath"] = path
		ev["requestContext"].(map[string]any)["http"].(map[string]any)["path"] = path
		if params, ok := ev["pathParameters"].(map[string]any); ok && params["id"] != nil {
			params["id"] = path[strings.LastIndex(path, "/")+1:]
		}
		ev["body"] = body
		ev["headers"].(map[string]any)["content-length"] = strconv.Itoa(len(body))
	}
}

// lambdaFunctions builds every function, the hello-world and the bare-SDK
// floor for this machine with the Lambda flags, and measures under the
// emulator their cold starts, the warm latency of some, and the batch's
// scaling behind a delaying proxy; and builds them for arm64, as deployed,
// for their sizes.
func lambdaFunctions(ctx context.Context, engine *localenv.Engine, r *report) error {
	root, err := rietest.RepoRoot()
	if err != nil {
		return err
	}
	rie, err := rietest.Find()
	if err != nil {
		return fmt.Errorf("%w (make bench builds it)", err)
	}
	dir, err := os.MkdirTemp("", "bench-bootstraps-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	functions := functionNames()
	pkgs := []string{"./cmd/bench/" + helloWorld, "./cmd/bench/" + bareSDK}
	for _, name := range functions {
		pkgs = append(pkgs, "./functions/"+name)
	}
	bootstraps, err := rietest.Build(ctx, root, dir, pkgs...)
	if err != nil {
		return err
	}
	sizes, err := arm64Sizes(ctx, root, filepath.Join(dir, "arm64"), functions)
	if err != nil {
		return err
	}
	s, err := newService(ctx, engine, "lambda")
	if err != nil {
		return err
	}
	defer s.close()
	if err := bulkload.LoadDemo(ctx, s.store, nil); err != nil {
		return err
	}
	l := &lambdas{root: root, rie: rie, bootstraps: bootstraps, env: []string{
		"TABLE_NAME=" + s.store.Table(), "AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local", "MAX_PROCESSES_PER_TENANT=1000",
		"TENANT_CLAIM=" + api.DefaultTenantClaim, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
	}}
	local := "AWS_ENDPOINT_URL_DYNAMODB=" + engine.URL
	if err := l.coldStarts(ctx, r, local, sizes); err != nil {
		return err
	}
	if err := l.warmLatency(ctx, r, local); err != nil {
		return err
	}
	return l.batchScaling(ctx, r, engine, s)
}

func (l *lambdas) coldStarts(ctx context.Context, r *report, endpoint string, sizes map[string]int64) error {
	measure := func(function string) (sample, error) {
		// Start and init alone, as the HTTP functions' 401.
		event := []byte(`{"Records":[]}`)
		if function != historyWriter {
			var err error
			if event, err = l.event(function, withoutClaims); err != nil {
				return sample{}, err
			}
		}
		want := 401
		if function == helloWorld || function == bareSDK {
			want = 200
		}
		var timings []time.Duration
		for range coldStarts {
			start := time.Now()
			e, err := l.start(function, endpoint)
			if err != nil {
				return sample{}, err
			}
			err = invoke(ctx, e, function, event, want)
			timings = append(timings, time.Since(start))
			e.Stop()
			if err != nil {
				return sample{}, err
			}
		}
		return r.add(newSample("ColdStart/function="+function, timings)), nil
	}
	var rows []string
	var floors [2]sample
	for i, floor := range []string{helloWorld, bareSDK} {
		var err error
		if floors[i], err = measure(floor); err != nil {
			return err
		}
		r.cold = append(r.cold, coldStart{function: floor, sample: floors[i]})
	}
	largest := functions0(sizes)
	for _, name := range functionNames() {
		m, err := measure(name)
		if err != nil {
			return err
		}
		r.cold = append(r.cold, coldStart{function: name, sample: m, size: sizes[name]})
		if sizes[name] > sizes[largest] {
			largest = name
		}
		rows = append(rows, fmt.Sprintf("| %s | %s %s | %.2f× | %.2f× | %s |", name, ms(m.median()), m.ci(),
			float64(m.median())/float64(floors[0].median()), float64(m.median())/float64(floors[1].median()), commas(sizes[name])))
	}
	r.section("Cold start and bootstrap size", fmt.Sprintf(`
![Cold start of every function against the floors](CHARTS/coldstart.svg)

Each bootstrap is built for this machine with the Lambda flags and started %d times under the Lambda
Runtime Interface Emulator; the time runs from starting the emulator (which starts the bootstrap) to
the first answer. The HTTP functions get their event without the authorizer's claims, answered 401
without a DynamoDB request, so the time is the process start and init, with its warm-up read; the
history writer gets an empty batch of stream records. The floors: a hello-world (cmd/bench/hello,
aws-lambda-go alone) **%s**, and the bare SDK (cmd/bench/baresdk: a DynamoDB client built from the
environment and one GetItem) **%s**. Median ± 95%% confidence interval (benchstat's statistics).

The arm64 bootstrap is built as deployed (GOOS=linux GOARCH=arm64 CGO_ENABLED=0 -tags %s -trimpath
-ldflags "-s -w -buildid="); the largest is %s's, %s bytes.

| function | cold start | vs hello-world | vs bare SDK | arm64 bootstrap (bytes) |
|---|---|---|---|---|
%s

Each function links its own route's code only, so sizes differ. None links config.LoadDefaultConfig:
the functions configure their DynamoDB client from the environment Lambda provides, which keeps the
SSO, SSO-OIDC, STS and signin clients out of every bootstrap (1.90 MB when that was measured). The
build tag nethttpomithttp2 leaves out net/http's HTTP/2, which neither the Runtime API nor DynamoDB
speaks to a function (about 330 KB).`,
		coldStarts, ms(floors[0].median()), ms(floors[1].median()), rietest.LambdaTags, largest, commas(sizes[largest]), strings.Join(rows, "\n")))
	return nil
}

// functions0 is any function with a size, to start a search for the largest.
func functions0(sizes map[string]int64) string {
	for name := range sizes {
		return name
	}
	return ""
}

// warmLatency times warm invocations, end to end through the emulator: the
// event in, the function's answer out.
func (l *lambdas) warmLatency(ctx context.Context, r *report, endpoint string) error {
	var rows []string
	for _, function := range append(warmOperations, bareSDK) {
		e, err := l.start(function, endpoint)
		if err != nil {
			return err
		}
		var timings []time.Duration
		for i := range warmUp + warmSamples {
			event, err := l.event(function, changing(function, i))
			if err != nil {
				e.Stop()
				return err
			}
			start := time.Now()
			if err := invoke(ctx, e, function, event, 0); err != nil {
				e.Stop()
				return err
			}
			if i >= warmUp {
				timings = append(timings, time.Since(start))
			}
		}
		e.Stop()
		m := r.add(newSample("Warm/function="+function, timings))
		r.warm = append(r.warm, m)
		rows = append(rows, fmt.Sprintf("| %s | %s %s | %s | %s | %s |", function, ms(m.median()), m.ci(), ms(m.quantile(0.99)), ms(m.min()), ms(m.max())))
	}
	r.section("Warm latency under the emulator", fmt.Sprintf(`
![Warm latency, median and p99](CHARTS/warm.svg)

Each function's event (events/<function>.json, with the authorizer's claims) invoked %d times in a
row through the emulator after %d untimed invocations, against moto on loopback; the time runs from
sending the event to the emulator to its answer. get reads standard-registration with a projection, list
a page of 2, patch renames retest (a consistent read and a conditional put), batch renames
standard-registration, cpp-fast-track, retest, retest-proctored and archived-registration (one
BatchGetItem, then a write each). Each invocation writes a new name: a write that changes nothing
writes nothing, and would time only the read.
The bare SDK's one GetItem is the floor.

| function | median | p99 | min | max |
|---|---|---|---|---|
%s`, warmSamples, warmUp, strings.Join(rows, "\n")))
	return nil
}

// batchScaling times batches of growing size and a single patch, through
// the emulator, with a proxy adding engineDelay to every DynamoDB request:
// a batch is fast only if its operations overlap.
func (l *lambdas) batchScaling(ctx context.Context, r *report, engine *localenv.Engine, s *service) error {
	largest := batchSizes[len(batchSizes)-1]
	var lines []string
	for i := range largest {
		lines = append(lines, fmt.Sprintf(`{"id":"p%03d","name":"P %d","type":"register","exam_ids":["exam-cpa"],"contact_form_options":{"contact_form_id":"c"},`+
			`"checkout_settings":{"bank_account_id":"b","business_unit_id":"u"},"confirmation_email":{"subject":"s","body":"b"}}`, i, i))
	}
	if _, err := bulkload.New(s.store, "demo", nil).Load(ctx, bulkload.Processes, "processes.jsonl", strings.NewReader(strings.Join(lines, "\n"))); err != nil {
		return err
	}
	proxy, err := faultproxy.Start(engine.URL)
	if err != nil {
		return err
	}
	defer proxy.Close()
	proxy.Inject(&faultproxy.Fault{Delay: engineDelay})
	endpoint := "AWS_ENDPOINT_URL_DYNAMODB=" + proxy.URL
	patch := func(round int) string {
		return fmt.Sprintf(`[{"op":"replace","path":"/name","value":"Patched %d"}]`, round)
	}
	measure := func(name, function string, events func(round int) ([]byte, error)) (sample, error) {
		e, err := l.start(function, endpoint)
		if err != nil {
			return sample{}, err
		}
		defer e.Stop()
		var timings []time.Duration
		for round := range batchRepeats + 1 { // the first carries the cold start
			event, err := events(round)
			if err != nil {
				return sample{}, err
			}
			start := time.Now()
			if err := invoke(ctx, e, function, event, 200); err != nil {
				return sample{}, err
			}
			if round > 0 {
				timings = append(timings, time.Since(start))
			}
		}
		return r.add(newSample("BatchScaling/"+name, timings)), nil
	}
	one, err := measure("function=patch", "patch", func(round int) ([]byte, error) {
		return l.event("patch", withBody("/examRegProcesses/demo/p000", patch(round)))
	})
	if err != nil {
		return err
	}
	rows := []string{fmt.Sprintf("| one PATCH | 2 | %s %s | 1.0× |", ms(one.median()), one.ci())}
	for _, n := range batchSizes {
		m, err := measure(fmt.Sprintf("function=batch/patches=%d", n), "batch", func(round int) ([]byte, error) {
			var ops []string
			for i := range n {
				ops = append(ops, fmt.Sprintf(`{"operation":"patch","id":"p%03d","patch_directives":%s}`, i, patch(round)))
			}
			return l.event("batch", withBody("/examRegProcesses/demo/batch", `{"operations":[`+strings.Join(ops, ",")+`]}`))
		})
		if err != nil {
			return err
		}
		rows = append(rows, fmt.Sprintf("| batch, n = %d | %d | %s %s | %.1f× |", n, n+1, ms(m.median()), m.ci(), float64(m.median())/float64(one.median())))
	}
	r.section("Batch scaling", fmt.Sprintf(`
A proxy (pkg/dev/faultproxy) adds %s to every DynamoDB request, standing for a network round trip.
Each batch, of n patches of n different records, is invoked %d times through the emulator (after one
untimed invocation) beside a single PATCH. A batch reads all its records in one consistent
BatchGetItem, then writes each patch with a conditional PutItem, 10 at a time, so its time should
grow with n/10 round trips, not n. The engine under the proxy is moto, which serves one request at a
time (see docs/architecture.md), so the larger batches here are bounded by moto's own queue.

| request | DynamoDB requests | median | vs one PATCH |
|---|---|---|---|
%s`, wholeMS(engineDelay), batchRepeats, strings.Join(rows, "\n")))
	return nil
}

// arm64Sizes builds functions as deployed (linux/arm64, the Makefile's
// Lambda flags) in one go build and returns their sizes.
func arm64Sizes(ctx context.Context, root, dir string, functions []string) (map[string]int64, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	args := []string{"build", "-tags", rietest.LambdaTags, "-trimpath", "-ldflags", "-s -w -buildid=", "-o", dir + string(filepath.Separator)}
	for _, name := range functions {
		args = append(args, "./functions/"+name)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, msg)
	}
	sizes := map[string]int64{}
	for _, name := range functions {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		sizes[name] = st.Size()
	}
	return sizes, nil
}

// commas writes n with thousands separators.
func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
