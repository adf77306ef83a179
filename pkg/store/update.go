package store

import (
	"context"
	"errors"
	"slices"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/certhub/examreg/pkg/examreg"
)

// ChangeFunc computes the successor of a record from its current state. It
// may be called more than once: again with the newer state whenever another
// write got in first. It must not modify current.
type ChangeFunc func(current *examreg.Process) (*examreg.Process, error)

// UpdateProcess reads a process (a consistent GetItem), asks change for its
// successor and writes it in one TransactWriteItems, conditional on the
// record still existing, still being unlocked and still having the
// sys_version that was read, together with a check that every exam it names
// exists. When another write got in first, the failed condition returns the
// record as it now is, and change runs again on that state, with jittered
// backoff, until the retry budget is spent (then examreg.ErrBusy). So
// concurrent changes are never lost and, without races, an update costs two
// requests.
//
// A missing record is examreg.ErrNotFound and a locked one examreg.ErrLocked;
// change is not called for either.
func (s *Store) UpdateProcess(ctx context.Context, tenant, id string, change ChangeFunc) (*examreg.Process, error) {
	current, err := s.GetProcess(ctx, tenant, id, ReadOptions{Consistent: true})
	if err != nil {
		return nil, err
	}
	return s.UpdateRead(ctx, tenant, current, change)
}

// UpdateRead is UpdateProcess for a record already read with a consistent
// read (GetProcesses reads a batch's records in one request): the same
// conditions, retries and outcomes, one request fewer.
func (s *Store) UpdateRead(ctx context.Context, tenant string, current *examreg.Process, change ChangeFunc) (*examreg.Process, error) {
	r := s.retrier(ctx)
	for {
		if current.IsLocked() {
			return nil, examreg.ErrLocked
		}
		next, err := change(current)
		if err != nil {
			return nil, err
		}
		written, now, err := s.replace(ctx, tenant, current, next)
		switch {
		case err != nil:
			return nil, err
		case written:
			return next, nil
		case now == nil:
			return nil, examreg.ErrNotFound
		}
		current = now
		if !r.wait(ctx) {
			return nil, examreg.ErrBusy
		}
	}
}

// replace writes next over current. When the record changed since current
// was read, it writes nothing and returns the record's present state (nil
// when it is gone).
//
// Only the exam ids next adds are checked: those the record already had were
// checked when they were added. A write that adds none is a plain
// conditional PutItem, at half a transaction's write units; one that adds
// some carries their checks in a transaction.
func (s *Store) replace(ctx context.Context, tenant string, current, next *examreg.Process) (written bool, now *examreg.Process, err error) {
	item, err := processItem(tenant, next)
	if err != nil {
		return false, nil, translate(err)
	}
	put := types.Put{
		TableName:                           aws.String(s.table),
		Item:                                item,
		ConditionExpression:                 aws.String("attribute_exists(pk) AND #v = :v AND " + unlocked),
		ExpressionAttributeNames:            map[string]string{"#v": "sys_version", "#locked": "sys_locked"},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":v": version(current.SysVersion), ":true": trueValue},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}
	added := slices.DeleteFunc(slices.Clone(next.ExamIDs), func(id string) bool { return slices.Contains(current.ExamIDs, id) })
	if len(added) == 0 {
		_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:                           put.TableName,
			Item:                                put.Item,
			ConditionExpression:                 put.ConditionExpression,
			ExpressionAttributeNames:            put.ExpressionAttributeNames,
			ExpressionAttributeValues:           put.ExpressionAttributeValues,
			ReturnValuesOnConditionCheckFailure: put.ReturnValuesOnConditionCheckFailure,
			ReturnConsumedCapacity:              types.ReturnConsumedCapacityTotal,
		})
		var failed *types.ConditionalCheckFailedException
		switch {
		case errors.As(err, &failed) && failed.Item == nil:
			return false, nil, nil
		case errors.As(err, &failed):
			now, err = decodeProcess(failed.Item)
			return false, now, err
		case err != nil:
			return false, nil, translate(err)
		}
		return true, nil, nil
	}
	reasons, err := s.transact(ctx, append([]types.TransactWriteItem{{Put: &put}}, s.examChecks(tenant, added)...))
	switch {
	case err != nil:
		return false, nil, err
	case reasons == nil:
		return true, nil, nil
	case !failed(reasons, 0):
		return false, nil, missingExams(reasons, 1, added, next.ExamIDs)
	case reasons[0].Item == nil:
		return false, nil, nil
	}
	now, err = decodeProcess(reasons[0].Item)
	return false, now, err
}

// unlocked is the condition that a record is not locked.
const unlocked = "(attribute_not_exists(#locked) OR #locked <> :true)"

var trueValue = &types.AttributeValueMemberBOOL{Value: true}

func version(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}
