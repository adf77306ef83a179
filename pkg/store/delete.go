package store

import (
	"context"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/certhub/examreg/pkg/examreg"
)

// DeleteProcess hard-deletes a process and uncounts it from the tenant's
// limit. It refuses (ErrReferenced) while exam registrations use the process:
// one Query on gsi1, which like every GSI read is eventually consistent, so a
// registration written in the same instant may be missed. The delete itself
// is one TransactWriteItems conditional on the record existing
// (examreg.ErrNotFound), not being locked (examreg.ErrLocked) and, when
// versions is not nil, having one of those sys_versions (examreg.ErrIfMatch).
// A refused delete changes nothing.
//
// The same transaction records who deleted the record, from which request
// and when, in a deletion item: a stream's REMOVE record carries only the
// record as it was, and the change history needs the deleter. The deletion
// item's condition also recognises a delete whose reply was lost and which
// the SDK sent again: it fails only on this write's own deletion (by.WriteID),
// and then the delete succeeded.
func (s *Store) DeleteProcess(ctx context.Context, tenant, id string, versions []int64, by examreg.Actor) error {
	unlock, err := s.locks.lock(ctx, tenant, id)
	if err != nil {
		return err
	}
	defer unlock()
	refs, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(gsi1),
		KeyConditionExpression:    aws.String("gsi1pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: processRefPK(tenant, id)}},
		Select:                    types.SelectCount,
		Limit:                     aws.Int32(1),
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		return translate(err)
	}
	if refs.Count > 0 {
		return ErrReferenced
	}

	condition := "attribute_exists(pk) AND " + unlocked
	names := map[string]string{"#locked": "sys_locked"}
	values := map[string]types.AttributeValue{":true": trueValue}
	if versions != nil {
		placeholders := make([]string, len(versions))
		for i, v := range versions {
			placeholders[i] = ":v" + strconv.Itoa(i)
			values[placeholders[i]] = version(v)
		}
		condition += " AND #v IN (" + strings.Join(placeholders, ", ") + ")"
		names["#v"] = "sys_version"
	}
	reasons, err := s.transact(ctx, []types.TransactWriteItem{
		{Delete: &types.Delete{
			TableName:                           aws.String(s.table),
			Key:                                 key(tenantPK(tenant), processSK(id)),
			ConditionExpression:                 aws.String(condition),
			ExpressionAttributeNames:            names,
			ExpressionAttributeValues:           values,
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}},
		{Update: &types.Update{
			TableName:                 aws.String(s.table),
			Key:                       key(tenantPK(tenant), counterSK),
			UpdateExpression:          aws.String("ADD #n :minus"),
			ExpressionAttributeNames:  map[string]string{"#n": counterAttr},
			ExpressionAttributeValues: map[string]types.AttributeValue{":minus": &types.AttributeValueMemberN{Value: "-1"}},
		}},
		{Put: &types.Put{
			TableName: aws.String(s.table),
			Item: map[string]types.AttributeValue{
				"pk":         &types.AttributeValueMemberS{Value: tenantPK(tenant)},
				"sk":         &types.AttributeValueMemberS{Value: deletionPrefix + id},
				"by":         &types.AttributeValueMemberS{Value: by.UserID},
				"at":         &types.AttributeValueMemberS{Value: examreg.Timestamp(by.Now)},
				"request_id": &types.AttributeValueMemberS{Value: by.RequestID},
				"write_id":   &types.AttributeValueMemberS{Value: by.WriteID},
			},
			ConditionExpression:       aws.String("attribute_not_exists(#write) OR #write <> :write"),
			ExpressionAttributeNames:  map[string]string{"#write": "write_id"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":write": &types.AttributeValueMemberS{Value: by.WriteID}},
		}},
	})
	switch {
	case err != nil || reasons == nil:
		return err
	case failed(reasons, 2):
		return nil // this write's own deletion, applied by an earlier attempt
	case reasons[0].Item == nil:
		return examreg.ErrNotFound
	case processOf(reasons[0].Item).IsLocked():
		return examreg.ErrLocked
	}
	return examreg.ErrIfMatch
}

// Deletion is who deleted a record, when, and from which request.
type Deletion struct {
	By, At, RequestID string
}

// ReadDeletion reads the last deletion of a record, or returns
// examreg.ErrNotFound. One consistent GetItem.
func (s *Store) ReadDeletion(ctx context.Context, tenant, id string) (Deletion, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:              aws.String(s.table),
		Key:                    key(tenantPK(tenant), deletionPrefix+id),
		ConsistentRead:         aws.Bool(true),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		return Deletion{}, translate(err)
	}
	if out.Item == nil {
		return Deletion{}, examreg.ErrNotFound
	}
	return Deletion{By: textOf(out.Item, "by"), At: textOf(out.Item, "at"), RequestID: textOf(out.Item, "request_id")}, nil
}
