package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// badRequest is a malformed request, which must get a 4xx answer.
type badRequest struct {
	name, method, path, body string
	header                   []string
	// stored: the request is refused only once storage has been read or
	// has refused a write; every other one is answered before the store is
	// asked anything (the fake shows which).
	stored bool
}

// badRequests builds the malformed requests for an existing record id that
// a registration uses.
func badRequests(id string) []badRequest {
	var cases []badRequest
	add := func(name, method, path, body string, header ...string) {
		cases = append(cases, badRequest{name, method, path, body, header, false})
	}
	addStored := func(name, method, path, body string) {
		cases = append(cases, badRequest{name, method, path, body, nil, true})
	}
	rec := "/examRegProcesses/t1/" + id
	valid := processBody("Valid")

	// Broken JSON, on every operation that takes a body.
	for _, body := range []string{`{`, `{"name":}`, `{"name":"x",}`, `{'name':'x'}`, `{"name":"x"}}`, `{"name":"x"} {"name":"y"}`,
		`nul`, `{"name":"x` + "\x00" + `"}`, `{"name":"\x"}`, "\xff\xfe{}", `{"name":"\ud800"}`, `{"name":"\udc00\ud800"}`, `   `} {
		add("create broken "+body, "POST", "/examRegProcesses/t1", body)
		add("put broken "+body, "PUT", rec, body)
	}
	for _, body := range []string{`[`, `[{"op":"add","path":"/name","value":"x"}`, `[{"op":"add","path":"/name","value":"x"}] []`, `["add"]`, `[null]`, `null`, `""`, `7`} {
		add("patch broken "+body, "PATCH", rec, body)
		add("batch broken "+body, "POST", "/examRegProcesses/t1/batch", body)
	}

	// A wrong JSON type for every field, top level and nested.
	for field, wrong := range map[string]string{
		"name": `7`, "type": `true`, "exam_ids": `"exam-a"`, "display_order": `"1"`, "restrict_exams": `"false"`, "is_active": `1`,
		"show_contact_form": `[]`, "form_id": `{}`, "description": `false`, "display_in_portal_as": `1.5`,
		"contact_form_options": `"cf"`, "checkout_settings": `[]`, "confirmation_email": `true`, "custom_field_values": `{}`,
		"available_in_portal": `"yes"`, "available_to_training_providers": `0`, "override_checkout_settings": `"no"`,
		"enable_confirmation_email": `[true]`, "sys_locked": `"true"`, "sys_external_id": `5`, "sys_snapshot_base_version": `"2"`,
		"sys_bulk_load_record_no": `"3"`, "sys_has_files_in_s3": `1`, "sys_version": `"1"`, "sys_created_at": `0`,
		"sys_last_security_context": `"ctx"`, "sys_calculated_field_errors": `{"error":"x"}`,
	} {
		add("create wrong type "+field, "POST", "/examRegProcesses/t1", replaceField(valid, `"`+field+`":`+wrong))
		add("put wrong type "+field, "PUT", rec, replaceField(valid, `"`+field+`":`+wrong))
	}
	for _, nested := range []string{
		`"contact_form_options":{"contact_form_id":5}`, `"contact_form_options":{"contact_form_id":"c","html":[]}`,
		`"confirmation_email":{"subject":"s","body":{}}`, `"confirmation_email":{"subject":"s","body":"b","cc":["a"]}`,
		`"checkout_settings":{"bank_account_id":["b"],"business_unit_id":"u"}`, `"exam_ids":["exam-a",5]`, `"exam_ids":[["exam-a"]]`,
		`"custom_field_values":[{"custom_field_id":"a__c","numeric_value":"1"}]`, `"custom_field_values":["a__c"]`,
		`"custom_field_values":[{"custom_field_id":"a__c","table_value":[1]}]`, `"sys_calculated_field_errors":[{"error":1}]`,
	} {
		add("create nested "+nested, "POST", "/examRegProcesses/t1", replaceField(valid, nested))
	}

	// Sizes, depth, unicode and values that are wrong though well typed.
	add("body over 1 MiB", "POST", "/examRegProcesses/t1", replaceField(valid, `"description":"`+strings.Repeat("x", 1<<20)+`"`))
	add("record over 300 KB", "POST", "/examRegProcesses/t1", replaceField(valid, `"description":"`+strings.Repeat("é", 160_000)+`"`))
	add("nesting 40 deep", "POST", "/examRegProcesses/t1", replaceField(valid, `"checkout_settings":{"bank_account_id":"b","business_unit_id":"u","x":`+strings.Repeat(`{"a":`, 40)+`1`+strings.Repeat(`}`, 40)+`}`))
	add("nesting 20000 deep", "POST", "/examRegProcesses/t1", strings.Repeat("[", 20000)+strings.Repeat("]", 20000))
	add("99 exam ids", "POST", "/examRegProcesses/t1", replaceField(valid, `"exam_ids":[`+strings.TrimSuffix(strings.Repeat(`"exam-a",`, 99), ",")+`]`))
	add("exam id with a hash", "POST", "/examRegProcesses/t1", replaceField(valid, `"exam_ids":["exam-a#EXAM#x"]`))
	add("lone high surrogate", "POST", "/examRegProcesses/t1", replaceField(valid, `"description":"a\ud800b"`))
	add("lone low surrogate", "PUT", rec, replaceField(valid, `"name":"\udc00"`))
	add("reversed surrogates", "POST", "/examRegProcesses/t1", replaceField(valid, `"checkout_settings":{"bank_account_id":"b","business_unit_id":"u","k\udc00\ud800":1}`))
	add("exam id in unicode", "POST", "/examRegProcesses/t1", replaceField(valid, `"exam_ids":["exämen"]`))
	add("empty name", "POST", "/examRegProcesses/t1", replaceField(valid, `"name":""`))
	add("bad form id", "POST", "/examRegProcesses/t1", replaceField(valid, `"form_id":"forms__x"`))
	add("id on create", "POST", "/examRegProcesses/t1", replaceField(valid, `"id":"mine"`))
	add("other id on put", "PUT", rec, replaceField(valid, `"id":"other"`))
	addStored("stale version on put", "PUT", rec, replaceField(valid, `"sys_version":99`))
	addStored("missing exam", "POST", "/examRegProcesses/t1", replaceField(valid, `"exam_ids":["exam-nope"]`))
	add("form content type", "POST", "/examRegProcesses/t1", valid, "Content-Type", "application/x-www-form-urlencoded")
	add("text content type", "PUT", rec, valid, "Content-Type", "text/plain")
	add("merge patch", "PATCH", rec, `{"name":"x"}`, "Content-Type", "application/merge-patch+json")
	add("bad content type", "POST", "/examRegProcesses/t1/batch", `{"operations":[]}`, "Content-Type", "application/json; charset")

	// Odd ids and path segments.
	for _, seg := range []string{"a%20b", "a%23b", "%C3%A9", "a%00b", "a%2Fb", strings.Repeat("x", 600), "a.b", "a:b", "%25", "EXAMREGPROCESS%23x"} {
		add("get odd id "+seg, "GET", "/examRegProcesses/t1/"+seg, "")
		add("delete odd id "+seg, "DELETE", "/examRegProcesses/t1/"+seg, "")
	}
	add("patch odd id", "PATCH", "/examRegProcesses/t1/a%20b", `[{"op":"add","path":"/name","value":"x"}]`)
	add("put odd id", "PUT", "/examRegProcesses/t1/a%23b", valid)
	add("eligible odd contact", "GET", "/examRegProcesses/t1/eligible/a%23b/exam-a", "")
	add("eligible odd exam", "GET", "/examRegProcesses/t1/eligible/c1/%C3%A9", "")
	addStored("eligible missing exam", "GET", "/examRegProcesses/t1/eligible/c1/exam-nope", "")
	add("odd tenant", "GET", "/examRegProcesses/t1%23x", "")
	add("empty segments", "GET", "/examRegProcesses//"+id, "")
	add("too many segments", "GET", rec+"/extra", "")
	add("unknown method", "POST", rec, valid)

	// Bad query parameters and paging keys.
	for _, q := range []string{"fields=", "fields=nope", "fields=name,,type", "fields=exam_ids.x", "fields=name.first", "fields=" + strings.Repeat("name,", 70),
		"fields=checkout_settings.a%20b", "consistentRead=TRUE", "consistentRead=1", "consistentRead=", "fields=name&fields=type", "colour=red", "%zz=1"} {
		add("get query "+q, "GET", rec+"?"+q, "")
	}
	for _, q := range []string{"limit=0", "limit=-1", "limit=1001", "limit=1.5", "limit=", "exclusiveStartKey=", "exclusiveStartKey=%%%",
		"exclusiveStartKey=" + url.QueryEscape("a b"), "exclusiveStartKey=" + strings.Repeat("A", 5000), "exclusiveStartKey=eyJwayI6IlRFTkFOVCN0MiJ9"} {
		add("list query "+q, "GET", "/examRegProcesses/t1?"+q, "")
	}
	add("write with a query", "DELETE", rec+"?force=true", "")
	add("eligible with a query", "GET", "/examRegProcesses/t1/eligible/c1/exam-a?fields=name", "")

	// Malformed patches, refused as they are parsed...
	for _, p := range []string{
		`[{}]`, `[{"op":"add"}]`, `[{"op":"add","path":"name","value":1}]`, `[{"op":"delete","path":"/name"}]`,
		`[{"op":"add","path":"/id","value":"x"}]`, `[{"op":"remove","path":""}]`, `[{"op":"move","from":"/sys_version","path":"/name"}]`,
		`[{"op":"replace","path":"/sys_last_security_context/user_id","value":"m"}]`,
		`[` + strings.TrimSuffix(strings.Repeat(`{"op":"test","path":"/name","value":"Valid"},`, 1001), ",") + `]`,
	} {
		add("patch "+abbrev(p), "PATCH", rec, p)
	}
	// ...and hostile ones, refused as they apply to the record.
	for _, p := range []string{
		`[{"op":"add","path":"/sys_created~1at","value":"x"}]`,
		`[{"op":"add","path":"/exam_ids/999999999","value":"exam-a"}]`, `[{"op":"add","path":"/exam_ids/-1","value":"exam-a"}]`,
		`[{"op":"remove","path":"/exam_ids/0"}]`, `[{"op":"add","path":"/colour","value":"red"}]`, `[{"op":"test","path":"/name","value":"no"}]`,
		`[{"op":"add","path":"/name","value":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}]`,
		`[{"op":"replace","path":"/type","value":"other"}]`, `[{"op":"replace","path":"/exam_ids","value":[]}]`,
		`[{"op":"add","path":"/exam_ids/-","value":"exam-nope"}]`, `[{"op":"add","path":"/checkout_settings/bank_account_id","value":null}]`,
	} {
		addStored("patch "+abbrev(p), "PATCH", rec, p)
	}
	addStored("copy bomb", "PATCH", rec, copyBomb())

	// Malformed batches.
	for _, b := range []string{
		`{}`, `{"operations":null}`, `{"operations":[]}`, `{"operations":"delete"}`, `{"operations":[{"operation":"delete","id":"x"}],"extra":1}`,
		`[{"operation":"delete","id":"x"}]`, `{"operations":[` + strings.TrimSuffix(strings.Repeat(`{"operation":"delete","id":"nope"},`, 101), ",") + `]}`,
	} {
		add("batch "+abbrev(b), "POST", "/examRegProcesses/t1/batch", b)
	}
	return cases
}

