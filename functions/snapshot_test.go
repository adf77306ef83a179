//go:build unix

package functions_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/google/uuid"

	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/dev/bulkload"
	"github.com/certhub/examreg/pkg/dev/faultproxy"
)

// demoSnapshotID is the snapshot of the demo tenant that events/snapshotget,
// snapshotdelete and snapshotapply name; the fixture of those functions
// holds it (see newFixtureFor).
const demoSnapshotID = "019ec577-723b-7c41-9b5e-2f6c8d1a4e90"

// demoProcessIDs are the demo tenant's processes, ordered by id.
var demoProcessIDs = []string{"archived-registration", "board-approved", "cpp-fast-track", "retest", "retest-proctored", "standard-registration"}

// snapshotOps are the operations of configuration snapshots.
var snapshotOps = []api.Op{api.OpSnapshotTake, api.OpSnapshotList, api.OpSnapshotApply, api.OpSnapshotGet, api.OpSnapshotDelete}

// snapshotHeader is a snapshot as take and list answer it.
type snapshotHeader struct {
	ID          string `json:"id"`
	TenantID    string `json:"tenant_id"`
	Description string `json:"description"`
	CreatedAt   string `json:"created_at"`
	CreatedBy   string `json:"created_by"`
	RecordCount int    `json:"record_count"`
}

// snapshot is a whole snapshot, as get answers it.
type snapshot struct {
	snapshotHeader
	Records []snapshotRecord `json:"records"`
}

// snapshotRecord is one record a snapshot captured.
type snapshotRecord struct {
	ID            string          `json:"id"`
	Version       int64           `json:"version"`
	BaseVersion   int64           `json:"base_version"`
	BaseMissing   bool            `json:"base_missing"`
	Record        process         `json:"record"`
	PatchFromBase json.RawMessage `json:"patch_from_base"`
}

// applyAnswer is what an apply answers: a plan, written or not.
type applyAnswer struct {
	SnapshotID     string         `json:"snapshot_id"`
	Mode           string         `json:"mode"`
	DryRun         bool           `json:"dry_run"`
	UndoSnapshotID string         `json:"undo_snapshot_id"`
	Summary        map[string]int `json:"summary"`
	Plan           []planEntry    `json:"plan"`
}

