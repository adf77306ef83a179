package api_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/dev/bulkload"
	"github.com/certhub/examreg/pkg/examreg"
	"github.com/certhub/examreg/pkg/history"
	"github.com/certhub/examreg/pkg/jsondoc"
	"github.com/certhub/examreg/pkg/store"
)

// fakeStore is an in-memory api.Store for the tests of HTTP behaviour:
// requests that the handlers answer before storage, and the shape of what
// they answer after it. It keeps each tenant's records as the
// *examreg.Process values the handlers hand it, and answers with the same
// examreg functions whose results the real store's answers correspond to.
// It proves nothing about storage: the conditions, transactions, retries,
// projections and paging of DynamoDB are tested against the engine.
//
// Where it is simpler than the real store:
//   - every read is consistent, and one mutex makes every call atomic, so
//     no write ever loses a race and needs a retry;
//   - the change history is written with each write, where the history
//     writer writes it shortly after, from the table's stream;
//   - a page ends where Limit ends it, never at DynamoDB's 1 MB.
type fakeStore struct {
	mu      sync.Mutex
	tenants map[string]*fakeTenant
	// calls counts the calls made to the store, so that a test can show a
	// request was answered before storage.
	calls int
}

var _ api.Store = (*fakeStore)(nil)

// fakeTenant is what the store holds for one tenant.
type fakeTenant struct {
	processes     map[string]*examreg.Process
	exams         map[string]bool
	registrations []*examreg.Registration
	keys          map[string]fakeKey
	// history holds each record's versions, oldest first.
	history map[string][]fakeVersion
	// deletions holds the last delete of each deleted id: its write id
	// tells a delete sent again from a second delete (see DeleteProcess).
	deletions map[string]store.Deletion
}

// fakeKey is a create's Idempotency-Key.
type fakeKey struct {
	fingerprint, id string
	answer          []byte
	expires         time.Time
}

// fakeVersion is one entry of a record's history and the record as a
// client read it right after that version (nil for the delete).
type fakeVersion struct {
	entry examreg.HistoryEntry
	image []byte
}

func newFakeStore() *fakeStore { return &fakeStore{tenants: map[string]*fakeTenant{}} }

// begin locks the store for one call and returns the tenant's data.
func (f *fakeStore) begin(tenant string) (*fakeTenant, func()) {
	f.mu.Lock()
	f.calls++
	return f.tenant(tenant), f.mu.Unlock
}

// tenant is the data of a tenant; the caller holds the lock.
func (f *fakeStore) tenant(name string) *fakeTenant {
	t := f.tenants[name]
	if t == nil {
		t = &fakeTenant{processes: map[string]*examreg.Process{}, exams: map[string]bool{}, keys: map[string]fakeKey{}, history: map[string][]fakeVersion{}, deletions: map[string]store.Deletion{}}
		f.tenants[name] = t
	}
	return t
}

// callCount is the number of calls made to the store so far.
func (f *fakeStore) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// snapshot is everything the API can write, for comparing before and
// after (exams and registrations are only ever loaded).
func (f *fakeStore) snapshot() map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	all := map[string]string{}
	for name, t := range f.tenants {
		for id, p := range t.processes {
			all[name+" process "+id] = string(p.AppendJSON(nil))
		}
		for key, k := range t.keys {
			all[name+" key "+key] = k.id + " " + k.fingerprint
		}
		for id, versions := range t.history { // entries are only ever added
			all[name+" history "+id] = strconv.Itoa(len(versions))
		}
	}
	return all
}

