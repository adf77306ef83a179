package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/dev/bulkload"
	"github.com/certhub/examreg/pkg/dev/localenv"
	"github.com/certhub/examreg/pkg/store"
)

// snapshotTenantSizes are the tenant sizes configuration snapshots are
// measured at: the default tenant limit, and a tenth of it to show how the
// figures grow.
var snapshotTenantSizes = []int{api.DefaultMaxProcessesPerTenant / 10, api.DefaultMaxProcessesPerTenant}

// snapshotRuns is how many times each snapshot request is timed, and
// largeTenantRuns how many times at the larger size, where a restore takes
// more than 10 s against moto.
const (
	snapshotRuns    = 3
	largeTenantRuns = 2
)

// maxPromoted is the largest tenant whose promotion is timed: moto copies
// the whole table for every item of a transaction, so that 1,000 creates
// take minutes there.
const maxPromoted = 100

// gatewayTimeout is API Gateway's limit on an integration's answer.
const gatewayTimeout = 30 * time.Second

// snapshotCase is one snapshot operation at one tenant size: its timings,
// the DynamoDB requests it made and the units they cost.
type snapshotCase struct {
	op       string
	records  int
	timings  sample
	requests calls
	rru, wru float64
}

func (c snapshotCase) dollars() float64 { return dollars(c.rru, c.wru) / 1e6 }