// planEntry is what an apply does, or would do, to one record.
type planEntry struct {
	ID       string          `json:"id"`
	Action   string          `json:"action"`
	Patch    json.RawMessage `json:"patch"`
	Conflict *struct {
		Message string `json:"message"`
		Errors  []struct {
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"errors"`
	} `json:"conflict"`
}

// actions are the plan's actions by record id.
func (a applyAnswer) actions() map[string]string {
	m := map[string]string{}
	for _, e := range a.Plan {
		m[e.ID] = e.Action
	}
	return m
}

// checkSummary checks that the summary counts each action the plan holds,
// and that the plan is ordered by id.
func checkSummary(t *testing.T, a applyAnswer, want map[string]int) {
	t.Helper()
	counts := map[string]int{"create": 0, "update": 0, "delete": 0, "unchanged": 0, "conflict": 0}
	for _, e := range a.Plan {
		counts[e.Action]++
	}
	if !reflect.DeepEqual(a.Summary, counts) {
		t.Errorf("summary %v, but the plan holds %v", a.Summary, counts)
	}
	wantCounts := map[string]int{"create": 0, "update": 0, "delete": 0, "unchanged": 0, "conflict": 0}
	maps.Copy(wantCounts, want)
	if !reflect.DeepEqual(counts, wantCounts) {
		t.Errorf("the plan holds %v, want %v", counts, wantCounts)
	}
	if !slices.IsSortedFunc(a.Plan, func(x, y planEntry) int { return strings.Compare(x.ID, y.ID) }) {
		t.Errorf("the plan is not ordered by id: %v", a.actions())
	}
}

// checkHeader checks a snapshot header taken of the demo tenant by ev's
// caller.
func checkHeader(t *testing.T, h snapshotHeader, ev events.APIGatewayV2HTTPRequest, description string, records int) {
	t.Helper()
	if u, err := uuid.Parse(h.ID); err != nil || u.Version() != 7 {
		t.Errorf("id %q is not a UUIDv7 (%v)", h.ID, err)
	}
	if _, err := time.Parse("2006-01-02T15:04:05.000Z", h.CreatedAt); err != nil {
		t.Errorf("created_at %q is not a UTC time in milliseconds: %v", h.CreatedAt, err)
	}
	sub := ev.RequestContext.Authorizer.JWT.Claims["sub"]
	if h.TenantID != ev.PathParameters["tenantId"] || h.Description != description || h.CreatedBy != sub || h.RecordCount != records {
		t.Errorf("header %+v, want tenant %s, description %q, created by %s, %d records", h, ev.PathParameters["tenantId"], description, sub, records)
	}
}

// checkSnapshotOf checks a whole snapshot against the processes it
// captured, as a consistent GET answers them: every one, ordered by id, at
// its version, from base version 1 (the demo records set no
// sys_snapshot_base_version), with its patch from that base.
func checkSnapshotOf(t *testing.T, f *fixture, s snapshot, ids []string) {
	t.Helper()
	var got []string
	for _, r := range s.Records {
		got = append(got, r.ID)
	}
	if !slices.Equal(got, ids) || s.RecordCount != len(ids) {
		t.Fatalf("records %v (record_count %d), want %v, ordered by id", got, s.RecordCount, ids)
	}
	for _, r := range s.Records {
		_, current := f.get(t, r.ID)
		if !reflect.DeepEqual(r.Record, current) || r.Version != entryOf(current).Version {
			t.Errorf("%s: captured version %d\n %v\nwant the record as GET answers it\n %v", r.ID, r.Version, r.Record, current)
		}
		if r.BaseVersion != 1 || r.BaseMissing {
			t.Errorf("%s: base version %d (missing %v), want 1, which the history holds", r.ID, r.BaseVersion, r.BaseMissing)
		}
		checkPatchFromBase(t, f, r)
	}
}

// checkPatchFromBase checks a captured record's patch from its base: test
// operations guard every replace and remove, and applied to the base
// version it makes what the record holds at each path it writes.
func checkPatchFromBase(t *testing.T, f *fixture, r snapshotRecord) {
	t.Helper()
	var ops []struct {
		Op   string `json:"op"`
		Path string `json:"path"`
	}
	if r.PatchFromBase == nil || json.Unmarshal(r.PatchFromBase, &ops) != nil {
		t.Fatalf("%s: patch_from_base %s is not a JSON Patch", r.ID, r.PatchFromBase)
	}
	if r.Version == r.BaseVersion && len(ops) != 0 {
		t.Errorf("%s: at its base version, with the patch %s", r.ID, r.PatchFromBase)
	}
	for i, op := range ops {
		if (op.Op == "replace" || op.Op == "remove") && (i == 0 || ops[i-1].Op != "test" || ops[i-1].Path != op.Path) {
			t.Errorf("%s: %s %s without a test of the value before it: %s", r.ID, op.Op, op.Path, r.PatchFromBase)
		}
	}
	base := readVersion(t, f, r.ID, r.BaseVersion)
	patch, err := jsonpatch.DecodePatch(r.PatchFromBase)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := patch.Apply(base)
	if err != nil {
		t.Fatalf("%s: patch_from_base %s does not apply to version %d: %v", r.ID, r.PatchFromBase, r.BaseVersion, err)
	}
	var result process
	decode(t, string(doc), &result)
	for _, op := range ops {
		if name := strings.Split(op.Path, "/")[1]; op.Op != "test" && !reflect.DeepEqual(result[name], r.Record[name]) {
			t.Errorf("%s: the patch from the base makes %s %v, the record holds %v", r.ID, name, result[name], r.Record[name])
		}
	}
}

// readVersion reads a version of a record from its history, as the
// historyversion function answers it.
func readVersion(t *testing.T, f *fixture, id string, version int64) []byte {
	t.Helper()
	ev := loadEvent(t, api.OpHistoryVersion)
	setPath(t, &ev, api.OpHistoryVersion, map[string]string{"id": id, "version": fmt.Sprint(version)})
	resp := f.invoke(t, api.OpHistoryVersion, ev)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("version %d of %s: %d %s", version, id, resp.StatusCode, resp.Body)
	}
	return []byte(resp.Body)
}

func init() {
	successChecks[api.OpSnapshotTake] = func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
		var h snapshotHeader
		decode(t, resp.Body, &h)
		checkHeader(t, h, ev, requestBody(t, ev)["description"].(string), len(demoProcessIDs))
		if got, want := header(resp, "Location"), "/configurationSnapshots/"+ev.PathParameters["tenantId"]+"/"+h.ID; got != want {
			t.Errorf("Location %q, want %q", got, want)
		}
		checkSnapshotOf(t, f, f.getSnapshot(t, h.ID), demoProcessIDs)
	}
	successChecks[api.OpSnapshotList] = func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
		var headers []snapshotHeader
		decode(t, resp.Body, &headers)
		if len(headers) != 1 || headers[0].ID != demoSnapshotID || headers[0].RecordCount != len(demoProcessIDs) || headers[0].TenantID != bulkload.DemoTenant {
			t.Errorf("listed %+v, want the demo snapshot %s of %d records", headers, demoSnapshotID, len(demoProcessIDs))
		}
		if key, link := header(resp, "X-Exclusive-Start-Key"), header(resp, "Link"); key != "" || link != "" {
			t.Errorf("X-Exclusive-Start-Key %q, Link %q: one snapshot fits the page (limit=10)", key, link)
		}
	}
	successChecks[api.OpSnapshotGet] = func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
		var s snapshot
		decode(t, resp.Body, &s)
		if s.ID != demoSnapshotID || s.TenantID != bulkload.DemoTenant {
			t.Errorf("snapshot %s of %s, want %s of the demo tenant", s.ID, s.TenantID, demoSnapshotID)
		}
		checkSnapshotOf(t, f, s, demoProcessIDs)
	}
	successChecks[api.OpSnapshotDelete] = func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
		var id string
		decode(t, resp.Body, &id)
		if id != demoSnapshotID {
			t.Errorf("answered %q, want the deleted id %s", id, demoSnapshotID)
		}
		if resp := f.invoke(t, api.OpSnapshotGet, snapshotEvent(t, api.OpSnapshotGet, bulkload.DemoTenant, demoSnapshotID, "")); resp.StatusCode != http.StatusNotFound {
			t.Errorf("a get after the delete: %d, want 404", resp.StatusCode)
		}
	}
	successChecks[api.OpSnapshotApply] = func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
		// A dry-run restore of the snapshot the demo data was just
		// taken in: every record unchanged, nothing written.
		var a applyAnswer
		decode(t, resp.Body, &a)
		if a.SnapshotID != demoSnapshotID || a.Mode != "restore" || !a.DryRun || a.UndoSnapshotID != "" {
			t.Errorf("answered snapshot %s, mode %s, dry run %v, undo snapshot %q; want %s, restore, a dry run, no undo snapshot",
				a.SnapshotID, a.Mode, a.DryRun, a.UndoSnapshotID, demoSnapshotID)
		}
		checkSummary(t, a, map[string]int{"unchanged": len(demoProcessIDs)})
		if ids := slices.Sorted(maps.Keys(a.actions())); !slices.Equal(ids, demoProcessIDs) {
			t.Errorf("planned %v, want every demo process", ids)
		}
		if headers := f.listSnapshots(t); len(headers) != 1 {
			t.Errorf("the dry run left %d snapshots, want the demo snapshot alone: %+v", len(headers), headers)
		}
	}

	scenarios[api.OpSnapshotTake] = []scenario{
		{name: "400 for a member other than description", status: http.StatusBadRequest, change: withBody(`{"name":"x"}`)},
		{name: "400 for a description over 1,000 characters", status: http.StatusBadRequest, check: errorFields("description"),
			change: withBody(`{"description":"` + strings.Repeat("x", 1001) + `"}`)},
		theEvent(api.OpSnapshotTake),
		{name: "200 without a body", status: http.StatusOK,
			change: func(_ *testing.T, ev *events.APIGatewayV2HTTPRequest) {
				setBody(ev, "")
				delete(ev.Headers, "content-length")
				delete(ev.Headers, "content-type")
			},
			check: func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
				var h snapshotHeader
				decode(t, resp.Body, &h)
				checkHeader(t, h, ev, "", len(demoProcessIDs))
			}},
	}
	scenarios[api.OpSnapshotList] = []scenario{
		{name: "400 for limit=0", status: http.StatusBadRequest, change: withQuery("limit=0"), check: errorFields("limit")},
		{name: "400 for a key this API did not return", status: http.StatusBadRequest, change: withQuery("limit=2&exclusiveStartKey=%25%25"), check: errorFields("exclusiveStartKey")},
		theEvent(api.OpSnapshotList),
		{name: "pages through snapshots newest first", run: func(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest, invoke invoker) {
			first, second := f.takeSnapshot(t, "first"), f.takeSnapshot(t, "second")
			var got []string
			for _, h := range pageAll[snapshotHeader](t, f, ev, invoke) {
				got = append(got, h.ID)
			}
			want := []string{second.ID, first.ID, demoSnapshotID}
			if !slices.Equal(got, want) {
				t.Errorf("the pages held %v, want %v (newest first)", got, want)
			}
		}},
	}
	scenarios[api.OpSnapshotGet] = []scenario{
		{name: "404 for an id never taken", status: http.StatusNotFound, change: withPath(api.OpSnapshotGet, "snapshotId", uuid.Must(uuid.NewV7()).String())},
		{name: "404 for the id apply", status: http.StatusNotFound, change: withPath(api.OpSnapshotGet, "snapshotId", "apply")},
		theEvent(api.OpSnapshotGet),
	}
	scenarios[api.OpSnapshotDelete] = []scenario{
		{name: "404 for an id never taken", status: http.StatusNotFound, change: withPath(api.OpSnapshotDelete, "snapshotId", uuid.Must(uuid.NewV7()).String())},
		theEvent(api.OpSnapshotDelete),
		{name: "404 for another request after the delete", status: http.StatusNotFound,
			change: func(t *testing.T, ev *events.APIGatewayV2HTTPRequest) {
				ev.RequestContext.RequestID = "Yd1n5cQaIAMEVgA="
			}},
	}
	scenarios[api.OpSnapshotApply] = []scenario{
		{name: "400 without mode", status: http.StatusBadRequest, check: errorFields("mode"),
			change: editBody(func(b map[string]any) { delete(b, "mode") })},
		{name: "400 for a mode that is not restore or promote", status: http.StatusBadRequest, check: errorFields("mode"),
			change: editBody(func(b map[string]any) { b["mode"] = "merge" })},
		{name: "400 for both snapshot_id and snapshot", status: http.StatusBadRequest,
			change: editBody(func(b map[string]any) { b["snapshot"] = map[string]any{} })},
		{name: "404 for a snapshot_id never taken", status: http.StatusNotFound,
			change: editBody(func(b map[string]any) { b["snapshot_id"] = uuid.Must(uuid.NewV7()).String() })},
		theEvent(api.OpSnapshotApply),
	}
}

// snapshotEvent is events/<op>.json for tenant's snapshot id (for the
// routes that name one) with body (for the routes that take one), sent by
// the event's caller, a user of the demo tenant, as a request of its own.
func snapshotEvent(t *testing.T, op api.Op, tenant, id, body string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	ev := loadEvent(t, op)
	params := map[string]string{"tenantId": tenant}
	if _, ok := ev.PathParameters["snapshotId"]; ok {
		params["snapshotId"] = id
	}
	setPath(t, &ev, op, params)
	if ev.Body != "" {
		setBody(&ev, body)
	}
	ev.RequestContext.RequestID = uuid.NewString()
	return ev
}

// asTenant gives the event's caller a token for tenant alone.
func asTenant(ev *events.APIGatewayV2HTTPRequest, tenant string) {
	setClaims(ev, claimsWith(*ev, map[string]string{api.DefaultTenantClaim: tenant}))
}

// snapshotCall runs op's handler in process on one of the demo tenant's
// snapshots and requires a 200.
func (f *fixture) snapshotCall(t *testing.T, op api.Op, id, body string) string {
	t.Helper()
	resp := f.invoke(t, op, snapshotEvent(t, op, bulkload.DemoTenant, id, body))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %d %s", op, id, resp.StatusCode, resp.Body)
	}
	return resp.Body
}

// takeSnapshot takes a snapshot of the demo tenant through the take
// handler, in process.
func (f *fixture) takeSnapshot(t *testing.T, description string) snapshotHeader {
	t.Helper()
	b, err := json.Marshal(map[string]string{"description": description})
	if err != nil {
		t.Fatal(err)
	}
	var h snapshotHeader
	decode(t, f.snapshotCall(t, api.OpSnapshotTake, "", string(b)), &h)
	return h
}

// getSnapshot reads one of the demo tenant's snapshots through the get
// handler, in process.
func (f *fixture) getSnapshot(t *testing.T, id string) snapshot {
	t.Helper()
	var s snapshot
	decode(t, f.snapshotCall(t, api.OpSnapshotGet, id, ""), &s)
	return s
}

// listSnapshots lists the newest of the demo tenant's snapshots through the
// list handler, in process.
func (f *fixture) listSnapshots(t *testing.T) []snapshotHeader {
	t.Helper()
	var headers []snapshotHeader
	decode(t, f.snapshotCall(t, api.OpSnapshotList, "", ""), &headers)
	return headers
}

// withoutStamps is a record's client members less the two an apply stamps
// on every record it writes.
func withoutStamps(p process) process {
	m := clientMembers(p)
	delete(m, "sys_configuration_snapshot_id")
	delete(m, "sys_snapshot_base_version")
	return m
}

// checkSnapshotStory runs the five snapshot functions together under the
// emulator, on one table with the demo data and its history, as a client
// uses them: take a snapshot, list and read it, change a record (a snapshot
// taken then holds the change), preview a restore and apply it, undo it
// with the undo snapshot, and delete the snapshot; a token for another tenant is refused on every route, and that
// tenant cannot reach the demo tenant's snapshot by its id.
func checkSnapshotStory(t *testing.T, rie string, bootstraps map[string]string) {
	f := newFixture(t)
	f.writeHistory(t)
	invokers := map[api.Op]invoker{}
	for _, op := range snapshotOps {
		invokers[op] = invokeVia(startEmulator(t, rie, bootstraps[string(op)], lambdaEnv(t, op, f.store.Table(), nil)))
	}
	call := func(t *testing.T, op api.Op, ev events.APIGatewayV2HTTPRequest, status int) events.APIGatewayV2HTTPResponse {
		t.Helper()
		resp := invokers[op](t, ev)
		checkAnswer(t, ev, resp, status, f.store.Table())
		return resp
	}
	demo := bulkload.DemoTenant
	apply := func(t *testing.T, body string, headers map[string]string) (applyAnswer, events.APIGatewayV2HTTPResponse) {
		t.Helper()
		ev := snapshotEvent(t, api.OpSnapshotApply, demo, "", body)
		for k, v := range headers {
			ev.Headers[k] = v
		}
		resp := call(t, api.OpSnapshotApply, ev, http.StatusOK)
		var a applyAnswer
		decode(t, resp.Body, &a)
		return a, resp
	}

	// take takes a snapshot of the demo tenant and reads it whole.
	take := func(t *testing.T, description string) snapshot {
		t.Helper()
		ev := snapshotEvent(t, api.OpSnapshotTake, demo, "", fmt.Sprintf(`{"description":%q}`, description))
		var h snapshotHeader
		decode(t, call(t, api.OpSnapshotTake, ev, http.StatusOK).Body, &h)
		checkHeader(t, h, ev, description, len(demoProcessIDs))
		var s snapshot
		decode(t, call(t, api.OpSnapshotGet, snapshotEvent(t, api.OpSnapshotGet, demo, h.ID, ""), http.StatusOK).Body, &s)
		if s.snapshotHeader != h {
			t.Errorf("read the header %+v, want the one taken %+v", s.snapshotHeader, h)
		}
		checkSnapshotOf(t, f, s, demoProcessIDs)
		return s
	}
	list := func(t *testing.T) []snapshotHeader {
		t.Helper()
		var listed []snapshotHeader
		decode(t, call(t, api.OpSnapshotList, snapshotEvent(t, api.OpSnapshotList, demo, "", ""), http.StatusOK).Body, &listed)
		return listed
	}

	first := take(t, "Before the retest changes")
	taken := first.snapshotHeader
	if listed := list(t); len(listed) != 1 || listed[0] != taken {
		t.Errorf("listed %+v, want the snapshot taken %+v", listed, taken)
	}

	// retest changes after the snapshot (events/patch.json): a snapshot
	// taken now holds its changes since version 1.
	_, before := f.get(t, "retest")
	if resp := f.invoke(t, api.OpPatch, loadEvent(t, api.OpPatch)); resp.StatusCode != http.StatusOK {
		t.Fatalf("events/patch.json: %d %s", resp.StatusCode, resp.Body)
	}
	_, changed := f.get(t, "retest")
	after := take(t, "After the retest changes")
	if i := slices.IndexFunc(after.Records, func(r snapshotRecord) bool { return r.ID == "retest" }); i < 0 || string(after.Records[i].PatchFromBase) == "[]" {
		t.Errorf("the snapshot after the change holds no changes of retest: %+v", after.Records)
	}
	if listed := list(t); len(listed) != 2 || listed[0] != after.snapshotHeader || listed[1] != taken {
		t.Errorf("listed %+v, want the two snapshots newest first: %+v, %+v", listed, after.snapshotHeader, taken)
	}

	restore := fmt.Sprintf(`{"snapshot_id":%q,"mode":"restore"}`, taken.ID)
	preview, _ := apply(t, fmt.Sprintf(`{"snapshot_id":%q,"mode":"restore","dry_run":true}`, taken.ID), nil)
	checkSummary(t, preview, map[string]int{"update": 1, "unchanged": len(demoProcessIDs) - 1})
	if preview.SnapshotID != taken.ID || preview.Mode != "restore" || !preview.DryRun || preview.UndoSnapshotID != "" || preview.actions()["retest"] != "update" {
		t.Errorf("the preview answered %+v, want a dry-run restore of %s updating retest, with no undo snapshot", preview, taken.ID)
	}
	for _, e := range preview.Plan {
		if e.ID != "retest" {
			continue
		}
		patch, err := jsonpatch.DecodePatch(e.Patch)
		if err != nil {
			t.Fatalf("retest's patch %s: %v", e.Patch, err)
		}
		current, _ := json.Marshal(changed)
		result, err := patch.Apply(current)
		if err != nil {
			t.Fatalf("retest's patch %s does not apply to the record: %v", e.Patch, err)
		}
		var p process
		decode(t, string(result), &p)
		if !reflect.DeepEqual(withoutStamps(p), withoutStamps(before)) {
			t.Errorf("retest's patch %s makes\n %v\nwant the record as the snapshot holds it\n %v", e.Patch, withoutStamps(p), withoutStamps(before))
		}
	}
	if _, now := f.get(t, "retest"); !reflect.DeepEqual(now, changed) {
		t.Errorf("the dry run wrote retest:\n %v\nwas\n %v", now, changed)
	}

	key := map[string]string{"idempotency-key": uuid.NewString()}
	applied, answered := apply(t, restore, key)
	checkSummary(t, applied, map[string]int{"update": 1, "unchanged": len(demoProcessIDs) - 1})
	if applied.DryRun || applied.UndoSnapshotID == "" {
		t.Fatalf("the restore answered dry run %v, undo snapshot %q; want it written, with an undo snapshot", applied.DryRun, applied.UndoSnapshotID)
	}
	_, restored := f.get(t, "retest")
	if !reflect.DeepEqual(withoutStamps(restored), withoutStamps(before)) {
		t.Errorf("restored retest\n %v\nwant it as the snapshot holds it\n %v", withoutStamps(restored), withoutStamps(before))
	}
	if restored["sys_configuration_snapshot_id"] != taken.ID || restored["sys_snapshot_base_version"] != restored["sys_version"] {
		t.Errorf("restored retest is stamped snapshot %v, base version %v; want %s and its version %v",
			restored["sys_configuration_snapshot_id"], restored["sys_snapshot_base_version"], taken.ID, restored["sys_version"])
	}
	for _, r := range first.Records {
		if _, now := f.get(t, r.ID); r.ID != "retest" && !reflect.DeepEqual(now, r.Record) {
			t.Errorf("the restore wrote %s, which was unchanged:\n %v\nwas\n %v", r.ID, now, r.Record)
		}
	}
	if newest := f.awaitVersion(t, "retest", entryOf(restored).Version)[0]; newest.Operation != "snapshot_apply" || newest.SnapshotID != taken.ID {
		t.Errorf("the history entry of the restore: operation %q, snapshot %q; want snapshot_apply, %s", newest.Operation, newest.SnapshotID, taken.ID)
	}
	_, second := apply(t, restore, key)
	if header(second, "Idempotent-Replayed") != "true" || second.Body != answered.Body {
		t.Errorf("the restore sent again with its Idempotency-Key answered Idempotent-Replayed %q and\n %s\nwant true and the first answer\n %s",
			header(second, "Idempotent-Replayed"), second.Body, answered.Body)
	}
	if again, _ := apply(t, restore, nil); again.UndoSnapshotID != "" || again.Summary["unchanged"] != len(demoProcessIDs) {
		t.Errorf("the restore applied once more answered %+v, want every record unchanged and nothing written", again)
	}

	undone, _ := apply(t, fmt.Sprintf(`{"snapshot_id":%q,"mode":"restore"}`, applied.UndoSnapshotID), nil)
	checkSummary(t, undone, map[string]int{"update": 1, "unchanged": len(demoProcessIDs) - 1})
	if _, back := f.get(t, "retest"); !reflect.DeepEqual(withoutStamps(back), withoutStamps(changed)) {
		t.Errorf("after the undo retest is\n %v\nwant it as it was before the restore\n %v", withoutStamps(back), withoutStamps(changed))
	}

	const other = "other-tenant"
	bodies := map[api.Op]string{api.OpSnapshotTake: `{}`, api.OpSnapshotApply: restore}
	for _, op := range snapshotOps {
		ev := snapshotEvent(t, op, demo, taken.ID, bodies[op])
		asTenant(&ev, other)
		call(t, op, ev, http.StatusForbidden)
	}
	for _, op := range []api.Op{api.OpSnapshotGet, api.OpSnapshotDelete, api.OpSnapshotApply} {
		ev := snapshotEvent(t, op, other, taken.ID, fmt.Sprintf(`{"snapshot_id":%q,"mode":"restore","dry_run":true}`, taken.ID))
		asTenant(&ev, other)
		call(t, op, ev, http.StatusNotFound)
	}

	var deleted string
	decode(t, call(t, api.OpSnapshotDelete, snapshotEvent(t, api.OpSnapshotDelete, demo, taken.ID, ""), http.StatusOK).Body, &deleted)
	if deleted != taken.ID {
		t.Errorf("the delete answered %q, want %s", deleted, taken.ID)
	}
	call(t, api.OpSnapshotGet, snapshotEvent(t, api.OpSnapshotGet, demo, taken.ID, ""), http.StatusNotFound)
	for _, h := range list(t) {
		if h.ID == taken.ID {
			t.Errorf("the deleted snapshot is still listed: %+v", h)
		}
	}
}

// holdDemoSnapshot puts the demo snapshot the events name in the
// fixture's table: a snapshot of the demo tenant taken through the take
// handler, stored again under demoSnapshotID and the time that id holds.
func (f *fixture) holdDemoSnapshot(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	taken := f.takeSnapshot(t, "The demo data as loaded")
	snap, err := f.store.ReadSnapshot(ctx, bulkload.DemoTenant, taken.ID)
	if err != nil {
		t.Fatal(err)
	}
	snap.ID, snap.CreatedAt = demoSnapshotID, "2026-06-14T09:30:00.123Z"
	if err := f.store.PutSnapshot(ctx, bulkload.DemoTenant, snap); err != nil {
		t.Fatal(err)
	}
	if err := f.store.DeleteSnapshot(ctx, bulkload.DemoTenant, taken.ID); err != nil {
		t.Fatal(err)
	}
}

// checkApplyCutShort runs an apply under the emulator that its function's
// timeout cuts short: the engine holds the transaction that recreates two
// deleted records until the function gives up on it, applyReserve before
// Lambda would end the invocation. The apply answers 503, having written
// no record; sent again with its Idempotency-Key once the engine answers,
// it writes each record once, after the undo snapshot the first request
// took, and answers the plan.
func checkApplyCutShort(t *testing.T, rie string, bootstraps map[string]string) {
	f := newFixture(t)
	f.writeHistory(t)
	proxy, err := faultproxy.Start(os.Getenv("AWS_ENDPOINT_URL_DYNAMODB"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	invoke := invokeVia(startEmulator(t, rie, bootstraps[string(api.OpSnapshotApply)], lambdaEnv(t, api.OpSnapshotApply, f.store.Table(),
		map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": proxy.URL, "AWS_LAMBDA_FUNCTION_TIMEOUT": "5"})))

	taken := f.takeSnapshot(t, "Before two deletes")
	deleted := []string{"archived-registration", "retest-proctored"}
	for _, id := range deleted {
		ev := loadEvent(t, api.OpDelete)
		setPath(t, &ev, api.OpDelete, map[string]string{"id": id})
		ev.RequestContext.RequestID = uuid.NewString()
		if resp := f.invoke(t, api.OpDelete, ev); resp.StatusCode != http.StatusOK {
			t.Fatalf("delete %s: %d %s", id, resp.StatusCode, resp.Body)
		}
	}

	ev := snapshotEvent(t, api.OpSnapshotApply, bulkload.DemoTenant, "", fmt.Sprintf(`{"snapshot_id":%q,"mode":"restore"}`, taken.ID))
	ev.Headers["idempotency-key"] = uuid.NewString()
	hang := &faultproxy.Fault{Operation: "TransactWriteItems", Hang: true}
	proxy.Inject(hang)
	checkAnswer(t, ev, invoke(t, ev), http.StatusServiceUnavailable, f.store.Table())
	if hang.Hits() == 0 {
		t.Fatal("the apply answered 503 before it tried to recreate the deleted records")
	}
	for _, id := range deleted {
		if status, _ := f.get(t, id); status != http.StatusNotFound {
			t.Errorf("the apply cut short wrote %s: a get answers %d", id, status)
		}
	}

	proxy.Clear()
	ev.RequestContext.RequestID = uuid.NewString() // the client's second request
	resp := invoke(t, ev)
	checkAnswer(t, ev, resp, http.StatusOK, f.store.Table())
	var a applyAnswer
	decode(t, resp.Body, &a)
	checkSummary(t, a, map[string]int{"create": len(deleted), "unchanged": len(demoProcessIDs) - len(deleted)})
	if a.UndoSnapshotID == "" {
		t.Error("the apply answered no undo snapshot")
	}
	if headers := f.listSnapshots(t); len(headers) != 2 || headers[0].ID != a.UndoSnapshotID {
		t.Errorf("the snapshots are %+v, want the undo snapshot %s and the one applied: one undo snapshot for both requests", headers, a.UndoSnapshotID)
	}
	snap := f.getSnapshot(t, taken.ID)
	for _, id := range deleted {
		_, p := f.get(t, id)
		i := slices.IndexFunc(snap.Records, func(r snapshotRecord) bool { return r.ID == id })
		if p == nil || !reflect.DeepEqual(withoutStamps(p), withoutStamps(snap.Records[i].Record)) {
			t.Errorf("%s is\n %v\nwant it as the snapshot holds it\n %v", id, p, snap.Records[i].Record)
			continue
		}
		// Loaded (1), deleted (2), recreated once (3).
		if e := f.awaitVersion(t, id, 3)[0]; e.Operation != "snapshot_apply" || e.SnapshotID != taken.ID {
			t.Errorf("%s: the history entry of its recreation is %v of snapshot %q, want snapshot_apply of %s", id, e, e.SnapshotID, taken.ID)
		}
	}
}
