package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	jsonpatch "github.com/evanphx/json-patch/v5"

	"github.com/certhub/examreg/pkg/dev/bulkload"
	"github.com/certhub/examreg/pkg/dev/faultproxy"
)

// restoreEntry is a history entry with what a restore adds to it.
type restoreEntry struct {
	entry
	RestoredFrom int `json:"restored_from"`
}

// entries reads a record's whole history, oldest first, with restored_from.
func (e *env) entries(t *testing.T, id string, n int) []restoreEntry {
	t.Helper()
	e.awaitHistory(t, id, n)
	var all []restoreEntry
	expect(t, e.do("GET", "/examRegProcesses/t1/"+id+"/history?limit=1000", ""), 200).json(t, &all)
	slices.Reverse(all)
	return all
}

// versions are the versions, operations and restored versions of entries.
func versions(entries []restoreEntry) string {
	var s []string
	for _, en := range entries {
		v := fmt.Sprintf("%d %s", en.Version, en.Operation)
		if en.RestoredFrom != 0 {
			v += fmt.Sprintf(" from %d", en.RestoredFrom)
		}
		s = append(s, v)
	}
	return strings.Join(s, ", ")
}

func restorePath(id string, version int) string {
	return fmt.Sprintf("/examRegProcesses/t1/%s/history/%d/restore", id, version)
}

// TestVersionsContinueAcrossDeleteAndReload: a record deleted and loaded
// again under its id continues its versions, and every write has its entry.
func TestVersionsContinueAcrossDeleteAndReload(t *testing.T) {
	e := newEnv(t, withHistory())
	id := e.create("Reloaded")["id"].(string)
	expect(t, e.do("PATCH", "/examRegProcesses/t1/"+id, `[{"op":"replace","path":"/name","value":"Patched"}]`), 200)
	expect(t, e.do("DELETE", "/examRegProcesses/t1/"+id, ""), 200)
	// The line a client would load: the record as it read before its delete,
	// once the history holds it.
	e.awaitHistory(t, id, 3)
	v2 := expect(t, e.do("GET", "/examRegProcesses/t1/"+id+"/history/2", ""), 200).body
	e.load("t1", bulkload.Processes, string(v2))
	expect(t, e.do("PATCH", "/examRegProcesses/t1/"+id, `[{"op":"replace","path":"/name","value":"After the load"}]`), 200)
	expect(t, e.do("POST", restorePath(id, 2), ""), 200)

	got := versions(e.entries(t, id, 6))
	if want := "1 create, 2 patch, 3 delete, 4 bulk_load, 5 patch, 6 restore from 2"; got != want {
		t.Errorf("history %s, want %s", got, want)
	}
	if r := expect(t, e.do("GET", "/examRegProcesses/t1/"+id, ""), 200); r.object(t)["sys_version"] != 6.0 || r.header.Get("ETag") != `"6"` {
		t.Errorf("record %s, ETag %s; want version 6", r.body, r.header.Get("ETag"))
	}
}

