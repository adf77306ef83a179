package examreg

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// TestProcessFullRoundTrip decodes the fixture that holds every field of the
// schema and checks that marshalling it gives the same JSON back, through
// each decoder that reads whole records.
func TestProcessFullRoundTrip(t *testing.T) {
	body := readFixture(t, "process_full.json")
	want := canonical(t, body)

	decoders := []struct {
		name   string
		decode func() (*Process, error)
	}{
		{"DecodeJSON", func() (*Process, error) {
			var p Process
			return &p, DecodeJSON(body, &p)
		}},
		{"DecodeProcess(PUT)", func() (*Process, error) { return DecodeProcess(body, fixtureID) }},
	}
	for _, d := range decoders {
		t.Run(d.name, func(t *testing.T) {
			p, err := d.decode()
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if got := canonicalOf(t, p); got != want {
				t.Errorf("round trip changed the record\n got: %s\nwant: %s", got, want)
			}
			// And again from the marshalled form: marshalling is stable.
			again, err := d.decode()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(p, again) {
				t.Errorf("decoding twice gave different records")
			}
		})
	}
}

// TestProcessFullValues spot-checks that the fixture's zero-like values
// (false, 0, "") stay set rather than absent, and that free-form members
// are kept as given, JSON null included.
func TestProcessFullValues(t *testing.T) {
	p := fullProcess(t)
	cf := p.CustomFieldValues[0]
	switch {
	case p.ID != fixtureID:
		t.Errorf("ID = %q", p.ID)
	case p.DisplayOrder == nil || *p.DisplayOrder != 2.5:
		t.Errorf("DisplayOrder = %v", p.DisplayOrder)
	case p.AvailableToTrainingProviders == nil || *p.AvailableToTrainingProviders:
		t.Errorf("AvailableToTrainingProviders = %v, want a false that is set", p.AvailableToTrainingProviders)
	case p.SysLocked == nil || *p.SysLocked || p.IsLocked():
		t.Errorf("SysLocked = %v, want a false that is set", p.SysLocked)
	case cf.BooleanValue == nil || *cf.BooleanValue:
		t.Errorf("BooleanValue = %v", cf.BooleanValue)
	case cf.NumericValue == nil || *cf.NumericValue != 0:
		t.Errorf("NumericValue = %v", cf.NumericValue)
	case cf.StringValue == nil || *cf.StringValue != "":
		t.Errorf("StringValue = %v", cf.StringValue)
	case p.SysVersion != 7:
		t.Errorf("SysVersion = %d", p.SysVersion)
	}
	if v, ok := p.CheckoutSettings["cancellation_fee_product_id"]; !ok || v != nil {
		t.Errorf("checkout_settings.cancellation_fee_product_id = %v, %v; want a kept null", v, ok)
	}
	if !reflect.DeepEqual(cf.ListValue, []any{"extra time", 2.0, true, nil, map[string]any{"room": "B"}}) {
		t.Errorf("ListValue = %#v", cf.ListValue)
	}
	if got := p.ETag(); got != `"7"` {
		t.Errorf("ETag() = %s, want \"7\"", got)
	}
}

// TestProcessFullCoversSchema keeps process_full.json complete: every JSON
// member of Process and of its nested struct types appears in it.
func TestProcessFullCoversSchema(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(readFixture(t, "process_full.json"), &doc); err != nil {
		t.Fatal(err)
	}
	var check func(path string, typ reflect.Type, values []any)
	check = func(path string, typ reflect.Type, values []any) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			name := jsonName(f)
			var present []any
			for _, v := range values {
				if m, ok := v.(map[string]any); ok {
					if x, ok := m[name]; ok {
						present = append(present, x)
					}
				}
			}
			if len(present) == 0 {
				t.Errorf("process_full.json has no %s%s", path, name)
				continue
			}
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			switch {
			case ft.Kind() == reflect.Struct:
				check(path+name+".", ft, present)
			case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
				var items []any
				for _, v := range present {
					items = append(items, v.([]any)...)
				}
				check(path+name+"[].", ft.Elem(), items)
			}
		}
	}
	check("", reflect.TypeFor[Process](), []any{doc})
}

