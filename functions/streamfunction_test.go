package functions_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/certhub/examreg/pkg/dev/dynamotest"
	"github.com/certhub/examreg/pkg/examreg"
	"github.com/certhub/examreg/pkg/store"
)

// deletionBehindTheEvent is what the delete behind the REMOVE of
// events/historywriter.json recorded of itself, in the deletion item its
// transaction wrote beside the removal (store.DeleteProcess): a stream
// record of a REMOVE carries only the record as it was, and the history
// writer reads the deleter from that item. Tests replaying the event seed
// the item, as the delete would have left it.
var deletionBehindTheEvent = store.Deletion{By: "auth0|demo-admin", At: "2026-06-14T09:35:05.285Z", RequestID: "Yd1k6FXyIAMEVmQ="}

// seedDeletions writes, for each REMOVE of a process in ev, the deletion item
// the delete wrote (deletionBehindTheEvent), keyed as pkg/store keys it.
func seedDeletions(t *testing.T, st *store.Store, ev events.DynamoDBEvent) {
	t.Helper()
	for _, r := range processRecords(t, ev) {
		if r.EventName != "REMOVE" {
			continue
		}
		_, err := st.Client().PutItem(context.Background(), &dynamodb.PutItemInput{
			TableName: aws.String(st.Table()),
			Item: map[string]types.AttributeValue{
				"pk":         &types.AttributeValueMemberS{Value: r.Change.Keys["pk"].String()},
				"sk":         &types.AttributeValueMemberS{Value: "DELETION#" + idOf(r)},
				"by":         &types.AttributeValueMemberS{Value: deletionBehindTheEvent.By},
				"at":         &types.AttributeValueMemberS{Value: deletionBehindTheEvent.At},
				"request_id": &types.AttributeValueMemberS{Value: deletionBehindTheEvent.RequestID},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// processRecords are the records of ev that change a process: those the
// history writer writes an entry for.
func processRecords(t *testing.T, ev events.DynamoDBEvent) []events.DynamoDBEventRecord {
	t.Helper()
	var out []events.DynamoDBEventRecord
	for _, r := range ev.Records {
		c, err := store.ChangeFromStream(r)
		if err != nil {
			t.Fatal(err)
		}
		if c.IsProcess() {
			out = append(out, r)
		}
	}
	return out
}

func tenantOf(r events.DynamoDBEventRecord) string {
	return strings.TrimPrefix(r.Change.Keys["pk"].String(), "TENANT#")
}

func idOf(r events.DynamoDBEventRecord) string {
	return strings.TrimPrefix(r.Change.Keys["sk"].String(), "EXAMREGPROCESS#")
}

// clientView is a stream image of a process as a client reads the record:
// its members without the storage keys.
func clientView(t *testing.T, image map[string]events.DynamoDBAttributeValue) process {
	t.Helper()
	c, err := store.ChangeFromStream(events.DynamoDBEventRecord{Change: events.DynamoDBStreamRecord{NewImage: image}})
	if err != nil {
		t.Fatal(err)
	}
	var p process
	if err := attributevalue.UnmarshalMap(c.New, &p); err != nil {
		t.Fatal(err)
	}
	delete(p, "pk")
	delete(p, "sk")
	return p
}

// tableItems is every item of st's table, ordered by key.
func tableItems(t *testing.T, st *store.Store) []map[string]types.AttributeValue {
	t.Helper()
	var items []map[string]types.AttributeValue
	pages := dynamodb.NewScanPaginator(st.Client(), &dynamodb.ScanInput{TableName: aws.String(st.Table()), ConsistentRead: aws.Bool(true)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, page.Items...)
	}
	key := func(item map[string]types.AttributeValue) string {
		pk, _ := item["pk"].(*types.AttributeValueMemberS)
		sk, _ := item["sk"].(*types.AttributeValueMemberS)
		return pk.Value + "\x00" + sk.Value
	}
	slices.SortFunc(items, func(a, b map[string]types.AttributeValue) int { return cmp.Compare(key(a), key(b)) })
	return items
}

// checkStreamEventWritten checks what the history writer left in st's table
// for ev: per process, one entry for each of its records, in stream order
// (a change's as its new image's bookkeeping says, with the patch from the
// image before; a REMOVE's, version after the last, as the seeded deletion
// says); each change's version reading back as its new image, as GET
// answered it; the delete's version not found; and nothing else: the table
// holds these entries and the seeded deletions, nothing for the records of
// other items.
func checkStreamEventWritten(t *testing.T, st *store.Store, ev events.DynamoDBEvent) {
	t.Helper()
	type record struct{ tenant, id string }
	var order []record
	want := map[record][]entry{}
	images := map[record]map[int64]process{}
	deleted := map[record]int64{}
	records := processRecords(t, ev)
	for _, r := range records {
		rec := record{tenantOf(r), idOf(r)}
		if _, seen := want[rec]; !seen {
			order = append(order, rec)
			images[rec] = map[int64]process{}
		}
		switch r.EventName {
		case "INSERT", "MODIFY":
			p := clientView(t, r.Change.NewImage)
			e := entryOf(p)
			want[rec] = append(want[rec], e)
			images[rec][e.Version] = p
		case "REMOVE":
			last := entryOf(clientView(t, r.Change.OldImage))
			d := deletionBehindTheEvent
			want[rec] = append(want[rec], entry{Version: last.Version + 1, Operation: examreg.OperationDelete, At: d.At, By: d.By, RequestID: d.RequestID})
			deleted[rec] = last.Version + 1
		}
	}
	ctx := context.Background()
	for _, rec := range order {
		checkHistory(t, readHistory(t, st, rec.tenant, rec.id), want[rec], images[rec])
		for _, v := range slices.Sorted(maps.Keys(images[rec])) {
			r, err := st.HistoryVersion(ctx, rec.tenant, rec.id, v)
			if err != nil {
				t.Errorf("version %d of %s: %v", v, rec.id, err)
				continue
			}
			var got process
			decode(t, string(r.JSON), &got)
			if !reflect.DeepEqual(got, images[rec][v]) {
				t.Errorf("version %d of %s reads\n %v\nwant its new image as GET answers it\n %v", v, rec.id, got, images[rec][v])
			}
		}
		if v, ok := deleted[rec]; ok {
			if _, err := st.HistoryVersion(ctx, rec.tenant, rec.id, v); examreg.ErrorCode(err) != examreg.ENOTFOUND {
				t.Errorf("version %d of %s, its delete: %v, want not found", v, rec.id, err)
			}
		}
	}
	if items, n := tableItems(t, st), len(records)+len(deleted); len(items) != n {
		t.Errorf("the table holds %d items, want %d: an entry per process record and the seeded deletions:\n%v", len(items), n, items)
	}
}

// batchItemFailures decodes the history writer's answer as Lambda reads it
// with ReportBatchItemFailures (an object holding the array
// batchItemFailures only, empty for a batch that succeeded, as AWS's
// examples answer) and returns the identifiers of the failed records.
func batchItemFailures(t *testing.T, answer []byte) []string {
	t.Helper()
	var shape map[string]json.RawMessage
	if err := json.Unmarshal(answer, &shape); err != nil || len(shape) != 1 || !bytes.HasPrefix(shape["batchItemFailures"], []byte("[")) {
		t.Fatalf("the answer %s is not an object holding batchItemFailures only (%v)", answer, err)
	}
	var failures []struct {
		ItemIdentifier string `json:"itemIdentifier"`
	}
	decode(t, string(shape["batchItemFailures"]), &failures)
	var ids []string
	for _, f := range failures {
		ids = append(ids, f.ItemIdentifier)
	}
	return ids
}

// streamFunction is the history writer writing to table, run in process or
// as its bootstrap under the emulator; deliver hands it a stream event's
// payload and returns its answer as Lambda reads it.
type streamFunction func(t *testing.T, table string) (deliver func(t *testing.T, payload []byte) []byte)

// checkStreamFunction delivers events/historywriter.json to the history
// writer on a fresh table holding what the writes behind the event left
// there (the deletion its REMOVE needs), twice, as the stream may deliver a
// batch again: the first delivery writes the entries and the second adds
// nothing, neither reporting a failure. Then a writer on a table it cannot
// write reports, as ReportBatchItemFailures wants, the sequence number of
// every record from the first it failed on (the first process record): the
// next delivery starts there.
func checkStreamFunction(t *testing.T, start streamFunction) {
	ev, payload := loadStreamEvent(t)
	st := dynamotest.NewTable(t)
	seedDeletions(t, st, ev)
	deliver := start(t, st.Table())
	t.Run("writes an entry per process record", func(t *testing.T) {
		if failed := batchItemFailures(t, deliver(t, payload)); len(failed) != 0 {
			t.Errorf("batchItemFailures %v, want none", failed)
		}
		checkStreamEventWritten(t, st, ev)
	})
	t.Run("delivered again adds nothing", func(t *testing.T) {
		before := tableItems(t, st)
		if failed := batchItemFailures(t, deliver(t, payload)); len(failed) != 0 {
			t.Errorf("batchItemFailures %v, want none", failed)
		}
		if after := tableItems(t, st); !reflect.DeepEqual(after, before) {
			t.Errorf("the second delivery changed the table:\nbefore %v\n after %v", before, after)
		}
	})
	t.Run("reports every record from the first failure on", func(t *testing.T) {
		firstProcess := processRecords(t, ev)[0].Change.SequenceNumber
		first := slices.IndexFunc(ev.Records, func(r events.DynamoDBEventRecord) bool { return r.Change.SequenceNumber == firstProcess })
		var want []string
		for _, r := range ev.Records[first:] {
			want = append(want, r.Change.SequenceNumber)
		}
		if failed := batchItemFailures(t, start(t, "no-such-table")(t, payload)); !slices.Equal(failed, want) {
			t.Errorf("batchItemFailures %v, want the sequence numbers from the first process record on: %v", failed, want)
		}
	})
}
