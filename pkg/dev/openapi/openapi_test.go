package openapi_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/dev/openapi"
	"github.com/certhub/examreg/pkg/examreg"
)

// ---------------------------------------------------------------- the document

func TestDocumentIsValidOpenAPI31(t *testing.T) {
	var raw map[string]any
	if err := json.Unmarshal(openapi.JSON(), &raw); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	if raw["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v, want 3.1.0", raw["openapi"])
	}
	doc, err := openapi.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Error("kin-openapi does not read the document as OpenAPI 3.1")
	}
	// Load validated it already; validate again with every check kin-openapi
	// has, so that a failure lists every problem.
	if err := doc.Validate(context.Background(), openapi3.EnableMultiError(), openapi3.EnableExamplesValidation(), openapi3.EnableSchemaPatternValidation()); err != nil {
		t.Fatalf("the document is not valid: %v", err)
	}

	var urls []string
	for _, s := range doc.Servers {
		urls = append(urls, s.URL)
	}
	if want := []string{"https://certifications.api.rhythmsoftware.com", "http://127.0.0.1:3000"}; !slices.Equal(urls, want) {
		t.Errorf("servers %v, want %v", urls, want)
	}
	bearer := doc.Components.SecuritySchemes["bearerAuth"]
	if bearer == nil || bearer.Value.Type != "http" || bearer.Value.Scheme != "bearer" || bearer.Value.BearerFormat != "JWT" {
		t.Errorf("no bearer JWT security scheme: %+v", bearer)
	}
	if len(doc.Security) != 1 || doc.Security[0]["bearerAuth"] == nil {
		t.Errorf("security %v, want bearerAuth applied to every operation", doc.Security)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.Security != nil {
				t.Errorf("%s %s overrides the global security", method, path)
			}
		}
	}
}

func TestJSONIsACopy(t *testing.T) {
	b := openapi.JSON()
	b[0] = 'x'
	if openapi.JSON()[0] == 'x' {
		t.Error("JSON() returns the embedded bytes themselves")
	}
}

// operationIDs is the operationId of each route, by "METHOD path".
var operationIDs = map[string]string{
	"POST /examRegProcesses/{tenantId}":                                "createExamRegProcess",
	"GET /examRegProcesses/{tenantId}":                                 "listExamRegProcesses",
	"GET /examRegProcesses/{tenantId}/{id}":                            "getExamRegProcess",
	"PUT /examRegProcesses/{tenantId}/{id}":                            "updateExamRegProcess",
	"PATCH /examRegProcesses/{tenantId}/{id}":                          "patchExamRegProcess",
	"DELETE /examRegProcesses/{tenantId}/{id}":                         "deleteExamRegProcess",
	"GET /examRegProcesses/{tenantId}/{id}/history":                    "listExamRegProcessHistory",
	"GET /examRegProcesses/{tenantId}/{id}/history/{version}":          "getExamRegProcessVersion",
	"GET /examRegProcesses/{tenantId}/eligible/{contactId}/{examId}":   "getEligibleProcesses",
	"GET /examRegProcesses/{tenantId}/{id}/compare":                    "compareExamRegProcessVersions",
	"POST /examRegProcesses/{tenantId}/{id}/history/{version}/restore": "restoreExamRegProcessVersion",
	"POST /examRegProcesses/{tenantId}/batch":                          "executeBatchOperations",
	"POST /configurationSnapshots/{tenantId}":                          "takeConfigurationSnapshot",
	"GET /configurationSnapshots/{tenantId}":                           "listConfigurationSnapshots",
	"POST /configurationSnapshots/{tenantId}/apply":                    "applyConfigurationSnapshot",
	"GET /configurationSnapshots/{tenantId}/{snapshotId}":              "getConfigurationSnapshot",
	"DELETE /configurationSnapshots/{tenantId}/{snapshotId}":           "deleteConfigurationSnapshot",
}

// The document has exactly the operations of operationIDs, and every route
// of the route table is one of them, with its operationId.
func TestRoutesAndOperationsMatch(t *testing.T) {
	doc, err := openapi.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]string{} // "METHOD path" -> operationId
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			documented[method+" "+path] = op.OperationID
		}
	}
	if !maps.Equal(documented, operationIDs) {
		t.Errorf("the document has the operations\n%v\nwant\n%v", documented, operationIDs)
	}
	routed := map[string]bool{}
	for _, rt := range api.Routes {
		key := rt.Method + " " + rt.Path
		if routed[key] {
			t.Errorf("route %s appears twice in api.Routes", key)
		}
		routed[key] = true
		switch id, ok := documented[key]; {
		case !ok:
			t.Errorf("route %s (%s) has no operation in the document", key, rt.Op)
		case id != operationIDs[key]:
			t.Errorf("route %s (%s) has operationId %q, want %q", key, rt.Op, id, operationIDs[key])
		}
	}
	for key, id := range documented {
		if !routed[key] {
			t.Errorf("operation %s (%s) is not a route of api.Routes", key, id)
		}
	}
}

