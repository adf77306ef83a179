package api_test

import (
	"strings"
	"testing"
)

// TestDynamoDBRequestsPerOperation holds each operation to its budget of
// DynamoDB requests (docs/architecture.md, "The table"), counted at the SDK. Each case
// works on a record of its own, so that any one can run alone.
func TestDynamoDBRequestsPerOperation(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name string
		// exams are the exams of the case's record; none, no record.
		exams        []string
		method, path string
		body         func(id string) string
		want         string
	}{
		{"create", nil, "POST", "", func(string) string { return processBody("New", "exam-a", "exam-b") }, "TransactWriteItems"},
		{"get", []string{"exam-a"}, "GET", "/{id}", nil, "GetItem"},
		{"list page", nil, "GET", "?limit=2", nil, "Query"},
		// A write that adds no exam is a conditional PutItem; one that adds
		// exams checks them in a transaction with the write.
		{"update", []string{"exam-a"}, "PUT", "/{id}", func(string) string { return processBody("Budget 2") }, "GetItem,PutItem"},
		{"update adding an exam", []string{"exam-a"}, "PUT", "/{id}", func(string) string { return processBody("Budget 2", "exam-a", "exam-b") }, "GetItem,TransactWriteItems"},
		{"patch", []string{"exam-a"}, "PATCH", "/{id}", func(string) string { return `[{"op":"replace","path":"/name","value":"Budget 3"}]` }, "GetItem,PutItem"},
		{"patch removing an exam", []string{"exam-a", "exam-b"}, "PATCH", "/{id}", func(string) string { return `[{"op":"remove","path":"/exam_ids/1"}]` }, "GetItem,PutItem"},
		{"patch adding an exam", []string{"exam-a"}, "PATCH", "/{id}", func(string) string { return `[{"op":"add","path":"/exam_ids/-","value":"exam-b"}]` }, "GetItem,TransactWriteItems"},
		{"eligible", nil, "GET", "/eligible/c1/exam-a", nil, "GetItem,Query,Query"},
		{"delete", []string{"exam-a"}, "DELETE", "/{id}", nil, "GetItem,Query,TransactWriteItems"},
		{"batch of a patch and a delete", []string{"exam-a"}, "POST", "/batch", func(id string) string {
			return `{"operations":[{"operation":"patch","id":"` + id + `","patch_directives":[{"op":"replace","path":"/name","value":"B"}]},{"operation":"delete","id":"` + id + `"}]}`
		}, "BatchGetItem,PutItem,GetItem,Query,TransactWriteItems"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var id string
			if tc.exams != nil {
				id = e.create("Budget", tc.exams...)["id"].(string)
			}
			var body string
			if tc.body != nil {
				body = tc.body(id)
			}
			mark := e.calls.mark()
			expect(t, e.do(tc.method, "/examRegProcesses/t1"+strings.Replace(tc.path, "{id}", id, 1), body), 200)
			if got := e.calls.since(mark); sortedOps(got) != sortedOps(nil, tc.want) {
				t.Errorf("made %s, want %s", ops(got), tc.want)
			}
		})
	}
}
