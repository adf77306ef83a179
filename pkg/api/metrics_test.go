package api_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/certhub/examreg/pkg/dev/dynamotest"
	"github.com/certhub/examreg/pkg/dev/faultproxy"
	"github.com/certhub/examreg/pkg/emf"
	"github.com/certhub/examreg/pkg/emf/emftest"
	"github.com/certhub/examreg/pkg/store"
)

// metricsOf validates each log line against the embedded metric format
// and returns, per line, its values by name and dimension set.
func metricsOf(t *testing.T, entries []map[string]any, logs []byte) []map[string]emf.Value {
	t.Helper()
	lines := bytes.Split(bytes.TrimSpace(logs), []byte("\n"))
	out := make([]map[string]emf.Value, len(lines))
	for i, line := range lines {
		if entries[i]["operation"] == "" {
			if _, ok := entries[i][emf.Key]; ok {
				t.Errorf("line %d: the router's own answer carries metrics: %s", i, line)
			}
			continue
		}
		values, err := emftest.Validate(line)
		if err != nil {
			t.Errorf("line %d is not an embedded metric format document: %v\n%s", i, err, line)
			continue
		}
		out[i] = map[string]emf.Value{}
		for _, v := range values {
			out[i][key(v)] = v
		}
	}
	return out
}

// key names a value by its metric and dimensions: "requests{operation,status_class}".
func key(v emf.Value) string {
	k := v.Name + "{"
	for _, d := range []string{"operation", "status_class"} {
		if _, ok := v.Dimensions[d]; ok {
			if k[len(k)-1] != '{' {
				k += ","
			}
			k += d
		}
	}
	return k + "}"
}

// TestEveryRequestLineIsAnEMFDocument: every operation's log line, whatever
// its status, is a valid CloudWatch embedded metric format document in the
// configured namespace, counting one request of its operation and status
// class, with its latency and its DynamoDB figures; a batch's line counts
// its operations and their failures.
func TestEveryRequestLineIsAnEMFDocument(t *testing.T) {
	var logs bytes.Buffer
	e := newEnv(t, withLogger(slog.New(slog.NewJSONHandler(&logs, nil))), func(c *envConfig) { c.MetricsNamespace = "Test/ExamReg" })
	id := e.create("Measured")["id"].(string)
	replies, entries := logEntries(t, &logs, func() []reply {
		return []reply{
			expect(t, e.do("POST", "/examRegProcesses/t1", processBody("Another")), 200),
			expect(t, e.do("GET", "/examRegProcesses/t1", ""), 200),
			expect(t, e.do("GET", "/examRegProcesses/t1/"+id, ""), 200),
			expect(t, e.do("PUT", "/examRegProcesses/t1/"+id, processBody("Replaced")), 200),
			expect(t, e.do("PATCH", "/examRegProcesses/t1/"+id, `[{"op":"replace","path":"/name","value":"Patched"}]`), 200),
			expect(t, e.do("POST", "/examRegProcesses/t1/batch", `{"operations":[{"operation":"patch","id":"`+id+`","patch_directives":[]},{"operation":"delete","id":"missing"}]}`), 200),
			expect(t, e.do("GET", "/examRegProcesses/t1/"+id+"/history", ""), 200),
			e.do("GET", "/examRegProcesses/t1/"+id+"/history/99", ""),
			e.do("GET", "/examRegProcesses/t1/eligible/contact-new/exam-cpa", ""),
			expect(t, e.do("DELETE", "/examRegProcesses/t1/"+id, ""), 200),
			e.do("GET", "/examRegProcesses/t2/"+id, ""),
			e.do("GET", "/nothing/here", ""),
			expect(t, e.do("POST", "/configurationSnapshots/t1", ""), 200),
			expect(t, e.do("GET", "/configurationSnapshots/t1", ""), 200),
		}
	})
	values := metricsOf(t, entries, logs.Bytes())
	for i, want := range []struct {
		operation, class string
	}{
		{"create", "2xx"}, {"list", "2xx"}, {"get", "2xx"}, {"update", "2xx"}, {"patch", "2xx"}, {"batch", "2xx"},
		{"history", "2xx"}, {"historyversion", "4xx"}, {"eligible", "4xx"}, {"delete", "2xx"}, {"get", "4xx"}, {"", ""},
		{"snapshottake", "2xx"}, {"snapshotlist", "2xx"},
	} {
		if want.operation == "" || values[i] == nil {
			continue
		}
		v := values[i]
		requests := v["requests{operation,status_class}"]
		if requests.Value != 1 || requests.Namespace != "Test/ExamReg" || requests.Dimensions["operation"] != want.operation ||
			requests.Dimensions["status_class"] != want.class || v["requests{status_class}"].Value != 1 || v["requests{operation}"].Value != 1 {
			t.Errorf("line %d (status %d): requests %+v, want 1 of %s %s in Test/ExamReg", i, replies[i].status, requests, want.operation, want.class)
		}
		// A whole tenant's snapshot is left out of the service's latency.
		latency, ok := v["latency_ms{operation}"]
		service, inService := v["latency_ms{}"]
		if !ok || latency.Unit != emf.Milliseconds || latency.Value <= 0 || inService == (want.operation == "snapshottake") || inService && service.Value != latency.Value {
			t.Errorf("line %d (%s): latency %+v, service latency %+v", i, want.operation, latency, service)
		}
		if v["ddb_requests{operation}"].Value != entries[i]["ddb_requests"] {
			t.Errorf("line %d: ddb_requests %v, the line says %v", i, v["ddb_requests{operation}"].Value, entries[i]["ddb_requests"])
		}
		for _, name := range []string{"ddb_read_units", "ddb_write_units", "ddb_retries", "conflicts_retried"} {
			if _, ok := v[name+"{operation}"]; !ok {
				t.Errorf("line %d has no %s", i, name)
			}
		}
		_, batch := v["batch_operations{operation}"]
		if batch != (want.operation == "batch") {
			t.Errorf("line %d (%s): batch_operations present %v", i, want.operation, batch)
		}
	}
	if batch := values[5]; batch != nil && (batch["batch_operations{operation}"].Value != 2 || batch["batch_failures{operation}"].Value != 1) {
		t.Errorf("batch: %v operations, %v failures; want 2 and 1", batch["batch_operations{operation}"].Value, batch["batch_failures{operation}"].Value)
	}
	// A get reads; a patch reads (its consistent read) and writes.
	if get := values[2]; get != nil && (get["ddb_read_units{operation}"].Value <= 0 || get["ddb_write_units{operation}"].Value != 0) {
		t.Errorf("get: read units %v, write units %v", get["ddb_read_units{operation}"].Value, get["ddb_write_units{operation}"].Value)
	}
	if patch := values[4]; patch != nil && (patch["ddb_read_units{operation}"].Value <= 0 || patch["ddb_write_units{operation}"].Value <= 0) {
		t.Errorf("patch: read units %v, write units %v", patch["ddb_read_units{operation}"].Value, patch["ddb_write_units{operation}"].Value)
	}
}