// configurationSnapshots measures, end to end through the service, a take
// of a tenant's N records, a dry-run and a real restore that update all of
// them, and a promotion of the snapshot, sent in the body, that creates
// them in an empty tenant, at each of snapshotTenantSizes. Each request's
// DynamoDB calls are kept by a capacityMeter on the service's client, and
// their units computed from the items they read and wrote.
func configurationSnapshots(ctx context.Context, engine *localenv.Engine, r *report) error {
	var cases []snapshotCase
	var sizes map[string]int
	for _, n := range snapshotTenantSizes {
		got, s, err := snapshotCases(ctx, engine, n)
		if err != nil {
			return fmt.Errorf("%d records: %w", n, err)
		}
		cases, sizes = append(cases, got...), s
	}
	small, large := snapshotTenantSizes[0], snapshotTenantSizes[len(snapshotTenantSizes)-1]
	find := func(op string, n int) snapshotCase {
		for _, c := range cases {
			if c.op == op && c.records == n {
				return c
			}
		}
		panic("no snapshot case " + op)
	}
	var rows, formulas []string
	var slowest time.Duration
	for _, c := range cases {
		r.add(c.timings)
		t := c.timings
		rows = append(rows, fmt.Sprintf("| %s | %d | %d (%s) | %.1f | %.0f | $%.5f | **%s** %s | %s | %s |",
			c.op, c.records, c.requests.total(), c.requests, c.rru, c.wru, c.dollars(), ms(t.median()), t.ci(), ms(t.min()), ms(t.max())))
		if c.records == large {
			slowest = max(slowest, t.max())
		}
	}
	// Per record: the growth between two sizes; the promotion's up to
	// 2 × maxPromoted records, and computed from it beyond.
	for _, op := range []string{"take", "restore, dry run", "restore", "promote (creates)"} {
		from, to := small, large
		if op == "promote (creates)" {
			to = 2 * maxPromoted
		}
		a, b := find(op, from), find(op, to)
		growth := func(x, y float64) (perRecord, fixed float64) {
			perRecord = (y - x) / float64(b.records-a.records)
			return perRecord, x - perRecord*float64(a.records)
		}
		reqPer, reqFixed := growth(float64(a.requests.total()), float64(b.requests.total()))
		rPer, rFixed := growth(a.rru, b.rru)
		wPer, wFixed := growth(a.wru, b.wru)
		formulas = append(formulas, fmt.Sprintf("| %s | %d to %d | %s | %s | %s | $%.4f |",
			op, a.records, b.records, linear(reqPer, reqFixed), linear(rPer, rFixed), linear(wPer, wFixed), dollars(rPer*1000, wPer*1000)/1e6))
		if op == "promote (creates)" {
			at := func(per, fixed float64) float64 { return per*float64(large) + fixed }
			c := snapshotCase{rru: at(rPer, rFixed), wru: at(wPer, wFixed)}
			rows = append(rows, fmt.Sprintf("| %s, computed | %d | %.0f | %.1f | %.0f | $%.5f | not timed | | |",
				op, large, at(reqPer, reqFixed), c.rru, c.wru, c.dollars()))
		}
	}
	fits := "within"
	if slowest >= gatewayTimeout {
		fits = "**beyond**"
	}
	r.section("Configuration snapshots: requests, cost and latency", fmt.Sprintf(`
A tenant of N records (N = %d, and %d, the default tenant limit), bulk-loaded with the record of the
cost section (%d B as stored on average). One in ten has changed since its base version, version 1,
which the history holds (written there by the local history pipeline), so that a take reads it; the
others are their own base, as an apply leaves the records it writes. Each request
is sent end to end through the service (real HTTP, the handler, moto), without an Idempotency-Key,
%d times (%d at N = %d):

- **take**: POST /configurationSnapshots/{t} of the N records;
- **restore, dry run** and **restore**: every record changed after the take (bulk-loaded again with
  another description, one in ten still from its version 1), then the take applied in restore mode:
  a plan of N updates, and their writes after the undo snapshot (itself a take of the tenant);
- **promote (creates)**: the take, as GET answered it (%d KB of JSON at N = %d), sent in the body in
  promote mode to an empty table that has the exams: N creates, after an undo snapshot of nothing.
  Moto copies the whole table for every item of a transaction, so that 1,000 creates take minutes
  there: the promotion is timed at N = %d and sent once with the first %d records of the larger
  tenant's take, for the growth per record; its figures at N = %d are computed from that growth.

Requests are counted as the request log reports them (the store's SDK middleware, once per call)
and kept, with their answers, at the service's client, where the units are computed from the items
each call read and wrote: a read unit per 4 KB of an item (a Query's items together), a write unit
per KB of an item, doubled in a transaction (condition checks included; an item named by key only,
such as the tenant counter, an exam or the deletion item a create checks, at its size in the table),
and an item not found read or checked as a small one. A snapshot's record items hold the record and
its patch gzipped: %d B each on average in the take, against %d B for the record itself. Dollars
per request at us-east-1 on-demand prices ($%.3f per million write units, $%.3f per million read
units).

| request | N | DynamoDB requests | read units | write units | $ per request | median | min | max |
|---|---|---|---|---|---|---|---|---|
%s

Per record, from the growth between two tenant sizes (the constant is what a request costs whatever
N), and what a thousand records add on demand:

| request | N | requests | read units | write units | $ per 1,000 records |
|---|---|---|---|---|---|
%s

A take writes each record once (BatchWriteItem, 25 to a request, 8 in flight). An apply, after its
undo snapshot (a take of the tenant as it was), updates each record as the single-record routes do
(a conditional PutItem, 8 in flight), and creates records in shared transactions, one after the
other: each record's put and the check of its deletion item, with one change of the tenant's count
and a check of each exam they name, up to DynamoDB's 100 items. Each record an apply writes also
costs its history entry, written by the history writer (see above), not counted here.

At N = %d the slowest take or restore took %s: %s API Gateway's %v, here against moto, which serves
one request at a time and is slower than DynamoDB for large queries and batches. On AWS add a
network round trip within the region per request, several in flight at a time.`,
		small, large, sizes["process"], snapshotRuns, largeTenantRuns, large, sizes["body"]/1024, large, maxPromoted, 2*maxPromoted, large,
		sizes["snapshot record"], sizes["process"], dollarsPerMillionWRU, dollarsPerMillionRRU,
		strings.Join(rows, "\n"), strings.Join(formulas, "\n"),
		large, ms(slowest), fits, gatewayTimeout))
	return nil
}

