package store

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/certhub/examreg/pkg/examreg"
)

// ReadOptions shape a read.
type ReadOptions struct {
	// Fields, when set, are the paths to return (from examreg.ParseFields),
	// mapped to a ProjectionExpression.
	Fields [][]string
	// Consistent asks for a strongly consistent read.
	Consistent bool
}

// GetProcess reads one process, or returns examreg.ErrNotFound. One GetItem.
func (s *Store) GetProcess(ctx context.Context, tenant, id string, opt ReadOptions) (*examreg.Process, error) {
	expr, names := projection(opt.Fields)
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:                aws.String(s.table),
		Key:                      key(tenantPK(tenant), processSK(id)),
		ConsistentRead:           aws.Bool(opt.Consistent),
		ProjectionExpression:     expr,
		ExpressionAttributeNames: names,
		ReturnConsumedCapacity:   types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		return nil, translate(err)
	}
	if out.Item == nil {
		return nil, examreg.ErrNotFound
	}
	return decodeProcess(out.Item)
}
