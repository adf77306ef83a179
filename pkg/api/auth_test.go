package api_test

import (
	"testing"
	"time"

	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/dev/devauth"
)

// every operation, with a body it would accept, against an existing record.
func everyOperation(id string) []struct{ method, path, body string } {
	return []struct{ method, path, body string }{
		{"POST", "/examRegProcesses/t1", processBody("X")},
		{"GET", "/examRegProcesses/t1", ""},
		{"GET", "/examRegProcesses/t1/" + id, ""},
		{"PUT", "/examRegProcesses/t1/" + id, processBody("X")},
		{"PATCH", "/examRegProcesses/t1/" + id, `[{"op":"replace","path":"/name","value":"Q"}]`},
		{"DELETE", "/examRegProcesses/t1/" + id, ""},
		{"GET", "/examRegProcesses/t1/eligible/c1/exam-a", ""},
		{"POST", "/examRegProcesses/t1/batch", `{"operations":[{"operation":"delete","id":"` + id + `"}]}`},
	}
}

func TestCredentialsAreCheckedFirst(t *testing.T) {
	e := newEnv(t)
	id := e.create("Guarded")["id"].(string)
	expired, _ := devauth.Mint(secret, "alice", api.DefaultTenantClaim, []string{"t1"}, -time.Minute)
	forged, _ := devauth.Mint([]byte("not-the-secret"), "alice", api.DefaultTenantClaim, []string{"t1"}, time.Hour)
	noSub, _ := devauth.Mint(secret, "", api.DefaultTenantClaim, []string{"t1"}, time.Hour)
	for _, op := range everyOperation(id) {
		for _, tc := range []struct {
			name, token string
			status      int
		}{
			{"no token", "", 401},
			{"expired", expired, 401},
			{"forged", forged, 401},
			{"no subject", noSub, 401},
			{"other tenant", mint(t, "alice", "t2"), 403},
			{"tenant list without t1", mint(t, "alice", "t2", "t3"), 403},
		} {
			r := e.doAs(tc.token, op.method, op.path, op.body)
			if r.status != tc.status {
				t.Errorf("%s %s with %s: status %d, want %d (%s)", op.method, op.path, tc.name, r.status, tc.status, r.body)
			}
			r.fields(t)
		}
	}
	// Credentials come before the body: a refused caller learns nothing about it.
	if r := e.doAs("", "POST", "/examRegProcesses/t1", `{not json`); r.status != 401 {
		t.Errorf("bad body without a token: %d, want 401", r.status)
	}
	// Nothing was changed by any refused request.
	got := expect(t, e.do("GET", "/examRegProcesses/t1/"+id, ""), 200).object(t)
	if got["sys_version"] != 1.0 {
		t.Errorf("record changed by refused requests: %v", got)
	}
	// A token listing several tenants grants each of them.
	expect(t, e.doAs(mint(t, "alice", "t3", "t1"), "GET", "/examRegProcesses/t1/"+id, ""), 200)
}
