package examreg

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	jsonpatch "github.com/evanphx/json-patch/v5"
)

// maxPatchingBytes bounds the document between the runs of operations that
// applyOps hands the patch library: each run may copy up to
// AccumulatedCopySizeLimit bytes, so without a bound, copies alternating
// with test operations could grow the document without end.
const maxPatchingBytes = 2 * MaxRecordBytes

// applyOps applies an RFC 6902 patch to a JSON document. The patch library
// (evanphx/json-patch v5.9.11) gets two things wrong in test operations: it
// compares numbers by their text (RFC 6902 4.6: 2.50 equals 2.5), and it
// dereferences nil, a panic, when arrays it compares hold null. So test
// operations are evaluated here, on the decoded document, and the library
// applies the runs of other operations between them.
func applyOps(ops jsonpatch.Patch, doc []byte) ([]byte, error) {
	opts := jsonpatch.NewApplyOptions()
	opts.SupportNegativeIndices = false // not RFC 6902
	opts.AccumulatedCopySizeLimit = MaxRecordBytes
	run := 0 // the first operation not applied yet
	for i, op := range ops {
		if op.Kind() != "test" {
			continue
		}
		if run < i {
			var err error
			if doc, err = ops[run:i].ApplyWithOptions(doc, opts); err != nil {
				return nil, err
			}
			if len(doc) > maxPatchingBytes {
				return nil, fmt.Errorf("the document grew past %d bytes", maxPatchingBytes)
			}
		}
		if err := testOp(doc, op); err != nil {
			return nil, err
		}
		run = i + 1
	}
	if run == len(ops) {
		return doc, nil
	}
	return ops[run:].ApplyWithOptions(doc, opts)
}

// testOp evaluates a test operation: the value at its path must equal its
// value as JSON values (numbers by value, objects regardless of member
// order). An absent value equals null, as everywhere in this resource.
func testOp(doc []byte, op jsonpatch.Operation) error {
	path, err := op.Path()
	if err != nil {
		return err
	}
	var root, want any
	if err := json.Unmarshal(doc, &root); err != nil {
		return err
	}
	if v := op["value"]; v != nil && json.Unmarshal(*v, &want) != nil {
		return fmt.Errorf("testing value %s failed: %w", path, jsonpatch.ErrTestFailed)
	}
	if got, _ := resolve(root, path); !reflect.DeepEqual(got, want) {
		return fmt.Errorf("testing value %s failed: %w", path, jsonpatch.ErrTestFailed)
	}
	return nil
}

// resolve returns the value a JSON Pointer (RFC 6901) designates in a
// decoded document, and whether it is there.
func resolve(doc any, pointer string) (any, bool) {
	if pointer == "" {
		return doc, true
	}
	if pointer[0] != '/' {
		return nil, false
	}
	for _, token := range strings.Split(pointer[1:], "/") {
		token = unescapePointer.Replace(token)
		switch c := doc.(type) {
		case map[string]any:
			v, ok := c[token]
			if !ok {
				return nil, false
			}
			doc = v
		case []any:
			i, err := strconv.Atoi(token)
			if err != nil || token != strconv.Itoa(i) || i < 0 || i >= len(c) { // no sign, no leading zero
				return nil, false
			}
			doc = c[i]
		default:
			return nil, false
		}
	}
	return doc, true
}
