package examreg

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
)

// serverManaged are the fields only the server writes. A client's values for
// them are ignored in a PUT body (apart from id and sys_version, see
// Replace) and refused in a patch.
var serverManaged = []string{
	"id",
	"sys_version",
	"sys_created_at",
	"sys_created_by_id",
	"sys_last_modified_at",
	"sys_last_modified_by_id",
	"sys_deleted_by_id",
	"sys_last_security_context",
	"sys_calculated_field_error",
	"sys_calculated_field_errors",
}

// IsServerManaged reports whether the top-level field name is written only
// by the server.
func IsServerManaged(name string) bool { return slices.Contains(serverManaged, name) }

// DecodeProcess decodes and validates a create body (id "") or the PUT body
// for the record id. A create body must not carry an id (the server assigns
// it); a PUT body's id, when present, must be the path's. Every problem is
// reported at once.
func DecodeProcess(body []byte, id string) (*Process, error) {
	doc, err := ParseJSON(body)
	if err != nil {
		return nil, err
	}
	return decodeProcess(doc, id)
}

// anyID, as decodeProcess's id, takes the document's id as it is: a stored
// record's.
const anyID = "\x00"

// decodeProcess is DecodeProcess on a parsed document, which it may reorder.
func decodeProcess(doc Value, id string) (*Process, error) {
	if doc.kind != KindObject {
		return nil, Invalid("an exam reg process must be a JSON object", FieldError{Field: "", Message: "must be an object"})
	}
	var c conformer
	p := &Process{members: inSchemaOrder(c.members(doc.members, processShape))}
	return checked(p, c.problems, id)
}

// checked validates p, whose members have been conformed (wrongType lists
// those of the wrong type), and checks its id against the path's id (""
// for a create, anyID for a stored record).
func checked(p *Process, wrongType []FieldError, id string) (*Process, error) {
	v := p.validate()
	switch bodyID, sent := p.Member("id"); {
	case id == anyID:
	case id == "" && sent:
		v.add("id", "must not be sent on create: the server assigns ids")
	case id != "" && sent && bodyID.Text() != id:
		v.add("id", "must equal the id in the path")
	}
	// A field that could not be decoded is reported as such, not again as
	// missing or invalid.
	v.fields = slices.DeleteFunc(v.fields, func(f FieldError) bool {
		return slices.ContainsFunc(wrongType, func(w FieldError) bool {
			return f.Field == w.Field || strings.HasPrefix(f.Field, w.Field+".") || strings.HasPrefix(f.Field, w.Field+"[")
		})
	})
	v.fields = append(wrongType, v.fields...)
	if err := v.err(); err != nil {
		return nil, err
	}
	return p, nil
}

// NewProcess turns a decoded create body into the record to store under id,
// with every server-managed field set afresh (sys_version 1).
func NewProcess(p *Process, id string, by Actor) *Process {
	created := []Member{
		{"id", StringValue(id)},
		{"sys_created_at", StringValue(Timestamp(by.Now))},
		{"sys_created_by_id", StringValue(by.UserID)},
	}
	return p.update(append(created, stamp(0, by)...), serverManaged...)
}

// Replace turns a decoded PUT body into the successor of current. The body's
// sys_version, when present (and not 0), must be the stored one, or the
// answer is ErrStale: a client that GETs, edits and PUTs back cannot
// overwrite someone else's update unknowingly. Every other server-managed
// field is carried over from current.
func Replace(current, p *Process, by Actor) (*Process, error) {
	if v := p.Version(); v != 0 && v != current.Version() {
		return nil, ErrStale
	}
	return p.update(append(serverFields(current), stamp(current.Version(), by)...), serverManaged...), nil
}

// Restore is the successor of current that puts back the members a client
// writes as old, an earlier version of the record, held them. Every
// server-managed member is carried over from current, as on a PUT; by names
// the version restored in RestoredFrom.
func Restore(current, old *Process, by Actor) *Process {
	return old.update(append(serverFields(current), stamp(current.Version(), by)...), serverManaged...)
}

// Undelete is the record that brings old, an earlier version of a deleted
// record, back under its id, at the version after its delete's (deleted):
// the members a client writes as old held them, and the record's creation
// (createdAt, createdBy; old's when empty) kept.
func Undelete(old *Process, deleted int64, createdAt, createdBy string, by Actor) *Process {
	created := []Member{{"id", StringValue(old.ID())}}
	for _, c := range []Member{{"sys_created_at", StringValue(createdAt)}, {"sys_created_by_id", StringValue(createdBy)}} {
		if c.Value.Text() == "" {
			c.Value, _ = old.Member(c.Name)
		}
		created = append(created, c)
	}
	return old.update(append(created, stamp(deleted, by)...), serverManaged...)
}

// Unchanged reports whether p holds exactly the members a client writes
// that stored holds: a write of p over stored would change nothing a
// client wrote, so it writes nothing.
func (p *Process) Unchanged(stored *Process) bool { return p.Fingerprint() == stored.Fingerprint() }

// serverFields are the server-managed members of p.
func serverFields(p *Process) []Member {
	var kept []Member
	for _, m := range p.members {
		if IsServerManaged(m.Name) {
			kept = append(kept, m)
		}
	}
	return kept
}

// stamp is what a write by an actor records over a record at version: the
// next version, who and when.
func stamp(version int64, by Actor) []Member {
	return []Member{
		{"sys_version", IntValue(version + 1)},
		{"sys_last_modified_at", StringValue(Timestamp(by.Now))},
		{"sys_last_modified_by_id", StringValue(by.UserID)},
		{"sys_last_security_context", by.securityContext()},
	}
}

