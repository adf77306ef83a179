package api

import (
	"net/http"
	"slices"
	"strings"

	"github.com/certhub/examreg/pkg/examreg"
)

// Op names an operation: a route, a Lambda function, a log field.
type Op string

// The operations.
const (
	OpCreate   Op = "create"
	OpList     Op = "list"
	OpGet      Op = "get"
	OpUpdate   Op = "update"
	OpPatch    Op = "patch"
	OpDelete   Op = "delete"
	OpEligible Op = "eligible"
	OpBatch    Op = "batch"
)

// Route is one route of the API. Path is written as API Gateway (and
// net/http's ServeMux) write path parameters.
type Route struct {
	Op     Op
	Method string
	Path   string
}

// Routes is the route table. template.yaml, functions/ and events/ must
// match it (a test holds them together).
var Routes = []Route{
	{OpCreate, http.MethodPost, "/examRegProcesses/{tenantId}"},
	{OpList, http.MethodGet, "/examRegProcesses/{tenantId}"},
	{OpGet, http.MethodGet, "/examRegProcesses/{tenantId}/{id}"},
	{OpUpdate, http.MethodPut, "/examRegProcesses/{tenantId}/{id}"},
	{OpPatch, http.MethodPatch, "/examRegProcesses/{tenantId}/{id}"},
	{OpDelete, http.MethodDelete, "/examRegProcesses/{tenantId}/{id}"},
	{OpEligible, http.MethodGet, "/examRegProcesses/{tenantId}/eligible/{contactId}/{examId}"},
	{OpBatch, http.MethodPost, "/examRegProcesses/{tenantId}/batch"},
}

// Handler serves the routes of the given operations (all of them when none
// is given). A path no route matches is a 404, a known path with another
// method a 405, both with the JSON error body.
func (s *Server) Handler(ops ...Op) http.Handler {
	mux := http.NewServeMux()
	for _, rt := range Routes {
		if len(ops) == 0 || slices.Contains(ops, rt.Op) {
			mux.Handle(rt.Method+" "+rt.Path, s.endpoint(rt.Op, s.handlerOf(rt.Op)))
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		// A path with an empty segment names no resource (wildcards would
		// match the empty string).
		if pattern != "" && !strings.Contains(r.URL.Path, "//") && !strings.HasSuffix(r.URL.Path, "/") {
			mux.ServeHTTP(w, r) // sets the path values
			return
		}
		// ServeMux's own 404 and 405 answers are plain text; keep their
		// status (and Allow header) and answer in JSON.
		probe := &statusRecorder{header: http.Header{}}
		if pattern == "" {
			h.ServeHTTP(probe, r)
		}
		err := &examreg.Error{Code: examreg.ENOTFOUND, Message: "Not Found"}
		if pattern == "" && probe.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", strings.Join(probe.header.Values("Allow"), ", "))
			err = &examreg.Error{Code: eMethod, Message: "Method Not Allowed"}
		}
		writeJSON(w, statusOf(err), errorBodyOf(err, ""))
	})
}

func (s *Server) handlerOf(op Op) handlerFunc {
	switch op {
	case OpCreate:
		return s.create
	case OpList:
		return s.list
	case OpGet:
		return s.get
	case OpUpdate:
		return s.update
	case OpPatch:
		return s.patch
	case OpDelete:
		return s.delete
	case OpEligible:
		return s.eligible
	case OpBatch:
		return s.batch
	}
	panic("api: no handler for " + op)
}

// statusRecorder captures what ServeMux's fallback handlers answer.
type statusRecorder struct {
	header http.Header
	status int
}

func (r *statusRecorder) Header() http.Header         { return r.header }
func (r *statusRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *statusRecorder) WriteHeader(status int)      { r.status = status }
