package store

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
)

// Stats counts the DynamoDB requests made on behalf of one API request and
// the capacity they consumed, for the request log. Requests are counted once
// per operation call, not per SDK retry.
type Stats struct {
	mu       sync.Mutex
	requests int
	capacity float64
}

type statsKey struct{}

// WithStats returns a context whose DynamoDB calls are counted in the
// returned Stats.
func WithStats(ctx context.Context) (context.Context, *Stats) {
	st := &Stats{}
	return context.WithValue(ctx, statsKey{}, st), st
}

// Snapshot returns the requests made and the capacity units they consumed.
func (st *Stats) Snapshot() (requests int, capacity float64) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.requests, st.capacity
}

func (st *Stats) add(capacity []types.ConsumedCapacity) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.requests++
	for _, c := range capacity {
		if c.CapacityUnits != nil {
			st.capacity += *c.CapacityUnits
		}
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
					st.add(consumed(out.Result))
				}
				return out, md, err
			}), middleware.After)
	})
}

// consumed is the capacity an operation's output reports.
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

func one(c *types.ConsumedCapacity) []types.ConsumedCapacity {
	if c == nil {
		return nil
	}
	return []types.ConsumedCapacity{*c}
}
