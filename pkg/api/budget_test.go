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
		// A write that adds no exam is a conditional PutItem; one that adds
		// exams checks them in a transaction with the write.
		{"update", "PUT", path, processBody("Budget 2"), "GetItem,PutItem"},
		{"update adding an exam", "PUT", path, processBody("Budget 2", "exam-a", "exam-b"), "GetItem,TransactWriteItems"},
		{"patch", "PATCH", path, `[{"op":"replace","path":"/name","value":"Budget 3"}]`, "GetItem,PutItem"},
		{"patch removing an exam", "PATCH", path, `[{"op":"remove","path":"/exam_ids/1"}]`, "GetItem,PutItem"},
		{"patch adding an exam", "PATCH", path, `[{"op":"add","path":"/exam_ids/-","value":"exam-b"}]`, "GetItem,TransactWriteItems"},
		{"eligible", "GET", "/examRegProcesses/t1/eligible/c1/exam-a", "", "GetItem,Query,Query"},
		{"delete", "DELETE", path, "", "Query,TransactWriteItems"},
		{"batch of a patch and a delete", "POST", "/examRegProcesses/t1/batch",
			`{"operations":[{"operation":"patch","id":"` + second + `","patch_directives":[{"op":"replace","path":"/name","value":"B"}]},{"operation":"delete","id":"` + second + `"}]}`,
			"BatchGetItem,PutItem,Query,TransactWriteItems"},
	} {
		mark := e.calls.mark()
		expect(t, e.do(tc.method, tc.path, tc.body), 200)
		got := e.calls.since(mark)
		if sortedOps(got) != sortedOps(nil, tc.want) {
			t.Errorf("%s made %s, want %s", tc.name, ops(got), tc.want)
		}
	}
}
