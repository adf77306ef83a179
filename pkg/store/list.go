package store

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/certhub/examreg/pkg/examreg"
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
	// Most records are under 1.5 KB as JSON: one allocation, usually.
	page := Page{JSON: append(make([]byte, 0, 2+len(out.Items)*1536), '['), Count: len(out.Items)}
	for i, item := range out.Items {
		if i > 0 {
			page.JSON = append(page.JSON, ',')
		}
		page.JSON = appendProcessJSON(page.JSON, item, "")
	}
	page.JSON = append(page.JSON, ']')
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
// it, each with its JSON: one Query per 1 MB page.
func (s *Store) Candidates(ctx context.Context, tenant string) ([]examreg.Candidate, error) {
	var (
		all []examreg.Candidate
		buf []byte // every process's JSON, one after another
	)
	p := dynamodb.NewQueryPaginator(s.db, s.processQuery(tenant, ReadOptions{}))
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, translate(err)
		}
		if buf == nil {
			buf = make([]byte, 0, len(out.Items)*1024)
		}
		for _, item := range out.Items {
			start := len(buf)
			buf = appendProcessJSON(buf, item, "")
			c := candidateOf(item)
			c.JSON = buf[start:len(buf):len(buf)]
			all = append(all, c)
		}
	}
	return all, nil
}

// candidateOf reads what the eligibility rule needs straight from an item.
func candidateOf(item map[string]types.AttributeValue) examreg.Candidate {
	text := func(name string) string { return textOf(item, name) }
	flag := func(name string) bool {
		b, ok := item[name].(*types.AttributeValueMemberBOOL)
		return ok && b.Value
	}
	c := examreg.Candidate{
		ID: text("id"), Name: text("name"), Type: text("type"),
		IsActive: flag("is_active"), RestrictExams: flag("restrict_exams"),
		DisplayOrder: text("display_order"),
	}
	if ids, ok := item["exam_ids"].(*types.AttributeValueMemberL); ok {
		c.ExamIDs = make([]string, 0, len(ids.Value))
		for _, id := range ids.Value {
			if s, ok := id.(*types.AttributeValueMemberS); ok {
				c.ExamIDs = append(c.ExamIDs, s.Value)
			}
		}
	}
	return c
}
