package examreg

import (
	"cmp"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/certhub/examreg/pkg/jsondoc"
)

// ParseJSON parses a request body, which must hold exactly one JSON value
// and nothing after it (see jsondoc.Parse). Every problem is an EINVALID
// *Error; a member name given twice in one object is reported with the
// member's path.
func ParseJSON(data []byte) (jsondoc.Value, error) {
	v, err := jsondoc.Parse(data)
	var syntax *jsondoc.SyntaxError
	switch {
	case err == nil:
		return v, nil
	case !errors.As(err, &syntax):
		return jsondoc.Value{}, Invalid("invalid JSON")
	case errors.Is(err, jsondoc.ErrEmpty):
		return jsondoc.Value{}, Invalid("no JSON value: the body is empty")
	case errors.Is(err, jsondoc.ErrDuplicateName):
		return jsondoc.Value{}, Invalid("invalid JSON: "+syntax.Err.Error(),
			FieldError{Field: formatPath(syntax.Path), Message: "is given more than once"})
	case errors.Is(err, jsondoc.ErrTrailingData), errors.Is(err, jsondoc.ErrTruncated), errors.Is(err, jsondoc.ErrUnpairedSurrogate):
		return jsondoc.Value{}, Invalid("invalid JSON: " + syntax.Err.Error())
	}
	// The tokenizer's own words.
	return jsondoc.Value{}, Invalid("invalid JSON: " + syntax.Err.Error() + " at byte " + strconv.FormatInt(syntax.Offset, 10))
}

// formatPath writes a path the way FieldError.Field does:
// custom_field_values[2].list_value.
func formatPath(path jsondoc.Path) string {
	var b strings.Builder
	for _, s := range path {
		if s.Index >= 0 {
			b.WriteString("[" + strconv.Itoa(s.Index) + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.Name)
	}
	return b.String()
}

// byName orders an object's members by name: the order in which the
// service writes objects whose member order a client does not fix, so that
// an answer reads the same whether it was built from a request or from
// DynamoDB, which keeps no order. It returns a sorted copy.
func byName(members []jsondoc.Member) []jsondoc.Member {
	return slices.SortedFunc(slices.Values(members), func(a, b jsondoc.Member) int { return cmp.Compare(a.Name, b.Name) })
}

// DynamoDB's number type: at most 38 significant digits, and a magnitude of
// zero or from 1E-130 to 9.9999999999999999999999999999999999999E+125.
// Every number of a record must fit, or DynamoDB refuses the whole item.
const (
	maxNumberDigits   = 38
	maxNumberExponent = 125
	minNumberExponent = -130
)

// numberProblem says why a JSON number cannot be stored as a DynamoDB
// number, or returns "".
func numberProblem(literal string) string {
	d := jsondoc.ParseDecimal(literal)
	switch {
	case d.Digits == "":
		return ""
	case len(d.Digits) > maxNumberDigits:
		return "must have at most 38 significant digits"
	case d.Exponent > maxNumberExponent || d.Exponent < minNumberExponent:
		return "must be 0 or have a magnitude from 1E-130 to 9.9999999999999999999999999999999999999E+125"
	}
	return ""
}
