// Package streampoller runs a DynamoDB stream consumer locally: it polls the
// stream of a table on a local engine (moto, DynamoDB Local) and hands each
// batch of records, as an events.DynamoDBEvent, to the very handler function
// the Lambda runs, the way Lambda's event source mapping does with
// ReportBatchItemFailures: records of a shard in stream order, a batch at a
// time, retried from the first failed record.
//
// It is written for moto's stream, which differs from DynamoDB's in ways the
// poller has to respect (measured against moto 5.2.1):
//
//   - A shard iterator stops seeing new records once a TransactWriteItems on
//     the table is cancelled: moto restores a copy of the table, stream
//     included, and old iterators keep reading the discarded copy (where they
//     even find the cancelled transaction's writes). So every poll takes a
//     fresh iterator at its position instead of following NextShardIterator.
//   - When the table is deleted and created again, the old stream ARN resolves
//     to the new table's stream, whose sequence numbers start over. The poller
//     checks the stream's label on every poll and stops when it changed.
//   - Every record says awsRegion us-east-1; the events carry the stream ARN's
//     region instead.
//
// A poll costs three requests (DescribeStream, GetShardIterator, GetRecords),
// about 4 ms of moto's time; moto keeps every iterator it hands out, about
// 6 kB of its memory per poll.
package streampoller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// Handler is what a Lambda function consuming a DynamoDB stream runs, with
// ReportBatchItemFailures: it returns the sequence numbers of the records it
// failed to process, or an error when the whole batch failed.
type Handler func(ctx context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

// A failed delivery (the handler returned an error, panicked or reported a
// failed record) is retried, as the history writer's event source mapping
// retries it (template.yaml: no retry limit, a maximum record age of the
// stream's 24 hours): the first retry after FirstBackoff, each next one
// twice as long, up to MaxBackoff, until the first record to deliver again
// is older than maxRecordAge; that record is then dropped (logged as an
// error).
const (
	FirstBackoff = 100 * time.Millisecond
	MaxBackoff   = time.Second
)

// maxRecordAge is the age at which a failing record is dropped; a variable
// for the tests.
var maxRecordAge = 24 * time.Hour

// maxErrorBackoff bounds the pause after failed calls to the stream.
const maxErrorBackoff = 5 * time.Second

// ClientFor returns a DynamoDB Streams client for the engine db talks to:
// same region, credentials, endpoint and HTTP client. Local engines serve
// both APIs at one endpoint (moto routes on the X-Amz-Target header).
func ClientFor(db *dynamodb.Client) *dynamodbstreams.Client {
	o := db.Options()
	return dynamodbstreams.New(dynamodbstreams.Options{
		Region:       o.Region,
		Credentials:  o.Credentials,
		BaseEndpoint: o.BaseEndpoint,
		HTTPClient:   o.HTTPClient,
	})
}

// LatestStreamARN returns the ARN of table's current stream, or an error when
// the table has none.
func LatestStreamARN(ctx context.Context, db *dynamodb.Client, table string) (string, error) {
	out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		return "", fmt.Errorf("streampoller: %w", err)
	}
	if out.Table.LatestStreamArn == nil {
		return "", fmt.Errorf("streampoller: table %s has no stream", table)
	}
	return *out.Table.LatestStreamArn, nil
}

// Run polls the stream streamARN from TRIM_HORIZON and hands each non-empty
// batch (at most batchSize records, 1 to 1000, in stream order per shard; a
// child shard only once its parent is read) to h. When the stream is drained
// it waits interval before polling again; a backlog is read without pauses.
//
// When h reports batch item failures, the next delivery starts at the first
// failed record (the records before it are done); an itemIdentifier that is
// not a sequence number of the batch fails the whole batch. When h returns an
// error or panics, the whole batch is delivered again. Each failure is logged,
// and the retry waits (see FirstBackoff); once the first record to deliver
// again is older than the stream keeps records (24 hours), it is dropped and
// logged as an error.
//
// Errors reading the stream, or converting its records, are logged and
// retried with a growing pause. Run returns nil when ctx ends, and an error
// wrapping ErrStreamGone when the stream is gone: its table was deleted, or
// deleted and created again.
func Run(ctx context.Context, client *dynamodbstreams.Client, streamARN string, batchSize int, interval time.Duration, h Handler, log *slog.Logger) error {
	if batchSize < 1 || batchSize > 1000 {
		return fmt.Errorf("streampoller: batch size %d is not within 1..1000", batchSize)
	}
	p := &poller{client: client, arn: streamARN, limit: int32(batchSize), h: h, log: log.With("stream", streamARN), shards: map[string]*shard{}}
	errorsInARow := 0
	for {
		busy, err := p.poll(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, ErrStreamGone):
			return err
		case errors.As(err, new(*types.ResourceNotFoundException)):
			return fmt.Errorf("%w: %v", ErrStreamGone, err)
		case err != nil:
			errorsInARow++
			p.log.Warn("streampoller: reading the stream failed", "err", err, "in_a_row", errorsInARow)
			if !sleep(ctx, min(interval<<min(errorsInARow, 10), maxErrorBackoff)) {
				return nil
			}
			continue
		}
		errorsInARow = 0
		if !busy && !sleep(ctx, interval) {
			return nil
		}
	}
}

// ErrStreamGone is what Run returns when its stream is no longer its table's.
var ErrStreamGone = errors.New("streampoller: the stream is gone")

type poller struct {
	client *dynamodbstreams.Client
	arn    string
	limit  int32
	h      Handler
	log    *slog.Logger
	shards map[string]*shard
}

