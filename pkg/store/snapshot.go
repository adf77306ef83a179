package store

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"

	"github.com/certhub/examreg/pkg/examreg"
	"github.com/certhub/examreg/pkg/jsondoc"
)

// A configuration snapshot is a header in its tenant's partition and one
// item per record in a partition of its own, sorted by record id:
//
//	header   TENANT#<t>                       SNAPSHOT#<snapshot id>
//	record   TENANT#<t>#SNAPSHOT#<snapshot>   RECORD#<id>
//
// Snapshot ids are UUIDv7, so the header's key orders snapshots by time. A
// take writes the records first and the header last: a snapshot is read
// through its header, so it is never seen half written. A delete marks the
// header first, then removes the records, then the header: a delete cut
// short and sent again finishes, and a marked snapshot is not found.

const (
	snapshotPrefix       = "SNAPSHOT#"
	snapshotRecordPrefix = "RECORD#"
	deletingAttr         = "deleting"
)

func snapshotRecordsPK(tenant, snapshot string) string {
	return "TENANT#" + tenant + "#SNAPSHOT#" + snapshot
}

// ErrSnapshotNotFound is a snapshot the tenant does not have.
var ErrSnapshotNotFound = examreg.Errorf(examreg.ENOTFOUND, "configuration snapshot not found")

// parallelRequests bounds the requests one snapshot or apply has in flight.
const parallelRequests = 8

// ReadTenant reads every process of a tenant, ordered by id: consistent
// Queries of the tenant's partition, one per 1 MB.
func (s *Store) ReadTenant(ctx context.Context, tenant string) ([]*examreg.Process, error) {
	var all []*examreg.Process
	p := dynamodb.NewQueryPaginator(s.db, s.processQuery(tenant, ReadOptions{Consistent: true}))
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, translate(err)
		}
		for _, item := range out.Items {
			all = append(all, processOf(item))
		}
	}
	return all, nil
}

// VersionKey names one version of a record.
type VersionKey struct {
	ID      string
	Version int64
}

// HistoryVersions reads versions of a tenant's records as their history
// holds them (see HistoryVersion): consistent BatchGetItems of up to
// MaxBatchRead, in parallel. A version whose entry is a delete's is in the
// answer as nil; one the history does not hold (yet: the history is
// written shortly after each write) is not in the answer.
func (s *Store) HistoryVersions(ctx context.Context, tenant string, versions []VersionKey) (map[VersionKey]*examreg.Process, error) {
	keys := make([]map[string]types.AttributeValue, len(versions))
	for i, v := range versions {
		keys[i] = key(historyPK(tenant, v.ID), historySK(v.Version))
	}
	items, err := s.batchGetAll(ctx, keys)
	if err != nil {
		return nil, err
	}
	found := make(map[VersionKey]*examreg.Process, len(items))
	for _, item := range items {
		at := VersionKey{strings.TrimPrefix(textOf(item, "pk"), historyPK(tenant, "")), versionIn(item)}
		if _, ok := item["image"]; !ok {
			found[at] = nil // a delete's entry
			continue
		}
		rec, err := imageOf(item, at.Version)
		if err != nil {
			return nil, err
		}
		if found[at], err = examreg.ParseStoredProcess(rec.JSON); err != nil {
			return nil, err
		}
	}
	return found, nil
}

