package api

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/certhub/examreg/pkg/examreg"
	"github.com/certhub/examreg/pkg/jsondoc"
	"github.com/certhub/examreg/pkg/store"
)

// history: GET /examRegProcesses/{tenantId}/{id}/history, the record's
// change history newest first, paged like the list. One Query per page.
func (s *Server) history(ctx context.Context, c *call) (*response, error) {
	id := c.r.PathValue("id")
	q := parseQuery(c.r, "exclusiveStartKey", "limit")
	q.pathID("id", id)
	opt := store.HistoryOptions{Before: historyPosition(q, c.tenant, id), Limit: q.limit()}
	if err := q.err(); err != nil {
		return nil, err
	}
	page, err := s.cfg.Store.History(ctx, c.tenant, id, opt)
	if err != nil {
		return nil, err
	}
	resp := jsonResponse(page.JSON)
	if page.Last != 0 {
		nextPage(resp, c, q, encodePageKey(c.tenant, id, strconv.FormatInt(page.Last, 10)))
	}
	return resp, nil
}

// versionInPath reads the id and the version of a route
// …/{id}/history/{version}[/…], which take no query parameters.
func versionInPath(c *call) (id string, version int64, err error) {
	id = c.r.PathValue("id")
	q := parseQuery(c.r)
	q.pathID("id", id)
	version = q.version("version", c.r.PathValue("version"), true)
	return id, version, q.err()
}

// historyVersion: GET /examRegProcesses/{tenantId}/{id}/history/{version},
// the record as it read right after that version was written.
func (s *Server) historyVersion(ctx context.Context, c *call) (*response, error) {
	id, version, err := versionInPath(c)
	if err != nil {
		return nil, err
	}
	rec, err := s.cfg.Store.HistoryVersion(ctx, c.tenant, id, version)
	if err != nil {
		return nil, err
	}
	return jsonResponse(rec.JSON).with("ETag", examreg.ETag(rec.Version)), nil
}

// compare: GET /examRegProcesses/{tenantId}/{id}/compare?from=A&to=B, the
// RFC 6902 patch that turns version A into version B (by default the newest
// version that is not a delete), over the members a history entry's patch
// covers. Two reads: the two versions, or version A and the newest two
// entries.
func (s *Server) compare(ctx context.Context, c *call) (*response, error) {
	if s.cfg.Diff == nil {
		return nil, &examreg.Error{Code: examreg.EINTERNAL, Message: "internal error", Cause: errors.New("api: compare without a diff (Config.Diff)")}
	}
	id := c.r.PathValue("id")
	q := parseQuery(c.r, "from", "to")
	q.pathID("id", id)
	from := q.version("from", q.Get("from"), false)
	var to int64
	if q.Has("to") {
		to = q.version("to", q.Get("to"), false)
	}
	if err := q.err(); err != nil {
		return nil, err
	}
	a, err := s.cfg.Store.HistoryVersion(ctx, c.tenant, id, from)
	if err != nil {
		return nil, err
	}
	b := a
	switch {
	case to == 0:
		b, err = s.cfg.Store.LatestVersion(ctx, c.tenant, id)
	case to != from:
		b, err = s.cfg.Store.HistoryVersion(ctx, c.tenant, id, to)
	}
	if err != nil {
		return nil, err
	}
	before, err := examreg.ParseStoredProcess(a.JSON)
	if err != nil {
		return nil, err
	}
	after, err := examreg.ParseStoredProcess(b.JSON)
	if err != nil {
		return nil, err
	}
	change, err := examreg.ChangeOf(before, after, s.cfg.Diff)
	if err != nil {
		return nil, err
	}
	return marshalResponse(comparison{From: a.Version, To: b.Version, Patch: change.Patch})
}

// comparison is the body of a compare answer.
type comparison struct {
	From  int64           `json:"from"`
	To    int64           `json:"to"`
	Patch json.RawMessage `json:"patch"`
}

// getAsOf answers GET /examRegProcesses/{tenantId}/{id}?asOf=: the record
// as a GET answered it at that instant, from its history, with the fields
// asked for.
func (s *Server) getAsOf(ctx context.Context, c *call, id string, at time.Time, fields [][]string) (*response, error) {
	rec, err := s.cfg.Store.HistoryAsOf(ctx, c.tenant, id, at)
	if err != nil {
		return nil, err
	}
	if fields != nil {
		doc, err := examreg.ParseJSON(rec.JSON)
		if err != nil {
			return nil, err
		}
		rec.JSON = jsondoc.ObjectValue(examreg.Projected(doc.Members(), fields)).AppendJSON(nil)
	}
	return jsonResponse(rec.JSON).with("ETag", examreg.ETag(rec.Version)), nil
}

// restore: POST /examRegProcesses/{tenantId}/{id}/history/{version}/restore
// writes the members a client writes as that version held them as the
// record's next version; on a deleted record, it undeletes it. Answered
// like a PUT, with Location.
func (s *Server) restore(ctx context.Context, c *call) (*response, error) {
	id, version, err := versionInPath(c)
	if err != nil {
		return nil, err
	}
	key, err := idempotencyKey(c.r)
	if err != nil {
		return nil, err
	}
	if err := noBody(c); err != nil {
		return nil, err
	}
	saved, replay, err := s.restoreRecord(ctx, c, id, version, parseIfMatch(c.r), key)
	location := "/examRegProcesses/" + c.tenant + "/" + id
	switch {
	case err != nil:
		return nil, err
	case replay != nil:
		p, err := examreg.ParseStoredProcess(replay.Answer)
		if err != nil {
			return nil, err
		}
		return jsonResponse(replay.Answer).with("ETag", p.ETag()).with("Location", location).with("Idempotent-Replayed", "true"), nil
	}
	return recordResponse(saved).with("Location", location), nil
}

// restoreRecord restores version of a record: the code path of the restore
// route and of a batch's restore operations. Over a record that exists,
// If-Match and locking are checked as on any write; on a deleted record
// any If-Match fails (there is no current representation to match).
func (s *Server) restoreRecord(ctx context.Context, c *call, id string, version int64, cond ifMatch, key string) (*examreg.Process, *store.Replay, error) {
	by := c.actor
	by.Operation, by.RestoredFrom = examreg.OperationRestore, version
	var idem *store.Idempotency
	if key != "" {
		// A key is bound to what was asked: this version of this record.
		idem = &store.Idempotency{Key: key, Fingerprint: "restore " + id + " " + strconv.FormatInt(version, 10), Expires: by.Now.Add(IdempotencyKeyLifetime)}
	}
	return s.cfg.Store.RestoreProcess(ctx, c.tenant, id, version, s.cfg.MaxProcessesPerTenant, idem,
		func(current, old *examreg.Process, deletion store.Deletion) (*examreg.Process, error) {
			var next *examreg.Process
			if current == nil {
				if cond.present {
					return nil, examreg.ErrIfMatch
				}
				next = examreg.Undelete(old, deletion.Version, deletion.CreatedAt, deletion.CreatedBy, by)
			} else {
				if err := cond.check(current); err != nil {
					return nil, err
				}
				next = examreg.Restore(current, old, by)
			}
			if idem != nil {
				idem.Answer = next.AppendJSON(nil)
			}
			return next, nil
		})
}