// Every operation documents the statuses every request can meet, and each
// path parameter of its path.
func TestOperationsDocumentCommonStatusesAndParameters(t *testing.T) {
	doc, err := openapi.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for _, status := range []int{200, 400, 401, 403, 429, 500, 503} {
				if op.Responses.Status(status) == nil {
					t.Errorf("%s %s does not document %d", method, path, status)
				}
			}
			if op.Responses.Default() != nil {
				t.Errorf("%s %s has a default response: undocumented statuses would pass", method, path)
			}
			declared := map[string]bool{}
			for _, p := range append(slices.Clone(item.Parameters), op.Parameters...) {
				if p.Value.In == openapi3.ParameterInPath {
					declared[p.Value.Name] = true
				}
			}
			for _, seg := range strings.Split(path, "/") {
				if name, ok := strings.CutPrefix(seg, "{"); ok && !declared[strings.TrimSuffix(name, "}")] {
					t.Errorf("%s %s does not declare path parameter %s", method, path, seg)
				}
			}
		}
	}
}

// The schemas name exactly the members the Go types carry, so that the
// document cannot drift from the code unnoticed.
func TestSchemasMatchTheGoTypes(t *testing.T) {
	doc, err := openapi.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	schemas := doc.Components.Schemas
	objects := examreg.ObjectMembers()
	for name, want := range map[string][]string{
		"ExamRegProcess":            objects[""],
		"ExamRegProcessProjection":  objects[""],
		"ExamRegProcessUpdate":      objects[""],
		"ContactFormOptions":        objects["contact_form_options"],
		"ContactFormOptionsInput":   objects["contact_form_options"],
		"Email":                     objects["confirmation_email"],
		"EmailInput":                objects["confirmation_email"],
		"CustomFieldValue":          objects["custom_field_values[]"],
		"CustomFieldValueInput":     objects["custom_field_values[]"],
		"SecurityContext":           objects["sys_last_security_context"],
		"SecurityContextInput":      objects["sys_last_security_context"],
		"CalculatedFieldError":      objects["sys_calculated_field_errors[]"],
		"CalculatedFieldErrorInput": objects["sys_calculated_field_errors[]"],
		"Registration":              examreg.RegistrationFields(),
		"FieldError":                {"field", "message"},
	} {
		ref := schemas[name]
		if ref == nil {
			t.Errorf("no schema %s", name)
			continue
		}
		if got, want := slices.Sorted(maps.Keys(ref.Value.Properties)), slices.Sorted(slices.Values(want)); !slices.Equal(got, want) {
			t.Errorf("schema %s has members\n%v\nwant\n%v", name, got, want)
		}
	}
	// The create body is the PUT body with an id that can only be absent.
	create := schemas["ExamRegProcessCreate"].Value
	if len(create.AllOf) != 1 || create.AllOf[0].Ref != "#/components/schemas/ExamRegProcessUpdate" ||
		len(create.Properties) != 1 || create.Properties["id"] == nil || !create.Properties["id"].Value.Type.Is("null") {
		t.Errorf("ExamRegProcessCreate is not ExamRegProcessUpdate with id null: %s", mustJSON(t, create))
	}
	// The process's sub-objects, as the projection inlines them.
	proj := schemas["ExamRegProcessProjection"].Value.Properties
	for _, member := range []string{"contact_form_options", "confirmation_email", "sys_last_security_context"} {
		if got, want := slices.Sorted(maps.Keys(proj[member].Value.Properties)), slices.Sorted(slices.Values(objects[member])); !slices.Equal(got, want) {
			t.Errorf("ExamRegProcessProjection.%s has members %v, want %v", member, got, want)
		}
	}
	// In answers, server-managed members are readOnly and the others are not.
	for name, prop := range schemas["ExamRegProcess"].Value.Properties {
		if prop.Value.ReadOnly != examreg.IsServerManaged(name) {
			t.Errorf("ExamRegProcess.%s: readOnly %v, server-managed %v", name, prop.Value.ReadOnly, examreg.IsServerManaged(name))
		}
	}
}