// batchGetAll is batchGet for any number of keys: MaxBatchRead per
// request, parallelRequests at a time.
func (s *Store) batchGetAll(ctx context.Context, keys []map[string]types.AttributeValue) ([]map[string]types.AttributeValue, error) {
	chunks := slices.Collect(slices.Chunk(keys, MaxBatchRead))
	found := make([][]map[string]types.AttributeValue, len(chunks))
	var g errgroup.Group
	g.SetLimit(parallelRequests)
	for i, chunk := range chunks {
		g.Go(func() (err error) {
			found[i], err = s.batchGet(ctx, chunk)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return slices.Concat(found...), nil
}

// PutSnapshot stores a snapshot of tenant: its records with BatchWriteItem,
// 25 to a request, parallelRequests at a time, then its header.
func (s *Store) PutSnapshot(ctx context.Context, tenant string, snap *examreg.Snapshot) error {
	requests := make([]types.WriteRequest, len(snap.Records))
	for i, rec := range snap.Records {
		item, err := snapshotRecordItem(tenant, snap.ID, rec)
		if err != nil {
			return err
		}
		requests[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: item}}
	}
	if err := s.writeAll(ctx, requests); err != nil {
		return err
	}
	h := snap.SnapshotHeader
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{
			"pk":           &types.AttributeValueMemberS{Value: tenantPK(tenant)},
			"sk":           &types.AttributeValueMemberS{Value: snapshotPrefix + h.ID},
			"id":           &types.AttributeValueMemberS{Value: h.ID},
			"tenant_id":    &types.AttributeValueMemberS{Value: h.TenantID},
			"description":  &types.AttributeValueMemberS{Value: h.Description},
			"created_at":   &types.AttributeValueMemberS{Value: h.CreatedAt},
			"created_by":   &types.AttributeValueMemberS{Value: h.CreatedBy},
			"record_count": &types.AttributeValueMemberN{Value: strconv.Itoa(h.RecordCount)},
		},
		// No condition: the id is new, so the only write it can meet is
		// this one's own, sent again by the SDK after a lost reply.
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	})
	return translate(err)
}

// snapshotRecordItem is the item that stores a snapshot's record: the
// record and its patch as gzipped JSON text, which costs a fraction of
// their size in write units.
func snapshotRecordItem(tenant, snapshot string, rec examreg.SnapshotRecord) (map[string]types.AttributeValue, error) {
	record, err := gzipped(rec.Record.AppendJSON(nil))
	if err != nil {
		return nil, err
	}
	patch, err := gzipped(rec.PatchFromBase)
	if err != nil {
		return nil, err
	}
	item := map[string]types.AttributeValue{
		"pk":           &types.AttributeValueMemberS{Value: snapshotRecordsPK(tenant, snapshot)},
		"sk":           &types.AttributeValueMemberS{Value: snapshotRecordPrefix + rec.ID},
		"version":      version(rec.Version),
		"base_version": version(rec.BaseVersion),
		"record":       &types.AttributeValueMemberB{Value: record},
		"patch":        &types.AttributeValueMemberB{Value: patch},
	}
	if rec.BaseMissing {
		item["base_missing"] = trueValue
	}
	return item, nil
}

// snapshotRecordOf is the record a snapshot's record item stores.
func snapshotRecordOf(item map[string]types.AttributeValue) (examreg.SnapshotRecord, error) {
	rec := examreg.SnapshotRecord{ID: strings.TrimPrefix(textOf(item, "sk"), snapshotRecordPrefix)}
	rec.Version, _ = strconv.ParseInt(textOf(item, "version"), 10, 64)
	rec.BaseVersion, _ = strconv.ParseInt(textOf(item, "base_version"), 10, 64)
	missing, _ := item["base_missing"].(*types.AttributeValueMemberBOOL)
	rec.BaseMissing = missing != nil && missing.Value
	record, err := gunzipped(item["record"])
	if err != nil {
		return rec, err
	}
	if rec.Record, err = examreg.ParseStoredProcess(record); err != nil {
		return rec, err
	}
	rec.PatchFromBase, err = gunzipped(item["patch"])
	return rec, err
}

// writeAll sends write requests with BatchWriteItem, 25 to a request,
// parallelRequests at a time, resending what DynamoDB leaves unprocessed
// with backoff.
func (s *Store) writeAll(ctx context.Context, requests []types.WriteRequest) error {
	var g errgroup.Group
	g.SetLimit(parallelRequests)
	for batch := range slices.Chunk(requests, 25) {
		g.Go(func() error { return s.writeBatch(ctx, batch) })
	}
	return g.Wait()
}

// writeBatch sends up to 25 write requests with BatchWriteItem until
// DynamoDB has processed them all, or the retry budget is spent.
func (s *Store) writeBatch(ctx context.Context, batch []types.WriteRequest) error {
	pending := map[string][]types.WriteRequest{s.table: batch}
	r := s.retrier(ctx)
	for {
		out, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
		if err != nil {
			return translate(err)
		}
		if pending = out.UnprocessedItems; len(pending[s.table]) == 0 {
			return nil
		}
		if !r.wait(ctx) {
			return &examreg.Error{Code: examreg.ETHROTTLED, Message: "too many requests; retry later", Cause: errors.New("store: batch writes stayed unprocessed")}
		}
	}
}

