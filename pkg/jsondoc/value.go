// Package jsondoc is a JSON document model held exactly as it was written:
// strict parsing (RFC 8259, UTF-8 only, member names unique, nothing after
// the value), numbers kept as their literals and compared by value, one
// writer, JSON Pointer (RFC 6901) and JSON Patch (RFC 6902) applied on the
// model itself.
//
// A Value is immutable once built: every function here that changes a
// document (Patch.Apply) returns a new one and leaves its input alone, so
// values may share their parts and be read from several goroutines.
package jsondoc

import (
	"slices"
	"strconv"
)

// Kind is the JSON type of a Value.
type Kind uint8

// The JSON types.
const (
	KindNull Kind = iota
	KindBool
	KindNumber
	KindString
	KindArray
	KindObject
)

// Value is one JSON value: a number keeps its literal (so no digit is lost
// to a float64), an empty array or object stays empty rather than absent,
// and an object keeps its members in their order. The zero Value is JSON
// null.
type Value struct {
	kind    Kind
	text    string // a string's value, a number's literal, or "true"
	items   []Value
	members []Member
}

// Member is one member of a JSON object.
type Member struct {
	Name  string
	Value Value
}

// NullValue is JSON null.
func NullValue() Value { return Value{} }

// BoolValue is true or false.
func BoolValue(b bool) Value {
	if b {
		return Value{kind: KindBool, text: "true"}
	}
	return Value{kind: KindBool}
}

// NumberValue is the number whose JSON literal is literal. The literal is
// trusted, not checked: it comes from a parsed document, from a store that
// keeps numbers as text, or from strconv.
func NumberValue(literal string) Value { return Value{kind: KindNumber, text: literal} }

// IntValue is the integer n.
func IntValue(n int64) Value { return NumberValue(strconv.FormatInt(n, 10)) }

// StringValue is the string s, which must be valid UTF-8.
func StringValue(s string) Value { return Value{kind: KindString, text: s} }

// ArrayValue is an array of items; nil is the empty array. The array keeps
// items: the caller must not change them afterwards.
func ArrayValue(items []Value) Value { return Value{kind: KindArray, items: items} }

// ObjectValue is an object of members, whose names must be unique; nil is
// the empty object. The object keeps members: the caller must not change
// them afterwards.
func ObjectValue(members []Member) Value { return Value{kind: KindObject, members: members} }

// Kind returns the JSON type of v.
func (v Value) Kind() Kind { return v.kind }

// Text returns a string's value or a number's literal, and "" for other kinds.
func (v Value) Text() string {
	if v.kind == KindBool {
		return ""
	}
	return v.text
}

// Bool reports whether v is true.
func (v Value) Bool() bool { return v.kind == KindBool && v.text != "" }

// Items returns the items of an array. They belong to v: do not change them.
func (v Value) Items() []Value { return v.items }

// Members returns the members of an object, in their order. They belong to
// v: do not change them.
func (v Value) Members() []Member { return v.members }

// Member returns the value of the named member of an object.
func (v Value) Member(name string) (Value, bool) {
	for _, m := range v.members {
		if m.Name == name {
			return m.Value, true
		}
	}
	return Value{}, false
}

// MemberText returns the string value (or number literal) of the named
// member of an object, or "" when there is none.
func (v Value) MemberText(name string) string {
	m, _ := v.Member(name)
	return m.Text()
}

// Equal reports whether v and w are the same JSON value, as RFC 6902's test
// operation compares them: numbers by value (2.50 equals 2.5 and 25e-1),
// strings by their characters, arrays item by item, objects by their
// members regardless of order.
func (v Value) Equal(w Value) bool {
	if v.kind != w.kind {
		return false
	}
	switch v.kind {
	case KindNumber:
		return CompareNumbers(v.text, w.text) == 0
	case KindArray:
		return slices.EqualFunc(v.items, w.items, Value.Equal)
	case KindObject:
		if len(v.members) != len(w.members) {
			return false
		}
		for _, m := range v.members {
			if x, ok := w.Member(m.Name); !ok || !m.Value.Equal(x) {
				return false
			}
		}
		return true
	}
	return v.text == w.text
}
