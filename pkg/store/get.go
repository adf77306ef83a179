package store

import (
	"context"
	"fmt"

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

// MaxBatchRead is how many records GetProcesses reads in one request.
const MaxBatchRead = 100

// GetProcesses reads up to MaxBatchRead processes with one consistent
// BatchGetItem (resending the keys DynamoDB leaves unprocessed) and returns
// those that exist, by id.
func (s *Store) GetProcesses(ctx context.Context, tenant string, ids []string) (map[string]*examreg.Process, error) {
	if len(ids) > MaxBatchRead {
		return nil, fmt.Errorf("store: %d ids in one batch read, at most %d", len(ids), MaxBatchRead)
	}
	found := make(map[string]*examreg.Process, len(ids))
	keys := make([]map[string]types.AttributeValue, len(ids))
	for i, id := range ids {
		keys[i] = key(tenantPK(tenant), processSK(id))
	}
	pending := map[string]types.KeysAndAttributes{s.table: {Keys: keys, ConsistentRead: aws.Bool(true)}}
	r := s.retrier(ctx)
	for len(keys) > 0 {
		out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: pending, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
		if err != nil {
			return nil, translate(err)
		}
		for _, item := range out.Responses[s.table] {
			p, err := decodeProcess(item)
			if err != nil {
				return nil, err
			}
			found[p.ID] = p
		}
		pending, keys = out.UnprocessedKeys, out.UnprocessedKeys[s.table].Keys
		if len(keys) > 0 && !r.wait(ctx) {
			return nil, examreg.ErrBusy
		}
	}
	return found, nil
}
