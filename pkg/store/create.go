package store

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/certhub/examreg/pkg/examreg"
)

// Idempotency is a create's Idempotency-Key. The first create with a key
// records the key, a fingerprint of its request and its answer in the
// create's own transaction; until the key expires, a create with the same
// key gets that answer back instead of making a second record.
type Idempotency struct {
	Key         string
	Fingerprint string
	// Answer is the body of the first create's answer.
	Answer  []byte
	Expires time.Time
}

// Replay is the answer of the earlier create whose Idempotency-Key a
// create repeated.
type Replay struct {
	ID     string
	Answer []byte
}

// ErrKeyReused is a create whose Idempotency-Key was used for another request.
var ErrKeyReused = examreg.Errorf(examreg.EKEYREUSED, "this Idempotency-Key was used for a request with another body")

// CreateProcess stores a new process in one TransactWriteItems that also
// counts it against the tenant's limit of maxPerTenant processes, checks that
// every exam it names exists in the tenant and, with an Idempotency-Key,
// records the key. Concurrent creates cannot overshoot the limit: the
// counter's condition is part of the transaction. It returns
// examreg.ErrLimit at the limit, an ECONFLICT error naming each missing
// exam, and, when the key was used before, the first answer (or
// ErrKeyReused when that was for another request).
//
// A create whose reply was lost and which the SDK sent again finds its own
// record (p's id is new: nothing else can have written it) and succeeds.
func (s *Store) CreateProcess(ctx context.Context, tenant string, p *examreg.Process, maxPerTenant int, idem *Idempotency) (*Replay, error) {
	replay, taken, err := s.insert(ctx, tenant, p, maxPerTenant, idem, nil)
	if taken {
		return nil, examreg.Errorf(examreg.ECONFLICT, "an exam reg process with this id already exists")
	}
	return replay, err
}

// errGuard is an insert whose guard failed.
var errGuard = errors.New("store: the guard of an insert failed")

// insert writes p under an id that holds no record, in one transaction
// with the tenant's count, the checks of its exams, idem's key and, when not
// nil, guard, a condition on another item (errGuard when it fails). taken
// reports that another write holds the id; the insert's own earlier
// attempt, whose reply was lost, counts as success.
func (s *Store) insert(ctx context.Context, tenant string, p *examreg.Process, maxPerTenant int, idem *Idempotency, guard *types.ConditionCheck) (replay *Replay, taken bool, err error) {
	items := []types.TransactWriteItem{s.recordPut(tenant, p), s.countChange(tenant, 1, maxPerTenant)}
	keyAt, guardAt := -1, -1
	if idem != nil {
		keyAt = len(items)
		items = append(items, s.idempotencyPut(tenant, p.ID(), idem))
	}
	if guard != nil {
		guardAt = len(items)
		items = append(items, types.TransactWriteItem{ConditionCheck: guard})
	}
	examsAt := len(items)
	items = append(items, s.examChecks(tenant, p.ExamIDs())...)
	reasons, err := s.transact(ctx, items)
	if err != nil || reasons == nil {
		return nil, false, err
	}
	if failed(reasons, 0) {
		stored, err := s.failedItem(ctx, reasons[0], tenant, p.ID())
		if err != nil {
			return nil, false, err
		}
		if stored != nil && stored.RequestID() == p.RequestID() {
			return nil, false, nil // our own first attempt
		}
	}
	switch {
	case keyAt >= 0 && failed(reasons, keyAt):
		replay, err := replayOf(reasons[keyAt].Item, idem)
		return replay, false, err
	case guardAt >= 0 && failed(reasons, guardAt):
		return nil, false, errGuard
	case failed(reasons, 0):
		return nil, true, nil
	}
	if err := missingExams(reasons, examsAt, p.ExamIDs(), p.ExamIDs()); err != nil {
		return nil, false, err
	}
	if failed(reasons, 1) {
		return nil, false, examreg.ErrLimit
	}
	return nil, false, &examreg.Error{Code: examreg.EINTERNAL, Message: "internal error", Cause: errors.New("store: an insert was cancelled for no reason it names")}
}

// recordPut writes p under an id that holds no record.
func (s *Store) recordPut(tenant string, p *examreg.Process) types.TransactWriteItem {
	return types.TransactWriteItem{Put: &types.Put{
		TableName:                           aws.String(s.table),
		Item:                                processItem(tenant, p),
		ConditionExpression:                 aws.String("attribute_not_exists(pk)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}
}

// failedItem is the process whose condition failed in a transaction: the
// item the cancellation returned or, from an engine that returns none, a
// consistent read. It is nil when the record does not exist.
func (s *Store) failedItem(ctx context.Context, reason types.CancellationReason, tenant, id string) (*examreg.Process, error) {
	if reason.Item != nil {
		return processOf(reason.Item), nil
	}
	p, err := s.ReadProcess(ctx, tenant, id)
	if err == examreg.ErrNotFound {
		return nil, nil
	}
	return p, err
}

// idempotencyPut records a create's Idempotency-Key, unless the key is held
// by an earlier create and has not expired (DynamoDB's TTL deletes expired
// keys only eventually, so the condition reads the expiry too).
func (s *Store) idempotencyPut(tenant, id string, idem *Idempotency) types.TransactWriteItem {
	return types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{
			"pk":          &types.AttributeValueMemberS{Value: tenantPK(tenant)},
			"sk":          &types.AttributeValueMemberS{Value: idempotencyPrefix + idem.Key},
			"fingerprint": &types.AttributeValueMemberS{Value: idem.Fingerprint},
			"record_id":   &types.AttributeValueMemberS{Value: id},
			"answer":      &types.AttributeValueMemberS{Value: string(idem.Answer)},
			expiresAttr:   &types.AttributeValueMemberN{Value: strconv.FormatInt(idem.Expires.Unix(), 10)},
		},
		ConditionExpression:                 aws.String("attribute_not_exists(pk) OR #expires < :now"),
		ExpressionAttributeNames:            map[string]string{"#expires": expiresAttr},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":now": &types.AttributeValueMemberN{Value: strconv.FormatInt(time.Now().Unix(), 10)}},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}
}

// replayOf answers a create whose key an earlier create recorded.
func replayOf(item map[string]types.AttributeValue, idem *Idempotency) (*Replay, error) {
	if textOf(item, "fingerprint") != idem.Fingerprint {
		return nil, ErrKeyReused
	}
	return &Replay{ID: textOf(item, "record_id"), Answer: []byte(textOf(item, "answer"))}, nil
}

// missingExams names each exam of checked whose check (items from index
// first on) failed, by its place in examIDs, or returns nil.
func missingExams(reasons []types.CancellationReason, first int, checked, examIDs []string) error {
	var missing []string
	for i, id := range checked {
		if failed(reasons, first+i) {
			missing = append(missing, id)
		}
	}
	if missing == nil {
		return nil
	}
	return examreg.MissingExams(missing, examIDs)
}
