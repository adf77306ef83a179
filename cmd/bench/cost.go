package main

import (
	"context"
	"fmt"
	"math"
	"strings"

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

// requestsAndCost counts the DynamoDB requests of each operation at the SDK
// (the store's middleware, as the request log reports them) and computes
// what a million of each costs on demand from DynamoDB's capacity rules and
// the sizes of the items involved (moto's ConsumedCapacity is a constant).
func requestsAndCost(ctx context.Context, engine *localenv.Engine, r *report) error {
	s, err := newService(ctx, engine, "cost")
	if err != nil {
		return err
	}
	defer s.close()
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
	patch := `[{"op":"replace","path":"/description","value":"Changed by the benchmark."}]`
	var batch []string
	for i := range 10 {
		batch = append(batch, fmt.Sprintf(`{"operation":"patch","id":%q,"patch_directives":%s}`, ids[10+i], patch))
	}
	sizes, err := itemSizes(ctx, s, ids[0])
	if err != nil {
		return err
	}
	p, exam, reg, counter := sizes["process"], sizes["exam"], sizes["registration"], sizes["counter"]
	const exams, page = 2, 25
	cases := []struct {
		op, method, path, body string
		budget                 int
		rru, wru               float64
		model                  string
	}{
		{"create", "POST", "/examRegProcesses/" + tenant, processBody("New"), 1,
			0, 2 * (kb(p) + kb(counter) + exams*kb(exam)),
			"transaction: put + counter + 2 exam checks, 2 WRU per KB each"},
		{"get", "GET", "/examRegProcesses/" + tenant + "/" + ids[1], "", 1,
			0.5 * fourKB(p), 0, "eventually consistent read"},
		{"list page (25 items)", "GET", "/examRegProcesses/" + tenant + "?limit=25", "", 1,
			0.5 * fourKB(page*p), 0, "one Query, 25 items, eventually consistent"},
		{"update", "PUT", "/examRegProcesses/" + tenant + "/" + ids[2], processBody("Updated"), 2,
			fourKB(p), kb(p), "consistent read; conditional put (no exam added)"},
		{"update adding an exam", "PUT", "/examRegProcesses/" + tenant + "/" + ids[2], strings.Replace(processBody("Updated"), `"e-2"]`, `"e-2","e-3"]`, 1), 2,
			fourKB(p), 2 * (kb(p) + kb(exam)), "consistent read; transaction: put + the new exam's check"},
		{"patch", "PATCH", "/examRegProcesses/" + tenant + "/" + ids[3], patch, 2,
			fourKB(p), kb(p), "consistent read; conditional put (no exam added)"},
		{"delete", "DELETE", "/examRegProcesses/" + tenant + "/" + ids[4], "", 2,
			0.5, 2 * (kb(p) + kb(counter)), "index count (keys only); transaction: delete + counter"},
		{"eligible (30 processes)", "GET", "/examRegProcesses/" + tenant + "/eligible/c-1/e-1", "", 3,
			0.5*fourKB(exam) + 0.5*fourKB(30*p) + 0.5*fourKB(reg), 0, "exam read, processes Query, latest registration Query"},
		{"batch of 10 patches", "POST", "/examRegProcesses/" + tenant + "/batch", `{"operations":[` + strings.Join(batch, ",") + `]}`, 20,
			10 * fourKB(p), 10 * kb(p), "one consistent BatchGetItem of the 10 records, 10 conditional puts"},
	}
	var rows []string
	allMet := true
	for _, c := range cases {
		if _, err := s.must(c.method, c.path, c.body); err != nil {
			return err
		}
		got := s.lastLog().Requests
		met := got <= c.budget
		allMet = allMet && met
		cost := c.rru*dollarsPerMillionRRU + c.wru*dollarsPerMillionWRU
		rows = append(rows, fmt.Sprintf("| %s | %d | %d | %s | %.1f | %.1f | $%.2f | %s |", c.op, got, c.budget, yes(met), c.rru, c.wru, cost, c.model))
	}
	r.verdict("DynamoDB requests per operation at the DESIGN.md budget", allMet, "see the requests table")
	r.section("DynamoDB requests and on-demand cost per operation", fmt.Sprintf(`
Requests are counted by the store's SDK middleware (once per API call, not per retry), as the request
log reports them. Cost assumes the item sizes below, DynamoDB's rules (a read unit is 4 KB, half for an
eventually consistent read; a write unit is 1 KB, doubled inside a transaction, condition checks
included) and us-east-1 on-demand prices ($%.3f per million write units, $%.3f per million read units).

Item sizes (DynamoDB's size rules, attribute names included): process %d B, exam %d B, registration %d B, tenant counter %d B.

| operation | requests | budget | within | read units | write units | $ per million | what is read and written |
|---|---|---|---|---|---|---|---|
%s

Create and delete are transactions (the tenant counter moves with the record), which doubles their
write units, and each exam check costs as much as a 1 KB transactional write. An update or patch that
adds no exam is a plain conditional PutItem: it checks only the exam ids it adds, so the common edit
costs half the write units of a transaction (before this, every update and patch was a transaction
re-checking all its exams: 8 write units here instead of 2). Reads of whole records stay within one
4 KB read unit.`,
		dollarsPerMillionWRU, dollarsPerMillionRRU, p, exam, reg, counter, strings.Join(rows, "\n")))
	return nil
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

func kb(size int) float64     { return math.Ceil(float64(size) / 1024) }
func fourKB(size int) float64 { return math.Ceil(float64(size) / 4096) }

// itemSizes measures the items an operation touches, as stored.
func itemSizes(ctx context.Context, s *service, id string) (map[string]int, error) {
	p, err := s.store.ReadProcess(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	pi := store.ProcessItem(tenant, p)
	exam, err := examreg.DecodeExam([]byte(`{"id":"e-1","name":"Exam 1","is_active":true}`))
	if err != nil {
		return nil, err
	}
	reg, err := examreg.DecodeRegistration([]byte(`{"id":"r-1","name":"Registration","first_name":"Ada","last_name":"Lovelace","student_id":"c-1","exam_id":"e-1","exam_offering_id":"o-1","date":"2026-03-01T09:00:00.000Z","status":"failed","score":61,"process_id":"` + id + `"}`))
	if err != nil {
		return nil, err
	}
	ei, ri := store.ExamItem(tenant, exam), store.RegistrationItem(tenant, reg)
	counter := len("pk") + len("TENANT#"+tenant) + len("sk") + len("COUNTER#EXAMREGPROCESS") + len("process_count") + 3
	return map[string]int{"process": itemSize(pi), "exam": itemSize(ei), "registration": itemSize(ri), "counter": counter}, nil
}

// itemSize is an item's size by DynamoDB's rules: attribute names and values
// in UTF-8 bytes, numbers about one byte per two significant digits plus
// one, booleans and nulls one byte, lists and maps three bytes plus one per
// element (and, for maps, the member names).
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
