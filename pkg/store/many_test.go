package store_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/certhub/examreg/pkg/dev/dynamotest"
	"github.com/certhub/examreg/pkg/dev/faultproxy"
	"github.com/certhub/examreg/pkg/examreg"
	"github.com/certhub/examreg/pkg/store"
)

// TestCreateManyAndDeleteMany: an apply's creates and deletes go in as few
// transactions as fit, keep the tenant's count exact, and a transaction
// that fails its condition falls back to record by record, which names
// the record at fault.
func TestCreateManyAndDeleteMany(t *testing.T) {
	p := dynamotest.NewFaultProxy(t)
	s := dynamotest.NewTable(t, func(o *dynamodb.Options) { o.BaseEndpoint = &p.URL })
	seedExams(t, s, "t", "e1", "e2")
	var records []*examreg.Process
	for i := range 120 {
		exams := []string{"e1"}
		if i%2 == 1 {
			exams = append(exams, "e2")
		}
		records = append(records, newProcess(t, fmt.Sprintf("p%03d", i), exams...))
	}
	transactions := &faultproxy.Fault{Operation: "TransactWriteItems"} // counts, and forwards
	p.Inject(transactions)
	if err := s.CreateMany(ctx, "t", records, nil, 1000); err != nil {
		t.Fatal(err)
	}
	// 100 items: the count, two exam checks, and 48 records of two items each.
	if n := transactions.Hits(); n != 3 {
		t.Errorf("%d transactions for 120 creates, want 3", n)
	}
	if n := assertCounted(t, s, "t"); n != 120 {
		t.Errorf("%d records", n)
	}

	by := func(id string) examreg.Actor {
		a := actor("apply/" + id)
		a.SnapshotID = "s1"
		return a
	}
	if err := s.DeleteMany(ctx, "t", records[:100], by); err != nil {
		t.Fatal(err)
	}
	if n := transactions.Hits(); n != 3+3 {
		t.Errorf("%d transactions for 100 deletes, want 3", n-3)
	}
	if n := assertCounted(t, s, "t"); n != 20 {
		t.Errorf("%d records left, want 20", n)
	}
	if d, err := s.ReadDeletion(ctx, "t", "p007"); err != nil || d.SnapshotID != "s1" || d.Version != 2 {
		t.Errorf("deletion %+v, %v", d, err)
	}

	// One id taken meanwhile: its chunk goes record by record.
	taken := examreg.NewProcess(records[100], "p100", actor("another request"))
	again := []*examreg.Process{newProcess(t, "q1", "e1"), taken, newProcess(t, "q2", "e1")}
	err := s.CreateMany(ctx, "t", again, nil, 1000)
	if examreg.ErrorCode(err) != examreg.ECONFLICT {
		t.Errorf("creating over a record: %v", err)
	}
	if _, err := s.ReadProcess(ctx, "t", "q1"); err != nil {
		t.Errorf("q1, before the record at fault, was not created: %v", err)
	}
	assertCounted(t, s, "t")
	// Past the tenant's limit.
	err = s.CreateMany(ctx, "t", []*examreg.Process{newProcess(t, "r1", "e1"), newProcess(t, "r2", "e1")}, map[string]store.Deletion{}, 22)
	if err != examreg.ErrLimit {
		t.Errorf("past the limit: %v", err)
	}
	if n := assertCounted(t, s, "t"); n != 22 {
		t.Errorf("%d records, want the limit, 22", n)
	}
}
