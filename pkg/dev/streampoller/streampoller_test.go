package streampoller_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/certhub/examreg/pkg/dev/dynamotest"
	"github.com/certhub/examreg/pkg/dev/streampoller"
)

func TestMain(m *testing.M) { os.Exit(dynamotest.RunTests(m)) }

var ctx = context.Background()

// interval is the poll interval of the tests: a write reaches the handler
// well under a second later.
const interval = 100 * time.Millisecond

// table is a fresh table with a stream (enabled here while template.yaml
// declares none).
type table struct {
	db   *dynamodb.Client
	name string
	arn  string
}

func newTable(t *testing.T) *table {
	t.Helper()
	s := dynamotest.NewTable(t)
	tb := &table{db: s.Client(), name: s.Table()}
	arn, err := streampoller.LatestStreamARN(ctx, tb.db, tb.name)
	if err != nil {
		_, err = tb.db.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(tb.name),
			StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages}})
		if err != nil {
			t.Fatal(err)
		}
		arn, err = streampoller.LatestStreamARN(ctx, tb.db, tb.name)
	}
	if err != nil {
		t.Fatal(err)
	}
	tb.arn = arn
	return tb
}

func item(sk string, attrs ...any) map[string]types.AttributeValue {
	it := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "P"}, "sk": &types.AttributeValueMemberS{Value: sk}}
	for i := 0; i < len(attrs); i += 2 {
		it[attrs[i].(string)] = attrs[i+1].(types.AttributeValue)
	}
	return it
}

func (tb *table) put(t *testing.T, it map[string]types.AttributeValue) {
	t.Helper()
	if _, err := tb.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tb.name), Item: it}); err != nil {
		t.Fatal(err)
	}
}

// putAll writes one item per sort key in one transaction, so that their
// records enter the stream together.
func (tb *table) putAll(t *testing.T, sks ...string) {
	t.Helper()
	var tx []types.TransactWriteItem
	for _, sk := range sks {
		tx = append(tx, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(tb.name), Item: item(sk)}})
	}
	if _, err := tb.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: tx}); err != nil {
		t.Fatal(err)
	}
}

// recorder is a Handler that records every delivery and answers with fail.
type recorder struct {
	mu         sync.Mutex
	deliveries [][]events.DynamoDBEventRecord
	at         []time.Time
	fail       func(n int, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error)
}

func (r *recorder) handle(_ context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	r.mu.Lock()
	n := len(r.deliveries)
	r.deliveries = append(r.deliveries, e.Records)
	r.at = append(r.at, time.Now())
	r.mu.Unlock()
	if r.fail != nil {
		return r.fail(n, e)
	}
	return events.DynamoDBEventResponse{}, nil
}

// sks lists the sort keys of each delivery's records.
func (r *recorder) sks() [][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([][]string, len(r.deliveries))
	for i, d := range r.deliveries {
		out[i] = []string{}
		for _, rec := range d {
			out[i] = append(out[i], rec.Change.Keys["sk"].String())
		}
	}
	return out
}

func (r *recorder) all() []events.DynamoDBEventRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []events.DynamoDBEventRecord
	for _, d := range r.deliveries {
		out = append(out, d...)
	}
	return out
}

func sk(r events.DynamoDBEventRecord) string { return r.Change.Keys["sk"].String() }

// logs collects what Run logs, and shows it in the test's output.
type logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
	out io.Writer
}

func (l *logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	return l.out.Write(p)
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// run starts Run on tb's stream; the test's end stops it. The channel
// receives Run's result.
func run(t *testing.T, tb *table, batchSize int, h streampoller.Handler) (<-chan error, *logs) {
	t.Helper()
	l := &logs{out: t.Output()}
	c, cancel := context.WithCancel(ctx)
	done, stopped := make(chan error, 1), make(chan struct{})
	go func() {
		defer close(stopped)
		done <- streampoller.Run(c, streampoller.ClientFor(tb.db), tb.arn, batchSize, interval, h, slog.New(slog.NewTextHandler(l, nil)))
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-stopped:
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after its context ended")
		}
	})
	return done, l
}

