package api_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	jsonpatch "github.com/evanphx/json-patch/v5"
)

// entry is a history entry as a client reads it.
type entry struct {
	Version   int             `json:"version"`
	Operation string          `json:"operation"`
	At        string          `json:"at"`
	By        string          `json:"by"`
	RequestID string          `json:"request_id"`
	Patch     json.RawMessage `json:"patch"`
}

// history reads a record's whole history, page by page (limit a page), and
// returns it newest first.
func (e *env) history(t *testing.T, id string, limit int) []entry {
	t.Helper()
	var all []entry
	next := fmt.Sprintf("/examRegProcesses/t1/%s/history?limit=%d", id, limit)
	for pages := 0; next != ""; pages++ {
		if pages > 1000 {
			t.Fatal("the history's pages do not end")
		}
		r := expect(t, e.do("GET", next, ""), 200)
		var page []entry
		r.json(t, &page)
		all = append(all, page...)
		next = ""
		if link := r.header.Get("Link"); link != "" {
			target, _, _ := strings.Cut(strings.TrimPrefix(link, "<"), ">")
			u, err := url.Parse(target)
			if err != nil || u.Query().Get("exclusiveStartKey") != r.header.Get("X-Exclusive-Start-Key") {
				t.Fatalf("Link %q does not carry X-Exclusive-Start-Key %q", link, r.header.Get("X-Exclusive-Start-Key"))
			}
			next = u.RequestURI()
		}
	}
	return all
}

