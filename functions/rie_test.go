//go:build unix

package functions_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/dev/bulkload"
	"github.com/certhub/examreg/pkg/dev/rietest"
	"github.com/certhub/examreg/pkg/dev/samtemplate"
	"github.com/certhub/examreg/pkg/emf/emftest"
	"github.com/certhub/examreg/pkg/examreg"
)

// The end-to-end tests run each function's bootstrap, built as for Lambda
// (for this machine's architecture), under the AWS Lambda Runtime Interface
// Emulator, which speaks the Lambda Runtime API to it exactly as Lambda does,
// against a DynamoDB engine (moto) holding the demo data. They need the
// emulator: $AWS_LAMBDA_RIE or <repo>/bin/aws-lambda-rie (see
// rietest.InstallCommand); without it they fail, except under -short, which
// skips them.

// scenario is one invocation of a function: its event (events/<op>.json as
// change leaves it) and the answer expected.
type scenario struct {
	name   string
	change func(t *testing.T, ev *events.APIGatewayV2HTTPRequest)
	status int
	// check, if set, checks a 200 answer further.
	check func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse)
	// run, if set, replaces the single invocation.
	run func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, invoke invoker)
}

type invoker func(t *testing.T, ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse

// commonScenarios hold for every function and need no data: credentials and
// the tenant are checked before anything is read.
func commonScenarios(op api.Op) []scenario {
	return []scenario{
		{name: "401 without authorizer claims", status: http.StatusUnauthorized,
			change: func(t *testing.T, ev *events.APIGatewayV2HTTPRequest) { setClaims(ev, nil) }},
		{name: "401 without sub", status: http.StatusUnauthorized,
			change: func(t *testing.T, ev *events.APIGatewayV2HTTPRequest) {
				setClaims(ev, claimsWith(*ev, map[string]string{"sub": ""}))
			}},
		{name: "403 for another tenant", status: http.StatusForbidden,
			change: func(t *testing.T, ev *events.APIGatewayV2HTTPRequest) {
				setPath(t, ev, op, map[string]string{"tenantId": "other-tenant"})
			}},
	}
}

// theEvent is events/<op>.json as it is, on the demo data: a 200.
func theEvent(op api.Op) scenario {
	return scenario{name: "200 events/" + string(op) + ".json", status: http.StatusOK, check: successChecks[op]}
}

func withBody(body string) func(*testing.T, *events.APIGatewayV2HTTPRequest) {
	return func(_ *testing.T, ev *events.APIGatewayV2HTTPRequest) { setBody(ev, body) }
}

func withPath(op api.Op, params ...string) func(*testing.T, *events.APIGatewayV2HTTPRequest) {
	return func(t *testing.T, ev *events.APIGatewayV2HTTPRequest) {
		m := map[string]string{}
		for i := 0; i+1 < len(params); i += 2 {
			m[params[i]] = params[i+1]
		}
		setPath(t, ev, op, m)
	}
}

func withQuery(raw string) func(*testing.T, *events.APIGatewayV2HTTPRequest) {
	return func(t *testing.T, ev *events.APIGatewayV2HTTPRequest) { setQuery(t, ev, raw) }
}

// editBody changes the event's JSON object body.
func editBody(edit func(body map[string]any)) func(*testing.T, *events.APIGatewayV2HTTPRequest) {
	return func(t *testing.T, ev *events.APIGatewayV2HTTPRequest) {
		body := requestBody(t, *ev)
		edit(body)
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		setBody(ev, string(b))
	}
}

// errorFields checks that an error answer lists (at least) these fields.
func errorFields(fields ...string) func(*testing.T, *fixture, events.APIGatewayV2HTTPRequest, events.APIGatewayV2HTTPResponse) {
	return func(t *testing.T, _ *fixture, _ events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
		t.Helper()
		var body struct {
			Errors []struct{ Field string }
		}
		json.Unmarshal([]byte(resp.Body), &body)
		var got []string
		for _, e := range body.Errors {
			got = append(got, e.Field)
		}
		for _, f := range fields {
			if !slices.Contains(got, f) {
				t.Errorf("errors name %v, want %s among them; body %s", got, f, resp.Body)
			}
		}
	}
}

// scenarios are run in order after commonScenarios, on one emulator and
// one demo table per function, so later ones see what earlier ones wrote.
var scenarios = map[api.Op][]scenario{
	api.OpCreate: {
		{name: "400 for a body carrying an id", status: http.StatusBadRequest, check: errorFields("id"),
			change: editBody(func(b map[string]any) { b["id"] = "my-own-id" })},
		{name: "400 for trailing data after the body", status: http.StatusBadRequest,
			change: func(t *testing.T, ev *events.APIGatewayV2HTTPRequest) { setBody(ev, ev.Body+` {}`) }},
		{name: "409 for an exam the tenant lacks", status: http.StatusConflict, check: errorFields("exam_ids[1]"),
			change: editBody(func(b map[string]any) { b["exam_ids"] = []string{"exam-cpa", "exam-nope"} })},
		theEvent(api.OpCreate),
	},
	api.OpList: {
		{name: "400 for limit=0", status: http.StatusBadRequest, change: withQuery("limit=0"), check: errorFields("limit")},
		{name: "400 for a key this API did not return", status: http.StatusBadRequest, change: withQuery("limit=2&exclusiveStartKey=%25%25"), check: errorFields("exclusiveStartKey")},
		theEvent(api.OpList),
		{name: "pages through all 6 demo processes with X-Exclusive-Start-Key", run: func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, invoke invoker) {
			var ids []string
			for page := 1; ; page++ {
				resp := invoke(t, ev)
				checkAnswer(t, ev, resp, http.StatusOK, f.store.Table())
				var items []process
				decode(t, resp.Body, &items)
				for _, p := range items {
					ids = append(ids, fmt.Sprint(p["id"]))
				}
				key := header(resp, "X-Exclusive-Start-Key")
				if key == "" {
					break
				}
				if page == 10 {
					t.Fatalf("still a next page after %d pages: %v", page, ids)
				}
				setQuery(t, &ev, "limit=2&exclusiveStartKey="+key)
			}
			slices.Sort(ids)
			want := []string{"archived-registration", "board-approved", "cpp-fast-track", "retest", "retest-proctored", "standard-registration"}
			if !slices.Equal(ids, want) {
				t.Errorf("the pages held %v, want each demo process once: %v", ids, want)
			}
		}},
	},
	api.OpGet: {
		{name: "404 for a missing id", status: http.StatusNotFound, change: withPath(api.OpGet, "id", "no-such-process")},
		{name: "400 for an unknown field in fields", status: http.StatusBadRequest, change: withQuery("fields=name,nope"), check: errorFields("fields")},
		theEvent(api.OpGet),
		{name: "200 with the tenant claim as API Gateway flattens an array", status: http.StatusOK,
			change: func(t *testing.T, ev *events.APIGatewayV2HTTPRequest) {
				setClaims(ev, claimsWith(*ev, map[string]string{api.DefaultTenantClaim: "[other-tenant demo]"}))
			}},
	},
	api.OpUpdate: {
		{name: "400 listing every missing required field", status: http.StatusBadRequest,
			change: withBody(`{"name":"Retest"}`),
			check:  errorFields("type", "exam_ids", "contact_form_options", "checkout_settings", "confirmation_email")},
		{name: "400 for an id differing from the path", status: http.StatusBadRequest,
			change: editBody(func(b map[string]any) { b["id"] = "cpp-fast-track" })},
		{name: "403 for a locked record", status: http.StatusForbidden, change: withPath(api.OpUpdate, "id", "board-approved")},
		{name: "404 for a missing id", status: http.StatusNotFound, change: withPath(api.OpUpdate, "id", "no-such-process")},
		theEvent(api.OpUpdate),
		{name: "409 for a stale sys_version after the update", status: http.StatusConflict,
			change: editBody(func(b map[string]any) { b["sys_version"] = 1 })},
	},
	api.OpPatch: {
		{name: "400 for a patch of a server-managed field", status: http.StatusBadRequest,
			change: withBody(`[{"op":"replace","path":"/sys_version","value":9}]`)},
		{name: "400 for a failed test op", status: http.StatusBadRequest,
			change: withBody(`[{"op":"test","path":"/type","value":"register"},{"op":"replace","path":"/name","value":"x"}]`)},
		{name: "400 for a body that is not a patch", status: http.StatusBadRequest, change: withBody(`{"name":"x"}`)},
		{name: "404 for a missing id", status: http.StatusNotFound, change: withPath(api.OpPatch, "id", "no-such-process")},
		theEvent(api.OpPatch),
	},
	api.OpDelete: {
		{name: "409 for a process exam registrations use", status: http.StatusConflict, change: withPath(api.OpDelete, "id", "standard-registration")},
		{name: "403 for a locked record", status: http.StatusForbidden, change: withPath(api.OpDelete, "id", "board-approved")},
		{name: "400 for a query parameter", status: http.StatusBadRequest, change: withQuery("force=true")},
		theEvent(api.OpDelete),
		// The same request id is the same request: its reply was lost and
		// it came again (store.DeleteProcess), so it succeeds once more.
		{name: "200 when the event is sent again", status: http.StatusOK},
		{name: "404 for another request after the delete", status: http.StatusNotFound,
			change: func(t *testing.T, ev *events.APIGatewayV2HTTPRequest) {
				ev.RequestContext.RequestID = "Yd1k7aBcIAMEVnA="
			}},
	},
	api.OpEligible: {
		{name: "404 for an exam the tenant lacks", status: http.StatusNotFound, change: withPath(api.OpEligible, "examId", "exam-nope")},
		{name: "400 for an invalid contact id", status: http.StatusBadRequest, change: withPath(api.OpEligible, "contactId", "a b")},
		theEvent(api.OpEligible),
		{name: "200 with no process after a pass", status: http.StatusOK, change: withPath(api.OpEligible, "contactId", "contact-passed"),
			check: eligibleIs(nil, map[string]string{"id": "reg-1003"})},
		{name: "200 with the register processes for a new contact", status: http.StatusOK, change: withPath(api.OpEligible, "contactId", "contact-new"),
			check: eligibleIs([]string{"standard-registration", "board-approved"}, nil)},
	},
	api.OpBatch: {
		{name: "400 for no operations", status: http.StatusBadRequest, change: withBody(`{"operations":[]}`), check: errorFields("operations")},
		{name: "200 with every operation failing alone", status: http.StatusOK,
			change: withBody(`{"operations":[{"operation":"delete","id":"standard-registration"},{"operation":"archive","id":"retest"}]}`),
			check: func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
				var body struct {
					SuccessCount int `json:"success_count"`
					ErrorCount   int `json:"error_count"`
					Results      []struct {
						ID     string `json:"id"`
						Status int    `json:"status"`
					} `json:"results"`
				}
				json.Unmarshal([]byte(resp.Body), &body)
				if body.SuccessCount != 0 || body.ErrorCount != 2 || len(body.Results) != 2 ||
					body.Results[0].Status != http.StatusConflict || body.Results[1].Status != http.StatusBadRequest {
					t.Errorf("answer %s, want results 409 (referenced) and 400 (unknown operation)", resp.Body)
				}
			}},
		theEvent(api.OpBatch),
	},
	api.OpHistory: {
		{name: "404 for an id that never existed", status: http.StatusNotFound, change: withPath(api.OpHistory, "id", "no-such-process")},
		{name: "400 for limit=0", status: http.StatusBadRequest, change: withQuery("limit=0"), check: errorFields("limit")},
		{name: "400 for a key this API did not return", status: http.StatusBadRequest, change: withQuery("limit=2&exclusiveStartKey=%25%25"), check: errorFields("exclusiveStartKey")},
		theEvent(api.OpHistory),
		{name: "pages through every version of changed records, and a delete", run: func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, invoke invoker) {
			retest, archived := changeDemoRecords(t, f)
			entries := pageHistory(t, f, ev, "retest", invoke)
			want := []entry{entryOf(retest[1]), entryOf(retest[2]), entryOf(retest[3]), entryOf(retest[4])}
			checkHistory(t, entries, want, retest)
			var ops []string
			for _, e := range want {
				ops = append(ops, e.Operation)
			}
			if !slices.Equal(ops, []string{"bulk_load", "update", "patch", "batch"}) {
				t.Errorf("retest was written by %v, want bulk_load, update, patch, batch", ops)
			}
			batch := loadEvent(t, api.OpBatch)
			d, err := f.store.ReadDeletion(context.Background(), bulkload.DemoTenant, "archived-registration")
			if err != nil {
				t.Fatal(err)
			}
			deletion := entry{Version: 2, Operation: examreg.OperationDelete, At: d.At, By: batch.RequestContext.Authorizer.JWT.Claims["sub"], RequestID: batch.RequestContext.RequestID}
			checkHistory(t, pageHistory(t, f, ev, "archived-registration", invoke), []entry{entryOf(archived), deletion}, map[int64]process{1: archived})
		}},
	},
	api.OpHistoryVersion: {
		{name: "404 for a version not written", status: http.StatusNotFound, change: withPath(api.OpHistoryVersion, "version", "2")},
		{name: "404 for an id that never existed", status: http.StatusNotFound, change: withPath(api.OpHistoryVersion, "id", "no-such-process")},
		{name: "400 for version 0", status: http.StatusBadRequest, change: withPath(api.OpHistoryVersion, "version", "0"), check: errorFields("version")},
		{name: "400 for a version with a leading zero", status: http.StatusBadRequest, change: withPath(api.OpHistoryVersion, "version", "01"), check: errorFields("version")},
		{name: "400 for a version that is not a number", status: http.StatusBadRequest, change: withPath(api.OpHistoryVersion, "version", "one"), check: errorFields("version")},
		theEvent(api.OpHistoryVersion),
		{name: "each version as GET answered it, and 404 for a delete", run: func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, invoke invoker) {
			retest, archived := changeDemoRecords(t, f)
			for _, tc := range []struct {
				id      string
				version int64
				want    process // nil: 404
			}{
				{"retest", 1, retest[1]}, {"retest", 2, retest[2]}, {"retest", 3, retest[3]}, {"retest", 4, retest[4]},
				{"archived-registration", 1, archived}, {"archived-registration", 2, nil},
			} {
				t.Run(fmt.Sprintf("%s version %d", tc.id, tc.version), func(t *testing.T) {
					ev := ev
					setPath(t, &ev, api.OpHistoryVersion, map[string]string{"id": tc.id, "version": strconv.FormatInt(tc.version, 10)})
					resp := invoke(t, ev)
					if tc.want == nil {
						checkAnswer(t, ev, resp, http.StatusNotFound, f.store.Table())
						return
					}
					checkAnswer(t, ev, resp, http.StatusOK, f.store.Table())
					var p process
					decode(t, resp.Body, &p)
					checkETag(t, resp, p)
					if !reflect.DeepEqual(p, tc.want) {
						t.Errorf("\n got %v\nwant %v (a consistent GET at that version)", p, tc.want)
					}
				})
			}
		}},
	},
}

