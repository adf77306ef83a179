package openapi_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/certhub/examreg/pkg/dev/openapi"
	"github.com/certhub/examreg/pkg/examreg"
)

// raw is JSON text, sent as written wherever it appears in a body.
type raw string

func (r raw) MarshalJSON() ([]byte, error) { return []byte(r), nil }

// request is one request to check; body is marshalled to JSON unless it is
// raw or nil.
type request struct {
	name, method, target string
	header               http.Header
	body                 any
	wantErr              string // "" when the document must accept the request
}

func (r request) build(t *testing.T) (*http.Request, []byte) {
	t.Helper()
	var body []byte
	switch b := r.body.(type) {
	case nil:
	case raw: // as written, even when it is not JSON
		body = []byte(b)
	default:
		body = mustJSON(t, b)
	}
	req := httptest.NewRequest(r.method, "http://127.0.0.1:40123"+r.target, nil)
	req.Header.Set("Authorization", "Bearer x.y.z")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for name, values := range r.header {
		req.Header.Del(name)
		for _, value := range values {
			if value != "" {
				req.Header.Add(name, value)
			}
		}
	}
	return req, body
}

// testdata reads a JSON object of testdata/.
func testdata(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("testdata/%s: %v", name, err)
	}
	return m
}

// required are the members a create or PUT body must have.
var required = []string{"name", "type", "exam_ids", "contact_form_options", "checkout_settings", "confirmation_email"}

// nullOptional returns body with every member but the required ones null.
func nullOptional(body map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range body {
		if slices.Contains(required, k) {
			out[k] = v
		} else {
			out[k] = nil
		}
	}
	return out
}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i < len(kv); i += 2 {
		h[kv[i]] = append(h[kv[i]], kv[i+1])
	}
	return h
}

func patchOp(op, path string, more ...any) map[string]any {
	return with(map[string]any{"op": op, "path": path}, more...)
}

