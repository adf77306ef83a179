package store

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/certhub/examreg/pkg/examreg"
	"github.com/certhub/examreg/pkg/jsondoc"
)

// A record's change history lives in a partition of its own,
// TENANT#<t>#HISTORY#<id>, one item per version (VERSION#<10 digits>, so
// that the sort key orders versions): the entry, and the record as a client
// read it right after that version was written, gzipped.

func historyPK(tenant, id string) string { return "TENANT#" + tenant + "#HISTORY#" + id }
func historySK(version int64) string     { return fmt.Sprintf("%s%010d", historyVersion, version) }

// Change is one stream record of a process item: its keys, and the item
// before (for MODIFY and REMOVE) and after (for INSERT and MODIFY).
type Change struct {
	EventName      string // INSERT, MODIFY or REMOVE
	Keys, Old, New map[string]types.AttributeValue
	// At is when the change was made, as the stream has it (to the second).
	At time.Time
}

// IsProcess reports whether the change is to an exam reg process: the only
// items whose changes are history.
func (c Change) IsProcess() bool {
	return strings.HasPrefix(textOf(c.Keys, "sk"), processPrefix) && strings.HasPrefix(textOf(c.Keys, "pk"), "TENANT#")
}

// Record returns the tenant and id of the process changed.
func (c Change) Record() (tenant, id string) {
	return strings.TrimPrefix(textOf(c.Keys, "pk"), "TENANT#"), strings.TrimPrefix(textOf(c.Keys, "sk"), processPrefix)
}

// Before is the process before the change, nil for an INSERT.
func (c Change) Before() *examreg.Process {
	if c.Old == nil {
		return nil
	}
	return processOf(c.Old)
}

// After is the process after the change, nil for a REMOVE.
func (c Change) After() *examreg.Process {
	if c.New == nil {
		return nil
	}
	return processOf(c.New)
}

// AfterJSON is the process after the change as a GET answers it.
func (c Change) AfterJSON() []byte { return c.After().AppendJSON(nil) }

// ErrHistoryTaken is a history entry whose version already holds another
// entry of the record: a record's versions never repeat, so it is a fault
// to report, never an entry to drop.
var ErrHistoryTaken = errors.New("store: the record's history holds another entry at this version")

// PutHistoryEntry writes a history entry of a record, and image, the record
// as a client read it right after that version (nil for a delete). The
// condition on its key makes a change the stream delivers again add
// nothing: it reports whether it wrote the entry. When the key holds another
// entry, it writes nothing and returns ErrHistoryTaken.
//
// The entry is indexed on gsi1 by its time (gsi1sk <at>#<version>), so that
// a read as of an instant finds the version current then with one Query.
func (s *Store) PutHistoryEntry(ctx context.Context, tenant, id string, e examreg.HistoryEntry, image []byte) (bool, error) {
	item := map[string]types.AttributeValue{
		"pk":         &types.AttributeValueMemberS{Value: historyPK(tenant, id)},
		"sk":         &types.AttributeValueMemberS{Value: historySK(e.Version)},
		"gsi1pk":     &types.AttributeValueMemberS{Value: historyPK(tenant, id)},
		"gsi1sk":     &types.AttributeValueMemberS{Value: e.At + "#" + historySK(e.Version)},
		"version":    version(e.Version),
		"operation":  &types.AttributeValueMemberS{Value: e.Operation},
		"at":         &types.AttributeValueMemberS{Value: e.At},
		"by":         &types.AttributeValueMemberS{Value: e.By},
		"request_id": &types.AttributeValueMemberS{Value: e.RequestID},
	}
	if e.RestoredFrom > 0 {
		item["restored_from"] = version(e.RestoredFrom)
	}
	if e.SnapshotID != "" {
		item["snapshot_id"] = &types.AttributeValueMemberS{Value: e.SnapshotID}
	}
	if e.Patch != nil {
		item["patch"] = &types.AttributeValueMemberS{Value: string(e.Patch)}
	}
	if image != nil {
		compressed, err := gzipped(image)
		if err != nil {
			return false, err
		}
		item["image"] = &types.AttributeValueMemberB{Value: compressed}
	}
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           aws.String(s.table),
		Item:                                item,
		ConditionExpression:                 aws.String("attribute_not_exists(pk)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		ReturnConsumedCapacity:              types.ReturnConsumedCapacityTotal,
	})
	var exists *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &exists) && sameEntry(exists.Item, e):
		return false, nil
	case errors.As(err, &exists):
		return false, fmt.Errorf("%w: %s version %d holds %s %s, not %s %s", ErrHistoryTaken, id, e.Version,
			textOf(exists.Item, "operation"), textOf(exists.Item, "request_id"), e.Operation, e.RequestID)
	case err != nil:
		return false, translate(err)
	}
	return true, nil
}

