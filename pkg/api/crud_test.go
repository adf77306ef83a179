package api_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

var uuidV7 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestCreateAssignsIDAndSystemFields(t *testing.T) {
	e := newFakeEnv(t)
	r := expect(t, e.do("POST", "/examRegProcesses/t1", processBody("Spring", "exam-a", "exam-b"), "User-Agent", "api-test/1"), 200)
	p := r.object(t)
	id, _ := p["id"].(string)
	if !uuidV7.MatchString(id) {
		t.Errorf("id %q is not a UUIDv7", id)
	}
	if r.header.Get("ETag") != `"1"` || p["sys_version"] != 1.0 {
		t.Errorf("ETag %q, sys_version %v; want \"1\" and 1", r.header.Get("ETag"), p["sys_version"])
	}
	if r.header.Get("Location") != "/examRegProcesses/t1/"+id {
		t.Errorf("Location = %q", r.header.Get("Location"))
	}
	if p["sys_created_by_id"] != "alice" || p["sys_last_modified_by_id"] != "alice" {
		t.Errorf("created/modified by = %v/%v, want alice", p["sys_created_by_id"], p["sys_last_modified_by_id"])
	}
	created, err := time.Parse(time.RFC3339, p["sys_created_at"].(string))
	if err != nil || time.Since(created) > time.Minute || p["sys_last_modified_at"] != p["sys_created_at"] {
		t.Errorf("sys_created_at %v, sys_last_modified_at %v", p["sys_created_at"], p["sys_last_modified_at"])
	}
	sc, _ := p["sys_last_security_context"].(map[string]any)
	if sc["user_id"] != "alice" || sc["tenant_id"] != "t1" || sc["operation"] != "create" || sc["user_agent"] != "api-test/1" ||
		sc["request_id"] != r.header.Get("X-Request-Id") || sc["source_ip"] != "127.0.0.1" || sc["at"] != p["sys_created_at"] {
		t.Errorf("sys_last_security_context = %v", sc)
	}
	if cs := p["checkout_settings"].(map[string]any); cs["extra"].(map[string]any)["kept"] != true {
		t.Errorf("checkout_settings lost a member: %v", cs)
	}
}

// TestWritesReadBackAsAnswered: what create, PUT and PATCH answer is, byte
// for byte and with its ETag, what the table then holds.
func TestWritesReadBackAsAnswered(t *testing.T) {
	e := newEnv(t)
	created := expect(t, e.do("POST", "/examRegProcesses/t1", processBody("Spring", "exam-a", "exam-b"), "User-Agent", "api-test/1"), 200)
	path := "/examRegProcesses/t1/" + created.object(t)["id"].(string)
	for _, write := range []struct {
		name   string
		answer func() reply
	}{
		{"create", func() reply { return created }},
		{"update", func() reply { return e.do("PUT", path, processBody("Summer", "exam-b")) }},
		{"patch", func() reply {
			return e.do("PATCH", path, `[{"op":"add","path":"/checkout_settings/extra/more","value":[{},[]]}]`)
		}},
	} {
		t.Run(write.name, func(t *testing.T) {
			answered := expect(t, write.answer(), 200)
			stored := expect(t, e.do("GET", path+"?consistentRead=true", ""), 200)
			if string(stored.body) != string(answered.body) || stored.header.Get("ETag") != answered.header.Get("ETag") {
				t.Errorf("GET answers (ETag %s)\n%s\nwant what %s answered (ETag %s)\n%s",
					stored.header.Get("ETag"), stored.body, write.name, answered.header.Get("ETag"), answered.body)
			}
		})
	}
}

func TestCreateIgnoresServerManagedFieldsButRefusesAnID(t *testing.T) {
	e := newFakeEnv(t)
	body := strings.Replace(processBody("X"), `{`, `{"sys_version":7,"sys_created_by_id":"mallory","sys_locked":true,`, 1)
	p := expect(t, e.do("POST", "/examRegProcesses/t1", body), 200).object(t)
	if p["sys_version"] != 1.0 || p["sys_created_by_id"] != "alice" || p["sys_locked"] != true {
		t.Errorf("sys_version %v, sys_created_by_id %v, sys_locked %v; want 1, alice, true (client-writable)",
			p["sys_version"], p["sys_created_by_id"], p["sys_locked"])
	}
	body = strings.Replace(processBody("X"), `{`, `{"id":"mine",`, 1)
	r := expect(t, e.do("POST", "/examRegProcesses/t1", body), 400)
	if f := r.fields(t); !slices.Equal(f, []string{"id"}) {
		t.Errorf("fields %v, want [id]", f)
	}
}

