package store

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/certhub/examreg/pkg/examreg"
	"github.com/certhub/examreg/pkg/jsondoc"
)

// ListOptions shape a page of the list.
type ListOptions struct {
	ReadOptions
	// After is the id the previous page ended on ("" for the first page):
	// the page starts after it.
	After string
	// Limit, when positive, caps the number of items on the page.
	Limit int32
}

// Page is one page of processes in creation order.
type Page struct {
	// JSON is a JSON array of the processes, each as a client reads it.
	JSON []byte
	// Count is the number of processes on the page.
	Count int
	// Last is the id the page ends on when more may follow, "" on the last page.
	Last string
}

// ListProcesses reads one page of a tenant's processes: a single Query over
// the tenant's partition (DynamoDB's 1 MB page, or opt.Limit items), whose
// items go straight to JSON.
func (s *Store) ListProcesses(ctx context.Context, tenant string, opt ListOptions) (Page, error) {
	in := s.processQuery(tenant, opt.ReadOptions)
	if opt.After != "" {
		in.ExclusiveStartKey = key(tenantPK(tenant), processSK(opt.After))
	}
	if opt.Limit > 0 {
		in.Limit = aws.Int32(opt.Limit)
	}
	out, err := s.db.Query(ctx, in)
	if err != nil {
		return Page{}, translate(err)
	}
	processes := make([]jsondoc.Value, len(out.Items))
	for i, item := range out.Items {
		processes[i] = processOf(item).Document()
	}
	page := Page{JSON: jsondoc.ArrayValue(processes).AppendJSON(nil), Count: len(out.Items)}
	if sk, ok := out.LastEvaluatedKey["sk"].(*types.AttributeValueMemberS); ok {
		page.Last = strings.TrimPrefix(sk.Value, processPrefix)
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

// Candidates reads every process of the tenant as the eligibility rule reads
// it, each with its process: one Query per 1 MB page.
func (s *Store) Candidates(ctx context.Context, tenant string) ([]examreg.Candidate, error) {
	var all []examreg.Candidate
	p := dynamodb.NewQueryPaginator(s.db, s.processQuery(tenant, ReadOptions{}))
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, translate(err)
		}
		for _, item := range out.Items {
			all = append(all, examreg.NewCandidate(processOf(item)))
		}
	}
	return all, nil
}
