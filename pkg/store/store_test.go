package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/certhub/examreg/pkg/dev/dynamotest"
	"github.com/certhub/examreg/pkg/examreg"
	"github.com/certhub/examreg/pkg/store"
)

func TestMain(m *testing.M) { os.Exit(dynamotest.RunTests(m)) }

var ctx = context.Background()

func seedExams(t *testing.T, s *store.Store, tenant string, ids ...string) {
	t.Helper()
	var items []store.Item
	for _, id := range ids {
		e, err := examreg.DecodeExam([]byte(`{"id":"` + id + `","name":"Exam ` + id + `","is_active":true}`))
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, store.ExamItem(tenant, e))
	}
	if err := s.PutItems(ctx, items, nil); err != nil {
		t.Fatal(err)
	}
}

// actor is the caller of a test write; each write gets its own request id.
func actor(request string) examreg.Actor {
	return examreg.Actor{UserID: "u1", TenantID: "t", RequestID: request, WriteID: request, Operation: "update", Now: time.Now()}
}

// newProcess is a record as a create stores it, with empty containers and a
// number no float64 holds, so that a round trip shows any loss.
func newProcess(t *testing.T, id string, exams ...string) *examreg.Process {
	t.Helper()
	examIDs, _ := json.Marshal(exams)
	body := fmt.Sprintf(`{"name":"P %s","type":"register","exam_ids":%s,
		"contact_form_options":{"contact_form_id":"cf"},
		"checkout_settings":{"bank_account_id":"b","business_unit_id":"u","nested":{"empty":"","list":[1,"x",null,[],{}],"none":{}},
			"big":12345678901234567890123456789012345678,"tiny":1E-130},
		"custom_field_values":[{"custom_field_id":"a__c","list_value":[],"table_value":[{}]}],
		"confirmation_email":{"subject":"s","body":"b"},"is_active":false,"display_order":0}`, id, examIDs)
	p, err := examreg.DecodeProcess([]byte(body), "")
	if err != nil {
		t.Fatal(err)
	}
	return examreg.NewProcess(p, id, actor("create-"+id))
}

func create(t *testing.T, s *store.Store, p *examreg.Process) {
	t.Helper()
	if _, err := s.CreateProcess(ctx, "t", p, 10, nil); err != nil {
		t.Fatal(err)
	}
}

func TestCreateGetRoundTripsEveryValue(t *testing.T) {
	s := dynamotest.NewTable(t)
	seedExams(t, s, "t", "e1")
	p := newProcess(t, "p1", "e1")
	create(t, s, p)
	got, err := s.GetProcess(ctx, "t", "p1", store.ReadOptions{Consistent: true})
	if err != nil {
		t.Fatal(err)
	}
	if want := p.AppendJSON(nil); string(got.JSON) != string(want) || got.Version != 1 {
		t.Errorf("round trip changed the record:\nwant %s\nhave %s (version %d)", want, got.JSON, got.Version)
	}
	read, err := s.ReadProcess(ctx, "t", "p1")
	if err != nil {
		t.Fatal(err)
	}
	if !read.Document().Equal(p.Document()) {
		t.Errorf("ReadProcess = %s, want %s", read.AppendJSON(nil), p.AppendJSON(nil))
	}
	if _, err := s.GetProcess(ctx, "other", "p1", store.ReadOptions{}); !errors.Is(err, examreg.ErrNotFound) {
		t.Errorf("another tenant's get = %v, want ErrNotFound", err)
	}
}

