package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/certhub/examreg/pkg/dev/faultproxy"
)

// TestWritesWhoseReplyIsLostAreAppliedOnce sends each kind of write through
// a proxy that lets DynamoDB apply it and then loses the reply, so that the
// SDK sends it again: the answer must be the one the first reply would have
// brought, and the record must hold the write once. Each case expects what
// it finds stored before it plus its own write, so that any can run alone.
func TestWritesWhoseReplyIsLostAreAppliedOnce(t *testing.T) {
	e, p := faultEnv(t)
	lose := func(operation string) *faultproxy.Fault {
		f := &faultproxy.Fault{Operation: operation, LoseReply: true, Times: 1}
		p.Clear()
		p.Inject(f)
		return f
	}
	checkLost := func(t *testing.T, f *faultproxy.Fault, last reply) {
		t.Helper()
		p.Clear()
		if f.Hits() != 1 {
			t.Fatalf("the proxy lost %d replies, want 1 (%s)", f.Hits(), last.body)
		}
	}
	stored := func(t *testing.T, id string) map[string]any {
		t.Helper()
		return expect(t, e.do("GET", "/examRegProcesses/t1/"+id+"?consistentRead=true", ""), 200).object(t)
	}
	appendEntry := `[{"op":"add","path":"/custom_field_values/-","value":{"custom_field_id":"lost__c","list_value":[]}}]`
	entries := func(p map[string]any) int {
		values, _ := p["custom_field_values"].([]any)
		return len(values)
	}
	body := strings.Replace(processBody("Lost"), `"is_active":true`, `"is_active":true,"custom_field_values":[]`, 1)

	t.Run("create", func(t *testing.T) {
		f := lose("TransactWriteItems")
		r := expect(t, e.do("POST", "/examRegProcesses/t1", body), 200)
		checkLost(t, f, r)
		id := r.object(t)["id"].(string)
		if got := stored(t, id); got["sys_version"] != 1.0 {
			t.Errorf("stored %v", got)
		}
		assertCounted(t, e)
	})

	id := e.create("Target")["id"].(string)
	expect(t, e.do("PATCH", "/examRegProcesses/t1/"+id, `[{"op":"add","path":"/custom_field_values","value":[]}]`), 200)

	t.Run("patch", func(t *testing.T) {
		before := stored(t, id)
		f := lose("PutItem")
		r := expect(t, e.do("PATCH", "/examRegProcesses/t1/"+id, appendEntry), 200)
		checkLost(t, f, r)
		got, version := stored(t, id), before["sys_version"].(float64)+1
		if got["sys_version"] != version || entries(got) != entries(before)+1 || r.object(t)["sys_version"] != version {
			t.Errorf("patched once: version %v and one more entry; stored %v, answered %s", version, got, r.body)
		}
	})

	t.Run("patch adding an exam", func(t *testing.T) {
		before := stored(t, id)
		f := lose("TransactWriteItems")
		r := expect(t, e.do("PATCH", "/examRegProcesses/t1/"+id, `[{"op":"add","path":"/exam_ids/-","value":"exam-b"}]`), 200)
		checkLost(t, f, r)
		got, version := stored(t, id), before["sys_version"].(float64)+1
		if got["sys_version"] != version || fmt.Sprint(got["exam_ids"]) != "[exam-a exam-b]" || r.object(t)["sys_version"] != version {
			t.Errorf("patched once: version %v with exam-b; stored %v, answered %s", version, got, r.body)
		}
	})

	t.Run("update", func(t *testing.T) {
		before := stored(t, id)
		var exams []string // the record's own: a PUT that adds none is a PutItem
		for _, exam := range before["exam_ids"].([]any) {
			exams = append(exams, exam.(string))
		}
		f := lose("PutItem")
		put := strings.Replace(processBody("Renamed", exams...), `"is_active":true`,
			fmt.Sprintf(`"is_active":true,"sys_version":%v,"custom_field_values":[{"custom_field_id":"lost__c","list_value":[]}]`, before["sys_version"]), 1)
		r := expect(t, e.do("PUT", "/examRegProcesses/t1/"+id, put), 200)
		checkLost(t, f, r)
		version := before["sys_version"].(float64) + 1
		if got := stored(t, id); got["sys_version"] != version || got["name"] != "Renamed" || r.object(t)["sys_version"] != version {
			t.Errorf("updated once: version %v; stored %v, answered %s", version, got, r.body)
		}
	})

	t.Run("batch patch", func(t *testing.T) {
		before := stored(t, id)
		f := lose("PutItem")
		r := expect(t, e.do("POST", "/examRegProcesses/t1/batch", fmt.Sprintf(`{"operations":[{"operation":"patch","id":%q,"patch_directives":%s}]}`, id, appendEntry)), 200)
		checkLost(t, f, r)
		got, version := stored(t, id), before["sys_version"].(float64)+1
		if got["sys_version"] != version || entries(got) != entries(before)+1 || !strings.Contains(string(r.body), `"success_count":1`) {
			t.Errorf("batch patched once: version %v and one more entry; stored %v, answered %s", version, got, r.body)
		}
	})

	t.Run("delete", func(t *testing.T) {
		f := lose("TransactWriteItems")
		r := expect(t, e.do("DELETE", "/examRegProcesses/t1/"+id, ""), 200)
		checkLost(t, f, r)
		if string(r.body) != `"`+id+`"` {
			t.Errorf("answered %s", r.body)
		}
		expect(t, e.do("GET", "/examRegProcesses/t1/"+id+"?consistentRead=true", ""), 404)
		assertCounted(t, e)
	})

	t.Run("batch delete", func(t *testing.T) {
		other := e.create("Other")["id"].(string)
		f := lose("TransactWriteItems")
		r := expect(t, e.do("POST", "/examRegProcesses/t1/batch", fmt.Sprintf(`{"operations":[{"operation":"delete","id":%q}]}`, other)), 200)
		checkLost(t, f, r)
		if !strings.Contains(string(r.body), `"success_count":1`) {
			t.Errorf("answered %s", r.body)
		}
		expect(t, e.do("GET", "/examRegProcesses/t1/"+other+"?consistentRead=true", ""), 404)
		assertCounted(t, e)
	})
}

// TestTwoDeletesInOneBatchAreTwoWrites: the operations of a batch share the
// request's id, but each is a write of its own: the second delete of one
// record is not taken for a retry of the first.
func TestTwoDeletesInOneBatchAreTwoWrites(t *testing.T) {
	e := newEnv(t)
	id := e.create("Twice")["id"].(string)
	r := expect(t, e.do("POST", "/examRegProcesses/t1/batch", fmt.Sprintf(`{"operations":[{"operation":"delete","id":%q},{"operation":"delete","id":%q}]}`, id, id)), 200)
	var out struct{ Results []struct{ Status int } }
	r.json(t, &out)
	if len(out.Results) != 2 || out.Results[0].Status != 200 || out.Results[1].Status != 404 {
		t.Errorf("answered %s, want 200 then 404", r.body)
	}
	assertCounted(t, e)
}
