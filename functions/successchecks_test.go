package functions_test

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"

	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/examreg"
)

// successChecks holds, per operation, what its event must achieve on the
// demo data beyond checkAnswer: the specific facts of that operation.
var successChecks = map[api.Op]func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse){
	api.OpCreate: func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
		var p process
		decode(t, resp.Body, &p)
		checkETag(t, resp, p)
		checkHolds(t, p, requestBody(t, ev))
		if !slices.Equal(stringsOf(p["exam_ids"]), []string{"exam-cpa"}) {
			t.Errorf("exam_ids %v, want [exam-cpa]", p["exam_ids"])
		}
		id, _ := p["id"].(string)
		if u, err := uuid.Parse(id); err != nil || u.Version() != 7 {
			t.Errorf("id %q is not a UUIDv7 (%v)", id, err)
		}
		if loc := header(resp, "Location"); loc != "/examRegProcesses/demo/"+id {
			t.Errorf("Location %q, want /examRegProcesses/demo/%s", loc, id)
		}
		sub := ev.RequestContext.Authorizer.JWT.Claims["sub"]
		if p["sys_version"] != 1.0 || p["sys_created_by_id"] != sub || p["sys_last_modified_by_id"] != sub {
			t.Errorf("sys_version %v, created by %v, modified by %v; want 1, %s, %s", p["sys_version"], p["sys_created_by_id"], p["sys_last_modified_by_id"], sub, sub)
		}
		sc, _ := p["sys_last_security_context"].(map[string]any)
		for k, want := range map[string]string{
			"user_id": sub, "tenant_id": "demo", "request_id": ev.RequestContext.RequestID,
			"source_ip": ev.RequestContext.HTTP.SourceIP, "user_agent": ev.RequestContext.HTTP.UserAgent, "operation": "create",
		} {
			if sc[k] != want {
				t.Errorf("sys_last_security_context.%s = %v, want %q", k, sc[k], want)
			}
		}
		if status, stored := f.get(t, id); status != http.StatusOK || stored["name"] != p["name"] {
			t.Errorf("a get of the created process: %d %v", status, stored)
		}
	},
	api.OpList: func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
		var items []process
		decode(t, resp.Body, &items)
		if len(items) != 2 {
			t.Fatalf("%d processes, want 2 (limit=2)", len(items))
		}
		for _, p := range items {
			if p["id"] == nil || p["sys_version"] == nil || p["name"] == nil {
				t.Errorf("listed process lacks id, sys_version or name: %v", p)
			}
		}
		key := header(resp, "X-Exclusive-Start-Key")
		if key == "" {
			t.Fatalf("no X-Exclusive-Start-Key, though the demo tenant has 6 processes; headers %v", resp.Headers)
		}
		link := header(resp, "Link")
		if !strings.HasPrefix(link, "<"+ev.RawPath+"?") || !strings.HasSuffix(link, `>; rel="next"`) ||
			!strings.Contains(link, "exclusiveStartKey="+url.QueryEscape(key)) || !strings.Contains(link, "limit=2") {
			t.Errorf("Link %q, want <%s?...exclusiveStartKey=%s&limit=2>; rel=\"next\"", link, ev.RawPath, key)
		}
	},
	api.OpGet: func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
		var p process
		decode(t, resp.Body, &p)
		checkETag(t, resp, p)
		want := process{
			"id": "standard-registration", "name": "Standard registration", "type": "register",
			"exam_ids": []any{"exam-cpa", "exam-cpp"}, "checkout_settings": map[string]any{"bank_account_id": "bank-operating"},
			"sys_version": 1.0,
		}
		if !reflect.DeepEqual(p, want) {
			t.Errorf("get with fields=%s:\n got %v\nwant %v (the requested fields and id only)", ev.QueryStringParameters["fields"], p, want)
		}
	},
	api.OpUpdate: func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
		var p process
		decode(t, resp.Body, &p)
		checkETag(t, resp, p)
		checkHolds(t, p, requestBody(t, ev))
		if p["id"] != "retest" || p["sys_version"] != 2.0 {
			t.Errorf("id %v, sys_version %v; want retest, 2", p["id"], p["sys_version"])
		}
		if p["sys_created_by_id"] != "bulk-loader" || p["sys_last_modified_by_id"] != ev.RequestContext.Authorizer.JWT.Claims["sub"] {
			t.Errorf("created by %v, modified by %v; want the loader's creation kept and the caller's modification", p["sys_created_by_id"], p["sys_last_modified_by_id"])
		}
		if status, stored := f.get(t, "retest"); status != http.StatusOK || !reflect.DeepEqual(stored, p) {
			t.Errorf("a get after the update: %d\n got %v\nwant %v", status, stored, p)
		}
	},
	api.OpPatch: func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
		var p process
		decode(t, resp.Body, &p)
		checkETag(t, resp, p)
		email, _ := p["confirmation_email"].(map[string]any)
		if p["id"] != "retest" || p["sys_version"] != 2.0 || p["name"] != "Retest (one free attempt)" ||
			p["description"] == nil || email["subject"] != "Your retest is booked" || email["body"] != "Your retest is booked." {
			t.Errorf("patched retest: %v", p)
		}
		if !slices.Equal(stringsOf(p["exam_ids"]), []string{"exam-cpa", "exam-cpp"}) || p["type"] != "retest" {
			t.Errorf("fields the patch does not touch changed: exam_ids %v, type %v", p["exam_ids"], p["type"])
		}
	},
	api.OpDelete: func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
		var id string
		decode(t, resp.Body, &id)
		if id != "archived-registration" {
			t.Errorf("answered %q, want the deleted id archived-registration", id)
		}
		if status, _ := f.get(t, "archived-registration"); status != http.StatusNotFound {
			t.Errorf("a get after the delete: %d, want 404", status)
		}
	},
	api.OpEligible: func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
		var body struct {
			Processes        []process      `json:"processes"`
			LastRegistration map[string]any `json:"last_registration"`
		}
		decode(t, resp.Body, &body)
		var ids []string
		for _, p := range body.Processes {
			ids = append(ids, fmt.Sprint(p["id"]))
		}
		// contact-failed failed exam-cpa last: the active retest processes
		// serving exam-cpa (retest-proctored serves only exam-cpp).
		if !slices.Equal(ids, []string{"retest"}) {
			t.Errorf("eligible processes %v, want [retest]", ids)
		}
		if body.LastRegistration["id"] != "reg-1002" || body.LastRegistration["status"] != "failed" {
			t.Errorf("last_registration %v, want reg-1002, failed", body.LastRegistration)
		}
	},
	api.OpBatch: func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
		var body struct {
			SuccessCount int `json:"success_count"`
			ErrorCount   int `json:"error_count"`
			Results      []struct {
				ID        string  `json:"id"`
				Operation string  `json:"operation"`
				Status    int     `json:"status"`
				Object    process `json:"object"`
				Message   string  `json:"message"`
				Errors    []any   `json:"errors"`
			} `json:"results"`
		}
		decode(t, resp.Body, &body)
		if body.SuccessCount != 2 || body.ErrorCount != 0 || len(body.Results) != 2 {
			t.Fatalf("batch answer %s, want 2 successes", resp.Body)
		}
		r0, r1 := body.Results[0], body.Results[1]
		if r0.ID != "retest" || r0.Operation != "patch" || r0.Status != 200 || r0.Object["display_order"] != 5.0 ||
			r0.Object["display_in_portal_as"] != "Retake an exam" || r0.Object["sys_version"] != 2.0 {
			t.Errorf("results[0] = %+v, want the patched retest", r0)
		}
		if r1.ID != "archived-registration" || r1.Operation != "delete" || r1.Status != 200 || r1.Object != nil {
			t.Errorf("results[1] = %+v, want the delete of archived-registration", r1)
		}
		if status, _ := f.get(t, "archived-registration"); status != http.StatusNotFound {
			t.Errorf("a get after the batch delete: %d, want 404", status)
		}
		if status, p := f.get(t, "retest"); status != http.StatusOK || p["display_order"] != 5.0 {
			t.Errorf("a get after the batch patch: %d %v", status, p)
		}
	},
	api.OpHistory: func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
		var entries []entry
		decode(t, resp.Body, &entries)
		// The demo record was bulk-loaded and not written since: its history
		// is that load, whose patch makes the record.
		status, p := f.get(t, ev.PathParameters["id"])
		if status != http.StatusOK {
			t.Fatalf("a get of the record: %d", status)
		}
		checkHistory(t, entries, []entry{entryOf(p)}, map[int64]process{1: p})
		if e := entryOf(p); e.Version != 1 || e.Operation != examreg.OperationBulkLoad || e.By != "bulk-loader" {
			t.Errorf("the record's bookkeeping says %v, want version 1 by the bulk load", e)
		}
		if key, link := header(resp, "X-Exclusive-Start-Key"), header(resp, "Link"); key != "" || link != "" {
			t.Errorf("X-Exclusive-Start-Key %q, Link %q: a history of one entry fits the page (limit=10)", key, link)
		}
	},
	api.OpHistoryVersion: func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
		var p process
		decode(t, resp.Body, &p)
		checkETag(t, resp, p)
		// The demo record is still at the version the event reads: that
		// version is the record as a consistent GET answers it now.
		status, current := f.get(t, ev.PathParameters["id"])
		if status != http.StatusOK || fmt.Sprint(current["sys_version"]) != ev.PathParameters["version"] {
			t.Fatalf("a get of the record: %d, sys_version %v; want 200 at version %s", status, current["sys_version"], ev.PathParameters["version"])
		}
		if !reflect.DeepEqual(p, current) {
			t.Errorf("version %s:\n got %v\nwant %v (a consistent GET at that version)", ev.PathParameters["version"], p, current)
		}
	},
}

func stringsOf(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, e := range list {
		s, _ := e.(string)
		out = append(out, s)
	}
	return out
}