func TestValidationReportsEveryProblemWithItsField(t *testing.T) {
	e := newFakeEnv(t)
	p := e.create("Valid")
	for _, tc := range []struct {
		name, method, path, body string
		fields                   []string
	}{
		{"empty object", "POST", "/examRegProcesses/t1", `{}`,
			[]string{"name", "type", "exam_ids", "contact_form_options", "checkout_settings", "confirmation_email"}},
		{"wrong types and unknown fields", "POST", "/examRegProcesses/t1",
			`{"name":1,"type":"register","exam_ids":["exam-a"],"is_active":"yes","colour":"red",
			  "contact_form_options":{"contact_form_id":"c","font":"x"},"checkout_settings":{"bank_account_id":"b","business_unit_id":"u"},
			  "confirmation_email":{"subject":"s","body":"b"},"custom_field_values":[{"custom_field_id":"a__c","boolean_value":"no"}]}`,
			[]string{"colour", "contact_form_options.font", "custom_field_values[0].boolean_value", "is_active", "name"}},
		{"patterns and enums", "POST", "/examRegProcesses/t1",
			`{"name":"n","type":"maybe","exam_ids":["exam-a","exam-a","bad id"],"form_id":"forms__x",
			  "contact_form_options":{},"checkout_settings":{"bank_account_id":3},"confirmation_email":{"subject":"s"}}`,
			[]string{"type", "exam_ids[1]", "exam_ids[2]", "contact_form_options.contact_form_id",
				"checkout_settings.bank_account_id", "checkout_settings.business_unit_id", "confirmation_email.body", "form_id"}},
		{"put with another id", "PUT", "/examRegProcesses/t1/" + p["id"].(string),
			strings.Replace(processBody("X"), `{`, `{"id":"other",`, 1), []string{"id"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := expect(t, e.do(tc.method, tc.path, tc.body), 400)
			if got := r.fields(t); !sameSet(got, tc.fields) {
				t.Errorf("fields %v, want %v", got, tc.fields)
			}
		})
	}
	for _, tc := range []struct{ name, body string }{
		{"two documents", `{"name":"x"} {}`}, {"cut short", `{"name":`}, {"an array", `[]`}, {"a string", `"x"`}, {"empty", ``},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := expect(t, e.do("POST", "/examRegProcesses/t1", tc.body, "Content-Type", "application/json"), 400)
			r.fields(t)
		})
	}
	// Nothing was written by any refused request.
	list := expect(t, e.do("GET", "/examRegProcesses/t1?consistentRead=true", ""), 200)
	var items []map[string]any
	list.json(t, &items)
	if len(items) != 1 {
		t.Errorf("%d records after refused creates, want 1", len(items))
	}
}

func TestUpdateReplacesClientFieldsAndKeepsCreation(t *testing.T) {
	e := newFakeEnv(t)
	p := e.create("Before")
	id := p["id"].(string)
	body := `{"name":"After","type":"retest","exam_ids":["exam-b"],
		"contact_form_options":{"contact_form_id":"cf-2"},"checkout_settings":{"bank_account_id":"b2","business_unit_id":"u2"},
		"confirmation_email":{"subject":"s2","body":"b2"},"sys_created_by_id":"mallory"}`
	r := expect(t, e.doAs(mint(t, "bob", "t1"), "PUT", "/examRegProcesses/t1/"+id, body), 200)
	got := r.object(t)
	if got["name"] != "After" || got["type"] != "retest" || got["is_active"] != nil || got["sys_version"] != 2.0 ||
		got["sys_created_by_id"] != "alice" || got["sys_last_modified_by_id"] != "bob" || got["sys_created_at"] != p["sys_created_at"] {
		t.Errorf("after PUT: %s", r.body)
	}
	if r.header.Get("ETag") != `"2"` {
		t.Errorf("ETag %q, want \"2\"", r.header.Get("ETag"))
	}
}

func TestUpdateWithStaleVersionIsAConflict(t *testing.T) {
	e := newFakeEnv(t)
	p := e.create("V1")
	id := p["id"].(string)
	edited := strings.Replace(processBody("V2"), `{`, `{"sys_version":1,`, 1)
	expect(t, e.do("PUT", "/examRegProcesses/t1/"+id, edited), 200)
	// The same edit, made from the same read, is now stale.
	expect(t, e.do("PUT", "/examRegProcesses/t1/"+id, strings.Replace(edited, "V2", "V2 again", 1)), 409)
	if got := expect(t, e.do("GET", "/examRegProcesses/t1/"+id, ""), 200).object(t); got["name"] != "V2" || got["sys_version"] != 2.0 {
		t.Errorf("a stale PUT changed the record: %v", got)
	}
}

