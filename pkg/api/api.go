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
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/certhub/examreg/pkg/examreg"
	"github.com/certhub/examreg/pkg/store"
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

// Config is what a Server needs.
type Config struct {
	Store                 Store
	FrontDoor             FrontDoor
	MaxProcessesPerTenant int
	// TenantClaim names the claim holding the caller's tenants (a string,
	// or an array of strings).
	TenantClaim string
	// Logger receives one line per request; nil means JSON on stdout.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Environment lists the variables ConfigFromEnv reads: what template.yaml
// must give every function.
var Environment = []string{"TABLE_NAME", "MAX_PROCESSES_PER_TENANT", "TENANT_CLAIM"}

// ConfigFromEnv reads the configuration every front door shares from the
// environment: TABLE_NAME (required), MAX_PROCESSES_PER_TENANT (default
// 1000) and TENANT_CLAIM (default DefaultTenantClaim), and connects the store.
func ConfigFromEnv(ctx context.Context, door FrontDoor) (Config, error) {
	cfg := Config{
		FrontDoor:             door,
		MaxProcessesPerTenant: DefaultMaxProcessesPerTenant,
		TenantClaim:           TenantClaimFromEnv(),
	}
	if v := os.Getenv("MAX_PROCESSES_PER_TENANT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return Config{}, fmt.Errorf("api: MAX_PROCESSES_PER_TENANT=%q is not a positive integer", v)
		}
		cfg.MaxProcessesPerTenant = n
	}
	table := os.Getenv("TABLE_NAME")
	if table == "" {
		return Config{}, errors.New("api: TABLE_NAME is not set")
	}
	st, err := store.Connect(ctx, table)
	if err != nil {
		return Config{}, err
	}
	cfg.Store = st
	return cfg, nil
}

// TenantClaimFromEnv is $TENANT_CLAIM, or DefaultTenantClaim.
func TenantClaimFromEnv() string {
	if c := os.Getenv("TENANT_CLAIM"); c != "" {
		return c
	}
	return DefaultTenantClaim
}

// MustFromEnv is ConfigFromEnv and New for a Lambda function's main: a
// configuration error ends the process with a logged reason.
func MustFromEnv(door FrontDoor) *Server {
	// Every line a function writes is JSON, the SDK's warnings included.
	slog.SetDefault(slog.New(slog.NewJSONHandler(os.Stdout, nil)))
	cfg, err := ConfigFromEnv(context.Background(), door)
	if err != nil {
		slog.Error("configuration", "error", err.Error())
		os.Exit(1)
	}
	cfg.Logger = slog.Default()
	// WARMUP=0 turns the warm-up off, for measuring what it saves.
	if st, ok := cfg.Store.(*store.Store); ok && os.Getenv("WARMUP") != "0" {
		if err := st.Warm(context.Background(), warmUpTimeout); err != nil {
			slog.Warn("warm-up read failed; the first request will open the connection", "error", err.Error())
		}
	}
	return New(cfg)
}

// warmUpTimeout bounds the warm-up read at init (Lambda allows 10 s).
const warmUpTimeout = time.Second

// Server holds the handlers of every operation.
type Server struct {
	cfg  Config
	log  *slog.Logger
	now  func() time.Time
	diff examreg.Diff
}

// New returns a Server.
func New(cfg Config) *Server {
	s := &Server{cfg: cfg, log: cfg.Logger, now: cfg.Now}
	if s.log == nil {
		s.log = slog.New(slog.NewJSONHandler(os.Stdout, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}
