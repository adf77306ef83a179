package api

import (
	"slices"
	"testing"
)

func TestTenantsOfEveryClaimShape(t *testing.T) {
	for _, tc := range []struct {
		name  string
		claim any
		want  []string
	}{
		{"a string", "t1", []string{"t1"}},
		{"an array", []any{"t1", "t2", 3}, []string{"t1", "t2"}},
		{"a JSON array in a string", `["t1","t2"]`, []string{"t1", "t2"}},
		{"API Gateway's array", "[t1 t2]", []string{"t1", "t2"}}, // API Gateway's rendering of an array claim
		{"API Gateway's array of one", "[t1]", []string{"t1"}},
		{"an empty array in a string", "[]", nil},
		{"absent", nil, nil},
		{"a number", 42.0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tenantsOf(tc.claim); !slices.Equal(got, tc.want) {
				t.Errorf("tenantsOf(%#v) = %q, want %q", tc.claim, got, tc.want)
			}
		})
	}
	if grants("t1", "") || grants("", "") {
		t.Error("an empty tenant is granted")
	}
}
