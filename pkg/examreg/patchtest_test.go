package examreg

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

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