// waitFor polls cond until it holds, failing the test after a deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// toEvent converts an item as written into the image a handler should get:
// an independent rendering of EventRecord's conversion.
func toEvent(v types.AttributeValue) events.DynamoDBAttributeValue {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return events.NewStringAttribute(v.Value)
	case *types.AttributeValueMemberN:
		return events.NewNumberAttribute(v.Value)
	case *types.AttributeValueMemberB:
		return events.NewBinaryAttribute(v.Value)
	case *types.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(v.Value)
	case *types.AttributeValueMemberNULL:
		return events.NewNullAttribute()
	case *types.AttributeValueMemberSS:
		return events.NewStringSetAttribute(v.Value)
	case *types.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(v.Value)
	case *types.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(v.Value)
	case *types.AttributeValueMemberM:
		return events.NewMapAttribute(toImage(v.Value))
	case *types.AttributeValueMemberL:
		l := []events.DynamoDBAttributeValue{}
		for _, e := range v.Value {
			l = append(l, toEvent(e))
		}
		return events.NewListAttribute(l)
	}
	panic(fmt.Sprintf("%T", v))
}

func toImage(m map[string]types.AttributeValue) map[string]events.DynamoDBAttributeValue {
	out := map[string]events.DynamoDBAttributeValue{}
	for k, v := range m {
		out[k] = toEvent(v)
	}
	return out
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRoundTripsEveryAttributeType(t *testing.T) {
	tb := newTable(t)
	rec := &recorder{}
	run(t, tb, 100, rec.handle)

	S := func(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
	N := func(s string) types.AttributeValue { return &types.AttributeValueMemberN{Value: s} }
	first := item("x",
		"s", S("ünïcödé \"quoted\" \n"), "empty_s", S(""),
		"n", N("-12.50"), "big", N("12345678901234567890123456789012345678"), "tiny", N("1E-130"),
		"b", &types.AttributeValueMemberB{Value: []byte{0, 1, 2, 255}},
		"t", &types.AttributeValueMemberBOOL{Value: true}, "f", &types.AttributeValueMemberBOOL{Value: false},
		"null", &types.AttributeValueMemberNULL{Value: true},
		"ss", &types.AttributeValueMemberSS{Value: []string{"a", "b c"}},
		"ns", &types.AttributeValueMemberNS{Value: []string{"1", "2.5", "-3"}},
		"bs", &types.AttributeValueMemberBS{Value: [][]byte{{1}, {2, 3}}},
		"empty_l", &types.AttributeValueMemberL{Value: []types.AttributeValue{}},
		"empty_m", &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}},
		"m", &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"nested": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"deep": N("1"), "a.b#c:d/e~f": S("odd key")}},
			"l":      &types.AttributeValueMemberL{Value: []types.AttributeValue{S("a"), N("2"), &types.AttributeValueMemberBOOL{Value: false}, &types.AttributeValueMemberNULL{Value: true}, &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}}, &types.AttributeValueMemberL{Value: []types.AttributeValue{}}}},
			"ss":     &types.AttributeValueMemberSS{Value: []string{"x"}},
		}},
		"l", &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberL{Value: []types.AttributeValue{N("0")}}, &types.AttributeValueMemberBS{Value: [][]byte{{9}}}}},
	)
	written := time.Now()
	tb.put(t, first)
	putDone := time.Now()
	waitFor(t, "the INSERT", func() bool { return len(rec.all()) == 1 })
	rec.mu.Lock()
	latency := rec.at[0].Sub(putDone)
	rec.mu.Unlock()
	t.Logf("PutItem returned → handler called: %v", latency)
	if latency > time.Second {
		t.Errorf("the handler got the record %v after the write", latency)
	}

	second := item("x", "s", S("changed"), "n", N("7"))
	for k, v := range first {
		if _, ok := second[k]; !ok && k != "null" {
			second[k] = v
		}
	}
	_, err := tb.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(tb.name), Key: item("x"),
		UpdateExpression:          aws.String("SET s = :s, n = :n REMOVE #null"),
		ExpressionAttributeNames:  map[string]string{"#null": "null"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": S("changed"), ":n": N("7")}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tb.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(tb.name), Key: item("x")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the MODIFY and the REMOVE", func() bool { return len(rec.all()) == 3 })

	got := rec.all()
	want := []struct {
		name     string
		old, new map[string]types.AttributeValue
	}{{"INSERT", nil, first}, {"MODIFY", first, second}, {"REMOVE", second, nil}}
	region := strings.Split(tb.arn, ":")[3]
	for i, w := range want {
		g := got[i]
		if g.EventName != w.name || g.EventSource != "aws:dynamodb" || g.EventSourceArn != tb.arn || g.AWSRegion != region || g.EventID == "" || g.EventVersion == "" {
			t.Errorf("record %d: %s %s %s %s id=%q version=%q", i, g.EventName, g.EventSource, g.EventSourceArn, g.AWSRegion, g.EventID, g.EventVersion)
		}
		c := g.Change
		if c.StreamViewType != "NEW_AND_OLD_IMAGES" || c.SizeBytes <= 0 || c.SequenceNumber == "" {
			t.Errorf("record %d: view %s, size %d, sequence number %q", i, c.StreamViewType, c.SizeBytes, c.SequenceNumber)
		}
		if at := c.ApproximateCreationDateTime.Time; at.Before(written.Add(-time.Second)) || at.After(time.Now().Add(time.Second)) {
			t.Errorf("record %d: ApproximateCreationDateTime %v, written at %v", i, at, written)
		}
		if k, wk := jsonOf(t, c.Keys), jsonOf(t, toImage(item("x"))); k != wk {
			t.Errorf("record %d: Keys\n got %s\nwant %s", i, k, wk)
		}
		for _, img := range []struct {
			what string
			got  map[string]events.DynamoDBAttributeValue
			want map[string]types.AttributeValue
		}{{"OldImage", c.OldImage, w.old}, {"NewImage", c.NewImage, w.new}} {
			if img.want == nil {
				if img.got != nil {
					t.Errorf("record %d: unexpected %s %s", i, img.what, jsonOf(t, img.got))
				}
				continue
			}
			if g, w := jsonOf(t, img.got), jsonOf(t, toImage(img.want)); g != w {
				t.Errorf("record %d: %s\n got %s\nwant %s", i, img.what, g, w)
			}
		}
	}
	if !(got[0].Change.SequenceNumber < got[1].Change.SequenceNumber && got[1].Change.SequenceNumber < got[2].Change.SequenceNumber) {
		t.Errorf("sequence numbers out of order: %s %s %s", got[0].Change.SequenceNumber, got[1].Change.SequenceNumber, got[2].Change.SequenceNumber)
	}
	// What the Lambda runtime would hand the function: the same event, from JSON.
	var fromJSON events.DynamoDBEvent
	if err := json.Unmarshal([]byte(jsonOf(t, events.DynamoDBEvent{Records: got})), &fromJSON); err != nil {
		t.Fatal(err)
	}
	if a, b := jsonOf(t, fromJSON.Records), jsonOf(t, got); a != b {
		t.Errorf("the event changes through JSON:\n%s\n%s", a, b)
	}
}