// TestDecodeProcessMinimal: only the required fields.
func TestDecodeProcessMinimal(t *testing.T) {
	body := readFixture(t, "process_minimal.json")
	p, err := DecodeProcess(body, "")
	if err != nil {
		t.Fatalf("DecodeProcess: %v", err)
	}
	if got, want := canonicalOf(t, p), canonical(t, body); got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	if p.Description != nil || p.IsActive != nil || p.RestrictExams != nil || p.CustomFieldValues != nil {
		t.Errorf("absent optional fields are set: %+v", p)
	}
}

// nested returns a JSON object nested depth levels deep: depth 1 is {"k":1}.
func nested(depth int) string {
	return strings.Repeat(`{"k":`, depth) + "1" + strings.Repeat("}", depth)
}

// TestDecodeProcessValid lists bodies that must be accepted, each a merge
// patch over testdata/process_minimal.json.
func TestDecodeProcessValid(t *testing.T) {
	minimal := readFixture(t, "process_minimal.json")
	tests := []struct {
		name  string
		merge string
		id    string // the path id of a PUT; "" for a create
		check func(*Process) bool
	}{
		{"JSON null is absent", `{"description":null,"id":null,"sys_version":null,"custom_field_values":null}`, "",
			func(p *Process) bool { return p.Description == nil && p.ID == "" && p.CustomFieldValues == nil }},
		{"PUT body without id", `{}`, "rec-1", func(p *Process) bool { return p.ID == "" }},
		{"PUT body with the path's id", `{"id":"rec-1"}`, "rec-1", func(p *Process) bool { return p.ID == "rec-1" }},
		{"checkout_settings keeps unknown members", `{"checkout_settings":{"x":{"y":[1,"2",null]},"n":"NULL"}}`, "",
			func(p *Process) bool {
				return reflect.DeepEqual(p.CheckoutSettings, map[string]any{
					"bank_account_id": "bank-1", "business_unit_id": "bu-9",
					"x": map[string]any{"y": []any{1.0, "2", nil}}, "n": nil,
				})
			}},
		{"form_id may be the bare prefix", `{"form_id":"certifications-exam-registrations__"}`, "", nil},
		{"type register", `{"type":"register"}`, "", func(p *Process) bool { return p.Type == TypeRegister }},
		{"MaxExamIDs exam ids", `{"exam_ids":` + examIDs(MaxExamIDs) + `}`, "",
			func(p *Process) bool { return len(p.ExamIDs) == MaxExamIDs }},
		{"an exam id of 512 characters", `{"exam_ids":["` + strings.Repeat("e", 512) + `"]}`, "", nil},
		{"ids may hold _, | and -", `{"exam_ids":["A_b|c-9"]}`, "", nil},
		{"checkout_settings nested MaxNesting deep", `{"checkout_settings":{"x":` + nested(MaxNesting-1) + `}}`, "", nil},
		{"list_value nested MaxNesting deep", `{"custom_field_values":[{"custom_field_id":"a__c","list_value":[` + nested(MaxNesting-1) + `]}]}`, "", nil},
		{"table_value nested MaxNesting deep", `{"custom_field_values":[{"custom_field_id":"a__c","table_value":[` + nested(MaxNesting-1) + `]}]}`, "", nil},
		{"server-managed fields are accepted (and left for NewProcess/Replace)",
			`{"sys_version":3,"sys_created_by_id":"x","sys_last_security_context":{"user_id":"x"}}`, "",
			func(p *Process) bool { return p.SysVersion == 3 && p.SysCreatedByID == "x" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A merge patch cannot set a null member, so "NULL" stands for one.
			body := []byte(strings.ReplaceAll(string(merge(t, minimal, tt.merge)), `"NULL"`, "null"))
			p, err := DecodeProcess(body, tt.id)
			if err != nil {
				t.Fatalf("DecodeProcess(%s): %v", body, err)
			}
			if tt.check != nil && !tt.check(p) {
				t.Errorf("DecodeProcess(%s) = %+v", body, p)
			}
		})
	}
}

// examIDs returns a JSON array of n distinct exam ids.
func examIDs(n int) string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = `"exam-` + strconv.Itoa(i) + `"`
	}
	return "[" + strings.Join(ids, ",") + "]"
}