// SnapshotPage is one page of a tenant's snapshot headers, newest first.
type SnapshotPage struct {
	// JSON is a JSON array of the headers.
	JSON  []byte
	Count int
	// Last is the snapshot id the page ends on when more may follow, "" on
	// the last page.
	Last string
}

// ListSnapshots reads one page of a tenant's snapshot headers, newest
// first, after the snapshot id after ("" for the first page), of at most
// limit headers when limit is positive: one Query.
func (s *Store) ListSnapshots(ctx context.Context, tenant, after string, limit int32) (SnapshotPage, error) {
	in := &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :prefix)"),
		FilterExpression:       aws.String("attribute_not_exists(#deleting)"),
		ExpressionAttributeNames: map[string]string{
			"#deleting": deletingAttr,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":     &types.AttributeValueMemberS{Value: tenantPK(tenant)},
			":prefix": &types.AttributeValueMemberS{Value: snapshotPrefix},
		},
		ScanIndexForward:       aws.Bool(false),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}
	if after != "" {
		in.ExclusiveStartKey = key(tenantPK(tenant), snapshotPrefix+after)
	}
	if limit > 0 {
		in.Limit = aws.Int32(limit)
	}
	out, err := s.db.Query(ctx, in)
	if err != nil {
		return SnapshotPage{}, translate(err)
	}
	headers := make([]examreg.SnapshotHeader, len(out.Items))
	for i, item := range out.Items {
		headers[i] = snapshotHeaderOf(item)
	}
	text, err := jsondoc.Marshal(headers)
	if err != nil {
		return SnapshotPage{}, err
	}
	page := SnapshotPage{JSON: text, Count: len(headers)}
	if sk, ok := out.LastEvaluatedKey["sk"].(*types.AttributeValueMemberS); ok {
		page.Last = strings.TrimPrefix(sk.Value, snapshotPrefix)
	}
	return page, nil
}

func snapshotHeaderOf(item map[string]types.AttributeValue) examreg.SnapshotHeader {
	count, _ := strconv.Atoi(textOf(item, "record_count"))
	return examreg.SnapshotHeader{
		ID:          textOf(item, "id"),
		TenantID:    textOf(item, "tenant_id"),
		Description: textOf(item, "description"),
		CreatedAt:   textOf(item, "created_at"),
		CreatedBy:   textOf(item, "created_by"),
		RecordCount: count,
	}
}

// ReadSnapshot reads a snapshot of tenant, its records ordered by id: a
// consistent GetItem of the header, and consistent Queries of the records,
// one per 1 MB. ErrSnapshotNotFound when the tenant has no such snapshot
// (or is deleting it).
func (s *Store) ReadSnapshot(ctx context.Context, tenant, id string) (*examreg.Snapshot, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:              aws.String(s.table),
		Key:                    key(tenantPK(tenant), snapshotPrefix+id),
		ConsistentRead:         aws.Bool(true),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	})
	switch {
	case err != nil:
		return nil, translate(err)
	case out.Item == nil || out.Item[deletingAttr] != nil:
		return nil, ErrSnapshotNotFound
	}
	snap := &examreg.Snapshot{SnapshotHeader: snapshotHeaderOf(out.Item), Records: []examreg.SnapshotRecord{}}
	p := dynamodb.NewQueryPaginator(s.db, s.snapshotRecordsQuery(tenant, id, nil))
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, translate(err)
		}
		for _, item := range page.Items {
			rec, err := snapshotRecordOf(item)
			if err != nil {
				return nil, err
			}
			snap.Records = append(snap.Records, rec)
		}
	}
	return snap, nil
}

// snapshotRecordsQuery is the Query of a snapshot's record items, with
// projection when not nil.
func (s *Store) snapshotRecordsQuery(tenant, id string, projection *string) *dynamodb.QueryInput {
	return &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: snapshotRecordsPK(tenant, id)},
		},
		ProjectionExpression:   projection,
		ConsistentRead:         aws.Bool(true),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}
}