func TestCheckRequest(t *testing.T) {
	v := newValidator(t)
	got := testdata(t, "get_answer.json")
	createBody := with(got, "id", nil)
	readmeCreate := testdata(t, "readme_create.json")
	const (
		list   = "/examRegProcesses/t1"
		item   = "/examRegProcesses/t1/x"
		batch  = "/examRegProcesses/t1/batch"
		hist   = "/examRegProcesses/t1/x/history"
		sample = `"8e03978e-40d5-43e8-bc93-6894a57f9324"`
	)
	customField := func(cf map[string]any) map[string]any {
		return with(readmeCreate, "custom_field_values", []any{with(map[string]any{"custom_field_id": "level__c"}, flatten(cf)...)})
	}
	for _, r := range []request{
		// create
		{name: "the README's create", method: "POST", target: list, body: readmeCreate},
		{name: "create with every member a GET answers but id", method: "POST", target: list, body: createBody},
		{name: "create with id null", method: "POST", target: list, body: with(createBody, "id", raw("null"))},
		{name: "create with every optional member null", method: "POST", target: list, body: nullOptional(createBody)},
		{name: "create without Content-Type", method: "POST", target: list, header: hdr("Content-Type", ""), body: readmeCreate},
		{name: "create with an Idempotency-Key", method: "POST", target: list, header: hdr("Idempotency-Key", sample), body: readmeCreate},
		{name: "create with a bare Idempotency-Key", method: "POST", target: list, header: hdr("Idempotency-Key", "8e03978e-40d5-43e8-bc93-6894a57f9324"), body: readmeCreate},
		{name: "create with an escaping Idempotency-Key", method: "POST", target: list, header: hdr("Idempotency-Key", `"a \"quoted\" \\ key"`), body: readmeCreate},
		{name: "create with a 255-character Idempotency-Key", method: "POST", target: list, header: hdr("Idempotency-Key", `"`+strings.Repeat("k", 255)+`"`), body: readmeCreate},
		{name: "create with empty arrays and objects", method: "POST", target: list, body: with(readmeCreate, "custom_field_values", []any{},
			"checkout_settings", map[string]any{"bank_account_id": "b", "business_unit_id": "u", "o": map[string]any{}, "a": []any{}, "n": nil})},
		{name: "create with free-form values of every kind", method: "POST", target: list,
			body: customField(map[string]any{"list_value": []any{nil, true, 1.5, "s", []any{[]any{}}, map[string]any{"k": nil}}, "table_value": []any{map[string]any{}, map[string]any{"k": []any{nil}}}})},
		{name: "create with a number DynamoDB cannot hold but the schema's range allows (checked beyond the schema)", method: "POST", target: list,
			body: withMember(t, readmeCreate, "display_order", raw("1E-200"))},
		{name: "create with an unpaired surrogate (checked beyond the schema)", method: "POST", target: list,
			body: raw(strings.Replace(string(mustJSON(t, readmeCreate)), "Spring intake", `Spring \ud800 intake`, 1))},
		{name: "create with a member given twice (checked beyond the schema)", method: "POST", target: list,
			body: raw(`{"name":"a","name":"b","type":"register","exam_ids":["e"],"contact_form_options":{"contact_form_id":"c"},` +
				`"checkout_settings":{"bank_account_id":"b","business_unit_id":"u"},"confirmation_email":{"subject":"s","body":"b"}}`)},

		{name: "create with an id", method: "POST", target: list, body: got, wantErr: "id"},
		{name: "create in invalid UTF-8", method: "POST", target: list,
			body: raw(strings.Replace(string(mustJSON(t, readmeCreate)), "Spring intake", "Spring \xff intake", 1)), wantErr: "UTF-8"},
		{name: "create with data after the body", method: "POST", target: list, body: raw(string(mustJSON(t, readmeCreate)) + " {}"), wantErr: "one JSON value"},
		{name: "patch with data after the body", method: "PATCH", target: item, header: hdr("Content-Type", "application/json-patch+json"), body: raw("[] x"), wantErr: "one JSON value"},
		{name: "create without Authorization", method: "POST", target: list, header: hdr("Authorization", ""), body: readmeCreate, wantErr: "Authorization"},
		{name: "create as text", method: "POST", target: list, header: hdr("Content-Type", "text/plain"), body: readmeCreate, wantErr: "text/plain"},
		{name: "create without a name", method: "POST", target: list, body: with(readmeCreate, "name", nil), wantErr: "name"},
		{name: "create with name null", method: "POST", target: list, body: with(readmeCreate, "name", raw("null")), wantErr: "name"},
		{name: "create with contact_form_options null", method: "POST", target: list, body: with(readmeCreate, "contact_form_options", raw("null")), wantErr: "contact_form_options"},
		{name: "create with an unknown member", method: "POST", target: list, body: with(readmeCreate, "colour", "blue"), wantErr: "colour"},
		{name: "create with an unknown member of a closed sub-object", method: "POST", target: list,
			body: withMember(t, readmeCreate, "confirmation_email.font", "x"), wantErr: "font"},
		{name: "create with no exam", method: "POST", target: list, body: with(readmeCreate, "exam_ids", []any{}), wantErr: "exam_ids"},
		{name: "create with an exam twice", method: "POST", target: list, body: with(readmeCreate, "exam_ids", []any{"a", "a"}), wantErr: "exam_ids"},
		{name: "create with an empty bank account", method: "POST", target: list, body: withMember(t, readmeCreate, "checkout_settings.bank_account_id", ""), wantErr: "bank_account_id"},
		{name: "create with an empty free-form member name", method: "POST", target: list, body: withMember(t, readmeCreate, "checkout_settings.", 1), wantErr: "checkout_settings"},
		{name: "create with an empty member name in a table row", method: "POST", target: list,
			body: customField(map[string]any{"table_value": []any{map[string]any{"": 1}}}), wantErr: "table_value"},
		{name: "create with an empty member name deep in a list", method: "POST", target: list,
			body: customField(map[string]any{"list_value": []any{[]any{map[string]any{"a": map[string]any{"": nil}}}}}), wantErr: "list_value"},
		{name: "create with a table row that is not an object", method: "POST", target: list,
			body: customField(map[string]any{"table_value": []any{[]any{}}}), wantErr: "table_value"},
		{name: "create with a number beyond DynamoDB's range", method: "POST", target: list, body: withMember(t, readmeCreate, "display_order", raw("1E+130")), wantErr: "display_order"},
		{name: "create with a free-form number beyond DynamoDB's range", method: "POST", target: list,
			body: withMember(t, readmeCreate, "checkout_settings.big", raw("-1E+127")), wantErr: "big"},
		{name: "create with a custom field id outside its pattern", method: "POST", target: list,
			body: with(readmeCreate, "custom_field_values", []any{map[string]any{"custom_field_id": "level"}}), wantErr: "custom_field_id"},
		{name: "create with an empty Idempotency-Key", method: "POST", target: list, header: hdr("Idempotency-Key", `""`), body: readmeCreate, wantErr: "Idempotency-Key"},
		{name: "create with a 256-character Idempotency-Key", method: "POST", target: list, header: hdr("Idempotency-Key", `"`+strings.Repeat("k", 256)+`"`), body: readmeCreate, wantErr: "Idempotency-Key"},
		{name: "create with an Idempotency-Key that is not ASCII", method: "POST", target: list, header: hdr("Idempotency-Key", `"clé"`), body: readmeCreate, wantErr: "Idempotency-Key"},
		{name: "create with a bare Idempotency-Key holding a space", method: "POST", target: list, header: hdr("Idempotency-Key", "a b"), body: readmeCreate, wantErr: "Idempotency-Key"},
		{name: "create with an unterminated Idempotency-Key", method: "POST", target: list, header: hdr("Idempotency-Key", `"abc`), body: readmeCreate, wantErr: "Idempotency-Key"},

		// update
		{name: "the README's PUT, with sys_version 1", method: "PUT", target: "/examRegProcesses/demo/retest", body: readmePUT(t)},
		{name: "a GET answer sent back as a PUT", method: "PUT", target: item, body: got},
		{name: "put with every optional member null", method: "PUT", target: item, body: nullOptional(got)},
		{name: "put with sys_version 0", method: "PUT", target: item, body: with(got, "sys_version", 0)},
		{name: "put with server-managed values the server ignores", method: "PUT", target: item,
			body: with(got, "sys_created_at", "yesterday", "sys_last_security_context", map[string]any{}, "sys_calculated_field_errors", []any{map[string]any{}})},
		{name: "put with an id other than the path's (checked beyond the schema)", method: "PUT", target: item, body: with(got, "id", "y")},

		{name: "put with a string version", method: "PUT", target: item, body: with(got, "sys_version", "3"), wantErr: "sys_version"},
		{name: "put with a fractional version", method: "PUT", target: item, body: with(got, "sys_version", 1.5), wantErr: "sys_version"},
		{name: "put with a server-managed member of the wrong type", method: "PUT", target: item, body: with(got, "sys_created_by_id", 7), wantErr: "sys_created_by_id"},
		{name: "put with an unknown member of sys_last_security_context", method: "PUT", target: item,
			body: withMember(t, got, "sys_last_security_context.colour", "x"), wantErr: "colour"},
		{name: "put to a percent-encoded id", method: "PUT", target: "/examRegProcesses/t1/%78", body: got},
		{name: "put with a bad path id", method: "PUT", target: "/examRegProcesses/t1/x%20y", body: got, wantErr: "id"},

		// patch
		{name: "patch", method: "PATCH", target: item, header: hdr("Content-Type", "application/json-patch+json"), body: []any{
			patchOp("replace", "/name", "value", "B"),
			patchOp("add", "/exam_ids/-", "value", "exam-c"),
			patchOp("move", "/display_in_portal_as", "from", "/description"),
			patchOp("copy", "/checkout_settings/y", "from", "/checkout_settings/x"),
			patchOp("remove", "/form_id"),
			patchOp("test", "/is_active", "value", true),
			patchOp("add", "/checkout_settings/n", "value", raw("null")),
		}},
		{name: "empty patch", method: "PATCH", target: item, body: []any{}},
		{name: "patch of 1000 operations", method: "PATCH", target: item, body: slices.Repeat([]any{patchOp("test", "/name", "value", "A")}, 1000)},
		{name: "patch without Content-Type", method: "PATCH", target: item, header: hdr("Content-Type", ""), body: []any{patchOp("remove", "/form_id")}},
		{name: "patch whose ignored members hold anything", method: "PATCH", target: item, body: []any{
			patchOp("remove", "/form_id", "from", 5, "value", map[string]any{}), patchOp("add", "/name", "value", "B", "from", "/id", "colour", "x")}},
		{name: "patch of a path that does not exist (checked beyond the schema)", method: "PATCH", target: item, body: []any{patchOp("replace", "/no_such_member", "value", 1)}},

		{name: "patch of 1001 operations", method: "PATCH", target: item, body: slices.Repeat([]any{patchOp("test", "/name", "value", "A")}, 1001), wantErr: "1000"},
		{name: "patch as an object", method: "PATCH", target: item, body: patchOp("replace", "/name", "value", "B"), wantErr: "array"},
		{name: "patch of sys_version", method: "PATCH", target: item, body: []any{patchOp("replace", "/sys_version", "value", 9)}, wantErr: "/0/path"},
		{name: "patch inside sys_last_security_context", method: "PATCH", target: item, body: []any{patchOp("test", "/sys_last_security_context/user_id", "value", "a")}, wantErr: "/0/path"},
		{name: "patch of the whole document", method: "PATCH", target: item, body: []any{patchOp("replace", "", "value", map[string]any{})}, wantErr: "/0/path"},
		{name: "patch path without a slash", method: "PATCH", target: item, body: []any{patchOp("remove", "name")}, wantErr: "/0/path"},
		{name: "patch moving from id", method: "PATCH", target: item, body: []any{patchOp("remove", "/form_id"), patchOp("copy", "/name", "from", "/id")}, wantErr: "from"},
		{name: "patch move without from", method: "PATCH", target: item, body: []any{patchOp("move", "/name")}, wantErr: "from"},
		{name: "patch replace without value", method: "PATCH", target: item, body: []any{patchOp("replace", "/name")}, wantErr: "value"},
		{name: "patch with an unknown op", method: "PATCH", target: item, body: []any{patchOp("append", "/name", "value", "x")}, wantErr: "op"},
		{name: "patch as text", method: "PATCH", target: item, header: hdr("Content-Type", "text/plain"), body: []any{}, wantErr: "text/plain"},

		// batch
		{name: "batch", method: "POST", target: batch, body: map[string]any{"operations": []any{
			map[string]any{"operation": "patch", "id": "x", "patch_directives": []any{patchOp("replace", "/name", "value", "B")}},
			map[string]any{"operation": "patch", "id": "y", "patch_directives": []any{}},
			map[string]any{"operation": "delete", "id": "y"},
		}}},
		{name: "batch whose operations fail alone", method: "POST", target: batch, body: map[string]any{"operations": []any{
			5, nil, map[string]any{"operation": "read", "id": "y"}, map[string]any{"operation": "delete"},
			map[string]any{"operation": "delete", "id": "y", "patch_directives": []any{}, "colour": "x"},
			map[string]any{"operation": "patch", "id": "y", "patch_directives": []any{patchOp("replace", "/id", "value", "z")}},
		}}},
		{name: "batch of none", method: "POST", target: batch, body: map[string]any{"operations": []any{}}, wantErr: "operations"},
		{name: "batch of 101", method: "POST", target: batch, body: map[string]any{"operations": slices.Repeat([]any{map[string]any{"operation": "delete", "id": "y"}}, 101)}, wantErr: "operations"},
		{name: "batch with an unknown member", method: "POST", target: batch, body: map[string]any{"operations": []any{map[string]any{"operation": "delete", "id": "y"}}, "atomic": true}, wantErr: "atomic"},

		// reads
		{name: "list", method: "GET", target: list + "?fields=name,checkout_settings.bank_account_id&consistentRead=false&limit=1000&exclusiveStartKey=MDE5OWE"},
		{name: "list with fields naming no member (checked beyond the schema)", method: "GET", target: list + "?fields=colour"},
		{name: "list with an unknown parameter (checked beyond the schema)", method: "GET", target: list + "?field=name"},
		{name: "list with a parameter given twice (checked beyond the schema)", method: "GET", target: list + "?limit=1&limit=2"},
		{name: "list, empty fields", method: "GET", target: list + "?fields=", wantErr: "fields"},
		{name: "list, limit 0", method: "GET", target: list + "?limit=0", wantErr: "limit"},
		{name: "list, limit 1001", method: "GET", target: list + "?limit=1001", wantErr: "limit"},
		{name: "list, a page key that is not base64url", method: "GET", target: list + "?exclusiveStartKey=a.b", wantErr: "exclusiveStartKey"},
		{name: "get", method: "GET", target: item + "?fields=name&consistentRead=true"},
		{name: "get, consistentRead yes", method: "GET", target: item + "?consistentRead=yes", wantErr: "consistentRead"},
		{name: "get, bad tenant id", method: "GET", target: "/examRegProcesses/t%20one/x", wantErr: "tenantId"},
		{name: "get without Authorization", method: "GET", target: item, header: hdr("Authorization", ""), wantErr: "Authorization"},
		{name: "delete", method: "DELETE", target: item, header: hdr("If-Match", `"3"`)},
		{name: "eligible", method: "GET", target: "/examRegProcesses/t1/eligible/c-1/exam_a"},
		{name: "history", method: "GET", target: hist + "?limit=10&exclusiveStartKey=MDE5OWE"},
		{name: "history, limit 0", method: "GET", target: hist + "?limit=0", wantErr: "limit"},
		{name: "version", method: "GET", target: hist + "/12"},
		{name: "version 0", method: "GET", target: hist + "/0", wantErr: "version"},
		{name: "version with a leading zero", method: "GET", target: hist + "/012", wantErr: "version"},
		{name: "version that is not a number", method: "GET", target: hist + "/latest", wantErr: "version"},
	} {
		req, body := r.build(t)
		err := v.CheckRequest(req, body)
		switch {
		case r.wantErr == "" && err != nil:
			t.Errorf("%s: CheckRequest refused a request the service accepts: %v", r.name, err)
		case r.wantErr != "" && err == nil:
			t.Errorf("%s: CheckRequest accepted a wrong request (want an error about %q)", r.name, r.wantErr)
		case r.wantErr != "" && !strings.Contains(err.Error(), r.wantErr):
			t.Errorf("%s: CheckRequest's error\n%v\ndoes not mention %q", r.name, err, r.wantErr)
		}
	}
}

