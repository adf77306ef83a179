package examreg

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// Error codes. Each names a kind of failure a client can act on; pkg/api maps
// every code to exactly one HTTP status, and nothing else decides statuses.
const (
	EINVALID      = "invalid"      // the request is malformed or fails validation
	EUNAUTHORIZED = "unauthorized" // no or bad credentials
	EFORBIDDEN    = "forbidden"    // the caller may not touch this tenant
	ELOCKED       = "locked"       // the record is locked (sys_locked)
	ENOTFOUND     = "not_found"    // the record (or, for eligible, the exam) does not exist
	ECONFLICT     = "conflict"     // a missing reference, a dependent record or a stale sys_version
	EPRECONDITION = "precondition" // If-Match did not match
	EKEYREUSED    = "key_reused"   // an Idempotency-Key came back with another request
	ELIMIT        = "limit"        // the tenant's process limit is reached
	ETHROTTLED    = "throttled"    // the engine asked us to slow down
	ETOOLARGE     = "too_large"    // the request body is larger than the service accepts
	EUNAVAILABLE  = "unavailable"  // the engine is unreachable or failing
	EINTERNAL     = "internal"     // a fault of ours
)

// FieldError is one problem with one field. Field is a dotted path with
// indexes in brackets ("custom_field_values[2].boolean_value"), or "" when the
// problem is with the body as a whole.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the one error type of the service. Message is safe to show to a
// client; Cause, when set, is for the server log only.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
	Cause   error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return e.Message + ": " + e.Cause.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Cause }

// Errorf returns an *Error with the given code and a client-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error listing every field problem.
func Invalid(message string, fields ...FieldError) *Error {
	return &Error{Code: EINVALID, Message: message, Fields: fields}
}

// ErrorCode returns the code of err, EINTERNAL for an error that is not an *Error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// Sentinel errors for the outcomes every operation shares.
var (
	ErrNotFound = Errorf(ENOTFOUND, "exam reg process not found")
	ErrLocked   = Errorf(ELOCKED, "record is locked")
	ErrStale    = Errorf(ECONFLICT, "sys_version does not match the stored record; read it again and retry")
	ErrIfMatch  = Errorf(EPRECONDITION, "If-Match does not match the stored record's ETag")
	ErrBusy     = Errorf(ECONFLICT, "the record is being changed by other requests; retry")
	ErrLimit    = Errorf(ELIMIT, "tenant limit reached: no more exam reg processes can be created")
)

// MissingExams is the conflict of a write whose exam_ids name exams the
// tenant does not have: each of missing, by its place in examIDs.
func MissingExams(missing, examIDs []string) *Error {
	fields := make([]FieldError, len(missing))
	for i, id := range missing {
		fields[i] = FieldError{
			Field:   "exam_ids[" + strconv.Itoa(slices.Index(examIDs, id)) + "]",
			Message: "exam " + id + " does not exist in this tenant",
		}
	}
	return &Error{Code: ECONFLICT, Message: "the exam reg process refers to exams that do not exist", Fields: fields}
}
