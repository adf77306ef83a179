package examreg

import (
	"github.com/certhub/examreg/pkg/jsondoc"
	"slices"
	"strconv"
	"strings"
)

// MaxFieldPaths bounds how many paths one `fields` parameter may name.
const MaxFieldPaths = 64

// ParseFields parses the `fields` query parameter: a comma-separated list of
// top-level field names or dotted paths into object fields
// ("name,checkout_settings.bank_account_id"). Every name is checked against
// the schema; arrays cannot be entered. The result always includes "id",
// has no duplicates nor any path inside another one of its paths, and each
// path is split into its segments.
func ParseFields(s string) ([][]string, error) {
	var v validation
	paths := [][]string{{"id"}}
	for _, item := range strings.Split(s, ",") {
		segments := strings.Split(strings.TrimSpace(item), ".")
		if problem := checkFieldPath(segments); problem != "" {
			v.add("fields", strings.TrimSpace(item)+": "+problem)
			continue
		}
		if !slices.ContainsFunc(paths, func(p []string) bool { return slices.Equal(p, segments) }) {
			paths = append(paths, segments)
		}
	}
	if len(paths)-1 > MaxFieldPaths { // id comes with every projection
		v.add("fields", "must name at most "+strconv.Itoa(MaxFieldPaths)+" fields")
	}
	if err := v.errOf("invalid fields parameter"); err != nil {
		return nil, err
	}
	// DynamoDB refuses a ProjectionExpression whose paths overlap ("Two
	// document paths overlap"); a path inside another requested one is
	// returned with it anyway, so it is dropped.
	kept := make([][]string, 0, len(paths))
	for _, p := range paths {
		if !slices.ContainsFunc(paths, func(q []string) bool { return len(q) < len(p) && slices.Equal(q, p[:len(q)]) }) {
			kept = append(kept, p)
		}
	}
	return kept, nil
}

// checkFieldPath returns what is wrong with a path, or "".
func checkFieldPath(segments []string) string {
	s := processShape
	for i, seg := range segments {
		if seg == "" {
			return "is empty"
		}
		switch {
		case s.kind == jsondoc.KindObject && s.object != nil:
			next, ok := s.object.shapes[seg]
			if !ok {
				return "is not a field of an exam reg process"
			}
			s = next
		case s.free || s.kind == jsondoc.KindObject: // free-form objects
			if !validMemberName(seg) {
				return "has an invalid member name"
			}
			s = anyValue
		default:
			return strings.Join(segments[:i], ".") + " has no members to select"
		}
	}
	return ""
}

// validMemberName matches ^[\w-]{1,255}$: the member names a projection can
// select inside a free-form object.
func validMemberName(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isWordByte(s[i]) && s[i] != '-' {
			return false
		}
	}
	return true
}

// Projected is the members of members that paths (from ParseFields) select,
// as a DynamoDB ProjectionExpression selects them: a path selects a member
// whole, or members of it in turn, and an object of which nothing is
// selected is left out.
func Projected(members []jsondoc.Member, paths [][]string) []jsondoc.Member {
	var kept []jsondoc.Member
	for _, m := range members {
		var whole bool
		var inner [][]string
		for _, path := range paths {
			switch {
			case path[0] != m.Name:
			case len(path) == 1:
				whole = true
			default:
				inner = append(inner, path[1:])
			}
		}
		switch {
		case whole:
			kept = append(kept, m)
		case inner != nil && m.Value.Kind() == jsondoc.KindObject:
			if members := Projected(m.Value.Members(), inner); members != nil {
				kept = append(kept, jsondoc.Member{Name: m.Name, Value: jsondoc.ObjectValue(members)})
			}
		}
	}
	return kept
}
