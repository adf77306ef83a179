package api

import (
	"errors"
	"net/http"

	"github.com/certhub/examreg/pkg/examreg"
	"github.com/certhub/examreg/pkg/jsondoc"
)

// Codes for problems that only exist at the HTTP level.
const (
	eMethod    = "method_not_allowed"
	eMediaType = "unsupported_media_type"
)

// statusOf is the one mapping from error codes to HTTP statuses.
func statusOf(err error) int {
	switch examreg.ErrorCode(err) {
	case examreg.EINVALID:
		return http.StatusBadRequest
	case examreg.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case examreg.EFORBIDDEN, examreg.ELOCKED:
		return http.StatusForbidden
	case examreg.ENOTFOUND:
		return http.StatusNotFound
	case eMethod:
		return http.StatusMethodNotAllowed
	case examreg.ECONFLICT:
		return http.StatusConflict
	case examreg.EPRECONDITION:
		return http.StatusPreconditionFailed
	case examreg.EKEYREUSED:
		return http.StatusUnprocessableEntity
	case examreg.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case eMediaType:
		return http.StatusUnsupportedMediaType
	case examreg.ELIMIT, examreg.ETHROTTLED:
		return http.StatusTooManyRequests
	case examreg.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// errorBody is the body of every non-2xx answer.
type errorBody struct {
	Message string               `json:"message"`
	Errors  []examreg.FieldError `json:"errors,omitempty"`
	// RequestID is set on 5xx answers, so an operator can find the log line.
	RequestID string `json:"request_id,omitempty"`
}

// errorOf is what a client is told about err. Server faults get a generic
// message and the request id, never the cause.
func errorOf(err error, requestID string) errorBody {
	var e *examreg.Error
	if !errors.As(err, &e) || statusOf(err) == http.StatusInternalServerError {
		return errorBody{Message: "internal error", RequestID: requestID}
	}
	body := errorBody{Message: e.Message, Errors: e.Fields}
	if statusOf(err) >= 500 {
		body.RequestID = requestID
	}
	return body
}

// errorBodyOf is the JSON text of errorOf.
func errorBodyOf(err error, requestID string) []byte {
	body, _ := jsondoc.Marshal(errorOf(err, requestID)) // strings only: it cannot fail
	return body
}
