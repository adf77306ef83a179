package store

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/certhub/examreg/pkg/examreg"
	"github.com/certhub/examreg/pkg/jsondoc"
)

// DeleteProcess hard-deletes a process and uncounts it from the tenant's
// limit. It refuses (ErrReferenced) while exam registrations use the process:
// one Query on gsi1, which like every GSI read is eventually consistent, so a
// registration written in the same instant may be missed. With it goes a
// consistent read of the record: the delete takes the version after the
// record's, which the deletion item keeps, so that a record brought back
// under the id continues its versions. The delete itself is one
// TransactWriteItems conditional on the record existing
// (examreg.ErrNotFound), not being locked (examreg.ErrLocked) and still
// having the version read, which, when versions is not nil, must be one of
// those (examreg.ErrIfMatch). When another write got in first, the failed
// condition returns the record as it now is and the delete is decided again
// on it. A refused delete changes nothing.
//
// The same transaction records who deleted the record, from which request
// and when, in a deletion item: a stream's REMOVE record carries only the
// record as it was, and the change history needs the deleter. The deletion
// item's condition also recognises a delete whose reply was lost and which
// the SDK sent again: it fails only on this write's own deletion (by.WriteID),
// and then the delete succeeded; so does a delete that finds the record
// gone and its own deletion recorded (the request itself sent again).
func (s *Store) DeleteProcess(ctx context.Context, tenant, id string, versions []int64, by examreg.Actor) error {
	unlock, err := s.locks.lock(ctx, tenant, id)
	if err != nil {
		return err
	}
	defer unlock()
	var (
		refs                *dynamodb.QueryOutput
		current             *examreg.Process
		refsErr, currentErr error
		wg                  sync.WaitGroup
	)
	wg.Go(func() {
		refs, refsErr = s.db.Query(ctx, s.referencesQuery(tenant, id))
	})
	wg.Go(func() { current, currentErr = s.ReadProcess(ctx, tenant, id) })
	wg.Wait()
	if currentErr == examreg.ErrNotFound {
		current, currentErr = nil, nil
	}
	if err := cmp.Or(translate(refsErr), currentErr); err != nil {
		return err
	}
	if refs.Count > 0 {
		return ErrReferenced
	}
	r := s.retrier(ctx)
	for {
		switch {
		case current == nil:
			// Gone: by this very write, sent again, or not found.
			if d, err := s.ReadDeletion(ctx, tenant, id); err != nil || d.WriteID != by.WriteID {
				return cmp.Or[error](err, examreg.ErrNotFound)
			}
			return nil
		case current.IsLocked():
			return examreg.ErrLocked
		case versions != nil && !slices.Contains(versions, current.Version()):
			return examreg.ErrIfMatch
		}
		reasons, err := s.transact(ctx, s.deleteItems(tenant, current, by))
		switch {
		case err != nil || reasons == nil:
			return err
		case failed(reasons, 2):
			return nil // this write's own deletion, applied by an earlier attempt
		}
		if current, err = s.failedItem(ctx, reasons[0], tenant, id); err != nil {
			return err
		}
		if current != nil && !r.wait(ctx) {
			return examreg.ErrBusy
		}
	}
}

// referencesQuery counts (up to one) the exam registrations that use a
// process.
func (s *Store) referencesQuery(tenant, id string) *dynamodb.QueryInput {
	return &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(gsi1),
		KeyConditionExpression:    aws.String("gsi1pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: processRefPK(tenant, id)}},
		Select:                    types.SelectCount,
		Limit:                     aws.Int32(1),
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
	}
}

// deleteItems are the items of the transaction that deletes current: the
// record, still at its version and unlocked; the tenant's count; and the
// deletion item, with the delete's version and the record's creation.
func (s *Store) deleteItems(tenant string, current *examreg.Process, by examreg.Actor) []types.TransactWriteItem {
	return []types.TransactWriteItem{s.recordDelete(tenant, current), s.countChange(tenant, -1, 0), s.deletionPut(tenant, current, by)}
}

// recordDelete deletes current, on condition that it is still at its
// version and unlocked.
func (s *Store) recordDelete(tenant string, current *examreg.Process) types.TransactWriteItem {
	return types.TransactWriteItem{Delete: &types.Delete{
		TableName:                           aws.String(s.table),
		Key:                                 key(tenantPK(tenant), processSK(current.ID())),
		ConditionExpression:                 aws.String("attribute_exists(pk) AND #v = :v AND " + unlocked),
		ExpressionAttributeNames:            map[string]string{"#v": "sys_version", "#locked": "sys_locked"},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":v": version(current.Version()), ":true": trueValue},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}
}

