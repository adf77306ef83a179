package examreg

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// serverManagedFields is DESIGN.md's list of server-managed fields.
var serverManagedFields = []string{
	"id", "sys_version", "sys_created_at", "sys_created_by_id", "sys_last_modified_at",
	"sys_last_modified_by_id", "sys_deleted_by_id", "sys_last_security_context",
	"sys_calculated_field_error", "sys_calculated_field_errors",
}

// TestIsServerManaged holds every top-level field to DESIGN.md's split:
// the listed fields are server-managed, every other one (the sys_external_id,
// sys_locked, sys_bulk_load_* ... fields included) is client-writable.
func TestIsServerManaged(t *testing.T) {
	typ := reflect.TypeFor[Process]()
	var names []string
	for i := range typ.NumField() {
		names = append(names, jsonName(typ.Field(i)))
	}
	for _, name := range serverManagedFields {
		if !slices.Contains(names, name) {
			t.Errorf("server-managed %s is not a field of Process", name)
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

// wantSecurityContext is sys_last_security_context after a write by testActor.
var wantSecurityContext = &SecurityContext{
	UserID:    "user-42",
	TenantID:  "tenant-1",
	RequestID: "req-abc",
	SourceIP:  "198.51.100.4",
	UserAgent: "examreg-test/1.0",
	Operation: "patch",
	At:        testActorAt,
}

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
	wantClient := clientView(t, p)

	got := NewProcess(p, "new-id", testActor)

	if got.ID != "new-id" || got.SysVersion != 1 ||
		got.SysCreatedAt != testActorAt || got.SysLastModifiedAt != testActorAt ||
		got.SysCreatedByID != "user-42" || got.SysLastModifiedByID != "user-42" {
		t.Errorf("server fields: id %q version %d created %s by %s modified %s by %s", got.ID, got.SysVersion,
			got.SysCreatedAt, got.SysCreatedByID, got.SysLastModifiedAt, got.SysLastModifiedByID)
	}
	if !reflect.DeepEqual(got.SysLastSecurityContext, wantSecurityContext) {
		t.Errorf("SysLastSecurityContext = %+v, want %+v", got.SysLastSecurityContext, wantSecurityContext)
	}
	if got.SysDeletedByID != nil || got.SysCalculatedFieldError != nil || got.SysCalculatedFieldErrors != nil {
		t.Errorf("client-sent server-managed fields kept: %v %v %v",
			got.SysDeletedByID, got.SysCalculatedFieldError, got.SysCalculatedFieldErrors)
	}
	if gotClient := clientView(t, got); gotClient != wantClient {
		t.Errorf("client-writable fields changed\n got %s\nwant %s", gotClient, wantClient)
	}
	// The whole server view, exactly.
	want := `{"id":"new-id","sys_created_at":"2026-03-04T05:06:07.089Z","sys_created_by_id":"user-42",` +
		`"sys_last_modified_at":"2026-03-04T05:06:07.089Z","sys_last_modified_by_id":"user-42",` +
		`"sys_last_security_context":{"at":"2026-03-04T05:06:07.089Z","operation":"patch","request_id":"req-abc",` +
		`"source_ip":"198.51.100.4","tenant_id":"tenant-1","user_agent":"examreg-test/1.0","user_id":"user-42"},"sys_version":1}`
	if got := serverView(t, got); got != want {
		t.Errorf("server view\n got %s\nwant %s", got, want)
	}
	if err := got.Validate(); err != nil {
		t.Errorf("the new record is invalid: %v", err)
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
		{name: "server-managed fields sent are ignored", merge: `{"id":null,"sys_created_at":"1999-01-01T00:00:00.000Z",
			"sys_created_by_id":"mallory","sys_last_modified_at":"x","sys_last_modified_by_id":"mallory",
			"sys_deleted_by_id":"mallory","sys_last_security_context":{"user_id":"mallory"},
			"sys_calculated_field_error":"forged","sys_calculated_field_errors":[{"error":"forged"}]}`},
		{name: "client-writable fields are replaced, not merged", merge: `{"name":"Renamed","description":null,
			"sys_external_id":null,"sys_locked":true,"custom_field_values":null,"exam_ids":["exam-z"],
			"checkout_settings":{"bill_my_organization_options":null,"max_credit_card_amount":null,"accepted_cards":null}}`},
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
			if got, want := clientView(t, next), clientView(t, p); got != want {
				t.Errorf("client-writable fields\n got %s\nwant %s", got, want)
			}
			// Server-managed fields: the stored record's, stamped by the actor.
			want := *current
			want.SysVersion = 8
			want.SysLastModifiedAt = testActorAt
			want.SysLastModifiedByID = "user-42"
			want.SysLastSecurityContext = wantSecurityContext
			if got, want := serverView(t, next), serverView(t, &want); got != want {
				t.Errorf("server-managed fields\n got %s\nwant %s", got, want)
			}
			if next.SysCreatedAt != "2026-01-02T03:04:05.678Z" || next.SysCreatedByID != "user-creator" || next.ID != fixtureID {
				t.Errorf("sys_created_* or id not kept: %s %s %s", next.SysCreatedAt, next.SysCreatedByID, next.ID)
			}
			if next.ETag() != `"8"` {
				t.Errorf("ETag = %s", next.ETag())
			}

			// A retry (the store re-reads and calls again) gives the same result.
			again, err := Replace(current, p, testActor)
			if err != nil || canonicalOf(t, again) != canonicalOf(t, next) {
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
	p.SysVersion = 0
	third, err := Replace(second, p, creator)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{second.Name, strings.Join([]string{second.SysCreatedByID, second.SysLastModifiedByID}, "/"),
		third.SysCreatedAt, third.SysLastModifiedAt, third.SysLastSecurityContext.Operation}
	want := []string{"Second", "creator/user-42", "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z", "create"}
	if second.SysVersion != 2 || third.SysVersion != 3 || !slices.Equal(got, want) {
		t.Errorf("versions %d, %d; fields %q, want %q", second.SysVersion, third.SysVersion, got, want)
	}
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
}