func TestProjectionsReturnOnlyWhatWasAsked(t *testing.T) {
	s := dynamotest.NewTable(t)
	seedExams(t, s, "t", "e1")
	create(t, s, newProcess(t, "p1", "e1"))
	got, err := s.GetProcess(ctx, "t", "p1", store.ReadOptions{Fields: [][]string{{"id"}, {"checkout_settings", "nested"}}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"p1","checkout_settings":{"nested":{"empty":"","list":[1,"x",null,[],{}],"none":{}}}}`
	if string(got.JSON) != want || got.Version != 1 {
		t.Errorf("projection = %s (version %d), want %s and version 1", got.JSON, got.Version, want)
	}
}

func TestCreateRefusesMissingExams(t *testing.T) {
	s := dynamotest.NewTable(t)
	seedExams(t, s, "t", "e1")
	_, err := s.CreateProcess(ctx, "t", newProcess(t, "p1", "e1", "nope", "gone"), 10, nil)
	var e *examreg.Error
	if !errors.As(err, &e) || e.Code != examreg.ECONFLICT || len(e.Fields) != 2 || e.Fields[0].Field != "exam_ids[1]" {
		t.Fatalf("create with missing exams = %#v, want ECONFLICT naming exam_ids[1] and [2]", err)
	}
	if _, err := s.GetProcess(ctx, "t", "p1", store.ReadOptions{Consistent: true}); !errors.Is(err, examreg.ErrNotFound) {
		t.Errorf("a refused create left a record: %v", err)
	}
}

func TestIdempotentCreatesMakeOneRecord(t *testing.T) {
	s := dynamotest.NewTable(t)
	seedExams(t, s, "t", "e1")
	idem := func(fingerprint string) *store.Idempotency {
		return &store.Idempotency{Key: "k-1", Fingerprint: fingerprint, Answer: []byte(`{"first":true}`), Expires: time.Now().Add(time.Hour)}
	}
	const creates = 10
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		replays []*store.Replay
	)
	for i := range creates {
		wg.Go(func() {
			replay, err := s.CreateProcess(ctx, "t", newProcess(t, fmt.Sprint("c", i), "e1"), 100, idem("same body"))
			if err != nil {
				t.Errorf("create %d: %v", i, err)
			}
			mu.Lock()
			replays = append(replays, replay)
			mu.Unlock()
		})
	}
	wg.Wait()
	page, err := s.ListProcesses(ctx, "t", store.ListOptions{ReadOptions: store.ReadOptions{Consistent: true}})
	if err != nil {
		t.Fatal(err)
	}
	firsts := 0
	for _, r := range replays {
		if r == nil {
			firsts++
			continue
		}
		if string(r.Answer) != `{"first":true}` || !strings.Contains(string(page.JSON), `"id":"`+r.ID+`"`) {
			t.Errorf("replay %+v does not point at the stored record (%s)", r, page.JSON)
		}
	}
	if page.Count != 1 || firsts != 1 {
		t.Errorf("%d records and %d first creates, want 1 and 1", page.Count, firsts)
	}
	assertCounted(t, s, "t")
	// Keys are per tenant: another tenant's create with the key is its own.
	seedExams(t, s, "t2", "e1")
	if r, err := s.CreateProcess(ctx, "t2", newProcess(t, "t2-c", "e1"), 100, idem("same body")); err != nil || r != nil {
		t.Errorf("another tenant's create with the key = %+v, %v; want a create of its own", r, err)
	}
	if _, err := s.CreateProcess(ctx, "t", newProcess(t, "other", "e1"), 100, idem("another body")); !errors.Is(err, store.ErrKeyReused) {
		t.Errorf("the key with another body = %v, want ErrKeyReused", err)
	}
	// A key past its expiry (which DynamoDB's TTL removes only eventually)
	// is free again.
	expired := idem("body 1")
	expired.Key, expired.Expires = "k-2", time.Now().Add(-time.Minute)
	if r, err := s.CreateProcess(ctx, "t", newProcess(t, "x1", "e1"), 100, expired); err != nil || r != nil {
		t.Fatalf("first use of k-2 = %v, %v", r, err)
	}
	again := idem("body 2")
	again.Key = "k-2"
	if r, err := s.CreateProcess(ctx, "t", newProcess(t, "x2", "e1"), 100, again); err != nil || r != nil {
		t.Errorf("a key past its expiry = %v, %v; want a fresh create", r, err)
	}
}

// appendToDescription is a change: the record with text added to its
// description, as PUT by by.
func appendToDescription(t *testing.T, cur *examreg.Process, text string, by examreg.Actor) (*examreg.Process, error) {
	t.Helper()
	doc := map[string]any{}
	if err := json.Unmarshal(cur.AppendJSON(nil), &doc); err != nil {
		t.Fatal(err)
	}
	d, _ := doc["description"].(string)
	doc["description"] = d + text
	body, _ := json.Marshal(doc)
	p, err := examreg.DecodeProcess(body, cur.ID())
	if err != nil {
		t.Fatal(err)
	}
	return examreg.Replace(cur, p, by)
}

func TestDeleteRecordsTheDeleter(t *testing.T) {
	s := dynamotest.NewTable(t)
	seedExams(t, s, "t", "e1")
	p1 := newProcess(t, "p1", "e1")
	create(t, s, p1)
	created, _ := p1.Member("sys_created_at")
	by := examreg.Actor{UserID: "deleter", RequestID: "req-del", WriteID: "req-del", Now: time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)}
	if err := s.DeleteProcess(ctx, "t", "p1", nil, by); err != nil {
		t.Fatal(err)
	}
	d, err := s.ReadDeletion(ctx, "t", "p1")
	if err != nil {
		t.Fatal(err)
	}
	// The delete takes the version after the record's, and keeps its creation.
	want := store.Deletion{By: "deleter", At: "2026-05-06T07:08:09.000Z", RequestID: "req-del", WriteID: "req-del", Version: 2, CreatedAt: created.Text(), CreatedBy: "u1"}
	if d != want {
		t.Errorf("deletion = %+v, want %+v", d, want)
	}
	if err := s.DeleteProcess(ctx, "t", "p1", nil, actor("another")); !errors.Is(err, examreg.ErrNotFound) {
		t.Errorf("deleting again = %v, want ErrNotFound", err)
	}
}

func TestHistoryEntriesAreWrittenOnce(t *testing.T) {
	s := dynamotest.NewTable(t)
	seedExams(t, s, "t", "e1")
	p1 := newProcess(t, "p1", "e1")
	p2, err := appendToDescription(t, p1, "more", actor("r2"))
	if err != nil {
		t.Fatal(err)
	}
	create(t, s, p2) // a stored record, so that an empty history would answer
	entries := []examreg.HistoryEntry{
		{Version: 1, Operation: "create", At: "2026-01-01T00:00:00.000Z", By: "u1", RequestID: "r1", Patch: json.RawMessage(`[{"op":"add","path":"/name","value":"P p1"}]`)},
		{Version: 2, Operation: "update", At: "2026-01-01T00:00:01.000Z", By: "u1", RequestID: "r2", Patch: json.RawMessage(`[]`)},
	}
	images := [][]byte{p1.AppendJSON(nil), p2.AppendJSON(nil)}
	for round := range 2 { // the stream delivers again: nothing more is written
		for i, e := range entries {
			written, err := s.PutHistoryEntry(ctx, "t", "p1", e, images[i])
			if err != nil || written != (round == 0) {
				t.Fatalf("round %d, entry %d: written %v, %v", round, i, written, err)
			}
		}
	}
	page, err := s.History(ctx, "t", "p1", store.HistoryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"version":2,"operation":"update","at":"2026-01-01T00:00:01.000Z","by":"u1","request_id":"r2","patch":[]},` +
		`{"version":1,"operation":"create","at":"2026-01-01T00:00:00.000Z","by":"u1","request_id":"r1","patch":[{"op":"add","path":"/name","value":"P p1"}]}]`
	if string(page.JSON) != want || page.Last != 0 {
		t.Errorf("history = %s (last %d), want %s", page.JSON, page.Last, want)
	}
	first, err := s.History(ctx, "t", "p1", store.HistoryOptions{Limit: 1})
	if err != nil || first.Count != 1 || first.Last != 2 {
		t.Errorf("a page of one = %s, last %d, %v; want version 2 and a key", first.JSON, first.Last, err)
	}
	v1, err := s.HistoryVersion(ctx, "t", "p1", 1)
	if err != nil || string(v1.JSON) != string(images[0]) || v1.Version != 1 {
		t.Errorf("version 1 = %s, %v; want %s", v1.JSON, err, images[0])
	}
	if _, err := s.HistoryVersion(ctx, "t", "p1", 3); examreg.ErrorCode(err) != examreg.ENOTFOUND {
		t.Errorf("version 3 = %v, want not found", err)
	}
	if _, err := s.History(ctx, "t", "never", store.HistoryOptions{}); examreg.ErrorCode(err) != examreg.ENOTFOUND {
		t.Errorf("history of a record that never existed = %v, want not found", err)
	}
}
