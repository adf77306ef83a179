package functions_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/google/uuid"

	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/dev/bulkload"
	"github.com/certhub/examreg/pkg/dev/dynamotest"
	"github.com/certhub/examreg/pkg/dev/localenv"
	"github.com/certhub/examreg/pkg/dev/openapi"
	"github.com/certhub/examreg/pkg/examreg"
	"github.com/certhub/examreg/pkg/history"
	"github.com/certhub/examreg/pkg/lambdahttp"
	"github.com/certhub/examreg/pkg/store"
)

func TestMain(m *testing.M) { os.Exit(dynamotest.RunTests(m)) }

// envVarsFile is the one file of events/ that is not an event: the
// environment for `sam local invoke --env-vars`.
const envVarsFile = "env.json"

// historyWriter is the stream function. It has no route: its event,
// events/historywriter.json, is a batch of the table's stream as Lambda
// delivers it (an events.DynamoDBEvent), not an API Gateway request.
const historyWriter api.Op = "historywriter"

// eventFiles returns the events/*.json files by operation.
func eventFiles(t *testing.T) map[api.Op]string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "events", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[api.Op]string{}
	for _, p := range paths {
		if filepath.Base(p) != envVarsFile {
			files[api.Op(strings.TrimSuffix(filepath.Base(p), ".json"))] = p
		}
	}
	if len(files) == 0 {
		t.Fatal("no events/*.json files")
	}
	return files
}

// sortedOps lists the operations of files in a fixed order.
func sortedOps(files map[api.Op]string) []api.Op {
	return slices.Sorted(maps.Keys(files))
}

// loadEvent reads events/<op>.json afresh (tests change their copy).
func loadEvent(t *testing.T, op api.Op) events.APIGatewayV2HTTPRequest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "events", string(op)+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatalf("events/%s.json: %v", op, err)
	}
	return ev
}

// loadStreamEvent reads events/historywriter.json, decoded and as it is.
func loadStreamEvent(t *testing.T) (events.DynamoDBEvent, []byte) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "events", string(historyWriter)+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("events/%s.json: %v", historyWriter, err)
	}
	return ev, raw
}

func routeOf(op api.Op) (api.Route, bool) {
	for _, r := range api.Routes {
		if r.Op == op {
			return r, true
		}
	}
	return api.Route{}, false
}

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

// routeParams lists the path parameters of a route, in order.
func routeParams(r api.Route) []string {
	var names []string
	for _, m := range pathParam.FindAllStringSubmatch(r.Path, -1) {
		names = append(names, m[1])
	}
	return names
}

// setPath changes path parameters of an event and rewrites its paths, as
// API Gateway would have sent them for the event's route.
func setPath(t *testing.T, ev *events.APIGatewayV2HTTPRequest, op api.Op, params map[string]string) {
	t.Helper()
	r, ok := routeOf(op)
	if !ok {
		t.Fatalf("no route for %s", op)
	}
	ev.PathParameters = maps.Clone(ev.PathParameters)
	maps.Copy(ev.PathParameters, params)
	path := pathParam.ReplaceAllStringFunc(r.Path, func(m string) string {
		return url.PathEscape(ev.PathParameters[m[1:len(m)-1]])
	})
	ev.RawPath, ev.RequestContext.HTTP.Path = path, path
}

// setQuery sets the query string, and queryStringParameters as API Gateway
// derives them (repeated names joined with commas).
func setQuery(t *testing.T, ev *events.APIGatewayV2HTTPRequest, raw string) {
	t.Helper()
	values, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	ev.RawQueryString, ev.QueryStringParameters = raw, nil
	for name, vs := range values {
		if ev.QueryStringParameters == nil {
			ev.QueryStringParameters = map[string]string{}
		}
		ev.QueryStringParameters[name] = strings.Join(vs, ",")
	}
}

// setBody sets the body and its content-length.
func setBody(ev *events.APIGatewayV2HTTPRequest, body string) {
	ev.Body = body
	ev.Headers = maps.Clone(ev.Headers)
	ev.Headers["content-length"] = strconv.Itoa(len(body))
}

// setClaims replaces the JWT authorizer's claims (nil: no authorizer at all,
// as for a route without one).
func setClaims(ev *events.APIGatewayV2HTTPRequest, claims map[string]string) {
	if claims == nil {
		ev.RequestContext.Authorizer = nil
		return
	}
	ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims},
	}
}

// claimsWith returns the event's claims with changes; an empty value removes
// the claim.
func claimsWith(ev events.APIGatewayV2HTTPRequest, changes map[string]string) map[string]string {
	claims := maps.Clone(ev.RequestContext.Authorizer.JWT.Claims)
	for k, v := range changes {
		if v == "" {
			delete(claims, k)
		} else {
			claims[k] = v
		}
	}
	return claims
}

