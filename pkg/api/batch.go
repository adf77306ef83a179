package api

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/certhub/examreg/pkg/examreg"
	"github.com/certhub/examreg/pkg/jsondoc"
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
	operation, id   string
	patchDirectives *jsondoc.Value
	version         *jsondoc.Value
	problems        []examreg.FieldError
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

// batchAnswer is the body of a batch answer.
type batchAnswer struct {
	SuccessCount int           `json:"success_count"`
	ErrorCount   int           `json:"error_count"`
	Results      []batchResult `json:"results"`
}

// batch: POST /examRegProcesses/{tenantId}/batch with 1 to 100 patch,
// delete and restore operations. Each runs through the same code path as
// PATCH, DELETE or a restore, concurrently (batchInFlight at a time), except that operations on
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
	doc, err := examreg.ParseJSON(body)
	if err != nil {
		return nil, err
	}
	operations, err := batchOperations(doc)
	if err != nil {
		return nil, err
	}

	results := make([]batchResult, len(operations))
	ops := make([]batchOperation, len(operations))
	byID := map[string][]int{} // the operations on each id, in request order
	var ids []string
	for i, raw := range operations {
		ops[i] = parseBatchOperation(raw)
		if _, seen := byID[ops[i].id]; !seen {
			ids = append(ids, ops[i].id)
		}
		byID[ops[i].id] = append(byID[ops[i].id], i)
	}

	// The records the batch patches first are read together, in one
	// consistent BatchGetItem instead of a GetItem each.
	var toRead []string
	for _, id := range ids {
		if first := ops[byID[id][0]]; first.operation == "patch" && examreg.ValidID(id) {
			toRead = append(toRead, id)
		}
	}
	read, err := s.cfg.Store.ReadProcesses(ctx, c.tenant, toRead)
	if err != nil {
		return nil, err
	}

	// batchInFlight workers take the ids in turn, the request's own
	// goroutine among them: a goroutine per id would grow a fresh stack to
	// the SDK's depth for each (copying it several times), which was an
	// eighth of a batch's CPU.
	var next atomic.Int64
	work := func() {
		for k := next.Add(1) - 1; k < int64(len(ids)); k = next.Add(1) - 1 {
			id := ids[k]
			for n, i := range byID[id] {
				var current *examreg.Process
				if n == 0 { // later operations see the record after the earlier ones
					current = read[id]
				}
				obj, err := s.runBatchOperation(ctx, c.operation(i), ops[i], current)
				results[i] = resultOf(ops[i], obj, err)
			}
		}
	}
	var wg sync.WaitGroup
	for range min(batchInFlight, len(ids)) - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()

	c.countBatch(results)
	answer := batchAnswer{Results: results}
	for _, r := range results {
		if r.Status == 200 {
			answer.SuccessCount++
		}
	}
	answer.ErrorCount = len(results) - answer.SuccessCount
	return marshalResponse(answer)
}

// batchOperations reads a batch body: an object whose only member is
// operations, an array of 1 to MaxBatchOperations items.
func batchOperations(doc jsondoc.Value) ([]jsondoc.Value, error) {
	if doc.Kind() != jsondoc.KindObject {
		return nil, examreg.Invalid("a batch must be a JSON object", examreg.FieldError{Field: "", Message: "must be an object"})
	}
	var problems []examreg.FieldError
	for _, m := range doc.Members() {
		if m.Name != "operations" {
			problems = append(problems, examreg.FieldError{Field: m.Name, Message: "is not a field of a batch request"})
		}
	}
	operations, _ := doc.Member("operations")
	switch n := len(operations.Items()); {
	case operations.Kind() != jsondoc.KindArray:
		problems = append(problems, examreg.FieldError{Field: "operations", Message: "must be an array of 1 to " + strconv.Itoa(MaxBatchOperations) + " operations"})
	case n < 1 || n > MaxBatchOperations:
		problems = append(problems, examreg.FieldError{Field: "operations", Message: "must hold 1 to " + strconv.Itoa(MaxBatchOperations) + " operations"})
	}
	if problems != nil {
		return nil, examreg.Invalid("a batch is {\"operations\": [1 to 100 operations]}", problems...)
	}
	return operations.Items(), nil
}

