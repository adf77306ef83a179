package examreg

import (
	"encoding/json"
	"github.com/certhub/examreg/pkg/jsondoc"
	"slices"
)

// Operations a history entry records besides the API's own (create, update,
// patch, batch).
const (
	OperationDelete   = "delete"
	OperationBulkLoad = "bulk_load"
	OperationRestore  = "restore"
)

// bookkeeping are the members a history entry carries itself, and so leaves
// out of its patch.
var bookkeeping = []string{"sys_version", "sys_last_modified_at", "sys_last_modified_by_id", "sys_last_security_context"}

// HistoryEntry is one version of a record in its change history: which
// version, how it was made, when, by whom and in which request, and the RFC
// 6902 patch that turns the record as a client read it at the version before
// ({} before the create) into the record at this version, bookkeeping left
// out. Applying the patches of versions 1 to n in order to {} gives the
// record at version n without its bookkeeping. A delete is an entry of its
// own, with no patch. A restore names the version it put back, a write by
// an apply of a configuration snapshot the snapshot.
type HistoryEntry struct {
	Version      int64           `json:"version"`
	Operation    string          `json:"operation"`
	At           string          `json:"at"`
	By           string          `json:"by"`
	RequestID    string          `json:"request_id"`
	RestoredFrom int64           `json:"restored_from,omitempty"`
	SnapshotID   string          `json:"snapshot_id,omitempty"`
	Patch        json.RawMessage `json:"patch,omitempty"`
}

// Diff is an RFC 6902 patch generator (pkg/history's uses jsondiff): the
// patch, as JSON text, that turns from into to, the JSON texts of two
// client views.
type Diff func(from, to []byte) (json.RawMessage, error)

// ChangeOf is the entry of the write that turned before (nil for a create)
// into after, its patch made by diff.
func ChangeOf(before, after *Process, diff Diff) (HistoryEntry, error) {
	from := []byte("{}")
	if before != nil {
		from = ClientView(before).AppendJSON(nil)
	}
	patch, err := diff(from, ClientView(after).AppendJSON(nil))
	if err != nil {
		return HistoryEntry{}, err
	}
	doc := after.Document()
	context, _ := doc.Member("sys_last_security_context")
	restored, _ := context.Member("restored_from")
	restoredFrom, _ := restored.Int64()
	return HistoryEntry{
		Version:      after.Version(),
		Operation:    context.MemberText("operation"),
		At:           doc.MemberText("sys_last_modified_at"),
		By:           doc.MemberText("sys_last_modified_by_id"),
		RequestID:    context.MemberText("request_id"),
		RestoredFrom: restoredFrom,
		SnapshotID:   context.MemberText("snapshot_id"),
		Patch:        patch,
	}, nil
}

// DeletionOf is the entry of the delete of a record whose last version was
// last, by the user by, at, in the request requestID.
func DeletionOf(last *Process, by, at, requestID string) HistoryEntry {
	return HistoryEntry{Version: last.Version() + 1, Operation: OperationDelete, At: at, By: by, RequestID: requestID}
}

// ClientView is the process as a client reads it without the bookkeeping
// a history entry carries itself.
func ClientView(p *Process) jsondoc.Value {
	return jsondoc.ObjectValue(slices.DeleteFunc(slices.Clone(p.members), func(m jsondoc.Member) bool {
		return slices.Contains(bookkeeping, m.Name)
	}))
}