// TestDecodeProcessInvalid lists bodies that must be refused, each with the
// exact field errors, in order: wrong types (by path, members sorted) first,
// then validation problems. A field that cannot be decoded is never reported
// again as missing or invalid.
func TestDecodeProcessInvalid(t *testing.T) {
	minimal := readFixture(t, "process_minimal.json")
	tests := []struct {
		name  string
		merge string // merged into testdata/process_minimal.json; null removes a member
		body  string // used instead of merge when set
		id    string // the path id of a PUT; "" for a create
		want  []string
	}{
		// Unknown fields, at every level that has a schema.
		{name: "unknown top-level fields", merge: `{"zeta":1,"colour":"red"}`,
			want: []string{"colour: unknown field", "zeta: unknown field"}},
		{name: "unknown member of contact_form_options", merge: `{"contact_form_options":{"contact_form":"x"}}`,
			want: []string{"contact_form_options.contact_form: unknown field"}},
		{name: "unknown member of confirmation_email", merge: `{"confirmation_email":{"to":"a@b.c"}}`,
			want: []string{"confirmation_email.to: unknown field"}},
		{name: "unknown member of a custom field value", merge: `{"custom_field_values":[{"custom_field_id":"a__c"},{"custom_field_id":"b__c","date_value":"x"}]}`,
			want: []string{"custom_field_values[1].date_value: unknown field"}},
		{name: "unknown member of sys_last_security_context", merge: `{"sys_last_security_context":{"user":"x"}}`,
			want: []string{"sys_last_security_context.user: unknown field"}},
		{name: "unknown member of sys_calculated_field_errors[0]", merge: `{"sys_calculated_field_errors":[{"message":"x"}]}`,
			want: []string{"sys_calculated_field_errors[0].message: unknown field"}},
		{name: "field names are case-sensitive", merge: `{"Name":"x"}`,
			want: []string{"Name: unknown field"}},

		// Wrong JSON types at the top level.
		{name: "number where string", merge: `{"name":5}`, want: []string{"name: must be a string"}},
		{name: "string where boolean", merge: `{"is_active":"true"}`, want: []string{"is_active: must be a boolean"}},
		{name: "number where boolean", merge: `{"restrict_exams":1}`, want: []string{"restrict_exams: must be a boolean"}},
		{name: "string where number", merge: `{"display_order":"1"}`, want: []string{"display_order: must be a number"}},
		{name: "number out of range", body: `{"display_order":1e999}`,
			want: []string{"display_order: must be a number", "name: is required", "type: is required",
				"exam_ids: must contain at least one exam id", "contact_form_options: is required",
				"checkout_settings: is required", "confirmation_email: is required"}},
		{name: "string where array", merge: `{"exam_ids":"exam-a1"}`, want: []string{"exam_ids: must be an array of strings"}},
		{name: "object where array", merge: `{"exam_ids":{"0":"exam-a1"}}`, want: []string{"exam_ids: must be an array of strings"}},
		{name: "array elements of the wrong type", merge: `{"exam_ids":[1,"exam-a1",true]}`,
			want: []string{"exam_ids: must be an array of strings"}},
		{name: "array where object (struct)", merge: `{"contact_form_options":["contact-form-1"]}`,
			want: []string{"contact_form_options: must be an object"}},
		{name: "string where object (free-form)", merge: `{"checkout_settings":"bank-1"}`,
			want: []string{"checkout_settings: must be an object"}},
		{name: "boolean where object", merge: `{"confirmation_email":true}`,
			want: []string{"confirmation_email: must be an object"}},
		{name: "object where array of objects", merge: `{"custom_field_values":{"custom_field_id":"a__c"}}`,
			want: []string{"custom_field_values: must be an array"}},
		{name: "array elements that are not objects", merge: `{"custom_field_values":[1,{"custom_field_id":"a__c"},"x"]}`,
			want: []string{"custom_field_values[0]: must be an object", "custom_field_values[2]: must be an object"}},
		{name: "string where integer (sys_version)", merge: `{"sys_version":"7"}`, want: []string{"sys_version: must be an integer"}},
		{name: "fraction where integer", merge: `{"sys_version":1.5}`, want: []string{"sys_version: must be an integer"}},
		{name: "string where boolean (sys_locked)", merge: `{"sys_locked":"false"}`, want: []string{"sys_locked: must be a boolean"}},
		{name: "string where number (sys_bulk_load_record_no)", merge: `{"sys_bulk_load_record_no":"1"}`,
			want: []string{"sys_bulk_load_record_no: must be a number"}},
		{name: "number where string (sys_created_at)", merge: `{"sys_created_at":5}`, want: []string{"sys_created_at: must be a string"}},
		{name: "array where object (sys_last_security_context)", merge: `{"sys_last_security_context":[]}`,
			want: []string{"sys_last_security_context: must be an object"}},
		{name: "wrong types inside nested structs", merge: `{"sys_last_security_context":{"at":1},"sys_calculated_field_errors":[{"field":false}]}`,
			want: []string{"sys_calculated_field_errors[0].field: must be a string", "sys_last_security_context.at: must be a string"}},

		// custom_field_values[i] members.
		{name: "custom field value members of every wrong type", merge: `{"custom_field_values":[{"custom_field_id":"a__c"},{
				"custom_field_id": 7, "boolean_value": "yes", "file_url_value": 1, "list_value": {},
				"numeric_value": "1", "string_value": false, "table_value": [1]}]}`,
			want: []string{
				"custom_field_values[1].boolean_value: must be a boolean",
				"custom_field_values[1].custom_field_id: must be a string",
				"custom_field_values[1].file_url_value: must be a string",
				"custom_field_values[1].list_value: must be an array",
				"custom_field_values[1].numeric_value: must be a number",
				"custom_field_values[1].string_value: must be a string",
				"custom_field_values[1].table_value: must be an array of objects",
			}},
		{name: "table_value not an array", merge: `{"custom_field_values":[{"custom_field_id":"a__c","table_value":{}}]}`,
			want: []string{"custom_field_values[0].table_value: must be an array of objects"}},
		{name: "custom field value without custom_field_id", merge: `{"custom_field_values":[{"string_value":"x"}]}`,
			want: []string{"custom_field_values[0].custom_field_id: is required"}},
		{name: "custom_field_id not matching its pattern", merge: `{"custom_field_values":[{"custom_field_id":"Colour__c"},{"custom_field_id":"colour"}]}`,
			want: []string{`custom_field_values[0].custom_field_id: must match ^[a-z\d:_-]{1,300}__c$`,
				`custom_field_values[1].custom_field_id: must match ^[a-z\d:_-]{1,300}__c$`}},
		{name: "a null custom field value is an empty one", merge: `{"custom_field_values":[null]}`,
			want: []string{"custom_field_values[0].custom_field_id: is required"}},

		// Required fields.
		{name: "missing name", merge: `{"name":null}`, want: []string{"name: is required"}},
		{name: "empty name", merge: `{"name":""}`, want: []string{"name: is required"}},
		{name: "missing type", merge: `{"type":null}`, want: []string{"type: is required"}},
		{name: "missing exam_ids", merge: `{"exam_ids":null}`, want: []string{"exam_ids: must contain at least one exam id"}},
		{name: "missing contact_form_options", merge: `{"contact_form_options":null}`, want: []string{"contact_form_options: is required"}},
		{name: "missing contact_form_id", merge: `{"contact_form_options":{"contact_form_id":null,"html":"<p>"}}`,
			want: []string{"contact_form_options.contact_form_id: is required"}},
		{name: "empty contact_form_id", merge: `{"contact_form_options":{"contact_form_id":""}}`,
			want: []string{"contact_form_options.contact_form_id: is required"}},
		{name: "missing checkout_settings", merge: `{"checkout_settings":null}`, want: []string{"checkout_settings: is required"}},
		{name: "missing bank_account_id and business_unit_id", merge: `{"checkout_settings":{"bank_account_id":null,"business_unit_id":null,"other":1}}`,
			want: []string{"checkout_settings.bank_account_id: is required", "checkout_settings.business_unit_id: is required"}},
		{name: "empty and null bank_account_id/business_unit_id", body: `{"name":"n","type":"retest","exam_ids":["e"],
				"contact_form_options":{"contact_form_id":"c"},"confirmation_email":{"subject":"s","body":"b"},
				"checkout_settings":{"bank_account_id":"","business_unit_id":null}}`,
			want: []string{"checkout_settings.bank_account_id: is required", "checkout_settings.business_unit_id: is required"}},
		{name: "bank_account_id and business_unit_id of the wrong type", merge: `{"checkout_settings":{"bank_account_id":5,"business_unit_id":{"id":"bu"}}}`,
			want: []string{"checkout_settings.bank_account_id: must be a string", "checkout_settings.business_unit_id: must be a string"}},
		{name: "missing confirmation_email", merge: `{"confirmation_email":null}`, want: []string{"confirmation_email: is required"}},
		{name: "missing subject and body", merge: `{"confirmation_email":{"subject":null,"body":null,"from":"a@b.c"}}`,
			want: []string{"confirmation_email.subject: is required", "confirmation_email.body: is required"}},
		{name: "empty subject", merge: `{"confirmation_email":{"subject":""}}`, want: []string{"confirmation_email.subject: is required"}},
		{name: "empty object", body: `{}`, want: []string{"name: is required", "type: is required",
			"exam_ids: must contain at least one exam id", "contact_form_options: is required",
			"checkout_settings: is required", "confirmation_email: is required"}},
		{name: "empty nested objects", body: `{"name":"n","type":"register","exam_ids":["e"],"contact_form_options":{},"checkout_settings":{},"confirmation_email":{}}`,
			want: []string{"contact_form_options.contact_form_id: is required",
				"checkout_settings.bank_account_id: is required", "checkout_settings.business_unit_id: is required",
				"confirmation_email.subject: is required", "confirmation_email.body: is required"}},

		// A field that fails to decode is not also missing or invalid.
		{name: "wrong type is not also missing (type)", merge: `{"type":5}`, want: []string{"type: must be a string"}},
		{name: "wrong type is not also missing (struct)", merge: `{"contact_form_options":"contact-form-1","confirmation_email":[]}`,
			want: []string{"confirmation_email: must be an object", "contact_form_options: must be an object"}},
		{name: "wrong type is not also missing (struct member)", merge: `{"confirmation_email":{"subject":5}}`,
			want: []string{"confirmation_email.subject: must be a string"}},
		{name: "wrong type is not also missing (array)", merge: `{"exam_ids":[1,1]}`,
			want: []string{"exam_ids: must be an array of strings"}},
		{name: "wrong type is not also missing (free-form)", merge: `{"checkout_settings":[]}`,
			want: []string{"checkout_settings: must be an object"}},
		{name: "wrong type is not also missing (array element)", merge: `{"custom_field_values":[[]]}`,
			want: []string{"custom_field_values[0]: must be an object"}},
		{name: "errors at every level at once", merge: `{"name":false,"colour":1,"type":"exam","exam_ids":[],
				"contact_form_options":{"contact_form_id":1,"x":1},"checkout_settings":{"business_unit_id":2},
				"confirmation_email":{"subject":""},"form_id":"f","custom_field_values":[{"boolean_value":"y"}]}`,
			want: []string{
				"colour: unknown field",
				"contact_form_options.contact_form_id: must be a string",
				"contact_form_options.x: unknown field",
				"custom_field_values[0].boolean_value: must be a boolean",
				"name: must be a string",
				`type: must be "register" or "retest"`,
				"exam_ids: must contain at least one exam id",
				"checkout_settings.business_unit_id: must be a string",
				"confirmation_email.subject: is required",
				"form_id: must match ^certifications-exam-registrations__.*",
				"custom_field_values[0].custom_field_id: is required",
			}},

		// Enum and patterns.
		{name: "bad type", merge: `{"type":"Register"}`, want: []string{`type: must be "register" or "retest"`}},
		{name: "bad form_id", merge: `{"form_id":"certifications-exam-applications__x"}`,
			want: []string{"form_id: must match ^certifications-exam-registrations__.*"}},
		{name: "empty form_id", merge: `{"form_id":""}`, want: []string{"form_id: must match ^certifications-exam-registrations__.*"}},

		// exam_ids.
		{name: "empty exam_ids", merge: `{"exam_ids":[]}`, want: []string{"exam_ids: must contain at least one exam id"}},
		{name: "duplicate exam ids", merge: `{"exam_ids":["a","b","a","b","a"]}`,
			want: []string{"exam_ids[2]: duplicates an earlier exam id", "exam_ids[3]: duplicates an earlier exam id",
				"exam_ids[4]: duplicates an earlier exam id"}},
		{name: "bad exam ids", merge: `{"exam_ids":["ok","has space","","a/b","é","` + strings.Repeat("e", 513) + `"]}`,
			want: []string{`exam_ids[1]: must be an id matching ^[\w|-]+$`, `exam_ids[2]: must be an id matching ^[\w|-]+$`,
				`exam_ids[3]: must be an id matching ^[\w|-]+$`, `exam_ids[4]: must be an id matching ^[\w|-]+$`,
				`exam_ids[5]: must be an id matching ^[\w|-]+$`}},
		{name: "a null exam id", merge: `{"exam_ids":["a",null]}`, want: []string{`exam_ids[1]: must be an id matching ^[\w|-]+$`}},
		{name: "too many exam ids", merge: `{"exam_ids":` + examIDs(MaxExamIDs+1) + `}`,
			want: []string{"exam_ids: must contain at most " + strconv.Itoa(MaxExamIDs) + " exam ids"}},

		// id.
		{name: "id on create", merge: `{"id":"rec-1"}`, want: []string{"id: must not be sent on create: the server assigns ids"}},
		{name: "PUT id differing from the path", merge: `{"id":"rec-2"}`, id: "rec-1", want: []string{"id: must equal the id in the path"}},
		{name: "id of the wrong type", merge: `{"id":1}`, want: []string{"id: must be a string"}},

		// Nesting.
		{name: "checkout_settings nested too deep", merge: `{"checkout_settings":{"x":` + nested(MaxNesting) + `}}`,
			want: []string{"checkout_settings: is nested more than " + strconv.Itoa(MaxNesting) + " levels deep"}},
		{name: "list_value nested too deep", merge: `{"custom_field_values":[{"custom_field_id":"a__c","list_value":[` + nested(MaxNesting) + `]}]}`,
			want: []string{"custom_field_values[0].list_value: is nested more than " + strconv.Itoa(MaxNesting) + " levels deep"}},
		{name: "table_value nested too deep", merge: `{"custom_field_values":[{"custom_field_id":"a__c","table_value":[` + nested(MaxNesting) + `]}]}`,
			want: []string{"custom_field_values[0].table_value: is nested more than " + strconv.Itoa(MaxNesting) + " levels deep"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte(tt.body)
			if tt.body == "" {
				body = merge(t, minimal, tt.merge)
			}
			p, err := DecodeProcess(body, tt.id)
			if err == nil {
				t.Fatalf("DecodeProcess(%s) = %+v, want an error", body, p)
			}
			if p != nil {
				t.Errorf("DecodeProcess returned a process with its error")
			}
			if got := invalid(t, err); !equalStrings(got, tt.want) {
				t.Errorf("DecodeProcess(%s) fields:\n got %q\nwant %q", body, got, tt.want)
			}
		})
	}
}

