package jsondoc

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Patch is a JSON Patch (RFC 6902): operations applied in order, all or
// nothing.
type Patch []Operation

// Operation is one operation of a Patch.
type Operation struct {
	// Op is add, remove, replace, move, copy or test.
	Op string
	// Path is the target location.
	Path Pointer
	// From is the source location of move and copy.
	From Pointer
	// Value is the value of add, replace and test.
	Value Value
}

// DecodePatch reads a JSON Patch document (RFC 6902 section 3): an array of
// objects, each with a string op naming one of the six operations, a string
// path holding a JSON Pointer, a from pointer for move and copy, and a value
// (null is a value) for add, replace and test. Members an operation does not
// use are ignored whatever they hold, as RFC 6902 section 4 requires. Every
// problem is reported, in a *DecodeError.
func DecodePatch(doc Value) (Patch, error) {
	if doc.kind != KindArray {
		return nil, &DecodeError{Problems: []Problem{{Index: -1, Message: "must be an array of RFC 6902 operations"}}}
	}
	d := &DecodeError{}
	p := make(Patch, len(doc.items))
	for i, item := range doc.items {
		p[i] = d.operation(i, item)
	}
	if len(d.Problems) > 0 {
		return nil, d
	}
	return p, nil
}

// A DecodeError lists what is wrong with a JSON Patch document.
type DecodeError struct {
	Problems []Problem
}

// Problem is one problem of a JSON Patch document: with its operation Index
// (-1 for the document as a whole), in the operation's Member ("" for the
// operation as a whole).
type Problem struct {
	Index   int
	Member  string
	Message string
}

func (e *DecodeError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		at := "the document"
		if p.Index >= 0 {
			at = strings.TrimSpace("operation " + strconv.Itoa(p.Index) + " " + p.Member)
		}
		msgs[i] = at + " " + p.Message
	}
	return "jsondoc: invalid JSON Patch: " + strings.Join(msgs, "; ")
}

func (e *DecodeError) add(i int, member, message string) {
	e.Problems = append(e.Problems, Problem{Index: i, Member: member, Message: message})
}

// operation reads the operation at index i, noting its problems.
func (e *DecodeError) operation(i int, o Value) Operation {
	if o.kind != KindObject {
		e.add(i, "", "must be an object with string members op, path and (for move and copy) from")
		return Operation{}
	}
	var op Operation
	var ok bool
	if op.Op, ok = e.text(i, o, "op"); !ok {
		return op
	}
	switch op.Op {
	case "add", "replace", "test":
		if op.Value, ok = o.Member("value"); !ok {
			e.add(i, "value", "is required for "+op.Op)
		}
	case "move", "copy":
		op.From = e.pointer(i, o, "from")
	case "remove":
	default:
		e.add(i, "op", "must be one of add, remove, replace, move, copy, test")
	}
	op.Path = e.pointer(i, o, "path")
	return op
}

// text reads the member name of the operation o, which must be a string.
func (e *DecodeError) text(i int, o Value, name string) (string, bool) {
	s, _ := o.Member(name)
	switch s.kind {
	case KindString:
		return s.text, true
	case KindNull:
		e.add(i, name, "is required")
	default:
		e.add(i, name, "must be a string")
	}
	return "", false
}

// pointer reads the member name of the operation o, which must be a JSON
// Pointer.
func (e *DecodeError) pointer(i int, o Value, name string) Pointer {
	s, ok := e.text(i, o, name)
	if !ok {
		return nil
	}
	p, err := ParsePointer(s)
	switch {
	case errors.Is(err, ErrPointerStart):
		e.add(i, name, "must be a JSON Pointer starting with /")
	case err != nil:
		e.add(i, name, "must be a JSON Pointer: ~ is written ~0 and / is written ~1, and ~ is followed by nothing else")
	}
	return p
}

