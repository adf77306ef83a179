// Package examreg is the Exam Reg Processes resource: its schema, strict
// decoding, validation, system fields, patch rules, eligibility rule and
// change history.
//
// It knows neither HTTP nor AWS. A record is held as the JSON document a
// client wrote (a Value per member), checked against the schema, so that
// what a client writes is exactly what it reads back: empty arrays and
// objects stay, numbers keep every digit, free-form values keep every
// member. The member names are the wire names of the API and, through
// pkg/store, the attribute names in DynamoDB.
package examreg

import (
	"cmp"
	"github.com/certhub/examreg/pkg/jsondoc"
	"slices"
	"time"
	"unicode/utf8"
)

// Process types.
const (
	TypeRegister = "register"
	TypeRetest   = "retest"
)

// processShape is an exam reg process: the members it may have, in the order
// the service writes them.
var processShape = objectOf(
	field{"id", aString},
	field{"name", aString},
	field{"display_in_portal_as", aString},
	field{"description", aString},
	field{"type", aString},
	field{"display_order", aNumber},
	field{"restrict_exams", aBoolean},
	field{"exam_ids", arrayOf(aString)},
	field{"show_contact_form", aBoolean},
	field{"contact_form_options", stringsObject("contact_form_id", "html")},
	field{"available_to_training_providers", aBoolean},
	field{"form_id", aString},
	field{"is_active", aBoolean},
	field{"custom_field_values", arrayOf(objectOf(
		field{"custom_field_id", aString},
		field{"boolean_value", aBoolean},
		field{"file_url_value", aString},
		field{"list_value", arrayOf(anyValue)},
		field{"numeric_value", aNumber},
		field{"string_value", aString},
		field{"table_value", arrayOf(aFreeObject)},
	))},
	field{"available_in_portal", aBoolean},
	field{"override_checkout_settings", aBoolean},
	// checkout_settings is kept as given: only bank_account_id and
	// business_unit_id are known to be required, the rest of its schema is
	// not published.
	field{"checkout_settings", aFreeObject},
	field{"enable_confirmation_email", aBoolean},
	field{"confirmation_email", stringsObject("subject", "body", "from", "from_name", "reply_to", "cc", "bcc")},
	field{"sys_deleted_by_id", aString},
	field{"sys_version", anInteger},
	field{"sys_created_at", aString},
	field{"sys_last_modified_at", aString},
	field{"sys_created_by_id", aString},
	field{"sys_last_modified_by_id", aString},
	field{"sys_external_id", aString},
	field{"sys_locked", aBoolean},
	field{"sys_bulk_load_pk", aString},
	field{"sys_bulk_load_at", aString},
	field{"sys_bulk_load_id", aString},
	field{"sys_bulk_load_record_no", aNumber},
	field{"sys_bulk_load_source_file", aString},
	field{"sys_last_bulk_data_operation_id", aString},
	field{"sys_last_bulk_data_operation_sys_version", aString},
	field{"sys_directive", aString},
	field{"sys_calculated_field_error", aString},
	field{"sys_snapshot_base_version", aNumber},
	field{"sys_has_files_in_s3", aBoolean},
	field{"sys_configuration_snapshot_id", aString},
	field{"sys_last_security_context", objectOf(
		field{"user_id", aString},
		field{"tenant_id", aString},
		field{"request_id", aString},
		field{"source_ip", aString},
		field{"user_agent", aString},
		field{"operation", aString},
		field{"at", aString},
		field{"restored_from", anInteger},
		field{"snapshot_id", aString},
	)},
	field{"sys_calculated_field_errors", arrayOf(stringsObject("error", "field"))},
)

// ProcessFields are the top-level members of an exam reg process, in the
// order the service writes them.
func ProcessFields() []string { return processShape.object.names }

// Process is an exam reg process: a JSON object whose members follow the
// schema, held in the order ProcessFields gives. A Process is not changed
// once built: every write makes a new one.
type Process struct {
	members []jsondoc.Member
}

// NewStoredProcess is the process made of members read from storage: those
// the schema knows (objects inside them must already have their members
// sorted by name). Other members, such as storage keys, are left out.
func NewStoredProcess(members []jsondoc.Member) *Process {
	return &Process{members: inSchemaOrder(slices.DeleteFunc(members, func(m jsondoc.Member) bool {
		_, known := processShape.object.index[m.Name]
		return !known
	}))}
}

// inSchemaOrder sorts known top-level members in the order ProcessFields
// gives. It sorts members in place.
func inSchemaOrder(members []jsondoc.Member) []jsondoc.Member {
	slices.SortFunc(members, func(a, b jsondoc.Member) int {
		return cmp.Compare(processShape.object.index[a.Name], processShape.object.index[b.Name])
	})
	return members
}

// Members returns the members of the process, in the order ProcessFields gives.
func (p *Process) Members() []jsondoc.Member { return p.members }

