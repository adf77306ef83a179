package examreg

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/certhub/examreg/pkg/jsondoc"
)

// serverManagedFields is the contract's list of server-managed fields (docs/api.md).
var serverManagedFields = []string{
	"id", "sys_version", "sys_created_at", "sys_created_by_id", "sys_last_modified_at",
	"sys_last_modified_by_id", "sys_deleted_by_id", "sys_last_security_context",
	"sys_calculated_field_error", "sys_calculated_field_errors",
}

// TestIsServerManaged holds every top-level field to the contract's split:
// the listed fields are server-managed, every other one (the sys_external_id,
// sys_locked, sys_bulk_load_* ... fields included) is client-writable.
func TestIsServerManaged(t *testing.T) {
	names := ProcessFields()
	for _, name := range serverManagedFields {
		if !slices.Contains(names, name) {
			t.Errorf("server-managed %s is not a field of a process", name)
		}
	}
	for _, name := range names {
		want := slices.Contains(serverManagedFields, name)
		if got := IsServerManaged(name); got != want {
			t.Errorf("IsServerManaged(%q) = %v, want %v", name, got, want)
		}
	}
	for _, name := range []string{"", "ID", "sys_versions", "sys_last_security_context.user_id", "checkout_settings"} {
		if IsServerManaged(name) {
			t.Errorf("IsServerManaged(%q) = true", name)
		}
	}
}

// TestProcessFields: the members of a process, in the order it writes them.
func TestProcessFields(t *testing.T) {
	fields := ProcessFields()
	if len(fields) != 41 || fields[0] != "id" || fields[1] != "name" || fields[len(fields)-1] != "sys_calculated_field_errors" {
		t.Errorf("ProcessFields() = %q", fields)
	}
	seen := map[string]bool{}
	for _, f := range fields {
		if seen[f] {
			t.Errorf("ProcessFields() names %s twice", f)
		}
		seen[f] = true
	}
}

