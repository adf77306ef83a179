package samtemplate_test

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/dev/samtemplate"
	"github.com/certhub/examreg/pkg/function"
	"github.com/certhub/examreg/pkg/store"
)

// functionProps is what the template says of one function.
type functionProps struct {
	Metadata struct{ BuildMethod string }
	Props    struct {
		CodeUri, Handler, Runtime string
		Architectures             []string
		Events                    map[string]event
		Environment               struct{ Variables map[string]any }
	}
}

// event is one event source of a function: an HttpApi route, or a DynamoDB
// stream's event source mapping. Intrinsics are in their long form
// ({"Fn::GetAtt": ["Table", "StreamArn"]}).
type event struct {
	Type       string
	Properties struct {
		// HttpApi
		ApiId        map[string]string
		Method, Path string
		// DynamoDB
		Stream                     map[string][]string
		FilterCriteria             struct{ Filters []struct{ Pattern string } }
		FunctionResponseTypes      []string
		BisectBatchOnFunctionError bool
		MaximumRetryAttempts       *int
		MaximumRecordAgeInSeconds  *int
		DestinationConfig          struct {
			OnFailure struct{ Destination map[string][]string }
		}
	}
}

// loadTemplate returns the template and the repository root it sits in.
func loadTemplate(t *testing.T) (*samtemplate.Template, string) {
	t.Helper()
	path, err := samtemplate.Find()
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := samtemplate.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return tpl, filepath.Dir(path)
}

// functionOf is what the template says of the function id: the Globals,
// then the function's own properties over them, as SAM merges them.
func functionOf(t *testing.T, tpl *samtemplate.Template, id string) functionProps {
	t.Helper()
	var fn functionProps
	if err := json.Unmarshal(tpl.Resources[id].Metadata, &fn.Metadata); len(tpl.Resources[id].Metadata) > 0 && err != nil {
		t.Fatalf("%s: Metadata: %v", id, err)
	}
	if err := json.Unmarshal(tpl.Globals["Function"], &fn.Props); err != nil {
		t.Fatalf("Globals.Function: %v", err)
	}
	if err := json.Unmarshal(tpl.Resources[id].Properties, &fn.Props); err != nil {
		t.Fatalf("%s: Properties: %v", id, err)
	}
	return fn
}