// shard is the reading position in one shard: after the record after, or at
// the record at, or (both empty) at the trim horizon.
type shard struct {
	id        string
	after, at string
	closed    bool // read to its end
	failures  int  // failed deliveries in a row from the current position
}

// poll reads one batch from every shard that may be read and reports whether
// any records were delivered (or dropped).
func (p *poller) poll(ctx context.Context) (busy bool, err error) {
	listed, err := p.describe(ctx)
	if err != nil {
		return false, err
	}
	for id := range listed {
		if p.shards[id] == nil {
			p.shards[id] = &shard{id: id}
		}
	}
	for id, sh := range listed {
		s, parent := p.shards[id], aws.ToString(sh.ParentShardId)
		if _, ok := listed[parent]; s.closed || ok && !p.shards[parent].closed {
			continue
		}
		n, err := p.readShard(ctx, s)
		if err != nil {
			return busy, err
		}
		busy = busy || n > 0
	}
	return busy, nil
}

// describe lists the stream's shards, checking that the ARN still names the
// table's stream.
func (p *poller) describe(ctx context.Context) (map[string]types.Shard, error) {
	shards := map[string]types.Shard{}
	in := &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(p.arn)}
	for {
		out, err := p.client.DescribeStream(ctx, in)
		if err != nil {
			return nil, err
		}
		d := out.StreamDescription
		if label := aws.ToString(d.StreamLabel); !strings.HasSuffix(p.arn, "/stream/"+label) {
			return nil, fmt.Errorf("%w: its table's stream is now %s (the table was created again)", ErrStreamGone, label)
		}
		for _, sh := range d.Shards {
			shards[*sh.ShardId] = sh
		}
		if d.LastEvaluatedShardId == nil {
			return shards, nil
		}
		in.ExclusiveStartShardId = d.LastEvaluatedShardId
	}
}

// readShard reads a batch at s's position and delivers it, retrying until it
// is delivered or dropped; it returns the number of records delivered.
func (p *poller) readShard(ctx context.Context, s *shard) (int, error) {
	for {
		in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(p.arn), ShardId: aws.String(s.id), ShardIteratorType: types.ShardIteratorTypeTrimHorizon}
		switch {
		case s.at != "":
			in.ShardIteratorType, in.SequenceNumber = types.ShardIteratorTypeAtSequenceNumber, aws.String(s.at)
		case s.after != "":
			in.ShardIteratorType, in.SequenceNumber = types.ShardIteratorTypeAfterSequenceNumber, aws.String(s.after)
		}
		it, err := p.client.GetShardIterator(ctx, in)
		if err != nil {
			return 0, err
		}
		out, err := p.client.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it.ShardIterator, Limit: aws.Int32(p.limit)})
		if err != nil {
			return 0, err
		}
		if len(out.Records) == 0 {
			s.closed = out.NextShardIterator == nil
			return 0, nil
		}
		e := events.DynamoDBEvent{Records: make([]events.DynamoDBEventRecord, len(out.Records))}
		for i, r := range out.Records {
			if e.Records[i], err = EventRecord(p.arn, r); err != nil {
				return 0, err
			}
		}
		first, reason := p.deliver(ctx, e)
		if ctx.Err() != nil {
			return 0, nil
		}
		if first == len(e.Records) {
			s.after, s.at, s.failures = e.Records[first-1].Change.SequenceNumber, "", 0
			return first, nil
		}
		failed := e.Records[first].Change
		if first == 0 { // no progress: the same records again
			s.failures++
		} else {
			s.failures = 1
		}
		s.at = failed.SequenceNumber
		seqs := []any{"first", e.Records[0].Change.SequenceNumber, "last", e.Records[len(e.Records)-1].Change.SequenceNumber, "records", len(e.Records)}
		if age := time.Since(failed.ApproximateCreationDateTime.Time); age > maxRecordAge {
			p.log.Error("streampoller: dropping a record that kept failing until it was "+maxRecordAge.String()+" old",
				"sequence_number", failed.SequenceNumber, "reason", reason, "attempts", s.failures)
			s.after, s.at, s.failures = failed.SequenceNumber, "", 0
			return first + 1, nil
		}
		p.log.Warn("streampoller: batch failed; retrying from "+failed.SequenceNumber, append(seqs, "reason", reason, "attempt", s.failures)...)
		if !sleep(ctx, min(FirstBackoff<<min(s.failures-1, 10), MaxBackoff)) {
			return 0, nil
		}
	}
}

// deliver hands e to the handler and returns the index of the first record
// to deliver again (len(e.Records) when all are done) and why.
func (p *poller) deliver(ctx context.Context, e events.DynamoDBEvent) (first int, reason string) {
	resp, err := p.call(ctx, e)
	if err != nil {
		return 0, err.Error()
	}
	first = len(e.Records)
	for _, f := range resp.BatchItemFailures {
		i := indexOf(e.Records, f.ItemIdentifier)
		if i < 0 {
			return 0, fmt.Sprintf("itemIdentifier %q is not a sequence number of the batch", f.ItemIdentifier)
		}
		if i < first {
			first, reason = i, "the handler reported record "+f.ItemIdentifier+" failed"
		}
	}
	return first, reason
}

// call runs the handler, turning a panic into an error as the Lambda runtime
// does.
func (p *poller) call(ctx context.Context, e events.DynamoDBEvent) (resp events.DynamoDBEventResponse, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler panicked: %v", r)
		}
	}()
	return p.h(ctx, e)
}

func indexOf(records []events.DynamoDBEventRecord, seq string) int {
	for i, r := range records {
		if r.Change.SequenceNumber == seq && seq != "" {
			return i
		}
	}
	return -1
}

// sleep waits d and reports whether ctx is still alive.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
