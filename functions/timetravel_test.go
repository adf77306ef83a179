//go:build unix

package functions_test

import (
	"fmt"
	"net/http"
	"reflect"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/certhub/examreg/pkg/api"
)

// The checks and scenarios of the functions that compare and restore
// versions of a record, beside those of the other functions.
func init() {
	successChecks[api.OpCompare] = func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
		// The demo record has one version: compared with its newest, itself.
		var body struct {
			From, To int
			Patch    []any
		}
		decode(t, resp.Body, &body)
		if body.From != 1 || body.To != 1 || body.Patch == nil || len(body.Patch) != 0 {
			t.Errorf("compare answered %s, want version 1 to 1 and an empty patch", resp.Body)
		}
	}
	successChecks[api.OpRestore] = func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
		// The demo record is at the version the event restores: the restore
		// changes nothing and answers the record as it is.
		var p process
		decode(t, resp.Body, &p)
		checkETag(t, resp, p)
		status, current := f.get(t, ev.PathParameters["id"])
		if status != http.StatusOK || !reflect.DeepEqual(p, current) || fmt.Sprint(p["sys_version"]) != "1" {
			t.Errorf("restore answered\n%v\nwant the record unchanged at version 1\n%v", p, current)
		}
		if got, want := header(resp, "Location"), "/examRegProcesses/"+ev.PathParameters["tenantId"]+"/"+ev.PathParameters["id"]; got != want {
			t.Errorf("Location %q, want %q", got, want)
		}
	}
	scenarios[api.OpGet] = append(scenarios[api.OpGet],
		scenario{name: "404 as of an instant before the record existed", status: http.StatusNotFound, change: withQuery("asOf=2020-01-01T00:00:00Z")},
		scenario{name: "400 for asOf that is not RFC 3339", status: http.StatusBadRequest, change: withQuery("asOf=yesterday"), check: errorFields("asOf")},
		scenario{name: "400 for asOf with consistentRead", status: http.StatusBadRequest, change: withQuery("asOf=2020-01-01T00:00:00Z&consistentRead=true"), check: errorFields("consistentRead")},
	)
	scenarios[api.OpCompare] = []scenario{
		{name: "400 without from", status: http.StatusBadRequest, change: withQuery(""), check: errorFields("from")},
		{name: "400 for to=0", status: http.StatusBadRequest, change: withQuery("from=1&to=0"), check: errorFields("to")},
		{name: "404 for a version not written", status: http.StatusNotFound, change: withQuery("from=1&to=2")},
		{name: "404 for an id that never existed", status: http.StatusNotFound, change: withPath(api.OpCompare, "id", "no-such-process")},
		theEvent(api.OpCompare),
	}
	scenarios[api.OpRestore] = []scenario{
		{name: "400 for version 0", status: http.StatusBadRequest, change: withPath(api.OpRestore, "version", "0"), check: errorFields("version")},
		{name: "404 for a version not written", status: http.StatusNotFound, change: withPath(api.OpRestore, "version", "2")},
		{name: "412 for an If-Match of another version", status: http.StatusPreconditionFailed,
			change: func(_ *testing.T, ev *events.APIGatewayV2HTTPRequest) { ev.Headers["if-match"] = `"7"` }},
		theEvent(api.OpRestore),
		{name: "restores a version a batch changed, and undeletes what it deleted", run: func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, invoke invoker) {
			retest, archived := changeDemoRecords(t, f)
			for _, tc := range []struct {
				id       string
				version  int64
				want     process
				restored float64
			}{{"retest", 1, retest[1], 5}, {"archived-registration", 1, archived, 3}} {
				ev := ev
				setPath(t, &ev, api.OpRestore, map[string]string{"id": tc.id, "version": fmt.Sprint(tc.version)})
				resp := invoke(t, ev)
				checkAnswer(t, ev, resp, http.StatusOK, f.store.Table())
				var p process
				decode(t, resp.Body, &p)
				checkETag(t, resp, p)
				if p["sys_version"] != tc.restored || !reflect.DeepEqual(clientMembers(p), clientMembers(tc.want)) {
					t.Errorf("%s: restored\n%v\nwant version %v with the members of\n%v", tc.id, p, tc.restored, tc.want)
				}
				if status, current := f.get(t, tc.id); status != http.StatusOK || !reflect.DeepEqual(current, p) {
					t.Errorf("%s: a get after the restore: %d %v", tc.id, status, current)
				}
			}
		}},
	}
}

// clientMembers are the members of a record a restore puts back.
func clientMembers(p process) process {
	out := process{}
	for name, v := range p {
		switch name {
		case "sys_version", "sys_last_modified_at", "sys_last_modified_by_id", "sys_last_security_context":
		default:
			out[name] = v
		}
	}
	return out
}
