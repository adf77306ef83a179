package api_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

// logEntries sends the requests and returns the log line each wrote,
// decoded, requiring exactly one per request.
func logEntries(t *testing.T, logs *bytes.Buffer, send func() []reply) ([]reply, []map[string]any) {
	t.Helper()
	logs.Reset()
	replies := send()
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != len(replies) {
		t.Fatalf("%d log lines for %d requests:\n%s", len(lines), len(replies), logs.String())
	}
	entries := make([]map[string]any, len(lines))
	for i, line := range lines {
		if err := json.Unmarshal([]byte(line), &entries[i]); err != nil {
			t.Fatalf("line %d is not JSON: %s", i, line)
		}
	}
	return replies, entries
}

// TestOneStructuredLogLinePerRequest: each request logs exactly one JSON
// line with its id, tenant, operation, status, latency and DynamoDB usage,
// and never the token or the record; the router's own answers too.
func TestOneStructuredLogLinePerRequest(t *testing.T) {
	var logs bytes.Buffer
	e := newFakeEnv(t, withLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	replies, entries := logEntries(t, &logs, func() []reply {
		created := expect(t, e.do("POST", "/examRegProcesses/t1", processBody("Confidential name")), 200)
		id := created.object(t)["id"].(string)
		return []reply{
			created,
			expect(t, e.do("GET", "/examRegProcesses/t1/"+id, ""), 200),
			e.do("GET", "/examRegProcesses/t2/"+id, ""),
			e.do("GET", "/nothing/here", ""),
			e.do("DELETE", "/examRegProcesses/t1", ""),
		}
	})
	for i, want := range []struct {
		operation, tenant string
		status            float64
	}{{"create", "t1", 200}, {"get", "t1", 200}, {"get", "t2", 403}, {"", "", 404}, {"", "t1", 405}} {
		entry := entries[i]
		if entry["msg"] != "request" || entry["request_id"] != replies[i].header.Get("X-Request-Id") || entry["operation"] != want.operation ||
			entry["status"] != want.status || entry["tenant"] != want.tenant || entry["level"] != "INFO" {
			t.Errorf("line %d: %v", i, entry)
		}
		for _, number := range []string{"latency_ms", "ddb_requests", "ddb_capacity"} {
			if _, ok := entry[number].(float64); !ok {
				t.Errorf("line %d has no %s: %v", i, number, entry)
			}
		}
	}
	if log := logs.String(); strings.Contains(log, "Confidential") || strings.Contains(log, e.token) || strings.Contains(log, "Bearer") {
		t.Errorf("the log holds a record or a token: %s", log)
	}
}

// TestTheLogCountsDynamoDBRequests: a request's log line counts the
// DynamoDB requests it made and the capacity they consumed.
func TestTheLogCountsDynamoDBRequests(t *testing.T) {
	var logs bytes.Buffer
	e := newEnv(t, withLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	id := e.create("Counted")["id"].(string)
	_, entries := logEntries(t, &logs, func() []reply {
		return []reply{
			expect(t, e.do("POST", "/examRegProcesses/t1", processBody("Another")), 200),
			expect(t, e.do("PATCH", "/examRegProcesses/t1/"+id, `[{"op":"replace","path":"/name","value":"Again"}]`), 200),
			e.do("GET", "/examRegProcesses/t2/"+id, ""),
		}
	})
	for i, want := range []float64{1, 2, 0} {
		if entries[i]["ddb_requests"] != want {
			t.Errorf("line %d: ddb_requests %v, want %v", i, entries[i]["ddb_requests"], want)
		}
	}
	// moto reports no capacity for a transaction (the create); DynamoDB does.
	if capacity, _ := entries[1]["ddb_capacity"].(float64); capacity <= 0 {
		t.Errorf("a patch logged ddb_capacity %v", entries[1]["ddb_capacity"])
	}
	if entries[2]["ddb_capacity"] != 0.0 {
		t.Errorf("a refused request logged ddb_capacity %v", entries[2]["ddb_capacity"])
	}
}
