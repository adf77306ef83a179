package examreg

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/certhub/examreg/pkg/jsondoc"
)

// withoutNullMembers is the top-level object doc without its null members:
// a null member of a process is absent.
func withoutNullMembers(doc jsondoc.Value) jsondoc.Value {
	var kept []jsondoc.Member
	for _, m := range doc.Members() {
		if m.Value.Kind() != jsondoc.KindNull {
			kept = append(kept, m)
		}
	}
	return jsondoc.ObjectValue(kept)
}

// TestRoundTripExact: what a client writes is exactly what it reads back:
// empty arrays and objects stay at every depth, an absent member stays
// absent, numbers keep their literal, strings every character. Each body
// goes through DecodeProcess and AppendJSON, then through each way a record
// is written (NewProcess, Replace, an unrelated patch), and must come back
// as the same JSON value.
func TestRoundTripExact(t *testing.T) {
	tests := []struct {
		name  string
		pairs []string // members over the required ones (see processBody)
	}{
		{"required members only", nil},
		{"custom_field_values empty", []string{"custom_field_values", `[]`}},
		{"list_value empty", []string{"custom_field_values", customField(`"list_value":[]`)}},
		{"table_value empty", []string{"custom_field_values", customField(`"table_value":[]`)}},
		{"table_value of one empty row", []string{"custom_field_values", customField(`"table_value":[{}]`)}},
		{"table_value of empty rows and empty values", []string{"custom_field_values", customField(`"table_value":[{},{"a":[],"b":{}},{}]`)}},
		{"list_value of empty containers", []string{"custom_field_values", customField(`"list_value":[[],{},[[]],[{}],{"a":{}},{"a":[]},[[],[[]]],null]`)}},
		{"list_value of scalars", []string{"custom_field_values", customField(`"list_value":[0,"",false,null,-0,1.50,"0"]`)}},
		{"empty containers in checkout_settings", []string{"checkout_settings", checkout(`"e":{},"a":[],"n":{"x":{"y":[]},"z":[{}]}`)}},
		{"null members in checkout_settings stay", []string{"checkout_settings", checkout(`"n":null,"o":{"p":null}`)}},
		{"every custom field value member", []string{"custom_field_values", `[{"custom_field_id":"a__c","boolean_value":false,"file_url_value":"",
			"list_value":[],"numeric_value":0,"string_value":"","table_value":[]},{"custom_field_id":"b__c"}]`}},
		{"empty strings", []string{"description", `""`, "display_in_portal_as", `""`, "contact_form_options", `{"contact_form_id":"c","html":""}`}},
		{"false booleans", []string{"restrict_exams", `false`, "show_contact_form", `false`, "is_active", `false`, "sys_locked", `false`}},
		{"number literals", []string{"display_order", `1.50`, "sys_bulk_load_record_no", `17E0`, "sys_snapshot_base_version", `-0`,
			"custom_field_values", customField(`"numeric_value":2.50e-3`)}},
		{"big and small numbers", []string{"display_order", `12345678901234567890123456789012345678`,
			"checkout_settings", checkout(`"max":9.9999999999999999999999999999999999999E+125,"min":1E-130,"neg":-9.9999999999999999999999999999999999999E+125,
				"long":1.0000000000000000000000000000000000001,"zeros":0.000000000000000000000000000000000000000000000000001,"z":0e999,"nz":-0.0`),
			"custom_field_values", customField(`"list_value":[12345678901234567890123456789012345678,-1E-130,1E+125]`)}},
		{"strings with escapes and unicode", []string{"description", `"line\nbreak\ttab \"quoted\" \\ \u0000 \u2028 </script> é 😀 \ud83d\ude00"`,
			"checkout_settings", checkout(`"s":"\u001f\u007f\ufeff"`)}},
		{"exam ids keep their order", []string{"exam_ids", `["z","a","m","A_b|c-9"]`}},
		{"typed nulls are absent", []string{"description", `null`, "is_active", `null`, "custom_field_values", `null`, "form_id", `null`}},
		{"members in any order", []string{"sys_external_id", `"ext"`, "description", `"d"`, "sys_directive", `"x"`, "available_in_portal", `true`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := processBody(tt.pairs...)
			want := withoutNullMembers(mustParse(t, body))
			p, err := DecodeProcess([]byte(body), "")
			if err != nil {
				t.Fatalf("DecodeProcess(%s): %v", body, err)
			}
			got := mustParse(t, string(p.AppendJSON(nil)))
			sameExactly(t, "DecodeProcess then AppendJSON", got, want)
			if canonical(t, p.AppendJSON(nil)) != canonical(t, want.AppendJSON(nil)) {
				t.Errorf("canonical JSON differs:\n got %s\nwant %s", p.AppendJSON(nil), text(want))
			}

			// Created: the client members are exactly the body's.
			created := NewProcess(p, "rec-1", testActor)
			sameExactly(t, "NewProcess", clientDoc(created), want)

			// Replaced by the same body: unchanged.
			put, err := DecodeProcess([]byte(body), "rec-1")
			if err != nil {
				t.Fatal(err)
			}
			replaced, err := Replace(created, put, testActor)
			if err != nil {
				t.Fatal(err)
			}
			sameExactly(t, "Replace", clientDoc(replaced), want)

			// Patched elsewhere: every other member unchanged.
			patched, err := ApplyPatch(replaced, mustParsePatch(t, `[{"op":"replace","path":"/name","value":"Renamed"},{"op":"replace","path":"/name","value":"Retake"}]`), testActor)
			if err != nil {
				t.Fatal(err)
			}
			sameExactly(t, "ApplyPatch", clientDoc(patched), want)

			// Read back from storage, member by member.
			stored := NewStoredProcess(append([]jsondoc.Member(nil), patched.Members()...))
			sameExactly(t, "NewStoredProcess", clientDoc(stored), want)
		})
	}
}

