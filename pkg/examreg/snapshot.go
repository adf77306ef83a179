package examreg

import (
	"cmp"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/certhub/examreg/pkg/jsondoc"
)

// OperationSnapshotApply is the operation of a write made by applying a
// configuration snapshot: its history entry names the snapshot.
const OperationSnapshotApply = "snapshot_apply"

// snapshotStamps are the members an apply writes on every record it writes:
// the snapshot applied, and the version the next snapshot takes its changes
// from. They belong to the tenant that holds the record, so a snapshot
// carries neither from one tenant to another.
var snapshotStamps = []string{"sys_configuration_snapshot_id", "sys_snapshot_base_version"}

// SnapshotHeader describes a configuration snapshot: a copy of every exam
// reg process of a tenant at one moment.
type SnapshotHeader struct {
	ID          string `json:"id"`
	TenantID    string `json:"tenant_id"`
	Description string `json:"description"`
	CreatedAt   string `json:"created_at"`
	CreatedBy   string `json:"created_by"`
	RecordCount int    `json:"record_count"`
}

// SnapshotRecord is one record as a snapshot holds it: the record as a GET
// answered it, at Version, and the changes made to it since BaseVersion,
// the version its last apply left (sys_snapshot_base_version, or 1), as a
// patch over Configuration made by a guarded diff. When the history did not
// hold the base version, BaseMissing is set and the patch starts from {}.
type SnapshotRecord struct {
	ID            string          `json:"id"`
	Version       int64           `json:"version"`
	BaseVersion   int64           `json:"base_version"`
	BaseMissing   bool            `json:"base_missing,omitempty"`
	Record        *Process        `json:"record"`
	PatchFromBase json.RawMessage `json:"patch_from_base"`
}

// Snapshot is a snapshot's header and its records, ordered by id.
type Snapshot struct {
	SnapshotHeader
	Records []SnapshotRecord `json:"records"`
}

// Configuration is what a configuration snapshot carries of a record and
// what its patches cover: the members a client writes, the snapshot stamps
// left out.
func Configuration(p *Process) jsondoc.Value {
	var members []jsondoc.Member
	for _, m := range p.members {
		if !IsServerManaged(m.Name) && !slices.Contains(snapshotStamps, m.Name) {
			members = append(members, m)
		}
	}
	return jsondoc.ObjectValue(members)
}

// BaseVersion is the version a snapshot takes a record's changes from: its
// sys_snapshot_base_version, or 1 when it has none (or none that names a
// version).
func BaseVersion(p *Process) int64 {
	v, _ := p.Member("sys_snapshot_base_version")
	if n, ok := v.Int64(); ok && n >= 1 {
		return n
	}
	return 1
}

// CaptureRecord is current as a snapshot holds it. base is the record at
// current's base version as its history holds it, nil when the history
// does not hold it; guardedDiff makes the patch from it (from {} when it is
// nil) to current.
func CaptureRecord(current, base *Process, guardedDiff Diff) (SnapshotRecord, error) {
	from := []byte("{}")
	if base != nil {
		from = Configuration(base).AppendJSON(nil)
	}
	patch, err := guardedDiff(from, Configuration(current).AppendJSON(nil))
	if err != nil {
		return SnapshotRecord{}, err
	}
	return SnapshotRecord{
		ID:            current.ID(),
		Version:       current.Version(),
		BaseVersion:   BaseVersion(current),
		BaseMissing:   base == nil,
		Record:        current,
		PatchFromBase: patch,
	}, nil
}