// withMember returns a deep copy of p with the member at the dotted path set
// to value.
func withMember(t *testing.T, p map[string]any, path string, value any) map[string]any {
	t.Helper()
	out := mustRoundTrip(t, p)
	obj := out
	keys := strings.Split(path, ".")
	for _, k := range keys[:len(keys)-1] {
		obj = obj[k].(map[string]any)
	}
	obj[keys[len(keys)-1]] = value
	return out
}

// mustRoundTrip is a deep copy of a JSON object, through JSON.
func mustRoundTrip(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	var out map[string]any
	if err := json.Unmarshal(mustJSON(t, m), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// flatten turns a map into name, value pairs for with.
func flatten(m map[string]any) []any {
	var kv []any
	for k, v := range m {
		kv = append(kv, k, v)
	}
	return kv
}

func TestBeyondSchemaChecks(t *testing.T) {
	v := newValidator(t)
	var names []string
	for _, c := range v.BeyondSchemaChecks() {
		names = append(names, c.Name)
	}
	want := []string{"duplicate-member", "unknown-query-parameter", "malformed-query", "fields-member", "page-key", "unpaired-surrogate",
		"dynamodb-number", "member-name-length", "free-form-depth", "record-size", "id-in-path", "patch-application", "patched-record",
		"asof-consistent-read", "asof-time", "restore-body", "snapshot-record-ids", "snapshot-patch", "include-scope"}
	if !slices.Equal(names, want) {
		t.Errorf("x-checked-beyond-schema lists %v, want %v", names, want)
	}
	explainedBy := func(op, field, message string) string {
		for _, c := range v.BeyondSchemaChecks() {
			if c.Explains(op, field, message) {
				return c.Name
			}
		}
		return ""
	}
	for _, c := range []struct{ op, field, message, want string }{
		{"createExamRegProcess", "checkout_settings.x", "is given more than once", "duplicate-member"},
		{"listExamRegProcesses", "limit", "is given more than once", "duplicate-member"},
		{"getExamRegProcessVersion", "fields", "is not a parameter of this operation", "unknown-query-parameter"},
		{"deleteExamRegProcess", "", "the query string is malformed", "malformed-query"},
		{"getExamRegProcess", "fields", "colour: is not a field of an exam reg process", "fields-member"},
		{"getExamRegProcess", "fields", "exam_ids.x: exam_ids has no members to select", "fields-member"},
		{"listExamRegProcesses", "fields", "must name at most 64 fields", "fields-member"},
		{"listExamRegProcessHistory", "exclusiveStartKey", "is not a valid page key", "page-key"},
		{"getExamRegProcess", "fields", ": is empty", "fields-member"},
		{"executeBatchOperations", "", `invalid JSON: a \u escape is an unpaired UTF-16 surrogate`, "unpaired-surrogate"},
		{"createExamRegProcess", "display_order", "must have at most 38 significant digits", "dynamodb-number"},
		{"createExamRegProcess", "checkout_settings.x", "must be 0 or have a magnitude from 1E-130 to 9.9999999999999999999999999999999999999E+125", "dynamodb-number"},
		{"patchExamRegProcess", "checkout_settings", "is nested more than 16 levels deep", "free-form-depth"},
		{"createExamRegProcess", "checkout_settings", "has a member name longer than 65,535 bytes, which DynamoDB cannot store", "member-name-length"},
		{"createExamRegProcess", "", "the exam reg process is larger than 300000 bytes", "record-size"},
		{"updateExamRegProcess", "id", "must equal the id in the path", "id-in-path"},
		{"patchExamRegProcess", "[3].path", "does not exist", "patch-application"},
		{"patchExamRegProcess", "[0]", "a test operation failed", "patch-application"},
		{"patchExamRegProcess", "name", "must be a string", "patched-record"},
		{"patchExamRegProcess", "sys_created/at", "is not a field of an exam reg process", "patched-record"},
		{"patchExamRegProcess", "", "the exam reg process is larger than 300000 bytes", "record-size"},
		{"getExamRegProcess", "consistentRead", "cannot be combined with asOf: a read as of a past instant reads the history", "asof-consistent-read"},
		{"getExamRegProcess", "asOf", "must be an RFC 3339 date-time, such as 2026-01-31T12:00:00Z", "asof-time"},
		{"restoreExamRegProcessVersion", "", "must be empty", "restore-body"},
		{"compareExamRegProcessVersions", "at", "is not a parameter of this operation", "unknown-query-parameter"},
		{"applyConfigurationSnapshot", "snapshot.records[2].record", "the exam reg process is larger than 300000 bytes", "record-size"},
		{"applyConfigurationSnapshot", "snapshot.records[0].record.id", "must be the entry's id", "snapshot-record-ids"},
		{"applyConfigurationSnapshot", "snapshot.records[1].id", "names a record another entry of the snapshot names", "snapshot-record-ids"},
		{"applyConfigurationSnapshot", "snapshot.records[0].patch_from_base", "must be an RFC 6902 patch: jsondoc: invalid JSON Patch: operation 0 path must be a JSON Pointer", "snapshot-patch"},
		{"applyConfigurationSnapshot", "include[1]", "is in neither the snapshot nor, for a restore, the tenant", "include-scope"},
		{"listConfigurationSnapshots", "exclusiveStartKey", "is not a valid page key", "page-key"},
		{"deleteConfigurationSnapshot", "", "must be empty", "restore-body"},

		{"createExamRegProcess", "id", "must equal the id in the path", ""},
		{"createExamRegProcess", "name", "must be a string", ""},
		{"getExamRegProcess", "exclusiveStartKey", "is not a valid page key", ""},
		{"listExamRegProcesses", "limit", "must be an integer from 1 to 1000", ""},
		{"createExamRegProcess", "display_order", "must be a number", ""},
		{"createExamRegProcess", "", "invalid JSON: unexpected end of JSON input", ""},
		{"updateExamRegProcess", "", "not valid UTF-8", ""},
		{"patchExamRegProcess", "[0].op", "must be one of add, remove, replace, move, copy, test", ""},
	} {
		if got := explainedBy(c.op, c.field, c.message); got != c.want {
			t.Errorf("%s {%q: %q} is explained by %q, want %q", c.op, c.field, c.message, got, c.want)
		}
	}
}

// The service's messages for the checks beyond the schema that pkg/examreg
// makes today are the ones the document lists.
func TestBeyondSchemaMessagesAreTheServiceMessages(t *testing.T) {
	v := newValidator(t)
	explained := func(op string, err error) {
		t.Helper()
		var e *examreg.Error
		if !errors.As(err, &e) || len(e.Fields) == 0 {
			t.Errorf("%s: want field errors, got %v", op, err)
			return
		}
		for _, f := range e.Fields {
			if !slices.ContainsFunc(v.BeyondSchemaChecks(), func(c openapi.BeyondSchemaCheck) bool { return c.Explains(op, f.Field, f.Message) }) {
				t.Errorf("%s: {%q: %q} is not listed in x-checked-beyond-schema", op, f.Field, f.Message)
			}
		}
	}
	body := testdata(t, "readme_create.json")
	deep := any("bottom")
	for range 17 {
		deep = map[string]any{"d": deep}
	}
	nested := withMember(t, body, "checkout_settings.deep", deep)
	_, err := examreg.DecodeProcess(mustJSON(t, nested), "")
	explained("createExamRegProcess", err)
	large := with(body, "description", strings.Repeat("x", 300_000))
	_, err = examreg.DecodeProcess(mustJSON(t, large), "")
	explained("createExamRegProcess", err)
	_, err = examreg.DecodeProcess(mustJSON(t, with(body, "id", "y")), "x")
	explained("updateExamRegProcess", err)
	_, err = examreg.ParseFields("colour,exam_ids.x,checkout_settings.,checkout_settings.a b")
	explained("getExamRegProcess", err)
	var many []string
	for i := range 70 {
		many = append(many, "checkout_settings.f"+strconv.Itoa(i))
	}
	_, err = examreg.ParseFields(strings.Join(many, ","))
	explained("listExamRegProcesses", err)
}

func TestCheckVerdict(t *testing.T) {
	v := newValidator(t)
	create := testdata(t, "readme_create.json")
	const list, item = "/examRegProcesses/t1", "/examRegProcesses/t1/x"
	errorBody := func(fieldMessage ...string) map[string]any {
		var errs []any
		for i := 0; i < len(fieldMessage); i += 2 {
			errs = append(errs, map[string]any{"field": fieldMessage[i], "message": fieldMessage[i+1]})
		}
		return map[string]any{"message": "invalid", "errors": errs}
	}
	for _, c := range []struct {
		request
		status int
		answer any
	}{
		{request: request{name: "a valid create, accepted", method: "POST", target: list, body: create}, status: 200, answer: map[string]any{}},
		{request: request{name: "a valid create, refused beyond the schema", method: "POST", target: list, body: create}, status: 400,
			answer: errorBody("name", "is given more than once", "", "the exam reg process is larger than 300000 bytes")},
		{request: request{name: "an invalid create, refused", method: "POST", target: list, body: with(create, "colour", "blue")}, status: 400,
			answer: errorBody("colour", "is not a field of an exam reg process")},
		{request: request{name: "a create in invalid UTF-8, refused", method: "POST", target: list, body: raw(strings.Replace(string(mustJSON(t, create)), "Spring intake", "Spring \xff intake", 1))}, status: 400,
			answer: map[string]any{"message": "not valid UTF-8"}},
		{request: request{name: "a valid PUT, refused for its id", method: "PUT", target: item, body: with(create, "id", "y")}, status: 400,
			answer: errorBody("id", "must equal the id in the path")},
		{request: request{name: "a patch that cannot apply", method: "PATCH", target: item, body: []any{patchOp("remove", "/form_id")}}, status: 400,
			answer: errorBody("[0].path", "does not exist")},
		{request: request{name: "a list with limit twice", method: "GET", target: list + "?limit=1&limit=2"}, status: 400,
			answer: errorBody("limit", "is given more than once")},
		{request: request{name: "a valid create, conflicting", method: "POST", target: list, body: create}, status: 409, answer: errorBody("exam_ids[0]", "no such exam")},
		{request: request{name: "an invalid create, not found", method: "POST", target: list, body: 5}, status: 404, answer: map[string]any{"message": "x"}},

		{request: request{name: "an invalid create, accepted", method: "POST", target: list, body: with(create, "colour", "blue"),
			wantErr: "answered 200 to a request the document refuses"}, status: 200, answer: map[string]any{}},
		{request: request{name: "a valid create, refused for a reason the schema expresses", method: "POST", target: list, body: create,
			wantErr: `"name": "must be a string"`}, status: 400, answer: errorBody("colour", "is given more than once", "name", "must be a string")},
		{request: request{name: "a valid create, refused for an id mismatch", method: "POST", target: list, body: create,
			wantErr: "does not list"}, status: 400, answer: errorBody("id", "must equal the id in the path")},
		{request: request{name: "a valid get, refused without errors", method: "GET", target: item,
			wantErr: `"": "invalid query parameters"`}, status: 400, answer: map[string]any{"message": "invalid query parameters"}},
	} {
		req, body := c.build(t)
		err := v.CheckVerdict(req, body, c.status, mustJSON(t, c.answer))
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.wantErr != "" && err == nil:
			t.Errorf("%s: CheckVerdict found nothing wrong (want an error about %q)", c.name, c.wantErr)
		case c.wantErr != "" && !strings.Contains(err.Error(), c.wantErr):
			t.Errorf("%s: CheckVerdict's error\n%v\ndoes not mention %q", c.name, err, c.wantErr)
		}
	}
}

// readmePUT is the PUT body of the README's walkthrough (its P='...'), so
// that the README's own example is held to the document.
func readmePUT(t *testing.T) map[string]any {
	t.Helper()
	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "\nP='")
	body, _, closed := strings.Cut(rest, "'")
	if !ok || !closed || !strings.Contains(body, `"sys_version": 1`) {
		t.Fatal("the README's walkthrough has no PUT body P='...' with sys_version 1")
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("the README's PUT body: %v", err)
	}
	return m
}
