// Package function builds the service's Lambda functions from their
// environment. It is the one place that reads the environment, connects to
// DynamoDB, sets the process's default logger and ends the process when the
// configuration is wrong: pkg/api and pkg/history take everything they need
// as values. Each HTTP function's main is one call, ServeHTTP; the history
// writer's is Init and lambda.Start.
//
// An HTTP function reads the variables in Environment, which template.yaml
// gives every one of them; the history writer reads TABLE_NAME. Both read
// the AWS variables the Lambda runtime sets (see store.Connect), and
// WARMUP=0 turns off the warm-up read at init, for measuring what it saves.
package function

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/lambdahttp"
	"github.com/certhub/examreg/pkg/store"
)

// Environment lists the variables an HTTP function reads: what
// template.yaml must give each of them (a test holds the two together).
var Environment = []string{"TABLE_NAME", "MAX_PROCESSES_PER_TENANT", "TENANT_CLAIM", "METRICS_NAMESPACE"}

// ServeHTTP runs route as the function's handler behind API Gateway, on the
// table $TABLE_NAME; it does not return. Each of set changes the API's
// configuration first: the compare function sets its Diff so.
func ServeHTTP(route api.Route, set ...func(*api.Config)) {
	st, log := Init()
	cfg, err := APIConfig()
	if err != nil {
		exit(log, err)
	}
	warm(log, st)
	cfg.Store, cfg.FrontDoor, cfg.Logger = st, lambdahttp.Gateway{}, log
	for _, f := range set {
		f(&cfg)
	}
	lambdahttp.Start(api.New(cfg).Serve(route))
}

// WithSnapshots gives the API the store of configuration snapshots (see
// api.Config.Snapshots): an option of ServeHTTP for the functions that
// serve them, so that the others do not link its methods.
func WithSnapshots(c *api.Config) { c.Snapshots = c.Store.(*store.Store) }

// Init is what every function does at its init: it makes every line the
// process writes JSON on stdout (the AWS SDK's warnings, which go to the
// default logger, included) and connects the Store over the table
// $TABLE_NAME. A configuration error ends the process with a logged reason,
// which Lambda reports as a failed init.
//
// The history writer's main is Init and lambda.Start: it lives apart from
// ServeHTTP so that the HTTP functions link no history code.
func Init() (*store.Store, *slog.Logger) {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	slog.SetDefault(log)
	st, err := connect()
	if err != nil {
		exit(log, err)
	}
	return st, log
}

// APIConfig is the configuration every front door of the API shares, as the
// environment sets it: MAX_PROCESSES_PER_TENANT (default
// api.DefaultMaxProcessesPerTenant), TENANT_CLAIM (default
// api.DefaultTenantClaim) and METRICS_NAMESPACE (default
// emf.DefaultNamespace). The caller adds the Store and the FrontDoor.
func APIConfig() (api.Config, error) {
	cfg := api.Config{
		MaxProcessesPerTenant: api.DefaultMaxProcessesPerTenant,
		TenantClaim:           TenantClaim(),
		MetricsNamespace:      MetricsNamespace(),
	}
	if v := os.Getenv("MAX_PROCESSES_PER_TENANT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return api.Config{}, fmt.Errorf("MAX_PROCESSES_PER_TENANT=%q is not a positive integer", v)
		}
		cfg.MaxProcessesPerTenant = n
	}
	return cfg, nil
}

// TenantClaim is $TENANT_CLAIM, or api.DefaultTenantClaim.
func TenantClaim() string {
	if c := os.Getenv("TENANT_CLAIM"); c != "" {
		return c
	}
	return api.DefaultTenantClaim
}

// MetricsNamespace is $METRICS_NAMESPACE: the CloudWatch namespace of the
// metrics in every function's log lines ("" means emf.DefaultNamespace).
func MetricsNamespace() string { return os.Getenv("METRICS_NAMESPACE") }

// connect returns the Store over the table $TABLE_NAME.
func connect() (*store.Store, error) {
	table := os.Getenv("TABLE_NAME")
	if table == "" {
		return nil, errors.New("TABLE_NAME is not set")
	}
	return store.Connect(context.Background(), table)
}

// warmUpTimeout bounds the warm-up read at init (Lambda allows 10 s).
const warmUpTimeout = time.Second

// warm opens the connection to DynamoDB during init rather than on the
// first client's time, unless WARMUP=0. A failure is logged, not fatal: the
// first request then opens the connection.
func warm(log *slog.Logger, st *store.Store) {
	if os.Getenv("WARMUP") == "0" {
		return
	}
	if err := st.Warm(context.Background(), warmUpTimeout); err != nil {
		log.Warn("warm-up read failed; the first request will open the connection", "error", err.Error())
	}
}

func exit(log *slog.Logger, err error) {
	log.Error("configuration", "error", err.Error())
	os.Exit(1)
}
