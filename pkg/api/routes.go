package api

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/certhub/examreg/pkg/examreg"
)

// Op names an operation: a route, a Lambda function, a log field.
type Op string

// Route is one route of the API and the handler that serves it. Path is
// written as API Gateway writes path parameters.
type Route struct {
	Op     Op
	Method string
	Path   string
	handle func(*Server, context.Context, *call) (*response, error)
}

// The operations, each a route of the table below.
const (
	OpCreate         Op = "create"
	OpList           Op = "list"
	OpGet            Op = "get"
	OpUpdate         Op = "update"
	OpPatch          Op = "patch"
	OpDelete         Op = "delete"
	OpEligible       Op = "eligible"
	OpBatch          Op = "batch"
	OpHistory        Op = "history"
	OpHistoryVersion Op = "historyversion"
	OpCompare        Op = "compare"
	OpRestore        Op = "restore"
	OpSnapshotTake   Op = "snapshottake"
	OpSnapshotList   Op = "snapshotlist"
	OpSnapshotGet    Op = "snapshotget"
	OpSnapshotDelete Op = "snapshotdelete"
	OpSnapshotApply  Op = "snapshotapply"
)

// wholeTenant reports whether the operation works on a whole tenant at
// once, and may take seconds: the configuration snapshots' take, get,
// delete and apply. The service's latency metric leaves them out.
func (op Op) wholeTenant() bool {
	switch op {
	case OpSnapshotTake, OpSnapshotGet, OpSnapshotDelete, OpSnapshotApply:
		return true
	}
	return false
}

// The routes, one per operation. A Lambda function serves one (see Serve),
// and links the code of that one alone.
var (
	Create         = Route{OpCreate, http.MethodPost, "/examRegProcesses/{tenantId}", (*Server).create}
	List           = Route{OpList, http.MethodGet, "/examRegProcesses/{tenantId}", (*Server).list}
	Batch          = Route{OpBatch, http.MethodPost, "/examRegProcesses/{tenantId}/batch", (*Server).batch}
	Get            = Route{OpGet, http.MethodGet, "/examRegProcesses/{tenantId}/{id}", (*Server).get}
	Update         = Route{OpUpdate, http.MethodPut, "/examRegProcesses/{tenantId}/{id}", (*Server).update}
	Patch          = Route{OpPatch, http.MethodPatch, "/examRegProcesses/{tenantId}/{id}", (*Server).patch}
	Delete         = Route{OpDelete, http.MethodDelete, "/examRegProcesses/{tenantId}/{id}", (*Server).delete}
	History        = Route{OpHistory, http.MethodGet, "/examRegProcesses/{tenantId}/{id}/history", (*Server).history}
	Eligible       = Route{OpEligible, http.MethodGet, "/examRegProcesses/{tenantId}/eligible/{contactId}/{examId}", (*Server).eligible}
	HistoryVersion = Route{OpHistoryVersion, http.MethodGet, "/examRegProcesses/{tenantId}/{id}/history/{version}", (*Server).historyVersion}
	Compare        = Route{OpCompare, http.MethodGet, "/examRegProcesses/{tenantId}/{id}/compare", (*Server).compare}
	Restore        = Route{OpRestore, http.MethodPost, "/examRegProcesses/{tenantId}/{id}/history/{version}/restore", (*Server).restore}
	SnapshotTake   = Route{OpSnapshotTake, http.MethodPost, "/configurationSnapshots/{tenantId}", (*Server).snapshotTake}
	SnapshotList   = Route{OpSnapshotList, http.MethodGet, "/configurationSnapshots/{tenantId}", (*Server).snapshotList}
	SnapshotApply  = Route{OpSnapshotApply, http.MethodPost, "/configurationSnapshots/{tenantId}/apply", (*Server).snapshotApply}
	SnapshotGet    = Route{OpSnapshotGet, http.MethodGet, "/configurationSnapshots/{tenantId}/{snapshotId}", (*Server).snapshotGet}
	SnapshotDelete = Route{OpSnapshotDelete, http.MethodDelete, "/configurationSnapshots/{tenantId}/{snapshotId}", (*Server).snapshotDelete}
)

// Routes is the route table. template.yaml, functions/ and events/ must
// match it (a test holds them together). When two routes match one path,
// the earlier wins: /examRegProcesses/t/eligible/history/5 is an eligibility
// check (contact "history", exam "5"), not version 5 of record "eligible".
// The same holds for /configurationSnapshots/t/apply: a POST there is an
// apply, a GET or DELETE is of the snapshot with id "apply" (there is none).
//
// It holds pointers to the routes so that the compiler lays it out as
// static data: a function that serves one route and never reads Routes
// links no other route's handler.
var Routes = []*Route{&Create, &List, &Batch, &Get, &Update, &Patch, &Delete, &History, &Eligible, &HistoryVersion, &Compare, &Restore,
	&SnapshotTake, &SnapshotList, &SnapshotApply, &SnapshotGet, &SnapshotDelete}

// Handler serves the routes of the given operations (all of them when none
// is given). A path no route matches is a 404, a known path with another
// method a 405 with an Allow header; both answer with the JSON error body
// and, like every answer, X-Request-Id and a log line.
func (s *Server) Handler(ops ...Op) http.Handler {
	var routes []Route
	for _, rt := range Routes {
		if len(ops) == 0 || slices.Contains(ops, rt.Op) {
			routes = append(routes, *rt)
		}
	}
	return s.Serve(routes...)
}

// Serve is Handler for the given routes, in their order of precedence.
func (s *Server) Serve(given ...Route) http.Handler {
	routes := make([]compiledRoute, len(given))
	for i, rt := range given {
		routes[i] = compiledRoute{rt, strings.Split(rt.Path, "/")}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		segments := strings.Split(r.URL.Path, "/")
		var allow []string
		for _, rt := range routes {
			switch {
			case !rt.matches(segments):
			case rt.Method != r.Method:
				if !slices.Contains(allow, rt.Method) {
					allow = append(allow, rt.Method)
				}
			default:
				for i, p := range rt.segments {
					if name, ok := parameter(p); ok {
						r.SetPathValue(name, segments[i])
					}
				}
				s.serve(w, r, rt.Op, rt.handle)
				return
			}
		}
		if allow != nil {
			w.Header().Set("Allow", strings.Join(allow, ", "))
		}
		if len(segments) > 2 && (segments[1] == "examRegProcesses" || segments[1] == "configurationSnapshots") { // for the log line
			r.SetPathValue("tenantId", segments[2])
		}
		s.serve(w, r, "", func(*Server, context.Context, *call) (*response, error) {
			if allow == nil {
				return nil, &examreg.Error{Code: examreg.ENOTFOUND, Message: "Not Found"}
			}
			return nil, &examreg.Error{Code: eMethod, Message: "Method Not Allowed"}
		})
	})
}

// compiledRoute is a route with its path split into segments.
type compiledRoute struct {
	Route
	segments []string
}

// matches reports whether the segments of a request path match the route's.
// A parameter never matches an empty segment: a path with one names no
// resource.
func (rt compiledRoute) matches(segments []string) bool {
	if len(rt.segments) != len(segments) {
		return false
	}
	for i, p := range rt.segments {
		if _, ok := parameter(p); ok && segments[i] == "" || !ok && p != segments[i] {
			return false
		}
	}
	return true
}

// parameter returns the name of a path segment that is a parameter ("{id}").
func parameter(segment string) (string, bool) {
	if len(segment) > 2 && segment[0] == '{' && segment[len(segment)-1] == '}' {
		return segment[1 : len(segment)-1], true
	}
	return "", false
}