// TestMalformedRequestsAreRefused sends well over a hundred malformed
// requests across all eight operations; each must get a 4xx with a JSON
// message, and only those marked stored may ask the store anything.
func TestMalformedRequestsAreRefused(t *testing.T) {
	e := newFakeEnv(t)
	id := e.create("Valid")["id"].(string)
	e.load("t1", "registrations", usedBy(id))
	before := e.fake.snapshot()
	cases := badRequests(id)
	if len(cases) < 100 {
		t.Fatalf("only %d malformed requests", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			calls := e.fake.callCount()
			r := e.do(c.method, c.path, c.body, c.header...)
			var body struct{ Message string }
			if r.status < 400 || r.status > 499 || json.Unmarshal(r.body, &body) != nil || body.Message == "" {
				t.Errorf("%d %.300s", r.status, r.body)
			}
			switch asked := e.fake.callCount() > calls; {
			case asked && !c.stored:
				t.Errorf("answered %d after asking the store: mark the case stored, or answer it before storage", r.status)
			case !asked && c.stored:
				t.Errorf("answered %d without asking the store: the case is not stored", r.status)
			}
		})
	}
	// A batch of bad operations is answered 200, each operation failing alone.
	r := expect(t, e.do("POST", "/examRegProcesses/t1/batch", badBatch(id)), 200)
	var out struct {
		SuccessCount int `json:"success_count"`
		Results      []struct{ Status int }
	}
	r.json(t, &out)
	for i, res := range out.Results {
		if res.Status < 400 || res.Status > 499 {
			t.Errorf("bad batch operation %d: status %d", i, res.Status)
		}
	}
	if out.SuccessCount != 0 || len(out.Results) != 9 {
		t.Errorf("bad batch: %s", r.body)
	}
	if after := e.fake.snapshot(); !maps.Equal(before, after) {
		t.Errorf("the store changed:\nbefore %v\nafter  %v", before, after)
	}
}

