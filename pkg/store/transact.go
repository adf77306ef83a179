package store

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/certhub/examreg/pkg/examreg"
)

// Reasons a transaction item can be cancelled for (DynamoDB's codes).
const (
	reasonNone        = "None"
	reasonCondition   = "ConditionalCheckFailed"
	reasonConflict    = "TransactionConflict"
	reasonThrottled   = "ThrottlingError"
	reasonProvisioned = "ProvisionedThroughputExceeded"
)

// transact runs a TransactWriteItems. When DynamoDB cancels it only because
// of conflicts with other transactions (which happen on the shared tenant
// counter), it retries within the retry budget. When conditions failed, it
// returns the cancellation reasons, one per item in order, and a nil error;
// callers decide what each failed condition means. Success is (nil, nil).
func (s *Store) transact(ctx context.Context, items []types.TransactWriteItem) ([]types.CancellationReason, error) {
	r := s.retrier(ctx)
	for {
		_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
			TransactItems:          items,
			ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
		})
		var canceled *types.TransactionCanceledException
		if !errors.As(err, &canceled) {
			return nil, translate(err)
		}
		reasons := canceled.CancellationReasons
		switch {
		case has(reasons, reasonThrottled) || has(reasons, reasonProvisioned):
			return nil, &examreg.Error{Code: examreg.ETHROTTLED, Message: "too many requests; retry later", Cause: err}
		case has(reasons, reasonCondition):
			return reasons, nil
		case !has(reasons, reasonConflict):
			return nil, translate(err)
		}
		if !r.wait(ctx) {
			return nil, examreg.ErrBusy
		}
		conflictRetried(ctx)
	}
}

func has(reasons []types.CancellationReason, code string) bool {
	for _, r := range reasons {
		if aws.ToString(r.Code) == code {
			return true
		}
	}
	return false
}

// failed reports whether item i of a cancelled transaction failed its condition.
func failed(reasons []types.CancellationReason, i int) bool {
	return i < len(reasons) && aws.ToString(reasons[i].Code) == reasonCondition
}