// Why an operation cannot be applied: the Err of an *OperationError.
var (
	ErrTestFailed       = errors.New("the value at the path is not the value given")
	ErrMissing          = errors.New("does not exist")
	ErrNoParent         = errors.New("has no parent")
	ErrNotContainer     = errors.New("has a parent that is neither an object nor an array")
	ErrNotIndex         = errors.New("does not end in an array index (0, 1, … or - to append)")
	ErrPastEnd          = errors.New("is past the end of its array")
	ErrIndexInPath      = errors.New("where an array index (0, 1, …) belongs")
	ErrIntoItself       = errors.New("is inside the value being moved")
	ErrWholeDocument    = errors.New("is the whole document, which cannot be removed or moved")
	ErrCopyLimit        = errors.New("copies more than " + strconv.Itoa(MaxCopyBytes) + " bytes in all")
	errUnknownOperation = errors.New("is not an operation of RFC 6902")
)

// MaxCopyBytes bounds what the copy operations of one patch copy, as JSON
// text, in all: without a bound, a patch of a few dozen copies, each of the
// document into itself, would grow it beyond any memory.
const MaxCopyBytes = 1 << 20

// An OperationError is the operation of a patch that cannot be applied,
// and why.
type OperationError struct {
	Index int // the operation's place in the patch
	Op    string
	Path  Pointer
	From  Pointer
	// Member is the member of the operation at fault: "path" or "from", or
	// "" for the operation as a whole (a failed test, a copy too many).
	Member string
	Err    error
}

func (e *OperationError) Error() string {
	at := e.Member
	if at == "" {
		at = "operation"
	}
	return fmt.Sprintf("jsondoc: operation %d (%s %s): %s %v", e.Index, e.Op, e.Path, at, e.Err)
}

func (e *OperationError) Unwrap() error { return e.Err }

// Apply applies the operations of p in order to doc and returns the
// result, as RFC 6902 section 4 defines them: add sets an object's member
// or inserts into an array (at an index from 0 to its length, or "-" to
// append), remove and replace need their target to exist, move is a
// remove and an add and cannot move a value into one of its own children,
// copy is an add of the value at from, and test compares the value at path
// with its value as Equal does. A pointer token meets an array only as an
// array index (0, or digits without a leading zero). doc is not changed.
//
// The first operation that cannot be applied ends the patch with an
// *OperationError that names it and says why; so does a copy that takes
// what the patch has copied past MaxCopyBytes.
func (p Patch) Apply(doc Value) (Value, error) {
	copied := 0
	for i, op := range p {
		fail := func(member string, err error) error {
			return &OperationError{Index: i, Op: op.Op, Path: op.Path, From: op.From, Member: member, Err: err}
		}
		if op.Op == "move" || op.Op == "copy" {
			if err := checkIndexes(doc, op.From); err != nil {
				return Value{}, fail("from", err)
			}
		}
		if err := checkIndexes(doc, op.Path); err != nil {
			return Value{}, fail("path", err)
		}
		var err error
		switch op.Op {
		case "test":
			if got, ok := doc.Find(op.Path); !ok || !got.Equal(op.Value) {
				return Value{}, fail("", ErrTestFailed)
			}
		case "add":
			doc, err = add(doc, op.Path, op.Value)
		case "remove":
			doc, _, err = remove(doc, op.Path)
		case "replace":
			if _, ok := doc.Find(op.Path); !ok {
				return Value{}, fail("path", ErrMissing)
			}
			doc = replaceAt(doc, op.Path, op.Value)
		case "move":
			if len(op.From) < len(op.Path) && slices.Equal(op.From, op.Path[:len(op.From)]) {
				if _, ok := doc.Find(op.From); !ok {
					return Value{}, fail("from", ErrMissing)
				}
				return Value{}, fail("path", ErrIntoItself)
			}
			var v Value
			if doc, v, err = remove(doc, op.From); err != nil {
				return Value{}, fail("from", err)
			}
			doc, err = add(doc, op.Path, v)
		case "copy":
			v, ok := doc.Find(op.From)
			if !ok {
				return Value{}, fail("from", ErrMissing)
			}
			if copied += len(v.AppendJSON(nil)); copied > MaxCopyBytes {
				return Value{}, fail("", ErrCopyLimit)
			}
			doc, err = add(doc, op.Path, v)
		default:
			return Value{}, fail("op", errUnknownOperation)
		}
		if err != nil {
			return Value{}, fail("path", err)
		}
	}
	return doc, nil
}

