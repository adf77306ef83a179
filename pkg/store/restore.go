package store

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/certhub/examreg/pkg/examreg"
)

// RestoreFunc makes the record a restore writes from old, the version being
// restored as its history holds it: over current, the record as it is, or,
// when current is nil, after the record's deletion. It may be called more
// than once, again with the newer state whenever another write got in
// first.
type RestoreFunc func(current, old *examreg.Process, deletion Deletion) (*examreg.Process, error)

// RestoreProcess writes version restored of a record, as restore makes it, as the
// record's next version. Its reads are one consistent BatchGetItem of the
// record, the version's history item and the record's deletion; a version
// that is not in the history, or is a delete, is ENOTFOUND.
//
// Over a record that exists, the write is an update's (UpdateProcess: the
// same conditions, retries and exam checks, and a restore that changes
// nothing writes nothing). A deleted record is undeleted: written under its
// id in one transaction that counts it against the tenant's limit of
// maxPerTenant (examreg.ErrLimit), checks every exam it names, and requires
// the deletion read to be still the last, so that the version after the
// delete's is the id's next. When another write brought the record back
// first, the restore is made again over it.
//
// With idem, the key is recorded with the write, and a key an earlier
// request recorded answers that request's answer (or ErrKeyReused), as on a
// create. A write whose reply was lost and which the SDK sent again finds
// itself applied and succeeds.
func (s *Store) RestoreProcess(ctx context.Context, tenant, id string, restored int64, maxPerTenant int, idem *Idempotency, restore RestoreFunc) (*examreg.Process, *Replay, error) {
	unlock, err := s.locks.lock(ctx, tenant, id)
	if err != nil {
		return nil, nil, err
	}
	defer unlock()
	r := s.retrier(ctx)
	for {
		current, old, deletion, err := s.readRestore(ctx, tenant, id, restored)
		if err != nil {
			return nil, nil, err
		}
		if current != nil {
			return s.update(ctx, tenant, current, func(current *examreg.Process) (*examreg.Process, error) {
				return restore(current, old, deletion)
			}, idem)
		}
		if deletion.Version == 0 {
			return nil, nil, examreg.Errorf(examreg.ECONFLICT, "this exam reg process was deleted before deletes recorded their version: it cannot be restored")
		}
		next, err := restore(nil, old, deletion)
		if err != nil {
			return nil, nil, err
		}
		replay, taken, err := s.insert(ctx, tenant, next, maxPerTenant, idem, &types.ConditionCheck{
			TableName:                 aws.String(s.table),
			Key:                       key(tenantPK(tenant), deletionPrefix+id),
			ConditionExpression:       aws.String("#v = :v"),
			ExpressionAttributeNames:  map[string]string{"#v": "version"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":v": version(deletion.Version)},
		})
		switch {
		case err == errGuard, taken:
		case err != nil || replay != nil:
			return nil, replay, err
		default:
			return next, nil, nil
		}
		if !r.wait(ctx) {
			return nil, nil, examreg.ErrBusy
		}
	}
}

// readRestore reads what a restore builds on: the record (nil when it does
// not exist), the version to restore and the record's last deletion.
func (s *Store) readRestore(ctx context.Context, tenant, id string, version int64) (current, old *examreg.Process, deletion Deletion, err error) {
	items, err := s.batchGet(ctx, []map[string]types.AttributeValue{
		key(tenantPK(tenant), processSK(id)),
		key(historyPK(tenant, id), historySK(version)),
		key(tenantPK(tenant), deletionPrefix+id),
	})
	if err != nil {
		return nil, nil, Deletion{}, err
	}
	var image map[string]types.AttributeValue
	for _, item := range items {
		switch sk := textOf(item, "sk"); {
		case sk == processSK(id):
			current = processOf(item)
		case sk == deletionPrefix+id:
			deletion = deletionOf(item)
		default:
			image = item
		}
	}
	rec, err := imageOf(image, version)
	if err != nil {
		return nil, nil, Deletion{}, err
	}
	old, err = examreg.ParseStoredProcess(rec.JSON)
	return current, old, deletion, err
}