// DeleteSnapshot deletes a snapshot of tenant: it marks the header (so the
// snapshot is no longer found), deletes the record items (a Query of their
// keys per 1 MB, BatchWriteItem 25 at a time), then the header. A delete cut
// short and sent again finishes. ErrSnapshotNotFound when the tenant has no
// such snapshot.
func (s *Store) DeleteSnapshot(ctx context.Context, tenant, id string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(tenantPK(tenant), snapshotPrefix+id),
		UpdateExpression:          aws.String("SET #deleting = :true"),
		ConditionExpression:       aws.String("attribute_exists(pk)"),
		ExpressionAttributeNames:  map[string]string{"#deleting": deletingAttr},
		ExpressionAttributeValues: map[string]types.AttributeValue{":true": trueValue},
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
	})
	var missing *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &missing):
		return ErrSnapshotNotFound
	case err != nil:
		return translate(err)
	}
	var requests []types.WriteRequest
	p := dynamodb.NewQueryPaginator(s.db, s.snapshotRecordsQuery(tenant, id, aws.String("pk, sk")))
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return translate(err)
		}
		for _, item := range page.Items {
			requests = append(requests, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: item}})
		}
	}
	if err := s.writeAll(ctx, requests); err != nil {
		return err
	}
	_, err = s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:              aws.String(s.table),
		Key:                    key(tenantPK(tenant), snapshotPrefix+id),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	})
	return translate(err)
}

// MissingExams returns those of the exams ids the tenant does not have:
// consistent BatchGetItems.
func (s *Store) MissingExams(ctx context.Context, tenant string, ids []string) ([]string, error) {
	keys := make([]map[string]types.AttributeValue, len(ids))
	for i, id := range ids {
		keys[i] = key(tenantPK(tenant), examSK(id))
	}
	items, err := s.batchGetAll(ctx, keys)
	if err != nil {
		return nil, err
	}
	missing := slices.Clone(ids)
	for _, item := range items {
		found := strings.TrimPrefix(textOf(item, "sk"), examPrefix)
		missing = slices.DeleteFunc(missing, func(id string) bool { return id == found })
	}
	return missing, nil
}

