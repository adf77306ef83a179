package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/dev/bulkload"
	"github.com/certhub/examreg/pkg/dev/devauth"
	"github.com/certhub/examreg/pkg/dev/dynamotest"
	"github.com/certhub/examreg/pkg/dev/faultproxy"
	"github.com/certhub/examreg/pkg/dev/localenv"
	"github.com/certhub/examreg/pkg/dev/openapi"
	"github.com/certhub/examreg/pkg/history"
	"github.com/certhub/examreg/pkg/store"
)

func TestMain(m *testing.M) { os.Exit(dynamotest.RunTests(m)) }

var secret = []byte("test-secret")

var (
	validatorOnce sync.Once
	validator     *openapi.Validator
	validatorErr  error
)

// contract is the OpenAPI document's checker.
func contract(t *testing.T) *openapi.Validator {
	validatorOnce.Do(func() { validator, validatorErr = openapi.NewValidator() })
	if validatorErr != nil {
		t.Fatal(validatorErr)
	}
	return validator
}

// env is the API served over real HTTP by the local front door, on a store:
// a fresh table of a real DynamoDB engine (moto) with every DynamoDB call
// recorded (newEnv), or the in-memory fake (newFakeEnv) for tests of what
// the API answers before and around storage, which need no engine. Either
// way every request and answer is held to the OpenAPI document.
type env struct {
	t   *testing.T
	url string
	// store and calls are the engine's table and the DynamoDB calls made
	// on it; nil on the fake.
	store *store.Store
	calls *callLog
	// fake is the fake store; nil on the engine.
	fake *fakeStore
	// token grants tenant "t1" to user "alice".
	token string
}

// envConfig is what options can change.
type envConfig struct {
	api.Config
	client  []func(*dynamodb.Options)
	handler func(http.Handler) http.Handler
	history bool
	fault   *storeFault
}

type envOption func(*envConfig)

func withLimit(n int) envOption { return func(c *envConfig) { c.MaxProcessesPerTenant = n } }

// withEndpoint sends the service's DynamoDB requests to url (a fault proxy).
// Engine only.
func withEndpoint(url string) envOption {
	return func(c *envConfig) {
		c.client = append(c.client, func(o *dynamodb.Options) { o.BaseEndpoint = &url })
	}
}

// faultEnv is an env on the engine whose DynamoDB requests pass through a
// fault proxy.
func faultEnv(t *testing.T, opts ...envOption) (*env, *faultproxy.Proxy) {
	t.Helper()
	p := dynamotest.NewFaultProxy(t)
	return newEnv(t, append(opts, withEndpoint(p.URL))...), p
}

// withDeadline gives every request a deadline, as Lambda does.
func withDeadline(d time.Duration) envOption {
	return func(c *envConfig) {
		c.handler = func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ctx, cancel := context.WithTimeout(r.Context(), d)
				defer cancel()
				h.ServeHTTP(w, r.WithContext(ctx))
			})
		}
	}
}

// withHistory writes the change history as the history writer function
// does, from the table's stream, while the test runs. Engine only: the fake
// writes the history with each write.
func withHistory() envOption { return func(c *envConfig) { c.history = true } }

// withFault puts fault before the fake store's calls. Fake only.
func withFault(fault *storeFault) envOption { return func(c *envConfig) { c.fault = fault } }

// withLogger sends the request log to logger.
func withLogger(logger *slog.Logger) envOption { return func(c *envConfig) { c.Logger = logger } }

// configure is an env's configuration: the defaults, as opts change them.
func configure(opts []envOption) envConfig {
	cfg := envConfig{Config: api.Config{
		FrontDoor:             devauth.Verifier{Secret: secret},
		MaxProcessesPerTenant: 100,
		TenantClaim:           api.DefaultTenantClaim,
		Logger:                slog.New(slog.NewJSONHandler(io.Discard, nil)),
	}, handler: func(h http.Handler) http.Handler { return h }}
	for _, o := range opts {
		o(&cfg)
	}
	return cfg
}

// newEnv is an env on a fresh table of the engine; with -short (no engine)
// the test is skipped.
func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	cfg := configure(opts)
	if cfg.fault != nil {
		t.Fatal("withFault is for the fake: use newFakeEnv")
	}
	calls := &callLog{}
	st := dynamotest.NewTable(t, append(cfg.client, calls.record)...)
	cfg.Store = st
	e := serve(t, cfg.Config, cfg.handler)
	e.store, e.calls = st, calls
	if cfg.history {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- localenv.WriteHistory(ctx, st, 50*time.Millisecond, slog.New(slog.DiscardHandler)) }()
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("the history writer stopped: %v", err)
			}
		})
	}
	e.loadExams()
	return e
}

// newFakeEnv is an env on the fake store.
func newFakeEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	cfg := configure(opts)
	if cfg.history {
		t.Fatal("withHistory needs the engine: use newEnv")
	}
	fake := newFakeStore()
	cfg.Store = fake
	if cfg.fault != nil {
		cfg.Store = faultyStore{fake, cfg.fault}
	}
	e := serve(t, cfg.Config, cfg.handler)
	e.fake = fake
	e.loadExams()
	return e
}

// serve starts the API over HTTP for the test.
func serve(t *testing.T, cfg api.Config, wrap func(http.Handler) http.Handler) *env {
	cfg.Diff, cfg.GuardedDiff = history.Diff, history.GuardedDiff
	srv := httptest.NewServer(wrap(api.New(cfg).Handler()))
	t.Cleanup(srv.Close)
	return &env{t: t, url: srv.URL, token: mint(t, "alice", "t1")}
}

