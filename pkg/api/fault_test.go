package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/certhub/examreg/pkg/examreg"
	"github.com/certhub/examreg/pkg/store"
)

// What the store answers when its engine fails is pkg/store's to test
// (fault_test.go there, through a fault proxy); here, what the API answers
// when the store fails so.

// storeFault makes the fake store fail as the real one does when its engine
// fails: every call it covers answers err, or, when hang is set, waits for
// the request's context to end and then answers unavailable.
type storeFault struct {
	mu   sync.Mutex
	err  error
	hang bool
}

// errEngineCause is the kind of cause the real store keeps for the server log:
// none of it may reach a client.
var errEngineCause = errors.New("operation error DynamoDB: GetItem, https response error StatusCode: 500, InternalServerError at 127.0.0.1 (faultproxy)")

var (
	throttled   = &examreg.Error{Code: examreg.ETHROTTLED, Message: "too many requests; retry later", Cause: errEngineCause}
	unavailable = &examreg.Error{Code: examreg.EUNAVAILABLE, Message: "the database is unavailable; retry later", Cause: errEngineCause}
)

func (f *storeFault) set(err error, hang bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err, f.hang = err, hang
}

func (f *storeFault) check(ctx context.Context) error {
	f.mu.Lock()
	err, hang := f.err, f.hang
	f.mu.Unlock()
	if hang {
		<-ctx.Done()
		return unavailable
	}
	return err
}

// faultyStore is the fake store with a storeFault before the calls of
// get, create, patch, delete and eligible.
type faultyStore struct {
	*fakeStore
	fault *storeFault
}

func (s faultyStore) GetProcess(ctx context.Context, tenant, id string, opt store.ReadOptions) (store.Record, error) {
	if err := s.fault.check(ctx); err != nil {
		return store.Record{}, err
	}
	return s.fakeStore.GetProcess(ctx, tenant, id, opt)
}

func (s faultyStore) CreateProcess(ctx context.Context, tenant string, p *examreg.Process, maxPerTenant int, idem *store.Idempotency) (*store.Replay, error) {
	if err := s.fault.check(ctx); err != nil {
		return nil, err
	}
	return s.fakeStore.CreateProcess(ctx, tenant, p, maxPerTenant, idem)
}

func (s faultyStore) UpdateProcess(ctx context.Context, tenant, id string, change store.ChangeFunc) (*examreg.Process, error) {
	if err := s.fault.check(ctx); err != nil {
		return nil, err
	}
	return s.fakeStore.UpdateProcess(ctx, tenant, id, change)
}

func (s faultyStore) DeleteProcess(ctx context.Context, tenant, id string, versions []int64, by examreg.Actor) error {
	if err := s.fault.check(ctx); err != nil {
		return err
	}
	return s.fakeStore.DeleteProcess(ctx, tenant, id, versions, by)
}

func (s faultyStore) ExamExists(ctx context.Context, tenant, examID string) error {
	if err := s.fault.check(ctx); err != nil {
		return err
	}
	return s.fakeStore.ExamExists(ctx, tenant, examID)
}

// genericFault checks the answer to a request the store failed: the status,
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
	for _, leak := range []string{"faultproxy", "Exception", "InternalServerError", "dynamodb", "DynamoDB", "t1-", "Test", "127.0.0.1", "goroutine", ".go:"} {
		if strings.Contains(string(r.body), leak) {
			t.Errorf("the answer leaks %q: %s", leak, r.body)
		}
	}
}

func TestThrottlingIsA429WithRetryAfter(t *testing.T) {
	fault := &storeFault{}
	e := newFakeEnv(t, withFault(fault))
	id := e.create("T")["id"].(string)
	fault.set(throttled, false)
	r := expect(t, e.do("GET", "/examRegProcesses/t1/"+id, ""), 429)
	if r.header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
	}
	expect(t, e.do("POST", "/examRegProcesses/t1", processBody("Throttled")), 429)
}

func TestAFailingStoreIsA503WithAGenericMessage(t *testing.T) {
	var logs bytes.Buffer
	fault := &storeFault{}
	e := newFakeEnv(t, withFault(fault), withLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	id := e.create("F")["id"].(string)
	failed := 0
	for _, req := range []struct{ name, method, path, body string }{
		{"get", "GET", "/examRegProcesses/t1/" + id, ""},
		{"create", "POST", "/examRegProcesses/t1", processBody("During the fault")},
		{"patch", "PATCH", "/examRegProcesses/t1/" + id, `[{"op":"replace","path":"/name","value":"During"}]`},
		{"delete", "DELETE", "/examRegProcesses/t1/" + id, ""},
		{"eligible", "GET", "/examRegProcesses/t1/eligible/c1/exam-a", ""},
	} {
		t.Run(req.name, func(t *testing.T) {
			fault.set(unavailable, false)
			defer fault.set(nil, false)
			failed++
			genericFault(t, e.do(req.method, req.path, req.body), 503)
		})
	}
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
			if entry.Level != "ERROR" || !strings.Contains(entry.Error, "InternalServerError") {
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

// TestAStoreThatHangsIsAnsweredBeforeTheDeadline: the handlers give the
// store a context that ends before the request's deadline (on Lambda, the
// invocation's), so that the answer still gets out.
func TestAStoreThatHangsIsAnsweredBeforeTheDeadline(t *testing.T) {
	const deadline = 3 * time.Second
	fault := &storeFault{}
	e := newFakeEnv(t, withFault(fault), withDeadline(deadline))
	id := e.create("H")["id"].(string)
	fault.set(nil, true)
	start := time.Now()
	genericFault(t, e.do("PATCH", "/examRegProcesses/t1/"+id, `[{"op":"replace","path":"/name","value":"Hung"}]`), 503)
	if took := time.Since(start); took >= deadline {
		t.Errorf("answered after %v, past the request's %v deadline", took, deadline)
	}
}