// header looks a response header up by name, case-insensitively, as HTTP
// does (the adapter canonicalizes names: ETag arrives as Etag).
func header(resp events.APIGatewayV2HTTPResponse, name string) string {
	for k, v := range resp.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// httpRequest is the request an event stands for, as a client sent it.
func httpRequest(t *testing.T, ev events.APIGatewayV2HTTPRequest) *http.Request {
	t.Helper()
	u := "https://" + ev.RequestContext.DomainName + ev.RawPath
	if ev.RawQueryString != "" {
		u += "?" + ev.RawQueryString
	}
	req, err := http.NewRequest(ev.RequestContext.HTTP.Method, u, strings.NewReader(ev.Body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range ev.Headers {
		req.Header.Set(k, v)
	}
	return req
}

var (
	contractOnce sync.Once
	contract     *openapi.Validator
	contractErr  error
)

// checkContract holds an answer to the OpenAPI document.
func checkContract(t *testing.T, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
	t.Helper()
	contractOnce.Do(func() { contract, contractErr = openapi.NewValidator() })
	if contractErr != nil {
		t.Fatal(contractErr)
	}
	h := http.Header{}
	for k, v := range resp.Headers {
		h.Set(k, v)
	}
	if err := contract.Check(httpRequest(t, ev), []byte(ev.Body), resp.StatusCode, h, []byte(resp.Body)); err != nil {
		t.Error(err)
	}
}

// checkAnswer checks what every answer must be: the status, a JSON body and
// Content-Type, the request id echoed, the contract; an error body has a
// message and never names the table.
func checkAnswer(t *testing.T, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse, status int, table string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d; body %s", resp.StatusCode, status, resp.Body)
	}
	if ct := header(resp, "Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	if resp.IsBase64Encoded {
		t.Errorf("the body is base64-encoded")
	}
	if id := header(resp, "X-Request-Id"); id != ev.RequestContext.RequestID {
		t.Errorf("X-Request-Id %q, want the event's request id %q", id, ev.RequestContext.RequestID)
	}
	if !json.Valid([]byte(resp.Body)) {
		t.Fatalf("the body is not JSON: %q", resp.Body)
	}
	if status != http.StatusOK {
		var body struct {
			Message string `json:"message"`
		}
		if err := json.Unmarshal([]byte(resp.Body), &body); err != nil || body.Message == "" {
			t.Errorf("error body without a message: %s", resp.Body)
		}
	}
	if table != "" && strings.Contains(resp.Body, table) {
		t.Errorf("the answer names the table %s: %s", table, resp.Body)
	}
	checkContract(t, ev, resp)
}

// decode decodes a body strictly into v.
func decode(t *testing.T, body string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("body %s does not decode into %T: %v", body, v, err)
	}
}

// process is an exam reg process as a client reads it.
type process = map[string]any

func checkETag(t *testing.T, resp events.APIGatewayV2HTTPResponse, p process) {
	t.Helper()
	if p["sys_version"] == nil {
		t.Errorf("no sys_version in the answer, so no ETag to check (ETag %q)", header(resp, "ETag"))
		return
	}
	want := fmt.Sprintf(`"%v"`, p["sys_version"])
	if got := header(resp, "ETag"); got != want {
		t.Errorf("ETag %q, want %s (the quoted sys_version)", got, want)
	}
}

// fixture is a fresh table loaded with the demo data, and the API on it.
type fixture struct {
	store  *store.Store
	server *api.Server
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := dynamotest.NewTable(t)
	if err := bulkload.LoadDemo(context.Background(), st, nil); err != nil {
		t.Fatal(err)
	}
	return &fixture{store: st, server: api.New(api.Config{
		Store:                 st,
		FrontDoor:             lambdahttp.Gateway{},
		MaxProcessesPerTenant: 1000,
		TenantClaim:           api.DefaultTenantClaim,
		Logger:                slog.New(slog.DiscardHandler),
	}).WithDiff(history.Diff)}
}

// invoke runs an event through op's handler, as the function does.
func (f *fixture) invoke(t *testing.T, op api.Op, ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	resp, err := lambdahttp.Invoke(ctx, f.server.Handler(op), ev)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	return resp
}

// get reads a process through the get function, as a client would after a
// write: the answer is its status and, on 200, the object.
func (f *fixture) get(t *testing.T, id string) (int, process) {
	t.Helper()
	ev := loadEvent(t, api.OpGet)
	setPath(t, &ev, api.OpGet, map[string]string{"id": id})
	setQuery(t, &ev, "consistentRead=true")
	resp := f.invoke(t, api.OpGet, ev)
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil
	}
	var p process
	decode(t, resp.Body, &p)
	return resp.StatusCode, p
}

// newFixtureFor is newFixture for op's function: with the change history
// written while the test runs when op reads it.
func newFixtureFor(t *testing.T, op api.Op) *fixture {
	t.Helper()
	f := newFixture(t)
	if slices.Contains([]api.Op{api.OpHistory, api.OpHistoryVersion, api.OpCompare, api.OpRestore}, op) {
		f.writeHistory(t)
	}
	return f
}

// writeHistory runs the history writer on the fixture's table until the test
// ends, as the stream function does on AWS, and waits until the history of
// every demo process holds the version it was loaded at.
func (f *fixture) writeHistory(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- localenv.WriteHistory(ctx, f.store, 50*time.Millisecond, slog.New(slog.DiscardHandler))
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("the history writer stopped: %v", err)
		}
	})
	page, err := f.store.ListProcesses(context.Background(), bulkload.DemoTenant, store.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var loaded []process
	decode(t, string(page.JSON), &loaded)
	for _, p := range loaded {
		f.awaitVersion(t, p["id"].(string), entryOf(p).Version)
	}
}

