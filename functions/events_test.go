package functions_test

import (
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
	"github.com/google/uuid"

	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/dev/bulkload"
	"github.com/certhub/examreg/pkg/dev/dynamotest"
	"github.com/certhub/examreg/pkg/dev/openapi"
	"github.com/certhub/examreg/pkg/lambdahttp"
	"github.com/certhub/examreg/pkg/store"
)

func TestMain(m *testing.M) { os.Exit(dynamotest.RunTests(m)) }

// envVarsFile is the one file of events/ that is not an event: the
// environment for `sam local invoke --env-vars`.
const envVarsFile = "env.json"

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
	})}
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

// TestEventsReplayInProcess runs every event through its function's handler
// on a fresh demo table, exactly as the function's main does on Lambda.
func TestEventsReplayInProcess(t *testing.T) {
	files := eventFiles(t)
	for _, op := range sortedOps(files) {
		t.Run(string(op), func(t *testing.T) {
			check, ok := successChecks[op]
			if !ok {
				t.Fatalf("events/%s.json: no checks for operation %q", op, op)
			}
			f := newFixture(t)
			ev := loadEvent(t, op)
			resp := f.invoke(t, op, ev)
			checkAnswer(t, ev, resp, http.StatusOK, f.store.Table())
			check(t, f, ev, resp)
		})
	}
}

// TestEventsMatchRoutes holds events/ to the route table: one event per
// route, each shaped as API Gateway sends that route.
func TestEventsMatchRoutes(t *testing.T) {
	files := eventFiles(t)
	for _, r := range api.Routes {
		if _, ok := files[r.Op]; !ok {
			t.Errorf("route %s %s (%s) has no events/%s.json", r.Method, r.Path, r.Op, r.Op)
		}
	}
	for _, op := range sortedOps(files) {
		t.Run(string(op), func(t *testing.T) {
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

// TestEventsRoundTrip unmarshals every event into
// events.APIGatewayV2HTTPRequest and marshals it back, as aws-lambda-go does
// for its own test data: a field the type does not know (a misspelt name)
// would be lost, and so would reach no function.
func TestEventsRoundTrip(t *testing.T) {
	files := eventFiles(t)
	for _, op := range sortedOps(files) {
		t.Run(string(op), func(t *testing.T) {
			raw, err := os.ReadFile(files[op])
			if err != nil {
				t.Fatal(err)
			}
			var ev events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(raw, &ev); err != nil {
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