// linear writes perRecord N + fixed.
func linear(perRecord, fixed float64) string {
	sign := "+"
	if math.Round(fixed) < 0 {
		sign, fixed = "-", -fixed
	}
	return fmt.Sprintf("%.2f N %s %.0f", perRecord, sign, math.Abs(fixed))
}

// meteredService is a service whose DynamoDB calls a capacityMeter keeps,
// with a Store on its table that the meter does not see.
type meteredService struct {
	*service
	meter     *capacityMeter
	unmetered *store.Store
}

func newMeteredService(ctx context.Context, engine *localenv.Engine, name string) (*meteredService, error) {
	meter := &capacityMeter{}
	s, err := newService(ctx, engine, name, meter.option)
	if err != nil {
		return nil, err
	}
	unmetered, _, err := engine.Table(ctx, s.store.Table())
	if err != nil {
		s.close()
		return nil, err
	}
	return &meteredService{s, meter, unmetered}, nil
}

// post sends a POST and returns its answer, which must be 200, and the
// DynamoDB requests it made with their read and write units.
func (m *meteredService) post(ctx context.Context, path, body string) (a answer, c snapshotCase, err error) {
	m.meter.reset()
	if a, err = m.must("POST", path, body); err != nil {
		lines := strings.Split(strings.TrimSpace(m.log.String()), "\n")
		return a, c, fmt.Errorf("%w (%s)", err, lines[len(lines)-1])
	}
	taken := m.meter.taken()
	c.requests = operations(taken)
	if logged := m.lastLog().Requests; logged != c.requests.total() {
		return a, c, fmt.Errorf("the request log counted %d DynamoDB requests, the meter %d (%s)", logged, c.requests.total(), c.requests)
	}
	c.rru, c.wru, err = capacity(taken, func(keys []map[string]types.AttributeValue) (map[itemKey]int, error) {
		return sizesOf(ctx, m.unmetered.Client(), m.unmetered.Table(), keys)
	})
	return a, c, err
}

// apply posts an apply of the bench tenant, whose summary must count
// count records of action.
func (m *meteredService) apply(ctx context.Context, body, action string, count int) (answer, snapshotCase, error) {
	a, c, err := m.post(ctx, "/configurationSnapshots/"+tenant+"/apply", body)
	var got struct{ Summary map[string]int }
	json.Unmarshal(a.body, &got)
	if err == nil {
		err = want(action+"s", got.Summary[action], count)
	}
	return a, c, err
}

// timeRuns sends a request runs times and returns the case of its
// first run with the timings of every run, and the first run's answer.
func timeRuns(op string, n, runs int, send func(run int) (answer, snapshotCase, error)) (snapshotCase, answer, error) {
	var (
		first   snapshotCase
		answer1 answer
		timings []time.Duration
	)
	for run := range runs {
		a, c, err := send(run)
		if err != nil {
			return first, a, fmt.Errorf("%s: %w", op, err)
		}
		fmt.Fprintf(os.Stderr, "bench: %s of %d records: %v\n", op, n, a.took.Round(time.Millisecond))
		if run == 0 {
			first, answer1 = c, a
		}
		timings = append(timings, a.took)
	}
	first.op, first.records = op, n
	first.timings = newSample(fmt.Sprintf("Snapshot/op=%s/records=%d", strings.NewReplacer(" ", "-", ",", "", "(", "", ")", "").Replace(op), n), timings)
	return first, answer1, nil
}