// Document returns the process as one JSON object.
func (p *Process) Document() jsondoc.Value { return jsondoc.ObjectValue(p.members) }

// AppendJSON appends the process's JSON text to dst.
func (p *Process) AppendJSON(dst []byte) []byte { return p.Document().AppendJSON(dst) }

// MarshalJSON writes the process as a client reads it.
func (p *Process) MarshalJSON() ([]byte, error) { return p.AppendJSON(nil), nil }

// Member returns the value of a top-level member.
func (p *Process) Member(name string) (jsondoc.Value, bool) { return p.Document().Member(name) }

// ID returns the record's id.
func (p *Process) ID() string { return p.Document().MemberText("id") }

// Version returns sys_version, 0 when absent.
func (p *Process) Version() int64 {
	v, _ := p.Member("sys_version")
	n, _ := v.Int64()
	return n
}

// RequestID returns the request that wrote this version of the record (from
// sys_last_security_context).
func (p *Process) RequestID() string {
	ctx, _ := p.Member("sys_last_security_context")
	return ctx.MemberText("request_id")
}

// LastModified is when the record was last written (sys_last_modified_at),
// the zero time when it does not say.
func (p *Process) LastModified() time.Time {
	at, _ := time.Parse(time.RFC3339, p.Document().MemberText("sys_last_modified_at"))
	return at
}

// IsLocked reports whether the record refuses changes through the API.
func (p *Process) IsLocked() bool {
	v, _ := p.Member("sys_locked")
	return v.Bool()
}

// ExamIDs returns the exams the process serves.
func (p *Process) ExamIDs() []string {
	v, _ := p.Member("exam_ids")
	ids := make([]string, len(v.Items()))
	for i, id := range v.Items() {
		ids[i] = id.Text()
	}
	return ids
}

// update returns a copy of p in which the members of set are set (added or
// replaced; of two with one name, the later wins) and the members named in
// remove are removed.
func (p *Process) update(set []jsondoc.Member, remove ...string) *Process {
	named := func(name string) func(jsondoc.Member) bool {
		return func(m jsondoc.Member) bool { return m.Name == name }
	}
	var members []jsondoc.Member
	for _, m := range p.members {
		if !slices.Contains(remove, m.Name) && !slices.ContainsFunc(set, named(m.Name)) {
			members = append(members, m)
		}
	}
	for i, m := range set {
		if !slices.ContainsFunc(set[i+1:], named(m.Name)) {
			members = append(members, m)
		}
	}
	return &Process{members: inSchemaOrder(members)}
}

// Actor is who performs a write and the request it arrived in; it fills the
// sys_*_by_id fields and sys_last_security_context.
type Actor struct {
	UserID    string
	TenantID  string
	RequestID string
	// WriteID tells this write from every other, and not from the SDK's
	// retries of it: the request's id, or, for an operation of a batch, the
	// request's id and the operation's place.
	WriteID   string
	SourceIP  string
	UserAgent string
	Operation string
	// RestoredFrom is, for a restore, the version it puts back.
	RestoredFrom int64
	// SnapshotID is, for an apply of a configuration snapshot, the
	// snapshot's id.
	SnapshotID string
	Now        time.Time
}

// Timestamp formats t the way every sys_*_at field is written: RFC 3339 in
// UTC with milliseconds.
func Timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

// maxUserAgent bounds the User-Agent a security context keeps, so that the
// server-managed members of a record stay small beside its client-written
// ones.
const maxUserAgent = 512

// securityContext is sys_last_security_context for a write by a, members
// sorted by name as every object the service writes.
func (a Actor) securityContext() jsondoc.Value {
	if len(a.UserAgent) > maxUserAgent {
		cut := maxUserAgent
		for cut > 0 && !utf8.RuneStart(a.UserAgent[cut]) {
			cut--
		}
		a.UserAgent = a.UserAgent[:cut]
	}
	members := []jsondoc.Member{
		{Name: "at", Value: jsondoc.StringValue(Timestamp(a.Now))},
		{Name: "operation", Value: jsondoc.StringValue(a.Operation)},
		{Name: "request_id", Value: jsondoc.StringValue(a.RequestID)},
	}
	if a.RestoredFrom > 0 {
		members = append(members, jsondoc.Member{Name: "restored_from", Value: jsondoc.IntValue(a.RestoredFrom)})
	}
	if a.SnapshotID != "" {
		members = append(members, jsondoc.Member{Name: "snapshot_id", Value: jsondoc.StringValue(a.SnapshotID)})
	}
	return jsondoc.ObjectValue(append(members,
		jsondoc.Member{Name: "source_ip", Value: jsondoc.StringValue(a.SourceIP)},
		jsondoc.Member{Name: "tenant_id", Value: jsondoc.StringValue(a.TenantID)},
		jsondoc.Member{Name: "user_agent", Value: jsondoc.StringValue(a.UserAgent)},
		jsondoc.Member{Name: "user_id", Value: jsondoc.StringValue(a.UserID)},
	))
}
