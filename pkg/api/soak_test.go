package api_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"testing"
	"time"
)

// TestSoak runs a mixed workload from several clients for SOAK_DURATION
// (a few seconds in `make test`, minutes in `make soak`), keeping a ledger of
// every acknowledged write, then checks that the table agrees with it: each
// record's sys_version is one plus its acknowledged changes, every
// acknowledged delete stayed deleted, and the tenant counter is exact. Every
// write changes the record (a client's values never repeat), since a write
// that changes nothing adds no version.
func TestSoak(t *testing.T) {
	duration := 3 * time.Second
	if d, err := time.ParseDuration(os.Getenv("SOAK_DURATION")); err == nil {
		duration = d
	}
	const clients, limit = 6, 40
	e := newEnv(t, withLimit(limit))
	var (
		mu      sync.Mutex
		changes = map[string]int{} // acknowledged changes per live id
		deleted = map[string]bool{}
		ids     []string
	)
	pick := func(r *rand.Rand) string {
		mu.Lock()
		defer mu.Unlock()
		if len(ids) == 0 {
			return "none"
		}
		return ids[r.IntN(len(ids))]
	}
	stop := time.Now().Add(duration)
	var wg sync.WaitGroup
	var requests [clients]int
	for c := range clients {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(c), 1))
			for time.Now().Before(stop) {
				requests[c]++
				switch n := r.IntN(10); {
				case n < 2:
					resp := e.do("POST", "/examRegProcesses/t1", processBody(fmt.Sprint("soak ", c)))
					if resp.status == 200 {
						id := resp.object(t)["id"].(string)
						mu.Lock()
						ids = append(ids, id)
						changes[id] = 0
						mu.Unlock()
					} else if resp.status != 429 {
						t.Errorf("create: %d %s", resp.status, resp.body)
					}
				case n < 7:
					id := pick(r)
					resp := e.do("PATCH", "/examRegProcesses/t1/"+id, fmt.Sprintf(`[{"op":"add","path":"/checkout_settings/c%d","value":%d}]`, c, requests[c]))
					acknowledge(t, &mu, changes, deleted, id, resp.status)
				case n < 8:
					id := pick(r)
					resp := e.do("POST", "/examRegProcesses/t1/batch", fmt.Sprintf(`{"operations":[{"operation":"patch","id":%q,"patch_directives":[{"op":"add","path":"/description","value":"b%d-%d"}]}]}`, id, c, requests[c]))
					var out struct{ Results []struct{ Status int } }
					resp.json(t, &out)
					acknowledge(t, &mu, changes, deleted, id, out.Results[0].Status)
				case n < 9:
					id := pick(r)
					resp := e.do("PUT", "/examRegProcesses/t1/"+id, processBody(fmt.Sprint("put ", c, " ", requests[c])))
					acknowledge(t, &mu, changes, deleted, id, resp.status)
				default:
					id := pick(r)
					resp := e.do("DELETE", "/examRegProcesses/t1/"+id, "")
					if resp.status == 200 {
						mu.Lock()
						deleted[id] = true
						delete(changes, id)
						mu.Unlock()
					} else if resp.status != 404 {
						t.Errorf("delete: %d %s", resp.status, resp.body)
					}
				}
			}
		})
	}
	wg.Wait()
	total := 0
	for _, n := range requests {
		total += n
	}
	t.Logf("%d requests in %v", total, duration)
	for id, n := range changes {
		p := expect(t, e.do("GET", "/examRegProcesses/t1/"+id+"?consistentRead=true", ""), 200).object(t)
		if p["sys_version"] != float64(1+n) {
			t.Errorf("%s: sys_version %v, but %d changes were acknowledged", id, p["sys_version"], n)
		}
	}
	for id := range deleted {
		expect(t, e.do("GET", "/examRegProcesses/t1/"+id+"?consistentRead=true", ""), 404)
	}
	assertCounted(t, e)
}

// acknowledge records an answered change. A 404 is a record deleted
// meanwhile (or never created); a success on a record whose delete has
// already been acknowledged was ordered before that delete.
func acknowledge(t *testing.T, mu *sync.Mutex, changes map[string]int, deleted map[string]bool, id string, status int) {
	mu.Lock()
	defer mu.Unlock()
	switch {
	case status == 200 && !deleted[id]:
		changes[id]++
	case status == 200, status == 404:
	default:
		t.Errorf("%s: status %d", id, status)
	}
}