// TestTemplateRoutesFunctionsAndEventsAgree holds template.yaml, the route
// table of pkg/api, functions/ and events/ to each other: a route or a
// function added in one place and not the others fails here. A function is
// either an HTTP function (its logical id names a route's operation, and it
// has that one route) or a stream function (no route, one DynamoDB event;
// see checkStreamEvent); each has its functions/<op> main and its
// events/<op>.json.
func TestTemplateRoutesFunctionsAndEventsAgree(t *testing.T) {
	tpl, root := loadTemplate(t)
	seen := map[api.Op]bool{}
	for _, id := range slices.Sorted(maps.Keys(tpl.Resources)) {
		if tpl.Resources[id].Type != "AWS::Serverless::Function" {
			continue
		}
		op := api.Op(strings.ToLower(strings.TrimSuffix(id, "Function")))
		seen[op] = true
		t.Run(id, func(t *testing.T) {
			// <Op>Function, the operation's name in any case:
			// HistoryVersionFunction serves "historyversion".
			if !strings.HasSuffix(id, "Function") || op == "" {
				t.Errorf("a function's logical id is <Op>Function")
			}
			fn := functionOf(t, tpl, id)
			if fn.Metadata.BuildMethod != "makefile" || fn.Props.CodeUri != "." || fn.Props.Handler != "bootstrap" ||
				fn.Props.Runtime != "provided.al2023" || !slices.Equal(fn.Props.Architectures, []string{"arm64"}) {
				t.Errorf("build %q, CodeUri %q, Handler %q, Runtime %q, Architectures %v; want makefile, ., bootstrap, provided.al2023, [arm64]",
					fn.Metadata.BuildMethod, fn.Props.CodeUri, fn.Props.Handler, fn.Props.Runtime, fn.Props.Architectures)
			}
			main, mainErr := os.ReadFile(filepath.Join(root, "functions", string(op), "main.go"))
			if mainErr != nil {
				t.Errorf("functions/%s: %v", op, mainErr)
			}
			eventFile, eventErr := os.ReadFile(filepath.Join(root, "events", string(op)+".json"))
			if eventErr != nil {
				t.Errorf("events/%s.json: %v", op, eventErr)
			}
			env := slices.Collect(maps.Keys(fn.Props.Environment.Variables))

			route := routeOf(op)
			if route == nil {
				// Not an HTTP function: then a stream function, which
				// reads TABLE_NAME (function.Init). The Globals give
				// every function the API's variables too, which it ignores.
				if !slices.Contains(env, "TABLE_NAME") {
					t.Errorf("environment %v lacks TABLE_NAME", env)
				}
				if !slices.ContainsFunc(slices.Collect(maps.Values(fn.Props.Events)), func(ev event) bool { return ev.Type == "DynamoDB" }) {
					t.Fatalf("no route for operation %q in api.Routes, and no DynamoDB event: neither an HTTP nor a stream function", op)
				}
				if len(fn.Props.Events) != 1 {
					t.Errorf("a stream function with %d events, want its one DynamoDB event", len(fn.Props.Events))
				}
				for name, ev := range fn.Props.Events {
					checkStreamEvent(t, tpl, name, ev)
				}
				var stream events.DynamoDBEvent
				if eventErr == nil && (json.Unmarshal(eventFile, &stream) != nil || len(stream.Records) == 0) {
					t.Errorf("events/%s.json is not a DynamoDB stream event with records", op)
				}
				return
			}
			if !sameSet(env, function.Environment) {
				t.Errorf("environment %v, want exactly what the code reads: %v", env, function.Environment)
			}
			if len(fn.Props.Events) != 1 {
				t.Errorf("%d events, want one HttpApi event", len(fn.Props.Events))
			}
			for name, ev := range fn.Props.Events {
				if ev.Type != "HttpApi" || ev.Properties.ApiId["Ref"] != "HttpApi" || ev.Properties.Method != route.Method || ev.Properties.Path != route.Path {
					t.Errorf("event %s: %s %s %s on %v; the route table says %s %s", name, ev.Type, ev.Properties.Method, ev.Properties.Path,
						ev.Properties.ApiId, route.Method, route.Path)
				}
			}
			// A function serves its route alone, so that it links that
			// route's code alone (compare also hands the API its diff).
			serves := regexp.MustCompile(`function\.ServeHTTP\(api\.` + strings.TrimSuffix(id, "Function") + `[,)]`)
			if want := "function.ServeHTTP(api." + strings.TrimSuffix(id, "Function") + ")"; mainErr == nil && !serves.Match(main) {
				t.Errorf("functions/%s/main.go does not call %s", op, want)
			}
			var ev struct{ RouteKey string }
			if eventErr == nil && (json.Unmarshal(eventFile, &ev) != nil || ev.RouteKey != route.Method+" "+route.Path) {
				t.Errorf("events/%s.json: routeKey %q, want %q", op, ev.RouteKey, route.Method+" "+route.Path)
			}
		})
	}
	for _, r := range api.Routes {
		if !seen[r.Op] {
			t.Errorf("route %s %s (%s) has no function in template.yaml", r.Method, r.Path, r.Op)
		}
	}
	dirs, _ := os.ReadDir(filepath.Join(root, "functions"))
	for _, d := range dirs {
		if d.IsDir() && !seen[api.Op(d.Name())] {
			t.Errorf("functions/%s has no function in template.yaml", d.Name())
		}
	}
	files, _ := filepath.Glob(filepath.Join(root, "events", "*.json"))
	for _, e := range files {
		if name := strings.TrimSuffix(filepath.Base(e), ".json"); name != "env" && !seen[api.Op(name)] {
			t.Errorf("events/%s.json has no function in template.yaml", name)
		}
	}
}