// load adds JSON Lines records of one kind (a bulkload kind) to a tenant,
// each decoded and completed as the bulk loader does. It is not a call the
// handlers make, and is not counted as one.
func (f *fakeStore) load(tenant, kind string, lines ...string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.tenant(tenant)
	bulk := examreg.BulkLoad{Tenant: tenant, ID: "fake-load", SourceFile: kind + ".jsonl", Now: time.Now()}
	for i, line := range lines {
		switch kind {
		case bulkload.Exams:
			e, err := examreg.DecodeExam([]byte(line))
			if err != nil {
				return err
			}
			t.exams[e.Text("id")] = true
		case bulkload.Registrations:
			r, err := examreg.DecodeRegistration([]byte(line))
			if err != nil {
				return err
			}
			at, err := time.Parse(time.RFC3339Nano, r.Text("date"))
			if err != nil {
				return err
			}
			// One format for every date, as the loader writes them.
			t.registrations = append(t.registrations, r.With("date", examreg.Timestamp(at)))
		case bulkload.Processes:
			p, err := examreg.DecodeLoadedProcess([]byte(line))
			if err != nil {
				return err
			}
			if err := t.write(t.processes[p.ID()], bulk.Loaded(p, i+1, t.processes[p.ID()], t.deleted(p.ID()))); err != nil {
				return err
			}
		default:
			return fmt.Errorf("fake store: no kind %q", kind)
		}
	}
	return nil
}

// write stores after as the successor of before (nil for a new record) and
// adds its history entry.
func (t *fakeTenant) write(before, after *examreg.Process) error {
	entry, err := examreg.ChangeOf(before, after, history.Diff)
	if err != nil {
		return err
	}
	t.processes[after.ID()] = after
	t.history[after.ID()] = append(t.history[after.ID()], fakeVersion{entry, after.AppendJSON(nil)})
	return nil
}

// deleted is the version of the delete of the record id when it is deleted,
// else 0.
func (t *fakeTenant) deleted(id string) int64 {
	if t.processes[id] != nil {
		return 0
	}
	return t.deletions[id].Version
}

// missingExams is the conflict the real store answers when a write names
// exams the tenant does not have: each of added that is missing, by its
// place in examIDs.
func (t *fakeTenant) missingExams(added, examIDs []string) error {
	var missing []string
	for _, id := range added {
		if !t.exams[id] {
			missing = append(missing, id)
		}
	}
	if missing == nil {
		return nil
	}
	return examreg.MissingExams(missing, examIDs)
}

// sortedIDs are the tenant's record ids in key order, which is creation
// order (ids are UUIDv7).
func (t *fakeTenant) sortedIDs() []string { return slices.Sorted(maps.Keys(t.processes)) }

func (f *fakeStore) GetProcess(_ context.Context, tenant, id string, opt store.ReadOptions) (store.Record, error) {
	t, unlock := f.begin(tenant)
	defer unlock()
	p := t.processes[id]
	if p == nil {
		return store.Record{}, examreg.ErrNotFound
	}
	return store.Record{JSON: projectedJSON(p, opt.Fields), Version: p.Version()}, nil
}

// projectedJSON is a record's JSON text with only the members fields
// selects (all of them when fields is nil), as a ProjectionExpression
// returns the paths examreg.ParseFields allows: a path selects a member
// whole, or members of it in turn, and an object of which nothing is
// selected is left out.
func projectedJSON(p *examreg.Process, fields [][]string) []byte {
	if fields == nil {
		return p.AppendJSON(nil)
	}
	return jsondoc.ObjectValue(examreg.Projected(p.Members(), fields)).AppendJSON(nil)
}

// ListProcesses pages in id order. A page ends with a key when records
// follow it, as moto's Query does (DynamoDB may also end a full last page
// with one, to an empty page).
func (f *fakeStore) ListProcesses(_ context.Context, tenant string, opt store.ListOptions) (store.Page, error) {
	t, unlock := f.begin(tenant)
	defer unlock()
	var ids []string
	for _, id := range t.sortedIDs() {
		if id > opt.After {
			ids = append(ids, id)
		}
	}
	var page store.Page
	if opt.Limit > 0 && len(ids) > int(opt.Limit) {
		ids, page.Last = ids[:opt.Limit], ids[opt.Limit-1]
	}
	page.JSON, page.Count = []byte{'['}, len(ids)
	for i, id := range ids {
		if i > 0 {
			page.JSON = append(page.JSON, ',')
		}
		page.JSON = append(page.JSON, projectedJSON(t.processes[id], opt.Fields)...)
	}
	page.JSON = append(page.JSON, ']')
	return page, nil
}