// TestRoundTripAbsent: a member that is absent stays absent through every
// write, and a patch that removes a member leaves it absent, not null.
func TestRoundTripAbsent(t *testing.T) {
	p, err := DecodeProcess([]byte(processBody("description", `"d"`, "custom_field_values", `[]`)), "")
	if err != nil {
		t.Fatal(err)
	}
	created := NewProcess(p, "rec-1", testActor)
	next, err := ApplyPatch(created, mustParsePatch(t, `[{"op":"remove","path":"/description"},{"op":"remove","path":"/custom_field_values"}]`), testActor)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"description", "custom_field_values", "is_active", "display_order", "form_id"} {
		if v, ok := next.Member(name); ok {
			t.Errorf("%s = %s, want absent", name, text(v))
		}
	}
	if strings.Contains(string(next.AppendJSON(nil)), "null") {
		t.Errorf("the record writes a null: %s", next.AppendJSON(nil))
	}
}

// deepValue is a JSON value levels deep: arrays and objects alternately
// around innermost (a scalar, or an empty container, which counts as a
// level of its own).
func deepValue(levels int, innermost string) string {
	v := innermost
	for i := range levels {
		if i%2 == 0 {
			v = "[" + v + "]"
		} else {
			v = `{"k":` + v + "}"
		}
	}
	return v
}

