package store

import (
	"context"
	"errors"

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
