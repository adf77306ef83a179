// Package api is the HTTP face of the service: one http.Handler per
// operation, request parsing, the caller's identity from JWT claims, and the
// one mapping from examreg error codes to HTTP statuses.
//
// The same handlers serve every front door: each Lambda function runs its
// operation's handler through pkg/lambdahttp, the local server mounts them
// all on one port, and the batch operation calls the very functions the
// single-record PATCH and DELETE call.
package api

import (
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/certhub/examreg/pkg/examreg"
)

// DefaultTenantClaim is the JWT claim listing the tenants a caller may access.
const DefaultTenantClaim = "http://rhythmsoftware.com/tenant_id"

// DefaultMaxProcessesPerTenant is the tenant limit when none is configured.
const DefaultMaxProcessesPerTenant = 1000

// FrontDoor is what stands before the handlers and has already verified the
// caller's token: API Gateway's JWT authorizer on Lambda, the dev-token
// verifier locally.
type FrontDoor interface {
	// Claims returns the verified JWT claims of the request, or an error
	// (answered 401) when it carries no valid token.
	Claims(r *http.Request) (map[string]any, error)
	// RequestID identifies the request in logs and in 5xx bodies.
	RequestID(r *http.Request) string
}

// Config is what a Server needs. The package reads no environment and
// connects nothing: pkg/function builds a Config for a Lambda function, the
// local server and the tests build their own.
type Config struct {
	Store Store
	// Snapshots is the store of configuration snapshots, set only by the
	// functions that serve them (and the local server); they answer 500
	// without it.
	Snapshots             SnapshotStore
	FrontDoor             FrontDoor
	MaxProcessesPerTenant int
	// TenantClaim names the claim holding the caller's tenants (a string,
	// or an array of strings).
	TenantClaim string
	// Logger receives one line per request; nil means JSON on stdout.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MetricsNamespace is the CloudWatch namespace of the metrics each
	// request's log line carries; "" means emf.DefaultNamespace.
	MetricsNamespace string
	// Diff makes the patches compare and a snapshot's apply answer:
	// history.Diff, the history writer's own, so that they read as the
	// history does. Only the functions that need it set it (jsondiff weighs
	// about 130 KB in a bootstrap); they answer 500 without it.
	Diff examreg.Diff
	// GuardedDiff makes the patches a configuration snapshot holds:
	// history.GuardedDiff, which guards every value a patch replaces or
	// removes with a test. The functions that take snapshots (take, and
	// apply for its undo snapshot) set it; they answer 500 without it.
	GuardedDiff examreg.Diff
}

// Server holds the handlers of every operation.
type Server struct {
	cfg     Config
	log     *slog.Logger
	now     func() time.Time
	metrics metricDirectives
}

// New returns a Server.
func New(cfg Config) *Server {
	s := &Server{cfg: cfg, log: cfg.Logger, now: cfg.Now, metrics: newMetricDirectives(cfg.MetricsNamespace)}
	if s.log == nil {
		s.log = slog.New(slog.NewJSONHandler(os.Stdout, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}