// countChange adds delta to the tenant's count of processes; a positive
// delta only while the count stays within maxPerTenant.
func (s *Store) countChange(tenant string, delta, maxPerTenant int) types.TransactWriteItem {
	u := &types.Update{
		TableName:                 aws.String(s.table),
		Key:                       key(tenantPK(tenant), counterSK),
		UpdateExpression:          aws.String("ADD #n :delta"),
		ExpressionAttributeNames:  map[string]string{"#n": counterAttr},
		ExpressionAttributeValues: map[string]types.AttributeValue{":delta": &types.AttributeValueMemberN{Value: strconv.Itoa(delta)}},
	}
	if delta > 0 {
		u.ConditionExpression = aws.String("attribute_not_exists(#n) OR #n <= :room")
		u.ExpressionAttributeValues[":room"] = &types.AttributeValueMemberN{Value: strconv.Itoa(maxPerTenant - delta)}
	}
	return types.TransactWriteItem{Update: u}
}

// deletionPut records the delete of current by by: the delete's version
// and the record's creation. Its condition fails only on this write's own
// deletion (by.WriteID): a delete whose reply was lost.
func (s *Store) deletionPut(tenant string, current *examreg.Process, by examreg.Actor) types.TransactWriteItem {
	id := current.ID()
	deletion := map[string]types.AttributeValue{
		"pk":         &types.AttributeValueMemberS{Value: tenantPK(tenant)},
		"sk":         &types.AttributeValueMemberS{Value: deletionPrefix + id},
		"by":         &types.AttributeValueMemberS{Value: by.UserID},
		"at":         &types.AttributeValueMemberS{Value: examreg.Timestamp(by.Now)},
		"request_id": &types.AttributeValueMemberS{Value: by.RequestID},
		"write_id":   &types.AttributeValueMemberS{Value: by.WriteID},
		"version":    version(current.Version() + 1),
	}
	if by.SnapshotID != "" {
		deletion["snapshot_id"] = &types.AttributeValueMemberS{Value: by.SnapshotID}
	}
	for _, name := range []string{"sys_created_at", "sys_created_by_id"} {
		if v, ok := current.Member(name); ok && v.Kind() == jsondoc.KindString {
			deletion[name] = &types.AttributeValueMemberS{Value: v.Text()}
		}
	}
	return types.TransactWriteItem{Put: &types.Put{
		TableName:                 aws.String(s.table),
		Item:                      deletion,
		ConditionExpression:       aws.String("attribute_not_exists(#write) OR #write <> :write"),
		ExpressionAttributeNames:  map[string]string{"#write": "write_id"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":write": &types.AttributeValueMemberS{Value: by.WriteID}},
	}}
}

// Deletion is who deleted a record, when, and from which request; the
// version of the delete (0 for a delete recorded before deletes kept it);
// and the record's creation.
type Deletion struct {
	By, At, RequestID string
	// WriteID is the delete's examreg.Actor.WriteID.
	WriteID string
	// SnapshotID is the configuration snapshot whose apply deleted the
	// record, if one did.
	SnapshotID           string
	Version              int64
	CreatedAt, CreatedBy string
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
	return deletionOf(out.Item), nil
}

func deletionOf(item map[string]types.AttributeValue) Deletion {
	v, _ := strconv.ParseInt(textOf(item, "version"), 10, 64)
	return Deletion{
		By: textOf(item, "by"), At: textOf(item, "at"), RequestID: textOf(item, "request_id"), WriteID: textOf(item, "write_id"),
		Version: v, CreatedAt: textOf(item, "sys_created_at"), CreatedBy: textOf(item, "sys_created_by_id"),
		SnapshotID: textOf(item, "snapshot_id"),
	}
}

// ReadDeletions reads the deletions of the records ids that are deleted,
// by id, for a bulk load: one consistent BatchGetItem per MaxBatchRead.
func (s *Store) ReadDeletions(ctx context.Context, tenant string, ids []string) (map[string]Deletion, error) {
	keys := make([]map[string]types.AttributeValue, len(ids))
	for i, id := range ids {
		keys[i] = key(tenantPK(tenant), deletionPrefix+id)
	}
	items, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, err
	}
	found := make(map[string]Deletion, len(items))
	for _, item := range items {
		found[strings.TrimPrefix(textOf(item, "sk"), deletionPrefix)] = deletionOf(item)
	}
	return found, nil
}
