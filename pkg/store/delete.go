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
func (s *Store) DeleteProcess(ctx context.Context, tenant, id string, versions []int64) error {
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
	})
	if err != nil || reasons == nil {
		return err
	}
	if reasons[0].Item == nil {
		return examreg.ErrNotFound
	}
	current, err := decodeProcess(reasons[0].Item)
	if err != nil {
		return err
	}
	if current.IsLocked() {
		return examreg.ErrLocked
	}
	return examreg.ErrIfMatch
}
