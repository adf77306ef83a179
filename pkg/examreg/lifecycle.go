package examreg

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"github.com/certhub/examreg/pkg/jsondoc"
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
func decodeProcess(doc jsondoc.Value, id string) (*Process, error) {
	if doc.Kind() != jsondoc.KindObject {
		return nil, Invalid("an exam reg process must be a JSON object", FieldError{Field: "", Message: "must be an object"})
	}
	c := conformer{of: "an exam reg process"}
	p := &Process{members: inSchemaOrder(c.members(doc.Members(), processShape))}
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
	created := []jsondoc.Member{
		{Name: "id", Value: jsondoc.StringValue(id)},
		{Name: "sys_created_at", Value: jsondoc.StringValue(Timestamp(by.Now))},
		{Name: "sys_created_by_id", Value: jsondoc.StringValue(by.UserID)},
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
	created := []jsondoc.Member{{Name: "id", Value: jsondoc.StringValue(old.ID())}}
	for _, c := range []jsondoc.Member{{Name: "sys_created_at", Value: jsondoc.StringValue(createdAt)}, {Name: "sys_created_by_id", Value: jsondoc.StringValue(createdBy)}} {
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
func serverFields(p *Process) []jsondoc.Member {
	var kept []jsondoc.Member
	for _, m := range p.members {
		if IsServerManaged(m.Name) {
			kept = append(kept, m)
		}
	}
	return kept
}

// stamp is what a write by an actor records over a record at version: the
// next version, who and when.
func stamp(version int64, by Actor) []jsondoc.Member {
	return []jsondoc.Member{
		{Name: "sys_version", Value: jsondoc.IntValue(version + 1)},
		{Name: "sys_last_modified_at", Value: jsondoc.StringValue(Timestamp(by.Now))},
		{Name: "sys_last_modified_by_id", Value: jsondoc.StringValue(by.UserID)},
		{Name: "sys_last_security_context", Value: by.securityContext()},
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
	if id.Kind() == jsondoc.KindString && ValidID(id.Text()) || id.Kind() != jsondoc.KindString && id.Kind() != jsondoc.KindNull {
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
	now := jsondoc.StringValue(Timestamp(l.Now))
	set := []jsondoc.Member{
		{Name: "sys_bulk_load_pk", Value: jsondoc.StringValue(l.Tenant + "#" + l.ID)},
		{Name: "sys_bulk_load_id", Value: jsondoc.StringValue(l.ID)},
		{Name: "sys_bulk_load_at", Value: now},
		{Name: "sys_bulk_load_record_no", Value: jsondoc.IntValue(int64(lineNo))},
		{Name: "sys_bulk_load_source_file", Value: jsondoc.StringValue(l.SourceFile)},
		{Name: "sys_last_security_context", Value: Actor{UserID: bulkLoader, TenantID: l.Tenant, RequestID: l.ID, Operation: OperationBulkLoad, Now: l.Now}.securityContext()},
	}
	defaults := []jsondoc.Member{
		{Name: "sys_version", Value: jsondoc.IntValue(1)},
		{Name: "sys_created_at", Value: now},
		{Name: "sys_last_modified_at", Value: now},
		{Name: "sys_created_by_id", Value: jsondoc.StringValue(bulkLoader)},
		{Name: "sys_last_modified_by_id", Value: jsondoc.StringValue(bulkLoader)},
	}
	if existing != nil {
		set = append(set, jsondoc.Member{Name: "sys_version", Value: jsondoc.IntValue(existing.Version() + 1)})
		for i, d := range defaults {
			if v, ok := existing.Member(d.Name); ok && (d.Name == "sys_created_at" || d.Name == "sys_created_by_id") {
				defaults[i].Value = v
			}
		}
		defaults = defaults[1:] // the version is the stored one's next, whatever the file says
	} else if deleted > 0 {
		set = append(set, jsondoc.Member{Name: "sys_version", Value: jsondoc.IntValue(deleted + 1)})
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
	for _, m := range p.members {
		if !IsServerManaged(m.Name) {
			// "name":value, as a member of an object is written.
			h.Write(canonicalNumbers(m.Value).AppendJSON(append(jsondoc.StringValue(m.Name).AppendJSON(nil), ':')))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// canonicalNumbers is v with every number in one spelling (jsondoc.Decimal's).
func canonicalNumbers(v jsondoc.Value) jsondoc.Value {
	switch v.Kind() {
	case jsondoc.KindNumber:
		return jsondoc.NumberValue(jsondoc.ParseDecimal(v.Text()).String())
	case jsondoc.KindArray:
		items := make([]jsondoc.Value, len(v.Items()))
		for i, item := range v.Items() {
			items[i] = canonicalNumbers(item)
		}
		return jsondoc.ArrayValue(items)
	case jsondoc.KindObject:
		members := make([]jsondoc.Member, len(v.Members()))
		for i, m := range v.Members() {
			members[i] = jsondoc.Member{Name: m.Name, Value: canonicalNumbers(m.Value)}
		}
		return jsondoc.ObjectValue(members)
	}
	return v
}
