package api

import (
	"context"
	"net/url"
	"slices"
	"strconv"

	"github.com/google/uuid"

	"github.com/certhub/examreg/pkg/examreg"
	"github.com/certhub/examreg/pkg/store"
)

// create: POST /examRegProcesses/{tenantId}. The id is a UUIDv7, so the
// list (in key order) comes back in creation order.
func (s *Server) create(ctx context.Context, c *call) (*response, error) {
	if err := parseQuery(c.r).err(); err != nil {
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
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	p = examreg.NewProcess(p, id.String(), c.actor)
	if err := s.cfg.Store.CreateProcess(ctx, c.tenant, p, s.cfg.MaxProcessesPerTenant); err != nil {
		return nil, err
	}
	return (&response{body: p}).withETag(p).with("Location", "/examRegProcesses/"+c.tenant+"/"+p.ID), nil
}

// list: GET /examRegProcesses/{tenantId}. One Query, one page; the next
// page's key goes out in X-Exclusive-Start-Key and a Link rel="next".
func (s *Server) list(ctx context.Context, c *call) (*response, error) {
	q := parseQuery(c.r, "fields", "consistentRead", "exclusiveStartKey", "limit")
	opt := store.ListOptions{ReadOptions: q.readOptions(), StartKey: q.Get("exclusiveStartKey")}
	if q.Has("exclusiveStartKey") {
		if _, err := store.DecodePageKey(opt.StartKey); err != nil {
			q.problem("exclusiveStartKey", "is not a key this API returned")
		}
	}
	if q.Has("limit") {
		n, err := strconv.Atoi(q.Get("limit"))
		if err != nil || n < 1 || n > 1000 {
			q.problem("limit", "must be an integer from 1 to 1000")
		}
		opt.Limit = int32(n)
	}
	if err := q.err(); err != nil {
		return nil, err
	}
	page, err := s.cfg.Store.ListProcesses(ctx, c.tenant, opt)
	if err != nil {
		return nil, err
	}
	resp := &response{body: page.Items}
	if page.NextKey != "" {
		q.Set("exclusiveStartKey", page.NextKey)
		next := url.URL{Path: c.r.URL.Path, RawQuery: q.Values.Encode()}
		resp.with("X-Exclusive-Start-Key", page.NextKey).with("Link", "<"+next.String()+`>; rel="next"`)
	}
	return resp, nil
}

// get: GET /examRegProcesses/{tenantId}/{id}.
func (s *Server) get(ctx context.Context, c *call) (*response, error) {
	id := c.r.PathValue("id")
	q := parseQuery(c.r, "fields", "consistentRead")
	opt := q.readOptions()
	q.pathID("id", id)
	if err := q.err(); err != nil {
		return nil, err
	}
	// Every single-object answer carries its ETag, so a projection always
	// reads sys_version, and returns it only when asked.
	askedVersion := opt.Fields == nil || slices.ContainsFunc(opt.Fields, func(p []string) bool { return p[0] == "sys_version" })
	if !askedVersion {
		opt.Fields = append(opt.Fields, []string{"sys_version"})
	}
	p, err := s.cfg.Store.GetProcess(ctx, c.tenant, id, opt)
	if err != nil {
		return nil, err
	}
	resp := (&response{body: p}).withETag(p)
	if !askedVersion {
		p.SysVersion = 0 // omitted from the body
	}
	return resp, nil
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
	return (&response{body: saved}).withETag(saved), nil
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
	return (&response{body: saved}).withETag(saved), nil
}

// patchRecord applies a parsed patch to a record: the code path of PATCH and
// of a batch's patch operations. read, when not nil, is the record as a
// consistent read just found it (a batch reads its records together).
func (s *Server) patchRecord(ctx context.Context, c *call, id string, patch *examreg.Patch, cond ifMatch, read *examreg.Process) (*examreg.Process, error) {
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
	return &response{body: id}, nil
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
	return s.cfg.Store.DeleteProcess(ctx, c.tenant, id, versions)
}

// noQuery checks that a write has no query parameters and a valid path id.
func noQuery(c *call, id string) error {
	q := parseQuery(c.r)
	q.pathID("id", id)
	return q.err()
}
