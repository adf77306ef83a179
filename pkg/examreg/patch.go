package examreg

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"

	jsonpatch "github.com/evanphx/json-patch/v5"
)

// MaxPatchOperations bounds the length of one RFC 6902 patch.
const MaxPatchOperations = 1000

// Patch is a parsed RFC 6902 JSON Patch whose operations have been checked
// against the rules of this resource.
type Patch struct {
	ops   jsonpatch.Patch
	field string // where the patch sits in its body, to prefix error paths
	// touched are the top-level members the operations' pointers reach:
	// the rest of a record is not the patch's business.
	touched []string
}

// IsEmpty reports whether the patch has no operations: applying it changes
// nothing, so it writes nothing.
func (p *Patch) IsEmpty() bool { return len(p.ops) == 0 }

// ParsePatch parses and checks an RFC 6902 patch document: an array of at
// most MaxPatchOperations operations, each well formed, none touching a
// server-managed field (as path or as from). Every problem is reported, by
// operation index ("[2].path").
func ParsePatch(body []byte) (*Patch, error) {
	doc, err := ParseJSON(body)
	if err != nil {
		return nil, err
	}
	return ParsePatchValue(doc, "")
}

// ParsePatchValue is ParsePatch for a patch held in a member of a larger
// body (a batch operation's patch_directives); field prefixes the paths of
// the errors.
func ParsePatchValue(doc Value, field string) (*Patch, error) {
	if doc.kind != KindArray {
		return nil, Invalid("a patch must be a JSON array of RFC 6902 operations",
			FieldError{Field: field, Message: "must be an array of RFC 6902 operations"})
	}
	if len(doc.items) > MaxPatchOperations {
		return nil, Invalid("a patch holds at most "+strconv.Itoa(MaxPatchOperations)+" operations",
			FieldError{Field: field, Message: "must hold at most " + strconv.Itoa(MaxPatchOperations) + " operations"})
	}
	var v validation
	for i, op := range doc.items {
		v.patchOperation(field+"["+strconv.Itoa(i)+"]", op)
	}
	if err := v.errOf("invalid patch"); err != nil {
		return nil, err
	}
	var touched []string
	for _, o := range doc.items {
		for _, name := range []string{"path", "from"} {
			ptr, _ := o.Member(name)
			if tokens, _ := pointerTokens(ptr.text); len(tokens) > 0 && !slices.Contains(touched, tokens[0]) {
				touched = append(touched, tokens[0])
			}
		}
	}
	// The library's form of the operations, built from the parsed document
	// rather than parsed again: the members RFC 6902 defines, as JSON text
	// (null as nil, as the library's own decoding has it).
	ops := make(jsonpatch.Patch, len(doc.items))
	for i, o := range doc.items {
		ops[i] = make(jsonpatch.Operation, 4)
		for _, m := range o.members {
			switch m.Name {
			case "op", "path", "from", "value":
				var raw *json.RawMessage
				if m.Value.kind != KindNull {
					text := json.RawMessage(AppendJSON(nil, m.Value))
					raw = &text
				}
				ops[i][m.Name] = raw
			}
		}
	}
	return &Patch{ops: ops, field: field, touched: touched}, nil
}

// patchOperation checks one operation. Members RFC 6902 does not define for
// the operation are ignored whatever their type, as the RFC requires.
func (v *validation) patchOperation(at string, o Value) {
	if o.kind != KindObject {
		v.add(at, "must be an object with string members op, path and (for move and copy) from")
		return
	}
	op, ok := v.stringMember(at+".op", o, "op")
	if !ok {
		return
	}
	switch op {
	case "add", "replace", "test":
		if _, ok := o.Member("value"); !ok {
			v.add(at+".value", "is required for "+op)
		}
	case "move", "copy":
		if from, ok := v.stringMember(at+".from", o, "from"); ok {
			v.pointer(at+".from", from)
		}
	case "remove":
	default:
		v.add(at+".op", "must be one of add, remove, replace, move, copy, test")
	}
	if path, ok := v.stringMember(at+".path", o, "path"); ok {
		v.pointer(at+".path", path)
	}
}

// stringMember reads an operation member that must be a JSON string,
// reporting it when absent (or null) or of another type.
func (v *validation) stringMember(field string, o Value, name string) (string, bool) {
	s, _ := o.Member(name)
	switch s.kind {
	case KindString:
		return s.text, true
	case KindNull:
		v.add(field, "is required")
	default:
		v.add(field, "must be a string")
	}
	return "", false
}

// pointer checks a JSON Pointer (RFC 6901) and that it does not reach a
// server-managed field.
func (v *validation) pointer(field, ptr string) {
	tokens, ok := pointerTokens(ptr)
	switch {
	case !ok:
		v.add(field, "must be a JSON Pointer starting with /")
	case !validEscapes(ptr):
		v.add(field, "must be a JSON Pointer: ~ is written ~0 and / is written ~1, and ~ is followed by nothing else")
	case len(tokens) == 0:
		v.add(field, "must not be the whole document: it holds read-only fields")
	case IsServerManaged(tokens[0]):
		v.add(field, tokens[0]+" is read-only")
	}
}

// validEscapes reports whether every ~ of a JSON Pointer starts ~0 or ~1
// (RFC 6901 section 3).
func validEscapes(ptr string) bool {
	for i := 0; i < len(ptr); i++ {
		if ptr[i] == '~' && (i+1 == len(ptr) || ptr[i+1] != '0' && ptr[i+1] != '1') {
			return false
		}
	}
	return true
}

// ApplyPatch applies the patch to current and returns the successor record,
// validated exactly like a PUT body. A failed test operation, or an operation
// that cannot apply (a missing path, an index out of range), is EINVALID,
// naming the operation.
func ApplyPatch(current *Process, patch *Patch, by Actor) (*Process, error) {
	// Only the members the patch reaches go through the library, as JSON:
	// the others cannot change, and stay as they are.
	var part, kept []Member
	for _, m := range current.members {
		if slices.Contains(patch.touched, m.Name) {
			part = append(part, m)
		} else {
			kept = append(kept, m)
		}
	}
	patched, err := applyOps(patch.ops, AppendJSON(nil, ObjectValue(part)))
	if err != nil {
		var failed *opError
		if errors.As(err, &failed) {
			failed.Field = patch.field + failed.Field
			return nil, Invalid(failed.summary, failed.FieldError)
		}
		return nil, err
	}
	doc, err := ParseJSON(patched)
	if err != nil {
		return nil, err
	}
	var c conformer
	next, err := checked(&Process{members: inSchemaOrder(append(kept, c.members(doc.members, processShape)...))}, c.problems, current.ID())
	if err != nil {
		return nil, err
	}
	return next.update(stamp(current.Version(), by)), nil
}
