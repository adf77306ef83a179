package functions_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/certhub/examreg/pkg/history"
	"github.com/certhub/examreg/pkg/store"
)

// TestEventsReplayInProcess runs every event through its function's handler
// on a fresh table, exactly as the function's main does on Lambda: an API
// event on the demo data (with its change history written, for the routes
// that read it), and the stream event as checkStreamFunction delivers it.
func TestEventsReplayInProcess(t *testing.T) {
	files := eventFiles(t)
	for _, op := range sortedOps(files) {
		t.Run(string(op), func(t *testing.T) {
			if op == historyWriter {
				checkStreamFunction(t, inProcess)
				return
			}
			check, ok := successChecks[op]
			if !ok {
				t.Fatalf("events/%s.json: no checks for operation %q", op, op)
			}
			f := newFixtureFor(t, op)
			ev := loadEvent(t, op)
			resp := f.invoke(t, op, ev)
			checkAnswer(t, ev, resp, http.StatusOK, f.store.Table())
			check(t, f, ev, resp)
		})
	}
}

// inProcess runs history.Writer.Handle as the stream function's main does,
// on a Store connected to table as function.Init connects it, and
// answers with the handler's response encoded as the runtime encodes it.
func inProcess(t *testing.T, table string) func(*testing.T, []byte) []byte {
	t.Helper()
	st, err := store.Connect(context.Background(), table)
	if err != nil {
		t.Fatal(err)
	}
	w := &history.Writer{Store: st, Log: slog.New(slog.NewJSONHandler(testLog{t}, nil))}
	return func(t *testing.T, payload []byte) []byte {
		t.Helper()
		var ev events.DynamoDBEvent
		if err := json.Unmarshal(payload, &ev); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		resp, err := w.Handle(ctx, ev)
		if err != nil {
			t.Fatalf("the handler failed the whole batch: %v", err)
		}
		answer, err := json.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		return answer
	}
}

// testLog writes a log to the test's log, shown when the test fails.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