// changeDemoRecords writes demo records through the handlers, in process,
// with the events of the write functions: retest by events/update.json,
// events/patch.json and events/batch.json (versions 2, 3 and 4), and
// archived-registration, which the batch deletes. It waits until the
// history holds every write, and returns retest as a consistent GET
// answered it at each version, and archived-registration as loaded.
func changeDemoRecords(t *testing.T, f *fixture) (retest map[int64]process, archived process) {
	t.Helper()
	retest = map[int64]process{}
	_, retest[1] = f.get(t, "retest")
	_, archived = f.get(t, "archived-registration")
	for i, op := range []api.Op{api.OpUpdate, api.OpPatch, api.OpBatch} {
		if resp := f.invoke(t, op, loadEvent(t, op)); resp.StatusCode != http.StatusOK {
			t.Fatalf("events/%s.json: %d %s", op, resp.StatusCode, resp.Body)
		}
		version := int64(i + 2)
		if _, retest[version] = f.get(t, "retest"); entryOf(retest[version]).Version != version {
			t.Fatalf("after events/%s.json retest is %v, want version %d", op, retest[version], version)
		}
	}
	f.awaitVersion(t, "retest", 4)
	f.awaitVersion(t, "archived-registration", 2)
	return retest, archived
}

// pageHistory reads a record's whole history through the function, a page of
// one entry at a time (pageAll), and returns it newest first.
func pageHistory(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, id string, invoke invoker) []entry {
	t.Helper()
	setPath(t, &ev, api.OpHistory, map[string]string{"id": id})
	return pageAll[entry](t, f, ev, invoke)
}

