package examreg

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/certhub/examreg/pkg/jsondoc"
)

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
	for _, name := range []string{"id", "description", "is_active", "restrict_exams", "custom_field_values", "display_order", "sys_version"} {
		if v, ok := p.Member(name); ok {
			t.Errorf("absent optional field %s is set: %s", name, text(v))
		}
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
	absent := func(names ...string) func(*Process) bool {
		return func(p *Process) bool {
			for _, n := range names {
				if _, ok := p.Member(n); ok {
					return false
				}
			}
			return true
		}
	}
	tests := []struct {
		name  string
		merge string
		id    string // the path id of a PUT; "" for a create
		check func(*Process) bool
	}{
		{"JSON null is absent", `{"description":"NULL","id":"NULL","sys_version":"NULL","custom_field_values":"NULL"}`, "",
			absent("description", "id", "sys_version", "custom_field_values")},
		{"JSON null in a typed object is absent", `{"contact_form_options":{"html":"NULL"},"confirmation_email":{"cc":"NULL"}}`, "",
			func(p *Process) bool {
				return text(member(t, p, "contact_form_options")) == `{"contact_form_id":"contact-form-1"}` &&
					text(member(t, p, "confirmation_email")) == `{"body":"Done.","subject":"Registered"}`
			}},
		{"PUT body without id", `{}`, "rec-1", absent("id")},
		{"PUT body with the path's id", `{"id":"rec-1"}`, "rec-1", func(p *Process) bool { return p.ID() == "rec-1" }},
		{"checkout_settings keeps unknown members", `{"checkout_settings":{"x":{"y":[1,"2","NULL"]},"n":"NULL"}}`, "",
			func(p *Process) bool {
				return member(t, p, "checkout_settings").Equal(mustParse(t, `{"bank_account_id":"bank-1","business_unit_id":"bu-9","x":{"y":[1,"2",null]},"n":null}`))
			}},
		{"form_id may be the bare prefix", `{"form_id":"certifications-exam-registrations__"}`, "", nil},
		{"type register", `{"type":"register"}`, "", func(p *Process) bool { return text(member(t, p, "type")) == `"register"` }},
		{"MaxExamIDs exam ids", `{"exam_ids":` + examIDs(MaxExamIDs) + `}`, "",
			func(p *Process) bool { return len(p.ExamIDs()) == MaxExamIDs }},
		{"an exam id of 512 characters", `{"exam_ids":["` + strings.Repeat("e", 512) + `"]}`, "", nil},
		{"ids may hold _, | and -", `{"exam_ids":["A_b|c-9"]}`, "", nil},
		{"checkout_settings nested MaxNesting deep", `{"checkout_settings":{"x":` + nested(MaxNesting-1) + `}}`, "", nil},
		{"list_value nested MaxNesting deep", `{"custom_field_values":[{"custom_field_id":"a__c","list_value":[` + nested(MaxNesting-1) + `]}]}`, "", nil},
		{"table_value nested MaxNesting deep", `{"custom_field_values":[{"custom_field_id":"a__c","table_value":[` + nested(MaxNesting-1) + `]}]}`, "", nil},
		{"server-managed fields are accepted (and left for NewProcess/Replace)",
			`{"sys_version":3,"sys_created_by_id":"x","sys_last_security_context":{"user_id":"x"}}`, "",
			func(p *Process) bool { return p.Version() == 3 && text(member(t, p, "sys_created_by_id")) == `"x"` }},
		{"numbers keep their literal", `{"display_order":1.50,"sys_bulk_load_record_no":17E0}`, "",
			func(p *Process) bool {
				return text(member(t, p, "display_order")) == "1.50" && text(member(t, p, "sys_bulk_load_record_no")) == "17E0"
			}},
		{"an integer may be written with a fraction or an exponent", `{"sys_version":7.0}`, "",
			func(p *Process) bool { return text(member(t, p, "sys_version")) == "7.0" && p.Version() == 7 }},
		{"an integer written with an exponent", `{"sys_version":150e-1}`, "",
			func(p *Process) bool { return text(member(t, p, "sys_version")) == "150e-1" && p.Version() == 15 }},
		{"the largest int64 sys_version", `{"sys_version":9223372036854775807}`, "",
			func(p *Process) bool { return p.Version() == 9223372036854775807 }},
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
				t.Errorf("DecodeProcess(%s) = %s", body, p.AppendJSON(nil))
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
// exact field errors, in order: wrong types (in the order of the body)
// first, then validation problems. A field that cannot be decoded is never
// reported again as missing or invalid.
func TestDecodeProcessInvalid(t *testing.T) {
	minimal := readFixture(t, "process_minimal.json")
	const magnitude = "must be 0 or have a magnitude from 1E-130 to 9.9999999999999999999999999999999999999E+125"
	required := []string{"name: is required", "type: is required",
		"exam_ids: must contain at least one exam id", "contact_form_options: is required",
		"checkout_settings: is required", "confirmation_email: is required"}
	tests := []struct {
		name  string
		merge string // merged into testdata/process_minimal.json; null removes a member
		body  string // used instead of merge when set
		id    string // the path id of a PUT; "" for a create
		want  []string
	}{
		// Unknown fields, at every level that has a schema.
		{name: "unknown top-level fields", body: processBody("zeta", "1", "colour", `"red"`),
			want: []string{"zeta: is not a field of an exam reg process", "colour: is not a field of an exam reg process"}},
		{name: "unknown member of contact_form_options", merge: `{"contact_form_options":{"contact_form":"x"}}`,
			want: []string{"contact_form_options.contact_form: is not a field of an exam reg process"}},
		{name: "unknown member of confirmation_email", merge: `{"confirmation_email":{"to":"a@b.c"}}`,
			want: []string{"confirmation_email.to: is not a field of an exam reg process"}},
		{name: "unknown member of a custom field value", merge: `{"custom_field_values":[{"custom_field_id":"a__c"},{"custom_field_id":"b__c","date_value":"x"}]}`,
			want: []string{"custom_field_values[1].date_value: is not a field of an exam reg process"}},
		{name: "unknown member of sys_last_security_context", merge: `{"sys_last_security_context":{"user":"x"}}`,
			want: []string{"sys_last_security_context.user: is not a field of an exam reg process"}},
		{name: "unknown member of sys_calculated_field_errors[0]", merge: `{"sys_calculated_field_errors":[{"message":"x"}]}`,
			want: []string{"sys_calculated_field_errors[0].message: is not a field of an exam reg process"}},
		{name: "field names are case-sensitive", merge: `{"Name":"x"}`,
			want: []string{"Name: is not a field of an exam reg process"}},
		{name: "an unknown field that is null is still unknown", body: `{"zeta":null}`,
			want: append([]string{}, required...)},

		// Wrong JSON types at the top level.
		{name: "number where string", merge: `{"name":5}`, want: []string{"name: must be a string"}},
		{name: "string where boolean", merge: `{"is_active":"true"}`, want: []string{"is_active: must be a boolean"}},
		{name: "number where boolean", merge: `{"restrict_exams":1}`, want: []string{"restrict_exams: must be a boolean"}},
		{name: "string where number", merge: `{"display_order":"1"}`, want: []string{"display_order: must be a number"}},
		{name: "number out of range", body: `{"display_order":1e999}`,
			want: append([]string{"display_order: " + magnitude}, required...)},
		{name: "fraction where integer", merge: `{"sys_version":1.5}`, want: []string{"sys_version: must be an integer"}},
		{name: "integer beyond int64", merge: `{"sys_version":9223372036854775808}`, want: []string{"sys_version: must be an integer"}},
		{name: "fraction written with an exponent", merge: `{"sys_version":15e-1}`, want: []string{"sys_version: must be an integer"}},
		{name: "string where integer", merge: `{"sys_version":"1"}`, want: []string{"sys_version: must be an integer"}},
		{name: "string where array", merge: `{"exam_ids":"exam-a1"}`, want: []string{"exam_ids: must be an array"}},
		{name: "object where array", merge: `{"exam_ids":{"0":"exam-a1"}}`, want: []string{"exam_ids: must be an array"}},
		{name: "array elements of the wrong type", merge: `{"exam_ids":[1,"exam-a1",true]}`,
			want: []string{"exam_ids[0]: must be a string", "exam_ids[2]: must be a string"}},
		{name: "array where object (typed)", merge: `{"contact_form_options":["contact-form-1"]}`,
			want: []string{"contact_form_options: must be an object"}},
		{name: "string where object (free-form)", merge: `{"checkout_settings":"bank-1"}`,
			want: []string{"checkout_settings: must be an object"}},
		{name: "boolean where object", merge: `{"confirmation_email":true}`,
			want: []string{"confirmation_email: must be an object"}},
		{name: "number where string in a typed object", merge: `{"sys_last_security_context":{"at":1}}`,
			want: []string{"sys_last_security_context.at: must be a string"}},
		{name: "wrong types in a custom field value", merge: `{"custom_field_values":[{"custom_field_id":"a__c","boolean_value":"y","numeric_value":"1",
				"list_value":{},"table_value":[[]],"string_value":1,"file_url_value":false}]}`,
			want: []string{"custom_field_values[0].boolean_value: must be a boolean", "custom_field_values[0].numeric_value: must be a number",
				"custom_field_values[0].list_value: must be an array", "custom_field_values[0].table_value[0]: must be an object",
				"custom_field_values[0].string_value: must be a string", "custom_field_values[0].file_url_value: must be a string"}},
		{name: "table_value rows must be objects", merge: `{"custom_field_values":[{"custom_field_id":"a__c","table_value":[{},1,"x",[]]}]}`,
			want: []string{"custom_field_values[0].table_value[1]: must be an object", "custom_field_values[0].table_value[2]: must be an object",
				"custom_field_values[0].table_value[3]: must be an object"}},
		{name: "a null table_value row is not an object", body: strings.Replace(string(minimal), `"name"`, `"custom_field_values":[{"custom_field_id":"a__c","table_value":[null]}],"name"`, 1),
			want: []string{"custom_field_values[0].table_value[0]: must be an object"}},
		{name: "custom_field_values of the wrong type", merge: `{"custom_field_values":{}}`, want: []string{"custom_field_values: must be an array"}},
		{name: "object where array of objects", merge: `{"custom_field_values":{"custom_field_id":"a__c"}}`,
			want: []string{"custom_field_values: must be an array"}},
		{name: "array elements that are not objects", merge: `{"custom_field_values":[1,{"custom_field_id":"a__c"},"x"]}`,
			want: []string{"custom_field_values[0]: must be an object", "custom_field_values[2]: must be an object"}},
		{name: "string where integer (sys_version)", merge: `{"sys_version":"7"}`, want: []string{"sys_version: must be an integer"}},
		{name: "string where boolean (sys_locked)", merge: `{"sys_locked":"false"}`, want: []string{"sys_locked: must be a boolean"}},
		{name: "string where number (sys_bulk_load_record_no)", merge: `{"sys_bulk_load_record_no":"1"}`,
			want: []string{"sys_bulk_load_record_no: must be a number"}},
		{name: "number where string (sys_created_at)", merge: `{"sys_created_at":5}`, want: []string{"sys_created_at: must be a string"}},
		{name: "array where object (sys_last_security_context)", merge: `{"sys_last_security_context":[]}`,
			want: []string{"sys_last_security_context: must be an object"}},
		{name: "wrong types inside nested objects", body: processBody("sys_last_security_context", `{"at":1}`, "sys_calculated_field_errors", `[{"field":false}]`),
			want: []string{"sys_last_security_context.at: must be a string", "sys_calculated_field_errors[0].field: must be a string"}},
		{name: "custom field value members of every wrong type", merge: `{"custom_field_values":[{"custom_field_id":"a__c"},{
				"custom_field_id": 7, "boolean_value": "yes", "file_url_value": 1, "list_value": {},
				"numeric_value": "1", "string_value": false, "table_value": [1]}]}`,
			want: []string{
				"custom_field_values[1].custom_field_id: must be a string",
				"custom_field_values[1].boolean_value: must be a boolean",
				"custom_field_values[1].file_url_value: must be a string",
				"custom_field_values[1].list_value: must be an array",
				"custom_field_values[1].numeric_value: must be a number",
				"custom_field_values[1].string_value: must be a string",
				"custom_field_values[1].table_value[0]: must be an object",
			}},
		{name: "table_value not an array", merge: `{"custom_field_values":[{"custom_field_id":"a__c","table_value":{}}]}`,
			want: []string{"custom_field_values[0].table_value: must be an array"}},
		{name: "custom_field_id not matching its pattern", merge: `{"custom_field_values":[{"custom_field_id":"Colour__c"},{"custom_field_id":"colour"}]}`,
			want: []string{`custom_field_values[0].custom_field_id: must match ^[a-z\d:_-]{1,300}__c$`,
				`custom_field_values[1].custom_field_id: must match ^[a-z\d:_-]{1,300}__c$`}},
		{name: "a null custom field value is not an object", merge: `{"custom_field_values":[null]}`,
			want: []string{"custom_field_values[0]: must be an object"}},

		{name: "sys_calculated_field_errors of the wrong type", merge: `{"sys_calculated_field_errors":[{"error":1}, 2]}`,
			want: []string{"sys_calculated_field_errors[0].error: must be a string", "sys_calculated_field_errors[1]: must be an object"}},

		// Required fields.
		{name: "name missing", merge: `{"name":null}`, want: []string{"name: is required"}},
		{name: "empty name", merge: `{"name":""}`, want: []string{"name: is required"}},
		{name: "type missing", merge: `{"type":null}`, want: []string{"type: is required"}},
		{name: "exam_ids missing", merge: `{"exam_ids":null}`, want: []string{"exam_ids: must contain at least one exam id"}},
		{name: "contact_form_options missing", merge: `{"contact_form_options":null}`, want: []string{"contact_form_options: is required"}},
		{name: "contact_form_id missing", merge: `{"contact_form_options":{"contact_form_id":null,"html":"x"}}`,
			want: []string{"contact_form_options.contact_form_id: is required"}},
		{name: "empty contact_form_id", merge: `{"contact_form_options":{"contact_form_id":""}}`,
			want: []string{"contact_form_options.contact_form_id: is required"}},
		{name: "checkout_settings missing", merge: `{"checkout_settings":null}`, want: []string{"checkout_settings: is required"}},
		{name: "bank and business unit missing", merge: `{"checkout_settings":{"bank_account_id":null,"business_unit_id":null,"x":1}}`,
			want: []string{"checkout_settings.bank_account_id: is required", "checkout_settings.business_unit_id: is required"}},
		{name: "empty bank_account_id", merge: `{"checkout_settings":{"bank_account_id":""}}`,
			want: []string{"checkout_settings.bank_account_id: is required"}},
		{name: "bank_account_id of the wrong type", merge: `{"checkout_settings":{"bank_account_id":7,"business_unit_id":["x"]}}`,
			want: []string{"checkout_settings.bank_account_id: must be a string", "checkout_settings.business_unit_id: must be a string"}},
		{name: "empty and null bank_account_id/business_unit_id", body: `{"name":"n","type":"retest","exam_ids":["e"],
				"contact_form_options":{"contact_form_id":"c"},"confirmation_email":{"subject":"s","body":"b"},
				"checkout_settings":{"bank_account_id":"","business_unit_id":null}}`,
			want: []string{"checkout_settings.bank_account_id: is required", "checkout_settings.business_unit_id: is required"}},
		{name: "bank_account_id and business_unit_id of other types", merge: `{"checkout_settings":{"bank_account_id":5,"business_unit_id":{"id":"bu"}}}`,
			want: []string{"checkout_settings.bank_account_id: must be a string", "checkout_settings.business_unit_id: must be a string"}},
		{name: "a null bank_account_id is missing", body: strings.Replace(string(minimal), `"bank_account_id": "bank-1"`, `"bank_account_id": null`, 1),
			want: []string{"checkout_settings.bank_account_id: is required"}},
		{name: "confirmation_email missing", merge: `{"confirmation_email":null}`, want: []string{"confirmation_email: is required"}},
		{name: "subject and body missing", merge: `{"confirmation_email":{"subject":null,"body":null,"from":"x"}}`,
			want: []string{"confirmation_email.subject: is required", "confirmation_email.body: is required"}},
		{name: "empty subject", merge: `{"confirmation_email":{"subject":""}}`, want: []string{"confirmation_email.subject: is required"}},
		{name: "empty object", body: `{}`, want: required},
		{name: "empty nested objects", body: `{"name":"n","type":"register","exam_ids":["e"],"contact_form_options":{},"checkout_settings":{},"confirmation_email":{}}`,
			want: []string{"contact_form_options.contact_form_id: is required",
				"checkout_settings.bank_account_id: is required", "checkout_settings.business_unit_id: is required",
				"confirmation_email.subject: is required", "confirmation_email.body: is required"}},
		{name: "custom field value without an id", merge: `{"custom_field_values":[{"string_value":"x"},{"custom_field_id":""}]}`,
			want: []string{"custom_field_values[0].custom_field_id: is required", "custom_field_values[1].custom_field_id: is required"}},
		{name: "bad custom field ids", merge: `{"custom_field_values":[{"custom_field_id":"a"},{"custom_field_id":"A__c"},{"custom_field_id":"__c"},{"custom_field_id":"a b__c"}]}`,
			want: []string{`custom_field_values[0].custom_field_id: must match ^[a-z\d:_-]{1,300}__c$`, `custom_field_values[1].custom_field_id: must match ^[a-z\d:_-]{1,300}__c$`,
				`custom_field_values[2].custom_field_id: must match ^[a-z\d:_-]{1,300}__c$`, `custom_field_values[3].custom_field_id: must match ^[a-z\d:_-]{1,300}__c$`}},
		{name: "custom field id of 301 characters", merge: `{"custom_field_values":[{"custom_field_id":"` + strings.Repeat("a", 300) + `__c"},{"custom_field_id":"` + strings.Repeat("a", 301) + `__c"}]}`,
			want: []string{`custom_field_values[1].custom_field_id: must match ^[a-z\d:_-]{1,300}__c$`}},

		// A field that fails to decode is not also missing or invalid.
		{name: "wrong type is not also missing (type)", merge: `{"type":5}`, want: []string{"type: must be a string"}},
		{name: "wrong type is not also missing (object)", merge: `{"contact_form_options":"contact-form-1","confirmation_email":[]}`,
			want: []string{"contact_form_options: must be an object", "confirmation_email: must be an object"}},
		{name: "wrong type is not also missing (object member)", merge: `{"confirmation_email":{"subject":5}}`,
			want: []string{"confirmation_email.subject: must be a string"}},
		{name: "wrong type is not also missing (array)", merge: `{"exam_ids":[1,1]}`,
			want: []string{"exam_ids[0]: must be a string", "exam_ids[1]: must be a string"}},
		{name: "wrong type is not also missing (array of the wrong type)", merge: `{"exam_ids":"a"}`,
			want: []string{"exam_ids: must be an array"}},
		{name: "wrong type is not also missing (free-form)", merge: `{"checkout_settings":[]}`,
			want: []string{"checkout_settings: must be an object"}},
		{name: "wrong type is not also missing (array element)", merge: `{"custom_field_values":[[]]}`,
			want: []string{"custom_field_values[0]: must be an object"}},
		{name: "wrong type is not also missing (custom_field_id)", merge: `{"custom_field_values":[{"custom_field_id":7}]}`,
			want: []string{"custom_field_values[0].custom_field_id: must be a string"}},
		{name: "errors at every level at once", body: `{"colour":1,"name":false,"type":"exam","exam_ids":[],
				"contact_form_options":{"contact_form_id":1,"x":1},"checkout_settings":{"business_unit_id":2},
				"confirmation_email":{"subject":""},"form_id":"f","custom_field_values":[{"boolean_value":"y"}]}`,
			want: []string{
				"colour: is not a field of an exam reg process",
				"name: must be a string",
				"contact_form_options.contact_form_id: must be a string",
				"contact_form_options.x: is not a field of an exam reg process",
				"custom_field_values[0].boolean_value: must be a boolean",
				`type: must be "register" or "retest"`,
				"exam_ids: must contain at least one exam id",
				"checkout_settings.bank_account_id: is required",
				"checkout_settings.business_unit_id: must be a string",
				"confirmation_email.subject: is required",
				"confirmation_email.body: is required",
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
		{name: "a null exam id", merge: `{"exam_ids":["a",null]}`, want: []string{`exam_ids[1]: must be a string`}},
		{name: "too many exam ids", merge: `{"exam_ids":` + examIDs(MaxExamIDs+1) + `}`,
			want: []string{"exam_ids: must contain at most " + strconv.Itoa(MaxExamIDs) + " exam ids"}},

		// id.
		{name: "id on create", merge: `{"id":"rec-1"}`, want: []string{"id: must not be sent on create: the server assigns ids"}},
		{name: "PUT id differing from the path", merge: `{"id":"rec-2"}`, id: "rec-1", want: []string{"id: must equal the id in the path"}},
		{name: "id of the wrong type", merge: `{"id":1}`, want: []string{"id: must be a string"}},
		{name: "an empty id on create", merge: `{"id":""}`, want: []string{"id: must not be sent on create: the server assigns ids"}},
		{name: "an empty id in a PUT", merge: `{"id":""}`, id: "rec-1", want: []string{"id: must equal the id in the path"}},

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
				t.Fatalf("DecodeProcess(%s) = %s, want an error", body, p.AppendJSON(nil))
			}
			if p != nil {
				t.Errorf("DecodeProcess returned a process with its error")
			}
			if got := invalid(t, err); !equalStrings(got, tt.want) {
				t.Errorf("DecodeProcess(%.300s) fields:\n got %q\nwant %q", body, got, tt.want)
			}
			checkClean(t, err)
			// The summary names every problem.
			for _, f := range err.(*Error).Fields {
				if !strings.Contains(err.Error(), f.Message) {
					t.Errorf("message %q does not hold %q", err, f.Message)
				}
			}
		})
	}
}

// TestDecodeProcessSize checks MaxRecordBytes at its boundary: the record,
// as written, may be exactly MaxRecordBytes long.
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

// TestSizeLimitAcrossWrites: a record the service accepted at the size
// limit stays writable. A client that reads it back and PUTs what it read,
// or patches a member to the value it already has, writes a record of the
// same size, so neither may be refused as too large.
func TestSizeLimitAcrossWrites(t *testing.T) {
	minimal := readFixture(t, "process_minimal.json")
	p, err := DecodeProcess(merge(t, minimal, `{"description":""}`), "")
	if err != nil {
		t.Fatal(err)
	}
	fill := MaxRecordBytes - len(p.AppendJSON(nil))
	p, err = DecodeProcess(merge(t, minimal, `{"description":"`+strings.Repeat("a", fill)+`"}`), "")
	if err != nil {
		t.Fatalf("a create body of exactly MaxRecordBytes: %v", err)
	}
	created := NewProcess(p, fixtureID, testActor)
	t.Run("a patch that changes nothing", func(t *testing.T) {
		_, err := ApplyPatch(created, mustParsePatch(t, `[{"op":"replace","path":"/name","value":"Retake"}]`), testActor)
		if err != nil {
			t.Errorf("ApplyPatch: %v (the stored record is %d bytes)", err, len(created.AppendJSON(nil)))
		}
	})
	t.Run("a PUT of the record as read", func(t *testing.T) {
		body := created.AppendJSON(nil)
		put, err := DecodeProcess(body, created.ID())
		if err != nil {
			t.Fatalf("DecodeProcess(the record as a GET returns it): %v (%d bytes)", err, len(body))
		}
		if _, err := Replace(created, put, testActor); err != nil {
			t.Errorf("Replace: %v", err)
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

// TestValidate covers validate on a process built in Go (the path the store
// takes), including the free-form checks.
func TestValidate(t *testing.T) {
	valid := func(extra ...jsondoc.Member) *Process {
		return NewStoredProcess(append([]jsondoc.Member{
			{Name: "name", Value: jsondoc.StringValue("n")},
			{Name: "type", Value: jsondoc.StringValue(TypeRetest)},
			{Name: "exam_ids", Value: jsondoc.ArrayValue([]jsondoc.Value{jsondoc.StringValue("e")})},
			{Name: "contact_form_options", Value: jsondoc.ObjectValue([]jsondoc.Member{{Name: "contact_form_id", Value: jsondoc.StringValue("c")}})},
			{Name: "checkout_settings", Value: jsondoc.ObjectValue([]jsondoc.Member{{Name: "bank_account_id", Value: jsondoc.StringValue("b")}, {Name: "business_unit_id", Value: jsondoc.StringValue("u")}})},
			{Name: "confirmation_email", Value: jsondoc.ObjectValue([]jsondoc.Member{{Name: "body", Value: jsondoc.StringValue("b")}, {Name: "subject", Value: jsondoc.StringValue("s")}})},
		}, extra...))
	}
	if err := valid().validate().err(); err != nil {
		t.Fatalf("validate(valid) = %v", err)
	}
	// validate ignores the server-managed fields.
	p := valid(jsondoc.Member{Name: "id", Value: jsondoc.StringValue("not an id!")}, jsondoc.Member{Name: "sys_version", Value: jsondoc.IntValue(-1)}, jsondoc.Member{Name: "sys_created_by_id", Value: jsondoc.StringValue("")})
	if err := p.validate().err(); err != nil {
		t.Errorf("validate looked at server-managed fields: %v", err)
	}
	deep := jsondoc.IntValue(1)
	for range MaxNesting {
		deep = jsondoc.ArrayValue([]jsondoc.Value{deep})
	}
	p = NewStoredProcess(append(valid().Members()[:4:4],
		jsondoc.Member{Name: "checkout_settings", Value: jsondoc.ObjectValue([]jsondoc.Member{{Name: "bank_account_id", Value: jsondoc.StringValue("b")}, {Name: "business_unit_id", Value: jsondoc.StringValue("u")}, {Name: "x", Value: deep}})},
		jsondoc.Member{Name: "confirmation_email", Value: jsondoc.ObjectValue([]jsondoc.Member{{Name: "body", Value: jsondoc.StringValue("b")}, {Name: "subject", Value: jsondoc.StringValue("s")}})},
		jsondoc.Member{Name: "custom_field_values", Value: jsondoc.ArrayValue([]jsondoc.Value{
			jsondoc.ObjectValue([]jsondoc.Member{{Name: "custom_field_id", Value: jsondoc.StringValue("a__c")}, {Name: "list_value", Value: jsondoc.ArrayValue([]jsondoc.Value{deep})}}),
			jsondoc.ObjectValue([]jsondoc.Member{{Name: "custom_field_id", Value: jsondoc.StringValue("b__c")}, {Name: "table_value", Value: jsondoc.ArrayValue([]jsondoc.Value{jsondoc.ObjectValue([]jsondoc.Member{{Name: "x", Value: deep}})})}}),
		})}))
	want := []string{
		"checkout_settings: is nested more than 16 levels deep",
		"custom_field_values[0].list_value: is nested more than 16 levels deep",
		"custom_field_values[1].table_value: is nested more than 16 levels deep",
	}
	err := p.validate().err()
	if got := invalid(t, err); !equalStrings(got, want) {
		t.Errorf("validate fields %q, want %q", got, want)
	}
	if msg := err.Error(); !strings.Contains(msg, "checkout_settings is nested more than 16 levels deep") {
		t.Errorf("validate message %q does not name the field", msg)
	}
}

func TestDepth(t *testing.T) {
	tests := []struct {
		value string
		want  int
	}{
		{`null`, 0},
		{`"s"`, 0},
		{`1`, 0},
		{`{}`, 1},
		{`[]`, 1},
		{`[{}]`, 2},
		{`{"a":[1,{"b":2}],"c":1}`, 3},
		{`[{"a":[]}]`, 3},
		{nested(MaxNesting), MaxNesting},
	}
	for _, tt := range tests {
		if got := depth(mustParse(t, tt.value)); got != tt.want {
			t.Errorf("depth(%s) = %d, want %d", tt.value, got, tt.want)
		}
	}
}
