// Package store is the single-table DynamoDB model of the service: keys,
// conditions, paging keys, projections and the translation of DynamoDB's
// errors into examreg errors. It is the only package that imports the
// DynamoDB SDK.
//
// One table holds every item, keyed by pk and sk:
//
//	exam reg process   TENANT#<t>                  EXAMREGPROCESS#<id>
//	tenant counter     TENANT#<t>                  COUNTER#EXAMREGPROCESS
//	exam               TENANT#<t>                  EXAM#<id>
//	exam registration  TENANT#<t>#CONTACT#<c>      EXAMREG#<exam>#<date>#<id>
//	                   (gsi1pk TENANT#<t>#PROCESS#<process_id>)
//
// Records are stored as native DynamoDB maps and lists, not JSON blobs, so
// that projections work. Writes are guarded by conditions, never by an
// extra read.
package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/logging"

	"github.com/certhub/examreg/pkg/examreg"
)

// DefaultRetryBudget is how long a write keeps retrying when it loses a race
// with another write of the same record (or, on DynamoDB, a transaction
// conflict on the tenant counter) before it gives up with examreg.ErrBusy.
const DefaultRetryBudget = 8 * time.Second

// AttemptTimeout bounds one HTTP attempt at DynamoDB.
const AttemptTimeout = 5 * time.Second

// deadlineMargin is the time a retrying write leaves before its context's
// deadline (on Lambda, the invocation's), so the answer still gets out.
const deadlineMargin = 500 * time.Millisecond

// Store reads and writes exam reg processes and the items around them.
type Store struct {
	db    *dynamodb.Client
	table string
	// RetryBudget bounds the retries of a write that loses a race.
	RetryBudget time.Duration
}

// New returns a Store over an existing table.
func New(db *dynamodb.Client, table string) *Store {
	return &Store{db: db, table: table, RetryBudget: DefaultRetryBudget}
}

// Connect returns a Store over table with a client configured from the
// environment the Lambda runtime provides: the region in AWS_REGION (or
// AWS_DEFAULT_REGION), the credentials in AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, and, for a local engine, its
// endpoint in AWS_ENDPOINT_URL_DYNAMODB. It reads no shared config files or
// profiles: that would link the SSO and STS clients into every function
// (about 2.5 MB) for nothing Lambda uses. Tools that need profiles load an
// aws.Config themselves and call FromConfig.
func Connect(ctx context.Context, table string, optFns ...func(*dynamodb.Options)) (*Store, error) {
	region := cmp.Or(os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION"))
	if region == "" {
		return nil, errors.New("store: AWS_REGION is not set")
	}
	cfg := aws.Config{Region: region}
	if key := os.Getenv("AWS_ACCESS_KEY_ID"); key != "" {
		cfg.Credentials = credentials.NewStaticCredentialsProvider(key, os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN"))
	}
	if endpoint := os.Getenv("AWS_ENDPOINT_URL_DYNAMODB"); endpoint != "" {
		cfg.BaseEndpoint = aws.String(endpoint)
	}
	return FromConfig(cfg, table, optFns...)
}

// FromConfig returns a Store over table with a client built from cfg: three
// attempts per call with the SDK's backoff (enough to ride out a dropped
// connection or a short throttle, short enough to stay inside a Lambda
// invocation), AttemptTimeout per attempt (an engine that stops answering
// fails the attempt instead of holding the request until the Lambda times
// out), the SDK's warnings in the structured log, and Instrument.
func FromConfig(cfg aws.Config, table string, optFns ...func(*dynamodb.Options)) (*Store, error) {
	if table == "" {
		return nil, errors.New("store: no table name")
	}
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = 3 })
	}
	cfg.HTTPClient = awshttp.NewBuildableClient().WithTimeout(AttemptTimeout)
	cfg.Logger = logging.LoggerFunc(func(_ logging.Classification, format string, v ...any) {
		slog.Warn(fmt.Sprintf(format, v...), "source", "aws-sdk")
	})
	db := dynamodb.NewFromConfig(cfg, append([]func(*dynamodb.Options){Instrument}, optFns...)...)
	return New(db, table), nil
}

// Table returns the table name.
func (s *Store) Table() string { return s.table }

// Client returns the DynamoDB client, for tools that manage the table.
func (s *Store) Client() *dynamodb.Client { return s.db }

// Key formats.
const (
	processPrefix = "EXAMREGPROCESS#"
	counterSK     = "COUNTER#EXAMREGPROCESS"
	counterAttr   = "process_count"
	examPrefix    = "EXAM#"
	regPrefix     = "EXAMREG#"
	gsi1          = "gsi1"
)

func tenantPK(tenant string) string              { return "TENANT#" + tenant }
func processSK(id string) string                 { return processPrefix + id }
func examSK(id string) string                    { return examPrefix + id }
func contactPK(tenant, contact string) string    { return "TENANT#" + tenant + "#CONTACT#" + contact }
func processRefPK(tenant, process string) string { return "TENANT#" + tenant + "#PROCESS#" + process }

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk},
		"sk": &types.AttributeValueMemberS{Value: sk},
	}
}

// The JSON field names are the attribute names.
func useJSONTags(o *attributevalue.EncoderOptions)       { o.TagKey = "json" }
func useJSONTagsDecode(o *attributevalue.DecoderOptions) { o.TagKey = "json" }

// marshalItem stores v's fields as attributes beside the given key attributes.
func marshalItem(v any, keys map[string]string) (map[string]types.AttributeValue, error) {
	item, err := attributevalue.MarshalMapWithOptions(v, useJSONTags)
	if err != nil {
		return nil, err
	}
	for name, value := range keys {
		item[name] = &types.AttributeValueMemberS{Value: value}
	}
	return item, nil
}

func unmarshalItem(item map[string]types.AttributeValue, v any) error {
	return attributevalue.UnmarshalMapWithOptions(item, v, useJSONTagsDecode)
}

func processItem(tenant string, p *examreg.Process) (map[string]types.AttributeValue, error) {
	return marshalItem(p, map[string]string{"pk": tenantPK(tenant), "sk": processSK(p.ID)})
}

func decodeProcess(item map[string]types.AttributeValue) (*examreg.Process, error) {
	var p examreg.Process
	if err := unmarshalItem(item, &p); err != nil {
		return nil, fmt.Errorf("store: decode exam reg process: %w", err)
	}
	return &p, nil
}

// retrier paces the retries of a write that lost a race: full-jitter
// exponential backoff until the budget (or the context's deadline, less a
// margin) is spent.
type retrier struct {
	deadline time.Time
	attempt  int
}

func (s *Store) retrier(ctx context.Context) *retrier {
	deadline := time.Now().Add(s.RetryBudget)
	if d, ok := ctx.Deadline(); ok && d.Add(-deadlineMargin).Before(deadline) {
		deadline = d.Add(-deadlineMargin)
	}
	return &retrier{deadline: deadline}
}

// wait sleeps before the next attempt and reports whether one may be made.
func (r *retrier) wait(ctx context.Context) bool {
	r.attempt++
	ceiling := min(5*time.Millisecond<<min(r.attempt, 6), 250*time.Millisecond)
	pause := rand.N(ceiling) + time.Millisecond
	if time.Now().Add(pause).After(r.deadline) {
		return false
	}
	t := time.NewTimer(pause)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
