package api

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/certhub/examreg/pkg/examreg"
	"github.com/certhub/examreg/pkg/jsondoc"
	"github.com/certhub/examreg/pkg/store"
)

// answerMargin is the time kept, before a request's deadline, to answer.
const answerMargin = 300 * time.Millisecond

// call is one request in progress.
type call struct {
	r         *http.Request
	op        Op
	tenant    string
	requestID string
	actor     examreg.Actor
	batch     *batchCount // what a batch did, for its metrics
}

// response is an answer with a JSON body: status 200 unless status says
// otherwise (an apply's 409 carries its plan).
type response struct {
	body   []byte
	header http.Header
	status int
}

// jsonResponse answers the JSON text body.
func jsonResponse(body []byte) *response { return &response{body: body} }

// marshalResponse answers v's JSON text (see jsondoc.Marshal).
func marshalResponse(v any) (*response, error) {
	body, err := jsondoc.Marshal(v)
	if err != nil {
		return nil, err
	}
	return jsonResponse(body), nil
}

func (r *response) with(name, value string) *response {
	if r.header == nil {
		r.header = http.Header{}
	}
	r.header.Set(name, value)
	return r
}

// serve runs one request: it identifies it, checks the caller's credentials
// and tenant before anything else is read (except for the router's own 404
// and 405, op ""), runs the operation, writes the answer, and logs one line,
// which is also the request's metrics (metricAttrs).
func (s *Server) serve(w http.ResponseWriter, r *http.Request, op Op, handle func(*Server, context.Context, *call) (*response, error)) {
	start := time.Now()
	ctx, stats := store.WithStats(r.Context())
	if deadline, ok := ctx.Deadline(); ok {
		// On Lambda the context ends with the invocation: stop waiting on
		// DynamoDB early enough to still answer, rather than time out.
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-answerMargin))
		defer cancel()
	}
	c := &call{r: r, op: op, tenant: r.PathValue("tenantId"), requestID: s.cfg.FrontDoor.RequestID(r)}
	w.Header().Set("X-Request-Id", c.requestID)

	resp, err := s.run(ctx, c, handle)
	status := http.StatusOK
	if err != nil {
		status = statusOf(err)
		if status == http.StatusTooManyRequests && examreg.ErrorCode(err) == examreg.ETHROTTLED {
			w.Header().Set("Retry-After", "1")
		}
		writeJSON(w, status, errorBodyOf(err, c.requestID))
	} else {
		for name, values := range resp.header {
			w.Header()[name] = values
		}
		status = cmp.Or(resp.status, status)
		writeJSON(w, status, resp.body)
	}

	usage := stats.Usage()
	attrs := []slog.Attr{
		slog.String("request_id", c.requestID),
		slog.String("operation", string(op)),
		slog.String("method", r.Method),
		slog.String("tenant", c.tenant),
		slog.Int("status", status),
		slog.Float64("latency_ms", float64(time.Since(start).Microseconds())/1000),
		slog.Int("ddb_requests", usage.Requests),
		slog.Float64("ddb_capacity", usage.Capacity()),
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	attrs = append(attrs, s.metricAttrs(c, status, start, usage)...)
	s.log.LogAttrs(ctx, level, "request", attrs...)
}

// run authenticates the call and runs the operation; a panic becomes a
// plain internal error (the log gets its value, the client nothing).
func (s *Server) run(ctx context.Context, c *call, handle func(*Server, context.Context, *call) (*response, error)) (resp *response, err error) {
	defer func() {
		if p := recover(); p != nil {
			resp, err = nil, &examreg.Error{Code: examreg.EINTERNAL, Message: "internal error", Cause: fmt.Errorf("panic: %v", p)}
		}
	}()
	if c.op != "" {
		if err := s.authorize(c); err != nil {
			return nil, err
		}
	}
	return handle(s, ctx, c)
}

// authorize turns the verified claims into the caller's identity: 401
// without a token or a subject, 403 when the path's tenant is not among the
// token's tenants.
func (s *Server) authorize(c *call) error {
	claims, err := s.cfg.FrontDoor.Claims(c.r)
	if err != nil {
		return &examreg.Error{Code: examreg.EUNAUTHORIZED, Message: "Unauthorized", Cause: err}
	}
	sub, _ := claims["sub"].(string)
	if sub == "" {
		return examreg.Errorf(examreg.EUNAUTHORIZED, "Unauthorized: the token has no subject")
	}
	if !grants(claims[s.cfg.TenantClaim], c.tenant) {
		return examreg.Errorf(examreg.EFORBIDDEN, "Forbidden: the token does not grant access to this tenant")
	}
	tenant := &params{}
	if tenant.pathID("tenantId", c.tenant); tenant.err() != nil {
		return tenant.err()
	}
	host, _, err := net.SplitHostPort(c.r.RemoteAddr)
	if err != nil {
		host = c.r.RemoteAddr // API Gateway's source IP comes without a port
	}
	c.actor = examreg.Actor{
		UserID:    sub,
		TenantID:  c.tenant,
		RequestID: c.requestID,
		WriteID:   c.requestID,
		SourceIP:  host,
		UserAgent: c.r.UserAgent(),
		Operation: string(c.op),
		Now:       s.now(),
	}
	return nil
}

// writeJSON writes an answer's body followed by a newline, so that the
// answer reads as a line of its own in a terminal (curl -s).
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
	w.Write(newline)
}

var newline = []byte{'\n'}
