// Package history writes the change history of exam reg processes: it is
// the function the table's stream triggers (on Lambda through an event
// source mapping; locally through a poller of the engine's stream), and it
// turns each change to a process into one history entry.
//
// The stream delivers at least once and retries whole batches, so an entry
// is written with a condition on its key and a record delivered again adds
// nothing. A batch is written in stream order, so one record's entries are
// too; when a record fails, it and every record after it are reported as
// failed (Lambda's ReportBatchItemFailures), and the next delivery starts
// from it.
package history

import (
	"context"
	"errors"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/events"

	"github.com/certhub/examreg/pkg/store"
)

// Writer writes history entries.
type Writer struct {
	Store *store.Store
	Log   *slog.Logger
}

// Handle writes the entries of a batch of stream records.
func (w *Writer) Handle(ctx context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var resp events.DynamoDBEventResponse
	for i, r := range e.Records {
		written, err := w.write(ctx, r)
		if err != nil {
			w.Log.LogAttrs(ctx, slog.LevelError, "history entry not written", slog.String("event_id", r.EventID),
				slog.String("sequence_number", r.Change.SequenceNumber), slog.String("error", err.Error()))
			for _, failed := range e.Records[i:] {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: failed.Change.SequenceNumber})
			}
			return resp, nil
		}
		if written {
			w.Log.LogAttrs(ctx, slog.LevelInfo, "history entry written", slog.String("event_id", r.EventID),
				slog.String("keys", keysOf(r)), slog.String("event", r.EventName))
		}
	}
	return resp, nil
}

// write records one stream record's change, when it is a process's.
func (w *Writer) write(ctx context.Context, r events.DynamoDBEventRecord) (bool, error) {
	c, err := store.ChangeFromStream(r)
	if err != nil || !c.IsProcess() {
		return false, err
	}
	return w.Store.RecordChange(ctx, c)
}

func keysOf(r events.DynamoDBEventRecord) string {
	return r.Change.Keys["pk"].String() + " " + r.Change.Keys["sk"].String()
}

// MustFromEnv is the Writer for a Lambda function's main, over the table
// $TABLE_NAME; a configuration error ends the process with a logged reason.
func MustFromEnv() *Writer {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	st, err := connect()
	if err != nil {
		log.Error("configuration", "error", err.Error())
		os.Exit(1)
	}
	return &Writer{Store: st, Log: log}
}

func connect() (*store.Store, error) {
	table := os.Getenv("TABLE_NAME")
	if table == "" {
		return nil, errors.New("history: TABLE_NAME is not set")
	}
	return store.Connect(context.Background(), table)
}