// awaitVersion waits until the newest entry of a demo record's history is
// version (the writer writes an entry shortly after its write, from the
// stream) and returns the history, newest first.
func (f *fixture) awaitVersion(t *testing.T, id string, version int64) []entry {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		entries := readHistory(t, f.store, bulkload.DemoTenant, id)
		switch {
		case len(entries) > 0 && entries[0].Version == version:
			return entries
		case len(entries) > 0 && entries[0].Version > version:
			t.Fatalf("the history of %s went past version %d: %v", id, version, entries)
		case time.Now().After(deadline):
			t.Fatalf("after a minute the history of %s holds %v, still not version %d", id, entries, version)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// entry is a history entry as a client reads it.
type entry struct {
	Version   int64           `json:"version"`
	Operation string          `json:"operation"`
	At        string          `json:"at"`
	By        string          `json:"by"`
	RequestID string          `json:"request_id"`
	Patch     json.RawMessage `json:"patch"`
}

// String is the entry without its patch.
func (e entry) String() string {
	return fmt.Sprintf("{version %d, %s at %s by %s in request %s}", e.Version, e.Operation, e.At, e.By, e.RequestID)
}

// readHistory reads a record's whole history from the store, newest first.
func readHistory(t *testing.T, st *store.Store, tenant, id string) []entry {
	t.Helper()
	page, err := st.History(context.Background(), tenant, id, store.HistoryOptions{})
	if err != nil {
		t.Fatalf("the history of %s: %v", id, err)
	}
	var entries []entry
	decode(t, string(page.JSON), &entries)
	return entries
}

// entryOf is the history entry of the write that left a record as p: its
// version, operation, time, user and request are what p's bookkeeping says.
func entryOf(p process) entry {
	sc, _ := p["sys_last_security_context"].(map[string]any)
	version, _ := p["sys_version"].(float64)
	text := func(v any) string { s, _ := v.(string); return s }
	return entry{
		Version: int64(version), Operation: text(sc["operation"]), At: text(p["sys_last_modified_at"]),
		By: text(p["sys_last_modified_by_id"]), RequestID: text(sc["request_id"]),
	}
}

// withoutBookkeeping is a record less the members its history entry carries
// itself, and which its patches therefore leave out.
func withoutBookkeeping(p process) process {
	m := maps.Clone(p)
	for _, name := range []string{"sys_version", "sys_last_modified_at", "sys_last_modified_by_id", "sys_last_security_context"} {
		delete(m, name)
	}
	return m
}

// checkHistory checks a record's history, read newest first, against want,
// oldest first: each entry as want gives it, a delete without a patch, and
// each change's patch, applied in turn to {}, giving the record as records
// says it was at that version, less its bookkeeping.
func checkHistory(t *testing.T, newestFirst []entry, want []entry, records map[int64]process) {
	t.Helper()
	got := slices.Clone(newestFirst)
	slices.Reverse(got)
	if len(got) != len(want) {
		t.Fatalf("history (oldest first) %v, want %v", got, want)
	}
	doc := []byte(`{}`)
	for i, e := range got {
		if e.String() != want[i].String() {
			t.Errorf("entry %d is %v, want %v", i, e, want[i])
		}
		if e.Operation == examreg.OperationDelete {
			if e.Patch != nil {
				t.Errorf("version %d, a delete, has a patch: %s", e.Version, e.Patch)
			}
			continue
		}
		patch, err := jsonpatch.DecodePatch(e.Patch)
		if err != nil {
			t.Fatalf("version %d: the patch %s: %v", e.Version, e.Patch, err)
		}
		if doc, err = patch.Apply(doc); err != nil {
			t.Fatalf("version %d: the patch %s does not apply to the version before: %v", e.Version, e.Patch, err)
		}
		var folded process
		decode(t, string(doc), &folded)
		if record, ok := records[e.Version]; !ok {
			t.Errorf("version %d: no record to hold the patches to", e.Version)
		} else if !reflect.DeepEqual(folded, withoutBookkeeping(record)) {
			t.Errorf("the patches up to version %d make\n %v\nwant the record at that version less its bookkeeping\n %v", e.Version, folded, withoutBookkeeping(record))
		}
	}
}

// requestBody decodes the event's JSON body.
func requestBody(t *testing.T, ev events.APIGatewayV2HTTPRequest) map[string]any {
	t.Helper()
	var body map[string]any
	if err := json.Unmarshal([]byte(ev.Body), &body); err != nil {
		t.Fatalf("the event's body is not a JSON object: %v", err)
	}
	return body
}

// checkHolds reports the members of want that p does not hold as given.
func checkHolds(t *testing.T, p process, want map[string]any) {
	t.Helper()
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if !reflect.DeepEqual(p[k], want[k]) {
			t.Errorf("%s = %#v, want %#v as sent", k, p[k], want[k])
		}
	}
}

// successChecks holds, per operation, what its event must achieve on the
// demo data beyond checkAnswer: the specific facts of that operation.
var successChecks = map[api.Op]func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse){
	api.OpCreate: func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
		var p process
		decode(t, resp.Body, &p)
		checkETag(t, resp, p)
		checkHolds(t, p, requestBody(t, ev))
		if !slices.Equal(stringsOf(p["exam_ids"]), []string{"exam-cpa"}) {
			t.Errorf("exam_ids %v, want [exam-cpa]", p["exam_ids"])
		}
		id, _ := p["id"].(string)
		if u, err := uuid.Parse(id); err != nil || u.Version() != 7 {
			t.Errorf("id %q is not a UUIDv7 (%v)", id, err)
		}
		if loc := header(resp, "Location"); loc != "/examRegProcesses/demo/"+id {
			t.Errorf("Location %q, want /examRegProcesses/demo/%s", loc, id)
		}
		sub := ev.RequestContext.Authorizer.JWT.Claims["sub"]
		if p["sys_version"] != 1.0 || p["sys_created_by_id"] != sub || p["sys_last_modified_by_id"] != sub {
			t.Errorf("sys_version %v, created by %v, modified by %v; want 1, %s, %s", p["sys_version"], p["sys_created_by_id"], p["sys_last_modified_by_id"], sub, sub)
		}
		sc, _ := p["sys_last_security_context"].(map[string]any)
		for k, want := range map[string]string{
			"user_id": sub, "tenant_id": "demo", "request_id": ev.RequestContext.RequestID,
			"source_ip": ev.RequestContext.HTTP.SourceIP, "user_agent": ev.RequestContext.HTTP.UserAgent, "operation": "create",
		} {
			if sc[k] != want {
				t.Errorf("sys_last_security_context.%s = %v, want %q", k, sc[k], want)
			}
		}
		if status, stored := f.get(t, id); status != http.StatusOK || stored["name"] != p["name"] {
			t.Errorf("a get of the created process: %d %v", status, stored)
		}
	},
	api.OpList: func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
		var items []process
		decode(t, resp.Body, &items)
		if len(items) != 2 {
			t.Fatalf("%d processes, want 2 (limit=2)", len(items))
		}
		for _, p := range items {
			if p["id"] == nil || p["sys_version"] == nil || p["name"] == nil {
				t.Errorf("listed process lacks id, sys_version or name: %v", p)
			}
		}
		key := header(resp, "X-Exclusive-Start-Key")
		if key == "" {
			t.Fatalf("no X-Exclusive-Start-Key, though the demo tenant has 6 processes; headers %v", resp.Headers)
		}
		link := header(resp, "Link")
		if !strings.HasPrefix(link, "<"+ev.RawPath+"?") || !strings.HasSuffix(link, `>; rel="next"`) ||
			!strings.Contains(link, "exclusiveStartKey="+url.QueryEscape(key)) || !strings.Contains(link, "limit=2") {
			t.Errorf("Link %q, want <%s?...exclusiveStartKey=%s&limit=2>; rel=\"next\"", link, ev.RawPath, key)
		}
	},
	api.OpGet: func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
		var p process
		decode(t, resp.Body, &p)
		checkETag(t, resp, p)
		want := process{
			"id": "standard-registration", "name": "Standard registration", "type": "register",
			"exam_ids": []any{"exam-cpa", "exam-cpp"}, "checkout_settings": map[string]any{"bank_account_id": "bank-operating"},
			"sys_version": 1.0,
		}
		if !reflect.DeepEqual(p, want) {
			t.Errorf("get with fields=%s:\n got %v\nwant %v (the requested fields and id only)", ev.QueryStringParameters["fields"], p, want)
		}
	},
	api.OpUpdate: func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
		var p process
		decode(t, resp.Body, &p)
		checkETag(t, resp, p)
		checkHolds(t, p, requestBody(t, ev))
		if p["id"] != "retest" || p["sys_version"] != 2.0 {
			t.Errorf("id %v, sys_version %v; want retest, 2", p["id"], p["sys_version"])
		}
		if p["sys_created_by_id"] != "bulk-loader" || p["sys_last_modified_by_id"] != ev.RequestContext.Authorizer.JWT.Claims["sub"] {
			t.Errorf("created by %v, modified by %v; want the loader's creation kept and the caller's modification", p["sys_created_by_id"], p["sys_last_modified_by_id"])
		}
		if status, stored := f.get(t, "retest"); status != http.StatusOK || !reflect.DeepEqual(stored, p) {
			t.Errorf("a get after the update: %d\n got %v\nwant %v", status, stored, p)
		}
	},
	api.OpPatch: func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
		var p process
		decode(t, resp.Body, &p)
		checkETag(t, resp, p)
		email, _ := p["confirmation_email"].(map[string]any)
		if p["id"] != "retest" || p["sys_version"] != 2.0 || p["name"] != "Retest (one free attempt)" ||
			p["description"] == nil || email["subject"] != "Your retest is booked" || email["body"] != "Your retest is booked." {
			t.Errorf("patched retest: %v", p)
		}
		if !slices.Equal(stringsOf(p["exam_ids"]), []string{"exam-cpa", "exam-cpp"}) || p["type"] != "retest" {
			t.Errorf("fields the patch does not touch changed: exam_ids %v, type %v", p["exam_ids"], p["type"])
		}
	},
	api.OpDelete: func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
		var id string
		decode(t, resp.Body, &id)
		if id != "archived-registration" {
			t.Errorf("answered %q, want the deleted id archived-registration", id)
		}
		if status, _ := f.get(t, "archived-registration"); status != http.StatusNotFound {
			t.Errorf("a get after the delete: %d, want 404", status)
		}
	},
	api.OpEligible: func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
		var body struct {
			Processes        []process      `json:"processes"`
			LastRegistration map[string]any `json:"last_registration"`
		}
		decode(t, resp.Body, &body)
		var ids []string
		for _, p := range body.Processes {
			ids = append(ids, fmt.Sprint(p["id"]))
		}
		// contact-failed failed exam-cpa last: the active retest processes
		// serving exam-cpa (retest-proctored serves only exam-cpp).
		if !slices.Equal(ids, []string{"retest"}) {
			t.Errorf("eligible processes %v, want [retest]", ids)
		}
		if body.LastRegistration["id"] != "reg-1002" || body.LastRegistration["status"] != "failed" {
			t.Errorf("last_registration %v, want reg-1002, failed", body.LastRegistration)
		}
	},
	api.OpBatch: func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
		var body struct {
			SuccessCount int `json:"success_count"`
			ErrorCount   int `json:"error_count"`
			Results      []struct {
				ID        string  `json:"id"`
				Operation string  `json:"operation"`
				Status    int     `json:"status"`
				Object    process `json:"object"`
				Message   string  `json:"message"`
				Errors    []any   `json:"errors"`
			} `json:"results"`
		}
		decode(t, resp.Body, &body)
		if body.SuccessCount != 2 || body.ErrorCount != 0 || len(body.Results) != 2 {
			t.Fatalf("batch answer %s, want 2 successes", resp.Body)
		}
		r0, r1 := body.Results[0], body.Results[1]
		if r0.ID != "retest" || r0.Operation != "patch" || r0.Status != 200 || r0.Object["display_order"] != 5.0 ||
			r0.Object["display_in_portal_as"] != "Retake an exam" || r0.Object["sys_version"] != 2.0 {
			t.Errorf("results[0] = %+v, want the patched retest", r0)
		}
		if r1.ID != "archived-registration" || r1.Operation != "delete" || r1.Status != 200 || r1.Object != nil {
			t.Errorf("results[1] = %+v, want the delete of archived-registration", r1)
		}
		if status, _ := f.get(t, "archived-registration"); status != http.StatusNotFound {
			t.Errorf("a get after the batch delete: %d, want 404", status)
		}
		if status, p := f.get(t, "retest"); status != http.StatusOK || p["display_order"] != 5.0 {
			t.Errorf("a get after the batch patch: %d %v", status, p)
		}
	},
	api.OpHistory: func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
		var entries []entry
		decode(t, resp.Body, &entries)
		// The demo record was bulk-loaded and not written since: its history
		// is that load, whose patch makes the record.
		status, p := f.get(t, ev.PathParameters["id"])
		if status != http.StatusOK {
			t.Fatalf("a get of the record: %d", status)
		}
		checkHistory(t, entries, []entry{entryOf(p)}, map[int64]process{1: p})
		if e := entryOf(p); e.Version != 1 || e.Operation != examreg.OperationBulkLoad || e.By != "bulk-loader" {
			t.Errorf("the record's bookkeeping says %v, want version 1 by the bulk load", e)
		}
		if key, link := header(resp, "X-Exclusive-Start-Key"), header(resp, "Link"); key != "" || link != "" {
			t.Errorf("X-Exclusive-Start-Key %q, Link %q: a history of one entry fits the page (limit=10)", key, link)
		}
	},
	api.OpHistoryVersion: func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
		var p process
		decode(t, resp.Body, &p)
		checkETag(t, resp, p)
		// The demo record is still at the version the event reads: that
		// version is the record as a consistent GET answers it now.
		status, current := f.get(t, ev.PathParameters["id"])
		if status != http.StatusOK || fmt.Sprint(current["sys_version"]) != ev.PathParameters["version"] {
			t.Fatalf("a get of the record: %d, sys_version %v; want 200 at version %s", status, current["sys_version"], ev.PathParameters["version"])
		}
		if !reflect.DeepEqual(p, current) {
			t.Errorf("version %s:\n got %v\nwant %v (a consistent GET at that version)", ev.PathParameters["version"], p, current)
		}
	},
}

