package history_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/certhub/examreg/pkg/dev/dynamotest"
	"github.com/certhub/examreg/pkg/dev/faultproxy"
	"github.com/certhub/examreg/pkg/examreg"
	"github.com/certhub/examreg/pkg/history"
	"github.com/certhub/examreg/pkg/store"
)

func TestMain(m *testing.M) { os.Exit(dynamotest.RunTests(m)) }

var ctx = context.Background()

// image is a stream image of a process at version v, written by request.
func image(t *testing.T, id string, v int, request string) map[string]events.DynamoDBAttributeValue {
	t.Helper()
	at := time.Date(2026, 1, 2, 3, 4, v, 0, time.UTC)
	p, err := examreg.DecodeProcess([]byte(`{"name":"Version `+strconv.Itoa(v)+`","type":"register","exam_ids":["e1"],
		"contact_form_options":{"contact_form_id":"cf"},"checkout_settings":{"bank_account_id":"b","business_unit_id":"u","list":[]},
		"confirmation_email":{"subject":"s","body":"b"}}`), "")
	if err != nil {
		t.Fatal(err)
	}
	p = examreg.NewProcess(p, id, examreg.Actor{UserID: "u", RequestID: request, Operation: "create", Now: at})
	m := map[string]events.DynamoDBAttributeValue{
		"pk": events.NewStringAttribute("TENANT#t"), "sk": events.NewStringAttribute("EXAMREGPROCESS#" + id),
	}
	var doc map[string]any
	if err := json.Unmarshal(p.AppendJSON(nil), &doc); err != nil {
		t.Fatal(err)
	}
	for name, v := range doc {
		m[name] = streamValue(v)
	}
	m["sys_version"] = events.NewNumberAttribute(strconv.Itoa(v))
	return m
}

func streamValue(v any) events.DynamoDBAttributeValue {
	switch x := v.(type) {
	case string:
		return events.NewStringAttribute(x)
	case float64:
		return events.NewNumberAttribute(strconv.FormatFloat(x, 'f', -1, 64))
	case bool:
		return events.NewBooleanAttribute(x)
	case []any:
		l := make([]events.DynamoDBAttributeValue, len(x))
		for i, e := range x {
			l[i] = streamValue(e)
		}
		return events.NewListAttribute(l)
	case map[string]any:
		m := map[string]events.DynamoDBAttributeValue{}
		for k, e := range x {
			m[k] = streamValue(e)
		}
		return events.NewMapAttribute(m)
	}
	return events.NewNullAttribute()
}

// batch is a stream batch of five changes to two records: p1 created and
// modified twice, p2 created and modified.
func batch(t *testing.T) events.DynamoDBEvent {
	t.Helper()
	record := func(seq int, name string, keys, old, new map[string]events.DynamoDBAttributeValue) events.DynamoDBEventRecord {
		return events.DynamoDBEventRecord{EventID: "e" + strconv.Itoa(seq), EventName: name, EventSource: "aws:dynamodb",
			Change: events.DynamoDBStreamRecord{SequenceNumber: strconv.Itoa(100 + seq), Keys: keys, OldImage: old, NewImage: new,
				StreamViewType: "NEW_AND_OLD_IMAGES"}}
	}
	keys := func(id string) map[string]events.DynamoDBAttributeValue {
		return map[string]events.DynamoDBAttributeValue{"pk": events.NewStringAttribute("TENANT#t"), "sk": events.NewStringAttribute("EXAMREGPROCESS#" + id)}
	}
	return events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{
		record(1, "INSERT", keys("p1"), nil, image(t, "p1", 1, "r1")),
		record(2, "INSERT", keys("p2"), nil, image(t, "p2", 1, "r2")),
		record(3, "MODIFY", keys("p1"), image(t, "p1", 1, "r1"), image(t, "p1", 2, "r3")),
		record(4, "MODIFY", keys("p2"), image(t, "p2", 1, "r2"), image(t, "p2", 2, "r4")),
		record(5, "MODIFY", keys("p1"), image(t, "p1", 2, "r3"), image(t, "p1", 3, "r5")),
	}}
}

// versions lists the versions in a record's history, newest first.
func versions(t *testing.T, st *store.Store, id string) []int64 {
	t.Helper()
	page, err := st.History(ctx, "t", id, store.HistoryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var entries []examreg.HistoryEntry
	if err := json.Unmarshal(page.JSON, &entries); err != nil {
		t.Fatal(err)
	}
	var v []int64
	for _, e := range entries {
		v = append(v, e.Version)
	}
	return v
}

func TestABatchDeliveredTwiceAddsNothing(t *testing.T) {
	st := dynamotest.NewTable(t)
	w := &history.Writer{Store: st, Log: slog.New(slog.DiscardHandler)}
	for delivery := range 2 {
		resp, err := w.Handle(ctx, batch(t))
		if err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("delivery %d: %+v, %v", delivery, resp, err)
		}
		if got := versions(t, st, "p1"); !slices.Equal(got, []int64{3, 2, 1}) {
			t.Errorf("delivery %d: p1's history has versions %v", delivery, got)
		}
		if got := versions(t, st, "p2"); !slices.Equal(got, []int64{2, 1}) {
			t.Errorf("delivery %d: p2's history has versions %v", delivery, got)
		}
	}
}

func TestAFailingRecordAndTheRecordsAfterItAreReported(t *testing.T) {
	p := dynamotest.NewFaultProxy(t)
	st := dynamotest.NewTable(t, func(o *dynamodb.Options) { o.BaseEndpoint = &p.URL; o.RetryMaxAttempts = 1 })
	w := &history.Writer{Store: st, Log: slog.New(slog.DiscardHandler)}
	ev := batch(t)

	// The third record's write fails: the first two are written, the third
	// and every one after it are reported, so that the next delivery starts
	// from the third (as Lambda does with ReportBatchItemFailures).
	p.Inject(&faultproxy.Fault{Operation: "PutItem", Times: 2}) // the first two pass
	p.Inject(&faultproxy.Fault{Operation: "PutItem", Status: 500, Type: "InternalServerError", Times: 1})
	resp, err := w.Handle(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	if !slices.Equal(failed, []string{"103", "104", "105"}) {
		t.Fatalf("reported %v, want the third record and the ones after it: [103 104 105]", failed)
	}
	p.Clear()
	if got := versions(t, st, "p1"); !slices.Equal(got, []int64{1}) {
		t.Errorf("p1's history after the failed delivery: %v", got)
	}

	// The next delivery, from the first failed record, completes it.
	resp, err = w.Handle(ctx, events.DynamoDBEvent{Records: ev.Records[2:]})
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("redelivery: %+v, %v", resp, err)
	}
	if got := versions(t, st, "p1"); !slices.Equal(got, []int64{3, 2, 1}) {
		t.Errorf("p1's history has versions %v", got)
	}
	if got := versions(t, st, "p2"); !slices.Equal(got, []int64{2, 1}) {
		t.Errorf("p2's history has versions %v", got)
	}
}