func (f *fakeStore) ReadProcess(_ context.Context, tenant, id string) (*examreg.Process, error) {
	t, unlock := f.begin(tenant)
	defer unlock()
	if p := t.processes[id]; p != nil {
		return p, nil
	}
	return nil, examreg.ErrNotFound
}

func (f *fakeStore) ReadProcesses(_ context.Context, tenant string, ids []string) (map[string]*examreg.Process, error) {
	t, unlock := f.begin(tenant)
	defer unlock()
	if len(ids) > store.MaxBatchRead {
		return nil, fmt.Errorf("fake store: %d ids in one batch read, at most %d", len(ids), store.MaxBatchRead)
	}
	found := map[string]*examreg.Process{}
	for _, id := range ids {
		if p := t.processes[id]; p != nil {
			found[id] = p
		}
	}
	return found, nil
}

// CreateProcess answers as the real store's transaction does, in its order:
// a key held by an earlier create replays it (or is reused), then missing
// exams, then the tenant's limit.
func (f *fakeStore) CreateProcess(_ context.Context, tenant string, p *examreg.Process, maxPerTenant int, idem *store.Idempotency) (*store.Replay, error) {
	t, unlock := f.begin(tenant)
	defer unlock()
	if idem != nil {
		if k, held := t.keys[idem.Key]; held && !k.expires.Before(time.Now()) {
			if k.fingerprint != idem.Fingerprint {
				return nil, store.ErrKeyReused
			}
			return &store.Replay{ID: k.id, Answer: k.answer}, nil
		}
	}
	if err := t.missingExams(p.ExamIDs(), p.ExamIDs()); err != nil {
		return nil, err
	}
	if len(t.processes) >= maxPerTenant {
		return nil, examreg.ErrLimit
	}
	if t.processes[p.ID()] != nil {
		return nil, examreg.Errorf(examreg.ECONFLICT, "an exam reg process with this id already exists")
	}
	if err := t.write(nil, p); err != nil {
		return nil, err
	}
	if idem != nil {
		t.keys[idem.Key] = fakeKey{fingerprint: idem.Fingerprint, id: p.ID(), answer: idem.Answer, expires: idem.Expires}
	}
	return nil, nil
}

func (f *fakeStore) UpdateProcess(_ context.Context, tenant, id string, change store.ChangeFunc) (*examreg.Process, error) {
	t, unlock := f.begin(tenant)
	defer unlock()
	current := t.processes[id]
	switch {
	case current == nil:
		return nil, examreg.ErrNotFound
	case current.IsLocked():
		return nil, examreg.ErrLocked
	}
	next, err := change(current)
	if err != nil {
		return nil, err
	}
	return t.replace(current, next)
}

// replace writes next over current, as the real store's update does: not
// at all when it changes nothing a client writes.
func (t *fakeTenant) replace(current, next *examreg.Process) (*examreg.Process, error) {
	if next.Unchanged(current) {
		return current, nil
	}
	added := slices.DeleteFunc(next.ExamIDs(), func(exam string) bool { return slices.Contains(current.ExamIDs(), exam) })
	if err := t.missingExams(added, next.ExamIDs()); err != nil {
		return nil, err
	}
	return next, t.write(current, next)
}

// UpdateRead changes the record as the store holds it: where the real store
// finds that read stale, its condition fails and it retries on the stored
// record, to the same outcome.
func (f *fakeStore) UpdateRead(ctx context.Context, tenant string, read *examreg.Process, change store.ChangeFunc) (*examreg.Process, error) {
	return f.UpdateProcess(ctx, tenant, read.ID(), change)
}

