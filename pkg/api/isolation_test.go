package api_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// TestTenantsNeverSeeOrChangeEachOther gives tenants t1 and t2 records of
// every kind, then tries, with t1's token, every operation on t2's path and
// every operation on t1's path with t2's ids, paging keys, contacts and
// exams. Nothing of t2 is ever returned or changed.
func TestTenantsNeverSeeOrChangeEachOther(t *testing.T) {
	e := newEnv(t)
	bob := mint(t, "bob", "t2")
	e.load("t2", "exams", `{"id":"exam-b2","name":"B2"}`)
	var t2ids []string
	for i := range 3 {
		r := expect(t, e.doAs(bob, "POST", "/examRegProcesses/t2", processBody(fmt.Sprint("secret-", i), "exam-b2")), 200)
		t2ids = append(t2ids, r.object(t)["id"].(string))
	}
	e.load("t2", "registrations", `{"id":"r-b","name":"R","student_id":"contact-b","exam_id":"exam-b2","date":"2026-01-01T00:00:00Z","status":"failed","process_id":"`+t2ids[0]+`"}`)
	t2key := expect(t, e.doAs(bob, "GET", "/examRegProcesses/t2?limit=1", ""), 200).header.Get("X-Exclusive-Start-Key")
	mine := e.create("Mine")["id"].(string)
	before := partition(t, e, "t2")

	// t1's token on t2's paths: 403 for every operation.
	for _, op := range everyOperation(t2ids[1]) {
		t.Run(op.name, func(t *testing.T) {
			expect(t, e.do(op.method, strings.Replace(op.path, "/t1", "/t2", 1), op.body), 403)
		})
	}
	// t1's token on t1's paths with t2's ids: t2's records do not exist here.
	for i, id := range t2ids {
		t.Run(fmt.Sprint("t2 record ", i), func(t *testing.T) {
			expect(t, e.do("GET", "/examRegProcesses/t1/"+id+"?consistentRead=true", ""), 404)
			expect(t, e.do("PUT", "/examRegProcesses/t1/"+id, processBody("Stolen")), 404)
			expect(t, e.do("PATCH", "/examRegProcesses/t1/"+id, `[{"op":"replace","path":"/name","value":"Stolen"}]`), 404)
			expect(t, e.do("DELETE", "/examRegProcesses/t1/"+id, ""), 404)
		})
	}
	r := expect(t, e.do("POST", "/examRegProcesses/t1/batch", fmt.Sprintf(`{"operations":[{"operation":"delete","id":%q},{"operation":"patch","id":%q,"patch_directives":[{"op":"replace","path":"/name","value":"x"}]}]}`, t2ids[0], t2ids[1])), 200)
	if !strings.Contains(string(r.body), `"error_count":2`) {
		t.Errorf("batch on t2's ids: %s", r.body)
	}
	// t2's paging key is not a key of t1's list.
	list := expect(t, e.do("GET", "/examRegProcesses/t1?exclusiveStartKey="+t2key, ""), 400)
	if strings.Contains(string(list.body), "secret-") {
		t.Errorf("t1 listed t2's records: %s", list.body)
	}
	// t2's exam and contact do not exist for t1.
	expect(t, e.do("GET", "/examRegProcesses/t1/eligible/contact-b/exam-b2", ""), 404)
	if el := expect(t, e.do("GET", "/examRegProcesses/t1/eligible/contact-b/exam-a", ""), 200); strings.Contains(string(el.body), "last_registration") || strings.Contains(string(el.body), "secret-") {
		t.Errorf("eligible in t1 for t2's contact: %s", el.body)
	}
	expect(t, e.do("POST", "/examRegProcesses/t1", processBody("Borrow", "exam-b2")), 409)
	expect(t, e.do("PATCH", "/examRegProcesses/t1/"+mine, `[{"op":"add","path":"/exam_ids/-","value":"exam-b2"}]`), 409)

	if after := partition(t, e, "t2"); !reflect.DeepEqual(before, after) {
		t.Errorf("t2's items changed:\nbefore %v\nafter  %v", before, after)
	}
}

// partition is every item of a tenant, whatever its kind.
func partition(t *testing.T, e *env, tenant string) []map[string]any {
	var items []map[string]any
	for _, item := range scan(t, e) {
		if pk, _ := item["pk"].(string); pk == "TENANT#"+tenant || strings.HasPrefix(pk, "TENANT#"+tenant+"#") {
			items = append(items, item)
		}
	}
	return items
}
