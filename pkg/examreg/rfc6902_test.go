package examreg

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/certhub/examreg/pkg/jsondoc"
)

// rfc6902Example is an example of RFC 6902 Appendix A: the document the
// patch applies to, the patch, and either the resulting document or the
// error a client gets.
type rfc6902Example struct {
	name   string
	doc    string
	patch  string
	result string // the resulting document, when the patch applies
	err    string // otherwise the one field error, with <p> for the prefix of the paths
}

// rfc6902Examples reads the examples pkg/jsondoc is tested on, and words
// their failures as a client reads them.
func rfc6902Examples(t testing.TB) []rfc6902Example {
	t.Helper()
	all := mustParse(t, string(readFile(t, "../jsondoc/testdata/rfc6902-appendix-a.json")))
	var examples []rfc6902Example
	for _, item := range all.Items() {
		doc, _ := item.Member("doc")
		patch, _ := item.Member("patch")
		ex := rfc6902Example{name: item.MemberText("name"), doc: text(doc), patch: text(patch)}
		if result, ok := item.Member("result"); ok {
			ex.result = text(result)
		}
		if e, ok := item.Member("error"); ok {
			ex.err = "[0]." + e.MemberText("member") + ": " + e.MemberText("reason") + " in the record"
			if e.MemberText("member") == "" {
				ex.err = "[0]: failed: the value at <p>" + patch.Items()[0].MemberText("path") + " is not the value given"
			}
		}
		examples = append(examples, ex)
	}
	return examples
}

// rfcPlacement puts an example document inside a free-form member of a
// record: body is the create body holding it, prefix the JSON Pointer of the
// document in the record, and placed the member as a JSON Value, given the
// document.
type rfcPlacement struct {
	name   string
	body   func(doc string) string
	prefix string
	placed func(doc string) (member string, value string)
}

var rfcPlacements = []rfcPlacement{
	{
		name: "checkout_settings",
		body: func(doc string) string {
			return processBody("checkout_settings", checkout(strings.TrimSuffix(strings.TrimPrefix(doc, "{"), "}")))
		},
		prefix: "/checkout_settings",
		placed: func(doc string) (string, string) {
			return "checkout_settings", checkout(strings.TrimSuffix(strings.TrimPrefix(doc, "{"), "}"))
		},
	},
	{
		name: "table_value row",
		body: func(doc string) string {
			return processBody("custom_field_values", customField(`"table_value":[`+doc+`]`))
		},
		prefix: "/custom_field_values/0/table_value/0",
		placed: func(doc string) (string, string) {
			return "custom_field_values", customField(`"table_value":[` + doc + `]`)
		},
	},
	{
		name: "list_value item",
		body: func(doc string) string {
			return processBody("custom_field_values", customField(`"list_value":[true,`+doc+`]`))
		},
		prefix: "/custom_field_values/0/list_value/1",
		placed: func(doc string) (string, string) {
			return "custom_field_values", customField(`"list_value":[true,` + doc + `]`)
		},
	},
}

// prefixPaths returns the patch with prefix put before every path and from.
func prefixPaths(t testing.TB, patch, prefix string) string {
	t.Helper()
	ops := mustParse(t, patch)
	out := make([]jsondoc.Value, len(ops.Items()))
	for i, op := range ops.Items() {
		members := make([]jsondoc.Member, len(op.Members()))
		for j, m := range op.Members() {
			if m.Name == "path" || m.Name == "from" {
				m.Value = jsondoc.StringValue(prefix + m.Value.Text())
			}
			members[j] = m
		}
		out[i] = jsondoc.ObjectValue(members)
	}
	return text(jsondoc.ArrayValue(out))
}