// pageAll reads a whole list through a function, a page of one item at a
// time, following X-Exclusive-Start-Key (which Link must carry too).
func pageAll[T any](t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, invoke invoker) []T {
	t.Helper()
	setQuery(t, &ev, "limit=1")
	var all []T
	for page := 1; ; page++ {
		resp := invoke(t, ev)
		checkAnswer(t, ev, resp, http.StatusOK, f.store.Table())
		var items []T
		decode(t, resp.Body, &items)
		all = append(all, items...)
		key := header(resp, "X-Exclusive-Start-Key")
		if key == "" {
			return all
		}
		if link := header(resp, "Link"); !strings.Contains(link, "exclusiveStartKey="+url.QueryEscape(key)) {
			t.Errorf("Link %q does not carry X-Exclusive-Start-Key %q", link, key)
		}
		if page == 10 {
			t.Fatalf("still a next page after %d pages: %v", page, all)
		}
		setQuery(t, &ev, "limit=1&exclusiveStartKey="+url.QueryEscape(key))
	}
}

// lambdaEnv is the whole environment of an emulator and its function: what
// template.yaml gives the function, the local engine, and dummy
// credentials. Nothing is inherited from the test process (a developer's AWS
// profile or credentials must not reach the function). An override with an
// empty value removes the variable.
func lambdaEnv(t *testing.T, op api.Op, table string, overrides map[string]string) []string {
	t.Helper()
	env := map[string]string{
		"TABLE_NAME":                table,
		"MAX_PROCESSES_PER_TENANT":  "1000",
		"TENANT_CLAIM":              api.DefaultTenantClaim,
		"AWS_ENDPOINT_URL_DYNAMODB": os.Getenv("AWS_ENDPOINT_URL_DYNAMODB"), // set by localenv
		"AWS_REGION":                os.Getenv("AWS_REGION"),                // the region the tables are in
		"AWS_ACCESS_KEY_ID":         "local",
		"AWS_SECRET_ACCESS_KEY":     "local",
		"AWS_EC2_METADATA_DISABLED": "true",
		"HOME":                      t.TempDir(), // no shared AWS config or credentials files
		// What Lambda would say of the function; the emulator defaults them
		// otherwise (300 s, 3008 MB). The timeout is generous: a busy machine
		// must not turn a slow moto into a failed invocation.
		"AWS_LAMBDA_FUNCTION_NAME":        functionName(t, op),
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_LAMBDA_FUNCTION_TIMEOUT":     "60",
	}
	for k, v := range overrides {
		if v == "" {
			delete(env, k)
		} else {
			env[k] = v
		}
	}
	for _, k := range []string{"AWS_ENDPOINT_URL_DYNAMODB", "AWS_REGION"} {
		if _, overridden := overrides[k]; !overridden && env[k] == "" {
			t.Fatalf("%s is not set: dynamotest.RunTests sets it", k)
		}
	}
	var list []string
	for _, k := range slices.Sorted(maps.Keys(env)) {
		list = append(list, k+"="+env[k])
	}
	return list
}