func mint(t *testing.T, sub string, tenants ...string) string {
	t.Helper()
	tok, err := devauth.Mint(secret, sub, api.DefaultTenantClaim, tenants, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// loadExams gives tenant t1, in every env, the exams exam-a and exam-b.
func (e *env) loadExams() {
	e.load("t1", bulkload.Exams, `{"id":"exam-a","name":"A","is_active":true}`, `{"id":"exam-b","name":"B","is_active":true}`)
}

// load bulk-loads JSON Lines records of one kind into a tenant.
func (e *env) load(tenant, kind string, lines ...string) {
	e.t.Helper()
	if e.fake != nil {
		if err := e.fake.load(tenant, kind, lines...); err != nil {
			e.t.Fatal(err)
		}
		return
	}
	l := bulkload.New(e.store, tenant, nil)
	if _, err := l.Load(context.Background(), kind, kind+".jsonl", strings.NewReader(strings.Join(lines, "\n"))); err != nil {
		e.t.Fatal(err)
	}
}

// reply is an answer of the API.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("body %s: %v", r.body, err)
	}
}

// object decodes a JSON object body.
func (r reply) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	r.json(t, &m)
	return m
}

// fields lists the field paths of an error body.
func (r reply) fields(t *testing.T) []string {
	t.Helper()
	var body struct {
		Message string
		Errors  []struct{ Field, Message string }
	}
	r.json(t, &body)
	if body.Message == "" {
		t.Errorf("error body without a message: %s", r.body)
	}
	var fields []string
	for _, f := range body.Errors {
		fields = append(fields, f.Field)
	}
	return fields
}

// do sends a request with the env's token; header pairs follow the body.
func (e *env) do(method, path, body string, header ...string) reply {
	e.t.Helper()
	return e.doAs(e.token, method, path, body, header...)
}

func (e *env) doAs(token, method, path, body string, header ...string) reply {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		e.t.Errorf("%s %s: Content-Type %q, want application/json", method, path, ct)
	}
	if resp.Header.Get("X-Request-Id") == "" {
		e.t.Errorf("%s %s: no X-Request-Id", method, path)
	}
	// Every answer ends with a newline (for a terminal); the tests read
	// the JSON value before it.
	b, ok := bytes.CutSuffix(b, []byte("\n"))
	if !ok {
		e.t.Errorf("%s %s: the answer does not end with a newline: %.200q", method, path, b)
	}
	// The contract test: every answer the suite receives must be one the
	// OpenAPI document describes, every request the service accepts one the
	// document accepts, and every one it refuses with 400 one the document
	// refuses or lists as checked beyond its schema.
	if err := contract(e.t).Check(req, []byte(body), resp.StatusCode, resp.Header, b); err != nil {
		e.t.Errorf("%s %s answered %d, which the OpenAPI document does not allow: %v\n%.500s", method, path, resp.StatusCode, err, b)
	}
	if err := contract(e.t).CheckVerdict(req, []byte(body), resp.StatusCode, b); err != nil {
		e.t.Errorf("%s %s answered %d, which the OpenAPI document disagrees with: %v\n%.300s\n%.500s", method, path, resp.StatusCode, err, body, b)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// expect fails the test unless the reply has the status.
func expect(t *testing.T, r reply, status int) reply {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	return r
}

// processBody is a valid create body with the given name and exam ids.
func processBody(name string, exams ...string) string {
	if exams == nil {
		exams = []string{"exam-a"}
	}
	ids, _ := json.Marshal(exams)
	return fmt.Sprintf(`{"name":%q,"type":"register","exam_ids":%s,"is_active":true,
		"contact_form_options":{"contact_form_id":"cf-1"},
		"checkout_settings":{"bank_account_id":"bank-1","business_unit_id":"bu-1","extra":{"kept":true}},
		"confirmation_email":{"subject":"Welcome","body":"You are registered."}}`, name, ids)
}

// create creates a process in t1 and returns it.
func (e *env) create(name string, exams ...string) map[string]any {
	e.t.Helper()
	return expect(e.t, e.do("POST", "/examRegProcesses/t1", processBody(name, exams...)), 200).object(e.t)
}

// callLog records the DynamoDB operations a client makes and their inputs.
type callLog struct {
	mu    sync.Mutex
	calls []call
}

type call struct {
	op    string
	input any
}

func (l *callLog) record(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("testCallLog",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				l.mu.Lock()
				l.calls = append(l.calls, call{op: middleware.GetOperationName(ctx), input: in.Parameters})
				l.mu.Unlock()
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
	})
}

// since returns the calls made after mark (a length of the log).
func (l *callLog) since(mark int) []call {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]call(nil), l.calls[mark:]...)
}

func (l *callLog) mark() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.calls)
}

func ops(calls []call) string {
	var names []string
	for _, c := range calls {
		names = append(names, c.op)
	}
	return strings.Join(names, ",")
}

// sortedOps names the operations of calls (and of comma-separated lists), sorted.
func sortedOps(calls []call, lists ...string) string {
	var names []string
	for _, c := range calls {
		names = append(names, c.op)
	}
	for _, l := range lists {
		names = append(names, strings.Split(l, ",")...)
	}
	slices.Sort(names)
	return strings.Join(names, ",")
}

// assertCounted checks that the tenant counter equals the number of records:
// no create or delete was half applied. Engine only.
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
