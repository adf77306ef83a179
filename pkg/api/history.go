package api

import (
	"context"
	"strconv"

	"github.com/certhub/examreg/pkg/examreg"
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

// historyVersion: GET /examRegProcesses/{tenantId}/{id}/history/{version},
// the record as it read right after that version was written.
func (s *Server) historyVersion(ctx context.Context, c *call) (*response, error) {
	id, v := c.r.PathValue("id"), c.r.PathValue("version")
	q := parseQuery(c.r)
	q.pathID("id", id)
	version, err := strconv.ParseInt(v, 10, 64)
	if err != nil || version < 1 || strconv.FormatInt(version, 10) != v {
		q.problem("version", "in the path must be a positive integer without leading zeros")
	}
	if err := q.err(); err != nil {
		return nil, err
	}
	rec, err := s.cfg.Store.HistoryVersion(ctx, c.tenant, id, version)
	if err != nil {
		return nil, err
	}
	return jsonResponse(rec.JSON).with("ETag", examreg.ETag(rec.Version)), nil
}
