package examreg

import (
	"slices"
	"strconv"
	"strings"
)

// serverManaged are the fields only the server writes. A client's values for
// them are ignored in a PUT body (apart from id and sys_version, see
// Replace) and refused in a patch.
var serverManaged = map[string]bool{
	"id":                          true,
	"sys_version":                 true,
	"sys_created_at":              true,
	"sys_created_by_id":           true,
	"sys_last_modified_at":        true,
	"sys_last_modified_by_id":     true,
	"sys_deleted_by_id":           true,
	"sys_last_security_context":   true,
	"sys_calculated_field_error":  true,
	"sys_calculated_field_errors": true,
}

// IsServerManaged reports whether the top-level field name is written only
// by the server.
func IsServerManaged(name string) bool { return serverManaged[name] }

// DecodeProcess decodes and validates a create body (id "") or the PUT body
// for the record id. A create body must not carry an id (the server assigns
// it); a PUT body's id, when present, must be the path's. Every problem is
// reported at once.
func DecodeProcess(body []byte, id string) (*Process, error) {
	raw, err := singleValue(body)
	if err != nil {
		return nil, err
	}
	return decodeProcess(raw, id)
}

// decodeProcess is DecodeProcess on one JSON value.
func decodeProcess(raw []byte, id string) (*Process, error) {
	var p Process
	wrongType := decodeFields(raw, &p)
	if len(wrongType) == 1 && wrongType[0].Field == "" {
		return nil, Invalid("an exam reg process must be a JSON object", wrongType...)
	}
	v := p.validate()
	switch {
	case id == "" && p.ID != "":
		v.add("id", "must not be sent on create: the server assigns ids")
	case id != "" && p.ID != "" && p.ID != id:
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
	return &p, nil
}

// NewProcess turns a decoded create body into the record to store under id,
// with every server-managed field set afresh (sys_version 1).
func NewProcess(p *Process, id string, by Actor) *Process {
	p.adoptServerFields(&Process{ID: id})
	p.SysCreatedAt = Timestamp(by.Now)
	p.SysCreatedByID = by.UserID
	p.stamp(by)
	return p
}

// Replace turns a decoded PUT body into the successor of current, leaving p
// as it is. The body's sys_version, when present (and not 0), must be the
// stored one, or the answer is ErrStale: a client that GETs, edits and PUTs
// back cannot overwrite someone else's update unknowingly. Every other
// server-managed field is carried over from current.
func Replace(current, p *Process, by Actor) (*Process, error) {
	if p.SysVersion != 0 && p.SysVersion != current.SysVersion {
		return nil, ErrStale
	}
	next := *p
	next.adoptServerFields(current)
	next.stamp(by)
	return &next, nil
}

// adoptServerFields copies every server-managed field from src.
func (p *Process) adoptServerFields(src *Process) {
	p.ID = src.ID
	p.SysVersion = src.SysVersion
	p.SysCreatedAt = src.SysCreatedAt
	p.SysCreatedByID = src.SysCreatedByID
	p.SysLastModifiedAt = src.SysLastModifiedAt
	p.SysLastModifiedByID = src.SysLastModifiedByID
	p.SysDeletedByID = src.SysDeletedByID
	p.SysLastSecurityContext = src.SysLastSecurityContext
	p.SysCalculatedFieldError = src.SysCalculatedFieldError
	p.SysCalculatedFieldErrors = src.SysCalculatedFieldErrors
}

// stamp records a write by an actor: the next version, who and when.
func (p *Process) stamp(by Actor) {
	p.SysVersion++
	p.SysLastModifiedAt = Timestamp(by.Now)
	p.SysLastModifiedByID = by.UserID
	p.SysLastSecurityContext = by.securityContext()
}

// ETag is the entity tag of a record: its quoted sys_version.
func (p *Process) ETag() string { return strconv.Quote(strconv.FormatInt(p.SysVersion, 10)) }
