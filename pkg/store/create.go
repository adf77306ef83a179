package store

import (
	"context"
	"slices"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/certhub/examreg/pkg/examreg"
)

// CreateProcess stores a new process in one TransactWriteItems that also
// counts it against the tenant's limit of maxPerTenant processes and checks
// that every exam it names exists in the tenant. Concurrent creates cannot
// overshoot the limit: the counter's condition is part of the transaction.
// It returns examreg.ErrLimit at the limit, and an ECONFLICT error naming
// each missing exam.
func (s *Store) CreateProcess(ctx context.Context, tenant string, p *examreg.Process, maxPerTenant int) error {
	item, err := processItem(tenant, p)
	if err != nil {
		return translate(err)
	}
	items := []types.TransactWriteItem{
		{Put: &types.Put{
			TableName:           aws.String(s.table),
			Item:                item,
			ConditionExpression: aws.String("attribute_not_exists(pk)"),
		}},
		{Update: &types.Update{
			TableName:                aws.String(s.table),
			Key:                      key(tenantPK(tenant), counterSK),
			UpdateExpression:         aws.String("ADD #n :one"),
			ConditionExpression:      aws.String("attribute_not_exists(#n) OR #n < :max"),
			ExpressionAttributeNames: map[string]string{"#n": counterAttr},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":one": &types.AttributeValueMemberN{Value: "1"},
				":max": &types.AttributeValueMemberN{Value: strconv.Itoa(maxPerTenant)},
			},
		}},
	}
	items = append(items, s.examChecks(tenant, p.ExamIDs)...)
	reasons, err := s.transact(ctx, items)
	if err != nil || reasons == nil {
		return err
	}
	if err := missingExams(reasons, 2, p.ExamIDs, p.ExamIDs); err != nil {
		return err
	}
	if failed(reasons, 1) {
		return examreg.ErrLimit
	}
	return examreg.Errorf(examreg.ECONFLICT, "an exam reg process with this id already exists")
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

// missingExams names each exam of checked whose check (items from index
// first on) failed, by its place in examIDs, or returns nil.
func missingExams(reasons []types.CancellationReason, first int, checked, examIDs []string) error {
	var fields []examreg.FieldError
	for i, id := range checked {
		if failed(reasons, first+i) {
			fields = append(fields, examreg.FieldError{
				Field:   "exam_ids[" + strconv.Itoa(slices.Index(examIDs, id)) + "]",
				Message: "exam " + id + " does not exist in this tenant",
			})
		}
	}
	if fields == nil {
		return nil
	}
	return &examreg.Error{Code: examreg.ECONFLICT, Message: "the exam reg process refers to exams that do not exist", Fields: fields}
}