// TestDecodeProcessSize checks MaxRecordBytes at its boundary: the record,
// as marshalled, may be exactly MaxRecordBytes long.
func TestDecodeProcessSize(t *testing.T) {
	minimal := readFixture(t, "process_minimal.json")
	p, err := DecodeProcess(merge(t, minimal, `{"description":""}`), "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	fill := MaxRecordBytes - len(b)
	for _, tt := range []struct {
		n    int
		want []string
	}{
		{fill, nil},
		{fill + 1, []string{": the exam reg process is larger than " + strconv.Itoa(MaxRecordBytes) + " bytes"}},
		{MaxRecordBytes, []string{": the exam reg process is larger than " + strconv.Itoa(MaxRecordBytes) + " bytes"}},
	} {
		body := merge(t, minimal, `{"description":"`+strings.Repeat("a", tt.n)+`"}`)
		_, err := DecodeProcess(body, "")
		if tt.want == nil {
			if err != nil {
				t.Errorf("description of %d bytes: %v", tt.n, err)
			}
			continue
		}
		if got := invalid(t, err); !equalStrings(got, tt.want) {
			t.Errorf("description of %d bytes: fields %q, want %q", tt.n, got, tt.want)
		}
	}
	// The size is checked only once the record is otherwise valid, and then
	// alongside the id rule.
	body := merge(t, minimal, `{"id":"x","description":"`+strings.Repeat("a", MaxRecordBytes)+`"}`)
	_, err = DecodeProcess(body, "")
	want := []string{": the exam reg process is larger than " + strconv.Itoa(MaxRecordBytes) + " bytes",
		"id: must not be sent on create: the server assigns ids"}
	if got := invalid(t, err); !equalStrings(got, want) {
		t.Errorf("fields %q, want %q", got, want)
	}
}

// TestDecodeBodyErrors covers bodies that are not one JSON object; they
// are refused as a whole, before any field is looked at.
func TestDecodeBodyErrors(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		keyword string   // a word the message must hold
		want    []string // field errors
	}{
		{"empty body", "", "empty", nil},
		{"only whitespace", " \r\n\t", "empty", nil},
		{"invalid UTF-8", "{\"name\":\"\xff\xfe\"}", "UTF-8", nil},
		{"invalid UTF-8 outside strings", "{}\xc0", "UTF-8", nil},
		{"not JSON", "name=x", "JSON", nil},
		{"truncated JSON", `{"name":`, "JSON", nil},
		{"trailing value", `{} {}`, "after the JSON value", nil},
		{"trailing garbage", `{"name":"x"}x`, "after the JSON value", nil},
		{"trailing bracket", `{}]`, "after the JSON value", nil},
		{"array body", `[]`, "JSON object", []string{": must be an object"}},
		{"string body", `"x"`, "JSON object", []string{": must be an object"}},
		{"number body", `1`, "JSON object", []string{": must be an object"}},
		{"boolean body", `true`, "JSON object", []string{": must be an object"}},
		{"null body", `null`, "JSON object", []string{": must be an object"}},
		{"null body with spaces", " null\n", "JSON object", []string{": must be an object"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, id := range []string{"", "rec-1"} {
				_, err := DecodeProcess([]byte(tt.body), id)
				if err == nil {
					t.Fatalf("DecodeProcess(%q) accepted it", tt.body)
				}
				if got := invalid(t, err); !equalStrings(got, tt.want) {
					t.Errorf("DecodeProcess(%q) fields %q, want %q", tt.body, got, tt.want)
				}
				if msg := err.Error(); !strings.Contains(msg, tt.keyword) {
					t.Errorf("DecodeProcess(%q) = %q, want it to mention %q", tt.body, msg, tt.keyword)
				}
			}
		})
	}
	// Trailing whitespace is not data.
	if _, err := DecodeProcess(append(readFixture(t, "process_minimal.json"), " \n\t\r\n"...), ""); err != nil {
		t.Errorf("trailing whitespace: %v", err)
	}
}