// checkStreamEvent checks a stream function's event source mapping: the
// table's stream, filtered to process items (checkProcessFilter); failed records reported one by one
// (history.Writer.Handle answers with batchItemFailures, which Lambda
// ignores without ReportBatchItemFailures and retries the whole batch); a
// failing batch split to isolate the record; retries for as long as the
// stream holds the record (no retry limit, a maximum record age of the
// stream's 24 hours or none), so that no history entry is lost to a passing
// fault; and a record that still fails then described in a queue of the
// template rather than dropped unseen.
func checkStreamEvent(t *testing.T, tpl *samtemplate.Template, name string, ev event) {
	t.Helper()
	p := ev.Properties
	table, _, err := tpl.Table()
	if err != nil {
		t.Fatal(err)
	}
	if ev.Type != "DynamoDB" || !slices.Equal(p.Stream["Fn::GetAtt"], []string{table, "StreamArn"}) {
		t.Errorf("event %s: %s on %v, want DynamoDB on !GetAtt %s.StreamArn", name, ev.Type, p.Stream, table)
	}
	if !slices.Equal(p.FunctionResponseTypes, []string{"ReportBatchItemFailures"}) {
		t.Errorf("event %s: FunctionResponseTypes %v, want [ReportBatchItemFailures]", name, p.FunctionResponseTypes)
	}
	if !p.BisectBatchOnFunctionError {
		t.Errorf("event %s: BisectBatchOnFunctionError is not true", name)
	}
	if n := p.MaximumRetryAttempts; n != nil && *n != -1 {
		t.Errorf("event %s: MaximumRetryAttempts %d, want -1 (retry until the record's age ends it)", name, *n)
	}
	if age := p.MaximumRecordAgeInSeconds; age != nil && *age != -1 && *age < streamRetention {
		t.Errorf("event %s: MaximumRecordAgeInSeconds %d drops records the stream still holds, want -1 or at least %d", name, *age, streamRetention)
	}
	dest := p.DestinationConfig.OnFailure.Destination["Fn::GetAtt"]
	if len(dest) != 2 || dest[1] != "Arn" || tpl.Resources[dest[0]].Type != "AWS::SQS::Queue" {
		t.Errorf("event %s: OnFailure destination %v, want !GetAtt <queue>.Arn of an AWS::SQS::Queue in the template", name, p.DestinationConfig.OnFailure.Destination)
	}
	checkProcessFilter(t, p.FilterCriteria.Filters)
}

// streamRetention is how long a DynamoDB stream keeps a record, in seconds.
const streamRetention = 24 * 60 * 60

// checkProcessFilter evaluates a stream event's filter pattern, as Lambda
// does before invoking the function, on stream records of each kind of item
// pkg/store writes: only changes to processes may reach the function. In
// particular the history entries it writes must not (each would invoke it
// again), nor the tenant counter, whose sort key contains EXAMREGPROCESS
// without starting with it. The handler's own test,
// store.Change.IsProcess, must agree with the filter on every record.
func checkProcessFilter(t *testing.T, filters []struct{ Pattern string }) {
	t.Helper()
	if len(filters) != 1 {
		t.Fatalf("%d filters, want one pattern selecting sk prefix EXAMREGPROCESS#", len(filters))
	}
	var pattern map[string]any
	if err := json.Unmarshal([]byte(filters[0].Pattern), &pattern); err != nil {
		t.Fatalf("the filter pattern %s is not a JSON object: %v", filters[0].Pattern, err)
	}
	for _, tc := range []struct {
		name, eventName, pk, sk string
		match                   bool
	}{
		{"process insert", "INSERT", "TENANT#demo", "EXAMREGPROCESS#standard-registration", true},
		{"process modify", "MODIFY", "TENANT#demo", "EXAMREGPROCESS#standard-registration", true},
		{"process remove", "REMOVE", "TENANT#demo", "EXAMREGPROCESS#standard-registration", true},
		{"history entry", "INSERT", "TENANT#demo#HISTORY#standard-registration", "VERSION#0000000001", false},
		{"deletion", "INSERT", "TENANT#demo", "DELETION#archived-registration", false},
		{"idempotency key", "INSERT", "TENANT#demo", "IDEMPOTENCY#3f0c2a9e-5b1d-4e7a-9c8f-2d6b0e1a4c73", false},
		{"idempotency key expired", "REMOVE", "TENANT#demo", "IDEMPOTENCY#3f0c2a9e-5b1d-4e7a-9c8f-2d6b0e1a4c73", false},
		{"tenant counter", "MODIFY", "TENANT#demo", "COUNTER#EXAMREGPROCESS", false},
		{"exam registration", "INSERT", "TENANT#demo#CONTACT#contact-failed", "EXAMREG#exam-cpa#2026-05-02T09:00:00.000Z#reg-1002", false},
	} {
		t.Run("filter/"+tc.name, func(t *testing.T) {
			keys := map[string]events.DynamoDBAttributeValue{"pk": events.NewStringAttribute(tc.pk), "sk": events.NewStringAttribute(tc.sk)}
			r := events.DynamoDBEventRecord{
				EventID: "1", EventName: tc.eventName, EventSource: "aws:dynamodb", EventVersion: "1.1", AWSRegion: "us-east-1",
				Change: events.DynamoDBStreamRecord{Keys: keys, SequenceNumber: "1", StreamViewType: "NEW_AND_OLD_IMAGES"},
			}
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			var record map[string]any
			if err := json.Unmarshal(b, &record); err != nil {
				t.Fatal(err)
			}
			if got := matches(t, pattern, record); got != tc.match {
				t.Errorf("the filter pattern matches %s %s / %s: %v, want %v", tc.eventName, tc.pk, tc.sk, got, tc.match)
			}
			c, err := store.ChangeFromStream(r)
			if err != nil {
				t.Fatal(err)
			}
			if c.IsProcess() != tc.match {
				t.Errorf("store.Change.IsProcess() = %v, but the filter says %v", c.IsProcess(), tc.match)
			}
		})
	}
}

