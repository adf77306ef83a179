package store

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/certhub/examreg/pkg/examreg"
)

// GetExam reads an exam of the tenant, or returns ErrExamNotFound. One GetItem.
func (s *Store) GetExam(ctx context.Context, tenant, examID string) (*examreg.Exam, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:              aws.String(s.table),
		Key:                    key(tenantPK(tenant), examSK(examID)),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		return nil, translate(err)
	}
	if out.Item == nil {
		return nil, ErrExamNotFound
	}
	var exam examreg.Exam
	if err := unmarshalItem(out.Item, &exam); err != nil {
		return nil, translate(err)
	}
	return &exam, nil
}

// AllProcesses reads every process of the tenant: one Query per 1 MB page.
func (s *Store) AllProcesses(ctx context.Context, tenant string) ([]*examreg.Process, error) {
	var all []*examreg.Process
	p := dynamodb.NewQueryPaginator(s.db, s.processQuery(tenant, ReadOptions{}))
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, translate(err)
		}
		for _, item := range out.Items {
			proc, err := decodeProcess(item)
			if err != nil {
				return nil, err
			}
			all = append(all, proc)
		}
	}
	return all, nil
}

// LatestRegistration reads the contact's most recent registration for the
// exam (by date), or returns nil. One Query, newest first, Limit 1: the sort
// key orders a contact's registrations by exam and then date.
func (s *Store) LatestRegistration(ctx context.Context, tenant, contactID, examID string) (*examreg.Registration, error) {
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":     &types.AttributeValueMemberS{Value: contactPK(tenant, contactID)},
			":prefix": &types.AttributeValueMemberS{Value: regPrefix + examID + "#"},
		},
		ScanIndexForward:       aws.Bool(false),
		Limit:                  aws.Int32(1),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		return nil, translate(err)
	}
	if len(out.Items) == 0 {
		return nil, nil
	}
	var reg examreg.Registration
	if err := unmarshalItem(out.Items[0], &reg); err != nil {
		return nil, translate(err)
	}
	return &reg, nil
}