// TestRFC6902Examples applies each example of RFC 6902 Appendix A with its
// document inside each free-form member of a record, the patch's paths
// prefixed accordingly: the patches that succeed give the RFC's result, the
// others a 400 naming the operation.
func TestRFC6902Examples(t *testing.T) {
	for _, place := range rfcPlacements {
		for _, ex := range rfc6902Examples(t) {
			t.Run(place.name+"/"+ex.name, func(t *testing.T) {
				p, err := DecodeProcess([]byte(place.body(ex.doc)), "")
				if err != nil {
					t.Fatalf("DecodeProcess: %v", err)
				}
				current := NewProcess(p, "rec-1", testActor)
				before := snapshot(t, current)
				patch := prefixPaths(t, ex.patch, place.prefix)
				parsed, err := ParsePatch([]byte(patch))
				if err != nil {
					t.Fatalf("ParsePatch(%s): %v", patch, err)
				}
				next, err := ApplyPatch(current, parsed, testActor)
				if snapshot(t, current) != before {
					t.Errorf("ApplyPatch modified current")
				}
				if ex.err != "" {
					want := strings.ReplaceAll(ex.err, "<p>", place.prefix)
					if next != nil {
						t.Errorf("ApplyPatch(%s) = %s, want an error", patch, next.AppendJSON(nil))
					}
					if got := invalid(t, err); !equalStrings(got, []string{want}) {
						t.Errorf("ApplyPatch(%s) fields %q, want %q", patch, got, want)
					}
					checkClean(t, err)
					return
				}
				if err != nil {
					t.Fatalf("ApplyPatch(%s): %v", patch, err)
				}
				name, value := place.placed(ex.result)
				sameExactly(t, name, member(t, next, name), mustParse(t, value))
				// Nothing else changed.
				for _, m := range clientDoc(current).Members() {
					if m.Name != name {
						sameExactly(t, m.Name, member(t, next, m.Name), m.Value)
					}
				}
			})
		}
	}
}

// TestRFC6902InvalidDocument: RFC 6902 A.13, an operation with "op" twice,
// is not a valid patch document; ParsePatch refuses it naming the member.
func TestRFC6902InvalidDocument(t *testing.T) {
	for _, place := range rfcPlacements {
		t.Run(place.name, func(t *testing.T) {
			patch := `[{"op":"add","path":"` + place.prefix + `/baz","value":"qux","op":"remove"}]`
			p, err := ParsePatch([]byte(patch))
			if p != nil {
				t.Errorf("ParsePatch accepted it")
			}
			if got, want := invalid(t, err), []string{"[0].op: is given more than once"}; !equalStrings(got, want) {
				t.Errorf("fields %q, want %q", got, want)
			}
			checkClean(t, err)
		})
	}
}

