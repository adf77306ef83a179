package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/certhub/examreg/pkg/dev/samtemplate"
	"github.com/certhub/examreg/pkg/dev/streampoller"
	"github.com/certhub/examreg/pkg/examreg"
	"github.com/certhub/examreg/pkg/history"
	"github.com/certhub/examreg/pkg/store"
)

// TestPoliciesAllowExactlyWhatEachFunctionCalls runs every operation through
// all of its code paths, turns the DynamoDB calls it made into IAM actions on
// the table or its index, and requires each function's policy in
// template.yaml to allow exactly those: nothing missing, nothing more.
func TestPoliciesAllowExactlyWhatEachFunctionCalls(t *testing.T) {
	e := newEnv(t)
	id := e.create("Policy")["id"].(string)
	other := e.create("Other")["id"].(string)
	used := e.create("Used")["id"].(string)
	fresh := e.create("Fresh")["id"].(string)
	doomed := e.create("Doomed")["id"].(string)
	e.load("t1", "registrations", `{"id":"r1","name":"R","student_id":"c1","exam_id":"exam-a","date":"2026-01-02T03:04:05Z","status":"failed","process_id":"`+used+`"}`)
	patch := `[{"op":"replace","path":"/name","value":"P2"}]`
	addExam := `[{"op":"add","path":"/exam_ids/-","value":"exam-b"}]`
	// Records with their first version in the history, changed since (one
	// deleted), for the restores, the comparisons and the reads as of now.
	restorable, widened, deleted := e.createWithHistory("Restorable"), e.createWithHistory("Widened"), e.createWithHistory("Deleted")
	expect(t, e.do("PATCH", "/examRegProcesses/t1/"+restorable, patch), 200)
	expect(t, e.do("PATCH", "/examRegProcesses/t1/"+widened, `[{"op":"replace","path":"/exam_ids","value":["exam-b"]}]`), 200)
	expect(t, e.do("DELETE", "/examRegProcesses/t1/"+deleted, ""), 200)
	scenarios := map[string][]struct{ method, path, body string }{
		"create":   {{"POST", "/examRegProcesses/t1", processBody("C")}, {"POST", "/examRegProcesses/t1", processBody("C", "exam-zz")}},
		"list":     {{"GET", "/examRegProcesses/t1?limit=1", ""}, {"GET", "/examRegProcesses/t1?fields=name&consistentRead=true", ""}},
		"get":      {{"GET", "/examRegProcesses/t1/" + id, ""}, {"GET", "/examRegProcesses/t1/missing", ""}},
		"update":   {{"PUT", "/examRegProcesses/t1/" + id, processBody("U")}, {"PUT", "/examRegProcesses/t1/" + id, processBody("U", "exam-a", "exam-zz")}},
		"patch":    {{"PATCH", "/examRegProcesses/t1/" + id, patch}, {"PATCH", "/examRegProcesses/t1/" + id, addExam}},
		"delete":   {{"DELETE", "/examRegProcesses/t1/" + used, ""}, {"DELETE", "/examRegProcesses/t1/" + other, ""}},
		"eligible": {{"GET", "/examRegProcesses/t1/eligible/c1/exam-a", ""}},
		"batch": {{"POST", "/examRegProcesses/t1/batch", fmt.Sprintf(`{"operations":[{"operation":"patch","id":%q,"patch_directives":%s},{"operation":"patch","id":%q,"patch_directives":%s},{"operation":"patch","id":%q,"patch_directives":%s},{"operation":"delete","id":%q},{"operation":"delete","id":%q}]}`,
			id, patch, id, patch, fresh, addExam, used, id)}},
		"history":        {{"GET", "/examRegProcesses/t1/" + id + "/history?limit=1", ""}, {"GET", "/examRegProcesses/t1/never/history", ""}},
		"historyversion": {{"GET", "/examRegProcesses/t1/" + id + "/history/1", ""}, {"GET", "/examRegProcesses/t1/" + id + "/history/99", ""}},
		"compare":        {{"GET", "/examRegProcesses/t1/" + restorable + "/compare?from=1", ""}, {"GET", "/examRegProcesses/t1/" + restorable + "/compare?from=1&to=1", ""}},
		"restore": {{"POST", "/examRegProcesses/t1/" + restorable + "/history/1/restore", ""}, {"POST", "/examRegProcesses/t1/" + widened + "/history/1/restore", ""},
			{"POST", "/examRegProcesses/t1/" + deleted + "/history/1/restore", ""}},
	}
	scenarios["get"] = append(scenarios["get"], struct{ method, path, body string }{"GET", "/examRegProcesses/t1/" + restorable + "?asOf=" + time.Now().UTC().Format(time.RFC3339Nano), ""})
	tpl, err := samtemplate.LoadDefault()
	if err != nil {
		t.Fatal(err)
	}
	// In this order: the deletes come last, then the history they made.
	for _, op := range []string{"create", "list", "get", "update", "patch", "eligible", "delete", "batch", "history", "historyversion", "compare", "restore"} {
		t.Run(op, func(t *testing.T) {
			mark := e.calls.mark()
			// Each function also makes the warm-up read at init.
			if err := e.store.Warm(context.Background(), time.Second); err != nil {
				t.Fatal(err)
			}
			for _, r := range scenarios[op] {
				e.do(r.method, r.path, r.body)
			}
			checkPolicy(t, tpl, op, permissions(e.calls.since(mark)))
		})
	}
	t.Run("historywriter", func(t *testing.T) {
		// A delete of its own, for the writer to wait for whichever of the
		// operations above ran.
		expect(t, e.do("DELETE", "/examRegProcesses/t1/"+doomed, ""), 200)
		checkHistoryWriterPolicy(t, e, tpl)
	})
}

