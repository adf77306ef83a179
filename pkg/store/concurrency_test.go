package store_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/certhub/examreg/pkg/dev/dynamotest"
	"github.com/certhub/examreg/pkg/examreg"
	"github.com/certhub/examreg/pkg/store"
)

// The races of this file run writers on separate Stores, as separate Lambda
// instances do, and, where it matters, on one Store, as the workers of one
// batch do.

func TestConcurrentCreatesNeverOvershootTheTenantLimit(t *testing.T) {
	const limit, callers = 5, 12
	s := dynamotest.NewTable(t)
	seedExams(t, s, "t", "e1")
	type result struct {
		id  string
		err error
	}
	results := make(chan result, callers)
	var wg sync.WaitGroup
	for i := range callers {
		own := store.New(s.Client(), s.Table())
		wg.Go(func() {
			id := fmt.Sprint("c", i)
			_, err := own.CreateProcess(ctx, "t", newProcess(t, id, "e1"), limit, nil)
			results <- result{id, err}
		})
	}
	wg.Wait()
	close(results)
	var created []string
	limited := 0
	for r := range results {
		switch {
		case r.err == nil:
			created = append(created, r.id)
		case errors.Is(r.err, examreg.ErrLimit):
			limited++
		default:
			t.Errorf("unexpected error: %v", r.err)
		}
	}
	if stored := assertCounted(t, s, "t"); len(created) != limit || limited != callers-limit || stored != limit {
		t.Fatalf("created %d, limited %d, stored %d; want %d, %d, %d", len(created), limited, stored, limit, callers-limit, limit)
	}
	// At the limit a create is refused; after a delete there is room again.
	if _, err := s.CreateProcess(ctx, "t", newProcess(t, "over", "e1"), limit, nil); !errors.Is(err, examreg.ErrLimit) {
		t.Errorf("a create at the limit = %v, want ErrLimit", err)
	}
	if err := s.DeleteProcess(ctx, "t", created[0], nil, actor("delete")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateProcess(ctx, "t", newProcess(t, "again", "e1"), limit, nil); err != nil {
		t.Errorf("a create after a delete = %v", err)
	}
	assertCounted(t, s, "t")
	// The limit is per tenant.
	seedExams(t, s, "t2", "e1")
	if _, err := s.CreateProcess(ctx, "t2", newProcess(t, "t2", "e1"), limit, nil); err != nil {
		t.Errorf("another tenant's create = %v", err)
	}
}

func TestConcurrentUpdatesAllLand(t *testing.T) {
	for _, tc := range []struct {
		name    string
		writers int
		oneEach bool
	}{
		{"on one store", 50, false},
		{"on separate stores", 20, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := dynamotest.NewTable(t)
			seedExams(t, s, "t", "e1")
			create(t, s, newProcess(t, "p1", "e1"))
			var wg sync.WaitGroup
			for i := range tc.writers {
				own := s
				if tc.oneEach {
					own = store.New(s.Client(), s.Table())
				}
				wg.Go(func() {
					if _, err := own.UpdateProcess(ctx, "t", "p1", appending(t, fmt.Sprintf("|w%d|", i), actor(fmt.Sprint("w", i)))); err != nil {
						t.Errorf("writer %d: %v", i, err)
					}
				})
			}
			wg.Wait()
			assertDescribed(t, s, "p1", int64(1+tc.writers), "w", tc.writers)
		})
	}
}