// matches evaluates an event filter pattern on a record, as Lambda's event
// filtering does for the subset of the syntax it supports here: an object
// matches when each of its fields matches the record's; an array lists the
// values a scalar may have, each an exact value or {"prefix": "..."}. Any
// other form fails the test, so that a pattern this cannot judge is noticed.
func matches(t *testing.T, pattern, value any) bool {
	t.Helper()
	switch p := pattern.(type) {
	case map[string]any:
		v, ok := value.(map[string]any)
		if !ok {
			return false
		}
		for k, sub := range p {
			field, present := v[k]
			if !present || !matches(t, sub, field) {
				return false
			}
		}
		return true
	case []any:
		for _, alt := range p {
			rule, isRule := alt.(map[string]any)
			switch {
			case !isRule:
				if alt == value {
					return true
				}
			case len(rule) == 1 && rule["prefix"] != nil:
				prefix, _ := rule["prefix"].(string)
				if s, ok := value.(string); ok && strings.HasPrefix(s, prefix) {
					return true
				}
			default:
				t.Fatalf("filter rule %v: only exact values and prefix are evaluated here", rule)
			}
		}
		return false
	}
	t.Fatalf("filter pattern %v: a pattern's leaves are arrays of values", pattern)
	return false
}

// TestTableHasTheStreamAndTTLTheCodeNeeds checks the table's stream and time
// to live: the history writer reads the item before and after each change
// (store.ChangeFromStream needs NEW_AND_OLD_IMAGES: a MODIFY's patch is the
// difference of the two, a REMOVE's entry the old version), and idempotency
// keys carry their expiry in expires_at, which DynamoDB deletes by only
// when the table's TTL names it.
func TestTableHasTheStreamAndTTLTheCodeNeeds(t *testing.T) {
	tpl, _ := loadTemplate(t)
	id, props, err := tpl.Table()
	if err != nil {
		t.Fatal(err)
	}
	var table struct {
		StreamSpecification     struct{ StreamViewType string }
		TimeToLiveSpecification struct {
			AttributeName string
			Enabled       bool
		}
	}
	if err := json.Unmarshal(props, &table); err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	if table.StreamSpecification.StreamViewType != "NEW_AND_OLD_IMAGES" {
		t.Errorf("%s: StreamViewType %q, want NEW_AND_OLD_IMAGES", id, table.StreamSpecification.StreamViewType)
	}
	if ttl := table.TimeToLiveSpecification; ttl.AttributeName != "expires_at" || !ttl.Enabled {
		t.Errorf("%s: TimeToLiveSpecification %+v, want expires_at enabled", id, ttl)
	}
}

func routeOf(op api.Op) *api.Route {
	for _, r := range api.Routes {
		if r.Op == op {
			return r
		}
	}
	return nil
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