// awaitHistory waits until the record's history holds n entries: entries are
// written shortly after the write, not within it.
func (e *env) awaitHistory(t *testing.T, id string, n int) []entry {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		r := e.do("GET", "/examRegProcesses/t1/"+id+"/history?limit=1000", "")
		var entries []entry
		if r.status == 200 {
			r.json(t, &entries)
		}
		if len(entries) >= n || time.Now().After(deadline) {
			if len(entries) != n {
				t.Fatalf("the history holds %d entries, want %d: %s", len(entries), n, r.body)
			}
			return entries
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// withoutBookkeeping is a record as a client read it, less the members a
// history entry carries itself.
func withoutBookkeeping(t *testing.T, record []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(record, &m); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"sys_version", "sys_last_modified_at", "sys_last_modified_by_id", "sys_last_security_context"} {
		delete(m, name)
	}
	return m
}

// fold applies the patches of entries (oldest first) to {} and returns the
// document after each.
func fold(t *testing.T, entries []entry) [][]byte {
	t.Helper()
	doc := []byte(`{}`)
	var docs [][]byte
	for _, en := range entries {
		if en.Patch == nil {
			docs = append(docs, nil)
			continue
		}
		patch, err := jsonpatch.DecodePatch(en.Patch)
		if err != nil {
			t.Fatalf("version %d: %v: %s", en.Version, err, en.Patch)
		}
		if doc, err = patch.Apply(doc); err != nil {
			t.Fatalf("version %d does not apply to version %d: %v", en.Version, en.Version-1, err)
		}
		docs = append(docs, doc)
	}
	return docs
}

func TestHistoryRecordsEveryWrite(t *testing.T) {
	e := newEnv(t, withHistory())
	var (
		requests  []string // X-Request-Id of each write, in order
		snapshots [][]byte // the record as GET answered right after each write
	)
	write := func(method, path, body string, token string) reply {
		t.Helper()
		r := expect(t, e.doAs(token, method, path, body), 200)
		requests = append(requests, r.header.Get("X-Request-Id"))
		return r
	}
	snapshot := func(id string) {
		t.Helper()
		snapshots = append(snapshots, expect(t, e.do("GET", "/examRegProcesses/t1/"+id+"?consistentRead=true", ""), 200).body)
	}
	id := write("POST", "/examRegProcesses/t1", processBody("History"), e.token).object(t)["id"].(string)
	snapshot(id)
	write("PUT", "/examRegProcesses/t1/"+id, processBody("History", "exam-a", "exam-b"), e.token)
	snapshot(id)
	for _, patch := range []string{
		`[{"op":"add","path":"/custom_field_values","value":[]}]`,
		`[{"op":"add","path":"/custom_field_values/-","value":{"custom_field_id":"a__c","list_value":[1,{},[]]}}]`,
		`[{"op":"replace","path":"/name","value":"Renamed"},{"op":"remove","path":"/checkout_settings/extra"}]`,
	} {
		write("PATCH", "/examRegProcesses/t1/"+id, patch, e.token)
		snapshot(id)
	}
	write("POST", "/examRegProcesses/t1/batch", fmt.Sprintf(`{"operations":[{"operation":"patch","id":%q,"patch_directives":[{"op":"add","path":"/display_order","value":12345678901234567890123456789012345678}]}]}`, id), e.token)
	snapshot(id)
	deleter := mint(t, "bob", "t1")
	write("DELETE", "/examRegProcesses/t1/"+id, "", deleter)

	newestFirst := e.awaitHistory(t, id, 7)
	if paged := e.history(t, id, 2); !reflect.DeepEqual(paged, newestFirst) {
		t.Errorf("paging by 2 gives\n%v\nwant\n%v", paged, newestFirst)
	}
	entries := slices.Clone(newestFirst)
	slices.Reverse(entries)
	operations := []string{"create", "update", "patch", "patch", "patch", "batch", "delete"}
	for i, en := range entries {
		by := "alice"
		if i == 6 {
			by = "bob" // the deleter, not the last writer
		}
		if en.Version != i+1 || en.Operation != operations[i] || en.By != by || en.RequestID != requests[i] || en.At == "" {
			t.Errorf("entry %d = {version %d, operation %q, by %q, request %q, at %q}; want version %d, %s, by %s, request %s",
				i, en.Version, en.Operation, en.By, en.RequestID, en.At, i+1, operations[i], by, requests[i])
		}
		if (en.Patch == nil) != (en.Operation == "delete") {
			t.Errorf("entry %d: patch %s", i, en.Patch)
		}
	}
	// The patches of versions 1..n applied to {} give the record at version n.
	for i, doc := range fold(t, entries[:6]) {
		var got map[string]any
		json.Unmarshal(doc, &got)
		if want := withoutBookkeeping(t, snapshots[i]); !reflect.DeepEqual(got, want) {
			t.Errorf("the fold of versions 1..%d is\n%s\nwant\n%v", i+1, doc, want)
		}
	}
	// Each version reads as GET answered right after it was written.
	for i, snap := range snapshots {
		r := expect(t, e.do("GET", fmt.Sprintf("/examRegProcesses/t1/%s/history/%d", id, i+1), ""), 200)
		if string(r.body) != string(snap) {
			t.Errorf("version %d reads\n%s\nwant\n%s", i+1, r.body, snap)
		}
	}
	expect(t, e.do("GET", "/examRegProcesses/t1/"+id+"/history/7", ""), 404) // the delete
	expect(t, e.do("GET", "/examRegProcesses/t1/"+id+"/history/8", ""), 404)
	expect(t, e.do("GET", "/examRegProcesses/t1/never-existed/history", ""), 404)
	// Another tenant's history of the same id is another history: there is none.
	expect(t, e.doAs(mint(t, "mallory", "t2"), "GET", "/examRegProcesses/t2/"+id+"/history", ""), 404)
	expect(t, e.doAs(mint(t, "mallory", "t2"), "GET", "/examRegProcesses/t2/"+id+"/history/1", ""), 404)
}

// TestHistoryPagesAndVersionsOverHTTP: the history's paging, its page keys
// (bound to the tenant and the record) and the version in the path, as
// the API reads them. What the history holds is
// TestHistoryRecordsEveryWrite's.
func TestHistoryPagesAndVersionsOverHTTP(t *testing.T) {
	e := newFakeEnv(t)
	id := e.create("History")["id"].(string)
	path := "/examRegProcesses/t1/" + id
	for _, name := range []string{"B", "C", "D"} {
		expect(t, e.do("PATCH", path, `[{"op":"replace","path":"/name","value":"`+name+`"}]`), 200)
	}
	expect(t, e.do("DELETE", path, ""), 200)

	whole := e.history(t, id, 1000)
	var versions []int
	for _, en := range whole {
		versions = append(versions, en.Version)
	}
	if !slices.Equal(versions, []int{5, 4, 3, 2, 1}) {
		t.Errorf("versions %v, want 5 to 1", versions)
	}
	if paged := e.history(t, id, 2); !reflect.DeepEqual(paged, whole) {
		t.Errorf("paging by 2 gives\n%v\nwant\n%v", paged, whole)
	}
	if r := expect(t, e.do("GET", path+"/history/4", ""), 200); r.header.Get("ETag") != `"4"` || r.object(t)["name"] != "D" {
		t.Errorf("version 4 answered %s (ETag %s)", r.body, r.header.Get("ETag"))
	}

	r := expect(t, e.do("GET", path+"/history?limit=1", ""), 200)
	key := r.header.Get("X-Exclusive-Start-Key")
	other := e.create("Other")["id"].(string)
	for _, tc := range []struct{ name, method, path, body string }{
		{"version with a leading zero", "GET", path + "/history/01", ""},
		{"version 0", "GET", path + "/history/0", ""},
		{"negative version", "GET", path + "/history/-1", ""},
		{"version not a number", "GET", path + "/history/v1", ""},
		{"version with a query", "GET", path + "/history/1?fields=name", ""},
		{"odd id", "GET", "/examRegProcesses/t1/a%20b/history", ""},
		{"limit 0", "GET", path + "/history?limit=0", ""},
		{"unknown parameter", "GET", path + "/history?fields=name", ""},
		{"key of another record", "GET", "/examRegProcesses/t1/" + other + "/history?exclusiveStartKey=" + key, ""},
		{"key of the list", "GET", path + "/history?exclusiveStartKey=" + encodeKey("t1/"+id), ""},
		{"key of version 0", "GET", path + "/history?exclusiveStartKey=" + encodeKey("t1/"+id+"/0"), ""},
		{"key of version 01", "GET", path + "/history?exclusiveStartKey=" + encodeKey("t1/"+id+"/01"), ""},
		{"a history key on the list", "GET", "/examRegProcesses/t1?exclusiveStartKey=" + key, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, e.do(tc.method, tc.path, tc.body), 400).fields(t)
		})
	}
	// Another tenant's key is not a key of this tenant's history.
	r = expect(t, e.doAs(mint(t, "mallory", "t2"), "GET", "/examRegProcesses/t2/"+id+"/history?exclusiveStartKey="+key, ""), 400)
	if f := r.fields(t); !slices.Equal(f, []string{"exclusiveStartKey"}) {
		t.Errorf("another tenant's key: %s", r.body)
	}
	expect(t, e.do("GET", path+"/history/5", ""), 404) // the delete
	expect(t, e.do("GET", path+"/history/6", ""), 404)
}

