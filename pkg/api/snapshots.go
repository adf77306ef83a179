package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"

	"github.com/certhub/examreg/pkg/examreg"
	"github.com/certhub/examreg/pkg/jsondoc"
	"github.com/certhub/examreg/pkg/store"
)

// MaxApplyBodyBytes bounds the body of an apply, which may carry a whole
// snapshot: Lambda takes at most 6 MB in a request.
const MaxApplyBodyBytes = 6 << 20

// MaxDescription bounds a snapshot's description, in characters.
const MaxDescription = 1000

// applyWorkers is how many records an apply writes at once.
const applyWorkers = 8

// applyReserve is the time an apply keeps before its deadline to answer
// once it stops writing: a record's write takes a fraction of it.
const applyReserve = 2 * time.Second

// errUnconfigured is a snapshot route served without what it needs.
var errUnconfigured = &examreg.Error{Code: examreg.EINTERNAL, Message: "internal error", Cause: errors.New("api: snapshots without Config.Snapshots, or, to take and apply them, Config.Diff and Config.GuardedDiff")}

// snapshotsConfigured reports errUnconfigured unless the server has the
// snapshots' store and, when diffs, both diffs.
func (s *Server) snapshotsConfigured(diffs bool) error {
	if s.cfg.Snapshots == nil || diffs && (s.cfg.Diff == nil || s.cfg.GuardedDiff == nil) {
		return errUnconfigured
	}
	return nil
}

// snapshotTake: POST /configurationSnapshots/{tenantId} captures every
// record of the tenant and answers the snapshot's header.
func (s *Server) snapshotTake(ctx context.Context, c *call) (*response, error) {
	if err := s.snapshotsConfigured(true); err != nil {
		return nil, err
	}
	if err := parseQuery(c.r).err(); err != nil {
		return nil, err
	}
	body, err := readBody(c.r, "application/json")
	if err != nil {
		return nil, err
	}
	description, err := decodeTake(body)
	if err != nil {
		return nil, err
	}
	snap, err := s.takeSnapshot(ctx, c, description)
	if err != nil {
		return nil, err
	}
	resp, err := marshalResponse(snap.SnapshotHeader)
	if err != nil {
		return nil, err
	}
	return resp.with("Location", "/configurationSnapshots/"+c.tenant+"/"+snap.ID), nil
}

// decodeTake reads a take's body: none, or an object with an optional
// description.
func decodeTake(body []byte) (string, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return "", nil
	}
	doc, err := examreg.ParseJSON(body)
	if err != nil {
		return "", err
	}
	if doc.Kind() != jsondoc.KindObject {
		return "", examreg.Invalid("the body must be a JSON object", examreg.FieldError{Field: "", Message: "must be an object"})
	}
	var problems []examreg.FieldError
	for _, m := range doc.Members() {
		if m.Name != "description" {
			problems = append(problems, examreg.FieldError{Field: m.Name, Message: "is not a member of a snapshot request"})
		}
	}
	d, ok := doc.Member("description")
	if ok && (d.Kind() != jsondoc.KindString || len([]rune(d.Text())) > MaxDescription) {
		problems = append(problems, examreg.FieldError{Field: "description", Message: "must be a string of at most " + strconv.Itoa(MaxDescription) + " characters"})
	}
	if problems != nil {
		return "", examreg.Invalid("invalid snapshot request", problems...)
	}
	return d.Text(), nil
}

// takeSnapshot captures every record of the tenant (consistent Queries)
// and stores the snapshot (see capture).
func (s *Server) takeSnapshot(ctx context.Context, c *call, description string) (*examreg.Snapshot, error) {
	records, err := s.cfg.Snapshots.ReadTenant(ctx, c.tenant)
	if err != nil {
		return nil, err
	}
	return s.capture(ctx, c, description, records)
}