// Applied is the record an apply writes: the configuration config, stamped
// as written from the snapshot by.SnapshotID. Over current (a record the
// target has), every server-managed member is carried over, as on a PUT;
// otherwise the record is created under id after deleted, the version of
// the id's last delete (0 when it had none), as created by by, or, after a
// delete, with the creation the deleted record had (createdAt, createdBy).
func Applied(current *Process, id string, config jsondoc.Value, deleted int64, createdAt, createdBy string, by Actor) *Process {
	var server []jsondoc.Member
	version := deleted
	if current != nil {
		server, version = serverFields(current), current.Version()
	} else {
		if createdAt == "" {
			createdAt, createdBy = Timestamp(by.Now), by.UserID
		}
		server = []jsondoc.Member{
			{Name: "id", Value: jsondoc.StringValue(id)},
			{Name: "sys_created_at", Value: jsondoc.StringValue(createdAt)},
			{Name: "sys_created_by_id", Value: jsondoc.StringValue(createdBy)},
		}
	}
	members := slices.Clone(config.Members())
	members = append(members, server...)
	members = append(members, stamp(version, by)...)
	members = append(members,
		jsondoc.Member{Name: "sys_configuration_snapshot_id", Value: jsondoc.StringValue(by.SnapshotID)},
		jsondoc.Member{Name: "sys_snapshot_base_version", Value: jsondoc.IntValue(version + 1)},
	)
	return (&Process{}).update(members)
}

// SameConfiguration reports whether two records hold the same
// configuration: an apply of one over the other changes nothing.
func SameConfiguration(a, b *Process) bool { return Configuration(a).Equal(Configuration(b)) }

// AppliedAlike reports whether two records hold the same configuration,
// written from the same snapshot: an apply that finds the one where it
// was to write the other finds its work done, by itself sent again or by
// another apply of the snapshot.
func AppliedAlike(a, b *Process) bool {
	sa, _ := a.Member("sys_configuration_snapshot_id")
	sb, _ := b.Member("sys_configuration_snapshot_id")
	return SameConfiguration(a, b) && sa.Kind() == jsondoc.KindString && sa.Equal(sb)
}

// CheckConfiguration checks a configuration an apply would write as a
// record: by the schema and the rules of a PUT body.
func CheckConfiguration(config jsondoc.Value) error {
	c := conformer{of: "an exam reg process"}
	p := &Process{members: inSchemaOrder(c.members(slices.Clone(config.Members()), processShape))}
	_, err := checked(p, c.problems, anyID)
	return err
}

// Promoted is the configuration a promotion makes of target, a record's
// configuration in the target tenant, from changes, the changes the source
// made since its base (a SnapshotRecord's PatchFromBase). Each change whose
// guard holds (the target still holds what the source's base held) is
// applied; one whose guard fails is already done when the target holds what
// it would write (a change promoted before, or made the same way on both
// sides), and otherwise a conflict naming its path, as is an add over a
// member the target set to another value. The appends to an array are
// done when the array already ends with what they append. A conflict is
// returned as an ECONFLICT *Error listing every path that conflicts.
func Promoted(target jsondoc.Value, changes jsondoc.Patch) (jsondoc.Value, error) {
	doc := target
	var conflicts []FieldError
	conflict := func(path jsondoc.Pointer, message string) {
		conflicts = append(conflicts, FieldError{Field: pointerField(path), Message: message})
	}
	apply := func(ops ...jsondoc.Operation) {
		next, err := jsondoc.Patch(ops).Apply(doc)
		var failed *jsondoc.OperationError
		switch {
		case errors.As(err, &failed):
			conflict(ops[failed.Index].Path, "cannot be changed in the target: its "+cmp.Or(failed.Member, "operation")+" "+failed.Err.Error()+" there")
		case err != nil:
			conflict(ops[0].Path, "cannot be changed in the target: "+err.Error())
		default:
			doc = next
		}
	}
	for i := 0; i < len(changes); i++ {
		op := changes[i]
		switch {
		case op.Op == "test":
			var guarded []jsondoc.Operation
			if i+1 < len(changes) && slices.Equal(changes[i+1].Path, op.Path) && (changes[i+1].Op == "replace" || changes[i+1].Op == "remove") {
				guarded = changes[i+1 : i+2]
				i++
			}
			got, ok := doc.Find(op.Path)
			switch {
			case ok && got.Equal(op.Value):
				if guarded != nil {
					apply(guarded...)
				}
			case guarded != nil && holds(doc, guarded[0]):
			case !ok:
				conflict(op.Path, "the target has no value here, where the snapshot's base held "+excerpt(op.Value))
			default:
				conflict(op.Path, "the target holds "+excerpt(got)+" here, where the snapshot's base held "+excerpt(op.Value)+"; the snapshot "+writes(guarded))
			}
		case op.Op == "add" && len(op.Path) > 0 && op.Path[len(op.Path)-1] == "-":
			run := i + 1
			for run < len(changes) && changes[run].Op == "add" && slices.Equal(changes[run].Path, op.Path) {
				run++
			}
			appends := changes[i:run]
			i = run - 1
			if array, ok := doc.Find(op.Path[:len(op.Path)-1]); !ok || !endsWith(array, appends) {
				apply(appends...)
			}
		case op.Op == "add":
			got, ok := doc.Find(op.Path)
			parent, _ := doc.Find(op.Path[:max(len(op.Path)-1, 0)])
			switch {
			case !ok || parent.Kind() == jsondoc.KindArray || len(op.Path) == 0:
				apply(op)
			case got.Equal(op.Value):
			default:
				conflict(op.Path, "the target holds "+excerpt(got)+" here, where the snapshot adds "+excerpt(op.Value))
			}
		case (op.Op == "replace" || op.Op == "remove") && holds(doc, op):
		default:
			apply(op)
		}
	}
	if conflicts != nil {
		return jsondoc.Value{}, &Error{Code: ECONFLICT, Message: "the target changed what the snapshot changes since its base", Fields: conflicts}
	}
	return doc, nil
}

