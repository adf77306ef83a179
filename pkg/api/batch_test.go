package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestBatchOfAHundredOperations runs 100 mixed operations (patches, deletes,
// missing ids, locked records, invalid patches, repeated ids) and checks
// every result, then the stored state of every record, against a model that
// applies the operations on each id in request order.
func TestBatchOfAHundredOperations(t *testing.T) {
	e := newEnv(t)
	var lines []string
	for i := range 30 {
		locked := i >= 25
		lines = append(lines, fmt.Sprintf(`{"id":"p%02d","name":"Name p%02d","type":"register","exam_ids":["exam-a"],"sys_locked":%v,`+
			`"contact_form_options":{"contact_form_id":"cf"},"checkout_settings":{"bank_account_id":"b","business_unit_id":"u"},`+
			`"confirmation_email":{"subject":"s","body":"b"}}`, i, i, locked))
	}
	e.load("t1", "processes", lines...)
	e.load("t1", "registrations", `{"id":"r1","name":"R","student_id":"c1","exam_id":"exam-a","date":"2026-01-01T00:00:00Z","status":"registered","process_id":"p24"}`)

	type model struct {
		exists, locked, referenced bool
		version                    int
		description                string
	}
	state := map[string]*model{}
	for i := range 30 {
		state[fmt.Sprintf("p%02d", i)] = &model{exists: true, locked: i >= 25, referenced: i == 24, version: 1}
	}
	var ops []string
	var want []int
	var wantDescription []string // what a successful patch leaves in description
	patch := func(id, directives string, valid bool, description string) {
		ops = append(ops, fmt.Sprintf(`{"operation":"patch","id":%q,"patch_directives":%s}`, id, directives))
		m := state[id]
		status := 200
		switch {
		case m == nil || !m.exists:
			status = 404
		case m.locked:
			status = 403
		case !valid:
			status = 400
		default:
			m.version++
			if description != "" {
				m.description = description
			}
		}
		want = append(want, status)
		wantDescription = append(wantDescription, description)
	}
	del := func(id string) {
		ops = append(ops, fmt.Sprintf(`{"operation":"delete","id":%q}`, id))
		m := state[id]
		status := 200
		switch {
		case m == nil || !m.exists:
			status = 404
		case m.referenced:
			status = 409
		case m.locked:
			status = 403
		default:
			m.exists = false
		}
		want = append(want, status)
		wantDescription = append(wantDescription, "")
	}
	describe := func(d string) string { return fmt.Sprintf(`[{"op":"add","path":"/description","value":%q}]`, d) }

	for i := range 20 { // 20 patches
		patch(fmt.Sprintf("p%02d", i), describe(fmt.Sprint("d", i)), true, fmt.Sprint("d", i))
	}
	for i := range 10 { // 10 more on the same ids: they run after the first
		patch(fmt.Sprintf("p%02d", i), fmt.Sprintf(`[{"op":"test","path":"/description","value":"d%d"},{"op":"add","path":"/checkout_settings/k","value":%d}]`, i, i), true, "")
	}
	for i := 10; i < 15; i++ { // patched, then deleted
		del(fmt.Sprintf("p%02d", i))
	}
	for i := 20; i < 23; i++ { // deleted, then patched: not found
		del(fmt.Sprintf("p%02d", i))
		patch(fmt.Sprintf("p%02d", i), describe("late"), true, "late")
	}
	for i := range 5 { // missing ids
		patch(fmt.Sprint("missing-", i), describe("x"), true, "x")
		del(fmt.Sprint("missing-", i))
	}
	for i := 25; i < 30; i++ { // locked
		patch(fmt.Sprintf("p%02d", i), describe("x"), true, "x")
		del(fmt.Sprintf("p%02d", i))
	}
	for _, bad := range []string{ // invalid patches on p23
		`[{"op":"replace","path":"/sys_version","value":1}]`,
		`[{"op":"remove","path":"/name"}]`,
		`[{"op":"add","path":"/colour","value":"red"}]`,
		`[{"op":"test","path":"/name","value":"wrong"}]`,
		`[{"op":"frob","path":"/name"}]`,
		`{"op":"add"}`,
		`[{"op":"add","path":"/exam_ids/01","value":"exam-a"}]`,
		`[{"op":"add","path":"/exam_ids/-","value":"exam-zz"}]`,
	} {
		patch("p23", bad, false, "")
	}
	want[len(want)-1] = 409                                     // the missing exam is a conflict, not a bad request
	del("p24")                                                  // used by a registration
	for step, name := range []string{"A", "B", "C", "D", "E"} { // p19, strictly in order
		prev := "Name p19"
		if step > 0 {
			prev = string(rune('A' + step - 1))
		}
		patch("p19", fmt.Sprintf(`[{"op":"test","path":"/name","value":%q},{"op":"replace","path":"/name","value":%q}]`, prev, name), true, "")
	}
	ops = append(ops, `{"operation":"frob","id":"p00"}`, `{"operation":"delete"}`, `{"operation":"delete","id":"p15","patch_directives":[]}`)
	want = append(want, 400, 400, 400)
	wantDescription = append(wantDescription, "", "", "")
	for len(ops) < 100 { // fill up with patches of p15..p18
		id := fmt.Sprintf("p%02d", 15+len(ops)%4)
		patch(id, fmt.Sprintf(`[{"op":"add","path":"/checkout_settings/n%d","value":true}]`, len(ops)), true, "")
	}
	if len(ops) != 100 {
		t.Fatalf("built %d operations", len(ops))
	}

	r := expect(t, e.do("POST", "/examRegProcesses/t1/batch", `{"operations":[`+strings.Join(ops, ",")+`]}`), 200)
	var out struct {
		SuccessCount int `json:"success_count"`
		ErrorCount   int `json:"error_count"`
		Results      []struct {
			ID        string            `json:"id"`
			Operation string            `json:"operation"`
			Status    int               `json:"status"`
			Message   string            `json:"message"`
			Object    map[string]any    `json:"object"`
			Errors    []json.RawMessage `json:"errors"`
		} `json:"results"`
	}
	r.json(t, &out)
	if len(out.Results) != 100 {
		t.Fatalf("%d results", len(out.Results))
	}
	successes := 0
	for i, res := range out.Results {
		var op struct{ ID, Operation string }
		json.Unmarshal([]byte(ops[i]), &op)
		if res.Status != want[i] || res.ID != op.ID || res.Operation != op.Operation {
			t.Errorf("result %d (%s): %s %s status %d %q, want %s %s %d", i, ops[i], res.Operation, res.ID, res.Status, res.Message, op.Operation, op.ID, want[i])
			continue
		}
		switch {
		case res.Status == 200:
			successes++
			if op.Operation == "patch" && (res.Object["id"] != op.ID || (wantDescription[i] != "" && res.Object["description"] != wantDescription[i])) {
				t.Errorf("result %d object %v", i, res.Object)
			}
			if op.Operation == "delete" && res.Object != nil {
				t.Errorf("result %d: a delete answered an object", i)
			}
		case res.Message == "" || res.Object != nil:
			t.Errorf("result %d: failure without a message, or with an object: %+v", i, res)
		}
	}
	if out.SuccessCount != successes || out.SuccessCount+out.ErrorCount != 100 {
		t.Errorf("success_count %d, error_count %d; %d results are 200", out.SuccessCount, out.ErrorCount, successes)
	}

	for id, m := range state {
		if strings.HasPrefix(id, "missing-") {
			continue
		}
		g := e.do("GET", "/examRegProcesses/t1/"+id+"?consistentRead=true", "")
		if !m.exists {
			if g.status != 404 {
				t.Errorf("%s should be deleted: %d", id, g.status)
			}
			continue
		}
		p := expect(t, g, 200).object(t)
		desc, _ := p["description"].(string)
		if p["sys_version"] != float64(m.version) || desc != m.description {
			t.Errorf("%s stored sys_version %v description %q, model %d %q", id, p["sys_version"], desc, m.version, m.description)
		}
	}
	if p := expect(t, e.do("GET", "/examRegProcesses/t1/p19", ""), 200).object(t); p["name"] != "E" {
		t.Errorf("p19 name %v: its patches did not run in request order", p["name"])
	}
	if p := expect(t, e.do("GET", "/examRegProcesses/t1/p03", ""), 200).object(t); p["checkout_settings"].(map[string]any)["k"] != 3.0 {
		t.Errorf("p03's second patch is missing: %v", p["checkout_settings"])
	}
}

// TestBatchAnswersEachOperationInItsPlace: results[i] answers
// operations[i], whatever ran first; a patch answers the record it saved
// and a delete no object; operations on one id run in request order.
func TestBatchAnswersEachOperationInItsPlace(t *testing.T) {
	e := newFakeEnv(t)
	a, b := e.create("A")["id"].(string), e.create("B")["id"].(string)
	rename := func(id, from, to string) string {
		return fmt.Sprintf(`{"operation":"patch","id":%q,"patch_directives":[{"op":"test","path":"/name","value":%q},{"op":"replace","path":"/name","value":%q}]}`, id, from, to)
	}
	r := expect(t, e.do("POST", "/examRegProcesses/t1/batch", `{"operations":[`+strings.Join([]string{
		rename(a, "A", "A2"),
		`{"operation":"delete","id":"` + b + `"}`,
		rename(a, "A2", "A3"),
		rename(b, "B", "B2"),
		rename("missing", "M", "M2"),
		rename(a, "A", "never"),
	}, ",")+`]}`), 200)
	var out struct {
		SuccessCount int `json:"success_count"`
		ErrorCount   int `json:"error_count"`
		Results      []struct {
			ID        string          `json:"id"`
			Operation string          `json:"operation"`
			Status    int             `json:"status"`
			Object    json.RawMessage `json:"object"`
		} `json:"results"`
	}
	r.json(t, &out)
	want := []struct {
		id, operation string
		status        int
		name          string
	}{{a, "patch", 200, "A2"}, {b, "delete", 200, ""}, {a, "patch", 200, "A3"}, {b, "patch", 404, ""}, {"missing", "patch", 404, ""}, {a, "patch", 400, ""}}
	if len(out.Results) != len(want) || out.SuccessCount != 3 || out.ErrorCount != 3 {
		t.Fatalf("answered %s", r.body)
	}
	for i, w := range want {
		got := out.Results[i]
		var object struct{ Name string }
		if got.Object != nil {
			json.Unmarshal(got.Object, &object)
		}
		if got.ID != w.id || got.Operation != w.operation || got.Status != w.status || object.Name != w.name || (w.name == "") != (got.Object == nil) {
			t.Errorf("result %d: %s %s %d %s; want %s %s %d with name %q", i, got.Operation, got.ID, got.Status, got.Object, w.operation, w.id, w.status, w.name)
		}
	}
	stored := expect(t, e.do("GET", "/examRegProcesses/t1/"+a, ""), 200)
	if string(stored.body) != string(out.Results[2].Object) {
		t.Errorf("%s is stored as\n%s\nbut its last patch answered\n%s", a, stored.body, out.Results[2].Object)
	}
}

// TestBatchRefusesAnotherShapeWhole: a body that is not a batch of 1 to 100
// operations is refused whole, before the store is asked anything.
func TestBatchRefusesAnotherShapeWhole(t *testing.T) {
	e := newFakeEnv(t)
	id := e.create("Keep")["id"].(string)
	remove := `{"operation":"delete","id":"` + id + `"}`
	for _, tc := range []struct{ name, body string }{
		{"no operations", `{"operations":[]}`},
		{"empty object", `{}`},
		{"101 operations", `{"operations":[` + strings.TrimSuffix(strings.Repeat(remove+",", 101), ",") + `]}`},
		{"operations not an array", `{"operations":` + remove + `}`},
		{"a bare array", `[` + remove + `]`},
		{"an unknown member", `{"operations":[` + remove + `],"atomic":true}`},
		{"trailing text", `{"operations":[` + remove + `]} trailing`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := e.fake.callCount()
			expect(t, e.do("POST", "/examRegProcesses/t1/batch", tc.body), 400).fields(t)
			if e.fake.callCount() != calls {
				t.Error("the store was asked")
			}
		})
	}
	expect(t, e.do("GET", "/examRegProcesses/t1/"+id, ""), 200)
}

// TestTwoDeletesInOneBatchAreTwoWrites: the operations of a batch share the
// request's id, but each is a write of its own (its write id): the second
// delete of one record is not taken for a retry of the first, which the
// store would answer as the first's success.
func TestTwoDeletesInOneBatchAreTwoWrites(t *testing.T) {
	e := newFakeEnv(t)
	id := e.create("Twice")["id"].(string)
	r := expect(t, e.do("POST", "/examRegProcesses/t1/batch", fmt.Sprintf(`{"operations":[{"operation":"delete","id":%q},{"operation":"delete","id":%q}]}`, id, id)), 200)
	var out struct{ Results []struct{ Status int } }
	r.json(t, &out)
	if len(out.Results) != 2 || out.Results[0].Status != 200 || out.Results[1].Status != 404 {
		t.Errorf("answered %s, want 200 then 404", r.body)
	}
}
