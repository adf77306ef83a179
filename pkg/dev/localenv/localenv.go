// Package localenv gives local runs and tests a DynamoDB engine holding the
// service's table: the engine at AWS_ENDPOINT_URL_DYNAMODB when that is set
// (DynamoDB Local, a shared moto, anything that speaks the DynamoDB API),
// otherwise a moto server started here and stopped by Close.
package localenv

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/certhub/examreg/pkg/dev/motoserver"
	"github.com/certhub/examreg/pkg/dev/samtemplate"
	"github.com/certhub/examreg/pkg/dev/streampoller"
	"github.com/certhub/examreg/pkg/history"
	"github.com/certhub/examreg/pkg/store"
)

// Engine is a DynamoDB engine for local use.
type Engine struct {
	// URL is the engine's endpoint.
	URL string
	// Started is true when the engine is a moto server started by Start.
	Started bool

	moto  *motoserver.Server
	table json.RawMessage
}

// Start returns the engine at AWS_ENDPOINT_URL_DYNAMODB, or starts moto and
// points AWS_ENDPOINT_URL_DYNAMODB at it, so that every client this process
// builds uses it. It also sets a region and dummy credentials when none are
// set, as local engines accept any.
func Start() (*Engine, error) {
	for name, value := range map[string]string{
		"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
	} {
		if os.Getenv(name) == "" {
			os.Setenv(name, value)
		}
	}
	tpl, err := samtemplate.LoadDefault()
	if err != nil {
		return nil, err
	}
	_, table, err := tpl.Table()
	if err != nil {
		return nil, err
	}
	e := &Engine{URL: os.Getenv("AWS_ENDPOINT_URL_DYNAMODB"), table: table}
	if e.URL != "" {
		return e, nil
	}
	if err := motoserver.Check(); err != nil {
		return nil, err
	}
	if e.moto, err = motoserver.Start(0); err != nil {
		return nil, err
	}
	e.URL, e.Started = e.moto.URL, true
	os.Setenv("AWS_ENDPOINT_URL_DYNAMODB", e.URL)
	return e, nil
}

// Table connects a Store to the table name on this engine, creating it from
// template.yaml's definition if it does not exist.
func (e *Engine) Table(ctx context.Context, name string, optFns ...func(*dynamodb.Options)) (s *store.Store, created bool, err error) {
	s, err = store.Connect(ctx, name, optFns...)
	if err != nil {
		return nil, false, err
	}
	created, err = s.CreateTable(ctx, e.table)
	if err != nil {
		return nil, false, fmt.Errorf("localenv: %w", err)
	}
	return s, created, nil
}

// Close stops the engine if Start started it.
func (e *Engine) Close() {
	if e.moto != nil {
		e.moto.Close()
	}
}

// HistoryPollInterval is how often WriteHistory polls the stream: history
// appears within about this long after a write.
const HistoryPollInterval = 200 * time.Millisecond

// WriteHistory does locally what the history writer function does on AWS:
// it polls the stream of st's table from its start and hands each batch to
// the same handler, until ctx ends.
func WriteHistory(ctx context.Context, st *store.Store, interval time.Duration, log *slog.Logger) error {
	arn, err := streampoller.LatestStreamARN(ctx, st.Client(), st.Table())
	if err != nil {
		return err
	}
	w := &history.Writer{Store: st, Log: log}
	return streampoller.Run(ctx, streampoller.ClientFor(st.Client()), arn, 100, interval, w.Handle, log)
}
