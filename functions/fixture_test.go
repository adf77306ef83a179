package functions_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	jsonpatch "github.com/evanphx/json-patch/v5"

	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/dev/bulkload"
	"github.com/certhub/examreg/pkg/dev/dynamotest"
	"github.com/certhub/examreg/pkg/dev/localenv"
	"github.com/certhub/examreg/pkg/examreg"
	"github.com/certhub/examreg/pkg/history"
	"github.com/certhub/examreg/pkg/lambdahttp"
	"github.com/certhub/examreg/pkg/store"
)

// fixture is a fresh table loaded with the demo data, and the API on it.
type fixture struct {
	store  *store.Store
	server *api.Server
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := dynamotest.NewTable(t)
	if err := bulkload.LoadDemo(context.Background(), st, nil); err != nil {
		t.Fatal(err)
	}
	return &fixture{store: st, server: api.New(api.Config{
		Store:                 st,
		Snapshots:             st,
		FrontDoor:             lambdahttp.Gateway{},
		MaxProcessesPerTenant: 1000,
		TenantClaim:           api.DefaultTenantClaim,
		Logger:                slog.New(slog.DiscardHandler),
		Diff:                  history.Diff,
		GuardedDiff:           history.GuardedDiff,
	})}
}

// invoke runs an event through op's handler, as the function does.
func (f *fixture) invoke(t *testing.T, op api.Op, ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	resp, err := lambdahttp.Invoke(ctx, f.server.Handler(op), ev)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	return resp
}

// get reads a process through the get function, as a client would after a
// write: the answer is its status and, on 200, the object.
func (f *fixture) get(t *testing.T, id string) (int, process) {
	t.Helper()
	ev := loadEvent(t, api.OpGet)
	setPath(t, &ev, api.OpGet, map[string]string{"id": id})
	setQuery(t, &ev, "consistentRead=true")
	resp := f.invoke(t, api.OpGet, ev)
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil
	}
	var p process
	decode(t, resp.Body, &p)
	return resp.StatusCode, p
}

// newFixtureFor is newFixture for op's function: with the change history
// written while the test runs when op reads it, and the demo snapshot the
// events name when op reads it.
func newFixtureFor(t *testing.T, op api.Op) *fixture {
	t.Helper()
	f := newFixture(t)
	if slices.Contains([]api.Op{api.OpHistory, api.OpHistoryVersion, api.OpCompare, api.OpRestore}, op) || slices.Contains(snapshotOps, op) {
		f.writeHistory(t)
	}
	if slices.Contains(snapshotOps, op) && op != api.OpSnapshotTake {
		f.holdDemoSnapshot(t)
	}
	return f
}

// writeHistory runs the history writer on the fixture's table until the test
// ends, as the stream function does on AWS, and waits until the history of
// every demo process holds the version it was loaded at.
func (f *fixture) writeHistory(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- localenv.WriteHistory(ctx, f.store, 50*time.Millisecond, slog.New(slog.DiscardHandler))
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("the history writer stopped: %v", err)
		}
	})
	page, err := f.store.ListProcesses(context.Background(), bulkload.DemoTenant, store.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var loaded []process
	decode(t, string(page.JSON), &loaded)
	for _, p := range loaded {
		f.awaitVersion(t, p["id"].(string), entryOf(p).Version)
	}
}

// awaitVersion waits until the newest entry of a demo record's history is
// version (the writer writes an entry shortly after its write, from the
// stream) and returns the history, newest first.
func (f *fixture) awaitVersion(t *testing.T, id string, version int64) []entry {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		entries := readHistory(t, f.store, bulkload.DemoTenant, id)
		switch {
		case len(entries) > 0 && entries[0].Version == version:
			return entries
		case len(entries) > 0 && entries[0].Version > version:
			t.Fatalf("the history of %s went past version %d: %v", id, version, entries)
		case time.Now().After(deadline):
			t.Fatalf("after a minute the history of %s holds %v, still not version %d", id, entries, version)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// entry is a history entry as a client reads it.
type entry struct {
	Version   int64           `json:"version"`
	Operation string          `json:"operation"`
	At        string          `json:"at"`
	By        string          `json:"by"`
	RequestID string          `json:"request_id"`
	Patch     json.RawMessage `json:"patch"`
	// SnapshotID is the snapshot an apply wrote the version from.
	SnapshotID string `json:"snapshot_id"`
}

// String is the entry without its patch.
func (e entry) String() string {
	return fmt.Sprintf("{version %d, %s at %s by %s in request %s}", e.Version, e.Operation, e.At, e.By, e.RequestID)
}

// readHistory reads a record's whole history from the store, newest first.
func readHistory(t *testing.T, st *store.Store, tenant, id string) []entry {
	t.Helper()
	page, err := st.History(context.Background(), tenant, id, store.HistoryOptions{})
	if err != nil {
		t.Fatalf("the history of %s: %v", id, err)
	}
	var entries []entry
	decode(t, string(page.JSON), &entries)
	return entries
}

// entryOf is the history entry of the write that left a record as p: its
// version, operation, time, user and request are what p's bookkeeping says.
func entryOf(p process) entry {
	sc, _ := p["sys_last_security_context"].(map[string]any)
	version, _ := p["sys_version"].(float64)
	text := func(v any) string { s, _ := v.(string); return s }
	return entry{
		Version: int64(version), Operation: text(sc["operation"]), At: text(p["sys_last_modified_at"]),
		By: text(p["sys_last_modified_by_id"]), RequestID: text(sc["request_id"]),
	}
}

// withoutBookkeeping is a record less the members its history entry carries
// itself, and which its patches therefore leave out.
func withoutBookkeeping(p process) process {
	m := maps.Clone(p)
	for _, name := range []string{"sys_version", "sys_last_modified_at", "sys_last_modified_by_id", "sys_last_security_context"} {
		delete(m, name)
	}
	return m
}

// checkHistory checks a record's history, read newest first, against want,
// oldest first: each entry as want gives it, a delete without a patch, and
// each change's patch, applied in turn to {}, giving the record as records
// says it was at that version, less its bookkeeping.
func checkHistory(t *testing.T, newestFirst []entry, want []entry, records map[int64]process) {
	t.Helper()
	got := slices.Clone(newestFirst)
	slices.Reverse(got)
	if len(got) != len(want) {
		t.Fatalf("history (oldest first) %v, want %v", got, want)
	}
	doc := []byte(`{}`)
	for i, e := range got {
		if e.String() != want[i].String() {
			t.Errorf("entry %d is %v, want %v", i, e, want[i])
		}
		if e.Operation == examreg.OperationDelete {
			if e.Patch != nil {
				t.Errorf("version %d, a delete, has a patch: %s", e.Version, e.Patch)
			}
			continue
		}
		patch, err := jsonpatch.DecodePatch(e.Patch)
		if err != nil {
			t.Fatalf("version %d: the patch %s: %v", e.Version, e.Patch, err)
		}
		if doc, err = patch.Apply(doc); err != nil {
			t.Fatalf("version %d: the patch %s does not apply to the version before: %v", e.Version, e.Patch, err)
		}
		var folded process
		decode(t, string(doc), &folded)
		if record, ok := records[e.Version]; !ok {
			t.Errorf("version %d: no record to hold the patches to", e.Version)
		} else if !reflect.DeepEqual(folded, withoutBookkeeping(record)) {
			t.Errorf("the patches up to version %d make\n %v\nwant the record at that version less its bookkeeping\n %v", e.Version, folded, withoutBookkeeping(record))
		}
	}
}