func TestTimestamp(t *testing.T) {
	tests := []struct {
		in   time.Time
		want string
	}{
		{testActor.Now, testActorAt},
		{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), "2026-01-02T03:04:05.000Z"},
		{time.Date(2025, 12, 31, 23, 59, 59, 999_999_999, time.FixedZone("x", -5*3600)), "2026-01-01T04:59:59.999Z"},
	}
	for _, tt := range tests {
		if got := Timestamp(tt.in); got != tt.want {
			t.Errorf("Timestamp(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// wantSecurityContext is sys_last_security_context after a write by
// testActor, as it is written: members sorted by name.
const wantSecurityContext = `{"at":"2026-03-04T05:06:07.089Z","operation":"patch","request_id":"req-abc",` +
	`"source_ip":"198.51.100.4","tenant_id":"tenant-1","user_agent":"examreg-test/1.0","user_id":"user-42"}`

// TestNewProcess creates a record from a body that carries every
// client-writable field and stale values for the server-managed ones (as a
// client that copies a record it read would send, apart from id): NewProcess
// keeps the former and replaces the latter.
func TestNewProcess(t *testing.T) {
	body := merge(t, readFixture(t, "process_full.json"), `{"id":null}`)
	p, err := DecodeProcess(body, "")
	if err != nil {
		t.Fatalf("DecodeProcess: %v", err)
	}
	wantClient := clientText(t, p)
	before := snapshot(t, p)

	got := NewProcess(p, "new-id", testActor)

	if snapshot(t, p) != before {
		t.Errorf("NewProcess modified its input")
	}
	if got.ID() != "new-id" || got.Version() != 1 || got.ETag() != `"1"` || got.RequestID() != "req-abc" {
		t.Errorf("id %q version %d etag %s request %q", got.ID(), got.Version(), got.ETag(), got.RequestID())
	}
	if ctx := text(member(t, got, "sys_last_security_context")); ctx != wantSecurityContext {
		t.Errorf("sys_last_security_context = %s, want %s", ctx, wantSecurityContext)
	}
	for _, name := range []string{"sys_deleted_by_id", "sys_calculated_field_error", "sys_calculated_field_errors"} {
		if v, ok := got.Member(name); ok {
			t.Errorf("client-sent server-managed %s kept: %s", name, text(v))
		}
	}
	if gotClient := clientText(t, got); gotClient != wantClient {
		t.Errorf("client-writable fields changed\n got %s\nwant %s", gotClient, wantClient)
	}
	// The whole server view, exactly.
	want := `{"id":"new-id","sys_created_at":"2026-03-04T05:06:07.089Z","sys_created_by_id":"user-42",` +
		`"sys_last_modified_at":"2026-03-04T05:06:07.089Z","sys_last_modified_by_id":"user-42",` +
		`"sys_last_security_context":` + wantSecurityContext + `,"sys_version":1}`
	if got := serverText(t, got); got != want {
		t.Errorf("server view\n got %s\nwant %s", got, want)
	}
	if err := got.validate().err(); err != nil {
		t.Errorf("the new record is invalid: %v", err)
	}
	// The record is written in schema order.
	var names []string
	for _, m := range got.Members() {
		names = append(names, m.Name)
	}
	if !slices.IsSortedFunc(names, func(a, b string) int {
		return slices.Index(ProcessFields(), a) - slices.Index(ProcessFields(), b)
	}) {
		t.Errorf("members out of schema order: %q", names)
	}
}

// TestReplace covers the PUT rules: full replacement of the client-writable
// fields, server-managed fields carried over from the stored record, and the
// sys_version check.
func TestReplace(t *testing.T) {
	tests := []struct {
		name      string
		merge     string // over process_full.json, the stored record (sys_version 7)
		wantStale bool
	}{
		{name: "sys_version absent", merge: `{"sys_version":null}`},
		{name: "sys_version 0", merge: `{"sys_version":0}`},
		{name: "sys_version equal to the stored one", merge: `{"sys_version":7}`},
		{name: "sys_version older than the stored one", merge: `{"sys_version":6}`, wantStale: true},
		{name: "sys_version newer than the stored one", merge: `{"sys_version":8}`, wantStale: true},
		{name: "sys_version negative", merge: `{"sys_version":-7}`, wantStale: true},
		{name: "sys_version equal, written otherwise", merge: `{"sys_version":7.0}`},
		{name: "sys_version equal, with an exponent", merge: `{"sys_version":70e-1}`},
		{name: "sys_version older, with an exponent", merge: `{"sys_version":6e0}`, wantStale: true},
		{name: "server-managed fields sent are ignored", merge: `{"id":null,"sys_created_at":"1999-01-01T00:00:00.000Z",
			"sys_created_by_id":"mallory","sys_last_modified_at":"x","sys_last_modified_by_id":"mallory",
			"sys_deleted_by_id":"mallory","sys_last_security_context":{"user_id":"mallory"},
			"sys_calculated_field_error":"forged","sys_calculated_field_errors":[{"error":"forged"}]}`},
		{name: "client-writable fields are replaced, not merged", merge: `{"name":"Renamed","description":null,
			"sys_external_id":null,"sys_locked":true,"custom_field_values":null,"exam_ids":["exam-z"],
			"checkout_settings":{"bill_my_organization_options":null,"max_credit_card_amount":null,"accepted_cards":null}}`},
		{name: "empty containers are kept", merge: `{"custom_field_values":[],"checkout_settings":{"accepted_cards":[],"bill_my_organization_options":{}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			current := fullProcess(t)
			body := merge(t, readFixture(t, "process_full.json"), tt.merge)
			p, err := DecodeProcess(body, fixtureID)
			if err != nil {
				t.Fatalf("DecodeProcess: %v", err)
			}
			before, bodyBefore := snapshot(t, current), snapshot(t, p)

			next, err := Replace(current, p, testActor)

			if snapshot(t, current) != before || snapshot(t, p) != bodyBefore {
				t.Fatalf("Replace modified its inputs")
			}
			if tt.wantStale {
				if next != nil || !errors.Is(err, ErrStale) || ErrorCode(err) != ECONFLICT {
					t.Fatalf("Replace = %v, %v; want ErrStale", next, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Replace: %v", err)
			}
			// Client-writable fields: exactly the body's.
			if got, want := clientText(t, next), clientText(t, p); got != want {
				t.Errorf("client-writable fields\n got %s\nwant %s", got, want)
			}
			// Server-managed fields: the stored record's, stamped by the actor.
			if got, want := serverText(t, next), stampedServerText(t, current); got != want {
				t.Errorf("server-managed fields\n got %s\nwant %s", got, want)
			}
			if text(member(t, next, "sys_created_at")) != `"2026-01-02T03:04:05.678Z"` ||
				text(member(t, next, "sys_created_by_id")) != `"user-creator"` || next.ID() != fixtureID {
				t.Errorf("sys_created_* or id not kept: %s", serverText(t, next))
			}
			if next.ETag() != `"8"` {
				t.Errorf("ETag = %s", next.ETag())
			}

			// A retry (the store re-reads and calls again) gives the same result.
			again, err := Replace(current, p, testActor)
			if err != nil || snapshot(t, again) != snapshot(t, next) {
				t.Errorf("Replace on retry = %v, %v", again, err)
			}
			if snapshot(t, current) != before || snapshot(t, p) != bodyBefore {
				t.Errorf("Replace on retry modified its inputs")
			}
		})
	}
}

// TestReplaceChain replaces a record twice in a row: each write bumps
// sys_version by one and is stamped by its own actor.
func TestReplaceChain(t *testing.T) {
	created, err := DecodeProcess(readFixture(t, "process_minimal.json"), "")
	if err != nil {
		t.Fatal(err)
	}
	creator := testActor
	creator.UserID, creator.Operation, creator.Now = "creator", "create", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	current := NewProcess(created, "rec-1", creator)

	body := merge(t, readFixture(t, "process_minimal.json"), `{"sys_version":1,"name":"Second"}`)
	p, err := DecodeProcess(body, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	second, err := Replace(current, p, testActor)
	if err != nil {
		t.Fatal(err)
	}
	// The same body again is now stale: it says version 1, the record is at 2.
	if _, err := Replace(second, p, testActor); !errors.Is(err, ErrStale) {
		t.Errorf("second PUT of a version-1 body: %v, want ErrStale", err)
	}
	p, err = DecodeProcess(merge(t, body, `{"sys_version":null}`), "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	third, err := Replace(second, p, creator)
	if err != nil {
		t.Fatal(err)
	}
	str := func(p *Process, path string) string {
		v, _ := memberAt(p.Document(), path)
		return v.Text()
	}
	got := []string{str(second, "name"), str(second, "sys_created_by_id") + "/" + str(second, "sys_last_modified_by_id"),
		str(third, "sys_created_at"), str(third, "sys_last_modified_at"), str(third, "sys_last_security_context.operation")}
	want := []string{"Second", "creator/user-42", "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z", "create"}
	if second.Version() != 2 || third.Version() != 3 || !slices.Equal(got, want) {
		t.Errorf("versions %d, %d; fields %q, want %q", second.Version(), third.Version(), got, want)
	}
}

// TestDecodeLoadedProcess: a bulk-load line is checked like a PUT body of
// its own id, and its server-managed fields are kept.
func TestDecodeLoadedProcess(t *testing.T) {
	full := readFixture(t, "process_full.json")
	p, err := DecodeLoadedProcess(full)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := canonicalOf(t, p), canonical(t, full); got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	// A stored record is found by its id: a line must have a valid one, and
	// a missing or bad one is reported first, once.
	const badID = `id: is required and must match ^[\w|-]+$`
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"no id", string(merge(t, full, `{"id":null}`)), []string{badID}},
		{"empty id", string(merge(t, full, `{"id":""}`)), []string{badID}},
		{"bad id", string(merge(t, full, `{"id":"a b"}`)), []string{badID}},
		{"valid id, another problem", string(merge(t, full, `{"id":"x","name":5}`)), []string{"name: must be a string"}},
		{"bad id and another problem", string(merge(t, full, `{"id":"a/b","sys_version":"7"}`)), []string{badID, "sys_version: must be an integer"}},
		{"id of the wrong type", `{"id":5}`, []string{"id: must be a string", "name: is required", "type: is required", "exam_ids: must contain at least one exam id",
			"contact_form_options: is required", "checkout_settings: is required", "confirmation_email: is required"}},
		{"not an object", `[]`, []string{badID, ": must be an object"}},
		{"id twice", `{"id":"a","id":"b"}`, []string{"id: is given more than once"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := DecodeLoadedProcess([]byte(tt.body))
			if p != nil {
				t.Errorf("DecodeLoadedProcess returned a process with its error")
			}
			if got := invalid(t, err); !equalStrings(got, tt.want) {
				t.Errorf("DecodeLoadedProcess(%.120s) fields\n got %q\nwant %q", tt.body, got, tt.want)
			}
		})
	}
}

// TestBulkLoadLoaded: a loaded record gets the sys_bulk_load_* fields and a
// security context naming the load; the file's versions, times and users are
// kept, and set when the file has none.
func TestBulkLoadLoaded(t *testing.T) {
	load := BulkLoad{Tenant: "t1", ID: "load-9", SourceFile: "in.jsonl", Now: time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)}
	const at = "2026-05-06T07:08:09.000Z"
	context := `{"at":"` + at + `","operation":"bulk_load","request_id":"load-9","source_ip":"","tenant_id":"t1","user_agent":"","user_id":"bulk-loader"}`
	t.Run("file with server fields", func(t *testing.T) {
		p, err := DecodeLoadedProcess(readFixture(t, "process_full.json"))
		if err != nil {
			t.Fatal(err)
		}
		before := snapshot(t, p)
		got := load.Loaded(p, 12, nil, 0)
		if snapshot(t, p) != before {
			t.Errorf("Loaded modified its input")
		}
		// The context is replaced whole: a merge would keep members it lacks.
		replaced := merge(t, []byte(canonicalOf(t, p)), `{"sys_last_security_context":null}`)
		want := canonical(t, merge(t, replaced, `{"sys_bulk_load_pk":"t1#load-9","sys_bulk_load_id":"load-9","sys_bulk_load_at":"`+at+`",
			"sys_bulk_load_record_no":12,"sys_bulk_load_source_file":"in.jsonl","sys_last_security_context":`+context+`}`))
		if got := canonicalOf(t, got); got != want {
			t.Errorf("Loaded\n got %s\nwant %s", got, want)
		}
		if got.RequestID() != "load-9" || got.Version() != 7 {
			t.Errorf("RequestID %q, Version %d", got.RequestID(), got.Version())
		}
	})
	t.Run("file without server fields", func(t *testing.T) {
		p, err := DecodeLoadedProcess(merge(t, readFixture(t, "process_minimal.json"), `{"id":"p-1"}`))
		if err != nil {
			t.Fatal(err)
		}
		got := load.Loaded(p, 1, nil, 0)
		want := `{"id":"p-1","sys_bulk_load_at":"` + at + `","sys_bulk_load_id":"load-9","sys_bulk_load_pk":"t1#load-9","sys_bulk_load_record_no":1,` +
			`"sys_bulk_load_source_file":"in.jsonl","sys_created_at":"` + at + `","sys_created_by_id":"bulk-loader",` +
			`"sys_last_modified_at":"` + at + `","sys_last_modified_by_id":"bulk-loader","sys_last_security_context":` + context + `,"sys_version":1}`
		var kept []jsondoc.Member
		for _, m := range got.Members() {
			if IsServerManaged(m.Name) || strings.HasPrefix(m.Name, "sys_bulk_load") {
				kept = append(kept, m)
			}
		}
		if got := canonical(t, jsondoc.ObjectValue(kept).AppendJSON(nil)); got != want {
			t.Errorf("Loaded\n got %s\nwant %s", got, want)
		}
	})
	t.Run("over a stored record", func(t *testing.T) {
		stored := fullProcess(t) // version 7
		p, err := DecodeLoadedProcess(merge(t, readFixture(t, "process_minimal.json"), `{"id":"p-1","sys_version":1}`))
		if err != nil {
			t.Fatal(err)
		}
		got := load.Loaded(p, 1, stored, 0)
		created, _ := got.Member("sys_created_at")
		want, _ := stored.Member("sys_created_at")
		if got.Version() != 8 || created.Text() != want.Text() {
			t.Errorf("version %d, created %s; want the stored record's next version, 8, and its creation %s", got.Version(), created.Text(), want.Text())
		}
	})
}

func TestErrors(t *testing.T) {
	wrapped := &Error{Code: EUNAVAILABLE, Message: "the database is unavailable", Cause: errors.New("dial tcp: refused")}
	tests := []struct {
		err     error
		code    string
		message string
	}{
		{ErrStale, ECONFLICT, ErrStale.Message},
		{ErrNotFound, ENOTFOUND, "exam reg process not found"},
		{ErrLocked, ELOCKED, "record is locked"},
		{ErrIfMatch, EPRECONDITION, ErrIfMatch.Message},
		{ErrBusy, ECONFLICT, ErrBusy.Message},
		{ErrLimit, ELIMIT, ErrLimit.Message},
		{Errorf(EFORBIDDEN, "tenant %s not granted", "t1"), EFORBIDDEN, "tenant t1 not granted"},
		{Invalid("bad", FieldError{"f", "m"}), EINVALID, "bad"},
		{wrapped, EUNAVAILABLE, "the database is unavailable: dial tcp: refused"},
		{errors.Join(errors.New("x"), ErrLocked), ELOCKED, "x\nrecord is locked"},
		{errors.New("plain"), EINTERNAL, "plain"},
	}
	for _, tt := range tests {
		if got := ErrorCode(tt.err); got != tt.code {
			t.Errorf("ErrorCode(%v) = %q, want %q", tt.err, got, tt.code)
		}
		if got := tt.err.Error(); got != tt.message {
			t.Errorf("Error() = %q, want %q", got, tt.message)
		}
	}
	if errors.Unwrap(wrapped) != wrapped.Cause {
		t.Errorf("Unwrap does not return the cause")
	}
	b, err := json.Marshal(FieldError{Field: "exam_ids[0]", Message: "m"})
	if err != nil || string(b) != `{"field":"exam_ids[0]","message":"m"}` {
		t.Errorf("FieldError JSON = %s, %v", b, err)
	}
	if ETag(12) != `"12"` {
		t.Errorf("ETag(12) = %s", ETag(12))
	}
}

// TestObjectMembers: the typed objects of the schema, by path, with their
// members in the order they are written; free-form objects have none.
func TestObjectMembers(t *testing.T) {
	got := ObjectMembers()
	want := map[string][]string{
		"":                              ProcessFields(),
		"contact_form_options":          {"contact_form_id", "html"},
		"custom_field_values[]":         {"custom_field_id", "boolean_value", "file_url_value", "list_value", "numeric_value", "string_value", "table_value"},
		"confirmation_email":            {"subject", "body", "from", "from_name", "reply_to", "cc", "bcc"},
		"sys_last_security_context":     {"user_id", "tenant_id", "request_id", "source_ip", "user_agent", "operation", "at", "restored_from", "snapshot_id"},
		"sys_calculated_field_errors[]": {"error", "field"},
	}
	if len(got) != len(want) {
		t.Errorf("ObjectMembers() has %d paths, want %d: %q", len(got), len(want), got)
	}
	for path, names := range want {
		if !slices.Equal(got[path], names) {
			t.Errorf("ObjectMembers()[%q] = %q, want %q", path, got[path], names)
		}
	}
}

func TestRegistrationFields(t *testing.T) {
	want := []string{"id", "name", "number", "first_name", "last_name", "email_address", "student_id", "exam_id", "exam_offering_id",
		"course_registration_id", "process_id", "date", "status", "score", "location", "testing_facility_id", "training_location_id",
		"training_provider_id", "order_id", "order_line_item_id", "notes"}
	if got := RegistrationFields(); !slices.Equal(got, want) {
		t.Errorf("RegistrationFields() = %q\nwant %q", got, want)
	}
	// Every one of them is read, and nothing else.
	var members []jsondoc.Member
	for _, name := range want {
		members = append(members, jsondoc.Member{Name: name, Value: jsondoc.StringValue("x")})
	}
	if n := len(NewRegistration(append(members, jsondoc.Member{Name: "other", Value: jsondoc.StringValue("y")})).Document().Members()); n != len(want) {
		t.Errorf("NewRegistration kept %d members, want %d", n, len(want))
	}
}
