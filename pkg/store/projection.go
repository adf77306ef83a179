package store

import (
	"strconv"
	"strings"
)

// projection maps field paths to a ProjectionExpression. Every segment goes
// through an expression attribute name, so no field name can collide with a
// DynamoDB reserved word. No paths means the whole item.
func projection(paths [][]string) (*string, map[string]string) {
	if len(paths) == 0 {
		return nil, nil
	}
	names := map[string]string{}
	placeholder := map[string]string{}
	exprs := make([]string, 0, len(paths))
	for _, path := range paths {
		parts := make([]string, len(path))
		for i, segment := range path {
			ph, ok := placeholder[segment]
			if !ok {
				ph = "#f" + strconv.Itoa(len(placeholder))
				placeholder[segment] = ph
				names[ph] = segment
			}
			parts[i] = ph
		}
		exprs = append(exprs, strings.Join(parts, "."))
	}
	expr := strings.Join(exprs, ", ")
	return &expr, names
}
