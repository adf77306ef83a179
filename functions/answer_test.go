package functions_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/certhub/examreg/pkg/dev/openapi"
)

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
