package api

import (
	"encoding/json"
	"slices"
	"strings"
)

// grants reports whether a tenant claim lists tenant. The claim may be a
// string, an array of strings, or an array as API Gateway's JWT authorizer
// hands it to a function: flattened to a string, "[t1 t2]".
func grants(claim any, tenant string) bool {
	return tenant != "" && slices.Contains(tenantsOf(claim), tenant)
}

func tenantsOf(claim any) []string {
	switch v := claim.(type) {
	case []any:
		var tenants []string
		for _, t := range v {
			if s, ok := t.(string); ok {
				tenants = append(tenants, s)
			}
		}
		return tenants
	case []string:
		return v
	case string:
		s := strings.TrimSpace(v)
		if !strings.HasPrefix(s, "[") || !strings.HasSuffix(s, "]") {
			return []string{s}
		}
		var tenants []string
		if json.Unmarshal([]byte(s), &tenants) == nil {
			return tenants
		}
		return strings.FieldsFunc(s[1:len(s)-1], func(r rune) bool { return r == ' ' || r == ',' })
	}
	return nil
}
