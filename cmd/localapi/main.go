// Command localapi serves the whole API on one local port, as `make run`
// does: every route of pkg/api's route table, through the same handlers the
// Lambda functions run.
//
// It uses the DynamoDB engine at AWS_ENDPOINT_URL_DYNAMODB or, when that is
// not set, starts moto's server (serialized; see pkg/dev/motoserver). It creates
// table $TABLE_NAME (default examreg) from template.yaml if missing and then
// loads the demo data. It polls the table's stream and writes the change
// history with the handler the history writer function runs. Tokens are HS256 JWTs signed with $LOCAL_JWT_SECRET;
// it prints one for the demo tenant. It reads the environment the Lambda
// functions read (TABLE_NAME, MAX_PROCESSES_PER_TENANT, TENANT_CLAIM) and
// listens on 127.0.0.1:$PORT (default 3000). Ctrl-C (or SIGTERM, SIGHUP)
// stops everything it started; it then prints, from the metrics of the
// request log lines, each operation's requests, errors and p50/p99 latency,
// says "stopped" and exits 0.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/dev/bulkload"
	"github.com/certhub/examreg/pkg/dev/devauth"
	"github.com/certhub/examreg/pkg/dev/localenv"
	"github.com/certhub/examreg/pkg/function"
	"github.com/certhub/examreg/pkg/history"
)

func main() {
	handBack := takeTerminal()
	err := run()
	if err != nil {
		fmt.Fprintln(os.Stderr, "localapi:", err)
	} else {
		fmt.Fprintln(os.Stderr, "stopped")
	}
	handBack()
	if err != nil {
		os.Exit(1)
	}
}

// run serves until a signal, and returns once everything it started has
// stopped.
func run() (err error) {
	// One JSON line per request, whose metrics the summary also reads.
	requests := &summary{}
	slog.SetDefault(slog.New(slog.NewJSONHandler(io.MultiWriter(os.Stdout, requests), nil)))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	defer func() {
		if ctx.Err() != nil {
			err = nil // stopped while starting: what was asked, not a failure
		}
	}()
	table := envOr("TABLE_NAME", "examreg")
	os.Setenv("TABLE_NAME", table)
	addr := net.JoinHostPort("127.0.0.1", envOr("PORT", "3000"))
	ln, err := net.Listen("tcp", addr) // before anything starts: a busy port fails fast
	if err != nil {
		return err
	}

	engine, err := localenv.Start()
	if err != nil {
		return err
	}
	defer engine.Close()
	if engine.Started {
		fmt.Fprintln(os.Stderr, "started moto's DynamoDB server at", engine.URL)
	} else {
		fmt.Fprintln(os.Stderr, "using the DynamoDB engine at", engine.URL)
	}
	st, created, err := engine.Table(ctx, table)
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintf(os.Stderr, "created table %s; loading the demo data\n", table)
		if err := bulkload.LoadDemo(ctx, st, os.Stderr); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(os.Stderr, "table %s exists; the demo data is not reloaded\n", table)
	}

	// The change history, as the history writer function keeps it on AWS.
	go func() {
		if err := localenv.WriteHistory(ctx, st, localenv.HistoryPollInterval, slog.Default()); err != nil && ctx.Err() == nil {
			slog.Error("the change history stopped", "error", err.Error())
		}
	}()

	cfg, err := function.APIConfig()
	if err != nil {
		return err
	}
	cfg.Store, cfg.Snapshots, cfg.FrontDoor, cfg.Logger = st, st, devauth.Verifier{Secret: devauth.SecretFromEnv()}, slog.Default()
	// compare answers with the history's own patches; snapshots carry guarded ones
	cfg.Diff, cfg.GuardedDiff = history.Diff, history.GuardedDiff
	// Not a ServeMux: it would redirect paths such as //x and /a/../b before
	// the API's router saw them, and the API answers every path itself.
	handler := withDocs(api.New(cfg).Handler())
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	token, err := devauth.Mint(devauth.SecretFromEnv(), "dev-user", cfg.TenantClaim, []string{bulkload.DemoTenant}, 24*time.Hour)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, `
Exam Reg Processes API on http://%[1]s (tenant %[2]q, token valid 24h):

  export TOKEN=%[3]s
  curl -s -H "Authorization: Bearer $TOKEN" http://%[1]s/examRegProcesses/%[2]s

The API reference, to browse and try: http://%[1]s/docs/ (its OpenAPI document: /openapi.json)
Another token: make token TENANT=<id>. Ctrl-C stops the server.

`, addr, bulkload.DemoTenant, token)

	defer requests.Print(os.Stderr) // once the server has stopped
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	stop() // a second Ctrl-C ends this process at once
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