// TestRestoreAndUndelete restores versions of a record over HTTP: as a new
// version with its entry, not at all when it changes nothing, and, after a
// delete, under the same id with its creation kept.
func TestRestoreAndUndelete(t *testing.T) {
	e := newEnv(t, withHistory())
	created := e.create("Original")
	id := created["id"].(string)
	expect(t, e.do("PATCH", "/examRegProcesses/t1/"+id, `[{"op":"replace","path":"/name","value":"Wrong fee"},{"op":"add","path":"/exam_ids/-","value":"exam-b"}]`), 200)
	e.awaitHistory(t, id, 2)

	r := expect(t, e.do("POST", restorePath(id, 1), ""), 200)
	p := r.object(t)
	if p["name"] != "Original" || p["sys_version"] != 3.0 || fmt.Sprint(p["exam_ids"]) != "[exam-a]" ||
		r.header.Get("ETag") != `"3"` || r.header.Get("Location") != "/examRegProcesses/t1/"+id {
		t.Errorf("restored %s; ETag %s, Location %s", r.body, r.header.Get("ETag"), r.header.Get("Location"))
	}
	ctx := p["sys_last_security_context"].(map[string]any)
	if ctx["operation"] != "restore" || ctx["restored_from"] != 1.0 {
		t.Errorf("security context %v", ctx)
	}

	// Restoring again changes nothing: the record as it is, no new version.
	again := expect(t, e.do("POST", restorePath(id, 1), ""), 200)
	if string(again.body) != string(r.body) || again.header.Get("ETag") != `"3"` {
		t.Errorf("restoring again answered %s, ETag %s; want the record at version 3 unchanged", again.body, again.header.Get("ETag"))
	}
	expect(t, e.do("POST", restorePath(id, 2), "", "If-Match", `"2"`), 412)
	expect(t, e.do("POST", restorePath(id, 9), ""), 404)
	expect(t, e.do("DELETE", "/examRegProcesses/t1/"+id, ""), 200)
	expect(t, e.do("POST", restorePath(id, 4), ""), 404) // the delete

	// Undelete: on a deleted record, If-Match matches nothing.
	expect(t, e.do("POST", restorePath(id, 2), "", "If-Match", "*"), 412)
	u := expect(t, e.do("POST", restorePath(id, 2), ""), 200)
	back := u.object(t)
	if back["name"] != "Wrong fee" || back["sys_version"] != 5.0 || back["sys_created_at"] != created["sys_created_at"] ||
		back["sys_created_by_id"] != created["sys_created_by_id"] || u.header.Get("ETag") != `"5"` {
		t.Errorf("undeleted %s, ETag %s", u.body, u.header.Get("ETag"))
	}
	expect(t, e.do("GET", "/examRegProcesses/t1/"+id+"?consistentRead=true", ""), 200)
	assertCounted(t, e)

	entries := e.entries(t, id, 5)
	if got, want := versions(entries), "1 create, 2 patch, 3 restore from 1, 4 delete, 5 restore from 2"; got != want {
		t.Errorf("history %s, want %s", got, want)
	}
	// The restore's patch is from the version before; the undelete's from {}.
	v2 := []byte(mustJSON(withoutBookkeeping(t, expect(t, e.do("GET", "/examRegProcesses/t1/"+id+"/history/2", ""), 200).body)))
	for i, base := range map[int][]byte{2: v2, 4: []byte(`{}`)} {
		want := withoutBookkeeping(t, expect(t, e.do("GET", fmt.Sprintf("/examRegProcesses/t1/%s/history/%d", id, i+1), ""), 200).body)
		if got := applyPatch(t, base, entries[i].Patch); !reflect.DeepEqual(got, want) {
			t.Errorf("the patch of version %d gives %v, want %v", i+1, got, want)
		}
	}
}