// snapshotCases measures the snapshot operations on a tenant of n records,
// on a table of its own, and returns them with the sizes they were
// measured with.
func snapshotCases(ctx context.Context, engine *localenv.Engine, n int) ([]snapshotCase, map[string]int, error) {
	s, err := newMeteredService(ctx, engine, fmt.Sprintf("snapshots-%d", n))
	if err != nil {
		return nil, nil, err
	}
	defer s.close()
	changeAll, err := loadSnapshotTenant(ctx, s, n)
	if err != nil {
		return nil, nil, err
	}

	runs := snapshotRuns
	if n > maxPromoted {
		runs = largeTenantRuns
	}
	var cases []snapshotCase
	take, first, err := timeRuns("take", n, runs, func(int) (answer, snapshotCase, error) {
		a, c, err := s.post(ctx, "/configurationSnapshots/"+tenant, `{"description":"Before the benchmark's changes"}`)
		var h struct {
			RecordCount int `json:"record_count"`
		}
		json.Unmarshal(a.body, &h)
		if err == nil {
			err = want("record_count", h.RecordCount, n)
		}
		return a, c, err
	})
	if err != nil {
		return nil, nil, err
	}
	cases = append(cases, take)
	var header struct{ ID string }
	json.Unmarshal(first.body, &header)
	// The sizes the figures were measured with, from the last take's calls:
	// the records it read, the snapshot's record items it wrote.
	sizes := map[string]int{}
	for _, c := range s.meter.taken() {
		switch in := c.in.(type) {
		case *dynamodb.QueryInput:
			for _, item := range c.out.(*dynamodb.QueryOutput).Items {
				sizes["process"] += itemSize(item)
			}
		case *dynamodb.BatchWriteItemInput:
			for _, w := range in.RequestItems[s.store.Table()] {
				sizes["snapshot record"] += itemSize(w.PutRequest.Item)
			}
		}
	}
	sizes["process"] /= n
	sizes["snapshot record"] /= n

	if err := changeAll(0); err != nil {
		return nil, nil, err
	}
	// A restore plans N updates; unless it is a dry run it writes them, and
	// the records are changed again before the next run.
	for _, dry := range []bool{true, false} {
		op := "restore"
		if dry {
			op += ", dry run"
		}
		restore, _, err := timeRuns(op, n, runs, func(run int) (answer, snapshotCase, error) {
			if !dry && run > 0 {
				if err := changeAll(run); err != nil {
					return answer{}, snapshotCase{}, err
				}
			}
			return s.apply(ctx, fmt.Sprintf(`{"snapshot_id":%q,"mode":"restore","dry_run":%t}`, header.ID, dry), "update", n)
		})
		if err != nil {
			return nil, nil, err
		}
		cases = append(cases, restore)
	}

	// The promotion of the take, each run to an empty table of its own. Moto
	// copies the whole table for each item of a transaction, so that a
	// thousand creates take minutes there: a larger tenant's promotion is
	// sent once, of its first 2 × maxPromoted records, for the growth per
	// record.
	snap, err := s.must("GET", "/configurationSnapshots/"+tenant+"/"+header.ID, "")
	if err != nil {
		return nil, nil, err
	}
	sizes["body"] = len(snap.body)
	promoted, promotions := n, snapshotRuns
	if n > maxPromoted {
		promoted, promotions = 2*maxPromoted, 1
	}
	promote, err := promoteBody(snap.body, promoted)
	if err != nil {
		return nil, nil, err
	}
	created, _, err := timeRuns("promote (creates)", promoted, promotions, func(int) (answer, snapshotCase, error) {
		target, err := newMeteredService(ctx, engine, "promote")
		if err != nil {
			return answer{}, snapshotCase{}, err
		}
		defer target.close()
		return target.apply(ctx, promote, "create", promoted)
	})
	if err != nil {
		return nil, nil, err
	}
	cases = append(cases, created)
	return cases, sizes, nil
}

