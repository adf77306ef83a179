package examreg_test

import (
	"strings"
	"testing"

	"github.com/certhub/examreg/pkg/examreg"
	"github.com/certhub/examreg/pkg/history"
	"github.com/certhub/examreg/pkg/jsondoc"
)

func mustParse(t *testing.T, text string) jsondoc.Value {
	t.Helper()
	v, err := jsondoc.Parse([]byte(text))
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	return v
}

// TestPromoted carries the source's changes since its base (a guarded
// jsondiff patch, as a snapshot holds it) to a target that may have changed
// too: what only one side changed is kept, what both changed the same way
// is done, what they changed differently is a conflict at its path.
func TestPromoted(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		base, source, target string
		want                 string // the result, or "conflict /a /b"
	}{
		{"source change", `{"n":"a","d":"x"}`, `{"n":"b","d":"x"}`, `{"n":"a","d":"x"}`, `{"n":"b","d":"x"}`},
		{"both sides, other fields", `{"n":"a","d":"x"}`, `{"n":"b","d":"x"}`, `{"n":"a","d":"y"}`, `{"n":"b","d":"y"}`},
		{"target's own member kept", `{"n":"a"}`, `{"n":"b"}`, `{"n":"a","t":1}`, `{"n":"b","t":1}`},
		{"same field, other values", `{"n":"a","d":"x"}`, `{"n":"b","d":"x"}`, `{"n":"c","d":"x"}`, "conflict /n"},
		{"same field, same value", `{"n":"a"}`, `{"n":"b"}`, `{"n":"b"}`, `{"n":"b"}`},
		{"promoted before", `{"n":"a","e":["x"],"d":"q"}`, `{"n":"b","e":["x","y"]}`, `{"n":"b","e":["x","y"]}`, `{"n":"b","e":["x","y"]}`},
		{"removed", `{"n":"a","d":"x"}`, `{"n":"a"}`, `{"n":"a","d":"x"}`, `{"n":"a"}`},
		{"removed, target changed it", `{"n":"a","d":"x"}`, `{"n":"a"}`, `{"n":"a","d":"y"}`, "conflict /d"},
		{"removed, target had removed it", `{"n":"a","d":"x"}`, `{"n":"a"}`, `{"n":"a"}`, `{"n":"a"}`},
		{"replaced, target removed it", `{"n":"a"}`, `{"n":"b"}`, `{}`, "conflict /n"},
		{"added", `{"n":"a"}`, `{"n":"a","d":"x"}`, `{"n":"a"}`, `{"n":"a","d":"x"}`},
		{"added on both sides, same", `{"n":"a"}`, `{"n":"a","d":"x"}`, `{"n":"a","d":"x"}`, `{"n":"a","d":"x"}`},
		{"added on both sides, other", `{"n":"a"}`, `{"n":"a","d":"x"}`, `{"n":"a","d":"y"}`, "conflict /d"},
		{"appended", `{"e":["a"]}`, `{"e":["a","b"]}`, `{"e":["a"]}`, `{"e":["a","b"]}`},
		{"appended on both sides", `{"e":["a"]}`, `{"e":["a","b"]}`, `{"e":["a","c"]}`, `{"e":["a","c","b"]}`},
		{"appended before", `{"e":["a"]}`, `{"e":["a","b"]}`, `{"e":["a","c","b"]}`, `{"e":["a","c","b"]}`},
		{"shortened", `{"e":["a","b","c"]}`, `{"e":["a"]}`, `{"e":["a","b","c"]}`, `{"e":["a"]}`},
		{"shortened before", `{"e":["a","b","c"]}`, `{"e":["a"]}`, `{"e":["a"]}`, `{"e":["a"]}`},
		{"item changed on both sides", `{"e":["a","b"]}`, `{"e":["a","x"]}`, `{"e":["a","y"]}`, "conflict /e/1"},
		{"nested member", `{"o":{"k":1,"m":2}}`, `{"o":{"k":5,"m":2}}`, `{"o":{"k":1,"m":3}}`, `{"o":{"k":5,"m":3}}`},
		{"every conflict named", `{"n":"a","d":"x"}`, `{"n":"b","d":"y"}`, `{"n":"c","d":"z"}`, "conflict /d /n"},
		{"numbers by value", `{"v":1.50}`, `{"v":2}`, `{"v":1.5}`, `{"v":2}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			patch, err := history.GuardedDiff([]byte(tc.base), []byte(tc.source))
			if err != nil {
				t.Fatal(err)
			}
			changes, err := jsondoc.DecodePatch(mustParse(t, string(patch)))
			if err != nil {
				t.Fatal(err)
			}
			got, err := examreg.Promoted(mustParse(t, tc.target), changes)
			if strings.HasPrefix(tc.want, "conflict") {
				var e *examreg.Error
				if err == nil || examreg.ErrorCode(err) != examreg.ECONFLICT {
					t.Fatalf("patch %s on %s: %v, %v; want a conflict", patch, tc.target, got, err)
				}
				e = err.(*examreg.Error)
				var paths []string
				for _, f := range e.Fields {
					paths = append(paths, f.Field)
					if f.Message == "" {
						t.Errorf("%s: no message", f.Field)
					}
				}
				if g := "conflict " + strings.Join(paths, " "); g != tc.want {
					t.Errorf("patch %s on %s: %s, want %s (%v)", patch, tc.target, g, tc.want, e.Fields)
				}
				return
			}
			if err != nil {
				t.Fatalf("patch %s on %s: %v", patch, tc.target, err)
			}
			if !got.Equal(mustParse(t, tc.want)) {
				t.Errorf("patch %s on %s: %s, want %s", patch, tc.target, got, tc.want)
			}
			// Promoting again changes nothing: every change is done.
			again, err := examreg.Promoted(got, changes)
			if err != nil || !again.Equal(got) {
				t.Errorf("promoted again: %s, %v; want %s", again, err, got)
			}
		})
	}
}

// TestConflictMessages: a conflict says what each side holds.
func TestConflictMessages(t *testing.T) {
	patch := mustParse(t, `[{"op":"test","path":"/n","value":"a"},{"op":"replace","path":"/n","value":"b"}]`)
	changes, _ := jsondoc.DecodePatch(patch)
	_, err := examreg.Promoted(mustParse(t, `{"n":"c"}`), changes)
	e, _ := err.(*examreg.Error)
	if e == nil || len(e.Fields) != 1 || e.Fields[0].Message != `the target holds "c" here, where the snapshot's base held "a"; the snapshot writes "b"` {
		t.Errorf("%#v", err)
	}
}

