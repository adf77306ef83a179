package store

import (
	"context"
	"encoding/base64"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/certhub/examreg/pkg/examreg"
)

// ListOptions shape a page of the list.
type ListOptions struct {
	ReadOptions
	// StartKey is the opaque key of the page to read (from Page.NextKey),
	// or "" for the first page.
	StartKey string
	// Limit, when positive, caps the number of items on the page.
	Limit int32
}

// Page is one page of processes in creation order.
type Page struct {
	Items []*examreg.Process
	// NextKey is the opaque key of the next page, "" on the last page.
	NextKey string
}

// ListProcesses reads one page of a tenant's processes: a single Query over
// the tenant's partition (DynamoDB's 1 MB page, or opt.Limit items).
func (s *Store) ListProcesses(ctx context.Context, tenant string, opt ListOptions) (Page, error) {
	in := s.processQuery(tenant, opt.ReadOptions)
	if opt.StartKey != "" {
		id, err := DecodePageKey(opt.StartKey)
		if err != nil {
			return Page{}, err
		}
		in.ExclusiveStartKey = key(tenantPK(tenant), processSK(id))
	}
	if opt.Limit > 0 {
		in.Limit = aws.Int32(opt.Limit)
	}
	out, err := s.db.Query(ctx, in)
	if err != nil {
		return Page{}, translate(err)
	}
	page := Page{Items: make([]*examreg.Process, 0, len(out.Items))}
	for _, item := range out.Items {
		p, err := decodeProcess(item)
		if err != nil {
			return Page{}, err
		}
		page.Items = append(page.Items, p)
	}
	if sk, ok := out.LastEvaluatedKey["sk"].(*types.AttributeValueMemberS); ok {
		page.NextKey = encodePageKey(strings.TrimPrefix(sk.Value, processPrefix))
	}
	return page, nil
}

// processQuery is the Query for a tenant's processes, oldest first (ids are
// UUIDv7, so key order is creation order).
func (s *Store) processQuery(tenant string, opt ReadOptions) *dynamodb.QueryInput {
	expr, names := projection(opt.Fields)
	if names == nil {
		names = map[string]string{}
	}
	names["#pk"], names["#sk"] = "pk", "sk"
	return &dynamodb.QueryInput{
		TableName:                aws.String(s.table),
		KeyConditionExpression:   aws.String("#pk = :pk AND begins_with(#sk, :prefix)"),
		ExpressionAttributeNames: names,
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":     &types.AttributeValueMemberS{Value: tenantPK(tenant)},
			":prefix": &types.AttributeValueMemberS{Value: processPrefix},
		},
		ProjectionExpression:   expr,
		ConsistentRead:         aws.Bool(opt.Consistent),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}
}

// A page key is the base64url form of the id the page ends on. It names only
// a position in the sort key: the partition key is rebuilt from the tenant of
// the request, so a key can never reach another tenant's items.
func encodePageKey(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

// DecodePageKey returns the id a page key stands for, or an EINVALID error.
func DecodePageKey(k string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(k)
	// One spelling per key: the decoder would also take line breaks and
	// stray low bits.
	if err != nil || !examreg.ValidID(string(b)) || encodePageKey(string(b)) != k {
		return "", examreg.Invalid("exclusiveStartKey is not a key this API returned",
			examreg.FieldError{Field: "exclusiveStartKey", Message: "is not a valid page key"})
	}
	return string(b), nil
}
