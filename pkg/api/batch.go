package api

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"

	"github.com/certhub/examreg/pkg/examreg"
)

// Batch limits.
const (
	MaxBatchOperations = 100
	// batchInFlight bounds the operations of one batch that run at once:
	// enough to hide DynamoDB's latency, few enough not to throttle a tenant.
	batchInFlight = 10
)

// batchOperation is one operation of a batch request.
type batchOperation struct {
	Operation       string          `json:"operation"`
	ID              string          `json:"id"`
	PatchDirectives json.RawMessage `json:"patch_directives"`
}

// batchResult answers one operation: the saved object, or the error body.
type batchResult struct {
	ID        string               `json:"id"`
	Operation string               `json:"operation"`
	Status    int                  `json:"status"`
	Object    *examreg.Process     `json:"object,omitempty"`
	Message   string               `json:"message,omitempty"`
	Errors    []examreg.FieldError `json:"errors,omitempty"`
}

type batchBody struct {
	SuccessCount int           `json:"success_count"`
	ErrorCount   int           `json:"error_count"`
	Results      []batchResult `json:"results"`
}

// batch: POST /examRegProcesses/{tenantId}/batch with 1 to 100 patch and
// delete operations. Each runs through the same code path as PATCH or
// DELETE, concurrently (batchInFlight at a time), except that operations on
// the same id run one after another in request order. One operation's
// failure never fails another; results[i] answers operations[i].
func (s *Server) batch(ctx context.Context, c *call) (*response, error) {
	if err := parseQuery(c.r).err(); err != nil {
		return nil, err
	}
	body, err := readBody(c.r, "application/json")
	if err != nil {
		return nil, err
	}
	var req struct {
		Operations []json.RawMessage `json:"operations"`
	}
	if err := examreg.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	if n := len(req.Operations); n < 1 || n > MaxBatchOperations {
		return nil, examreg.Invalid("a batch holds 1 to 100 operations",
			examreg.FieldError{Field: "operations", Message: "must hold 1 to " + strconv.Itoa(MaxBatchOperations) + " operations"})
	}

	results := make([]batchResult, len(req.Operations))
	ops := make([]batchOperation, len(req.Operations))
	byID := map[string][]int{} // the operations on each id, in request order
	var ids []string
	for i, raw := range req.Operations {
		if err := examreg.DecodeJSON(raw, &ops[i]); err != nil {
			results[i] = resultOf(ops[i], nil, err)
			continue
		}
		if _, seen := byID[ops[i].ID]; !seen {
			ids = append(ids, ops[i].ID)
		}
		byID[ops[i].ID] = append(byID[ops[i].ID], i)
	}

	// The records the batch patches first are read together, in one
	// consistent BatchGetItem instead of a GetItem each.
	var toRead []string
	for _, id := range ids {
		if first := ops[byID[id][0]]; first.Operation == "patch" && examreg.ValidID(id) {
			toRead = append(toRead, id)
		}
	}
	read, err := s.cfg.Store.GetProcesses(ctx, c.tenant, toRead)
	if err != nil {
		return nil, err
	}

	slots := make(chan struct{}, batchInFlight)
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			for n, i := range byID[id] {
				var current *examreg.Process
				if n == 0 { // later operations see the record after the earlier ones
					current = read[id]
				}
				obj, err := s.runBatchOperation(ctx, c, ops[i], current)
				results[i] = resultOf(ops[i], obj, err)
			}
		})
	}
	wg.Wait()

	out := batchBody{Results: results}
	for _, r := range results {
		if r.Status == 200 {
			out.SuccessCount++
		} else {
			out.ErrorCount++
		}
	}
	return &response{body: out}, nil
}

// runBatchOperation runs one operation through the single-record code path.
// A panic fails the operation alone, as an internal error.
func (s *Server) runBatchOperation(ctx context.Context, c *call, op batchOperation, read *examreg.Process) (obj *examreg.Process, err error) {
	defer func() {
		if p := recover(); p != nil {
			obj, err = nil, &examreg.Error{Code: examreg.EINTERNAL, Message: "internal error", Cause: fmt.Errorf("panic: %v", p)}
		}
	}()
	var problems []examreg.FieldError
	if !examreg.ValidID(op.ID) {
		problems = append(problems, examreg.FieldError{Field: "id", Message: `is required and must match ^[\w|-]+$`})
	}
	if op.Operation != "patch" && op.Operation != "delete" {
		problems = append(problems, examreg.FieldError{Field: "operation", Message: `must be "patch" or "delete"`})
	}
	if op.Operation == "delete" && op.PatchDirectives != nil {
		problems = append(problems, examreg.FieldError{Field: "patch_directives", Message: "must not be sent with a delete"})
	}
	if problems != nil {
		return nil, examreg.Invalid("invalid batch operation", problems...)
	}
	if op.Operation == "patch" {
		patch, err := examreg.ParsePatchValue(op.PatchDirectives, "patch_directives")
		if err != nil {
			return nil, err
		}
		return s.patchRecord(ctx, c, op.ID, patch, ifMatch{}, read)
	}
	return nil, s.deleteRecord(ctx, c, op.ID, ifMatch{})
}

func resultOf(op batchOperation, obj *examreg.Process, err error) batchResult {
	r := batchResult{ID: op.ID, Operation: op.Operation, Status: 200, Object: obj}
	if err != nil {
		e := errorBodyOf(err, "")
		r.Status, r.Message, r.Errors = statusOf(err), e.Message, e.Errors
	}
	return r
}