// TestSnapshotPoliciesAllowExactlyWhatEachFunctionCalls is the policy test
// of the snapshot functions: each route through all of its code paths.
func TestSnapshotPoliciesAllowExactlyWhatEachFunctionCalls(t *testing.T) {
	e := newEnv(t)
	tok := mint(t, "alice", "t1", "t2")
	changed := e.createWithHistory("Changed") // its base, version 1, is read from the history
	expect(t, e.do("PATCH", "/examRegProcesses/t1/"+changed, `[{"op":"replace","path":"/name","value":"P2"}]`), 200)
	used := e.create("Used")["id"].(string)
	doomed := e.create("Doomed")["id"].(string)
	tpl, err := samtemplate.LoadDefault()
	if err != nil {
		t.Fatal(err)
	}
	run := func(op string, scenario func(t *testing.T)) {
		t.Run(op, func(t *testing.T) {
			mark := e.calls.mark()
			if err := e.store.Warm(context.Background(), time.Second); err != nil {
				t.Fatal(err)
			}
			scenario(t)
			checkPolicy(t, tpl, op, permissions(e.calls.since(mark)))
		})
	}
	var taken snapshotDoc
	run("snapshottake", func(t *testing.T) { taken = e.take(t, tok, "t1", "") })
	run("snapshotlist", func(t *testing.T) { expect(t, e.doAs(tok, "GET", "/configurationSnapshots/t1?limit=1", ""), 200) })
	run("snapshotget", func(t *testing.T) {
		e.snapshot(t, tok, "t1", taken.ID)
		expect(t, e.doAs(tok, "GET", "/configurationSnapshots/t1/nosuch", ""), 404)
	})
	run("snapshotapply", func(t *testing.T) {
		// After the snapshot: a record changed, with an exam added, one
		// deleted, one created; the restore writes each back, with a key.
		expect(t, e.do("PATCH", "/examRegProcesses/t1/"+changed, `[{"op":"add","path":"/exam_ids/-","value":"exam-b"}]`), 200)
		expect(t, e.do("DELETE", "/examRegProcesses/t1/"+doomed, ""), 200)
		e.create("Created")
		e.load("t1", "registrations", `{"id":"r1","name":"R","student_id":"c1","exam_id":"exam-a","date":"2026-01-02T03:04:05Z","status":"failed","process_id":"`+used+`"}`)
		e.apply(t, tok, "t1", `{"snapshot_id":"`+taken.ID+`","mode":"restore"}`, 200, "Idempotency-Key", "policy")
		_, whole := e.snapshot(t, tok, "t1", taken.ID)
		e.apply(t, tok, "t2", `{"snapshot":`+string(whole)+`,"mode":"promote","dry_run":true}`, 200)
	})
	run("snapshotdelete", func(t *testing.T) {
		expect(t, e.doAs(tok, "DELETE", "/configurationSnapshots/t1/"+taken.ID, ""), 200)
		expect(t, e.doAs(tok, "DELETE", "/configurationSnapshots/t1/"+taken.ID, ""), 404)
	})
}

// createWithHistory creates a record in t1 and writes its first history
// entry as the history writer would, and returns its id.
func (e *env) createWithHistory(name string) string {
	e.t.Helper()
	id := e.create(name)["id"].(string)
	p, err := e.store.ReadProcess(context.Background(), "t1", id)
	if err != nil {
		e.t.Fatal(err)
	}
	entry, err := examreg.ChangeOf(nil, p, history.Diff)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.store.PutHistoryEntry(context.Background(), "t1", id, entry, p.AppendJSON(nil)); err != nil {
		e.t.Fatal(err)
	}
	return id
}

