package store

import (
	"encoding/base64"
	"slices"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/certhub/examreg/pkg/examreg"
)

// A record is stored as native DynamoDB attributes, member by member: an
// object is a map (M), an array a list (L), a string S, a number N (its
// literal, which DynamoDB keeps to 38 digits), a boolean BOOL and null NULL.
// Empty lists and maps are stored as such, so a record reads back exactly as
// it was written. These conversions are written out rather than left to
// attributevalue's reflection: they run for every item read and written.

// attributesOf is the attribute map that stores an object's members.
func attributesOf(members []examreg.Member) map[string]types.AttributeValue {
	var a attributeArena
	return a.object(members)
}

// attributeArena makes the attributes of one item. Attributes of a kind
// are carved from shared slices, a few allocations for a whole record
// rather than one per value.
type attributeArena struct {
	strings  []types.AttributeValueMemberS
	numbers  []types.AttributeValueMemberN
	booleans []types.AttributeValueMemberBOOL
}

func (a *attributeArena) object(members []examreg.Member) map[string]types.AttributeValue {
	m := make(map[string]types.AttributeValue, len(members))
	for _, member := range members {
		m[member.Name] = a.value(member.Value)
	}
	return m
}

// value is the attribute that stores v.
func (a *attributeArena) value(v examreg.Value) types.AttributeValue {
	switch v.Kind() {
	case examreg.KindBool:
		b := carve(&a.booleans)
		b.Value = v.Bool()
		return b
	case examreg.KindNumber:
		n := carve(&a.numbers)
		n.Value = v.Text()
		return n
	case examreg.KindString:
		s := carve(&a.strings)
		s.Value = v.Text()
		return s
	case examreg.KindArray:
		items := v.Items()
		list := make([]types.AttributeValue, len(items))
		for i, item := range items {
			list[i] = a.value(item)
		}
		return &types.AttributeValueMemberL{Value: list}
	case examreg.KindObject:
		return &types.AttributeValueMemberM{Value: a.object(v.Members())}
	}
	return &types.AttributeValueMemberNULL{Value: true}
}

// carve returns a fresh element of *pool, which grows by chunks: the
// elements handed out before stay where they are.
func carve[T any](pool *[]T) *T {
	if len(*pool) == cap(*pool) {
		*pool = make([]T, 0, max(16, 2*cap(*pool)))
	}
	*pool = (*pool)[:len(*pool)+1]
	return &(*pool)[len(*pool)-1]
}

// valueOf is the JSON value an attribute stores. Objects get their members
// sorted by name (DynamoDB keeps no order). Sets and binary values, which
// this service never writes, read as arrays and base64 strings.
func valueOf(av types.AttributeValue) examreg.Value {
	switch a := av.(type) {
	case *types.AttributeValueMemberS:
		return examreg.StringValue(a.Value)
	case *types.AttributeValueMemberN:
		return examreg.NumberValue(a.Value)
	case *types.AttributeValueMemberBOOL:
		return examreg.BoolValue(a.Value)
	case *types.AttributeValueMemberM:
		return examreg.ObjectValue(membersOf(a.Value))
	case *types.AttributeValueMemberL:
		items := make([]examreg.Value, len(a.Value))
		for i, item := range a.Value {
			items[i] = valueOf(item)
		}
		return examreg.ArrayValue(items)
	case *types.AttributeValueMemberB:
		return examreg.StringValue(base64.StdEncoding.EncodeToString(a.Value))
	case *types.AttributeValueMemberSS:
		return setOf(a.Value, examreg.StringValue)
	case *types.AttributeValueMemberNS:
		return setOf(a.Value, examreg.NumberValue)
	case *types.AttributeValueMemberBS:
		return setOf(a.Value, func(b []byte) examreg.Value { return examreg.StringValue(base64.StdEncoding.EncodeToString(b)) })
	}
	return examreg.NullValue()
}

func setOf[T any](elems []T, value func(T) examreg.Value) examreg.Value {
	items := make([]examreg.Value, len(elems))
	for i, e := range elems {
		items[i] = value(e)
	}
	return examreg.ArrayValue(items)
}

// membersOf is the members an attribute map stores, sorted by name.
func membersOf(m map[string]types.AttributeValue) []examreg.Member {
	// Sorting the names rather than the members moves less.
	var names [32]string
	keys := names[:0]
	for name := range m {
		keys = append(keys, name)
	}
	slices.Sort(keys)
	members := make([]examreg.Member, len(keys))
	for i, name := range keys {
		members[i] = examreg.Member{Name: name, Value: valueOf(m[name])}
	}
	return members
}

// appendJSON appends the JSON text of the value an attribute stores, as
// valueOf followed by examreg.AppendJSON would, without building the value.
func appendJSON(dst []byte, av types.AttributeValue) []byte {
	switch a := av.(type) {
	case *types.AttributeValueMemberS:
		return examreg.AppendString(dst, a.Value)
	case *types.AttributeValueMemberN:
		return append(dst, a.Value...)
	case *types.AttributeValueMemberBOOL:
		return strconv.AppendBool(dst, a.Value)
	case *types.AttributeValueMemberM:
		var names [32]string // most objects fit without an allocation
		keys := names[:0]
		for name := range a.Value {
			keys = append(keys, name)
		}
		slices.Sort(keys)
		dst = append(dst, '{')
		for i, name := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = examreg.AppendString(dst, name)
			dst = append(dst, ':')
			dst = appendJSON(dst, a.Value[name])
		}
		return append(dst, '}')
	case *types.AttributeValueMemberL:
		dst = append(dst, '[')
		for i, item := range a.Value {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSON(dst, item)
		}
		return append(dst, ']')
	case *types.AttributeValueMemberNULL:
		return append(dst, "null"...)
	}
	return examreg.AppendJSON(dst, valueOf(av))
}

// appendProcessJSON appends a process item as a client reads it: the
// process's members in the order examreg.ProcessFields gives, without the
// storage keys, and without the member named omit.
func appendProcessJSON(dst []byte, item map[string]types.AttributeValue, omit string) []byte {
	var slots [len(processFieldKeys)]types.AttributeValue
	for name, av := range item {
		if i, ok := processFieldIndex[name]; ok && name != omit {
			slots[i] = av
		}
	}
	dst = append(dst, '{')
	first := true
	for i, av := range slots {
		if av == nil {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, processFieldKeys[i]...)
		dst = appendJSON(dst, av)
	}
	return append(dst, '}')
}

// processFieldIndex places each member of a process in examreg's order;
// processFieldKeys are their names as JSON member keys ("name":).
var (
	processFieldIndex = map[string]int{}
	processFieldKeys  [64][]byte
)

func init() {
	if len(examreg.ProcessFields()) > len(processFieldKeys) {
		panic("store: a process has more members than processFieldKeys holds")
	}
	for i, name := range examreg.ProcessFields() {
		processFieldIndex[name] = i
		processFieldKeys[i] = append(examreg.AppendString(nil, name), ':')
	}
}

// textOf is the string (or number literal) an item's attribute holds, "" when
// it holds neither.
func textOf(item map[string]types.AttributeValue, name string) string {
	switch a := item[name].(type) {
	case *types.AttributeValueMemberS:
		return a.Value
	case *types.AttributeValueMemberN:
		return a.Value
	}
	return ""
}
