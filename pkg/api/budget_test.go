package api_test

import (
	"testing"
)

// TestDynamoDBRequestsPerOperation holds each operation to its budget of
// DynamoDB requests (DESIGN.md section 2), counted at the SDK.
func TestDynamoDBRequestsPerOperation(t *testing.T) {
	e := newEnv(t)
	id := e.create("Budget")["id"].(string)
	second := e.create("Other")["id"].(string)
	path := "/examRegProcesses/t1/" + id
	for _, tc := range []struct {
		name, method, path, body string
		want                     string
	}{
		{"create", "POST", "/examRegProcesses/t1", processBody("New", "exam-a", "exam-b"), "TransactWriteItems"},
		{"get", "GET", path, "", "GetItem"},
		{"list page", "GET", "/examRegProcesses/t1?limit=2", "", "Query"},
		{"update", "PUT", path, processBody("Budget 2"), "GetItem,TransactWriteItems"},
		{"patch", "PATCH", path, `[{"op":"replace","path":"/name","value":"Budget 3"}]`, "GetItem,TransactWriteItems"},
		{"eligible", "GET", "/examRegProcesses/t1/eligible/c1/exam-a", "", "GetItem,Query,Query"},
		{"delete", "DELETE", path, "", "Query,TransactWriteItems"},
		{"batch of a patch and a delete", "POST", "/examRegProcesses/t1/batch",
			`{"operations":[{"operation":"patch","id":"` + second + `","patch_directives":[{"op":"replace","path":"/name","value":"B"}]},{"operation":"delete","id":"` + second + `"}]}`,
			"GetItem,TransactWriteItems,Query,TransactWriteItems"},
	} {
		mark := e.calls.mark()
		expect(t, e.do(tc.method, tc.path, tc.body), 200)
		got := e.calls.since(mark)
		if sortedOps(got) != sortedOps(nil, tc.want) {
			t.Errorf("%s made %s, want %s", tc.name, ops(got), tc.want)
		}
	}
}
