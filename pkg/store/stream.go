package store

import (
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// ChangeFromStream reads a record of the table's stream, as Lambda (or the local
// poller) delivers it.
func ChangeFromStream(r events.DynamoDBEventRecord) (Change, error) {
	c := Change{EventName: r.EventName, At: r.Change.ApproximateCreationDateTime.Time}
	var err error
	for _, image := range []struct {
		from map[string]events.DynamoDBAttributeValue
		to   *map[string]types.AttributeValue
	}{{r.Change.Keys, &c.Keys}, {r.Change.OldImage, &c.Old}, {r.Change.NewImage, &c.New}} {
		if image.from != nil {
			if *image.to, err = itemOf(image.from); err != nil {
				return Change{}, fmt.Errorf("store: stream record %s: %w", r.EventID, err)
			}
		}
	}
	return c, nil
}

func itemOf(m map[string]events.DynamoDBAttributeValue) (map[string]types.AttributeValue, error) {
	item := make(map[string]types.AttributeValue, len(m))
	for name, v := range m {
		av, err := streamAttributeOf(v)
		if err != nil {
			return nil, err
		}
		item[name] = av
	}
	return item, nil
}

// streamAttributeOf is the SDK's form of an attribute of a stream image.
func streamAttributeOf(v events.DynamoDBAttributeValue) (types.AttributeValue, error) {
	switch v.DataType() {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}, nil
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}, nil
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}, nil
	case events.DataTypeNull:
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case events.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}, nil
	case events.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: v.StringSet()}, nil
	case events.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: v.NumberSet()}, nil
	case events.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: v.BinarySet()}, nil
	case events.DataTypeList:
		list := make([]types.AttributeValue, len(v.List()))
		for i, item := range v.List() {
			av, err := streamAttributeOf(item)
			if err != nil {
				return nil, err
			}
			list[i] = av
		}
		return &types.AttributeValueMemberL{Value: list}, nil
	case events.DataTypeMap:
		m, err := itemOf(v.Map())
		if err != nil {
			return nil, err
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	}
	return nil, fmt.Errorf("attribute of unknown type %d", v.DataType())
}