func TestRetriesFromTheFirstFailedRecord(t *testing.T) {
	tb := newTable(t)
	failed := false
	rec := &recorder{fail: func(_ int, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		var resp events.DynamoDBEventResponse
		for _, r := range e.Records {
			if !failed && (sk(r) == "3" || sk(r) == "5") { // the earliest failure counts
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: r.Change.SequenceNumber})
			}
		}
		failed = failed || len(resp.BatchItemFailures) > 0
		return resp, nil
	}}
	run(t, tb, 10, rec.handle)
	tb.putAll(t, "1", "2", "3", "4", "5")
	waitFor(t, "the retry", func() bool { return len(rec.sks()) == 2 })
	want := [][]string{{"1", "2", "3", "4", "5"}, {"3", "4", "5"}}
	if got := rec.sks(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("deliveries %v, want %v", got, want)
	}
	tb.putAll(t, "6")
	waitFor(t, "the next record", func() bool { return len(rec.sks()) == 3 })
	if got := rec.sks()[2]; fmt.Sprint(got) != "[6]" {
		t.Errorf("after the retry, delivered %v, want [6]", got)
	}
}

func TestRedeliversAFailedBatchWhole(t *testing.T) {
	for _, c := range []struct {
		name string
		fail func(e events.DynamoDBEvent) (events.DynamoDBEventResponse, error)
	}{
		{"error", func(events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
			return events.DynamoDBEventResponse{}, errors.New("boom")
		}},
		{"panic", func(events.DynamoDBEvent) (events.DynamoDBEventResponse, error) { panic("boom") }},
		{"unknown itemIdentifier", func(events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
			return events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{{ItemIdentifier: "not-a-sequence-number"}}}, nil
		}},
		{"empty itemIdentifier", func(events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
			return events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{{}}}, nil
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tb := newTable(t)
			rec := &recorder{fail: func(n int, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
				if n == 0 {
					return c.fail(e)
				}
				return events.DynamoDBEventResponse{}, nil
			}}
			_, l := run(t, tb, 10, rec.handle)
			tb.putAll(t, "1", "2", "3")
			waitFor(t, "the redelivery", func() bool { return len(rec.sks()) == 2 })
			d := rec.all()
			if got, want := fmt.Sprint(rec.sks()), "[[1 2 3] [1 2 3]]"; got != want {
				t.Errorf("deliveries %v, want %v", got, want)
			}
			for i := range 3 {
				if d[i].Change.SequenceNumber != d[i+3].Change.SequenceNumber || d[i].EventID != d[i+3].EventID {
					t.Errorf("record %d redelivered as another record", i)
				}
			}
			if !strings.Contains(l.String(), "batch failed") {
				t.Errorf("the failure is not logged:\n%s", l)
			}
		})
	}
}

