package store

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/certhub/examreg/pkg/examreg"
)

// Exams are owned by the exams service; this service reads them to check
// the exam_ids a process names and the exam an eligibility check names.

// ExamExists returns nil when the tenant has the exam, ErrExamNotFound when
// it does not. One GetItem of the key alone.
func (s *Store) ExamExists(ctx context.Context, tenant, examID string) error {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:              aws.String(s.table),
		Key:                    key(tenantPK(tenant), examSK(examID)),
		ProjectionExpression:   aws.String("pk"),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		return translate(err)
	}
	if out.Item == nil {
		return ErrExamNotFound
	}
	return nil
}

// examChecks are the transaction items that require each exam to exist.
func (s *Store) examChecks(tenant string, examIDs []string) []types.TransactWriteItem {
	items := make([]types.TransactWriteItem, len(examIDs))
	for i, id := range examIDs {
		items[i] = types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName:           aws.String(s.table),
			Key:                 key(tenantPK(tenant), examSK(id)),
			ConditionExpression: aws.String("attribute_exists(pk)"),
		}}
	}
	return items
}

// ExamItem places an exam of a tenant, for a bulk load.
func ExamItem(tenant string, e *examreg.Exam) Item {
	item := attributesOf(e.Document().Members())
	item["pk"] = &types.AttributeValueMemberS{Value: tenantPK(tenant)}
	item["sk"] = &types.AttributeValueMemberS{Value: examSK(e.Text("id"))}
	return item
}
