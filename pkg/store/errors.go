package store

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/certhub/examreg/pkg/examreg"
)

// Sentinel errors of this package, for outcomes that are not the record's.
var (
	// ErrExamNotFound: the exam asked for is not in the tenant.
	ErrExamNotFound = examreg.Errorf(examreg.ENOTFOUND, "exam not found")
	// ErrReferenced: exam registrations still use the process.
	ErrReferenced = examreg.Errorf(examreg.ECONFLICT, "the exam reg process is used by exam registrations and cannot be deleted")
)

// translate turns an SDK error into an *examreg.Error with a client-safe
// message, keeping the SDK error as the cause for the server log. Throttling
// becomes ETHROTTLED; an engine that cannot be reached, times out or fails on
// its side becomes EUNAVAILABLE; a request the engine refuses as malformed is
// a fault of ours, EINTERNAL.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var e *examreg.Error
	if errors.As(err, &e) {
		return err
	}
	wrap := func(code, message string) error {
		return &examreg.Error{Code: code, Message: message, Cause: err}
	}
	var apiErr smithy.APIError
	switch {
	case errors.Is(err, context.Canceled):
		return wrap(examreg.EUNAVAILABLE, "the request was cancelled")
	case errors.As(err, &apiErr):
		switch apiErr.ErrorCode() {
		case "ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded":
			return wrap(examreg.ETHROTTLED, "too many requests; retry later")
		}
		var resp *smithyhttp.ResponseError
		if apiErr.ErrorFault() == smithy.FaultServer || (errors.As(err, &resp) && resp.HTTPStatusCode() >= 500) {
			return wrap(examreg.EUNAVAILABLE, "the database is unavailable; retry later")
		}
		return wrap(examreg.EINTERNAL, "internal error")
	}
	// Timeouts, refused or reset connections: the engine did not answer.
	return wrap(examreg.EUNAVAILABLE, "the database is unavailable; retry later")
}

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
