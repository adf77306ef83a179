package examreg

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/certhub/examreg/pkg/jsondoc"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/wI2L/jsondiff"
)

// withoutBookkeeping is p's JSON without the members a history entry
// carries itself: what the patches of its history build.
func withoutBookkeeping(p *Process) jsondoc.Value {
	var kept []jsondoc.Member
	for _, m := range p.Members() {
		switch m.Name {
		case "sys_version", "sys_last_modified_at", "sys_last_modified_by_id", "sys_last_security_context":
		default:
			kept = append(kept, m)
		}
	}
	return jsondoc.ObjectValue(kept)
}

// applyHistoryPatch applies an entry's patch to doc with an independent
// RFC 6902 implementation (evanphx/json-patch), as a client replaying the
// history would.
func applyHistoryPatch(t testing.TB, doc []byte, patch json.RawMessage) []byte {
	t.Helper()
	ops, err := jsonpatch.DecodePatch(patch)
	if err != nil {
		t.Fatalf("the history patch %s is not a JSON Patch: %v", patch, err)
	}
	out, err := ops.Apply(doc)
	if err != nil {
		t.Fatalf("the history patch %s does not apply to %s: %v", patch, doc, err)
	}
	return out
}

// checkEntryPatch checks what every history patch must be: a JSON array of
// operations that never touch the bookkeeping members.
func checkEntryPatch(t testing.TB, e HistoryEntry) {
	t.Helper()
	ops := mustParse(t, string(e.Patch))
	if ops.Kind() != jsondoc.KindArray {
		t.Fatalf("patch %s is not an array", e.Patch)
	}
	for _, op := range ops.Items() {
		for _, name := range []string{"path", "from"} {
			ptr, _ := op.Member(name)
			for _, b := range []string{"/sys_version", "/sys_last_modified_at", "/sys_last_modified_by_id", "/sys_last_security_context"} {
				if ptr.Text() == b || strings.HasPrefix(ptr.Text(), b+"/") {
					t.Errorf("patch %s touches bookkeeping %s", e.Patch, b)
				}
			}
		}
	}
}

// jsondiffPatch is the diff the history writer gives ChangeOf (see
// pkg/history): jsondiff's patch between two client views.
func jsondiffPatch(from, to []byte) (json.RawMessage, error) {
	patch, err := jsondiff.CompareJSON(from, to, jsondiff.UnmarshalFunc(useNumber))
	if err != nil {
		return nil, err
	}
	if patch == nil {
		patch = jsondiff.Patch{}
	}
	return json.Marshal(patch)
}

// actor is testActor doing operation at minute minute of the test's day.
func actor(user, operation, request string, minute int) Actor {
	a := testActor
	a.UserID, a.Operation, a.RequestID = user, operation, request
	a.Now = time.Date(2026, 3, 4, 5, minute, 0, 0, time.UTC)
	return a
}

// TestChangeOfCreate: the entry of a create holds the patch that, applied
// to {}, gives the record without its bookkeeping.
func TestChangeOfCreate(t *testing.T) {
	bodies := map[string]string{
		"minimal": string(readFixture(t, "process_minimal.json")),
		"full":    string(merge(t, readFixture(t, "process_full.json"), `{"id":null}`)),
		"empty containers and big numbers": processBody("custom_field_values", customField(`"list_value":[],"table_value":[{}]`),
			"display_order", `12345678901234567890123456789012345678`, "checkout_settings", checkout(`"e":{},"a":[],"tiny":1E-130,"n":null`)),
		"hostile names": processBody("checkout_settings", checkout(`"a/b":{"~":[1]},"~1":2,"x.y":{"é":[]}`)),
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			p, err := DecodeProcess([]byte(body), "")
			if err != nil {
				t.Fatal(err)
			}
			created := NewProcess(p, "rec-1", actor("creator", "create", "req-1", 1))
			e, err := ChangeOf(nil, created, jsondiffPatch)
			if err != nil {
				t.Fatalf("ChangeOf: %v", err)
			}
			if e.Version != 1 || e.Operation != "create" || e.At != "2026-03-04T05:01:00.000Z" || e.By != "creator" || e.RequestID != "req-1" {
				t.Errorf("entry %+v", e)
			}
			checkEntryPatch(t, e)
			got := mustParse(t, string(applyHistoryPatch(t, []byte(`{}`), e.Patch)))
			sameExactly(t, "{} patched", got, withoutBookkeeping(created))
		})
	}
}