// checkHistoryWriterPolicy runs the history writer on the stream of
// everything the env's table saw, until it has handled a delete, and holds
// its function's policy to the calls it made.
func checkHistoryWriterPolicy(t *testing.T, e *env, tpl *samtemplate.Template) {
	w := &history.Writer{Store: e.store, Log: slog.New(slog.DiscardHandler)}
	client := streampoller.ClientFor(e.store.Client())
	arn, err := streampoller.LatestStreamARN(context.Background(), e.store.Client(), e.store.Table())
	if err != nil {
		t.Fatal(err)
	}
	mark := e.calls.mark()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var deleted atomic.Bool
	go func() {
		done <- streampoller.Run(ctx, client, arn, 100, 20*time.Millisecond, func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
			resp, err := w.Handle(ctx, ev)
			for _, r := range ev.Records {
				if r.EventName == "REMOVE" && strings.HasPrefix(r.Change.Keys["sk"].String(), "EXAMREGPROCESS#") {
					deleted.Store(true)
				}
			}
			return resp, err
		}, slog.New(slog.DiscardHandler))
	}()
	for deadline := time.Now().Add(time.Minute); !deleted.Load(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the history writer never saw the deletes")
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Lambda sends a record that keeps failing to the on-failure
	// destination with the function's role.
	checkPolicy(t, tpl, "historywriter", append(permissions(e.calls.since(mark)), "sqs:SendMessage queue"))
}

// checkPolicy requires the policy of op's function to allow exactly used. A
// warm-up read needs no statement of its own where the function may read
// the whole table.
func checkPolicy(t *testing.T, tpl *samtemplate.Template, op string, used []string) {
	t.Helper()
	if slices.Contains(used, "dynamodb:GetItem table") {
		used = slices.DeleteFunc(used, func(p string) bool { return p == "dynamodb:GetItem table[WARMUP]" })
	}
	slices.Sort(used)
	for id, fn := range tpl.Resources {
		if strings.EqualFold(id, op+"Function") {
			if granted := granted(t, fn.Properties); !slices.Equal(granted, used) {
				t.Errorf("%s: the policy allows\n  %v\nthe code calls\n  %v", op, granted, used)
			}
			return
		}
	}
	t.Errorf("%s: no function in the template", op)
}

// permissions names the IAM action and resource (table or index) of each
// DynamoDB call; a transaction needs the action of each of its items.
func permissions(calls []call) []string {
	set := map[string]bool{}
	for _, c := range calls {
		switch in := c.input.(type) {
		case *dynamodb.GetItemInput:
			if pk, ok := in.Key["pk"].(*types.AttributeValueMemberS); ok && pk.Value == store.WarmUpKey {
				set["dynamodb:GetItem table[WARMUP]"] = true
			} else {
				set["dynamodb:GetItem table"] = true
			}
		case *dynamodb.BatchGetItemInput:
			set["dynamodb:BatchGetItem table"] = true
		case *dynamodb.PutItemInput:
			set["dynamodb:PutItem table"] = true
		case *dynamodb.QueryInput:
			if in.IndexName != nil {
				set["dynamodb:Query index/"+aws.ToString(in.IndexName)] = true
			} else {
				set["dynamodb:Query table"] = true
			}
		case *dynamodb.BatchWriteItemInput:
			set["dynamodb:BatchWriteItem table"] = true
		case *dynamodb.UpdateItemInput:
			set["dynamodb:UpdateItem table"] = true
		case *dynamodb.DeleteItemInput:
			set["dynamodb:DeleteItem table"] = true
		case *dynamodb.TransactWriteItemsInput:
			for _, item := range in.TransactItems {
				switch {
				case item.Put != nil:
					set["dynamodb:PutItem table"] = true
				case item.Update != nil:
					set["dynamodb:UpdateItem table"] = true
				case item.Delete != nil:
					set["dynamodb:DeleteItem table"] = true
				case item.ConditionCheck != nil:
					set["dynamodb:ConditionCheckItem table"] = true
				}
			}
		default:
			set[c.op+" (unmapped)"] = true
		}
	}
	return sortedKeys(set)
}

// granted lists what a function's policy statements allow, in the same form.
func granted(t *testing.T, properties json.RawMessage) []string {
	var props struct {
		Policies []struct {
			Statement []struct {
				Effect    string
				Action    []string
				Resource  any
				Condition json.RawMessage
			}
		}
	}
	if err := json.Unmarshal(properties, &props); err != nil {
		t.Fatal(err)
	}
	set := map[string]bool{}
	for _, p := range props.Policies {
		for _, s := range p.Statement {
			resource, _ := json.Marshal(s.Resource)
			var name string
			switch string(resource) {
			case `{"Fn::GetAtt":["Table","Arn"]}`:
				name = "table"
			case `{"Fn::Sub":"${Table.Arn}/index/gsi1"}`:
				name = "index/gsi1"
			case `{"Fn::GetAtt":["HistoryFailureQueue","Arn"]}`:
				name = "queue"
			default:
				t.Errorf("a statement on an unexpected resource %s", resource)
			}
			switch string(s.Condition) {
			case "":
			case `{"ForAllValues:StringEquals":{"dynamodb:LeadingKeys":["WARMUP"]}}`:
				name += "[WARMUP]"
			default:
				t.Errorf("a statement with an unexpected condition %s", s.Condition)
			}
			for _, a := range s.Action {
				if s.Effect != "Allow" || strings.Contains(a, "*") {
					t.Errorf("statement %s %s: only explicit Allow actions", s.Effect, a)
				}
				set[a+" "+name] = true
			}
		}
	}
	return sortedKeys(set)
}

func sortedKeys(set map[string]bool) []string {
	var keys []string
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
