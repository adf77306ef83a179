package api_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

// TestOneStructuredLogLinePerRequest: each request logs exactly one JSON
// line with its id, tenant, operation, status, latency and DynamoDB usage,
// and never the token or the record.
func TestOneStructuredLogLinePerRequest(t *testing.T) {
	var logs bytes.Buffer
	e := newEnv(t, withLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	logs.Reset()
	created := expect(t, e.do("POST", "/examRegProcesses/t1", processBody("Confidential name")), 200)
	id := created.object(t)["id"].(string)
	got := expect(t, e.do("GET", "/examRegProcesses/t1/"+id, ""), 200)
	refused := e.do("GET", "/examRegProcesses/t2/"+id, "")

	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d log lines for 3 requests:\n%s", len(lines), logs.String())
	}
	for i, want := range []struct {
		reply     reply
		operation string
		status    float64
		requests  float64
	}{{created, "create", 200, 1}, {got, "get", 200, 1}, {refused, "get", 403, 0}} {
		var entry map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &entry); err != nil {
			t.Fatalf("line %d is not JSON: %s", i, lines[i])
		}
		if entry["msg"] != "request" || entry["request_id"] != want.reply.header.Get("X-Request-Id") || entry["operation"] != want.operation ||
			entry["status"] != want.status || entry["ddb_requests"] != want.requests {
			t.Errorf("line %d: %s", i, lines[i])
		}
		if entry["tenant"] != "t1" && entry["tenant"] != "t2" {
			t.Errorf("line %d has no tenant: %s", i, lines[i])
		}
		if _, ok := entry["latency_ms"].(float64); !ok {
			t.Errorf("line %d has no latency: %s", i, lines[i])
		}
		if _, ok := entry["ddb_capacity"].(float64); !ok {
			t.Errorf("line %d has no consumed capacity: %s", i, lines[i])
		}
		if strings.Contains(lines[i], "Confidential") || strings.Contains(lines[i], e.token) || strings.Contains(lines[i], "Bearer") {
			t.Errorf("line %d holds a record or a token: %s", i, lines[i])
		}
	}
}