// functionName is the logical id template.yaml gives op's function:
// <Op>Function, the operation's name in any case (HistoryVersionFunction).
func functionName(t *testing.T, op api.Op) string {
	t.Helper()
	tpl, err := samtemplate.LoadDefault()
	if err != nil {
		t.Fatal(err)
	}
	for id, r := range tpl.Resources {
		if r.Type == "AWS::Serverless::Function" && strings.EqualFold(id, string(op)+"Function") {
			return id
		}
	}
	t.Fatalf("template.yaml has no function for %q", op)
	return ""
}

// startEmulator runs a bootstrap under the emulator until the test ends; a
// failed test gets the emulator's output (its log and the function's).
func startEmulator(t *testing.T, rie, bootstrap string, env []string) *rietest.Emulator {
	t.Helper()
	emu, err := rietest.Start(rietest.Config{Binary: rie, Bootstrap: bootstrap, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		emu.Stop()
		if t.Failed() {
			t.Logf("emulator and function output:\n%s", emu.Output())
		}
	})
	return emu
}

// invokeRaw sends payload to emu and returns the emulator's status and answer.
func invokeRaw(t *testing.T, emu *rietest.Emulator, payload []byte) (int, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), rietest.DefaultInvokeTimeout)
	defer cancel()
	status, body, err := emu.Invoke(ctx, payload)
	if err != nil {
		t.Fatal(err)
	}
	return status, body
}