func TestConcurrentReplacesOfOneVersionHaveOneWinner(t *testing.T) {
	const writers = 8
	s := dynamotest.NewTable(t)
	seedExams(t, s, "t", "e1")
	create(t, s, newProcess(t, "p1", "e1"))
	results := make(chan error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		own := store.New(s.Client(), s.Table())
		wg.Go(func() {
			_, err := own.UpdateProcess(ctx, "t", "p1", replacingAt(t, 1, fmt.Sprint("w", i), actor(fmt.Sprint("w", i))))
			results <- err
		})
	}
	wg.Wait()
	close(results)
	won, stale := 0, 0
	for err := range results {
		switch {
		case err == nil:
			won++
		case errors.Is(err, examreg.ErrStale):
			stale++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if won != 1 || stale != writers-1 {
		t.Errorf("%d won and %d were stale, want 1 and %d", won, stale, writers-1)
	}
}

func TestADeleteRacingUpdatesNeverResurrects(t *testing.T) {
	s := dynamotest.NewTable(t)
	seedExams(t, s, "t", "e1")
	for round := range 3 {
		id := fmt.Sprint("doomed-", round)
		create(t, s, newProcess(t, id, "e1"))
		var wg sync.WaitGroup
		for i := range 15 {
			own := store.New(s.Client(), s.Table())
			wg.Go(func() {
				_, err := own.UpdateProcess(ctx, "t", id, appending(t, fmt.Sprint("|p", i, "|"), actor(fmt.Sprint(id, "-p", i))))
				if err != nil && !errors.Is(err, examreg.ErrNotFound) {
					t.Errorf("update: %v", err)
				}
			})
		}
		wg.Go(func() {
			if err := s.DeleteProcess(ctx, "t", id, nil, actor("delete-"+id)); err != nil {
				t.Errorf("delete: %v", err)
			}
		})
		wg.Wait()
		if _, err := s.ReadProcess(ctx, "t", id); !errors.Is(err, examreg.ErrNotFound) {
			t.Errorf("round %d: after the delete, read = %v, want ErrNotFound", round, err)
		}
	}
	assertCounted(t, s, "t")
}

// TestUpdatesOfStaleReadsRacingUpdatesLoseNothing: a batch reads its
// records once and then changes each from that read (UpdateRead), while
// single writes change the same records: every change lands.
func TestUpdatesOfStaleReadsRacingUpdatesLoseNothing(t *testing.T) {
	const records, changes = 5, 50
	s := dynamotest.NewTable(t)
	seedExams(t, s, "t", "e1")
	var ids []string
	for i := range records {
		ids = append(ids, fmt.Sprint("shared-", i))
		create(t, s, newProcess(t, ids[i], "e1"))
	}
	read, err := s.ReadProcesses(ctx, "t", ids)
	if err != nil || len(read) != records {
		t.Fatalf("read %d records, %v", len(read), err)
	}
	batch := store.New(s.Client(), s.Table())
	var wg sync.WaitGroup
	for i := range changes {
		id := ids[i%records]
		wg.Go(func() {
			if _, err := batch.UpdateRead(ctx, "t", read[id], appending(t, fmt.Sprintf("|b%d|", i), actor(fmt.Sprint("b", i)))); err != nil {
				t.Errorf("batch change %d: %v", i, err)
			}
		})
		own := store.New(s.Client(), s.Table())
		wg.Go(func() {
			if _, err := own.UpdateProcess(ctx, "t", id, appending(t, fmt.Sprintf("|s%d|", i), actor(fmt.Sprint("s", i)))); err != nil {
				t.Errorf("single change %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	for n, id := range ids {
		got, err := s.ReadProcess(ctx, "t", id)
		if err != nil {
			t.Fatal(err)
		}
		description, _ := got.Member("description")
		for i := n; i < changes; i += records {
			for _, mark := range []string{fmt.Sprintf("|b%d|", i), fmt.Sprintf("|s%d|", i)} {
				if strings.Count(description.Text(), mark) != 1 {
					t.Errorf("%s holds change %s %d times: %q", id, mark, strings.Count(description.Text(), mark), description.Text())
				}
			}
		}
		if want := int64(1 + 2*changes/records); got.Version() != want {
			t.Errorf("%s sys_version %d, want %d", id, got.Version(), want)
		}
	}
}

// appending is a change that adds text to the record's description, as
// written by by.
func appending(t *testing.T, text string, by examreg.Actor) store.ChangeFunc {
	return func(cur *examreg.Process) (*examreg.Process, error) {
		return appendToDescription(t, cur, text, by)
	}
}

// replacingAt is a change that renames the record by a PUT body holding
// sys_version version.
func replacingAt(t *testing.T, version int64, name string, by examreg.Actor) store.ChangeFunc {
	return func(cur *examreg.Process) (*examreg.Process, error) {
		return edited(t, cur, by, func(doc map[string]any) {
			doc["name"], doc["sys_version"] = name, json.Number(strconv.FormatInt(version, 10))
		})
	}
}

// edited is cur as a client edits it and PUTs it back: the record's JSON
// (numbers kept exact), changed by edit, replacing cur.
func edited(t *testing.T, cur *examreg.Process, by examreg.Actor, edit func(doc map[string]any)) (*examreg.Process, error) {
	t.Helper()
	doc := map[string]any{}
	dec := json.NewDecoder(bytes.NewReader(cur.AppendJSON(nil)))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Error(err)
		return nil, err
	}
	edit(doc)
	body, _ := json.Marshal(doc)
	p, err := examreg.DecodeProcess(body, cur.ID())
	if err != nil {
		t.Error(err)
		return nil, err
	}
	return examreg.Replace(cur, p, by)
}

// assertDescribed checks that the record is at version and that its
// description holds each mark |<prefix><i>|, i < n, once.
func assertDescribed(t *testing.T, s *store.Store, id string, version int64, prefix string, n int) {
	t.Helper()
	got, err := s.ReadProcess(ctx, "t", id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version() != version {
		t.Errorf("sys_version = %d, want %d", got.Version(), version)
	}
	description, _ := got.Member("description")
	for i := range n {
		if mark := fmt.Sprintf("|%s%d|", prefix, i); strings.Count(description.Text(), mark) != 1 {
			t.Errorf("change %s is there %d times, want once: %q", mark, strings.Count(description.Text(), mark), description.Text())
		}
	}
}

// assertCounted checks that the tenant's counter equals the number of its
// records (no create or delete was half applied), and returns the number.
func assertCounted(t *testing.T, s *store.Store, tenant string) int {
	t.Helper()
	page, err := s.ListProcesses(ctx, tenant, store.ListOptions{ReadOptions: store.ReadOptions{Consistent: true}})
	if err != nil {
		t.Fatal(err)
	}
	if page.Last != "" {
		t.Fatal("more records than a page")
	}
	out, err := s.Client().GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.Table()),
		Key:            map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "TENANT#" + tenant}, "sk": &types.AttributeValueMemberS{Value: "COUNTER#EXAMREGPROCESS"}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	counted := 0
	if n, ok := out.Item["process_count"].(*types.AttributeValueMemberN); ok {
		counted, _ = strconv.Atoi(n.Value)
	}
	if counted != page.Count {
		t.Errorf("tenant %s: counter %d, records %d", tenant, counted, page.Count)
	}
	return page.Count
}
