package api

import (
	"slices"
	"testing"
)

func TestTenantsOfEveryClaimShape(t *testing.T) {
	for _, tc := range []struct {
		claim any
		want  []string
	}{
		{"t1", []string{"t1"}},
		{[]any{"t1", "t2", 3}, []string{"t1", "t2"}},
		{`["t1","t2"]`, []string{"t1", "t2"}},
		{"[t1 t2]", []string{"t1", "t2"}}, // API Gateway's rendering of an array claim
		{"[t1]", []string{"t1"}},
		{"[]", nil},
		{nil, nil},
		{42.0, nil},
	} {
		if got := tenantsOf(tc.claim); !slices.Equal(got, tc.want) {
			t.Errorf("tenantsOf(%#v) = %q, want %q", tc.claim, got, tc.want)
		}
	}
	if grants("t1", "") || grants("", "") {
		t.Error("an empty tenant is granted")
	}
}