// TestRefusalsThatReachStorageChangeNothing sends the malformed requests
// that are refused only with or after a read of the table, and a batch of
// bad operations: the table must be exactly as it was.
func TestRefusalsThatReachStorageChangeNothing(t *testing.T) {
	e := newEnv(t)
	id := e.create("Valid")["id"].(string)
	e.load("t1", "registrations", usedBy(id))
	before := scan(t, e)
	for _, c := range badRequests(id) {
		if !c.stored {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			if r := e.do(c.method, c.path, c.body, c.header...); r.status < 400 || r.status > 499 {
				t.Errorf("%d %.300s", r.status, r.body)
			}
		})
	}
	r := expect(t, e.do("POST", "/examRegProcesses/t1/batch", badBatch(id)), 200)
	if !strings.Contains(string(r.body), `"success_count":0`) {
		t.Errorf("bad batch: %s", r.body)
	}
	if after := scan(t, e); !reflect.DeepEqual(before, after) {
		t.Errorf("the table changed:\nbefore %v\nafter  %v", before, after)
	}
}

// usedBy is a registration, as a bulk-load line, that uses the process id.
func usedBy(id string) string {
	return `{"id":"r1","name":"R","student_id":"c1","exam_id":"exam-a","date":"2026-01-02T03:04:05Z","status":"failed","process_id":"` + id + `"}`
}