// applyPatch applies an RFC 6902 patch with the reference implementation.
func applyPatch(t *testing.T, doc []byte, patch json.RawMessage) map[string]any {
	t.Helper()
	p, err := jsonpatch.DecodePatch(patch)
	if err != nil {
		t.Fatalf("%v: %s", err, patch)
	}
	out, err := p.Apply(doc)
	if err != nil {
		t.Fatalf("%s does not apply: %v", patch, err)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRestoreRefusals: a restore is refused as any write is, and changes
// nothing when refused.
func TestRestoreRefusals(t *testing.T) {
	e := newEnv(t, withHistory(), withLimit(2))
	id := e.create("Refused", "exam-a", "exam-b")["id"].(string)
	expect(t, e.do("PATCH", "/examRegProcesses/t1/"+id, `[{"op":"remove","path":"/exam_ids/1"}]`), 200)
	e.awaitHistory(t, id, 2)

	// exam-b leaves the tenant: restoring version 1 would add it back.
	_, err := e.store.Client().DeleteItem(context.Background(), &dynamodb.DeleteItemInput{
		TableName: aws.String(e.store.Table()),
		Key:       map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "TENANT#t1"}, "sk": &types.AttributeValueMemberS{Value: "EXAM#exam-b"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if fields := expect(t, e.do("POST", restorePath(id, 1), ""), 409).fields(t); fmt.Sprint(fields) != "[exam_ids[1]]" {
		t.Errorf("missing exam: fields %v", fields)
	}

	// Deleted, then the tenant fills up: the undelete is over the limit; and
	// its exams are checked as on create.
	expect(t, e.do("DELETE", "/examRegProcesses/t1/"+id, ""), 200)
	expect(t, e.do("POST", restorePath(id, 1), ""), 409)
	e.create("One")
	e.create("Two")
	expect(t, e.do("POST", restorePath(id, 2), ""), 429)
	expect(t, e.do("GET", "/examRegProcesses/t1/"+id+"?consistentRead=true", ""), 404)
	assertCounted(t, e)
}

// TestRestoreOfALockedRecordIsRefused: 403, as any write.
func TestRestoreOfALockedRecordIsRefused(t *testing.T) {
	e := newEnv(t, withHistory())
	id := e.create("Lockable")["id"].(string)
	expect(t, e.do("PATCH", "/examRegProcesses/t1/"+id, `[{"op":"add","path":"/sys_locked","value":true}]`), 200)
	e.awaitHistory(t, id, 2)
	expect(t, e.do("POST", restorePath(id, 1), ""), 403)
	expect(t, e.do("POST", restorePath(id, 2), ""), 403) // even one that changes nothing
}

// TestRestoreWithAnIdempotencyKey: a restore repeated with its key answers
// the first one's answer; the key for another restore is refused.
func TestRestoreWithAnIdempotencyKey(t *testing.T) {
	e := newEnv(t, withHistory())
	id := e.create("Keyed")["id"].(string)
	expect(t, e.do("PATCH", "/examRegProcesses/t1/"+id, `[{"op":"replace","path":"/name","value":"Changed"}]`), 200)
	e.awaitHistory(t, id, 2)
	first := expect(t, e.do("POST", restorePath(id, 1), "", "Idempotency-Key", "restore-1"), 200)
	expect(t, e.do("PATCH", "/examRegProcesses/t1/"+id, `[{"op":"replace","path":"/name","value":"Changed again"}]`), 200)
	again := expect(t, e.do("POST", restorePath(id, 1), "", "Idempotency-Key", "restore-1"), 200)
	if string(again.body) != string(first.body) || again.header.Get("Idempotent-Replayed") != "true" || again.header.Get("ETag") != `"3"` {
		t.Errorf("replayed %s (%v), want %s", again.body, again.header, first.body)
	}
	if got := expect(t, e.do("GET", "/examRegProcesses/t1/"+id+"?consistentRead=true", ""), 200).object(t); got["name"] != "Changed again" {
		t.Errorf("the replay wrote: %v", got)
	}
	expect(t, e.do("POST", restorePath(id, 2), "", "Idempotency-Key", "restore-1"), 422)
}

// TestRestoresWhoseReplyIsLostAreAppliedOnce: as every other write.
func TestRestoresWhoseReplyIsLostAreAppliedOnce(t *testing.T) {
	e, p := faultEnv(t, withHistory())
	id := e.create("Lost")["id"].(string)
	expect(t, e.do("PATCH", "/examRegProcesses/t1/"+id, `[{"op":"replace","path":"/name","value":"Changed"}]`), 200)
	e.awaitHistory(t, id, 2)
	for _, tc := range []struct {
		name, operation string
		version         int
		before          func()
		want            float64
	}{
		{"restore", "PutItem", 1, func() {}, 3},
		{"undelete", "TransactWriteItems", 2, func() { expect(t, e.do("DELETE", "/examRegProcesses/t1/"+id, ""), 200) }, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.before()
			f := &faultproxy.Fault{Operation: tc.operation, LoseReply: true, Times: 1}
			p.Clear()
			p.Inject(f)
			r := expect(t, e.do("POST", restorePath(id, tc.version), ""), 200)
			p.Clear()
			if f.Hits() != 1 {
				t.Fatalf("the proxy lost %d replies, want 1", f.Hits())
			}
			if got := expect(t, e.do("GET", "/examRegProcesses/t1/"+id+"?consistentRead=true", ""), 200).object(t); got["sys_version"] != tc.want || r.object(t)["sys_version"] != tc.want {
				t.Errorf("stored %v, answered %s; want version %v", got, r.body, tc.want)
			}
			assertCounted(t, e)
		})
	}
	if got := versions(e.entries(t, id, 5)); got != "1 create, 2 patch, 3 restore from 1, 4 delete, 5 restore from 2" {
		t.Errorf("history %s", got)
	}
}

// TestConcurrentUndeletesBringARecordBackOnce: all succeed, one writes.
func TestConcurrentUndeletesBringARecordBackOnce(t *testing.T) {
	e := newEnv(t, withHistory())
	id := e.create("Contended")["id"].(string)
	expect(t, e.do("DELETE", "/examRegProcesses/t1/"+id, ""), 200)
	e.awaitHistory(t, id, 2)
	var wg sync.WaitGroup
	statuses := make([]int, 8)
	for i := range statuses {
		wg.Go(func() { statuses[i] = e.do("POST", restorePath(id, 1), "").status })
	}
	wg.Wait()
	for i, s := range statuses {
		if s != 200 {
			t.Errorf("restore %d answered %d", i, s)
		}
	}
	expect(t, e.do("PATCH", "/examRegProcesses/t1/"+id, `[{"op":"replace","path":"/name","value":"After"}]`), 200)
	if got := versions(e.entries(t, id, 4)); got != "1 create, 2 delete, 3 restore from 1, 4 patch" {
		t.Errorf("history %s", got)
	}
	assertCounted(t, e)
}

// TestWritesThatChangeNothingWriteNothing: a PUT, patch, batch patch or
// restore whose result is the stored record answers it unchanged and adds
// no version; If-Match is still checked first.
func TestWritesThatChangeNothingWriteNothing(t *testing.T) {
	e := newEnv(t, withHistory())
	id := e.create("Same")["id"].(string)
	stored := expect(t, e.do("GET", "/examRegProcesses/t1/"+id+"?consistentRead=true", ""), 200).body
	for _, w := range []struct{ method, path, body string }{
		{"PUT", "/examRegProcesses/t1/" + id, processBody("Same")},
		{"PATCH", "/examRegProcesses/t1/" + id, `[{"op":"replace","path":"/name","value":"Same"}]`},
		{"POST", "/examRegProcesses/t1/batch", fmt.Sprintf(`{"operations":[{"operation":"patch","id":%q,"patch_directives":[{"op":"replace","path":"/name","value":"Same"}]}]}`, id)},
	} {
		r := expect(t, e.do(w.method, w.path, w.body), 200)
		if w.method != "POST" && (string(r.body) != string(stored) || r.header.Get("ETag") != `"1"`) {
			t.Errorf("%s answered %s, ETag %s; want the stored record at version 1", w.method, r.body, r.header.Get("ETag"))
		}
		if w.method == "POST" && !strings.Contains(string(r.body), string(stored)) {
			t.Errorf("batch answered %s", r.body)
		}
		expect(t, e.do(w.method, w.path, w.body, "If-Match", `"7"`), map[string]int{"PUT": 412, "PATCH": 412, "POST": 200}[w.method])
	}
	e.awaitHistory(t, id, 1)
	expect(t, e.do("POST", restorePath(id, 1), ""), 200)
	expect(t, e.do("PATCH", "/examRegProcesses/t1/"+id, `[{"op":"replace","path":"/name","value":"Changed"}]`), 200)
	if got := versions(e.entries(t, id, 2)); got != "1 create, 2 patch" {
		t.Errorf("history %s", got)
	}
}

// TestCompareVersions: the patch between any two versions, as the patch
// that turns one version read into the other.
func TestCompareVersions(t *testing.T) {
	e := newEnv(t, withHistory())
	id := e.create("Compared")["id"].(string)
	expect(t, e.do("PATCH", "/examRegProcesses/t1/"+id, `[{"op":"replace","path":"/name","value":"Second"},{"op":"add","path":"/display_order","value":2}]`), 200)
	expect(t, e.do("PATCH", "/examRegProcesses/t1/"+id, `[{"op":"add","path":"/exam_ids/-","value":"exam-b"},{"op":"remove","path":"/checkout_settings/extra"}]`), 200)
	expect(t, e.do("DELETE", "/examRegProcesses/t1/"+id, ""), 200)
	e.awaitHistory(t, id, 4)
	version := func(v int) []byte {
		return expect(t, e.do("GET", fmt.Sprintf("/examRegProcesses/t1/%s/history/%d", id, v), ""), 200).body
	}
	type comparison struct {
		From, To int
		Patch    json.RawMessage
	}
	for _, tc := range []struct {
		query    string
		from, to int
	}{{"from=1&to=3", 1, 3}, {"from=3&to=1", 3, 1}, {"from=2&to=2", 2, 2}, {"from=1", 1, 3}} {
		var c comparison
		expect(t, e.do("GET", "/examRegProcesses/t1/"+id+"/compare?"+tc.query, ""), 200).json(t, &c)
		if c.From != tc.from || c.To != tc.to {
			t.Errorf("%s: from %d to %d", tc.query, c.From, c.To)
		}
		got := applyPatch(t, []byte(mustJSON(withoutBookkeeping(t, version(tc.from)))), c.Patch)
		if want := withoutBookkeeping(t, version(tc.to)); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: the patch %s gives %v, want %v", tc.query, c.Patch, got, want)
		}
		if tc.from == tc.to && string(c.Patch) != "[]" {
			t.Errorf("%s: patch %s, want []", tc.query, c.Patch)
		}
	}
	for query, status := range map[string]int{"from=4": 404, "from=1&to=4": 404, "from=9": 404, "from=0": 400, "to=1": 400, "from=01": 400, "from=1&to=x": 400, "from=1&at=2": 400} {
		r := expect(t, e.do("GET", "/examRegProcesses/t1/"+id+"/compare?"+query, ""), status)
		if status == 404 && !strings.Contains(string(r.body), strings.Trim(query[strings.LastIndex(query, "=")+1:], " ")) {
			t.Errorf("%s: %s does not name the version", query, r.body)
		}
	}
	expect(t, e.do("GET", "/examRegProcesses/t1/never/compare?from=1", ""), 404)
}

// TestReadAsOf reads a record as of instants around every write of its
// life: the version current then, or 404 when it did not exist.
func TestReadAsOf(t *testing.T) {
	e := newEnv(t, withHistory())
	before := time.Now().Add(-time.Second)
	id := e.create("Then")["id"].(string)
	expect(t, e.do("PATCH", "/examRegProcesses/t1/"+id, `[{"op":"replace","path":"/name","value":"Later"}]`), 200)
	expect(t, e.do("DELETE", "/examRegProcesses/t1/"+id, ""), 200)
	entries := e.entries(t, id, 3)
	asOf := func(at string, query string) reply {
		return e.do("GET", "/examRegProcesses/t1/"+id+"?asOf="+at+query, "")
	}
	expect(t, asOf(before.UTC().Format(time.RFC3339Nano), ""), 404)
	for i, en := range entries[:2] {
		r := expect(t, asOf(en.At, ""), 200)
		if want := expect(t, e.do("GET", fmt.Sprintf("/examRegProcesses/t1/%s/history/%d", id, i+1), ""), 200).body; string(r.body) != string(want) || r.header.Get("ETag") != fmt.Sprintf(`"%d"`, i+1) {
			t.Errorf("as of %s: %s, ETag %s; want version %d", en.At, r.body, r.header.Get("ETag"), i+1)
		}
	}
	if got := expect(t, asOf(entries[1].At, "&fields=name"), 200).object(t); len(got) != 2 || got["name"] != "Later" {
		t.Errorf("fields: %v", got)
	}
	expect(t, asOf(entries[2].At, ""), 404) // deleted then
	expect(t, asOf("yesterday", ""), 400)
	expect(t, asOf(entries[0].At, "&consistentRead=false"), 400)
}

// TestTimeTravelAtItsRequestBudget holds compare, as-of and restore to the
// README's budget: compare and as-of at most 2 requests, restore one read
// (a BatchGetItem) and the write.
func TestTimeTravelAtItsRequestBudget(t *testing.T) {
	e := newEnv(t)
	live, widened, deleted, same := e.createWithHistory("Live"), e.createWithHistory("Widened"), e.createWithHistory("Deleted"), e.createWithHistory("Same")
	expect(t, e.do("PATCH", "/examRegProcesses/t1/"+live, `[{"op":"replace","path":"/name","value":"Changed"}]`), 200)
	expect(t, e.do("PATCH", "/examRegProcesses/t1/"+widened, `[{"op":"replace","path":"/exam_ids","value":["exam-b"]}]`), 200)
	expect(t, e.do("DELETE", "/examRegProcesses/t1/"+deleted, ""), 200)
	now := time.Now().UTC().Format(time.RFC3339Nano)
	for _, tc := range []struct{ name, method, path, want string }{
		{"compare with the newest", "GET", "/" + live + "/compare?from=1", "GetItem,Query"},
		{"compare a version with itself", "GET", "/" + live + "/compare?from=1&to=1", "GetItem"},
		{"as of", "GET", "/" + live + "?asOf=" + now + "&fields=name", "Query,GetItem"},
		{"restore", "POST", "/" + live + "/history/1/restore", "BatchGetItem,PutItem"},
		{"restore adding an exam", "POST", "/" + widened + "/history/1/restore", "BatchGetItem,TransactWriteItems"},
		{"undelete", "POST", "/" + deleted + "/history/1/restore", "BatchGetItem,TransactWriteItems"},
		{"restore that changes nothing", "POST", "/" + same + "/history/1/restore", "BatchGetItem"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mark := e.calls.mark()
			expect(t, e.do(tc.method, "/examRegProcesses/t1"+tc.path, ""), 200)
			if got := e.calls.since(mark); sortedOps(got) != sortedOps(nil, tc.want) {
				t.Errorf("made %s, want %s", ops(got), tc.want)
			}
		})
	}
}

// TestTimeTravelRefusesBadRequests: what the handlers refuse before
// storage, on the fake.
func TestTimeTravelRefusesBadRequests(t *testing.T) {
	e := newFakeEnv(t)
	id := e.create("Bad")["id"].(string)
	for _, tc := range []struct {
		method, path, body string
		header             []string
		fields             string
	}{
		{"GET", "/" + id + "/compare", "", nil, "[from]"},
		{"GET", "/" + id + "/compare?from=1&to=0", "", nil, "[to]"},
		{"GET", "/" + id + "/compare?from=x&limit=2", "", nil, "[limit from]"},
		{"GET", "/" + id + "?asOf=2026-13-01T00:00:00Z", "", nil, "[asOf]"},
		{"GET", "/" + id + "?asOf=2026-01-01", "", nil, "[asOf]"},
		{"GET", "/" + id + "?asOf=2026-01-01T00:00:00Z&consistentRead=true", "", nil, "[consistentRead]"},
		{"POST", "/" + id + "/history/0/restore", "", nil, "[version]"},
		{"POST", "/" + id + "/history/1/restore?force=1", "", nil, "[force]"},
		{"POST", "/" + id + "/history/1/restore", `{"name":"x"}`, nil, "[]"},
		{"POST", "/" + id + "/history/1/restore", "", []string{"Idempotency-Key", ""}, "[Idempotency-Key]"},
	} {
		r := expect(t, e.do(tc.method, "/examRegProcesses/t1"+tc.path, tc.body, tc.header...), 400)
		if got := fmt.Sprint(r.fields(t)); got != tc.fields {
			t.Errorf("%s %s: fields %s, want %s", tc.method, tc.path, got, tc.fields)
		}
	}
}

// TestBatchRestores: a batch restores as the single route does, each
// operation answered on its own.
func TestBatchRestores(t *testing.T) {
	e := newFakeEnv(t)
	id := e.create("Batched")["id"].(string)
	expect(t, e.do("PATCH", "/examRegProcesses/t1/"+id, `[{"op":"replace","path":"/name","value":"Changed"}]`), 200)
	r := expect(t, e.do("POST", "/examRegProcesses/t1/batch", fmt.Sprintf(`{"operations":[
		{"operation":"restore","id":%q,"version":1},
		{"operation":"restore","id":%q,"version":1},
		{"operation":"restore","id":%q,"version":9},
		{"operation":"restore","id":%q},
		{"operation":"restore","id":%q,"version":"1"},
		{"operation":"patch","id":%q,"version":1,"patch_directives":[]},
		{"operation":"delete","id":%q},
		{"operation":"restore","id":%q,"version":2}]}`, id, id, id, id, id, id, id, id)), 200)
	var out struct {
		SuccessCount int `json:"success_count"`
		Results      []struct {
			Operation string
			Status    int
			Object    map[string]any
		}
	}
	r.json(t, &out)
	var got []string
	for _, res := range out.Results {
		got = append(got, fmt.Sprintf("%s %d %v", res.Operation, res.Status, res.Object["sys_version"]))
	}
	want := []string{"restore 200 3", "restore 200 3", "restore 404 <nil>", "restore 400 <nil>", "restore 400 <nil>", "patch 400 <nil>", "delete 200 <nil>", "restore 200 5"}
	if !slices.Equal(got, want) || out.SuccessCount != 4 {
		t.Errorf("results %q (%d succeeded), want %q", got, out.SuccessCount, want)
	}
}

// TestConcurrentRestoresAndPatchesLoseNothing: restores race patches of one
// record; every write succeeds and the history holds each version once.
func TestConcurrentRestoresAndPatchesLoseNothing(t *testing.T) {
	e := newEnv(t, withHistory())
	id := e.create("Raced")["id"].(string)
	expect(t, e.do("PATCH", "/examRegProcesses/t1/"+id, `[{"op":"replace","path":"/name","value":"Second"}]`), 200)
	e.awaitHistory(t, id, 2)
	var wg sync.WaitGroup
	statuses := make([]int, 12)
	for i := range statuses {
		wg.Go(func() {
			if i%2 == 0 {
				statuses[i] = e.do("POST", restorePath(id, 1+i%4/2), "").status
				return
			}
			statuses[i] = e.do("PATCH", "/examRegProcesses/t1/"+id, fmt.Sprintf(`[{"op":"add","path":"/description","value":"patch %d"}]`, i)).status
		})
	}
	wg.Wait()
	for i, s := range statuses {
		if s != 200 {
			t.Errorf("write %d answered %d", i, s)
		}
	}
	version := int(expect(t, e.do("GET", "/examRegProcesses/t1/"+id+"?consistentRead=true", ""), 200).object(t)["sys_version"].(float64))
	entries := e.entries(t, id, version)
	for i, en := range entries {
		if en.Version != i+1 {
			t.Fatalf("history %s: versions not 1 to %d", versions(entries), version)
		}
	}
}