// TestChangeOfChain folds the patches of a record's history, from {}, and
// checks that each step gives the record at that version without its
// bookkeeping: a create, a replace, and patches that edit arrays, empty
// them, and write numbers beyond float64.
func TestChangeOfChain(t *testing.T) {
	p, err := DecodeProcess([]byte(processBody(
		"custom_field_values", `[{"custom_field_id":"a__c","list_value":[1,2,3]},{"custom_field_id":"b__c","table_value":[{"x":1}]}]`,
		"display_order", `2.5`,
		"checkout_settings", checkout(`"big":12345678901234567890123456789012345678,"cards":["visa","amex"]`))), "")
	if err != nil {
		t.Fatal(err)
	}
	versions := []*Process{NewProcess(p, "rec-1", actor("u1", "create", "req-1", 1))}
	entries := []HistoryEntry{}
	record := func(next *Process) {
		t.Helper()
		before := versions[len(versions)-1]
		e, err := ChangeOf(before, next, jsondiffPatch)
		if err != nil {
			t.Fatalf("ChangeOf: %v", err)
		}
		versions, entries = append(versions, next), append(entries, e)
	}
	first, err := ChangeOf(nil, versions[0], jsondiffPatch)
	if err != nil {
		t.Fatal(err)
	}
	entries = append(entries, first)

	// A replace: new values, members removed and added.
	put, err := DecodeProcess([]byte(processBody("name", `"Replaced"`, "exam_ids", `["e1","e2","e3"]`,
		"custom_field_values", `[{"custom_field_id":"a__c","list_value":[1,2,3,[]]}]`,
		"description", `"added"`, "display_order", `2.50`,
		"checkout_settings", checkout(`"big":12345678901234567890123456789012345677,"cards":[]`))), "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	replaced, err := Replace(versions[0], put, actor("u2", "update", "req-2", 2))
	if err != nil {
		t.Fatal(err)
	}
	record(replaced)

	// Patches.
	patches := []string{
		`[{"op":"add","path":"/exam_ids/-","value":"e4"},{"op":"remove","path":"/exam_ids/0"},{"op":"move","from":"/exam_ids/0","path":"/exam_ids/-"}]`,
		`[{"op":"remove","path":"/custom_field_values/0/list_value/3"},{"op":"add","path":"/custom_field_values/0/list_value/0","value":{}},
			{"op":"add","path":"/custom_field_values/-","value":{"custom_field_id":"c__c","table_value":[]}}]`,
		`[{"op":"replace","path":"/display_order","value":-9.9999999999999999999999999999999999999E+125},
			{"op":"add","path":"/checkout_settings/cards/-","value":1E-130},{"op":"add","path":"/checkout_settings/x~1y","value":{"~":[[]]}}]`,
		`[{"op":"remove","path":"/custom_field_values/1"},{"op":"remove","path":"/custom_field_values/0"},{"op":"remove","path":"/description"}]`,
		`[{"op":"replace","path":"/name","value":"Replaced"}]`, // changes nothing
		`[{"op":"copy","from":"/checkout_settings","path":"/checkout_settings/copy"},{"op":"add","path":"/sys_locked","value":true}]`,
	}
	for i, patch := range patches {
		next, err := ApplyPatch(versions[len(versions)-1], mustParsePatch(t, patch), actor("u3", "patch", "req-p", 10+i))
		if err != nil {
			t.Fatalf("patch %d: %v", i, err)
		}
		record(next)
	}

	doc := []byte(`{}`)
	for i, e := range entries {
		v := versions[i]
		if e.Version != int64(i+1) || e.Version != v.Version() || e.RequestID != v.RequestID() {
			t.Errorf("entry %d: %+v for version %d", i, e, v.Version())
		}
		checkEntryPatch(t, e)
		doc = applyHistoryPatch(t, doc, e.Patch)
		sameExactly(t, "the history folded up to version "+strconv.FormatInt(e.Version, 10), mustParse(t, string(doc)), withoutBookkeeping(v))
	}
	// A write that changes nothing but bookkeeping has an empty patch.
	if got := string(entries[2+4].Patch); got != `[]` {
		t.Errorf("the patch of a write that changed nothing = %s, want []", got)
	}
	ops := []string{}
	for _, e := range entries {
		for _, op := range mustParse(t, string(e.Patch)).Items() {
			o, _ := op.Member("op")
			ops = append(ops, o.Text())
		}
	}
	for _, want := range []string{"add", "remove", "replace"} {
		if !slices.Contains(ops, want) {
			t.Errorf("no %s operation in the history: %q", want, ops)
		}
	}
}

// TestChangeOfJSON: an entry as a client reads it.
func TestChangeOfJSON(t *testing.T) {
	p, err := DecodeProcess(readFixture(t, "process_minimal.json"), "")
	if err != nil {
		t.Fatal(err)
	}
	v1 := NewProcess(p, "rec-1", actor("u1", "create", "req-1", 1))
	next, err := ApplyPatch(v1, mustParsePatch(t, `[{"op":"replace","path":"/name","value":"<b>"}]`), actor("u2", "patch", "req-2", 2))
	if err != nil {
		t.Fatal(err)
	}
	e, err := ChangeOf(v1, next, jsondiffPatch)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"version":2,"operation":"patch","at":"2026-03-04T05:02:00.000Z","by":"u2","request_id":"req-2",` +
		`"patch":[{"op":"replace","path":"/name","value":"<b>"}]}`
	if canonical(t, b) != canonical(t, []byte(want)) {
		t.Errorf("entry JSON\n got %s\nwant %s", b, want)
	}
}

// TestDeletionOf: a delete is an entry of its own, without a patch.
func TestDeletionOf(t *testing.T) {
	e := DeletionOf(fullProcess(t), "user-9", "2026-03-04T05:06:07.089Z", "req-del")
	if e.Version != 8 || e.Operation != OperationDelete || e.By != "user-9" || e.At != "2026-03-04T05:06:07.089Z" || e.RequestID != "req-del" || e.Patch != nil {
		t.Errorf("DeletionOf = %+v", e)
	}
	b, err := json.Marshal(e)
	if err != nil || string(b) != `{"version":8,"operation":"delete","at":"2026-03-04T05:06:07.089Z","by":"user-9","request_id":"req-del"}` {
		t.Errorf("JSON = %s, %v", b, err)
	}
}
