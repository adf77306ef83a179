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
// successor and writes it, conditional on the record still existing, still
// being unlocked and still having the sys_version that was read, together
// with a check that every exam it adds exists. When another write got in
// first, the failed condition returns the record as it now is, and change
// runs again on that state, with jittered backoff, until the retry budget is
// spent (then examreg.ErrBusy). So concurrent changes are never lost and,
// without races, an update costs two requests. Writes to one record through
// one Store take turns.
//
// A successor that holds exactly the members a client writes that the
// record holds (examreg.Process.Unchanged) is not written: the answer is the
// record as it is, its version unchanged, and no history entry follows.
//
// A missing record is examreg.ErrNotFound and a locked one examreg.ErrLocked;
// change is not called for either.
func (s *Store) UpdateProcess(ctx context.Context, tenant, id string, change ChangeFunc) (*examreg.Process, error) {
	unlock, err := s.locks.lock(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	defer unlock()
	current, err := s.ReadProcess(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	saved, _, err := s.update(ctx, tenant, current, change, nil)
	return saved, err
}

// UpdateRead is UpdateProcess for a record already read with a consistent
// read (ReadProcesses reads a batch's records together): the same
// conditions, retries and outcomes, one request fewer.
func (s *Store) UpdateRead(ctx context.Context, tenant string, current *examreg.Process, change ChangeFunc) (*examreg.Process, error) {
	unlock, err := s.locks.lock(ctx, tenant, current.ID())
	if err != nil {
		return nil, err
	}
	defer unlock()
	saved, _, err := s.update(ctx, tenant, current, change, nil)
	return saved, err
}

// update writes change's successor of current, retrying on the record's
// newer states; with idem, it records the key with the write, and a key an
// earlier write recorded answers that write's answer instead.
func (s *Store) update(ctx context.Context, tenant string, current *examreg.Process, change ChangeFunc, idem *Idempotency) (*examreg.Process, *Replay, error) {
	r := s.retrier(ctx)
	for {
		if current.IsLocked() {
			return nil, nil, examreg.ErrLocked
		}
		next, err := change(current)
		if err != nil {
			return nil, nil, err
		}
		if next.Unchanged(current) {
			return current, nil, nil
		}
		written, now, replay, err := s.replace(ctx, tenant, current, next, idem)
		switch {
		case err != nil || replay != nil:
			return nil, replay, err
		case written:
			return next, nil, nil
		case now == nil:
			return nil, nil, examreg.ErrNotFound
		}
		current = now
		if !r.wait(ctx) {
			return nil, nil, examreg.ErrBusy
		}
		conflictRetried(ctx)
	}
}

// replace writes next over current. When the record changed since current
// was read, it writes nothing and returns the record's present state (nil
// when it is gone), unless the present state is next itself: the write was
// applied, but its reply was lost and the SDK sent it again, which then
// failed its own condition. That is recognised by the version and the
// request the record carries, and counts as written.
//
// Only the exam ids next adds are checked: those the record already had were
// checked when they were added. A write that adds none and records no key is
// a plain conditional PutItem, at half a transaction's write units; one that
// adds some, or records idem, carries them in a transaction.
func (s *Store) replace(ctx context.Context, tenant string, current, next *examreg.Process, idem *Idempotency) (written bool, now *examreg.Process, replay *Replay, err error) {
	put := types.Put{
		TableName:                           aws.String(s.table),
		Item:                                processItem(tenant, next),
		ConditionExpression:                 aws.String("attribute_exists(pk) AND #v = :v AND " + unlocked),
		ExpressionAttributeNames:            map[string]string{"#v": "sys_version", "#locked": "sys_locked"},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":v": version(current.Version()), ":true": trueValue},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}
	currentExams := current.ExamIDs()
	added := slices.DeleteFunc(next.ExamIDs(), func(id string) bool { return slices.Contains(currentExams, id) })
	if len(added) == 0 && idem == nil {
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
			return false, nil, nil, nil
		case errors.As(err, &failed):
			written, now := settled(processOf(failed.Item), next)
			return written, now, nil, nil
		case err != nil:
			return false, nil, nil, translate(err)
		}
		return true, nil, nil, nil
	}
	items := append([]types.TransactWriteItem{{Put: &put}}, s.examChecks(tenant, added)...)
	keyAt := -1
	if idem != nil {
		keyAt = len(items)
		items = append(items, s.idempotencyPut(tenant, next.ID(), idem))
	}
	reasons, err := s.transact(ctx, items)
	switch {
	case err != nil:
		return false, nil, nil, err
	case reasons == nil:
		return true, nil, nil, nil
	}
	if failed(reasons, 0) {
		stored, err := s.failedItem(ctx, reasons[0], tenant, next.ID())
		if err != nil {
			return false, nil, nil, err
		}
		if stored != nil {
			if written, now = settled(stored, next); written {
				return true, nil, nil, nil
			}
		}
	}
	if keyAt >= 0 && failed(reasons, keyAt) {
		replay, err := replayOf(reasons[keyAt].Item, idem)
		return false, nil, replay, err
	}
	if failed(reasons, 0) {
		return false, now, nil, nil
	}
	return false, nil, nil, missingExams(reasons, 1, added, next.ExamIDs())
}

// settled reads the record a conditional write found: next itself when the
// write had been applied by an earlier attempt of the same request.
func settled(stored, next *examreg.Process) (written bool, now *examreg.Process) {
	if stored.Version() == next.Version() && stored.RequestID() != "" && stored.RequestID() == next.RequestID() {
		return true, nil
	}
	return false, stored
}

// unlocked is the condition that a record is not locked.
const unlocked = "(attribute_not_exists(#locked) OR #locked <> :true)"

var trueValue = &types.AttributeValueMemberBOOL{Value: true}

func version(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}
