package functions_test

import (
	"cmp"
	"encoding/json"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/dev/bulkload"
	"github.com/certhub/examreg/pkg/dev/openapi"
	"github.com/certhub/examreg/pkg/store"
)

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
