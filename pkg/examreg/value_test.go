package examreg

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// exactEqual reports whether v and w are the same JSON value with every
// number written the same way: Equal, but numbers by their literal. It is
// how the tests check that a value was kept exactly.
func exactEqual(v, w Value) bool {
	if v.Kind() != w.Kind() {
		return false
	}
	switch v.Kind() {
	case KindArray:
		if len(v.Items()) != len(w.Items()) {
			return false
		}
		for i := range v.Items() {
			if !exactEqual(v.Items()[i], w.Items()[i]) {
				return false
			}
		}
		return true
	case KindObject:
		if len(v.Members()) != len(w.Members()) {
			return false
		}
		for _, m := range v.Members() {
			x, ok := w.Member(m.Name)
			if !ok || !exactEqual(m.Value, x) {
				return false
			}
		}
		return true
	case KindBool:
		return v.Bool() == w.Bool()
	}
	return v.Text() == w.Text()
}

// sameExactly fails unless got and want are exactly the same JSON value.
func sameExactly(t testing.TB, what string, got, want Value) {
	t.Helper()
	if !exactEqual(got, want) {
		t.Errorf("%s\n got %s\nwant %s", what, text(got), text(want))
	}
}

func TestValueConstructors(t *testing.T) {
	tests := []struct {
		name string
		v    Value
		kind Kind
		json string
		text string
	}{
		{"zero", Value{}, KindNull, `null`, ""},
		{"null", NullValue(), KindNull, `null`, ""},
		{"true", BoolValue(true), KindBool, `true`, ""},
		{"false", BoolValue(false), KindBool, `false`, ""},
		{"int", IntValue(-42), KindNumber, `-42`, "-42"},
		{"number literal", NumberValue("1.50E+3"), KindNumber, `1.50E+3`, "1.50E+3"},
		{"string", StringValue("a\"b\\c\n"), KindString, `"a\"b\\c\n"`, "a\"b\\c\n"},
		{"empty string", StringValue(""), KindString, `""`, ""},
		{"nil array", ArrayValue(nil), KindArray, `[]`, ""},
		{"nil object", ObjectValue(nil), KindObject, `{}`, ""},
		{"array", ArrayValue([]Value{IntValue(1), ArrayValue(nil), ObjectValue(nil), NullValue()}), KindArray, `[1,[],{},null]`, ""},
		{"object keeps its order", ObjectValue([]Member{{"b", IntValue(1)}, {"a", StringValue("x")}}), KindObject, `{"b":1,"a":"x"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.v.Kind() != tt.kind {
				t.Errorf("Kind() = %d, want %d", tt.v.Kind(), tt.kind)
			}
			if got := text(tt.v); got != tt.json {
				t.Errorf("AppendJSON = %s, want %s", got, tt.json)
			}
			if got := tt.v.Text(); got != tt.text {
				t.Errorf("Text() = %q, want %q", got, tt.text)
			}
			if tt.v.Bool() != (tt.json == "true") {
				t.Errorf("Bool() = %v", tt.v.Bool())
			}
			// What AppendJSON writes, ParseJSON reads back as the same value.
			back, err := ParseJSON(AppendJSON(nil, tt.v))
			if err != nil || !exactEqual(back, tt.v) {
				t.Errorf("ParseJSON(AppendJSON) = %s, %v", text(back), err)
			}
		})
	}
	// AppendJSON appends.
	if got := string(AppendJSON([]byte("x="), IntValue(1))); got != "x=1" {
		t.Errorf("AppendJSON appends: %s", got)
	}
}

func TestValueMember(t *testing.T) {
	v := mustParse(t, `{"a":1,"b":null,"":"empty"}`)
	for name, want := range map[string]string{"a": "1", "b": "null", "": `"empty"`} {
		if got, ok := v.Member(name); !ok || text(got) != want {
			t.Errorf("Member(%q) = %s, %v", name, text(got), ok)
		}
	}
	if got, ok := v.Member("c"); ok || got.Kind() != KindNull {
		t.Errorf("Member(c) = %s, %v", text(got), ok)
	}
	// Member of something that is not an object is absent.
	for _, s := range []string{`[1]`, `"a"`, `1`, `null`} {
		if _, ok := mustParse(t, s).Member("a"); ok {
			t.Errorf("%s has a member", s)
		}
	}
	if items := mustParse(t, `[1,"a"]`).Items(); len(items) != 2 || items[1].Text() != "a" {
		t.Errorf("Items() = %v", items)
	}
}

func TestValueEqual(t *testing.T) {
	tests := []struct {
		a, b  string
		equal bool
	}{
		{`null`, `null`, true},
		{`true`, `true`, true},
		{`true`, `false`, false},
		{`false`, `null`, false},
		{`0`, `false`, false},
		{`""`, `null`, false},
		{`"a"`, `"a"`, true},
		{`"a"`, `"A"`, false},
		{`"é"`, `"\u00e9"`, true},
		{`"é"`, `"e\u0301"`, false}, // no Unicode normalisation
		{`2.5`, `2.50`, true},
		{`2.5`, `25e-1`, true},
		{`100`, `1E2`, true},
		{`100`, `1e+2`, true},
		{`0`, `-0`, true},
		{`0`, `0e999`, true},
		{`0.0`, `-0.000e-5`, true},
		{`1`, `1.0000000000000000000000000000000000001`, false},
		{`12345678901234567890123456789012345678`, `12345678901234567890123456789012345677`, false},
		{`12345678901234567890123456789012345678`, `1.2345678901234567890123456789012345678E37`, true},
		{`1`, `"1"`, false},
		{`-1`, `1`, false},
		{`[]`, `[]`, true},
		{`[]`, `{}`, false},
		{`[]`, `null`, false},
		{`{}`, `null`, false},
		{`[1,2]`, `[2,1]`, false},
		{`[1,2]`, `[1,2,3]`, false},
		{`[[],{}]`, `[[],{}]`, true},
		{`{"a":1,"b":[2]}`, `{"b":[2.0],"a":1}`, true},
		{`{"a":1}`, `{"a":1,"b":2}`, false},
		{`{"a":1,"b":2}`, `{"a":1,"c":2}`, false},
		{`{"a":null}`, `{}`, false},
		{`{"a":{"b":{}}}`, `{"a":{"b":[]}}`, false},
	}
	for _, tt := range tests {
		a, b := mustParse(t, tt.a), mustParse(t, tt.b)
		if got := a.Equal(b); got != tt.equal {
			t.Errorf("%s.Equal(%s) = %v, want %v", tt.a, tt.b, got, tt.equal)
		}
		if got := b.Equal(a); got != tt.equal {
			t.Errorf("%s.Equal(%s) = %v, want %v", tt.b, tt.a, got, tt.equal)
		}
	}
}

// TestValueInterface: Interface gives what encoding/json decodes with
// UseNumber, numbers keeping their literal and empty containers staying
// empty (not nil).
func TestValueInterface(t *testing.T) {
	for _, doc := range []string{
		`null`, `true`, `false`, `"x"`, `12345678901234567890123456789012345678`, `2.50`, `-0`, `1E-130`,
		`[]`, `{}`, `[[],{},null]`, `{"a":{"b":[1,{"c":[]}]},"d":"\u2028"}`,
	} {
		b, err := json.Marshal(mustParse(t, doc).Interface())
		if err != nil || canonical(t, b) != canonical(t, []byte(doc)) {
			t.Errorf("Interface(%s) marshals as %s, %v", doc, b, err)
		}
	}
	if n, ok := IntValue(7).Interface().(json.Number); !ok || n != "7" {
		t.Errorf("Interface(7) = %#v", IntValue(7).Interface())
	}
}

// TestParseJSON: the strict reader keeps what it reads exactly.
func TestParseJSON(t *testing.T) {
	t.Run("member order and literals are kept", func(t *testing.T) {
		v := mustParse(t, ` {"b":1.0e+2,"a":[],"c":{},"d":-0,"e":"\u00e9\ud83d\ude00"} `)
		var names []string
		for _, m := range v.Members() {
			names = append(names, m.Name)
		}
		if strings.Join(names, ",") != "b,a,c,d,e" {
			t.Errorf("names %q", names)
		}
		if got, want := text(v), `{"b":1.0e+2,"a":[],"c":{},"d":-0,"e":"é😀"}`; got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
	t.Run("a scalar document", func(t *testing.T) {
		for _, doc := range []string{`1`, `"s"`, `true`, `null`, `-1.5e-7`} {
			if got := text(mustParse(t, doc)); got != doc {
				t.Errorf("ParseJSON(%s) = %s", doc, got)
			}
		}
	})
	t.Run("deep nesting is refused cleanly", func(t *testing.T) {
		doc := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
		_, err := ParseJSON([]byte(doc))
		if err == nil || ErrorCode(err) != EINVALID {
			t.Fatalf("ParseJSON(20000 levels) = %v", err)
		}
		checkClean(t, err)
	})
	t.Run("errors", func(t *testing.T) {
		for _, doc := range []string{``, ` `, `{`, `[1,]`, `{"a"}`, `{"a":1,}`, `[1 2]`, `{a:1}`, `'a'`, `01`, `1.`, `.5`, `+1`,
			`NaN`, `Infinity`, `[1]]`, `nul`, `"\x"`, "\"\t\"", "\"a\xffb\"", `"\ud800"`, `{"a":1}{`, "\xef\xbb\xbf{}"} {
			v, err := ParseJSON([]byte(doc))
			if err == nil {
				t.Errorf("ParseJSON(%q) = %s, want an error", doc, text(v))
				continue
			}
			if got := invalid(t, err); got != nil {
				t.Errorf("ParseJSON(%q) fields %q", doc, got)
			}
			if !strings.Contains(err.Error(), "JSON") {
				t.Errorf("ParseJSON(%q) = %q does not say JSON", doc, err)
			}
			checkClean(t, err)
		}
	})
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

// TestAppendString: every string is written as valid JSON that reads back
// as the same string; invalid UTF-8 (which no parsed string holds) becomes
// U+FFFD rather than breaking the document.
func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "plain", `"quoted" \ back`, "\x00\x01\x1f\x7f", "\t\n\r\b\f", "\u2028\u2029", "</script>&<!--",
		"é😀", "\ufeff", strings.Repeat("x", 70000)} {
		b := AppendString(nil, s)
		v, err := ParseJSON(b)
		if err != nil || v.Kind() != KindString || v.Text() != s {
			t.Errorf("AppendString(%.40q) = %.60s, reads back as %.40q, %v", s, b, v.Text(), err)
		}
	}
	b := AppendString(nil, "a\xffb")
	if v, err := ParseJSON(b); err != nil || v.Text() != "a\ufffdb" || !utf8.Valid(b) {
		t.Errorf("AppendString(invalid UTF-8) = %q (%v)", b, err)
	}
	// A security context built from a request header with invalid UTF-8
	// still writes valid JSON.
	a := testActor
	a.UserAgent = "agent\xc0"
	p := NewProcess(storedProcess(t, readFixture(t, "process_minimal.json")), "x", a)
	if _, err := ParseJSON(p.AppendJSON(nil)); err != nil {
		t.Errorf("a record stamped with invalid UTF-8 writes invalid JSON: %v", err)
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
		parts[i] = string(AppendString(nil, m[0])) + ":" + m[1]
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