// Validators drop readOnly members from request schemas (and writeOnly ones
// from answers), so no schema a request is checked against may use them:
// a GET body sent back as a PUT would lose its server-managed members, and
// additionalProperties: false would then refuse them.
func TestRequestSchemasUseNoReadOnly(t *testing.T) {
	doc, err := openapi.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			var roots []*openapi3.SchemaRef
			for _, p := range append(slices.Clone(item.Parameters), op.Parameters...) {
				roots = append(roots, p.Value.Schema)
			}
			if op.RequestBody != nil {
				for _, mt := range op.RequestBody.Value.Content {
					roots = append(roots, mt.Schema)
				}
			}
			seen := map[*openapi3.Schema]bool{}
			for _, root := range roots {
				walkSchemas(root, "", seen, func(at string, s *openapi3.Schema) {
					if s.ReadOnly || s.WriteOnly {
						t.Errorf("%s %s: the request schema at %q is readOnly or writeOnly", method, path, at)
					}
				})
			}
		}
	}
}

// walkSchemas calls visit on every schema reachable from ref, once.
func walkSchemas(ref *openapi3.SchemaRef, at string, seen map[*openapi3.Schema]bool, visit func(at string, s *openapi3.Schema)) {
	if ref == nil || ref.Value == nil || seen[ref.Value] {
		return
	}
	s := ref.Value
	seen[s] = true
	visit(at, s)
	for name, p := range s.Properties {
		walkSchemas(p, at+"/"+name, seen, visit)
	}
	for _, list := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
		for _, sub := range list {
			walkSchemas(sub, at, seen, visit)
		}
	}
	walkSchemas(s.Items, at+"/[]", seen, visit)
	walkSchemas(s.Not, at, seen, visit)
	walkSchemas(s.AdditionalProperties.Schema, at+"/*", seen, visit)
}

// ---------------------------------------------------------------- the checker

func newValidator(t *testing.T) *openapi.Validator {
	t.Helper()
	v, err := openapi.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// process is a whole exam reg process as the service answers it.
func process() map[string]any {
	return map[string]any{
		"id":             "0199a0b2-7c1d-7e3f-8a4b-5c6d7e8f9a0b",
		"name":           "Spring registration",
		"type":           "register",
		"display_order":  1.5,
		"restrict_exams": true,
		"exam_ids":       []any{"exam-a", "exam-b"},
		"is_active":      true,
		"form_id":        "certifications-exam-registrations__standard",
		"custom_field_values": []any{map[string]any{
			"custom_field_id": "level__c", "list_value": []any{1.0, "two"}, "table_value": []any{map[string]any{"a": 1.0}},
		}},
		"contact_form_options":    map[string]any{"contact_form_id": "cf-1", "html": "<p>Hi</p>"},
		"checkout_settings":       map[string]any{"bank_account_id": "bank-1", "business_unit_id": "bu-1", "extra": map[string]any{"kept": true}},
		"confirmation_email":      map[string]any{"subject": "Registered", "body": "Thank you."},
		"sys_version":             3.0,
		"sys_created_at":          "2026-03-01T09:00:00.000Z",
		"sys_last_modified_at":    "2026-03-02T10:30:00.125Z",
		"sys_created_by_id":       "alice",
		"sys_last_modified_by_id": "bob",
		"sys_bulk_load_record_no": 7.0,
		"sys_last_security_context": map[string]any{
			"user_id": "bob", "tenant_id": "t1", "request_id": "r-1", "source_ip": "127.0.0.1",
			"user_agent": "test/1", "operation": "patch", "at": "2026-03-02T10:30:00.125Z",
		},
	}
}

// history is a page of history as the service answers it, newest first:
// a deletion, a patch and the create.
func history() []any {
	return []any{
		map[string]any{"version": 3, "operation": "delete", "at": "2026-03-03T08:00:00.000Z", "by": "carol", "request_id": "r-3"},
		map[string]any{"version": 2, "operation": "patch", "at": "2026-03-02T10:30:00.125Z", "by": "bob", "request_id": "r-2", "patch": []any{
			map[string]any{"op": "replace", "path": "/name", "value": "B"},
			map[string]any{"op": "add", "path": "/checkout_settings/n", "value": nil},
			map[string]any{"op": "replace", "path": "/sys_version", "value": 2},
		}},
		map[string]any{"version": 1, "operation": "create", "at": "2026-03-01T09:00:00.000Z", "by": "alice", "request_id": "r-1", "patch": []any{
			map[string]any{"op": "add", "path": "/name", "value": "A"},
		}},
	}
}

func with(p map[string]any, changes ...any) map[string]any {
	out := map[string]any{}
	for k, v := range p {
		out[k] = v
	}
	for i := 0; i < len(changes); i += 2 {
		if changes[i+1] == nil {
			delete(out, changes[i].(string))
		} else {
			out[changes[i].(string)] = changes[i+1]
		}
	}
	return out
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// header is a response header as the service sets it; kv adds name, value pairs.
func header(kv ...string) http.Header {
	h := http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"0199a0b2-0000-7000-8000-000000000001"}}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == "" {
			h.Del(kv[i])
		} else {
			h.Set(kv[i], kv[i+1])
		}
	}
	return h
}

