package functions_test

import (
	"encoding/json"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/dev/dynamotest"
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
			return *r, true
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
