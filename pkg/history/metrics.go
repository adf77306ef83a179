package history

import (
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/certhub/examreg/pkg/emf"
)

// outcome is what writing one stream record did.
type outcome int

const (
	notAProcess    outcome = iota // a change to another item: nothing to write
	written                       // its history entry written
	alreadyWritten                // delivered again: its entry was there
)

// batchMetrics counts what a batch did, for its log line.
type batchMetrics struct {
	written, skipped, failures int
	// newest is when the newest record handled was written to the
	// stream: how far behind the table the history is.
	newest time.Time
}

func (m *batchMetrics) handled(r events.DynamoDBEventRecord, result outcome) {
	switch result {
	case written:
		m.written++
	case alreadyWritten:
		m.skipped++
	}
	m.newest = r.Change.ApproximateCreationDateTime.Time
}

// attrs are the batch line's members: an embedded metric format document
// with dimension operation "historywriter", like the API's request lines.
// The record age is there only when a record was handled.
func (m *batchMetrics) attrs(namespace string, now time.Time) []slog.Attr {
	if namespace == "" {
		namespace = emf.DefaultNamespace
	}
	metrics := []emf.Metric{
		{Name: "history_entries_written", Unit: emf.Count},
		{Name: "history_records_skipped", Unit: emf.Count},
		{Name: "history_failures", Unit: emf.Count},
	}
	attrs := []slog.Attr{
		slog.String("operation", "historywriter"),
		slog.Int("history_entries_written", m.written),
		slog.Int("history_records_skipped", m.skipped),
		slog.Int("history_failures", m.failures),
	}
	if !m.newest.IsZero() {
		metrics = append(metrics, emf.Metric{Name: "history_record_age_ms", Unit: emf.Milliseconds})
		attrs = append(attrs, slog.Int64("history_record_age_ms", max(now.Sub(m.newest).Milliseconds(), 0)))
	}
	directive := emf.Directive{Namespace: namespace, Dimensions: [][]string{{"operation"}}, Metrics: metrics}
	return append(attrs, emf.Attr(now, directive))
}
