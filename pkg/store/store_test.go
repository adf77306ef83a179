package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/certhub/examreg/pkg/dev/dynamotest"
	"github.com/certhub/examreg/pkg/examreg"
	"github.com/certhub/examreg/pkg/store"
)

func TestMain(m *testing.M) { os.Exit(dynamotest.RunTests(m)) }

var ctx = context.Background()

func ptr[T any](v T) *T { return &v }

func seedExams(t *testing.T, s *store.Store, tenant string, ids ...string) {
	t.Helper()
	var items []store.Item
	for _, id := range ids {
		item, err := store.ExamItem(tenant, &examreg.Exam{ID: id, Name: "Exam " + id, IsActive: ptr(true)})
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, item)
	}
	if err := s.PutItems(ctx, items, nil); err != nil {
		t.Fatal(err)
	}
}

func newProcess(t *testing.T, id string, exams ...string) *examreg.Process {
	t.Helper()
	examIDs, _ := json.Marshal(exams)
	body := fmt.Sprintf(`{"name":"P %s","type":"register","exam_ids":%s,
		"contact_form_options":{"contact_form_id":"cf"},
		"checkout_settings":{"bank_account_id":"b","business_unit_id":"u","nested":{"empty":"","list":[1,"x",null]}},
		"confirmation_email":{"subject":"s","body":"b"},"is_active":false,"display_order":0}`, id, examIDs)
	p, err := examreg.DecodeProcess([]byte(body), "")
	if err != nil {
		t.Fatal(err)
	}
	return examreg.NewProcess(p, id, examreg.Actor{UserID: "u1", TenantID: "t", Now: time.Now()})
}

func TestCreateGetRoundTripsEveryValue(t *testing.T) {
	s := dynamotest.NewTable(t)
	seedExams(t, s, "t", "e1")
	p := newProcess(t, "p1", "e1")
	if err := s.CreateProcess(ctx, "t", p, 10); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetProcess(ctx, "t", "p1", store.ReadOptions{Consistent: true})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := jsonOf(p)
	have, _ := jsonOf(got)
	if want != have {
		t.Errorf("round trip changed the record:\nwant %s\nhave %s", want, have)
	}
	if _, err := s.GetProcess(ctx, "other", "p1", store.ReadOptions{}); !errors.Is(err, examreg.ErrNotFound) {
		t.Errorf("another tenant's get = %v, want ErrNotFound", err)
	}
}

func TestCreateRefusesMissingExamsAndCountsTheLimit(t *testing.T) {
	s := dynamotest.NewTable(t)
	seedExams(t, s, "t", "e1")
	err := s.CreateProcess(ctx, "t", newProcess(t, "p1", "e1", "nope", "gone"), 10)
	var e *examreg.Error
	if !errors.As(err, &e) || e.Code != examreg.ECONFLICT || len(e.Fields) != 2 || e.Fields[0].Field != "exam_ids[1]" {
		t.Fatalf("create with missing exams = %#v, want ECONFLICT naming exam_ids[1] and [2]", err)
	}
	if _, err := s.GetProcess(ctx, "t", "p1", store.ReadOptions{Consistent: true}); !errors.Is(err, examreg.ErrNotFound) {
		t.Errorf("a refused create left a record: %v", err)
	}
	const limit = 3
	var wg sync.WaitGroup
	results := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- s.CreateProcess(ctx, "t", newProcess(t, fmt.Sprint("c", i), "e1"), limit)
		}()
	}
	wg.Wait()
	close(results)
	created, limited := 0, 0
	for err := range results {
		switch {
		case err == nil:
			created++
		case errors.Is(err, examreg.ErrLimit):
			limited++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	page, err := s.ListProcesses(ctx, "t", store.ListOptions{ReadOptions: store.ReadOptions{Consistent: true}})
	if err != nil {
		t.Fatal(err)
	}
	if created != limit || limited != 8-limit || len(page.Items) != limit {
		t.Errorf("created %d, limited %d, stored %d; want %d, %d, %d", created, limited, len(page.Items), limit, 8-limit, limit)
	}
}

func TestUpdateRetriesLostRacesAndLosesNothing(t *testing.T) {
	s := dynamotest.NewTable(t)
	seedExams(t, s, "t", "e1")
	if err := s.CreateProcess(ctx, "t", newProcess(t, "p1", "e1"), 10); err != nil {
		t.Fatal(err)
	}
	const writers = 20
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.UpdateProcess(ctx, "t", "p1", func(cur *examreg.Process) (*examreg.Process, error) {
				next := *cur
				next.Description = ptr(fmt.Sprintf("%s|w%d|", deref(cur.Description), i))
				next.SysVersion++
				return &next, nil
			})
			if err == nil || examreg.ErrorCode(err) != examreg.ECONFLICT {
				return
			}
			t.Errorf("writer %d: %v", i, err)
		}()
	}
	wg.Wait()
	got, err := s.GetProcess(ctx, "t", "p1", store.ReadOptions{Consistent: true})
	if err != nil {
		t.Fatal(err)
	}
	if got.SysVersion != 1+writers {
		t.Errorf("sys_version = %d, want %d", got.SysVersion, 1+writers)
	}
	for i := range writers {
		if !strings.Contains(deref(got.Description), fmt.Sprintf("|w%d|", i)) {
			t.Errorf("writer %d's change was lost: %q", i, deref(got.Description))
		}
	}
}

func jsonOf(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