// TestRetriesAFailingRecordWhileTheStreamKeepsIt: a record that fails is
// delivered again, however many times, as Lambda does with no retry limit;
// once it is older than the stream keeps records it is dropped, alone, and
// the records after it go on.
func TestRetriesAFailingRecordWhileTheStreamKeepsIt(t *testing.T) {
	failingTwo := func(times int) *recorder {
		failed := 0
		return &recorder{fail: func(_ int, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
			for _, r := range e.Records {
				if sk(r) == "2" && (times < 0 || failed < times) {
					failed++
					return events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{{ItemIdentifier: r.Change.SequenceNumber}}}, nil
				}
			}
			return events.DynamoDBEventResponse{}, nil
		}}
	}
	t.Run("retried", func(t *testing.T) {
		tb := newTable(t)
		rec := failingTwo(7) // more than the 5 attempts this poller once allowed
		_, l := run(t, tb, 10, rec.handle)
		tb.putAll(t, "1", "2", "3")
		waitFor(t, "record 2 delivered after 7 failures", func() bool { return len(rec.sks()) == 8 })
		want := [][]string{{"1", "2", "3"}}
		for range 7 {
			want = append(want, []string{"2", "3"})
		}
		if got := rec.sks(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("deliveries %v, want %v", got, want)
		}
		if strings.Contains(l.String(), "dropping") {
			t.Errorf("a record was dropped:\n%s", l)
		}
	})
	t.Run("too old", func(t *testing.T) {
		streampoller.SetMaxRecordAge(t, time.Nanosecond) // every record is too old once it fails
		tb := newTable(t)
		rec := failingTwo(-1)
		_, l := run(t, tb, 10, rec.handle)
		tb.putAll(t, "1", "2", "3")
		waitFor(t, "the drop", func() bool { return strings.Contains(l.String(), "dropping") })
		tb.putAll(t, "4")
		waitFor(t, "the next record", func() bool { d := rec.sks(); return slices.Contains(d[len(d)-1], "4") })
		got := rec.sks()
		if fmt.Sprint(got[0]) != "[1 2 3]" || fmt.Sprint(slices.Concat(got[1:]...)) != "[3 4]" {
			t.Errorf("deliveries %v, want [1 2 3], then 3 and 4 (2 dropped alone)", got)
		}
	})
}

