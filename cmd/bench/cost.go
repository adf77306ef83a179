package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math"
	"reflect"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/certhub/examreg/pkg/dev/localenv"
	"github.com/certhub/examreg/pkg/examreg"
	"github.com/certhub/examreg/pkg/store"
)

// On-demand prices in us-east-1 (DynamoDB pricing page, after the
// November 2024 reduction), in dollars per million request units.
const (
	dollarsPerMillionWRU = 0.625
	dollarsPerMillionRRU = 0.125
)

// historyPageSize is the page of history the cost is computed for.
const historyPageSize = 25

// costCase is one row of the requests table: a request to the API (or,
// for the history writer, what it did for a write's stream records), the
// requests it made, its budget and the units it costs.
type costCase struct {
	op, method, path, body string
	header                 []string
	budget                 int
	rru, wru               float64
	model                  string
	// requests, when set, are the requests already counted (the history
	// writer's); otherwise the request is sent and its log line counted.
	requests calls
	// got is the number of requests made.
	got int
}

// dollars is what a million of the case cost on demand.
func (c costCase) dollars() float64 {
	return c.rru*dollarsPerMillionRRU + c.wru*dollarsPerMillionWRU
}

// requestsAndCost counts the DynamoDB requests of each operation at the SDK
// (the store's middleware, as the request log reports them) and of the
// history writer per stream record (through the local pipeline), and
// computes what a million of each costs on demand from DynamoDB's capacity
// rules and the sizes of the items involved, read back from the table
// (moto's ConsumedCapacity is a constant). Which items a request wrote is
// found by comparing the table before and after it, so that no key format
// is written here but pkg/store's.
func requestsAndCost(ctx context.Context, engine *localenv.Engine, r *report) error {
	h, err := newServiceWithHistory(ctx, engine, "cost")
	if err != nil {
		return err
	}
	defer h.stop()
	s := h.s
	var ids []string
	for i := range 30 {
		id, err := s.create(fmt.Sprint("Process ", i))
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	if err := s.load(ctx, "registrations", []string{
		`{"id":"r-1","name":"Registration","first_name":"Ada","last_name":"Lovelace","student_id":"c-1","exam_id":"e-1","exam_offering_id":"o-1","date":"2026-03-01T09:00:00Z","status":"failed","score":61,"process_id":"` + ids[0] + `"}`,
	}); err != nil {
		return err
	}
	editDescription := func(n int) string {
		return fmt.Sprintf(`[{"op":"replace","path":"/description","value":"Changed by the benchmark, edit %d."}]`, n)
	}
	var batch []string
	for i := range 10 {
		batch = append(batch, fmt.Sprintf(`{"operation":"patch","id":%q,"patch_directives":%s}`, ids[10+i], editDescription(i)))
	}

	// The history writer, a write at a time: its requests and its entries.
	writer, err := writerCases(ctx, s, h, ids[len(ids)-1], editDescription(0))
	if err != nil {
		return err
	}
	// A record with a page of history: 25 patches after its create, whose
	// entries the writer puts.
	history := ids[5]
	putsBefore := h.requests.putCount()
	for i := range historyPageSize {
		if _, err := s.must("PATCH", "/examRegProcesses/"+tenant+"/"+history, editDescription(i)); err != nil {
			return err
		}
	}
	if _, err := h.awaitEntry(history, historyPageSize+1); err != nil {
		return err
	}
	entries := h.requests.putsSince(putsBefore)
	if len(entries) < historyPageSize {
		return fmt.Errorf("the history writer put %d entries for %d patches", len(entries), historyPageSize)
	}
	page := 0
	for _, e := range entries[len(entries)-historyPageSize:] {
		page += itemSize(e)
	}
	version2 := itemSize(entries[0])

	sizes, err := itemSizes(ctx, s, ids[0])
	if err != nil {
		return err
	}
	// An Idempotency-Key's item holds the first answer: measured from one, as
	// the item the keyed create added besides its record.
	var keyed string
	added, _, err := h.written(ctx, func() (err error) {
		keyed, err = s.create("Keyed", "Idempotency-Key", "bench-key-size")
		return err
	})
	if err != nil {
		return err
	}
	idem, err := except(added, keyed)
	if err != nil {
		return fmt.Errorf("a create with an Idempotency-Key: %w", err)
	}
	p, exam, reg := sizes["process"], sizes["exam"], sizes["registration"]
	counter, deletion, keyItem := writer.counter, writer.deletion, itemSize(idem)
	const exams, listPage = 2, 25
	cases := []costCase{
		{op: "create", method: "POST", path: "/examRegProcesses/" + tenant, body: processBody("New"), budget: 1,
			wru:   2 * (kb(p) + kb(counter) + exams*kb(exam)),
			model: "transaction: put + counter + 2 exam checks, 2 WRU per KB each"},
		{op: "create with Idempotency-Key", method: "POST", path: "/examRegProcesses/" + tenant, body: processBody("New"),
			header: []string{"Idempotency-Key", "bench-key-1"}, budget: 1,
			wru:   2 * (kb(p) + kb(counter) + kb(keyItem) + exams*kb(exam)),
			model: "transaction: put + counter + the key's item (holding the first answer) + 2 exam checks"},
		{op: "get", method: "GET", path: "/examRegProcesses/" + tenant + "/" + ids[1], budget: 1,
			rru: 0.5 * fourKB(p), model: "eventually consistent read"},
		{op: "list page (25 items)", method: "GET", path: "/examRegProcesses/" + tenant + "?limit=25", budget: 1,
			rru: 0.5 * fourKB(listPage*p), model: "one Query, 25 items, eventually consistent"},
		{op: "history page (25 entries)", method: "GET", path: "/examRegProcesses/" + tenant + "/" + history + "/history?limit=25", budget: 1,
			rru: 0.5 * fourKB(page), model: "one Query of the record's history partition, 25 entries, eventually consistent (a projection does not lower the units: whole items are read)"},
		{op: "history version", method: "GET", path: "/examRegProcesses/" + tenant + "/" + history + "/history/2", budget: 1,
			rru: 0.5 * fourKB(version2), model: "one GetItem of the entry (its image), eventually consistent; the contract allows 2 requests"},
		{op: "update", method: "PUT", path: "/examRegProcesses/" + tenant + "/" + ids[2], body: processBody("Updated"), budget: 2,
			rru: fourKB(p), wru: kb(p), model: "consistent read; conditional put (no exam added)"},
		{op: "update adding an exam", method: "PUT", path: "/examRegProcesses/" + tenant + "/" + ids[2], body: strings.Replace(processBody("Updated"), `"e-2"]`, `"e-2","e-3"]`, 1), budget: 2,
			rru: fourKB(p), wru: 2 * (kb(p) + kb(exam)), model: "consistent read; transaction: put + the new exam's check"},
		{op: "patch", method: "PATCH", path: "/examRegProcesses/" + tenant + "/" + ids[3], body: editDescription(1), budget: 2,
			rru: fourKB(p), wru: kb(p), model: "consistent read; conditional put (no exam added)"},
		{op: "delete", method: "DELETE", path: "/examRegProcesses/" + tenant + "/" + ids[4], budget: 2,
			rru: 0.5, wru: 2 * (kb(p) + kb(counter) + kb(deletion)), model: "index count (keys only); transaction: delete + counter + deletion item"},
		{op: "eligible (30 processes)", method: "GET", path: "/examRegProcesses/" + tenant + "/eligible/c-1/e-1", budget: 3,
			rru: 0.5*fourKB(exam) + 0.5*fourKB(30*p) + 0.5*fourKB(reg), model: "exam read, processes Query, latest registration Query"},
		{op: "batch of 10 patches", method: "POST", path: "/examRegProcesses/" + tenant + "/batch", body: `{"operations":[` + strings.Join(batch, ",") + `]}`, budget: 20,
			rru: 10 * fourKB(p), wru: 10 * kb(p), model: "one consistent BatchGetItem of the 10 records, 10 conditional puts"},
	}
	cases = append(cases, writer.cases...)
	var rows []string
	for _, c := range cases {
		got := c.requests.total()
		if c.requests == nil {
			if _, err := s.must(c.method, c.path, c.body, c.header...); err != nil {
				return err
			}
			got = s.lastLog().Requests
		}
		c.got = got
		r.costs = append(r.costs, c)
		rows = append(rows, fmt.Sprintf("| %s | %d | %d | %s | %.1f | %.1f | $%.2f | %s |", c.op, got, c.budget, yes(got <= c.budget), c.rru, c.wru, c.dollars(), c.model))
	}
	r.section("DynamoDB requests and on-demand cost per operation", fmt.Sprintf(`
![DynamoDB requests and cost per operation](CHARTS/cost.svg)

The budget is the most requests docs/architecture.md ("The table") allows each operation. Requests
are counted by the store's SDK middleware (once per API call, not per retry), as the request log
reports them; the history writer's are counted at its own client while the local pipeline
(localenv.WriteHistory) hands it the stream records of one create, one patch and one delete of a
record, each awaited in the record's history. Cost assumes the item sizes below, DynamoDB's rules (a
read unit is 4 KB, half for an eventually consistent read; a write unit is 1 KB, doubled inside a
transaction, condition checks included) and us-east-1 on-demand prices ($%.3f per million write
units, $%.3f per million read units).

Item sizes (by DynamoDB's size rules, attribute names included): process %d B,
exam %d B, registration %d B, tenant counter %d B, deletion item %d B, Idempotency-Key item %d B (it
holds the first answer, the whole record as JSON), a page of %d history entries %d B.

| operation | requests | budget | within | read units | write units | $ per million | what is read and written |
|---|---|---|---|---|---|---|---|
%s

Create and delete are transactions (the tenant counter moves with the record), which doubles their
write units, and each exam check costs as much as a 1 KB transactional write. A delete's transaction
also writes its deletion item (who deleted the record, when, in which request: the stream's REMOVE
carries only the record, and its history entry names the deleter), 3 items in all. A create with an
Idempotency-Key adds the key's item to its transaction: the first answer it holds is as large as the
record, so the keyed create costs %.0f write units against %.0f. An update or patch that adds no exam
is a plain conditional PutItem: it checks only the exam ids it adds, so the common edit costs half the
write units of a transaction. Reads of whole records stay within one 4 KB read unit.

%s`,
		dollarsPerMillionWRU, dollarsPerMillionRRU, p, exam, reg, counter, deletion, keyItem, historyPageSize, page,
		strings.Join(rows, "\n"), cases[1].wru, cases[0].wru, writer.summary))
	return nil
}

// writerMeasure is what the history writer did for one record's writes.
type writerMeasure struct {
	cases    []costCase
	counter  int    // the tenant counter's size
	deletion int    // the deletion item's size
	summary  string // the history entries, in prose
}

// writerCases measures the history writer through the local pipeline: for a
// create, a patch and a delete of one record, each awaited in the record's
// history, the requests the writer made for the write's stream records, and
// then the entries it wrote, read back from the table. last is the record
// written last before: once its entry is in, the stream's backlog is done.
func writerCases(ctx context.Context, s *service, h *historyPipeline, last, patch string) (writerMeasure, error) {
	if _, err := h.awaitEntry(last, 1); err != nil {
		return writerMeasure{}, err
	}
	var id string
	record := func() string { return "/examRegProcesses/" + tenant + "/" + id }
	writes := []struct {
		what, records string
		budget        int
		write         func() error
	}{
		{"create", "the process's INSERT, the counter's MODIFY", 1,
			func() (err error) { id, err = s.create("History"); return err }},
		{"patch", "the process's MODIFY", 1,
			func() error { _, err := s.must("PATCH", record(), patch); return err }},
		{"delete", "the process's REMOVE, the counter's MODIFY, the deletion item's INSERT", 2,
			func() error { _, err := s.must("DELETE", record(), ""); return err }},
	}
	var m writerMeasure
	entries := make([]map[string]types.AttributeValue, len(writes))
	for i, w := range writes {
		before, puts := h.requests.snapshot(), h.requests.putCount()
		version := int64(i + 1) // the delete's entry is the version after the last
		added, changed, err := h.written(ctx, func() error {
			if err := w.write(); err != nil {
				return err
			}
			_, err := h.awaitEntry(id, version)
			return err
		})
		if err != nil {
			return m, err
		}
		got := callsSince(before, h.requests.snapshot())
		put := h.requests.putsSince(puts)
		if len(put) != 1 {
			return m, fmt.Errorf("the history writer put %d items for a %s", len(put), w.what)
		}
		entries[i] = put[0]
		c := costCase{op: "history entry of a " + w.what + " (writer)", budget: w.budget, requests: got, wru: kb(itemSize(entries[i]))}
		c.model = fmt.Sprintf("stream records: %s; made %s: a conditional put of the %d B entry", w.records, got, itemSize(entries[i]))
		switch w.what {
		case "create": // the counter moved with the record
			counter, err := except(changed, "")
			if err != nil {
				return m, fmt.Errorf("a create: %w", err)
			}
			m.counter = itemSize(counter)
		case "delete": // the record went, the deletion item came
			d, err := except(added, "")
			if err != nil {
				return m, fmt.Errorf("a delete: %w", err)
			}
			m.deletion = itemSize(d)
			c.rru = fourKB(m.deletion)
			c.model += ", after a consistent read of the deletion item"
		}
		m.cases = append(m.cases, c)
	}
	describe := func(e map[string]types.AttributeValue) (string, error) {
		text := fmt.Sprintf("%d B", itemSize(e))
		var parts []string
		if p, ok := e["patch"].(*types.AttributeValueMemberS); ok {
			parts = append(parts, fmt.Sprintf("the patch %d B of JSON text", len(p.Value)))
		}
		if img, ok := e["image"].(*types.AttributeValueMemberB); ok {
			zr, err := gzip.NewReader(bytes.NewReader(img.Value))
			if err != nil {
				return "", err
			}
			plain, err := io.ReadAll(zr)
			if err != nil {
				return "", err
			}
			parts = append(parts, fmt.Sprintf("the image %d B gzipped from %d B", len(img.Value), len(plain)))
		}
		if parts != nil {
			text += " (" + strings.Join(parts, ", ") + ")"
		}
		return text, nil
	}
	var texts []string
	for _, e := range entries {
		t, err := describe(e)
		if err != nil {
			return m, err
		}
		texts = append(texts, t)
	}
	create, edit, del := m.cases[0], m.cases[1], m.cases[2]
	m.summary = fmt.Sprintf(`The history writer writes one entry per change to a process: its keys, version, operation, at, by,
request_id, the RFC 6902 patch from the version before as JSON text and the record as a client then
read it, gzipped. Measured after a create, a patch and a delete of one record:

- a create's entry: %s;
- a patch's: %s;
- a delete's: %s (no patch, no image).

Each change to a record therefore costs a write beyond the API's own: a create's entry %.0f WRU ($%.2f
per million), an update's or patch's %.0f WRU ($%.2f), a delete's %.0f WRU and %.0f RRU ($%.2f). Stream
records of other items (the counter, deletion and Idempotency-Key items, exams, history entries) cost
the writer no request. Reading the stream costs nothing: GetRecords calls made by Lambda for a
DynamoDB trigger are not charged.`,
		texts[0], texts[1], texts[2], create.wru, dollars(0, create.wru), edit.wru, dollars(0, edit.wru), del.wru, del.rru, dollars(del.rru, del.wru))
	return m, nil
}

func dollars(rru, wru float64) float64 { return costCase{rru: rru, wru: wru}.dollars() }

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

func kb(size int) float64     { return math.Ceil(float64(size) / 1024) }
func fourKB(size int) float64 { return math.Ceil(float64(size) / 4096) }

// item reads one item of the service's table as stored (a consistent read).
func (s *service) item(ctx context.Context, pk, sk string) (map[string]types.AttributeValue, error) {
	out, err := s.store.Client().GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.store.Table()),
		Key:            map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: sk}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, err
	}
	if out.Item == nil {
		return nil, fmt.Errorf("no item %s %s in the table", pk, sk)
	}
	return out.Item, nil
}