// TestTheMetricsCountRetries: an attempt the SDK sends again (here after a
// throttle) is a retry; a write that lost a race to another Lambda instance
// (here a second server over the same table, patching the record between
// this patch's read and its write) and ran again is a conflict retried.
func TestTheMetricsCountRetries(t *testing.T) {
	proxy := dynamotest.NewFaultProxy(t)
	var logs bytes.Buffer
	var raceAfterRead func() // run once after the next GetItem, when set
	var armed atomic.Bool
	race := func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
			return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("testRace",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					out, md, err := next.HandleInitialize(ctx, in)
					if middleware.GetOperationName(ctx) == "GetItem" && armed.CompareAndSwap(true, false) {
						raceAfterRead()
					}
					return out, md, err
				}), middleware.After)
		})
	}
	e := newEnv(t, withLogger(slog.New(slog.NewJSONHandler(&logs, nil))), withEndpoint(proxy.URL),
		func(c *envConfig) { c.client = append(c.client, race) })
	id := e.create("Raced")["id"].(string)

	proxy.Inject(&faultproxy.Fault{Operation: "GetItem", Status: 400, Type: "ThrottlingException", Times: 1})
	_, entries := logEntries(t, &logs, func() []reply { return []reply{expect(t, e.do("GET", "/examRegProcesses/t1/"+id, ""), 200)} })
	if v := metricsOf(t, entries, logs.Bytes())[0]; v["ddb_retries{operation}"].Value != 1 || v["ddb_requests{operation}"].Value != 1 {
		t.Errorf("a throttled get: %v retries over %v requests, want 1 over 1", v["ddb_retries{operation}"].Value, v["ddb_requests{operation}"].Value)
	}
	proxy.Clear()

	otherStore, err := store.Connect(context.Background(), e.store.Table())
	if err != nil {
		t.Fatal(err)
	}
	otherCfg := configure(nil).Config
	otherCfg.Store = otherStore
	other := serve(t, otherCfg, func(h http.Handler) http.Handler { return h })
	raceAfterRead = func() {
		expect(t, other.do("PATCH", "/examRegProcesses/t1/"+id, `[{"op":"add","path":"/description","value":"Other instance"}]`), 200)
	}
	armed.Store(true)
	_, entries = logEntries(t, &logs, func() []reply {
		return []reply{expect(t, e.do("PATCH", "/examRegProcesses/t1/"+id, `[{"op":"replace","path":"/name","value":"This instance"}]`), 200)}
	})
	if v := metricsOf(t, entries, logs.Bytes())[0]; v["conflicts_retried{operation}"].Value != 1 {
		t.Errorf("a patch that lost a race once: conflicts_retried %v, want 1", v["conflicts_retried{operation}"].Value)
	}
	if armed.Load() {
		t.Error("the patch made no GetItem: the race was never run")
	}
}