// holds reports whether doc already holds what a replace or remove writes.
func holds(doc jsondoc.Value, op jsondoc.Operation) bool {
	got, ok := doc.Find(op.Path)
	if op.Op == "remove" {
		return !ok
	}
	return ok && got.Equal(op.Value)
}

// endsWith reports whether array ends with the values appends append.
func endsWith(array jsondoc.Value, appends []jsondoc.Operation) bool {
	items := array.Items()
	if array.Kind() != jsondoc.KindArray || len(items) < len(appends) {
		return false
	}
	tail := items[len(items)-len(appends):]
	for i, op := range appends {
		if !tail[i].Equal(op.Value) {
			return false
		}
	}
	return true
}

// writes says what a guarded operation does, for a conflict's message.
func writes(guarded []jsondoc.Operation) string {
	switch {
	case guarded == nil:
		return "tests it"
	case guarded[0].Op == "remove":
		return "removes it"
	}
	return "writes " + excerpt(guarded[0].Value)
}

// excerpt is a value's JSON text, cut to a length a message can carry.
func excerpt(v jsondoc.Value) string {
	const most = 80
	text := v.String()
	if len(text) <= most {
		return text
	}
	cut := most
	for cut > 0 && text[cut]&0xC0 == 0x80 {
		cut--
	}
	return text[:cut] + "…"
}

// pointerField writes a JSON Pointer as a conflict's field: the pointer
// itself, "/exam_ids/2", since a patch names its paths so.
func pointerField(p jsondoc.Pointer) string {
	if len(p) == 0 {
		return ""
	}
	return p.String()
}

// Modes of an apply.
const (
	// ModeRestore makes the target's records the snapshot's.
	ModeRestore = "restore"
	// ModePromote carries the snapshot records' changes since their base.
	ModePromote = "promote"
)

// Actions of an apply's plan.
const (
	ActionCreate    = "create"
	ActionUpdate    = "update"
	ActionDelete    = "delete"
	ActionUnchanged = "unchanged"
	ActionConflict  = "conflict"
)

// PlanEntry is what an apply does to one record: the action, the patch
// from the target's configuration to the one written (over Configuration;
// none for a conflict), and, for a conflict, why.
type PlanEntry struct {
	ID       string          `json:"id"`
	Action   string          `json:"action"`
	Patch    json.RawMessage `json:"patch,omitempty"`
	Conflict *Conflict       `json:"conflict,omitempty"`
	// Current is the target's record, nil when it has none.
	Current *Process `json:"-"`
	// Result is the configuration a create or update writes.
	Result jsondoc.Value `json:"-"`
}

// Conflict is why an apply cannot write a record: the error the
// single-record route would answer, or the paths a promotion conflicts on.
type Conflict struct {
	Message string       `json:"message"`
	Errors  []FieldError `json:"errors,omitempty"`
}