// TestDecodeJSON covers the generic decoder on the other types it serves
// (batch bodies, bulk-load lines): a slice of structs, a null top level,
// and every problem reported at once.
func TestDecodeJSON(t *testing.T) {
	t.Run("struct", func(t *testing.T) {
		var e Exam
		err := DecodeJSON([]byte(`{"id":"e1","name":"Exam","is_active":true}`), &e)
		if err != nil || e.ID != "e1" || e.Name != "Exam" || e.IsActive == nil || !*e.IsActive {
			t.Errorf("DecodeJSON = %+v, %v", e, err)
		}
	})
	t.Run("every problem", func(t *testing.T) {
		var r Registration
		err := DecodeJSON([]byte(`{"id":1,"score":"high","status":"passed","extra":true,"number":null}`), &r)
		want := []string{"extra: unknown field", "id: must be a string", "score: must be a number"}
		if got := invalid(t, err); !equalStrings(got, want) {
			t.Errorf("fields %q, want %q", got, want)
		}
	})
	t.Run("slice of structs", func(t *testing.T) {
		var exams []Exam
		if err := DecodeJSON([]byte(`[{"id":"a","name":"A"},{"id":"b","name":"B"}]`), &exams); err != nil {
			t.Fatal(err)
		}
		if len(exams) != 2 || exams[1].ID != "b" {
			t.Errorf("DecodeJSON = %+v", exams)
		}
		err := DecodeJSON([]byte(`[{"id":"a"},{"id":2,"x":1},3]`), &exams)
		want := []string{"[1].id: must be a string", "[1].x: unknown field", "[2]: must be an object"}
		if got := invalid(t, err); !equalStrings(got, want) {
			t.Errorf("fields %q, want %q", got, want)
		}
	})
	t.Run("null top level", func(t *testing.T) {
		var e Exam
		if got, want := invalid(t, DecodeJSON([]byte(`null`), &e)), []string{": must be an object"}; !equalStrings(got, want) {
			t.Errorf("fields %q, want %q", got, want)
		}
		var exams []Exam
		if got, want := invalid(t, DecodeJSON([]byte(`null`), &exams)), []string{": must be an array"}; !equalStrings(got, want) {
			t.Errorf("fields %q, want %q", got, want)
		}
	})
	t.Run("a null member resets the destination", func(t *testing.T) {
		name := "set"
		r := Registration{ID: "old", Notes: &name}
		if err := DecodeJSON([]byte(`{"id":null,"notes":null}`), &r); err != nil {
			t.Fatal(err)
		}
		if r.ID != "" || r.Notes != nil {
			t.Errorf("DecodeJSON kept %+v", r)
		}
	})
}