func (f *fakeStore) DeleteProcess(_ context.Context, tenant, id string, versions []int64, by examreg.Actor) error {
	t, unlock := f.begin(tenant)
	defer unlock()
	if slices.ContainsFunc(t.registrations, func(r *examreg.Registration) bool { return r.Text("process_id") == id }) {
		return store.ErrReferenced
	}
	p := t.processes[id]
	switch {
	case p == nil && t.deletions[id].WriteID == by.WriteID:
		return nil // this write's own deletion, as the real store recognises a retry
	case p == nil:
		return examreg.ErrNotFound
	case p.IsLocked():
		return examreg.ErrLocked
	case versions != nil && !slices.Contains(versions, p.Version()):
		return examreg.ErrIfMatch
	}
	delete(t.processes, id)
	t.history[id] = append(t.history[id], fakeVersion{entry: examreg.DeletionOf(p, by.UserID, examreg.Timestamp(by.Now), by.RequestID)})
	created, _ := p.Member("sys_created_at")
	createdBy, _ := p.Member("sys_created_by_id")
	t.deletions[id] = store.Deletion{WriteID: by.WriteID, Version: p.Version() + 1, CreatedAt: created.Text(), CreatedBy: createdBy.Text()}
	return nil
}

func (f *fakeStore) ExamExists(_ context.Context, tenant, examID string) error {
	t, unlock := f.begin(tenant)
	defer unlock()
	if !t.exams[examID] {
		return store.ErrExamNotFound
	}
	return nil
}

func (f *fakeStore) Candidates(_ context.Context, tenant string) ([]examreg.Candidate, error) {
	t, unlock := f.begin(tenant)
	defer unlock()
	var all []examreg.Candidate
	for _, id := range t.sortedIDs() {
		all = append(all, examreg.NewCandidate(t.processes[id]))
	}
	return all, nil
}

// LatestRegistration is the contact's registration for the exam with the
// latest date (then the greatest id), as the real store's sort key orders
// them.
func (f *fakeStore) LatestRegistration(_ context.Context, tenant, contactID, examID string) (*examreg.Registration, error) {
	t, unlock := f.begin(tenant)
	defer unlock()
	var latest *examreg.Registration
	for _, r := range t.registrations {
		if r.Text("student_id") != contactID || r.Text("exam_id") != examID {
			continue
		}
		if latest == nil || cmp.Or(strings.Compare(r.Text("date"), latest.Text("date")), strings.Compare(r.Text("id"), latest.Text("id"))) > 0 {
			latest = r
		}
	}
	return latest, nil
}

// History pages through a record's entries newest first, with a key as
// ListProcesses has one.
func (f *fakeStore) History(_ context.Context, tenant, id string, opt store.HistoryOptions) (store.HistoryPage, error) {
	t, unlock := f.begin(tenant)
	defer unlock()
	entries := []examreg.HistoryEntry{}
	for _, v := range slices.Backward(t.history[id]) {
		if opt.Before == 0 || v.entry.Version < opt.Before {
			entries = append(entries, v.entry)
		}
	}
	if len(entries) == 0 && opt.Before == 0 && t.processes[id] == nil {
		return store.HistoryPage{}, examreg.ErrNotFound
	}
	var page store.HistoryPage
	if opt.Limit > 0 && len(entries) > int(opt.Limit) {
		entries = entries[:opt.Limit]
		page.Last = entries[len(entries)-1].Version
	}
	text, err := json.Marshal(entries)
	if err != nil {
		return store.HistoryPage{}, err
	}
	page.JSON, page.Count = text, len(entries)
	return page, nil
}

func (f *fakeStore) HistoryVersion(_ context.Context, tenant, id string, version int64) (store.Record, error) {
	t, unlock := f.begin(tenant)
	defer unlock()
	return t.image(id, version)
}

// image is version of a record as its history holds it: an ENOTFOUND
// error, as the real store's, for a version it does not hold or a delete.
func (t *fakeTenant) image(id string, version int64) (store.Record, error) {
	for _, v := range t.history[id] {
		if v.entry.Version == version && v.image != nil {
			return store.Record{JSON: v.image, Version: version}, nil
		}
		if v.entry.Version == version {
			return store.Record{}, store.VersionNotFound(version, true)
		}
	}
	return store.Record{}, store.VersionNotFound(version, false)
}

func (f *fakeStore) LatestVersion(_ context.Context, tenant, id string) (store.Record, error) {
	t, unlock := f.begin(tenant)
	defer unlock()
	for _, v := range slices.Backward(t.history[id]) {
		if v.image != nil {
			return store.Record{JSON: v.image, Version: v.entry.Version}, nil
		}
	}
	return store.Record{}, examreg.ErrNotFound
}

