package store

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
)

// Usage is what the DynamoDB requests made on behalf of one API request
// cost: the figures of its log line and of its metrics.
type Usage struct {
	// Requests counts operation calls, not SDK attempts.
	Requests int
	// ReadUnits and WriteUnits are the capacity units DynamoDB reported.
	ReadUnits, WriteUnits float64
	// Retries counts the SDK's attempts beyond each call's first: a
	// throttled, failed or unanswered attempt sent again.
	Retries int
	// ConflictsRetried counts the writes run again after losing a race: a
	// failed condition on the record, or a transaction conflict.
	ConflictsRetried int
}

// Capacity is the capacity units consumed, read and write.
func (u Usage) Capacity() float64 { return u.ReadUnits + u.WriteUnits }

// Stats counts the Usage of one API request.
type Stats struct {
	mu    sync.Mutex
	usage Usage
}

type statsKey struct{}

// WithStats returns a context whose DynamoDB calls are counted in the
// returned Stats.
func WithStats(ctx context.Context) (context.Context, *Stats) {
	st := &Stats{}
	return context.WithValue(ctx, statsKey{}, st), st
}

// Usage returns what has been counted so far.
func (st *Stats) Usage() Usage {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.usage
}

func (st *Stats) add(result any, attempts int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.usage.Requests++
	st.usage.Retries += max(attempts-1, 0)
	read := isRead(result)
	for _, c := range consumed(result) {
		switch {
		case c.ReadCapacityUnits != nil || c.WriteCapacityUnits != nil:
			st.usage.ReadUnits += deref(c.ReadCapacityUnits)
			st.usage.WriteUnits += deref(c.WriteCapacityUnits)
		case read:
			st.usage.ReadUnits += deref(c.CapacityUnits)
		default:
			st.usage.WriteUnits += deref(c.CapacityUnits)
		}
	}
}

// conflictRetried counts, in the Stats of ctx if any, a write about to run
// again after losing a race.
func conflictRetried(ctx context.Context) {
	if st, ok := ctx.Value(statsKey{}).(*Stats); ok {
		st.mu.Lock()
		st.usage.ConflictsRetried++
		st.mu.Unlock()
	}
}

// Instrument is a DynamoDB client option that counts every operation call
// into the Stats of its context, if any.
func Instrument(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("examregStats",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleInitialize(ctx, in)
				if st, ok := ctx.Value(statsKey{}).(*Stats); ok {
					attempts, _ := retry.GetAttemptResults(md)
					st.add(out.Result, len(attempts.Results))
				}
				return out, md, err
			}), middleware.After)
	})
}

// consumed is the capacity an operation's output reports. With
// ReturnConsumedCapacity TOTAL, DynamoDB reports only CapacityUnits: read
// or write by the operation that consumed them (a transaction's condition
// checks count with its writes).
func consumed(result any) []types.ConsumedCapacity {
	switch out := result.(type) {
	case *dynamodb.GetItemOutput:
		return one(out.ConsumedCapacity)
	case *dynamodb.QueryOutput:
		return one(out.ConsumedCapacity)
	case *dynamodb.PutItemOutput:
		return one(out.ConsumedCapacity)
	case *dynamodb.TransactWriteItemsOutput:
		return out.ConsumedCapacity
	case *dynamodb.BatchWriteItemOutput:
		return out.ConsumedCapacity
	case *dynamodb.BatchGetItemOutput:
		return out.ConsumedCapacity
	}
	return nil
}

func isRead(result any) bool {
	switch result.(type) {
	case *dynamodb.GetItemOutput, *dynamodb.QueryOutput, *dynamodb.BatchGetItemOutput:
		return true
	}
	return false
}

func one(c *types.ConsumedCapacity) []types.ConsumedCapacity {
	if c == nil {
		return nil
	}
	return []types.ConsumedCapacity{*c}
}

func deref(f *float64) float64 {
	if f == nil {
		return 0
	}
	return *f
}
