package history_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/certhub/examreg/pkg/dev/dynamotest"
	"github.com/certhub/examreg/pkg/dev/faultproxy"
	"github.com/certhub/examreg/pkg/emf/emftest"
	"github.com/certhub/examreg/pkg/history"
)

// batchLine returns the one "history batch" line a Handle call logged, its
// metrics validated against the embedded metric format, by name.
func batchLine(t *testing.T, logs *bytes.Buffer) map[string]float64 {
	t.Helper()
	defer logs.Reset()
	var found []string
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var entry struct{ Msg string }
		if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == "history batch" {
			found = append(found, line)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d batch lines, want 1:\n%s", len(found), logs.String())
	}
	values, err := emftest.Validate([]byte(found[0]))
	if err != nil {
		t.Fatalf("%v\n%s", err, found[0])
	}
	metrics := map[string]float64{}
	for _, v := range values {
		if v.Namespace != "Test/History" || v.Dimensions["operation"] != "historywriter" || len(v.Dimensions) != 1 {
			t.Errorf("%s in %s with dimensions %v", v.Name, v.Namespace, v.Dimensions)
		}
		metrics[v.Name] = v.Value
	}
	return metrics
}

// TestEachBatchLogsItsMetrics: each batch logs one line that is an embedded
// metric format document: the entries it wrote, the records it skipped as
// already written, its failures, and how old the newest record it handled
// was.
func TestEachBatchLogsItsMetrics(t *testing.T) {
	p := dynamotest.NewFaultProxy(t)
	st := dynamotest.NewTable(t, func(o *dynamodb.Options) { o.BaseEndpoint = &p.URL; o.RetryMaxAttempts = 1 })
	var logs bytes.Buffer
	w := &history.Writer{Store: st, Log: slog.New(slog.NewJSONHandler(&logs, nil)), MetricsNamespace: "Test/History"}
	ev := batch(t)
	written := time.Now().Add(-time.Minute).Truncate(time.Second)
	for i := range ev.Records {
		ev.Records[i].Change.ApproximateCreationDateTime = events.SecondsEpochTime{Time: written}
	}

	// The third record fails: two written, one failure, the second's age.
	p.Inject(&faultproxy.Fault{Operation: "PutItem", Times: 2})
	p.Inject(&faultproxy.Fault{Operation: "PutItem", Status: 500, Type: "InternalServerError", Times: 1})
	if _, err := w.Handle(ctx, ev); err != nil {
		t.Fatal(err)
	}
	p.Clear()
	m := batchLine(t, &logs)
	if m["history_entries_written"] != 2 || m["history_records_skipped"] != 0 || m["history_failures"] != 1 {
		t.Errorf("a batch failing at its third record: %v", m)
	}
	if age := m["history_record_age_ms"]; age < 60000 || age > 600000 {
		t.Errorf("history_record_age_ms %v, want about a minute", age)
	}

	// Delivered again whole: the two written are skipped, the rest written.
	if _, err := w.Handle(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if m := batchLine(t, &logs); m["history_entries_written"] != 3 || m["history_records_skipped"] != 2 || m["history_failures"] != 0 {
		t.Errorf("the batch delivered again: %v", m)
	}

	// A batch whose first record fails handled none: no age.
	p.Inject(&faultproxy.Fault{Operation: "PutItem", Status: 500, Type: "InternalServerError"})
	if _, err := w.Handle(ctx, events.DynamoDBEvent{Records: ev.Records[:1]}); err != nil {
		t.Fatal(err)
	}
	if m := batchLine(t, &logs); m["history_failures"] != 1 || m["history_entries_written"] != 0 {
		t.Errorf("a batch failing at once: %v", m)
	} else if _, ok := m["history_record_age_ms"]; ok {
		t.Errorf("a batch that handled no record reports an age: %v", m)
	}
}
