package examreg

import (
	"slices"
	"sort"
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

// Value is one JSON value held exactly as it was written: a number keeps its
// literal (so no digit is lost to a float64), an empty array or object stays
// empty rather than absent, and an object keeps its members, whose names are
// unique. The zero Value is JSON null.
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
// trusted: it comes from a parsed document or from DynamoDB.
func NumberValue(literal string) Value { return Value{kind: KindNumber, text: literal} }

// IntValue is the integer n.
func IntValue(n int64) Value { return NumberValue(strconv.FormatInt(n, 10)) }

// StringValue is the string s.
func StringValue(s string) Value { return Value{kind: KindString, text: s} }

// ArrayValue is an array of items; nil is the empty array.
func ArrayValue(items []Value) Value { return Value{kind: KindArray, items: items} }

// ObjectValue is an object of members, whose names must be unique; nil is
// the empty object.
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

// Items returns the items of an array.
func (v Value) Items() []Value { return v.items }

// Members returns the members of an object.
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

// memberText is the string (or number literal) in the named member, or "".
func (v Value) memberText(name string) string {
	m, _ := v.Member(name)
	return m.Text()
}

// Equal reports whether v and w are the same JSON value: numbers by value
// (RFC 6902 compares 2.50 and 2.5 as equal), objects regardless of the order
// of their members.
func (v Value) Equal(w Value) bool {
	if v.kind != w.kind {
		return false
	}
	switch v.kind {
	case KindNumber:
		return compareNumbers(v.text, w.text) == 0
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

// sortByName orders an object's members by name: the order in which the
// service writes objects whose member order a client does not fix, so that
// an answer reads the same whether it was built from a request or from
// DynamoDB, which keeps no order. Members in order already (a client's
// usually are) are left as they are without a sort; sort.Sort rather than
// slices.SortFunc because the generic sort would be compiled again for
// Member, about 20 KB of every bootstrap.
func sortByName(members []Member) {
	for i := 1; i < len(members); i++ {
		if members[i].Name < members[i-1].Name {
			sort.Sort(byName(members))
			return
		}
	}
}

// byName sorts members by name.
type byName []Member

func (m byName) Len() int           { return len(m) }
func (m byName) Less(i, j int) bool { return m[i].Name < m[j].Name }
func (m byName) Swap(i, j int)      { m[i], m[j] = m[j], m[i] }
