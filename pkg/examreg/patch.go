package examreg

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	jsonpatch "github.com/evanphx/json-patch/v5"
)

// MaxPatchOperations bounds the length of one RFC 6902 patch.
const MaxPatchOperations = 1000

// Patch is a parsed RFC 6902 JSON Patch whose operations have been checked
// against the rules of this resource.
type Patch struct {
	ops jsonpatch.Patch
}

// patchOperation is one RFC 6902 operation as a client sends it. Members
// are kept raw: "value" may be any JSON value, null included (a *RawMessage
// would read null as absent), and a member that RFC 6902 does not define for
// the operation is ignored whatever its type, as the RFC requires.
type patchOperation struct {
	Op    json.RawMessage `json:"op"`
	Path  json.RawMessage `json:"path"`
	From  json.RawMessage `json:"from"`
	Value json.RawMessage `json:"value"`
}

// ParsePatch parses and checks an RFC 6902 patch document: an array of
// 1 to MaxPatchOperations operations, each well formed, none touching a
// server-managed field (as path or as from). Every problem is reported, by
// operation index ("[2].path").
func ParsePatch(body []byte) (*Patch, error) {
	raw, err := singleValue(body)
	if err != nil {
		return nil, err
	}
	return parsePatch(raw, "")
}

// ParsePatchValue is ParsePatch for a patch held in a member of a larger
// body (a batch operation's patch_directives); field prefixes the paths of
// the errors.
func ParsePatchValue(raw json.RawMessage, field string) (*Patch, error) {
	if raw == nil {
		return nil, Invalid(field+" is required", FieldError{Field: field, Message: "is required"})
	}
	return parsePatch(raw, field)
}

func parsePatch(raw json.RawMessage, field string) (*Patch, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil || items == nil {
		return nil, Invalid("a patch must be a JSON array of RFC 6902 operations",
			FieldError{Field: field, Message: "must be an array of RFC 6902 operations"})
	}
	if len(items) == 0 || len(items) > MaxPatchOperations {
		return nil, Invalid("a patch must hold 1 to "+strconv.Itoa(MaxPatchOperations)+" operations",
			FieldError{Field: field, Message: "must hold 1 to " + strconv.Itoa(MaxPatchOperations) + " operations"})
	}
	var v validation
	for i, item := range items {
		at := field + "[" + strconv.Itoa(i) + "]"
		var op patchOperation
		if err := json.Unmarshal(item, &op); err != nil {
			v.add(at, "must be an object with string members op, path and (for move and copy) from")
			continue
		}
		v.patchOperation(at, op)
	}
	if err := v.errOf("invalid patch"); err != nil {
		return nil, err
	}
	ops, err := jsonpatch.DecodePatch(raw)
	if err != nil {
		return nil, Invalid("invalid patch: " + err.Error())
	}
	return &Patch{ops: ops}, nil
}

func (v *validation) patchOperation(at string, o patchOperation) {
	op, ok := v.stringMember(at+".op", o.Op)
	if !ok {
		return
	}
	switch op {
	case "add", "replace", "test":
		if o.Value == nil {
			v.add(at+".value", "is required for "+op)
		}
	case "move", "copy":
		if from, ok := v.stringMember(at+".from", o.From); ok {
			v.pointer(at+".from", from)
		}
	case "remove":
	default:
		v.add(at+".op", "must be one of add, remove, replace, move, copy, test")
	}
	if path, ok := v.stringMember(at+".path", o.Path); ok {
		v.pointer(at+".path", path)
	}
}

// stringMember decodes an operation member that must be a JSON string,
// reporting it when absent (or null) or of another type.
func (v *validation) stringMember(field string, raw json.RawMessage) (string, bool) {
	var s *string
	switch err := json.Unmarshal(raw, &s); {
	case raw == nil || err == nil && s == nil:
		v.add(field, "is required")
	case err != nil:
		v.add(field, "must be a string")
	default:
		return *s, true
	}
	return "", false
}

// pointer checks a JSON Pointer (RFC 6901) and that it does not reach a
// server-managed field.
func (v *validation) pointer(field, ptr string) {
	if ptr == "" {
		v.add(field, "must not be the whole document: it holds read-only fields")
		return
	}
	if ptr[0] != '/' {
		v.add(field, "must be a JSON Pointer starting with /")
		return
	}
	first, _, _ := strings.Cut(ptr[1:], "/")
	first = unescapePointer.Replace(first)
	if IsServerManaged(first) {
		v.add(field, first+" is read-only")
	}
}

// unescapePointer decodes a JSON Pointer reference token (RFC 6901 section 4).
var unescapePointer = strings.NewReplacer("~1", "/", "~0", "~")

// errOf is err with a given summary message.
func (v *validation) errOf(message string) error {
	if len(v.fields) == 0 {
		return nil
	}
	return Invalid(message, v.fields...)
}

// ApplyPatch applies the patch to current and returns the successor record,
// validated exactly like a PUT body. A failed test operation, or an operation
// that cannot apply (a missing path, an index out of range) is EINVALID.
func ApplyPatch(current *Process, patch *Patch, by Actor) (*Process, error) {
	doc, err := json.Marshal(current)
	if err != nil {
		return nil, err
	}
	patched, err := applyOps(patch.ops, doc)
	if err != nil {
		if errors.Is(err, jsonpatch.ErrTestFailed) {
			return nil, Invalid("a test operation of the patch failed")
		}
		return nil, Invalid("the patch cannot be applied: " + err.Error())
	}
	next, err := decodeProcess(patched, current.ID)
	if err != nil {
		return nil, err
	}
	next.adoptServerFields(current)
	next.stamp(by)
	return next, nil
}