func stringsOf(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, e := range list {
		s, _ := e.(string)
		out = append(out, s)
	}
	return out
}

// deletionBehindTheEvent is what the delete behind the REMOVE of
// events/historywriter.json recorded of itself, in the deletion item its
// transaction wrote beside the removal (store.DeleteProcess): a stream
// record of a REMOVE carries only the record as it was, and the history
// writer reads the deleter from that item. Tests replaying the event seed
// the item, as the delete would have left it.
var deletionBehindTheEvent = store.Deletion{By: "auth0|demo-admin", At: "2026-06-14T09:35:05.285Z", RequestID: "Yd1k6FXyIAMEVmQ="}

// seedDeletions writes, for each REMOVE of a process in ev, the deletion item
// the delete wrote (deletionBehindTheEvent), keyed as pkg/store keys it.
func seedDeletions(t *testing.T, st *store.Store, ev events.DynamoDBEvent) {
	t.Helper()
	for _, r := range processRecords(t, ev) {
		if r.EventName != "REMOVE" {
			continue
		}
		_, err := st.Client().PutItem(context.Background(), &dynamodb.PutItemInput{
			TableName: aws.String(st.Table()),
			Item: map[string]types.AttributeValue{
				"pk":         &types.AttributeValueMemberS{Value: r.Change.Keys["pk"].String()},
				"sk":         &types.AttributeValueMemberS{Value: "DELETION#" + idOf(r)},
				"by":         &types.AttributeValueMemberS{Value: deletionBehindTheEvent.By},
				"at":         &types.AttributeValueMemberS{Value: deletionBehindTheEvent.At},
				"request_id": &types.AttributeValueMemberS{Value: deletionBehindTheEvent.RequestID},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// processRecords are the records of ev that change a process: those the
// history writer writes an entry for.
func processRecords(t *testing.T, ev events.DynamoDBEvent) []events.DynamoDBEventRecord {
	t.Helper()
	var out []events.DynamoDBEventRecord
	for _, r := range ev.Records {
		c, err := store.ChangeFromStream(r)
		if err != nil {
			t.Fatal(err)
		}
		if c.IsProcess() {
			out = append(out, r)
		}
	}
	return out
}

func tenantOf(r events.DynamoDBEventRecord) string {
	return strings.TrimPrefix(r.Change.Keys["pk"].String(), "TENANT#")
}

func idOf(r events.DynamoDBEventRecord) string {
	return strings.TrimPrefix(r.Change.Keys["sk"].String(), "EXAMREGPROCESS#")
}

// clientView is a stream image of a process as a client reads the record:
// its members without the storage keys.
func clientView(t *testing.T, image map[string]events.DynamoDBAttributeValue) process {
	t.Helper()
	c, err := store.ChangeFromStream(events.DynamoDBEventRecord{Change: events.DynamoDBStreamRecord{NewImage: image}})
	if err != nil {
		t.Fatal(err)
	}
	var p process
	if err := attributevalue.UnmarshalMap(c.New, &p); err != nil {
		t.Fatal(err)
	}
	delete(p, "pk")
	delete(p, "sk")
	return p
}

// tableItems is every item of st's table, ordered by key.
func tableItems(t *testing.T, st *store.Store) []map[string]types.AttributeValue {
	t.Helper()
	var items []map[string]types.AttributeValue
	pages := dynamodb.NewScanPaginator(st.Client(), &dynamodb.ScanInput{TableName: aws.String(st.Table()), ConsistentRead: aws.Bool(true)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, page.Items...)
	}
	key := func(item map[string]types.AttributeValue) string {
		pk, _ := item["pk"].(*types.AttributeValueMemberS)
		sk, _ := item["sk"].(*types.AttributeValueMemberS)
		return pk.Value + "\x00" + sk.Value
	}
	slices.SortFunc(items, func(a, b map[string]types.AttributeValue) int { return cmp.Compare(key(a), key(b)) })
	return items
}

// checkStreamEventWritten checks what the history writer left in st's table
// for ev: per process, one entry for each of its records, in stream order
// (a change's as its new image's bookkeeping says, with the patch from the
// image before; a REMOVE's, version after the last, as the seeded deletion
// says); each change's version reading back as its new image, as GET
// answered it; the delete's version not found; and nothing else: the table
// holds these entries and the seeded deletions, nothing for the records of
// other items.
func checkStreamEventWritten(t *testing.T, st *store.Store, ev events.DynamoDBEvent) {
	t.Helper()
	type record struct{ tenant, id string }
	var order []record
	want := map[record][]entry{}
	images := map[record]map[int64]process{}
	deleted := map[record]int64{}
	records := processRecords(t, ev)
	for _, r := range records {
		rec := record{tenantOf(r), idOf(r)}
		if _, seen := want[rec]; !seen {
			order = append(order, rec)
			images[rec] = map[int64]process{}
		}
		switch r.EventName {
		case "INSERT", "MODIFY":
			p := clientView(t, r.Change.NewImage)
			e := entryOf(p)
			want[rec] = append(want[rec], e)
			images[rec][e.Version] = p
		case "REMOVE":
			last := entryOf(clientView(t, r.Change.OldImage))
			d := deletionBehindTheEvent
			want[rec] = append(want[rec], entry{Version: last.Version + 1, Operation: examreg.OperationDelete, At: d.At, By: d.By, RequestID: d.RequestID})
			deleted[rec] = last.Version + 1
		}
	}
	ctx := context.Background()
	for _, rec := range order {
		checkHistory(t, readHistory(t, st, rec.tenant, rec.id), want[rec], images[rec])
		for _, v := range slices.Sorted(maps.Keys(images[rec])) {
			r, err := st.HistoryVersion(ctx, rec.tenant, rec.id, v)
			if err != nil {
				t.Errorf("version %d of %s: %v", v, rec.id, err)
				continue
			}
			var got process
			decode(t, string(r.JSON), &got)
			if !reflect.DeepEqual(got, images[rec][v]) {
				t.Errorf("version %d of %s reads\n %v\nwant its new image as GET answers it\n %v", v, rec.id, got, images[rec][v])
			}
		}
		if v, ok := deleted[rec]; ok {
			if _, err := st.HistoryVersion(ctx, rec.tenant, rec.id, v); examreg.ErrorCode(err) != examreg.ENOTFOUND {
				t.Errorf("version %d of %s, its delete: %v, want not found", v, rec.id, err)
			}
		}
	}
	if items, n := tableItems(t, st), len(records)+len(deleted); len(items) != n {
		t.Errorf("the table holds %d items, want %d: an entry per process record and the seeded deletions:\n%v", len(items), n, items)
	}
}

// batchItemFailures decodes the history writer's answer as Lambda reads it
// with ReportBatchItemFailures (an object holding the array
// batchItemFailures only, empty for a batch that succeeded, as AWS's
// examples answer) and returns the identifiers of the failed records.
func batchItemFailures(t *testing.T, answer []byte) []string {
	t.Helper()
	var shape map[string]json.RawMessage
	if err := json.Unmarshal(answer, &shape); err != nil || len(shape) != 1 || !bytes.HasPrefix(shape["batchItemFailures"], []byte("[")) {
		t.Fatalf("the answer %s is not an object holding batchItemFailures only (%v)", answer, err)
	}
	var failures []struct {
		ItemIdentifier string `json:"itemIdentifier"`
	}
	decode(t, string(shape["batchItemFailures"]), &failures)
	var ids []string
	for _, f := range failures {
		ids = append(ids, f.ItemIdentifier)
	}
	return ids
}

// streamFunction is the history writer writing to table, run in process or
// as its bootstrap under the emulator; deliver hands it a stream event's
// payload and returns its answer as Lambda reads it.
type streamFunction func(t *testing.T, table string) (deliver func(t *testing.T, payload []byte) []byte)

// checkStreamFunction delivers events/historywriter.json to the history
// writer on a fresh table holding what the writes behind the event left
// there (the deletion its REMOVE needs), twice, as the stream may deliver a
// batch again: the first delivery writes the entries and the second adds
// nothing, neither reporting a failure. Then a writer on a table it cannot
// write reports, as ReportBatchItemFailures wants, the sequence number of
// every record from the first it failed on (the first process record): the
// next delivery starts there.
func checkStreamFunction(t *testing.T, start streamFunction) {
	ev, payload := loadStreamEvent(t)
	st := dynamotest.NewTable(t)
	seedDeletions(t, st, ev)
	deliver := start(t, st.Table())
	t.Run("writes an entry per process record", func(t *testing.T) {
		if failed := batchItemFailures(t, deliver(t, payload)); len(failed) != 0 {
			t.Errorf("batchItemFailures %v, want none", failed)
		}
		checkStreamEventWritten(t, st, ev)
	})
	t.Run("delivered again adds nothing", func(t *testing.T) {
		before := tableItems(t, st)
		if failed := batchItemFailures(t, deliver(t, payload)); len(failed) != 0 {
			t.Errorf("batchItemFailures %v, want none", failed)
		}
		if after := tableItems(t, st); !reflect.DeepEqual(after, before) {
			t.Errorf("the second delivery changed the table:\nbefore %v\n after %v", before, after)
		}
	})
	t.Run("reports every record from the first failure on", func(t *testing.T) {
		firstProcess := processRecords(t, ev)[0].Change.SequenceNumber
		first := slices.IndexFunc(ev.Records, func(r events.DynamoDBEventRecord) bool { return r.Change.SequenceNumber == firstProcess })
		var want []string
		for _, r := range ev.Records[first:] {
			want = append(want, r.Change.SequenceNumber)
		}
		if failed := batchItemFailures(t, start(t, "no-such-table")(t, payload)); !slices.Equal(failed, want) {
			t.Errorf("batchItemFailures %v, want the sequence numbers from the first process record on: %v", failed, want)
		}
	})
}

// TestEventsReplayInProcess runs every event through its function's handler
// on a fresh table, exactly as the function's main does on Lambda: an API
// event on the demo data (with its change history written, for the routes
// that read it), and the stream event as checkStreamFunction delivers it.
func TestEventsReplayInProcess(t *testing.T) {
	files := eventFiles(t)
	for _, op := range sortedOps(files) {
		t.Run(string(op), func(t *testing.T) {
			if op == historyWriter {
				checkStreamFunction(t, inProcess)
				return
			}
			check, ok := successChecks[op]
			if !ok {
				t.Fatalf("events/%s.json: no checks for operation %q", op, op)
			}
			f := newFixtureFor(t, op)
			ev := loadEvent(t, op)
			resp := f.invoke(t, op, ev)
			checkAnswer(t, ev, resp, http.StatusOK, f.store.Table())
			check(t, f, ev, resp)
		})
	}
}

// inProcess runs history.Writer.Handle as the stream function's main does,
// on a Store connected to table as history.MustFromEnv connects it, and
// answers with the handler's response encoded as the runtime encodes it.
func inProcess(t *testing.T, table string) func(*testing.T, []byte) []byte {
	t.Helper()
	st, err := store.Connect(context.Background(), table)
	if err != nil {
		t.Fatal(err)
	}
	w := &history.Writer{Store: st, Log: slog.New(slog.NewJSONHandler(testLog{t}, nil))}
	return func(t *testing.T, payload []byte) []byte {
		t.Helper()
		var ev events.DynamoDBEvent
		if err := json.Unmarshal(payload, &ev); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		resp, err := w.Handle(ctx, ev)
		if err != nil {
			t.Fatalf("the handler failed the whole batch: %v", err)
		}
		answer, err := json.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		return answer
	}
}

// testLog writes a log to the test's log, shown when the test fails.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// TestEventsMatchRoutes holds events/ to the route table: one event per
// route, each shaped as API Gateway sends that route; and the stream
// function's event shaped as Lambda delivers a batch of the table's stream.
func TestEventsMatchRoutes(t *testing.T) {
	files := eventFiles(t)
	for _, r := range api.Routes {
		if _, ok := files[r.Op]; !ok {
			t.Errorf("route %s %s (%s) has no events/%s.json", r.Method, r.Path, r.Op, r.Op)
		}
	}
	if _, ok := files[historyWriter]; !ok {
		t.Errorf("the stream function has no events/%s.json", historyWriter)
	}
	for _, op := range sortedOps(files) {
		t.Run(string(op), func(t *testing.T) {
			if op == historyWriter {
				ev, _ := loadStreamEvent(t)
				checkStreamEventShape(t, ev)
				return
			}
			r, ok := routeOf(op)
			if !ok {
				t.Fatalf("events/%s.json: no route for operation %q in api.Routes", op, op)
			}
			ev := loadEvent(t, op)
			key := r.Method + " " + r.Path
			if ev.RouteKey != key || ev.RequestContext.RouteKey != key {
				t.Errorf("routeKey %q, requestContext.routeKey %q; want %q", ev.RouteKey, ev.RequestContext.RouteKey, key)
			}
			if ev.RequestContext.HTTP.Method != r.Method {
				t.Errorf("requestContext.http.method %q, want %s", ev.RequestContext.HTTP.Method, r.Method)
			}
			if names := slices.Sorted(maps.Keys(ev.PathParameters)); !slices.Equal(names, slices.Sorted(slices.Values(routeParams(r)))) {
				t.Errorf("pathParameters %v, want exactly %v", names, routeParams(r))
			}
			want := ev
			setPath(t, &want, op, nil)
			if ev.RawPath != want.RawPath || ev.RequestContext.HTTP.Path != want.RawPath {
				t.Errorf("rawPath %q, requestContext.http.path %q; the route with the pathParameters is %q", ev.RawPath, ev.RequestContext.HTTP.Path, want.RawPath)
			}
			setQuery(t, &want, ev.RawQueryString)
			if !maps.Equal(ev.QueryStringParameters, want.QueryStringParameters) {
				t.Errorf("queryStringParameters %v, want %v from rawQueryString %q", ev.QueryStringParameters, want.QueryStringParameters, ev.RawQueryString)
			}
			checkEventShape(t, ev)
		})
	}
}

// checkEventShape checks what API Gateway's payload 2.0 always holds, and
// that the event is consistent with itself.
func checkEventShape(t *testing.T, ev events.APIGatewayV2HTTPRequest) {
	t.Helper()
	rc := ev.RequestContext
	if ev.Version != "2.0" || rc.Stage != "$default" || ev.IsBase64Encoded {
		t.Errorf("version %q, stage %q, isBase64Encoded %v; want 2.0, $default, false", ev.Version, rc.Stage, ev.IsBase64Encoded)
	}
	for name, value := range map[string]string{
		"accountId": rc.AccountID, "apiId": rc.APIID, "domainName": rc.DomainName, "requestId": rc.RequestID,
		"http.protocol": rc.HTTP.Protocol, "http.sourceIp": rc.HTTP.SourceIP, "http.userAgent": rc.HTTP.UserAgent,
	} {
		if value == "" {
			t.Errorf("requestContext.%s is empty", name)
		}
	}
	for k := range ev.Headers {
		if k != strings.ToLower(k) {
			t.Errorf("header %q: API Gateway sends header names in lower case", k)
		}
	}
	if ev.Headers["host"] != rc.DomainName || ev.Headers["user-agent"] != rc.HTTP.UserAgent {
		t.Errorf("headers host %q, user-agent %q disagree with requestContext %q, %q", ev.Headers["host"], ev.Headers["user-agent"], rc.DomainName, rc.HTTP.UserAgent)
	}
	if !strings.HasPrefix(ev.Headers["authorization"], "Bearer ") {
		t.Errorf("authorization %q, want a Bearer token", ev.Headers["authorization"])
	}
	at, err := time.Parse("02/Jan/2006:15:04:05 -0700", rc.Time)
	if err != nil || at.Unix() != rc.TimeEpoch/1000 {
		t.Errorf("time %q and timeEpoch %d disagree (%v)", rc.Time, rc.TimeEpoch, err)
	}
	if rc.Authorizer == nil || rc.Authorizer.JWT == nil {
		t.Fatal("no requestContext.authorizer.jwt: every route has the JWT authorizer")
	}
	claims := rc.Authorizer.JWT.Claims
	for _, c := range []string{"sub", "iss", "aud", "exp", "iat", api.DefaultTenantClaim} {
		if claims[c] == "" {
			t.Errorf("claim %q is missing", c)
		}
	}
	if claims[api.DefaultTenantClaim] != bulkload.DemoTenant || ev.PathParameters["tenantId"] != bulkload.DemoTenant {
		t.Errorf("tenant claim %q, path tenant %q; the events target the demo tenant", claims[api.DefaultTenantClaim], ev.PathParameters["tenantId"])
	}
	if exp, err := strconv.ParseInt(claims["exp"], 10, 64); err != nil || exp*1000 <= rc.TimeEpoch {
		t.Errorf("exp %q is not after the request time", claims["exp"])
	}
	switch {
	case ev.Body == "":
		if _, ok := ev.Headers["content-type"]; ok {
			t.Errorf("content-type without a body")
		}
	case !json.Valid([]byte(ev.Body)):
		t.Errorf("the body is not JSON: %s", ev.Body)
	default:
		if ev.Headers["content-type"] == "" {
			t.Errorf("a body without content-type")
		}
		if n := ev.Headers["content-length"]; n != strconv.Itoa(len(ev.Body)) {
			t.Errorf("content-length %q, but the body has %d bytes", n, len(ev.Body))
		}
	}
	// The request is one the contract accepts.
	contractOnce.Do(func() { contract, contractErr = openapi.NewValidator() })
	if contractErr != nil {
		t.Fatal(contractErr)
	}
	if err := contract.CheckRequest(httpRequest(t, ev), []byte(ev.Body)); err != nil {
		t.Error(err)
	}
}

var (
	streamARN      = regexp.MustCompile(`^arn:aws:dynamodb:([a-z0-9-]+):[0-9]{12}:table/[A-Za-z0-9_.-]+/stream/[0-9T:.-]+$`)
	sequenceNumber = regexp.MustCompile(`^[1-9][0-9]*$`)
)

// checkStreamEventShape checks what Lambda's events from a DynamoDB stream
// hold, as the table's stream (NEW_AND_OLD_IMAGES) produces them, and that
// the event exercises the history writer: an INSERT, a MODIFY and a REMOVE
// of demo processes, with the bookkeeping a history entry is made of, and a
// record of another item, which the writer must pass over.
func checkStreamEventShape(t *testing.T, ev events.DynamoDBEvent) {
	t.Helper()
	if len(ev.Records) == 0 {
		t.Fatal("no Records")
	}
	kinds := map[string]bool{}
	latest := map[string]process{} // each process's newest image so far
	var previous events.DynamoDBEventRecord
	for i, r := range ev.Records {
		c := r.Change
		m := streamARN.FindStringSubmatch(r.EventSourceArn)
		if m == nil || m[1] != r.AWSRegion || r.EventSourceArn != ev.Records[0].EventSourceArn {
			t.Errorf("record %d: eventSourceARN %q, awsRegion %q: want one table's stream ARN, in that region", i, r.EventSourceArn, r.AWSRegion)
		}
		if r.EventSource != "aws:dynamodb" || r.EventVersion == "" || r.EventID == "" || c.StreamViewType != "NEW_AND_OLD_IMAGES" || c.SizeBytes <= 0 {
			t.Errorf("record %d: eventSource %q, eventVersion %q, eventID %q, StreamViewType %q, SizeBytes %d; want aws:dynamodb, a version, an id, NEW_AND_OLD_IMAGES (the table's), a size",
				i, r.EventSource, r.EventVersion, r.EventID, c.StreamViewType, c.SizeBytes)
		}
		// Sequence numbers are decimal numbers too long for an int64.
		if !sequenceNumber.MatchString(c.SequenceNumber) {
			t.Errorf("record %d: SequenceNumber %q is not a number", i, c.SequenceNumber)
		}
		if i > 0 && cmp.Or(cmp.Compare(len(c.SequenceNumber), len(previous.Change.SequenceNumber)), strings.Compare(c.SequenceNumber, previous.Change.SequenceNumber)) <= 0 {
			t.Errorf("record %d: SequenceNumber %s does not follow %s: a batch is in stream order", i, c.SequenceNumber, previous.Change.SequenceNumber)
		}
		if c.ApproximateCreationDateTime.IsZero() || i > 0 && c.ApproximateCreationDateTime.Before(previous.Change.ApproximateCreationDateTime.Time) {
			t.Errorf("record %d: ApproximateCreationDateTime %v is missing or goes back in time", i, c.ApproximateCreationDateTime)
		}
		previous = r
		if names := slices.Sorted(maps.Keys(c.Keys)); !slices.Equal(names, []string{"pk", "sk"}) {
			t.Errorf("record %d: Keys %v, want pk and sk", i, names)
		}
		images := map[string]map[string]events.DynamoDBAttributeValue{"NewImage": c.NewImage, "OldImage": c.OldImage}
		want := map[string][]string{"INSERT": {"NewImage"}, "MODIFY": {"NewImage", "OldImage"}, "REMOVE": {"OldImage"}}[r.EventName]
		if want == nil {
			t.Errorf("record %d: eventName %q", i, r.EventName)
		}
		for name, image := range images {
			if (image != nil) != slices.Contains(want, name) {
				t.Errorf("record %d, a %s: %s present %v", i, r.EventName, name, image != nil)
			}
			for _, k := range []string{"pk", "sk"} {
				if image != nil && image[k].String() != c.Keys[k].String() {
					t.Errorf("record %d: %s.%s %q disagrees with Keys.%s %q", i, name, k, image[k].String(), k, c.Keys[k].String())
				}
			}
		}
		change, err := store.ChangeFromStream(r)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if !change.IsProcess() {
			kinds["other"] = true
			continue
		}
		kinds[r.EventName] = true
		if tenantOf(r) != bulkload.DemoTenant {
			t.Errorf("record %d: tenant %q, want the demo tenant", i, tenantOf(r))
		}
		for name, image := range images {
			if image == nil {
				continue
			}
			p := clientView(t, image)
			e := entryOf(p)
			if p["id"] != idOf(r) || e.Version < 1 || e.Operation == "" || e.At == "" || e.By == "" || e.RequestID == "" {
				t.Errorf("record %d: %s has id %v and bookkeeping %v; want the key's id, sys_version, sys_last_modified_at and _by_id, and sys_last_security_context with operation and request_id", i, name, p["id"], e)
			}
		}
		// One process's records chain: each old image is the new image
		// before it, each write one version on.
		last, seen := latest[idOf(r)]
		if r.EventName == "INSERT" {
			if seen {
				t.Errorf("record %d: an INSERT of %s, which exists", i, idOf(r))
			}
		} else if old := clientView(t, c.OldImage); !seen || !reflect.DeepEqual(old, last) {
			t.Errorf("record %d, a %s: OldImage\n %v\nis not the newest image of %s before it\n %v", i, r.EventName, old, idOf(r), last)
		}
		if r.EventName == "MODIFY" && entryOf(clientView(t, c.NewImage)).Version != entryOf(last).Version+1 {
			t.Errorf("record %d: a MODIFY from version %d to %d", i, entryOf(last).Version, entryOf(clientView(t, c.NewImage)).Version)
		}
		latest[idOf(r)] = nil
		if c.NewImage != nil {
			latest[idOf(r)] = clientView(t, c.NewImage)
		}
	}
	for _, want := range []string{"INSERT", "MODIFY", "REMOVE", "other"} {
		if !kinds[want] {
			t.Errorf("no %s record: the event has an INSERT, a MODIFY and a REMOVE of processes, and a record of another item", want)
		}
	}
}

// TestEventsRoundTrip unmarshals every event into the type its function's
// handler takes (events.APIGatewayV2HTTPRequest; events.DynamoDBEvent for the
// stream function) and marshals it back, as aws-lambda-go does for its own
// test data: a field the type does not know (a misspelt name) would be lost,
// and so would reach no function.
func TestEventsRoundTrip(t *testing.T) {
	files := eventFiles(t)
	for _, op := range sortedOps(files) {
		t.Run(string(op), func(t *testing.T) {
			raw, err := os.ReadFile(files[op])
			if err != nil {
				t.Fatal(err)
			}
			var ev any = new(events.APIGatewayV2HTTPRequest)
			if op == historyWriter {
				ev = new(events.DynamoDBEvent)
			}
			if err := json.Unmarshal(raw, ev); err != nil {
				t.Fatal(err)
			}
			again, err := json.Marshal(ev)
			if err != nil {
				t.Fatal(err)
			}
			var before, after any
			if err := json.Unmarshal(raw, &before); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(again, &after); err != nil {
				t.Fatal(err)
			}
			for _, d := range jsonDiff("", before, after) {
				t.Error(d)
			}
		})
	}
}

// jsonDiff compares a decoded JSON document with its round trip. Nothing of
// the original may be lost or changed; a null member may drop out (the
// type's omitempty does that to "scopes": null, and a null carries nothing),
// and the round trip may add members only with zero values (the type's
// fields that are never omitted, such as requestContext.authentication).
func jsonDiff(path string, before, after any) []string {
	switch b := before.(type) {
	case map[string]any:
		a, ok := after.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %v became %v", path, before, after)}
		}
		var diffs []string
		for _, k := range slices.Sorted(maps.Keys(b)) {
			av, present := a[k]
			switch {
			case !present && b[k] == nil:
			case !present:
				diffs = append(diffs, fmt.Sprintf("%s.%s: lost in the round trip (was %v)", path, k, b[k]))
			default:
				diffs = append(diffs, jsonDiff(path+"."+k, b[k], av)...)
			}
		}
		for _, k := range slices.Sorted(maps.Keys(a)) {
			if _, present := b[k]; !present && !zeroJSON(a[k]) {
				diffs = append(diffs, fmt.Sprintf("%s.%s: added by the round trip: %v", path, k, a[k]))
			}
		}
		return diffs
	case []any:
		a, ok := after.([]any)
		if !ok || len(a) != len(b) {
			return []string{fmt.Sprintf("%s: %v became %v", path, before, after)}
		}
		var diffs []string
		for i := range b {
			diffs = append(diffs, jsonDiff(fmt.Sprintf("%s[%d]", path, i), b[i], a[i])...)
		}
		return diffs
	default:
		if !reflect.DeepEqual(before, after) {
			return []string{fmt.Sprintf("%s: %#v became %#v", path, before, after)}
		}
		return nil
	}
}

// zeroJSON reports whether a decoded JSON value holds nothing: null, false,
// 0, "", or objects and arrays of only such values.
func zeroJSON(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case float64:
		return x == 0
	case string:
		return x == ""
	case map[string]any:
		for _, e := range x {
			if !zeroJSON(e) {
				return false
			}
		}
		return true
	case []any:
		for _, e := range x {
			if !zeroJSON(e) {
				return false
			}
		}
		return true
	}
	return false
}

// TestJSONDiffCatchesLoss makes sure the round-trip comparison can fail.
func TestJSONDiffCatchesLoss(t *testing.T) {
	var before, after any
	json.Unmarshal([]byte(`{"a":{"b":1,"c":null,"typo":"x"},"l":[1,2]}`), &before)
	json.Unmarshal([]byte(`{"a":{"b":2,"extra":""},"l":[1],"added":true}`), &after)
	got := jsonDiff("", before, after)
	sort.Strings(got)
	want := []string{
		".a.b: 1 became 2",
		".a.typo: lost in the round trip (was x)",
		".added: added by the round trip: true",
		".l: [1 2] became [1]",
	}
	if !slices.Equal(got, want) {
		t.Errorf("jsonDiff:\n got %q\nwant %q", got, want)
	}
}