// exchange is one request and its answer.
type exchange struct {
	name    string
	method  string
	target  string
	status  int
	header  http.Header
	body    any // marshalled to JSON unless it is a string of raw JSON
	wantErr string
}

func (x exchange) run(t *testing.T, v *openapi.Validator) {
	t.Helper()
	req := httptest.NewRequest(x.method, "http://127.0.0.1:40123"+x.target, nil)
	var body []byte
	if s, ok := x.body.(string); ok {
		body = []byte(s)
	} else {
		body = mustJSON(t, x.body)
	}
	err := v.Check(req, nil, x.status, x.header, body)
	switch {
	case x.wantErr == "" && err != nil:
		t.Errorf("%s: Check refused a correct answer: %v", x.name, err)
	case x.wantErr != "" && err == nil:
		t.Errorf("%s: Check accepted a wrong answer (want an error about %q)", x.name, x.wantErr)
	case x.wantErr != "" && !strings.Contains(err.Error(), x.wantErr):
		t.Errorf("%s: Check's error\n%v\ndoes not mention %q", x.name, err, x.wantErr)
	}
}

func TestCheckAcceptsCorrectAnswers(t *testing.T) {
	v := newValidator(t)
	p := process()
	etag := header("ETag", `"3"`)
	failed := map[string]any{"id": "x", "operation": "patch", "status": 400, "message": "invalid patch",
		"errors": []any{map[string]any{"field": "patch_directives[0].op", "message": "is required"}}}
	for _, x := range []exchange{
		{name: "create", method: "POST", target: "/examRegProcesses/t1", status: 200, header: header("ETag", `"3"`, "Location", "/examRegProcesses/t1/x"), body: p},
		{name: "list", method: "GET", target: "/examRegProcesses/t1", status: 200, header: header(), body: []any{p, p}},
		{name: "list, empty", method: "GET", target: "/examRegProcesses/t1", status: 200, header: header(), body: []any{}},
		{name: "list, a page with more", method: "GET", target: "/examRegProcesses/t1?limit=2", status: 200,
			header: header("X-Exclusive-Start-Key", "MDE5OWEwYjItN2MxZA", "Link", `</examRegProcesses/t1?exclusiveStartKey=MDE5OWEwYjItN2MxZA&limit=2>; rel="next"`), body: []any{p, p}},
		{name: "list, projected", method: "GET", target: "/examRegProcesses/t1?fields=name,checkout_settings.bank_account_id", status: 200, header: header(),
			body: []any{map[string]any{"id": "a", "name": "A", "checkout_settings": map[string]any{"bank_account_id": "b"}}}},
		{name: "get", method: "GET", target: "/examRegProcesses/t1/x?consistentRead=true", status: 200, header: etag, body: p},
		{name: "get, projected without sys_version", method: "GET", target: "/examRegProcesses/t1/x?fields=contact_form_options.html", status: 200, header: etag,
			body: map[string]any{"id": "x", "contact_form_options": map[string]any{"html": "<p/>"}}},
		{name: "get of id batch", method: "GET", target: "/examRegProcesses/t1/batch", status: 404, header: header(), body: map[string]any{"message": "exam reg process not found"}},
		{name: "update", method: "PUT", target: "/examRegProcesses/t1/x", status: 200, header: etag, body: p},
		{name: "patch", method: "PATCH", target: "/examRegProcesses/t1/x", status: 200, header: etag, body: p},
		{name: "delete", method: "DELETE", target: "/examRegProcesses/t1/x", status: 200, header: header(), body: `"x"`},
		{name: "eligible", method: "GET", target: "/examRegProcesses/t1/eligible/c1/exam-a", status: 200, header: header(), body: map[string]any{
			"processes": []any{p},
			"last_registration": map[string]any{"id": "reg-1", "name": "A - CPA", "student_id": "c1", "exam_id": "exam-a", "date": "2026-03-01T09:00:00.000Z",
				"status": "no show", "score": 12.5, "process_id": "x", "location": "testing facility"},
		}},
		{name: "eligible, never registered", method: "GET", target: "/examRegProcesses/t1/eligible/c1/exam-a", status: 200, header: header(), body: map[string]any{"processes": []any{}}},
		{name: "batch", method: "POST", target: "/examRegProcesses/t1/batch", status: 200, header: header(), body: map[string]any{
			"success_count": 2, "error_count": 2, "results": []any{
				map[string]any{"id": "x", "operation": "patch", "status": 200, "object": p},
				map[string]any{"id": "y", "operation": "delete", "status": 200},
				failed,
				map[string]any{"id": "", "operation": "read", "status": 400, "message": "invalid batch operation",
					"errors": []any{map[string]any{"field": "id", "message": "is required"}}},
			}}},
		{name: "400 with every problem", method: "POST", target: "/examRegProcesses/t1", status: 400, header: header(), body: map[string]any{
			"message": "invalid exam reg process", "errors": []any{map[string]any{"field": "exam_ids", "message": "must contain at least one exam id"}, map[string]any{"field": "", "message": "x"}}}},
		{name: "401 from API Gateway", method: "GET", target: "/examRegProcesses/t1", status: 401, header: header("X-Request-Id", ""), body: map[string]any{"message": "Unauthorized"}},
		{name: "403 locked", method: "DELETE", target: "/examRegProcesses/t1/x", status: 403, header: header(), body: map[string]any{"message": "record is locked"}},
		{name: "409 references", method: "PATCH", target: "/examRegProcesses/t1/x", status: 409, header: header(), body: map[string]any{"message": "missing exams", "errors": []any{map[string]any{"field": "exam_ids[0]", "message": "no such exam"}}}},
		{name: "412", method: "PUT", target: "/examRegProcesses/t1/x", status: 412, header: header(), body: map[string]any{"message": "If-Match does not match"}},
		{name: "413", method: "POST", target: "/examRegProcesses/t1/batch", status: 413, header: header(), body: map[string]any{"message": "too large"}},
		{name: "415", method: "PATCH", target: "/examRegProcesses/t1/x", status: 415, header: header(), body: map[string]any{"message": "Content-Type"}},
		{name: "429 throttled", method: "GET", target: "/examRegProcesses/t1/x", status: 429, header: header("Retry-After", "1"), body: map[string]any{"message": "too many requests; retry later"}},
		{name: "429 limit", method: "POST", target: "/examRegProcesses/t1", status: 429, header: header(), body: map[string]any{"message": "tenant limit reached"}},
		{name: "500", method: "GET", target: "/examRegProcesses/t1/eligible/c1/e1", status: 500, header: header(), body: map[string]any{"message": "internal error", "request_id": "r-1"}},
		{name: "503", method: "POST", target: "/examRegProcesses/t1/batch", status: 503, header: header(), body: map[string]any{"message": "the database is unavailable; retry later", "request_id": "r-1"}},
		{name: "unknown route", method: "GET", target: "/examRegProcesses", status: 404, header: header(), body: map[string]any{"message": "Not Found"}},
		{name: "known path, other method", method: "DELETE", target: "/examRegProcesses/t1", status: 405, header: header("Allow", "GET, POST"), body: map[string]any{"message": "Method Not Allowed"}},
		{name: "known path, other method, any order", method: "POST", target: "/examRegProcesses/t1/x", status: 405, header: header("Allow", "PUT, GET, DELETE, PATCH"), body: map[string]any{"message": "Method Not Allowed"}},
		{name: "HEAD, without a body", method: "HEAD", target: "/examRegProcesses/t1/x/history", status: 405, header: header("Allow", "GET"), body: ""},
		// history
		{name: "history", method: "GET", target: "/examRegProcesses/t1/x/history", status: 200, header: header(), body: history()},
		{name: "history, a page with more", method: "GET", target: "/examRegProcesses/t1/x/history?limit=1", status: 200,
			header: header("X-Exclusive-Start-Key", "MDE5OWEwYjI", "Link", `</examRegProcesses/t1/x/history?exclusiveStartKey=MDE5OWEwYjI&limit=1>; rel="next"`), body: history()[:1]},
		{name: "history, empty", method: "GET", target: "/examRegProcesses/t1/x/history", status: 200, header: header(), body: []any{}},
		{name: "version", method: "GET", target: "/examRegProcesses/t1/x/history/3", status: 200, header: header("ETag", `"3"`), body: p},
		{name: "version of a deletion", method: "GET", target: "/examRegProcesses/t1/x/history/4", status: 404, header: header(), body: map[string]any{"message": "version not found"}},
		// idempotent creates
		{name: "create replayed", method: "POST", target: "/examRegProcesses/t1", status: 200,
			header: header("ETag", `"3"`, "Location", "/examRegProcesses/t1/x", "Idempotent-Replayed", "true"), body: p},
		{name: "create with a reused Idempotency-Key", method: "POST", target: "/examRegProcesses/t1", status: 422, header: header(),
			body: map[string]any{"message": "this Idempotency-Key was used for a create with a different body"}},
	} {
		x.run(t, v)
	}
}

