package store_test

import (
	"errors"
	"testing"

	"github.com/certhub/examreg/pkg/dev/dynamotest"
	"github.com/certhub/examreg/pkg/examreg"
	"github.com/certhub/examreg/pkg/store"
)

// TestHistoryNeverSkipsAnotherEntry: an entry delivered again adds nothing,
// but an entry whose version holds another one is an error, not a skip.
func TestHistoryNeverSkipsAnotherEntry(t *testing.T) {
	s := dynamotest.NewTable(t)
	p := newProcess(t, "p1", "e1")
	first := examreg.HistoryEntry{Version: 1, Operation: "create", At: "2026-01-01T00:00:00.000Z", By: "u1", RequestID: "r1", Patch: []byte(`[]`)}
	if written, err := s.PutHistoryEntry(ctx, "t", "p1", first, p.AppendJSON(nil)); !written || err != nil {
		t.Fatalf("first write: %v, %v", written, err)
	}
	if written, err := s.PutHistoryEntry(ctx, "t", "p1", first, p.AppendJSON(nil)); written || err != nil {
		t.Errorf("the same entry again: written %v, %v; want nothing written, no error", written, err)
	}
	other := first
	other.Operation, other.RequestID = "bulk_load", "load-1"
	if written, err := s.PutHistoryEntry(ctx, "t", "p1", other, p.AppendJSON(nil)); written || !errors.Is(err, store.ErrHistoryTaken) {
		t.Errorf("another entry at version 1: written %v, %v; want ErrHistoryTaken", written, err)
	}
	// A delete's entry is told by its version: its deleter is read from a
	// deletion item that a later delete of the id replaces.
	del := examreg.HistoryEntry{Version: 2, Operation: examreg.OperationDelete, At: "2026-01-01T00:00:01.000Z", By: "u1", RequestID: "r2"}
	if written, err := s.PutHistoryEntry(ctx, "t", "p1", del, nil); !written || err != nil {
		t.Fatalf("delete: %v, %v", written, err)
	}
	del.By, del.At, del.RequestID = "u2", "2026-01-02T00:00:00.000Z", "r9"
	if written, err := s.PutHistoryEntry(ctx, "t", "p1", del, nil); written || err != nil {
		t.Errorf("the delete delivered again after a later delete: written %v, %v; want nothing written, no error", written, err)
	}
}

// TestAWriteThatChangesNothingWritesNothing: the successor equal to the
// stored record is not written, and the stored record is the answer.
func TestAWriteThatChangesNothingWritesNothing(t *testing.T) {
	s := dynamotest.NewTable(t)
	seedExams(t, s, "t", "e1")
	p := newProcess(t, "p1", "e1")
	create(t, s, p)
	saved, err := s.UpdateProcess(ctx, "t", "p1", func(current *examreg.Process) (*examreg.Process, error) {
		return examreg.Replace(current, current, actor("same"))
	})
	if err != nil || saved.Version() != 1 || saved.RequestID() != p.RequestID() {
		t.Fatalf("saved %s, %v; want the stored record at version 1", saved.AppendJSON(nil), err)
	}
	stored, err := s.ReadProcess(ctx, "t", "p1")
	if err != nil || string(stored.AppendJSON(nil)) != string(p.AppendJSON(nil)) {
		t.Errorf("stored %s, %v; want it untouched", stored.AppendJSON(nil), err)
	}
}