// parseBatchOperation reads one operation, noting what is wrong with it; an
// operation that is wrong fails alone.
func parseBatchOperation(raw jsondoc.Value) batchOperation {
	var op batchOperation
	if raw.Kind() != jsondoc.KindObject {
		op.problems = append(op.problems, examreg.FieldError{Field: "", Message: "must be an object"})
		return op
	}
	for _, m := range raw.Members() {
		switch m.Name {
		case "operation", "id":
			if m.Value.Kind() != jsondoc.KindString {
				op.problems = append(op.problems, examreg.FieldError{Field: m.Name, Message: "must be a string"})
			} else if m.Name == "operation" {
				op.operation = m.Value.Text()
			} else {
				op.id = m.Value.Text()
			}
		case "patch_directives":
			op.patchDirectives = &m.Value
		case "version":
			op.version = &m.Value
		default:
			op.problems = append(op.problems, examreg.FieldError{Field: m.Name, Message: "is not a field of a batch operation"})
		}
	}
	return op
}

// operation is the call as the batch's operation i makes it: a write of its
// own (two deletes of one id in one batch are two deletes, not one and its
// retry).
func (c *call) operation(i int) *call {
	op := *c
	op.actor.WriteID = c.requestID + "#" + strconv.Itoa(i)
	return &op
}

// runBatchOperation runs one operation through the single-record code path.
// A panic fails the operation alone, as an internal error.
func (s *Server) runBatchOperation(ctx context.Context, c *call, op batchOperation, read *examreg.Process) (obj *examreg.Process, err error) {
	defer func() {
		if p := recover(); p != nil {
			obj, err = nil, &examreg.Error{Code: examreg.EINTERNAL, Message: "internal error", Cause: fmt.Errorf("panic: %v", p)}
		}
	}()
	problems := op.problems
	if !examreg.ValidID(op.id) {
		problems = append(problems, examreg.FieldError{Field: "id", Message: `is required and must match ^[\w|-]+$`})
	}
	if op.operation != "patch" && op.operation != "delete" && op.operation != "restore" {
		problems = append(problems, examreg.FieldError{Field: "operation", Message: `must be "patch", "delete" or "restore"`})
	}
	if op.operation != "patch" && op.patchDirectives != nil {
		problems = append(problems, examreg.FieldError{Field: "patch_directives", Message: "is sent with a patch only"})
	}
	if op.operation == "patch" && op.patchDirectives == nil {
		problems = append(problems, examreg.FieldError{Field: "patch_directives", Message: "is required"})
	}
	var version int64
	switch {
	case op.operation != "restore" && op.version != nil:
		problems = append(problems, examreg.FieldError{Field: "version", Message: "is sent with a restore only"})
	case op.operation == "restore" && op.version == nil:
		problems = append(problems, examreg.FieldError{Field: "version", Message: "is required"})
	case op.operation == "restore":
		if op.version.Kind() == jsondoc.KindNumber {
			version, _ = strconv.ParseInt(op.version.Text(), 10, 64)
		}
		if version < 1 {
			problems = append(problems, examreg.FieldError{Field: "version", Message: "must be a positive integer"})
		}
	}
	if problems != nil {
		return nil, examreg.Invalid("invalid batch operation", problems...)
	}
	switch op.operation {
	case "patch":
		patch, err := examreg.ParsePatchValue(*op.patchDirectives, "patch_directives")
		if err != nil {
			return nil, err
		}
		return s.patchRecord(ctx, c, op.id, patch, ifMatch{}, read)
	case "restore":
		saved, _, err := s.restoreRecord(ctx, c, op.id, version, ifMatch{}, "")
		return saved, err
	}
	return nil, s.deleteRecord(ctx, c, op.id, ifMatch{})
}

func resultOf(op batchOperation, obj *examreg.Process, err error) batchResult {
	r := batchResult{ID: op.id, Operation: op.operation, Status: 200, Object: obj}
	if err != nil {
		e := errorOf(err, "")
		r.Status, r.Message, r.Errors = statusOf(err), e.Message, e.Errors
	}
	return r
}