func TestCheckRejectsWrongAnswers(t *testing.T) {
	v := newValidator(t)
	p := process()
	etag := header("ETag", `"3"`)
	get := func(name string, body any, wantErr string) exchange {
		return exchange{name: name, method: "GET", target: "/examRegProcesses/t1/x", status: 200, header: etag, body: body, wantErr: wantErr}
	}
	for _, x := range []exchange{
		// the process
		get("unknown member", with(p, "colour", "blue"), "colour"),
		get("unknown member of a closed sub-object", with(p, "confirmation_email", map[string]any{"subject": "s", "body": "b", "font": "x"}), "font"),
		get("string where a boolean belongs", with(p, "is_active", "true"), `'/is_active': got string, want boolean`),
		get("number where a string belongs", with(p, "name", 5), `"/name"`),
		get("sys_version not an integer", with(p, "sys_version", 1.5), "sys_version"),
		get("null member", strings.Replace(string(mustJSON(t, p)), `"name":`, `"description":null,"name":`, 1), "description"),
		get("missing required member", with(p, "confirmation_email", nil), "confirmation_email"),
		get("missing required nested member", with(p, "checkout_settings", map[string]any{"bank_account_id": "b"}), "business_unit_id"),
		get("empty exam_ids", with(p, "exam_ids", []any{}), "exam_ids"),
		get("duplicate exam ids", with(p, "exam_ids", []any{"a", "a"}), "exam_ids"),
		get("exam id outside its pattern", with(p, "exam_ids", []any{"a b"}), "exam_ids"),
		get("type outside its enum", with(p, "type", "renew"), `"/type"`),
		get("id longer than 512", with(p, "id", strings.Repeat("a", 513)), `'/id': maxLength: got 513, want 512`),
		get("sys_version 0", with(p, "sys_version", 0.0), `'/sys_version': minimum: got 0, want 1`),
		get("empty name", with(p, "name", ""), `'/name': minLength: got 0, want 1`),
		get("form_id outside its pattern", with(p, "form_id", "other__x"), "form_id"),
		get("timestamp that is not a date-time", with(p, "sys_created_at", "yesterday"), "sys_created_at"),
		get("custom field id outside its pattern", with(p, "custom_field_values", []any{map[string]any{"custom_field_id": "level"}}), "custom_field_id"),
		get("a projection without fields", map[string]any{"id": "x", "name": "A"}, "whole ExamRegProcess"),
		get("ETag of another version", with(p, "sys_version", 4.0), "ETag"),
		{name: "get without fields and without ETag", method: "GET", target: "/examRegProcesses/t1/x", status: 200, header: header(), body: p, wantErr: "ETag"},
		{name: "projection with an unknown member", method: "GET", target: "/examRegProcesses/t1/x?fields=name", status: 200, header: etag, body: map[string]any{"id": "x", "nom": "A"}, wantErr: "nom"},
		{name: "projection without id", method: "GET", target: "/examRegProcesses/t1/x?fields=name", status: 200, header: etag, body: map[string]any{"name": "A"}, wantErr: `missing property 'id'`},
		// statuses and headers
		{name: "undocumented status", method: "POST", target: "/examRegProcesses/t1", status: 418, header: header(), body: map[string]any{"message": "teapot"}, wantErr: "status is not supported"},
		{name: "status documented elsewhere only", method: "GET", target: "/examRegProcesses/t1", status: 412, header: header(), body: map[string]any{"message": "x"}, wantErr: "status is not supported"},
		{name: "201 for a create", method: "POST", target: "/examRegProcesses/t1", status: 201, header: etag, body: p, wantErr: "status is not supported"},
		{name: "update without ETag", method: "PUT", target: "/examRegProcesses/t1/x", status: 200, header: header(), body: p, wantErr: "ETag"},
		{name: "create without Location", method: "POST", target: "/examRegProcesses/t1", status: 200, header: etag, body: p, wantErr: "Location"},
		{name: "200 without X-Request-Id", method: "DELETE", target: "/examRegProcesses/t1/x", status: 200, header: header("X-Request-Id", ""), body: `"x"`, wantErr: "X-Request-Id"},
		{name: "ETag that is not a quoted version", method: "PATCH", target: "/examRegProcesses/t1/x", status: 200, header: header("ETag", "W/\"3\""), body: p, wantErr: "ETag"},
		{name: "Retry-After that is not seconds", method: "GET", target: "/examRegProcesses/t1", status: 429, header: header("Retry-After", "soon"), body: map[string]any{"message": "slow down"}, wantErr: "Retry-After"},
		{name: "Link that is not rel=next", method: "GET", target: "/examRegProcesses/t1", status: 200, header: header("Link", "</x>; rel=\"prev\""), body: []any{p}, wantErr: "Link"},
		{name: "text body", method: "GET", target: "/examRegProcesses/t1/x", status: 404, header: header("Content-Type", "text/plain"), body: `"nope"`, wantErr: "text/plain"},
		// bodies of the other operations
		{name: "list wrapped in an object", method: "GET", target: "/examRegProcesses/t1", status: 200, header: header(), body: map[string]any{"Items": []any{p}}, wantErr: "array"},
		{name: "list item not whole without fields", method: "GET", target: "/examRegProcesses/t1", status: 200, header: header(), body: []any{p, map[string]any{"id": "y"}}, wantErr: "item 1"},
		{name: "delete answering the object", method: "DELETE", target: "/examRegProcesses/t1/x", status: 200, header: header(), body: p, wantErr: "string"},
		{name: "eligible without processes", method: "GET", target: "/examRegProcesses/t1/eligible/c1/e1", status: 200, header: header(), body: map[string]any{}, wantErr: "processes"},
		{name: "eligible with an unknown status", method: "GET", target: "/examRegProcesses/t1/eligible/c1/e1", status: 200, header: header(), body: map[string]any{"processes": []any{},
			"last_registration": map[string]any{"id": "r", "student_id": "c1", "exam_id": "e1", "date": "2026-01-01T00:00:00Z", "status": "withdrawn"}}, wantErr: `'/last_registration/status'`},
		{name: "batch result with a string status", method: "POST", target: "/examRegProcesses/t1/batch", status: 200, header: header(), body: map[string]any{"success_count": 1, "error_count": 0,
			"results": []any{map[string]any{"id": "x", "operation": "delete", "status": "200"}}}, wantErr: `'/results/0/status'`},
		{name: "batch success with a message", method: "POST", target: "/examRegProcesses/t1/batch", status: 200, header: header(), body: map[string]any{"success_count": 1, "error_count": 0,
			"results": []any{map[string]any{"id": "x", "operation": "delete", "status": 200, "message": "ok"}}}, wantErr: "results"},
		{name: "batch failure without a message", method: "POST", target: "/examRegProcesses/t1/batch", status: 200, header: header(), body: map[string]any{"success_count": 0, "error_count": 1,
			"results": []any{map[string]any{"id": "x", "operation": "delete", "status": 404}}}, wantErr: "results"},
		{name: "batch without counts", method: "POST", target: "/examRegProcesses/t1/batch", status: 200, header: header(), body: map[string]any{"results": []any{map[string]any{"id": "x", "operation": "delete", "status": 200}}}, wantErr: `missing properties 'success_count', 'error_count'`},
		// error bodies
		{name: "error body with a stack trace", method: "GET", target: "/examRegProcesses/t1/x", status: 500, header: header(), body: map[string]any{"message": "internal error", "stack": "goroutine 1"}, wantErr: "stack"},
		{name: "error body without a message", method: "GET", target: "/examRegProcesses/t1/x", status: 404, header: header(), body: map[string]any{}, wantErr: `property "message" is missing`},
		{name: "field error without its field", method: "PUT", target: "/examRegProcesses/t1/x", status: 400, header: header(), body: map[string]any{"message": "m", "errors": []any{map[string]any{"message": "is required"}}}, wantErr: "field"},
		{name: "unknown route answered 200", method: "GET", target: "/examRegProcesses", status: 200, header: header(), body: []any{}, wantErr: "matches no operation"},
		{name: "unknown route without X-Request-Id", method: "GET", target: "/examRegProcesses", status: 404, header: header("X-Request-Id", ""), body: map[string]any{"message": "Not Found"}, wantErr: "X-Request-Id"},
		{name: "405 without Allow", method: "DELETE", target: "/examRegProcesses/t1", status: 405, header: header(), body: map[string]any{"message": "Method Not Allowed"}, wantErr: "Allow"},
		{name: "405 allowing HEAD", method: "DELETE", target: "/examRegProcesses/t1", status: 405, header: header("Allow", "GET, HEAD, POST"), body: map[string]any{"message": "Method Not Allowed"}, wantErr: "Allow"},
		{name: "405 for a path without operations", method: "GET", target: "/nowhere", status: 405, header: header("Allow", "GET"), body: map[string]any{"message": "Method Not Allowed"}, wantErr: "Allow"},
		{name: "HEAD served", method: "HEAD", target: "/examRegProcesses/t1/x", status: 200, header: header(), body: "", wantErr: "want 404 or 405"},
		{name: "4xx with a request id", method: "GET", target: "/examRegProcesses/t1/x", status: 404, header: header(), body: map[string]any{"message": "m", "request_id": "r-1"}, wantErr: "request_id"},
		{name: "5xx with errors", method: "GET", target: "/examRegProcesses/t1/x", status: 503, header: header(), body: map[string]any{"message": "m", "errors": []any{map[string]any{"field": "", "message": "x"}}}, wantErr: "errors"},
		{name: "422 for a get", method: "GET", target: "/examRegProcesses/t1/x", status: 422, header: header(), body: map[string]any{"message": "m"}, wantErr: "status is not supported"},
		{name: "Idempotent-Replayed false", method: "POST", target: "/examRegProcesses/t1", status: 200,
			header: header("ETag", `"3"`, "Location", "/examRegProcesses/t1/x", "Idempotent-Replayed", "false"), body: process(), wantErr: "Idempotent-Replayed"},
		// history
		{name: "history entry of an unknown operation", method: "GET", target: "/examRegProcesses/t1/x/history", status: 200, header: header(),
			body: []any{with(history()[1].(map[string]any), "operation", "rename")}, wantErr: `"/operation"`},
		{name: "history change without a patch", method: "GET", target: "/examRegProcesses/t1/x/history", status: 200, header: header(),
			body: []any{with(history()[1].(map[string]any), "patch", nil)}, wantErr: `property "patch" is missing`},
		{name: "history deletion with a patch", method: "GET", target: "/examRegProcesses/t1/x/history", status: 200, header: header(),
			body: []any{with(history()[0].(map[string]any), "patch", []any{})}, wantErr: `property "patch" is unsupported`},
		{name: "history entry at a time without milliseconds", method: "GET", target: "/examRegProcesses/t1/x/history", status: 200, header: header(),
			body: []any{with(history()[1].(map[string]any), "at", "2026-03-01T09:00:00Z")}, wantErr: `"/at"`},
		{name: "history entry of version 0", method: "GET", target: "/examRegProcesses/t1/x/history", status: 200, header: header(),
			body: []any{with(history()[1].(map[string]any), "version", 0)}, wantErr: `"/version"`},
		{name: "version answering a projection", method: "GET", target: "/examRegProcesses/t1/x/history/3", status: 200, header: header("ETag", `"3"`),
			body: map[string]any{"id": "x", "name": "A"}, wantErr: "missing properties"},
		{name: "unknown route answered in plain text", method: "GET", target: "/nowhere", status: 404, header: header("Content-Type", "text/plain; charset=utf-8"), body: `"404 page not found"`, wantErr: "Content-Type"},
	} {
		x.run(t, v)
	}
}