// badBatch is a batch whose nine operations each fail alone, on a record
// that usedBy(id) holds.
func badBatch(id string) string {
	return `{"operations":[7,{"operation":"frob","id":"` + id + `"},{"id":"` + id + `"},` +
		`{"operation":"patch","id":"` + id + `"},{"operation":"patch","id":"` + id + `","patch_directives":[{"op":"remove","path":"/id"}]},` +
		`{"operation":"delete","id":"` + id + `"},{"operation":"delete","id":"a b"},{"operation":"patch","id":"` + id + `","patch_directives":{}},` +
		`{"operation":"delete","id":"` + id + `","object":{}}]}`
}

// scan reads every item of the env's table.
func scan(t *testing.T, e *env) []map[string]any {
	t.Helper()
	var items []map[string]any
	p := dynamodb.NewScanPaginator(e.store.Client(), &dynamodb.ScanInput{TableName: aws.String(e.store.Table()), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, item := range out.Items {
			var m map[string]any
			if err := attributevalue.UnmarshalMap(item, &m); err != nil {
				t.Fatal(err)
			}
			items = append(items, m)
		}
	}
	if len(items) == 0 {
		t.Fatal("empty table")
	}
	return items
}

// replaceField sets one member (given as `"name":value`) of a JSON object body.
func replaceField(body, member string) string {
	var m map[string]json.RawMessage
	json.Unmarshal([]byte(body), &m)
	name, value, _ := strings.Cut(member, ":")
	m[strings.Trim(name, `"`)] = json.RawMessage(value)
	b, err := json.Marshal(m)
	if err != nil {
		return `{"` + strings.Trim(name, `"`) + `":` + value + `}` // an invalid value: send it as it is
	}
	return string(b)
}

// copyBomb doubles checkout_settings into itself until it would pass any limit.
func copyBomb() string {
	ops := []string{`{"op":"add","path":"/checkout_settings/blob","value":"` + strings.Repeat("x", 4000) + `"}`}
	for i := range 40 {
		ops = append(ops, fmt.Sprintf(`{"op":"copy","from":"/checkout_settings","path":"/checkout_settings/c%d"}`, i))
	}
	return "[" + strings.Join(ops, ",") + "]"
}

func abbrev(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}
