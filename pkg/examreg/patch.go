package examreg

import (
	"cmp"
	"errors"
	"slices"
	"strconv"

	"github.com/certhub/examreg/pkg/jsondoc"
)

// MaxPatchOperations bounds the length of one RFC 6902 patch.
const MaxPatchOperations = 1000

// Patch is a parsed RFC 6902 JSON Patch whose operations have been checked
// against the rules of this resource.
type Patch struct {
	ops   jsondoc.Patch
	field string // where the patch sits in its body, to prefix error paths
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
func ParsePatchValue(doc jsondoc.Value, field string) (*Patch, error) {
	if doc.Kind() != jsondoc.KindArray {
		return nil, Invalid("a patch must be a JSON array of RFC 6902 operations",
			FieldError{Field: field, Message: "must be an array of RFC 6902 operations"})
	}
	if len(doc.Items()) > MaxPatchOperations {
		return nil, Invalid("a patch holds at most "+strconv.Itoa(MaxPatchOperations)+" operations",
			FieldError{Field: field, Message: "must hold at most " + strconv.Itoa(MaxPatchOperations) + " operations"})
	}
	ops, err := jsondoc.DecodePatch(doc)
	var problems []jsondoc.Problem
	if d := (*jsondoc.DecodeError)(nil); errors.As(err, &d) {
		problems = d.Problems
	}
	problems = append(problems, readOnlyProblems(doc)...)
	if len(problems) > 0 {
		// By operation, and in an operation in the order its members are
		// read: op, then value or from, then path.
		rank := map[string]int{"": 0, "op": 0, "value": 1, "from": 1, "path": 2}
		slices.SortStableFunc(problems, func(a, b jsondoc.Problem) int {
			return cmp.Or(cmp.Compare(a.Index, b.Index), cmp.Compare(rank[a.Member], rank[b.Member]))
		})
		fields := make([]FieldError, len(problems))
		for i, p := range problems {
			fields[i] = FieldError{Field: operationField(field, p.Index, p.Member), Message: p.Message}
		}
		return nil, Invalid("invalid patch", fields...)
	}
	return &Patch{ops: ops, field: field}, nil
}

// readOnlyProblems are the pointers of a patch document that reach a
// server-managed field or the whole record (which holds them): path, when
// op is a string, and from for move and copy.
func readOnlyProblems(doc jsondoc.Value) []jsondoc.Problem {
	var problems []jsondoc.Problem
	for i, o := range doc.Items() {
		op, _ := o.Member("op")
		if op.Kind() != jsondoc.KindString {
			continue
		}
		members := []string{"path"}
		if op.Text() == "move" || op.Text() == "copy" {
			members = []string{"from", "path"}
		}
		for _, name := range members {
			text, _ := o.Member(name)
			ptr, err := jsondoc.ParsePointer(text.Text())
			switch {
			case text.Kind() != jsondoc.KindString || err != nil:
			case len(ptr) == 0:
				problems = append(problems, jsondoc.Problem{Index: i, Member: name, Message: "must not be the whole document: it holds read-only fields"})
			case IsServerManaged(ptr[0]):
				problems = append(problems, jsondoc.Problem{Index: i, Member: name, Message: ptr[0] + " is read-only"})
			}
		}
	}
	return problems
}

// operationField is the field of an error in the member of the operation
// at index of the patch in field: patch_directives[2].path.
func operationField(field string, index int, member string) string {
	if index >= 0 {
		field += "[" + strconv.Itoa(index) + "]"
	}
	if member != "" {
		field += "." + member
	}
	return field
}

// ApplyPatch applies the patch to current and returns the successor record,
// validated exactly like a PUT body. A failed test operation, or an operation
// that cannot apply (a missing path, an index out of range), is EINVALID,
// naming the operation.
func ApplyPatch(current *Process, patch *Patch, by Actor) (*Process, error) {
	doc, err := patch.ops.Apply(current.Document())
	var failed *jsondoc.OperationError
	switch {
	case errors.As(err, &failed):
		return nil, patch.failure(failed)
	case err != nil:
		return nil, err
	}
	c := conformer{of: "an exam reg process"}
	next, err := checked(&Process{members: inSchemaOrder(c.members(doc.Members(), processShape))}, c.problems, current.ID())
	if err != nil {
		return nil, err
	}
	return next.update(stamp(current.Version(), by)), nil
}

// failure is what a client is told of an operation that cannot apply.
func (p *Patch) failure(e *jsondoc.OperationError) error {
	field := operationField(p.field, e.Index, e.Member)
	if errors.Is(e.Err, jsondoc.ErrTestFailed) {
		return Invalid("a test operation of the patch failed",
			FieldError{Field: field, Message: "failed: the value at " + e.Path.String() + " is not the value given"})
	}
	message := e.Err.Error()
	if errors.Is(e.Err, jsondoc.ErrMissing) || errors.Is(e.Err, jsondoc.ErrNoParent) {
		message += " in the record"
	}
	return Invalid("the patch cannot be applied: operation "+operationField("", e.Index, e.Member)+" "+message,
		FieldError{Field: field, Message: message})
}
