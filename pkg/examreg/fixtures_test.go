package examreg

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/certhub/examreg/pkg/jsondoc"

	jsonpatch "github.com/evanphx/json-patch/v5"
)

// fixtureID is the id of testdata/process_full.json.
const fixtureID = "0193a5b2-7c4e-7d3a-9f21-4b8e6c0d1a2f"

// testActor is the caller of every write in these tests. Its clock is not in
// UTC and carries nanoseconds, so Timestamp's normalisation shows.
var testActor = Actor{
	UserID:    "user-42",
	TenantID:  "tenant-1",
	RequestID: "req-abc",
	SourceIP:  "198.51.100.4",
	UserAgent: "examreg-test/1.0",
	Operation: "patch",
	Now:       time.Date(2026, 3, 4, 7, 6, 7, 89_123_456, time.FixedZone("UTC+2", 2*60*60)),
}

// testActorAt is testActor.Now as every sys_*_at field renders it.
const testActorAt = "2026-03-04T05:06:07.089Z"

// readFixture reads testdata/name.
func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	return readFile(t, filepath.Join("testdata", name))
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// storedProcess builds a process from a JSON document the way a stored
// record is read: every member the schema knows, server-managed ones
// included, nothing checked. Objects inside it have their members sorted by
// name first, as DynamoDB (which keeps no order) hands them back.
func storedProcess(t testing.TB, doc []byte) *Process {
	t.Helper()
	v, err := ParseJSON(doc)
	if err != nil {
		t.Fatalf("ParseJSON(%s): %v", doc, err)
	}
	if v.Kind() != jsondoc.KindObject {
		t.Fatalf("storedProcess(%s): not an object", doc)
	}
	members := slices.Clone(v.Members())
	for i := range members {
		members[i].Value = sortedMembers(members[i].Value)
	}
	return NewStoredProcess(members)
}

// sortedMembers returns a copy of v whose objects, at every depth, have their
// members sorted by name.
func sortedMembers(v jsondoc.Value) jsondoc.Value {
	switch v.Kind() {
	case jsondoc.KindArray:
		items := make([]jsondoc.Value, len(v.Items()))
		for i, item := range v.Items() {
			items[i] = sortedMembers(item)
		}
		return jsondoc.ArrayValue(items)
	case jsondoc.KindObject:
		members := make([]jsondoc.Member, len(v.Members()))
		for i, m := range v.Members() {
			members[i] = jsondoc.Member{Name: m.Name, Value: sortedMembers(m.Value)}
		}
		slices.SortFunc(members, func(a, b jsondoc.Member) int { return strings.Compare(a.Name, b.Name) })
		return jsondoc.ObjectValue(members)
	}
	return v
}

// fullProcess reads testdata/process_full.json the way a stored record is
// read: every field, server-managed ones included.
func fullProcess(t testing.TB) *Process {
	t.Helper()
	return storedProcess(t, readFixture(t, "process_full.json"))
}

// mustParse parses a JSON text the test wrote.
func mustParse(t testing.TB, doc string) jsondoc.Value {
	t.Helper()
	v, err := ParseJSON([]byte(doc))
	if err != nil {
		t.Fatalf("ParseJSON(%s): %v", doc, err)
	}
	return v
}

// canonical re-marshals a JSON document with sorted keys and no spacing, so
// two documents compare equal exactly when they hold the same JSON (numbers
// compared by their literal).
func canonical(t testing.TB, doc []byte) string {
	t.Helper()
	var v any
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("canonical: %v in %s", err, doc)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// canonicalOf is canonical(json.Marshal(v)).
func canonicalOf(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return canonical(t, b)
}

// merge applies an RFC 7386 merge patch (null removes a member) to a JSON
// document; the tests use it to derive bodies and expectations from the
// fixtures.
func merge(t testing.TB, doc []byte, patch string) []byte {
	t.Helper()
	out, err := jsonpatch.MergePatch(doc, []byte(patch))
	if err != nil {
		t.Fatalf("merge %s: %v", patch, err)
	}
	return out
}

// invalid asserts that err is an EINVALID *Error and returns its field
// errors as "field: message" strings, in order.
func invalid(t testing.TB, err error) []string {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %#v, want an *Error", err)
	}
	if e.Code != EINVALID {
		t.Fatalf("code = %q (%v), want %q", e.Code, e, EINVALID)
	}
	if e.Message == "" {
		t.Errorf("error has no message")
	}
	var got []string
	for _, f := range e.Fields {
		got = append(got, f.Field+": "+f.Message)
	}
	return got
}

func equalStrings(a, b []string) bool {
	return len(a) == len(b) && (len(a) == 0 || reflect.DeepEqual(a, b))
}

// goInternals are words that give away the Go code behind a message; no
// message a client reads may hold one.
var goInternals = []string{"strconv", "json:", "jsontext", "runtime", "jsonpatch", "Atoi", "invalid syntax", "unmarshal", "panic", "*examreg", "%!"}

// checkClean fails when an error's message or a field message holds Go
// internals.
func checkClean(t testing.TB, err error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		return
	}
	texts := []string{e.Message}
	for _, f := range e.Fields {
		texts = append(texts, f.Field+" "+f.Message)
	}
	for _, text := range texts {
		for _, word := range goInternals {
			if strings.Contains(text, word) {
				t.Errorf("message %q gives away Go internals (%q)", text, word)
			}
		}
	}
}

// clientText is the JSON of p without its server-managed fields: what a
// client writes.
func clientText(t testing.TB, p *Process) string { return viewOf(t, p, false) }

// serverText is the JSON of p's server-managed fields only.
func serverText(t testing.TB, p *Process) string { return viewOf(t, p, true) }

// viewOf is the canonical JSON of p's server-managed fields, or of the others.
func viewOf(t testing.TB, p *Process, serverManaged bool) string {
	t.Helper()
	var kept []jsondoc.Member
	for _, m := range p.Members() {
		if IsServerManaged(m.Name) == serverManaged {
			kept = append(kept, m)
		}
	}
	return canonical(t, jsondoc.ObjectValue(kept).AppendJSON(nil))
}

// clientDoc is the client-writable members of p as one JSON object.
func clientDoc(p *Process) jsondoc.Value {
	var kept []jsondoc.Member
	for _, m := range p.Members() {
		if !IsServerManaged(m.Name) {
			kept = append(kept, m)
		}
	}
	return jsondoc.ObjectValue(kept)
}

// snapshot is p's exact JSON text, for checking later that p did not change.
func snapshot(t testing.TB, p *Process) string {
	t.Helper()
	return string(p.AppendJSON(nil))
}

// text is the JSON text of v.
func text(v jsondoc.Value) string { return string(v.AppendJSON(nil)) }

// member is p's top-level member name, failing when it is absent.
func member(t testing.TB, p *Process, name string) jsondoc.Value {
	t.Helper()
	v, ok := p.Member(name)
	if !ok {
		t.Fatalf("%s is absent", name)
	}
	return v
}

// memberAt is the value at a dotted path of member names (no arrays) in v.
func memberAt(v jsondoc.Value, path string) (jsondoc.Value, bool) {
	for _, name := range strings.Split(path, ".") {
		var ok bool
		if v, ok = v.Member(name); !ok {
			return jsondoc.Value{}, false
		}
	}
	return v, true
}

// ptr is a pointer to v.
func ptr[T any](v T) *T { return &v }

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