// sameEntry reports whether a stored history entry is e, delivered again.
// A write's entry is told by its request and time; a delete's by its
// version alone, since its deleter is read from a deletion item that a later
// delete of the id replaces.
func sameEntry(stored map[string]types.AttributeValue, e examreg.HistoryEntry) bool {
	if textOf(stored, "operation") != e.Operation {
		return false
	}
	return e.Operation == examreg.OperationDelete || textOf(stored, "request_id") == e.RequestID && textOf(stored, "at") == e.At
}

// HistoryOptions shape a page of a record's history.
type HistoryOptions struct {
	// Before is the version the previous page ended on (0 for the first
	// page): the page holds the versions before it.
	Before int64
	// Limit, when positive, caps the number of entries on the page.
	Limit int32
}

// HistoryPage is one page of a record's history, newest first.
type HistoryPage struct {
	// JSON is a JSON array of the entries.
	JSON  []byte
	Count int
	// Last is the version the page ends on when more may follow, 0 on the
	// last page.
	Last int64
}

// History reads one page of a record's history: one Query, newest first.
// A first page without entries is examreg.ErrNotFound unless the record
// exists (its history is being written): then one more request tells.
func (s *Store) History(ctx context.Context, tenant, id string, opt HistoryOptions) (HistoryPage, error) {
	in := &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":     &types.AttributeValueMemberS{Value: historyPK(tenant, id)},
			":prefix": &types.AttributeValueMemberS{Value: historyVersion},
		},
		ProjectionExpression:     aws.String("#v, #op, #at, #by, #rid, #from, #snap, #patch"),
		ExpressionAttributeNames: map[string]string{"#v": "version", "#op": "operation", "#at": "at", "#by": "by", "#rid": "request_id", "#from": "restored_from", "#snap": "snapshot_id", "#patch": "patch"},
		ScanIndexForward:         aws.Bool(false),
		ReturnConsumedCapacity:   types.ReturnConsumedCapacityTotal,
	}
	if opt.Before > 0 {
		in.ExclusiveStartKey = key(historyPK(tenant, id), historySK(opt.Before))
	}
	if opt.Limit > 0 {
		in.Limit = aws.Int32(opt.Limit)
	}
	out, err := s.db.Query(ctx, in)
	if err != nil {
		return HistoryPage{}, translate(err)
	}
	if len(out.Items) == 0 && opt.Before == 0 {
		// Consistent: a record created a moment ago exists, history or not.
		if _, err := s.GetProcess(ctx, tenant, id, ReadOptions{Fields: [][]string{{"id"}}, Consistent: true}); err != nil {
			return HistoryPage{}, err
		}
	}
	entries := make([]examreg.HistoryEntry, len(out.Items))
	for i, item := range out.Items {
		entries[i] = entryOf(item)
	}
	text, err := jsondoc.Marshal(entries)
	if err != nil {
		return HistoryPage{}, err
	}
	page := HistoryPage{JSON: text, Count: len(out.Items)}
	if sk, ok := out.LastEvaluatedKey["sk"].(*types.AttributeValueMemberS); ok {
		page.Last, _ = strconv.ParseInt(strings.TrimPrefix(sk.Value, historyVersion), 10, 64)
	}
	return page, nil
}

// entryOf is the history entry an item stores. The patch is stored as the
// JSON text jsondiff wrote.
func entryOf(item map[string]types.AttributeValue) examreg.HistoryEntry {
	version, _ := strconv.ParseInt(textOf(item, "version"), 10, 64)
	e := examreg.HistoryEntry{
		Version:    version,
		Operation:  textOf(item, "operation"),
		At:         textOf(item, "at"),
		By:         textOf(item, "by"),
		RequestID:  textOf(item, "request_id"),
		SnapshotID: textOf(item, "snapshot_id"),
	}
	e.RestoredFrom, _ = strconv.ParseInt(textOf(item, "restored_from"), 10, 64)
	if patch := textOf(item, "patch"); patch != "" {
		e.Patch = json.RawMessage(patch)
	}
	return e
}

