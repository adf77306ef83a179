package examreg

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

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

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fullProcess decodes testdata/process_full.json the way a stored record is
// read: every field, server-managed ones included.
func fullProcess(t *testing.T) *Process {
	t.Helper()
	var p Process
	if err := DecodeJSON(readFixture(t, "process_full.json"), &p); err != nil {
		t.Fatalf("DecodeJSON(process_full.json): %v", err)
	}
	return &p
}

// canonical re-marshals a JSON document with sorted keys and no spacing, so
// two documents compare equal exactly when they hold the same JSON.
func canonical(t *testing.T, doc []byte) string {
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
func canonicalOf(t *testing.T, v any) string {
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
func merge(t *testing.T, doc []byte, patch string) []byte {
	t.Helper()
	out, err := jsonpatch.MergePatch(doc, []byte(patch))
	if err != nil {
		t.Fatalf("merge %s: %v", patch, err)
	}
	return out
}

// invalid asserts that err is an EINVALID *Error and returns its field
// errors as "field: message" strings, in order.
func invalid(t *testing.T, err error) []string {
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

// clientView is the JSON of p without its server-managed fields: what a
// client writes.
func clientView(t *testing.T, p *Process) string { return viewOf(t, p, false) }

// serverView is the JSON of p's server-managed fields only.
func serverView(t *testing.T, p *Process) string { return viewOf(t, p, true) }

// viewOf is the canonical JSON of p's server-managed fields, or of the others.
func viewOf(t *testing.T, p *Process, serverManaged bool) string {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for name := range m {
		if IsServerManaged(name) != serverManaged {
			delete(m, name)
		}
	}
	return canonicalOf(t, m)
}

// snapshot is a deep copy of p for checking later that p did not change.
func snapshot(t *testing.T, p *Process) string {
	t.Helper()
	return canonicalOf(t, p)
}