func (f *fakeStore) HistoryAsOf(_ context.Context, tenant, id string, at time.Time) (store.Record, error) {
	t, unlock := f.begin(tenant)
	defer unlock()
	for _, v := range slices.Backward(t.history[id]) {
		if v.entry.At <= examreg.Timestamp(at) {
			if v.image == nil {
				break
			}
			return store.Record{JSON: v.image, Version: v.entry.Version}, nil
		}
	}
	return store.Record{}, examreg.ErrNotFound
}

// RestoreProcess restores as the real store does, its outcomes checked in
// its order: the version, then the record (or, deleted, the key, the exams
// and the tenant's limit, as a create).
func (f *fakeStore) RestoreProcess(_ context.Context, tenant, id string, version int64, maxPerTenant int, idem *store.Idempotency, restore store.RestoreFunc) (*examreg.Process, *store.Replay, error) {
	t, unlock := f.begin(tenant)
	defer unlock()
	rec, err := t.image(id, version)
	if err != nil {
		return nil, nil, err
	}
	old, err := examreg.ParseStoredProcess(rec.JSON)
	if err != nil {
		return nil, nil, err
	}
	current := t.processes[id]
	if current != nil && current.IsLocked() {
		return nil, nil, examreg.ErrLocked
	}
	next, err := restore(current, old, t.deletions[id])
	if err != nil {
		return nil, nil, err
	}
	if idem != nil && (current == nil || !next.Unchanged(current)) {
		if k, held := t.keys[idem.Key]; held && !k.expires.Before(time.Now()) {
			if k.fingerprint != idem.Fingerprint {
				return nil, nil, store.ErrKeyReused
			}
			return nil, &store.Replay{ID: k.id, Answer: k.answer}, nil
		}
	}
	if current != nil {
		saved, err := t.replace(current, next)
		if err == nil && idem != nil && saved != current {
			t.keys[idem.Key] = fakeKey{fingerprint: idem.Fingerprint, id: id, answer: idem.Answer, expires: idem.Expires}
		}
		return saved, nil, err
	}
	if err := t.missingExams(next.ExamIDs(), next.ExamIDs()); err != nil {
		return nil, nil, err
	}
	if len(t.processes) >= maxPerTenant {
		return nil, nil, examreg.ErrLimit
	}
	if idem != nil {
		t.keys[idem.Key] = fakeKey{fingerprint: idem.Fingerprint, id: id, answer: idem.Answer, expires: idem.Expires}
	}
	return next, nil, t.write(nil, next)
}