// checkIndexes refuses a pointer that has, where it meets an array of doc,
// a number written as RFC 6901 does not write array indexes ("01", "+1").
func checkIndexes(doc Value, ptr Pointer) error {
	at := doc
	for k, t := range ptr {
		if at.kind == KindArray && looksLikeIndex(t) {
			if k == len(ptr)-1 {
				return ErrNotIndex
			}
			return fmt.Errorf("has %s %w", strconv.Quote(t), ErrIndexInPath)
		}
		next, ok := at.Find(Pointer{t})
		if !ok {
			return nil
		}
		at = next
	}
	return nil
}

// add is doc with v added at ptr (RFC 6902 section 4.1).
func add(doc Value, ptr Pointer, v Value) (Value, error) {
	if len(ptr) == 0 {
		return v, nil
	}
	parentPtr, last := ptr[:len(ptr)-1], ptr[len(ptr)-1]
	parent, ok := doc.Find(parentPtr)
	if !ok {
		return Value{}, ErrNoParent
	}
	switch parent.kind {
	case KindObject:
		members := slices.Clone(parent.members)
		if i := slices.IndexFunc(members, func(m Member) bool { return m.Name == last }); i >= 0 {
			members[i].Value = v
		} else {
			members = append(members, Member{Name: last, Value: v})
		}
		parent = ObjectValue(members)
	case KindArray:
		i := len(parent.items)
		if last != "-" {
			n, ok := arrayIndex(last)
			switch {
			case !ok:
				return Value{}, ErrNotIndex
			case n > len(parent.items):
				return Value{}, fmt.Errorf("%w, which has %d items", ErrPastEnd, len(parent.items))
			}
			i = n
		}
		parent = ArrayValue(slices.Insert(slices.Clone(parent.items), i, v))
	default:
		return Value{}, ErrNotContainer
	}
	return replaceAt(doc, parentPtr, parent), nil
}

// remove is doc without the value at ptr, and that value (RFC 6902
// section 4.2).
func remove(doc Value, ptr Pointer) (Value, Value, error) {
	if len(ptr) == 0 {
		return Value{}, Value{}, ErrWholeDocument
	}
	v, ok := doc.Find(ptr)
	if !ok {
		return Value{}, Value{}, ErrMissing
	}
	parentPtr, last := ptr[:len(ptr)-1], ptr[len(ptr)-1]
	parent, _ := doc.Find(parentPtr)
	if parent.kind == KindObject {
		parent = ObjectValue(slices.DeleteFunc(slices.Clone(parent.members), func(m Member) bool { return m.Name == last }))
	} else {
		i, _ := arrayIndex(last)
		parent = ArrayValue(slices.Delete(slices.Clone(parent.items), i, i+1))
	}
	return replaceAt(doc, parentPtr, parent), v, nil
}

// replaceAt is doc with the value at ptr, which exists, replaced by v: the
// containers on the way are copied, the rest is shared.
func replaceAt(doc Value, ptr Pointer, v Value) Value {
	if len(ptr) == 0 {
		return v
	}
	if doc.kind == KindObject {
		members := slices.Clone(doc.members)
		i := slices.IndexFunc(members, func(m Member) bool { return m.Name == ptr[0] })
		members[i].Value = replaceAt(members[i].Value, ptr[1:], v)
		return ObjectValue(members)
	}
	items := slices.Clone(doc.items)
	i, _ := arrayIndex(ptr[0])
	items[i] = replaceAt(items[i], ptr[1:], v)
	return ArrayValue(items)
}