// itemKey is an item's primary key: its pk and sk.
type itemKey [2]string

func keyOf(item map[string]types.AttributeValue) itemKey {
	var k itemKey
	for i, name := range []string{"pk", "sk"} {
		if v, ok := item[name].(*types.AttributeValueMemberS); ok {
			k[i] = v.Value
		}
	}
	return k
}

// scan reads every item of the service's table.
func (s *service) scan(ctx context.Context) (map[itemKey]map[string]types.AttributeValue, error) {
	items := map[itemKey]map[string]types.AttributeValue{}
	pages := dynamodb.NewScanPaginator(s.store.Client(), &dynamodb.ScanInput{TableName: aws.String(s.store.Table()), ConsistentRead: aws.Bool(true)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, item := range page.Items {
			items[keyOf(item)] = item
		}
	}
	return items, nil
}

// written runs write and returns the items of the table it added and
// changed, leaving out the history entries the writer put meanwhile.
func (h *historyPipeline) written(ctx context.Context, write func() error) (added, changed []map[string]types.AttributeValue, err error) {
	before, err := h.s.scan(ctx)
	if err != nil {
		return nil, nil, err
	}
	puts := h.requests.putCount()
	if err := write(); err != nil {
		return nil, nil, err
	}
	after, err := h.s.scan(ctx)
	if err != nil {
		return nil, nil, err
	}
	entries := map[itemKey]bool{}
	for _, e := range h.requests.putsSince(puts) {
		entries[keyOf(e)] = true
	}
	for k, item := range after {
		old, existed := before[k]
		switch {
		case entries[k]:
		case !existed:
			added = append(added, item)
		case !reflect.DeepEqual(old, item):
			changed = append(changed, item)
		}
	}
	return added, changed, nil
}

// except returns the one item of items that is not the process id (none
// when id is empty).
func except(items []map[string]types.AttributeValue, id string) (map[string]types.AttributeValue, error) {
	pk, sk := store.ProcessKey(tenant, id)
	var others []map[string]types.AttributeValue
	for _, item := range items {
		if id == "" || keyOf(item) != (itemKey{pk, sk}) {
			others = append(others, item)
		}
	}
	if len(others) != 1 {
		return nil, fmt.Errorf("%d items written besides the record, want 1", len(others))
	}
	return others[0], nil
}

// itemSizes measures a process item as stored, and an exam's and a
// registration's items as pkg/store writes them.
func itemSizes(ctx context.Context, s *service, id string) (map[string]int, error) {
	pk, sk := store.ProcessKey(tenant, id)
	pi, err := s.item(ctx, pk, sk)
	if err != nil {
		return nil, err
	}
	exam, err := examreg.DecodeExam([]byte(`{"id":"e-1","name":"Exam 1","is_active":true}`))
	if err != nil {
		return nil, err
	}
	reg, err := examreg.DecodeRegistration([]byte(`{"id":"r-1","name":"Registration","first_name":"Ada","last_name":"Lovelace","student_id":"c-1","exam_id":"e-1","exam_offering_id":"o-1","date":"2026-03-01T09:00:00.000Z","status":"failed","score":61,"process_id":"` + id + `"}`))
	if err != nil {
		return nil, err
	}
	ei, ri := store.ExamItem(tenant, exam), store.RegistrationItem(tenant, reg)
	return map[string]int{"process": itemSize(pi), "exam": itemSize(ei), "registration": itemSize(ri)}, nil
}

// itemSize is an item's size by DynamoDB's rules: attribute names and values
// in bytes (strings in UTF-8, binary as is), numbers about one byte per two
// significant digits plus one, booleans and nulls one byte, lists and maps
// three bytes plus one per element (and, for maps, the member names).
func itemSize(item map[string]types.AttributeValue) int {
	n := 0
	for name, v := range item {
		n += len(name) + valueSize(v)
	}
	return n
}

func valueSize(v types.AttributeValue) int {
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		return len(x.Value)
	case *types.AttributeValueMemberB:
		return len(x.Value)
	case *types.AttributeValueMemberN:
		digits := strings.Trim(strings.NewReplacer("-", "", ".", "").Replace(x.Value), "0")
		return (len(digits)+1)/2 + 1
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range x.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range x.Value {
			n += 1 + len(k) + valueSize(e)
		}
		return n
	}
	return 0
}