func TestMissingExamsAreConflictsOnEveryWrite(t *testing.T) {
	e := newEnv(t)
	r := expect(t, e.do("POST", "/examRegProcesses/t1", processBody("X", "exam-a", "exam-zz", "exam-yy")), 409)
	if f := r.fields(t); !slices.Equal(f, []string{"exam_ids[1]", "exam_ids[2]"}) {
		t.Errorf("fields %v", f)
	}
	// An exam of another tenant does not count.
	e.load("t2", "exams", `{"id":"exam-t2","name":"T2 exam"}`)
	expect(t, e.do("POST", "/examRegProcesses/t1", processBody("X", "exam-t2")), 409)

	id := e.create("Y")["id"].(string)
	expect(t, e.do("PUT", "/examRegProcesses/t1/"+id, processBody("Y", "exam-zz")), 409)
	r = expect(t, e.do("PATCH", "/examRegProcesses/t1/"+id, `[{"op":"add","path":"/exam_ids/-","value":"exam-zz"}]`), 409)
	if f := r.fields(t); !slices.Equal(f, []string{"exam_ids[1]"}) {
		t.Errorf("fields %v", f)
	}
	if got := expect(t, e.do("GET", "/examRegProcesses/t1/"+id, ""), 200).object(t); got["sys_version"] != 1.0 {
		t.Errorf("a refused write changed the record: %v", got)
	}
}

func TestPatch(t *testing.T) {
	e := newFakeEnv(t)
	id := e.create("P")["id"].(string)
	path := "/examRegProcesses/t1/" + id
	r := expect(t, e.do("PATCH", path, `[
		{"op":"test","path":"/name","value":"P"},
		{"op":"replace","path":"/name","value":"P2"},
		{"op":"add","path":"/exam_ids/-","value":"exam-b"},
		{"op":"add","path":"/display_order","value":2.5},
		{"op":"copy","from":"/name","path":"/description"},
		{"op":"move","from":"/checkout_settings/extra","path":"/checkout_settings/moved"},
		{"op":"remove","path":"/is_active"}]`, "Content-Type", "application/json-patch+json"), 200)
	p := r.object(t)
	cs := p["checkout_settings"].(map[string]any)
	if p["name"] != "P2" || p["description"] != "P2" || p["display_order"] != 2.5 || p["is_active"] != nil ||
		len(p["exam_ids"].([]any)) != 2 || cs["moved"] == nil || cs["extra"] != nil || p["sys_version"] != 2.0 {
		t.Errorf("patched: %s", r.body)
	}
	if r.header.Get("ETag") != `"2"` {
		t.Errorf("ETag %q", r.header.Get("ETag"))
	}
	for _, tc := range []struct {
		name, body string
		fields     []string
	}{
		{"read-only path and from", `[{"op":"replace","path":"/sys_version","value":9},{"op":"copy","from":"/sys_created_by_id","path":"/name"},{"op":"remove","path":"/id"}]`,
			[]string{"[0].path", "[1].from", "[2].path"}},
		{"malformed ops", `[{"op":"frob","path":"/name"},{"path":"/name"},{"op":"add","path":"/name"},{"op":"move","path":"/name"}]`,
			[]string{"[0].op", "[1].op", "[2].value", "[3].from"}},
		{"result fails validation", `[{"op":"remove","path":"/name"},{"op":"replace","path":"/type","value":"other"},{"op":"add","path":"/colour","value":"red"}]`,
			[]string{"colour", "name", "type"}},
		{"failed test", `[{"op":"test","path":"/name","value":"nope"},{"op":"replace","path":"/name","value":"Q"}]`, []string{"[0]"}},
		{"missing path", `[{"op":"replace","path":"/nothing/here","value":1}]`, []string{"[0].path"}},
		{"missing parent", `[{"op":"add","path":"/name","value":"Q"},{"op":"add","path":"/nothing/here","value":1}]`, []string{"[1].path"}},
		{"index not a number", `[{"op":"add","path":"/exam_ids/1e0","value":"exam-b"}]`, []string{"[0].path"}},
		{"index past the end", `[{"op":"add","path":"/exam_ids/5","value":"exam-b"}]`, []string{"[0].path"}},
		{"missing from", `[{"op":"copy","from":"/nothing","path":"/name"}]`, []string{"[0].from"}},
		{"not an array", `{"op":"replace","path":"/name","value":"Q"}`, []string{""}},
		{"duplicate member", `[{"op":"replace","op":"add","path":"/name","value":"Q"}]`, []string{"[0].op"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := expect(t, e.do("PATCH", path, tc.body), 400)
			if got := r.fields(t); !sameSet(got, tc.fields) {
				t.Errorf("fields %v, want %v", got, tc.fields)
			}
			for _, internal := range []string{"strconv", "json:", "jsontext", "Atoi", "runtime"} {
				if strings.Contains(string(r.body), internal) {
					t.Errorf("the answer shows Go internals (%s): %s", internal, r.body)
				}
			}
		})
	}
	// An empty patch is a patch (RFC 6902): the record as it is, nothing written.
	empty := expect(t, e.do("PATCH", path, `[]`), 200)
	if got := empty.object(t); got["sys_version"] != 2.0 || got["name"] != "P2" || empty.header.Get("ETag") != `"2"` {
		t.Errorf("empty patch answered %s (ETag %s)", empty.body, empty.header.Get("ETag"))
	}
	expect(t, e.do("PATCH", path, `[{"op":"replace","path":"/name","value":"Q"}]`, "Content-Type", "application/merge-patch+json"), 415)
	if got := expect(t, e.do("GET", path, ""), 200).object(t); got["sys_version"] != 2.0 || got["name"] != "P2" {
		t.Errorf("a refused patch changed the record: %v", got)
	}
}

