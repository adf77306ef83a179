package store_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/certhub/examreg/pkg/dev/faultproxy"
	"github.com/certhub/examreg/pkg/examreg"
)

// TestWritesWhoseReplyIsLostAreAppliedOnce sends each kind of write through
// a proxy that lets DynamoDB apply it and then loses the reply, so that the
// SDK sends it again: the write must answer what the first reply would have
// brought, and the record must hold the write once. Each case expects what
// it finds stored before it plus its own write, so that any can run alone.
func TestWritesWhoseReplyIsLostAreAppliedOnce(t *testing.T) {
	s, p := faultTable(t)
	seedExams(t, s, "t", "e2")
	lose := func(t *testing.T, operation string) {
		t.Helper()
		f := &faultproxy.Fault{Operation: operation, LoseReply: true, Times: 1}
		p.Clear()
		p.Inject(f)
		t.Cleanup(func() {
			p.Clear()
			if f.Hits() != 1 {
				t.Errorf("the proxy lost %d replies, want 1", f.Hits())
			}
		})
	}
	stored := func(t *testing.T, id string) *examreg.Process {
		t.Helper()
		got, err := s.ReadProcess(ctx, "t", id)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	// once checks that the write answered the record at the next version and
	// stored it once.
	once := func(t *testing.T, before, answered *examreg.Process, err error, mark string) {
		t.Helper()
		if err != nil {
			t.Fatalf("the write answered %v", err)
		}
		got := stored(t, before.ID())
		if got.Version() != before.Version()+1 || answered.Version() != got.Version() {
			t.Errorf("stored at version %d, answered %d; want %d", got.Version(), answered.Version(), before.Version()+1)
		}
		if description, _ := got.Member("description"); mark != "" && strings.Count(description.Text(), mark) != 1 {
			t.Errorf("the change %s is there %d times, want once: %q", mark, strings.Count(description.Text(), mark), description.Text())
		}
	}

	t.Run("create", func(t *testing.T) {
		lose(t, "TransactWriteItems")
		if replay, err := s.CreateProcess(ctx, "t", newProcess(t, "lost-create", "e1"), 10, nil); err != nil || replay != nil {
			t.Fatalf("create = %+v, %v", replay, err)
		}
		if got := stored(t, "lost-create"); got.Version() != 1 {
			t.Errorf("stored at version %d, want 1", got.Version())
		}
		assertCounted(t, s, "t")
	})

	t.Run("update", func(t *testing.T) {
		before := stored(t, "p1")
		lose(t, "PutItem")
		answered, err := s.UpdateProcess(ctx, "t", "p1", appending(t, fmt.Sprintf("|u%d|", before.Version()), actor(fmt.Sprint("u", before.Version()))))
		once(t, before, answered, err, fmt.Sprintf("|u%d|", before.Version()))
	})

	t.Run("update adding an exam", func(t *testing.T) {
		before := stored(t, "p1")
		lose(t, "TransactWriteItems")
		answered, err := s.UpdateProcess(ctx, "t", "p1", func(cur *examreg.Process) (*examreg.Process, error) {
			return edited(t, cur, actor(fmt.Sprint("x", before.Version())), func(doc map[string]any) {
				doc["exam_ids"] = append(slices.DeleteFunc(cur.ExamIDs(), func(id string) bool { return id == "e2" }), "e2")
			})
		})
		once(t, before, answered, err, "")
		if got := stored(t, "p1").ExamIDs(); !slices.Contains(got, "e2") {
			t.Errorf("exam_ids %v, want e2 among them", got)
		}
	})

	t.Run("replace at a version", func(t *testing.T) {
		before := stored(t, "p1")
		lose(t, "PutItem")
		answered, err := s.UpdateProcess(ctx, "t", "p1", replacingAt(t, before.Version(), "Renamed", actor(fmt.Sprint("r", before.Version()))))
		once(t, before, answered, err, "")
		if name, _ := stored(t, "p1").Member("name"); name.Text() != "Renamed" {
			t.Errorf("name %q, want Renamed", name.Text())
		}
	})

	t.Run("update of a read", func(t *testing.T) { // a batch's patch
		before := stored(t, "p1")
		lose(t, "PutItem")
		answered, err := s.UpdateRead(ctx, "t", before, appending(t, fmt.Sprintf("|b%d|", before.Version()), actor(fmt.Sprint("b", before.Version()))))
		once(t, before, answered, err, fmt.Sprintf("|b%d|", before.Version()))
	})

	t.Run("delete", func(t *testing.T) {
		lose(t, "TransactWriteItems")
		if err := s.DeleteProcess(ctx, "t", "p1", nil, actor("lost-delete")); err != nil {
			t.Fatalf("delete = %v", err)
		}
		if _, err := s.ReadProcess(ctx, "t", "p1"); !errors.Is(err, examreg.ErrNotFound) {
			t.Errorf("after the delete, read = %v, want ErrNotFound", err)
		}
		assertCounted(t, s, "t")
	})
}

// TestTwoDeletesOfOneRequestAreTwoWrites: the writes of a batch share the
// request's id, but each has a write id of its own: the second delete of
// one record is not taken for a retry of the first.
func TestTwoDeletesOfOneRequestAreTwoWrites(t *testing.T) {
	s, _ := faultTable(t)
	first, second := actor("batch"), actor("batch")
	first.WriteID, second.WriteID = "batch#0", "batch#1"
	if err := s.DeleteProcess(ctx, "t", "p1", nil, first); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteProcess(ctx, "t", "p1", nil, second); !errors.Is(err, examreg.ErrNotFound) {
		t.Errorf("the second delete = %v, want ErrNotFound", err)
	}
	assertCounted(t, s, "t")
}
