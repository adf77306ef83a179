package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/certhub/examreg/pkg/examreg"
	"github.com/certhub/examreg/pkg/jsondoc"
)

// ReadOptions shape a read.
type ReadOptions struct {
	// Fields, when set, are the paths to return (from examreg.ParseFields),
	// mapped to a ProjectionExpression.
	Fields [][]string
	// Consistent asks for a strongly consistent read.
	Consistent bool
}

// Record is one stored process as a client reads it.
type Record struct {
	// JSON is the process's JSON text: the fields asked for, or all.
	JSON []byte
	// Version is its sys_version, read even when a projection leaves it
	// out of JSON, so that every answer can carry the record's ETag.
	Version int64
}

// GetProcess reads one process, or returns examreg.ErrNotFound. One GetItem;
// the item goes straight to JSON.
func (s *Store) GetProcess(ctx context.Context, tenant, id string, opt ReadOptions) (Record, error) {
	fields, omit := opt.Fields, ""
	if fields != nil && !slices.ContainsFunc(fields, func(p []string) bool { return p[0] == "sys_version" }) {
		fields, omit = append(slices.Clip(fields), []string{"sys_version"}), "sys_version"
	}
	expr, names := projection(fields)
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:                aws.String(s.table),
		Key:                      key(tenantPK(tenant), processSK(id)),
		ConsistentRead:           aws.Bool(opt.Consistent),
		ProjectionExpression:     expr,
		ExpressionAttributeNames: names,
		ReturnConsumedCapacity:   types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		return Record{}, translate(err)
	}
	if out.Item == nil {
		return Record{}, examreg.ErrNotFound
	}
	p := processOf(out.Item)
	members := slices.DeleteFunc(slices.Clone(p.Members()), func(m jsondoc.Member) bool { return m.Name == omit })
	return Record{JSON: jsondoc.ObjectValue(members).AppendJSON(nil), Version: p.Version()}, nil
}

// ReadProcess reads a process with a consistent read, for a write to build
// on, or returns examreg.ErrNotFound. One GetItem.
func (s *Store) ReadProcess(ctx context.Context, tenant, id string) (*examreg.Process, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:              aws.String(s.table),
		Key:                    key(tenantPK(tenant), processSK(id)),
		ConsistentRead:         aws.Bool(true),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		return nil, translate(err)
	}
	if out.Item == nil {
		return nil, examreg.ErrNotFound
	}
	return processOf(out.Item), nil
}

// MaxBatchRead is how many records ReadProcesses reads in one request.
const MaxBatchRead = 100

// ReadProcesses reads up to MaxBatchRead processes with one consistent
// BatchGetItem (resending the keys DynamoDB leaves unprocessed) and returns
// those that exist, by id.
func (s *Store) ReadProcesses(ctx context.Context, tenant string, ids []string) (map[string]*examreg.Process, error) {
	keys := make([]map[string]types.AttributeValue, len(ids))
	for i, id := range ids {
		keys[i] = key(tenantPK(tenant), processSK(id))
	}
	items, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, err
	}
	found := make(map[string]*examreg.Process, len(items))
	for _, item := range items {
		p := processOf(item)
		found[p.ID()] = p
	}
	return found, nil
}

// batchGet reads up to MaxBatchRead items with one consistent BatchGetItem,
// resending the keys DynamoDB leaves unprocessed, and returns those that
// exist, in no particular order.
func (s *Store) batchGet(ctx context.Context, keys []map[string]types.AttributeValue) ([]map[string]types.AttributeValue, error) {
	if len(keys) > MaxBatchRead {
		return nil, fmt.Errorf("store: %d keys in one batch read, at most %d", len(keys), MaxBatchRead)
	}
	var found []map[string]types.AttributeValue
	pending := map[string]types.KeysAndAttributes{s.table: {Keys: keys, ConsistentRead: aws.Bool(true)}}
	r := s.retrier(ctx)
	for len(keys) > 0 {
		out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: pending, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
		if err != nil {
			return nil, translate(err)
		}
		found = append(found, out.Responses[s.table]...)
		pending, keys = out.UnprocessedKeys, out.UnprocessedKeys[s.table].Keys
		if len(keys) > 0 && !r.wait(ctx) {
			return nil, examreg.ErrBusy
		}
	}
	return found, nil
}
