package store

import (
	"encoding/base64"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/certhub/examreg/pkg/jsondoc"
)

// A record is stored as native DynamoDB attributes, member by member: an
// object is a map (M), an array a list (L), a string S, a number N (its
// literal, which DynamoDB keeps to 38 digits), a boolean BOOL and null NULL.
// Empty lists and maps are stored as such, so a record reads back exactly as
// it was written. The conversion is written out rather than left to
// attributevalue, whose reflection would read numbers through float64.

// attributesOf is the attribute map that stores an object's members.
func attributesOf(members []jsondoc.Member) map[string]types.AttributeValue {
	m := make(map[string]types.AttributeValue, len(members))
	for _, member := range members {
		m[member.Name] = attributeOf(member.Value)
	}
	return m
}

// attributeOf is the attribute that stores v.
func attributeOf(v jsondoc.Value) types.AttributeValue {
	switch v.Kind() {
	case jsondoc.KindBool:
		return &types.AttributeValueMemberBOOL{Value: v.Bool()}
	case jsondoc.KindNumber:
		return &types.AttributeValueMemberN{Value: v.Text()}
	case jsondoc.KindString:
		return &types.AttributeValueMemberS{Value: v.Text()}
	case jsondoc.KindArray:
		list := make([]types.AttributeValue, len(v.Items()))
		for i, item := range v.Items() {
			list[i] = attributeOf(item)
		}
		return &types.AttributeValueMemberL{Value: list}
	case jsondoc.KindObject:
		return &types.AttributeValueMemberM{Value: attributesOf(v.Members())}
	}
	return &types.AttributeValueMemberNULL{Value: true}
}

// valueOf is the JSON value an attribute stores. Objects get their members
// sorted by name (DynamoDB keeps no order). Sets and binary values, which
// this service never writes, read as arrays and base64 strings.
func valueOf(av types.AttributeValue) jsondoc.Value {
	switch a := av.(type) {
	case *types.AttributeValueMemberS:
		return jsondoc.StringValue(a.Value)
	case *types.AttributeValueMemberN:
		return jsondoc.NumberValue(a.Value)
	case *types.AttributeValueMemberBOOL:
		return jsondoc.BoolValue(a.Value)
	case *types.AttributeValueMemberM:
		return jsondoc.ObjectValue(membersOf(a.Value))
	case *types.AttributeValueMemberL:
		return setOf(a.Value, valueOf)
	case *types.AttributeValueMemberB:
		return jsondoc.StringValue(base64.StdEncoding.EncodeToString(a.Value))
	case *types.AttributeValueMemberSS:
		return setOf(a.Value, jsondoc.StringValue)
	case *types.AttributeValueMemberNS:
		return setOf(a.Value, jsondoc.NumberValue)
	case *types.AttributeValueMemberBS:
		return setOf(a.Value, func(b []byte) jsondoc.Value { return jsondoc.StringValue(base64.StdEncoding.EncodeToString(b)) })
	}
	return jsondoc.NullValue()
}

// setOf is the array of a list's or a set's elements.
func setOf[T any](elems []T, value func(T) jsondoc.Value) jsondoc.Value {
	items := make([]jsondoc.Value, len(elems))
	for i, e := range elems {
		items[i] = value(e)
	}
	return jsondoc.ArrayValue(items)
}

// membersOf is the members an attribute map stores, sorted by name.
func membersOf(m map[string]types.AttributeValue) []jsondoc.Member {
	members := make([]jsondoc.Member, 0, len(m))
	for _, name := range slices.Sorted(maps.Keys(m)) {
		members = append(members, jsondoc.Member{Name: name, Value: valueOf(m[name])})
	}
	return members
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
