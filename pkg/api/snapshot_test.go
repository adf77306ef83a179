package api_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
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
