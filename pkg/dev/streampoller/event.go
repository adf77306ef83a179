package streampoller

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// EventRecord converts a record read from the stream streamARN into the
// record of a Lambda event, as the event source mapping does: the stream's
// fields as they are, eventSourceARN set to the stream ARN, and awsRegion
// taken from the ARN (moto's records always say us-east-1).
func EventRecord(streamARN string, r types.Record) (events.DynamoDBEventRecord, error) {
	e := events.DynamoDBEventRecord{
		AWSRegion:      cmp.Or(arnRegion(streamARN), aws.ToString(r.AwsRegion)),
		EventID:        aws.ToString(r.EventID),
		EventName:      string(r.EventName),
		EventSource:    cmp.Or(aws.ToString(r.EventSource), "aws:dynamodb"),
		EventVersion:   aws.ToString(r.EventVersion),
		EventSourceArn: streamARN,
	}
	if u := r.UserIdentity; u != nil {
		e.UserIdentity = &events.DynamoDBUserIdentity{Type: aws.ToString(u.Type), PrincipalID: aws.ToString(u.PrincipalId)}
	}
	d := r.Dynamodb
	if d == nil {
		return e, nil
	}
	e.Change = events.DynamoDBStreamRecord{
		SequenceNumber: aws.ToString(d.SequenceNumber),
		SizeBytes:      aws.ToInt64(d.SizeBytes),
		StreamViewType: string(d.StreamViewType),
	}
	if d.ApproximateCreationDateTime != nil {
		e.Change.ApproximateCreationDateTime = events.SecondsEpochTime{Time: *d.ApproximateCreationDateTime}
	}
	var err error
	if e.Change.Keys, err = image(d.Keys); err != nil {
		return e, fmt.Errorf("streampoller: record %s Keys: %w", e.Change.SequenceNumber, err)
	}
	if e.Change.NewImage, err = image(d.NewImage); err != nil {
		return e, fmt.Errorf("streampoller: record %s NewImage: %w", e.Change.SequenceNumber, err)
	}
	if e.Change.OldImage, err = image(d.OldImage); err != nil {
		return e, fmt.Errorf("streampoller: record %s OldImage: %w", e.Change.SequenceNumber, err)
	}
	return e, nil
}

// arnRegion is the region field of an ARN (arn:partition:service:region:...).
func arnRegion(arn string) string {
	if f := strings.SplitN(arn, ":", 5); len(f) == 5 {
		return f[3]
	}
	return ""
}

func image(m map[string]types.AttributeValue) (map[string]events.DynamoDBAttributeValue, error) {
	if m == nil {
		return nil, nil
	}
	out := make(map[string]events.DynamoDBAttributeValue, len(m))
	for k, v := range m {
		a, err := attribute(v)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", k, err)
		}
		out[k] = a
	}
	return out, nil
}

func attribute(v types.AttributeValue) (events.DynamoDBAttributeValue, error) {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return events.NewStringAttribute(v.Value), nil
	case *types.AttributeValueMemberN:
		return events.NewNumberAttribute(v.Value), nil
	case *types.AttributeValueMemberB:
		return events.NewBinaryAttribute(v.Value), nil
	case *types.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(v.Value), nil
	case *types.AttributeValueMemberNULL:
		return events.NewNullAttribute(), nil
	case *types.AttributeValueMemberSS:
		return events.NewStringSetAttribute(v.Value), nil
	case *types.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(v.Value), nil
	case *types.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(v.Value), nil
	case *types.AttributeValueMemberM:
		m, err := image(v.Value)
		if m == nil {
			m = map[string]events.DynamoDBAttributeValue{}
		}
		return events.NewMapAttribute(m), err
	case *types.AttributeValueMemberL:
		l := make([]events.DynamoDBAttributeValue, len(v.Value))
		for i, e := range v.Value {
			var err error
			if l[i], err = attribute(e); err != nil {
				return l[i], fmt.Errorf("[%d]: %w", i, err)
			}
		}
		return events.NewListAttribute(l), nil
	}
	return events.DynamoDBAttributeValue{}, fmt.Errorf("unsupported attribute value %T", v)
}