func TestDelete(t *testing.T) {
	e := newFakeEnv(t)
	id := e.create("D")["id"].(string)
	path := "/examRegProcesses/t1/" + id
	r := expect(t, e.do("DELETE", path, ""), 200)
	var deleted string
	r.json(t, &deleted)
	if deleted != id {
		t.Errorf("delete answered %q, want the id %q", deleted, id)
	}
	expect(t, e.do("GET", path+"?consistentRead=true", ""), 404)
	expect(t, e.do("DELETE", path, ""), 404)
	// The count went down: the tenant can create again at its limit.
	var counter int
	list := expect(t, e.do("GET", "/examRegProcesses/t1?consistentRead=true", ""), 200)
	var items []any
	list.json(t, &items)
	if counter = len(items); counter != 0 {
		t.Errorf("%d records left", counter)
	}
}

func TestDeleteRefusedWhileRegistrationsUseTheProcess(t *testing.T) {
	e := newEnv(t)
	id := e.create("Used")["id"].(string)
	e.load("t1", "registrations", `{"id":"r1","name":"R","student_id":"c1","exam_id":"exam-a","date":"2026-01-02T03:04:05Z","status":"registered","process_id":"`+id+`"}`)
	expect(t, e.do("DELETE", "/examRegProcesses/t1/"+id, ""), 409).fields(t)
	expect(t, e.do("GET", "/examRegProcesses/t1/"+id, ""), 200)
	// A registration in another tenant with the same process id does not hold it.
	other := e.create("Free")["id"].(string)
	e.load("t2", "registrations", `{"id":"r2","name":"R","student_id":"c1","exam_id":"exam-a","date":"2026-01-02T03:04:05Z","status":"registered","process_id":"`+other+`"}`)
	expect(t, e.do("DELETE", "/examRegProcesses/t1/"+other, ""), 200)
}

func TestNotFound(t *testing.T) {
	e := newFakeEnv(t)
	for _, tc := range []struct{ name, method, path, body string }{
		{"get", "GET", "/examRegProcesses/t1/no-such-id", ""},
		{"update", "PUT", "/examRegProcesses/t1/no-such-id", processBody("X")},
		{"patch", "PATCH", "/examRegProcesses/t1/no-such-id", `[{"op":"replace","path":"/name","value":"Q"}]`},
		{"delete", "DELETE", "/examRegProcesses/t1/no-such-id", ""},
		{"eligible for no exam", "GET", "/examRegProcesses/t1/eligible/c1/no-such-exam", ""},
		{"history", "GET", "/examRegProcesses/t1/no-such-id/history", ""},
		{"history version", "GET", "/examRegProcesses/t1/no-such-id/history/1", ""},
		// Routes that do not exist answer the JSON error body too.
		{"no route", "GET", "/nothing/here", ""},
		{"no route under the tenant", "GET", "/examRegProcesses/t1/a/b/c/d/e", ""},
		{"trailing slash", "GET", "/examRegProcesses/t1/", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, e.do(tc.method, tc.path, tc.body), 404).fields(t)
		})
	}
}

