package api_test

// What the API answers to concurrent requests, on the fake store: the
// handlers (and the batch's workers) under the race detector. That the
// real store's conditions make concurrent writes exact is pkg/store's
// concurrency_test.go.

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestConcurrentCreatesNeverOvershootTheTenantLimit(t *testing.T) {
	const limit, callers = 5, 12
	e := newFakeEnv(t, withLimit(limit))
	statuses := make(chan int, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			statuses <- e.do("POST", "/examRegProcesses/t1", processBody(fmt.Sprint("c", i))).status
		})
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	if count[200] != limit || count[429] != callers-limit {
		t.Errorf("statuses %v, want %d x 200 and %d x 429", count, limit, callers-limit)
	}
	var items []any
	expect(t, e.do("GET", "/examRegProcesses/t1?consistentRead=true", ""), 200).json(t, &items)
	if len(items) != limit {
		t.Errorf("%d records stored, want %d", len(items), limit)
	}
	// At the limit a create is refused; after a delete there is room again.
	r := expect(t, e.do("POST", "/examRegProcesses/t1", processBody("over")), 429)
	if r.header.Get("Retry-After") != "" {
		t.Errorf("a tenant limit is not cured by waiting, yet Retry-After is %q", r.header.Get("Retry-After"))
	}
	expect(t, e.do("DELETE", "/examRegProcesses/t1/"+items[0].(map[string]any)["id"].(string), ""), 200)
	expect(t, e.do("POST", "/examRegProcesses/t1", processBody("again")), 200)
	// The limit is per tenant.
	e.load("t2", "exams", `{"id":"exam-a","name":"A"}`)
	expect(t, e.doAs(mint(t, "bob", "t2"), "POST", "/examRegProcesses/t2", processBody("t2")), 200)
}

func TestConcurrentPatchesAllLand(t *testing.T) {
	const writers = 50
	e := newFakeEnv(t)
	id := e.create("Busy")["id"].(string)
	failures := make(chan string, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			r := e.do("PATCH", "/examRegProcesses/t1/"+id, fmt.Sprintf(`[{"op":"add","path":"/checkout_settings/w%d","value":%d}]`, i, i))
			if r.status != 200 {
				failures <- fmt.Sprintf("writer %d: %d %s", i, r.status, r.body)
			}
		})
	}
	wg.Wait()
	close(failures)
	for f := range failures {
		t.Error(f)
	}
	p := expect(t, e.do("GET", "/examRegProcesses/t1/"+id+"?consistentRead=true", ""), 200).object(t)
	cs := p["checkout_settings"].(map[string]any)
	for i := range writers {
		if cs[fmt.Sprint("w", i)] != float64(i) {
			t.Errorf("writer %d's change is missing", i)
		}
	}
	if p["sys_version"] != float64(1+writers) {
		t.Errorf("sys_version %v, want %d", p["sys_version"], 1+writers)
	}
}

func TestConcurrentPutsWithOneVersionHaveOneWinner(t *testing.T) {
	const writers = 8
	e := newFakeEnv(t)
	id := e.create("Race")["id"].(string)
	statuses := make(chan int, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			body := strings.Replace(processBody(fmt.Sprint("w", i)), `{`, `{"sys_version":1,`, 1)
			statuses <- e.do("PUT", "/examRegProcesses/t1/"+id, body).status
		})
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	if count[200] != 1 || count[409] != writers-1 {
		t.Errorf("statuses %v, want one 200 and %d x 409", count, writers-1)
	}
}

func TestADeleteRacingPatchesNeverResurrects(t *testing.T) {
	e := newFakeEnv(t)
	for round := range 3 {
		id := e.create(fmt.Sprint("Doomed ", round))["id"].(string)
		var wg sync.WaitGroup
		for i := range 15 {
			wg.Go(func() {
				r := e.do("PATCH", "/examRegProcesses/t1/"+id, fmt.Sprintf(`[{"op":"add","path":"/checkout_settings/p%d","value":true}]`, i))
				if r.status != 200 && r.status != 404 {
					t.Errorf("patch: %d %s", r.status, r.body)
				}
			})
		}
		wg.Go(func() { expect(t, e.do("DELETE", "/examRegProcesses/t1/"+id, ""), 200) })
		wg.Wait()
		expect(t, e.do("GET", "/examRegProcesses/t1/"+id+"?consistentRead=true", ""), 404)
	}
}

func TestABatchRacingSingleWritesLosesNothing(t *testing.T) {
	e := newFakeEnv(t)
	var ids []string
	for i := range 5 {
		ids = append(ids, e.create(fmt.Sprint("Shared ", i))["id"].(string))
	}
	var ops []string
	for i := range 50 {
		ops = append(ops, fmt.Sprintf(`{"operation":"patch","id":%q,"patch_directives":[{"op":"add","path":"/checkout_settings/b%d","value":%d}]}`, ids[i%5], i, i))
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		r := expect(t, e.do("POST", "/examRegProcesses/t1/batch", `{"operations":[`+strings.Join(ops, ",")+`]}`), 200)
		if !strings.Contains(string(r.body), `"success_count":50`) {
			t.Errorf("batch: %.400s", r.body)
		}
	})
	for i := range 50 {
		wg.Go(func() {
			expect(t, e.do("PATCH", "/examRegProcesses/t1/"+ids[i%5], fmt.Sprintf(`[{"op":"add","path":"/checkout_settings/s%d","value":%d}]`, i, i)), 200)
		})
	}
	wg.Wait()
	for n, id := range ids {
		p := expect(t, e.do("GET", "/examRegProcesses/t1/"+id+"?consistentRead=true", ""), 200).object(t)
		cs := p["checkout_settings"].(map[string]any)
		for i := n; i < 50; i += 5 {
			if cs[fmt.Sprint("b", i)] != float64(i) || cs[fmt.Sprint("s", i)] != float64(i) {
				t.Errorf("%s lost change %d: %v", id, i, cs)
			}
		}
		if p["sys_version"] != 21.0 {
			t.Errorf("%s sys_version %v, want 21", id, p["sys_version"])
		}
	}
}
