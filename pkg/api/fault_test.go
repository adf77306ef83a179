package api_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/certhub/examreg/pkg/dev/dynamotest"
	"github.com/certhub/examreg/pkg/dev/faultproxy"
)

// faultEnv is an env whose DynamoDB traffic goes through a fault proxy.
func faultEnv(t *testing.T, opts ...envOption) (*env, *faultproxy.Proxy) {
	t.Helper()
	p := dynamotest.NewFaultProxy(t)
	return newEnv(t, append(opts, withEndpoint(p.URL))...), p
}

// genericFault checks the answer to a request the engine failed: the status,
// a generic message with the request id, nothing of the cause.
func genericFault(t *testing.T, r reply, status int) {
	t.Helper()
	expect(t, r, status)
	var body struct {
		Message   string `json:"message"`
		RequestID string `json:"request_id"`
	}
	r.json(t, &body)
	if body.RequestID == "" || body.RequestID != r.header.Get("X-Request-Id") {
		t.Errorf("request_id %q, X-Request-Id %q", body.RequestID, r.header.Get("X-Request-Id"))
	}
	for _, leak := range []string{"faultproxy", "Exception", "dynamodb", "DynamoDB", "t1-", "Test", "127.0.0.1", "goroutine", ".go:"} {
		if strings.Contains(string(r.body), leak) {
			t.Errorf("the answer leaks %q: %s", leak, r.body)
		}
	}
}

func TestThrottlingIsA429WithRetryAfter(t *testing.T) {
	e, p := faultEnv(t)
	id := e.create("T")["id"].(string)
	f := &faultproxy.Fault{Operation: "GetItem", Status: 400, Type: "ThrottlingException"}
	p.Inject(f)
	r := expect(t, e.do("GET", "/examRegProcesses/t1/"+id, ""), 429)
	if r.header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
	}
	if f.Hits() != 3 {
		t.Errorf("%d attempts at a throttled engine, want 3 (bounded retries)", f.Hits())
	}
	p.Clear()
	// A transaction throttled is refused whole.
	p.Inject(&faultproxy.Fault{Operation: "TransactWriteItems", Status: 400, Type: "ProvisionedThroughputExceededException"})
	expect(t, e.do("POST", "/examRegProcesses/t1", processBody("Throttled")), 429)
	p.Clear()
	assertCounted(t, e)
	// A throttle that passes is ridden out by the SDK's retries.
	p.Inject(&faultproxy.Fault{Operation: "GetItem", Status: 400, Type: "ThrottlingException", Times: 1})
	expect(t, e.do("GET", "/examRegProcesses/t1/"+id, ""), 200)
}

func TestAFailingEngineIsA503WithAGenericMessage(t *testing.T) {
	var logs bytes.Buffer
	e, p := faultEnv(t, withLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	id := e.create("F")["id"].(string)
	failed := 0
	for _, fault := range []struct {
		name  string
		fault *faultproxy.Fault
	}{
		{"500", &faultproxy.Fault{Status: 500, Type: "InternalServerError"}},
		{"503", &faultproxy.Fault{Status: 503, Type: "ServiceUnavailable"}},
		{"reset", &faultproxy.Fault{Reset: true}},
	} {
		for _, req := range []struct{ name, method, path, body string }{
			{"get", "GET", "/examRegProcesses/t1/" + id, ""},
			{"create", "POST", "/examRegProcesses/t1", processBody("During the fault")},
			{"patch", "PATCH", "/examRegProcesses/t1/" + id, `[{"op":"replace","path":"/name","value":"During"}]`},
			{"delete", "DELETE", "/examRegProcesses/t1/" + id, ""},
			{"eligible", "GET", "/examRegProcesses/t1/eligible/c1/exam-a", ""},
		} {
			t.Run(fault.name+"/"+req.name, func(t *testing.T) {
				p.Inject(fault.fault)
				defer p.Clear()
				failed++
				genericFault(t, e.do(req.method, req.path, req.body), 503)
			})
		}
	}
	// Nothing was written: the record is as it was and the counter agrees.
	if got := expect(t, e.do("GET", "/examRegProcesses/t1/"+id, ""), 200).object(t); got["sys_version"] != 1.0 {
		t.Errorf("a failed write changed the record: %v", got)
	}
	assertCounted(t, e)
	// The log has each failure once, with its cause, at error level.
	var errorsLogged int
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var entry struct {
			Level, Error string
			Status       int
		}
		json.Unmarshal([]byte(line), &entry)
		if entry.Status == 503 {
			errorsLogged++
			if entry.Level != "ERROR" || entry.Error == "" {
				t.Errorf("a 503 logged without its cause: %s", line)
			}
		}
		if strings.Contains(line, "Bearer") || strings.Contains(line, "eyJ") || strings.Contains(line, "During the fault") {
			t.Errorf("the log holds a token or a record body: %s", line)
		}
	}
	if errorsLogged != failed {
		t.Errorf("%d failures logged, want %d", errorsLogged, failed)
	}
}

func TestAnEngineThatHangsIsAnsweredBeforeTheDeadline(t *testing.T) {
	const deadline = 3 * time.Second
	e, p := faultEnv(t, withDeadline(deadline))
	id := e.create("H")["id"].(string)
	p.Inject(&faultproxy.Fault{Hang: true})
	start := time.Now()
	genericFault(t, e.do("PATCH", "/examRegProcesses/t1/"+id, `[{"op":"replace","path":"/name","value":"Hung"}]`), 503)
	if took := time.Since(start); took >= deadline {
		t.Errorf("answered after %v, past the request's %v deadline", took, deadline)
	}
	p.Clear()
}

func TestAnUnreachableEngineIsA503(t *testing.T) {
	e, p := faultEnv(t)
	id := e.create("U")["id"].(string)
	p.Close()
	genericFault(t, e.do("GET", "/examRegProcesses/t1/"+id, ""), 503)
	genericFault(t, e.do("POST", "/examRegProcesses/t1", processBody("U2")), 503)
}

func TestLatencyAndPassingResetsLoseNothing(t *testing.T) {
	e, p := faultEnv(t)
	id := e.create("L")["id"].(string)
	p.Inject(&faultproxy.Fault{Delay: 20 * time.Millisecond})
	p.Inject(&faultproxy.Fault{Operation: "GetItem", Reset: true, Times: 3})
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			r := e.do("PATCH", "/examRegProcesses/t1/"+id, `[{"op":"add","path":"/checkout_settings/k`+string(rune('a'+i))+`","value":1}]`)
			if r.status != 200 {
				t.Errorf("patch %d: %d %s", i, r.status, r.body)
			}
		})
	}
	wg.Wait()
	p.Clear()
	got := expect(t, e.do("GET", "/examRegProcesses/t1/"+id+"?consistentRead=true", ""), 200).object(t)
	if got["sys_version"] != 11.0 || len(got["checkout_settings"].(map[string]any)) != 2+1+10 {
		t.Errorf("after 10 patches through resets and latency: %v", got)
	}
}

// assertCounted checks that the tenant counter equals the number of records:
// no create or delete was half applied.
func assertCounted(t *testing.T, e *env) {
	t.Helper()
	var items []any
	expect(t, e.do("GET", "/examRegProcesses/t1?consistentRead=true", ""), 200).json(t, &items)
	counted := 0.0
	for _, item := range scan(t, e) {
		if item["sk"] == "COUNTER#EXAMREGPROCESS" && item["pk"] == "TENANT#t1" {
			counted = item["process_count"].(float64)
		}
	}
	if int(counted) != len(items) {
		t.Errorf("counter %v, records %d", counted, len(items))
	}
}