// TestKnownPathsRefuseOtherMethods: a method a path does not take is a 405
// listing, in Allow, the methods it takes.
func TestKnownPathsRefuseOtherMethods(t *testing.T) {
	e := newFakeEnv(t)
	for _, tc := range []struct{ name, method, path, allow string }{
		{"collection", "DELETE", "/examRegProcesses/t1", "POST, GET"},
		{"record", "POST", "/examRegProcesses/t1/some-id", "GET, PUT, PATCH, DELETE"},
		{"history version", "PUT", "/examRegProcesses/t1/some-id/history/2", "GET"},
		{"history", "DELETE", "/examRegProcesses/t1/some-id/history", "GET"},
		{"eligible", "POST", "/examRegProcesses/t1/eligible/c1/exam-a", "GET"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := expect(t, e.do(tc.method, tc.path, ""), 405)
			r.fields(t)
			if allow := r.header.Get("Allow"); allow != tc.allow {
				t.Errorf("Allow = %q, want %q", allow, tc.allow)
			}
		})
	}
}

func TestLockedRecordsRefuseChanges(t *testing.T) {
	e := newEnv(t)
	id := e.create("L")["id"].(string)
	path := "/examRegProcesses/t1/" + id
	// Locking through the API is allowed...
	expect(t, e.do("PATCH", path, `[{"op":"add","path":"/sys_locked","value":true}]`), 200)
	// ...and then every change, including unlocking, is refused.
	for _, tc := range []struct{ method, body string }{
		{"PUT", processBody("X")},
		{"PATCH", `[{"op":"replace","path":"/sys_locked","value":false}]`},
		{"DELETE", ""},
	} {
		t.Run(tc.method, func(t *testing.T) {
			r := expect(t, e.do(tc.method, path, tc.body), 403)
			var body struct{ Message string }
			r.json(t, &body)
			if body.Message != "record is locked" {
				t.Errorf("message %q", body.Message)
			}
		})
	}
	if got := expect(t, e.do("GET", path, ""), 200).object(t); got["sys_version"] != 2.0 || got["sys_locked"] != true {
		t.Errorf("a locked record changed: %v", got)
	}
}

// TestIfMatch: the If-Match header as each write reads it.
func TestIfMatch(t *testing.T) {
	e := newFakeEnv(t)
	id := e.create("E")["id"].(string)
	path := "/examRegProcesses/t1/" + id
	patch := `[{"op":"replace","path":"/name","value":"E2"}]`
	expect(t, e.do("PATCH", path, patch, "If-Match", `"7"`), 412)
	expect(t, e.do("PATCH", path, patch, "If-Match", `W/"1"`), 412) // weak tags never match
	expect(t, e.do("PATCH", path, patch, "If-Match", `"5", "1"`), 200)
	expect(t, e.do("PUT", path, processBody("E3"), "If-Match", `"1"`), 412)
	expect(t, e.do("PUT", path, processBody("E3"), "If-Match", `"2"`), 200)
	expect(t, e.do("DELETE", path, "", "If-Match", `"2"`), 412)
	expect(t, e.do("DELETE", path, "", "If-Match", `"nonsense"`), 412)
	if got := expect(t, e.do("GET", path, ""), 200); got.header.Get("ETag") != `"3"` {
		t.Errorf("ETag %q after refused writes, want \"3\"", got.header.Get("ETag"))
	}
	expect(t, e.do("DELETE", path, "", "If-Match", `"3"`), 200)
	id = e.create("F")["id"].(string)
	expect(t, e.do("DELETE", "/examRegProcesses/t1/"+id, "", "If-Match", `*`), 200)
}

// TestIfMatchIsAConditionOfTheDelete: a delete's If-Match versions are a
// condition of the delete itself, refused whole when none is the stored one.
func TestIfMatchIsAConditionOfTheDelete(t *testing.T) {
	e := newEnv(t)
	id := e.create("E")["id"].(string)
	path := "/examRegProcesses/t1/" + id
	expect(t, e.do("PATCH", path, `[{"op":"replace","path":"/name","value":"E2"}]`), 200)
	expect(t, e.do("DELETE", path, "", "If-Match", `"1", "3"`), 412)
	if got := expect(t, e.do("GET", path+"?consistentRead=true", ""), 200); got.header.Get("ETag") != `"2"` {
		t.Errorf("ETag %q after a refused delete, want \"2\"", got.header.Get("ETag"))
	}
	assertCounted(t, e)
	expect(t, e.do("DELETE", path, "", "If-Match", `"1", "2"`), 200)
	expect(t, e.do("GET", path+"?consistentRead=true", ""), 404)
	assertCounted(t, e)
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
