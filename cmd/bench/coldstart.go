package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
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

// coldStart measures each function's bootstrap (built for this machine with
// the Lambda flags) under the Runtime Interface Emulator: from starting the
// process to the first answer, median of coldStarts starts, beside a
// hello-world aws-lambda-go function built the same way in the same run. It
// also builds the arm64 binaries to report their sizes, and measures the
// first request's latency with and without the warm-up read at init.
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
	pkgs := []string{"./cmd/bench/hello"}
	for _, rt := range api.Routes {
		pkgs = append(pkgs, "./functions/"+string(rt.Op))
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

	// An event without authorizer claims is answered 401 without touching
	// DynamoDB: the time is the process start and init.
	unauthenticated := func(op string) ([]byte, error) {
		raw, err := os.ReadFile(filepath.Join(root, "events", op+".json"))
		if err != nil {
			return nil, err
		}
		var ev map[string]any
		json.Unmarshal(raw, &ev)
		delete(ev["requestContext"].(map[string]any), "authorizer")
		return json.Marshal(ev)
	}
	measure := func(bootstrap string, extraEnv []string, event []byte) (time.Duration, error) {
		var times durations
		for range coldStarts {
			start := time.Now()
			e, err := rietest.Start(rietest.Config{Binary: rie, Bootstrap: bootstrap, Env: append(env, extraEnv...)})
			if err != nil {
				return 0, err
			}
			status, _, err := e.Invoke(ctx, event)
			took := time.Since(start)
			e.Stop()
			if err != nil || status != 200 {
				return 0, fmt.Errorf("invoke %s: %d %v\n%s", bootstrap, status, err, e.Output())
			}
			times = append(times, took)
		}
		return times.median(), nil
	}

	helloEvent, _ := unauthenticated("get")
	hello, err := measure(bootstraps["hello"], nil, helloEvent)
	if err != nil {
		return err
	}
	sizes, err := arm64Sizes(ctx, root, dir)
	if err != nil {
		return err
	}
	var rows []string
	worst, allSmall := 0.0, true
	for _, rt := range api.Routes {
		op := string(rt.Op)
		event, err := unauthenticated(op)
		if err != nil {
			return err
		}
		median, err := measure(bootstraps[op], nil, event)
		if err != nil {
			return err
		}
		ratio := float64(median) / float64(hello)
		worst = max(worst, ratio)
		allSmall = allSmall && sizes[op] <= 10_000_000
		rows = append(rows, fmt.Sprintf("| %s | %s | %.2fx | %.2f MB |", op, ms(median), ratio, float64(sizes[op])/1e6))
	}
	r.verdict("cold start of every function within 1.5x a hello-world", worst <= 1.5, fmt.Sprintf("worst %.2fx", worst))
	r.verdict("every arm64 bootstrap at most 10 MB", allSmall, fmt.Sprintf("%.2f MB", float64(sizes["get"])/1e6))

	first, err := firstRequest(ctx, rie, bootstraps["get"], env, root)
	if err != nil {
		return err
	}
	r.section("Cold start and binary size", fmt.Sprintf(`
Each bootstrap is built for this machine with the Lambda flags and started %d times under the
Runtime Interface Emulator; the time runs from starting the emulator (which starts the bootstrap) to
the first answer, for an event without claims (answered 401 without a DynamoDB request, so the time
is process start, init with its warm-up read, and the handler). Median of %d; hello-world
(cmd/bench/hello, aws-lambda-go, same flags): **%s**.

| function | cold start | vs hello-world | arm64 bootstrap |
|---|---|---|---|
%s

Binary size: the functions configure their DynamoDB client from the environment Lambda provides
instead of config.LoadDefaultConfig, which links the SSO, SSO-OIDC, STS and signin clients: that
took every bootstrap from 10.29 MB to %.2f MB (the commit "store: configure Lambda's client from the
environment").

%s`, coldStarts, coldStarts, ms(hello), strings.Join(rows, "\n"), float64(sizes["get"])/1e6, first))
	return nil
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
request log line, median of %d): **%s with the warm-up read at init, %s without** (%.2fx). Here the engine is moto on
loopback over plain HTTP, so the warm-up saves only the TCP connection and the SDK's first-use set-up.
On Lambda it also moves the TLS handshake with DynamoDB and the credential load into init, which is
most of a Go function's cold latency (a published Go CRUD sample on 128 MB arm64: about 460 ms cold
against 5 ms warm).`, coldStarts, ms(with), ms(without), float64(without)/float64(with)), nil
}

// arm64Sizes builds each function for Lambda (linux/arm64) and returns the
// bootstrap sizes.
func arm64Sizes(ctx context.Context, root, dir string) (map[string]int64, error) {
	out := filepath.Join(dir, "arm64")
	sizes := map[string]int64{}
	for _, rt := range api.Routes {
		op := string(rt.Op)
		target := filepath.Join(out, op, "bootstrap")
		cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w -buildid=", "-o", target, "./functions/"+op)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
		if msg, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("build %s for arm64: %v\n%s", op, err, msg)
		}
		st, err := os.Stat(target)
		if err != nil {
			return nil, err
		}
		sizes[op] = st.Size()
	}
	return sizes, nil
}
