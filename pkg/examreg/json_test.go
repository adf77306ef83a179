package examreg

import (
	"strings"
	"testing"
)

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
		{"invalid UTF-8 in a member name", "{\"n\xc3\":1}", "UTF-8", nil},
		{"invalid UTF-8 outside strings", "{}\xc0", "after the JSON value", nil},
		{"a lone surrogate escape", `{"name":"\udc00"}`, "surrogate", nil},
		{"not JSON", "name=x", "JSON", nil},
		{"truncated JSON", `{"name":`, "JSON", nil},
		{"truncated string", `{"name":"x`, "JSON", nil},
		{"single quotes", `{'name':'x'}`, "JSON", nil},
		{"trailing comma", `{"name":"x",}`, "JSON", nil},
		{"NaN", `{"display_order":NaN}`, "JSON", nil},
		{"leading zero", `{"display_order":01}`, "JSON", nil},
		{"comment", `{"name":"x"/* */}`, "JSON", nil},
		{"trailing value", `{} {}`, "after the JSON value", nil},
		{"trailing garbage", `{"name":"x"}x`, "after the JSON value", nil},
		{"trailing bracket", `{}]`, "after the JSON value", nil},
		{"duplicate member", `{"name":"a","name":"b"}`, "repeated", []string{"name: is given more than once"}},
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
				checkClean(t, err)
			}
		})
	}
	// Trailing whitespace is not data.
	if _, err := DecodeProcess(append(readFixture(t, "process_minimal.json"), " \n\t\r\n"...), ""); err != nil {
		t.Errorf("trailing whitespace: %v", err)
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
		`"\udc00\ud800"`:         true, // a pair in the wrong order
		`{"k\ud800":1}`:          true,
		`["\\", "\ud800\udc00"]`: false,
	} {
		v, err := ParseJSON([]byte(body))
		if (err != nil) != refused {
			t.Errorf("%s: error %v, want refused %v", body, err, refused)
		}
		if err != nil {
			checkClean(t, err)
			if ErrorCode(err) != EINVALID {
				t.Errorf("%s: code %s", body, ErrorCode(err))
			}
		} else if body == `"\ud83d\ude00"` && v.Text() != "😀" {
			t.Errorf("%s = %q", body, v.Text())
		}
	}
}
