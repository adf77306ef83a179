package examreg

import (
	"strings"
	"testing"

	"github.com/certhub/examreg/pkg/jsondoc"
)

// exactEqual reports whether v and w are the same JSON value with every
// number written the same way: Equal, but numbers by their literal. It is
// how the tests check that a value was kept exactly.
func exactEqual(v, w jsondoc.Value) bool { return text(sortedMembers(v)) == text(sortedMembers(w)) }

// sameExactly fails unless got and want are exactly the same JSON value.
func sameExactly(t testing.TB, what string, got, want jsondoc.Value) {
	t.Helper()
	if !exactEqual(got, want) {
		t.Errorf("%s\n got %s\nwant %s", what, text(got), text(want))
	}
}

// TestParseJSONTruncated: a document that stops before its value is
// complete is refused in words a client understands, not with the reader's
// "unexpected EOF".
func TestParseJSONTruncated(t *testing.T) {
	for _, doc := range []string{`{"name":`, `[`, `{"a":"x`, `{"a`, `[1,`, `tru`, `"abc`, `-`, `1e`} {
		t.Run(doc, func(t *testing.T) {
			_, err := ParseJSON([]byte(doc))
			if err == nil || ErrorCode(err) != EINVALID {
				t.Fatalf("ParseJSON(%q) = %v", doc, err)
			}
			if got, want := err.Error(), "invalid JSON: the document ends before the value does"; got != want {
				t.Errorf("ParseJSON(%q) = %q, want %q", doc, got, want)
			}
		})
	}
}