// TestHostileFreeFormValues: free-form values (checkout_settings, list_value,
// table_value) take any JSON that DynamoDB can store, and no more.
func TestHostileFreeFormValues(t *testing.T) {
	const (
		emptyName = `has a member named "": DynamoDB cannot store an empty member name`
		digits    = "must have at most 38 significant digits"
		magnitude = "must be 0 or have a magnitude from 1E-130 to 9.9999999999999999999999999999999999999E+125"
		tooDeep   = "is nested more than 16 levels deep"
		longName  = "has a member name longer than 65,535 bytes, which DynamoDB cannot store"
	)
	long := strings.Repeat("ķ", 500) // 1,000 bytes
	tests := []struct {
		name  string
		pairs []string
		want  []string // field errors; nil when the body is accepted
	}{
		// Member names.
		{"an empty member name", []string{"checkout_settings", checkout(`"":1`)}, []string{"checkout_settings: " + emptyName}},
		{"an empty member name deeper", []string{"checkout_settings", checkout(`"a":{"b":[{"":{}}]}`)}, []string{"checkout_settings.a.b[0]: " + emptyName}},
		{"an empty member name in list_value", []string{"custom_field_values", customField(`"list_value":[1,{"":null}]`)},
			[]string{"custom_field_values[0].list_value[1]: " + emptyName}},
		{"an empty member name in a table_value row", []string{"custom_field_values", customField(`"table_value":[{},{"":"x"}]`)},
			[]string{"custom_field_values[0].table_value[1]: " + emptyName}},
		{"empty member names in several places", []string{"checkout_settings", checkout(`"a":{"":1},"b":[{"":2}]`)},
			[]string{"checkout_settings.a: " + emptyName, "checkout_settings.b[0]: " + emptyName}},
		{"names with / ~ . and spaces", []string{"checkout_settings", checkout(`"a/b":1,"~":2,"~0":3,"~1":4,"a.b":5," ":6,"[0]":7,"#":{"$":8}`)}, nil},
		{"unicode names", []string{"checkout_settings", checkout(`"é":1,"日本":2,"😀":3,"\u0000":4,"\u2028":5`)}, nil},
		{"a name of 1,000 bytes", []string{"checkout_settings", checkout(`"` + long + `":{"` + long + `":1}`)}, nil},
		{"names in list_value and table_value", []string{"custom_field_values", customField(`"list_value":[{"a/b":{"~1":[]}}],"table_value":[{"x.y":1,"é":{}}]`)}, nil},
		{"a name of 65,535 bytes", []string{"checkout_settings", checkout(`"` + strings.Repeat("n", 65535) + `":1`)}, nil},
		{"a name of 65,536 bytes", []string{"checkout_settings", checkout(`"` + strings.Repeat("n", 65536) + `":1`)}, []string{"checkout_settings: " + longName}},

		// Numbers, at DynamoDB's edges.
		{"38 digits", []string{"checkout_settings", checkout(`"n":12345678901234567890123456789012345678,"m":-0.12345678901234567890123456789012345678`)}, nil},
		{"38 digits with zeros around them", []string{"checkout_settings", checkout(`"n":0.000123456789012345678901234567890123456780000,"m":1234567890123456789012345678901234567800`)}, nil},
		{"39 digits", []string{"checkout_settings", checkout(`"n":123456789012345678901234567890123456789`)}, []string{"checkout_settings.n: " + digits}},
		{"39 digits in a fraction", []string{"checkout_settings", checkout(`"n":1.23456789012345678901234567890123456789`)}, []string{"checkout_settings.n: " + digits}},
		{"39 digits in list_value", []string{"custom_field_values", customField(`"list_value":[1,[-123456789012345678901234567890123456789]]`)},
			[]string{"custom_field_values[0].list_value[1][0]: " + digits}},
		{"39 digits in a table_value row", []string{"custom_field_values", customField(`"table_value":[{"n":1.00000000000000000000000000000000000001}]`)},
			[]string{"custom_field_values[0].table_value[0].n: " + digits}},
		{"39 digits in display_order", []string{"display_order", `123456789012345678901234567890123456789`}, []string{"display_order: " + digits}},
		{"39 digits in numeric_value", []string{"custom_field_values", customField(`"numeric_value":123456789012345678901234567890123456789`)},
			[]string{"custom_field_values[0].numeric_value: " + digits}},
		{"the largest magnitude", []string{"checkout_settings", checkout(`"n":9.9999999999999999999999999999999999999E+125,"m":-9.9999999999999999999999999999999999999E+125`)}, nil},
		{"1E+126", []string{"checkout_settings", checkout(`"n":1E+126`)}, []string{"checkout_settings.n: " + magnitude}},
		{"10E+125", []string{"checkout_settings", checkout(`"n":10E+125`)}, []string{"checkout_settings.n: " + magnitude}},
		{"-1E+126", []string{"custom_field_values", customField(`"list_value":[-1E+126]`)}, []string{"custom_field_values[0].list_value[0]: " + magnitude}},
		{"the smallest magnitude", []string{"checkout_settings", checkout(`"n":1E-130,"m":-1E-130,"o":0.1E-129`)}, nil},
		{"1E-131", []string{"checkout_settings", checkout(`"n":1E-131`)}, []string{"checkout_settings.n: " + magnitude}},
		{"0.9E-130", []string{"checkout_settings", checkout(`"n":0.9E-130`)}, []string{"checkout_settings.n: " + magnitude}},
		{"zeros", []string{"checkout_settings", checkout(`"a":0,"b":-0,"c":0e999,"d":0.000e-999999999999,"e":-0.0E+5,"f":0e999999999999999999999999`)}, nil},
		{"1e999999999999", []string{"checkout_settings", checkout(`"n":1e999999999999`)}, []string{"checkout_settings.n: " + magnitude}},
		{"1e-999999999999", []string{"checkout_settings", checkout(`"n":1e-999999999999`)}, []string{"checkout_settings.n: " + magnitude}},
		{"an exponent of a thousand digits", []string{"checkout_settings", checkout(`"n":1e` + strings.Repeat("9", 1000))}, []string{"checkout_settings.n: " + magnitude}},
		{"a literal of a million zeros", []string{"checkout_settings", checkout(`"n":1` + strings.Repeat("0", 1_000_000))},
			[]string{"checkout_settings.n: " + magnitude, ": the exam reg process is larger than 300000 bytes"}},
		{"1e999 in display_order", []string{"display_order", `1e999`}, []string{"display_order: " + magnitude}},

		// Nesting: the free-form value itself counts as a level.
		{"checkout_settings 16 deep", []string{"checkout_settings", checkout(`"x":` + deepValue(15, "1"))}, nil},
		{"checkout_settings 16 deep, empty innermost", []string{"checkout_settings", checkout(`"x":` + deepValue(14, "[]"))}, nil},
		{"checkout_settings 17 deep", []string{"checkout_settings", checkout(`"x":` + deepValue(16, "1"))}, []string{"checkout_settings: " + tooDeep}},
		{"checkout_settings 17 deep, empty innermost", []string{"checkout_settings", checkout(`"x":` + deepValue(15, "{}"))}, []string{"checkout_settings: " + tooDeep}},
		{"list_value 16 deep", []string{"custom_field_values", customField(`"list_value":[` + deepValue(14, "{}") + `]`)}, nil},
		{"list_value 17 deep", []string{"custom_field_values", customField(`"list_value":[` + deepValue(15, "{}") + `]`)},
			[]string{"custom_field_values[0].list_value: " + tooDeep}},
		{"table_value 16 deep", []string{"custom_field_values", customField(`"table_value":[{"k":` + deepValue(14, "0") + `}]`)}, nil},
		{"table_value 17 deep", []string{"custom_field_values", customField(`"table_value":[{"k":` + deepValue(15, "0") + `}]`)},
			[]string{"custom_field_values[0].table_value: " + tooDeep}},
		{"nesting far beyond", []string{"checkout_settings", checkout(`"x":` + deepValue(5000, "1"))}, []string{"checkout_settings: " + tooDeep}},

		// Several problems at once, each by its path.
		{"every problem at once", []string{"checkout_settings", checkout(`"":1e999,"n":123456789012345678901234567890123456789`),
			"custom_field_values", customField(`"list_value":[1E-131]`)},
			[]string{"checkout_settings: " + emptyName, "checkout_settings.: " + magnitude, "checkout_settings.n: " + digits,
				"custom_field_values[0].list_value[0]: " + magnitude}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := processBody(tt.pairs...)
			start := time.Now()
			p, err := DecodeProcess([]byte(body), "")
			if d := time.Since(start); d > time.Second {
				t.Errorf("DecodeProcess took %v", d)
			}
			if tt.want == nil {
				if err != nil {
					t.Fatalf("DecodeProcess: %v", err)
				}
				sameExactly(t, "round trip", mustParse(t, string(p.AppendJSON(nil))), mustParse(t, body))
				return
			}
			if got := invalid(t, err); !equalStrings(got, tt.want) {
				t.Errorf("fields\n got %q\nwant %q", got, tt.want)
			}
			checkClean(t, err)
		})
	}
}