// invokeOK is invokeRaw for a function that must answer: what it answered.
func invokeOK(t *testing.T, emu *rietest.Emulator, payload []byte) []byte {
	t.Helper()
	status, body := invokeRaw(t, emu, payload)
	if status != http.StatusOK {
		t.Fatalf("the emulator answered %d (the function failed): %s", status, body)
	}
	return body
}

// invokeVia returns an invoker that sends events to emu and decodes what the
// function answered as API Gateway reads it.
func invokeVia(emu *rietest.Emulator) invoker {
	return func(t *testing.T, ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
		t.Helper()
		payload, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		body := invokeOK(t, emu, payload)
		var shape map[string]json.RawMessage
		if err := json.Unmarshal(body, &shape); err != nil {
			t.Fatalf("the function's output is not a JSON object: %s", body)
		}
		for _, k := range []string{"statusCode", "headers", "body"} {
			if _, ok := shape[k]; !ok {
				t.Fatalf("the function's output lacks %q: %s", k, body)
			}
		}
		var resp events.APIGatewayV2HTTPResponse
		if err := json.Unmarshal(body, &resp); err != nil {
			t.Fatalf("the function's output is not an API Gateway response: %v: %s", err, body)
		}
		return resp
	}
}

// underEmulator runs the history writer's bootstrap under the emulator, one
// emulator per table, and hands it the payload as Lambda's event source
// mapping invokes it. Each emulator's bootstrap must serve every invocation:
// initialized once.
func underEmulator(rie, bootstrap string) streamFunction {
	return func(t *testing.T, table string) func(*testing.T, []byte) []byte {
		t.Helper()
		emu := startEmulator(t, rie, bootstrap, lambdaEnv(t, historyWriter, table, nil))
		t.Cleanup(func() {
			out, _ := emu.WaitForOutput("INIT START", rietest.DefaultOutputTimeout)
			if n := strings.Count(out, "INIT START"); n != 1 {
				t.Errorf("the function was initialized %d times, want once", n)
			}
		})
		return func(t *testing.T, payload []byte) []byte {
			t.Helper()
			return invokeOK(t, emu, payload)
		}
	}
}

