package api

import (
	"bytes"
	"context"
	"net/url"
	"time"

	"github.com/google/uuid"

	"github.com/certhub/examreg/pkg/examreg"
	"github.com/certhub/examreg/pkg/store"
)

// IdempotencyKeyLifetime is how long a create's Idempotency-Key is kept.
const IdempotencyKeyLifetime = 24 * time.Hour

// create: POST /examRegProcesses/{tenantId}. The id is a UUIDv7, so the
// list (in key order) comes back in creation order. With an
// Idempotency-Key, a repeated create answers the first one's answer.
func (s *Server) create(ctx context.Context, c *call) (*response, error) {
	if err := parseQuery(c.r).err(); err != nil {
		return nil, err
	}
	key, err := idempotencyKey(c.r)
	if err != nil {
		return nil, err
	}
	body, err := readBody(c.r, "application/json")
	if err != nil {
		return nil, err
	}
	p, err := examreg.DecodeProcess(body, "")
	if err != nil {
		return nil, err
	}
	var idem *store.Idempotency
	if key != "" {
		idem = &store.Idempotency{Key: key, Fingerprint: p.Fingerprint(), Expires: c.actor.Now.Add(IdempotencyKeyLifetime)}
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	p = examreg.NewProcess(p, id.String(), c.actor)
	answer := p.AppendJSON(nil)
	if idem != nil {
		idem.Answer = answer
	}
	replay, err := s.cfg.Store.CreateProcess(ctx, c.tenant, p, s.cfg.MaxProcessesPerTenant, idem)
	switch {
	case err != nil:
		return nil, err
	case replay != nil:
		return created(replay.Answer, c.tenant, replay.ID).with("Idempotent-Replayed", "true"), nil
	}
	return created(answer, c.tenant, p.ID()), nil
}

// created is the answer of a create: the record, its ETag (a created record
// is at version 1) and where it lives.
func created(body []byte, tenant, id string) *response {
	return jsonResponse(body).with("ETag", examreg.ETag(1)).with("Location", "/examRegProcesses/"+tenant+"/"+id)
}

// list: GET /examRegProcesses/{tenantId}. One Query, one page; the next
// page's key goes out in X-Exclusive-Start-Key and a Link rel="next".
func (s *Server) list(ctx context.Context, c *call) (*response, error) {
	q := parseQuery(c.r, "fields", "consistentRead", "exclusiveStartKey", "limit")
	opt := store.ListOptions{ReadOptions: q.readOptions(), After: listPosition(q, c.tenant), Limit: q.limit()}
	if err := q.err(); err != nil {
		return nil, err
	}
	page, err := s.cfg.Store.ListProcesses(ctx, c.tenant, opt)
	if err != nil {
		return nil, err
	}
	resp := jsonResponse(page.JSON)
	if page.Last != "" {
		nextPage(resp, c, q, encodePageKey(c.tenant, page.Last))
	}
	return resp, nil
}

// nextPage points a paged answer at its next page, keeping the request's
// other parameters.
func nextPage(resp *response, c *call, q *params, key string) {
	q.Set("exclusiveStartKey", key)
	next := url.URL{Path: c.r.URL.Path, RawQuery: q.Values.Encode()}
	resp.with("X-Exclusive-Start-Key", key).with("Link", "<"+next.String()+`>; rel="next"`)
}

// get: GET /examRegProcesses/{tenantId}/{id}; with asOf, as it was then.
func (s *Server) get(ctx context.Context, c *call) (*response, error) {
	id := c.r.PathValue("id")
	q := parseQuery(c.r, "fields", "consistentRead", "asOf")
	opt := q.readOptions()
	q.pathID("id", id)
	var at time.Time
	if q.Has("asOf") {
		at = q.instant("asOf")
		if q.Has("consistentRead") {
			q.problem("consistentRead", "cannot be combined with asOf: a read as of a past instant reads the history")
		}
	}
	if err := q.err(); err != nil {
		return nil, err
	}
	if q.Has("asOf") {
		return s.getAsOf(ctx, c, id, at, opt.Fields)
	}
	rec, err := s.cfg.Store.GetProcess(ctx, c.tenant, id, opt)
	if err != nil {
		return nil, err
	}
	return jsonResponse(rec.JSON).with("ETag", examreg.ETag(rec.Version)), nil
}

// update: PUT /examRegProcesses/{tenantId}/{id}, a full replacement of the
// client-writable fields.
func (s *Server) update(ctx context.Context, c *call) (*response, error) {
	id := c.r.PathValue("id")
	if err := noQuery(c, id); err != nil {
		return nil, err
	}
	body, err := readBody(c.r, "application/json")
	if err != nil {
		return nil, err
	}
	p, err := examreg.DecodeProcess(body, id)
	if err != nil {
		return nil, err
	}
	cond := parseIfMatch(c.r)
	saved, err := s.cfg.Store.UpdateProcess(ctx, c.tenant, id, func(current *examreg.Process) (*examreg.Process, error) {
		if err := cond.check(current); err != nil {
			return nil, err
		}
		return examreg.Replace(current, p, c.actor)
	})
	if err != nil {
		return nil, err
	}
	return recordResponse(saved), nil
}

// recordResponse answers a record and its ETag.
func recordResponse(p *examreg.Process) *response {
	return jsonResponse(p.AppendJSON(nil)).with("ETag", p.ETag())
}

// patch: PATCH /examRegProcesses/{tenantId}/{id} with an RFC 6902 patch.
func (s *Server) patch(ctx context.Context, c *call) (*response, error) {
	id := c.r.PathValue("id")
	if err := noQuery(c, id); err != nil {
		return nil, err
	}
	body, err := readBody(c.r, "application/json", "application/json-patch+json")
	if err != nil {
		return nil, err
	}
	patch, err := examreg.ParsePatch(body)
	if err != nil {
		return nil, err
	}
	saved, err := s.patchRecord(ctx, c, id, patch, parseIfMatch(c.r), nil)
	if err != nil {
		return nil, err
	}
	return recordResponse(saved), nil
}

// patchRecord applies a parsed patch to a record: the code path of PATCH and
// of a batch's patch operations. read, when not nil, is the record as a
// consistent read just found it (a batch reads its records together). An
// empty patch changes nothing, so it writes nothing: the answer is the
// record as it is (a locked record refuses every patch all the same).
func (s *Server) patchRecord(ctx context.Context, c *call, id string, patch *examreg.Patch, cond ifMatch, read *examreg.Process) (*examreg.Process, error) {
	if patch.IsEmpty() {
		current := read
		if current == nil {
			var err error
			if current, err = s.cfg.Store.ReadProcess(ctx, c.tenant, id); err != nil {
				return nil, err
			}
		}
		if current.IsLocked() {
			return nil, examreg.ErrLocked
		}
		return current, cond.check(current)
	}
	change := func(current *examreg.Process) (*examreg.Process, error) {
		if err := cond.check(current); err != nil {
			return nil, err
		}
		return examreg.ApplyPatch(current, patch, c.actor)
	}
	if read != nil {
		return s.cfg.Store.UpdateRead(ctx, c.tenant, read, change)
	}
	return s.cfg.Store.UpdateProcess(ctx, c.tenant, id, change)
}

// delete: DELETE /examRegProcesses/{tenantId}/{id}; answers the deleted id.
func (s *Server) delete(ctx context.Context, c *call) (*response, error) {
	id := c.r.PathValue("id")
	if err := noQuery(c, id); err != nil {
		return nil, err
	}
	if err := s.deleteRecord(ctx, c, id, parseIfMatch(c.r)); err != nil {
		return nil, err
	}
	return marshalResponse(id)
}

// deleteRecord is the code path of DELETE and of a batch's delete operations.
func (s *Server) deleteRecord(ctx context.Context, c *call, id string, cond ifMatch) error {
	var versions []int64
	if cond.present && !cond.any {
		if len(cond.versions) == 0 {
			return examreg.ErrIfMatch
		}
		versions = cond.versions
	}
	return s.cfg.Store.DeleteProcess(ctx, c.tenant, id, versions, c.actor)
}

// noBody checks that a request that takes no body sent none.
func noBody(c *call) error {
	body, err := readBody(c.r, "application/json")
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) > 0 {
		return examreg.Invalid("this operation takes no request body", examreg.FieldError{Field: "", Message: "must be empty"})
	}
	return nil
}

// noQuery checks that a write has no query parameters and a valid path id.
func noQuery(c *call, id string) error {
	q := parseQuery(c.r)
	q.pathID("id", id)
	return q.err()
}