// capture stores a snapshot of records, the tenant's, each with its
// changes since its base version, read with BatchGetItems of the base
// versions the records do not hold themselves.
func (s *Server) capture(ctx context.Context, c *call, description string, records []*examreg.Process) (*examreg.Snapshot, error) {
	var wanted []store.VersionKey
	recent := map[store.VersionKey]bool{}
	for _, p := range records {
		if base := examreg.BaseVersion(p); base < p.Version() {
			v := store.VersionKey{ID: p.ID(), Version: base}
			wanted = append(wanted, v)
			recent[v] = p.LastModified().After(c.actor.Now.Add(-historyLag))
		}
	}
	bases, err := s.baseVersions(ctx, c.tenant, wanted, func(v store.VersionKey) bool { return recent[v] })
	if err != nil {
		return nil, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	snap := &examreg.Snapshot{
		SnapshotHeader: examreg.SnapshotHeader{
			ID:          id.String(),
			TenantID:    c.tenant,
			Description: description,
			CreatedAt:   examreg.Timestamp(c.actor.Now),
			CreatedBy:   c.actor.UserID,
			RecordCount: len(records),
		},
		Records: make([]examreg.SnapshotRecord, len(records)),
	}
	for i, p := range records {
		base := p
		if v := examreg.BaseVersion(p); v != p.Version() {
			base = bases[store.VersionKey{ID: p.ID(), Version: v}]
		}
		if snap.Records[i], err = examreg.CaptureRecord(p, base, s.cfg.GuardedDiff); err != nil {
			return nil, err
		}
	}
	return snap, s.cfg.Snapshots.PutSnapshot(ctx, c.tenant, snap)
}

// baseWait bounds how long a take waits for base versions the history has
// not written yet: it is written shortly after each write, and a base
// reported missing makes a patch from {}, whose promotion conflicts with
// every member the target set otherwise.
const baseWait = 3 * time.Second

// historyLag is how long after a write its history entry may still be on
// its way. A take waits only for the bases of records written since: the
// history writes a record's versions in order, so a base missing from the
// history of a record last written before then is missing for good.
const historyLag = time.Minute

// baseVersions reads the versions wanted from the history, reading again
// (every 100 ms, for at most baseWait) those it does not hold yet for
// which inFlight reports that their entry may still be on its way.
func (s *Server) baseVersions(ctx context.Context, tenant string, wanted []store.VersionKey, inFlight func(store.VersionKey) bool) (map[store.VersionKey]*examreg.Process, error) {
	bases := map[store.VersionKey]*examreg.Process{}
	deadline := time.Now().Add(baseWait)
	for {
		found, err := s.cfg.Snapshots.HistoryVersions(ctx, tenant, wanted)
		if err != nil {
			return nil, err
		}
		maps.Copy(bases, found)
		wanted = slices.DeleteFunc(wanted, func(v store.VersionKey) bool { _, ok := found[v]; return ok || !inFlight(v) })
		if len(wanted) == 0 || time.Now().After(deadline) {
			return bases, nil
		}
		select {
		case <-ctx.Done():
			return bases, nil
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// snapshotList: GET /configurationSnapshots/{tenantId}, the headers newest
// first, paged like the process list. One Query per page.
func (s *Server) snapshotList(ctx context.Context, c *call) (*response, error) {
	if err := s.snapshotsConfigured(false); err != nil {
		return nil, err
	}
	q := parseQuery(c.r, "exclusiveStartKey", "limit")
	after := snapshotPosition(q, c.tenant)
	limit := q.limit()
	if err := q.err(); err != nil {
		return nil, err
	}
	page, err := s.cfg.Snapshots.ListSnapshots(ctx, c.tenant, after, limit)
	if err != nil {
		return nil, err
	}
	resp := jsonResponse(page.JSON)
	if page.Last != "" {
		nextPage(resp, c, q, encodePageKey(c.tenant, snapshotsPageKey, page.Last))
	}
	return resp, nil
}

// snapshotsPageKey marks a page key of the snapshot list.
const snapshotsPageKey = "configurationSnapshots"

// snapshotPosition reads the snapshot list's exclusiveStartKey: the
// snapshot id the previous page ended on.
func snapshotPosition(q *params, tenant string) string {
	if !q.Has("exclusiveStartKey") {
		return ""
	}
	id, ok := decodePageKey(q.Get("exclusiveStartKey"), tenant, snapshotsPageKey)
	if !ok || !examreg.ValidID(id) {
		q.problem("exclusiveStartKey", "is not a valid page key")
	}
	return id
}

// snapshotGet: GET /configurationSnapshots/{tenantId}/{snapshotId}, the
// whole snapshot.
func (s *Server) snapshotGet(ctx context.Context, c *call) (*response, error) {
	if err := s.snapshotsConfigured(false); err != nil {
		return nil, err
	}
	id := c.r.PathValue("snapshotId")
	q := parseQuery(c.r)
	q.pathID("snapshotId", id)
	if err := q.err(); err != nil {
		return nil, err
	}
	snap, err := s.cfg.Snapshots.ReadSnapshot(ctx, c.tenant, id)
	if err != nil {
		return nil, err
	}
	return marshalResponse(snap)
}

// snapshotDelete: DELETE /configurationSnapshots/{tenantId}/{snapshotId};
// answers the deleted id.
func (s *Server) snapshotDelete(ctx context.Context, c *call) (*response, error) {
	if err := s.snapshotsConfigured(false); err != nil {
		return nil, err
	}
	id := c.r.PathValue("snapshotId")
	q := parseQuery(c.r)
	q.pathID("snapshotId", id)
	if err := q.err(); err != nil {
		return nil, err
	}
	if err := noBody(c); err != nil {
		return nil, err
	}
	if err := s.cfg.Snapshots.DeleteSnapshot(ctx, c.tenant, id); err != nil {
		return nil, err
	}
	return marshalResponse(id)
}

// applyRequest is the body of an apply.
type applyRequest struct {
	snapshotID string
	snapshot   *examreg.Snapshot
	mode       string
	include    []string // nil: every record
	dryRun     bool
}

// applyAnswer is the answer of an apply: its plan and what came of it.
type applyAnswer struct {
	// Message says why a 409 or 503 wrote nothing, or not everything.
	Message        string              `json:"message,omitempty"`
	SnapshotID     string              `json:"snapshot_id"`
	Mode           string              `json:"mode"`
	DryRun         bool                `json:"dry_run"`
	UndoSnapshotID string              `json:"undo_snapshot_id,omitempty"`
	Summary        applySummary        `json:"summary"`
	Plan           []examreg.PlanEntry `json:"plan"`
}

// applySummary counts the entries of a plan by action.
type applySummary struct {
	Create    int `json:"create"`
	Update    int `json:"update"`
	Delete    int `json:"delete"`
	Unchanged int `json:"unchanged"`
	Conflict  int `json:"conflict"`
}

func summaryOf(plan []examreg.PlanEntry) applySummary {
	var sum applySummary
	for _, e := range plan {
		switch e.Action {
		case examreg.ActionCreate:
			sum.Create++
		case examreg.ActionUpdate:
			sum.Update++
		case examreg.ActionDelete:
			sum.Delete++
		case examreg.ActionUnchanged:
			sum.Unchanged++
		case examreg.ActionConflict:
			sum.Conflict++
		}
	}
	return sum
}

// snapshotApply: POST /configurationSnapshots/{tenantId}/apply plans the
// apply of a snapshot to the tenant and, unless it is a dry run or a
// record conflicts, writes it, after a snapshot of the tenant that undoes
// it. With an Idempotency-Key, the key records the undo snapshot and the
// plan before the first write, and the answer after the last: the same
// request sent again answers that answer or, after an apply cut short,
// continues it.
func (s *Server) snapshotApply(ctx context.Context, c *call) (*response, error) {
	if err := s.snapshotsConfigured(true); err != nil {
		return nil, err
	}
	if err := parseQuery(c.r).err(); err != nil {
		return nil, err
	}
	key, err := idempotencyKey(c.r)
	if err != nil {
		return nil, err
	}
	body, err := readBodyUpTo(c.r, MaxApplyBodyBytes, "application/json")
	if err != nil {
		return nil, err
	}
	req, fingerprint, err := decodeApply(body)
	if err != nil {
		return nil, err
	}
	var started *store.ApplyKey
	if key != "" {
		if started, err = s.cfg.Snapshots.ReadApplyKey(ctx, c.tenant, key); err != nil {
			return nil, err
		}
		if resp, err := replayApply(started, fingerprint); resp != nil || err != nil {
			return resp, err
		}
	}
	snap := req.snapshot
	if snap == nil {
		if snap, err = s.cfg.Snapshots.ReadSnapshot(ctx, c.tenant, req.snapshotID); err != nil {
			return nil, err
		}
	}
	// One read of the tenant serves the plan and the undo snapshot.
	records, err := s.cfg.Snapshots.ReadTenant(ctx, c.tenant)
	if err != nil {
		return nil, err
	}
	source := recordsByID(snap)
	plan, err := s.plan(ctx, c, records, source, req)
	if err != nil {
		return nil, err
	}
	answer := applyAnswer{SnapshotID: snap.ID, Mode: req.mode, DryRun: req.dryRun, Summary: summaryOf(plan), Plan: plan}
	writes := answer.Summary.Create + answer.Summary.Update + answer.Summary.Delete
	switch {
	case req.dryRun:
		return marshalResponse(answer)
	case answer.Summary.Conflict > 0:
		answer.Message = strconv.Itoa(answer.Summary.Conflict) + " of the records in scope conflict: nothing was written"
		return statusResponse(http.StatusConflict, answer)
	case writes == 0 && started == nil:
		return marshalResponse(answer)
	}
	if started == nil {
		undo, err := s.capture(ctx, c, "Taken before applying snapshot "+snap.ID+" ("+req.mode+")", records)
		if err != nil {
			return nil, err
		}
		answer.UndoSnapshotID = undo.ID
		if key != "" {
			first, err := jsondoc.Marshal(answer)
			if err != nil {
				return nil, err
			}
			held, err := s.cfg.Snapshots.StartApplyKey(ctx, c.tenant, key, store.ApplyKey{
				Fingerprint: fingerprint, UndoSnapshotID: undo.ID, Plan: first, Expires: c.actor.Now.Add(IdempotencyKeyLifetime),
			})
			if err != nil {
				return nil, err
			}
			if resp, err := replayApply(held, fingerprint); resp != nil || err != nil {
				return resp, err
			}
			started = held // another request with the key got in first: go on with its undo snapshot
		}
	}
	if started != nil {
		answer.UndoSnapshotID = started.UndoSnapshotID
	}
	if err := s.applyPlan(ctx, c, snap.ID, source, req.mode, plan); err != nil {
		return nil, err
	}
	final, err := jsondoc.Marshal(answer)
	if err != nil {
		return nil, err
	}
	if started != nil && started.Plan != nil {
		final = started.Plan // the answer the apply planned before its first write
	}
	if key != "" {
		if err := s.cfg.Snapshots.FinishApplyKey(ctx, c.tenant, key, final); err != nil {
			return nil, err
		}
	}
	return jsonResponse(final), nil
}

// replayApply answers an apply whose Idempotency-Key a request recorded
// (nil, nil when none did or its apply has not finished).
func replayApply(started *store.ApplyKey, fingerprint string) (*response, error) {
	switch {
	case started == nil:
		return nil, nil
	case started.Fingerprint != fingerprint:
		return nil, store.ErrKeyReused
	case started.Answer != nil:
		return jsonResponse(started.Answer).with("Idempotent-Replayed", "true"), nil
	}
	return nil, nil
}

// statusResponse answers v's JSON text with status.
func statusResponse(status int, v any) (*response, error) {
	resp, err := marshalResponse(v)
	if err != nil {
		return nil, err
	}
	resp.status = status
	return resp, nil
}

// decodeApply reads an apply's body, and a fingerprint of what it asks.
func decodeApply(body []byte) (applyRequest, string, error) {
	doc, err := examreg.ParseJSON(body)
	if err != nil {
		return applyRequest{}, "", err
	}
	if doc.Kind() != jsondoc.KindObject {
		return applyRequest{}, "", examreg.Invalid("the body must be a JSON object", examreg.FieldError{Field: "", Message: "must be an object"})
	}
	var (
		req      applyRequest
		problems []examreg.FieldError
	)
	add := func(field, message string) {
		problems = append(problems, examreg.FieldError{Field: field, Message: message})
	}
	for _, m := range doc.Members() {
		if !slices.Contains([]string{"snapshot_id", "snapshot", "mode", "include", "dry_run"}, m.Name) {
			add(m.Name, "is not a member of an apply request")
		}
	}
	id, byID := doc.Member("snapshot_id")
	inline, given := doc.Member("snapshot")
	switch {
	case byID && given, !byID && !given:
		add("snapshot_id", "give either snapshot_id or snapshot")
	case byID && (id.Kind() != jsondoc.KindString || !examreg.ValidID(id.Text())):
		add("snapshot_id", `must match ^[\w|-]+$`)
	case byID:
		req.snapshotID = id.Text()
	default:
		var invalid *examreg.Error
		req.snapshot, err = examreg.DecodeSnapshot(inline, "snapshot")
		if errors.As(err, &invalid) {
			problems = append(problems, invalid.Fields...)
		} else if err != nil {
			return applyRequest{}, "", err
		}
	}
	mode, _ := doc.Member("mode")
	if req.mode = mode.Text(); mode.Kind() != jsondoc.KindString || req.mode != examreg.ModeRestore && req.mode != examreg.ModePromote {
		add("mode", "is required and must be restore or promote")
	}
	if include, ok := doc.Member("include"); ok {
		req.include = []string{}
		if include.Kind() != jsondoc.KindArray {
			add("include", "must be an array of exam reg process ids")
		}
		for i, item := range include.Items() {
			if item.Kind() != jsondoc.KindString || !examreg.ValidID(item.Text()) {
				add("include["+strconv.Itoa(i)+"]", `must match ^[\w|-]+$`)
			} else if !slices.Contains(req.include, item.Text()) {
				req.include = append(req.include, item.Text())
			}
		}
	}
	if dry, ok := doc.Member("dry_run"); ok {
		if dry.Kind() != jsondoc.KindBool {
			add("dry_run", "must be true or false")
		}
		req.dryRun = dry.Bool()
	}
	if problems != nil {
		return applyRequest{}, "", examreg.Invalid("invalid apply request", problems...)
	}
	fingerprint, err := req.fingerprint()
	return req, fingerprint, err
}

// fingerprint identifies what an apply asks, whatever its spelling: a
// hash of the request as decoded, written as the service writes JSON
// (include's ids sorted, dry_run false whether given or not).
func (req applyRequest) fingerprint() (string, error) {
	include := req.include // nil (every record) stays apart from [] (none)
	if include != nil {
		include = append([]string{}, slices.Sorted(slices.Values(include))...)
	}
	text, err := jsondoc.Marshal(struct {
		SnapshotID string            `json:"snapshot_id"`
		Snapshot   *examreg.Snapshot `json:"snapshot"`
		Mode       string            `json:"mode"`
		Include    []string          `json:"include"`
		DryRun     bool              `json:"dry_run"`
	}{req.snapshotID, req.snapshot, req.mode, include, req.dryRun})
	sum := sha256.Sum256(text)
	return hex.EncodeToString(sum[:]), err
}

// recordsByID indexes a snapshot's records.
func recordsByID(snap *examreg.Snapshot) map[string]*examreg.SnapshotRecord {
	source := make(map[string]*examreg.SnapshotRecord, len(snap.Records))
	for i := range snap.Records {
		source[snap.Records[i].ID] = &snap.Records[i]
	}
	return source
}

// plan decides what applying a snapshot (its records by id, source) to the
// tenant, whose records are records, in req's mode does to each record in
// scope, ordered by id, with the patch of every write. Besides
// what each record decides alone (examreg.PlanRecord), a record conflicts
// when it adds exams the tenant lacks, when a restore would delete it while
// exam registrations use it, and when its create would take the tenant
// past its limit (the deletes in the plan make room first).
func (s *Server) plan(ctx context.Context, c *call, records []*examreg.Process, source map[string]*examreg.SnapshotRecord, req applyRequest) ([]examreg.PlanEntry, error) {
	current := make(map[string]*examreg.Process, len(records))
	for _, p := range records {
		current[p.ID()] = p
	}
	ids := slices.Collect(maps.Keys(source))
	if req.mode == examreg.ModeRestore {
		for _, p := range records {
			if source[p.ID()] == nil {
				ids = append(ids, p.ID())
			}
		}
	}
	if req.include != nil {
		var problems []examreg.FieldError
		for i, id := range req.include {
			if !slices.Contains(ids, id) {
				problems = append(problems, examreg.FieldError{Field: "include[" + strconv.Itoa(i) + "]", Message: "is in neither the snapshot nor, for a restore, the tenant"})
			}
		}
		if problems != nil {
			return nil, examreg.Invalid("invalid apply request", problems...)
		}
		ids = req.include
	}
	slices.Sort(ids)
	plan := make([]examreg.PlanEntry, len(ids))
	var added, deleted []string
	for i, id := range ids {
		plan[i] = examreg.PlanRecord(req.mode, id, current[id], source[id])
		switch plan[i].Action {
		case examreg.ActionCreate, examreg.ActionUpdate:
			for _, exam := range plan[i].AddedExams() {
				if !slices.Contains(added, exam) {
					added = append(added, exam)
				}
			}
		case examreg.ActionDelete:
			deleted = append(deleted, id)
		}
	}
	var missing, referenced []string
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		missing, err = s.cfg.Snapshots.MissingExams(gctx, c.tenant, added)
		return err
	})
	g.Go(func() (err error) {
		referenced, err = s.cfg.Snapshots.Referenced(gctx, c.tenant, deleted)
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	room := s.cfg.MaxProcessesPerTenant - len(records)
	for i := range plan {
		e := &plan[i]
		if e.Action == examreg.ActionDelete && slices.Contains(referenced, e.ID) {
			e.Refuse(store.ErrReferenced)
		}
		if e.Action == examreg.ActionDelete {
			room++
		}
	}
	for i := range plan {
		e := &plan[i]
		e.RefuseMissing(missing)
		if e.Action == examreg.ActionCreate {
			if room <= 0 {
				e.Refuse(examreg.ErrLimit)
			}
			room--
		}
		if err := s.patchOf(e); err != nil {
			return nil, err
		}
	}
	return plan, nil
}

// patchOf sets the patch of a plan's entry: from the target's
// configuration to the one the entry writes, over Configuration.
func (s *Server) patchOf(e *examreg.PlanEntry) error {
	if e.Action == examreg.ActionConflict {
		return nil
	}
	if e.Action == examreg.ActionUnchanged {
		e.Patch = json.RawMessage("[]")
		return nil
	}
	from, to := []byte("{}"), []byte("{}")
	if e.Current != nil {
		from = examreg.Configuration(e.Current).AppendJSON(nil)
	}
	if e.Action != examreg.ActionDelete {
		to = e.Result.AppendJSON(nil)
	}
	patch, err := s.cfg.Diff(from, to)
	e.Patch = patch
	return err
}

// applyPlan writes a plan, each record as the record's next version, by
// an actor naming the snapshot: its deletes first (they make room for its
// creates), then its creates, in as few transactions as fit (they all
// change the tenant's count), beside its updates, applyWorkers at a time,
// each as the single-record routes write them. An update whose record
// changed since the plan was made is planned again on the record as it now
// is. It stops writing applyReserve before ctx's deadline: the apply was
// cut short, and sent again, it goes on from there.
func (s *Server) applyPlan(ctx context.Context, c *call, snapshotID string, source map[string]*examreg.SnapshotRecord, mode string, plan []examreg.PlanEntry) error {
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-applyReserve))
		defer cancel()
	}
	by := func(id string) examreg.Actor {
		a := c.actor
		a.Operation, a.SnapshotID, a.WriteID = examreg.OperationSnapshotApply, snapshotID, c.requestID+"/"+id
		return a
	}
	var deletes, creates []*examreg.Process
	var createIDs []string
	var updates []examreg.PlanEntry
	for _, e := range plan {
		switch e.Action {
		case examreg.ActionDelete:
			deletes = append(deletes, e.Current)
		case examreg.ActionCreate:
			createIDs = append(createIDs, e.ID)
		case examreg.ActionUpdate:
			updates = append(updates, e)
		}
	}
	deletions, err := s.cfg.Snapshots.ReadDeletions(ctx, c.tenant, createIDs)
	if err != nil {
		return cutShort(ctx, err)
	}
	for _, e := range plan {
		if e.Action == examreg.ActionCreate {
			d := deletions[e.ID]
			creates = append(creates, examreg.Applied(nil, e.ID, e.Result, d.Version, d.CreatedAt, d.CreatedBy, by(e.ID)))
		}
	}
	if err := s.cfg.Snapshots.DeleteMany(ctx, c.tenant, deletes, by); err != nil {
		return cutShort(ctx, changedMeanwhile(err))
	}
	var g errgroup.Group
	g.SetLimit(applyWorkers)
	g.Go(func() error {
		return s.cfg.Snapshots.CreateMany(ctx, c.tenant, creates, deletions, s.cfg.MaxProcessesPerTenant)
	})
	for _, e := range updates {
		g.Go(func() error {
			_, err := s.cfg.Store.UpdateRead(ctx, c.tenant, e.Current, func(current *examreg.Process) (*examreg.Process, error) {
				again := e
				if current.Version() != e.Current.Version() {
					again = examreg.PlanRecord(mode, e.ID, current, source[e.ID])
				}
				switch again.Action {
				case examreg.ActionConflict:
					return nil, &examreg.Error{Code: examreg.ECONFLICT, Message: again.Conflict.Message, Fields: again.Conflict.Errors}
				case examreg.ActionUnchanged:
					return current, nil
				}
				return examreg.Applied(current, e.ID, again.Result, 0, "", "", by(e.ID)), nil
			})
			return err
		})
	}
	return cutShort(ctx, g.Wait())
}

// cutShort is err, or errCutShort when the apply ran out of time.
func cutShort(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil {
		return errCutShort
	}
	return err
}

// changedMeanwhile is err, or errChangedMeanwhile when a record the apply
// was to delete is no longer at the version it planned on.
func changedMeanwhile(err error) error {
	if err == examreg.ErrIfMatch {
		return errChangedMeanwhile
	}
	return err
}

// errChangedMeanwhile is a record an apply was to delete that another
// request changed after the apply planned it.
var errChangedMeanwhile = examreg.Errorf(examreg.ECONFLICT, "an exam reg process the apply was to delete was changed by another request meanwhile; send the apply again")

// errCutShort is an apply that ran out of time before its last write.
var errCutShort = examreg.Errorf(examreg.EUNAVAILABLE, "the apply was cut short before it wrote every record; send it again (with the same Idempotency-Key) to continue where it stopped")