// Refuse makes the entry a conflict for err (an *Error, whose message and
// fields it carries).
func (e *PlanEntry) Refuse(err error) {
	c := &Conflict{Message: err.Error()}
	var known *Error
	if errors.As(err, &known) {
		c = &Conflict{Message: known.Message, Errors: known.Fields}
	}
	e.Action, e.Patch, e.Result, e.Conflict = ActionConflict, nil, jsondoc.Value{}, c
}

// PlanRecord decides what an apply in mode does to the record id: current
// is the target's (nil when it has none), rec the snapshot's (nil when the
// snapshot has none: only a restore deletes). It checks what the record
// alone decides (a locked record, a promotion's conflicts, a result the
// schema refuses); the checks against the rest of the tenant (exams,
// registrations, its limit) are the caller's, through Refuse.
func PlanRecord(mode, id string, current *Process, rec *SnapshotRecord) PlanEntry {
	e := PlanEntry{ID: id, Current: current}
	switch {
	case rec == nil && current == nil:
		e.Action = ActionUnchanged
		return e
	case rec == nil:
		e.Action = ActionDelete
		if current.IsLocked() {
			e.Refuse(ErrLocked)
		}
		return e
	case current == nil || mode == ModeRestore:
		e.Result = Configuration(rec.Record)
	default:
		changes, err := rec.Changes()
		if err == nil {
			e.Result, err = Promoted(Configuration(current), changes)
		}
		if err != nil {
			e.Refuse(err)
			return e
		}
	}
	switch {
	case current == nil:
		e.Action = ActionCreate
	case e.Result.Equal(Configuration(current)):
		e.Action, e.Result = ActionUnchanged, jsondoc.Value{}
		return e
	case current.IsLocked():
		e.Refuse(ErrLocked)
		return e
	default:
		e.Action = ActionUpdate
	}
	if err := CheckConfiguration(e.Result); err != nil {
		e.Refuse(err)
	}
	return e
}

// Changes is the record's PatchFromBase, decoded.
func (r *SnapshotRecord) Changes() (jsondoc.Patch, error) {
	doc, err := ParseJSON(r.PatchFromBase)
	if err != nil {
		return nil, err
	}
	return jsondoc.DecodePatch(doc)
}

// DecodeSnapshot reads a snapshot as a GET answered it, sent in the member
// field of a request body: its id and records are checked (each record a
// valid exam reg process under the entry's id, each patch a valid RFC 6902
// patch, no id twice); the other header members are taken as they are.
// Every problem is reported at once.
func DecodeSnapshot(v jsondoc.Value, field string) (*Snapshot, error) {
	var problems []FieldError
	add := func(at, message string) { problems = append(problems, FieldError{Field: at, Message: message}) }
	if v.Kind() != jsondoc.KindObject {
		return nil, Invalid("invalid snapshot", FieldError{Field: field, Message: "must be a snapshot as a GET of it answers"})
	}
	known := []string{"id", "tenant_id", "description", "created_at", "created_by", "record_count", "records"}
	for _, m := range v.Members() {
		if !slices.Contains(known, m.Name) {
			add(field+"."+m.Name, "is not a member of a snapshot")
		}
	}
	snap := &Snapshot{SnapshotHeader: SnapshotHeader{
		ID:          v.MemberText("id"),
		TenantID:    v.MemberText("tenant_id"),
		Description: v.MemberText("description"),
		CreatedAt:   v.MemberText("created_at"),
		CreatedBy:   v.MemberText("created_by"),
	}}
	if id, _ := v.Member("id"); id.Kind() != jsondoc.KindString || !ValidID(id.Text()) {
		add(field+".id", `is required and must match ^[\w|-]+$`)
	}
	records, ok := v.Member("records")
	if records.Kind() != jsondoc.KindArray {
		if !ok {
			add(field+".records", "is required")
		} else {
			add(field+".records", "must be an array")
		}
	}
	seen := map[string]bool{}
	for i, item := range records.Items() {
		at := field + ".records[" + strconv.Itoa(i) + "]"
		rec, recProblems := decodeSnapshotRecord(item, at)
		problems = append(problems, recProblems...)
		if recProblems != nil {
			continue
		}
		if seen[rec.ID] {
			add(at+".id", "names a record another entry of the snapshot names")
		}
		seen[rec.ID] = true
		snap.Records = append(snap.Records, rec)
	}
	if problems != nil {
		return nil, Invalid("invalid snapshot", problems...)
	}
	slices.SortFunc(snap.Records, func(a, b SnapshotRecord) int { return strings.Compare(a.ID, b.ID) })
	snap.RecordCount = len(snap.Records)
	return snap, nil
}

