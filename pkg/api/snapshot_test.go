package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/certhub/examreg/pkg/dev/faultproxy"
)

// snapshotDoc is a snapshot as a GET answers it.
type snapshotDoc struct {
	ID          string `json:"id"`
	TenantID    string `json:"tenant_id"`
	Description string `json:"description"`
	CreatedAt   string `json:"created_at"`
	CreatedBy   string `json:"created_by"`
	RecordCount int    `json:"record_count"`
	Records     []struct {
		ID            string          `json:"id"`
		Version       int             `json:"version"`
		BaseVersion   int             `json:"base_version"`
		BaseMissing   bool            `json:"base_missing"`
		Record        json.RawMessage `json:"record"`
		PatchFromBase json.RawMessage `json:"patch_from_base"`
	} `json:"records"`
}

// applyDoc is an apply's answer.
type applyDoc struct {
	Message        string         `json:"message"`
	SnapshotID     string         `json:"snapshot_id"`
	Mode           string         `json:"mode"`
	DryRun         bool           `json:"dry_run"`
	UndoSnapshotID string         `json:"undo_snapshot_id"`
	Summary        map[string]int `json:"summary"`
	Plan           []struct {
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
	} `json:"plan"`
}

// actions lists a plan as "id action" lines, ids shortened by names.
func (a applyDoc) actions(names map[string]string) string {
	var s []string
	for _, e := range a.Plan {
		s = append(s, cmpOr(names[e.ID], e.ID)+" "+e.Action)
	}
	slices.Sort(s)
	return strings.Join(s, ", ")
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// twoTenants is a token for tenants t1 (production) and t2 (sandbox).
func (e *env) twoTenants(t *testing.T) string { return mint(t, "alice", "t1", "t2") }

// take takes a snapshot of tenant and returns its header.
func (e *env) take(t *testing.T, token, tenant, description string) snapshotDoc {
	t.Helper()
	body := ""
	if description != "" {
		body = fmt.Sprintf(`{"description":%q}`, description)
	}
	r := expect(t, e.doAs(token, "POST", "/configurationSnapshots/"+tenant, body), 200)
	var h snapshotDoc
	r.json(t, &h)
	if loc := r.header.Get("Location"); loc != "/configurationSnapshots/"+tenant+"/"+h.ID {
		t.Errorf("Location %q", loc)
	}
	return h
}

// snapshot reads a snapshot of tenant whole.
func (e *env) snapshot(t *testing.T, token, tenant, id string) (snapshotDoc, []byte) {
	t.Helper()
	r := expect(t, e.doAs(token, "GET", "/configurationSnapshots/"+tenant+"/"+id, ""), 200)
	var s snapshotDoc
	r.json(t, &s)
	return s, r.body
}

// apply posts an apply to tenant and reads its answer.
func (e *env) apply(t *testing.T, token, tenant, body string, status int, header ...string) applyDoc {
	t.Helper()
	r := expect(t, e.doAs(token, "POST", "/configurationSnapshots/"+tenant+"/apply", body, header...), status)
	var a applyDoc
	r.json(t, &a)
	return a
}

// configuration is a record's JSON without the members a snapshot's
// patches leave out.
func configuration(t *testing.T, record []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(record, &m); err != nil {
		t.Fatal(err)
	}
	maps.DeleteFunc(m, func(name string, _ any) bool {
		switch name {
		case "id", "sys_version", "sys_created_at", "sys_created_by_id", "sys_last_modified_at", "sys_last_modified_by_id",
			"sys_deleted_by_id", "sys_last_security_context", "sys_calculated_field_error", "sys_calculated_field_errors",
			"sys_configuration_snapshot_id", "sys_snapshot_base_version":
			return true
		}
		return false
	})
	return m
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestSnapshotTakeAndRead: a snapshot holds every record of the tenant,
// ordered by id, each with the patch from its base version to it, which an
// independent implementation applies to the base as the history holds it.
func TestSnapshotTakeAndRead(t *testing.T) {
	e := newEnv(t, withHistory())
	a := e.create("A")["id"].(string)
	b := e.create("B")["id"].(string)
	expect(t, e.do("PATCH", "/examRegProcesses/t1/"+a, `[{"op":"replace","path":"/name","value":"A2"},{"op":"add","path":"/exam_ids/-","value":"exam-b"}]`), 200)
	expect(t, e.do("PATCH", "/examRegProcesses/t1/"+a, `[{"op":"add","path":"/description","value":"new"}]`), 200)
	// b's base is a version its history does not hold.
	expect(t, e.do("PATCH", "/examRegProcesses/t1/"+b, `[{"op":"add","path":"/sys_snapshot_base_version","value":9}]`), 200)
	e.awaitHistory(t, a, 3)

	h := e.take(t, e.token, "t1", "before the season")
	if h.TenantID != "t1" || h.Description != "before the season" || h.CreatedBy != "alice" || h.RecordCount != 2 || h.CreatedAt == "" {
		t.Errorf("header %+v", h)
	}
	snap, _ := e.snapshot(t, e.token, "t1", h.ID)
	if snap.ID != h.ID || len(snap.Records) != 2 || snap.Records[0].ID > snap.Records[1].ID {
		t.Fatalf("snapshot %+v", snap)
	}
	for _, rec := range snap.Records {
		current := expect(t, e.do("GET", "/examRegProcesses/t1/"+rec.ID, ""), 200).body
		if string(rec.Record) != string(current) {
			t.Errorf("%s: record %s, GET answers %s", rec.ID, rec.Record, current)
		}
		switch rec.ID {
		case a:
			if rec.Version != 3 || rec.BaseVersion != 1 || rec.BaseMissing {
				t.Errorf("a: version %d base %d missing %v", rec.Version, rec.BaseVersion, rec.BaseMissing)
			}
			base := expect(t, e.do("GET", "/examRegProcesses/t1/"+a+"/history/1", ""), 200).body
			got := applyPatch(t, []byte(jsonText(configuration(t, base))), rec.PatchFromBase)
			if want := configuration(t, current); jsonText(got) != jsonText(want) {
				t.Errorf("a: the patch from base makes %v, want %v", got, want)
			}
			// Every value it replaces or removes is guarded by a test.
			var ops []map[string]any
			json.Unmarshal(rec.PatchFromBase, &ops)
			for i, op := range ops {
				if (op["op"] == "replace" || op["op"] == "remove") && (i == 0 || ops[i-1]["op"] != "test" || ops[i-1]["path"] != op["path"]) {
					t.Errorf("a: operation %d is not guarded: %s", i, rec.PatchFromBase)
				}
			}
		case b:
			if rec.Version != 2 || rec.BaseVersion != 9 || !rec.BaseMissing {
				t.Errorf("b: version %d base %d missing %v", rec.Version, rec.BaseVersion, rec.BaseMissing)
			}
			if got, want := applyPatch(t, []byte("{}"), rec.PatchFromBase), configuration(t, current); jsonText(got) != jsonText(want) {
				t.Errorf("b: the patch from {} makes %v, want %v", got, want)
			}
		}
	}

	// Newest first, paged like the process list.
	h2 := e.take(t, e.token, "t1", "")
	var first, second []snapshotDoc
	r := expect(t, e.do("GET", "/configurationSnapshots/t1?limit=1", ""), 200)
	r.json(t, &first)
	next := r.header.Get("X-Exclusive-Start-Key")
	if len(first) != 1 || first[0].ID != h2.ID || next == "" {
		t.Fatalf("first page %+v, next %q", first, next)
	}
	expect(t, e.do("GET", "/configurationSnapshots/t1?limit=1&exclusiveStartKey="+next, ""), 200).json(t, &second)
	if len(second) != 1 || second[0].ID != h.ID || second[0].RecordCount != 2 {
		t.Fatalf("second page %+v", second)
	}
	expect(t, e.do("GET", "/examRegProcesses/t1?exclusiveStartKey="+next, ""), 400)

	// Deleted, it is gone.
	var deleted string
	expect(t, e.do("DELETE", "/configurationSnapshots/t1/"+h.ID, ""), 200).json(t, &deleted)
	if deleted != h.ID {
		t.Errorf("delete answered %q", deleted)
	}
	expect(t, e.do("GET", "/configurationSnapshots/t1/"+h.ID, ""), 404)
	expect(t, e.do("DELETE", "/configurationSnapshots/t1/"+h.ID, ""), 404)
	var all []snapshotDoc
	expect(t, e.do("GET", "/configurationSnapshots/t1", ""), 200).json(t, &all)
	if len(all) != 1 || all[0].ID != h2.ID {
		t.Errorf("after the delete the list holds %+v", all)
	}
}

// TestSnapshotTenantIsolation: every route refuses a token without the
// tenant, and no route finds another tenant's snapshot.
func TestSnapshotTenantIsolation(t *testing.T) {
	e := newEnv(t)
	e.create("A")
	other := mint(t, "mallory", "t2")
	h := e.take(t, e.token, "t1", "")
	for _, r := range []struct{ method, path, body string }{
		{"POST", "/configurationSnapshots/t1", ""},
		{"GET", "/configurationSnapshots/t1", ""},
		{"GET", "/configurationSnapshots/t1/" + h.ID, ""},
		{"DELETE", "/configurationSnapshots/t1/" + h.ID, ""},
		{"POST", "/configurationSnapshots/t1/apply", `{"snapshot_id":"` + h.ID + `","mode":"restore"}`},
	} {
		expect(t, e.doAs(other, r.method, r.path, r.body), 403)
	}
	expect(t, e.doAs(other, "GET", "/configurationSnapshots/t2/"+h.ID, ""), 404)
	expect(t, e.doAs(other, "DELETE", "/configurationSnapshots/t2/"+h.ID, ""), 404)
	expect(t, e.doAs(other, "POST", "/configurationSnapshots/t2/apply", `{"snapshot_id":"`+h.ID+`","mode":"restore"}`), 404)
	var list []snapshotDoc
	expect(t, e.doAs(other, "GET", "/configurationSnapshots/t2", ""), 200).json(t, &list)
	if len(list) != 0 {
		t.Errorf("t2 lists %+v", list)
	}
	expect(t, e.do("GET", "/configurationSnapshots/t1/"+h.ID, ""), 200)
}

// get reads a record of tenant as a map.
func (e *env) get(t *testing.T, token, tenant, id string) map[string]any {
	t.Helper()
	return expect(t, e.doAs(token, "GET", "/examRegProcesses/"+tenant+"/"+id, ""), 200).object(t)
}

// lastEntry is the newest history entry of a record of t1, once the
// history holds n entries.
func (e *env) lastEntry(t *testing.T, id string, n int) map[string]any {
	t.Helper()
	e.awaitHistory(t, id, n)
	var entries []map[string]any
	expect(t, e.do("GET", "/examRegProcesses/t1/"+id+"/history?limit=1", ""), 200).json(t, &entries)
	return entries[0]
}

// checkPatches holds each write of a plan to an independent
// implementation: its patch, applied to the target's configuration as a
// GET read it before, gives the configuration the record has after.
func checkPatches(t *testing.T, plan applyDoc, before, after map[string]map[string]any) {
	t.Helper()
	for _, p := range plan.Plan {
		from, to := before[p.ID], after[p.ID]
		if from == nil {
			from = map[string]any{}
		}
		if to == nil {
			to = map[string]any{}
		}
		got := applyPatch(t, []byte(jsonText(from)), p.Patch)
		if jsonText(got) != jsonText(to) {
			t.Errorf("%s (%s): the patch %s makes %s, want %s", p.ID, p.Action, p.Patch, jsonText(got), jsonText(to))
		}
	}
}

// configurations reads the configuration of each of ids in tenant (nil for
// one it does not have).
func (e *env) configurations(t *testing.T, token, tenant string, ids ...string) map[string]map[string]any {
	t.Helper()
	m := map[string]map[string]any{}
	for _, id := range ids {
		if r := e.doAs(token, "GET", "/examRegProcesses/"+tenant+"/"+id, ""); r.status == 200 {
			m[id] = configuration(t, r.body)
		}
	}
	return m
}

// TestSnapshotRestore: a restore makes the tenant's records the
// snapshot's: a dry run plans it and writes nothing, the apply writes each
// record as its next version, stamped, and its undo snapshot puts the
// tenant back.
func TestSnapshotRestore(t *testing.T) {
	e := newEnv(t, withHistory())
	a := e.create("A")["id"].(string)
	b := e.create("B")["id"].(string)
	h := e.take(t, e.token, "t1", "")
	expect(t, e.do("PATCH", "/examRegProcesses/t1/"+a, `[{"op":"replace","path":"/name","value":"A changed"},{"op":"add","path":"/description","value":"d"}]`), 200)
	expect(t, e.do("DELETE", "/examRegProcesses/t1/"+b, ""), 200)
	c := e.create("C")["id"].(string)
	names := map[string]string{a: "a", b: "b", c: "c"}
	snap, _ := e.snapshot(t, e.token, "t1", h.ID)
	want := map[string]map[string]any{}
	for _, rec := range snap.Records {
		want[rec.ID] = configuration(t, rec.Record)
	}
	before := e.configurations(t, e.token, "t1", a, b, c)

	restore := `{"snapshot_id":"` + h.ID + `","mode":"restore"}`
	dry := e.apply(t, e.token, "t1", `{"snapshot_id":"`+h.ID+`","mode":"restore","dry_run":true}`, 200)
	if got := dry.actions(names); got != "a update, b create, c delete" || dry.UndoSnapshotID != "" || !dry.DryRun {
		t.Fatalf("dry run: %s, undo %q", got, dry.UndoSnapshotID)
	}
	if s := dry.Summary; s["create"] != 1 || s["update"] != 1 || s["delete"] != 1 || s["unchanged"] != 0 || s["conflict"] != 0 {
		t.Errorf("summary %v", s)
	}
	checkPatches(t, dry, before, want)
	if after := e.configurations(t, e.token, "t1", a, b, c); jsonText(after) != jsonText(before) {
		t.Fatalf("the dry run wrote: %v", after)
	}

	applied := e.apply(t, e.token, "t1", restore, 200)
	if got := applied.actions(names); got != "a update, b create, c delete" || applied.UndoSnapshotID == "" || applied.DryRun {
		t.Fatalf("apply: %s, undo %q", got, applied.UndoSnapshotID)
	}
	if after := e.configurations(t, e.token, "t1", a, b, c); jsonText(after) != jsonText(want) {
		t.Errorf("after the restore the tenant holds %v, want %v", after, want)
	}
	for id, version := range map[string]float64{a: 3, b: 3} { // b: created, deleted, restored
		p := e.get(t, e.token, "t1", id)
		if p["sys_version"] != version || p["sys_configuration_snapshot_id"] != h.ID || p["sys_snapshot_base_version"] != version {
			t.Errorf("%s: version %v, stamps %v %v; want %v, %s %v", names[id], p["sys_version"], p["sys_configuration_snapshot_id"], p["sys_snapshot_base_version"], version, h.ID, version)
		}
	}
	for id, n := range map[string]int{a: 3, b: 3, c: 2} {
		entry := e.lastEntry(t, id, n)
		op := "snapshot_apply"
		if id == c {
			op = "delete"
		}
		if entry["operation"] != op || entry["snapshot_id"] != h.ID {
			t.Errorf("%s: last history entry %v, want operation %s and snapshot_id %s", names[id], entry, op, h.ID)
		}
	}

	again := e.apply(t, e.token, "t1", restore, 200)
	if got := again.actions(names); got != "a unchanged, b unchanged" || again.UndoSnapshotID != "" {
		t.Errorf("applied again: %s, undo %q", got, again.UndoSnapshotID)
	}

	undo := e.apply(t, e.token, "t1", `{"snapshot_id":"`+applied.UndoSnapshotID+`","mode":"restore"}`, 200)
	if got := undo.actions(names); got != "a update, b delete, c create" {
		t.Errorf("undo: %s", got)
	}
	if after := e.configurations(t, e.token, "t1", a, b, c); jsonText(after) != jsonText(before) {
		t.Errorf("after the undo the tenant holds %v, want %v", after, before)
	}
}

// TestSnapshotPromote is the sandbox story: production copied into an
// empty sandbox, edited there, and promoted back, carrying only the
// sandbox's changes, stopped where production changed the same field,
// and undone.
func TestSnapshotPromote(t *testing.T) {
	e := newEnv(t, withHistory())
	tok := e.twoTenants(t)
	e.load("t2", "exams", `{"id":"exam-a","name":"A"}`, `{"id":"exam-b","name":"B"}`)
	x := e.create("X")["id"].(string)
	y := e.create("Y")["id"].(string)
	names := map[string]string{x: "x", y: "y"}

	prod := e.take(t, tok, "t1", "production")
	_, prodBody := e.snapshot(t, tok, "t1", prod.ID)
	copied := e.apply(t, tok, "t2", `{"snapshot":`+string(prodBody)+`,"mode":"promote"}`, 200)
	if got := copied.actions(names); got != "x create, y create" {
		t.Fatalf("copy into the sandbox: %s", got)
	}
	if got, want := e.configurations(t, tok, "t2", x, y), e.configurations(t, tok, "t1", x, y); jsonText(got) != jsonText(want) {
		t.Fatalf("the sandbox holds %v, want %v", got, want)
	}
	if p := e.get(t, tok, "t2", x); p["sys_configuration_snapshot_id"] != prod.ID || p["sys_snapshot_base_version"] != 1.0 || p["sys_version"] != 1.0 {
		t.Errorf("sandbox x: %v", p)
	}

	// Next season is prepared in the sandbox; production changes meanwhile.
	expect(t, e.doAs(tok, "PATCH", "/examRegProcesses/t2/"+x, `[{"op":"replace","path":"/name","value":"X next season"},{"op":"add","path":"/exam_ids/-","value":"exam-b"}]`), 200)
	expect(t, e.doAs(tok, "PATCH", "/examRegProcesses/t2/"+y, `[{"op":"replace","path":"/name","value":"Y sandbox"}]`), 200)
	expect(t, e.doAs(tok, "PATCH", "/examRegProcesses/t1/"+x, `[{"op":"add","path":"/description","value":"production note"}]`), 200)
	expect(t, e.doAs(tok, "PATCH", "/examRegProcesses/t1/"+y, `[{"op":"replace","path":"/name","value":"Y production"}]`), 200)

	sandbox := e.take(t, tok, "t2", "next season")
	_, sandboxBody := e.snapshot(t, tok, "t2", sandbox.ID)
	promote := func(include string, dryRun bool) string {
		body := `{"snapshot":` + string(sandboxBody) + `,"mode":"promote"`
		if include != "" {
			body += `,"include":["` + include + `"]`
		}
		return body + fmt.Sprintf(`,"dry_run":%v}`, dryRun)
	}
	before := e.configurations(t, tok, "t1", x, y)
	preview := e.apply(t, tok, "t1", promote("", true), 200)
	if got := preview.actions(names); got != "x update, y conflict" {
		t.Fatalf("preview: %s", got)
	}
	for _, p := range preview.Plan {
		if p.ID == y && (p.Conflict == nil || len(p.Conflict.Errors) != 1 || p.Conflict.Errors[0].Field != "/name" || p.Patch != nil) {
			t.Errorf("y's conflict: %+v, patch %s", p.Conflict, p.Patch)
		}
	}
	wantX := maps.Clone(before[x])
	wantX["name"], wantX["exam_ids"] = "X next season", []any{"exam-a", "exam-b"} // production's description kept
	for _, p := range preview.Plan {
		if p.ID == x {
			checkPatches(t, applyDoc{Plan: append(preview.Plan[:0:0], p)}, before, map[string]map[string]any{x: wantX})
		}
	}

	refused := e.apply(t, tok, "t1", promote("", false), 409)
	if refused.Message == "" || refused.actions(names) != "x update, y conflict" || refused.UndoSnapshotID != "" {
		t.Errorf("409: %+v", refused)
	}
	if got := e.configurations(t, tok, "t1", x, y); jsonText(got) != jsonText(before) {
		t.Fatalf("the refused apply wrote: %v", got)
	}

	applied := e.apply(t, tok, "t1", promote(x, false), 200)
	if got := applied.actions(names); got != "x update" || applied.UndoSnapshotID == "" {
		t.Fatalf("apply of x: %s, undo %q", got, applied.UndoSnapshotID)
	}
	if got := e.configurations(t, tok, "t1", x)[x]; jsonText(got) != jsonText(wantX) {
		t.Errorf("production x: %v, want %v", got, wantX)
	}
	if p := e.get(t, tok, "t1", x); p["sys_configuration_snapshot_id"] != sandbox.ID || p["sys_snapshot_base_version"] != p["sys_version"] {
		t.Errorf("production x stamps: %v %v at version %v", p["sys_configuration_snapshot_id"], p["sys_snapshot_base_version"], p["sys_version"])
	}
	if entry := e.lastEntry(t, x, 3); entry["operation"] != "snapshot_apply" || entry["snapshot_id"] != sandbox.ID {
		t.Errorf("production x's history: %v", entry)
	}
	// Promoted before, or changed the same way on both sides: done.
	expect(t, e.doAs(tok, "PATCH", "/examRegProcesses/t1/"+y, `[{"op":"replace","path":"/name","value":"Y sandbox"}]`), 200)
	if got := e.apply(t, tok, "t1", promote("", true), 200).actions(names); got != "x unchanged, y unchanged" {
		t.Errorf("promoted again: %s", got)
	}

	e.apply(t, tok, "t1", `{"snapshot_id":"`+applied.UndoSnapshotID+`","mode":"restore","include":["`+x+`"]}`, 200)
	if got := e.configurations(t, tok, "t1", x)[x]; jsonText(got) != jsonText(before[x]) {
		t.Errorf("undone, production x: %v, want %v", got, before[x])
	}
}

// TestSnapshotApplyConflicts: a record the single-record route would
// refuse is a conflict with that route's message, and a conflict anywhere
// in scope refuses the whole apply with its plan, writing nothing.
func TestSnapshotApplyConflicts(t *testing.T) {
	e := newEnv(t, withLimit(3))
	tok := e.twoTenants(t)
	locked := e.create("Locked")["id"].(string)
	used := e.create("Used")["id"].(string)
	h := e.take(t, tok, "t1", "")
	expect(t, e.do("PATCH", "/examRegProcesses/t1/"+locked, `[{"op":"replace","path":"/name","value":"Locked later"},{"op":"add","path":"/sys_locked","value":true}]`), 200)
	lockedAnswer := expect(t, e.do("PATCH", "/examRegProcesses/t1/"+locked, `[{"op":"replace","path":"/name","value":"x"}]`), 403).object(t)
	fresh := e.create("Fresh")["id"].(string)
	e.load("t1", "registrations", `{"id":"r1","name":"R","student_id":"c1","exam_id":"exam-a","date":"2026-01-01T00:00:00Z","status":"registered","process_id":"`+fresh+`"}`)
	usedAnswer := expect(t, e.do("DELETE", "/examRegProcesses/t1/"+fresh, ""), 409).object(t)
	names := map[string]string{locked: "locked", used: "used", fresh: "fresh"}

	// Restore: the locked record cannot change, the used one cannot go.
	r := e.apply(t, tok, "t1", `{"snapshot_id":"`+h.ID+`","mode":"restore"}`, 409)
	if got := r.actions(names); got != "fresh conflict, locked conflict, used unchanged" || r.Message == "" || r.Summary["conflict"] != 2 {
		t.Errorf("restore: %s, %q, %v", got, r.Message, r.Summary)
	}
	for _, p := range r.Plan {
		want := map[string]any{locked: lockedAnswer["message"], fresh: usedAnswer["message"]}[p.ID]
		if want != nil && (p.Conflict == nil || p.Conflict.Message != want) {
			t.Errorf("%s: conflict %+v, want the message %q", names[p.ID], p.Conflict, want)
		}
	}
	// Leaving them out of scope, the rest applies.
	if got := e.apply(t, tok, "t1", `{"snapshot_id":"`+h.ID+`","mode":"restore","include":["`+used+`"]}`, 200).actions(names); got != "used unchanged" {
		t.Errorf("restore of used: %s", got)
	}

	// Promote into t2, which lacks exam-b and has room for one record.
	other := mint(t, "alice", "t2")
	e.load("t2", "exams", `{"id":"exam-a","name":"A"}`)
	expect(t, e.doAs(other, "POST", "/examRegProcesses/t2", processBody("T2 one")), 200)
	expect(t, e.doAs(other, "POST", "/examRegProcesses/t2", processBody("T2 two")), 200)
	expect(t, e.do("PATCH", "/examRegProcesses/t1/"+used, `[{"op":"add","path":"/exam_ids/-","value":"exam-b"}]`), 200)
	h2 := e.take(t, tok, "t1", "")
	_, body := e.snapshot(t, tok, "t1", h2.ID)
	missingAnswer := expect(t, e.doAs(other, "POST", "/examRegProcesses/t2", processBody("B", "exam-a", "exam-b")), 409).object(t)
	p := e.apply(t, tok, "t2", `{"snapshot":`+string(body)+`,"mode":"promote","dry_run":true}`, 200)
	byID := map[string]string{}
	for _, entry := range p.Plan {
		if entry.Conflict != nil {
			byID[names[entry.ID]] = entry.Conflict.Message
		}
	}
	limitMessage := "tenant limit reached: no more exam reg processes can be created"
	if byID["used"] != missingAnswer["message"] || byID["locked"] != "" && byID["fresh"] != "" || len(byID) != 2 {
		t.Errorf("promote into t2: conflicts %v (want used: %q, and one create past the limit: %q)", byID, missingAnswer["message"], limitMessage)
	}
	if p.Summary["create"] != 1 || p.Summary["conflict"] != 2 {
		t.Errorf("summary %v", p.Summary)
	}
	for name, message := range byID {
		if name != "used" && message != limitMessage {
			t.Errorf("%s: %q, want %q", name, message, limitMessage)
		}
	}
}

// TestSnapshotApplyRepeats: an apply sent again with its Idempotency-Key
// answers its first answer; one cut short by a failing engine continues
// where it stopped when sent again, and writes no record twice.
func TestSnapshotApplyRepeats(t *testing.T) {
	e, proxy := faultEnv(t, withHistory())
	a := e.create("A")["id"].(string)
	b := e.create("B")["id"].(string)
	c := e.create("C")["id"].(string)
	h := e.take(t, e.token, "t1", "")
	expect(t, e.do("PATCH", "/examRegProcesses/t1/"+a, `[{"op":"replace","path":"/name","value":"A2"}]`), 200)
	expect(t, e.do("DELETE", "/examRegProcesses/t1/"+b, ""), 200)
	expect(t, e.do("DELETE", "/examRegProcesses/t1/"+c, ""), 200)
	restore := `{"snapshot_id":"` + h.ID + `","mode":"restore"}`

	// The creates (transactions) fail; the update (a PutItem) goes through.
	proxy.Inject(&faultproxy.Fault{Operation: "TransactWriteItems", Status: 500, Type: "InternalServerError"})
	r := e.do("POST", "/configurationSnapshots/t1/apply", restore, "Idempotency-Key", "k1")
	if r.status != 503 {
		t.Fatalf("with failing transactions: %d %s", r.status, r.body)
	}
	proxy.Clear()
	if p := e.get(t, e.token, "t1", a); p["name"] != "A" || p["sys_version"] != 3.0 {
		t.Fatalf("a was not written before the failure: %v", p)
	}
	first := expect(t, e.do("POST", "/configurationSnapshots/t1/apply", restore, "Idempotency-Key", "k1"), 200)
	if first.header.Get("Idempotent-Replayed") != "" {
		t.Error("the continued apply is marked as replayed")
	}
	var answer applyDoc
	first.json(t, &answer)
	names := map[string]string{a: "a", b: "b", c: "c"}
	if got := answer.actions(names); got != "a update, b create, c create" || answer.UndoSnapshotID == "" {
		t.Errorf("continued: %s, undo %q (want the plan made before the first write)", got, answer.UndoSnapshotID)
	}
	for id, n := range map[string]int{a: 3, b: 3, c: 3} {
		if entry := e.lastEntry(t, id, n); entry["operation"] != "snapshot_apply" {
			t.Errorf("%s: %v", names[id], entry)
		}
	}
	again := expect(t, e.do("POST", "/configurationSnapshots/t1/apply", restore, "Idempotency-Key", "k1"), 200)
	if again.header.Get("Idempotent-Replayed") != "true" || string(again.body) != string(first.body) {
		t.Errorf("repeated: %q %s, want the first answer %s", again.header.Get("Idempotent-Replayed"), again.body, first.body)
	}
	// The same request spelled otherwise is the same request.
	respelled := `{"mode":"restore", "dry_run":false, "snapshot_id":"` + h.ID + `"}`
	if r := expect(t, e.do("POST", "/configurationSnapshots/t1/apply", respelled, "Idempotency-Key", "k1"), 200); r.header.Get("Idempotent-Replayed") != "true" {
		t.Error("a respelled repeat was not replayed")
	}
	expect(t, e.do("POST", "/configurationSnapshots/t1/apply", `{"snapshot_id":"`+h.ID+`","mode":"promote"}`, "Idempotency-Key", "k1"), 422)

	// The undo snapshot is the tenant before the first write.
	undo, _ := e.snapshot(t, e.token, "t1", answer.UndoSnapshotID)
	if len(undo.Records) != 1 || undo.Records[0].ID != a || undo.Records[0].Version != 2 {
		t.Errorf("undo snapshot: %+v", undo.Records)
	}
}

// TestSnapshotBadRequests: what an apply or a take refuses.
func TestSnapshotBadRequests(t *testing.T) {
	e := newEnv(t)
	id := e.create("A")["id"].(string)
	h := e.take(t, e.token, "t1", "")
	for _, tc := range []struct {
		path, body string
		status     int
	}{
		{"/configurationSnapshots/t1", `{"title":"x"}`, 400},
		{"/configurationSnapshots/t1", `{"description":7}`, 400},
		{"/configurationSnapshots/t1", `[]`, 400},
		{"/configurationSnapshots/t1/apply", `{"mode":"restore"}`, 400},
		{"/configurationSnapshots/t1/apply", `{"snapshot_id":"` + h.ID + `"}`, 400},
		{"/configurationSnapshots/t1/apply", `{"snapshot_id":"` + h.ID + `","mode":"merge"}`, 400},
		{"/configurationSnapshots/t1/apply", `{"snapshot_id":"` + h.ID + `","mode":"restore","include":"` + id + `"}`, 400},
		{"/configurationSnapshots/t1/apply", `{"snapshot_id":"` + h.ID + `","mode":"restore","include":["nope"]}`, 400},
		{"/configurationSnapshots/t1/apply", `{"snapshot_id":"` + h.ID + `","mode":"restore","dry_run":"yes"}`, 400},
		{"/configurationSnapshots/t1/apply", `{"snapshot_id":"` + h.ID + `","snapshot":{},"mode":"restore"}`, 400},
		{"/configurationSnapshots/t1/apply", `{"snapshot":{"id":"s","records":[{"id":"r"}]},"mode":"restore"}`, 400},
		{"/configurationSnapshots/t1/apply", `{"snapshot_id":"nosuch","mode":"restore"}`, 404},
	} {
		r := e.do("POST", tc.path, tc.body)
		if r.status != tc.status {
			t.Errorf("POST %s %s: %d %s, want %d", tc.path, tc.body, r.status, r.body, tc.status)
		}
	}
	expect(t, e.do("GET", "/configurationSnapshots/t1/apply", ""), 404)
	expect(t, e.do("PUT", "/configurationSnapshots/t1/apply", ""), 405)
}

// TestSnapshotTakeSurvivesLostReplies: a take whose writes' replies are
// lost, and which the SDK sends again, is taken once.
func TestSnapshotTakeSurvivesLostReplies(t *testing.T) {
	e, proxy := faultEnv(t)
	e.create("A")
	for _, op := range []string{"BatchWriteItem", "PutItem"} {
		proxy.Inject(&faultproxy.Fault{Operation: op, LoseReply: true, Times: 1})
	}
	h := e.take(t, e.token, "t1", "")
	snap, _ := e.snapshot(t, e.token, "t1", h.ID)
	var all []snapshotDoc
	expect(t, e.do("GET", "/configurationSnapshots/t1", ""), 200).json(t, &all)
	if len(snap.Records) != 1 || len(all) != 1 {
		t.Errorf("%d records, %d snapshots; want 1 and 1", len(snap.Records), len(all))
	}
}

// TestSnapshotApplySentTwiceAtOnce: the same apply sent twice side by side
// (a client retrying before the first answer) writes each record once,
// and both answer its plan.
func TestSnapshotApplySentTwiceAtOnce(t *testing.T) {
	e := newEnv(t)
	tok := e.twoTenants(t)
	e.load("t2", "exams", `{"id":"exam-a","name":"A"}`, `{"id":"exam-b","name":"B"}`)
	var lines []string
	for i := range 60 {
		var line bytes.Buffer
		if err := json.Compact(&line, []byte(strings.Replace(processBody(fmt.Sprint("P", i)), "{", fmt.Sprintf(`{"id":"p%02d",`, i), 1))); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, line.String())
	}
	e.load("t1", "processes", lines...)
	h := e.take(t, tok, "t1", "")
	_, body := e.snapshot(t, tok, "t1", h.ID)
	promote := `{"snapshot":` + string(body) + `,"mode":"promote"}`
	answers := make([]applyDoc, 2)
	var wg sync.WaitGroup
	for i := range answers {
		wg.Go(func() { answers[i] = e.apply(t, tok, "t2", promote, 200, "Idempotency-Key", "twice") })
	}
	wg.Wait()
	for i, a := range answers {
		if a.Summary["create"] != 60 || a.UndoSnapshotID != answers[0].UndoSnapshotID {
			t.Errorf("answer %d: %v, undo %q", i, a.Summary, a.UndoSnapshotID)
		}
	}
	var list []map[string]any
	expect(t, e.doAs(tok, "GET", "/examRegProcesses/t2?limit=1000", ""), 200).json(t, &list)
	for _, p := range list {
		if p["sys_version"] != 1.0 {
			t.Errorf("%s written %v times", p["id"], p["sys_version"])
		}
	}
	if len(list) != 60 {
		t.Errorf("t2 holds %d records, want 60", len(list))
	}
}
