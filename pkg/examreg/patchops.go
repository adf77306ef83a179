package examreg

import (
	"strconv"
	"strings"

	jsonpatch "github.com/evanphx/json-patch/v5"
)

// maxPatchingBytes bounds the document between the runs of operations that
// applyOps hands the patch library: each run may copy up to
// AccumulatedCopySizeLimit bytes, so without a bound, copies alternating
// with test operations could grow the document without end.
const maxPatchingBytes = 2 * MaxRecordBytes

// opError is an operation of a patch that cannot apply, by its index.
type opError struct {
	FieldError
	summary string
}

func (e *opError) Error() string { return e.summary }

// applyOps applies an RFC 6902 patch to a JSON document. The patch library
// (evanphx/json-patch) applies the runs of operations between test
// operations; test operations are evaluated here, on the parsed document,
// because the library compares numbers by their text (RFC 6902 4.6: 2.50
// equals 2.5). When an operation cannot apply, the error is an *opError
// that names it and says why, in the terms of the document, not the
// library's.
func applyOps(ops jsonpatch.Patch, doc []byte) ([]byte, error) {
	opts := jsonpatch.NewApplyOptions()
	opts.SupportNegativeIndices = false // not RFC 6902
	opts.AccumulatedCopySizeLimit = MaxRecordBytes
	run := 0 // the first operation not applied yet
	applyRun := func(end int) error {
		if run == end {
			return nil
		}
		out, err := ops[run:end].ApplyWithOptions(doc, opts)
		if err != nil {
			return explainFailure(ops, run, end, doc, opts)
		}
		if len(out) > maxPatchingBytes {
			return &opError{FieldError{Field: "", Message: "makes the record larger than " + strconv.Itoa(maxPatchingBytes) + " bytes"},
				"the patch makes the record larger than " + strconv.Itoa(maxPatchingBytes) + " bytes"}
		}
		doc, run = out, end
		return nil
	}
	for i, op := range ops {
		test, odd := op.Kind() == "test", hasNonCanonicalIndex(op)
		if !test && !odd {
			continue
		}
		if err := applyRun(i); err != nil {
			return nil, err
		}
		root, err := ParseJSON(doc)
		if err != nil {
			return nil, err
		}
		if odd {
			if err := checkIndexes(root, op, i); err != nil {
				return nil, err
			}
		}
		if test {
			if err := testOp(root, op, i); err != nil {
				return nil, err
			}
			run = i + 1
		}
	}
	if err := applyRun(len(ops)); err != nil {
		return nil, err
	}
	return doc, nil
}

// testOp evaluates the test operation at index i on the document root: the
// value at its path must equal its value as JSON values (numbers by value,
// objects regardless of member order). The value must be there: a test of
// a path that does not exist fails, whatever its value.
func testOp(root Value, op jsonpatch.Operation, i int) error {
	path, _ := op.Path()
	var want Value
	if raw := op["value"]; raw != nil {
		var err error
		if want, err = ParseJSON(*raw); err != nil {
			return err
		}
	}
	tokens, _ := pointerTokens(path)
	if got, ok := resolve(root, tokens); !ok || !got.Equal(want) {
		return &opError{FieldError{Field: "[" + strconv.Itoa(i) + "]", Message: "failed: the value at " + path + " is not the value given"},
			"a test operation of the patch failed"}
	}
	return nil
}

// hasNonCanonicalIndex reports whether a pointer of op has a token that the
// patch library would read as an array index although RFC 6901 does not: a
// number with a sign or a leading zero ("01", "+1", "-0"). Such a token is a
// fine member name, so it is refused only where it meets an array.
func hasNonCanonicalIndex(op jsonpatch.Operation) bool {
	for _, ptr := range pointersOf(op) {
		tokens, _ := pointerTokens(ptr)
		for _, t := range tokens {
			if nonCanonicalIndex(t) {
				return true
			}
		}
	}
	return false
}

func nonCanonicalIndex(token string) bool {
	digits := strings.TrimLeft(token, "+-")
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return false
	}
	return digits != token || len(digits) > 1 && digits[0] == '0'
}

// pointersOf are op's path and, for move and copy, from.
func pointersOf(op jsonpatch.Operation) map[string]string {
	pointers := map[string]string{}
	if path, err := op.Path(); err == nil {
		pointers[".path"] = path
	}
	if from, err := op.From(); err == nil && (op.Kind() == "move" || op.Kind() == "copy") {
		pointers[".from"] = from
	}
	return pointers
}

