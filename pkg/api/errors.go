package api

import (
	"errors"
	"net/http"

	"github.com/certhub/examreg/pkg/examreg"
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
	e := errorOf(err, requestID)
	b := append([]byte(`{"message":`), examreg.AppendString(nil, e.Message)...)
	if len(e.Errors) > 0 {
		b = append(b, `,"errors":`...)
		b = appendFieldErrors(b, e.Errors)
	}
	if e.RequestID != "" {
		b = append(b, `,"request_id":`...)
		b = examreg.AppendString(b, e.RequestID)
	}
	return append(b, '}')
}

// appendFieldErrors appends [{"field", "message"}, ...].
func appendFieldErrors(dst []byte, fields []examreg.FieldError) []byte {
	dst = append(dst, '[')
	for i, f := range fields {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"field":`...)
		dst = examreg.AppendString(dst, f.Field)
		dst = append(dst, `,"message":`...)
		dst = examreg.AppendString(dst, f.Message)
		dst = append(dst, '}')
	}
	return append(dst, ']')
}