// processBody is a create body: the required members of
// testdata/process_minimal.json, with the members given as name and JSON
// text pairs put in their place or added, in that order.
func processBody(pairs ...string) string {
	members := [][2]string{
		{"name", `"Retake"`},
		{"type", `"retest"`},
		{"exam_ids", `["exam-a1"]`},
		{"contact_form_options", `{"contact_form_id":"contact-form-1"}`},
		{"checkout_settings", `{"bank_account_id":"bank-1","business_unit_id":"bu-9"}`},
		{"confirmation_email", `{"subject":"Registered","body":"Done."}`},
	}
next:
	for i := 0; i+1 < len(pairs); i += 2 {
		for j := range members {
			if members[j][0] == pairs[i] {
				members[j][1] = pairs[i+1]
				continue next
			}
		}
		members = append(members, [2]string{pairs[i], pairs[i+1]})
	}
	parts := make([]string, len(members))
	for i, m := range members {
		parts[i] = jsondoc.StringValue(m[0]).String() + ":" + m[1]
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// checkout is a checkout_settings object: the two required members, then
// the members given as JSON text.
func checkout(members string) string {
	if members == "" {
		return `{"bank_account_id":"bank-1","business_unit_id":"bu-9"}`
	}
	return `{"bank_account_id":"bank-1","business_unit_id":"bu-9",` + members + `}`
}

// customField is a custom_field_values array of one value with id a__c and
// the members given as JSON text.
func customField(members string) string {
	return `[{"custom_field_id":"a__c",` + members + `}]`
}

// TestDuplicateMemberNames: a member name given twice in one object is
// refused wherever it is, as a 400 naming the member's path, before anything
// else about the body is looked at.
func TestDuplicateMemberNames(t *testing.T) {
	const dup = "is given more than once"
	tests := []struct {
		name  string
		body  string
		field string
	}{
		{"top level", `{"name":"a","name":"b"}`, "name"},
		{"top level, same value", strings.Replace(processBody(), `"type":"retest"`, `"type":"retest","type":"retest"`, 1), "type"},
		{"top level, different values", strings.Replace(processBody(), `"name":"Retake"`, `"name":"Retake","name":"Other"`, 1), "name"},
		{"top level, null and a value", strings.Replace(processBody(), `"name":"Retake"`, `"description":null,"name":"Retake","description":"x"`, 1), "description"},
		{"top level, an escaped name", strings.Replace(processBody(), `"name":"Retake"`, `"name":"Retake","n\u0061me":"Other"`, 1), "name"},
		{"top level, far apart", strings.Replace(processBody("description", `"x"`), `"name":"Retake"`, `"description":"y","name":"Retake"`, 1), "description"},
		{"top level, an unknown field", strings.Replace(processBody(), `"name":"Retake"`, `"zeta":1,"name":"Retake","zeta":2`, 1), "zeta"},
		{"typed object", processBody("contact_form_options", `{"contact_form_id":"a","html":"h","contact_form_id":"b"}`), "contact_form_options.contact_form_id"},
		{"typed object in an array", processBody("custom_field_values", `[{"custom_field_id":"a__c"},{"custom_field_id":"b__c","string_value":"x","string_value":"y"}]`),
			"custom_field_values[1].string_value"},
		{"confirmation_email", processBody("confirmation_email", `{"subject":"s","body":"b","subject":"s"}`), "confirmation_email.subject"},
		{"checkout_settings", processBody("checkout_settings", checkout(`"x":1,"x":2`)), "checkout_settings.x"},
		{"checkout_settings, a required member", processBody("checkout_settings", checkout(`"bank_account_id":"other"`)), "checkout_settings.bank_account_id"},
		{"nested in checkout_settings", processBody("checkout_settings", checkout(`"a":{"b":[1,{"c":{},"c":[]}]}`)), "checkout_settings.a.b[1].c"},
		{"an object in list_value", processBody("custom_field_values", customField(`"list_value":[1,{"k":1,"k":1}]`)), "custom_field_values[0].list_value[1].k"},
		{"deep in list_value", processBody("custom_field_values", customField(`"list_value":[[[{"a":{"b":null,"b":null}}]]]`)), "custom_field_values[0].list_value[0][0][0].a.b"},
		{"a table_value row", processBody("custom_field_values", customField(`"table_value":[{},{"day":"mon","slots":[],"day":"tue"}]`)), "custom_field_values[0].table_value[1].day"},
		{"names with dots and slashes", processBody("checkout_settings", checkout(`"a.b/c":{"~0":1,"~0":2}`)), "checkout_settings.a.b/c.~0"},
		{"unicode names", processBody("checkout_settings", checkout(`"é":1,"\u00e9":2`)), "checkout_settings.é"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, id := range []string{"", "rec-1"} {
				p, err := DecodeProcess([]byte(tt.body), id)
				if p != nil || err == nil {
					t.Fatalf("DecodeProcess(%s) accepted it", tt.body)
				}
				if got, want := invalid(t, err), []string{tt.field + ": " + dup}; !equalStrings(got, want) {
					t.Errorf("DecodeProcess(%s) fields %q, want %q", tt.body, got, want)
				}
				if !strings.Contains(err.Error(), "repeated") {
					t.Errorf("message %q", err)
				}
				checkClean(t, err)
			}
			if _, err := DecodeLoadedProcess([]byte(tt.body)); err == nil {
				t.Errorf("DecodeLoadedProcess accepted it")
			}
		})
	}
	// Names that only look alike are different names.
	t.Run("look-alikes are distinct", func(t *testing.T) {
		body := processBody("checkout_settings", checkout(`"é":1,"e\u0301":2,"A":3,"a":4,"a ":5,"k":6,"K":7`))
		p, err := DecodeProcess([]byte(body), "")
		if err != nil {
			t.Fatal(err)
		}
		if n := len(member(t, p, "checkout_settings").Members()); n != 9 {
			t.Errorf("checkout_settings has %d members, want 9", n)
		}
	})
	// The same name in different objects is no duplicate.
	t.Run("the same name in sibling objects", func(t *testing.T) {
		body := processBody("checkout_settings", checkout(`"a":{"x":1},"b":{"x":1,"a":{"x":2}}`),
			"custom_field_values", customField(`"table_value":[{"x":1},{"x":1}]`))
		if _, err := DecodeProcess([]byte(body), ""); err != nil {
			t.Errorf("DecodeProcess: %v", err)
		}
	})
	// An empty name given twice is refused too, although the path has no way
	// to spell it.
	t.Run("an empty name twice", func(t *testing.T) {
		for _, body := range []string{`{"":1,"":2}`, processBody("checkout_settings", checkout(`"":1,"":2`))} {
			_, err := DecodeProcess([]byte(body), "")
			if got := invalid(t, err); len(got) != 1 || !strings.HasSuffix(got[0], ": "+dup) {
				t.Errorf("DecodeProcess(%s) fields %q", body, got)
			}
		}
	})
}

// TestDuplicateMemberNamesInPatches: a patch document with a member given
// twice (RFC 6902 A.13: an operation with two "op"s is not a valid patch)
// is refused, naming the member.
func TestDuplicateMemberNamesInPatches(t *testing.T) {
	tests := []struct {
		name  string
		patch string
		field string
	}{
		{"op twice (RFC 6902 A.13)", `[{"op":"add","path":"/baz","value":"qux","op":"remove"}]`, "[0].op"},
		{"op twice, same value", `[{"op":"remove","path":"/description"},{"op":"remove","op":"remove","path":"/description"}]`, "[1].op"},
		{"path twice", `[{"op":"remove","path":"/description","path":"/name"}]`, "[0].path"},
		{"from twice", `[{"op":"copy","from":"/name","path":"/description","from":"/type"}]`, "[0].from"},
		{"value twice", `[{"op":"replace","path":"/name","value":"a","value":"b"}]`, "[0].value"},
		{"an unknown member twice", `[{"op":"replace","path":"/name","value":"a","x":1,"x":1}]`, "[0].x"},
		{"a value holding duplicates", `[{"op":"add","path":"/checkout_settings/x","value":{"k":1,"k":2}}]`, "[0].value.k"},
		{"deep in a value", `[{"op":"add","path":"/checkout_settings/x","value":[{"a":[{"k":1,"k":2}]}]}]`, "[0].value[0].a[0].k"},
		{"a test value holding duplicates", `[{"op":"test","path":"/contact_form_options","value":{"contact_form_id":"a","contact_form_id":"a"}}]`, "[0].value.contact_form_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePatch([]byte(tt.patch))
			if p != nil {
				t.Errorf("ParsePatch accepted it")
			}
			if got, want := invalid(t, err), []string{tt.field + ": is given more than once"}; !equalStrings(got, want) {
				t.Errorf("fields %q, want %q", got, want)
			}
			checkClean(t, err)
		})
	}
	// In a larger body (a batch), the path runs from that body's root.
	_, err := ParseJSON([]byte(`{"operations":[{"id":"x"},{"patch_directives":[{"op":"remove","path":"/a","op":"add"}]}]}`))
	if got, want := invalid(t, err), []string{"operations[1].patch_directives[0].op: is given more than once"}; !equalStrings(got, want) {
		t.Errorf("fields %q, want %q", got, want)
	}
}

// TestDuplicateMemberNamesInDocuments: exams and registrations are read
// strictly too.
func TestDuplicateMemberNamesInDocuments(t *testing.T) {
	if _, err := DecodeExam([]byte(`{"id":"e","name":"a","name":"b"}`)); !equalStrings(invalid(t, err), []string{"name: is given more than once"}) {
		t.Errorf("DecodeExam: %v", err)
	}
	if _, err := DecodeRegistration([]byte(`{"status":"failed","status":"passed"}`)); !equalStrings(invalid(t, err), []string{"status: is given more than once"}) {
		t.Errorf("DecodeRegistration: %v", err)
	}
}