// HistoryVersion reads the record as a client read it right after version
// was written, or returns examreg.ErrNotFound when there is no such version
// or it is the record's delete. One GetItem.
func (s *Store) HistoryVersion(ctx context.Context, tenant, id string, version int64) (Record, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:                aws.String(s.table),
		Key:                      key(historyPK(tenant, id), historySK(version)),
		ProjectionExpression:     aws.String("#v, #image"),
		ExpressionAttributeNames: map[string]string{"#v": "version", "#image": "image"},
		ReturnConsumedCapacity:   types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		return Record{}, translate(err)
	}
	return imageOf(out.Item, version)
}

// imageOf is the record a history item holds, at version, or an ENOTFOUND
// error naming the version when it holds none (no item, or a delete's).
func imageOf(item map[string]types.AttributeValue, version int64) (Record, error) {
	if _, ok := item["image"]; !ok {
		return Record{}, VersionNotFound(version, item != nil)
	}
	text, err := gunzipped(item["image"])
	if err != nil {
		return Record{}, fmt.Errorf("store: history image: %w", err)
	}
	return Record{JSON: text, Version: version}, nil
}

// VersionNotFound is the ENOTFOUND error for a version that has no record to
// show: one the history does not hold (yet), or, when isDelete, the version
// of a delete, which the history lists but which left no record.
func VersionNotFound(version int64, isDelete bool) error {
	if isDelete {
		return examreg.Errorf(examreg.ENOTFOUND, "version %d of the exam reg process is its delete, which has no record to show", version)
	}
	return examreg.Errorf(examreg.ENOTFOUND, "version %d of the exam reg process is not in its history", version)
}

// LatestVersion reads the record as its newest version that is not a delete
// left it, from its history: one Query of the two newest entries (versions
// never repeat, so a delete is followed by a re-creation or by nothing).
// examreg.ErrNotFound when the history holds none.
func (s *Store) LatestVersion(ctx context.Context, tenant, id string) (Record, error) {
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":     &types.AttributeValueMemberS{Value: historyPK(tenant, id)},
			":prefix": &types.AttributeValueMemberS{Value: historyVersion},
		},
		ProjectionExpression:     aws.String("#v, #image"),
		ExpressionAttributeNames: map[string]string{"#v": "version", "#image": "image"},
		ScanIndexForward:         aws.Bool(false),
		Limit:                    aws.Int32(2),
		ReturnConsumedCapacity:   types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		return Record{}, translate(err)
	}
	for _, item := range out.Items {
		if _, ok := item["image"]; ok {
			return imageOf(item, versionIn(item))
		}
	}
	return Record{}, examreg.ErrNotFound
}

// versionIn is the version a history item holds.
func versionIn(item map[string]types.AttributeValue) int64 {
	v, _ := strconv.ParseInt(textOf(item, "version"), 10, 64)
	return v
}

// HistoryAsOf reads the record as a GET answered it at the instant at: the
// version whose entry is the last made at or before it, from its history.
// examreg.ErrNotFound when the record did not exist then (no entry before
// it, or the last one is a delete). One Query of gsi1, newest first, for the
// version, then one GetItem of its image.
func (s *Store) HistoryAsOf(ctx context.Context, tenant, id string, at time.Time) (Record, error) {
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		IndexName:              aws.String(gsi1),
		KeyConditionExpression: aws.String("gsi1pk = :pk AND gsi1sk <= :at"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: historyPK(tenant, id)},
			// Every entry of that millisecond sorts before "~".
			":at": &types.AttributeValueMemberS{Value: examreg.Timestamp(at) + "#~"},
		},
		ScanIndexForward:       aws.Bool(false),
		Limit:                  aws.Int32(1),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		return Record{}, translate(err)
	}
	if len(out.Items) == 0 {
		return Record{}, examreg.ErrNotFound
	}
	v, _ := strconv.ParseInt(strings.TrimPrefix(textOf(out.Items[0], "sk"), historyVersion), 10, 64)
	rec, err := s.HistoryVersion(ctx, tenant, id, v)
	if examreg.ErrorCode(err) == examreg.ENOTFOUND {
		return Record{}, examreg.ErrNotFound // deleted then
	}
	return rec, err
}

// gunzipped is the text a binary attribute holds gzipped.
func gunzipped(av types.AttributeValue) ([]byte, error) {
	b, ok := av.(*types.AttributeValueMemberB)
	if !ok {
		return nil, errors.New("store: not a binary attribute")
	}
	r, err := gzip.NewReader(bytes.NewReader(b.Value))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// gzipped is text compressed: a record's image costs a fraction of its
// size in write units and storage.
func gzipped(text []byte) ([]byte, error) {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(text); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