func TestValidID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"a", true},
		{"A_z-0|9", true},
		{"0193a5b2-7c4e-7d3a-9f21-4b8e6c0d1a2f", true},
		{strings.Repeat("x", 512), true},
		{strings.Repeat("x", 513), false},
		{"", false},
		{"a b", false},
		{"a.b", false},
		{"a/b", false},
		{"a#b", false},
		{"a:b", false},
		{"é", false},
		{"a\n", false},
	}
	for _, tt := range tests {
		if got := ValidID(tt.id); got != tt.want {
			t.Errorf("ValidID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

// TestValidate covers Validate on a Process built in Go (the path the bulk
// loader and the store take), including the free-form checks.
func TestValidate(t *testing.T) {
	valid := func() *Process {
		return &Process{
			Name: "n", Type: TypeRetest, ExamIDs: []string{"e"},
			ContactFormOptions: &ContactFormOptions{ContactFormID: "c"},
			CheckoutSettings:   map[string]any{"bank_account_id": "b", "business_unit_id": "u"},
			ConfirmationEmail:  &Email{Subject: "s", Body: "b"},
		}
	}
	if err := valid().Validate(); err != nil {
		t.Fatalf("Validate(valid) = %v", err)
	}
	// Validate ignores the server-managed fields.
	p := valid()
	p.ID, p.SysVersion, p.SysCreatedByID = "not an id!", -1, ""
	if err := p.Validate(); err != nil {
		t.Errorf("Validate looked at server-managed fields: %v", err)
	}
	deep := any(1.0)
	for range MaxNesting {
		deep = []any{deep}
	}
	p = valid()
	p.CheckoutSettings["x"] = deep // 1 + MaxNesting levels
	p.CustomFieldValues = []CustomFieldValue{{CustomFieldID: "a__c", ListValue: []any{deep}}, {CustomFieldID: "b__c", TableValue: []map[string]any{{"x": deep}}}}
	want := []string{
		"checkout_settings: is nested more than 16 levels deep",
		"custom_field_values[0].list_value: is nested more than 16 levels deep",
		"custom_field_values[1].table_value: is nested more than 16 levels deep",
	}
	if got := invalid(t, p.Validate()); !equalStrings(got, want) {
		t.Errorf("Validate fields %q, want %q", got, want)
	}
	if msg := p.Validate().Error(); !strings.Contains(msg, "checkout_settings is nested more than 16 levels deep") {
		t.Errorf("Validate message %q does not name the field", msg)
	}
}

func TestDepth(t *testing.T) {
	tests := []struct {
		value any
		want  int
	}{
		{nil, 0},
		{"s", 0},
		{map[string]any{}, 1},
		{[]any{}, 1},
		{[]map[string]any{}, 1},
		{map[string]any{"a": []any{1.0, map[string]any{"b": 2.0}}, "c": 1.0}, 3},
		{[]map[string]any{{"a": []any{}}}, 3},
	}
	for _, tt := range tests {
		if got := depth(tt.value); got != tt.want {
			t.Errorf("depth(%v) = %d, want %d", tt.value, got, tt.want)
		}
	}
}

func TestLoneSurrogatesAreRefused(t *testing.T) {
	for body, refused := range map[string]bool{
		`"\ud83d\ude00"`:         false, // a pair: 😀
		`"a\\ud800"`:             false, // an escaped backslash, then text
		`"\u00e9"`:               false,
		`"\ud800"`:               true,
		`"\udc00"`:               true,
		`"\ud800\u0041"`:         true,
		`"\ud800x"`:              true,
		`{"k\ud800":1}`:          true,
		`["\\", "\ud800\udc00"]`: false,
	} {
		_, err := singleValue([]byte(body))
		if (err != nil) != refused {
			t.Errorf("%s: error %v, want refused %v", body, err, refused)
		}
	}
}