// buildBootstraps builds every function of functions/ once for the whole
// test, HTTP and stream functions alike.
func buildBootstraps(t *testing.T) map[string]string {
	t.Helper()
	root, err := rietest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dirs, err := os.ReadDir(filepath.Join(root, "functions"))
	if err != nil {
		t.Fatal(err)
	}
	var pkgs []string
	for _, d := range dirs {
		if d.IsDir() {
			pkgs = append(pkgs, "./functions/"+d.Name())
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	start := time.Now()
	paths, err := rietest.Build(ctx, root, t.TempDir(), pkgs...)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("built %d bootstraps in %v", len(paths), time.Since(start).Round(time.Millisecond))
	return paths
}

// metricsNamespace is the METRICS_NAMESPACE the functions under the
// emulator are given.
const metricsNamespace = "Test/Functions"

// checkMetricLines checks the request log lines a function wrote: each is a
// CloudWatch embedded metric format document, in the namespace its
// environment names, counting one request of its operation.
func checkMetricLines(t *testing.T, op api.Op, output string) {
	t.Helper()
	lines := 0
	for line := range strings.Lines(output) {
		if !strings.Contains(line, `"msg":"request"`) {
			continue
		}
		lines++
		values, err := emftest.Validate([]byte(line))
		if err != nil {
			t.Errorf("a request line is not an embedded metric format document: %v\n%s", err, line)
			continue
		}
		counted := false
		for _, v := range values {
			counted = counted || v.Name == "requests" && v.Dimensions["operation"] == string(op) && v.Value == 1
			if v.Namespace != metricsNamespace {
				t.Errorf("%s in namespace %q, want $METRICS_NAMESPACE %q", v.Name, v.Namespace, metricsNamespace)
			}
		}
		if !counted {
			t.Errorf("the line counts no %s request: %s", op, line)
		}
	}
	if lines == 0 {
		t.Error("no request log line")
	}
}

// TestFunctionsUnderRIE runs every function under the Runtime Interface
// Emulator with its events/<op>.json: an HTTP function with the scenarios
// above, the stream function as checkStreamFunction delivers its event, the
// answers and the table checked as in process, and its request log lines
// as metrics (checkMetricLines). Then it checks that the
// configuration each function reads from its environment is honoured.
func TestFunctionsUnderRIE(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: needs the Lambda Runtime Interface Emulator and a DynamoDB engine (run without -short)")
	}
	rie := rietest.Require(t)
	bootstraps := buildBootstraps(t)

	for _, op := range sortedOps(eventFiles(t)) {
		t.Run(string(op), func(t *testing.T) {
			if op == historyWriter {
				checkStreamFunction(t, underEmulator(rie, bootstraps[string(op)]))
				return
			}
			if _, ok := successChecks[op]; !ok {
				t.Fatalf("no checks for operation %q", op)
			}
			f := newFixtureFor(t, op)
			emu := startEmulator(t, rie, bootstraps[string(op)], lambdaEnv(t, op, f.store.Table(), map[string]string{"METRICS_NAMESPACE": metricsNamespace}))
			invoke := invokeVia(emu)
			for _, sc := range append(commonScenarios(op), scenarios[op]...) {
				t.Run(sc.name, func(t *testing.T) {
					ev := loadEvent(t, op)
					if sc.change != nil {
						sc.change(t, &ev)
					}
					if sc.run != nil {
						sc.run(t, f, ev, invoke)
						return
					}
					resp := invoke(t, ev)
					checkAnswer(t, ev, resp, sc.status, f.store.Table())
					if sc.check != nil && !t.Failed() {
						sc.check(t, f, ev, resp)
					}
				})
			}
			// One bootstrap process served every invocation: none crashed it.
			out, _ := emu.WaitForOutput("INIT START", rietest.DefaultOutputTimeout)
			if n := strings.Count(out, "INIT START"); n != 1 {
				t.Errorf("the function was initialized %d times, want once", n)
			}
			checkMetricLines(t, op, out)
		})
	}

	t.Run("snapshots taken, read, restored, undone and deleted", func(t *testing.T) {
		checkSnapshotStory(t, rie, bootstraps)
	})
	t.Run("snapshot apply cut short by its timeout, then sent again", func(t *testing.T) {
		checkApplyCutShort(t, rie, bootstraps)
	})

	t.Run("create honours MAX_PROCESSES_PER_TENANT", func(t *testing.T) {
		f := newFixture(t) // the demo tenant holds 6 processes
		emu := startEmulator(t, rie, bootstraps["create"], lambdaEnv(t, api.OpCreate, f.store.Table(), map[string]string{"MAX_PROCESSES_PER_TENANT": "6"}))
		ev := loadEvent(t, api.OpCreate)
		checkAnswer(t, ev, invokeVia(emu)(t, ev), http.StatusTooManyRequests, f.store.Table())
	})

	t.Run("get honours TENANT_CLAIM", func(t *testing.T) {
		const claim = "https://certhub.example/tenants"
		f := newFixture(t)
		emu := startEmulator(t, rie, bootstraps["get"], lambdaEnv(t, api.OpGet, f.store.Table(), map[string]string{"TENANT_CLAIM": claim}))
		invoke := invokeVia(emu)
		ev := loadEvent(t, api.OpGet)
		checkAnswer(t, ev, invoke(t, ev), http.StatusForbidden, f.store.Table())
		setClaims(&ev, claimsWith(ev, map[string]string{claim: "demo", api.DefaultTenantClaim: ""}))
		checkAnswer(t, ev, invoke(t, ev), http.StatusOK, f.store.Table())
	})

	// Every kind of function, an HTTP one (function.ServeHTTP) and the
	// stream one (function.Init), needs its table.
	for _, op := range []api.Op{api.OpGet, historyWriter} {
		t.Run(string(op)+" init fails without TABLE_NAME", func(t *testing.T) {
			emu := startEmulator(t, rie, bootstraps[string(op)], lambdaEnv(t, op, "", map[string]string{"TABLE_NAME": ""}))
			payload, err := os.ReadFile(eventFiles(t)[op])
			if err != nil {
				t.Fatal(err)
			}
			status, body := invokeRaw(t, emu, payload)
			// The emulator answers a failed init 502, as Lambda's Invoke API
			// answers a function error; the function logged why and exited.
			if status != http.StatusBadGateway {
				t.Errorf("the emulator answered %d %s, want 502 for a function whose init failed", status, body)
			}
			if out, ok := emu.WaitForOutput("TABLE_NAME is not set", rietest.DefaultOutputTimeout); !ok {
				t.Errorf("the function did not log why its init failed:\n%s", out)
			}
		})
	}
}
