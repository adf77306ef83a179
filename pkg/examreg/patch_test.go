package examreg

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/certhub/examreg/pkg/jsondoc"
)

func mustParsePatch(t testing.TB, body string) *Patch {
	t.Helper()
	p, err := ParsePatch([]byte(body))
	if err != nil {
		t.Fatalf("ParsePatch(%s): %v", body, err)
	}
	return p
}

// TestApplyPatch applies valid patches to testdata/process_full.json. want is
// an RFC 7386 merge patch that turns the stored record's client-writable
// fields into the expected ones (null removes a member).
func TestApplyPatch(t *testing.T) {
	tests := []struct {
		name  string
		patch string
		want  string
	}{
		// add
		{"add a string", `[{"op":"add","path":"/description","value":"New"}]`, `{"description":"New"}`},
		{"add a number", `[{"op":"add","path":"/display_order","value":-3}]`, `{"display_order":-3}`},
		{"add a boolean", `[{"op":"add","path":"/restrict_exams","value":false}]`, `{"restrict_exams":false}`},
		{"add an object", `[{"op":"add","path":"/contact_form_options","value":{"contact_form_id":"cf-2"}}]`,
			`{"contact_form_options":{"contact_form_id":"cf-2","html":null}}`},
		{"add an array", `[{"op":"add","path":"/exam_ids","value":["x1","x2"]}]`, `{"exam_ids":["x1","x2"]}`},
		{"add null removes an optional field", `[{"op":"add","path":"/description","value":null}]`, `{"description":null}`},
		{"add to the array end", `[{"op":"add","path":"/exam_ids/-","value":"exam-d4"}]`,
			`{"exam_ids":["exam-a1","exam_b2","EXAM|c3","exam-d4"]}`},
		{"add at an array index", `[{"op":"add","path":"/exam_ids/1","value":"exam-d4"}]`,
			`{"exam_ids":["exam-a1","exam-d4","exam_b2","EXAM|c3"]}`},
		{"add at the index past the end", `[{"op":"add","path":"/exam_ids/3","value":"exam-d4"}]`,
			`{"exam_ids":["exam-a1","exam_b2","EXAM|c3","exam-d4"]}`},
		{"add a member to a nested struct", `[{"op":"add","path":"/custom_field_values/1/boolean_value","value":true}]`,
			`{"custom_field_values":[` + cfv0 + `,{"custom_field_id":"region:emea__c","string_value":"EMEA","boolean_value":true}]}`},
		{"add values of every type to checkout_settings", `[
				{"op":"add","path":"/checkout_settings/s","value":"x"},
				{"op":"add","path":"/checkout_settings/n","value":1.25},
				{"op":"add","path":"/checkout_settings/b","value":true},
				{"op":"add","path":"/checkout_settings/z","value":null},
				{"op":"add","path":"/checkout_settings/o","value":{"k":[1,{"x":null}]}},
				{"op":"add","path":"/checkout_settings/a","value":[]}]`,
			`{"checkout_settings":{"s":"x","n":1.25,"b":true,"z":"NULL","o":{"k":[1,{"x":"NULL"}]},"a":[]}}`},
		{"add into a nested free-form object", `[{"op":"add","path":"/checkout_settings/bill_my_organization_options/reference_number","value":"REF-2"}]`,
			`{"checkout_settings":{"bill_my_organization_options":{"reference_number":"REF-2"}}}`},
		{"escaped member names", `[{"op":"add","path":"/checkout_settings/a~1b","value":1},{"op":"add","path":"/checkout_settings/c~0d~01","value":2}]`,
			`{"checkout_settings":{"a/b":1,"c~d~1":2}}`},
		{"add a client-writable sys field", `[{"op":"add","path":"/sys_locked","value":true},{"op":"add","path":"/sys_directive","value":"x"}]`,
			`{"sys_locked":true,"sys_directive":"x"}`},

		// remove
		{"remove a field", `[{"op":"remove","path":"/description"}]`, `{"description":null}`},
		{"remove an array element", `[{"op":"remove","path":"/exam_ids/1"}]`, `{"exam_ids":["exam-a1","EXAM|c3"]}`},
		{"remove a nested member", `[{"op":"remove","path":"/checkout_settings/bill_my_organization_options/reference_number"}]`,
			`{"checkout_settings":{"bill_my_organization_options":{"reference_number":null}}}`},
		{"remove a client-writable sys field", `[{"op":"remove","path":"/sys_external_id"}]`, `{"sys_external_id":null}`},
		{"remove ignores a value member", `[{"op":"remove","path":"/form_id","value":{"ignored":true}}]`, `{"form_id":null}`},

		// replace
		{"replace a string", `[{"op":"replace","path":"/name","value":"Renamed"}]`, `{"name":"Renamed"}`},
		{"replace the type", `[{"op":"replace","path":"/type","value":"retest"}]`, `{"type":"retest"}`},
		{"replace an array element", `[{"op":"replace","path":"/exam_ids/0","value":"exam-z"}]`,
			`{"exam_ids":["exam-z","exam_b2","EXAM|c3"]}`},
		{"replace with null", `[{"op":"replace","path":"/display_order","value":null}]`, `{"display_order":null}`},
		{"replace a whole object", `[{"op":"replace","path":"/confirmation_email","value":{"subject":"S","body":"B"}}]`,
			`{"confirmation_email":{"subject":"S","body":"B","from":null,"from_name":null,"reply_to":null,"cc":null,"bcc":null}}`},

		// move
		{"move a field", `[{"op":"move","from":"/display_in_portal_as","path":"/description"}]`,
			`{"display_in_portal_as":null,"description":"Register for the exam"}`},
		{"move an array element to the end", `[{"op":"move","from":"/exam_ids/0","path":"/exam_ids/-"}]`,
			`{"exam_ids":["exam_b2","EXAM|c3","exam-a1"]}`},
		{"move into checkout_settings", `[{"op":"move","from":"/sys_directive","path":"/checkout_settings/directive"}]`,
			`{"sys_directive":null,"checkout_settings":{"directive":"no-notify"}}`},

		// copy
		{"copy a field", `[{"op":"copy","from":"/name","path":"/display_in_portal_as"}]`,
			`{"display_in_portal_as":"Initial registration"}`},
		{"copy an array element", `[{"op":"copy","from":"/exam_ids/2","path":"/checkout_settings/primary_exam"}]`,
			`{"checkout_settings":{"primary_exam":"EXAM|c3"}}`},
		{"copy an object", `[{"op":"copy","from":"/checkout_settings/bill_my_organization_options","path":"/checkout_settings/bill_my_parent_organization_options"}]`,
			`{"checkout_settings":{"bill_my_parent_organization_options":{"billing_address":"optional","purchase_order_number":"do not show","reference_number":"REF-1"}}}`},

		// test
		{"test then replace", `[{"op":"test","path":"/name","value":"Initial registration"},{"op":"replace","path":"/name","value":"N"}]`,
			`{"name":"N"}`},
		{"test an object and an array", `[{"op":"test","path":"/contact_form_options","value":{"html":"<p>Check your details before you go on.</p>","contact_form_id":"contact-form-1"}},
				{"op":"test","path":"/exam_ids","value":["exam-a1","exam_b2","EXAM|c3"]},{"op":"test","path":"/display_order","value":2.50}]`, `{}`},
		{"test compares numbers by value (RFC 6902 4.6)", `[{"op":"test","path":"/display_order","value":25e-1},
				{"op":"test","path":"/sys_bulk_load_record_no","value":17.0},{"op":"test","path":"/checkout_settings/max_credit_card_amount","value":5.0005E3},
				{"op":"test","path":"/custom_field_values/0/table_value/0","value":{"slots":[9.00,1.4e1],"day":"mon"}}]`, `{}`},

		// the operations apply in order, each to the result of the one before
		{"operations in sequence", `[{"op":"add","path":"/exam_ids/-","value":"e4"},{"op":"move","from":"/exam_ids/0","path":"/exam_ids/-"},
				{"op":"remove","path":"/exam_ids/0"},{"op":"test","path":"/exam_ids","value":["EXAM|c3","e4","exam-a1"]}]`,
			`{"exam_ids":["EXAM|c3","e4","exam-a1"]}`},
		{"unknown members of an operation are ignored", `[{"op":"replace","path":"/name","value":"N","comment":"x","from":5,"op2":"remove"},
				{"op":"remove","path":"/description","from":{"x":1},"value":[1]}]`, `{"name":"N","description":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			current := fullProcess(t)
			before := snapshot(t, current)
			patch := mustParsePatch(t, tt.patch)

			next, err := ApplyPatch(current, patch, testActor)
			if err != nil {
				t.Fatalf("ApplyPatch: %v", err)
			}
			if snapshot(t, current) != before {
				t.Fatalf("ApplyPatch modified current")
			}
			// A merge patch cannot set a null member, so "NULL" stands for one.
			wantDoc := merge(t, []byte(clientText(t, current)), tt.want)
			wantDoc = []byte(strings.ReplaceAll(string(wantDoc), `"NULL"`, "null"))
			if got, want := clientText(t, next), canonical(t, wantDoc); got != want {
				t.Errorf("client-writable fields\n got %s\nwant %s", got, want)
			}
			if got, want := serverText(t, next), stampedServerText(t, current); got != want {
				t.Errorf("server-managed fields\n got %s\nwant %s", got, want)
			}
			// Applying it again, as the store does on a retry, gives the same result.
			again, err := ApplyPatch(current, patch, testActor)
			if err != nil || snapshot(t, again) != snapshot(t, next) {
				t.Errorf("ApplyPatch again = %s, %v", again.AppendJSON(nil), err)
			}
			if snapshot(t, current) != before {
				t.Errorf("ApplyPatch on retry modified current")
			}
		})
	}
}

// cfv0 is custom_field_values[0] of testdata/process_full.json.
const cfv0 = `{"custom_field_id":"accommodations__c","boolean_value":false,"file_url_value":"https://files.example.com/t1/doc.pdf",
	"list_value":["extra time",2,true,"NULL",{"room":"B"}],"numeric_value":0,"string_value":"",
	"table_value":[{"day":"mon","slots":[9,14]},{"day":"tue","slots":[]}]}`

// stampedServerText is the server view of current after a write by testActor.
func stampedServerText(t testing.TB, current *Process) string {
	t.Helper()
	stamp := fmt.Sprintf(`{"sys_version":%d,"sys_last_modified_at":%q,"sys_last_modified_by_id":%q,"sys_last_security_context":%s}`,
		current.Version()+1, testActorAt, testActor.UserID, wantSecurityContext)
	// The context is replaced whole: a merge would keep members it lacks.
	replaced := merge(t, []byte(serverText(t, current)), `{"sys_last_security_context":null}`)
	return canonical(t, merge(t, replaced, stamp))
}

// TestApplyPatchInvalidResult: a patch that applies but leaves an invalid
// record is refused with the field errors a PUT of that record would get.
func TestApplyPatchInvalidResult(t *testing.T) {
	tests := []struct {
		name  string
		patch string
		want  []string
	}{
		{"wrong type", `[{"op":"replace","path":"/name","value":5}]`, []string{"name: must be a string"}},
		{"required field removed", `[{"op":"remove","path":"/exam_ids"}]`, []string{"exam_ids: must contain at least one exam id"}},
		{"required field nulled", `[{"op":"replace","path":"/name","value":null}]`, []string{"name: is required"}},
		{"required nested member removed", `[{"op":"remove","path":"/checkout_settings/bank_account_id"},{"op":"remove","path":"/confirmation_email/subject"}]`,
			[]string{"checkout_settings.bank_account_id: is required", "confirmation_email.subject: is required"}},
		{"last exam id removed", `[{"op":"remove","path":"/exam_ids/0"},{"op":"remove","path":"/exam_ids/0"},{"op":"remove","path":"/exam_ids/0"}]`,
			[]string{"exam_ids: must contain at least one exam id"}},
		{"bad enum", `[{"op":"replace","path":"/type","value":"renew"}]`, []string{`type: must be "register" or "retest"`}},
		{"bad form_id", `[{"op":"replace","path":"/form_id","value":"x"}]`, []string{"form_id: must match ^certifications-exam-registrations__.*"}},
		{"duplicate exam id", `[{"op":"add","path":"/exam_ids/-","value":"exam-a1"}]`, []string{"exam_ids[3]: duplicates an earlier exam id"}},
		{"bad exam id", `[{"op":"add","path":"/exam_ids/0","value":"a b"}]`, []string{`exam_ids[0]: must be an id matching ^[\w|-]+$`}},
		{"unknown field", `[{"op":"add","path":"/colour","value":"red"}]`, []string{"colour: is not a field of an exam reg process"}},
		{"unknown nested field", `[{"op":"add","path":"/confirmation_email/to","value":"a@b.c"}]`, []string{"confirmation_email.to: is not a field of an exam reg process"}},
		{"escaped names are not server-managed names", `[{"op":"add","path":"/id~1x","value":"x"},{"op":"add","path":"/sys~0version","value":1}]`,
			[]string{"id/x: is not a field of an exam reg process", "sys~version: is not a field of an exam reg process"}},
		{"wrong type in a custom field value", `[{"op":"add","path":"/custom_field_values/0/boolean_value","value":"yes"}]`,
			[]string{"custom_field_values[0].boolean_value: must be a boolean"}},
		{"object replaced by a scalar", `[{"op":"replace","path":"/contact_form_options","value":"cf"}]`,
			[]string{"contact_form_options: must be an object"}},
		{"too deep", `[{"op":"add","path":"/checkout_settings/x","value":` + nested(MaxNesting) + `}]`,
			[]string{"checkout_settings: is nested more than 16 levels deep"}},
		{"too large", `[{"op":"replace","path":"/description","value":"` + strings.Repeat("x", MaxRecordBytes) + `"}]`,
			[]string{": the exam reg process is larger than 300000 bytes"}},
		{"every problem at once, as a PUT reports them", `[{"op":"replace","path":"/name","value":5},{"op":"remove","path":"/exam_ids"},
				{"op":"add","path":"/x","value":1},{"op":"replace","path":"/type","value":"?"},{"op":"replace","path":"/contact_form_options","value":[]}]`,
			[]string{"name: must be a string", "contact_form_options: must be an object", "x: is not a field of an exam reg process",
				`type: must be "register" or "retest"`, "exam_ids: must contain at least one exam id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			current := fullProcess(t)
			before := snapshot(t, current)
			next, err := ApplyPatch(current, mustParsePatch(t, tt.patch), testActor)
			if next != nil {
				t.Errorf("ApplyPatch returned a record with its error")
			}
			if got := invalid(t, err); !equalStrings(got, tt.want) {
				t.Errorf("fields\n got %q\nwant %q", got, tt.want)
			}
			if snapshot(t, current) != before {
				t.Errorf("ApplyPatch modified current")
			}
		})
	}
}

// TestApplyPatchCannotApply: operations that do not apply to the record.
// They are EINVALID, name the problem, and change nothing.
func TestApplyPatchCannotApply(t *testing.T) {
	copyBomb := make([]string, 40)
	for i := range copyBomb {
		copyBomb[i] = fmt.Sprintf(`{"op":"copy","from":"/checkout_settings","path":"/checkout_settings/c%d"}`, i)
	}
	const (
		missing  = "does not exist in the record"
		noParent = "has no parent in the record"
		notIndex = "does not end in an array index (0, 1, … or - to append)"
	)
	tests := []struct {
		name  string
		patch string
		want  string // the one field error, "field: message"
	}{
		{"failed test", `[{"op":"test","path":"/name","value":"Other"}]`, "[0]: failed: the value at /name is not the value given"},
		{"failed test of a number", `[{"op":"test","path":"/sys_bulk_load_record_no","value":18}]`,
			"[0]: failed: the value at /sys_bulk_load_record_no is not the value given"},
		{"failed test after a successful one", `[{"op":"test","path":"/name","value":"Initial registration"},{"op":"test","path":"/exam_ids/0","value":"x"}]`,
			"[1]: failed: the value at /exam_ids/0 is not the value given"},
		{"failed test of a close number", `[{"op":"test","path":"/display_order","value":2.5000001}]`,
			"[0]: failed: the value at /display_order is not the value given"},
		{"failed test of a number as a string", `[{"op":"test","path":"/display_order","value":"2.5"}]`,
			"[0]: failed: the value at /display_order is not the value given"},
		{"failed test of a missing member", `[{"op":"test","path":"/checkout_settings/nope","value":"x"}]`,
			"[0]: failed: the value at /checkout_settings/nope is not the value given"},
		{"remove of a missing member", `[{"op":"remove","path":"/checkout_settings/nope"}]`, "[0].path: " + missing},
		{"remove of a missing field", `[{"op":"remove","path":"/show_contact_form"},{"op":"remove","path":"/show_contact_form"}]`, "[1].path: " + missing},
		{"replace of a missing member", `[{"op":"replace","path":"/checkout_settings/nope","value":1}]`, "[0].path: " + missing},
		{"move from a missing member", `[{"op":"move","from":"/checkout_settings/nope","path":"/name"}]`, "[0].from: " + missing},
		{"copy from a missing member", `[{"op":"copy","from":"/nope","path":"/name"}]`, "[0].from: " + missing},
		{"add under a missing parent", `[{"op":"add","path":"/checkout_settings/nope/x","value":1}]`, "[0].path: " + noParent},
		{"add under a scalar", `[{"op":"add","path":"/name/x","value":1}]`, "[0].path: has a parent that is neither an object nor an array"},
		{"copy under a missing parent", `[{"op":"copy","from":"/name","path":"/checkout_settings/nope/x"}]`, "[0].path: " + noParent},
		{"move into itself", `[{"op":"move","from":"/checkout_settings","path":"/checkout_settings/x"}]`, "[0].path: is inside the value being moved"},
		{"add at an index out of range", `[{"op":"add","path":"/exam_ids/4","value":"x"}]`, "[0].path: is past the end of its array, which has 3 items"},
		{"remove at an index out of range", `[{"op":"remove","path":"/exam_ids/3"}]`, "[0].path: " + missing},
		{"negative index: add", `[{"op":"add","path":"/exam_ids/-1","value":"x"}]`, "[0].path: " + notIndex},
		{"negative index: remove", `[{"op":"remove","path":"/exam_ids/-1"}]`, "[0].path: " + notIndex},
		{"negative index: replace", `[{"op":"replace","path":"/exam_ids/-2","value":"x"}]`, "[0].path: " + notIndex},
		{"negative index: copy from", `[{"op":"copy","from":"/exam_ids/-1","path":"/description"}]`, "[0].from: " + notIndex},
		{"non-numeric index", `[{"op":"replace","path":"/exam_ids/first","value":"x"}]`, "[0].path: " + missing},
		{"the failing operation is found after good ones", `[{"op":"add","path":"/exam_ids/-","value":"e4"},{"op":"remove","path":"/exam_ids/3"},
				{"op":"replace","path":"/name","value":"n"},{"op":"remove","path":"/exam_ids/3"},{"op":"add","path":"/description","value":"d"}]`, "[3].path: " + missing},
		{"the failing operation is found after a test", `[{"op":"test","path":"/name","value":"Initial registration"},{"op":"remove","path":"/name"},
				{"op":"remove","path":"/name"}]`, "[2].path: " + missing},
		{"copy bomb", "[" + strings.Join(copyBomb, ",") + "]", "[11]: copies more than 1048576 bytes in all"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			current := fullProcess(t)
			before := snapshot(t, current)
			next, err := ApplyPatch(current, mustParsePatch(t, tt.patch), testActor)
			if next != nil {
				t.Errorf("ApplyPatch returned a record with its error")
			}
			if got := invalid(t, err); !equalStrings(got, []string{tt.want}) {
				t.Errorf("field errors %q, want %q", got, tt.want)
			}
			// The summary says which operation cannot apply and why.
			field, message, _ := strings.Cut(tt.want, ": ")
			summary := "the patch cannot be applied: operation " + field + " " + message
			if strings.HasPrefix(message, "failed: ") {
				summary = "a test operation of the patch failed"
			}
			if err.Error() != summary {
				t.Errorf("ApplyPatch error %q, want %q", err, summary)
			}
			checkClean(t, err)
			if snapshot(t, current) != before {
				t.Errorf("ApplyPatch modified current")
			}
		})
	}
}

// TestParsePatchServerManaged: no operation may touch a server-managed
// field, as path or as from, at the field itself or inside it.
func TestParsePatchServerManaged(t *testing.T) {
	for _, name := range serverManagedFields {
		t.Run(name, func(t *testing.T) {
			ptr := "/" + name
			patch := `[
				{"op":"add","path":"` + ptr + `","value":1},
				{"op":"remove","path":"` + ptr + `"},
				{"op":"replace","path":"` + ptr + `","value":"x"},
				{"op":"test","path":"` + ptr + `","value":7},
				{"op":"replace","path":"` + ptr + `/user_id","value":"x"},
				{"op":"add","path":"` + ptr + `/-","value":{}},
				{"op":"move","from":"` + ptr + `","path":"/description"},
				{"op":"copy","from":"` + ptr + `","path":"/sys_external_id"},
				{"op":"copy","from":"` + ptr + `/0","path":"/checkout_settings/x"},
				{"op":"move","from":"/description","path":"` + ptr + `"},
				{"op":"copy","from":"` + ptr + `","path":"` + ptr + `"},
				{"op":"replace","path":"/name","value":"fine"}]`
			readOnly := name + " is read-only"
			want := []string{
				"[0].path: " + readOnly, "[1].path: " + readOnly, "[2].path: " + readOnly, "[3].path: " + readOnly,
				"[4].path: " + readOnly, "[5].path: " + readOnly, "[6].from: " + readOnly, "[7].from: " + readOnly,
				"[8].from: " + readOnly, "[9].path: " + readOnly, "[10].from: " + readOnly, "[10].path: " + readOnly,
			}
			p, err := ParsePatch([]byte(patch))
			if p != nil {
				t.Errorf("ParsePatch returned a patch with its error")
			}
			if got := invalid(t, err); !equalStrings(got, want) {
				t.Errorf("fields\n got %q\nwant %q", got, want)
			}
		})
	}
}

// TestParsePatchInvalid lists malformed patches, with every problem found.
func TestParsePatchInvalid(t *testing.T) {
	const notObject = "must be an object with string members op, path and (for move and copy) from"
	const wholeDoc = "must not be the whole document: it holds read-only fields"
	tooMany := strings.Repeat(`{"op":"test","path":"/name","value":"x"},`, MaxPatchOperations) + `{"op":"remove","path":"/description"}`
	tests := []struct {
		name string
		body string
		want []string
	}{
		// Not an array of at most MaxPatchOperations operations.
		{"object", `{"op":"add","path":"/name","value":"x"}`, []string{": must be an array of RFC 6902 operations"}},
		{"string", `"[]"`, []string{": must be an array of RFC 6902 operations"}},
		{"number", `1`, []string{": must be an array of RFC 6902 operations"}},
		{"null", `null`, []string{": must be an array of RFC 6902 operations"}},
		{"too many operations", "[" + tooMany + "]", []string{": must hold at most 1000 operations"}},

		// Operations that are not objects.
		{"number op", `[1]`, []string{"[0]: " + notObject}},
		{"string op", `["add"]`, []string{"[0]: " + notObject}},
		{"array op", `[[]]`, []string{"[0]: " + notObject}},
		{"null op", `[null]`, []string{"[0]: " + notObject}},
		{"boolean op", `[true]`, []string{"[0]: " + notObject}},

		// Missing or mistyped members.
		{"missing op", `[{"path":"/name","value":"x"}]`, []string{"[0].op: is required"}},
		{"null op member", `[{"op":null,"path":"/name"}]`, []string{"[0].op: is required"}},
		{"op not a string", `[{"op":1,"path":"/name"}]`, []string{"[0].op: must be a string"}},
		{"unknown op", `[{"op":"merge","path":"/name","value":"x"}]`, []string{"[0].op: must be one of add, remove, replace, move, copy, test"}},
		{"op names are case-sensitive", `[{"op":"Add","path":"/name","value":"x"}]`, []string{"[0].op: must be one of add, remove, replace, move, copy, test"}},
		{"missing path", `[{"op":"remove"}]`, []string{"[0].path: is required"}},
		{"null path", `[{"op":"remove","path":null}]`, []string{"[0].path: is required"}},
		{"path not a string", `[{"op":"remove","path":["name"]}]`, []string{"[0].path: must be a string"}},
		{"missing value: add", `[{"op":"add","path":"/name"}]`, []string{"[0].value: is required for add"}},
		{"missing value: replace", `[{"op":"replace","path":"/name"}]`, []string{"[0].value: is required for replace"}},
		{"missing value: test", `[{"op":"test","path":"/name"}]`, []string{"[0].value: is required for test"}},
		{"missing from: move", `[{"op":"move","path":"/name"}]`, []string{"[0].from: is required"}},
		{"missing from: copy", `[{"op":"copy","path":"/name"}]`, []string{"[0].from: is required"}},
		{"from not a string", `[{"op":"copy","from":1,"path":"/name"}]`, []string{"[0].from: must be a string"}},
		{"value may be null but not absent", `[{"op":"add","path":"/name","val":null}]`, []string{"[0].value: is required for add"}},
		{"null from", `[{"op":"move","from":null,"path":"/name"}]`, []string{"[0].from: is required"}},

		// Pointers.
		{"root path", `[{"op":"add","path":"","value":{}},{"op":"replace","path":"","value":{}},{"op":"remove","path":""},
				{"op":"test","path":"","value":{}},{"op":"move","from":"/name","path":""},{"op":"copy","from":"","path":"/description"}]`,
			[]string{"[0].path: " + wholeDoc, "[1].path: " + wholeDoc, "[2].path: " + wholeDoc, "[3].path: " + wholeDoc,
				"[4].path: " + wholeDoc, "[5].from: " + wholeDoc}},
		{"move from the root", `[{"op":"move","from":"","path":"/checkout_settings/all"}]`, []string{"[0].from: " + wholeDoc}},
		{"pointer without a leading slash", `[{"op":"remove","path":"name"},{"op":"copy","from":"name","path":"/x"}]`,
			[]string{"[0].path: must be a JSON Pointer starting with /", "[1].from: must be a JSON Pointer starting with /"}},
		{"escapes in later segments do not hide the field", `[{"op":"remove","path":"/sys_last_security_context/user~1id"},
				{"op":"remove","path":"/sys_calculated_field_errors/0~0"}]`,
			[]string{"[0].path: sys_last_security_context is read-only", "[1].path: sys_calculated_field_errors is read-only"}},
		{"JSON escapes are decoded first", `[{"op":"remove","path":"/sys\u005fversion"},{"op":"remove","path":"\/id"}]`,
			[]string{"[0].path: sys_version is read-only", "[1].path: id is read-only"}},

		// Every problem, by operation index.
		{"problems in several operations", `[{"op":"replace","path":"/name","value":"ok"},{"op":"x","path":"/id"},7,
				{"path":"/name"},{"op":"move","from":5,"path":5},{"op":"add"}]`,
			[]string{"[1].op: must be one of add, remove, replace, move, copy, test", "[1].path: id is read-only",
				"[2]: " + notObject, "[3].op: is required", "[4].from: must be a string", "[4].path: must be a string",
				"[5].value: is required for add", "[5].path: is required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePatch([]byte(tt.body))
			if p != nil {
				t.Errorf("ParsePatch returned a patch with its error")
			}
			if got := invalid(t, err); !equalStrings(got, tt.want) {
				t.Errorf("fields\n got %q\nwant %q", got, tt.want)
			}
			checkClean(t, err)
		})
	}
}

// TestParsePatchValid: bodies ParsePatch must accept.
func TestParsePatchValid(t *testing.T) {
	maxOps := "[" + strings.TrimSuffix(strings.Repeat(`{"op":"test","path":"/name","value":"Initial registration"},`, MaxPatchOperations), ",") + "]"
	for _, body := range []string{
		`[{"op":"add","path":"/description","value":null}]`,
		`[{"op":"test","path":"/description","value":null}]`,
		`[{"op":"add","path":"/name","value":"x","from":5}]`,
		`[{"op":"remove","path":"/name","value":{"x":1},"from":[]}]`,
		`[{"op":"replace","path":"/name","value":"x","extension":{"any":"thing"}}]`,
		`[{"op":"add","path":"/checkout_settings/","value":1}]`,
		`[{"op":"add","path":"/id~1x","value":1},{"op":"add","path":"/sys~0version","value":1},{"op":"add","path":"/sys_version~0","value":1}]`,
		`[{"op":"add","path":"/sys_external_id","value":"x"},{"op":"copy","from":"/sys_locked","path":"/sys_has_files_in_s3"}]`,
		" \n[{\"op\":\"remove\",\"path\":\"/description\"}]\n ",
		`[]`,
		" [ ] ",
		maxOps,
	} {
		if _, err := ParsePatch([]byte(body)); err != nil {
			if len(body) > 200 {
				body = body[:200] + "..."
			}
			t.Errorf("ParsePatch(%s): %v", body, err)
		}
	}
	p := mustParsePatch(t, maxOps)
	if _, err := ApplyPatch(fullProcess(t), p, testActor); err != nil {
		t.Errorf("applying %d test operations: %v", MaxPatchOperations, err)
	}
}

// TestParsePatchBody: bodies that are not one JSON value.
func TestParsePatchBody(t *testing.T) {
	for _, tt := range []struct{ body, keyword string }{
		{"", "empty"},
		{"  ", "empty"},
		{`[{"op":"remove","path":"/description"}] []`, "after the JSON value"},
		{`[{"op":"remove","path":"/description"}]x`, "after the JSON value"},
		{"[{\"op\":\"add\",\"path\":\"/name\",\"value\":\"\xff\"}]", "UTF-8"},
		{`[{"op":"remove","path":"/description"}`, "JSON"},
		{`[{"op":"add","path":"/name","value":"\ud800"}]`, "surrogate"},
		{`[{"op":"remove","path":"/description"},]`, "JSON"},
	} {
		p, err := ParsePatch([]byte(tt.body))
		if p != nil || err == nil {
			t.Errorf("ParsePatch(%q) = %v, %v; want an error", tt.body, p, err)
			continue
		}
		if got := invalid(t, err); got != nil {
			t.Errorf("ParsePatch(%q) fields %q, want none", tt.body, got)
		}
		if !strings.Contains(err.Error(), tt.keyword) {
			t.Errorf("ParsePatch(%q) = %q, want it to mention %q", tt.body, err, tt.keyword)
		}
		checkClean(t, err)
	}
}

// TestParsePatchValue covers the batch form: the patch is a member of a
// larger body, and errors, at parse and at apply, are prefixed with the
// member's name.
func TestParsePatchValue(t *testing.T) {
	tests := []struct {
		raw  string
		want []string
	}{
		{`null`, []string{"patch_directives: must be an array of RFC 6902 operations"}},
		{`{}`, []string{"patch_directives: must be an array of RFC 6902 operations"}},
		{`"[]"`, []string{"patch_directives: must be an array of RFC 6902 operations"}},
		{"[" + strings.Repeat(`{"op":"remove","path":"/x"},`, MaxPatchOperations) + `{"op":"remove","path":"/x"}]`,
			[]string{"patch_directives: must hold at most 1000 operations"}},
		{`[{"op":"x","path":"/sys_version"},{"op":"remove"}]`, []string{
			"patch_directives[0].op: must be one of add, remove, replace, move, copy, test",
			"patch_directives[0].path: sys_version is read-only",
			"patch_directives[1].path: is required"}},
	}
	for _, tt := range tests {
		p, err := ParsePatchValue(mustParse(t, tt.raw), "patch_directives")
		if p != nil {
			t.Errorf("ParsePatchValue(%.80s) returned a patch with its error", tt.raw)
		}
		if got := invalid(t, err); !equalStrings(got, tt.want) {
			t.Errorf("ParsePatchValue(%.80s) fields\n got %q\nwant %q", tt.raw, got, tt.want)
		}
	}
	// An absent member reads as null.
	if _, err := ParsePatchValue(jsondoc.Value{}, "patch_directives"); err == nil {
		t.Errorf("ParsePatchValue(absent) accepted it")
	}
	p, err := ParsePatchValue(mustParse(t, `[{"op":"replace","path":"/name","value":"Batch"}]`), "patch_directives")
	if err != nil {
		t.Fatal(err)
	}
	next, err := ApplyPatch(fullProcess(t), p, testActor)
	if err != nil || text(member(t, next, "name")) != `"Batch"` {
		t.Errorf("ApplyPatch = %v, %v", next, err)
	}
	// Errors of operations that cannot apply are prefixed too.
	for raw, want := range map[string]string{
		`[{"op":"remove","path":"/nope"}]`:                                "patch_directives[0].path: does not exist in the record",
		`[{"op":"test","path":"/name","value":"x"}]`:                      "patch_directives[0]: failed: the value at /name is not the value given",
		`[{"op":"add","path":"/exam_ids/9","value":"x"}]`:                 "patch_directives[0].path: is past the end of its array, which has 3 items",
		`[{"op":"remove","path":"/name"},{"op":"remove","path":"/name"}]`: "patch_directives[1].path: does not exist in the record",
	} {
		p, err := ParsePatchValue(mustParse(t, raw), "patch_directives")
		if err != nil {
			t.Fatal(err)
		}
		_, err = ApplyPatch(fullProcess(t), p, testActor)
		if got := invalid(t, err); !equalStrings(got, []string{want}) {
			t.Errorf("ApplyPatch(%s) fields %q, want %q", raw, got, want)
		}
	}
}

// TestParsePatchEmpty: an empty patch is valid; it changes nothing.
func TestParsePatchEmpty(t *testing.T) {
	for _, body := range []string{`[]`, " [\n] "} {
		t.Run(body, func(t *testing.T) {
			p, err := ParsePatch([]byte(body))
			if err != nil {
				t.Fatalf("ParsePatch(%q): %v", body, err)
			}
			if !p.IsEmpty() {
				t.Errorf("IsEmpty() = false")
			}
			current := fullProcess(t)
			next, err := ApplyPatch(current, p, testActor)
			if err != nil {
				t.Fatalf("ApplyPatch: %v", err)
			}
			if got, want := clientText(t, next), clientText(t, current); got != want {
				t.Errorf("an empty patch changed the record\n got %s\nwant %s", got, want)
			}
		})
	}
	p, err := ParsePatchValue(jsondoc.ArrayValue(nil), "patch_directives")
	if err != nil || !p.IsEmpty() {
		t.Errorf("ParsePatchValue([]) = %v, %v", p, err)
	}
	if mustParsePatch(t, `[{"op":"test","path":"/name","value":"x"}]`).IsEmpty() {
		t.Errorf("a patch with one test operation IsEmpty")
	}
}

// TestApplyPatchTestFailedIsDistinct: a failed test op is reported as such,
// not as an operation that could not apply.
func TestApplyPatchTestFailedIsDistinct(t *testing.T) {
	current := fullProcess(t)
	_, failed := ApplyPatch(current, mustParsePatch(t, `[{"op":"test","path":"/name","value":"x"}]`), testActor)
	_, missing := ApplyPatch(current, mustParsePatch(t, `[{"op":"remove","path":"/nope"}]`), testActor)
	if failed == nil || missing == nil || failed.Error() == missing.Error() {
		t.Errorf("failed test %v and missing path %v are not told apart", failed, missing)
	}
	if ErrorCode(failed) != EINVALID || ErrorCode(missing) != EINVALID {
		t.Errorf("codes: %s, %s", ErrorCode(failed), ErrorCode(missing))
	}
}

// TestApplyPatchTestOps covers test operations that the patch library gets
// wrong on its own (see applyOps): arrays holding null, which make it
// panic, and numbers written differently.
func TestApplyPatchTestOps(t *testing.T) {
	tests := []struct {
		name  string
		patch string
		pass  bool
	}{
		{"array holding null", `[{"op":"test","path":"/custom_field_values/0/list_value","value":["extra time",2,true,null,{"room":"B"}]}]`, true},
		{"array holding null, one element differs", `[{"op":"test","path":"/custom_field_values/0/list_value","value":["extra time",2,true,"x",{"room":"B"}]}]`, false},
		{"array holding null against one without", `[{"op":"test","path":"/custom_field_values/0/list_value","value":["extra time",2,true,false,{"room":"B"}]}]`, false},
		{"array of nulls against strings", `[{"op":"test","path":"/exam_ids","value":[null,null,null]}]`, false},
		{"nested arrays holding null", `[{"op":"add","path":"/checkout_settings/m","value":[[null],[1,null]]},{"op":"test","path":"/checkout_settings/m","value":[[null],[1.0,null]]}]`, true},
		{"object holding a null member", `[{"op":"test","path":"/checkout_settings/cancellation_fee_product_id","value":null}]`, true},
		{"a null member is not a string", `[{"op":"test","path":"/checkout_settings/cancellation_fee_product_id","value":""}]`, false},
		{"whole object, members in another order", `[{"op":"test","path":"/confirmation_email","value":{"bcc":"audit@example.com","cc":"cc@example.com",
			"reply_to":"help@example.com","from_name":"Exams Team","from":"exams@example.com","body":"<p>See you on exam day.</p>","subject":"You are registered"}}]`, true},
		{"whole object, one member more", `[{"op":"test","path":"/contact_form_options","value":{"contact_form_id":"contact-form-1","html":"<p>Check your details before you go on.</p>","x":null}}]`, false},
		{"numbers by value", `[{"op":"test","path":"/display_order","value":2.50},{"op":"test","path":"/sys_bulk_load_record_no","value":1.7e1}]`, true},
		{"integer against a fraction", `[{"op":"test","path":"/sys_bulk_load_record_no","value":17.5}]`, false},
		{"an absent member is not null: a test needs its path", `[{"op":"test","path":"/checkout_settings/absent","value":null}]`, false},
		{"an absent member is not false", `[{"op":"test","path":"/checkout_settings/absent","value":false}]`, false},
		{"an index past the end", `[{"op":"test","path":"/exam_ids/3","value":"x"}]`, false},
		{"the '-' index designates nothing", `[{"op":"test","path":"/exam_ids/-","value":"EXAM|c3"}]`, false},
		{"escaped member names", `[{"op":"add","path":"/checkout_settings/a~1b~0c","value":1},{"op":"test","path":"/checkout_settings/a~1b~0c","value":1}]`, true},
		{"tests see the operations before them", `[{"op":"test","path":"/name","value":"Initial registration"},{"op":"replace","path":"/name","value":"A"},
			{"op":"test","path":"/name","value":"A"},{"op":"move","from":"/exam_ids/0","path":"/exam_ids/-"},{"op":"test","path":"/exam_ids/2","value":"exam-a1"},
			{"op":"test","path":"/exam_ids/0","value":"exam_b2"}]`, true},
		{"numbers beyond float64 compare exactly", `[{"op":"add","path":"/checkout_settings/big","value":12345678901234567890123456789012345678},
			{"op":"test","path":"/checkout_settings/big","value":12345678901234567890123456789012345677}]`, false},
		{"numbers beyond float64 compare by value", `[{"op":"add","path":"/checkout_settings/big","value":12345678901234567890123456789012345678},
			{"op":"test","path":"/checkout_settings/big","value":1.2345678901234567890123456789012345678E+37}]`, true},
		{"an empty array is an empty array", `[{"op":"test","path":"/custom_field_values/0/table_value/1/slots","value":[]}]`, true},
		{"an empty array is not an empty object", `[{"op":"test","path":"/custom_field_values/0/table_value/1/slots","value":{}}]`, false},
		{"an empty array is not null", `[{"op":"test","path":"/custom_field_values/0/table_value/1/slots","value":null}]`, false},
		{"an empty object is not absent", `[{"op":"add","path":"/checkout_settings/e","value":{}},{"op":"test","path":"/checkout_settings/e","value":null}]`, false},
		{"zero and minus zero", `[{"op":"test","path":"/custom_field_values/0/numeric_value","value":-0.0e5}]`, true},
		{"a test after the change it guards fails", `[{"op":"replace","path":"/name","value":"A"},{"op":"test","path":"/name","value":"Initial registration"}]`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			current := fullProcess(t)
			before := snapshot(t, current)
			next, err := ApplyPatch(current, mustParsePatch(t, tt.patch), testActor)
			if snapshot(t, current) != before {
				t.Errorf("ApplyPatch modified current")
			}
			if tt.pass {
				if err != nil || next == nil {
					t.Errorf("ApplyPatch = %v, %v; want success", next, err)
				}
				return
			}
			if got := invalid(t, err); len(got) != 1 || !strings.Contains(got[0], ": failed: the value at /") || next != nil || !strings.Contains(err.Error(), "test") {
				t.Errorf("ApplyPatch = %v, %v (fields %q); want a failed test", next, err, got)
			}
		})
	}
}

// TestApplyPatchCopyBound: copies alternating with tests cannot grow the
// document without end: the patch stops once its copies pass
// jsondoc.MaxCopyBytes, quickly, naming the copy.
func TestApplyPatchCopyBound(t *testing.T) {
	ops := []string{`{"op":"add","path":"/checkout_settings/big","value":"` + strings.Repeat("x", 250_000) + `"}`}
	for i := range 400 {
		ops = append(ops, fmt.Sprintf(`{"op":"copy","from":"/checkout_settings/big","path":"/checkout_settings/b%d"}`, i),
			`{"op":"test","path":"/name","value":"Initial registration"}`)
	}
	current := fullProcess(t)
	start := time.Now()
	next, err := ApplyPatch(current, mustParsePatch(t, "["+strings.Join(ops, ",")+"]"), testActor)
	if got := invalid(t, err); !equalStrings(got, []string{"[9]: copies more than 1048576 bytes in all"}) || next != nil {
		t.Errorf("ApplyPatch = %v, %v (fields %q); want the growth bound", next, err, got)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("ApplyPatch took %v", d)
	}
	// Growth that ends within the bound is fine: the temporary copy goes.
	ok := `[{"op":"copy","from":"/checkout_settings","path":"/checkout_settings/tmp"},{"op":"test","path":"/name","value":"Initial registration"},
		{"op":"remove","path":"/checkout_settings/tmp"}]`
	if _, err := ApplyPatch(current, mustParsePatch(t, ok), testActor); err != nil {
		t.Errorf("ApplyPatch(%s): %v", ok, err)
	}
}