func TestHistoryOfConcurrentPatchesHasEveryVersionOnce(t *testing.T) {
	e := newEnv(t, withHistory())
	id := e.create("Concurrent")["id"].(string)
	const writers = 50
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			expect(t, e.do("PATCH", "/examRegProcesses/t1/"+id,
				fmt.Sprintf(`[{"op":"add","path":"/checkout_settings/w%d","value":%d}]`, i, i)), 200)
		})
	}
	wg.Wait()
	entries := e.awaitHistory(t, id, writers+1)
	slices.Reverse(entries)
	for i, en := range entries {
		if en.Version != i+1 {
			t.Fatalf("entry %d has version %d: a gap or a duplicate", i, en.Version)
		}
	}
	final := expect(t, e.do("GET", "/examRegProcesses/t1/"+id+"?consistentRead=true", ""), 200)
	folded := fold(t, entries)
	var got map[string]any
	json.Unmarshal(folded[len(folded)-1], &got)
	if want := withoutBookkeeping(t, final.body); !reflect.DeepEqual(got, want) {
		t.Errorf("the fold of all versions is\n%v\nwant\n%v", got, want)
	}
}

// TestHistoryReadsAtTheirRequestBudget: a page of history is one Query, a
// version one GetItem.
func TestHistoryReadsAtTheirRequestBudget(t *testing.T) {
	e := newEnv(t, withHistory())
	id := e.create("Budget")["id"].(string)
	e.awaitHistory(t, id, 1)
	for _, tc := range []struct{ name, path, want string }{
		{"history page", "/history?limit=10", "Query"},
		{"history version", "/history/1", "GetItem"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mark := e.calls.mark()
			expect(t, e.do("GET", "/examRegProcesses/t1/"+id+tc.path, ""), 200)
			if got := e.calls.since(mark); ops(got) != tc.want {
				t.Errorf("made %s, want %s", ops(got), tc.want)
			}
		})
	}
}
