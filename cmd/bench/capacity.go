package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
)

// capacityMeter keeps the DynamoDB calls a client makes, with their
// answers, so that the capacity units of a request that makes hundreds of
// calls of several kinds are computed from the items those calls read and
// wrote (moto's ConsumedCapacity is a constant).
type capacityMeter struct {
	mu    sync.Mutex
	calls []meteredCall
}

// meteredCall is one operation call: its input and, when it succeeded, its
// output.
type meteredCall struct{ in, out any }

// option is a client option keeping every call, once per call (not per
// retry), as the store's own count.
func (m *capacityMeter) option(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("benchMeter",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleInitialize(ctx, in)
				m.mu.Lock()
				m.calls = append(m.calls, meteredCall{in: in.Parameters, out: out.Result})
				m.mu.Unlock()
				return out, md, err
			}), middleware.Before)
	})
}

// reset forgets the calls kept so far.
func (m *capacityMeter) reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = nil
}

// taken returns the calls kept since the last reset.
func (m *capacityMeter) taken() []meteredCall {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.calls)
}

// operations counts calls by operation.
func operations(cs []meteredCall) calls {
	n := calls{}
	for _, c := range cs {
		n[strings.TrimSuffix(strings.TrimPrefix(fmt.Sprintf("%T", c.in), "*dynamodb."), "Input")]++
	}
	return n
}

// capacity is the read and write units of calls by DynamoDB's rules: a read
// of an item costs a unit per 4 KB of it, rounded up (half for an eventually
// consistent read), and an item not found costs as much as a small one; a
// Query, the 4 KB of all the items it returns together; a write costs a unit
// per KB of its item, rounded up, doubled inside a transaction, where a
// condition check costs as a write of the item it checks. A write that
// names its item by key only (an update, a delete, a condition check) is
// charged the item's size as it is after the calls, read by sizeOf. A
// PutItem that replaces an item is charged for the new item: DynamoDB
// charges the larger of the two, and a record's versions differ by a few
// bytes.
func capacity(cs []meteredCall, sizeOf func([]map[string]types.AttributeValue) (map[itemKey]int, error)) (rru, wru float64, err error) {
	reads := func(size int, consistent *bool) float64 {
		u := max(1, fourKB(size))
		if !aws.ToBool(consistent) {
			u /= 2
		}
		return u
	}
	writeOf := func(size int) float64 { return max(1, kb(size)) }
	type keyed struct {
		key    map[string]types.AttributeValue
		factor float64 // 2 inside a transaction
	}
	var byKey []keyed
	for _, c := range cs {
		switch in := c.in.(type) {
		case *dynamodb.GetItemInput:
			out, _ := c.out.(*dynamodb.GetItemOutput)
			if out == nil {
				return 0, 0, fmt.Errorf("a failed GetItem")
			}
			rru += reads(itemSize(out.Item), in.ConsistentRead)
		case *dynamodb.QueryInput:
			out, _ := c.out.(*dynamodb.QueryOutput)
			if out == nil || in.ProjectionExpression != nil || in.Select != "" {
				return 0, 0, fmt.Errorf("a failed or projected Query: its items' sizes are not in its answer")
			}
			size := 0
			for _, item := range out.Items {
				size += itemSize(item)
			}
			rru += reads(size, in.ConsistentRead)
		case *dynamodb.BatchGetItemInput:
			out, _ := c.out.(*dynamodb.BatchGetItemOutput)
			if out == nil {
				return 0, 0, fmt.Errorf("a failed BatchGetItem")
			}
			for table, ka := range in.RequestItems {
				found := out.Responses[table]
				if ka.ProjectionExpression != nil {
					return 0, 0, fmt.Errorf("a projected BatchGetItem: its items' sizes are not in its answer")
				}
				for _, item := range found {
					rru += reads(itemSize(item), ka.ConsistentRead)
				}
				rru += float64(len(ka.Keys)-len(found)-len(out.UnprocessedKeys[table].Keys)) * reads(0, ka.ConsistentRead)
			}
		case *dynamodb.PutItemInput:
			wru += writeOf(itemSize(in.Item))
		case *dynamodb.UpdateItemInput:
			byKey = append(byKey, keyed{in.Key, 1})
		case *dynamodb.DeleteItemInput:
			byKey = append(byKey, keyed{in.Key, 1})
		case *dynamodb.BatchWriteItemInput:
			for _, requests := range in.RequestItems {
				for _, w := range requests {
					if w.PutRequest != nil {
						wru += writeOf(itemSize(w.PutRequest.Item))
					} else {
						byKey = append(byKey, keyed{w.DeleteRequest.Key, 1})
					}
				}
			}
		case *dynamodb.TransactWriteItemsInput:
			for _, t := range in.TransactItems {
				switch {
				case t.Put != nil:
					wru += 2 * writeOf(itemSize(t.Put.Item))
				case t.Update != nil:
					byKey = append(byKey, keyed{t.Update.Key, 2})
				case t.Delete != nil:
					byKey = append(byKey, keyed{t.Delete.Key, 2})
				case t.ConditionCheck != nil:
					byKey = append(byKey, keyed{t.ConditionCheck.Key, 2})
				}
			}
		default:
			return 0, 0, fmt.Errorf("no capacity rule for %T", c.in)
		}
	}
	if len(byKey) == 0 {
		return rru, wru, nil
	}
	keys := make([]map[string]types.AttributeValue, len(byKey))
	for i, k := range byKey {
		keys[i] = k.key
	}
	sizes, err := sizeOf(keys)
	if err != nil {
		return 0, 0, err
	}
	for _, k := range byKey {
		wru += k.factor * writeOf(sizes[keyOf(k.key)])
	}
	return rru, wru, nil
}

// sizesOf reads the items of keys with client, which the meter does not
// see, and returns their sizes (none for an item not found).
func sizesOf(ctx context.Context, client *dynamodb.Client, table string, keys []map[string]types.AttributeValue) (map[itemKey]int, error) {
	sizes := map[itemKey]int{}
	distinct := map[itemKey]map[string]types.AttributeValue{}
	for _, k := range keys {
		distinct[keyOf(k)] = k
	}
	pending := slices.Collect(maps.Values(distinct))
	for len(pending) > 0 {
		chunk := pending[:min(100, len(pending))]
		pending = pending[len(chunk):]
		out, err := client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{table: {Keys: chunk}}})
		if err != nil {
			return nil, err
		}
		for _, item := range out.Responses[table] {
			sizes[keyOf(item)] = itemSize(item)
		}
		pending = append(pending, out.UnprocessedKeys[table].Keys...)
	}
	return sizes, nil
}
