package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/certhub/examreg/pkg/examreg"
)

// Item is one item for a bulk load, already in its place in the table.
type Item map[string]types.AttributeValue

// ProcessItem places a process of a tenant, for a bulk load.
func ProcessItem(tenant string, p *examreg.Process) Item { return processItem(tenant, p) }

// PutItems writes items with BatchWriteItem, 25 at a time, resending what
// DynamoDB leaves unprocessed (with backoff), and reports progress after
// each batch. It is for bulk loads: it overwrites without conditions.
func (s *Store) PutItems(ctx context.Context, items []Item, progress func(written int)) error {
	written := 0
	for start := 0; start < len(items); start += 25 {
		batch := items[start:min(start+25, len(items))]
		requests := make([]types.WriteRequest, len(batch))
		for i, item := range batch {
			requests[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: item}}
		}
		pending := map[string][]types.WriteRequest{s.table: requests}
		for attempt := 0; len(pending) > 0; attempt++ {
			if attempt == 10 {
				return fmt.Errorf("store: %d items stayed unprocessed after %d attempts", len(pending[s.table]), attempt)
			}
			if attempt > 0 {
				select {
				case <-time.After(time.Duration(attempt*attempt) * 50 * time.Millisecond):
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			out, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
			if err != nil {
				return translate(err)
			}
			pending = out.UnprocessedItems
		}
		written += len(batch)
		if progress != nil {
			progress(written)
		}
	}
	return nil
}

// RecountProcesses sets the tenant's process counter to the number of its
// processes, as a bulk load must after writing processes directly.
func (s *Store) RecountProcesses(ctx context.Context, tenant string) (int, error) {
	in := s.processQuery(tenant, ReadOptions{Consistent: true})
	in.Select = types.SelectCount
	in.ExpressionAttributeNames = map[string]string{"#pk": "pk", "#sk": "sk"}
	count := 0
	p := dynamodb.NewQueryPaginator(s.db, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return 0, translate(err)
		}
		count += int(out.Count)
	}
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{
			"pk":        &types.AttributeValueMemberS{Value: tenantPK(tenant)},
			"sk":        &types.AttributeValueMemberS{Value: counterSK},
			counterAttr: &types.AttributeValueMemberN{Value: fmt.Sprint(count)},
		},
	})
	return count, translate(err)
}