// Referenced returns those of the processes ids that exam registrations
// use, as DeleteProcess checks them: one Query of gsi1 per process,
// parallelRequests at a time (eventually consistent, like every GSI read).
func (s *Store) Referenced(ctx context.Context, tenant string, ids []string) ([]string, error) {
	used := make([]bool, len(ids))
	var g errgroup.Group
	g.SetLimit(parallelRequests)
	for i, id := range ids {
		g.Go(func() error {
			out, err := s.db.Query(ctx, s.referencesQuery(tenant, id))
			used[i] = err == nil && out.Count > 0
			return translate(err)
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var referenced []string
	for i, id := range ids {
		if used[i] {
			referenced = append(referenced, id)
		}
	}
	return referenced, nil
}

// createAfter creates p under its id, which holds no record, as
// CreateProcess does (the tenant's limit, its exams), and only while the
// id's last deletion is still deleted (none when its Version is 0), so
// that p continues the id's versions. A record written under the id in the
// meantime is an ECONFLICT error, unless it holds what p does from the same
// snapshot (the same apply, sent twice at once). A create whose reply was
// lost and which the SDK sent again succeeds.
func (s *Store) createAfter(ctx context.Context, tenant string, p *examreg.Process, deleted Deletion, maxPerTenant int) error {
	guard := s.deletionGuard(tenant, p.ID(), deleted)
	_, taken, err := s.insert(ctx, tenant, p, maxPerTenant, nil, guard)
	if taken || err == errGuard {
		if stored, err := s.ReadProcess(ctx, tenant, p.ID()); err == nil && examreg.AppliedAlike(stored, p) {
			return nil // written by this apply sent again, side by side
		}
		return examreg.Errorf(examreg.ECONFLICT, "the exam reg process was created or deleted by another request meanwhile; send the apply again")
	}
	return err
}

// deletionGuard is the condition that the id's last deletion is still
// deleted: the deletion item is still at its version (there is none when
// the Version is 0).
func (s *Store) deletionGuard(tenant, id string, deleted Deletion) *types.ConditionCheck {
	guard := &types.ConditionCheck{
		TableName:           aws.String(s.table),
		Key:                 key(tenantPK(tenant), deletionPrefix+id),
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	}
	if deleted.Version > 0 {
		guard.ConditionExpression = aws.String("#v = :v")
		guard.ExpressionAttributeNames = map[string]string{"#v": "version"}
		guard.ExpressionAttributeValues = map[string]types.AttributeValue{":v": version(deleted.Version)}
	}
	return guard
}

// ApplyKey is the progress of an apply sent with an Idempotency-Key: what
// the apply asked (Fingerprint), the snapshot it took of the target before
// its first write, its answer as planned before that write, and, once it
// has finished, its final answer. The answers are kept gzipped, and only
// when they fit maxKeptAnswer: an item holds at most 400 KB. A key without
// them still keeps the undo snapshot; an apply sent again then answers a
// plan made anew.
type ApplyKey struct {
	Fingerprint    string
	UndoSnapshotID string
	Plan, Answer   []byte
	Expires        time.Time
}

// maxKeptAnswer is the most of a gzipped answer an ApplyKey keeps.
const maxKeptAnswer = 300 << 10

// ReadApplyKey reads the apply that recorded an Idempotency-Key, or
// returns nil when no unexpired request holds it. One consistent GetItem.
// A key held by a create is an ApplyKey with the create's fingerprint.
func (s *Store) ReadApplyKey(ctx context.Context, tenant, k string) (*ApplyKey, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:              aws.String(s.table),
		Key:                    key(tenantPK(tenant), idempotencyPrefix+k),
		ConsistentRead:         aws.Bool(true),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		return nil, translate(err)
	}
	expires, _ := strconv.ParseInt(textOf(out.Item, expiresAttr), 10, 64)
	if out.Item == nil || expires < time.Now().Unix() {
		return nil, nil
	}
	a := &ApplyKey{Fingerprint: textOf(out.Item, "fingerprint"), UndoSnapshotID: textOf(out.Item, "undo_snapshot_id"), Expires: time.Unix(expires, 0)}
	for name, to := range map[string]*[]byte{"apply_plan": &a.Plan, "apply_answer": &a.Answer} {
		if _, ok := out.Item[name]; ok {
			if *to, err = gunzipped(out.Item[name]); err != nil {
				return nil, err
			}
		}
	}
	return a, nil
}

// StartApplyKey records an apply's Idempotency-Key before its first write,
// unless an unexpired request holds the key: then it writes nothing and
// returns what that request recorded.
func (s *Store) StartApplyKey(ctx context.Context, tenant, k string, a ApplyKey) (*ApplyKey, error) {
	plan, err := gzipped(a.Plan)
	if err != nil {
		return nil, err
	}
	item := map[string]types.AttributeValue{
		"pk":               &types.AttributeValueMemberS{Value: tenantPK(tenant)},
		"sk":               &types.AttributeValueMemberS{Value: idempotencyPrefix + k},
		"fingerprint":      &types.AttributeValueMemberS{Value: a.Fingerprint},
		"undo_snapshot_id": &types.AttributeValueMemberS{Value: a.UndoSnapshotID},
		expiresAttr:        &types.AttributeValueMemberN{Value: strconv.FormatInt(a.Expires.Unix(), 10)},
	}
	if len(plan) <= maxKeptAnswer {
		item["apply_plan"] = &types.AttributeValueMemberB{Value: plan}
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 aws.String(s.table),
		Item:                      item,
		ConditionExpression:       aws.String("attribute_not_exists(pk) OR #expires < :now"),
		ExpressionAttributeNames:  map[string]string{"#expires": expiresAttr},
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": &types.AttributeValueMemberN{Value: strconv.FormatInt(time.Now().Unix(), 10)}},
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
	})
	var held *types.ConditionalCheckFailedException
	if errors.As(err, &held) {
		return s.ReadApplyKey(ctx, tenant, k)
	}
	return nil, translate(err)
}

// FinishApplyKey records an apply's final answer under its key (unless it
// is too large to keep).
func (s *Store) FinishApplyKey(ctx context.Context, tenant, k string, answer []byte) error {
	compressed, err := gzipped(answer)
	if err != nil || len(compressed) > maxKeptAnswer {
		return err
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(tenantPK(tenant), idempotencyPrefix+k),
		UpdateExpression:          aws.String("SET #answer = :answer"),
		ExpressionAttributeNames:  map[string]string{"#answer": "apply_answer"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":answer": &types.AttributeValueMemberB{Value: compressed}},
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
	})
	return translate(err)
}