// TestPatchCustomFieldValues: appending a custom field value with "-", and
// removing the last one, which leaves an empty array (not an absent member).
func TestPatchCustomFieldValues(t *testing.T) {
	tests := []struct {
		name   string
		values string // custom_field_values before
		patch  string
		want   string // custom_field_values after
	}{
		{"append to two", `[{"custom_field_id":"a__c"},{"custom_field_id":"b__c"}]`,
			`[{"op":"add","path":"/custom_field_values/-","value":{"custom_field_id":"c__c","list_value":[]}}]`,
			`[{"custom_field_id":"a__c"},{"custom_field_id":"b__c"},{"custom_field_id":"c__c","list_value":[]}]`},
		{"append to none", `[]`,
			`[{"op":"add","path":"/custom_field_values/-","value":{"custom_field_id":"c__c"}}]`,
			`[{"custom_field_id":"c__c"}]`},
		{"append at the index of the end", `[{"custom_field_id":"a__c"}]`,
			`[{"op":"add","path":"/custom_field_values/1","value":{"custom_field_id":"c__c"}}]`,
			`[{"custom_field_id":"a__c"},{"custom_field_id":"c__c"}]`},
		{"remove the last one", `[{"custom_field_id":"a__c","table_value":[{}]}]`,
			`[{"op":"remove","path":"/custom_field_values/0"}]`, `[]`},
		{"remove both", `[{"custom_field_id":"a__c"},{"custom_field_id":"b__c"}]`,
			`[{"op":"remove","path":"/custom_field_values/1"},{"op":"remove","path":"/custom_field_values/0"}]`, `[]`},
		{"empty a table_value", `[{"custom_field_id":"a__c","table_value":[{"x":1}]}]`,
			`[{"op":"remove","path":"/custom_field_values/0/table_value/0"}]`, `[{"custom_field_id":"a__c","table_value":[]}]`},
		{"empty a list_value", `[{"custom_field_id":"a__c","list_value":[1]}]`,
			`[{"op":"remove","path":"/custom_field_values/0/list_value/0"}]`, `[{"custom_field_id":"a__c","list_value":[]}]`},
		{"empty a table_value row", `[{"custom_field_id":"a__c","table_value":[{"x":1}]}]`,
			`[{"op":"remove","path":"/custom_field_values/0/table_value/0/x"}]`, `[{"custom_field_id":"a__c","table_value":[{}]}]`},
		{"move a custom field value", `[{"custom_field_id":"a__c"},{"custom_field_id":"b__c"}]`,
			`[{"op":"move","from":"/custom_field_values/0","path":"/custom_field_values/-"}]`, `[{"custom_field_id":"b__c"},{"custom_field_id":"a__c"}]`},
		{"copy a custom field value", `[{"custom_field_id":"a__c","numeric_value":1.50}]`,
			`[{"op":"copy","from":"/custom_field_values/0","path":"/custom_field_values/0"},{"op":"replace","path":"/custom_field_values/0/custom_field_id","value":"b__c"}]`,
			`[{"custom_field_id":"b__c","numeric_value":1.50},{"custom_field_id":"a__c","numeric_value":1.50}]`},
		{"move onto itself changes nothing", `[{"custom_field_id":"a__c","list_value":[[]]}]`,
			`[{"op":"move","from":"/custom_field_values/0/list_value","path":"/custom_field_values/0/list_value"}]`,
			`[{"custom_field_id":"a__c","list_value":[[]]}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := DecodeProcess([]byte(processBody("custom_field_values", tt.values)), "")
			if err != nil {
				t.Fatal(err)
			}
			next, err := ApplyPatch(NewProcess(p, "rec-1", testActor), mustParsePatch(t, tt.patch), testActor)
			if err != nil {
				t.Fatalf("ApplyPatch: %v", err)
			}
			sameExactly(t, "custom_field_values", member(t, next, "custom_field_values"), mustParse(t, tt.want))
		})
	}
}

// TestPatchArrayIndexes: RFC 6901 writes an array index as digits without
// a sign or a leading zero ("0", "1", ..., and "-" past the end for add).
// Anything else that reaches into an array is refused, with a message in
// the terms of the record.
func TestPatchArrayIndexes(t *testing.T) {
	const (
		notIndex = "does not end in an array index (0, 1, … or - to append)"
		missing  = "does not exist in the record"
	)
	type op struct {
		name  string
		patch string // with X for the index
		want  string // the one field error; X for the index
	}
	ops := []op{
		{"add", `[{"op":"add","path":"/exam_ids/X","value":"e-9"}]`, "[0].path: " + notIndex},
		{"remove", `[{"op":"remove","path":"/exam_ids/X"}]`, "[0].path: " + missing},
		{"replace", `[{"op":"replace","path":"/exam_ids/X","value":"e-9"}]`, "[0].path: " + missing},
		{"copy from", `[{"op":"copy","from":"/exam_ids/X","path":"/description"}]`, "[0].from: " + missing},
		{"move from", `[{"op":"move","from":"/exam_ids/X","path":"/description"}]`, "[0].from: " + missing},
		{"copy to", `[{"op":"copy","from":"/name","path":"/exam_ids/X"}]`, "[0].path: " + notIndex},
		{"test", `[{"op":"test","path":"/exam_ids/X","value":"exam_b2"}]`, "[0]: failed: the value at /exam_ids/X is not the value given"},
		{"add inside", `[{"op":"add","path":"/custom_field_values/X/boolean_value","value":true}]`, "[0].path: has no parent in the record"},
	}
	for _, index := range []string{"1e0", "01", "-1", "+1", "-0", "1.0", " 1", "0x1", "one", "99999999999999999999"} {
		for _, o := range ops {
			t.Run(o.name+"/"+index, func(t *testing.T) {
				current := fullProcess(t)
				before := snapshot(t, current)
				patch := strings.ReplaceAll(o.patch, "X", index)
				next, err := ApplyPatch(current, mustParsePatch(t, patch), testActor)
				if next != nil {
					t.Fatalf("ApplyPatch(%s) accepted it: exam_ids %s, description %s, custom_field_values %s", patch,
						text(member(t, next, "exam_ids")), text(member(t, next, "description")), text(member(t, next, "custom_field_values")))
				}
				want := strings.ReplaceAll(o.want, "X", index)
				if slices.Contains([]string{"01", "-1", "+1", "-0"}, index) { // a number RFC 6901 does not take as an index, where one belongs
					want = strings.SplitN(want, ":", 2)[0] + ": " + notIndex
					if o.name == "add inside" {
						want = "[0].path: has " + strconv.Quote(index) + " where an array index (0, 1, …) belongs"
					}
					if o.name == "test" {
						want = "[0].path: " + notIndex
					}
				}
				if got := invalid(t, err); !equalStrings(got, []string{want}) {
					t.Errorf("ApplyPatch(%s) fields %q, want %q", patch, got, want)
				}
				checkClean(t, err)
				if snapshot(t, current) != before {
					t.Errorf("ApplyPatch modified current")
				}
			})
		}
	}
	// Member names that look like indexes are plain names in an object.
	t.Run("index-like names in an object", func(t *testing.T) {
		next, err := ApplyPatch(fullProcess(t), mustParsePatch(t, `[{"op":"add","path":"/checkout_settings/01","value":1},
			{"op":"add","path":"/checkout_settings/-1","value":2},{"op":"add","path":"/checkout_settings/-","value":3},
			{"op":"test","path":"/checkout_settings/01","value":1}]`), testActor)
		if err != nil {
			t.Fatal(err)
		}
		cs := member(t, next, "checkout_settings")
		for name, want := range map[string]string{"01": "1", "-1": "2", "-": "3"} {
			if v, ok := cs.Member(name); !ok || text(v) != want {
				t.Errorf("checkout_settings[%q] = %s, %v", name, text(v), ok)
			}
		}
	})
}

// TestPatchPointerEscapes: in a JSON Pointer (RFC 6901 section 3) "~" may
// only be followed by "0" or "1"; any other use makes the pointer invalid,
// so the patch must be refused rather than reach a member named "a~2b".
func TestPatchPointerEscapes(t *testing.T) {
	pointers := []struct{ name, ptr string }{
		{"~2", "/checkout_settings/a~2b"},
		{"~ at the end", "/checkout_settings/a~"},
		{"~x", "/checkout_settings/~x"},
		{"~ after a field", "/description~"},
	}
	for _, pt := range pointers {
		for _, op := range []struct{ name, patch, field string }{
			{"add", `[{"op":"add","path":"` + pt.ptr + `","value":1}]`, "[0].path"},
			{"copy from", `[{"op":"copy","from":"` + pt.ptr + `","path":"/checkout_settings/x"}]`, "[0].from"},
		} {
			t.Run(op.name+" "+pt.name, func(t *testing.T) {
				p, err := ParsePatch([]byte(op.patch))
				if err == nil {
					next, err := ApplyPatch(fullProcess(t), p, testActor)
					if err == nil {
						t.Fatalf("%s applied: checkout_settings %s", op.patch, text(member(t, next, "checkout_settings")))
					}
					t.Fatalf("ParsePatch(%s) accepted it; ApplyPatch: %v", op.patch, err)
				}
				if got := invalid(t, err); len(got) != 1 || !strings.HasPrefix(got[0], op.field+": ") {
					t.Errorf("fields %q, want one for %s", got, op.field)
				}
				checkClean(t, err)
			})
		}
	}
	// Valid escapes.
	if _, err := ParsePatch([]byte(`[{"op":"add","path":"/checkout_settings/~0~1~01~10","value":1}]`)); err != nil {
		t.Errorf("ParsePatch(~0~1~01~10): %v", err)
	}
}