// TestTheFakeAnswersAsTheEngine runs one script of requests on the engine
// and on the fake: every answer must be the same but for the ids, request
// ids and times that each run makes afresh. It keeps the fake honest where
// its answers reach the tests that run on it.
func TestTheFakeAnswersAsTheEngine(t *testing.T) {
	const limit = 5
	script := func(e *env) []reply {
		var replies []reply
		do := func(method, path, body string, header ...string) reply {
			t.Helper()
			r := e.do(method, path, body, header...)
			replies = append(replies, r)
			return r
		}
		rec := func(id string) string { return "/examRegProcesses/t1/" + id }
		a := expect(t, do("POST", "/examRegProcesses/t1", processBody("A")), 200).object(t)["id"].(string)
		b := expect(t, do("POST", "/examRegProcesses/t1", processBody("B", "exam-a", "exam-b")), 200).object(t)["id"].(string)
		do("POST", "/examRegProcesses/t1", processBody("C", "exam-b", "exam-zz", "exam-yy"))
		do("GET", rec(a)+"?fields=name,checkout_settings.bank_account_id,checkout_settings.extra.kept,confirmation_email.cc", "")
		do("GET", rec(a)+"?fields=sys_version,confirmation_email.cc", "")
		do("GET", "/examRegProcesses/t1?limit=1&fields=exam_ids", "")
		page := do("GET", "/examRegProcesses/t1?limit=2", "")
		if next := page.header.Get("X-Exclusive-Start-Key"); next != "" {
			do("GET", "/examRegProcesses/t1?limit=2&exclusiveStartKey="+next, "")
		}
		do("GET", rec("missing"), "")
		do("PATCH", rec(a), `[{"op":"replace","path":"/name","value":"A2"},{"op":"add","path":"/exam_ids/-","value":"exam-b"}]`)
		do("PATCH", rec(a), `[{"op":"add","path":"/exam_ids/-","value":"exam-zz"}]`)
		do("PUT", rec(b), strings.Replace(processBody("B2", "exam-b"), `{`, `{"sys_version":1,`, 1))
		do("PUT", rec(b), strings.Replace(processBody("B3", "exam-b"), `{`, `{"sys_version":1,`, 1))
		do("PATCH", rec("missing"), `[{"op":"replace","path":"/name","value":"M"}]`)
		do("DELETE", rec(b), "", "If-Match", `"1"`)
		do("POST", "/examRegProcesses/t1/batch", `{"operations":[`+
			`{"operation":"patch","id":"`+b+`","patch_directives":[{"op":"replace","path":"/name","value":"B4"}]},`+
			`{"operation":"delete","id":"`+b+`"},{"operation":"patch","id":"`+b+`","patch_directives":[]},`+
			`{"operation":"delete","id":"missing"}]}`)
		do("DELETE", rec(b), "")
		do("PATCH", rec(a), `[{"op":"add","path":"/sys_locked","value":true}]`)
		do("PUT", rec(a), processBody("Locked"))
		do("DELETE", rec(a), "")
		used := expect(t, do("POST", "/examRegProcesses/t1", processBody("Used"), "Idempotency-Key", "k1"), 200).object(t)["id"].(string)
		do("POST", "/examRegProcesses/t1", processBody("Used"), "Idempotency-Key", "k1")
		do("POST", "/examRegProcesses/t1", processBody("Other"), "Idempotency-Key", "k1")
		e.load("t1", bulkload.Registrations,
			`{"id":"r1","name":"R","student_id":"c1","exam_id":"exam-a","date":"2026-01-02T03:04:05+01:00","status":"cancelled","process_id":"`+used+`"}`,
			`{"id":"r2","name":"R","student_id":"c1","exam_id":"exam-b","date":"2027-01-02T03:04:05Z","status":"passed"}`)
		do("DELETE", rec(used), "")
		do("GET", "/examRegProcesses/t1/eligible/c1/exam-a", "")
		do("GET", "/examRegProcesses/t1/eligible/c1/exam-b", "")
		do("GET", "/examRegProcesses/t1/eligible/c1/exam-zz", "")
		for range limit {
			do("POST", "/examRegProcesses/t1", processBody("Filler"))
		}
		return replies
	}
	engine, fake := script(newEnv(t, withLimit(limit))), script(newFakeEnv(t, withLimit(limit)))
	if len(engine) != len(fake) {
		t.Fatalf("%d answers from the engine, %d from the fake", len(engine), len(fake))
	}
	fresh := [2]freshValues{{}, {}}
	for i := range engine {
		want, got := fresh[0].replaced(engine[i]), fresh[1].replaced(fake[i])
		if got != want {
			t.Errorf("answer %d: the fake answered\n%s\nthe engine\n%s", i, got, want)
		}
	}
}

// freshValues names the values a run makes afresh (ids, request ids,
// times) by the order in which they first appear in its answers.
type freshValues map[string]string

var (
	uuidPattern = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	timePattern = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`)
)

// replaced is what of an answer two runs must agree on, with the fresh
// values named: its status, body and headers (of paging headers, whether
// they are there).
func (seen freshValues) replaced(r reply) string {
	text := fmt.Sprintf("%d %s\nETag %s, Location %s, Idempotent-Replayed %s, next page %v",
		r.status, r.body, r.header.Get("ETag"), r.header.Get("Location"), r.header.Get("Idempotent-Replayed"), r.header.Get("Link") != "")
	text = uuidPattern.ReplaceAllStringFunc(text, func(u string) string {
		if seen[u] == "" {
			seen[u] = fmt.Sprintf("<uuid %d>", len(seen))
		}
		return seen[u]
	})
	return timePattern.ReplaceAllString(text, "<time>")
}