// ETag is the entity tag of a record: its quoted sys_version.
func (p *Process) ETag() string { return ETag(p.Version()) }

// ETag is the entity tag of the record at version.
func ETag(version int64) string { return strconv.Quote(strconv.FormatInt(version, 10)) }

// DecodeLoadedProcess decodes and validates a whole record as the bulk
// loader reads it: the fields a client writes are checked as in a PUT body,
// server-managed ones are kept as given.
func DecodeLoadedProcess(body []byte) (*Process, error) {
	doc, err := ParseJSON(body)
	if err != nil {
		return nil, err
	}
	id, _ := doc.Member("id")
	p, err := decodeProcess(doc, anyID)
	if id.Kind() == KindString && ValidID(id.Text()) || id.Kind() != KindString && id.Kind() != KindNull {
		return p, err // a valid id, or one of the wrong type, already reported
	}
	// A stored record is found by its id: a bad one is reported first.
	missing := FieldError{Field: "id", Message: `is required and must match ^[\w|-]+$`}
	var e *Error
	if errors.As(err, &e) {
		return nil, Invalid(e.Message, append([]FieldError{missing}, e.Fields...)...)
	}
	return nil, Invalid("invalid exam reg process: id "+missing.Message, missing)
}

// ParseStoredProcess is the process a JSON text the service wrote holds (a
// version in a record's history), taken as it is.
func ParseStoredProcess(text []byte) (*Process, error) {
	doc, err := ParseJSON(text)
	if err != nil {
		return nil, err
	}
	return NewStoredProcess(doc.Members()), nil
}

// BulkLoad is one run of the bulk loader.
type BulkLoad struct {
	Tenant, ID, SourceFile string
	Now                    time.Time
}

// Loaded is p as a bulk load stores it, from line lineNo of the load's
// file, over existing, the process stored under its id (nil when there is
// none), or after deleted, the version of the delete of a record that had
// the id (0 when none did): the sys_bulk_load_* fields set; over an existing
// process, the next of its versions and its creation kept; after a delete,
// the version after the delete's, whatever the file says, so that the id's
// versions never restart; sys_version, the created and modified times and
// users otherwise kept when the file gives them, set when not; and
// sys_last_security_context recording the load (operation bulk_load, the
// load's id as the request), as the change history reads it.
func (l BulkLoad) Loaded(p *Process, lineNo int, existing *Process, deleted int64) *Process {
	now := StringValue(Timestamp(l.Now))
	set := []Member{
		{"sys_bulk_load_pk", StringValue(l.Tenant + "#" + l.ID)},
		{"sys_bulk_load_id", StringValue(l.ID)},
		{"sys_bulk_load_at", now},
		{"sys_bulk_load_record_no", IntValue(int64(lineNo))},
		{"sys_bulk_load_source_file", StringValue(l.SourceFile)},
		{"sys_last_security_context", Actor{UserID: bulkLoader, TenantID: l.Tenant, RequestID: l.ID, Operation: OperationBulkLoad, Now: l.Now}.securityContext()},
	}
	defaults := []Member{
		{"sys_version", IntValue(1)},
		{"sys_created_at", now},
		{"sys_last_modified_at", now},
		{"sys_created_by_id", StringValue(bulkLoader)},
		{"sys_last_modified_by_id", StringValue(bulkLoader)},
	}
	if existing != nil {
		set = append(set, Member{"sys_version", IntValue(existing.Version() + 1)})
		for i, d := range defaults {
			if v, ok := existing.Member(d.Name); ok && (d.Name == "sys_created_at" || d.Name == "sys_created_by_id") {
				defaults[i].Value = v
			}
		}
		defaults = defaults[1:] // the version is the stored one's next, whatever the file says
	} else if deleted > 0 {
		set = append(set, Member{"sys_version", IntValue(deleted + 1)})
		defaults = defaults[1:]
	}
	for _, d := range defaults {
		if _, given := p.Member(d.Name); !given {
			set = append(set, d)
		}
	}
	return p.update(set)
}

// bulkLoader is the user a bulk load writes as, where a record names none.
const bulkLoader = "bulk-loader"

// Fingerprint identifies what a create or PUT body asks for, whatever its
// spelling: a hash of the members a client writes (server-managed ones are
// ignored anyway), numbers by value, objects in the one order the service
// keeps. Two bodies with one fingerprint make the same record.
func (p *Process) Fingerprint() string {
	h := sha256.New()
	var buf []byte
	for _, m := range p.members {
		if !IsServerManaged(m.Name) {
			buf = AppendString(buf[:0], m.Name)
			buf = appendCanonical(append(buf, ':'), m.Value)
			h.Write(buf)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// appendCanonical is AppendJSON with every number in one spelling.
func appendCanonical(dst []byte, v Value) []byte {
	switch v.kind {
	case KindNumber:
		d := parseDecimal(v.text)
		if d.digits == "" {
			return append(dst, '0')
		}
		if d.negative {
			dst = append(dst, '-')
		}
		dst = append(append(dst, "0."...), d.digits...)
		return strconv.AppendInt(append(dst, 'e'), d.exp+1, 10)
	case KindArray:
		dst = append(dst, '[')
		for i, item := range v.items {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendCanonical(dst, item)
		}
		return append(dst, ']')
	case KindObject:
		dst = append(dst, '{')
		for i, m := range v.members {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendCanonical(append(AppendString(dst, m.Name), ':'), m.Value)
		}
		return append(dst, '}')
	}
	return AppendJSON(dst, v)
}
