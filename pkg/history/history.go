// Package history writes the change history of exam reg processes: it is
// the function the table's stream triggers (on Lambda through an event
// source mapping; locally through a poller of the engine's stream), and it
// turns each change to a process into one history entry.
//
// The stream delivers at least once and retries whole batches, so an entry
// is written with a condition on its key and a record delivered again adds
// nothing. A record's versions never repeat, so a key that holds another
// entry is a fault: that record fails (store.ErrHistoryTaken) and is
// retried and reported like any failure, never dropped. A batch is written in stream order, so one record's entries are
// too; when a record fails, it and every record after it are reported as
// failed (Lambda's ReportBatchItemFailures), and the next delivery starts
// from it.
package history

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/wI2L/jsondiff"

	"github.com/certhub/examreg/pkg/examreg"
	"github.com/certhub/examreg/pkg/jsondoc"
	"github.com/certhub/examreg/pkg/store"
)

// Writer writes history entries.
type Writer struct {
	Store *store.Store
	Log   *slog.Logger
	// MetricsNamespace is the CloudWatch namespace of the metrics each
	// batch's log line carries; "" means emf.DefaultNamespace.
	MetricsNamespace string
}

// Handle writes the entries of a batch of stream records, and logs one line
// for the batch that is also its metrics (see batchMetrics).
func (w *Writer) Handle(ctx context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	// An empty list rather than null: both mean success to Lambda, and AWS
	// documents the empty one.
	resp := events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{}}
	var m batchMetrics
	defer func() {
		w.Log.LogAttrs(ctx, slog.LevelInfo, "history batch", m.attrs(w.MetricsNamespace, time.Now())...)
	}()
	for i, r := range e.Records {
		result, err := w.write(ctx, r)
		if err != nil {
			m.failures++
			w.Log.LogAttrs(ctx, slog.LevelError, "history entry not written", slog.String("event_id", r.EventID),
				slog.String("sequence_number", r.Change.SequenceNumber), slog.String("error", err.Error()))
			for _, failed := range e.Records[i:] {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: failed.Change.SequenceNumber})
			}
			return resp, nil
		}
		m.handled(r, result)
		if result == written {
			w.Log.LogAttrs(ctx, slog.LevelInfo, "history entry written", slog.String("event_id", r.EventID),
				slog.String("keys", keysOf(r)), slog.String("event", r.EventName))
		}
	}
	return resp, nil
}

// write records one stream record's change, when it is a process's: a
// create, update or patch as the patch from the version before, a delete as
// an entry of its own, whose deleter the delete recorded in a deletion item
// (a stream's REMOVE carries only the record as it was).
func (w *Writer) write(ctx context.Context, r events.DynamoDBEventRecord) (outcome, error) {
	c, err := store.ChangeFromStream(r)
	if err != nil || !c.IsProcess() {
		return notAProcess, err
	}
	tenant, id := c.Record()
	var (
		entry examreg.HistoryEntry
		image []byte
	)
	switch c.EventName {
	case "INSERT", "MODIFY":
		if entry, err = examreg.ChangeOf(c.Before(), c.After(), Diff); err != nil {
			return 0, err
		}
		image = c.AfterJSON()
	case "REMOVE":
		d, err := w.Store.ReadDeletion(ctx, tenant, id)
		switch {
		case err == examreg.ErrNotFound: // removed other than through the API: no deleter to name
			d = store.Deletion{At: examreg.Timestamp(c.At)}
		case err != nil:
			return 0, err
		}
		entry = examreg.DeletionOf(c.Before(), d.By, d.At, d.RequestID)
		entry.SnapshotID = d.SnapshotID
	default:
		return 0, fmt.Errorf("history: stream event %q", c.EventName)
	}
	ok, err := w.Store.PutHistoryEntry(ctx, tenant, id, entry, image)
	if err != nil || !ok {
		return alreadyWritten, err
	}
	return written, nil
}

// Diff is the RFC 6902 patch jsondiff makes between the JSON texts of two
// client views: the examreg.Diff of every history entry. jsondiff reads them
// with UseNumber, so that every number keeps its literal, every digit, in
// the patch.
func Diff(from, to []byte) (json.RawMessage, error) { return diff(from, to) }

// GuardedDiff is Diff with a test operation before every replace and
// remove (jsondiff's Invertible): the patch a configuration snapshot
// holds, which a promotion applies only where the target still holds what
// the patch was made from.
func GuardedDiff(from, to []byte) (json.RawMessage, error) {
	return diff(from, to, jsondiff.Invertible())
}

// diff is the patch jsondiff makes with opts, written as the service
// writes JSON: by jsondoc's writer (no HTML escaping), each operation's
// members in the order RFC 6902 gives them.
func diff(from, to []byte, opts ...jsondiff.Option) (json.RawMessage, error) {
	patch, err := jsondiff.CompareJSON(from, to, append(opts, jsondiff.UnmarshalFunc(unmarshalUsingNumber))...)
	if err != nil {
		return nil, err
	}
	text, err := json.Marshal(patch)
	if err != nil {
		return nil, err
	}
	doc, err := jsondoc.Parse(text)
	if err != nil {
		return nil, err
	}
	ops := make([]jsondoc.Value, len(doc.Items()))
	for i, op := range doc.Items() {
		var members []jsondoc.Member
		for _, name := range []string{"op", "from", "path", "value"} {
			if v, ok := op.Member(name); ok {
				members = append(members, jsondoc.Member{Name: name, Value: v})
			}
		}
		ops[i] = jsondoc.ObjectValue(members)
	}
	return jsondoc.ArrayValue(ops).AppendJSON(nil), nil
}

// unmarshalUsingNumber is json.Unmarshal with numbers as json.Number.
func unmarshalUsingNumber(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(v)
}

func keysOf(r events.DynamoDBEventRecord) string {
	return r.Change.Keys["pk"].String() + " " + r.Change.Keys["sk"].String()
}