// TestHostileNamesThroughPatches: members with /, ~ and other characters in
// their names are reached by escaped JSON Pointers, and patches that would
// store what DynamoDB cannot are refused like a PUT.
func TestHostileNamesThroughPatches(t *testing.T) {
	body := processBody("checkout_settings", checkout(`"a/b":{"~":[1]},"~1":"tilde one","x.y":"dot","é":"e"`))
	p, err := DecodeProcess([]byte(body), "")
	if err != nil {
		t.Fatal(err)
	}
	current := NewProcess(p, "rec-1", testActor)
	tests := []struct {
		name  string
		patch string
		want  string   // checkout_settings afterwards, without the two required members
		errs  []string // or the field errors
	}{
		{"replace through ~1", `[{"op":"replace","path":"/checkout_settings/a~1b/~0/0","value":2}]`,
			`{"a/b":{"~":[2]},"~1":"tilde one","x.y":"dot","é":"e"}`, nil},
		{"~01 is ~1, not /", `[{"op":"test","path":"/checkout_settings/~01","value":"tilde one"},{"op":"remove","path":"/checkout_settings/~01"}]`,
			`{"a/b":{"~":[1]},"x.y":"dot","é":"e"}`, nil},
		{"dots are not separators", `[{"op":"move","from":"/checkout_settings/x.y","path":"/checkout_settings/é"}]`,
			`{"a/b":{"~":[1]},"~1":"tilde one","é":"dot"}`, nil},
		{"adding an empty member name", `[{"op":"add","path":"/checkout_settings/","value":1}]`, "",
			[]string{`checkout_settings: has a member named "": DynamoDB cannot store an empty member name`}},
		{"adding an empty member name deeper", `[{"op":"add","path":"/checkout_settings/a~1b/","value":{}}]`, "",
			[]string{`checkout_settings.a/b: has a member named "": DynamoDB cannot store an empty member name`}},
		{"adding 39 digits", `[{"op":"add","path":"/checkout_settings/n","value":123456789012345678901234567890123456789}]`, "",
			[]string{"checkout_settings.n: must have at most 38 significant digits"}},
		{"adding 1E+126", `[{"op":"add","path":"/checkout_settings/a~1b/~0/-","value":1E+126}]`, "",
			[]string{"checkout_settings.a/b.~[1]: must be 0 or have a magnitude from 1E-130 to 9.9999999999999999999999999999999999999E+125"}},
		{"adding 17 levels", `[{"op":"add","path":"/checkout_settings/d","value":` + deepValue(16, "1") + `}]`, "",
			[]string{"checkout_settings: is nested more than 16 levels deep"}},
		{"adding 16 levels", `[{"op":"add","path":"/checkout_settings/d","value":` + deepValue(15, "1") + `}]`,
			`{"a/b":{"~":[1]},"~1":"tilde one","x.y":"dot","é":"e","d":` + deepValue(15, "1") + `}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, err := ApplyPatch(current, mustParsePatch(t, tt.patch), testActor)
			if tt.errs != nil {
				if got := invalid(t, err); !equalStrings(got, tt.errs) {
					t.Errorf("fields\n got %q\nwant %q", got, tt.errs)
				}
				checkClean(t, err)
				return
			}
			if err != nil {
				t.Fatalf("ApplyPatch: %v", err)
			}
			got := member(t, next, "checkout_settings")
			want := mustParse(t, checkout(strings.TrimSuffix(strings.TrimPrefix(tt.want, "{"), "}")))
			sameExactly(t, "checkout_settings", got, want)
		})
	}
}

// TestNumberLimits checks numberProblem on its own,
// at and around every edge.
func TestNumberLimits(t *testing.T) {
	ok := []string{"0", "-0", "0.0", "0e0", "0E+999", "-0.000e-99999", "1", "-1", "1E-130", "-1E-130", "0.1E-129", "100E-132",
		"9.9999999999999999999999999999999999999E+125", "99999999999999999999999999999999999999E+88",
		"12345678901234567890123456789012345678", "1.2345678901234567890123456789012345678", "0.00000000000000000000000000000000000001",
		"1" + strings.Repeat("0", 125), "1e125", "1.5e+125"}
	refused := map[string]string{
		"1E-131":                       "magnitude",
		"0.9E-130":                     "magnitude",
		"1E+126":                       "magnitude",
		"10E+125":                      "magnitude",
		"1" + strings.Repeat("0", 126): "magnitude",
		"123456789012345678901234567890123456789":       "digits",
		"1.00000000000000000000000000000000000001":      "digits",
		"-0.000123456789012345678901234567890123456789": "digits",
		"1e" + strconv.Itoa(1<<62):                      "magnitude",
		"1e-" + strconv.Itoa(1<<62):                     "magnitude",
	}
	for _, n := range ok {
		if problem := numberProblem(n); problem != "" {
			t.Errorf("numberProblem(%s) = %q", n, problem)
		}
	}
	for n, want := range refused {
		if problem := numberProblem(n); !strings.Contains(problem, want) {
			t.Errorf("numberProblem(%.50s) = %q, want it about %s", n, problem, want)
		}
	}
}