func TestBatchSize(t *testing.T) {
	tb := newTable(t)
	rec := &recorder{}
	run(t, tb, 3, rec.handle)
	tb.putAll(t, "1", "2", "3", "4", "5", "6", "7")
	waitFor(t, "every record", func() bool { return len(rec.all()) == 7 })
	if got, want := fmt.Sprint(rec.sks()), "[[1 2 3] [4 5 6] [7]]"; got != want {
		t.Errorf("deliveries %v, want %v", got, want)
	}
}

// TestCancelledTransaction: moto's iterators go stale when a transaction on
// the table is cancelled; the poller must still see what follows, and never
// the cancelled writes.
func TestCancelledTransaction(t *testing.T) {
	tb := newTable(t)
	rec := &recorder{}
	run(t, tb, 10, rec.handle)
	tb.put(t, item("before"))
	waitFor(t, "the first record", func() bool { return len(rec.all()) == 1 })
	_, err := tb.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(tb.name), Item: item("cancelled")}},
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String(tb.name), Key: item("before"), ConditionExpression: aws.String("attribute_not_exists(pk)")}},
	}})
	var cancelled *types.TransactionCanceledException
	if !errors.As(err, &cancelled) {
		t.Fatalf("the transaction was not cancelled: %v", err)
	}
	tb.put(t, item("after"))
	waitFor(t, "the record after the cancelled transaction", func() bool { return len(rec.all()) >= 2 })
	if got := fmt.Sprint(rec.sks()); got != "[[before] [after]]" {
		t.Errorf("deliveries %v, want [[before] [after]]", got)
	}
}

func TestStopsWhenTheStreamIsGone(t *testing.T) {
	t.Run("table deleted", func(t *testing.T) {
		tb := newTable(t)
		done, _ := run(t, tb, 10, (&recorder{}).handle)
		if _, err := tb.db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(tb.name)}); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			if !errors.Is(err, streampoller.ErrStreamGone) {
				t.Errorf("Run returned %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Run goes on polling a deleted table's stream")
		}
	})
	t.Run("table created again", func(t *testing.T) {
		tb := newTable(t)
		if _, err := tb.db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(tb.name)}); err != nil {
			t.Fatal(err)
		}
		_, err := tb.db.CreateTable(ctx, &dynamodb.CreateTableInput{
			TableName:            aws.String(tb.name),
			BillingMode:          types.BillingModePayPerRequest,
			AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}, {AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS}},
			KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange}},
			StreamSpecification:  &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages},
		})
		if err != nil {
			t.Fatal(err)
		}
		if arn, _ := streampoller.LatestStreamARN(ctx, tb.db, tb.name); arn == tb.arn {
			t.Skip("the new table's stream has the old one's label (created within the same microsecond)")
		}
		tb.put(t, item("new table"))
		rec := &recorder{}
		done, _ := run(t, tb, 10, rec.handle)
		select {
		case err := <-done:
			if !errors.Is(err, streampoller.ErrStreamGone) || !strings.Contains(err.Error(), "created again") {
				t.Errorf("Run returned %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Run reads the new table's stream through the old stream's ARN")
		}
		if len(rec.all()) != 0 {
			t.Errorf("delivered %v from another stream", rec.sks())
		}
	})
}

func TestRunRejectsABadBatchSize(t *testing.T) {
	for _, n := range []int{0, 1001} {
		err := streampoller.Run(ctx, nil, "arn", n, interval, nil, slog.New(slog.DiscardHandler))
		if err == nil {
			t.Errorf("batch size %d accepted", n)
		}
	}
}

func TestEventRecordRejectsAnUnknownType(t *testing.T) {
	r := streamtypes.Record{Dynamodb: &streamtypes.StreamRecord{
		SequenceNumber: aws.String("1"),
		NewImage:       map[string]streamtypes.AttributeValue{"m": &streamtypes.AttributeValueMemberM{Value: map[string]streamtypes.AttributeValue{"x": &streamtypes.UnknownUnionMember{Tag: "Z"}}}},
	}}
	if _, err := streampoller.EventRecord("arn:aws:dynamodb:eu-west-1:1:table/t/stream/l", r); err == nil || !strings.Contains(err.Error(), "unsupported") {
		t.Errorf("got %v", err)
	}
}