// decodeSnapshotRecord reads the snapshot record v, at the field at.
func decodeSnapshotRecord(v jsondoc.Value, at string) (SnapshotRecord, []FieldError) {
	var problems []FieldError
	add := func(name, message string) {
		problems = append(problems, FieldError{Field: at + "." + name, Message: message})
	}
	if v.Kind() != jsondoc.KindObject {
		return SnapshotRecord{}, []FieldError{{Field: at, Message: "must be a snapshot record"}}
	}
	for _, m := range v.Members() {
		if !slices.Contains([]string{"id", "version", "base_version", "base_missing", "record", "patch_from_base"}, m.Name) {
			add(m.Name, "is not a member of a snapshot record")
		}
	}
	rec := SnapshotRecord{ID: v.MemberText("id")}
	if id, _ := v.Member("id"); id.Kind() != jsondoc.KindString || !ValidID(id.Text()) {
		add("id", `is required and must match ^[\w|-]+$`)
	}
	for _, n := range []struct {
		name string
		to   *int64
	}{{"version", &rec.Version}, {"base_version", &rec.BaseVersion}} {
		value, _ := v.Member(n.name)
		if x, ok := value.Int64(); ok && x >= 1 {
			*n.to = x
		} else {
			add(n.name, "is required and must be an integer of at least 1")
		}
	}
	if missing, ok := v.Member("base_missing"); ok {
		if missing.Kind() != jsondoc.KindBool {
			add("base_missing", "must be a boolean")
		}
		rec.BaseMissing = missing.Bool()
	}
	record, _ := v.Member("record")
	p, err := decodeProcess(record, anyID)
	var invalid *Error
	switch {
	case errors.As(err, &invalid) && invalid.Fields == nil:
		add("record", invalid.Message)
	case errors.As(err, &invalid):
		for _, f := range invalid.Fields {
			problems = append(problems, FieldError{Field: strings.TrimSuffix(at+".record."+f.Field, "."), Message: f.Message})
		}
	case p.ID() != rec.ID:
		add("record.id", "must be the entry's id")
	default:
		rec.Record = p
	}
	patch, _ := v.Member("patch_from_base")
	if _, err := jsondoc.DecodePatch(patch); err != nil {
		add("patch_from_base", "must be an RFC 6902 patch: "+err.Error())
	} else {
		rec.PatchFromBase = patch.AppendJSON(nil)
	}
	return rec, problems
}

// AddedExams are the exams the configuration a create or update writes
// names that the target's record does not: those the tenant must have.
func (e *PlanEntry) AddedExams() []string {
	var had []string
	if e.Current != nil {
		had = e.Current.ExamIDs()
	}
	ids, _ := e.Result.Member("exam_ids")
	var added []string
	for _, id := range ids.Items() {
		if !slices.Contains(had, id.Text()) && !slices.Contains(added, id.Text()) {
			added = append(added, id.Text())
		}
	}
	return added
}

// RefuseMissing makes the entry a conflict when the exams it adds include
// any of missing, exams the tenant does not have, with the error a write
// of it would get.
func (e *PlanEntry) RefuseMissing(missing []string) {
	var lacking []string
	for _, id := range e.AddedExams() {
		if slices.Contains(missing, id) {
			lacking = append(lacking, id)
		}
	}
	if lacking == nil {
		return
	}
	ids, _ := e.Result.Member("exam_ids")
	all := make([]string, len(ids.Items()))
	for i, id := range ids.Items() {
		all[i] = id.Text()
	}
	e.Refuse(MissingExams(lacking, all))
}