// GET /examRegProcesses/{tenantId}/batch is a get of the process "batch", as
// the service (and API Gateway) route it, not a wrong method on the batch
// path; and where two paths of a method match, the one with a literal
// segment first wins (the eligible operation over a version of "eligible").
func TestOperationRoutesByMethodFirst(t *testing.T) {
	v := newValidator(t)
	for target, want := range map[string]string{
		"GET /examRegProcesses/t1/batch":              "getExamRegProcess",
		"POST /examRegProcesses/t1/batch":             "executeBatchOperations",
		"DELETE /examRegProcesses/t1/batch":           "deleteExamRegProcess",
		"GET /examRegProcesses/t1/eligible/c/e":       "getEligibleProcesses",
		"GET /examRegProcesses/t1/eligible":           "getExamRegProcess",
		"POST /examRegProcesses/t1":                   "createExamRegProcess",
		"GET /examRegProcesses/t1?fields=name":        "listExamRegProcesses",
		"PATCH /examRegProcesses/t1/0199a0b2-7c1d-7":  "patchExamRegProcess",
		"GET /examRegProcesses/t1/x/history":          "listExamRegProcessHistory",
		"GET /examRegProcesses/t1/x/history/2":        "getExamRegProcessVersion",
		"GET /examRegProcesses/t1/history":            "getExamRegProcess",
		"GET /examRegProcesses/t1/eligible/history":   "listExamRegProcessHistory",
		"GET /examRegProcesses/t1/eligible/history/2": "getEligibleProcesses",
	} {
		method, path, _ := strings.Cut(target, " ")
		route, _, err := v.Operation(httptest.NewRequest(method, "https://certifications.api.rhythmsoftware.com"+path, nil))
		if err != nil || route.Operation.OperationID != want {
			t.Errorf("%s: %v %v, want %s", target, route, err, want)
		}
	}
	for _, target := range []string{"PUT /examRegProcesses/t1", "DELETE /examRegProcesses/t1/x/history", "HEAD /examRegProcesses/t1/x", "GET /examRegProcesses/t1/x/history/2/3"} {
		method, path, _ := strings.Cut(target, " ")
		if route, _, err := v.Operation(httptest.NewRequest(method, path, nil)); err == nil {
			t.Errorf("%s found operation %s", target, route.Operation.OperationID)
		}
	}
}
