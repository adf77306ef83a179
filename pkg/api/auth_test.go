package api_test

import (
	"testing"
	"time"

	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/dev/devauth"
)

// every operation, with a body it would accept, against an existing record.
func everyOperation(id string) []struct{ name, method, path, body string } {
	return []struct{ name, method, path, body string }{
		{"create", "POST", "/examRegProcesses/t1", processBody("X")},
		{"list", "GET", "/examRegProcesses/t1", ""},
		{"get", "GET", "/examRegProcesses/t1/" + id, ""},
		{"update", "PUT", "/examRegProcesses/t1/" + id, processBody("X")},
		{"patch", "PATCH", "/examRegProcesses/t1/" + id, `[{"op":"replace","path":"/name","value":"Q"}]`},
		{"delete", "DELETE", "/examRegProcesses/t1/" + id, ""},
		{"eligible", "GET", "/examRegProcesses/t1/eligible/c1/exam-a", ""},
		{"batch", "POST", "/examRegProcesses/t1/batch", `{"operations":[{"operation":"delete","id":"` + id + `"}]}`},
		{"history", "GET", "/examRegProcesses/t1/" + id + "/history", ""},
		{"historyversion", "GET", "/examRegProcesses/t1/" + id + "/history/1", ""},
	}
}

// TestCredentialsAreCheckedFirst: a caller without valid credentials for the
// path's tenant is refused before the request is read any further, and the
// store is never asked anything.
func TestCredentialsAreCheckedFirst(t *testing.T) {
	e := newFakeEnv(t)
	id := e.create("Guarded")["id"].(string)
	expired, _ := devauth.Mint(secret, "alice", api.DefaultTenantClaim, []string{"t1"}, -time.Minute)
	forged, _ := devauth.Mint([]byte("not-the-secret"), "alice", api.DefaultTenantClaim, []string{"t1"}, time.Hour)
	noSub, _ := devauth.Mint(secret, "", api.DefaultTenantClaim, []string{"t1"}, time.Hour)
	before := e.fake.callCount()
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
			t.Run(op.name+"/"+tc.name, func(t *testing.T) {
				r := e.doAs(tc.token, op.method, op.path, op.body)
				if r.status != tc.status {
					t.Errorf("%s %s: status %d, want %d (%s)", op.method, op.path, r.status, tc.status, r.body)
				}
				r.fields(t)
			})
		}
	}
	// Credentials come before the body: a refused caller learns nothing about it.
	if r := e.doAs("", "POST", "/examRegProcesses/t1", `{not json`); r.status != 401 {
		t.Errorf("bad body without a token: %d, want 401", r.status)
	}
	if calls := e.fake.callCount() - before; calls != 0 {
		t.Errorf("refused requests made %d calls to the store", calls)
	}
	// A token listing several tenants grants each of them.
	expect(t, e.doAs(mint(t, "alice", "t3", "t1"), "GET", "/examRegProcesses/t1/"+id, ""), 200)
}