// loadSnapshotTenant bulk-loads the bench tenant's n records and returns a
// function that changes every record: run numbers the change, and a run
// after the first follows a restore, which wrote every record. One in ten
// is at version 2 with its version 1, its base, in the history; the others
// are their own base (sys_snapshot_base_version is their version, as an
// apply leaves it), so that a take reads no version the history lacks: a
// take waits for those, as for entries the history writer has yet to write.
func loadSnapshotTenant(ctx context.Context, s *meteredService, n int) (changeAll func(run int) error, err error) {
	withHistory := func(i int) bool { return i%10 == 0 }
	all := func(int) bool { return true }
	version := make([]int, n)
	// records are bulk-load lines of the records whose number is picked, as
	// the cost section's, with the description ending in change.
	records := func(change string, picked func(int) bool) []string {
		var lines []string
		for i := range n {
			if !picked(i) {
				continue
			}
			var p map[string]any
			if err := json.Unmarshal([]byte(processBody(fmt.Sprint("Process ", i))), &p); err != nil {
				panic(err)
			}
			p["id"], p["description"] = recordID(i), p["description"].(string)+" "+change
			if version[i]++; !withHistory(i) {
				p["sys_snapshot_base_version"] = version[i]
			}
			line, _ := json.Marshal(p)
			lines = append(lines, string(line))
		}
		return lines
	}
	var historied []string
	for i := range n {
		if withHistory(i) {
			historied = append(historied, recordID(i))
		}
	}
	// The records with a history first, their first versions written by the
	// history pipeline, then the others, then the second versions.
	if err := s.load(ctx, bulkload.Processes, records("First loaded.", withHistory)); err != nil {
		return nil, err
	}
	if err := writeFirstVersions(ctx, s.unmetered, historied); err != nil {
		return nil, err
	}
	if err := s.load(ctx, bulkload.Processes, records("First loaded.", func(i int) bool { return !withHistory(i) })); err != nil {
		return nil, err
	}
	if err := s.load(ctx, bulkload.Processes, records("Changed once.", withHistory)); err != nil {
		return nil, err
	}
	return func(run int) error {
		if run > 0 {
			for i := range version {
				version[i]++
			}
		}
		return s.load(ctx, bulkload.Processes, records(fmt.Sprintf("Changed after the snapshot, %d.", run), all))
	}, nil
}

// promoteBody is an apply promoting the first n records of a snapshot as
// GET answered it.
func promoteBody(snapshot []byte, n int) (string, error) {
	d := json.NewDecoder(bytes.NewReader(snapshot))
	d.UseNumber()
	var snap map[string]any
	if err := d.Decode(&snap); err != nil {
		return "", err
	}
	snap["records"], snap["record_count"] = snap["records"].([]any)[:n], n
	body, err := json.Marshal(map[string]any{"snapshot": snap, "mode": "promote"})
	return string(body), err
}

// recordID is the id of the i-th record of a snapshot step's tenant.
func recordID(i int) string { return fmt.Sprintf("process-%04d", i) }

// writeFirstVersions runs the local history pipeline on st's table until
// the history holds version 1 of each of the records ids, and stops it.
func writeFirstVersions(ctx context.Context, st *store.Store, ids []string) error {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	var stopped error
	go func() {
		defer close(done)
		stopped = localenv.WriteHistory(ctx, st, localenv.HistoryPollInterval, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	defer func() { cancel(); <-done }()
	keys := make([]store.VersionKey, len(ids))
	for i, id := range ids {
		keys[i] = store.VersionKey{ID: id, Version: 1}
	}
	deadline := time.Now().Add(time.Minute)
	for {
		found, err := st.HistoryVersions(ctx, tenant, keys)
		switch {
		case err != nil:
			return err
		case len(found) == len(ids):
			return nil
		case time.Now().After(deadline):
			return fmt.Errorf("the history holds %d of %d first versions after a minute", len(found), len(ids))
		}
		select {
		case <-done:
			return fmt.Errorf("the history pipeline stopped: %v", stopped)
		case <-time.After(localenv.HistoryPollInterval):
		}
	}
}

func want(what string, got, n int) error {
	if got != n {
		return fmt.Errorf("%s: %d, want %d", what, got, n)
	}
	return nil
}