// checkIndexes refuses op when a non-canonical index of its pointers meets
// an array of root, the document before op.
func checkIndexes(root Value, op jsonpatch.Operation, i int) error {
	for member, ptr := range pointersOf(op) {
		tokens, _ := pointerTokens(ptr)
		at := root
		for k, t := range tokens {
			if at.kind == KindArray && nonCanonicalIndex(t) {
				field := "[" + strconv.Itoa(i) + "]" + member
				message := "does not end in an array index (0, 1, … or - to append)"
				if k < len(tokens)-1 {
					message = "has " + strconv.Quote(t) + " where an array index (0, 1, …) belongs"
				}
				return &opError{FieldError{Field: field, Message: message}, "the patch cannot be applied: operation " + field + " " + message}
			}
			next, ok := resolve(at, []string{t})
			if !ok {
				break
			}
			at = next
		}
	}
	return nil
}

// explainFailure finds the first operation of ops[start:end] that cannot
// apply to doc (ops[start:end] as a whole failed), by halving, and says why.
func explainFailure(ops jsonpatch.Patch, start, end int, doc []byte, opts *jsonpatch.ApplyOptions) error {
	lo, hi := start, end-1 // the first failing operation is in [lo, hi]
	for lo < hi {
		mid := (lo + hi) / 2
		if _, err := ops[start:mid+1].ApplyWithOptions(doc, opts); err != nil {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	before, err := ops[start:lo].ApplyWithOptions(doc, opts)
	if err != nil || start == lo {
		before = doc
	}
	root, _ := ParseJSON(before)
	field, message := whyNot(root, ops[lo])
	at := "[" + strconv.Itoa(lo) + "]"
	return &opError{FieldError{Field: at + field, Message: message}, "the patch cannot be applied: operation " + at + field + " " + message}
}

// whyNot says why op cannot apply to doc: the member of the operation at
// fault (".path", ".from" or "") and what is wrong with it.
func whyNot(doc Value, op jsonpatch.Operation) (field, message string) {
	path, _ := op.Path()
	target, _ := pointerTokens(path)
	switch op.Kind() {
	case "remove", "replace":
		if _, ok := resolve(doc, target); !ok {
			return ".path", "does not exist in the record"
		}
	case "move", "copy":
		from, _ := op.From()
		source, _ := pointerTokens(from)
		if _, ok := resolve(doc, source); !ok {
			return ".from", "does not exist in the record"
		}
		if op.Kind() == "move" && len(target) > len(source) && strings.HasPrefix(path, from+"/") {
			return ".path", "is inside the value being moved"
		}
		fallthrough
	case "add":
		if len(target) == 0 {
			break
		}
		parent, ok := resolve(doc, target[:len(target)-1])
		last := target[len(target)-1]
		switch {
		case !ok:
			return ".path", "has no parent in the record"
		case parent.kind == KindArray && last != "-":
			n, ok := arrayIndex(last)
			switch {
			case !ok:
				return ".path", "does not end in an array index (0, 1, … or - to append)"
			case n > len(parent.items):
				return ".path", "is past the end of its array, which has " + strconv.Itoa(len(parent.items)) + " items"
			}
		case parent.kind != KindArray && parent.kind != KindObject:
			return ".path", "has a parent that is neither an object nor an array"
		}
	}
	return "", "cannot be applied to the record"
}

// pointerTokens splits a JSON Pointer (RFC 6901) into its unescaped reference
// tokens; "" is the whole document. ok is false when ptr is not a pointer.
func pointerTokens(ptr string) (tokens []string, ok bool) {
	if ptr == "" {
		return nil, true
	}
	if ptr[0] != '/' {
		return nil, false
	}
	tokens = strings.Split(ptr[1:], "/")
	for i, t := range tokens {
		tokens[i] = unescapePointer.Replace(t)
	}
	return tokens, true
}

// unescapePointer decodes a JSON Pointer reference token (RFC 6901 section 4).
var unescapePointer = strings.NewReplacer("~1", "/", "~0", "~")

// resolve returns the value the tokens of a JSON Pointer designate in doc,
// and whether it is there.
func resolve(doc Value, tokens []string) (Value, bool) {
	for _, token := range tokens {
		switch doc.kind {
		case KindObject:
			v, ok := doc.Member(token)
			if !ok {
				return Value{}, false
			}
			doc = v
		case KindArray:
			i, ok := arrayIndex(token)
			if !ok || i >= len(doc.items) {
				return Value{}, false
			}
			doc = doc.items[i]
		default:
			return Value{}, false
		}
	}
	return doc, true
}

// arrayIndex reads an RFC 6901 array index: digits, no sign, no leading zero.
func arrayIndex(token string) (int, bool) {
	if token == "" || len(token) > 9 || token[0] == '0' && token != "0" {
		return 0, false
	}
	for _, c := range token {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, _ := strconv.Atoi(token)
	return n, true
}