// TestDecodeSnapshot: a snapshot as a GET answers it reads back, records
// ordered by id; every problem of one that does not is reported.
func TestDecodeSnapshot(t *testing.T) {
	record := `{"id":"p1","name":"N","type":"register","exam_ids":["e"],"is_active":true,"contact_form_options":{"contact_form_id":"c"},` +
		`"checkout_settings":{"bank_account_id":"b","business_unit_id":"u"},"confirmation_email":{"subject":"s","body":"b"},"sys_version":2}`
	good := `{"id":"s1","tenant_id":"t","description":"d","created_at":"2026-12-03T00:00:00.000Z","created_by":"u","record_count":2,"records":[` +
		`{"id":"p2","version":1,"base_version":1,"record":` + strings.Replace(record, `"p1"`, `"p2"`, 1) + `,"patch_from_base":[]},` +
		`{"id":"p1","version":2,"base_version":1,"base_missing":true,"record":` + record + `,"patch_from_base":[{"op":"add","path":"/name","value":"N"}]}]}`
	snap, err := examreg.DecodeSnapshot(mustParse(t, good), "snapshot")
	if err != nil {
		t.Fatal(err)
	}
	if snap.ID != "s1" || len(snap.Records) != 2 || snap.Records[0].ID != "p1" || !snap.Records[0].BaseMissing || snap.Records[0].Version != 2 ||
		examreg.Configuration(snap.Records[0].Record).MemberText("name") != "N" || string(snap.Records[0].PatchFromBase) != `[{"op":"add","path":"/name","value":"N"}]` {
		t.Errorf("%+v", snap)
	}
	bad := `{"id":"s 1","extra":1,"records":[{"id":"p1","version":0,"base_version":1,"record":{"id":"p2","name":5},"patch_from_base":[{"op":"nope"}]},` +
		`{"id":"p3","version":1,"base_version":1,"record":` + strings.Replace(record, `"p1"`, `"p3"`, 1) + `,"patch_from_base":[]},` +
		`{"id":"p3","version":1,"base_version":1,"record":` + strings.Replace(record, `"p1"`, `"p3"`, 1) + `,"patch_from_base":[]}]}`
	_, err = examreg.DecodeSnapshot(mustParse(t, bad), "snapshot")
	e, _ := err.(*examreg.Error)
	if e == nil || e.Code != examreg.EINVALID {
		t.Fatalf("%v", err)
	}
	var fields []string
	for _, f := range e.Fields {
		fields = append(fields, f.Field)
	}
	for _, want := range []string{"snapshot.extra", "snapshot.id", "snapshot.records[0].version", "snapshot.records[0].record.name", "snapshot.records[0].patch_from_base", "snapshot.records[2].id"} {
		if !strings.Contains(strings.Join(fields, " ")+" ", want+" ") {
			t.Errorf("no problem at %s: %v", want, e.Fields)
		}
	}
}
